#!/bin/sh
# MIKEY-TICKET with the roles swapped (issue 5: "the test UA plays the
# UE in both roles"): the focus dials out, so confd's keying/ code is
# the initiator (REQUEST at kmsd, TRANSFER_INIT), and the test UA's own
# responder (tests/ua/mikey_resp.c) resolves the ticket at kmsd over
# HTTPS and answers TRANSFER_RESP, which the focus checks.  Negative
# cases: a responder the ticket does not name, a tampered
# TRANSFER_RESP, a tampered and a replayed TRANSFER_INIT.
BUILD=${BUILD:-build}
dir=$(mktemp -d /tmp/mikey-roles.XXXXXX)
trap 'kill $kpid 2>/dev/null; wait $kpid 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$dir"' EXIT

A=$(openssl rand -hex 32); B=$(openssl rand -hex 32); F=$(openssl rand -hex 32)
cat >"$dir/users" <<EOT
# KMS-UID PSK
sip:alice@example.org $A
sip:bob@example.org $B
sip:focus@conf.example.org $F
EOT
port=$((20000 + ($$ + 7919) % 20000))
cat >"$dir/kmsd.conf" <<EOT
listen 127.0.0.1:$port
cert $dir/kmsd.pem
kms_id kms.example.org
master_key $(openssl rand -hex 32)
users $dir/users
ticket_lifetime 3600
EOT

"$BUILD/kmsd" -f "$dir/kmsd.conf" >"$dir/kmsd.log" 2>&1 &
kpid=$!
for i in $(seq 50); do
	grep -q listening "$dir/kmsd.log" 2>/dev/null && break
	sleep 0.1
done
if ! grep -q listening "$dir/kmsd.log"; then
	echo "FAIL mikey_roles.kmsd_start"; cat "$dir/kmsd.log"; exit 1
fi
echo "PASS mikey_roles.kmsd_start"

fp=$(openssl x509 -in "$dir/kmsd.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
"$BUILD/tools/mikey_e2e" $port "$fp" $A $B $F roles
rc=$?
[ $rc = 0 ] || { echo "---- kmsd.log"; tail -20 "$dir/kmsd.log"; }
exit $rc
