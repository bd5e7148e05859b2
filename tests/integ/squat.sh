#!/bin/sh
# Listeners that cannot be squatted (issue 18 item 2) and one
# connection's faults that cost only that connection (issue 14):
#  - right after alice's 200 OK an outsider opens 1 idle TCP connection
#    to her BFCP port and 4 to her MSRP port and never speaks.  alice
#    still connects over TLS, gets her HelloAck and her SEND through
#    (while those sockets are still open), and confd closes every idle
#    one after handshake_timeout;
#  - the same squatter bound to 127.0.0.2 (alice signalled from
#    127.0.0.1 and her SDP says 127.0.0.1) is refused at once;
#  - a BFCP slowloris (20 connections sending a partial frame a byte at
#    a time on dave's plain TCP/BFCP port; 10 sending a partial TLS
#    ClientHello on alice's TCP/TLS/BFCP port) holds at most 8 pending
#    connections per listener and each for no longer than the timeout;
#    confd's descriptors come back to where they were, its RSS stays
#    flat, and dave's own BFCP client then gets its HelloAck;
#  - an MSRP connection reset (RST) in the middle of a chunk: bob still
#    gets carol's message, and confd exits clean (under ASan: no leak).
# The outsider is tests/integ/squat.py.
. "$(dirname "$0")/lib.sh"
lib_init squat
need python3 timeout
need_build confd confctl confd-ua

UA=$BUILD/confd-ua
SQ="python3 $TOP/tests/integ/squat.py"
HS_MS=4000
ROOM=sip:room@$CONFD_DOMAIN
CONFD_EXTRA="tcp_ports $(free_range 60)
handshake_timeout $HS_MS"
confd_setup
confctl conf add "$ROOM" --srtp optional >/dev/null
for u in alice bob carol dave; do
	confctl part add "$ROOM" "sip:$u@$CONFD_DOMAIN" >/dev/null
	# a closed conference admits only authenticated callers
	CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" \
		"sip:$u@$CONFD_DOMAIN" >/dev/null
done
confd_start

kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
has() { grep -q -- "$2" "$TMP/$1.log"; }
show() { sed "s/^/    $1| /" "$TMP/$1.log"; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
now() { date +%s.%N; }
# call NAME SECONDS ARGS...: a participant in the background
call() {
	_n=$1 _s=$2; shift 2
	bg_start "$_n" timeout -k 5 $((_s + 20)) "$UA" call \
		--to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:$_n@$CONFD_DOMAIN" --duration "$_s" \
		--auth-user "$_n" --auth-pass "pw-$_n" "$@"
	eval "${_n}_PID=\$BG_PID"
}
# closes LOG MIN MAX: every connection in LOG was closed by confd, each
# between MIN and MAX seconds after the squatter was ready
closes() {
	! grep -q '^OPEN ' "$1" && grep -q '^CLOSED ' "$1" &&
	awk -v lo="$2" -v hi="$3" '$1 == "CLOSED" && ($4 < lo || $4 > hi) {
		bad = 1 } END { exit bad }' "$1"
}
closes_n() { # LOG N MIN MAX: N connections, all closed so
	cat "$1"
	closes "$1" "$3" "$4" && test "$(grep -c '^CLOSED' "$1")" = "$2"
}
fds() { ls "/proc/$CONFD_PID/fd" 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$CONFD_PID/status"; }

# ---- bob: a chat participant who listens all along -----------------------
call bob 50 --msrp tls --cert "$TMP/bob.pem" \
	--msrp-script "recv:3; sleep:45000"
wait_for 15 has bob '^RESP [^ ]* 200' || {
	fail "bob: MSRP session up"; show bob; lib_done; }

# ---- 1. the squatter ------------------------------------------------------
call alice 50 --bfcp tls --msrp tls --cert "$TMP/alice.pem"
wait_for 15 sh -c "grep -q '^msrp_port=[1-9]' '$TMP/alice.log' &&
		   grep -q '^bfcp_port=[1-9]' '$TMP/alice.log'" || {
	fail "alice: call up with BFCP and MSRP"; show alice; lib_done; }
A_BFCP=$(kv alice bfcp_port) A_MSRP=$(kv alice msrp_port)

# at once after the 200 OK: 1 idle connection to BFCP, 4 to MSRP, and
# the same from an address that is not alice's
bg_start sq1 $SQ idle --port "$A_BFCP:1" --port "$A_MSRP:4" --wait 12
SQ1_PID=$BG_PID
bg_start sq2 $SQ idle --bind 127.0.0.2 --port "$A_BFCP:1" \
	--port "$A_MSRP:1" --wait 12
SQ2_PID=$BG_PID
wait_for 5 has sq1 READY || { fail "squatter ready"; show sq1; lib_done; }
T_READY=$(now)

# alice's own clients, as confd-ua call would run them
timeout 20 "$UA" bfcp --connect "127.0.0.1:$A_BFCP" \
	--conf "$(kv alice bfcp_confid)" --user "$(kv alice bfcp_userid)" \
	--tls --cert "$TMP/alice.pem" --peer-fp "$(kv alice bfcp_fingerprint)" \
	--script "hello; wait HelloAck" >"$TMP/abfcp.log" 2>&1
timeout 20 "$UA" msrp -c "127.0.0.1:$A_MSRP" -p "$(kv alice msrp_path)" \
	-P "$(kv alice msrp_sid)" -T -k "$TMP/alice.pem" \
	-f "$(kv alice msrp_fingerprint)" -i "sip:alice@$CONFD_DOMAIN" \
	-r "$ROOM" -t 15 "text:squatted but here" wait >"$TMP/amsrp.log" 2>&1
T_DONE=$(now)
wait "$SQ1_PID" "$SQ2_PID"

check "alice: BFCP HelloAck over TLS past an idle squatter" \
	grep -q "MATCH RECV HelloAck" "$TMP/abfcp.log"
check "alice: MSRP SEND answered 200 past 4 idle squatters" \
	test "$(grep -c '^RESP [^ ]* 200' "$TMP/amsrp.log")" -ge 2
if wait_for 10 has bob "^RX from=sip:alice@$CONFD_DOMAIN .*sha256=$(sha 'squatted but here')"; then
	pass "alice's message reaches bob"
else
	fail "alice's message reaches bob"; show bob
fi
# the squatter's sockets were all still open while alice connected
FIRST_CLOSE=$(awk '$1 == "CLOSED" { print $4; exit }' "$TMP/sq1.log")
if [ -n "$FIRST_CLOSE" ] && awk -v a="$T_READY" -v b="$T_DONE" \
	-v c="$FIRST_CLOSE" 'BEGIN { exit !(b - a < c) }'; then
	pass "alice got through while the 5 idle connections were open"
else
	fail "alice got through while the 5 idle connections were open" \
		"clients took $(awk -v a="$T_READY" -v b="$T_DONE" 'BEGIN{print b-a}') s, first close at $FIRST_CLOSE s"
fi
check "confd closed the 5 idle connections after handshake_timeout ($HS_MS ms)" \
	closes_n "$TMP/sq1.log" 5 $((HS_MS / 1000 - 1)) $((HS_MS / 1000 + 3))
check "connections from 127.0.0.2 (not alice's address) refused at once" \
	closes_n "$TMP/sq2.log" 2 0 1
check "confd logs the refusal" grep -q "from 127.0.0.2:[0-9]* refused" "$CONFD_LOG"

# ---- 2. the slowloris ----------------------------------------------------
call dave 50 --bfcp tcp --msrp tcp
wait_for 15 sh -c "grep -q '^msrp_port=[1-9]' '$TMP/dave.log' &&
		   grep -q '^bfcp_port=[1-9]' '$TMP/dave.log'" || {
	fail "dave: call up with TCP/BFCP and TCP/MSRP"; show dave; lib_done; }
D_BFCP=$(kv dave bfcp_port) D_CONF=$(kv dave bfcp_confid)
D_USER=$(kv dave bfcp_userid)
sleep 0.5
FD0=$(fds) RSS0=$(rss_kb)
# a FloorRequest header announcing a payload that never comes, a byte
# every 250 ms; a TLS ClientHello record header likewise
HDR=$(printf '20010001%08x0001%04x' "$D_CONF" "$D_USER")
bg_start slow1 $SQ slow --port "$D_BFCP" --count 20 --data "$HDR" \
	--interval 250 --wait 12
SL1_PID=$BG_PID
bg_start slow2 $SQ slow --port "$A_BFCP" --count 10 \
	--data 160301020001 --interval 250 --wait 12
SL2_PID=$BG_PID
wait "$SL1_PID" "$SL2_PID"
sleep 0.5
FD1=$(fds) RSS1=$(rss_kb)
for l in slow1 slow2; do
	n=$(sed -n 's/^OPEN_AFTER_CONNECT //p' "$TMP/$l.log")
	if [ -n "$n" ] && [ "$n" -le 8 ]; then
		pass "$l: at most 8 pending connections per listener ($n open)"
	else
		fail "$l: at most 8 pending connections per listener" "${n:-?} open"
		show "$l"
	fi
done
check "slowloris (plain BFCP): all 20 connections closed by the timeout" \
	closes_n "$TMP/slow1.log" 20 0 $((HS_MS / 1000 + 3))
check "slowloris (TLS BFCP): all 10 connections closed by the timeout" \
	closes_n "$TMP/slow2.log" 10 0 $((HS_MS / 1000 + 3))
if [ "$FD1" -le $((FD0 + 2)) ]; then
	pass "descriptors back to where they were ($FD0 -> $FD1)"
else
	fail "descriptors back to where they were" "$FD0 -> $FD1"
fi
if [ $((RSS1 - RSS0)) -lt 8192 ]; then
	pass "RSS flat under the slowloris ($RSS0 -> $RSS1 kB)"
else
	fail "RSS flat under the slowloris" "$RSS0 -> $RSS1 kB"
fi
timeout 20 "$UA" bfcp --connect "127.0.0.1:$D_BFCP" --conf "$D_CONF" \
	--user "$D_USER" --script "hello; wait HelloAck" >"$TMP/dbfcp.log" 2>&1
check "dave: his own TCP/BFCP Hello gets HelloAck after the slowloris" \
	grep -q "MATCH RECV HelloAck" "$TMP/dbfcp.log"

# ---- 3. MSRP reset in the middle of a chunk ------------------------------
$SQ reset --port "$(kv dave msrp_port)" --to-path "$(kv dave msrp_path)" \
	--from-path "msrp://127.0.0.1:9/$(kv dave msrp_sid);tcp" \
	--from "sip:dave@$CONFD_DOMAIN" --to "$ROOM" >"$TMP/reset.log" 2>&1
check "half a SEND chunk, then RST" grep -q RESET "$TMP/reset.log"
TEXT="the chat goes on"
call carol 5 --msrp tls --cert "$TMP/carol.pem" \
	--msrp-script "text:$TEXT; wait; sleep:300"
if wait_for 20 has bob "^RX from=sip:carol@$CONFD_DOMAIN .*sha256=$(sha "$TEXT")"; then
	pass "after dave's reset, carol's message reaches bob"
else
	fail "after dave's reset, carol's message reaches bob"
	show bob; show carol
fi
wait "$carol_PID"
check "carol: call ok" test "$(kv carol result)" = ok

check "confd still running" confd_alive
for n in alice bob dave; do
	eval "kill -TERM \$${n}_PID" 2>/dev/null
done
sleep 1
confd_stop 10; rc=$?
if [ "$rc" = 0 ] && ! grep -q "Sanitizer" "$CONFD_LOG"; then
	pass "confd exits 0, no sanitizer report (no leak)"
else
	fail "confd exits 0, no sanitizer report (no leak)" "exit $rc"
	grep -A20 "Sanitizer" "$CONFD_LOG" | head -40 | sed 's/^/    | /'
fi
[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 60
lib_done
