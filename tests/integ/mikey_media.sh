#!/bin/sh
# Media keyed by MIKEY-TICKET end to end: two participants (the test UA,
# its own MIKEY initiator) get tickets from kmsd, call with TRANSFER_INIT
# in a=key-mgmt, and confd resolves them at kmsd.  Then:
#  - SRTP keyed by the TEKs flows both ways: each recording holds the
#    other's tone and not its own, with no decrypt failures;
#  - the two participants' TEKs differ;
#  - BFCP over TLS-PSK (PSK = the TEK of the TLS crypto session, empty
#    identity, TS 33.328 Annex H): the first floor request is Granted,
#    the second Accepted and queued (RFC 8855 5.2.5: Pending is for a chair's decision); a client with a wrong PSK is refused.
. "$(dirname "$0")/lib.sh"
lib_init mikey_media
need openssl timeout
need_build confd confctl confd-ua kmsd tools/tonecheck

UA=$BUILD/confd-ua
kmsd_start A=sip:alice@example.org B=sip:bob@example.org
KMS_ID=kms.example.org

confd_setup
confd_kms_conf
cat >>"$CONFD_CONF" <<EOT
tcp_ports $(free_range 40)
EOT
ROOM=sip:room@$CONFD_DOMAIN
{
	confctl conf add "$ROOM" --srtp required &&
	confctl part add "$ROOM" "sip:alice@$CONFD_DOMAIN" --kms-uid sip:alice@example.org &&
	confctl part add "$ROOM" "sip:bob@$CONFD_DOMAIN" --kms-uid sip:bob@example.org
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# call NAME UID PSK TONE SECONDS SCRIPT: a MIKEY-keyed call with BFCP
# over TLS-PSK, in the background; output in $TMP/NAME.out
call() {
	bg_start "$1" timeout -k 5 $(($5 + 20)) "$UA" call \
		--to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:$1@$CONFD_DOMAIN" \
		--mikey "$2:$3:$KMS_ID:127.0.0.1:$KPORT:$FOCUS_UID" \
		--bfcp tls --bfcp-script "$6" --tone "$4" --duration "$5" \
		--record "$TMP/$1.wav"
	eval "${1}_PID=\$BG_PID"
}
kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
has() { grep -q -- "$2" "$TMP/$1.log"; }
show() { sed "s/^/    $1| /" "$TMP/$1.log"; }

# alice asks first and holds the presentation floor until she leaves
call alice sip:alice@example.org "$PSK_A" 440 10 \
	"hello; wait HelloAck; req 1; wait FloorRequestStatus status=Granted; sleep 15000"
if ! wait_for 10 grep -q "MATCH.*status=Granted" "$TMP/alice.log"; then
	fail "alice: MIKEY call up, BFCP over TLS-PSK Granted"
	show alice; show_log "$CONFD_LOG" 30; lib_done
fi
pass "alice: MIKEY call up, BFCP over TLS-PSK Granted"

# a client that knows the port, conference and user but not the PSK
A_PORT=$(kv alice bfcp_port) A_CONF=$(kv alice bfcp_confid)
A_USER=$(kv alice bfcp_userid)
timeout 15 "$UA" bfcp --connect "127.0.0.1:$A_PORT" --conf "$A_CONF" \
	--user "$A_USER" --psk "$(openssl rand -hex 32)" \
	--script "hello; wait HelloAck" >"$TMP/wrongpsk.log" 2>&1
if has wrongpsk "TLS-FAILED\|CLOSED" && ! has wrongpsk "RECV HelloAck"; then
	pass "wrong PSK: TLS-PSK handshake refused, no BFCP"
else
	fail "wrong PSK: TLS-PSK handshake refused, no BFCP"; show wrongpsk
fi

call bob sip:bob@example.org "$PSK_B" 1000 7 \
	"hello; wait HelloAck; req 1; wait FloorRequestStatus status=Accepted; sleep 15000"
wait "$alice_PID" "$bob_PID"

for u in alice bob; do
	if [ "$(kv $u status)" = 200 ] && [ "$(kv $u keying)" = mikey ] &&
	   [ "$(kv $u proto)" = RTP/SAVP ] && [ "$(kv $u result)" = ok ]; then
		pass "$u: 200, RTP/SAVP keyed by TRANSFER_RESP, call ok"
	else
		fail "$u: 200, RTP/SAVP keyed by TRANSFER_RESP, call ok"; show $u
	fi
	rx=$(kv $u rx_packets) df=$(kv $u rx_decrypt_fail) rf=$(kv $u rtcp_fail)
	if [ "${rx:-0}" -gt 150 ] && [ "$df" = 0 ] && [ "$rf" = 0 ]; then
		pass "$u: SRTP from confd decrypts ($rx packets, 0 failures)"
	else
		fail "$u: SRTP from confd decrypts" "rx=$rx decrypt_fail=$df rtcp_fail=$rf"
	fi
	if [ -n "$(kv $u bfcp_port)" ] && [ "$(kv $u bfcp_proto)" = TCP/TLS/BFCP ] &&
	   has $u "^TLS TLSv1.2 PSK-AES128-GCM-SHA256"; then
		pass "$u: BFCP on TLS 1.2 PSK-AES128-GCM-SHA256"
	else
		fail "$u: BFCP on TLS 1.2 PSK-AES128-GCM-SHA256"; show $u
	fi
	[ -n "$(kv $u bfcp_fingerprint)" ] &&
		note "$u: confd's answer also carries a=fingerprint in PSK mode"
done
check "bob: second request Accepted at queue position 1 while alice holds the floor" \
	has bob "MATCH RECV FloorRequestStatus.*status=Accepted qpos=1"
check "bob: never Granted while alice holds it" \
	sh -c "! grep -q 'RECV FloorRequestStatus.*status=Granted' '$TMP/bob.log'"

# each hears the other's tone (through confd's mix) and not its own
check "alice hears bob (1000 Hz) and not herself (440 Hz)" \
	"$BUILD/tools/tonecheck" -s 2.5 -t 3 -p 1000 -a 440 "$TMP/alice.wav"
check "bob hears alice (440 Hz) and not himself (1000 Hz)" \
	"$BUILD/tools/tonecheck" -s 1 -t 3 -p 440 -a 1000 "$TMP/bob.wav"

# distinct TEKs: every crypto session of alice differs from bob's
same=""
for cs in 1 2 3; do
	a=$(kv alice mikey_tek_cs$cs) b=$(kv bob mikey_tek_cs$cs)
	if [ -z "$a" ] || [ -z "$b" ] || [ "$a" = "$b" ]; then
		same="$same cs$cs"
	fi
done
a=$(kv alice key_rx) b=$(kv bob key_rx)
[ -n "$a" ] && [ "$a" != "$b" ] || same="$same key_rx"
if [ -z "$same" ]; then
	pass "alice's and bob's TEKs (SRTP both ways, TLS) all differ"
else
	fail "alice's and bob's TEKs (SRTP both ways, TLS) all differ" "equal or missing:$same"
fi

check "confd still running" confd_alive
[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 40
lib_done
