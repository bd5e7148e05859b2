#!/bin/sh
# The main video follows the active speaker (issue 13).  Three baresip
# clients (SDES-SRTP mandatory, digest auth, PCMU audio, VP8 video from
# fakevideo, received video shown nowhere) in one conference:
#   alice talks (440 Hz) for the first 9 s, then is silent;
#   bob is silent for 9 s, then talks (1000 Hz);
#   carol never talks.
# Which video each one receives is read off the wire, not from confd:
# every RTP packet confd forwards has exactly the length of the packet
# it came from (a fresh 12-byte header, the same payload, the same SRTP
# tag length), so the sequence of packet lengths confd sends a receiver
# is matched against each sender's sequence towards confd
# (tests/integ/video_match.py).  Expected:
#   4-8 s:   bob and carol get alice's video; alice gets someone
#            else's (never her own);
#  14-18 s:  alice and carol get bob's; bob gets alice's (the previous
#            speaker's, never his own).
. "$(dirname "$0")/lib.sh"
lib_init video_speaker
need baresip tshark dumpcap sox timeout python3
need_build confd confctl

D=$CONFD_DOMAIN
ROOM=sip:speak@$D
USERS="alice bob carol"
sox -n -r 8000 -c 1 -b 16 "$TMP/alice.wav" synth 9 sine 440 vol 0.3 pad 0 20 &&
sox -n -r 8000 -c 1 -b 16 "$TMP/bob.wav" synth 20 sine 1000 vol 0.3 pad 9 0 &&
sox -n -r 8000 -c 1 -b 16 "$TMP/carol.wav" trim 0 29 2>/dev/null ||
	sox -n -r 8000 -c 1 -b 16 "$TMP/carol.wav" synth 29 sine 300 vol 0 ||
	{ fail "WAV files"; lib_done; }

confd_setup
{
	confctl conf add "$ROOM" --srtp required &&
	for u in $USERS; do
		confctl part add "$ROOM" "sip:$u@$D" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" "sip:$u@$D" ||
			exit 1
	done
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

capture_start video "udp portrange $CONFD_RTP_MIN-$CONFD_RTP_MAX" ||
	{ fail "packet capture on lo"; lib_done; }

rate_of() { case $1 in alice) echo 400000 ;; bob) echo 250000 ;; carol) echo 150000 ;; esac; }
pids=""
for u in $USERS; do
	baresip_setup "$TMP/$u" "$u" "$TMP/$u.wav" \
		";mediaenc=srtp-mand;auth_pass=pw-$u;video_codecs=VP8"
	cat >>"$TMP/$u/config" <<EOF2
module			fakevideo.so
module			vp8.so
video_source		fakevideo,nil
video_display		fakevideo,nil
video_size		320x240
video_bitrate		$(rate_of "$u")
video_fps		15
EOF2
	baresip_start "$u" "$TMP/$u" 24 "/dial $ROOM"
	pids="$pids $BG_PID"
	sleep 0.2
done
for p in $pids; do
	wait "$p"
done
capture_stop

for u in $USERS; do
	if grep -q "Call established" "$TMP/$u.log" &&
	   grep -q "SRTP is Enabled" "$TMP/$u.log"; then
		pass "$u joined with SRTP"
	else
		fail "$u joined with SRTP"
		grep -a -E "call:|Call |srtp|SRTP|video|err|fail" "$TMP/$u.log" |
			tail -n 15 | sed 's/^/    | /'
	fi
done

# confd's main video port of each participant, from its log
for u in $USERS; do
	p=$(sed -n "s/.*sip:$u@$D: main video VP8 pt [0-9]* on port \([0-9]*\).*/\1/p" "$CONFD_LOG" | tail -n 1)
	eval "PORT_$u=\$p"
	[ -n "$p" ] || fail "$u: main video answered" "no port in confd's log"
done
t0=$(tshark -r "$CAP_FILE" -T fields -e frame.time_epoch -c 1 2>/dev/null)
tshark -r "$CAP_FILE" -T fields -e frame.time_epoch -e udp.srcport \
	-e udp.dstport -e udp.length 2>/dev/null >"$TMP/udp.txt"

# match WINDOW_FROM WINDOW_TO: "receiver=source" per user
match() {
	python3 "$TOP/tests/integ/video_match.py" "$TMP/udp.txt" "$t0" "$1" "$2" \
		alice="$PORT_alice" bob="$PORT_bob" carol="$PORT_carol"
}
match 4 8 >"$TMP/phase1" 2>&1
match 14 18 >"$TMP/phase2" 2>&1
src() { sed -n "s/^$2=//p" "$TMP/$1"; }

check "4-8 s: bob gets alice's video" test "$(src phase1 bob)" = alice
check "4-8 s: carol gets alice's video" test "$(src phase1 carol)" = alice
check "4-8 s: alice gets video, not her own" \
	sh -c "s=\$(sed -n 's/^alice=//p' '$TMP/phase1'); [ -n \"\$s\" ] && [ \"\$s\" != alice ] && [ \"\$s\" != none ]"
check "14-18 s: alice gets bob's video" test "$(src phase2 alice)" = bob
check "14-18 s: carol gets bob's video" test "$(src phase2 carol)" = bob
check "14-18 s: bob gets the previous speaker's (alice's)" \
	test "$(src phase2 bob)" = alice
check "confd logged the speaker change" \
	sh -c "grep -c 'active speaker' '$CONFD_LOG' | awk '{ exit !(\$1 >= 2) }'"
[ "$LIB_FAILS" = 0 ] || { sed 's/^/    1| /' "$TMP/phase1"; sed 's/^/    2| /' "$TMP/phase2"; }

check "confd still running" confd_alive
[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 60
lib_done
