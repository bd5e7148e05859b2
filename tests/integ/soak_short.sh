#!/bin/sh
# A short soak under the sanitizers: bench/soak.sh with 50 participants,
# 5 joins and 5 leaves a second, for 2 minutes (SOAK_SHORT_SECONDS), on
# the build under test.  It runs only in `make asan` (ASAN_OPTIONS set):
# there ASan and LeakSanitizer watch confd through the churn, and at exit
# any leak or memory error fails it; the plain build gets the long soak
# from `bench/soak.sh` instead.  Passes when every call succeeds, RSS
# stays flat after warm-up, no descriptor is left behind and the mixer
# had no late tick.
. "$(dirname "$0")/lib.sh"
lib_init soak_short
if [ -z "$ASAN_OPTIONS" ]; then
	echo "    (skipped: runs under make asan only)"
	pass "skipped outside make asan"
	lib_done
fi
need sipp
need_build confd confctl

out=$TMP/soak.out
BENCH_KEEP=1 SOAK_SHORT=1 SOAK_PARTS=50 SOAK_ROOMS=5 SOAK_RATE=5 \
	SOAK_SECONDS=${SOAK_SHORT_SECONDS:-120} SOAK_SAMPLE=5 \
	PORT=$(free_port) sh "$TOP/bench/soak.sh" "$BUILD" >"$out" 2>&1
grep '^soak:' "$out" | sed 's/^/    /'
bd=$(sed -n 's/^soak: kept in //p' "$out")
kv() { sed -n "s/^bench\.soak\.n50\.$1=//p" "$out"; }

check "calls made, none failed ($(kv calls) calls)" \
	sh -c "[ '$(kv failed)' = 0 ] && [ '$(kv calls)' -gt 0 ]"
# ASan keeps freed memory in its quarantine (quarantine_size_mb, 4 in
# make asan) before reuse, so RSS rises by up to that much however flat
# confd's own use is: the bound is 5% plus the quarantine.  Leaks proper
# are LeakSanitizer's to find when confd exits (the last check).
q=$(echo "$ASAN_OPTIONS" | tr ':' '\n' | sed -n 's/^quarantine_size_mb=//p')
qkb=$(( ${q:-256} * 1024 ))
check "RSS flat after warm-up ($(kv rss_growth_kb) kB; 5% + ${q:-256} MB quarantine)" \
	awk -v g="$(kv rss_growth_kb)" -v w="$(kv rss_warm_kb)" -v q="$qkb" \
	'BEGIN { exit !(g != "" && g < w * 0.05 + q) }'
check "no descriptor leak ($(kv fds_idle) idle, $(kv fds_after) after)" \
	test "$(kv fds_after)" -le "$(kv fds_idle)"
# under ASan the mixer clock is slower; a late tick is still a failure
check "no late mixer tick ($(kv late_ticks) of $(kv ticks))" \
	test "$(kv late_ticks)" = 0
if [ -n "$bd" ] && [ -f "$bd/confd.log" ]; then
	check "no sanitizer report from confd" \
		sh -c "! grep -E 'AddressSanitizer|LeakSanitizer|runtime error' '$bd/confd.log'"
	cp "$bd/confd.log" "$TMP/confd.log"
	rm -rf "$bd"
fi
lib_done
