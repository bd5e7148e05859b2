#!/bin/sh
# BFCP floor control end to end: floor_harness (floor.h as the focus
# uses it) on 127.0.0.1 and the test UA's BFCP client over TCP and TLS.
# Prints "PASS name" / "FAIL name".  Needs BUILD (absolute build dir).
BUILD=${BUILD:-$(pwd)/build}
H=$BUILD/tools/floor_harness
UA=$BUILD/tools/bfcp_ua
[ -x "$UA" ] || UA="$BUILD/confd-ua bfcp"
T=$(mktemp -d /tmp/confd-bfcp.XXXXXX)
# below the ephemeral port range (32768-): see tests/integ/lib.sh
BASE=$((17000 + ($$ % 300) * 40))
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT

ok()   { echo "PASS bfcp.$1"; }
bad()  { echo "FAIL bfcp.$1"; shift; for f in "$@"; do echo "--- $f"; cat "$f"; done; }

# start_harness NAME PORTMIN ARGS...: waits for READY
start_harness() {
	n=$1; shift
	mkfifo "$T/$n.in"
	( sleep 60 > "$T/$n.in" & echo $! > "$T/$n.keep" )
	"$H" "$@" < "$T/$n.in" > "$T/$n.out" 2>&1 &
	PIDS="$PIDS $! $(cat "$T/$n.keep")"
	i=0
	while ! grep -q READY "$T/$n.out" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 50 ] && return 1; sleep 0.1
	done
}
port_of() { awk -v u="$2" '$1=="USER" && $2==u {print $3}' "$T/$1.out"; }
ua() { # ua OUT PORT USER SCRIPT [extra args]
	o=$1 p=$2 u=$3 s=$4; shift 4
	timeout 20 $UA --connect 127.0.0.1:$p --conf 77 --user $u "$@" \
		--script "$s" > "$T/$o" 2>&1
}
has() { grep -q -- "$2" "$T/$1"; }

# ---- 1. automatic floor: Granted, Accepted at position 1 (RFC 8855
#         5.2.5: Pending is only for a chair's decision), release moves
#         the grant; a FloorQuery subscriber sees every change.  Captured.
P=$BASE
CAP=$T/bfcp.pcap
# dumpcap says "Capturing on" once it really captures: wait for that
# rather than guessing, or a loaded machine loses the first messages
dumpcap -q -i lo -f "tcp portrange $P-$((P + 3))" -w "$CAP" >"$T/cap.log" 2>&1 &
TSH=$!; PIDS="$PIDS $TSH"
i=0
while ! grep -q "Capturing" "$T/cap.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
sleep 0.3
start_harness q --ports $P-$((P + 3)) --confid 77 \
	-u 1:chair:name=Chair -u 2:name=Alice -u 3:name=Bob || echo "FAIL bfcp.harness"
ua q1 $(port_of q 1) 1 "hello; wait HelloAck; fq 1; wait FloorStatus tid=2; sleep 2200; uq 3; wait UserStatus" &
S=$!
sleep 0.3
ua q2 $(port_of q 2) 2 "req 1 ppi=slides; wait FloorRequestStatus status=Granted; sleep 900; release 1; wait FloorRequestStatus status=Released; sleep 200" &
A=$!
sleep 0.4
ua q3 $(port_of q 3) 3 "req 1; wait FloorRequestStatus status=Accepted qpos=1; wait FloorRequestStatus tid=0 status=Granted; frq 2; wait FloorRequestStatus status=Granted; sleep 1500"
wait $A $S
if has q2 "MATCH.*tid=1 .*status=Granted" && has q3 "MATCH.*tid=1 .*status=Accepted qpos=1" &&
   has q3 "MATCH.*tid=0 .*status=Granted" && has q2 "status=Released" &&
   ! has q3 "RECV FloorRequestStatus.*status=Pending"; then
	ok auto_queue_release
else
	bad auto_queue_release "$T/q2" "$T/q3"
fi
# the subscriber saw: A granted, B queued, A released + B granted
if [ "$(grep -c '^RECV FloorStatus' "$T/q1")" -ge 4 ] &&
   grep '^RECV FloorStatus.*tid=0' "$T/q1" | grep -q 'fri=1 .*status=Granted' &&
   grep '^RECV FloorStatus.*tid=0' "$T/q1" | grep -q 'status=Accepted qpos=1' &&
   ! grep -q '^RECV FloorStatus.*status=Pending' "$T/q1" &&
   grep '^RECV FloorStatus.*tid=0' "$T/q1" | grep -q 'fri=2 .*status=Granted'; then
	ok floorquery_sees_changes
else
	bad floorquery_sees_changes "$T/q1"
fi
sleep 0.5
sleep 0.3
kill -INT $TSH 2>/dev/null; wait $TSH 2>/dev/null
if [ -s "$CAP" ]; then
	# the pool may hand out any port of the range (media/portpool.c)
	tshark -r "$CAP" -d tcp.port==$P,bfcp -d tcp.port==$((P + 1)),bfcp \
		-d tcp.port==$((P + 2)),bfcp -d tcp.port==$((P + 3)),bfcp \
		-Y bfcp -T fields \
		-e bfcp.primitive > "$T/prims" 2>/dev/null
	tshark -r "$CAP" -d tcp.port==$P,bfcp -d tcp.port==$((P + 1)),bfcp \
		-d tcp.port==$((P + 2)),bfcp -d tcp.port==$((P + 3)),bfcp \
		-Y '_ws.malformed || _ws.expert.severity == error' \
		> "$T/malformed" 2>/dev/null
	nmsg=$(tr ',' '\n' < "$T/prims" | grep -c .)
	sent=$(cat "$T/q1" "$T/q2" "$T/q3" | grep -c '^\(RECV\|SENT\) ')
	if [ "$nmsg" -ge "$sent" ] && [ "$sent" -gt 10 ] && [ ! -s "$T/malformed" ]; then
		ok tshark_decodes_all
		echo "tshark: $nmsg BFCP messages decoded ($sent sent/received by the UAs), 0 malformed"
	else
		bad tshark_decodes_all "$T/malformed"
		echo "tshark: $nmsg BFCP messages, UAs saw $sent"
	fi
else
	echo "FAIL bfcp.tshark_decodes_all (no capture)"
fi

# ---- 2. chair-moderated: Pending -> Accepted -> Granted; Revoke;
#         a ChairAction from a non-chair gets Error 5
P=$((BASE + 5))
start_harness c --ports $P-$((P + 3)) --confid 77 --pres-chair \
	-u 1:chair -u 2 -u 3 || echo "FAIL bfcp.harness"
ua c3 $(port_of c 3) 3 "req 1; wait FloorRequestStatus status=Pending; wait FloorRequestStatus status=Granted; sleep 1000; release 1; wait FloorRequestStatus status=Released; chair 2 1 denied; wait Error error=5" &
B=$!
sleep 0.3
ua c2 $(port_of c 2) 2 "req 1; wait FloorRequestStatus status=Pending qpos=0; wait FloorRequestStatus status=Accepted qpos=1; wait FloorRequestStatus status=Granted; wait FloorRequestStatus status=Revoked" &
A=$!
sleep 0.2
ua c1 $(port_of c 1) 1 "chair 1 1 granted; wait ChairActionAck; sleep 300; chair 2 1 accepted; wait ChairActionAck; sleep 1100; chair 2 1 revoked; wait ChairActionAck"
wait $A $B
if has c2 "MATCH.*status=Pending qpos=0" && has c2 "MATCH.*status=Accepted qpos=1" &&
   has c2 "MATCH.*status=Granted" && has c2 "MATCH.*status=Revoked"; then
	ok chair_pending_accepted_granted_revoked
else
	bad chair_pending_accepted_granted_revoked "$T/c1" "$T/c2" "$T/c3"
fi
if has c3 "MATCH RECV Error.*error=5"; then ok chairaction_non_chair_unauthorized
else bad chairaction_non_chair_unauthorized "$T/c3"; fi
if grep -q "HOLDERS floor=1 users=2" "$T/c.out" && tail -n 1 "$T/c.out" | grep -q "users=-"; then
	ok holders_reported
else
	bad holders_reported "$T/c.out"
fi

# ---- 3. garbage on one connection: Error and close; the other user
#         keeps its floor and its connection.  Then a dropped
#         connection frees the floor for the next in queue.
P=$((BASE + 10))
start_harness g --ports $P-$((P + 3)) --confid 77 -u 1 -u 2 -u 3 || echo "FAIL bfcp.harness"
ua g1 $(port_of g 1) 1 "req 1; wait FloorRequestStatus status=Granted; sleep 1200; hello; wait HelloAck; frq 1; wait FloorRequestStatus status=Granted; quit" &
A=$!
sleep 0.3
ua g3 $(port_of g 3) 3 "req 1; wait FloorRequestStatus status=Accepted qpos=1; wait FloorRequestStatus status=Granted" &
C=$!
sleep 0.3
ua g2 $(port_of g 2) 2 "garbage; wait Error error=10; closed"
wait $A $C
if has g2 "MATCH RECV Error.*error=10" && has g2 "^CLOSED" &&
   has g1 "MATCH RECV HelloAck" && has g1 "MATCH.*tid=3 .*status=Granted"; then
	ok garbage_error_close_others_undisturbed
else
	bad garbage_error_close_others_undisturbed "$T/g1" "$T/g2"
fi
if has g3 "MATCH.*status=Granted"; then ok dropped_connection_frees_floor
else bad dropped_connection_frees_floor "$T/g3"; fi
ua g2b $(port_of g 2) 2 "raw ff0000000000004d00010002; wait Error error=12; closed"
if has g2b "MATCH RECV Error.*error=12" && has g2b "^CLOSED"; then ok bad_version_error_close
else bad bad_version_error_close "$T/g2b"; fi

# ---- 4. TLS: the pinned certificate works, another one is closed
#         before any BFCP is read
P=$((BASE + 15))
$UA --tls --cert "$T/ua2.pem" --print-fp > "$T/fp2"
$UA --tls --cert "$T/ua3.pem" --print-fp > "$T/fp3"
FP2=$(awk '{print $3}' "$T/fp2"); FP3=$(awk '{print $3}' "$T/fp3")
start_harness t --ports $P-$((P + 3)) --confid 77 --cert "$T/confd.pem" \
	-u 1:chair -u "2:tls=$FP2" -u "3:tls=$FP3" || echo "FAIL bfcp.harness"
ua t2 $(port_of t 2) 2 "hello; wait HelloAck; req 1; wait FloorRequestStatus status=Granted; uq; wait UserStatus" --tls --cert "$T/ua2.pem"
if has t2 "MATCH RECV HelloAck" && has t2 "MATCH.*status=Granted" && has t2 "SERVER-FP"; then
	ok tls_fingerprint_ok
else
	bad tls_fingerprint_ok "$T/t2" "$T/t.out"
fi
ua t3 $(port_of t 3) 3 "hello; wait HelloAck" --tls --cert "$T/ua2.pem"
if ! has t3 "RECV" && has t3 "CLOSED\|TLS-FAILED" && grep -q "does not match" "$T/t.out"; then
	ok tls_wrong_fingerprint_rejected
else
	bad tls_wrong_fingerprint_rejected "$T/t3" "$T/t.out"
fi
# plain TCP to a TLS stream is not BFCP to the server either
ua t3b $(port_of t 3) 3 "hello; wait HelloAck"
if ! has t3b "RECV HelloAck"; then ok tls_port_refuses_plain
else bad tls_port_refuses_plain "$T/t3b"; fi
exit 0
