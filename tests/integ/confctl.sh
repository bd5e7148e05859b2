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

ok conf_add "$CTL" -d "$DB" conf add $R --subject "Weekly sync" \
	--creator bob --srtp optional
ok conf_add_open "$CTL" -d "$DB" conf add sips:open@localhost --open \
	--anonymous --srtp off
fails conf_add_dup 1 "$CTL" -d "$DB" conf add $R

ok part_add "$CTL" -d "$DB" part add $R sip:alice@example.org
ok part_add_chair "$CTL" -d "$DB" part add $R sip:bob@example.org \
	--kms-uid bob@kms.example.org --role chair
fails part_add_dup 1 "$CTL" -d "$DB" part add $R sip:alice@example.org
fails part_add_noconf 1 "$CTL" -d "$DB" part add sip:none@localhost \
	sip:alice@example.org

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
