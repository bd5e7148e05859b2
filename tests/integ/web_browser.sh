#!/bin/sh
# The creator page in a real browser (issue 11): Debian's chromium driven
# by npm's playwright-core (tests/browser/web.mjs), a real SIP client
# (confd-ua with BFCP over TLS) in the call, then kill -9 and a restart.
# Screenshots are kept in $WEB_OUT (default BUILD/test-output).
# Runs only where chromium and playwright-core are installed
# (scripts/deps.sh installs both); otherwise it says so and passes
# nothing.
. "$(dirname "$0")/lib.sh"
lib_init web_browser
need python3 openssl
need_build confd confctl confd-ua

PW=$TOP/tests/browser/node_modules/playwright-core
if [ ! -x /usr/bin/chromium ] || [ ! -d "$PW" ] || ! command -v node >/dev/null; then
	note "skipped: needs /usr/bin/chromium, node and $PW (make deps)"
	lib_done
fi

WEB_OUT=${WEB_OUT:-$BUILD/test-output}
mkdir -p "$WEB_OUT"
confd_setup
CONFCTL_PASSWORD=alice-pw confctl creator add alice >/dev/null
confd_start
wait_for 10 tcp_bound "$CONFD_HTTP_PORT" || fail "web listening"

UA=$BUILD/confd-ua
"$UA" bfcp --tls --cert "$TMP/ua1.pem" --print-fp >/dev/null
SPKI=$(openssl x509 -in "$TMP/confd/confd.pem" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)

ROOM=sip:room@$CONFD_DOMAIN
export WEB_URL="https://127.0.0.1:$CONFD_HTTP_PORT/" WEB_SPKI="$SPKI" \
	WEB_OUT WEB_TMP="$TMP" ROOM UA1="sip:ua1@$CONFD_DOMAIN" \
	UA2="sip:ua2@$CONFD_DOMAIN" UA_LOG="$TMP/ua1.log"
UA_CMD=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' \
	timeout -k 5 40 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--from "$UA1" --srtp --bfcp tls --cert "$TMP/ua1.pem" --duration 30 \
	--bfcp-script "hello; wait HelloAck; req 1; wait FloorRequestStatus status=Pending; wait FloorRequestStatus status=Granted; sleep 30000")
export UA_CMD
export NODE_PATH="$TOP/tests/browser/node_modules"

cd "$TOP/tests/browser" || exit 1
timeout 120 node web.mjs main || LIB_FAILS=$((LIB_FAILS + 1))

# what the page changed was committed before it was answered
kill -9 "$CONFD_PID"
wait "$CONFD_PID" 2>/dev/null
CONFD_PID=
confd_start
wait_for 10 tcp_bound "$CONFD_HTTP_PORT" || fail "web listening after restart"
timeout 60 node web.mjs after || LIB_FAILS=$((LIB_FAILS + 1))
note "screenshots: $WEB_OUT/web_browser*.png"

confd_stop
lib_done
