#!/bin/sh
# bench/mikey.sh [BUILD] -- MIKEY-TICKET on loopback, driven by
# build/tools/mikey_e2e in its bench mode against a kmsd of its own:
#   - KMS requests/s: the focus-side client's REQUEST_INIT -> kmsd ->
#     REQUEST_RESP, one HTTPS connection each;
#   - MIKEY joins/s: the test UA's REQUEST at kmsd and TRANSFER_INIT;
#     the focus's early checks, RESOLVE at kmsd, TRANSFER_INIT check,
#     TEKs and TRANSFER_RESP; the UA's TRANSFER_RESP check and TEKs;
#   - focus-side joins/s: the focus's share of a join only.
# Sequential, one at a time, so the figures are per-core latency bound.
# Target: >= 300 joins/s.
#
# Results: bench.mikey.{kms_req_per_s, joins_per_s,
# focus_resolve_per_s}.
#
# Environment: MIKEY_N (exchanges of each kind, default 2000).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
N=${MIKEY_N:-2000}

bench_need "$BUILD/kmsd" "$BUILD/tools/mikey_e2e"
dir=$(mktemp -d /tmp/mikey-bench.XXXXXX)
kpid=
trap '[ -n "$kpid" ] && kill $kpid 2>/dev/null; wait $kpid 2>/dev/null; rm -rf "$dir"' EXIT
A=$(openssl rand -hex 32); B=$(openssl rand -hex 32); F=$(openssl rand -hex 32)
printf 'sip:alice@example.org %s\nsip:bob@example.org %s\nsip:focus@conf.example.org %s\n' \
	$A $B $F >"$dir/users"
port=$((20000 + $$ % 20000))
cat >"$dir/kmsd.conf" <<EOT
listen 127.0.0.1:$port
cert $dir/kmsd.pem
kms_id kms.example.org
master_key $(openssl rand -hex 32)
users $dir/users
EOT
"$BUILD/kmsd" -f "$dir/kmsd.conf" >"$dir/kmsd.log" 2>&1 &
kpid=$!
for i in $(seq 50); do grep -q listening "$dir/kmsd.log" && break; sleep 0.1; done
fp=$(openssl x509 -in "$dir/kmsd.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
"$BUILD/tools/mikey_e2e" $port "$fp" $A $B $F bench $N >"$dir/e2e.out" 2>&1
rc=$?
# mikey_e2e prints "NAME: OK/N in MS ms = RATE UNIT ..." per measure
sed 's/^/mikey: /' "$dir/e2e.out"
[ $rc = 0 ] || echo "mikey: mikey_e2e exited $rc" >&2
rate() {
	awk -v k="$1:" '$1 == k { for (i = 2; i < NF; i++) if ($i == "=") print $(i + 1) }' \
		"$dir/e2e.out"
}
r=$(rate mikey_joins)
echo "mikey: target >= 300 joins/s:" \
	"$([ "${r:-0}" -ge 300 ] 2>/dev/null && echo met || echo not met)"
kv mikey.kms_req_per_s "$(rate kms_requests)"
kv mikey.joins_per_s "$r"
kv mikey.focus_resolve_per_s "$(rate focus_resolve_joins)"
exit 0
