#!/bin/sh
# Two confd nodes behind Kamailio on one PostgreSQL database (issue 16).
#
# - 20 closed conferences, 3 participants each (confd-ua, digest
#   through Kamailio): every conference's participants on one node, both
#   nodes used, each participant hears the other two and not itself;
# - a conference made through node A's web API is joinable through
#   Kamailio at once, wherever its hash sends it;
# - kill -9 of one node: Kamailio's probes take it out; its conferences
#   are joinable again through the other node within 10 s, and a call in
#   progress on the surviving node goes on untouched.
# Each node has its own address (127.0.0.2, 127.0.0.3), media_addr and
# ports, so the SDP of every answer names the node that holds the media.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/integ/lib.sh"
. "$TOP/tests/integ/scale_lib.sh"

scale_init cluster
need_build confd confctl confd-ua tools/tonecheck
need python3 ss

D=$CONFD_DOMAIN
UA=$BUILD/confd-ua
NCONF=${NCONF:-20}

if ! pg_start || ! pg_createdb confd; then
	fail "postgres start"
	lib_done
fi

KAM_PORT=$(free_port)   # the nodes trust it; kam_start takes another
node_setup 1 127.0.0.2
node_setup 2 127.0.0.3
if ! kam_start "127.0.0.2:$NODE1_SIP" "127.0.0.3:$NODE2_SIP"; then
	fail "kamailio start"
	lib_done
fi
sed -i "s/^trusted_peers.*/trusted_peers\t\t127.0.0.1:$KAM_PORT/" \
	"$TMP/node1/confd.conf" "$TMP/node2/confd.conf"
if ! node_start 1 || ! node_start 2; then
	fail "nodes start"
	lib_done
fi
pass "postgres, kamailio and two confd nodes up"

# ---- 20 conferences x 3 participants ----------------------------------
cc() { "$BUILD/confctl" -d "$PG_DB_URL" "$@" >>"$TMP/confctl.log" 2>&1; }
i=1
while [ $i -le "$NCONF" ]; do
	r=$(printf 'room%02d' $i)
	cc conf add "sip:$r@$D" --srtp optional
	for u in a b c; do
		cc part add "sip:$r@$D" "sip:$r$u@$D"
		CONFCTL_PASSWORD="pw-$r$u" cc part passwd "sip:$r@$D" "sip:$r$u@$D"
	done
	i=$((i + 1))
done
check "conferences defined on both nodes (LISTEN/NOTIFY, no SIGHUP)" \
	wait_for 5 sh -c "[ \$('$BUILD/confctl' -s '$NODE1_CTL' status | grep -c '^sip:room') = $NCONF ] &&
		[ \$('$BUILD/confctl' -s '$NODE2_CTL' status | grep -c '^sip:room') = $NCONF ]"

# call NAME ROOM USER SECONDS TONE: a participant through Kamailio
call() {
	bg_start "$1" timeout -k 5 $(($4 + 25)) "$UA" call \
		--to "sip:$2@127.0.0.1:$KAM_PORT" --from "sip:$3@$D" \
		--auth-user "$3" --auth-pass "pw-$3" --duration "$4" \
		--tone "$5" --record "$TMP/$1.wav" --rtp-ports "$(free_range 4)"
	eval "${1}_PID=\$BG_PID"
}
kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
# multiples of 10 Hz (whole periods in tonecheck's blocks), far apart
tone() { case $1 in a) echo 400;; b) echo 700;; c) echo 1100;; esac; }

i=1
while [ $i -le "$NCONF" ]; do
	r=$(printf 'room%02d' $i)
	for u in a b c; do
		call "$r$u" "$r" "$r$u" 8 "$(tone $u)"
	done
	sleep 0.2
	i=$((i + 1))
done
for p in $LIB_PIDS; do
	[ "$p" = "$KAM_PID" ] || [ "$p" = "$PG_PID" ] ||
		[ "$p" = "$NODE1_PID" ] || [ "$p" = "$NODE2_PID" ] || wait "$p"
done

ok=0 bad="" nodes="" split="" deaf=""
i=1
while [ $i -le "$NCONF" ]; do
	r=$(printf 'room%02d' $i)
	addrs=""
	for u in a b c; do
		if [ "$(kv "$r$u" status)" = 200 ]; then
			ok=$((ok + 1))
		else
			bad="$bad $r$u:$(kv "$r$u" status)"
		fi
		addrs="$addrs $(kv "$r$u" remote_rtp | sed 's/:.*//')"
		# each hears the other two, never itself
		args=""
		for o in a b c; do
			[ $o = $u ] && args="$args -a $(tone $o)" ||
				args="$args -p $(tone $o)"
		done
		# shellcheck disable=SC2086
		"$BUILD/tools/tonecheck" -s 2 -t 3 $args "$TMP/$r$u.wav" \
			>>"$TMP/tonecheck.log" 2>&1 || deaf="$deaf $r$u"
	done
	n=$(echo $addrs | tr ' ' '\n' | sort -u | wc -l)
	[ "$n" = 1 ] || split="$split $r($addrs)"
	nodes="$nodes $(echo $addrs | cut -d' ' -f1)"
	echo "$r on$addrs" >>"$TMP/placement.log"
	i=$((i + 1))
done
check "all $((NCONF * 3)) participants joined through Kamailio (digest)" \
	test -z "$bad" -a "$ok" = $((NCONF * 3))
[ -n "$bad" ] && note "not joined:$bad"
check "every conference's participants on one node" test -z "$split"
[ -n "$split" ] && note "split:$split"
on1=$(echo $nodes | tr ' ' '\n' | grep -c '^127.0.0.2$')
on2=$(echo $nodes | tr ' ' '\n' | grep -c '^127.0.0.3$')
note "conferences on node 1: $on1, on node 2: $on2"
check "both nodes used" test "$on1" -gt 0 -a "$on2" -gt 0
check "audio mixed: each hears the other two and not itself" test -z "$deaf"
[ -n "$deaf" ] && note "tone check failed:$deaf" && tail -n 20 "$TMP/tonecheck.log"

# ---- a conference made through node 1's web API -------------------------
CONFCTL_PASSWORD=web-pw-1 cc creator add webber
WEBROOM=webroom
python3 - "$NODE1_ADDR" "$NODE1_HTTP" "sip:$WEBROOM@$D" >"$TMP/webapi.log" 2>&1 <<'EOP'
import http.client, json, ssl, sys
host, port, uri = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def req(method, path, body, hdr):
    c = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
    h = dict(hdr)
    h["Content-Type"] = "application/json"
    c.request(method, path, body=json.dumps(body).encode(), headers=h)
    r = c.getresponse()
    return r, r.read()
r, b = req("POST", "/api/v1/login", {"name": "webber", "password": "web-pw-1"}, {})
print("login", r.status)
sid = r.getheader("set-cookie").split(";")[0].split("=", 1)[1]
csrf = json.loads(b)["csrf"]
h = {"Cookie": "__Host-confd=" + sid, "X-CSRF-Token": csrf}
r, b = req("POST", "/api/v1/conferences", {"uri": uri, "open": True, "srtp": "optional"}, h)
print("create", r.status, b.decode())
sys.exit(0 if r.status == 201 else 1)
EOP
check "conference created through node 1's web API" grep -q "^create 201" "$TMP/webapi.log"
bg_start webjoin timeout 20 "$UA" call --to "sip:$WEBROOM@127.0.0.1:$KAM_PORT" \
	--from "sip:guest@$D" --duration 1 --rtp-ports "$(free_range 4)"
wait "$BG_PID"
check "... and joinable through Kamailio at once" test "$(kv webjoin status)" = 200
note "web conference landed on $(kv webjoin remote_rtp | sed 's/:.*//')"

# ---- kill -9 of one node --------------------------------------------------
# a conference of each node; a call in progress on the survivor
r1=$(grep ' on 127.0.0.2' "$TMP/placement.log" | head -n 1 | cut -d' ' -f1)
r2=$(grep ' on 127.0.0.3' "$TMP/placement.log" | head -n 1 | cut -d' ' -f1)
call survivor "$r1" "${r1}a" 14 400
call survivor2 "$r1" "${r1}b" 14 700
sleep 3
kill -KILL "$NODE2_PID"
t0=$(date +%s.%N)
note "node 2 killed; rejoining $r2 through Kamailio"
joined=""
n=0
while [ $n -lt 12 ]; do
	n=$((n + 1))
	bg_start "rejoin$n" timeout 15 "$UA" call --to "sip:$r2@127.0.0.1:$KAM_PORT" \
		--from "sip:${r2}a@$D" --auth-user "${r2}a" --auth-pass "pw-${r2}a" \
		--duration 1 --rtp-ports "$(free_range 4)"
	wait "$BG_PID"
	if [ "$(kv "rejoin$n" status)" = 200 ]; then
		joined=$(kv "rejoin$n" remote_rtp | sed 's/:.*//')
		break
	fi
	sleep 0.5
done
t1=$(date +%s.%N)
took=$(echo "$t1 - $t0" | bc 2>/dev/null || python3 -c "print($t1 - $t0)")
note "takeover: joined $r2 on ${joined:-nothing} ${took} s after kill -9"
check "a dead node's conference is joinable again through the other node" \
	test "$joined" = 127.0.0.2
check "... within 10 s" python3 -c "import sys; sys.exit(0 if $took <= 10 else 1)"
check "Kamailio took the dead node out" \
	wait_for 5 grep -q "confd node down: sip:127.0.0.3:$NODE2_SIP" "$TMP/kamailio.log"
# once out, the dead node's other conferences go straight to the survivor
r3=$(grep ' on 127.0.0.3' "$TMP/placement.log" | sed -n 2p | cut -d' ' -f1)
t0=$(date +%s%N)
bg_start rejoin_after timeout 15 "$UA" call --to "sip:$r3@127.0.0.1:$KAM_PORT" \
	--from "sip:${r3}a@$D" --auth-user "${r3}a" --auth-pass "pw-${r3}a" \
	--duration 1 --rtp-ports "$(free_range 4)"
wait "$BG_PID"
ms=$(( ($(date +%s%N) - t0) / 1000000 - 1000 ))
note "after the probe: $r3 joined in $ms ms (call set-up, without the 1 s call)"
check "... after which its other conferences join without waiting a timeout" \
	sh -c "[ '$(kv rejoin_after status)' = 200 ] && [ $ms -lt 1500 ]"
wait "$survivor_PID"
wait "$survivor2_PID"
check "the survivor's call went on untouched (full duration, ended by us)" \
	sh -c "[ '$(kv survivor status)' = 200 ] && [ '$(kv survivor ended_by)' = us ] &&
	       [ '$(kv survivor rx_max_gap_ms | cut -d. -f1)' -lt 500 ]"
check "... and its audio was mixed throughout" \
	"$BUILD/tools/tonecheck" -s 2 -t 8 -p 700 -a 400 "$TMP/survivor.wav"
check "node 1 still running" kill -0 "$NODE1_PID"

# node 2 back: only an answered probe brings it back into the hash
node_start 2
check "Kamailio's probes bring a restarted node back" \
	wait_for 5 grep -q "confd node up: sip:127.0.0.3:$NODE2_SIP" "$TMP/kamailio.log"

lib_done
