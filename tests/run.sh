#!/bin/sh
# Run every test: unit binaries in BUILD/tests, then tests/integ/*.sh.
# Each prints "PASS name" / "FAIL name" lines; a program that exits
# non-zero without printing FAIL counts as one failure.  Ends with the
# line "N passed, N failed".
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export BUILD="$top/$BUILD"
log=$(mktemp -d /tmp/confd-test.XXXXXX)
pass=0; fail=0

run_one() {
	name=$1; shift
	out="$log/$(echo "$name" | tr '/' '_').out"
	t0=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	# how long each one took, for keeping the suite short (not counted)
	echo "TIME $name $(($(date +%s) - t0)) s" >>"$log/times"
	# libre's coloured warnings end in an escape after their newline,
	# which would hide a PASS/FAIL line that follows them
	sed -i 's/\x1b\[[0-9;]*m//g' "$out"
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name (exit $rc)" >>"$out"
		f=1
	fi
	grep -E '^(PASS|FAIL) ' "$out"
	if [ "$f" != 0 ]; then
		echo "---- output of $name ----"
		tail -n 60 "$out"
		echo "----"
	fi
	pass=$((pass + p)); fail=$((fail + f))
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
# The test UA checks its own codecs (RFC 4568 examples, SRTP, G.711)
# before anything relies on it.
[ -x "$BUILD/confd-ua" ] && run_one "ua/selftest" "$BUILD/confd-ua" selftest

# Every fuzz target over its committed corpus: a crash input, once
# found and committed, stays a failing test until it is fixed.
for t in "$BUILD"/fuzz-replay/fuzz_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t" | sed 's/^fuzz_//')
	if [ -d "tests/fuzz/corpus/$n" ]; then
		run_one "fuzz/$n" "$t" "tests/fuzz/corpus/$n"
	else
		echo "FAIL fuzz_replay.$n (no tests/fuzz/corpus/$n)"
		fail=$((fail + 1))
	fi
done

for t in tests/integ/*.sh; do
	[ -f "$t" ] || continue
	[ -n "$TESTS" ] && ! echo "$t" | grep -q "$TESTS" && continue
	run_one "integ/$(basename "$t" .sh)" timeout 300 sh "$t"
done
sort -k3 -n -r "$log/times" | head -n 12 | sed 's/^/slowest: /'
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
