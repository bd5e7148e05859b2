#!/bin/sh
# Opus in-band FEC under packet loss (RFC 7587, RFC 6716 2.1.7): a talker
# (confd-ua, Opus with useinbandfec and the encoder's FEC on) sends a
# 1000 Hz tone and drops 10% of its packets (a seeded draw, the same
# packets every run); a PCMU listener records the mix.  confd decodes
# each lost frame from the next packet's FEC data (or conceals it), so
# the listener must hear a clean tone, and FEC must do no worse than
# concealment alone (the same loss with FEC off).
#
# The tone swells and fades twice a second (--swell), as speech does:
# libopus's SILK codes FEC data only for frames its voice activity
# detector deems active, and it takes a steady tone for background
# noise within a second, so a steady tone carries no FEC at all (the
# "FEC" run was then SILK concealment against CELT concealment in the
# run without FEC: 0.75 against 0.985 of the energy at 1000 Hz).
. "$(dirname "$0")/lib.sh"
lib_init opus_fec
need timeout
need_build confd confctl confd-ua tools/tonecheck
UA=$BUILD/confd-ua

D=$CONFD_DOMAIN
ROOM=sip:fec@$D
confd_setup
confctl conf add "$ROOM" --open --srtp off --subject "fec" \
	>"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# run NAME TALKER-OPTIONS...: one listener and one lossy talker
run() {
	_n=$1
	shift
	bg_start "listen-$_n" timeout -k 5 30 "$UA" call \
		--to "sip:fec@127.0.0.1:$CONFD_SIP_PORT" --from "sip:l-$_n@$D" \
		--duration 12 --record "$TMP/$_n.wav"
	_lp=$BG_PID
	sleep 1
	timeout -k 5 30 "$UA" call --to "sip:fec@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:t-$_n@$D" --codec opus --tone 1000 --swell \
		--duration 9 "$@" >"$TMP/talk-$_n.out" 2>&1
	_rc=$?
	wait "$_lp"
	return $_rc
}

if run fec --loss 10; then
	pass "Opus talker with FEC, 10% loss: call completed"
else
	fail "Opus talker with FEC, 10% loss: call completed"
	sed 's/^/    | /' "$TMP/talk-fec.out"
fi
lost=$(sed -n 's/^tx_lost[ =:]*//p' "$TMP/talk-fec.out" | tr -dc 0-9)
if [ -n "$lost" ] && [ "$lost" -ge 25 ] && [ "$lost" -le 65 ]; then
	pass "the talker dropped about 10% of 450 packets ($lost)"
else
	fail "the talker dropped about 10% of 450 packets" "tx_lost '$lost'"
fi
run nofec --no-fec --loss 10 || true
run clean || true

share() {
	"$BUILD/tools/tonecheck" -s 2 -t 5 -p 1000 -P 0 "$TMP/$1.wav" 2>&1 |
		sed -n 's/.*1000 Hz: \([0-9.]*\) of energy.*/\1/p'
}
note "share of energy at 1000 Hz: no loss $(share clean); 10% loss with FEC $(share fec), without FEC (PLC only) $(share nofec)"

# 7 s of the 9 s talk lie after the 2 s skipped: -t 6.5 means no
# dropouts (silence would not count as active)
check "no loss: a clean tone (>= 95% at 1000 Hz)" \
	"$BUILD/tools/tonecheck" -s 2 -t 6.5 -p 1000 -P 0.95 "$TMP/clean.wav"
check "10% loss, FEC: the tone without dropouts (>= 95% at 1000 Hz)" \
	"$BUILD/tools/tonecheck" -s 2 -t 6.5 -p 1000 -P 0.95 "$TMP/fec.wav"
check "10% loss, no FEC: concealed (>= 90% at 1000 Hz)" \
	"$BUILD/tools/tonecheck" -s 2 -t 6.5 -p 1000 -P 0.90 "$TMP/nofec.wav"

# FEC against concealment only: not worse, give or take a point
sf=$(share fec)
sp=$(share nofec)
if [ -n "$sf" ] && [ -n "$sp" ] &&
   awk -v f="$sf" -v p="$sp" 'BEGIN { exit !(f >= p - 0.01) }'; then
	pass "10% loss: FEC no worse than concealment ($sf, $sp)"
else
	fail "10% loss: FEC no worse than concealment" "FEC '$sf', PLC '$sp'"
fi

if confd_alive; then
	pass "confd alive"
else
	fail "confd alive"
fi
confd_stop 10 || { fail "confd exits 0 on SIGTERM" "status $?"; show_log "$CONFD_LOG"; }
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 40
lib_done
