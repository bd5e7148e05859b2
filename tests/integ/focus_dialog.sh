#!/bin/sh
# Focus dialog behaviour with SIPp as the participant:
#  - re-INVITE: hold is answered recvonly, resume with a codec change is
#    answered with the new codec, then BYE (UDP and TCP);
#  - SIGHUP reloads the authorized list without dropping the call in
#    progress (that call still gets its BYE at shutdown).
. "$(dirname "$0")/lib.sh"
lib_init focus_dialog
need sipp
need_build confd confctl

S=$TOP/tests/sipp
ROOM=sip:room@$CONFD_DOMAIN
confd_setup
# callers assert who they are (P-Asserted-Identity from a trusted
# peer): a closed conference takes no bare From
confd_trust_loopback
confctl conf add "$ROOM" --srtp optional >/dev/null
confctl part add "$ROOM" "sip:alice@$CONFD_DOMAIN" >/dev/null
confd_start

# run_sipp NAME SCENARIO CALLER [sipp args...]: one call, its own port
run_sipp() {
	_name=$1; _sc=$2; _caller=$3; shift 3
	_p=$(free_port)
	timeout 40 sipp 127.0.0.1:"$CONFD_SIP_PORT" -sf "$_sc" -s room \
		-key domain "$CONFD_DOMAIN" -key caller "$_caller" \
		-key from_domain "$CONFD_DOMAIN" \
		-i 127.0.0.1 -p "$_p" -mp "$(free_port)" -m 1 -l 1 \
		-timeout 30s -timeout_error -nostdin -bg -trace_err \
		-error_file "$TMP/$_name.err" "$@" >"$TMP/$_name.out" 2>&1
}

# sipp -bg forks; run in the foreground instead so the status counts
fg_sipp() {
	_name=$1; _sc=$2; _caller=$3; shift 3
	_p=$(free_port)
	timeout 40 sipp 127.0.0.1:"$CONFD_SIP_PORT" -sf "$_sc" -s room \
		-key domain "$CONFD_DOMAIN" -key caller "$_caller" \
		-key from_domain "$CONFD_DOMAIN" \
		-i 127.0.0.1 -p "$_p" -mp "$(free_port)" -m 1 -l 1 \
		-timeout 30s -timeout_error -nostdin -trace_err \
		-error_file "$TMP/$_name.err" "$@" >"$TMP/$_name.out" 2>&1
}

sipp_check() {
	_n=$1; shift
	if fg_sipp "$@"; then
		pass "$_n"
	else
		fail "$_n" "sipp exit $?"
		[ -f "$TMP/$2.err" ] && sed 's/^/    | /' "$TMP/$2.err" | tail -20
	fi
}

sipp_check "hold, resume with codec change, BYE (UDP)" reinv_udp \
	"$S/reinvite.xml" alice
sipp_check "hold, resume with codec change, BYE (TCP)" reinv_tcp \
	"$S/reinvite.xml" alice -t t1

# alice stays in through the reload
fg_sipp keep "$S/join_wait_bye.xml" alice &
keep=$!
LIB_PIDS="$LIB_PIDS $keep"
sleep 1

sipp_check "bob not yet listed: 403" bob403 "$S/reject_403.xml" bob
confctl part add "$ROOM" "sip:bob@$CONFD_DOMAIN" >/dev/null
confd_reload
sipp_check "after SIGHUP bob is admitted" bob_ok "$S/reinvite.xml" bob
check "confd still running after SIGHUP" confd_alive

confd_stop 10
rc=$?
if [ "$rc" = 0 ]; then pass "exit 0 on SIGTERM"; else fail "exit 0 on SIGTERM" "status $rc"; fi
if wait "$keep"; then
	pass "call survived SIGHUP and got BYE at shutdown"
else
	fail "call survived SIGHUP and got BYE at shutdown"
	show_log "$CONFD_LOG"
fi
lib_done
