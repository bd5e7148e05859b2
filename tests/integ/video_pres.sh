#!/bin/sh
# The presentation under BFCP (issue 13): three test UAs with SDES-SRTP,
# an m=video a=content:slides VP8 line and TCP/TLS/BFCP each; every one
# of them sends VP8 all the time, each payload tagged with its sender
# (A=1, B=2, C=3).  Timeline (A's call time):
#   0.3 s  A requests the presentation floor (1), Granted
#   1.5 s  B requests it: queued (Accepted)
#   4   s  A releases: B is Granted at once
#   8   s  B releases: nobody holds it
#  11   s  everyone hangs up
# C never asks.  Checks: only the holder's packets reach the others (C's
# and the non-holder's never: they do not leave confd); C sees one
# stream across the change from A to B (one SSRC, the next sequence
# number, no timestamp going back); a PLI reaches B within a round trip
# of its grant; after the release nobody gets slides; tshark decodes
# the relayed RTP and RTCP with no malformed packet.
. "$(dirname "$0")/lib.sh"
lib_init video_pres
need timeout tshark dumpcap
need_build confd confctl confd-ua

UA=$BUILD/confd-ua
ROOM=sip:pres@$CONFD_DOMAIN
confd_setup
printf 'tcp_ports %s\n' "$(free_range 40)" >>"$CONFD_CONF"
{
	confctl conf add "$ROOM" --srtp required &&
	for u in a b c; do
		confctl part add "$ROOM" "sip:$u@$CONFD_DOMAIN" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" \
			"sip:$u@$CONFD_DOMAIN" || exit 1
	done
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

tag_of() { case $1 in a) echo 1 ;; b) echo 2 ;; c) echo 3 ;; esac; }
S_A="hello; wait HelloAck; req 1; wait FloorRequestStatus status=Granted; sleep 3700; release; wait FloorRequestStatus status=Released; sleep 20000"
S_B="hello; wait HelloAck; sleep 1200; req 1; wait FloorRequestStatus status=Accepted; wait FloorRequestStatus tid=0 status=Granted; sleep 3700; release; wait FloorRequestStatus status=Released; sleep 20000"
S_C="hello; wait HelloAck; sleep 20000"

call() { # call NAME SECONDS SCRIPT
	bg_start "$1" timeout -k 5 40 "$UA" call \
		--to "sip:pres@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:$1@$CONFD_DOMAIN" --srtp \
		--auth-user "$1" --auth-pass "pw-$1" \
		--bfcp tls --cert "$TMP/$1.pem" --bfcp-script "$3" \
		--video slides --video-tag "$(tag_of "$1")" --video-kbps 400 \
		--duration "$2"
	eval "${1}_PID=\$BG_PID"
}
kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
show() { sed "s/^/    $1| /" "$TMP/$1.log"; }

for u in a b c; do
	"$UA" bfcp --tls --cert "$TMP/$u.pem" --print-fp >/dev/null
done
capture_start video "udp portrange $CONFD_RTP_MIN-$CONFD_RTP_MAX" ||
	fail "capture on lo"
call a 11 "$S_A"; sleep 0.1
call b 10.9 "$S_B"; sleep 0.1
call c 10.8 "$S_C"
wait "$a_PID" "$b_PID" "$c_PID"
capture_stop

for u in a b c; do
	if [ "$(kv $u status)" = 200 ] && [ "$(kv $u result)" = ok ] &&
	   [ "$(kv $u slides_answered)" = 1 ] &&
	   [ "$(kv $u slides_rx_decrypt_fail)" = 0 ] &&
	   [ "$(kv $u slides_rx_bad)" = 0 ] && [ "$(kv $u slides_rtcp_bad)" = 0 ]; then
		pass "$u: slides answered and keyed (SDES), nothing undecryptable"
	else
		fail "$u: slides answered and keyed (SDES), nothing undecryptable"
		show $u
	fi
done

# who got whose video
got() { v=$(kv "$1" "slides_from_$2"); echo "${v:-0}"; }
check "C got A's slides and then B's" \
	test "$(got c 1)" -gt 30 -a "$(got c 2)" -gt 30
check "A got B's slides (while B held the floor), never its own" \
	test "$(got a 2)" -gt 30 -a "$(got a 1)" = 0
check "B got A's slides, never its own" \
	test "$(got b 1)" -gt 30 -a "$(got b 2)" = 0
check "C's packets (never the holder) reached nobody" \
	test "$(got a 3)" = 0 -a "$(got b 3)" = 0 -a "$(got c 3)" = 0
check "C: one stream across the change (1 SSRC, no sequence gap, no timestamp back)" \
	test "$(kv c slides_ssrcs)" = 1 -a "$(kv c slides_seq_jumps)" = 0 \
	-a "$(kv c slides_ts_back)" = 0
check "C: the switch from A to B came as the next sequence number" \
	grep -q "^VIDEO-SWITCH slides from=1 to=2 seq_step=1 " "$TMP/c.log"

# a PLI reaches B within a round trip of its grant (confd asks as it
# grants; loopback: well under 100 ms even on a loaded machine)
grant=$(awk '/^RECV FloorRequestStatus.*status=Granted/ { g = 1; next }
	g && /^RECV-AT/ { sub(/.*at_us=/, ""); print; exit }' "$TMP/b.log")
pli=$(awk -v g="${grant:-0}" '/^VIDEO-PLI slides/ { sub(/.*at_us=/, "");
	if ($0 + 0 >= g - 50000) { print; exit } }' "$TMP/b.log")
if [ -n "$grant" ] && [ -n "$pli" ] && [ $((pli - grant)) -lt 100000 ]; then
	pass "B: PLI $((pli - grant)) us after its grant"
else
	fail "B: PLI within a round trip of its grant" "grant=$grant pli=$pli"
	grep "VIDEO-PLI\|RECV-AT\|Granted" "$TMP/b.log" | sed 's/^/    b| /'
fi
check "A: asked for a key frame when granted (PLI)" \
	grep -q "^VIDEO-PLI slides" "$TMP/a.log"
check "C: never asked for a key frame (never the holder)" \
	test "$(kv c slides_pli_rx)" = 0 -a "$(kv c slides_fir_rx)" = 0

# after B released (8 s) nobody gets slides: the last switch C saw is
# from A to B, and C's count of B's packets stops well short of the end
check "nobody got slides after the release" \
	test "$(kv c slides_switches)" = 1 -a "$(kv a slides_switches)" = 0

# the wire, SRTP: confd's RTP headers towards the UAs are valid RTP
# (tshark cannot check encrypted payloads or SRTCP, see below)
ports=$(sed -n 's/.*slides video VP8 pt [0-9]* on port \([0-9]*\).*/\1/p' "$CONFD_LOG" | sort -u)
decode_as() {
	dec=""
	for p in $ports; do
		dec="$dec -d udp.port==$p,rtp -d udp.port==$((p + 1)),rtcp"
	done
}
from_confd() {
	f=""
	for p in $ports; do
		f="${f:+$f || }udp.srcport == $p || udp.srcport == $((p + 1))"
	done
	echo "($f)"
}
decode_as
# shellcheck disable=SC2086
nrtp=$(tshark -r "$CAP_FILE" $dec -Y "rtp.version == 2 && $(from_confd)" 2>/dev/null | wc -l)
# shellcheck disable=SC2086
tshark -r "$CAP_FILE" $dec -Y "rtp && $(from_confd) && _ws.malformed" \
	>"$TMP/malformed" 2>/dev/null
if [ -n "$ports" ] && [ "$nrtp" -gt 100 ] && [ ! -s "$TMP/malformed" ]; then
	pass "tshark: $nrtp SRTP packets from confd, valid RTP headers"
else
	fail "tshark: SRTP packets from confd have valid RTP headers" "ports=[$ports] rtp=$nrtp"
	head -20 "$TMP/malformed" | sed 's/^/    | /'
fi

# ---- the same relay with plain RTP, so that tshark sees everything:
#      A presents to C for 4 s
PLAIN=sip:plain@$CONFD_DOMAIN
{
	confctl conf add "$PLAIN" --srtp off &&
	for u in a c; do
		confctl part add "$PLAIN" "sip:$u@$CONFD_DOMAIN" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$PLAIN" \
			"sip:$u@$CONFD_DOMAIN" || exit 1
	done
} >>"$TMP/confctl.log" 2>&1 || fail "plain conference set-up"
confd_reload
capture_start plain "udp portrange $CONFD_RTP_MIN-$CONFD_RTP_MAX" ||
	fail "capture on lo"
pcall() { # pcall NAME SCRIPT
	bg_start "p$1" timeout -k 5 30 "$UA" call \
		--to "sip:plain@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:$1@$CONFD_DOMAIN" \
		--auth-user "$1" --auth-pass "pw-$1" \
		--bfcp tcp --bfcp-script "$2" \
		--video slides --video-tag "$(tag_of "$1")" --video-kbps 300 \
		--duration 4
	eval "p${1}_PID=\$BG_PID"
}
pcall a "hello; wait HelloAck; req 1; wait FloorRequestStatus status=Granted; sleep 20000"
pcall c "hello; wait HelloAck; sleep 20000"
wait "$pa_PID" "$pc_PID"
capture_stop
check "plain: C got A's slides" test "$(kv pc slides_from_1)" -gt 30
ports=$(sed -n 's/.*slides video VP8 pt [0-9]* on port \([0-9]*\).*/\1/p' "$CONFD_LOG" | sort -u)
decode_as
# shellcheck disable=SC2086
tshark -r "$CAP_FILE" $dec -Y "_ws.malformed || _ws.expert.severity >= error" \
	-T fields -e frame.number -e _ws.col.Info >"$TMP/malformed" 2>/dev/null
# shellcheck disable=SC2086
nrtp=$(tshark -r "$CAP_FILE" $dec -Y "rtp.version == 2 && $(from_confd)" 2>/dev/null | wc -l)
# shellcheck disable=SC2086
nrtcp=$(tshark -r "$CAP_FILE" $dec -Y "rtcp && $(from_confd)" 2>/dev/null | wc -l)
# shellcheck disable=SC2086
npli=$(tshark -r "$CAP_FILE" $dec -Y "rtcp.psfb.fmt == 1 && $(from_confd)" 2>/dev/null | wc -l)
if [ "$nrtp" -gt 50 ] && [ "$nrtcp" -gt 0 ] && [ "$npli" -gt 0 ] &&
   [ ! -s "$TMP/malformed" ]; then
	pass "tshark (plain): $nrtp RTP, $nrtcp RTCP ($npli with a PLI) from confd, nothing malformed either way"
else
	fail "tshark (plain) decodes the relayed RTP and RTCP as valid" "rtp=$nrtp rtcp=$nrtcp pli=$npli"
	head -20 "$TMP/malformed" | sed 's/^/    | /'
fi

check "confd still running" confd_alive
[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 60
lib_done
