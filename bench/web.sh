#!/bin/sh
# bench/web.sh [BUILD] -- the creator web interface (issue 11):
#  - wrk against the JSON API over HTTPS with a Bearer token: a
#    conference read, and a participant add (each one committed to
#    SQLite and applied to the focus before the answer);
#  - the live roster's delay: WEB_JOINS participants dial in over SIP
#    one after another while a WebSocket client watches the roster;
#    from each ACK to the first roster message naming that participant.
# Knobs: WEB_DURATION (s of wrk, default 10), WEB_CONNS (default 8),
# WEB_JOINS (default 100), WEB_PORT (SIP port, default 21000-21999 by
# pid; HTTPS listens on WEB_PORT + 1000).
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
. bench/lib.sh
bench_need "$CONFD" "$CONFCTL"
command -v wrk >/dev/null || { echo "web: wrk missing (make deps)"; exit 0; }

DUR=${WEB_DURATION:-10}
CONNS=${WEB_CONNS:-8}
JOINS=${WEB_JOINS:-100}
port=${WEB_PORT:-$((21000 + $$ % 1000))}
hport=$((port + 1000))
BENCH_HTTP_LISTEN=127.0.0.1:$hport BENCH_HTTP_ROOT=$TOP/confd/web/static \
	confd_start "$port" 40000-40999
export BENCH_HTTP_LISTEN
sed -i "s/^domain.*/domain\t\tconf.test/" "$BD/confd.conf"
CONFCTL_PASSWORD=pw "$CONFCTL" -d "$BD/confd.db" creator add bench >/dev/null
confd_run || exit 1
sleep 0.5

# a token and two conferences, through the API itself
TOKEN=$(python3 - "$hport" "$BD/confd.pem" <<'PY'
import http.client, json, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False
def req(m, p, b, h):
    c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
    h = dict(h, **{"Content-Type": "application/json"})
    c.request(m, p, json.dumps(b), h); r = c.getresponse(); return r, r.read()
r, b = req("POST", "/api/v1/login", {"name": "bench", "password": "pw"}, {})
sid = r.getheader("Set-Cookie").split(";")[0]
csrf = json.loads(b)["csrf"]
r, b = req("POST", "/api/v1/tokens", {"label": "bench"},
           {"Cookie": sid, "X-CSRF-Token": csrf})
tok = json.loads(b)["token"]
auth = {"Authorization": "Bearer " + tok}
req("POST", "/api/v1/conferences", {"uri": "sip:read@conf.test"}, auth)
req("POST", "/api/v1/conferences", {"uri": "sip:add@conf.test"}, auth)
req("POST", "/api/v1/conferences", {"uri": "sip:live@conf.test", "open": True,
    "srtp": "off"}, auth)
print(tok)
PY
)

lat() { # FILE PCT -> ms
	awk -v p="$2%" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u);
		sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000;
		printf "%.2f", v }' "$1"
}
rps() { awk '/^Requests\/sec:/ { printf "%d", $2 }' "$1"; }

URL=https://127.0.0.1:$hport/api/v1/conferences
wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "Authorization: Bearer $TOKEN" \
	"$URL/sip%3Aread%40conf.test" >"$BD/read.txt" 2>&1
cat >"$BD/add.lua" <<EOL
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
request = function()
	n = n + 1
	return wrk.format(nil, nil, nil, string.format(
		'{"sip_uri":"sip:p%d-%d@conf.test"}', math.random(1, 1000000000), n))
end
EOL
wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s "$BD/add.lua" \
	"$URL/sip%3Aadd%40conf.test/participants" >"$BD/add.txt" 2>&1

echo "web: conference read: $(rps "$BD/read.txt") req/s, p50 $(lat "$BD/read.txt" 50) ms, p99 $(lat "$BD/read.txt" 99) ms ($CONNS connections, ${DUR} s)"
kv web.read.rate_per_s "$(rps "$BD/read.txt")"
kv web.read.p50_ms "$(lat "$BD/read.txt" 50)"
kv web.read.p99_ms "$(lat "$BD/read.txt" 99)"
echo "web: participant add: $(rps "$BD/add.txt") req/s, p50 $(lat "$BD/add.txt" 50) ms, p99 $(lat "$BD/add.txt" 99) ms"
kv web.add.rate_per_s "$(rps "$BD/add.txt")"
kv web.add.p50_ms "$(lat "$BD/add.txt" 50)"
kv web.add.p99_ms "$(lat "$BD/add.txt" 99)"
grep -q "Non-2xx" "$BD/read.txt" "$BD/add.txt" &&
	echo "web: some answers were not 2xx: $(grep -h Non-2xx "$BD"/*.txt)"

set -- $(python3 bench/web_roster.py "$hport" "$BD/confd.pem" "$TOKEN" \
	"$port" live conf.test "$JOINS")
echo "web: roster delay, SIP join (ACK) to WebSocket message, $JOINS joins: p50 $1 ms, p99 $2 ms, max $3 ms ($4 seen; target < 100 ms)"
kv web.roster.n$JOINS.p50_ms "$1"
kv web.roster.n$JOINS.p99_ms "$2"
kv web.roster.n$JOINS.max_ms "$3"
confd_stop
