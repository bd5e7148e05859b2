#!/bin/sh
# A second real client (issue 17): Debian's linphonec (linphone-cli) beside
# two baresip clients in one closed, SRTP-required conference.
#  1. linphonec (IPv4) and baresip alice and bob join with SIP digest
#     credentials (confctl part passwd) and SDES-SRTP; each plays its own
#     tone and records what it hears: every recording must hold the other
#     two tones and not its own.
#  2. two linphonec clients offer over IPv6 (SIP and media on ::1) to a
#     confd that listens on [::1] (media_addr6 follows): each gets an
#     answer in c=IN IP6 ::1, and they hear each other.
#  3. linphonec's IPv6 offer to a confd on 127.0.0.1 without media_addr6
#     gets 488 with Warning 301, and confd logs a refusal, no join.
#
# linphonec always writes the address of its default route into its SDP
# (c=IN IP4 <the host's address>); media would leave loopback.  So the
# whole test (confd, baresip and linphonec) runs in a fresh network
# namespace whose only interface is lo: there linphonec's only addresses
# are 127.0.0.1 and ::1, and no packet can leave.  As root `unshare -n`;
# otherwise `unshare -rn` (a user namespace) where the kernel allows it.
#
# Headless linphonec (5.1) needs, besides its linphonerc (lp_setup):
#  - `soundcard use files`, `play WAV`, `record WAV` on its stdin;
#  - `ports sip N` after start: with no default route liblinphone holds
#    the network for unreachable ("Local loopback network only !") and
#    opens no SIP port, and then fails every call with "No listening
#    point matching"; changing the port opens it (so sip_port=0 in the
#    file and the real port by command);
#  - a proxy entry with a loose route to confd and reg_sendregister=0, so
#    that sip:room@conf.test goes to confd without DNS or REGISTER.
if [ -z "$LINPHONEC_NETNS" ]; then
	if [ "$(id -u)" = 0 ]; then
		_ns="unshare -n"
	else
		_ns="unshare -rn"
	fi
	if ! $_ns sh -c 'ip link set lo up' 2>/dev/null; then
		echo "FAIL linphonec: prerequisites ($_ns failed: the test needs a network namespace with only lo, because linphonec puts its default-route address in its SDP)"
		exit 1
	fi
	LINPHONEC_NETNS=1 exec $_ns sh -c \
		'ip link set lo up && exec sh "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"
lib_init linphonec
need linphonec baresip ss timeout ip
need_build confd confctl tools/tonegen tools/tonecheck

if [ "$(ip -o link show | awk -F': ' '{print $2}')" != lo ]; then
	fail "prerequisites" "network namespace has more than lo"
	lib_done
fi

ROOM=sip:mix@$CONFD_DOMAIN
# multiples of 10 Hz (whole periods in tonecheck's 100 ms blocks), far
# from each other's harmonics
tone_of() {
	case $1 in
	lin) echo 440 ;; alice) echo 1000 ;; bob) echo 1700 ;;
	lin6a) echo 600 ;; lin6b) echo 1300 ;;
	esac
}
for u in lin alice bob lin6a lin6b; do
	"$BUILD/tools/tonegen" -d 60 -l 0.25 "$TMP/$u.wav" "$(tone_of "$u")" ||
		{ fail "tone files"; lib_done; }
done

# lp_setup DIR USER PASSWORD: a linphonerc for a headless linphonec: AOR
# sip:USER@$CONFD_DOMAIN, SIP over UDP on LP_PORT (opened by lp_start),
# RTP on LP_RTP, SDES-SRTP mandatory, PCMU only, digest credentials for
# USER; every request goes to confd at LP_CONFD (IP:PORT or [IPv6]:PORT);
# IPv6 media when LP_IPV6=1.
lp_setup() {
	local _dir
	_dir=$1
	mkdir -p "$_dir"
	LP_PORT=$(free_port)
	LP_RTP=$(free_port)
	echo "$LP_PORT" >"$_dir/port"
	cat >"$_dir/linphonerc" <<EOT
[sip]
sip_port=0
sip_tcp_port=0
sip_tls_port=0
contact="$2" <sip:$2@$CONFD_DOMAIN>
media_encryption=srtp
media_encryption_mandatory=1
use_ipv6=${LP_IPV6:-0}
[rtp]
audio_rtp_port=$LP_RTP
[sound]
echocancellation=0
[video]
capture=0
display=0
[audio_codec_0]
mime=PCMU
rate=8000
enabled=1
[proxy_0]
reg_proxy=<sip:$LP_CONFD;transport=udp>
reg_route=<sip:$LP_CONFD;transport=udp;lr>
reg_identity="$2" <sip:$2@$CONFD_DOMAIN>
reg_sendregister=0
publish=0
[auth_info_0]
username=$2
passwd=$3
EOT
}

# lp_start NAME DIR SECONDS WAV URI: linphonec plays WAV as its microphone,
# records what it hears into DIR/rec.wav, calls URI and hangs up after
# SECONDS.  Log in $TMP/NAME.log.  Sets BG_PID.
lp_start() {
	local _n _dir _s _wav _uri
	_n=$1 _dir=$2 _s=$3 _wav=$4 _uri=$5
	{
		# Without a default route liblinphone holds the network for
		# unreachable ("Local loopback network only !") and opens no
		# SIP port at start; changing the port opens it.
		echo "ports sip $(cat "$_dir/port")"
		echo "soundcard use files"
		echo "play $_wav"
		echo "record $_dir/rec.wav"
		sleep 1
		echo "call $_uri"
		sleep "$_s"
		echo "terminate"
		sleep 2
		echo "quit"
	} | HOME=$_dir timeout -k 5 $((_s + 20)) linphonec -d 4 -c "$_dir/linphonerc" \
		>"$TMP/$_n.log" 2>&1 &
	BG_PID=$!
	LIB_PIDS="$LIB_PIDS $BG_PID"
}


# hears NAME REC USERS...: REC holds the tones of USERS other than NAME,
# not NAME's own
hears() {
	local _n _rec _o _args _others
	_n=$1 _rec=$2
	shift 2
	_args="" _others=""
	for _o in "$@"; do
		if [ "$_o" = "$_n" ]; then
			_args="$_args -a $(tone_of "$_o")"
		else
			_args="$_args -p $(tone_of "$_o")"
			_others="$_others$_o "
		fi
	done
	if [ ! -s "$_rec" ]; then
		fail "$_n hears ${_others}and not itself" "no recording $_rec"
		return
	fi
	# skip the first 2 s (joins, jitter buffers fill); want 4 s of sound
	# shellcheck disable=SC2086
	check "$_n hears ${_others}and not itself" \
		"$BUILD/tools/tonecheck" -s 2 -t 4 $_args "$_rec"
}

# lp_joined NAME: linphonec's log says the call was connected with SRTP
lp_joined() {
	if grep -q "Call 1 with .* connected" "$TMP/$1.log" &&
	   grep -q "Negotiated media encryption is LinphoneMediaEncryptionSRTP" \
		"$TMP/$1.log"; then
		pass "$2"
	else
		fail "$2"
		grep -a -E "^Call |SIP/2.0 [0-9]|encryption|error" "$TMP/$1.log" |
			tail -n 15 | sed 's/^/    | /'
	fi
}

# lp_answer_c NAME: the c= lines of the 200 OKs linphonec received
# (confd's answers); belle-sip logs each message whole, and the next log
# line starts with a date
lp_answer_c() {
	awk '/^SIP\/2.0 200/ {a = 1; next}
		a && /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-/ {a = 0}
		a && /^c=/ {sub(/\r$/, ""); print}' "$TMP/$1.log"
}

# lp_offer_c NAME: the c= lines of the INVITEs linphonec sent
lp_offer_c() {
	awk '/^INVITE sip:/ {a = 1; next}
		a && /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-/ {a = 0}
		a && /^c=/ {sub(/\r$/, ""); print}' "$TMP/$1.log"
}

# -- 1: linphonec and two baresip clients, IPv4 ------------------------------
D=$CONFD_DOMAIN
confd_setup
{
	confctl conf add "$ROOM" --srtp required --subject "three tones" &&
	for u in lin alice bob; do
		confctl part add "$ROOM" "sip:$u@$D" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" "sip:$u@$D" ||
			exit 1
	done
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# staggered joins, all hang up at about the same moment: together ~10 s
LP_CONFD=127.0.0.1:$CONFD_SIP_PORT
lp_setup "$TMP/lin" lin pw-lin
lp_start lin "$TMP/lin" 16 "$TMP/lin.wav" "$ROOM"
pids=$BG_PID
sleep 1
delay=1
for u in alice bob; do
	baresip_setup "$TMP/$u" "$u" "$TMP/$u.wav" \
		";mediaenc=srtp-mand;auth_pass=pw-$u"
	baresip_start "$u" "$TMP/$u" $((16 - delay)) "/dial $ROOM"
	pids="$pids $BG_PID"
	sleep 1
	delay=$((delay + 1))
done
for p in $pids; do
	wait "$p"
done

lp_joined lin "linphonec joined with SDES-SRTP"
check "linphonec answered confd's digest challenge" \
	grep -q "sip:lin@$D authenticated" "$CONFD_LOG"
if [ "$(lp_offer_c lin | sort -u)" = "c=IN IP4 127.0.0.1" ] &&
   [ "$(lp_answer_c lin | sort -u)" = "c=IN IP4 127.0.0.1" ]; then
	pass "linphonec offered and got c=IN IP4 127.0.0.1"
else
	fail "linphonec offered and got c=IN IP4 127.0.0.1" \
		"offer: $(lp_offer_c lin | sort -u | tr '\n' ' ')answer: $(lp_answer_c lin | sort -u | tr '\n' ' ')"
fi
for u in alice bob; do
	if grep -q "Call established" "$TMP/$u.log" &&
	   grep -q "SRTP is Enabled" "$TMP/$u.log"; then
		pass "$u joined with SRTP"
	else
		fail "$u joined with SRTP"
		grep -a -E "call:|Call |srtp|SRTP|err|fail" "$TMP/$u.log" |
			tail -n 15 | sed 's/^/    | /'
	fi
done
hears lin "$TMP/lin/rec.wav" lin alice bob
for u in alice bob; do
	hears "$u" "$(baresip_recording "$TMP/$u")" lin alice bob
done
if confd_alive; then
	pass "confd alive after the calls"
else
	fail "confd alive after the calls"
fi
confd_stop 10 || { fail "confd exits 0 on SIGTERM" "status $?"; show_log "$CONFD_LOG"; }
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 40

# -- 2: two linphonec clients over IPv6 ----------------------------------------
# confd listens for SIP on [::1] (media_addr6 follows); both clients offer
# c=IN IP6 ::1 and must get an IPv6 answer and hear each other.
mv "$CONFD_LOG" "$TMP/confd-v4.log"
# An IPv6 default route on lo: liblinphone picks its IPv6 media address
# by connecting a UDP socket towards a public address; with no route that
# fails and it offers IPv4 instead.  With this route the kernel answers
# ::1, and no packet can leave the namespace, which has only lo.  (In
# part 1 the route must not exist: with it linphonec offers IPv6 media
# even with use_ipv6=0, and confd without media_addr6 answers 488.)
ip -6 route add default dev lo ||
	{ fail "IPv6 default route on lo in the namespace"; lib_done; }
sed -i -e "s/^sip_listen.*/sip_listen		[::1]:$CONFD_SIP_PORT/" \
	-e "s/^sip_tls_listen.*/sip_tls_listen		[::1]:$CONFD_TLS_PORT/" \
	-e "/^media_addr/d" "$CONFD_CONF"
ROOM6=sip:six@$D
{
	confctl conf add "$ROOM6" --srtp required &&
	for u in lin6a lin6b; do
		confctl part add "$ROOM6" "sip:$u@$D" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM6" "sip:$u@$D" ||
			exit 1
	done
} >"$TMP/confctl6.log" 2>&1 ||
	{ fail "store set-up with confctl (IPv6)"; show_log "$TMP/confctl6.log"; lib_done; }
bg_start confd6 "$BUILD/confd" -f "$CONFD_CONF"
CONFD_PID=$BG_PID
listening6() {
	ss -Hlun | awk '{print $4}' | grep -qx "\[::1\]:$CONFD_SIP_PORT"
}
if ! wait_for 15 listening6; then
	fail "confd listens on [::1]"
	show_log "$CONFD_LOG"
	lib_done
fi
LP_CONFD="[::1]:$CONFD_SIP_PORT"
LP_IPV6=1
pids=""
for u in lin6a lin6b; do
	lp_setup "$TMP/$u" "$u" "pw-$u"
	lp_start "$u" "$TMP/$u" 12 "$TMP/$u.wav" "$ROOM6"
	pids="$pids $BG_PID"
	sleep 1
done
for p in $pids; do
	wait "$p"
done
for u in lin6a lin6b; do
	lp_joined "$u" "$u joined over IPv6 with SDES-SRTP"
	check "$u offered c=IN IP6 ::1" \
		test "$(lp_offer_c "$u" | sort -u)" = "c=IN IP6 ::1"
	check "$u got an IPv6 answer (c=IN IP6 ::1)" \
		test "$(lp_answer_c "$u" | sort -u)" = "c=IN IP6 ::1"
done
hears lin6a "$TMP/lin6a/rec.wav" lin6a lin6b
hears lin6b "$TMP/lin6b/rec.wav" lin6a lin6b
confd_stop 10 || { fail "confd (IPv6) exits 0 on SIGTERM" "status $?"; }
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 40

# -- 3: an IPv6 offer to a confd without IPv6 media ----------------------------
# confd on 127.0.0.1 and no media_addr6: linphonec's offer (SIP over IPv4,
# c=IN IP6 ::1) is refused 488 with a Warning, never a silent IPv4 answer.
mv "$CONFD_LOG" "$TMP/confd-v6.log"
sed -i -e "s/^sip_listen.*/sip_listen		127.0.0.1:$CONFD_SIP_PORT/" \
	-e "s/^sip_tls_listen.*/sip_tls_listen		127.0.0.1:$CONFD_TLS_PORT/" \
	"$CONFD_CONF"
confd_start
LP_CONFD=127.0.0.1:$CONFD_SIP_PORT
LP_IPV6=1
lp_setup "$TMP/lin6c" lin6a pw-lin6a
lp_start lin6c "$TMP/lin6c" 4 "$TMP/lin6a.wav" "$ROOM6"
wait "$BG_PID"
check "IPv6 offer over IPv4 SIP: linphonec offered c=IN IP6 ::1" \
	test "$(lp_offer_c lin6c | sort -u)" = "c=IN IP6 ::1"
check "IPv6 offer without media_addr6: 488 with Warning 301" \
	sh -c "grep -a -q '^SIP/2.0 488' '$TMP/lin6c.log' &&
		grep -a -q '^Warning: 301 ' '$TMP/lin6c.log'"
check "confd logs the refusal, not a join" \
	sh -c "grep -q 'sip:lin6a@$D refused from $ROOM6: 488' '$CONFD_LOG' &&
		! grep -q 'sip:lin6a@$D joined' '$CONFD_LOG'"
confd_stop 10 || { fail "confd (no IPv6 media) exits 0 on SIGTERM" "status $?"; }
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 40
lib_done
