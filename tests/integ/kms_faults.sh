#!/bin/sh
# The KMS misbehaves while 50 MIKEY-TICKET joins arrive at once: slow
# (2 s), down, answering garbage, answering HTTP 500.  Every join ends
# with 200 or 503 and none hangs; SDES joins at the same time are not
# slowed (their setup time stays far below the KMS's 2 s).
#
# The callers (confd-ua) get their tickets from kmsd itself; confd
# resolves them through tests/tools/kms_proxy.py, which holds kmsd's own
# certificate (the kms_fingerprint pin still holds) and delays, garbles
# or drops each request.
. "$(dirname "$0")/lib.sh"
lib_init kms_faults
need python3 openssl
need_build confd confctl confd-ua kmsd

UA=$BUILD/confd-ua
N=${KMS_FAULT_CALLS:-50}
kmsd_start A=sip:alice@example.org
REAL_KPORT=$KPORT
PPORT=$(free_port)
confd_setup
KPORT=$PPORT confd_kms_conf
# a KMS answer after 2 s is still in time (kms_timeout 3 s): the slow
# KMS must delay joins, not fail them
sed -i 's/^kms_timeout .*/kms_timeout 3000/' "$CONFD_CONF"
ROOM=sip:room@$CONFD_DOMAIN
TO="sip:room@127.0.0.1:$CONFD_SIP_PORT"
confctl conf add "$ROOM" --open --srtp required >/dev/null
confctl conf add "sip:sdes@$CONFD_DOMAIN" --open --srtp required >/dev/null
confd_start

proxy() { # MODE: (re)starts the proxy on PPORT
	[ -n "$PROXY_PID" ] && bg_stop "$PROXY_PID" 2
	PROXY_PID=""
	[ "$1" = down ] && return 0
	bg_start "proxy-$1" python3 "$TOP/tests/tools/kms_proxy.py" "$1" \
		"$PPORT" "$TMP/kmsd.pem" "$REAL_KPORT"
	PROXY_PID=$BG_PID
	wait_for 10 grep -q listening "$TMP/proxy-$1.log" ||
		fail "proxy $1 started"
}

# The SDES callers come from 127.0.0.2: admission.c bounds pending
# INVITEs per source (32 by default), and 50 MIKEY joins waiting on the
# KMS from 127.0.0.1 are rightly held to that; other callers are not.
# storm NAME: N MIKEY joins at once, each bounded by 25 s (a join that
# hangs shows as 124); meanwhile 10 SDES joins, their setup measured.
# Leaves the status codes in $TMP/NAME.codes.
storm() {
	local i
	mkdir -p "$TMP/$1"
	i=1
	while [ $i -le "$N" ]; do
		timeout -k 2 25 "$UA" call --to "$TO" \
			--from "sip:alice$i@example.org" --srtp --duration 1 \
			--rtp-ports "$((22000 + i * 20))-$((22000 + i * 20 + 19))" \
			--mikey "sip:alice@example.org:$PSK_A:kms.example.org:127.0.0.1:$REAL_KPORT:$FOCUS_UID" \
			>"$TMP/$1/m$i.out" 2>"$TMP/$1/m$i.err" &
		echo $! >>"$TMP/$1/pids"
		i=$((i + 1))
	done
	sleep 0.3
	"$UA" load --to "sip:sdes@127.0.0.1:$CONFD_SIP_PORT" --count 10 --per-conf 10 \
		--rate 10 --settle 0 --duration 1 --quiet \
		--from "sip:sdes%d@example.org" --rtp-ports 24000-24999 \
		--local 127.0.0.2 >"$TMP/$1/sdes.out" 2>"$TMP/$1/sdes.err"
	for p in $(cat "$TMP/$1/pids"); do
		wait "$p"
		echo "$?" >>"$TMP/$1/rcs"
	done
	for i in $(seq 1 "$N"); do
		s=$(sed -n 's/^status=//p' "$TMP/$1/m$i.out")
		echo "${s:-none}"
	done >"$TMP/$1.codes"
}

# judge NAME WANT: every code in WANT (a grep -E pattern), none hung,
# SDES setups fast
judge() {
	local hung bad codes sdes_max sdes_est
	hung=$(grep -c '^124$' "$TMP/$1/rcs")
	codes=$(sort "$TMP/$1.codes" | uniq -c | tr -s ' ' | tr '\n' ',')
	bad=$(grep -cvE "^($2)\$" "$TMP/$1.codes")
	check "KMS $1: no join hangs ($hung of $N hung)" test "$hung" = 0
	check "KMS $1: every join ends $2 (got $codes)" test "$bad" = 0
	sdes_est=$(sed -n 's/^calls_established=//p' "$TMP/$1/sdes.out")
	sdes_max=$(sed -n 's/^setup_ms_max=//p' "$TMP/$1/sdes.out")
	note "KMS $1: SDES setup avg $(sed -n 's/^setup_ms_avg=//p' "$TMP/$1/sdes.out") ms, max $sdes_max ms"
	check "KMS $1: 10 SDES joins meanwhile, all in" test "${sdes_est:-0}" = 10
	# 2 s is what waiting on the KMS would cost: far below it
	check "KMS $1: SDES setup not slowed (max ${sdes_max} ms < 500)" \
		awk -v m="${sdes_max:-99999}" 'BEGIN { exit !(m < 500) }'
}

proxy delay:2
storm slow
judge slow '200|503'
n200=$(grep -c '^200$' "$TMP/slow.codes")
note "slow KMS: $n200 of $N joined, the rest 503"

proxy down
storm down
judge down 503

proxy garbage
storm garbage
judge garbage 503

proxy http500
storm http500
judge http500 503

check "confd alive" confd_alive
lib_done
