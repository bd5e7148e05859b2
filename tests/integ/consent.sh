#!/bin/sh
# Media consent (issue 18, item 3 and 6): confd sends media only where the
# participant's own packets came from, ends calls that send none, refuses
# offers that name broadcast, multicast, unspecified addresses or ports
# out of range, and answers an overlapping re-INVITE with 491.  All the
# while a legitimate participant (confd-ua, SDES-SRTP) in the same room
# keeps its call and hears confd's mix throughout.
. "$(dirname "$0")/lib.sh"
lib_init consent
need sipp ss timeout python3
need_build confd confctl confd-ua

S=$TOP/tests/sipp
D=$CONFD_DOMAIN
UA=$BUILD/confd-ua
PEER=$TOP/tests/tools/rtp_peer.py
MT=3                       # media_timeout for this test, s
LEGIT_S=26                 # how long the legitimate call lasts

CONFD_EXTRA="media_timeout $MT"
confd_setup
if ! confctl conf add "sip:room@$D" --open --srtp optional \
	>"$TMP/confctl.log" 2>&1; then
	fail "store set-up with confctl"
	show_log "$TMP/confctl.log"
	lib_done
fi
confd_start

kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
# count FILE PORT: what rtp_peer.py counted on PORT
count() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# -- the legitimate participant, for the whole test ----------------------
bg_start legit timeout -k 5 $((LEGIT_S + 20)) "$UA" call \
	--to "sip:room@127.0.0.1:$CONFD_SIP_PORT" --from "sip:legit@$D" \
	--srtp --tone 440 --duration "$LEGIT_S"
LEGIT_PID=$BG_PID
sleep 1

# -- reflection: 20 INVITEs name a victim's port and never send ----------
VICTIM=$(free_port)
bg_start victim python3 "$PEER" --listen "$VICTIM" --seconds $((MT + 9)) \
	--out "$TMP/victim.count"
VICTIM_PID=$BG_PID
sleep 0.3
if sipp_run "reflect" "$S/consent_reflect.xml" -s room -key victim "$VICTIM" \
	-m 20 -l 20 -r 20; then
	pass "20 reflection calls each end with BYE, Reason: SIP;cause=408 (media_timeout $MT s)"
else
	fail "reflection calls end with BYE + Reason" "sipp exit $?"
	sipp_show "reflect"
fi
wait "$VICTIM_PID"
v=$(count "$TMP/victim.count" "$VICTIM")
if [ "$v" = 0 ]; then
	pass "the victim port got 0 packets from confd"
else
	fail "the victim port got 0 packets from confd" "got ${v:-?}"
fi
n=$(grep -c "no media for .* (media_timeout), hanging up" "$CONFD_LOG")
if [ "$n" -ge 20 ]; then
	pass "confd logged each media_timeout ($n)"
else
	fail "confd logged each media_timeout" "$n lines"
	show_log "$CONFD_LOG" 30
fi

# -- offers confd must not send to: 488 with a Warning --------------------
# reject NAME CONN PORT WARNCODE
reject() {
	local d
	if sipp_run "$1" "$S/consent_reject.xml" -s room -key conn "$2" \
		-key mport "$3"; then
		d=$(sipp_dir "$1")
		if grep -q "^Warning: $4 " "$d/messages.log"; then
			pass "$1: 488, Warning $4"
		else
			fail "$1: 488, Warning $4" "other warn-code"
			grep -i "^Warning:" "$d/messages.log" | sed 's/^/    | /'
		fi
	else
		fail "$1: 488 with a Warning" "sipp exit $?"
		sipp_show "$1"
	fi
}
reject "limited broadcast 255.255.255.255" "IN IP4 255.255.255.255" 4000 399
reject "multicast 224.0.0.1" "IN IP4 224.0.0.1" 4000 330
reject "multicast with a TTL 239.1.1.1/16" "IN IP4 239.1.1.1/16" 4000 330
reject "IPv6 multicast ff02::1" "IN IP6 ff02::1" 4000 330
reject "0.0.0.0 with a port in a new call (no call to hold)" \
	"IN IP4 0.0.0.0" 4000 399
reject "IPv6 unspecified ::" "IN IP6 ::" 4000 399
reject "m= port 70000 (libre would wrap it to 4464)" "IN IP4 127.0.0.1" 70000 399
reject "m= port 65536 (libre would make it 0)" "IN IP4 127.0.0.1" 65536 399
reject "m= port 0: no audio stream" "IN IP4 127.0.0.1" 0 304

# -- symmetric RTP: SDP says X, media come from Y -------------------------
X=$(free_port) Y=$(free_port)
if sipp_run "symmetric" "$S/consent_symmetric.xml" -s room -key xport "$X" \
	-key peer "python3 $PEER --listen $X --send-from $Y --seconds 4 --out $TMP/sym.count"; then
	pass "symmetric RTP call set up and ended"
else
	fail "symmetric RTP call" "sipp exit $?"
	sipp_show "symmetric"
fi
wait_for 5 test -f "$TMP/sym.count"
x=$(count "$TMP/sym.count" "$X") y=$(count "$TMP/sym.count" "$Y")
if [ "${x:-1}" = 0 ] && [ "${y:-0}" -gt 100 ]; then
	pass "confd sent to the source port Y ($y packets), none to the SDP's X"
else
	fail "confd sends to the RTP source, not the SDP port" "X=$x Y=$y"
	cat "$TMP/sym.count" 2>/dev/null | sed 's/^/    | /'
fi

# -- overlapping re-INVITE: 491 -------------------------------------------
if sipp_run "reinvite 491" "$S/consent_491.xml" -s room; then
	pass "a re-INVITE while our offer waits for the ACK gets 491"
else
	fail "a re-INVITE while our offer waits for the ACK gets 491" "sipp exit $?"
	sipp_show "reinvite 491"
fi

# -- the legitimate participant kept its call ----------------------------
if wait "$LEGIT_PID"; then
	rx=$(kv legit rx_packets)
	df=$(kv legit rx_decrypt_fail)
	# 50 packets/s for the whole call, less a second or two of set-up
	if [ "${rx:-0}" -gt $(( (LEGIT_S - 2) * 50 )) ] && [ "${df:-1}" = 0 ]; then
		pass "the legitimate participant heard confd throughout ($rx packets, 0 decrypt failures)"
	else
		fail "the legitimate participant heard confd throughout" "rx=$rx decrypt_fail=$df"
		show_log "$TMP/legit.log" 20
	fi
else
	fail "the legitimate participant's call" "confd-ua exit $?"
	show_log "$TMP/legit.log" 20
fi
if grep -q "legit.*no media" "$CONFD_LOG"; then
	fail "the legitimate participant was not timed out"
else
	pass "the legitimate participant was not timed out"
fi

lib_done
