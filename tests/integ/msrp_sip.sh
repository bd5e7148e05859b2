#!/bin/sh
# MSRP chat through the focus: participants offer m=message
# TCP/TLS/MSRP in their INVITE (SIPp); confd answers with a listener of
# their own (a=path, a=setup:passive, its a=fingerprint), and the test
# UA's MSRP client connects there with the certificate its SDP named.
. "$(dirname "$0")/lib.sh"
lib_init msrp_sip
need sipp openssl
need_build confd confctl confd-ua

S=$TOP/tests/sipp
ROOM=sip:room@$CONFD_DOMAIN
confd_setup
# callers assert who they are (P-Asserted-Identity from a trusted
# peer): a closed conference takes no bare From
confd_trust_loopback
printf 'tcp_ports %s\n' "$(free_range 40)" >>"$CONFD_CONF"
confctl conf add "$ROOM" --srtp optional >/dev/null
for u in alice bob carol; do
	confctl part add "$ROOM" "sip:$u@$CONFD_DOMAIN" >/dev/null
done
confd_start

mkcert() { # NAME: a self-signed certificate; prints its SHA-256
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TMP/$1.key" -out "$TMP/$1.crt" -days 1 \
		-subj "/CN=$1" >/dev/null 2>&1 &&
	cat "$TMP/$1.crt" "$TMP/$1.key" >"$TMP/$1.pem" &&
	openssl x509 -in "$TMP/$1.crt" -noout -fingerprint -sha256 |
		sed 's/.*=/sha-256 /'
}
for u in alice bob carol mallory; do
	eval "FP_$u=\"\$(mkcert $u)\""
done

# join NAME CALLER: a call in the background; sets PORT, PATH_ from the
# answer
join() {
	mkdir -p "$TMP/$1"
	eval "_fp=\$FP_$2"
	( cd "$TMP/$1" && exec timeout 60 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$S/msrp_offer.xml" -s room -key domain "$CONFD_DOMAIN" \
		-key caller "$2" -key proto TCP/TLS/MSRP -key fp "$_fp" \
		-key sid "sid$2" -d 12000 -i 127.0.0.1 -p "$(free_port)" \
		-mp "$(free_port)" -m 1 -l 1 -nostdin -trace_msg -trace_err \
		>sipp.out 2>&1 ) &
	LIB_PIDS="$LIB_PIDS $!"
	wait_for 10 sh -c "grep -q '^SIP/2.0 200' $TMP/$1/*_messages.log" || {
		fail "$1: 200 OK"; return 1; }
	_log=$(ls "$TMP/$1"/*_messages.log)
	PORT=$(sed -n 's/^ *m=message \([0-9]*\) .*/\1/p' "$_log" | tail -1)
	PATH_=$(sed -n 's/^ *a=path:\([^ \r]*\).*/\1/p' "$_log" | tail -1)
	CONFD_FP=$(sed -n 's/^ *a=fingerprint:\(.*\)\r*$/\1/p' "$_log" | tail -1 | tr -d '\r')
}

ua() { # NAME CALLER PORT PATH CERT [cmds]
	_n=$1 _c=$2 _p=$3 _pa=$4 _cert=$5; shift 5
	timeout 40 "$BUILD/confd-ua" msrp -c "127.0.0.1:$_p" -p "$_pa" -T \
		-k "$TMP/$_cert.pem" -f "$CONFD_FP" -i "sip:$_c@$CONFD_DOMAIN" \
		-r "$ROOM" -P "sid$_c" "$@" >"$TMP/$_n.out" 2>&1
}

join a alice || lib_done; A_PORT=$PORT A_PATH=$PATH_
join b bob || lib_done; B_PORT=$PORT B_PATH=$PATH_
join c carol || lib_done; C_PORT=$PORT C_PATH=$PATH_
check "each participant has its own MSRP port" \
	test "$A_PORT" != "$B_PORT" -a "$B_PORT" != "$C_PORT"

# the certificate must be the one carol's SDP named: a first attempt
# with another one on her port is refused, then hers gets through
ua evil carol "$C_PORT" "$C_PATH" mallory -t 5 text:intruder wait
if ! grep -q "^RESP" "$TMP/evil.out"; then
	pass "another certificate on carol's port: no MSRP session"
else
	fail "another certificate on carol's port: no MSRP session"
	sed 's/^/    | /' "$TMP/evil.out"
fi

ua rb bob "$B_PORT" "$B_PATH" bob -t 20 recv:2 &
RB=$!
ua rc carol "$C_PORT" "$C_PATH" carol -t 20 recv:1 &
RC=$!
sleep 1
ua ra alice "$A_PORT" "$A_PATH" alice -t 20 text:hello wait \
	private:sip:bob@$CONFD_DOMAIN:secret wait sleep:500
wait $RB $RC
HELLO=$(printf hello | sha256sum | cut -d' ' -f1)
SECRET=$(printf secret | sha256sum | cut -d' ' -f1)
check "alice's message reaches bob and carol, From = alice" sh -c \
	"grep -q 'RX from=sip:alice@$CONFD_DOMAIN to=$ROOM len=5 sha256=$HELLO' $TMP/rb.out &&
	 grep -q 'RX from=sip:alice@$CONFD_DOMAIN to=$ROOM len=5 sha256=$HELLO' $TMP/rc.out"
check "alice gets 200 for her SEND" grep -q "^RESP .* 200" "$TMP/ra.out"
check "the private message reaches bob only" sh -c \
	"grep -q 'sha256=$SECRET' $TMP/rb.out && ! grep -q 'sha256=$SECRET' $TMP/rc.out"

check "confd still running" confd_alive
lib_done
