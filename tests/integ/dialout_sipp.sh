#!/bin/sh
# Dial-out call progress against SIPp UASes (issue 10), each started by a
# chair's REFER, with a watcher subscribed to the conference:
#  - answered with the dialled identity (P-Asserted-Identity from a
#    trusted peer), then hung up: the roster shows dialing-out,
#    alerting, connected, disconnected (schema-valid, dialed-out, by);
#  - answered with another P-Asserted-Identity, or none, from a trusted
#    peer (TS 33.328 G.2): the focus sends BYE and says why;
#  - busy (486): the REFER's last NOTIFY says 486, the roster "busy";
#  - no answer within dialout_timeout: CANCEL, 408;
#  - 3xx to a non-SIP URI: not followed; 3xx four times: three followed,
#    the fourth refused;
#  - outbound_proxy: every INVITE goes there (here: the UAS itself),
#    with the participant's URI as Request-URI, even one whose host
#    (127.0.0.2:9) nobody serves.
. "$(dirname "$0")/lib.sh"
lib_init dialout_sipp
need sipp xmllint python3 ss timeout
need_build confd confctl

S=$TOP/tests/sipp
D=$CONFD_DOMAIN
ROOM=sip:room@$D
XSD=$TOP/tests/data/conference-info.xsd
UAS_PORT=$(free_port)
U=127.0.0.1:$UAS_PORT

CONFD_EXTRA="trusted_peers	$U
trusted_peers	127.0.0.2
outbound_proxy	$U;transport=udp
dialout_timeout	3"
confd_setup
{
	confctl conf add "$ROOM" --srtp optional &&
	confctl part add "$ROOM" "sip:chair@$D" --role chair &&
	confctl part add "$ROOM" "sip:watcher@$D" &&
	for u in answer spoof nopai busy ring tel loop; do
		confctl part add "$ROOM" "sip:$u@$U" || exit 1
	done &&
	confctl part add "$ROOM" "sip:proxied@127.0.0.2:9"
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# uas NAME SCENARIO [SIPP-ARGS...]: a SIPp UAS on UAS_PORT, in the
# background; sets UAS_PID
uas() {
	local _n _sc _sd
	_n=$1 _sc=$2
	shift 2
	_sd=$(sipp_dir "uas-$_n")
	mkdir -p "$_sd"
	( cd "$_sd" && exec timeout -k 5 40 sipp -sf "$_sc" -i 127.0.0.1 \
		-p "$UAS_PORT" -mp "$(free_port)" -m 1 -d 1500 -nostdin \
		-trace_msg -message_file messages.log -trace_err \
		-error_file errors.log "$@" </dev/null >sipp.out 2>&1 ) &
	UAS_PID=$!
	LIB_PIDS="$LIB_PIDS $UAS_PID"
	sleep 0.5
}

refer() { # NAME TARGET
	sipp_run "$1" "$S/refer.xml" -i 127.0.0.2 -s room -key caller chair \
		-key refer_hdr "Refer-To: <$2>" -key refer_sub "X-Test: 1"
}

# last NAME: the sipfrag of the REFER's last NOTIFY
last() {
	awk '/^NOTIFY /{n=1; b=0; next}
	     n && /^\r?$/ {b=1; next}
	     n && b && /^SIP\/2.0 / {sub(/\r$/, ""); l=$0; n=0}
	     END {print l}' "$(sipp_dir "$1")/messages.log"
}

# case NAME SCENARIO TARGET-USER EXPECTED-LAST-SIPFRAG [UAS-ARGS...]
case_() {
	local _n _sc _t _want _rc
	_n=$1 _sc=$2 _t=sip:$3@$U _want=$4
	shift 4
	uas "$_n" "$S/$_sc" "$@"
	refer "refer-$_n" "$_t" ||
		{ fail "$_n: REFER ran to its end"; sipp_show "refer-$_n"; }
	wait "$UAS_PID"
	_rc=$?
	if [ $_rc = 0 ]; then
		pass "$_n: the UAS saw the call it expected"
	else
		fail "$_n: the UAS saw the call it expected" "sipp exit $_rc"
		sipp_show "uas-$_n"
	fi
	check "$_n: REFER's last NOTIFY: $_want" \
		test "$(last "refer-$_n")" = "$_want"
}

# the watcher, for the whole run
( sipp_run watch "$S/subscribe_watch.xml" -i 127.0.0.2 -s room \
	-key caller watcher ) &
WATCH=$!
sleep 1

case_ answered uas_answer_bye.xml answer "SIP/2.0 200 OK" \
	-key pai_hdr "P-Asserted-Identity: <sip:answer@$U>"
sleep 3       # the disconnected row lingers, then goes

case_ spoofed uas_answer.xml spoof \
	"SIP/2.0 403 Answering Identity Not Accepted" \
	-key pai_hdr "P-Asserted-Identity: <sip:mallory@evil.example>"
check "spoofed: confd logged why" \
	grep -q "answered by sip:mallory@evil.example, not sip:spoof@$U" "$CONFD_LOG"

case_ nopai uas_answer.xml nopai \
	"SIP/2.0 403 Answering Identity Not Accepted" -key pai_hdr "X-Test: 1"
check "nopai: confd logged why" \
	grep -q "sip:nopai@$U.*without P-Asserted-Identity" "$CONFD_LOG"

case_ busy uas_busy.xml busy "SIP/2.0 486 Busy Here"

case_ ring uas_ring.xml ring "SIP/2.0 408 Request Timeout"
check "ring: confd logged the timeout" \
	grep -q "sip:ring@$U: dial-out ended: no answer within 3 s" "$CONFD_LOG"

case_ tel uas_redirect.xml tel "SIP/2.0 302 Redirection Refused" \
	-key contact "tel:+15551234"
check "tel: confd logged why" grep -q "redirected to a non-SIP URI" "$CONFD_LOG"

case_ loop uas_redirect_loop.xml loop "SIP/2.0 302 Redirection Refused" \
	-key contact "sip:loop@$U"
n=$(grep -a -c '^INVITE sip:loop@' "$(sipp_dir uas-loop)/messages.log")
check "loop: four INVITEs (three redirections followed), no fifth" \
	test "$n" = 4
check "loop: confd logged why" grep -q "more than 3 redirections" "$CONFD_LOG"

# the outbound proxy takes an INVITE for a host nobody serves
uas proxied "$S/uas_answer_bye.xml" \
	-key pai_hdr "P-Asserted-Identity: <sip:proxied@127.0.0.2:9>"
refer refer-proxied "sip:proxied@127.0.0.2:9" ||
	{ fail "proxied: REFER ran to its end"; sipp_show refer-proxied; }
wait "$UAS_PID"
check "proxied: the proxy (UAS) got the call" test $? = 0
check "proxied: REFER's last NOTIFY: SIP/2.0 200 OK" \
	test "$(last refer-proxied)" = "SIP/2.0 200 OK"
grep -a -q '^INVITE sip:proxied@127.0.0.2:9 SIP/2.0' \
	"$(sipp_dir uas-proxied)/messages.log" &&
grep -a -q "^Route: <sip:$U;lr>" "$(sipp_dir uas-proxied)/messages.log"
check "proxied: Request-URI is the participant, Route the proxy" test $? = 0

sleep 3
kill "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null
python3 "$TOP/tests/integ/dialout_events.py" \
	"$(sipp_dir watch)/messages.log" "$XSD" "sip:answer@$U" \
	"sip:busy@$U" "sip:chair@$D" >"$TMP/events.out" 2>&1
while read -r l; do
	case $l in
	PASS*) pass "${l#PASS }" ;;
	FAIL*) fail "${l#FAIL }" ;;
	*) note "$l" ;;
	esac
done <"$TMP/events.out"

if confd_alive; then pass "confd alive"; else fail "confd alive"; fi
confd_stop 10 || fail "confd exits 0 on SIGTERM" "status $?"
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 80
lib_done
