#!/bin/sh
# BFCP through the focus: participants offer audio, a slides stream and
# TCP/TLS/BFCP in their INVITE (SIPp); confd answers as floor control
# server (RFC 8856) and the test UA's BFCP client connects to the port,
# conference ID and user ID of that answer.
. "$(dirname "$0")/lib.sh"
lib_init bfcp_sip
need sipp
need_build confd confctl confd-ua

UA="$BUILD/confd-ua bfcp"
[ -x "$BUILD/tools/bfcp_ua" ] && UA=$BUILD/tools/bfcp_ua
S=$TOP/tests/sipp
ROOM=sip:room@$CONFD_DOMAIN
MOD=sip:moderated@$CONFD_DOMAIN
LAB=sip:labelled@$CONFD_DOMAIN
confd_setup
# callers assert who they are (P-Asserted-Identity from a trusted
# peer): a closed conference takes no bare From
confd_trust_loopback
_r=$(free_range 40)
printf 'tcp_ports %s\n' "$_r" >>"$CONFD_CONF"
confctl conf add "$ROOM" --srtp optional >/dev/null
confctl conf add "$MOD" --srtp required >/dev/null
confctl conf policy "$MOD" --floor-pres chair >/dev/null
confctl conf add "$LAB" --srtp optional >/dev/null
confctl conf policy "$LAB" --floor-audio auto >/dev/null
for r in "$ROOM" "$MOD" "$LAB"; do
	confctl part add "$r" "sip:alice@$CONFD_DOMAIN" >/dev/null
	confctl part add "$r" "sip:bob@$CONFD_DOMAIN" --role chair >/dev/null
done
confd_start

fp_of() { # fp_of PEM: "sha-256 AB:..." of the UA's certificate
	$UA --tls --cert "$1" --print-fp | awk '/^FINGERPRINT/{print $2" "$3}'
}
A_FP=$(fp_of "$TMP/alice.pem")
B_FP=$(fp_of "$TMP/bob.pem")
M_FP=$(fp_of "$TMP/mallory.pem")

# join NAME ROOM CALLER PROTO FP HOLD_MS [SCENARIO]: a call in the
# background; waits for the 200 and sets PORT, CONFID, USERID from the
# answer
join() {
	_n=$1 _room=$2 _caller=$3 _proto=$4 _fp=$5 _hold=$6
	_sf=${7:-bfcp_offer.xml}
	mkdir -p "$TMP/$_n"
	( cd "$TMP/$_n" && exec timeout 60 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$S/$_sf" -s "${_room#sip:}" \
		-key domain "$CONFD_DOMAIN" -key caller "$_caller" \
		-key proto "$_proto" -key fp "$_fp" -d "$_hold" \
		-i 127.0.0.1 -p "$(free_port)" -mp "$(free_port)" -m 1 -l 1 \
		-nostdin -trace_msg -trace_err >sipp.out 2>&1 ) &
	eval "${_n}_PID=\$!"
	LIB_PIDS="$LIB_PIDS $!"
	# the glob must be expanded when the log exists, so in sh -c
	wait_for 10 sh -c "grep -q '^SIP/2.0 200' $TMP/$_n/*_messages.log" || {
		fail "$_n: 200 OK"; return 1; }
	_log=$(ls "$TMP/$_n"/*_messages.log)
	PORT=$(sed -n 's/^ *m=application \([0-9]*\) .*/\1/p' "$_log" | tail -1)
	CONFID=$(sed -n 's/^ *a=confid:\([0-9]*\).*/\1/p' "$_log" | tail -1)
	USERID=$(sed -n 's/^ *a=userid:\([0-9]*\).*/\1/p' "$_log" | tail -1)
}

# bfcp OUT PEM SCRIPT: the BFCP client on the last joined stream
bfcp() {
	timeout 20 $UA --connect 127.0.0.1:"$PORT" --conf "$CONFID" \
		--user "$USERID" --tls --cert "$2" --script "$3" \
		>"$TMP/$1" 2>&1
}
has() { grep -q -- "$2" "$TMP/$1"; }
# answer NAME: the 200 to NAME's INVITE, from SIPp's log, without CRs
answer() {
	tr -d '\r' <"$(ls "$TMP/$1"/*_messages.log)" |
		awk '/^ *SIP\/2.0 200/ { a = 1 } a && /^-----/ { exit } a'
}

# ---- automatic floor over TLS: Granted, Accepted at position 1 (RFC
#      8855 5.2.5), the release moves the grant.
join a "$ROOM" alice TCP/TLS/BFCP "$A_FP" 6000 || lib_done
A_PORT=$PORT A_USER=$USERID
check "no label offered: the answer names confd's own (a=floorid:1 mstrm:slides)" \
	sh -c "grep -q 'a=floorid:1 mstrm:slides' $TMP/a/*_messages.log"
join b "$ROOM" bob TCP/TLS/BFCP "$B_FP" 6000 || lib_done
check "each participant has its own BFCP port and user ID" \
	test "$A_PORT" != "$PORT" -a "$A_USER" != "$USERID"
bfcp b.out "$TMP/bob.pem" "hello; wait HelloAck; sleep 400; req 1; wait FloorRequestStatus status=Accepted qpos=1; wait FloorRequestStatus tid=0 status=Granted" &
bpid=$!
PORT=$A_PORT USERID=$A_USER
bfcp a.out "$TMP/alice.pem" "hello; wait HelloAck; req 1; wait FloorRequestStatus status=Granted; sleep 1000; release 1; wait FloorRequestStatus status=Released"
wait $bpid
if has a.out "MATCH.*status=Granted" && has b.out "MATCH.*status=Accepted qpos=1" &&
   has b.out "MATCH.*tid=0 .*status=Granted" &&
   ! has b.out "RECV FloorRequestStatus.*status=Pending"; then
	pass "TLS: first Granted, second Accepted at 1, release moves the grant"
else
	fail "TLS: first Granted, second Accepted at 1, release moves the grant"
	sed 's/^/    a| /' "$TMP/a.out"; sed 's/^/    b| /' "$TMP/b.out"
fi
check "HelloAck carries the answer's conference and user" has a.out "RECV HelloAck.*conf=$CONFID .*user=$A_USER"

# ---- a client whose certificate is not the one in its SDP is refused
bfcp m.out "$TMP/mallory.pem" "hello; wait HelloAck"
if has m.out "TLS-FAILED\|CLOSED\|EOF" && ! has m.out "RECV HelloAck"; then
	pass "wrong certificate: TLS connection refused before any BFCP"
else
	fail "wrong certificate: TLS connection refused before any BFCP"
	sed 's/^/    | /' "$TMP/m.out"
fi
wait "$a_PID" "$b_PID"

# ---- chair-moderated floor: bob is chair in the list
join c "$MOD" alice TCP/TLS/BFCP "$A_FP" 6000 || lib_done
A_PORT=$PORT A_USER=$USERID
join d "$MOD" bob TCP/TLS/BFCP "$B_FP" 6000 || lib_done
B_PORT=$PORT
PORT=$A_PORT USERID=$A_USER
bfcp c.out "$TMP/alice.pem" "req 1; wait FloorRequestStatus status=Pending; wait FloorRequestStatus status=Granted; chair 1 1 revoked; wait Error error=5" &
cpid=$!
sleep 0.5
PORT=$B_PORT USERID=$(sed -n 's/^ *a=userid:\([0-9]*\).*/\1/p' "$TMP"/d/*_messages.log | tail -1)
bfcp d.out "$TMP/bob.pem" "chair 1 1 granted; wait ChairActionAck"
wait $cpid
if has c.out "MATCH.*status=Pending" && has c.out "MATCH.*status=Granted" &&
   has d.out "MATCH RECV ChairActionAck"; then
	pass "chair from the authorized list grants a pending request"
else
	fail "chair from the authorized list grants a pending request"
	sed 's/^/    c| /' "$TMP/c.out"; sed 's/^/    d| /' "$TMP/d.out"
fi
check "ChairAction from a participant: Error unauthorized" has c.out "MATCH RECV Error.*error=5"
wait "$c_PID" "$d_PID"

# ---- plain TCP/BFCP where the conference requires security: declined
join e "$MOD" alice TCP/BFCP x 500
if [ "$PORT" = 0 ]; then
	pass "TCP/BFCP declined (port 0) when policy requires TLS"
else
	fail "TCP/BFCP declined (port 0) when policy requires TLS" "port $PORT"
fi
wait "$e_PID" 2>/dev/null

# ---- RFC 8856 section 11: the offer labels its streams (a=label:10 on
#      the slides, a=label:11 on the audio); the answer's a=floorid
#      names the offerer's labels, not confd's own.
join l "$LAB" alice TCP/TLS/BFCP "$A_FP" 300 bfcp_offer_label.xml
wait "$l_PID"; l_rc=$?
answer l >"$TMP/l.answer"
if [ "$l_rc" = 0 ] && grep -q '^ *a=floorid:1 mstrm:10 *$' "$TMP/l.answer" &&
   grep -q '^ *a=floorid:2 mstrm:11 *$' "$TMP/l.answer" &&
   grep -q '^ *a=label:10' "$TMP/l.answer" &&
   grep -q '^ *a=label:11' "$TMP/l.answer" &&
   ! grep -q 'mstrm:slides\|mstrm:audio' "$TMP/l.answer"; then
	pass "offered labels: a=floorid:1 mstrm:10 and a=floorid:2 mstrm:11 in the answer"
else
	fail "offered labels: a=floorid:1 mstrm:10 and a=floorid:2 mstrm:11 in the answer" "sipp rc $l_rc"
	sed 's/^/    | /' "$TMP/l.answer"
fi
check "confd still running" confd_alive
lib_done
