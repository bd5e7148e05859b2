#!/bin/sh
# bench/eventpkg.sh [BUILD] -- one roster change fanned out to N
# conference event package subscribers, with PSK S/MIME bodies, then
# plain, with build/bench/eventpkg_load (bench/eventpkg_load.c).
# Target: the last NOTIFY out within 250 ms for 1000 subscribers.
#
# Results: bench.eventpkg.{smime,plain}.{subscribers, last_sent_ms,
# cpu_per_notify_us, last_received_ms}.
#
# Environment: EVENTPKG_SUBS (subscribers, default 1000).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
N=${EVENTPKG_SUBS:-1000}

bench_need "$BUILD/bench/eventpkg_load"
"$BUILD/bench/eventpkg_load" -n "$N" -p || echo "eventpkg: S/MIME run failed" >&2
"$BUILD/bench/eventpkg_load" -n "$N" || echo "eventpkg: plain run failed" >&2
exit 0
