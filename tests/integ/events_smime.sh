#!/bin/sh
# The conference event package with PSK S/MIME (DESIGN.md): the test UA
# subscribes with a MIKEY-TICKET TRANSFER_INIT in the SUBSCRIBE (its own
# MIKEY code, ticket from kmsd), confd resolves it at kmsd and answers
# with TRANSFER_RESP; while SIPp participants join and leave, every
# NOTIFY must be CMS AuthEnvelopedData that `openssl cms` opens with the
# TEK the UA derived, and what it opens must be a valid conference-info
# document.  A conference that requires protection refuses a plain
# SUBSCRIBE, and a KMS UID not on the list, with 403.
. "$(dirname "$0")/lib.sh"
lib_init events_smime
need sipp openssl xmllint python3 tshark dumpcap
need_build confd confctl confd-ua kmsd

S=$TOP/tests/sipp
XSD=$TOP/tests/data/conference-info.xsd

# ---- kmsd ----
kmsd_start A=sip:alice@example.org M=sip:mallory@example.org

# ---- confd ----
confd_setup
confd_kms_conf
# bob and carol (SIPp) assert who they are from a trusted peer; alice
# subscribes with MIKEY, which needs no digest
confd_trust_loopback
ROOM=sip:room@$CONFD_DOMAIN
confctl conf add "$ROOM" --subject "Keyed" --srtp optional >/dev/null &&
	confctl conf policy "$ROOM" --notify-smime on >/dev/null ||
	{ fail "conference with --notify-smime on"; lib_done; }
# alice's SIP URI and KMS UID differ on purpose: the KMS UID decides
confctl part add "$ROOM" "sip:alice@$CONFD_DOMAIN" --kms-uid sip:alice@example.org >/dev/null
for u in bob carol; do
	confctl part add "$ROOM" "sip:$u@$CONFD_DOMAIN" >/dev/null
done
confd_start

TO=sip:room@127.0.0.1:$CONFD_SIP_PORT
mikey_of() { # KMS-UID PSK: the --mikey argument
	echo "$1:$2:kms.example.org:127.0.0.1:$KPORT:$FOCUS_UID"
}
# sub NAME ARGS...: confd-ua subscribe, key=value output in $TMP/NAME.out
sub() {
	local _n
	_n=$1; shift
	timeout -k 5 60 "$BUILD/confd-ua" subscribe --to "$TO" \
		--kms-fp "$KFP" "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err"
}
kv() { # NAME KEY: a value from sub's output
	sed -n "s/^$2=//p" "$TMP/$1.out" | tail -n 1
}
sipp_bg() { # NAME SCENARIO CALLER HOLD_MS
	mkdir -p "$TMP/$1"
	( cd "$TMP/$1" && exec timeout 40 sipp 127.0.0.1:"$CONFD_SIP_PORT" \
		-sf "$2" -s room -key domain "$CONFD_DOMAIN" -key caller "$3" \
		-key caller_domain "$CONFD_DOMAIN" -key pai "$3" -key dname "$3" \
		-d "$4" -i 127.0.0.1 -p "$(free_port)" -mp "$(free_port)" \
		-m 1 -l 1 -nostdin -trace_msg -trace_err >sipp.out 2>&1 )
}

capture_start sip "udp port $CONFD_SIP_PORT" || fail "capture start"

# ---- alice watches, keyed, while bob and carol join and leave ----
D=$TMP/notify
mkdir -p "$D"
sub watch --from "sip:alice@$CONFD_DOMAIN" --dump "$D" --duration 8 \
	--mikey "$(mikey_of sip:alice@example.org "$PSK_A")" &
W=$!
LIB_PIDS="$LIB_PIDS $W"
# the first NOTIFY follows the KMS round trip
wait_for 10 test -e "$D/notify-001.hdr" || note "no NOTIFY within 10 s"
sipp_bg bob "$S/pai_join.xml" bob 3000 &
B=$!
sleep 0.5
sipp_bg carol "$S/pai_join.xml" carol 1000 &
C=$!
wait $C || fail "carol's call" "sipp exit $?"
wait $B || fail "bob's call" "sipp exit $?"
if wait $W; then
	pass "keyed subscription: accepted, NOTIFYs answered, unsubscribed"
else
	fail "keyed subscription: accepted, NOTIFYs answered, unsubscribed"
	sed 's/^/    | /' "$TMP/watch.out" "$TMP/watch.err"
	show_log "$CONFD_LOG" 30
fi

check "200 to the keyed SUBSCRIBE" test "$(kv watch status)" = 200
check "200 carries application/mikey (TRANSFER_RESP)" \
	test "$(kv watch resp_ctype)" = application/mikey
TEK=$(kv watch tek)
KEKID=$(kv watch kekid)
check "UA derived a 16-byte TEK from TRANSFER_RESP" \
	sh -c 'echo "$1" | grep -Eqx "[0-9a-f]{32}"' - "$TEK"
check "kekid is CSB ID || CS ID 1" \
	sh -c 'echo "$1" | grep -Eqx "[0-9a-f]{8}01"' - "$KEKID"
N=$(kv watch notifies)
note "notifies=$N state=$(kv watch state)"
check "several NOTIFYs (full state, joins, leaves)" test "${N:-0}" -ge 4

# every NOTIFY: its headers, then openssl cms opens its body
nbody=0; nempty=0; badct=""; badopen=""
for h in "$D"/notify-*.hdr; do
	[ -e "$h" ] || continue
	b=${h%.hdr}.bin
	if [ ! -s "$b" ]; then
		nempty=$((nempty + 1))
		continue
	fi
	nbody=$((nbody + 1))
	ct=$(sed -n 's/^Content-Type: //p' "$h")
	echo "$ct" | grep -Eiq '^application/pkcs7-mime[[:space:]]*;[[:space:]]*smime-type="?authEnveloped-data"?$' ||
		badct="$badct $(basename "$h"):[$ct]"
	openssl cms -decrypt -inform DER -secretkey "$TEK" \
		-secretkeyid "$KEKID" -in "$b" -out "${b%.bin}.mime" \
		2>"${b%.bin}.cmserr" || badopen="$badopen $(basename "$b")"
done
[ "$nempty" = 0 ] || note "$nempty NOTIFY(s) without a body"
check "NOTIFYs with a body" test "$nbody" -ge 3
check "every NOTIFY is application/pkcs7-mime; smime-type=authEnveloped-data" \
	test -z "$badct"
[ -z "$badct" ] || note "content types:$badct"
check "openssl cms -decrypt -secretkey TEK -secretkeyid KEKID opens every one" \
	test -z "$badopen"
[ -z "$badopen" ] || { note "would not open:$badopen"; cat "$D"/*.cmserr | head -5 | sed 's/^/    | /'; }

# what opened: a MIME entity of type application/conference-info+xml
# holding a valid document; the first full, then versions + 1; the
# roster rebuilt (RFC 4575 4.6) saw bob and carol and ends empty
python3 - "$D" "$XSD" "$TOP/tests/integ" "sip:bob@$CONFD_DOMAIN" \
	"sip:carol@$CONFD_DOMAIN" >"$TMP/docs.check" 2>&1 <<'EOF'
import glob, os, re, subprocess, sys
import xml.etree.ElementTree as ET
d, xsd, lib, users = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sys.path.insert(0, lib)
import eventpkg_check as ec

def res(name, ok, why=''):
    print(('PASS ' if ok else 'FAIL ') + name + ('' if ok or not why else ' (%s)' % why))

mimes = sorted(glob.glob(os.path.join(d, 'notify-*.mime')))
badtype, invalid, xmls = [], [], []
for m in mimes:
    ent = open(m, 'rb').read()
    # RFC 2045 entity: header fields, an empty line, the body
    sep = re.search(rb'\r?\n\r?\n', ent)
    head, body = (ent[:sep.start()], ent[sep.end():]) if sep else (b'', ent)
    ct = re.search(rb'(?im)^content-type:[ \t]*([^;\r\n]+)', head)
    if not ct or ct.group(1).strip().lower() != b'application/conference-info+xml':
        badtype.append('%s: %r' % (os.path.basename(m), head[:80]))
        continue
    x = os.path.join(d, os.path.basename(m)[:-5] + '.xml')
    open(x, 'wb').write(body)
    r = subprocess.run(['xmllint', '--nonet', '--noout', '--schema', xsd, x],
                       capture_output=True)
    if r.returncode:
        invalid.append('%s: %s' % (os.path.basename(x),
                                   r.stderr.decode(errors='replace')[:200]))
    xmls.append(body)
res('every opened body is an application/conference-info+xml entity',
    mimes and not badtype, '; '.join(badtype) or 'nothing opened')
res('every document validates against conference-info.xsd',
    xmls and not invalid, '; '.join(invalid))
st = ec.State()
probs, seen = [], set()
for i, b in enumerate(xmls):
    root = ET.fromstring(b)
    if i == 0 and root.get('state') != 'full':
        probs.append('first document is %s' % root.get('state'))
    why = st.apply(root)
    if why:
        probs.append(why)
    for key, u in st.users.items():
        for ep in u['eps'].values():
            if b'<status>connected</status>' in re.sub(rb'ns\d+:|\s', b'', ep):
                seen.add(key)
res('first document full, then versions + 1', xmls and not probs,
    '; '.join(probs))
miss = [u for u in users if u not in seen]
res('rebuilt roster saw bob and carol connected', not miss,
    'never connected: %s' % miss)
res('rebuilt roster empty after they left', xmls and not st.users,
    'left: %s' % sorted(st.users))
EOF
# not a pipe: pass/fail must count in this shell
while read -r l; do
	case $l in
	PASS*) pass "${l#PASS }" ;;
	FAIL*) fail "${l#FAIL }" ;;
	*) note "$l" ;;
	esac
done <"$TMP/docs.check"

# tampering: one flipped byte in the ciphertext, and in the GCM tag
first=$(ls "$D"/notify-*.bin 2>/dev/null | while read -r f; do
	[ -s "$f" ] && { echo "$f"; break; }; done)
if [ -n "$first" ]; then
	flip() { # IN OUT OFFSET-FROM-END
		python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) - int(sys.argv[3])] ^= 0x01
open(sys.argv[2], "wb").write(bytes(b))' "$1" "$2" "$3"
	}
	opens() {
		openssl cms -decrypt -inform DER -secretkey "$TEK" \
			-secretkeyid "$KEKID" -in "$1" -out /dev/null 2>/dev/null
	}
	flip "$first" "$TMP/flip-ct.bin" 40
	flip "$first" "$TMP/flip-tag.bin" 1
	check "the untouched copy opens" opens "$first"
	check "a flipped ciphertext byte fails to open" sh -c '! "$@"' - \
		openssl cms -decrypt -inform DER -secretkey "$TEK" \
		-secretkeyid "$KEKID" -in "$TMP/flip-ct.bin" -out /dev/null
	check "a flipped tag byte fails to open" sh -c '! "$@"' - \
		openssl cms -decrypt -inform DER -secretkey "$TEK" \
		-secretkeyid "$KEKID" -in "$TMP/flip-tag.bin" -out /dev/null
	check "a wrong KEK fails to open" sh -c '! "$@"' - \
		openssl cms -decrypt -inform DER \
		-secretkey "$(openssl rand -hex 16)" \
		-secretkeyid "$KEKID" -in "$first" -out /dev/null
else
	fail "tampering checks" "no NOTIFY body to tamper with"
fi

# ---- refusals ----
sub plain --from "sip:alice@$CONFD_DOMAIN" --duration 5 --expect 403
rc=$?
check "plain SUBSCRIBE to a --notify-smime conference: 403" \
	test "$(kv plain status)" = 403 -a "$rc" = 0
note "plain: $(kv plain status) $(kv plain reason)"

# mallory holds a valid ticket but is not on the list; From says alice
sub mallory --from "sip:alice@$CONFD_DOMAIN" --duration 5 --expect 403 \
	--mikey "$(mikey_of sip:mallory@example.org "$PSK_M")"
rc=$?
check "MIKEY SUBSCRIBE with a KMS UID not on the list: 403" \
	test "$(kv mallory status)" = 403 -a "$rc" = 0
note "mallory: $(kv mallory status) $(kv mallory reason)"
check "no key for the refused subscriber" test -z "$(kv mallory tek)"

check "confd still serving" confd_alive

# ---- on the wire, read by tshark's own SIP and MIKEY dissectors ----
capture_stop
tsh() {
	tshark -r "$CAP_FILE" -d "udp.port==$CONFD_SIP_PORT,sip" -Y "$1" \
		-T fields -e frame.number 2>/dev/null | wc -l
}
# (tshark knows RFC 3830's common header but not RFC 6043's types and
# GENERIC-ID map, so only HDR fields are read from it)
check "both MIKEY SUBSCRIBEs carry application/mikey (tshark)" \
	test "$(tsh 'sip.Method == "SUBSCRIBE" && mikey.type == 14')" = 2
check "kekid's CSB ID is the one on the wire in alice's TRANSFER_INIT" \
	test "$(tshark -r "$CAP_FILE" -d "udp.port==$CONFD_SIP_PORT,sip" \
		-Y 'sip.Method == "SUBSCRIBE" && mikey' -T fields \
		-e mikey.csb_id 2>/dev/null | head -n 1)" = "0x${KEKID%??}"
check "the 200 carries TRANSFER_RESP (tshark: MIKEY type 15)" \
	test "$(tsh 'sip.Status-Code == 200 && sip.CSeq.method == "SUBSCRIBE" && mikey.type == 15')" -ge 1
check "no malformed SIP or MIKEY in the capture" \
	test "$(tsh '_ws.malformed || _ws.expert.severity == error')" = 0
lib_done
