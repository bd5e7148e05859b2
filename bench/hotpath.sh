#!/bin/sh
# bench/hotpath.sh [BUILD] -- CPU per operation of the hot paths of
# issue 15 (SRTP send and receive, HMAC-SHA1, timer start under SIP
# load), in-process with the CPU clock: build/bench/hotpath_load.
# Robust on a loaded machine, unlike the wall-clock system benchmarks.
# Environment: HOTPATH_N (packets per measurement, default 200000).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
"$BUILD/bench/hotpath_load" "${HOTPATH_N:-200000}"
