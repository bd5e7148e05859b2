#!/bin/sh
# The conference event package served by confd: a subscriber on the list
# watches while participants join and leave; the conference is deleted
# and ends with its last participant (terminated;reason=noresource).
. "$(dirname "$0")/lib.sh"
lib_init events_sip
need sipp xmllint python3
need_build confd confctl

S=$TOP/tests/sipp
XSD=$TOP/tests/data/conference-info.xsd
ROOM=sip:room@$CONFD_DOMAIN
confd_setup
# callers assert who they are (P-Asserted-Identity from a trusted
# peer): a closed conference takes no bare From
confd_trust_loopback
confctl conf add "$ROOM" --subject "Weekly" --srtp optional >/dev/null
for u in alice bob carol; do
	confctl part add "$ROOM" "sip:$u@$CONFD_DOMAIN" >/dev/null
done
confd_start

sipp_bg() { # NAME SCENARIO CALLER HOLD_MS
	mkdir -p "$TMP/$1"
	( cd "$TMP/$1" && exec timeout 40 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$2" -s room -key domain "$CONFD_DOMAIN" -key caller "$3" \
		-key caller_domain "$CONFD_DOMAIN" -key pai "$3" -key dname "$3" \
		-d "$4" -i 127.0.0.1 -p "$(free_port)" -mp "$(free_port)" \
		-m 1 -l 1 -nostdin -trace_msg -trace_err >sipp.out 2>&1 )
}

sipp_bg intruder "$S/subscribe_intruder.xml" mallory 0
check "subscriber not on the list: 403" test $? = 0

sipp_bg watch "$S/subscribe_watch.xml" alice 0 &
W=$!
LIB_PIDS="$LIB_PIDS $W"
sleep 1
sipp_bg bob "$S/pai_join.xml" bob 3500 &
B=$!
sleep 0.5
sipp_bg carol "$S/pai_join.xml" carol 1000 &
C=$!
wait $C
# delete the conference: it ends when bob, its last participant, leaves
confctl conf del "$ROOM" >/dev/null
confd_reload
wait $B
if wait $W; then
	pass "watcher's subscription ran to its end"
else
	fail "watcher's subscription ran to its end"
	tail -20 "$TMP"/watch/*errors* 2>/dev/null | sed 's/^/    | /'
fi
# through a file, not a pipe: a pipe's while loop runs in a subshell
# and its FAILs would not reach lib_done
python3 "$TOP/tests/integ/events_check.py" "$(ls "$TMP"/watch/*_messages.log)" \
	"$XSD" "sip:bob@$CONFD_DOMAIN" "sip:carol@$CONFD_DOMAIN" \
	>"$TMP/check.out" 2>&1
while read -r l; do
	case $l in
	PASS*) pass "${l#PASS }" ;;
	FAIL*) fail "${l#FAIL }" ;;
	*) note "$l" ;;
	esac
done <"$TMP/check.out"
lib_done
