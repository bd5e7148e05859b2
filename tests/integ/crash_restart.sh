#!/bin/sh
# kill -9 of confd in the middle of 50 calls, while the store is being
# written (confctl adding members, as the creator's tools do), then a
# restart on the same configuration:
#   - the store passes sqlite3's PRAGMA integrity_check;
#   - every conference and member list written before is there, every
#     write that confctl reported done is there, and no row is half
#     written (every member row complete, every member in a conference);
#   - confd comes back on the same ports (SIP, control socket) and the
#     50 clients that redial are all admitted.
. "$(dirname "$0")/lib.sh"
lib_init crash_restart
need sqlite3
need_build confd confctl confd-ua

UA=$BUILD/confd-ua
confd_setup
i=1
while [ $i -le 5 ]; do
	confctl conf add "sip:room$i@127.0.0.1" --open --srtp optional \
		--subject "room $i" >/dev/null
	j=1
	while [ $j -le 10 ]; do
		confctl part add "sip:room$i@127.0.0.1" \
			"sip:load$(( (i - 1) * 10 + j ))@localhost" >/dev/null
		j=$((j + 1))
	done
	i=$((i + 1))
done
confctl part add sip:room1@127.0.0.1 sip:pw@localhost >/dev/null
CONFCTL_PASSWORD=s3cret confctl part passwd sip:room1@127.0.0.1 \
	sip:pw@localhost >/dev/null

# what the store holds, as confctl lists it
snapshot() {
	confctl conf list
	for r in 1 2 3 4 5; do
		confctl part list "sip:room$r@127.0.0.1"
	done
}
snapshot >"$TMP/before"
confd_start
LOG1=$TMP/confd.first.log

# 50 SDES participants, 10 a room, held well past the kill
"$UA" load --to "sip:room%d@127.0.0.1:$CONFD_SIP_PORT" --count 50 \
	--per-conf 10 --rate 25 --settle 1 --duration 30 --quiet \
	--rtp-ports 20000-20999 >"$TMP/load1.out" 2>"$TMP/load1.err" &
LOADPID=$!
LIB_PIDS="$LIB_PIDS $LOADPID"
# confd logs one line per join (conference.c)
wait_for 30 sh -c "[ \$(grep -c ' joined sip:room' '$CONFD_LOG') -ge 50 ]"
n=$(grep -c ' joined sip:room' "$CONFD_LOG")
check "50 calls up before the kill (got $n)" test "$n" -ge 50

# a writer busy on the store while confd dies: each member it adds is
# logged only once confctl said it was done
(
	k=1
	while [ $k -le 400 ]; do
		if "$BUILD/confctl" -d "$CONFD_DB" part add sip:room5@127.0.0.1 \
			"sip:w$k@localhost" >/dev/null 2>&1; then
			echo "sip:w$k@localhost"
		fi
		k=$((k + 1))
	done
) >"$TMP/written" &
WPID=$!
LIB_PIDS="$LIB_PIDS $WPID"
sleep 1
kill -KILL "$CONFD_PID"
wait "$CONFD_PID" 2>/dev/null
CONFD_PID=""
cp "$CONFD_LOG" "$LOG1"
wait "$WPID"
kill "$LOADPID" 2>/dev/null
wait "$LOADPID" 2>/dev/null

check "integrity_check: ok" \
	sh -c "[ \"\$(sqlite3 '$CONFD_DB' 'PRAGMA integrity_check;')\" = ok ]"
check "foreign keys hold" \
	sh -c "[ -z \"\$(sqlite3 '$CONFD_DB' 'PRAGMA foreign_key_check;')\" ]"
snapshot >"$TMP/after"
# every row from before, unchanged (room5 also has the writer's members)
check "conferences and lists as before" \
	sh -c "grep -vF 'sip:w' '$TMP/after' | diff '$TMP/before' -"
nw=$(wc -l <"$TMP/written")
missing=0
while read -r u; do
	grep -qF "$u" "$TMP/after" || missing=$((missing + 1))
done <"$TMP/written"
check "all $nw completed writes are there" test "$missing" = 0
check "no half-written member row" \
	sh -c "[ \"\$(sqlite3 '$CONFD_DB' \"SELECT count(*) FROM participants WHERE sip_uri IS NULL OR sip_uri = '' OR kms_uid IS NULL OR conf_id IS NULL OR conf_id NOT IN (SELECT id FROM conferences);\")\" = 0 ]"
check "digest credentials kept" \
	sh -c "[ \"\$(sqlite3 '$CONFD_DB' \"SELECT count(*) FROM participants WHERE sip_uri = 'sip:pw@localhost' AND ha1_md5 IS NOT NULL AND ha1_md5 != '';\")\" = 1 ]"

# the same configuration: the stale control socket must not stop it
confd_start
check "restarted on the same ports" confd_alive
"$UA" load --to "sip:room%d@127.0.0.1:$CONFD_SIP_PORT" --count 50 \
	--per-conf 10 --rate 25 --settle 1 --duration 4 --quiet \
	--rtp-ports 21000-21999 >"$TMP/load2.out" 2>"$TMP/load2.err"
est=$(awk -F= '$1 == "calls_established" {print $2}' "$TMP/load2.out")
check "all 50 redialling clients admitted (established=$est)" \
	test "${est:-0}" = 50
check "control socket answers" \
	"$BUILD/confctl" -s "$TMP/confd/confd.ctl" status
check "alive after the redial" confd_alive
lib_done
