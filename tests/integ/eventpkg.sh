#!/bin/sh
# Conference event package against real SIP subscribers (SIPp).
# build/tools/evtharness plays the focus; five SIPp scenarios subscribe:
# a watcher (full, partials, refresh, conference end), an unsubscriber,
# a keyed subscriber (MIKEY body, PSK S/MIME NOTIFYs), an intruder (403)
# and one asking for too short a subscription (423).
# eventpkg_check.py then checks what they received.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
S="$top/tests/sipp/eventpkg"
XSD="$top/tests/data/conference-info.xsd"
H="$BUILD/tools/evtharness"
tmp=$(mktemp -d /tmp/confd-evt.XXXXXX)
hpid=
tpid=
cleanup() {
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

for t in "$H" sipp xmllint openssl python3 tshark; do
	if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "$t" ]; then
		echo "FAIL eventpkg.setup ($t missing)"; exit 1
	fi
done

# ports from the pid so parallel runs do not collide
# below the ephemeral port range (32768-): see tests/integ/lib.sh
base=$((30000 + ($$ % 300) * 8))
HP=$base

cd "$tmp" || exit 1
tshark -i lo -f "udp port $HP" -w "$tmp/all.pcap" >/dev/null 2>&1 &
tpid=$!
sleep 1.5
"$H" -l 127.0.0.1:$HP -d "$tmp/dump.xml" \
	-a sip:alice@example.org -a sip:bob@example.org \
	-a sip:carol@example.org \
	-p sip:carol@example.org=00112233445566778899aabbccddeeff \
	>h.log 2>&1 &
hpid=$!
sleep 0.3

run() { # NAME LOG PORT TIMEOUT
	timeout "$4" sipp 127.0.0.1:$HP -sf "$S/$1.xml" -m 1 -p "$3" \
		-i 127.0.0.1 -nostdin -trace_msg -message_file "$2" \
		-trace_err -error_file "$1.err" >/dev/null 2>&1
	echo $? >"$1.rc"
}

run intruder i.log $((base + 1)) 10
run toobrief t.log $((base + 2)) 10
run watcher w.log $((base + 3)) 20 &
p1=$!
sleep 1
run unsubscriber u.log $((base + 4)) 15 &
p2=$!
run keyed k.log $((base + 5)) 15 &
p3=$!
wait $p1 $p2 $p3
# the harness ends the conference at 5 s and exits a second later
i=0
while kill -0 "$hpid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
hpid=
sleep 0.5
kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null
tpid=

for n in intruder toobrief watcher unsubscriber keyed; do
	rc=$(cat $n.rc 2>/dev/null)
	if [ "$rc" = 0 ]; then
		echo "PASS eventpkg.sipp_$n"
	else
		echo "FAIL eventpkg.sipp_$n (sipp exit $rc)"
		cat $n.err 2>/dev/null | head -20
	fi
done

python3 "$top/tests/integ/eventpkg_check.py" "$tmp" "$XSD" $HP $((base + 5))
