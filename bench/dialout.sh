#!/bin/sh
# bench/dialout.sh [BUILD] -- dial-outs per second, driven by REFER.
#
# confd on loopback with one open conference whose creator is the
# REFERrer.  SIPp sends REFERs (tests/sipp/bench_refer.xml, Refer-Sub:
# false, a new target each) at rising rates; each makes the focus dial
# a SIPp UAS (tests/sipp/uas_answer_bye.xml: 180, 200 with an RTP/AVP
# answer, ACK, BYE from the UAS after DIALOUT_HOLD_MS).  Each step asks
# RATE x DIALOUT_STEP_S dial-outs; it passes when every REFER got 202
# and every dial-out was answered and hung up at (95% of) the rate.
# The figure is the highest passing rate, and confd CPU per dial-out
# (REFER, SDP offer with four fresh SDES keys, INVITE transaction, RTP
# ports, answer, BYE) at that rate.  Target: the dial-in join rate
# (bench/results/joins.txt).
#
# Results: bench.dialout.rate_per_s, bench.dialout.cpu_ms_per_dialout.
#
# Environment: DIALOUT_RATES (default "50 100 200 300 400 500 600"),
# DIALOUT_STEP_S (10), DIALOUT_HOLD_MS (500), PORT (5280).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
RATES=${DIALOUT_RATES:-"50 100 200 300 400 500 600"}
STEP=${DIALOUT_STEP_S:-10}
HOLD=${DIALOUT_HOLD_MS:-500}
PORT=${PORT:-5280}
UAS_PORT=$((PORT + 1))

bench_need "$CONFD" "$CONFCTL"
command -v sipp >/dev/null || { echo "dialout: sipp missing" >&2; exit 1; }

confd_start "$PORT" 20000-29999
trap 'confd_stop' EXIT INT TERM
conf_add sip:room@127.0.0.1 --open --srtp optional \
	--creator sip:chair@127.0.0.1
confd_run || exit 1

best=0
best_cpu=0
echo "dialout: rate  asked  referred  answered  failed  elapsed_s  achieved/s  confd_cpu_ms/dialout"
for r in $RATES; do
	n=$((r * STEP))
	sipp -sf tests/sipp/uas_answer_bye.xml -i 127.0.0.1 -p "$UAS_PORT" \
		-m "$n" -d "$HOLD" -key pai_hdr "X-Bench: 1" -nostdin \
		-recv_timeout 10000 -timeout $((STEP * 4 + 30))s \
		-trace_stat -stf "$BD/uas_$r.csv" \
		>"$BD/uas_$r.out" 2>&1 </dev/null &
	uas=$!
	sleep 0.5
	c0=$(proc_cpu_ticks "$CONFD_PID")
	t0=$(now_s)
	sipp 127.0.0.1:"$PORT" -sf tests/sipp/bench_refer.xml -s room \
		-key domain 127.0.0.1 -key caller chair \
		-key uas "127.0.0.1:$UAS_PORT" -i 127.0.0.1 -p 0 \
		-r "$r" -m "$n" -l $((r * 2 + 100)) -recv_timeout 5000 \
		-timeout $((STEP * 4 + 30))s -nostdin \
		-trace_stat -stf "$BD/refer_$r.csv" \
		>"$BD/refer_$r.out" 2>&1 </dev/null
	tr=$(now_s)
	wait "$uas"
	rc=$?
	t1=$(now_s)
	c1=$(proc_cpu_ticks "$CONFD_PID")
	col() { # CSV COLUMN: the last line's cumulative counter
		awk -F';' -v c="$2" 'NR==1{for(i=1;i<=NF;i++)if($i==c)k=i}
			END{print $k+0}' "$1" 2>/dev/null
	}
	ref=$(col "$BD/refer_$r.csv" "SuccessfulCall(C)")
	okc=$(col "$BD/uas_$r.csv" "SuccessfulCall(C)")
	fail=$(col "$BD/uas_$r.csv" "FailedCall(C)")
	: "${ref:=0}" "${okc:=0}" "${fail:=0}"
	# the rate is that of the REFERs, all answered 202 by then; the
	# CPU counts until the last dial-out was hung up
	el=$(echo "$tr $t0" | awk '{printf "%.2f", $1 - $2}')
	ach=$(echo "$okc $el" | awk '{printf "%.0f", ($2 > 0) ? $1 / $2 : 0}')
	cpu=$(echo "$c1 $c0 $HZ $okc" | awk '{printf "%.3f", ($4 > 0) ? ($1 - $2) * 1000 / $3 / $4 : 0}')
	printf "dialout: %5s %6s %8s %9s %7s %9s %10s %10s\n" "$r" "$n" "$ref" \
		"$okc" "$fail" "$el" "$ach" "$cpu"
	if ! kill -0 "$CONFD_PID" 2>/dev/null; then
		echo "dialout: confd died at $r/s" >&2
		break
	fi
	if [ "$rc" != 0 ] || [ "$fail" != 0 ] || [ "$okc" != "$n" ] ||
	    [ "$ref" != "$n" ] ||
	    [ "$(echo "$ach $r" | awk '{print ($1 >= 0.95 * $2)}')" != 1 ]; then
		break
	fi
	best=$r
	best_cpu=$cpu
	sleep 2
done
echo "dialout: highest rate with no failed dial-out: $best/s (target: the" \
	"join rate, bench/results/joins.txt)"
kv dialout.rate_per_s "$best"
kv dialout.cpu_ms_per_dialout "$best_cpu"
