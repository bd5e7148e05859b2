#!/bin/sh
# Three baresip clients (SDES-SRTP mandatory, PCMU) dial into one closed,
# SRTP-required conference.  Each plays its own tone and records what it
# hears: every recording must hold the other two tones and not its own.
# The SIP signalling is captured on lo: confd's three answers must carry
# a=crypto keys that are pairwise distinct and differ from the offers'.
. "$(dirname "$0")/lib.sh"
lib_init baresip_mix
need baresip tshark dumpcap ss timeout
need_build confd confctl tools/tonegen tools/tonecheck

D=$CONFD_DOMAIN
ROOM=sip:mix@$D
USERS="alice bob carol"
# multiples of 10 Hz: whole periods in tonecheck's 100 ms blocks, and far
# from each other's harmonics and from PCMU's quantisation noise
tone_of() {
	case $1 in alice) echo 440 ;; bob) echo 1000 ;; carol) echo 1700 ;; esac
}

for u in $USERS; do
	"$BUILD/tools/tonegen" -d 60 -l 0.25 "$TMP/$u.wav" "$(tone_of "$u")" ||
		{ fail "tone files"; lib_done; }
done

confd_setup
{
	confctl conf add "$ROOM" --srtp required --subject "three tones" &&
	for u in $USERS; do
		confctl part add "$ROOM" "sip:$u@$D" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" "sip:$u@$D" ||
			exit 1
	done
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

capture_start sip "port $CONFD_SIP_PORT" ||
	{ fail "packet capture on lo"; lib_done; }

# Staggered joins; everyone hangs up at about the same moment, so the
# three are together for about 10 s.
pids=""
delay=0
for u in $USERS; do
	# a closed room: baresip answers confd's MD5 challenge (auth_user
	# defaults to the AOR's user part)
	baresip_setup "$TMP/$u" "$u" "$TMP/$u.wav" \
		";mediaenc=srtp-mand;auth_pass=pw-$u"
	baresip_start "$u" "$TMP/$u" $((16 - delay)) "/dial $ROOM"
	pids="$pids $BG_PID"
	sleep 1
	delay=$((delay + 1))
done
for p in $pids; do
	wait "$p"
done
capture_stop

# -- did everyone get in, with SRTP? ------------------------------------
for u in $USERS; do
	log=$TMP/$u.log
	if grep -q "Call established" "$log" &&
	   grep -q "SRTP is Enabled" "$log"; then
		pass "$u joined with SRTP"
	else
		fail "$u joined with SRTP"
		grep -a -E "call:|Call |srtp|SRTP|err|fail" "$log" | tail -n 15 |
			sed 's/^/    | /'
	fi
done

# -- does each hear the others and not itself? --------------------------
for u in $USERS; do
	rec=$(baresip_recording "$TMP/$u")
	args=""
	for o in $USERS; do
		if [ "$o" = "$u" ]; then
			args="$args -a $(tone_of "$o")"
		else
			args="$args -p $(tone_of "$o")"
		fi
	done
	others=$(echo "$USERS" | tr ' ' '\n' | grep -vx "$u" | tr '\n' ' ')
	if [ -z "$rec" ]; then
		fail "$u hears ${others}and not itself" "no recording in $TMP/$u/rec"
		continue
	fi
	# skip the first 2 s (joins, jitter buffers fill); want 4 s of sound
	# shellcheck disable=SC2086
	check "$u hears ${others}and not itself" \
		"$BUILD/tools/tonecheck" -s 2 -t 4 $args "$rec"
done

# -- SDES keys in confd's answers ----------------------------------------
# one line per SIP message: frame src dst call-id method status attrs
sip_dump "$CAP_FILE" "$CONFD_SIP_PORT" >"$TMP/sip.txt"
tshark -r "$CAP_FILE" -d "udp.port==$CONFD_SIP_PORT,sip" \
	-d "tcp.port==$CONFD_SIP_PORT,sip" -Y "_ws.malformed || _ws.expert.severity == error" \
	2>/dev/null >"$TMP/malformed.txt"
if [ -s "$TMP/malformed.txt" ]; then
	fail "no malformed SIP/SDP in the capture"
	sed 's/^/    | /' "$TMP/malformed.txt" | head -n 10
else
	pass "no malformed SIP/SDP in the capture"
fi

# inline keys: "callid kind suite key" lines, kind offer (INVITE request)
# or answer (200 to INVITE), one answer per Call-ID (retransmissions)
awk -F '\t' '
	$5 == "INVITE" && ($6 == "" || $6 == "200") {
		kind = $6 == "" ? "offer" : "answer"
		if (kind == "answer" && ($4 in seen)) next
		if (kind == "answer") seen[$4] = 1
		n = split($7, a, "~")
		for (i = 1; i <= n; i++) {
			if (a[i] !~ /^crypto:/) continue
			split(a[i], f, " ")
			key = f[3]; sub(/^inline:/, "", key); sub(/\|.*/, "", key)
			print $4, kind, f[1], f[2], key
		}
	}' "$TMP/sip.txt" >"$TMP/keys.txt"

answers=$(awk '$2 == "answer"' "$TMP/keys.txt")
nans=$(awk '$2 == "answer" {print $1}' "$TMP/keys.txt" | sort -u | wc -l)
nkeys=$(awk '$2 == "answer"' "$TMP/keys.txt" | wc -l)
ndist=$(awk '$2 == "answer" {print $5}' "$TMP/keys.txt" | sort -u | wc -l)
if [ "$nans" = 3 ] && [ "$nkeys" = 3 ] && [ "$ndist" = 3 ]; then
	pass "three answers, one a=crypto each, keys pairwise distinct"
else
	fail "three answers, one a=crypto each, keys pairwise distinct" \
		"$nans answers with crypto, $nkeys keys, $ndist distinct"
	sed 's/^/    | /' "$TMP/keys.txt"
fi

reused=$(awk '$2 == "offer" {o[$5] = 1} $2 == "answer" {a[$5] = 1}
	END {for (k in a) if (k in o) print k}' "$TMP/keys.txt")
if [ -n "$answers" ] && [ -z "$reused" ]; then
	pass "no answer key equals an offer key"
else
	fail "no answer key equals an offer key"
	sed 's/^/    | /' "$TMP/keys.txt"
fi

# RFC 4568 5.1.2: the answer takes the offer's tag and crypto-suite;
# AES_CM_128 key||salt is 30 bytes = 40 base64 characters
bad=$(awk '$2 == "offer" {o[$1 " " $3] = $4}
	$2 == "answer" {
		if (o[$1 " " $3] != $4) print "suite/tag", $0
		k = $5; sub(/=*$/, "", k)
		if ($4 ~ /^AES_CM_128_/ && length(k) != 40) print "length", $0
	}' "$TMP/keys.txt")
if [ -n "$answers" ] && [ -z "$bad" ]; then
	pass "answers use an offered tag+suite with a key of the right size"
else
	fail "answers use an offered tag+suite with a key of the right size"
	echo "$bad" | sed 's/^/    | /'
fi

if confd_alive; then
	pass "confd alive after the calls"
else
	fail "confd alive after the calls"
	show_log "$CONFD_LOG"
fi
confd_stop 10 || { fail "confd exits 0 on SIGTERM" "status $?"; show_log "$CONFD_LOG"; }

if [ "$LIB_FAILS" != 0 ]; then
	show_log "$CONFD_LOG" 60
fi
lib_done
