#!/bin/sh
# A change made on the web interface reaches the running focus at once,
# without SIGHUP (issue 11): alice, added to a closed conference through
# the API, can join; once removed through the API she is refused.
# Each change reloads only that conference (store_conf_get +
# focus_set_confdef); a conference deleted on the web is gone at once.
. "$(dirname "$0")/lib.sh"
lib_init web_applied
need sipp python3
need_build confd confctl

S=$TOP/tests/sipp
TPORT=$(free_port)
confd_setup
printf 'trusted_peers 127.0.0.1:%s\n' "$TPORT" >>"$CONFD_CONF"
CONFCTL_PASSWORD=alice-pw confctl creator add alice >/dev/null
confd_start
wait_for 10 tcp_bound "$CONFD_HTTP_PORT" || fail "web listening"

# api METHOD PATH [JSON]: the HTTP status, as creator alice
api() {
	python3 - "$CONFD_HTTP_PORT" "$TMP/confd/confd.pem" "$@" <<'PY'
import http.client, json, ssl, sys
port, cert, method, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cert); ctx.check_hostname = False
def req(m, p, b, h):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
    c.request(m, p, b, dict(h, **{"Content-Type": "application/json"}))
    r = c.getresponse(); return r, r.read()
r, b = req("POST", "/api/v1/login", json.dumps({"name": "alice", "password": "alice-pw"}), {})
h = {"Cookie": r.getheader("Set-Cookie").split(";")[0], "X-CSRF-Token": json.loads(b)["csrf"]}
r, b = req(method, path, sys.argv[5] if len(sys.argv) > 5 else None, h)
print(r.status)
PY
}

# call NAME: final status of a join as alice (P-Asserted-Identity from a
# trusted peer)
call() {
	mkdir -p "$TMP/$1"
	( cd "$TMP/$1" && timeout 30 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$S/pai_join.xml" -s room -key domain "$CONFD_DOMAIN" \
		-key caller alice -key caller_domain "$CONFD_DOMAIN" \
		-key pai alice -key dname Alice -d 200 -i 127.0.0.1 -p "$TPORT" \
		-mp "$(free_port)" -m 1 -l 1 -nostdin -trace_msg \
		>sipp.out 2>&1 )
	sed -n 's/^SIP\/2.0 \([2-6][0-9][0-9]\) .*/\1/p' "$TMP/$1"/*_messages.log |
		grep -v '^100$' | head -1
}

C=/api/v1/conferences/sip%3Aroom%40$CONFD_DOMAIN
st=$(api POST /api/v1/conferences "{\"uri\":\"sip:room@$CONFD_DOMAIN\",\"srtp\":\"optional\"}")
check "closed conference created on the web (201)" test "$st" = 201
code=$(call before)
check "not on the list yet: refused ($code)" test "$code" = 403
st=$(api POST "$C/participants" "{\"sip_uri\":\"sip:alice@$CONFD_DOMAIN\"}")
check "alice added on the web (201)" test "$st" = 201
code=$(call added)
check "added: alice joins at once, no SIGHUP ($code)" test "$code" = 200
st=$(api DELETE "$C/participants/sip%3Aalice%40$CONFD_DOMAIN")
check "alice removed on the web (204)" test "$st" = 204
code=$(call removed)
check "removed: alice can no longer join ($code)" test "$code" = 403
st=$(api POST "$C/participants" "{\"sip_uri\":\"sip:alice@$CONFD_DOMAIN\"}")
check "alice added again (201)" test "$st" = 201
code=$(call again)
check "added again: alice joins ($code)" test "$code" = 200
st=$(api DELETE "$C")
check "conference deleted on the web (204)" test "$st" = 204
code=$(call deleted)
check "deleted: no such conference any more ($code)" test "$code" = 404

confd_stop
lib_done
