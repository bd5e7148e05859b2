#!/bin/sh
# bench/run.sh [BUILD] -- runs every benchmark and prints its figures.
# `make bench` calls this.  Benchmarks are not tests: they print figures
# next to their targets and do not fail the build.
#
# One script per topic, bench/TOPIC.sh [BUILD]; a topic that needs a
# load program of its own has it in bench/TOPIC_load.c (built by make
# into BUILD/bench/TOPIC_load).  Every script prints human-readable
# lines starting "TOPIC: " and result lines "bench.TOPIC.NAME=VALUE".
# This script collects the result lines, sorted, into
# BUILD/bench/results.kv, so that two runs can be compared with diff
# (and with the figures recorded in bench/results/TOPIC.txt:
# grep -h '^bench\.' bench/results/*.txt | sort).
#
# BENCH='pattern' runs only the topics whose name matches (grep).
# The figures are only as good as the machine is quiet: other processes
# on the two cores show up as late frames and lower rates.
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
TOPICS="hotpath joins mixer bfcp eventpkg mikey msrp web video scale"
mkdir -p "$BUILD/bench"
out="$BUILD/bench/results.kv"
tmp=$(mktemp /tmp/confd-bench-run.XXXXXX)
trap 'rm -f "$tmp"' EXIT

echo "== confd benchmarks ($(date -u +%Y-%m-%dT%H:%M:%SZ)," \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
for t in $TOPICS; do
	if [ -n "$BENCH" ] && ! echo "$t" | grep -q -e "$BENCH"; then
		continue
	fi
	echo "== $t (bench/$t.sh)"
	sh "bench/$t.sh" "$BUILD" | tee -a "$tmp"
done
grep '^bench\.' "$tmp" | sort >"$out"
echo "== $(wc -l <"$out") results in $out"
exit 0
