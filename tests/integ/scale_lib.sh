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

scale_cleanup() {
	_src=$?
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
	bg_start postgres scale_as "$PG_BIN/postgres" -D "$PG_DIR/data" \
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
