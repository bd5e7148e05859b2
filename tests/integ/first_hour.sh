#!/bin/sh
# The README's first hour, as written: two headless baresip clients made
# by scripts/baresip-client.sh (ausine tones, SDES-SRTP mandatory, a
# digest password set with confctl part passwd) dial into a closed room;
# then the live state through the control socket:
#   confctl status [ROOM]   lists both, with media and keying (no key)
#   confctl kick ROOM URI   ends bob's call (baresip sees the BYE)
#   confctl part del ROOM URI --kick   takes alice off the list and ends
#                                      her call
#   confctl reload          instead of SIGHUP
# and pid_file is written while confd runs and removed when it exits.
. "$(dirname "$0")/lib.sh"
lib_init first_hour
need baresip ss timeout
need_build confd confctl tools/tonecheck

D=$CONFD_DOMAIN
ROOM=sip:room@$D
CTL() { "$BUILD/confctl" -d "$CONFD_DB" "$@"; }

confd_setup
echo "pid_file		$TMP/confd/confd.pid" >>"$CONFD_CONF"
{
	confctl conf add "$ROOM" --subject "first hour" &&
	confctl part add "$ROOM" "sip:alice@$D" &&
	confctl part add "$ROOM" "sip:bob@$D" &&
	CONFCTL_PASSWORD=alice-pw confctl part passwd "$ROOM" "sip:alice@$D" &&
	CONFCTL_PASSWORD=bob-pw confctl part passwd "$ROOM" "sip:bob@$D"
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up"; show_log "$TMP/confctl.log"; lib_done; }

# before confd runs: a clear "not running", exit 3
CTL status >"$TMP/st0.out" 2>&1
rc=$?
if [ $rc = 3 ] && grep -q "not running" "$TMP/st0.out"; then
	pass "status without confd: 'not running', exit 3"
else
	fail "status without confd: 'not running', exit 3" "exit $rc"
	cat "$TMP/st0.out"
fi

confd_start
check "pid_file holds confd's pid" \
	grep -qx "$CONFD_PID" "$TMP/confd/confd.pid"
check "control socket beside the store, mode 0600" \
	sh -c "[ -S '$TMP/confd/confd.ctl' ] &&
	       stat -c %a '$TMP/confd/confd.ctl' | grep -qx 600"

# the README's recipe: one directory and SIP port per client
for u in alice bob; do
	case $u in alice) hz=440 ;; bob) hz=1000 ;; esac
	"$TOP/scripts/baresip-client.sh" "$TMP/$u" "$u" \
		--confd "127.0.0.1:$CONFD_SIP_PORT" --domain "$D" \
		--port "$(free_port)" --rtp "$(free_range 20)" --tone "$hz" \
		--password "$u-pw" --room "$ROOM" >"$TMP/$u.cmd" ||
		{ fail "baresip-client.sh $u"; lib_done; }
done
check "the script prints the dial command" \
	grep -q "^baresip -f $TMP/alice -e \"/dial $ROOM\"$" "$TMP/alice.cmd"
check "the account carries auth_pass and srtp-mand" \
	grep -q "auth_pass=alice-pw.*\|mediaenc=srtp-mand.*auth_pass=alice-pw" \
	"$TMP/alice/accounts"

baresip_start alice "$TMP/alice" 30 "/dial $ROOM"
ALICE=$BG_PID
sleep 1
baresip_start bob "$TMP/bob" 30 "/dial $ROOM"
BOB=$BG_PID

both_in() {
	CTL status "$ROOM" >"$TMP/status.out" 2>&1 &&
	grep -q "sip:alice@$D established" "$TMP/status.out" &&
	grep -q "sip:bob@$D established" "$TMP/status.out"
}
if wait_for 15 both_in; then
	pass "status ROOM: alice and bob established"
else
	fail "status ROOM: alice and bob established"
	cat "$TMP/status.out"
	show_log "$TMP/alice.log" 20
	show_log "$CONFD_LOG" 30
fi
sed 's/^/    | /' "$TMP/status.out"
check "status shows audio media and keying" \
	grep -q "audio sendrecv PCMU RTP/SAVP keys SDES AES_CM_128_HMAC_SHA1_80 peer 127.0.0.1:" \
	"$TMP/status.out"
check "status never shows a key" \
	sh -c "! grep -q 'inline:' '$TMP/status.out'"
check "status (all rooms) lists the room" \
	sh -c "'$BUILD/confctl' -d '$CONFD_DB' status | grep -q '^$ROOM 2 in'"
CTL status sip:nope@$D >"$TMP/st1.out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "no such conference" "$TMP/st1.out"; then
	pass "status of an unknown room: exit 1, says why"
else
	fail "status of an unknown room: exit 1, says why" "exit $rc"
fi

# let them hear each other for a while
sleep 4

check "kick ROOM bob" CTL kick "$ROOM" "sip:bob@$D"
bob_gone() {
	CTL status "$ROOM" >"$TMP/status2.out" 2>&1 &&
	! grep -q "sip:bob@$D" "$TMP/status2.out"
}
check "bob is no longer in the room" wait_for 5 bob_gone
check "bob's baresip saw the call end" \
	wait_for 5 grep -qiE "session closed|call closed|terminated" \
	"$TMP/bob.log"
CTL kick "$ROOM" "sip:bob@$D" >"$TMP/k2.out" 2>&1
check "kicking him again: exit 1" test $? = 1
check "bob stays on the list (kick is not part del)" \
	sh -c "'$BUILD/confctl' -d '$CONFD_DB' part list '$ROOM' | grep -q bob"

check "part del alice --kick" CTL part del "$ROOM" "sip:alice@$D" --kick
alice_gone() {
	CTL status "$ROOM" >"$TMP/status3.out" 2>&1 &&
	grep -q "^$ROOM 0 in" "$TMP/status3.out"
}
check "alice's call ended too" wait_for 5 alice_gone
check "alice is off the list" \
	sh -c "! '$BUILD/confctl' -d '$CONFD_DB' part list '$ROOM' | grep -q alice"
check "the log says who removed whom" \
	grep -q "sip:alice@$D removed from $ROOM" "$CONFD_LOG"

check "reload through the socket" \
	sh -c "'$BUILD/confctl' -d '$CONFD_DB' reload | grep -q 'conference(s) defined'"

rec=$(baresip_recording "$TMP/alice")
if [ -n "$rec" ]; then
	check "alice heard bob's tone and not her own" \
		"$BUILD/tools/tonecheck" -s 2 -t 2 -p 1000 -a 440 "$rec"
else
	fail "alice heard bob's tone and not her own" "no recording"
fi

bg_stop "$ALICE" 3
bg_stop "$BOB" 3
confd_stop 10 || fail "confd exits 0" "status $?"
check "pid_file removed on exit" test ! -e "$TMP/confd/confd.pid"
check "control socket removed on exit" test ! -e "$TMP/confd/confd.ctl"
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 40
lib_done
