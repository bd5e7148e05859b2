#!/bin/sh
# SIPp against confd: join and leave with RTP/AVP (and SDES RTP/SAVP), the
# 404/403/488 rejections (each bad offer followed by a good call, to show
# confd keeps serving), OPTIONS, and on SIGTERM a BYE to every caller and
# exit status 0.  Scenarios in tests/sipp.
. "$(dirname "$0")/lib.sh"
lib_init sipp
need sipp ss timeout
need_build confd confctl

S=$TOP/tests/sipp
D=$CONFD_DOMAIN

# call NAME SCENARIO ROOM [SIPP-ARGS...]: one SIPp call, PASS/FAIL
call() {
	local n sc room
	n=$1 sc=$2 room=$3
	shift 3
	if sipp_run "$n" "$S/$sc" -s "$room" "$@"; then
		pass "$n"
	else
		fail "$n" "sipp exit $? running $sc to sip:$room@$D"
		sipp_show "$n"
	fi
}

# alive NAME: confd still runs, else the rest is pointless
alive() {
	if confd_alive; then
		pass "$1"
	else
		fail "$1" "confd is gone"
		show_log "$CONFD_LOG"
		lib_done
	fi
}

confd_setup
if ! { confctl conf add "sip:open@$D" --open --srtp optional &&
       confctl conf add "sip:plain@$D" --open --srtp off &&
       confctl conf add "sip:closed@$D" --srtp optional &&
       confctl part add "sip:closed@$D" "sip:alice@$D" &&
       CONFCTL_PASSWORD=alice-pw confctl part passwd "sip:closed@$D" "sip:alice@$D" &&
       confctl conf add "sip:plainclosed@$D" --srtp optional &&
       confctl part add "sip:plainclosed@$D" "sip:alice@$D" &&
       confctl conf add "sip:secure@$D" --open --srtp required &&
       confctl part add "sip:secure@$D" "sip:alice@$D"; } \
       >"$TMP/confctl.log" 2>&1; then
	fail "store set-up with confctl"
	show_log "$TMP/confctl.log"
	lib_done
fi
confd_start

# -- joins --------------------------------------------------------------
call "join+leave RTP/AVP, --srtp optional, open, UDP" join_leave.xml open
call "join+leave RTP/AVP, --srtp off, open, UDP" join_leave.xml plain
# a closed conference takes only authenticated callers: SIPp answers
# the digest challenge (MD5, -au/-ap; SIPp puts its remote address in
# the digest uri unless -auth_uri names the Request-URI, which confd
# checks, RFC 7616 3.4.6)
AUTH="-au alice -ap alice-pw -auth_uri closed@$D"
# shellcheck disable=SC2086
call "join+leave RTP/AVP, closed, authorized caller (digest), UDP" join_leave_auth.xml closed $AUTH
# shellcheck disable=SC2086
call "join+leave RTP/AVP, closed, authorized caller (digest), TCP" join_leave_auth.xml closed -t t1 $AUTH
call "join+leave SDES RTP/SAVP, --srtp required" join_savp.xml secure
call "join+leave SDES RTP/SAVP, --srtp optional" join_savp.xml open

# RFC 4579 / the issue: the focus puts ;isfocus in its Contact
m=$(sipp_dir "join+leave RTP/AVP, --srtp optional, open, UDP")/messages.log
if [ -f "$m" ] &&
   awk '/^SIP\/2.0 200/ {in200=1} /^[A-Z]+ sip:/ {in200=0}
	in200 && tolower($0) ~ /^(contact|m):.*;isfocus/ {found=1}
	END {exit !found}' "$m"; then
	pass "Contact of the 200 carries ;isfocus"
else
	fail "Contact of the 200 carries ;isfocus"
	grep -i '^\(contact\|m\):' "$m" 2>/dev/null | sed 's/^/    | /'
fi

# -- rejections ---------------------------------------------------------
call "unknown conference gets 404" reject_404.xml nosuchroom
call "caller not on the list of a closed conference gets 403" \
	reject_403.xml plainclosed -key caller mallory
call "From alone (no credentials) at a closed conference gets 401" \
	reject_401.xml closed
call "anonymous caller gets 403 (policy forbids anonymous)" \
	reject_403.xml open -key caller anonymous -key from_domain anonymous.invalid
alive "confd alive after 404/403"

call "SDP that is not SDP gets 488 + Warning" reject_488_garbage.xml open
call "normal call after garbage SDP" join_leave.xml open -d 200
call "SDP without c= gets 488 + Warning" reject_488_noconn.xml open
call "normal call after SDP without c=" join_leave.xml open -d 200
call "SDP with a non-numeric m= port gets 488 + Warning" reject_488_badport.xml open
call "normal call after bad m= port" join_leave.xml open -d 200
call "RTP/AVP to an SRTP-required conference gets 488 + Warning" \
	reject_488_nocrypto.xml secure
call "RTP/SAVP with an invalid inline key gets 488 + Warning" \
	reject_488_badkey.xml secure
# shellcheck disable=SC2086
call "normal call after the 488s" join_leave_auth.xml closed -d 200 $AUTH
alive "confd alive after the 488s"

# -- other methods ------------------------------------------------------
call "OPTIONS to a conference gets 200 with Allow: INVITE" options.xml open

# -- shutdown -----------------------------------------------------------
# Two callers stay in; on SIGTERM confd must send each a BYE and exit 0.
sipp_run "BYE on SIGTERM (UDP)" "$S/join_wait_bye.xml" -s open &
w1=$!
sipp_run "BYE on SIGTERM (TCP)" "$S/join_wait_bye.xml" -s open -t t1 &
w2=$!
LIB_PIDS="$LIB_PIDS $w1 $w2"
sleep 2
confd_stop 10
rc=$?
if [ "$rc" = 0 ]; then
	pass "confd exits 0 on SIGTERM"
else
	fail "confd exits 0 on SIGTERM" "status $rc"
	show_log "$CONFD_LOG"
fi
for x in "$w1 UDP" "$w2 TCP"; do
	# shellcheck disable=SC2086
	set -- $x
	if wait "$1"; then
		pass "BYE on SIGTERM ($2)"
	else
		fail "BYE on SIGTERM ($2)" "sipp exit $?"
		sipp_show "BYE on SIGTERM ($2)"
	fi
done

lib_done
