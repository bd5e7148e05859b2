# tests/integ/scale_lib.sh — PostgreSQL, Kamailio and several confd nodes
# for the scale-out tests (issue 16).  Source it after lib.sh and call
# scale_init instead of lib_init:
#
#	. "$TOP/tests/integ/lib.sh"
#	. "$TOP/tests/integ/scale_lib.sh"
#	scale_init cluster
#	pg_start                      # PG_URL=postgresql://confd:PW@127.0.0.1:PORT
#	pg_createdb confd             # PG_DB_URL=$PG_URL/confd
#
# The servers run on random loopback ports, as an unprivileged user when
# the test runs as root (PostgreSQL refuses to run as root), and are
# stopped on exit even when the test fails or is killed.  Run alone (no
# scale_init) this file only defines functions.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PG_BIN/postgres" ] || PG_BIN=$(dirname "$(command -v postgres 2>/dev/null || echo /usr/bin/postgres)")

# The user the servers run as: nobody when we are root
scale_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

# scale_exec CMD...: the same, replacing the (sub)shell, for bg_start:
# then BG_PID is the server itself, which the clean-up signals
scale_exec() {
	if [ "$(id -u)" = 0 ]; then
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	fi
	exec "$@"
}

scale_cleanup() {
	_src=$?
	# Kamailio's main process must see its children out, or they stay
	# behind when lib_cleanup's SIGKILL comes first: TERM, then KILL
	# them all by pid
	if [ -n "$KAM_PID" ]; then
		_kids=$(pgrep -P "$KAM_PID" 2>/dev/null)
		kill -TERM "$KAM_PID" 2>/dev/null
		_i=0
		while kill -0 "$KAM_PID" 2>/dev/null && [ $_i -lt 30 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		# shellcheck disable=SC2086
		kill -KILL "$KAM_PID" $_kids 2>/dev/null
		rm -rf "$KAM_DIR"
	fi
	# fast shutdown (SIGINT): a smart one (SIGTERM) would wait for the
	# nodes' connections, and lib_cleanup's SIGKILL would orphan the
	# backends
	[ -n "$PG_PID" ] && kill -INT "$PG_PID" 2>/dev/null
	_i=0
	while [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -n "$PG_PID" ] && kill -KILL "$PG_PID" 2>/dev/null
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	(exit "$_src")
	lib_cleanup
}

# scale_init NAME: lib_init, with the servers' clean-up first
scale_init() {
	lib_init "$1"
	trap scale_cleanup EXIT
}

# pg_start: initdb in a fresh directory and a postmaster on 127.0.0.1
# with password (SCRAM) authentication.  Sets PG_URL, PG_PORT, PG_PID.
pg_start() {
	need "$PG_BIN/initdb" "$PG_BIN/postgres" psql setpriv
	PG_DIR=$(mktemp -d /tmp/confd-pg.XXXXXX) || return 1
	PG_PORT=$(free_port)
	PG_PASS=$(openssl rand -hex 12)
	echo "$PG_PASS" >"$PG_DIR/pw"
	[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$PG_DIR"
	chmod 700 "$PG_DIR"
	if ! scale_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U confd \
		--pwfile="$PG_DIR/pw" -A scram-sha-256 -E UTF8 --no-sync \
		>"$TMP/initdb.log" 2>&1; then
		show_log "$TMP/initdb.log"
		return 1
	fi
	rm -f "$PG_DIR/pw"
	# fsync off: a test database need not survive a power cut
	bg_start postgres scale_exec "$PG_BIN/postgres" -D "$PG_DIR/data" \
		-c listen_addresses=127.0.0.1 -c port="$PG_PORT" \
		-c unix_socket_directories= -c fsync=off \
		-c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=50
	PG_PID=$BG_PID
	PG_URL="postgresql://confd:$PG_PASS@127.0.0.1:$PG_PORT"
	if ! wait_for 30 psql -q "$PG_URL/postgres" -c "SELECT 1"; then
		show_log "$TMP/postgres.log"
		return 1
	fi
	return 0
}

# pg_createdb NAME: a fresh database; sets PG_DB_URL
pg_createdb() {
	psql -q "$PG_URL/postgres" -c "CREATE DATABASE $1;" >/dev/null || return 1
	PG_DB_URL="$PG_URL/$1"
}

# pg_sql SQL: runs SQL in PG_DB_URL, prints rows unaligned
pg_sql() {
	psql -qtA "$PG_DB_URL" -c "$1"
}

# ---- Kamailio and confd nodes ---------------------------------------------

KAM_MODULES=$(ls -d /usr/lib/*/kamailio/modules 2>/dev/null | head -n 1)

# kam_start NODE_ADDR:PORT...: Kamailio on 127.0.0.1:KAM_PORT with
# contrib/kamailio/kamailio.cfg, dispatching to the given confd nodes.
# Runs as nobody when we are root.  Sets KAM_PORT, KAM_PID.
kam_start() {
	local _n
	need kamailio
	KAM_DIR=$(mktemp -d /tmp/confd-kam.XXXXXX) || return 1
	KAM_PORT=$(free_port)
	for _n in "$@"; do
		echo "1 sip:$_n"
	done >"$KAM_DIR/nodes.list"
	sed -e "s|^listen=.*# EDIT|listen=udp:127.0.0.1:$KAM_PORT|" \
		-e "s|^mpath=.*# EDIT|mpath=\"$KAM_MODULES/\"|" \
		-e "s|\"list_file\", .*# EDIT|\"list_file\", \"$KAM_DIR/nodes.list\")|" \
		"$TOP/contrib/kamailio/kamailio.cfg" >"$KAM_DIR/kamailio.cfg"
	[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$KAM_DIR"
	bg_start kamailio scale_exec kamailio -f "$KAM_DIR/kamailio.cfg" \
		-DD -E -e -m 64 -M 8 -Y "$KAM_DIR" -w "$KAM_DIR"
	KAM_PID=$BG_PID
	if ! wait_for 15 udp_bound "$KAM_PORT"; then
		show_log "$TMP/kamailio.log"
		return 1
	fi
	return 0
}

# node_setup N ADDR: confd.conf for node N on ADDR (its own SIP, HTTP
# and RTP ports, media_addr ADDR), the shared store PG_DB_URL, Kamailio
# (127.0.0.1:KAM_PORT) as its trusted peer.  Sets NODEn_* variables.
node_setup() {
	local _n _a _d _r
	_n=$1 _a=$2
	_d=$TMP/node$_n
	mkdir -p "$_d"
	_r=$(free_range 400)
	eval "NODE${_n}_ADDR=$_a"
	eval "NODE${_n}_SIP=$(free_port)"
	eval "NODE${_n}_HTTP=$(free_port)"
	eval "NODE${_n}_CTL=$_d/confd.ctl"
	cat >"$_d/confd.conf" <<EOC
# written by tests/integ/scale_lib.sh for $TEST, node $_n
sip_listen		$_a:$(eval echo \$NODE${_n}_SIP)
sip_tls_listen		$_a:$(free_port)
domain			$CONFD_DOMAIN
store			$PG_DB_URL
tls_cert		$_d/confd.pem
control_socket		$_d/confd.ctl
rtp_ports		$_r
tcp_ports		$(free_range 100)
media_addr		$_a
log_level		3
http_listen		$_a:$(eval echo \$NODE${_n}_HTTP)
http_root		$TOP/confd/web/static
trusted_peers		127.0.0.1:$KAM_PORT
EOC
	[ -n "$NODE_EXTRA" ] && printf '%s\n' "$NODE_EXTRA" >>"$_d/confd.conf"
	return 0
}

# node_start N: starts node N and waits until it listens
node_start() {
	local _p _a
	eval "_a=\$NODE${1}_ADDR _p=\$NODE${1}_SIP"
	bg_start "node$1" "$BUILD/confd" -f "$TMP/node$1/confd.conf"
	eval "NODE${1}_PID=$BG_PID"
	if ! wait_for 15 sh -c "ss -Hlun 'sport = :$_p' | grep -q ." ; then
		show_log "$TMP/node$1.log"
		return 1
	fi
	return 0
}

# node_status N: confctl status of node N
node_status() {
	"$BUILD/confctl" -s "$TMP/node$1/confd.ctl" status
}
