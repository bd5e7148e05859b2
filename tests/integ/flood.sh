#!/bin/sh
# A flood of unauthenticated INVITEs that are never ACKed, aimed at an
# OPEN conference from one source (SIPp on 127.0.0.2, 500/s for 4 s:
# issue 18 item 5), while two listed participants of a CLOSED
# conference (confd-ua on 127.0.0.1) join and talk.  With confd's
# default limits (focus/admission.c):
#   - both listed participants get 200 and hear each other's tone;
#   - the flood gets at most max_pending_per_source (32) calls, then
#     503 "Too Many Calls From Source" with Retry-After, then silence
#     (flood_drop_per_source);
#   - confd's descriptors stay bounded during the flood, and fall back
#     to where they were once ack_timeout (8 s) has ended the un-ACKed
#     calls, each of which is logged.
. "$(dirname "$0")/lib.sh"
lib_init flood
need sipp timeout
need_build confd confctl confd-ua tools/tonecheck

UA=$BUILD/confd-ua
TC=$BUILD/tools/tonecheck
D=$CONFD_DOMAIN
confd_setup
{
	confctl conf add "sip:open@$D" --open --srtp optional &&
	confctl conf add "sip:closed@$D" --srtp optional &&
	confctl part add "sip:closed@$D" "sip:a@$D" &&
	confctl part add "sip:closed@$D" "sip:b@$D" &&
	# a closed conference admits only authenticated callers (digest)
	CONFCTL_PASSWORD=pw-a confctl part passwd "sip:closed@$D" "sip:a@$D" &&
	CONFCTL_PASSWORD=pw-b confctl part passwd "sip:closed@$D" "sip:b@$D"
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

fds() { ls "/proc/$CONFD_PID/fd" 2>/dev/null | wc -l; }
sleep 0.5
FD0=$(fds)
( while kill -0 "$CONFD_PID" 2>/dev/null; do fds; sleep 0.1; done ) \
	>"$TMP/fds" 2>/dev/null &
SAMPLER=$!
LIB_PIDS="$LIB_PIDS $SAMPLER"

mkdir -p "$TMP/flood"
(
	cd "$TMP/flood" &&
	timeout -k 5 60 sipp "127.0.0.1:$CONFD_SIP_PORT" \
		-sf "$TOP/tests/sipp/invite_noack.xml" -s open \
		-i 127.0.0.2 -p "$(free_port)" -mi 127.0.0.2 \
		-mp "$(free_port)" -r 500 -m 2000 -l 2000 \
		-recv_timeout 3000 -max_retrans 2 -nostdin \
		-key domain "$D" -key caller flood -key from_domain "$D" \
		-trace_msg -message_file messages.log \
		</dev/null >sipp.out 2>&1
) &
FLOOD=$!
LIB_PIDS="$LIB_PIDS $FLOOD"

# the listed participants join a second into the flood
sleep 1
ua() { # ua NAME TONE
	bg_start "$1" timeout -k 5 40 "$UA" call \
		--to "sip:closed@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:$1@$D" --tone "$2" --duration 6 \
		--auth-user "$1" --auth-pass "pw-$1" \
		--record "$TMP/$1.wav"
	eval "${1}_PID=\$BG_PID"
}
ua a 440
sleep 0.3
ua b 1000
wait "$a_PID" "$b_PID"
wait "$FLOOD"

kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
for u in a b; do
	if [ "$(kv $u status)" = 200 ] && [ "$(kv $u result)" = ok ]; then
		pass "$u (listed, closed conference) joined during the flood: 200"
	else
		fail "$u (listed, closed conference) joined during the flood: 200"
		sed "s/^/    $u| /" "$TMP/$u.log"
	fi
done
check "a hears b's tone (1000 Hz) during the flood" \
	"$TC" -s 1 -t 2 -p 1000 -a 440 "$TMP/a.wav"
check "b hears a's tone (440 Hz) during the flood" \
	"$TC" -s 1 -t 2 -p 440 -a 1000 "$TMP/b.wav"

M=$TMP/flood/messages.log
# distinct calls the flood got a 200 for
ok200=$(awk '/^SIP\/2.0 200/ {r = 1; next}
	     r && /^Call-ID:/ {seen[$2] = 1; r = 0}
	     /^$/ {r = 0}
	     END {n = 0; for (c in seen) n++; print n}' "$M")
note "flood: $ok200 calls answered 200"
check "flood: at most max_pending_per_source (32) calls admitted" \
	sh -c "[ '$ok200' -ge 1 ] && [ '$ok200' -le 32 ]"
check "flood: 503 Too Many Calls From Source, with Retry-After" \
	sh -c "grep -q '^SIP/2.0 503 Too Many Calls From Source (max_pending_per_source)' '$M' &&
	       grep -q '^Retry-After: 10' '$M'"

peak=$(sort -n "$TMP/fds" | tail -n 1)
note "descriptors: $FD0 before, $peak at the peak"
# 32 un-ACKed calls hold an RTP/RTCP pair each; a and b two more each
check "descriptors stay bounded during the flood ($peak <= $FD0 + 80)" \
	[ "$peak" -le $((FD0 + 80)) ]
settled() { [ "$(fds)" -le $((FD0 + 2)) ]; }
check "descriptors fall back after ack_timeout" wait_for 15 settled
check "un-ACKed flood calls ended by ack_timeout, each logged" \
	sh -c "[ \$(grep -c 'flood@$D: no ACK in time' '$CONFD_LOG') -eq $ok200 ]"
check "confd still running" confd_alive
kill "$SAMPLER" 2>/dev/null
confd_stop
check "exit report: the flood was refused, then dropped" \
	grep -q "admission: .* [1-9][0-9]* refused (503), [1-9][0-9]* dropped" "$CONFD_LOG"
grep "admission: " "$CONFD_LOG" | tail -n 1 | sed 's/^/    /'

[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 40
lib_done
