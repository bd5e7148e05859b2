#!/bin/sh
# Secrets never appear in the logs (issue 14): at log_level debug, an
# SDES-SRTP call and a MIKEY-TICKET call (kmsd) run, a refused MIKEY
# call too; then confd's log is searched for every key involved, in
# base64 and in hex (both cases), whole and as the bare 16-byte key:
#  - SDES: the caller's key and confd's (a=crypto inline:, printed by
#    confd-ua as key_tx/key_rx);
#  - MIKEY: every TEK of every crypto session (confd-ua prints them as
#    mikey_tek_csN), and the SRTP key||salt made from them;
#  - the focus's KMS PSK (kms_psk in confd.conf).
# The test first checks that the log is rich (joins with the keying
# mechanism, debug lines), so an empty log cannot pass it.
. "$(dirname "$0")/lib.sh"
lib_init log_secrets
need openssl python3 timeout
need_build confd confctl confd-ua kmsd

UA=$BUILD/confd-ua
D=$CONFD_DOMAIN
kmsd_start A=sip:alice@example.org E=sip:eve@example.org
KMS_ID=kms.example.org

confd_setup
confd_kms_conf
ROOM=sip:room@$D
{
	confctl conf add "$ROOM" --srtp optional &&
	confctl part add "$ROOM" "sip:alice@$D" --kms-uid sip:alice@example.org &&
	confctl part add "$ROOM" "sip:bob@$D" &&
	CONFCTL_PASSWORD=pw-bob confctl part passwd "$ROOM" "sip:bob@$D"
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

bg_start bob timeout -k 5 30 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:bob@$D" --auth-user bob --auth-pass pw-bob --srtp \
	--tone 440 --duration 4
BOB=$BG_PID
bg_start alice timeout -k 5 30 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:alice@$D" --tone 1000 --duration 4 \
	--mikey "sip:alice@example.org:$PSK_A:$KMS_ID:127.0.0.1:$KPORT:$FOCUS_UID"
ALICE=$BG_PID
# eve has a ticket but is not on the list: 403 after the KMS resolved
bg_start eve timeout -k 5 30 "$UA" call --to "sip:room@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:eve@$D" --tone 1000 --duration 2 --expect 403 \
	--mikey "sip:eve@example.org:$PSK_E:$KMS_ID:127.0.0.1:$KPORT:$FOCUS_UID"
EVE=$BG_PID
wait "$BOB" "$ALICE" "$EVE"
confd_stop

kv() { sed -n "s/^$2=//p" "$TMP/$1.log" | head -n 1; }
check "bob joined with SDES, alice with MIKEY-TICKET" \
	test "$(kv bob keying)" = sdes -a "$(kv alice keying)" = mikey
check "the log is at debug level and names the keying of each join" \
	sh -c "grep -q 'joined.*keying sdes' '$CONFD_LOG' &&
	       grep -q 'joined.*keying mikey' '$CONFD_LOG' &&
	       grep -q 'refused from.*403.*keying mikey' '$CONFD_LOG' &&
	       [ \$(wc -l <'$CONFD_LOG') -gt 20 ]"

# the secrets, one per line: NAME VALUE (base64 or hex)
{
	for u in bob alice eve; do
		for k in key_tx key_rx; do
			v=$(kv $u $k)
			[ -n "$v" ] && echo "$u.$k b64 $v"
		done
		sed -n "s/^\(mikey_tek_cs[0-9]*\)=/$u.\1 hex /p" "$TMP/$u.log"
	done
	echo "kms_psk hex $PSK_F"
} >"$TMP/secrets"
n=$(wc -l <"$TMP/secrets")
check "secrets to look for: SDES keys both ways, MIKEY TEKs, the KMS PSK ($n)" \
	test "$n" -ge 7

if python3 - "$TMP/secrets" "$CONFD_LOG" >"$TMP/found" 2>&1 <<'PY'
import base64, binascii, sys
log = open(sys.argv[2], 'rb').read()
hits = []
for line in open(sys.argv[1]):
    name, kind, v = line.split()
    raw = base64.b64decode(v) if kind == 'b64' else binascii.unhexlify(v)
    forms = {base64.b64encode(raw), raw.hex().encode(),
             raw.hex().upper().encode()}
    if len(raw) > 16:
        k = raw[:16]      # the key alone, without its salt
        forms |= {base64.b64encode(k).rstrip(b'='), k.hex().encode(),
                  k.hex().upper().encode()}
    for f in forms:
        if f in log:
            hits.append('%s as %r' % (name, f))
print('\n'.join(hits) if hits else 'none')
sys.exit(1 if hits else 0)
PY
then
	pass "no key in confd's log (base64, hex, with or without salt)"
else
	fail "no key in confd's log"; show_log "$TMP/found"
fi

lib_done
