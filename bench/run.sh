#!/bin/sh
# bench/run.sh [BUILD] -- runs every benchmark and prints its figures.
# `make bench` calls this.  Benchmarks are not tests: they print figures
# next to their targets and do not fail the build.
#
#   joins.sh   SIPp joins/s (INVITE, 200, ACK, BYE)   target >= 500/s
#   mixer.sh   SRTP participants mixed in real time   target 1000, no late
#              frames, <= 1 ms CPU per participant-second
#
# Both run on loopback against a confd they start themselves.  The
# figures are only as good as the machine is quiet: other processes on
# the two cores show up as late frames and lower joins/s.
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

echo "== confd benchmarks ($(date -u +%Y-%m-%dT%H:%M:%SZ)," \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "== joins (SIPp)"
sh bench/joins.sh "$BUILD"
echo "== mixer (confd-ua load, SDES-SRTP PCMU, 10 per conference)"
sh bench/mixer.sh "$BUILD" ${MIXER_STEPS:-200 500 1000}
# Benchmark programs (bench/*_bench.c, built by make).
if [ -x "$BUILD/bench/bfcp_bench" ]; then
	echo "== bfcp_bench (TCP, then TLS)"
	"$BUILD/bench/bfcp_bench" -n 100 -c 20000
	"$BUILD/bench/bfcp_bench" -n 100 -c 20000 --tls -p 48500
fi
if [ -x "$BUILD/bench/eventpkg_bench" ]; then
	echo "== eventpkg_bench (1000 subscribers, PSK S/MIME, then plain)"
	"$BUILD/bench/eventpkg_bench" -p
	"$BUILD/bench/eventpkg_bench"
fi
# Benchmarks that later features add as bench/NAME_bench.sh BUILD.
for b in bench/*_bench.sh; do
	[ -f "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	sh "$b" "$BUILD"
done
exit 0
