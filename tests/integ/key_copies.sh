#!/bin/sh
# Keys leave no copies (issue 14): after an SDES-SRTP call has ended, a
# core dump of the running confd (gcore) holds neither confd's key (the
# a=crypto of its answer, which also passed through libre's SDP
# attribute, the encoded body and the 200 OK kept for retransmission)
# nor the caller's (its offer, in libre's receive buffer), in base64 as
# on the wire or as raw bytes.
#
# Honest by construction: the same call against a confd with
# wipe_memory no must leave copies the same search finds -- so the
# search works, and it is confd/wipe.c that makes the difference.
#
# The wait: libre keeps the INVITE server transaction, with the request
# and the 200 OK, for 64*T1 = 32 s after the answer (RFC 6026 Timer L,
# for retransmitted INVITEs); those are live, not leftovers.  The core
# is taken after that (docs/threat-model.md).
. "$(dirname "$0")/lib.sh"
lib_init key_copies
need gcore readelf python3 timeout
need_build confd confctl confd-ua

case $BUILD in
*asan*|*san*)
	# the sanitizers' allocator owns free(): wipe.c is compiled out
	note "sanitizer build: confd/wipe.c is not active, nothing to check"
	lib_done ;;
esac

UA=$BUILD/confd-ua
D=$CONFD_DOMAIN
WAIT=${KEY_COPIES_WAIT:-34}

# scan CORE MAPS NAME B64: "NAME b64=N raw=M hex=H", then where each
# hit lies (the mapping of /proc/PID/maps, e.g. [heap] or [stack])
scan() {
	python3 - "$@" <<'PY'
import base64, re, subprocess, sys
path, maps, name, k = sys.argv[1:5]
core = open(path, 'rb').read()
raw = base64.b64decode(k)
forms = {'b64': k.encode(), 'raw': raw, 'hex': raw.hex().encode()}
print('%s %s' % (name, ' '.join('%s=%d' % (f, core.count(v))
                                 for f, v in forms.items())))
segs = []
for l in subprocess.run(['readelf', '-lW', path], capture_output=True,
                        text=True).stdout.splitlines():
    m = re.match(r'\s+LOAD\s+(0x\S+)\s+(0x\S+)\s+\S+\s+(0x\S+)', l)
    if m:
        segs.append([int(x, 16) for x in m.groups()])
regions = []
for l in open(maps):
    f = l.split()
    a, b = (int(x, 16) for x in f[0].split('-'))
    regions.append((a, b, f[5] if len(f) > 5 else '(anonymous)'))
for f, v in forms.items():
    i = core.find(v)
    while i >= 0:
        seg = [(off, va) for off, va, sz in segs if off <= i < off + sz]
        if seg:
            a = seg[0][1] + i - seg[0][0]
            r = [n for lo, hi, n in regions if lo <= a < hi]
            print('  %s %s at %#x in %s' % (name, f, a, r[0] if r else '?'))
        else:
            print('  %s %s at core offset %#x: in the notes (saved '
                  'registers)' % (name, f, i))
        i = core.find(v, i + 1)
PY
}

# run NAME WIPE: one call, wait, gcore; prints what scan says into
# $TMP/NAME.scan
run() {
	CONFD_CONF="" CONFD_PID=""
	confd_setup
	echo "wipe_memory $2" >>"$CONFD_CONF"
	confctl conf add "sip:room@$D" --open --srtp required \
		>"$TMP/confctl-$1.log" 2>&1 ||
		{ fail "$1: store set-up"; lib_done; }
	confd_start
	timeout -k 5 30 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:alice@$D" --srtp --tone 440 --duration 3 \
		>"$TMP/$1.ua" 2>&1
	RX=$(sed -n 's/^key_rx=//p' "$TMP/$1.ua")
	TX=$(sed -n 's/^key_tx=//p' "$TMP/$1.ua")
	if [ -z "$RX" ] || [ -z "$TX" ]; then
		fail "$1: an SDES call with keys both ways"
		show_log "$TMP/$1.ua"; lib_done
	fi
	sleep "$WAIT"
	if ! timeout 120 gcore -o "$TMP/core-$1" "$CONFD_PID" \
		>"$TMP/gcore-$1.log" 2>&1; then
		fail "$1: gcore of the running confd"
		show_log "$TMP/gcore-$1.log"; lib_done
	fi
	cat "/proc/$CONFD_PID/maps" >"$TMP/maps-$1"
	scan "$TMP/core-$1.$CONFD_PID" "$TMP/maps-$1" confd "$RX" \
		>"$TMP/$1.scan"
	scan "$TMP/core-$1.$CONFD_PID" "$TMP/maps-$1" caller "$TX" \
		>>"$TMP/$1.scan"
	rm -f "$TMP/core-$1.$CONFD_PID"
	confd_stop
	rm -rf "$TMP/confd"
}

# the control: without wiping, the keys are still there
run nowipe no
if grep -q "b64=[1-9]" "$TMP/nowipe.scan"; then
	pass "control (wipe_memory no): the core still holds the key text ($(grep -v '^ ' "$TMP/nowipe.scan" | tr '\n' ' '))"
else
	fail "control (wipe_memory no): the core still holds the key text" \
		"$(tr '\n' ' ' <"$TMP/nowipe.scan") -- the search finds nothing, so it proves nothing"
fi

run wipe yes
if grep -q "=[1-9]" "$TMP/wipe.scan"; then
	fail "wipe_memory yes: no copy of either key in the core ${WAIT} s after the call"
	show_log "$TMP/wipe.scan"
else
	pass "wipe_memory yes: no copy of either key (base64, raw, hex) in the core ${WAIT} s after the call"
fi

lib_done
