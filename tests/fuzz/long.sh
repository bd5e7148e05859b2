#!/bin/sh
# tests/fuzz/long.sh BIN_DIR CORPUS_DIR: `make fuzz-long`.
#
# Runs every libFuzzer target in BIN_DIR (built by `make fuzz`) for
# FUZZ_SECONDS or FUZZ_RUNS executions, whichever comes first, on a
# scratch copy of its corpus, then merges what it found back into
# CORPUS_DIR/<target>/ with -merge=1 (only inputs that add coverage go
# in, so the committed corpus stays small).  Prints, and writes to
# BIN_DIR/../fuzz-long.txt, one line per target: executions, seconds,
# exec/s, corpus size before and after.  A crash ends the script with
# status 1 and its input in BIN_DIR/../crash/<target>/: commit that
# input into the corpus (it becomes a `make test` regression) and fix
# the bug.  FUZZ_TARGETS limits the run to some targets (names without
# the fuzz_ prefix).
BIN=${1:?bin dir} CORPUS=${2:?corpus dir}
: "${FUZZ_SECONDS:=600}" "${FUZZ_RUNS:=10000000}"
out=$(dirname "$BIN")
report=$out/fuzz-long.txt
: >"$report"
rc=0
for b in "$BIN"/fuzz_*; do
	[ -x "$b" ] || continue
	t=$(basename "$b" | sed 's/^fuzz_//')
	if [ -n "$FUZZ_TARGETS" ] && ! echo " $FUZZ_TARGETS " | grep -q " $t "; then
		continue
	fi
	mkdir -p "$CORPUS/$t" "$out/crash/$t" "$out/work/$t"
	before=$(ls "$CORPUS/$t" | wc -l)
	rm -rf "$out/work/$t" && mkdir -p "$out/work/$t"
	cp "$CORPUS/$t"/* "$out/work/$t"/ 2>/dev/null
	log=$out/fuzz-long.$t.log
	start=$(date +%s)
	"$b" -max_total_time="$FUZZ_SECONDS" -runs="$FUZZ_RUNS" \
		-print_final_stats=1 -rss_limit_mb=2048 -max_len=8192 \
		-artifact_prefix="$out/crash/$t/" "$out/work/$t" >"$log" 2>&1
	st=$?
	secs=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ "$st" != 0 ]; then
		echo "$t: CRASH after ${execs:-?} executions (exit $st): $(ls "$out/crash/$t" | head -n 3 | tr '\n' ' ')" |
			tee -a "$report"
		tail -n 30 "$log"
		rc=1
		continue
	fi
	# The corpus becomes the smallest set (libFuzzer's -merge=1 set
	# cover) with the edge coverage (-use_counters=0: hit counts would
	# keep four times as many files) of the old corpus and all finds.
	# Named files (seeds, regression inputs) always stay; the others
	# are named by their SHA-1, as libFuzzer names them.
	rm -rf "$out/min/$t" && mkdir -p "$out/min/$t"
	if "$b" -merge=1 -use_counters=0 "$out/min/$t" "$CORPUS/$t" "$out/work/$t" \
		>"$log.merge" 2>&1; then
		ls "$CORPUS/$t" | grep -vE '^[0-9a-f]{40}$' |
			while read -r n; do
				sha1sum <"$CORPUS/$t/$n" | cut -c1-40
			done >"$out/min/$t.seeds"
		for f in "$CORPUS/$t"/*; do
			basename "$f" | grep -qE '^[0-9a-f]{40}$' && rm -f "$f"
		done
		for f in "$out/min/$t"/*; do
			[ -f "$f" ] || continue
			grep -qx "$(basename "$f")" "$out/min/$t.seeds" ||
				cp "$f" "$CORPUS/$t/"
		done
	else
		echo "$t: merge failed, corpus left as it was" | tee -a "$report"
	fi
	after=$(ls "$CORPUS/$t" | wc -l)
	printf '%-10s %10s executions in %5s s (%s exec/s), corpus %s -> %s\n' \
		"$t" "${execs:-?}" "$secs" "${speed:-?}" "$before" "$after" |
		tee -a "$report"
done
exit $rc
