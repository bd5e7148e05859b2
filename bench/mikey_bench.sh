#!/bin/sh
# MIKEY-TICKET benchmark on loopback: KMS requests/s (focus-side client
# REQUEST_INIT -> kmsd -> REQUEST_RESP, one HTTPS connection each) and
# MIKEY joins/s (test UA: REQUEST at kmsd + TRANSFER_INIT; focus side:
# early checks + RESOLVE at kmsd + TRANSFER_INIT check + TEKs +
# TRANSFER_RESP; UA: TRANSFER_RESP check + TEKs).  Sequential, one at a
# time, so the figures are per-core latency bound.  Target: >= 300 joins/s.
#   bench/mikey_bench.sh [BUILD] [N]
BUILD=${1:-build}
N=${2:-2000}
dir=$(mktemp -d /tmp/mikey-bench.XXXXXX)
trap 'kill $kpid 2>/dev/null; wait $kpid 2>/dev/null; rm -rf "$dir"' EXIT
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
"$BUILD/tools/mikey_e2e" $port "$fp" $A $B $F bench $N
