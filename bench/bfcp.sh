#!/bin/sh
# bench/bfcp.sh [BUILD] -- BFCP floor transactions per second, TCP then
# TLS, with build/bench/bfcp_load (bench/bfcp_load.c): a floor server in
# a child process and N participants that, round-robin, request the
# presentation floor, wait for Granted, release it, wait for Released.
#
# Results: bench.bfcp.{tcp,tls}.{participants, trans_per_s,
# cycles_per_s, p50_us, p99_us, max_us}.
#
# Environment: BFCP_PARTS (participants, default 100), BFCP_CYCLES
# (request/release cycles, default 20000).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
N=${BFCP_PARTS:-100}
C=${BFCP_CYCLES:-20000}

bench_need "$BUILD/bench/bfcp_load"
"$BUILD/bench/bfcp_load" -n "$N" -c "$C" || echo "bfcp: TCP run failed" >&2
"$BUILD/bench/bfcp_load" -n "$N" -c "$C" --tls -p 48500 ||
	echo "bfcp: TLS run failed" >&2
exit 0
