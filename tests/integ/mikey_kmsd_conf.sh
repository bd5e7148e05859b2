#!/bin/sh
# kmsd.conf is read by kmsd's own bounded scanner (kms/kmsd_conf.c), not
# by libre's conf_get(), which would silently cut a long value, take
# the first word of a line and treat a misspelt key as absent.  Each bad
# file here must stop kmsd with a message naming the key; a good one
# must start it.
. "$(dirname "$0")/lib.sh"
lib_init mikey_kmsd_conf
need openssl
need_build kmsd

MK=$(openssl rand -hex 32)
PSK=$(openssl rand -hex 32)
echo "sip:alice@example.org $PSK" >"$TMP/users"

# bad NAME EXPECTED-STDERR-PATTERN: kmsd must refuse $TMP/bad.conf
bad() {
	local _rc
	timeout 10 "$BUILD/kmsd" -f "$TMP/bad.conf" >"$TMP/out" 2>&1
	_rc=$?
	if [ $_rc = 1 ] && grep -q -- "$2" "$TMP/out"; then
		pass "$1"
	else
		fail "$1" "exit $_rc: $(head -c 300 "$TMP/out")"
	fi
}

good_conf() {
	cat <<EOT
listen 127.0.0.1:$KP
cert $TMP/kmsd.pem
kms_id kms.example.org
master_key $MK
users $TMP/users
EOT
}
KP=$(free_port)

# a cert path longer than the buffer: libre's conf_get_str would cut it
# and kmsd would write its key to another file
LONG=$TMP/$(printf '%0300d' 0).pem
good_conf | sed "s#^cert .*#cert $LONG#" >"$TMP/bad.conf"
bad "overlong value refused" "cert: bad value .*too long"
[ -e "$(printf '%.250s' "$LONG")" ] && fail "no truncated file" || pass "no truncated file"

# a misspelt key is not silently "absent"
good_conf | sed 's/^master_key/master-key/' >"$TMP/bad.conf"
bad "misspelt key warned" "unknown key 'master-key'"
bad "missing master_key refused" "master_key is required"

good_conf >"$TMP/bad.conf"; echo "skew 30" >>"$TMP/bad.conf"
echo "skew 60" >>"$TMP/bad.conf"
bad "duplicate key refused" "skew: given more than once"

good_conf | sed 's/^kms_id .*/kms_id kms.example.org extra/' >"$TMP/bad.conf"
bad "two words refused" "kms_id: one value expected"

good_conf >"$TMP/bad.conf"; echo "ticket_lifetime 99999999999" >>"$TMP/bad.conf"
bad "number overflow refused" "ticket_lifetime: bad value"

good_conf | sed 's/^master_key .*/master_key 00112233/' >"$TMP/bad.conf"
bad "short master key refused" "master_key: expected"
if grep -q 00112233 "$TMP/out"; then fail "master key not echoed"; else pass "master key not echoed"; fi

# users file: a line longer than kmsd's line buffer
good_conf >"$TMP/bad.conf"
printf 'sip:%02000d@example.org %s\n' 0 "$PSK" >"$TMP/users"
bad "overlong users line refused" "line too long"
echo "sip:alice@example.org $PSK" >"$TMP/users"

# the good file, with comments and CRLF, starts kmsd
good_conf | sed 's/$/ # comment\r/' >"$TMP/good.conf"
bg_start kmsd "$BUILD/kmsd" -f "$TMP/good.conf"
if wait_for 10 grep -q listening "$TMP/kmsd.log"; then
	pass "good config starts kmsd"
else
	fail "good config starts kmsd"
	show_log "$TMP/kmsd.log"
fi
lib_done
