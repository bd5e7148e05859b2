# bench/lib.sh -- shared by the benchmarks (sourced, POSIX sh).
#
# confd_start PORT RTPMIN-RTPMAX: starts build/confd on 127.0.0.1:PORT
# with a temporary directory, config and store ($BD), sets $CONFD_PID.
# Lines in $CONFD_EXTRA (newline separated) are added to its confd.conf.
# confd_stop: SIGTERM, wait, and remove the directory.
# conf_add URI ARGS...: confctl on the temporary store.
# proc_cpu_ticks PID: utime+stime in clock ticks (/proc/PID/stat 14, 15).
# proc_kb PID KEY: a kB value from /proc/PID/status (VmHWM, VmRSS).
# kv NAME VALUE: one machine-readable result line, "bench.NAME=VALUE".
#
# Output format of every benchmark (bench/README.md): human-readable
# lines starting "TOPIC: ", and result lines "bench.TOPIC.[VARIANT.]
# METRIC=VALUE" (bare number, unit in the metric's name) that
# bench/run.sh collects so that two runs can be diffed.

: "${BUILD:=build}"
CONFD="$BUILD/confd"
CONFCTL="$BUILD/confctl"
UA="$BUILD/confd-ua"
HZ=$(getconf CLK_TCK)

bench_need() {
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			echo "bench: $b missing (run make)" >&2
			exit 1
		fi
	done
}

confd_start() {
	port=$1 ports=$2
	BD=$(mktemp -d /tmp/confd-bench.XXXXXX)
	cat >"$BD/confd.conf" <<EOC
sip_listen	127.0.0.1:$port
sip_tls_listen	off
domain		127.0.0.1
store		$BD/confd.db
tls_cert	$BD/confd.pem
rtp_ports	$ports
media_addr	127.0.0.1
log_level	${CONFD_LOG_LEVEL:-warn}
http_listen	${BENCH_HTTP_LISTEN:-off}
http_root	${BENCH_HTTP_ROOT:-/nonexistent}
EOC
	[ -n "$CONFD_EXTRA" ] && printf '%s\n' "$CONFD_EXTRA" >>"$BD/confd.conf"
	# confd creates the schema on first use of the store by confctl
	"$CONFCTL" -d "$BD/confd.db" --create conf list >/dev/null 2>&1 || true
}

confd_run() {
	"$CONFD" -f "$BD/confd.conf" >"$BD/confd.log" 2>&1 &
	CONFD_PID=$!
	# ready when the SIP port answers OPTIONS-free: wait for the log line
	# or just for the socket to be bound
	i=0
	while [ $i -lt 50 ]; do
		if ss -lun 2>/dev/null | grep -q "127.0.0.1:$port "; then
			return 0
		fi
		if ! kill -0 "$CONFD_PID" 2>/dev/null; then
			echo "bench: confd exited:" >&2
			cat "$BD/confd.log" >&2
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "bench: confd did not bind 127.0.0.1:$port" >&2
	return 1
}

confd_stop() {
	if [ -n "$CONFD_PID" ] && kill -0 "$CONFD_PID" 2>/dev/null; then
		kill -TERM "$CONFD_PID"
		i=0
		while kill -0 "$CONFD_PID" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$CONFD_PID" 2>/dev/null
		wait "$CONFD_PID" 2>/dev/null
	fi
	CONFD_PID=
	[ -n "$BD" ] && [ -z "$BENCH_KEEP" ] && rm -rf "$BD"
}

conf_add() {
	"$CONFCTL" -d "$BD/confd.db" --create conf add "$@" >/dev/null
}

proc_cpu_ticks() {
	# the command name may hold blanks: cut after the last ')'
	sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

proc_kb() {
	awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"
}

now_s() {
	date +%s.%N
}

kv() {
	printf 'bench.%s=%s\n' "$1" "$2"
}
