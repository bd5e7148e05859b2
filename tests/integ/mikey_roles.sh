#!/bin/sh
# MIKEY-TICKET with the roles swapped (issue 5: "the test UA plays the
# UE in both roles"): the focus dials out, so confd's keying/ code is
# the initiator (REQUEST at kmsd, TRANSFER_INIT), and the test UA's own
# responder (tests/ua/mikey_resp.c) resolves the ticket at kmsd over
# HTTPS and answers TRANSFER_RESP, which the focus checks.  Negative
# cases: a responder the ticket does not name, a tampered
# TRANSFER_RESP, a tampered and a replayed TRANSFER_INIT.
. "$(dirname "$0")/lib.sh"
lib_init mikey_roles
need openssl
need_build kmsd tools/mikey_e2e

# mikey_e2e knows these identities
FOCUS_UID=sip:focus@conf.example.org
kmsd_start A=sip:alice@example.org B=sip:bob@example.org
pass "kmsd started"
if "$BUILD/tools/mikey_e2e" "$KPORT" "$KFP" "$PSK_A" "$PSK_B" "$PSK_F" \
	roles; then
	pass "mikey_e2e roles"
else
	fail "mikey_e2e roles" "exit $?"
	show_log "$TMP/kmsd.log" 20
fi
lib_done
