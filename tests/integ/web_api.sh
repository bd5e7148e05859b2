#!/bin/sh
# The creator web interface's JSON API (issue 11), end to end against a
# running confd: every endpoint, sessions and CSRF, another creator's
# conference, validation, tokens, 405/413, the roster WebSocket, then
# kill -9 and a restart (what was answered is still there), and last
# the login throttle.
. "$(dirname "$0")/lib.sh"
lib_init web_api
need python3
need_build confd confctl

CONFD_EXTRA="http_session_idle	2"
confd_setup
CONFCTL_PASSWORD=alice-pw confctl creator add alice >/dev/null
CONFCTL_PASSWORD=bob-pw confctl creator add bob >/dev/null
CONFCTL_PASSWORD=carol-pw confctl creator add carol >/dev/null
confd_start
wait_for 10 tcp_bound "$CONFD_HTTP_PORT" || fail "web listening" "port $CONFD_HTTP_PORT"

PY="python3 $TOP/tests/integ/web_api.py $CONFD_HTTP_PORT $TMP/confd/confd.pem $CONFD_DOMAIN 2"
$PY main || LIB_FAILS=$((LIB_FAILS + 1))

# durability: every answered change was committed before the answer
kill -9 "$CONFD_PID"
wait "$CONFD_PID" 2>/dev/null
CONFD_PID=
confd_start
wait_for 10 tcp_bound "$CONFD_HTTP_PORT" || fail "web listening after restart"
$PY persist || LIB_FAILS=$((LIB_FAILS + 1))
$PY throttle || LIB_FAILS=$((LIB_FAILS + 1))

confd_stop
check "confd exits cleanly" test $? = 0
lib_done
