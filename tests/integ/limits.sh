#!/bin/sh
# Admission limits (focus/admission.c; issue 14 "Resource exhaustion
# gets 503 with Retry-After", issue 18 "Bounded state"), each against
# its own confd with small limits.  SIPp's tests/sipp/reject_503.xml
# expects exactly one 503 carrying Retry-After; any other answer (a 200
# included) fails the SIPp run.
#   1. max_participants 2: the third caller of a room gets 503
#      "Conference Full (max_participants)"; max_calls 3: a fourth
#      caller elsewhere gets 503 "Server Full (max_calls)"; once the
#      calls end the room takes callers again.
#   2. open_conf_share 50 of max_calls 4: the third open-conference call
#      gets 503, a listed participant of a closed conference still joins.
#   3. rtp_ports one RTP/RTCP pair: the second caller gets 503 "Media
#      Ports Exhausted (rtp_ports)" with Retry-After, confd keeps running,
#      and after the hang-up the next caller gets the same port.
#   4. ack_timeout 2: an INVITE answered 200 and never ACKed holds the
#      pair (the next caller gets 503) until ack_timeout, then the call
#      is ended (log line) and the next caller gets that port.
. "$(dirname "$0")/lib.sh"
lib_init limits
need sipp timeout
need_build confd confctl confd-ua

S=$TOP/tests/sipp
UA=$BUILD/confd-ua
D=$CONFD_DOMAIN

# restart EXTRA-LINES: a fresh confd (new ports, empty store) with these
# confd.conf lines
restart() {
	confd_stop >/dev/null 2>&1
	CONFD_CONF=""
	rm -f "$TMP/confd/confd.db"
	CONFD_EXTRA=$1
	confd_setup
}

# hold NAME ROOM SECONDS: a confd-ua participant in ROOM for SECONDS
hold() {
	bg_start "$1" timeout -k 5 $(($3 + 20)) "$UA" call \
		--to "sip:$2@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:$1@$D" --duration "$3" --expect 200
	eval "${1}_PID=\$BG_PID"
}

# joined N: confd's log shows N participants joined so far
joined() {
	[ "$(grep -c ' joined ' "$CONFD_LOG")" -ge "$1" ]
}

# refused NAME ROOM REASON [sipp args]: one INVITE, 503 + Retry-After
# with REASON in the status line
refused() {
	local _n _room _why
	_n=$1 _room=$2 _why=$3
	shift 3
	if sipp_run "$_n" "$S/reject_503.xml" -s "$_room" -trace_logs \
	    -log_file "$(sipp_dir "$_n")/log.log" "$@" &&
	   grep -q "SIP/2.0 503 $_why" "$(sipp_dir "$_n")/messages.log" &&
	   grep -q "^Retry-After: 7" "$(sipp_dir "$_n")/messages.log"; then
		pass "$_n"
	else
		fail "$_n" "sipp exit or missing '503 $_why' / Retry-After: 7"
		sipp_show "$_n"
	fi
}

# joins NAME ROOM: a call that gets 200 (join, leave)
# (a closed conference's caller authenticates: digest as alice)
joins() {
	if [ "$2" = closed ]; then
		set -- "$1" "$2" "$S/join_leave_auth.xml" -au alice -ap alice-pw \
			-auth_uri "closed@$D"
	else
		set -- "$1" "$2" "$S/join_leave.xml"
	fi
	_n=$1 _r=$2; shift 2
	if sipp_run "$_n" "$@" -s "$_r"; then
		pass "$_n"
	else
		fail "$_n" "sipp exit $?"
		sipp_show "$_n"
	fi
}

alive() {
	if confd_alive; then
		pass "$1"
	else
		fail "$1" "confd is gone"
		show_log "$CONFD_LOG"
		lib_done
	fi
}

# ---- 1. max_participants, max_calls ----
restart "max_participants 2
max_calls 3
open_conf_share 100
retry_after 7"
confctl conf add "sip:one@$D" --open --srtp optional >/dev/null &&
confctl conf add "sip:two@$D" --open --srtp optional >/dev/null ||
	fail "store set-up"
confd_start
hold h1 one 8
hold h2 one 8
wait_for 10 joined 2 || fail "two holders joined room one"
refused "max_participants: third caller of a room gets 503" one \
	"Conference Full (max_participants)"
hold h3 two 8
wait_for 10 joined 3 || fail "third holder joined room two"
refused "max_calls: fourth call on the server gets 503" two \
	"Server Full (max_calls)"
alive "confd running after the refusals"
wait "$h1_PID" "$h2_PID" "$h3_PID" ||
	fail "holders' calls got 200 and ended" "confd-ua exit"
joins "room takes callers again after the calls ended" one

# ---- 2. the open conferences' share; a closed one keeps its reserve ----
restart "max_calls 4
open_conf_share 50
retry_after 7"
confctl conf add "sip:open@$D" --open --srtp optional >/dev/null &&
confctl conf add "sip:closed@$D" --srtp optional >/dev/null &&
confctl part add "sip:closed@$D" "sip:alice@$D" >/dev/null &&
CONFCTL_PASSWORD=alice-pw confctl part passwd "sip:closed@$D" \
	"sip:alice@$D" >/dev/null ||
	fail "store set-up"
confd_start
hold o1 open 8
hold o2 open 8
wait_for 10 joined 2 || fail "two open-conference callers joined"
refused "open_conf_share: third open-conference call gets 503" open \
	"Open Conference Share Used (open_conf_share)"
joins "listed participant of a closed conference joins past the share" closed
wait "$o1_PID" "$o2_PID" || fail "open callers' calls ended well"

# ---- 3. rtp_ports used up ----
# (no reserve: with one pair any open call would be over a share)
restart "ack_timeout 2
open_conf_share 100
retry_after 7"
PAIR=$(free_range 2)
sed -i "s/^rtp_ports.*/rtp_ports $PAIR/" "$CONFD_CONF"
PAIR=${PAIR%-*}
confctl conf add "sip:room@$D" --open --srtp optional >/dev/null ||
	fail "store set-up"
confd_start
hold p1 room 4
wait_for 10 joined 1 || fail "first caller holds the only pair"
refused "rtp_ports used up: next caller gets 503 + Retry-After" room \
	"Media Ports Exhausted (rtp_ports)"
alive "confd running with its port range used up"
wait "$p1_PID" || fail "first caller's call ended well"
sleep 0.3
joins "after the hang-up the port is taken again" room
m=$(sipp_dir "after the hang-up the port is taken again")/messages.log
check "... on the same port ($PAIR)" grep -q "m=audio $PAIR " "$m"

# ---- 4. an INVITE never ACKed frees its ports after ack_timeout ----
n0=$(grep -c "no ACK in time" "$CONFD_LOG")
if sipp_run "unacked" "$S/invite_noack.xml" -s room; then
	pass "un-ACKed INVITE answered 200"
else
	fail "un-ACKed INVITE answered 200" "sipp exit $?"
	sipp_show unacked
fi
refused "while it waits for its ACK the pair stays taken (503)" room \
	"Media Ports Exhausted (rtp_ports)"
check "ack_timeout: the call is ended without its ACK (log)" \
	wait_for 5 sh -c "[ \$(grep -c 'no ACK in time' '$CONFD_LOG') -gt $n0 ]"
joins "after ack_timeout the next caller gets the port" room
m=$(sipp_dir "after ack_timeout the next caller gets the port")/messages.log
check "... the same port ($PAIR)" grep -q "m=audio $PAIR " "$m"
alive "confd still running"
confd_stop
# the port refusals come after admission (oa_setup), so it counts none
check "exit report: one call not ACKed in time, nothing dropped" \
	grep -q "admission: 6 admitted, 0 refused (503), 0 dropped, 1 not ACKed in time" "$CONFD_LOG"

[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 60
lib_done
