#!/bin/sh
# Dial-out through REFER (TS 33.328 G.1 way 3, RFC 3515, RFC 4579 5.5 and
# 5.11).  alice (baresip) dials in; the chair REFERs the conference to
# bob, a baresip that answers by itself (;answermode=auto, SDES-SRTP
# mandatory); the focus dials bob and bob is heard both ways, checked on
# the recordings; the chair then removes bob with ;method=BYE.  The
# REFERs' NOTIFYs are checked line by line (message/sipfrag).  Then the
# bad REFERs: a non-chair (403), no/two/non-SIP Refer-To (400), an
# unknown conference (404), a method other than INVITE/BYE (501), and
# Refer-Sub: false (RFC 4488: 202 and no NOTIFY).
. "$(dirname "$0")/lib.sh"
lib_init dialout_refer
need baresip sipp ss timeout
need_build confd confctl tools/tonegen tools/tonecheck

S=$TOP/tests/sipp
D=$CONFD_DOMAIN
ROOM=sip:room@$D

"$BUILD/tools/tonegen" -d 40 -l 0.25 "$TMP/alice.wav" 440 &&
"$BUILD/tools/tonegen" -d 40 -l 0.25 "$TMP/bob.wav" 1000 ||
	{ fail "tone files"; lib_done; }

# the chair's and creator's requests come through a trusted peer
# (127.0.0.2, which asserts their identity); alice authenticates with
# digest; bob, dialled out, answers from 127.0.0.1 (not trusted)
CONFD_EXTRA="dialout_timeout	3
trusted_peers	127.0.0.2"
confd_setup
baresip_setup "$TMP/alice" alice "$TMP/alice.wav" \
	";mediaenc=srtp-mand;auth_pass=pw-alice"
baresip_setup "$TMP/bob" bob "$TMP/bob.wav"
BOB="sip:bob@127.0.0.1:$BS_PORT"
{
	confctl conf add "$ROOM" --srtp required --creator "sip:owner@$D" &&
	confctl part add "$ROOM" "sip:alice@$D" &&
	CONFCTL_PASSWORD=pw-alice confctl part passwd "$ROOM" "sip:alice@$D" &&
	confctl part add "$ROOM" "sip:chair@$D" --role chair &&
	confctl part add "$ROOM" "sip:carol@$D" &&
	confctl part add "$ROOM" "$BOB" &&
	confctl part add "$ROOM" "sip:nobody@127.0.0.1:9" &&
	confctl conf add "sip:open@$D" --open --srtp optional \
		--creator "sip:chair@$D"
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# refer NAME CALLER REFER-TO-LINE [EXTRA-LINE] [ROOM]: one REFER by SIPp
refer() {
	sipp_run "$1" "$S/refer.xml" -i 127.0.0.2 -s "${5:-room}" -key caller "$2" \
		-key refer_hdr "$3" -key refer_sub "${4:-X-Test: 1}"
}

# frags NAME: the sipfrag status line of each NOTIFY received, in order
frags() {
	awk '/^NOTIFY /{n=1; b=0; next}
	     n && /^CSeq:/ {cs=$2}
	     n && /^\r?$/ {b=1; next}
	     n && b && /^SIP\/2.0 / {sub(/\r$/, "");
		if (!(cs in seen)) print; seen[cs]=1; n=0}' \
		"$(sipp_dir "$1")/messages.log"
}

# code NAME: the final response SIPp got to its REFER
code() {
	grep -a -o '^SIP/2.0 [0-9][0-9][0-9]' "$(sipp_dir "$1")/messages.log" |
		awk '$2 != 100 {print $2}' | head -n 1
}

bg_start baresip-bob timeout -k 5 40 baresip -4 -f "$TMP/bob" -t 30
BOBPID=$BG_PID
baresip_start alice "$TMP/alice" 26 "/dial $ROOM"
ALICEPID=$BG_PID
sleep 3

# -- the chair adds bob -------------------------------------------------
if refer add chair "Refer-To: <$BOB>"; then
	pass "REFER (add bob) by the chair: 202 and NOTIFYs to the end"
else
	fail "REFER (add bob) by the chair: 202 and NOTIFYs to the end"
	sipp_show add
fi
frags add >"$TMP/add.frags"
if [ "$(head -n 1 "$TMP/add.frags")" = "SIP/2.0 100 Trying" ] &&
   [ "$(tail -n 1 "$TMP/add.frags")" = "SIP/2.0 200 OK" ] &&
   ! grep -v -e '^SIP/2.0 100 Trying$' -e '^SIP/2.0 18[03] ' \
	-e '^SIP/2.0 200 OK$' "$TMP/add.frags" >/dev/null; then
	pass "add: sipfrags 100 Trying, (18x), 200 OK in order"
else
	fail "add: sipfrags 100 Trying, (18x), 200 OK in order"
	sed 's/^/    | /' "$TMP/add.frags"
fi
if grep -aq 'Subscription-State: terminated' "$(sipp_dir add)/messages.log"; then
	pass "add: last NOTIFY has Subscription-State: terminated"
else
	fail "add: last NOTIFY has Subscription-State: terminated"
fi
grep -a -q '^Event: refer' "$(sipp_dir add)/messages.log" &&
grep -a -q '^Content-Type: message/sipfrag' "$(sipp_dir add)/messages.log"
check "add: NOTIFYs carry Event: refer and message/sipfrag" test $? = 0

# bob is in: a second REFER for him is refused, he is not dialled twice
refer again chair "Refer-To: <$BOB>"
check "REFER for someone already in: 403" test "$(code again)" = 403

sleep 12

# -- the chair removes bob ----------------------------------------------
if refer remove chair "Refer-To: <$BOB;method=BYE>"; then
	pass "REFER (method=BYE) by the chair: 202 and NOTIFYs"
else
	fail "REFER (method=BYE) by the chair: 202 and NOTIFYs"
	sipp_show remove
fi
frags remove >"$TMP/remove.frags"
check "remove: sipfrags 100 Trying then 200 OK" \
	test "$(tr '\n' '|' <"$TMP/remove.frags")" = "SIP/2.0 100 Trying|SIP/2.0 200 OK|"
sleep 1
if grep -q "bob@127.0.0.1:$BS_PORT removed from" "$CONFD_LOG"; then
	pass "confd removed bob"
else
	fail "confd removed bob"
fi

wait "$ALICEPID"
bg_stop "$BOBPID" 5

# -- audio both ways ------------------------------------------------------
if grep -q "Call established" "$TMP/baresip-bob.log" &&
   grep -q "SRTP is Enabled" "$TMP/baresip-bob.log"; then
	pass "bob answered the dial-out with SRTP"
else
	fail "bob answered the dial-out with SRTP"
	tail -n 20 "$TMP/baresip-bob.log" | sed 's/^/    | /'
fi
rec=$(baresip_recording "$TMP/bob")
if [ -n "$rec" ]; then
	check "bob (dialled out) hears alice and not himself" \
		"$BUILD/tools/tonecheck" -s 2 -t 4 -p 440 -a 1000 "$rec"
else
	fail "bob (dialled out) hears alice and not himself" "no recording"
fi
rec=$(baresip_recording "$TMP/alice")
if [ -n "$rec" ]; then
	# bob was in from about 3 s to about 16 s of alice's call
	check "alice hears bob (dialled out) and not herself" \
		"$BUILD/tools/tonecheck" -s 5 -t 4 -p 1000 -a 440 "$rec"
else
	fail "alice hears bob (dialled out) and not herself" "no recording"
fi

# -- who may REFER, and bad REFERs --------------------------------------
refer nonchair carol "Refer-To: <sip:alice@$D>"
check "REFER by a non-chair: 403" test "$(code nonchair)" = 403
refer owner owner "Refer-To: <sip:nobody@127.0.0.1:9;method=BYE>"
check "REFER by the creator accepted (BYE of someone absent: 404)" \
	test "$(code owner)" = 404
refer noreferto chair "X-Refer: <$BOB>"
check "REFER without Refer-To: 400" test "$(code noreferto)" = 400
refer tworeferto chair "Refer-To: <$BOB>, <sip:carol@$D>"
check "REFER with two Refer-To values: 400" test "$(code tworeferto)" = 400
refer telreferto chair "Refer-To: <tel:+15551234>"
check "REFER with a non-SIP Refer-To: 400" test "$(code telreferto)" = 400
refer unknownconf chair "Refer-To: <$BOB>" "X-Test: 1" nosuchroom
check "REFER to an unknown conference: 404" test "$(code unknownconf)" = 404
refer badmethod chair "Refer-To: <$BOB;method=OPTIONS>"
check "REFER with method=OPTIONS: 501" test "$(code badmethod)" = 501

# Refer-Sub: false: 202 with Refer-Sub: false, and no NOTIFY follows
refer nosub chair "Refer-To: <sip:nobody@127.0.0.1:9>" "Refer-Sub: false"
check "Refer-Sub: false: 202" test "$(code nosub)" = 202
sleep 1
if grep -a -q '^NOTIFY ' "$(sipp_dir nosub)/messages.log"; then
	fail "Refer-Sub: false: no NOTIFY"
else
	pass "Refer-Sub: false: no NOTIFY"
fi
grep -a -q '^Refer-Sub: false' "$(sipp_dir nosub)/messages.log"
check "Refer-Sub: false: the 202 says Refer-Sub: false" test $? = 0

# -- a REFER inside the creator's own dialog (RFC 4579 5.5) --------------
# nobody answers at 127.0.0.1:9: the NOTIFYs, in the INVITE's dialog,
# end with 408 after dialout_timeout (3 s here)
sipp_run indialog "$S/refer_indialog.xml" -i 127.0.0.2 -s open -key caller chair \
	-key refer_hdr "Refer-To: <sip:nobody@127.0.0.1:9>" -d 100
check "in-dialog REFER: 202, NOTIFYs in the dialog to the end, BYE" \
	test $? = 0
frags indialog >"$TMP/indialog.frags"
if [ "$(head -n 1 "$TMP/indialog.frags")" = "SIP/2.0 100 Trying" ] &&
   [ "$(tail -n 1 "$TMP/indialog.frags")" = "SIP/2.0 408 Request Timeout" ]; then
	pass "in-dialog REFER: sipfrags 100 Trying ... 408 Request Timeout"
else
	fail "in-dialog REFER: sipfrags 100 Trying ... 408 Request Timeout"
	sed 's/^/    | /' "$TMP/indialog.frags"
	sipp_show indialog
fi

if confd_alive; then
	pass "confd alive"
else
	fail "confd alive"
fi
confd_stop 10 || fail "confd exits 0 on SIGTERM" "status $?"
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 80
lib_done
