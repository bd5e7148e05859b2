#!/bin/sh
# confctl end to end on a temporary store.  Prints "PASS name" or
# "FAIL name" per check; $BUILD is the build directory holding confctl.
BUILD=${BUILD:-build}
CTL="$BUILD/confctl"
tmp=$(mktemp -d /tmp/confd-confctl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
DB="$tmp/test.db"
OUT="$tmp/out"
ERR="$tmp/err"

if [ ! -x "$CTL" ]; then
	echo "FAIL confctl.binary ($CTL not built)"
	exit 1
fi

# ok NAME CMD...: CMD must exit 0
ok() {
	name=$1; shift
	if "$@" >"$OUT" 2>"$ERR"; then
		echo "PASS confctl.$name"
	else
		echo "FAIL confctl.$name (exit $?)"; cat "$ERR"
	fi
}

# fails NAME RC CMD...: CMD must exit RC and say something on stderr
fails() {
	name=$1; want=$2; shift 2
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
	if [ "$rc" = "$want" ] && [ -s "$ERR" ]; then
		echo "PASS confctl.$name"
	else
		echo "FAIL confctl.$name (exit $rc, wanted $want)"; cat "$ERR"
	fi
}

# has NAME PATTERN: the last command's stdout matches PATTERN
has() {
	if grep -qE -- "$2" "$OUT"; then
		echo "PASS confctl.$1"
	else
		echo "FAIL confctl.$1 (no '$2' in:)"; cat "$OUT"
	fi
}

# hasnt NAME PATTERN
hasnt() {
	if grep -qE -- "$2" "$OUT"; then
		echo "FAIL confctl.$1 ('$2' present in:)"; cat "$OUT"
	else
		echo "PASS confctl.$1"
	fi
}

R=sip:room@localhost

ok help "$CTL" --help
has help_text 'conf add URI'

# No store here: refuse, name the path, create nothing
fails no_store 1 "$CTL" -d "$DB" conf list
if grep -q "$DB" "$ERR" && [ ! -e "$DB" ]; then
	echo "PASS confctl.no_store_not_created"
else
	echo "FAIL confctl.no_store_not_created"; cat "$ERR"
fi

ok conf_add "$CTL" -d "$DB" --create conf add $R --subject "Weekly sync" \
	--creator bob --srtp optional
has conf_add_confirms "^conference $R added"
fails anonymous_needs_open 2 "$CTL" -d "$DB" conf add sip:anon@localhost \
	--anonymous
grep -q -- '--open' "$ERR" && echo "PASS confctl.anonymous_says_why" ||
	echo "FAIL confctl.anonymous_says_why"

# --help at every level, on stdout, exit 0
ok help_conf "$CTL" conf --help
has help_conf_lists 'conf policy URI'
ok help_conf_add "$CTL" conf add --help
has help_conf_add_text 'Closed unless --open'
ok help_part_passwd "$CTL" -d "$DB" part passwd --help
has help_part_passwd_text 'SHA-256'
ok version "$CTL" --version
has version_text '^confctl [0-9]'
fails no_verb 2 "$CTL" conf
ok conf_add_open "$CTL" -d "$DB" conf add sips:open@localhost --open \
	--anonymous --srtp off
fails conf_add_dup 1 "$CTL" -d "$DB" conf add $R

ok part_add "$CTL" -d "$DB" part add $R sip:alice@example.org
has part_add_confirms "^sip:alice@example.org added to $R as participant"
ok part_add_chair "$CTL" -d "$DB" part add $R sip:bob@example.org \
	--kms-uid bob@kms.example.org --role chair
fails part_add_dup 1 "$CTL" -d "$DB" part add $R sip:alice@example.org
fails part_add_noconf 1 "$CTL" -d "$DB" part add sip:none@localhost \
	sip:alice@example.org

ok part_list "$CTL" -d "$DB" part list $R
has part_list_alice "^sip:alice@example.org role=participant kms_uid=sip:alice@example.org digest=- cert=-$"
has part_list_bob "^sip:bob@example.org role=chair"
fails part_list_noconf 1 "$CTL" -d "$DB" part list sip:none@localhost

# digest credentials: stored as HA1 only
ok part_passwd env CONFCTL_PASSWORD=Al1ce-pw "$CTL" -d "$DB" part passwd \
	$R sip:alice@example.org
has part_passwd_realm "realm localhost"
ok part_passwd_user sh -c "printf 'b0b\n' | '$CTL' -d '$DB' part passwd \
	$R sip:bob@example.org --user bobby"
fails part_passwd_dupuser 1 env CONFCTL_PASSWORD=x "$CTL" -d "$DB" part \
	passwd $R sip:bob@example.org --user alice
fails part_passwd_notlisted 1 env CONFCTL_PASSWORD=x "$CTL" -d "$DB" part \
	passwd $R sip:zed@example.org
fails part_passwd_empty 2 sh -c "printf '\n' | '$CTL' -d '$DB' part passwd \
	$R sip:bob@example.org"
"$CTL" -d "$DB" part list $R >"$OUT" 2>"$ERR"
has part_list_digest "^sip:alice@example.org .* digest=alice cert=-$"
has part_list_digest_user "^sip:bob@example.org .* digest=bobby"
if command -v sqlite3 >/dev/null; then
	# HA1 = MD5(alice:localhost:Al1ce-pw), and never the password
	want=$(printf 'alice:localhost:Al1ce-pw' | md5sum | cut -d' ' -f1)
	got=$(sqlite3 "$DB" "SELECT lower(hex(ha1_md5)) FROM participants
		WHERE sip_uri = 'sip:alice@example.org'")
	[ "$want" = "$got" ] && echo "PASS confctl.part_passwd_ha1" ||
		echo "FAIL confctl.part_passwd_ha1 ($got != $want)"
	want=$(printf 'alice:localhost:Al1ce-pw' | sha256sum | cut -d' ' -f1)
	got=$(sqlite3 "$DB" "SELECT lower(hex(ha1_sha256)) FROM participants
		WHERE sip_uri = 'sip:alice@example.org'")
	[ "$want" = "$got" ] && echo "PASS confctl.part_passwd_ha1_sha256" ||
		echo "FAIL confctl.part_passwd_ha1_sha256"
	n=$(sqlite3 "$DB" "SELECT count(*) FROM participants WHERE
		instr(CAST(ha1_md5 AS TEXT), 'Al1ce') > 0 OR
		instr(auth_user || realm || cert_fp, 'Al1ce') > 0")
	[ "$n" = 0 ] && echo "PASS confctl.part_passwd_not_clear" ||
		echo "FAIL confctl.part_passwd_not_clear"
fi
FP="sha-256 $(printf '%02X:' $(seq 1 32) | sed 's/:$//')"
ok part_cert "$CTL" -d "$DB" part cert $R sip:bob@example.org "$FP"
fails part_cert_bad 2 "$CTL" -d "$DB" part cert $R sip:bob@example.org \
	"md5 00:11"
"$CTL" -d "$DB" part list $R >"$OUT" 2>"$ERR"
has part_list_cert "^sip:bob@example.org .* cert=yes$"

ok conf_list "$CTL" -d "$DB" conf list
has list_room "^sip:room@localhost open=no anonymous=no srtp=optional"
has list_subject 'subject="Weekly sync"'
has list_open "^sips:open@localhost open=yes anonymous=yes srtp=off"
has list_alice "^ +sip:alice@example.org role=participant kms_uid=sip:alice@example.org$"
has list_bob "^ +sip:bob@example.org role=chair kms_uid=bob@kms.example.org$"

ok policy "$CTL" -d "$DB" conf policy $R --open --srtp required
"$CTL" -d "$DB" conf list >"$OUT" 2>"$ERR"
has policy_applied "^sip:room@localhost open=yes anonymous=no srtp=required"
ok policy_partial "$CTL" -d "$DB" conf policy $R --anonymous
"$CTL" -d "$DB" conf list >"$OUT" 2>"$ERR"
has policy_kept "^sip:room@localhost open=yes anonymous=yes srtp=required"
has keying_default "^sip:room@localhost .* keying=sdes,dtls,mikey,tls "
ok policy_keying "$CTL" -d "$DB" conf policy $R --keying dtls,mikey
"$CTL" -d "$DB" conf list >"$OUT" 2>"$ERR"
has keying_applied "^sip:room@localhost open=yes anonymous=yes srtp=required keying=dtls,mikey "
fails keying_bad 2 "$CTL" -d "$DB" conf policy $R --keying dtls,zrtp
fails keying_empty 2 "$CTL" -d "$DB" conf policy $R --keying ""
fails keying_twice 2 "$CTL" -d "$DB" conf policy $R --keying sdes,sdes
ok policy_keying_all "$CTL" -d "$DB" conf policy $R --keying all
"$CTL" -d "$DB" conf list >"$OUT" 2>"$ERR"
has keying_all "^sip:room@localhost .* keying=sdes,dtls,mikey,tls "
fails policy_noconf 1 "$CTL" -d "$DB" conf policy sip:none@localhost --open
fails policy_nothing 2 "$CTL" -d "$DB" conf policy $R

ok part_del "$CTL" -d "$DB" part del $R sip:alice@example.org
"$CTL" -d "$DB" conf list >"$OUT" 2>"$ERR"
hasnt part_del_gone "alice@example.org"
fails part_del_again 1 "$CTL" -d "$DB" part del $R sip:alice@example.org

ok creator_env env CONFCTL_PASSWORD=s3cret "$CTL" -d "$DB" creator add bob
ok creator_stdin sh -c "printf 'pw\n' | '$CTL' -d '$DB' creator add carol"
fails creator_dup 1 env CONFCTL_PASSWORD=x "$CTL" -d "$DB" creator add bob
fails creator_empty 2 sh -c "printf '\n' | '$CTL' -d '$DB' creator add dave"
ok creator_list "$CTL" -d "$DB" creator list
has creator_list_bob "^bob$"
has creator_list_carol "^carol$"
ok user_alias env CONFCTL_PASSWORD=p2 "$CTL" -d "$DB" user passwd carol
has user_passwd_confirms "password of creator carol changed"
fails creator_passwd_none 1 env CONFCTL_PASSWORD=p "$CTL" -d "$DB" \
	creator passwd nobody
ok creator_del "$CTL" -d "$DB" user del carol
"$CTL" -d "$DB" creator list >"$OUT" 2>"$ERR"
hasnt creator_del_gone "^carol$"
if command -v sqlite3 >/dev/null; then
	n=$(sqlite3 "$DB" "SELECT count(*) FROM creators WHERE
		instr(CAST(pwhash AS TEXT), 's3cret') > 0 OR name = 's3cret'")
	if [ "$n" = 0 ]; then
		echo "PASS confctl.creator_hashed"
	else
		echo "FAIL confctl.creator_hashed"
	fi
fi

ok conf_del "$CTL" -d "$DB" conf del $R
"$CTL" -d "$DB" conf list >"$OUT" 2>"$ERR"
hasnt conf_del_gone "^sip:room@localhost"
hasnt conf_del_cascade "bob@example.org"
fails conf_del_again 1 "$CTL" -d "$DB" conf del $R

# Bad arguments: exit 2 with a message, and nothing changes
fails bad_uri 2 "$CTL" -d "$DB" conf add "<sip:x@localhost>"
fails bad_uri_scheme 2 "$CTL" -d "$DB" conf add http://localhost/
fails bad_part_uri 2 "$CTL" -d "$DB" part add sips:open@localhost alice
fails bad_srtp 2 "$CTL" -d "$DB" conf add sip:x@localhost --srtp maybe
fails bad_role 2 "$CTL" -d "$DB" part add sips:open@localhost \
	sip:a@localhost --role king
fails bad_option 2 "$CTL" -d "$DB" conf add sip:x@localhost --bogus
fails bad_option_here 2 "$CTL" -d "$DB" conf del sips:open@localhost --open
fails missing_value 2 "$CTL" -d "$DB" conf add sip:x@localhost --subject
fails missing_arg 2 "$CTL" -d "$DB" part add sips:open@localhost
fails extra_arg 2 "$CTL" -d "$DB" conf list extra
fails unknown_cmd 2 "$CTL" -d "$DB" conf frobnicate
fails no_cmd 2 "$CTL" -d "$DB"
fails no_db_arg 2 "$CTL" -d
"$CTL" -d "$DB" conf list >"$OUT" 2>"$ERR"
hasnt bad_args_no_change "sip:x@localhost"

# An unusable store is a store error
fails bad_store 1 "$CTL" -d "$tmp/no/such/dir/x.db" conf list

exit 0
