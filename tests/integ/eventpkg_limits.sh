#!/bin/sh
# Issue 18: subscriptions are bounded and NOTIFYs polite.
# build/tools/evtharness plays a focus that accepts every subscriber
# (-A: the From it cannot verify is all it has), so only eventpkg's
# limits stand between a SUBSCRIBE and a NOTIFY.
#
# 1. Caps, with SIPp (evtharness -L 2,3,4: 2 per identity, 3 per source
#    address, 4 in all): the subscription over each cap gets 503 with
#    Retry-After, and the reason phrase names the cap.
# 2. Spoofed SUBSCRIBEs aimed at a victim (eventpkg_limits.py, default
#    limits): 40 SUBSCRIBEs from one address with made-up From URIs and
#    Contact: a UDP socket that never answers.  16 are accepted; the
#    victim sees one NOTIFY transaction per subscription and nothing
#    after Timer F, while a live subscriber keeps being served and one
#    answering 481 is dropped after its first NOTIFY.
. "$(dirname "$0")/lib.sh"
lib_init eventpkg_limits
need sipp python3
need_build tools/evtharness

H=$BUILD/tools/evtharness
S=$TOP/tests/sipp/eventpkg

# harness_start NAME ARGS...: sets HP
harness_start() {
	local _n
	_n=$1; shift
	HP=$(free_port)
	bg_start "$_n" "$H" -l "127.0.0.1:$HP" -d "$TMP/$_n.xml" -A "$@"
	HPID=$BG_PID
	if ! wait_for 5 udp_bound "$HP"; then
		fail "$_n starts"
		show_log "$TMP/$_n.log"
		lib_done
	fi
}

# last_stats NAME KEY: a counter from the harness's last stats line
last_stats() {
	grep '^stats ' "$TMP/$1.log" | tail -n 1 |
		sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}

# sub SCENARIO USER IP: one SIPp subscriber; its exit status
sub() {
	local _d _mp
	_d=$TMP/sipp-$2-$1-$3
	mkdir -p "$_d"
	# SIPp binds RTP on -mp and -mp+2 even when unused: 4 free ports
	_mp=$(free_range 4)
	(
		cd "$_d" || exit 255
		timeout -k 5 20 sipp "127.0.0.1:$HP" -sf "$S/$1.xml" \
			-i "$3" -p "$(free_port)" -mi "$3" -mp "${_mp%-*}" \
			-key user "$2" -m "${4:-1}" \
			-l 1 -recv_timeout 5000 -nostdin \
			-trace_msg -message_file messages.log \
			-trace_err -error_file errors.log \
			</dev/null >sipp.out 2>&1
	)
}

# refused USER IP REASON: 503 with Retry-After, this reason phrase
refused() {
	sub refused "$1" "$2" || return 1
	tr -d '\r' <"$TMP/sipp-$1-refused-$2/messages.log" |
		grep -Eq "^[[:space:]]*SIP/2.0 503 $3[[:space:]]*\$"
}

# ---- 1. caps ----
# (-t 60000: no scripted roster changes, hence no NOTIFYs after the
# first ones to SIPp ports that are gone)
harness_start caps -L 2,3,4 -S 200 -t 60000 -e 60000

check "alice's two subscriptions accepted" sub holder alice 127.0.0.1 2
check "alice's third: 503 per identity (from another address)" \
	refused alice 127.0.0.2 "Too Many Subscriptions For This Subscriber"
check "bob from the same address accepted (3rd there)" \
	sub holder bob 127.0.0.1
check "carol from that address: 503 per source address" \
	refused carol 127.0.0.1 "Too Many Subscriptions From This Address"
check "carol from 127.0.0.2 accepted (4th in all)" \
	sub holder carol 127.0.0.2
check "dave: 503 over the total" \
	refused dave 127.0.0.2 "Too Many Subscriptions"
sleep 0.5
n=$(last_stats caps subs)
r=$(last_stats caps refused)
check "harness holds 4 subscriptions, refused 3 (subs=$n refused=$r)" \
	test "$n" = 4 -a "$r" = 3
bg_stop "$HPID"

# ---- 2. spoofed Contacts, a dead subscriber, one answering 481 ----
harness_start spoof -t 500 -S 1000 -e 120000
python3 "$TOP/tests/integ/eventpkg_limits.py" "$HP" 36 \
	>"$TMP/spoof.out" 2>&1
while read -r l; do
	case $l in
	PASS*) pass "${l#PASS }" ;;
	FAIL*) fail "${l#FAIL }" ;;
	*) note "$l" ;;
	esac
done <"$TMP/spoof.out"
sleep 1.2
n=$(last_stats spoof subs)
f=$(last_stats spoof failed)
r=$(last_stats spoof refused)
check "only the live subscription is left (subs=$n failed=$f refused=$r)" \
	test "$n" = 1 -a "$f" = 17 -a "$r" = 24
bg_stop "$HPID"
lib_done
