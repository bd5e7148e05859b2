#!/bin/sh
# DTLS-SRTP and ICE-lite on confd's media port, driven from the outside
# by tests/tools/media_peer.py (a SIP UAC written from the RFCs: STUN
# built and checked with Python's hmac and zlib) and `openssl s_client
# -dtls1_2` as the DTLS client:
#   - ICE: the answer has a=ice-lite, credentials and a host candidate;
#     a Binding request with the right credentials gets a success
#     response whose MESSAGE-INTEGRITY and FINGERPRINT verify and whose
#     XOR-MAPPED-ADDRESS is the request's source; a wrong password gets
#     401, a wrong ufrag no success;
#   - DTLS with the certificate the offer names (AES_CM_128_HMAC_SHA1_80
#     and AEAD_AES_128_GCM): the handshake completes, and the ids of the
#     keys s_client exported (RFC 5764 4.2) are the ones confd logged:
#     both ends hold the same keys and confd logged no key itself;
#   - DTLS with another certificate than the offer's fingerprint: the
#     handshake fails, and confd ends that call with BYE and a Reason
#     naming the mismatch (within the 10 s deadline); a call whose peer
#     never starts a handshake likewise, with its own reason;
#   - the other participants' calls are not affected.
. "$(dirname "$0")/lib.sh"
lib_init dtls_ice
need openssl python3 timeout
need_build confd confctl

D=$CONFD_DOMAIN
ROOM=sip:peers@$D
PEER=$TOP/tests/tools/media_peer.py

for c in good other; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TMP/$c.key" -out "$TMP/$c.pem" -days 2 \
		-subj "/CN=$c" >/dev/null 2>&1 || { fail "certificates"; lib_done; }
done

confd_setup
{
	confctl conf add "$ROOM" --open --srtp optional --subject "peers" &&
	confctl conf add "sip:sdesonly@$D" --open --srtp optional &&
	confctl conf policy "sip:sdesonly@$D" --keying sdes,mikey
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

peer() {
	python3 "$PEER" --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" "$@"
}

# -- ICE-lite -------------------------------------------------------------
peer --from "sip:ice@$D" --ice --rtcp-mux >"$TMP/ice.out" 2>&1
for c in invite_200 answer_rtcp_mux answer_ice_lite answer_host_candidate \
	stun_success_response stun_message_integrity stun_fingerprint \
	stun_xor_mapped_address stun_wrong_password_401 \
	stun_wrong_ufrag_refused; do
	if grep -q "^CHECK $c ok" "$TMP/ice.out"; then
		pass "ICE: $c"
	else
		fail "ICE: $c" "$(grep "^CHECK $c" "$TMP/ice.out")"
	fi
done

# -- the keying policy: DTLS where only SDES and MIKEY are allowed -------------
python3 "$PEER" --to "sip:sdesonly@$D" --proxy "127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:policy@$D" --dtls-fp "$TMP/good.pem" >"$TMP/policy.out" 2>&1
if grep -q '^FINAL 488 warning=399 .*"DTLS-SRTP keying is not allowed in this conference"' \
	"$TMP/policy.out"; then
	pass "keying policy without dtls: 488 with Warning"
else
	fail "keying policy without dtls: 488 with Warning"
	sed 's/^/    | /' "$TMP/policy.out"
fi

# -- the failures first, in the background: they take ~10 s ------------------
peer --from "sip:mismatch@$D" --dtls-fp "$TMP/good.pem" \
	--dtls-cert "$TMP/other.pem" --dtls-key "$TMP/other.key" \
	--wait-bye 16 >"$TMP/mismatch.out" 2>&1 &
P1=$!
peer --from "sip:silent@$D" --dtls-fp "$TMP/good.pem" \
	--wait-bye 16 >"$TMP/silent.out" 2>&1 &
P2=$!
sleep 1

# -- good handshakes, meanwhile ---------------------------------------------
for prof in SRTP_AES128_CM_SHA1_80 SRTP_AEAD_AES_128_GCM; do
	out=$TMP/good-$prof.out
	peer --from "sip:good@$D" --dtls-fp "$TMP/good.pem" --rtcp-mux \
		--dtls-cert "$TMP/good.pem" --dtls-key "$TMP/good.key" \
		--profile "$prof" >"$out" 2>&1
	if grep -q "^DTLS handshake ok" "$out" &&
	   grep -q "^CHECK answer_setup_passive ok" "$out" &&
	   grep -q "^CHECK answer_proto ok" "$out"; then
		pass "DTLS $prof: handshake with the offered certificate"
	else
		fail "DTLS $prof: handshake with the offered certificate"
		sed 's/^/    | /' "$out"
	fi
	cli=$(sed -n 's/^KEYS client=\([0-9a-f]*\) server=.*/\1/p' "$out")
	srv=$(sed -n 's/^KEYS client=.* server=\([0-9a-f]*\)$/\1/p' "$out")
	if [ -n "$cli" ] && grep -a "DTLS-SRTP up (server)" "$CONFD_LOG" |
		grep -q "tx key id $srv, rx key id $cli"; then
		pass "DTLS $prof: confd's keys are the ones s_client exported"
	else
		fail "DTLS $prof: confd's keys are the ones s_client exported" \
			"client $cli server $srv"
		grep -a "DTLS-SRTP up" "$CONFD_LOG" | sed 's/^/    | /'
	fi
done

wait $P1
wait $P2
if grep -q "^DTLS handshake failed" "$TMP/mismatch.out" &&
   grep -q "^BYE reason=SIP;cause=488;text=\"DTLS certificate does not match a=fingerprint\"" \
	"$TMP/mismatch.out"; then
	pass "DTLS with another certificate: refused, BYE with Reason"
else
	fail "DTLS with another certificate: refused, BYE with Reason"
	sed 's/^/    | /' "$TMP/mismatch.out"
fi
if grep -q "^BYE reason=SIP;cause=488;text=\"No DTLS handshake in time\"" \
	"$TMP/silent.out"; then
	pass "no DTLS handshake: BYE with Reason after the deadline"
else
	fail "no DTLS handshake: BYE with Reason after the deadline"
	sed 's/^/    | /' "$TMP/silent.out"
fi
if grep -a "media refused" "$CONFD_LOG" | grep -q "does not match"; then
	pass "the refusal is logged"
else
	fail "the refusal is logged"
fi

# no key material in the log: the ids only (12 hex digits)
if grep -a -E -i "[0-9a-f]{32}" "$CONFD_LOG" | grep -v -i "fingerprint\|cert" |
	grep -q .; then
	fail "no long hex strings (keys) in confd's log"
	grep -a -E -i "[0-9a-f]{32}" "$CONFD_LOG" | head -n 5 | sed 's/^/    | /'
else
	pass "no long hex strings (keys) in confd's log"
fi

if confd_alive; then
	pass "confd alive"
else
	fail "confd alive"
fi
confd_stop 10 || { fail "confd exits 0 on SIGTERM" "status $?"; show_log "$CONFD_LOG"; }
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 60
lib_done
