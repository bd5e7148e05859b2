#!/bin/sh
# Dial-in keyed by MIKEY-TICKET, with kmsd as the KMS: the test UA gets a
# ticket and builds TRANSFER_INIT (its own MIKEY implementation), SIPp
# carries it in a=key-mgmt, confd resolves it at kmsd and checks the
# KMS UID against the conference list.
. "$(dirname "$0")/lib.sh"
lib_init mikey_sip
need sipp openssl
need_build confd confctl confd-ua kmsd

S=$TOP/tests/sipp
kmsd_start A=sip:alice@example.org M=sip:mallory@example.org

confd_setup
confd_kms_conf
ROOM=sip:room@$CONFD_DOMAIN
confctl conf add "$ROOM" >/dev/null
# alice's SIP URI and KMS UID differ on purpose: the KMS UID decides
confctl part add "$ROOM" "sip:alice@$CONFD_DOMAIN" --kms-uid sip:alice@example.org >/dev/null
confd_start

# ti UID PSK: a fresh TRANSFER_INIT (base64) for the focus
ti() {
	"$BUILD/confd-ua" mikey ticket "$1" "$2" kms.example.org 127.0.0.1 \
		"$KPORT" "$FOCUS_UID"
}

# call NAME CALLER TI_B64: one SIPp call; prints the final status code
call() {
	mkdir -p "$TMP/$1"
	printf 'SEQUENTIAL\n%s;\n' "$3" >"$TMP/$1/ti.csv"
	( cd "$TMP/$1" && timeout 30 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$S/mikey_join.xml" -s room -key domain "$CONFD_DOMAIN" \
		-key caller "$2" -inf ti.csv -d 500 -i 127.0.0.1 \
		-p "$(free_port)" -mp "$(free_port)" -m 1 -l 1 -nostdin \
		-trace_msg -trace_err >sipp.out 2>&1 )
	sed -n 's/^SIP\/2.0 \([2-6][0-9][0-9]\) .*/\1/p' "$TMP/$1"/*_messages.log |
		grep -v '^100$' | head -1
}

TI_A=$(ti sip:alice@example.org "$PSK_A")
check "test UA got a ticket and built TRANSFER_INIT" test -n "$TI_A"

code=$(call ok alice "$TI_A")
if [ "$code" = 200 ] && grep -q "a=key-mgmt:mikey " "$TMP"/ok/*_messages.log; then
	pass "authorized KMS UID: 200 with TRANSFER_RESP in a=key-mgmt"
else
	fail "authorized KMS UID: 200 with TRANSFER_RESP in a=key-mgmt" "got $code"
	show_log "$CONFD_LOG" 20
fi

code=$(call replay alice "$TI_A")
check "replayed TRANSFER_INIT: 488" test "$code" = 488

# mallory has a valid ticket but is not on the list; From claims alice
code=$(call unauth alice "$(ti sip:mallory@example.org "$PSK_M")")
check "KMS UID not on the list (From says alice): 403" test "$code" = 403

# a flipped byte inside the message breaks its MAC
bad=$(ti sip:alice@example.org "$PSK_A" | python3 -c '
import base64, sys
b = bytearray(base64.b64decode(sys.stdin.read()))
b[len(b) - 20] ^= 1
print(base64.b64encode(bytes(b)).decode())')
code=$(call tamper alice "$bad")
check "tampered TRANSFER_INIT: 488" test "$code" = 488
check "488 carries a MIKEY Error in a=key-mgmt" grep -q "a=key-mgmt:mikey" "$TMP"/tamper/*_messages.log

TI_A2=$(ti sip:alice@example.org "$PSK_A")
TI_A3=$(ti sip:alice@example.org "$PSK_A")
TI_A4=$(ti sip:alice@example.org "$PSK_A")
n_cached=0
ti_cached() { # the spare TRANSFER_INITs made while kmsd was up
	n_cached=$((n_cached + 1))
	[ $n_cached = 1 ] && echo "$TI_A3" || echo "$TI_A4"
}
bg_stop "$KMSD_PID" 5
code=$(call down alice "$TI_A2")
check "KMS down: 503" test "$code" = 503

# A KMS that accepts but never answers: the focus waits (183), a CANCEL
# meanwhile gets 487, and without one the timeout gives 503
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); c = []
while True: c.append(s.accept()[0])
' "$KPORT" &
HOLE=$!
LIB_PIDS="$LIB_PIDS $HOLE"
wait_for 10 tcp_bound "$KPORT" || fail "silent KMS listening"
mkdir -p "$TMP/cancel"
printf 'SEQUENTIAL\n%s;\n' "$(ti_cached)" >"$TMP/cancel/ti.csv"
if ( cd "$TMP/cancel" && timeout 30 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
	-sf "$S/mikey_cancel.xml" -s room -key domain "$CONFD_DOMAIN" \
	-key caller alice -inf ti.csv -i 127.0.0.1 -p "$(free_port)" \
	-mp "$(free_port)" -m 1 -l 1 -nostdin -trace_msg -trace_err \
	>sipp.out 2>&1 ); then
	pass "CANCEL while the KMS resolves: 200 to CANCEL, 487 to INVITE"
else
	fail "CANCEL while the KMS resolves: 200 to CANCEL, 487 to INVITE"
	tail -5 "$TMP"/cancel/*errors* 2>/dev/null | sed 's/^/    | /'
fi
code=$(call slow alice "$(ti_cached)")
check "KMS silent: 503 after kms_timeout" test "$code" = 503
check "confd still serving" confd_alive
lib_done
