#!/bin/sh
# bench/overload.sh [BUILD] -- INVITEs at three times the sustainable
# join rate (issue 14, "Overload").
#
# confd with its default overall limits (focus/admission.c: max_calls,
# max_pending ...); SIPp stands for many callers behind one proxy, so
# the per-source limits are lifted as bench/joins.sh does.  First
# OVERLOAD_UP participants (confd-ua load, SDES-SRTP, 10 a room) join
# and stay; then SIPp's tests/sipp/bench_overload.xml (INVITE, 200,
# ACK, BYE, 200; or 503, ACK) runs at OVERLOAD_RATE joins/s for
# OVERLOAD_S seconds; then, after a pause, at OVERLOAD_AFTER joins/s
# for 10 s to see that confd recovered.
#
# What it tells:
#   - how many INVITEs were shed with 503 and how many were accepted,
#     and of the accepted how many completed (200, ACK, BYE, 200);
#   - calls that failed otherwise (SIPp timeouts: the bad kind);
#   - whether the calls already up kept their timing: the UA's late
#     frames (arrival > 20 ms behind the stream's best transit) over the
#     whole run, and confd's own mixer clock (late ticks, worst tick);
#   - recovery: the share of the joins after the flood that succeed.
#
# Results: bench.overload.{offered, shed_503, accepted, accepted_ok,
# accepted_ok_pct, failed, achieved_per_s, up_established, up_late_frames,
# up_max_late_ms, mixer_late_ticks, mixer_worst_tick_us,
# recovery_ok_pct, confd_cpu_pct}.
#
# Environment: OVERLOAD_RATE (1650, 3 x bench/joins.sh's 550/s),
# OVERLOAD_S (30), OVERLOAD_UP (50), OVERLOAD_AFTER (300), PORT (5280).
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
RATE=${OVERLOAD_RATE:-1650}
DUR=${OVERLOAD_S:-30}
UP=${OVERLOAD_UP:-50}
AFTER=${OVERLOAD_AFTER:-300}
PORT=${PORT:-5280}

bench_need "$CONFD" "$CONFCTL" "$UA"
command -v sipp >/dev/null || { echo "overload: sipp missing" >&2; exit 1; }

CONFD_EXTRA="max_pending_per_source 0
max_transactions_per_source 0
flood_drop_per_source 0"
CONFD_LOG_LEVEL=${CONFD_LOG_LEVEL:-info}
confd_start "$PORT" 20000-29999
UAPID=
cleanup() {
	[ -n "$UAPID" ] && kill "$UAPID" 2>/dev/null
	confd_stop
}
trap cleanup EXIT INT TERM
conf_add sip:join@127.0.0.1 --open --srtp optional
rooms=$(( (UP + 9) / 10 ))
i=1
while [ $i -le "$rooms" ]; do
	conf_add "sip:up$i@127.0.0.1" --open --srtp required
	i=$((i + 1))
done
confd_run || exit 1

# waitline FILE REGEX SECONDS
waitline() {
	j=0
	while [ $j -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		j=$((j + 1))
	done
	return 1
}
uaval() { awk -F= -v k="$2" '$1 == k {print $2}' "$1"; }

# the calls already up: they last through the flood and the recovery
UPDUR=$((DUR + 30))
"$UA" load --to "sip:up%d@127.0.0.1:$PORT" --count "$UP" --per-conf 10 \
	--rate 50 --settle 2 --duration "$UPDUR" --quiet \
	>"$BD/ua.out" 2>"$BD/ua.err" &
UAPID=$!
if ! waitline "$BD/ua.out" "^phase=steady" 60; then
	echo "overload: the calls already up never reached steady state" >&2
	tail -5 "$BD/ua.err" >&2
	exit 1
fi
sleep 3

# sipp_step NAME RATE SECONDS: SIPp at RATE joins/s, counts per message
sipp_step() {
	mkdir -p "$BD/$1"
	( cd "$BD/$1" &&
	  sipp 127.0.0.1:"$PORT" -sf "$top/tests/sipp/bench_overload.xml" \
		-s join -i 127.0.0.1 -p 0 -r "$2" -m $(($2 * $3)) \
		-l $(($2 * 4 + 100)) -recv_timeout 5000 \
		-timeout $(($3 * 4 + 30))s -nostdin \
		-trace_stat -stf stat.csv -trace_counts \
		>sipp.out 2>&1 </dev/null
	  mv ./*_counts.csv counts.csv 2>/dev/null )
}
# cum FILE COLUMN: the last (cumulative) value of a -trace_stat column
cum() {
	awk -F';' -v col="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==col) c=i}
		END{print (c ? $c + 0 : 0)}' "$1"
}
# count DIR STEP: a -trace_counts column ("2_503_Recv" style: the
# message index, what, and the direction; we match on the rest)
count() {
	awk -F';' -v pat="$2" 'NR==1{for(i=1;i<=NF;i++) if($i ~ pat) c[i]=1}
		END{s=0; for(i in c) s+=$i; print s}' "$1/counts.csv"
}

c0=$(proc_cpu_ticks "$CONFD_PID")
t0=$(now_s)
sipp_step flood "$RATE" "$DUR"
t1=$(now_s)
c1=$(proc_cpu_ticks "$CONFD_PID")

sleep 5
sipp_step after "$AFTER" 10

offered=$(cum "$BD/flood/stat.csv" "OutgoingCall(C)")
failed=$(cum "$BD/flood/stat.csv" "FailedCall(C)")
shed=$(count "$BD/flood" "^[0-9]+_503_")
accepted=$(count "$BD/flood" "^[0-9]+_200_.*Recv" )
# the INVITE's 200 and the BYE's 200 are both "200 Recv": split them by
# their index, the lower one answers the INVITE
inv200=$(awk -F';' 'NR==1{m=1e9; for(i=1;i<=NF;i++) if($i ~ /^[0-9]+_200_Recv/){split($i,a,"_"); if(a[1]+0<m){m=a[1]+0; c=i}}} END{print c ? $c + 0 : 0}' "$BD/flood/counts.csv")
bye200=$((accepted - inv200))
accepted=$inv200
ok_pct=$(echo "$bye200 $accepted" | awk '{printf "%.1f", $2 ? 100 * $1 / $2 : 0}')
el=$(echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}')
ach=$(echo "$offered $el" | awk '{printf "%.0f", ($2 > 0) ? $1 / $2 : 0}')
cpu=$(echo "$c1 $c0 $HZ $el" | awk '{printf "%.0f", ($4 > 0) ? ($1 - $2) * 100 / $3 / $4 : 0}')
aoff=$(cum "$BD/after/stat.csv" "OutgoingCall(C)")
aok=$(count "$BD/after" "^[0-9]+_200_Recv")
ainv=$(awk -F';' 'NR==1{m=1e9; for(i=1;i<=NF;i++) if($i ~ /^[0-9]+_200_Recv/){split($i,a,"_"); if(a[1]+0<m){m=a[1]+0; c=i}}} END{print c ? $c + 0 : 0}' "$BD/after/counts.csv")
abye=$((aok - ainv))
rec_pct=$(echo "$abye $aoff" | awk '{printf "%.1f", $2 ? 100 * $1 / $2 : 0}')

wait "$UAPID"
UAPID=
est=$(uaval "$BD/ua.out" calls_established)
late=$(uaval "$BD/ua.out" rx_late)
maxlate=$(uaval "$BD/ua.out" rx_max_late_ms)

kill -TERM "$CONFD_PID" 2>/dev/null
i=0
while kill -0 "$CONFD_PID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
clock=$(grep -h -o "mixer: [0-9]* ticks, [0-9]* late, worst tick [0-9]* us" \
	"$BD/confd.log" | tail -n 1)
adm=$(grep -h "confd: admission:" "$BD/confd.log" | tail -n 1)
set -- $clock
mlate=${4:-}
mworst=${8:-}

echo "overload: $RATE joins/s offered for $DUR s (achieved $ach/s), $UP calls up"
echo "overload: offered $offered: shed with 503 $shed, accepted $accepted," \
	"completed $bye200 ($ok_pct% of accepted), failed otherwise" \
	"$((failed))"
echo "overload: confd CPU during the flood: $cpu% of one core"
echo "overload: calls up: $est established, $late late frames," \
	"worst ${maxlate} ms; confd $clock"
echo "overload: after the flood, $AFTER/s for 10 s: $abye of $aoff completed ($rec_pct%)"
echo "overload: $adm"
kv overload.offered "$offered"
kv overload.shed_503 "$shed"
kv overload.accepted "$accepted"
kv overload.accepted_ok "$bye200"
kv overload.accepted_ok_pct "$ok_pct"
kv overload.failed "$failed"
kv overload.achieved_per_s "$ach"
kv overload.confd_cpu_pct "$cpu"
kv overload.up_established "$est"
kv overload.up_late_frames "$late"
kv overload.up_max_late_ms "$maxlate"
kv overload.mixer_late_ticks "$mlate"
kv overload.mixer_worst_tick_us "$mworst"
kv overload.recovery_ok_pct "$rec_pct"
