#!/bin/sh
# MSRP chat keyed by MIKEY-TICKET (TS 33.328 Annex H): participants
# offer m=message TCP/TLS/MSRP with TRANSFER_INIT in a=key-mgmt (the test
# UA's own MIKEY initiator, tickets from kmsd); confd resolves them and
# the chat runs over TLS-PSK with PSK = the TEK of the m-line's TLS
# crypto session (empty identity, TLS 1.2, PSK-AES-GCM).  Checks:
#  - alice's text reaches bob with CPIM From = alice's SIP URI from the
#    conference list, found by her KMS UID (her SIP From is another
#    URI); a text claiming another CPIM From gets 403 (RFC 7701 6.3) and
#    reaches nobody;
#  - alice gets 200; the handshake is TLS 1.2 with a PSK-only suite;
#  - a client with a wrong PSK on bob's port gets no MSRP session;
#  - BFCP and MSRP in one call: each TLS crypto session's TEK is the
#    PSK of its own m-line, in either m-line order.
. "$(dirname "$0")/lib.sh"
lib_init mikey_msrp
need openssl timeout sha256sum
need_build confd confctl confd-ua kmsd

UA=$BUILD/confd-ua
kmsd_start A=sip:alice@example.org B=sip:bob@example.org
KMS_ID=kms.example.org

confd_setup
confd_kms_conf
cat >>"$CONFD_CONF" <<EOT
tcp_ports $(free_range 40)
EOT
ROOM=sip:room@$CONFD_DOMAIN
ALICE=sip:alice@$CONFD_DOMAIN
BOB=sip:bob@$CONFD_DOMAIN
{
	confctl conf add "$ROOM" --srtp required &&
	confctl part add "$ROOM" "$ALICE" --kms-uid sip:alice@example.org &&
	confctl part add "$ROOM" "$BOB" --kms-uid sip:bob@example.org
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# call NAME FROM UID PSK SECONDS [ARGS...]: a MIKEY-keyed call with an
# MSRP stream over TLS-PSK, in the background; output in $TMP/NAME.log
call() {
	_n=$1 _f=$2 _u=$3 _k=$4 _s=$5; shift 5
	bg_start "$_n" timeout -k 5 $((_s + 20)) "$UA" call \
		--to "sip:room@127.0.0.1:$CONFD_SIP_PORT" --from "$_f" \
		--mikey "$_u:$_k:$KMS_ID:127.0.0.1:$KPORT:$FOCUS_UID" \
		--msrp tls --msrp-room "$ROOM" --duration "$_s" "$@"
	eval "${_n}_PID=\$BG_PID"
}
kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
has() { grep -q -- "$2" "$TMP/$1.log"; }
count() { grep -c -- "$2" "$TMP/$1.log"; }
show() { sed "s/^/    $1| /" "$TMP/$1.log"; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
PSKTLS='^TLS TLSv1\.2 PSK-AES\(128-GCM-SHA256\|256-GCM-SHA384\)$'

# ---- 1. chat over TLS-PSK ------------------------------------------------

# bob joins without a client of his own; the test connects them itself
call bob "$BOB" sip:bob@example.org "$PSK_B" 9
if ! wait_for 10 has bob "^msrp_port=[1-9]"; then
	fail "bob: MIKEY call up with an MSRP stream"
	show bob; show_log "$CONFD_LOG" 30; lib_done
fi
B_PORT=$(kv bob msrp_port) B_PATH=$(kv bob msrp_path) B_SID=$(kv bob msrp_sid)
B_CS=$(kv bob msrp_cs)
B_TEK=$(kv bob "mikey_tek_cs$B_CS")
if [ "$(kv bob msrp_proto)" = TCP/TLS/MSRP ] && [ "$B_CS" = 3 ] &&
   [ -n "$B_TEK" ] && [ "$(kv bob msrp_setup)" = passive ] &&
   [ -n "$B_PATH" ]; then
	pass "bob: TCP/TLS/MSRP answered (passive, a=path), TLS CS 3 keyed"
else
	fail "bob: TCP/TLS/MSRP answered (passive, a=path), TLS CS 3 keyed"
	show bob
fi
[ -n "$(kv bob msrp_fingerprint)" ] &&
	note "bob: confd's answer also carries a=fingerprint in PSK mode"

# a client that knows port, path and session but not the PSK
WRONG=$(openssl rand -hex $((${#B_TEK} / 2)))
timeout 15 "$UA" msrp -c "127.0.0.1:$B_PORT" -p "$B_PATH" -T -K "$WRONG" \
	-P "$B_SID" -i "$BOB" -r "$ROOM" -t 5 text:intruder wait \
	>"$TMP/wrongpsk.log" 2>&1
if ! has wrongpsk "^RESP" && ! has wrongpsk "^CONNECTED" &&
   ! has wrongpsk "^TLS "; then
	pass "wrong PSK on bob's port: handshake refused, no MSRP response"
else
	fail "wrong PSK on bob's port: handshake refused, no MSRP response"
	show wrongpsk
fi

# bob's client with the TEK of his TLS crypto session
bg_start bobrx timeout 30 "$UA" msrp -c "127.0.0.1:$B_PORT" -p "$B_PATH" \
	-T -K "$B_TEK" -P "$B_SID" -i "$BOB" -r "$ROOM" -t 20 recv:1 sleep:1500
BOBRX_PID=$BG_PID
if ! wait_for 10 has bobrx "^RESP [^ ]* 200"; then
	fail "bob: MSRP session bound over TLS-PSK"
	show bobrx; show_log "$CONFD_LOG" 30; lib_done
fi
check "bob: TLS 1.2 with a PSK suite" has bobrx "$PSKTLS"

# alice's SIP From is not on the list: confd knows her by the list
# entry of her KMS UID, and only that CPIM From is accepted
TEXT1="hello from alice over TLS-PSK"
FORGED="this is mallory speaking"
call alice sip:alice-phone@elsewhere.test sip:alice@example.org "$PSK_A" 3 \
	--msrp-id "$ALICE" --msrp-script "text:$TEXT1; wait;
	from:sip:mallory@evil.test; text:$FORGED; wait; sleep:300"
wait "$alice_PID" "$BOBRX_PID"

if [ "$(kv alice status)" = 200 ] && [ "$(kv alice keying)" = mikey ] &&
   [ "$(kv alice result)" = ok ] && [ "$(kv alice msrp_exit)" = 0 ]; then
	pass "alice: 200, MIKEY-keyed, MSRP client done"
else
	fail "alice: 200, MIKEY-keyed, MSRP client done"; show alice
fi
check "alice: TLS 1.2 with a PSK suite (PSK = TEK of CS $(kv alice msrp_cs))" \
	has alice "$PSKTLS"
if [ "$(count alice '^RESP ')" = 3 ] &&
   [ "$(count alice '^RESP [^ ]* 200$')" = 2 ] &&
   [ "$(sed -n 's/^RESP [^ ]* //p' "$TMP/alice.log" | tail -n 1)" = 403 ]; then
	pass "alice: 200 for her bind SEND and her text, 403 for a forged From"
else
	fail "alice: 200 for her bind SEND and her text, 403 for a forged From"
	show alice
fi
if has bobrx "^RX from=$ALICE to=$ROOM len=${#TEXT1} sha256=$(sha "$TEXT1")"; then
	pass "alice's text reaches bob, CPIM From = $ALICE (by KMS UID)"
else
	fail "alice's text reaches bob, CPIM From = $ALICE (by KMS UID)"
	show bobrx
fi
check "the forged message never reaches bob" \
	sh -c "! grep -q 'sha256=$(sha "$FORGED")\|mallory\|alice-phone' '$TMP/bobrx.log'"
A_TEK=$(kv alice mikey_tek_cs3)
check "alice's and bob's TLS TEKs differ" test -n "$A_TEK" -a "$A_TEK" != "$B_TEK"
wait "$bob_PID"
check "bob: call ok" test "$(kv bob result)" = ok

# ---- 2. BFCP and MSRP in one call ----------------------------------------

# bob: MSRP m-line first (CS 3), then BFCP (CS 4); he takes the floor
# and waits for a message
call bob2 "$BOB" sip:bob@example.org "$PSK_B" 7 --msrp-first --bfcp tls \
	--bfcp-script "hello; wait HelloAck; req 1; wait FloorRequestStatus status=Granted; sleep 15000" \
	--msrp-script "recv:1; sleep:15000"
if ! wait_for 10 sh -c "grep -q 'MATCH.*status=Granted' '$TMP/bob2.log' &&
			grep -q '^RESP [^ ]* 200' '$TMP/bob2.log'"; then
	fail "bob: BFCP Granted and MSRP bound in one MIKEY call"
	show bob2; show_log "$CONFD_LOG" 30; lib_done
fi
# alice: BFCP first (CS 3), then MSRP (CS 4); her CPIM To names the
# room as she dialled it, which confd takes for the room too
TEXT2="BFCP and MSRP share one TRANSFER_INIT"
call alice2 "$ALICE" sip:alice@example.org "$PSK_A" 3 --bfcp tls \
	--msrp-room "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--bfcp-script "hello; wait HelloAck; sleep 15000" \
	--msrp-script "text:$TEXT2; wait; sleep:300"
wait "$alice2_PID" "$bob2_PID"

if [ "$(kv bob2 msrp_cs)" = 3 ] && [ "$(kv bob2 bfcp_cs)" = 4 ] &&
   [ "$(kv alice2 bfcp_cs)" = 3 ] && [ "$(kv alice2 msrp_cs)" = 4 ] &&
   [ "$(kv bob2 mikey_tek_cs3)" != "$(kv bob2 mikey_tek_cs4)" ]; then
	pass "TLS CSs follow the m-lines: msrp 3/bfcp 4 (bob), bfcp 3/msrp 4 (alice)"
else
	fail "TLS CSs follow the m-lines"; show bob2; show alice2
fi
check "bob: BFCP floor request Granted over TLS-PSK" \
	has bob2 "MATCH RECV FloorRequestStatus.*status=Granted"
check "alice: BFCP HelloAck over TLS-PSK" has alice2 "RECV HelloAck"
check "bob: both TLS connections on TLS 1.2 PSK suites" \
	test "$(count bob2 "$PSKTLS")" = 2
check "alice: both TLS connections on TLS 1.2 PSK suites" \
	test "$(count alice2 "$PSKTLS")" = 2
check "alice: 200 for her text" \
	test "$(count alice2 '^RESP [^ ]* 200$')" = 2
check "alice's text to the dialled room URI reaches bob, From = $ALICE" has bob2 \
	"^RX from=$ALICE to=$ROOM len=${#TEXT2} sha256=$(sha "$TEXT2")"
for u in alice2 bob2; do
	if [ "$(kv $u status)" = 200 ] && [ "$(kv $u result)" = ok ]; then
		pass "$u: call ok"
	else
		fail "$u: call ok"; show $u
	fi
done

check "confd still running" confd_alive
[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 40
lib_done
