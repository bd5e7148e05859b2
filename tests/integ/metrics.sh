#!/bin/sh
# Operating confd (issue 14): /metrics and log_format json.
#  - GET /metrics on metrics_listen answers the Prometheus text format
#    0.0.4, which tests/tools/promparse.py (written from the format's
#    description) reads strictly: grammar, HELP/TYPE, counters _total,
#    histograms cumulative with +Inf == _count;
#  - the figures move with what happens: three calls keyed by SDES,
#    MIKEY-TICKET (kmsd) and none show as participants by keying while
#    they last, as joins and leaves after; a call to an unknown
#    conference is a failure with status 404; the MIKEY join is a KMS
#    request in the latency histogram; the mixer ticks;
#  - other paths get 404, other methods 405;
#  - every log line is one JSON object with time, level, module, msg,
#    and joins, leaves and refusals carry event, conference,
#    participant, keying (and status, reason).
. "$(dirname "$0")/lib.sh"
lib_init metrics
need curl python3 openssl timeout
need_build confd confctl confd-ua kmsd

UA=$BUILD/confd-ua
D=$CONFD_DOMAIN
PP=$TOP/tests/tools/promparse.py
kmsd_start A=sip:alice@example.org
KMS_ID=kms.example.org

MPORT=$(free_port)
CONFD_EXTRA="metrics_listen 127.0.0.1:$MPORT
log_format json"
confd_setup
confd_kms_conf
ROOM=sip:room@$D
{
	confctl conf add "$ROOM" --open --srtp optional &&
	confctl part add "$ROOM" "sip:alice@$D" --kms-uid sip:alice@example.org
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

URL=http://127.0.0.1:$MPORT/metrics
# scrape N: $TMP/mN.txt, checked by the parser
scrape() {
	curl -s -f -o "$TMP/m$1.txt" -D "$TMP/m$1.hdr" "$URL" &&
		python3 "$PP" "$TMP/m$1.txt" >"$TMP/m$1.parse" 2>&1
}
# val N SERIES: its value in scrape N
val() { python3 "$PP" "$TMP/m$1.txt" "$2"; }

if scrape 0; then
	pass "GET /metrics: valid exposition format 0.0.4 ($(wc -l <"$TMP/m0.txt") lines)"
else
	fail "GET /metrics: valid exposition format 0.0.4"
	show_log "$TMP/m0.parse"; show_log "$TMP/m0.txt" 20
fi
check "Content-Type text/plain; version=0.0.4" \
	grep -qi "^Content-Type: text/plain; version=0.0.4" "$TMP/m0.hdr"
check "nothing counted before any call" \
	test "$(val 0 'confd_joins_total{keying="sdes"}')" = 0
c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/")
c2=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")
check "other paths 404 ($c), other methods 405 ($c2)" \
	test "$c" = 404 -a "$c2" = 405

# three calls at once, one per keying mechanism
bg_start sdes timeout -k 5 30 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:bob@$D" --srtp --tone 440 --duration 6
SDES_PID=$BG_PID
bg_start plain timeout -k 5 30 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:carol@$D" --tone 700 --duration 6
PLAIN_PID=$BG_PID
bg_start mikey timeout -k 5 30 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --tone 1000 --duration 6 \
	--mikey "sip:alice@example.org:$PSK_A:$KMS_ID:127.0.0.1:$KPORT:$FOCUS_UID"
MIKEY_PID=$BG_PID
timeout 10 "$UA" call --to "sip:nope@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:dave@$D" --duration 1 --expect 404 >"$TMP/nope.log" 2>&1
sleep 3
scrape 1 || { fail "scrape during the calls"; show_log "$TMP/m1.parse"; }
p_s=$(val 1 'confd_participants{keying="sdes"}')
p_m=$(val 1 'confd_participants{keying="mikey"}')
p_n=$(val 1 'confd_participants{keying="none"}')
c_s=$(val 1 'confd_calls{keying="sdes"}')
if [ "$p_s" = 1 ] && [ "$p_m" = 1 ] && [ "$p_n" = 1 ] && [ "$c_s" = 1 ]; then
	pass "during the calls: one participant each by sdes, mikey, none"
else
	fail "during the calls: one participant each by sdes, mikey, none" \
		"sdes=$p_s mikey=$p_m none=$p_n calls(sdes)=$c_s"
fi
wait "$SDES_PID" "$PLAIN_PID" "$MIKEY_PID"
sleep 0.5

scrape 2 || { fail "scrape after the calls"; show_log "$TMP/m2.parse"; }
j_s=$(val 2 'confd_joins_total{keying="sdes"}')
j_m=$(val 2 'confd_joins_total{keying="mikey"}')
j_n=$(val 2 'confd_joins_total{keying="none"}')
lv=$(val 2 confd_leaves_total)
if [ "$j_s" = 1 ] && [ "$j_m" = 1 ] && [ "$j_n" = 1 ] && [ "$lv" = 3 ]; then
	pass "after: joins by keying 1/1/1, 3 leaves"
else
	fail "after: joins by keying 1/1/1, 3 leaves" "sdes=$j_s mikey=$j_m none=$j_n leaves=$lv"
fi
check "after: participants back to 0" \
	test "$(val 2 'confd_participants{keying="sdes"}')" = 0
check "the unknown conference: confd_invite_failures_total{status=\"404\"} 1" \
	test "$(val 2 'confd_invite_failures_total{status="404"}')" = 1
k=$(val 2 'confd_kms_requests_total{result="ok"}')
kc=$(val 2 confd_kms_request_duration_seconds_count)
check "the MIKEY join: KMS requests ok=$k, latency histogram count=$kc" \
	test "$k" -ge 1 -a "$kc" -ge 1
t0=$(val 0 confd_mixer_ticks_total) t2=$(val 2 confd_mixer_ticks_total)
check "mixer ticks moved ($t0 -> $t2)" \
	python3 -c "import sys; sys.exit(not float('$t2') > float('$t0') + 100)"
check "confd_admission_admitted_total counts the three calls" \
	test "$(val 2 confd_admission_admitted_total)" -ge 3

confd_stop
# every line one JSON object; the events carry their fields
if python3 - "$CONFD_LOG" >"$TMP/json.check" 2>&1 <<'PY'
import json, sys
ev = []
for n, line in enumerate(open(sys.argv[1], encoding='utf-8'), 1):
    o = json.loads(line)
    for f in ('time', 'level', 'module', 'msg'):
        assert f in o, 'line %d lacks %s' % (n, f)
    if 'event' in o:
        ev.append(o)
def one(**kw):
    m = [e for e in ev if all(e.get(k) == v for k, v in kw.items())]
    assert len(m) == 1, 'want one %r, have %r' % (kw, m)
    e = m[0]
    for f in ('conference', 'participant', 'keying'):
        assert e.get(f), '%r lacks %s' % (e, f)
    return e
one(event='join', keying='sdes', participant=[e['participant'] for e in ev
    if 'bob' in e['participant']][0])
one(event='join', keying='mikey')
one(event='join', keying='none')
for k in ('sdes', 'mikey', 'none'):
    e = one(event='leave', keying=k)
    assert e['reason'], e
r = one(event='refuse', status=404)
assert r['reason'] == 'Conference Not Found', r
print('%d lines, %d events' % (n, len(ev)))
PY
then
	pass "log_format json: every line an object; joins, leaves, refusal with their fields ($(cat "$TMP/json.check"))"
else
	fail "log_format json: every line an object; joins, leaves, refusal with their fields"
	show_log "$TMP/json.check"
fi

lib_done
