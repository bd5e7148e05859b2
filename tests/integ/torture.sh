#!/bin/sh
# RFC 4475 section 3: every SIP torture message against confd, over UDP
# and over TCP, and the answer each one gets, with the reason.
#
# The messages are tests/data/rfc4475/*.dat, cut out of the RFC text by
# tests/tools/rfc4475.py (which undoes the RFC's markup and checks the
# result against the RFC's bit-exact Appendix A: the first check below).
# tests/tools/sip_send.py sends each one byte for byte and prints the
# status lines that come back ("none" when nothing does).
#
# Several messages share one server transaction key (top Via branch and
# sent-by, CSeq method: sip_send.py --key), and libre rightly takes the
# second for a retransmission of the first.  Such messages go to a
# second confd (round 2), so each is judged on its own; every round of
# each transport is a fresh confd.
#
# Where confd answers nothing, libre 1.1.0's parser dropped the message
# before any listener saw it; docs/libre.md ("SIP messages libre drops")
# says which check, and what would answer them.
. "$(dirname "$0")/lib.sh"
lib_init torture
need python3
need_build confd confctl

DATA=$TOP/tests/data/rfc4475
SEND="python3 $TOP/tests/tools/sip_send.py"

# the RFC text lives outside the tree (the project's shared/rfc/)
RFC=""
for r in "$RFC4475" "$TOP/../shared/rfc/rfc4475.txt" \
	 "$TOP/../../shared/rfc/rfc4475.txt"; do
	[ -n "$r" ] && [ -f "$r" ] && RFC=$r && break
done
if [ -n "$RFC" ]; then
	check "messages match RFC 4475 Appendix A" \
		python3 "$TOP/tests/tools/rfc4475.py" --check "$RFC"
	python3 "$TOP/tests/tools/rfc4475.py" "$RFC" "$TMP/extracted" 2>/dev/null
	check "committed messages are the extraction" \
		diff -r "$DATA" "$TMP/extracted"
else
	note "no rfc4475.txt (set RFC4475=PATH): the committed messages are used"
fi

# name | UDP answer | TCP answer | why (RFC 4475 section; RFC 3261 rule)
# "none": no answer at all.  Request-URIs name users of example.com/net/
# org, which are no conference here: 404 is the answer the target
# deserves once the request is well formed (RFC 3261 8.2.2.1).
cat >"$TMP/expect" <<'EOF'
wsinv|481|481|3.1.1.1 well formed; To has a tag and no such dialog exists (RFC 3261 12.2.2)
intmeth|501|501|3.1.1.2 well formed; a method no one defined (8.2.1)
esc01|404|404|3.1.1.3 well formed; the escaped user is no conference
escnull|405|405|3.1.1.4 well formed REGISTER; a focus is no registrar (405 with Allow)
esc02|501|501|3.1.1.5 RE%47IST%45R is an unknown method, not REGISTER (8.2.1)
lwsdisp|404|404|3.1.1.6 well formed OPTIONS; the user is no conference
longreq|none|none|3.1.1.7 well formed, but its top Via has no branch: libre drops it (docs/libre.md)
dblreq|405|405 404|3.1.1.8 UDP: the REGISTER only, the trailing INVITE is discarded (18.3); TCP: two messages
semiuri|404|404|3.1.1.9 well formed OPTIONS; the user is no conference
transports|404|404|3.1.1.10 well formed; unknown transports in Via do not matter to a UAS
mpart01|405|405|3.1.1.11 well formed MESSAGE; the focus takes no MESSAGE
unreason|none|none|3.1.1.12 a response: never answered
noreason|none|none|3.1.1.13 a response: never answered
badinv01|none|none|3.1.2.1 should get 400; libre's Via parser finds no branch and drops it
clerr|400|none|3.1.2.2 UDP: 400 (18.3); TCP: confd waits for the rest of the body, as the RFC says
ncl|400|400|3.1.2.3 Content-Length -999 is an error
scalar02|400|400|3.1.2.4 CSeq number over 2**32-1: 400 before the method is looked at
scalarlg|none|none|3.1.2.5 a response: discarded
quotbal|404|404|3.1.2.6 liberal: libre infers the closing quote, the target is no conference
ltgtruri|none|none|3.1.2.7 should get 400; libre drops it (no Via branch, <> around the Request-URI)
lwsruri|none|none|3.1.2.8 should get 400; libre reads "lr SIP/2.0" as a version and drops it
lwsstart|none|none|3.1.2.9 may be rejected; libre's start line needs single SPs and drops it
trws|none|none|3.1.2.10 may be rejected; libre reads "SIP/2.0  " as no SIP/2.0 request and drops it
escruri|404|404|3.1.2.11 liberal: escaped headers ignored, the target is no conference
baddate|404|404|3.1.2.12 liberal: the Date header field is not used
regbadct|405|405|3.1.2.13 liberal about Contact; REGISTER at a focus: 405
badaspec|404|404|3.1.2.14 liberal about spaces in To; the target is no conference
baddn|404|404|3.1.2.15 liberal about the unquoted display names; the target is no conference
badvers|none|none|3.1.2.16 should get 505; libre takes SIP/7.0 for a response and drops it
mismatch01|400|400|3.1.2.17 CSeq method INVITE on an OPTIONS (8.1.1.5)
mismatch02|501|501|3.1.2.18 unknown method: 501, preferred over 400 by the RFC
bigcode|none|none|3.1.2.19 a response: dropped
badbranch|404|404|3.2.1 bare z9hG4bK branch accepted; the target is no conference
insuf|400|400|3.3.1 no Call-ID, From or To
unkscm|416|416|3.3.2 Request-URI scheme unknown (8.2.2.1)
novelsc|416|416|3.3.3 soap.beep is never a conference: treated as unknown
unksm2|none|none|3.3.4 should get 405 (REGISTER); libre cannot decode To isbn: / From http: and drops it
bext01|420|420|3.3.5 Require of tags confd does not implement: 420 with Unsupported (8.2.2.3)
invut|404|404|3.3.6 8.2.2.1 (404) comes before 8.2.3 (415); see the conference run below for 415
regaut01|405|405|3.3.7 REGISTER at a focus: 405, the Authorization scheme is not looked at
multi01|400|400|3.3.8 several Call-ID, To, From, Max-Forwards and CSeq values
mcl01|400|400|3.3.9 two Content-Length values
bcast|none|none|3.3.10 a response: discarded, never forwarded
zeromf|404|404|3.3.11 Max-Forwards 0 means nothing to a UAS: same as with 70 (checked below)
cparam01|405|405|3.3.12 REGISTER at a focus: 405 with Allow
cparam02|405|405|3.3.13 REGISTER at a focus: 405 with Allow
regescrt|405|405|3.3.14 REGISTER at a focus: 405 with Allow
sdp01|406|406|3.3.15 Accept rules out application/sdp, the only answer an INVITE can get
inv2543|none|none|3.4.1 RFC 2543 INVITE: libre drops a Via without branch before confd sees it
EOF

# every message has an expectation, and every expectation a message
ls "$DATA" | sed 's/\.dat$//' | sort >"$TMP/have"
cut -d'|' -f1 "$TMP/expect" | sort >"$TMP/want"
check "every section 3 message is listed (49)" \
	sh -c "diff '$TMP/have' '$TMP/want' && [ \$(wc -l <'$TMP/have') = 49 ]"

# round 1: the first message of each transaction key; round 2: the rest
: >"$TMP/keys"
for f in "$DATA"/*.dat; do
	n=$(basename "$f" .dat)
	k=$($SEND --key "$f")
	if grep -qxF "$k" "$TMP/keys"; then
		echo "$n" >>"$TMP/round2"
	else
		echo "$k" >>"$TMP/keys"
		echo "$n" >>"$TMP/round1"
	fi
done

confd_setup
confctl conf add "sip:room@$CONFD_DOMAIN" --open >/dev/null

# answers NAME TP: the status codes confd gave, space separated
answers() {
	$SEND -t "$2" -w "${3:-1}" 127.0.0.1 "$CONFD_SIP_PORT" "$DATA/$1.dat" |
		sed 's/ .*//' | tr '\n' ' ' | sed 's/ $//'
}

for tp in udp tcp; do
	for r in 1 2; do
		confd_start
		while read -r n; do
			answers "$n" "$tp" >"$TMP/got.$tp.$n"
		done <"$TMP/round$r"
		# a message that crashed it would show here
		if confd_alive; then
			pass "confd alive after $tp round $r"
		else
			fail "confd alive after $tp round $r"
		fi
		confd_stop
	done
done

while IFS='|' read -r n udp tcp why; do
	for tp in udp tcp; do
		if [ $tp = udp ]; then want=$udp; else want=$tcp; fi
		got=$(cat "$TMP/got.$tp.$n")
		if [ "$got" = "$want" ]; then
			pass "$n/$tp: $want ($why)"
		else
			fail "$n/$tp: $want expected, got $got" "$why"
		fi
	done
done <"$TMP/expect"

# The same messages aimed at an open conference, where the target is
# right and the answer shows the rule behind the 404 above.
confd_start
to_room() {
	sed "1s|^\([^ ]*\) [^ ]* SIP/2.0|\1 sip:room@$CONFD_DOMAIN SIP/2.0|" \
		"$DATA/$1.dat" >"$TMP/$1.room.dat"
	# a Via branch of its own: no earlier transaction matches
	sed -i -e "s/branch=\([^;, \r]*\)/branch=\1room$2/" \
		-e "s/^[Cc]all-I[Dd][ \t]*:[ \t]*/&room$2./" "$TMP/$1.room.dat"
}
room() {
	$SEND -t "$2" -w 1.5 127.0.0.1 "$CONFD_SIP_PORT" "$TMP/$1.room.dat" |
		sed 's/ .*//' | tr '\n' ' ' | sed 's/ $//'
}
for tp in udp tcp; do
	# 3.3.11: Max-Forwards 0 is answered as Max-Forwards 70 is
	to_room zeromf "$tp"
	sed 's/^Max-Forwards: 0/Max-Forwards: 70/' "$TMP/zeromf.room.dat" \
		>"$TMP/zeromf70.room.dat"
	sed -i -e "s/branch=\([^;, \r]*\)/branch=\1mf70/" \
		-e "s/^[Cc]all-I[Dd][ \t]*:[ \t]*/&mf70./" \
		"$TMP/zeromf70.room.dat"
	a=$(room zeromf "$tp")
	b=$(room zeromf70 "$tp")
	if [ "$a" = 200 ] && [ "$b" = 200 ]; then
		pass "zeromf/$tp at the conference: 200, as with Max-Forwards 70"
	else
		fail "zeromf/$tp at the conference" "MF 0: $a, MF 70: $b"
	fi
	to_room invut "$tp"
	a=$(room invut "$tp")
	[ "$a" = 415 ] && pass "invut/$tp at the conference: 415 (8.2.3)" ||
		fail "invut/$tp at the conference: 415 expected, got $a"
	to_room cparam02 "$tp"
	a=$(room cparam02 "$tp")
	[ "$a" = 405 ] && pass "cparam02/$tp at the conference: 405" ||
		fail "cparam02/$tp at the conference: 405 expected, got $a"
	to_room sdp01 "$tp"
	a=$(room sdp01 "$tp")
	[ "$a" = 406 ] && pass "sdp01/$tp at the conference: 406" ||
		fail "sdp01/$tp at the conference: 406 expected, got $a"
done
check "alive at the end" confd_alive
confd_stop
check "no crash or sanitizer report in the log" \
	sh -c "! grep -E 'AddressSanitizer|runtime error|Segmentation' '$TMP'/confd.log"

lib_done
