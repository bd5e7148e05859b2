#!/bin/sh
# IPv6 (issue 17), both families on loopback:
#  1. confd with sip_listen [::1]: listens for SIP on ::1 (UDP, TCP and
#     TLS), media_addr6 defaults to ::1; an IPv6 offer over IPv6 SIP is
#     answered c=IN IP6 ::1 with RTP bound on ::1.
#  2. confd on 127.0.0.1 with media_addr6 ::1: an IPv6 offer over IPv4
#     SIP is answered in IPv6 (the family of the offer, not of SIP), an
#     IPv4 offer in IPv4.
#  3. confd on 127.0.0.1 without media_addr6: an IPv6 offer gets 488
#     with Warning 301, and the log has one refusal line, no join.
. "$(dirname "$0")/lib.sh"
lib_init ipv6
need sipp ss timeout
need_build confd confctl

SC=$TOP/tests/sipp
D=$CONFD_DOMAIN

if ! ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	fail "prerequisites" "no ::1 on lo"
	lib_done
fi

# sipp6 NAME SCENARIO TARGET LOCAL-IP [ARGS...]: one SIPp call
sipp6() {
	local _n _sc _t _i _sd
	_n=$1 _sc=$2 _t=$3 _i=$4
	shift 4
	_sd=$(sipp_dir "$_n")
	mkdir -p "$_sd"
	(
		cd "$_sd" || exit 255
		timeout -k 5 60 sipp "$_t" -sf "$_sc" -i "$_i" \
			-p "$(free_port)" -mi "$_i" -mp "$(free_port)" \
			-m 1 -l 1 -timeout 30 -timeout_error \
			-recv_timeout 10000 -max_retrans 3 -s room \
			-key domain "$D" -key caller alice -key from_domain "$D" \
			-key ip6 ::1 -d 500 \
			-trace_err -trace_msg -message_file messages.log \
			-error_file errors.log "$@" </dev/null >sipp.out 2>&1
	)
}

# answer_has NAME TEXT: confd's 200 to the INVITE (not our offer) has TEXT
answer_has() {
	awk '/^SIP\/2.0 200/ {a = 1} a && /^CSeq: .*BYE/ {a = 0} a' \
		"$(sipp_dir "$1")/messages.log" | grep -q "$2"
}

# -- 1: SIP and media on ::1 ----------------------------------------------
confd_setup
sed -i -e "s/^sip_listen.*/sip_listen		[::1]:$CONFD_SIP_PORT/" \
	-e "s/^sip_tls_listen.*/sip_tls_listen		[::1]:$CONFD_TLS_PORT/" \
	-e "/^media_addr/d" "$CONFD_CONF"
confctl conf add "sip:room@$D" --open --srtp optional >/dev/null ||
	{ fail "store set-up"; lib_done; }

"$BUILD/confd" -t -f "$CONFD_CONF" >"$TMP/t6.out" 2>&1
check "confd -t: media_addr6 follows sip_listen [::1]" \
	grep -q "^media_addr6 *::1$" "$TMP/t6.out"
check "confd -t: no IPv4 media address then" \
	grep -q "^media_addr *off$" "$TMP/t6.out"

bg_start confd "$BUILD/confd" -f "$CONFD_CONF"
CONFD_PID=$BG_PID
listening6() {
	ss -Hlun | awk '{print $4}' | grep -qx "\[::1\]:$CONFD_SIP_PORT" &&
	ss -Hltn | awk '{print $4}' | grep -qx "\[::1\]:$CONFD_SIP_PORT" &&
	ss -Hltn | awk '{print $4}' | grep -qx "\[::1\]:$CONFD_TLS_PORT"
}
if wait_for 15 listening6; then
	pass "SIP on [::1] over UDP, TCP and TLS"
else
	fail "SIP on [::1] over UDP, TCP and TLS"
	show_log "$CONFD_LOG"
	lib_done
fi

if sipp6 v6v6 "$SC/join_ip6.xml" "[::1]:$CONFD_SIP_PORT" ::1; then
	pass "IPv6 offer over IPv6 SIP: 200 with c=IN IP6"
else
	fail "IPv6 offer over IPv6 SIP: 200 with c=IN IP6"
	sipp_show v6v6
fi
check "the answer's c= is ::1" answer_has v6v6 "c=IN IP6 ::1"
# over TCP too
if sipp6 v6tcp "$SC/join_ip6.xml" "[::1]:$CONFD_SIP_PORT" ::1 -t t1; then
	pass "IPv6 over TCP"
else
	fail "IPv6 over TCP"
	sipp_show v6tcp
fi
confd_stop 10 || fail "confd exits 0" "status $?"
mv "$CONFD_LOG" "$TMP/confd-v6.log"

# -- 2: SIP on IPv4, media in both families -------------------------------
CONFD_CONF=""
confd_setup
echo "media_addr6		::1" >>"$CONFD_CONF"
confctl conf add "sip:room@$D" --open --srtp optional >/dev/null
confd_start

if sipp6 v4v6 "$SC/join_ip6.xml" "127.0.0.1:$CONFD_SIP_PORT" 127.0.0.1; then
	pass "IPv6 offer over IPv4 SIP: answered in IPv6"
else
	fail "IPv6 offer over IPv4 SIP: answered in IPv6"
	sipp_show v4v6
fi
check "that answer's c= is ::1" answer_has v4v6 "c=IN IP6 ::1"
if sipp6 v4v4 "$SC/join_leave.xml" "127.0.0.1:$CONFD_SIP_PORT" 127.0.0.1; then
	pass "IPv4 offer on the same confd: answered in IPv4"
else
	fail "IPv4 offer on the same confd: answered in IPv4"
	sipp_show v4v4
fi
confd_stop 10 || fail "confd exits 0" "status $?"
mv "$CONFD_LOG" "$TMP/confd-dual.log"

# -- 3: no IPv6 media address: 488 / 301 -----------------------------------
CONFD_CONF=""
confd_setup
confctl conf add "sip:room@$D" --open --srtp optional >/dev/null
confd_start
if sipp6 noaf "$SC/reject_488_af.xml" "127.0.0.1:$CONFD_SIP_PORT" 127.0.0.1
then
	pass "IPv6 offer without media_addr6: 488, Warning 301"
else
	fail "IPv6 offer without media_addr6: 488, Warning 301"
	sipp_show noaf
fi
sleep 0.3
check "one refusal line naming caller, room and reason" \
	grep -q "sip:alice@$D refused from sip:room@$D: 488 No IPv6 media" \
	"$CONFD_LOG"
if grep -q "joined\|left" "$CONFD_LOG"; then
	fail "a refused call is never logged as joined or left"
	show_log "$CONFD_LOG"
else
	pass "a refused call is never logged as joined or left"
fi
confd_stop 10 || fail "confd exits 0" "status $?"
lib_done
