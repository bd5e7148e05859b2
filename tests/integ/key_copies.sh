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
need gcore python3 timeout
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

# scan CORE NAME B64...: "NAME b64=N raw=M" per key
scan() {
	python3 - "$@" <<'PY'
import base64, sys
core = open(sys.argv[1], 'rb').read()
for k in sys.argv[3:]:
    raw = base64.b64decode(k)
    print('%s b64=%d raw=%d hex=%d' % (sys.argv[2], core.count(k.encode()),
          core.count(raw), core.count(raw.hex().encode())))
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
	scan "$TMP/core-$1.$CONFD_PID" confd "$RX" >"$TMP/$1.scan"
	scan "$TMP/core-$1.$CONFD_PID" caller "$TX" >>"$TMP/$1.scan"
	rm -f "$TMP/core-$1.$CONFD_PID"
	confd_stop
	rm -rf "$TMP/confd"
}

# the control: without wiping, the keys are still there
run nowipe no
if grep -q "b64=[1-9]" "$TMP/nowipe.scan"; then
	pass "control (wipe_memory no): the core still holds the key text ($(tr '\n' ' ' <"$TMP/nowipe.scan"))"
else
	fail "control (wipe_memory no): the core still holds the key text" \
		"$(tr '\n' ' ' <"$TMP/nowipe.scan") -- the search finds nothing, so it proves nothing"
fi

run wipe yes
if grep -q "=[1-9]" "$TMP/wipe.scan"; then
	fail "wipe_memory yes: no copy of either key in the core ${WAIT} s after the call" \
		"$(tr '\n' ' ' <"$TMP/wipe.scan")"
else
	pass "wipe_memory yes: no copy of either key (base64, raw, hex) in the core ${WAIT} s after the call"
fi

lib_done
