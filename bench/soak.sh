#!/bin/sh
# bench/soak.sh [BUILD] -- a long run with churn.
#
# SOAK_PARTS participants (default 500) in SOAK_ROOMS open conferences
# (default 5), with churn: SIPp joins SOAK_RATE calls a second (default
# 10, spread over the rooms), each stays SOAK_PARTS / SOAK_RATE seconds
# and leaves with BYE, so that once warmed up there are SOAK_PARTS
# participants and SOAK_RATE joins and SOAK_RATE leaves every second.
# Runs SOAK_SECONDS (default 1800) of joins, then lets the last calls
# end.  Plain RTP/AVP G.711 calls (tests/sipp/join_leave.xml); SIPp
# sends no media, so media_timeout is off and the mixer runs its full
# schedule for every participant.
#
# Every SOAK_SAMPLE seconds (default 10) it samples confd's RSS, open
# descriptors and participants.  Figures:
#   - rss_warm_kb: RSS once warmed up (the first sample at full count,
#     after a further warm-up of one churn period);
#   - rss_end_kb, rss_growth_kb and rss_growth_pct: the last full-load
#     sample against the warm one ("flat": growth under 5%);
#   - fds_idle, fds_peak, fds_after: descriptors before the first call,
#     at the peak, and once every call has left (no leak: after = idle);
#   - calls, failed: SIPp's totals (every call should succeed);
#   - ticks, late_ticks, worst_tick_us: confd's mixer clock, printed at
#     exit (no late frames: late_ticks = 0).
# Targets: RSS flat after warm-up, no descriptor leak, no late frames,
# no failed call.
#
# SOAK_SHORT=1 prints "soak:" lines only (tests/integ/soak_short.sh).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
PARTS=${SOAK_PARTS:-500}
ROOMS=${SOAK_ROOMS:-5}
RATE=${SOAK_RATE:-10}
SECS=${SOAK_SECONDS:-1800}
SAMPLE=${SOAK_SAMPLE:-10}
PORT=${PORT:-5290}
HOLD=$((PARTS / RATE))                 # seconds a participant stays
CALLS_PER_ROOM=$((RATE * SECS / ROOMS))

bench_need "$CONFD" "$CONFCTL"
command -v sipp >/dev/null || { echo "soak: sipp missing" >&2; exit 1; }

SIPP_PIDS=
cleanup() {
	for p in $SIPP_PIDS; do kill "$p" 2>/dev/null; done
	confd_stop
}
trap cleanup EXIT INT TERM

# 2 RTP ports a participant, and room to spare
CONFD_EXTRA="media_timeout 0
max_participants $((PARTS + 100))
max_calls $((PARTS * 2))
max_transactions_per_source 1000"
confd_start "$PORT" 30000-$((30000 + PARTS * 4 + 400))
r=1
while [ $r -le "$ROOMS" ]; do
	conf_add "sip:soak$r@127.0.0.1" --open --srtp off
	r=$((r + 1))
done
confd_run || exit 1
sleep 0.5

fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
fds_idle=$(fds "$CONFD_PID")
rss_idle=$(proc_kb "$CONFD_PID" VmRSS)

echo "soak: $PARTS participants in $ROOMS rooms, $RATE joins and $RATE leaves/s, each stays $HOLD s, $SECS s of churn"
# one SIPp per room, RATE/ROOMS calls a second each
r=1
while [ $r -le "$ROOMS" ]; do
	mkdir -p "$BD/sipp$r"
	( cd "$BD/sipp$r" && exec sipp "127.0.0.1:$PORT" \
		-sf "$top/tests/sipp/join_leave.xml" -s "soak$r" \
		-key domain 127.0.0.1 -key caller "soak$r" \
		-key from_domain 127.0.0.1 -i 127.0.0.1 -p $((PORT + 10 + r)) \
		-mi 127.0.0.1 -mp $((PORT + 100 + r * 10)) \
		-r "$RATE" -rp $((ROOMS * 1000)) -d $((HOLD * 1000)) \
		-m "$CALLS_PER_ROOM" -l $((PARTS / ROOMS + 20)) \
		-max_retrans 5 -timeout $((SECS + HOLD + 120)) \
		-trace_err -error_file errors.log -trace_stat \
		-stf stat.csv -fd 10 -nostdin >sipp.out 2>&1 ) &
	SIPP_PIDS="$SIPP_PIDS $!"
	r=$((r + 1))
done

start=$(date +%s)
end=$((start + SECS + HOLD + 60))
warm_at=$((start + 2 * HOLD))          # full count plus one period
: >"$BD/samples"
rss_warm=
fds_peak=0
while :; do
	now=$(date +%s)
	alive=0
	for p in $SIPP_PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
	[ $alive = 0 ] && break
	[ "$now" -ge "$end" ] && break
	rss=$(proc_kb "$CONFD_PID" VmRSS)
	fd=$(fds "$CONFD_PID")
	[ "$fd" -gt "$fds_peak" ] && fds_peak=$fd
	t=$((now - start))
	echo "$t $rss $fd" >>"$BD/samples"
	# full load: past warm-up and before the last joins stop
	if [ "$now" -ge "$warm_at" ] && [ "$t" -le "$SECS" ]; then
		[ -z "$rss_warm" ] && rss_warm=$rss
		rss_end=$rss
	fi
	sleep "$SAMPLE"
done
for p in $SIPP_PIDS; do wait "$p"; done
SIPP_PIDS=
sleep 2
fds_after=$(fds "$CONFD_PID")
rss_after=$(proc_kb "$CONFD_PID" VmRSS)

calls=0 failed=0
r=1
while [ $r -le "$ROOMS" ]; do
	f=$(ls "$BD/sipp$r"/*stat.csv 2>/dev/null | head -n 1)
	if [ -n "$f" ]; then
		# last line: cumulative SuccessfulCall(C) and FailedCall(C)
		s=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) {
				if ($i == "SuccessfulCall(C)") sc = i;
				if ($i == "FailedCall(C)") fc = i } }
			END { print $sc, $fc }' "$f")
		calls=$((calls + ${s% *}))
		failed=$((failed + ${s#* }))
	fi
	r=$((r + 1))
done

kill -TERM "$CONFD_PID"
wait "$CONFD_PID" 2>/dev/null
mix=$(grep 'mixer:' "$BD/confd.log" | tail -n 1)
ticks=$(echo "$mix" | sed -n 's/.*mixer: \([0-9]*\) ticks.*/\1/p')
late=$(echo "$mix" | sed -n 's/.* \([0-9]*\) late.*/\1/p')
worst=$(echo "$mix" | sed -n 's/.*worst tick \([0-9]*\) us.*/\1/p')
CONFD_PID=

: "${rss_warm:=0}" "${rss_end:=0}"
growth=$((rss_end - rss_warm))
pct=$(awk -v g="$growth" -v w="$rss_warm" 'BEGIN { printf "%.1f", w ? 100 * g / w : 0 }')

echo "soak: confd RSS idle $rss_idle kB, warm $rss_warm kB, end of churn $rss_end kB ($growth kB, $pct%), after $rss_after kB"
echo "soak: descriptors idle $fds_idle, peak $fds_peak, after all left $fds_after"
echo "soak: calls $calls, failed $failed; mixer $ticks ticks, $late late, worst tick $worst us"
flat=$(awk -v p="$pct" 'BEGIN { print (p < 5) ? "met" : "NOT met" }')
leak=$([ "$fds_after" -le "$fds_idle" ] && echo met || echo "NOT met")
late_ok=$([ "${late:-1}" = 0 ] && echo met || echo "NOT met")
fail_ok=$([ "$failed" = 0 ] && [ "$calls" -gt 0 ] && echo met || echo "NOT met")
echo "soak: targets: RSS flat (<5% after warm-up) $flat; no descriptor leak $leak; no late frames $late_ok; no failed call $fail_ok"
if [ -z "$SOAK_SHORT" ]; then
	echo "soak: samples (s, RSS kB, fds):"
	sed 's/^/soak:   /' "$BD/samples"
fi
v=n$PARTS
[ -n "$BENCH_KEEP" ] && echo "soak: kept in $BD"
kv "soak.$v.seconds" "$SECS"
kv "soak.$v.calls" "$calls"
kv "soak.$v.failed" "$failed"
kv "soak.$v.rss_warm_kb" "$rss_warm"
kv "soak.$v.rss_end_kb" "$rss_end"
kv "soak.$v.rss_growth_kb" "$growth"
kv "soak.$v.rss_growth_pct" "$pct"
kv "soak.$v.fds_idle" "$fds_idle"
kv "soak.$v.fds_peak" "$fds_peak"
kv "soak.$v.fds_after" "$fds_after"
kv "soak.$v.ticks" "${ticks:-0}"
kv "soak.$v.late_ticks" "${late:-0}"
kv "soak.$v.worst_tick_us" "${worst:-0}"
