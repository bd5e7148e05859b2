#!/bin/sh
# bench/mixer.sh [BUILD] [N...] -- mixer capacity with SDES-SRTP, per codec.
#
# For each N (default 200 500 1000) and each codec of MIXER_CODECS
# (default "g711 g722 opus mixed"; g711 always runs first, so every
# invocation has its baseline side by side): starts a fresh confd on
# loopback with 100 open conferences (SRTP required), runs `confd-ua
# load` with N participants, 10 to a conference, each with its own key:
#   - g711: PCMU 20 ms, all ten talking (each its own tone), as before;
#   - g722, opus: MIXER_TALKERS (default 2) talk per room, the others are
#     silent (Opus ones with DTX: a frame every 400 ms; G.722 sends
#     silence);
#   - mixed: seats take Opus, G.722 and PCMU in turn, MIXER_TALKERS talk;
# and over the UA's steady window measures:
#   - confd CPU (utime+stime from /proc/PID/stat) -> ms of CPU per
#     participant-second, and % of one core;
#   - the UA's late frames (arrival more than 20 ms behind the stream's
#     best), missing frames, SRTP failures, frames received vs expected;
#   - confd's peak RSS (VmHWM) over its idle RSS -> kB per participant.
# Targets: G.711: 1000 participants with no late frames, <= 1 ms CPU per
# participant-second (one core for 1000); Opus, 10 a room with 2
# talkers: <= 3 ms CPU per participant-second, no late frames at 200.
#
# Results, per step N (G.711 keeps its old names; other codecs put the
# codec first, bench.mixer.opus.nN....): bench.mixer.nN.{established, cpu_ms_per_ps,
# cpu_pct_core, late_frames, max_late_ms, missing, decrypt_fail,
# rx_ratio, peak_kb, kb_per_part, ua_cpu_pct} and, when confd reports
# its clock, bench.mixer.nN.{confd_ticks, confd_late_ticks}.
#
# Environment: MIXER_STEPS (the Ns when none is given, default
# "200 500 1000"), MIXER_CODECS, MIXER_TALKERS, MIXER_DURATION (steady
# window, s, default 20),
# MIXER_RATE (joins/s during ramp-up, default 200), MIXER_EXTRA (more
# confd.conf lines), PORT (5270).
BUILD=${1:-build}
[ $# -gt 0 ] && shift
STEPS=${*:-${MIXER_STEPS:-"200 500 1000"}}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
DUR=${MIXER_DURATION:-20}
RATE=${MIXER_RATE:-200}
PORT=${PORT:-5270}
CODECS="g711 $(echo "${MIXER_CODECS:-g722 opus mixed}" | tr ' ' '\n' |
	grep -vx g711 | tr '\n' ' ')"
TALKERS=${MIXER_TALKERS:-2}

bench_need "$CONFD" "$CONFCTL" "$UA"

# confd-ua stands for many callers from one address: no per-source
# limits (focus/admission.c), so what is measured is the mixer, not the
# flood protection; the overall ones stay
CONFD_EXTRA="max_pending_per_source 0
max_transactions_per_source 0
flood_drop_per_source 0${MIXER_EXTRA:+
$MIXER_EXTRA}"

UAPID=
cleanup() {
	[ -n "$UAPID" ] && kill "$UAPID" 2>/dev/null
	confd_stop
}
trap cleanup EXIT INT TERM

# wait_for FILE PATTERN TIMEOUT_S
wait_for() {
	i=0
	lim=$(($3 * 20))
	while [ $i -lt $lim ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$UAPID" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# uaval FILE KEY: a value from the UA's key=value report
uaval() {
	awk -F= -v k="$2" '$1 == k {print $2}' "$1"
}

printf "%-6s %-6s %-5s %-5s %-9s %-9s %-7s %-8s %-7s %-7s %-8s %-8s %-7s %s\n" \
	mixer: codec parts estab cpu_ms/ps cpu_%core late maxlate missing \
	decfail rx_ratio peak_kB kB/part ua_cpu%
for n in $STEPS; do
for codec in $CODECS; do
	if [ "$codec" = g711 ]; then
		V=mixer.n$n
		uaopt="--codec pcmu"
	else
		V=mixer.$codec.n$n
		uaopt="--codec $codec --talkers $TALKERS"
	fi
	# 2 ports per participant, with room to spare
	confd_start "$PORT" 20000-29999
	i=1
	while [ $i -le 100 ]; do
		conf_add "sip:bench$i@127.0.0.1" --open --srtp required
		i=$((i + 1))
	done
	confd_run || exit 1
	sleep 0.5
	idle_kb=$(proc_kb "$CONFD_PID" VmRSS)

	"$UA" load --to "sip:bench%d@127.0.0.1:$PORT" --count "$n" \
		--per-conf 10 --rate "$RATE" --settle 3 --duration "$DUR" \
		$uaopt --quiet >"$BD/ua.out" 2>"$BD/ua.err" &
	UAPID=$!
	if ! wait_for "$BD/ua.out" "^phase=steady" $((n / RATE + 120)); then
		echo "mixer: $codec $n: the UA never reached the steady phase" >&2
		tail -5 "$BD/ua.err" >&2
		cleanup
		continue
	fi
	c0=$(proc_cpu_ticks "$CONFD_PID")
	t0=$(now_s)
	if ! wait_for "$BD/ua.out" "^phase=done" $((DUR + 60)); then
		echo "mixer: $codec $n: the UA did not finish" >&2
		cleanup
		continue
	fi
	c1=$(proc_cpu_ticks "$CONFD_PID")
	t1=$(now_s)
	hwm_kb=$(proc_kb "$CONFD_PID" VmHWM)
	wait "$UAPID"
	UAPID=

	est=$(uaval "$BD/ua.out" calls_established)
	cpu=$(echo "$c0 $c1 $t0 $t1 $HZ $est" | awk '{
		ms = ($2 - $1) * 1000 / $5; w = $4 - $3;
		printf "%.3f %.1f", ($6 > 0 && w > 0) ? ms / ($6 * w) : 0,
		       (w > 0) ? ms / 10 / w : 0 }')
	mem=$(echo "$hwm_kb $idle_kb $est" | awk '{
		printf "%.1f", ($3 > 0) ? ($1 - $2) / $3 : 0 }')
	late=$(uaval "$BD/ua.out" rx_late)
	maxlate=$(uaval "$BD/ua.out" rx_max_late_ms)
	missing=$(uaval "$BD/ua.out" rx_missing)
	decfail=$(uaval "$BD/ua.out" rx_decrypt_fail)
	ratio=$(uaval "$BD/ua.out" rx_ratio)
	uacpu=$(uaval "$BD/ua.out" ua_cpu_pct)
	printf "%-6s %-6s %-5s %-5s %-9s %-9s %-7s %-8s %-7s %-7s %-8s %-8s %-7s %s\n" \
		mixer: "$codec" "$n" "$est" $cpu "$late" "${maxlate}ms" "$missing" \
		"$decfail" "$ratio" "$hwm_kb" "$mem" "$uacpu"
	set -- $cpu
	kv "$V.established" "$est"
	kv "$V.cpu_ms_per_ps" "$1"
	kv "$V.cpu_pct_core" "$2"
	kv "$V.late_frames" "$late"
	kv "$V.max_late_ms" "$maxlate"
	kv "$V.missing" "$missing"
	kv "$V.decrypt_fail" "$decfail"
	kv "$V.rx_ratio" "$ratio"
	kv "$V.peak_kb" "$hwm_kb"
	kv "$V.kb_per_part" "$mem"
	kv "$V.ua_cpu_pct" "$uacpu"
	if [ "$est" != "$n" ]; then
		echo "mixer: $codec $n: only $est joined; failures by status:" \
			"$(uaval "$BD/ua.out" fail_codes)" >&2
	fi
	# confd reports its mixer clock when it exits: stop it, read the
	# log, then let confd_stop clean up
	kill -TERM "$CONFD_PID" 2>/dev/null
	i=0
	while kill -0 "$CONFD_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	clock=$(grep -h -o "mixer: [0-9]* ticks, [0-9]* late, worst tick [0-9]* us" \
		"$BD/confd.log" 2>/dev/null | tail -1)
	if [ -n "$clock" ]; then
		echo "$clock" | sed "s/^mixer: /mixer: $codec $n: confd clock: /"
		set -- $clock
		kv "$V.confd_ticks" "$2"
		kv "$V.confd_late_ticks" "$4"
	fi
	confd_stop
done
done
echo "mixer: targets: G.711: 1000 participants, late 0, missing 0, <= 1 ms" \
	"CPU per participant-second; Opus (2 talkers a room): <= 3 ms CPU" \
	"per participant-second, 200 with no late frames"
