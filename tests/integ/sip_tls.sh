#!/bin/sh
# SIP over TLS: confd's listener speaks TLS 1.2 or newer only, with AEAD
# ciphers, answers SIP over it, and keeps the certificate it made.
. "$(dirname "$0")/lib.sh"
lib_init sip_tls
need openssl
need_build confd confctl

confd_setup
confctl conf add "sip:room@$CONFD_DOMAIN" --open >/dev/null
confd_start
wait_for 10 tcp_bound "$CONFD_TLS_PORT" || fail "TLS listener up"
PEM=$TMP/confd/confd.pem

# OPENSSL_CONF=/dev/null: Debian's system policy would stop the client
# itself from offering old versions or null ciphers, and then the test
# would not be asking confd anything.
s_client() {
	OPENSSL_CONF=/dev/null timeout 10 openssl s_client -connect 127.0.0.1:"$CONFD_TLS_PORT" \
		-servername "$CONFD_DOMAIN" "$@" </dev/null 2>&1
}

check "certificate created on first start" test -s "$PEM"
s_client -tls1_1 -cipher "DEFAULT:@SECLEVEL=0" >"$TMP/tls11.out"
if grep -q "alert protocol version" "$TMP/tls11.out"; then
	pass "TLS 1.1 refused with a protocol_version alert"
else
	fail "TLS 1.1 refused with a protocol_version alert"; sed 's/^/    | /' "$TMP/tls11.out" | tail
fi
s_client -tls1_2 >"$TMP/tls12.out"
if grep -q "Protocol *: TLSv1.2" "$TMP/tls12.out" &&
   grep -Eq "Cipher *: ECDHE-.*(GCM|CHACHA20)" "$TMP/tls12.out"; then
	pass "TLS 1.2 with an AEAD ECDHE cipher"
else
	fail "TLS 1.2 with an AEAD ECDHE cipher"
	grep -E "Protocol|Cipher" "$TMP/tls12.out" | sed 's/^/    | /'
fi
s_client -tls1_2 -cipher "eNULL:@SECLEVEL=0" >"$TMP/null.out"
if grep -q "alert handshake failure" "$TMP/null.out"; then
	pass "null ciphers refused with a handshake_failure alert"
else
	fail "null ciphers refused with a handshake_failure alert"
	sed 's/^/    | /' "$TMP/null.out" | tail
fi

# An OPTIONS over TLS gets 200 with our Allow
opt() {
	cat <<OPT
OPTIONS sip:room@$CONFD_DOMAIN SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls-$$
Max-Forwards: 70
From: <sip:probe@$CONFD_DOMAIN>;tag=tls$$
To: <sip:room@$CONFD_DOMAIN>
Call-ID: tls-$$@127.0.0.1
CSeq: 1 OPTIONS
Content-Length: 0

OPT
}
opt | sed 's/$/\r/' | { cat; sleep 2; } | timeout 10 openssl s_client \
	-connect 127.0.0.1:"$CONFD_TLS_PORT" -quiet >"$TMP/opt.out" 2>&1
if grep -q "^SIP/2.0 200" "$TMP/opt.out" && grep -q "^Allow: .*INVITE" "$TMP/opt.out"; then
	pass "OPTIONS over TLS: 200 with Allow"
else
	fail "OPTIONS over TLS: 200 with Allow"; sed 's/^/    | /' "$TMP/opt.out" | tail
fi

fp1=$(openssl x509 -in "$PEM" -noout -fingerprint -sha256)
confd_stop 10
confd_start
fp2=$(openssl x509 -in "$PEM" -noout -fingerprint -sha256)
check "certificate kept across restarts" test "$fp1" = "$fp2"
lib_done
