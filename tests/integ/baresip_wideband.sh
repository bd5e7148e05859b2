#!/bin/sh
# Three baresip clients in one SDES-SRTP conference, one on each codec:
# alice with baresip's defaults (opus.so, g722.so, g711.so loaded in that
# order: Opus is offered first), bob on G.722, carol on PCMU.
#
# alice plays 440 Hz + 6000 Hz, bob 1000 Hz + 5000 Hz, carol 1700 Hz.
# Each recording must hold the others' tones and not its own; above 4 kHz
# only a wideband mix can carry anything, so:
#   - alice must hear bob's 5000 Hz and bob alice's 6000 Hz (a narrowband
#     mix, or one that drops them, fails here);
#   - carol, on an 8 kHz codec, must hear 440 and 1000 Hz but neither
#     2000 nor 3000 Hz: those are where 6000 and 5000 Hz fold to when
#     a wideband mix is cut to 8 kHz without a low-pass (distortion);
#   - confd answered each with its codec (Opus at 48 kHz for alice).
. "$(dirname "$0")/lib.sh"
lib_init baresip_wideband
need baresip tshark dumpcap ss timeout
need_build confd confctl tools/tonegen tools/tonecheck
[ -f /usr/lib/baresip/modules/opus.so ] &&
	[ -f /usr/lib/baresip/modules/g722.so ] ||
	skip "baresip's opus.so and g722.so"

D=$CONFD_DOMAIN
ROOM=sip:wide@$D
USERS="alice bob carol"

"$BUILD/tools/tonegen" -r 48000 -d 60 -l 0.2 "$TMP/alice.wav" 440 6000 &&
"$BUILD/tools/tonegen" -r 16000 -d 60 -l 0.2 "$TMP/bob.wav" 1000 5000 &&
"$BUILD/tools/tonegen" -r 8000 -d 60 -l 0.25 "$TMP/carol.wav" 1700 ||
	{ fail "tone files"; lib_done; }

confd_setup
{
	confctl conf add "$ROOM" --srtp required --subject "wideband" &&
	for u in $USERS; do
		confctl part add "$ROOM" "sip:$u@$D" &&
		# a closed conference admits only authenticated callers
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" \
			"sip:$u@$D" || exit 1
	done
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

capture_start sip "port $CONFD_SIP_PORT" ||
	{ fail "packet capture on lo"; lib_done; }

# codecs_of USER: the modules to load, in baresip's default order, and
# the account's codec list ("" for baresip's default: all loaded)
mods_of() {
	case $1 in
	alice) echo "opus.so g722.so g711.so" ;;
	bob)   echo "g722.so g711.so" ;;
	carol) echo "g711.so" ;;
	esac
}
codecs_of() {
	case $1 in
	alice) echo "" ;;
	bob)   echo "G722" ;;
	carol) echo "PCMU" ;;
	esac
}

pids=""
delay=0
for u in $USERS; do
	baresip_setup "$TMP/$u" "$u" "$TMP/$u.wav" \
		";mediaenc=srtp-mand;auth_pass=pw-$u"
	# lib.sh writes a PCMU-only client: load this one's codecs instead
	m=""
	for mod in $(mods_of "$u"); do
		m="${m}module\t\t\t$mod\n"
	done
	sed -i "/^module\t*g711.so/d" "$TMP/$u/config"
	printf "$m" >>"$TMP/$u/config"
	# Opus is opus/48000/2 on the wire: the mono 48 kHz tone file and
	# recording go through baresip's own converter
	[ "$u" = alice ] && printf "ausrc_srate\t\t48000\nausrc_channels\t\t1\nauplay_srate\t\t48000\nauplay_channels\t\t1\n" >>"$TMP/$u/config"
	c=$(codecs_of "$u")
	if [ -n "$c" ]; then
		sed -i "s/audio_codecs=PCMU/audio_codecs=$c/" "$TMP/$u/accounts"
	else
		sed -i "s/audio_codecs=PCMU;//" "$TMP/$u/accounts"
	fi
	baresip_start "$u" "$TMP/$u" $((16 - delay)) "/dial $ROOM"
	pids="$pids $BG_PID"
	sleep 1
	delay=$((delay + 1))
done
for p in $pids; do
	wait "$p"
done
capture_stop

for u in $USERS; do
	if grep -q "Call established" "$TMP/$u.log"; then
		pass "$u joined"
	else
		fail "$u joined"
		grep -a -E "call:|Call |err|fail" "$TMP/$u.log" | tail -n 15 |
			sed 's/^/    | /'
	fi
done

# -- the codec of each answer --------------------------------------------
sip_dump "$CAP_FILE" "$CONFD_SIP_PORT" >"$TMP/sip.txt"
# "callid kind codec" from the first a=rtpmap of each offer and answer
awk -F '\t' '
	$5 == "INVITE" && ($6 == "" || $6 == "200") {
		kind = $6 == "" ? "offer" : "answer"
		n = split($7, a, "~")
		for (i = 1; i <= n; i++) {
			if (a[i] !~ /^rtpmap:/) continue
			split(a[i], f, " ")
			print $4, kind, f[2]
			break
		}
	}' "$TMP/sip.txt" | sort -u >"$TMP/codecs.txt"
for c in opus/48000/2 G722/8000 PCMU/8000; do
	if awk -v c="$c" '$2 == "answer" && $3 == c' "$TMP/codecs.txt" |
	   grep -q .; then
		pass "an answer with $c"
	else
		fail "an answer with $c"
		sed 's/^/    | /' "$TMP/codecs.txt"
	fi
done

# -- what each heard ------------------------------------------------------
hear() {
	u=$1
	shift
	rec=$(baresip_recording "$TMP/$u")
	if [ -z "$rec" ]; then
		fail "$u: $*" "no recording in $TMP/$u/rec"
		return
	fi
	check "$u hears $*" "$BUILD/tools/tonecheck" -s 2 -t 4 "$@" "$rec"
}
hear alice -p 1000 -p 5000 -p 1700 -a 440 -a 6000
hear bob   -p 440 -p 6000 -p 1700 -a 1000 -a 5000
hear carol -p 440 -p 1000 -a 1700 -a 2000 -a 3000

if confd_alive; then
	pass "confd alive after the calls"
else
	fail "confd alive after the calls"
	show_log "$CONFD_LOG"
fi
confd_stop 10 || { fail "confd exits 0 on SIGTERM" "status $?"; show_log "$CONFD_LOG"; }

if [ "$LIB_FAILS" != 0 ]; then
	show_log "$CONFD_LOG" 60
fi
lib_done
