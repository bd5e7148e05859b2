#!/bin/sh
# Issue 18, item 1: nobody joins a closed conference, or watches its
# roster, by writing a listed identity in From.  While the real alice is
# in the call (digest, MD5, through libre's client in confd-ua), a second
# UA claiming sip:alice@... without her password gets 401 and then
# nothing (no 200, no media); a wrong password gets 403.  A trusted
# peer's P-Asserted-Identity and a MIKEY-TICKET caller get in without
# digest.  sip_digest.py (an independent RFC 7616/8760 client) gets in
# with MD5, and with SHA-256 once digest_algorithms lists it; a replayed
# Authorization is refused; an expired nonce gets stale=true.  A
# spoofed SUBSCRIBE gets 401/403.  An open conference admits an
# unauthenticated caller, marks it, and never makes it chair.
. "$(dirname "$0")/lib.sh"
lib_init auth
need sipp python3 openssl
need_build confd confctl confd-ua kmsd

S=$TOP/tests/sipp
UA=$BUILD/confd-ua
DIG="python3 $TOP/tests/tools/sip_digest.py"
D=$CONFD_DOMAIN
ROOM=sip:room@$D
LOBBY=sip:lobby@$D
TPORT=$(free_port)

kmsd_start C=sip:carol@example.org
confd_setup
confd_kms_conf
printf 'trusted_peers 127.0.0.1:%s\n' "$TPORT" >>"$CONFD_CONF"
{
	confctl conf add "$ROOM" --srtp optional &&
	confctl part add "$ROOM" "sip:alice@$D" &&
	CONFCTL_PASSWORD=wonderland confctl part passwd "$ROOM" "sip:alice@$D" &&
	confctl part add "$ROOM" "sip:bob@$D" &&
	confctl part add "$ROOM" "sip:carol@$D" --kms-uid sip:carol@example.org &&
	confctl conf add "$LOBBY" --open --srtp optional &&
	confctl part add "$LOBBY" "sip:dave@$D" --role chair
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

TO="sip:room@127.0.0.1:$CONFD_SIP_PORT"
kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }

# ua NAME SECONDS ARGS...: a confd-ua call to the room, in the background
ua() {
	_n=$1 _s=$2
	shift 2
	bg_start "$_n" timeout -k 5 $((_s + 20)) "$UA" call --to "$TO" \
		--duration "$_s" "$@"
	eval "${_n}_PID=\$BG_PID"
}

# sipp_call NAME PORT SCENARIO CALLER [ARGS]: one SIPp call from PORT;
# prints the final status
sipp_call() {
	_n=$1 _p=$2 _sc=$3 _c=$4
	shift 4
	mkdir -p "$TMP/$_n"
	( cd "$TMP/$_n" && timeout 30 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$S/$_sc" -key domain "$D" -key caller "$_c" \
		-key caller_domain "$D" -key pai "$_c" -key dname "$_c" \
		-key from_domain "$D" -i 127.0.0.1 -p "$_p" \
		-mp "$(free_port)" -m 1 -l 1 -nostdin -trace_msg "$@" \
		>sipp.out 2>&1 )
	sed -n 's/^SIP\/2.0 \([2-6][0-9][0-9]\) .*/\1/p' "$TMP/$_n"/*_messages.log |
		grep -v '^1[0-9][0-9]$' | tail -1
}

# ---- phase 1: digest_algorithms MD5 (the default) ----------------------

# the real alice, for 8 s, with her password (libre's MD5 client)
ua alice 8 --from "sip:alice@$D" --auth-user alice --auth-pass wonderland \
	--tone 440
sleep 2

# the impostor: same From, no credentials
ua impostor 3 --from "sip:alice@$D" --tone 1000
wait "$impostor_PID"
check "impostor claiming alice without credentials: 401" \
	test "$(kv impostor status)" = 401
check "impostor: no call, no media" \
	sh -c "[ '$(kv impostor established)' = no ] && [ '$(kv impostor rx_packets)' = 0 ]"

# the impostor guesses a password: 401, then 403 on the retry
ua guesser 3 --from "sip:alice@$D" --auth-user alice --auth-pass guess
wait "$guesser_PID"
check "wrong password: 403 after the challenge" \
	test "$(kv guesser status)" = 403
check "wrong password: no media" test "$(kv guesser rx_packets)" = 0

# an independent client, MD5
check "sip_digest.py MD5 as alice: 200" \
	$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --user alice --password wonderland --alg MD5
# the same Authorization again, in a new INVITE
$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" --from "sip:alice@$D" \
	--user alice --password wonderland --alg MD5 --replay --expect 401 \
	>"$TMP/replay.out" 2>&1
rc=$?
cat "$TMP/replay.out" >>"$TMP/checks.log"
check "replayed Authorization (same nonce, nc, cnonce) refused: 401" \
	sh -c "[ $rc = 0 ] && grep -q '^REPLAY 401' '$TMP/replay.out'"
check "... and the replay is logged" grep -q "replayed nonce" "$CONFD_LOG"
# SHA-256 is not offered by default (libre's client would give up)
$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" --from "sip:alice@$D" \
	--user alice --password wonderland --alg SHA-256 --expect 401 \
	>"$TMP/sha_default.out" 2>&1
check "default digest_algorithms offers no SHA-256 challenge" \
	grep -q "no SHA-256 challenge" "$TMP/sha_default.out"

# a trusted peer asserts bob; from elsewhere the same PAI is nothing
code=$(sipp_call bob_pai "$TPORT" pai_join.xml bob -s room -d 500)
check "trusted peer, P-Asserted-Identity bob: 200 without digest" \
	test "$code" = 200
code=$(sipp_call bob_spoof "$(free_port)" pai_join.xml bob -s room -d 500)
check "untrusted P-Asserted-Identity bob: challenged, not admitted (401)" \
	test "$code" = 401

# MIKEY-TICKET: the KMS vouches for carol; no digest asked
ua carol 2 --from "sip:carol@$D" \
	--mikey "sip:carol@example.org:$PSK_C:kms.example.org:127.0.0.1:$KPORT:$FOCUS_UID"
wait "$carol_PID"
check "MIKEY caller carol: 200, keyed by MIKEY" \
	sh -c "[ '$(kv carol status)' = 200 ] && [ '$(kv carol keying)' = mikey ]"
check "... authenticated by her KMS UID, never challenged" \
	sh -c "! grep -q 'to $ROOM as sip:carol@$D: 401' '$CONFD_LOG'"

# SUBSCRIBE with alice's From: challenged, and a guess refused
$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" --from "sip:alice@$D" \
	--user alice --password guess --alg MD5 --method SUBSCRIBE \
	--expect 403 >"$TMP/sub_spoof.out" 2>&1
rc=$?
cat "$TMP/sub_spoof.out" >>"$TMP/checks.log"
check "spoofed SUBSCRIBE: 401, then 403 for a wrong password" \
	sh -c "[ $rc = 0 ] && grep -q '^<- 401' '$TMP/sub_spoof.out'"
code=$(sipp_call sub_intruder "$(free_port)" subscribe_intruder.xml alice -s room)
check "SUBSCRIBE with From alice and no credentials: not 200 ($code)" \
	test "$code" = 401
check "SUBSCRIBE with alice's password: 200" \
	$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --user alice --password wonderland --alg MD5 \
	--method SUBSCRIBE

# open conference: dave is its chair, but a caller who only claims to be
# dave gets in unauthenticated, marked, and without chair rights
code=$(sipp_call dave_claim "$(free_port)" bfcp_offer.xml dave -s lobby \
	-key proto TCP/BFCP -key fp "sha-256 00" -d 500)
check "open conference: unauthenticated dave admitted (200)" test "$code" = 200
check "... marked unauthenticated in the log" \
	grep -q "sip:dave@$D unauthenticated (open conference)" "$CONFD_LOG"
check "... and not chair" \
	sh -c "grep 'sip:dave@$D: BFCP' '$CONFD_LOG' | head -1 | grep -vq chair"
code=$(sipp_call dave_pai "$TPORT" bfcp_offer.xml dave -s lobby \
	-key proto TCP/BFCP -key fp "sha-256 00" -d 500)
check "the asserted dave is chair (200, BFCP chair)" \
	sh -c "[ '$code' = 200 ] && grep 'sip:dave@$D: BFCP' '$CONFD_LOG' | tail -1 | grep -q chair"

wait "$alice_PID"
check "the real alice kept her call (200, established, media)" \
	sh -c "[ '$(kv alice status)' = 200 ] && [ '$(kv alice established)' = yes ] && [ '$(kv alice rx_packets)' -gt 0 ]"

# ---- phase 2: digest_algorithms SHA-256,MD5, nonces live 2 s -----------
confd_stop
printf 'digest_algorithms SHA-256,MD5\ndigest_nonce_lifetime 2\n' >>"$CONFD_CONF"
confd_start

check "SHA-256,MD5: sip_digest.py SHA-256: 200" \
	$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --user alice --password wonderland --alg SHA-256
check "SHA-256,MD5: sip_digest.py MD5: 200" \
	$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --user alice --password wonderland --alg MD5
$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" --from "sip:alice@$D" \
	--user alice --password wonderland --alg SHA-256 --wait 3.5 \
	>"$TMP/stale.out" 2>&1
rc=$?
cat "$TMP/stale.out" >>"$TMP/checks.log"
check "expired nonce: 401 stale=true, then 200 with the fresh one" \
	sh -c "[ $rc = 0 ] && grep -q '^stale=true' '$TMP/stale.out'"
check "wrong password with SHA-256: 403" \
	$DIG --to "$ROOM" --proxy "127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --user alice --password guess --alg SHA-256 \
	--expect 403
# libre 1.1.0's client gives up on a SHA-256 challenge (docs/libre.md):
# the reason MD5 alone is the default.  Reported, not asserted.
ua libre_sha 1 --from "sip:alice@$D" --auth-user alice --auth-pass wonderland
wait "$libre_sha_PID"
note "libre client with SHA-256 offered first: status $(kv libre_sha status)"

check "confd still running" confd_alive
lib_done
