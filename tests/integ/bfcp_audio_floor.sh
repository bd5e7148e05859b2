#!/bin/sh
# The moderated audio floor gates the mix (RFC 8855 floors, RFC 8856
# a=floorid ... mstrm: on the audio stream).  A conference with an
# automatic audio floor; three SDES participants A, B, C (the test UA),
# each sending its own tone, each with BFCP over TLS (certificate
# fingerprints in SDP), each recording what it hears.
#   phase 1: only A holds floor 2: B and C hear A and not each other,
#            A hears neither B nor C;
#   phase 2: A releases, B requests and is Granted: A and C hear B, and
#            neither A nor C any more.
# Recordings start at call set-up (confd-ua call --record), so each is
# cut into the two phases by call time with sox and checked by tonecheck.
. "$(dirname "$0")/lib.sh"
lib_init bfcp_audio_floor
need sox soxi timeout
need_build confd confctl confd-ua tools/tonecheck

UA=$BUILD/confd-ua
ROOM=sip:talk@$CONFD_DOMAIN
confd_setup
printf 'tcp_ports %s\n' "$(free_range 40)" >>"$CONFD_CONF"
{
	confctl conf add "$ROOM" --srtp required &&
	confctl conf policy "$ROOM" --floor-audio auto &&
	for u in a b c; do
		confctl part add "$ROOM" "sip:$u@$CONFD_DOMAIN" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" \
			"sip:$u@$CONFD_DOMAIN" || exit 1
	done
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# far apart, multiples of 10 Hz (tonecheck's 100 ms blocks)
tone_of() { case $1 in a) echo 440 ;; b) echo 1000 ;; c) echo 1700 ;; esac; }

# Timeline in A's call time (B starts 0.3 s and C 0.6 s later):
#   0.2 s  A requests floor 2, Granted
#   5.3 s  A releases
#   6.5 s  B requests, Granted
#  13   s  everyone hangs up
# Windows checked, in each one's own call time: phase 1 = 1.5-4.5 s,
# phase 2 = 8-11.5 s.
S_A="hello; wait HelloAck; req 2; wait FloorRequestStatus status=Granted; sleep 5000; release; wait FloorRequestStatus status=Released; sleep 20000"
S_B="hello; wait HelloAck; sleep 6000; req 2; wait FloorRequestStatus status=Granted; sleep 20000"
S_C="hello; wait HelloAck; sleep 20000"

call() { # call NAME SECONDS SCRIPT
	bg_start "$1" timeout -k 5 40 "$UA" call \
		--to "sip:talk@127.0.0.1:$CONFD_SIP_PORT" \
		--from "sip:$1@$CONFD_DOMAIN" --srtp \
		--auth-user "$1" --auth-pass "pw-$1" \
		--bfcp tls --cert "$TMP/$1.pem" --bfcp-script "$3" \
		--tone "$(tone_of "$1")" --duration "$2" --record "$TMP/$1.wav"
	eval "${1}_PID=\$BG_PID"
}
kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
has() { grep -q -- "$2" "$TMP/$1.log"; }
show() { sed "s/^/    $1| /" "$TMP/$1.log"; }

# make the certificates first: the calls should start close together
for u in a b c; do
	"$UA" bfcp --tls --cert "$TMP/$u.pem" --print-fp >/dev/null
done
call a 13 "$S_A"; sleep 0.3
call b 12.7 "$S_B"; sleep 0.3
call c 12.4 "$S_C"
wait "$a_PID" "$b_PID" "$c_PID"

for u in a b c; do
	if [ "$(kv $u status)" = 200 ] && [ "$(kv $u result)" = ok ] &&
	   [ "$(kv $u rx_decrypt_fail)" = 0 ] && [ "$(kv $u keying)" = sdes ]; then
		pass "$u: SDES call ok, no decrypt failures"
	else
		fail "$u: SDES call ok, no decrypt failures"; show $u
	fi
	if grep -qx "bfcp_floorid=2 mstrm:audio" "$TMP/$u.log" &&
	   [ "$(kv $u audio_label)" = audio ] &&
	   [ "$(kv $u bfcp_proto)" = TCP/TLS/BFCP ] &&
	   [ "$(kv $u bfcp_floorctrl)" = s-only ] && [ -n "$(kv $u bfcp_port)" ] &&
	   [ "$(kv $u bfcp_setup)" = passive ] && [ -n "$(kv $u bfcp_fingerprint)" ]; then
		pass "$u: answer has a=floorid:2 mstrm:audio, a=label:audio, a=fingerprint"
	else
		fail "$u: answer has a=floorid:2 mstrm:audio, a=label:audio, a=fingerprint"
		grep "^bfcp_\|^audio_label" "$TMP/$u.log" | sed 's/^/    | /'
	fi
done
# the in-call client checked confd's certificate against a=fingerprint
check "BFCP TLS: server certificates match the answers' a=fingerprint" \
	sh -c "! grep -q TLS-PEER-MISMATCH '$TMP/a.log' '$TMP/b.log' '$TMP/c.log' &&
	       grep -q '^SERVER-FP' '$TMP/a.log'"
check "A: floor 2 Granted, then Released" sh -c \
	"grep -q 'MATCH RECV FloorRequestStatus.*status=Granted' '$TMP/a.log' &&
	 grep -q 'MATCH RECV FloorRequestStatus.*status=Released' '$TMP/a.log'"
check "B: floor 2 Granted after A released" \
	has b "MATCH RECV FloorRequestStatus.*status=Granted"

# cut NAME PHASE FROM DURATION
cut() {
	sox "$TMP/$1.wav" "$TMP/$1.p$2.wav" trim "$3" "$4" 2>>"$TMP/sox.log"
}
for u in a b c; do
	cut $u 1 1.5 3
	cut $u 2 8 3.5
done
TC=$BUILD/tools/tonecheck
# silent() FILE SECONDS: a slice that holds SECONDS of (any) audio and
# none of the three tones; the length check keeps a recording that ends
# early from passing as "heard nothing"
silent() {
	awk -v d="$(soxi -D "$1" 2>/dev/null)" -v want="$2" \
		'BEGIN { exit !(d + 0 >= want - 0.05) }' &&
	"$TC" -t 0 -a 440 -a 1000 -a 1700 "$1"
}
# phase 1: A holds the audio floor
check "phase 1: B hears A (440) and not C (1700)" \
	"$TC" -t 2 -p 440 -a 1700 -a 1000 "$TMP/b.p1.wav"
check "phase 1: C hears A (440) and not B (1000)" \
	"$TC" -t 2 -p 440 -a 1000 -a 1700 "$TMP/c.p1.wav"
check "phase 1: A hears neither B nor C (non-holders not mixed)" \
	silent "$TMP/a.p1.wav" 3
# phase 2: B holds it
check "phase 2: A hears B (1000) and no longer itself or C" \
	"$TC" -t 2 -p 1000 -a 1700 -a 440 "$TMP/a.p2.wav"
check "phase 2: C hears B (1000) and not A (440)" \
	"$TC" -t 2 -p 1000 -a 440 -a 1700 "$TMP/c.p2.wav"
check "phase 2: B hears neither A nor C" \
	silent "$TMP/b.p2.wav" 3.5

check "confd still running" confd_alive
[ "$LIB_FAILS" = 0 ] || show_log "$CONFD_LOG" 40
lib_done
