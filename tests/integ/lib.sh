# tests/integ/lib.sh — shared helpers for the real-peer integration tests.
#
# Source it from a test script (POSIX sh plus `local`, as dash and bash
# have it; tests/run.sh runs the scripts with sh):
#
#	. "$(dirname "$0")/lib.sh"
#	lib_init baresip_mix            # temp dir, traps
#	need baresip tshark             # FAIL (never skip) when missing
#	need_build confd confctl        # files under $BUILD
#	confd_setup                     # free loopback ports, confd.conf
#	confctl conf add "sip:room@$CONFD_DOMAIN" --srtp required
#	confd_start                     # starts it, waits until it listens
#	...
#	check "name" cmd args...        # PASS/FAIL from the exit code
#	lib_done                        # exit status: 0 when nothing failed
#
# Everything started with bg_start (confd, peers, captures) is killed by
# the EXIT trap, even when the script fails or is killed.  The temp dir is
# removed when every check passed and kept (path printed) otherwise, or
# always with KEEP=1.
#
# Variables set for the test script:
#	TOP BUILD TMP TEST
#	CONFD_DOMAIN CONFD_SIP_PORT CONFD_TLS_PORT CONFD_DB CONFD_CONF
#	CONFD_LOG CONFD_PID CONFD_RTP_MIN CONFD_RTP_MAX
#
# Environment: BUILD (absolute build dir; default TOP/build), KEEP=1,
# CONFD_WRAP (a command prefix for confd, e.g. "valgrind -q").

TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=$TOP/build}"
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac

LIB_FAILS=0
LIB_PASSES=0
LIB_PIDS=""
LIB_DONE=0
CONFD_DOMAIN=conf.test
CONFD_PID=""

# ---- reporting -----------------------------------------------------------

pass() {
	LIB_PASSES=$((LIB_PASSES + 1))
	echo "PASS $TEST: $1"
}

# fail NAME [REASON...]
fail() {
	local _n
	_n=$1; shift
	LIB_FAILS=$((LIB_FAILS + 1))
	echo "FAIL $TEST: $_n${1:+ ($*)}"
}

# check NAME CMD [ARGS...]: PASS or FAIL from CMD's exit status.  CMD's
# output goes to the log, and is shown when it fails.
check() {
	local _n _o _rc
	_n=$1; shift
	_o=$TMP/check.$$.$LIB_PASSES.$LIB_FAILS.out
	if "$@" >"$_o" 2>&1; then
		pass "$_n"
	else
		_rc=$?
		sed 's/^/    | /' "$_o"
		fail "$_n" "exit $_rc"
	fi
	cat "$_o" >>"$TMP/checks.log"
	rm -f "$_o"
}

# note TEXT: a line of diagnostic output (never starts with PASS/FAIL)
note() {
	echo "    $*"
}

# show_log FILE [LINES]: the tail of a log, indented
show_log() {
	[ -f "$1" ] || return 0
	echo "    ---- tail of $(basename "$1") ----"
	tail -n "${2:-40}" "$1" | sed 's/^/    | /'
}

# ---- set-up and clean-up -------------------------------------------------

lib_cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	for _p in $LIB_PIDS; do
		kill -TERM "$_p" 2>/dev/null
	done
	_i=0
	while [ $_i -lt 20 ]; do
		_alive=""
		for _p in $LIB_PIDS; do
			kill -0 "$_p" 2>/dev/null && _alive="$_alive $_p"
		done
		[ -z "$_alive" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	for _p in $_alive; do
		kill -KILL "$_p" 2>/dev/null
	done
	if [ "$LIB_DONE" = 0 ] && [ "$_rc" != 0 ] && [ "$LIB_FAILS" = 0 ]; then
		# died before lib_done (set -e, killed, timeout...)
		echo "FAIL $TEST: aborted (exit $_rc)"
		LIB_FAILS=1
	fi
	if [ "$LIB_FAILS" != 0 ] || [ -n "$KEEP" ]; then
		echo "    logs kept in $TMP"
	elif [ -n "$TMP" ] && [ -d "$TMP" ]; then
		rm -rf "$TMP"
	fi
	[ "$LIB_FAILS" = 0 ] && exit "$_rc"
	exit 1
}

# lib_init NAME: temp dir, traps
lib_init() {
	TEST=$1
	TMP=$(mktemp -d "/tmp/confd-$TEST.XXXXXX") || exit 1
	trap lib_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	trap 'exit 129' HUP
	: >"$TMP/ports"
}

# lib_done: ends the script; exit 1 when any check failed
lib_done() {
	LIB_DONE=1
	[ "$LIB_FAILS" = 0 ] && exit 0
	exit 1
}

# need PROG...: every program must be installed; a missing one FAILs the
# whole script (a real-peer test never skips silently).
need() {
	local _miss _b
	_miss=""
	for _b in "$@"; do
		command -v "$_b" >/dev/null 2>&1 || _miss="$_miss $_b"
	done
	if [ -n "$_miss" ]; then
		fail "prerequisites" "missing:$_miss (run scripts/deps.sh test as root)"
		lib_done
	fi
}

# need_build FILE...: files under BUILD (e.g. confd confctl tools/tonecheck)
need_build() {
	local _miss _b
	_miss=""
	for _b in "$@"; do
		[ -x "$BUILD/$_b" ] || _miss="$_miss $BUILD/$_b"
	done
	if [ -n "$_miss" ]; then
		fail "build" "missing:$_miss (run make)"
		lib_done
	fi
}

# bg_start NAME CMD [ARGS...]: runs CMD in the background with its output
# in $TMP/NAME.log, killed on exit.  Sets BG_PID.
bg_start() {
	local _n
	_n=$1; shift
	"$@" </dev/null >"$TMP/$_n.log" 2>&1 &
	BG_PID=$!
	LIB_PIDS="$LIB_PIDS $BG_PID"
}

# bg_stop PID [SECONDS]: SIGTERM, wait, then SIGKILL.  Returns the exit
# status of the process when it is a child of this shell (else 0).
bg_stop() {
	local _i
	kill -TERM "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $((${2:-5} * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# wait_for SECONDS CMD [ARGS...]: polls CMD every 0.1 s until it succeeds
wait_for() {
	local _t
	_t=$(($1 * 10)); shift
	while [ "$_t" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}

# ---- ports ---------------------------------------------------------------

lib_rand() {
	od -An -N2 -tu2 /dev/urandom | tr -d ' \n'
}

# port_in_use PORT: any UDP or TCP socket bound to it
port_in_use() {
	ss -Hauntl 2>/dev/null | awk '{print $5}' | grep -q "[:.]$1\$"
}

# Ports are drawn below the kernel's ephemeral range: a port there that
# is free when we look can be taken by any outgoing connection before
# confd binds it.
LIB_PORT_LO=10000
LIB_PORT_HI=$(( $(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null ||
	echo 32768) - 1 ))
[ "$LIB_PORT_HI" -gt $((LIB_PORT_LO + 4000)) ] || LIB_PORT_HI=32767

# free_port: a random port below the ephemeral range, free for UDP and TCP, and not
# handed out before by this script
free_port() {
	local _p
	while :; do
		_p=$((LIB_PORT_LO + $(lib_rand) % (LIB_PORT_HI - LIB_PORT_LO)))
		grep -qx "$_p" "$TMP/ports" && continue
		port_in_use "$_p" && continue
		echo "$_p" >>"$TMP/ports"
		echo "$_p"
		return 0
	done
}

# free_range COUNT: prints "MIN-MAX", COUNT free ports (even MIN, for RTP)
free_range() {
	local _c _b _ok _used _q
	_c=$1
	while :; do
		_b=$((LIB_PORT_LO + ($(lib_rand) % ((LIB_PORT_HI - LIB_PORT_LO - _c) / 2)) * 2))
		_ok=1
		_used=$(ss -Hauntl 2>/dev/null | awk '{print $5}' |
			sed 's/.*[:.]//' | sort -u)
		_q=$_b
		while [ $_q -lt $((_b + _c)) ]; do
			if grep -qx "$_q" "$TMP/ports" ||
			   echo "$_used" | grep -qx "$_q"; then
				_ok=0
				break
			fi
			_q=$((_q + 1))
		done
		[ $_ok = 1 ] || continue
		_q=$_b
		while [ $_q -lt $((_b + _c)) ]; do
			echo "$_q" >>"$TMP/ports"
			_q=$((_q + 1))
		done
		echo "$_b-$((_b + _c - 1))"
		return 0
	done
}

# udp_bound PORT / tcp_bound PORT: someone listens there
udp_bound() {
	ss -Hlun 2>/dev/null | awk '{print $4}' | grep -q "[:.]$1\$"
}
tcp_bound() {
	ss -Hltn 2>/dev/null | awk '{print $4}' | grep -q "[:.]$1\$"
}

# ---- confd ---------------------------------------------------------------

# confctl ARGS...: the store of this test's confd
confctl() {
	"$BUILD/confctl" -d "$CONFD_DB" --create "$@"
}

# confd_setup: picks ports and paths and writes confd.conf.  Extra
# config lines may be given in CONFD_EXTRA (newline separated).  Called by
# confd_start when not done yet; call it first to use confctl before the
# daemon starts (conferences are read when confd starts or gets SIGHUP).
confd_setup() {
	[ -n "$CONFD_CONF" ] && return 0
	CONFD_SIP_PORT=$(free_port)
	CONFD_TLS_PORT=$(free_port)
	CONFD_HTTP_PORT=$(free_port)
	_r=$(free_range 200)
	CONFD_RTP_MIN=${_r%-*}
	CONFD_RTP_MAX=${_r#*-}
	mkdir -p "$TMP/confd"
	CONFD_DB=$TMP/confd/confd.db
	CONFD_CONF=$TMP/confd/confd.conf
	CONFD_LOG=$TMP/confd.log
	cat >"$CONFD_CONF" <<EOF
# written by tests/integ/lib.sh for $TEST
sip_listen		127.0.0.1:$CONFD_SIP_PORT
sip_tls_listen		127.0.0.1:$CONFD_TLS_PORT
domain			$CONFD_DOMAIN
store			$CONFD_DB
tls_cert		$TMP/confd/confd.pem
rtp_ports		$CONFD_RTP_MIN-$CONFD_RTP_MAX
media_addr		127.0.0.1
log_level		3
http_listen		127.0.0.1:$CONFD_HTTP_PORT
http_root		$TOP/confd/web/static
EOF
	[ -n "$CONFD_EXTRA" ] && printf '%s\n' "$CONFD_EXTRA" >>"$CONFD_CONF"
	return 0
}

# confd_trust_loopback: after confd_setup, believe P-Asserted-Identity
# from any 127.0.0.1 port (RFC 3325 trusted peers).  For tests whose SIPp
# scenarios assert their caller that way because identity is not what
# they test: From alone gets 401/403 from a closed conference (auth.sh).
# Callers that send no PAI (confd-ua, baresip) stay unauthenticated.
confd_trust_loopback() {
	echo "trusted_peers		127.0.0.1" >>"$CONFD_CONF"
}

# confd_start: starts confd and waits until it listens on UDP and TCP.
# FAILs "confd start" and ends the script when it does not come up.
confd_start() {
	confd_setup
	# shellcheck disable=SC2086
	bg_start confd $CONFD_WRAP "$BUILD/confd" -f "$CONFD_CONF"
	CONFD_PID=$BG_PID
	if ! wait_for 15 confd_listening; then
		if kill -0 "$CONFD_PID" 2>/dev/null; then
			fail "confd start" "not listening on 127.0.0.1:$CONFD_SIP_PORT after 15 s"
		else
			wait "$CONFD_PID"
			fail "confd start" "exited with status $?"
		fi
		show_log "$CONFD_LOG"
		lib_done
	fi
}

confd_listening() {
	kill -0 "$CONFD_PID" 2>/dev/null &&
		udp_bound "$CONFD_SIP_PORT" && tcp_bound "$CONFD_SIP_PORT"
}

# confd_alive: still running
confd_alive() {
	[ -n "$CONFD_PID" ] && kill -0 "$CONFD_PID" 2>/dev/null
}

# confd_reload: SIGHUP, then a moment for the store to be read again
confd_reload() {
	kill -HUP "$CONFD_PID" && sleep 0.5
}

# confd_stop [SECONDS]: SIGTERM and wait; returns confd's exit status
# (124 when it had to be killed).
confd_stop() {
	local _i _rc
	[ -n "$CONFD_PID" ] || return 0
	kill -TERM "$CONFD_PID" 2>/dev/null
	_i=0
	while kill -0 "$CONFD_PID" 2>/dev/null && [ $_i -lt $((${1:-10} * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$CONFD_PID" 2>/dev/null; then
		kill -KILL "$CONFD_PID"
		wait "$CONFD_PID" 2>/dev/null
		CONFD_PID=""
		return 124
	fi
	wait "$CONFD_PID"
	_rc=$?
	CONFD_PID=""
	return $_rc
}

# ---- packet capture ------------------------------------------------------

# capture_start NAME FILTER: dumpcap on lo into $TMP/NAME.pcapng with a
# capture filter, waits until it is capturing.  Sets CAP_PID, CAP_FILE.
capture_start() {
	CAP_FILE=$TMP/$1.pcapng
	bg_start "cap-$1" dumpcap -q -i lo -f "$2" -w "$CAP_FILE"
	CAP_PID=$BG_PID
	if ! wait_for 10 grep -q "^File:\|Capturing" "$TMP/cap-$1.log"; then
		show_log "$TMP/cap-$1.log"
		return 1
	fi
	# dumpcap says "Capturing" just before the first poll; be safe
	sleep 0.3
	return 0
}

# capture_stop: flushes and stops the capture started last
capture_stop() {
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null
	bg_stop "$CAP_PID" 5
}

# sip_dump PCAP [PORTS...]: one line per SIP message:
# frame<TAB>src ip<TAB>dst ip<TAB>call-id<TAB>cseq-method<TAB>status
# <TAB>sdp attributes joined with '~'.  PORTS are decoded as SIP (UDP and
# TCP) in addition to 5060.
sip_dump() {
	local _f _d _p
	_f=$1; shift
	_d=""
	for _p in "$@"; do
		_d="$_d -d udp.port==$_p,sip -d tcp.port==$_p,sip"
	done
	# shellcheck disable=SC2086
	tshark -r "$_f" $_d -Y sip -T fields -E occurrence=a -E aggregator='~' \
		-e frame.number -e ip.src -e ip.dst -e sip.Call-ID \
		-e sip.CSeq.method -e sip.Status-Code -e sdp.media_attr \
		2>/dev/null
}

# ---- baresip -------------------------------------------------------------

# baresip_setup DIR USER WAV [ACCOUNT-PARAMS]: a baresip config dir for a
# headless client, written by scripts/baresip-client.sh (the README's
# recipe): AOR sip:USER@$CONFD_DOMAIN, confd as outbound proxy, PCMU only,
# plays WAV (8 kHz mono 16-bit) as microphone, records what it hears in
# DIR/rec (sndfile module: dump-*-dec.wav; what it sent: dump-*-enc.wav).
# ACCOUNT-PARAMS default to ";mediaenc=srtp-mand".  Sets BS_PORT (its SIP
# port).
baresip_setup() {
	local _dir _user _wav _acc _rtp
	_dir=$1 _user=$2 _wav=$3 _acc=${4-;mediaenc=srtp-mand}
	BS_PORT=$(free_port)
	_rtp=$(free_range 20)
	"$TOP/scripts/baresip-client.sh" "$_dir" "$_user" \
		--confd "127.0.0.1:$CONFD_SIP_PORT" --domain "$CONFD_DOMAIN" \
		--port "$BS_PORT" --rtp "$_rtp" --wav "$_wav" --srtp off \
		--params "$_acc" >/dev/null
}

# baresip_start NAME DIR SECONDS [COMMAND...]: runs baresip headless for
# SECONDS, executing each COMMAND (e.g. "/dial sip:room@conf.test").
# Log in $TMP/NAME.log.  Sets BG_PID.
baresip_start() {
	local _n _dir _s _k
	_n=$1 _dir=$2 _s=$3
	shift 3
	_k=$#
	while [ "$_k" -gt 0 ]; do
		set -- "$@" -e "$1"
		shift
		_k=$((_k - 1))
	done
	bg_start "$_n" timeout -k 5 $((_s + 20)) baresip -4 -f "$_dir" \
		-t "$_s" "$@"
}

# baresip_recording DIR: the file holding what that client heard
baresip_recording() {
	ls -t "$1"/rec/dump-*-dec.wav 2>/dev/null | head -n 1
}

# ---- SIPp ----------------------------------------------------------------

# sipp_run NAME SCENARIO [SIPP-ARGS...]: one SIPp call to confd (UDP unless
# the args say -t t1).  Keywords always defined: [domain] (the conference
# domain), [caller] (default alice), [from_domain] (default the conference
# domain); -key NAME VALUE in the args overrides them.  A <pause/> lasts
# 1000 ms unless the args say -d MS.  Messages and errors go to $TMP/sipp-NAME/.  Returns sipp's exit
# status: 0 when the call went as the scenario says.
sipp_run() {
	local _n _sc _sd _lp _mp _a _prev _def
	_n=$1 _sc=$2
	shift 2
	_sd=$(sipp_dir "$_n")
	mkdir -p "$_sd"
	_lp=$(free_port)
	_mp=$(free_port)
	_def=" caller from_domain -d "
	_prev=""
	for _a in "$@"; do
		[ "$_prev" = "-key" ] && _def=$(echo "$_def" | sed "s/ $_a / /")
		[ "$_a" = "-d" ] && _def=$(echo "$_def" | sed "s/ -d / /")
		_prev=$_a
	done
	case $_def in *" caller "*) set -- "$@" -key caller alice ;; esac
	case $_def in *" from_domain "*)
		set -- "$@" -key from_domain "$CONFD_DOMAIN" ;; esac
	case $_def in *" -d "*) set -- "$@" -d 1000 ;; esac
	(
		cd "$_sd" || exit 255
		timeout -k 5 60 sipp "127.0.0.1:$CONFD_SIP_PORT" \
			-sf "$_sc" -i 127.0.0.1 -p "$_lp" -mi 127.0.0.1 \
			-mp "$_mp" -m 1 -l 1 -timeout 30 -timeout_error \
			-recv_timeout 10000 -max_retrans 3 \
			-key domain "$CONFD_DOMAIN" \
			-trace_err -trace_msg -message_file messages.log \
			-error_file errors.log -trace_screen \
			-screen_file screen.log "$@" \
			</dev/null >sipp.out 2>&1
	)
}

# sipp_dir NAME: where sipp_run NAME keeps its logs (messages.log...)
sipp_dir() {
	printf '%s/sipp-%s' "$TMP" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9_.+-' '_')"
}

# sipp_show NAME: what SIPp saw, for a failed check
sipp_show() {
	local _sd
	_sd=$(sipp_dir "$1")
	show_log "$_sd/errors.log" 30
	show_log "$_sd/messages.log" 80
	show_log "$_sd/sipp.out" 10
}

# ---- kmsd (MIKEY-TICKET) --------------------------------------------------

# kmsd_start NAME=UID...: starts kmsd on a free loopback port with these
# users and the focus, each with a fresh PSK: PSK_NAME for each user,
# PSK_F for the focus (FOCUS_UID).  Sets KPORT, KFP (the certificate's
# SHA-256) and KMSD_PID.  FAILs and ends the script when it won't start.
kmsd_start() {
	local _u _n
	KPORT=$(free_port)
	: "${FOCUS_UID:=sip:focus@$CONFD_DOMAIN}"
	PSK_F=$(openssl rand -hex 32)
	: >"$TMP/users"
	for _u in "$@"; do
		_n=${_u%%=*}
		eval "PSK_$_n=\$(openssl rand -hex 32)"
		eval "echo \"${_u#*=} \$PSK_$_n\"" >>"$TMP/users"
	done
	echo "$FOCUS_UID $PSK_F" >>"$TMP/users"
	cat >"$TMP/kmsd.conf" <<EOT
listen 127.0.0.1:$KPORT
cert $TMP/kmsd.pem
kms_id kms.example.org
master_key $(openssl rand -hex 32)
users $TMP/users
ticket_lifetime 3600
EOT
	bg_start kmsd "$BUILD/kmsd" -f "$TMP/kmsd.conf"
	KMSD_PID=$BG_PID
	if ! wait_for 10 grep -q listening "$TMP/kmsd.log"; then
		fail "kmsd start"
		show_log "$TMP/kmsd.log"
		lib_done
	fi
	KFP=$(openssl x509 -in "$TMP/kmsd.pem" -noout -fingerprint -sha256 |
		sed 's/.*=//')
}

# confd_kms_conf: the kms_* keys for the kmsd above, into confd.conf
# (after confd_setup)
confd_kms_conf() {
	cat >>"$CONFD_CONF" <<EOT
kms_url https://127.0.0.1:$KPORT/mikey
kms_uid $FOCUS_UID
kms_psk $PSK_F
kms_fingerprint $KFP
kms_timeout 1500
EOT
}
