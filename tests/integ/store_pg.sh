#!/bin/sh
# The store's tests against PostgreSQL (issue 16): the same unit tests
# that run on SQLite (test_store, test_web's store part), here with
# CONFD_TEST_STORE pointing at a server this script starts; confctl on
# a postgresql:// store; and a running confd that sees another writer's
# change through LISTEN/NOTIFY, without SIGHUP.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/integ/lib.sh"
. "$TOP/tests/integ/scale_lib.sh"

scale_init store_pg
need_build tests/test_store tests/test_web confd confctl confd-ua

if ! pg_start; then
	fail "postgres start"
	lib_done
fi
pass "postgres start"

# The unit tests, renamed so that their lines do not collide with the
# SQLite run's
for t in test_store test_web; do
	CONFD_TEST_STORE=$PG_URL "$BUILD/tests/$t" >"$TMP/$t.out" 2>&1
	rc=$?
	sed -n 's/^.*\(PASS\|FAIL\) \([a-z_]*\)\./\1 pg.\2./p' "$TMP/$t.out"
	if [ "$rc" != 0 ]; then
		fail "pg.$t" "exit $rc"
		show_log "$TMP/$t.out"
	fi
done

# ---- confd and confctl on a postgresql:// store --------------------------
if ! pg_createdb confd; then
	fail "createdb"
	lib_done
fi
confd_setup
sed -i "s|^store.*|store\t\t\t$PG_DB_URL|" "$CONFD_CONF"
echo "control_socket		$TMP/confd/confd.ctl" >>"$CONFD_CONF"
CONFD_DB=$PG_DB_URL
D=$CONFD_DOMAIN
ROOM="sip:early@$D"

check "confctl creates conferences in PostgreSQL (no file, no --create)" \
	"$BUILD/confctl" -d "$PG_DB_URL" conf add "$ROOM" --srtp optional
confd_start
status() { "$BUILD/confctl" -s "$TMP/confd/confd.ctl" status; }
check "confd loads the conference from PostgreSQL" \
	sh -c "'$BUILD/confctl' -s '$TMP/confd/confd.ctl' status | grep -q '^$ROOM '"
check "the password in the store URL stays out of the log" \
	sh -c "! grep -q '$PG_PASS' '$CONFD_LOG'"

# Another writer (here confctl; on a cluster another node) adds a
# conference and a member with a password: confd applies both without
# SIGHUP, through LISTEN/NOTIFY.
LATE="sip:late@$D"
"$BUILD/confctl" -d "$PG_DB_URL" conf add "$LATE" --srtp optional &&
	"$BUILD/confctl" -d "$PG_DB_URL" part add "$LATE" "sip:alice@$D" &&
	CONFCTL_PASSWORD=wonderland "$BUILD/confctl" -d "$PG_DB_URL" \
		part passwd "$LATE" "sip:alice@$D"
check "a conference added by another writer is live within 2 s, no SIGHUP" \
	wait_for 2 sh -c "'$BUILD/confctl' -s '$TMP/confd/confd.ctl' status | grep -q '^$LATE '"
timeout 20 "$BUILD/confd-ua" call --to "sip:late@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --auth-user alice --auth-pass wonderland \
	--duration 1 >"$TMP/alice.log" 2>&1
check "... and its new member joins with her new password" \
	grep -q '^status=200' "$TMP/alice.log"

# a change by hand in psql is seen too (the triggers send it)
pg_sql "DELETE FROM conferences WHERE uri = '$ROOM';" >/dev/null
check "a conference deleted in psql is gone from confd within 2 s" \
	wait_for 2 sh -c "! '$BUILD/confctl' -s '$TMP/confd/confd.ctl' status | grep -q '^$ROOM '"
check "no SIGHUP was needed: no reload in the log" \
	sh -c "! grep -q 'SIGHUP' '$CONFD_LOG'"

# The change feed survives a lost connection: terminate confd's backends,
# write, and the write arrives (reconnect, then a full reload)
pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'confd' AND pid <> pg_backend_pid();" >/dev/null
sleep 0.5
"$BUILD/confctl" -d "$PG_DB_URL" conf add "sip:after@$D" --srtp optional
check "after its connections were cut, confd reconnects and sees writes" \
	wait_for 5 sh -c "'$BUILD/confctl' -s '$TMP/confd/confd.ctl' status | grep -q '^sip:after@$D '"
check "confd still running" confd_alive

lib_done
