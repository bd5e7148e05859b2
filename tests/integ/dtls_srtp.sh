#!/bin/sh
# Two baresip clients key their media with DTLS-SRTP (RFC 5763/5764,
# baresip's dtls_srtp.so: UDP/TLS/RTP/SAVPF, a=setup:actpass, SHA-256
# fingerprints) in a closed conference.  alice keeps baresip's default
# rtcp_mux no (a second DTLS association on the RTCP port), bob offers
# a=rtcp-mux.
#   - both calls come up with the DTLS handshake done and the peer's
#     fingerprint verified on baresip's side;
#   - each hears the other's tone and not its own: audio both ways, so
#     both directions' keys work on both ends;
#   - confd logs (debug level) an id of each exported key, never a key:
#     all ids are pairwise distinct (no key shared between participants
#     or directions), and no key material appears in the log.
. "$(dirname "$0")/lib.sh"
lib_init dtls_srtp
need baresip ss timeout
need_build confd confctl tools/tonegen tools/tonecheck
[ -f /usr/lib/baresip/modules/dtls_srtp.so ] || skip "baresip's dtls_srtp.so"

D=$CONFD_DOMAIN
ROOM=sip:dtls@$D
USERS="alice bob"
tone_of() {
	case $1 in alice) echo 440 ;; bob) echo 1000 ;; esac
}

for u in $USERS; do
	"$BUILD/tools/tonegen" -d 60 -l 0.25 "$TMP/$u.wav" "$(tone_of "$u")" ||
		{ fail "tone files"; lib_done; }
done

confd_setup
{
	confctl conf add "$ROOM" --srtp required --subject "dtls" &&
	for u in $USERS; do
		confctl part add "$ROOM" "sip:$u@$D" &&
		CONFCTL_PASSWORD="pw-$u" confctl part passwd "$ROOM" "sip:$u@$D" ||
			exit 1
	done
} >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

pids=""
delay=0
for u in $USERS; do
	baresip_setup "$TMP/$u" "$u" "$TMP/$u.wav" \
		";mediaenc=dtls_srtp;auth_pass=pw-$u"
	printf "module\t\t\tdtls_srtp.so\n" >>"$TMP/$u/config"
	[ "$u" = bob ] && sed -i "s/^rtcp_mux.*/rtcp_mux\t\tyes/" "$TMP/$u/config"
	baresip_start "$u" "$TMP/$u" $((14 - delay)) "/dial $ROOM"
	pids="$pids $BG_PID"
	sleep 1
	delay=$((delay + 1))
done
for p in $pids; do
	wait "$p"
done

for u in $USERS; do
	log=$TMP/$u.log
	if grep -q "Call established" "$log" &&
	   grep -q "verified sha-256 fingerprint OK" "$log" &&
	   grep -q "DTLS-SRTP complete" "$log"; then
		pass "$u joined with DTLS-SRTP, confd's fingerprint verified"
	else
		fail "$u joined with DTLS-SRTP, confd's fingerprint verified"
		grep -a -E "call:|Call |dtls|DTLS|err|fail" "$log" | tail -n 15 |
			sed 's/^/    | /'
	fi
done
if grep -a "dtls_srtp: .*complete" "$TMP/alice.log" | grep -q RTCP; then
	pass "alice (no rtcp-mux) also keyed its RTCP port by DTLS"
else
	fail "alice (no rtcp-mux) also keyed its RTCP port by DTLS"
fi

for u in $USERS; do
	rec=$(baresip_recording "$TMP/$u")
	args=""
	for o in $USERS; do
		if [ "$o" = "$u" ]; then
			args="$args -a $(tone_of "$o")"
		else
			args="$args -p $(tone_of "$o")"
		fi
	done
	if [ -z "$rec" ]; then
		fail "$u hears the other and not itself" "no recording"
		continue
	fi
	# shellcheck disable=SC2086
	check "$u hears the other and not itself" \
		"$BUILD/tools/tonecheck" -s 2 -t 4 $args "$rec"
done

# "DTLS-SRTP up (server), SUITE, tx key id X, rx key id Y": one per
# association (alice: RTP and RTCP; bob: RTP)
grep -a "DTLS-SRTP up" "$CONFD_LOG" >"$TMP/up.txt"
n=$(wc -l <"$TMP/up.txt")
ids=$(sed -n 's/.*tx key id \([0-9a-f]*\), rx key id \([0-9a-f]*\).*/\1\n\2/p' \
	"$TMP/up.txt")
nids=$(echo "$ids" | grep -c .)
ndist=$(echo "$ids" | sort -u | grep -c .)
if [ "$n" = 3 ] && [ "$nids" = 6 ] && [ "$ndist" = 6 ]; then
	pass "three DTLS associations, six key ids, pairwise distinct"
else
	fail "three DTLS associations, six key ids, pairwise distinct" \
		"$n associations, $nids ids, $ndist distinct"
	sed 's/^/    | /' "$TMP/up.txt"
fi
if grep -q "(server)" "$TMP/up.txt" && ! grep -q "(client)" "$TMP/up.txt"; then
	pass "confd answered actpass with passive (DTLS server)"
else
	fail "confd answered actpass with passive (DTLS server)"
fi

if confd_alive; then
	pass "confd alive after the calls"
else
	fail "confd alive after the calls"
fi
confd_stop 10 || { fail "confd exits 0 on SIGTERM" "status $?"; show_log "$CONFD_LOG"; }
[ "$LIB_FAILS" != 0 ] && show_log "$CONFD_LOG" 80
lib_done
