#!/bin/sh
# bench/scale.sh [BUILD] -- joins per second through Kamailio to 1, 2
# and 3 confd nodes on one PostgreSQL store, CPU per join of each
# process, and the time to take over a dead node's conferences.
#
# Starts its own PostgreSQL and Kamailio (tests/integ/scale_lib.sh, the
# cluster test's helpers) and three nodes on 127.0.0.2-4, with SCALE_ROOMS
# open rooms.  For 1, 2 and 3 nodes behind Kamailio (a fresh Kamailio
# each time), SIPp's tests/sipp/bench_scale_joins.xml (INVITE, 200, ACK,
# BYE, 200; the room from an injection file, so that Kamailio spreads the
# rooms over the nodes) runs at rising rates, SCALE_STEP_S seconds a
# step; a step passes when every call succeeds and the step takes at
# most 5% + 1 s longer than planned.
# This machine has two cores shared by everything: it will not scale
# linearly; the CPU per join of each process says where the time goes.
# Then, with 2 nodes: kill -9 of one, and the time until one of its
# rooms is joined again through Kamailio (confd-ua, every 0.2 s).
#
# Results: bench.scale.nN.rate_per_s, bench.scale.nN.confd_cpu_ms_per_join
# (all nodes), bench.scale.nN.kamailio_cpu_ms_per_join,
# bench.scale.nN.postgres_cpu_ms_per_join, bench.scale.nN.sipp_cpu_ms_per_join,
# bench.scale.takeover_ms.
#
# Environment: SCALE_RATES (default "100 200 300 400 600 800 1000"),
# SCALE_STEP_S (default 5), SCALE_ROOMS (default 200).
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
SCALE_TOP=$TOP
cd "$TOP" || exit 1
BUILD=$(cd "$BUILD" && pwd)
RATES=${SCALE_RATES:-"100 200 300 400 600 800 1000"}
STEP=${SCALE_STEP_S:-5}
ROOMS=${SCALE_ROOMS:-200}
HZ=$(getconf CLK_TCK)

. "$TOP/tests/integ/lib.sh"
TOP=$SCALE_TOP
. "$TOP/tests/integ/scale_lib.sh"
# lib.sh reports PASS/FAIL; a benchmark only prints figures
pass() { :; }
fail() { echo "scale: $*" >&2; }
scale_init bench-scale

kv() { echo "bench.$1=$2"; }
# ticks PID...: utime+stime of these processes and their children
ticks() {
	for p in "$@"; do
		echo "$p"
		pgrep -P "$p" 2>/dev/null
	done | sort -u | while read -r q; do
		awk '{print $14 + $15}' "/proc/$q/stat" 2>/dev/null
	done | awk '{s += $1} END {print s + 0}'
}

pg_start && pg_createdb confd || { echo "scale: postgres did not start" >&2; exit 1; }
KAM_PORT=$(free_port)
for n in 1 2 3; do
	node_setup $n 127.0.0.$((n + 1))
	sed -i 's/^log_level.*/log_level\t\t2/' "$TMP/node$n/confd.conf"
done
# the rooms: open, SRTP optional (SIPp offers RTP/AVP); confctl makes
# the schema, psql the rest at once
"$BUILD/confctl" -d "$PG_DB_URL" conf add "sip:r000@$CONFD_DOMAIN" --open \
	--srtp optional >/dev/null
i=1
while [ $i -lt "$ROOMS" ]; do
	printf "INSERT INTO conferences (uri, open, srtp, created) VALUES ('sip:r%03d@%s', 1, 'optional', 0);\n" $i "$CONFD_DOMAIN"
	i=$((i + 1))
done | psql -q "$PG_DB_URL" >/dev/null
{ echo SEQUENTIAL; i=0; while [ $i -lt "$ROOMS" ]; do printf 'r%03d\n' $i; i=$((i + 1)); done; } >"$TMP/rooms.csv"
for n in 1 2 3; do
	node_start $n || { echo "scale: node $n did not start" >&2; exit 1; }
done

# run_nodes N: Kamailio in front of the first N nodes; the rate steps
run_nodes() {
	local nn best r calls
	nn=$1
	set --
	i=1
	while [ $i -le "$nn" ]; do
		eval "set -- \"\$@\" \"\$NODE${i}_ADDR:\$NODE${i}_SIP\""
		i=$((i + 1))
	done
	sed -i "s/^trusted_peers.*/trusted_peers\t\t127.0.0.1:$KAM_PORT/" "$TMP"/node*/confd.conf
	kam_start "$@" || { echo "scale: kamailio did not start" >&2; return 1; }
	sleep 2   # the first probes
	best=0
	echo "scale: nodes=$nn rate  calls  ok  failed  achieved/s  cpu_ms/join: confd(all)  kamailio  postgres  sipp"
	for r in $RATES; do
		calls=$((r * STEP))
		pids_confd=""
		i=1
		while [ $i -le "$nn" ]; do
			eval "pids_confd=\"\$pids_confd \$NODE${i}_PID\""
			i=$((i + 1))
		done
		c0=$(ticks $pids_confd); k0=$(ticks "$KAM_PID"); p0=$(ticks "$PG_PID")
		t0=$(date +%s.%N)
		sipp 127.0.0.1:"$KAM_PORT" -sf tests/sipp/bench_scale_joins.xml \
			-inf "$TMP/rooms.csv" -i 127.0.0.1 -p "$(free_port)" \
			-r "$r" -m "$calls" -l $((r * 2 + 100)) \
			-recv_timeout 5000 -timeout $((STEP * 4 + 30))s -nostdin \
			-trace_stat -stf "$TMP/stat_${nn}_$r.csv" \
			>"$TMP/sipp_${nn}_$r.out" 2>&1 </dev/null &
		sp=$!
		s0=0; s1=0
		while kill -0 $sp 2>/dev/null; do
			s1=$(awk '{print $14 + $15}' "/proc/$sp/stat" 2>/dev/null || echo "$s1")
			sleep 0.2
		done
		wait $sp
		rc=$?
		t1=$(date +%s.%N)
		c1=$(ticks $pids_confd); k1=$(ticks "$KAM_PID"); p1=$(ticks "$PG_PID")
		okc=$(awk -F';' 'NR==1{for(i=1;i<=NF;i++){if($i=="SuccessfulCall(C)")s=i}} END{print $s+0}' "$TMP/stat_${nn}_$r.csv" 2>/dev/null)
		failc=$(awk -F';' 'NR==1{for(i=1;i<=NF;i++){if($i=="FailedCall(C)")f=i}} END{print $f+0}' "$TMP/stat_${nn}_$r.csv" 2>/dev/null)
		el=$(echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}')
		ach=$(echo "$okc $el" | awk '{printf "%.0f", ($2 > 0) ? $1 / $2 : 0}')
		per() { echo "$1 $2 $HZ $okc" | awk '{printf "%.3f", ($4 > 0) ? ($1 - $2) * 1000 / $3 / $4 : 0}'; }
		cc=$(per "$c1" "$c0"); kc=$(per "$k1" "$k0"); pc=$(per "$p1" "$p0"); sc=$(per "$s1" "$s0")
		printf "scale: nodes=%s %5s %6s %6s %6s %10s   %8s  %8s  %8s  %6s\n" \
			"$nn" "$r" "$calls" "$okc" "$failc" "$ach" "$cc" "$kc" "$pc" "$sc"
		# SIPp's start and the last calls' BYE take about a second
		# whatever the rate: allow that on top of 5%
		if [ "$rc" != 0 ] || [ "$failc" != 0 ] || [ "$okc" != "$calls" ] ||
		   [ "$(echo "$el $STEP" | awk '{print ($1 <= 1.05 * $2 + 1)}')" != 1 ]; then
			break
		fi
		best=$r bc_=$cc bk_=$kc bp_=$pc bs_=$sc
		sleep 1
	done
	echo "scale: nodes=$nn: highest rate with no failed call: $best/s"
	kv "scale.n$nn.rate_per_s" "$best"
	kv "scale.n$nn.confd_cpu_ms_per_join" "${bc_:-0}"
	kv "scale.n$nn.kamailio_cpu_ms_per_join" "${bk_:-0}"
	kv "scale.n$nn.postgres_cpu_ms_per_join" "${bp_:-0}"
	kv "scale.n$nn.sipp_cpu_ms_per_join" "${bs_:-0}"
	# per node: how the rooms spread
	i=1
	while [ $i -le "$nn" ]; do
		eval "echo \"scale: nodes=$nn: node $i CPU \$(ticks \$NODE${i}_PID) ticks in all\""
		i=$((i + 1))
	done
	scale_kam_stop
}

scale_kam_stop() {
	_kids=$(pgrep -P "$KAM_PID" 2>/dev/null)
	kill -TERM "$KAM_PID" 2>/dev/null
	sleep 1
	# shellcheck disable=SC2086
	kill -KILL "$KAM_PID" $_kids 2>/dev/null
	wait "$KAM_PID" 2>/dev/null
	rm -rf "$KAM_DIR"
	KAM_PID=""
}

for n in 1 2 3; do
	unset bc_ bk_ bp_ bs_
	run_nodes $n
done

# ---- takeover: kill -9 of one of two nodes ------------------------------
kam_start "$NODE1_ADDR:$NODE1_SIP" "$NODE2_ADDR:$NODE2_SIP"
sleep 2
# a room that hashes to node 2
victim=""
i=0
while [ $i -lt 40 ] && [ -z "$victim" ]; do
	r=$(printf 'r%03d' $i)
	timeout 10 "$BUILD/confd-ua" call --to "sip:$r@127.0.0.1:$KAM_PORT" \
		--from "sip:probe@$CONFD_DOMAIN" --duration 0 \
		--rtp-ports "$(free_range 4)" >"$TMP/probe.log" 2>&1
	grep -q "^remote_rtp=$NODE2_ADDR:" "$TMP/probe.log" && victim=$r
	i=$((i + 1))
done
kill -KILL "$NODE2_PID"
t0=$(date +%s%N)
while :; do
	timeout 15 "$BUILD/confd-ua" call --to "sip:$victim@127.0.0.1:$KAM_PORT" \
		--from "sip:back@$CONFD_DOMAIN" --duration 0 \
		--rtp-ports "$(free_range 4)" >"$TMP/back.log" 2>&1
	grep -q '^status=200' "$TMP/back.log" && break
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 30000 ] && break
	sleep 0.2
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "scale: kill -9 of node 2: its room $victim joined again on $(sed -n 's/^remote_rtp=//p' "$TMP/back.log" | sed 's/:.*//') after $ms ms"
kv scale.takeover_ms "$ms"
LIB_DONE=1
exit 0
