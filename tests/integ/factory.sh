#!/bin/sh
# The conference factory (RFC 4579 5.4, issue 10): an INVITE to
# factory_uri creates an ad-hoc conference whose creator is the caller,
# who joins at once; the 200's Contact carries the new URI with
# ;isfocus.  A second caller joins that URI; the conference is in the
# store (confctl conf list) and survives a reload; every factory INVITE
# makes a new conference; an anonymous caller may not create one; with
# factory_uri unset the factory URI is just an unknown conference.
. "$(dirname "$0")/lib.sh"
lib_init factory
need sipp ss timeout
need_build confd confctl confd-ua

S=$TOP/tests/sipp
D=$CONFD_DOMAIN
CONFD_EXTRA="factory_uri	sip:factory@$D
factory_open	yes
factory_srtp	optional"
confd_setup
confd_start

# an INVITE to the factory, held for 8 s, in the background
( sipp_run create1 "$S/join_leave.xml" -s factory -key caller alice \
	-d 8000 ) &
C1=$!
LIB_PIDS="$LIB_PIDS $C1"
sleep 2
M1=$(sipp_dir create1)/messages.log

# the 200's Contact: <sip:USER@IP:PORT>;isfocus and the conference URI
contact=$(grep -a -m1 '^Contact: <sip:adhoc-' "$M1" | tr -d '\r')
conf=$(grep -a -m1 '^X-Conference: <' "$M1" | tr -d '\r' |
	sed 's/^X-Conference: <\(.*\)>$/\1/')
case $contact in
*">;isfocus") pass "factory: the 200's Contact has the new URI and ;isfocus" ;;
*) fail "factory: the 200's Contact has the new URI and ;isfocus" "$contact"
   sipp_show create1 ;;
esac
user=$(echo "$conf" | sed -n 's/^sip:\(adhoc-[0-9a-f]*\)@.*$/\1/p')
check "factory: a new conference URI in our domain ($conf)" \
	test -n "$user" -a "$conf" = "sip:$user@$D"

# a second caller joins the new conference
timeout 20 "$BUILD/confd-ua" call --to "sip:$user@127.0.0.1:$CONFD_SIP_PORT" \
	--from "sip:bob@$D" --duration 2 >"$TMP/bob.log" 2>&1
check "factory: a second caller joins the new conference" \
	grep -q '^status=200$' "$TMP/bob.log"
grep -q "sip:bob@$D joined $conf (2 in" "$CONFD_LOG"
check "factory: the creator and the second caller are in it together" test $? = 0

wait "$C1"
check "factory: the creator's call ran to its end" test $? = 0

confctl conf list >"$TMP/list.txt" 2>&1
grep -q "$conf" "$TMP/list.txt" && grep -q "sip:alice@$D" "$TMP/list.txt"
check "factory: the conference and its creator are in the store" test $? = 0

# a reload keeps it (it is in the store)
confd_reload
sipp_run again "$S/join_leave.xml" -s "$user" -key caller carol -d 500
check "factory: the conference survives a reload" test $? = 0

# every INVITE to the factory makes a new conference
sipp_run create2 "$S/join_leave.xml" -s factory -key caller dave -d 500
conf2=$(grep -a -m1 '^X-Conference: <' "$(sipp_dir create2)/messages.log" |
	tr -d '\r' | sed 's/^X-Conference: <\(.*\)>$/\1/')
check "factory: a second INVITE makes another conference" \
	test -n "$conf2" -a "$conf2" != "$conf"

# an anonymous caller cannot create one
sipp_run anon "$S/reject_403.xml" -s factory -key caller anonymous \
	-key from_domain anonymous.invalid
check "factory: anonymous caller refused (403)" test $? = 0

confd_stop 10 || { fail "confd exits 0 on SIGTERM" "status $?";
	show_log "$CONFD_LOG" 60; }
mv "$CONFD_LOG" "$TMP/confd-factory-on.log"

# without factory_uri the factory URI is nothing special
CONFD_CONF="" CONFD_EXTRA=""
confd_setup
confd_start
sipp_run off "$S/reject_404.xml" -s factory
check "factory off (default): INVITE to it gets 404" test $? = 0
confd_stop 10
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 60
lib_done
