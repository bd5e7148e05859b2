#!/bin/sh
# Who the caller is: P-Asserted-Identity counts only from a trusted_peers
# address (RFC 3325); From alone proves nothing, so a closed conference
# without digest credentials refuses it (403); anonymous callers
# (RFC 3323) only where the policy admits them.  Digest: auth.sh.
. "$(dirname "$0")/lib.sh"
lib_init identity
need sipp
need_build confd confctl

S=$TOP/tests/sipp
TPORT=$(free_port)
confd_setup
printf 'trusted_peers 127.0.0.1:%s\n' "$TPORT" >>"$CONFD_CONF"
confctl conf add "sip:room@$CONFD_DOMAIN" --srtp optional >/dev/null
confctl part add "sip:room@$CONFD_DOMAIN" "sip:alice@$CONFD_DOMAIN" >/dev/null
confctl conf add "sip:open@$CONFD_DOMAIN" --open --srtp optional >/dev/null
confctl conf add "sip:anon@$CONFD_DOMAIN" --open --anonymous --srtp optional >/dev/null
confd_start

# call NAME ROOM PORT CALLER CALLER_DOMAIN PAI DNAME: the final status
call() {
	mkdir -p "$TMP/$1"
	( cd "$TMP/$1" && timeout 30 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$S/pai_join.xml" -s "$2" -key domain "$CONFD_DOMAIN" \
		-key caller "$4" -key caller_domain "$5" -key pai "$6" \
		-key dname "$7" -d 200 -i 127.0.0.1 -p "$3" \
		-mp "$(free_port)" -m 1 -l 1 -nostdin -trace_msg \
		>sipp.out 2>&1 )
	sed -n 's/^SIP\/2.0 \([2-6][0-9][0-9]\) .*/\1/p' "$TMP/$1"/*_messages.log |
		grep -v '^100$' | head -1
}

D=$CONFD_DOMAIN
code=$(call trusted room "$TPORT" mallory "$D" alice Mallory)
check "trusted peer: P-Asserted-Identity alice is believed (200)" test "$code" = 200
code=$(call untrusted room "$(free_port)" mallory "$D" alice Mallory)
check "untrusted peer: the same PAI is ignored, From decides (403)" test "$code" = 403
code=$(call pai_wins room "$TPORT" alice "$D" mallory Alice)
check "trusted peer: PAI mallory overrides From alice (403)" test "$code" = 403
code=$(call from_only room "$(free_port)" alice "$D" mallory Alice)
check "untrusted peer: From alice alone proves nothing (403)" test "$code" = 403
check "... and the 403 says authentication is required" \
	grep -q "^SIP/2.0 403 Authentication Required" "$TMP"/from_only/*_messages.log
code=$(call anon_open open "$(free_port)" anonymous anonymous.invalid x Anonymous)
check "anonymous caller where policy forbids: 403" test "$code" = 403
code=$(call anon_ok anon "$(free_port)" anonymous anonymous.invalid x Anonymous)
check "anonymous caller where policy admits: 200" test "$code" = 200
check "403 carries a reason phrase" grep -q "^SIP/2.0 403 [A-Za-z]" "$TMP"/untrusted/*_messages.log
lib_done
