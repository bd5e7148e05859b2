#!/bin/sh
# Dial-out keyed by MIKEY-TICKET (issue 10): confd is the initiator.  A
# chair REFERs the conference to the test UA (`confd-ua answer`, its own
# RFC 6043 responder), confd gets a ticket from kmsd for the KMS UID on
# the list, offers TRANSFER_INIT and checks the TRANSFER_RESP:
#  - SRTP from the TEKs both ways: a dial-in participant hears the
#    dialled UA's tone (confd decrypted and mixed it) and the UA
#    receives the mix with no decrypt failure;
#  - a UA whose KMS UID is not the one on the list cannot resolve the
#    ticket, answers with a MIKEY Error: BYE;
#  - a tampered TRANSFER_RESP (MAC): BYE, and the REFER's last NOTIFY
#    says so.
. "$(dirname "$0")/lib.sh"
lib_init dialout_mikey
need openssl sipp timeout
need_build confd confctl confd-ua kmsd tools/tonecheck

UA=$BUILD/confd-ua
S=$TOP/tests/sipp
D=$CONFD_DOMAIN
ROOM=sip:room@$D
KMS_ID=kms.example.org
kmsd_start A=sip:ua@example.org M=sip:mallory@example.org \
	C=sip:carol@example.org
P1=$(free_port) P2=$(free_port) P3=$(free_port)

confd_setup
confd_kms_conf
echo "kms_id $KMS_ID" >>"$CONFD_CONF"
# the chair's REFERs come through a trusted peer that asserts it
echo "trusted_peers 127.0.0.2" >>"$CONFD_CONF"
{
	confctl conf add "$ROOM" --srtp required &&
	confctl part add "$ROOM" "sip:chair@$D" --role chair &&
	confctl part add "$ROOM" "sip:dialin@$D" &&
	CONFCTL_PASSWORD=pw-dialin confctl part passwd "$ROOM" \
		"sip:dialin@$D" &&
	confctl part add "$ROOM" "sip:ua@127.0.0.1:$P1" --kms-uid sip:ua@example.org &&
	confctl part add "$ROOM" "sip:ua2@127.0.0.1:$P2" --kms-uid sip:bob@example.org &&
	confctl part add "$ROOM" "sip:ua3@127.0.0.1:$P3" --kms-uid sip:carol@example.org
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

# answer NAME PORT UID PSK SECONDS [ARGS...]: a dialled UA, background
answer() {
	local _n _p _u _k _s
	_n=$1 _p=$2 _u=$3 _k=$4 _s=$5
	shift 5
	bg_start "$_n" timeout -k 5 $((_s + 30)) "$UA" answer \
		--listen "127.0.0.1:$_p" --duration "$_s" --tone 1000 \
		--mikey "$_u:$_k:$KMS_ID:127.0.0.1:$KPORT:$KFP" "$@"
	eval "${_n}_PID=\$BG_PID"
	sleep 0.3
}
kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
show() { sed "s/^/    $1| /" "$TMP/$1.log"; }
refer() {
	sipp_run "$1" "$S/refer.xml" -i 127.0.0.2 -s room -key caller chair \
		-key refer_hdr "Refer-To: <$2>" -key refer_sub "X-Test: 1"
}
last() {
	awk '/^NOTIFY /{n=1; b=0; next}
	     n && /^\r?$/ {b=1; next}
	     n && b && /^SIP\/2.0 / {sub(/\r$/, ""); l=$0; n=0}
	     END {print l}' "$(sipp_dir "$1")/messages.log"
}

# a dial-in participant (SDES) to hear the dialled UA
bg_start dialin timeout -k 5 40 "$UA" call \
	--to "sip:room@127.0.0.1:$CONFD_SIP_PORT" --from "sip:dialin@$D" \
	--auth-user dialin --auth-pass pw-dialin \
	--srtp --tone 440 --duration 14 --record "$TMP/dialin.wav"
DIALIN=$BG_PID
sleep 1

# -- the good case ----------------------------------------------------------
answer good "$P1" sip:ua@example.org "$PSK_A" 8
refer refer-good "sip:ua@127.0.0.1:$P1" ||
	{ fail "REFER (good) ran to its end"; sipp_show refer-good; }
check "good: REFER's last NOTIFY is 200 OK" \
	test "$(last refer-good)" = "SIP/2.0 200 OK"
wait "$good_PID"
if [ "$(kv good mikey)" = ok ] && [ "$(kv good answered)" = 1 ] &&
   [ "$(kv good bye)" = 0 ]; then
	pass "good: TRANSFER_INIT resolved by the UA, answered, not hung up on"
else
	fail "good: TRANSFER_INIT resolved by the UA, answered, not hung up on"
	show good
fi
if [ "$(kv good rx_decrypt_fail)" = 0 ] &&
   [ "$(kv good rx_packets)" -gt 200 ] &&
   [ "$(kv good rx_level)" -gt 300 ]; then
	pass "good: the UA receives SRTP keyed by the TEK, with sound"
else
	fail "good: the UA receives SRTP keyed by the TEK, with sound"
	show good
fi
grep -q "sip:ua@127.0.0.1:$P1: MIKEY-TICKET keyed, KMS UID sip:ua@example.org" \
	"$CONFD_LOG"
check "good: confd keyed the dial-out by MIKEY-TICKET" test $? = 0

# -- someone else answers ------------------------------------------------
answer wrong "$P2" sip:mallory@example.org "$PSK_M" 6
refer refer-wrong "sip:ua2@127.0.0.1:$P2"
wait "$wrong_PID"
if [ "$(kv wrong mikey)" = refused ] && [ "$(kv wrong bye)" = 1 ]; then
	pass "wrong KMS UID: the KMS refuses the UA, the focus sends BYE"
else
	fail "wrong KMS UID: the KMS refuses the UA, the focus sends BYE"
	show wrong
fi
check "wrong KMS UID: REFER's last NOTIFY says 488" \
	test "$(last refer-wrong)" = "SIP/2.0 488 MIKEY Answer Not Accepted"

# -- a tampered TRANSFER_RESP -------------------------------------------
answer tamper "$P3" sip:carol@example.org "$PSK_C" 6 --tamper
refer refer-tamper "sip:ua3@127.0.0.1:$P3"
wait "$tamper_PID"
if [ "$(kv tamper mikey)" = ok ] && [ "$(kv tamper bye)" = 1 ]; then
	pass "tampered TRANSFER_RESP: the focus sends BYE"
else
	fail "tampered TRANSFER_RESP: the focus sends BYE"
	show tamper
fi
grep -q "sip:ua3@127.0.0.1:$P3: answer refused: TRANSFER_RESP refused" \
	"$CONFD_LOG"
check "tampered TRANSFER_RESP: confd logged why" test $? = 0

wait "$DIALIN"
# the good UA was in from about 1.5 s to 9.5 s of the dial-in call
check "dial-in hears the MIKEY-keyed dial-out (confd decrypted it)" \
	"$BUILD/tools/tonecheck" -s 3 -t 4 -p 1000 -a 440 "$TMP/dialin.wav"

if confd_alive; then pass "confd alive"; else fail "confd alive"; fi
confd_stop 10 || fail "confd exits 0 on SIGTERM" "status $?"
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 60
lib_done
