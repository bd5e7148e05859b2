#!/bin/sh
# bench/msrp.sh [BUILD] [N...] -- chat fan-out over TLS through the
# MSRP relay (build/tools/msrp_harness) with N participants played by
# the test UA's MSRP client (build/msrp-ua):
#   - 1000 messages of 1 KiB from one sender: messages/s delivered and
#     p99 latency (send to receipt, ms);
#   - a 20 MiB file in 32 KiB chunks: MB/s delivered in total;
#   - one stalled recipient, messages of 20 and 60 MiB (max-size is
#     64 MiB): relay peak RSS.
# Target: >= 100 MB/s delivered in total at N=100.
#
# Results, per N: bench.msrp.nN.{msg_delivered, msg_per_s, p50_ms,
# p99_ms, file_intact, file_mb_per_s, file_rss_kb,
# stall20_intact, stall20_rss_before_kb, stall20_rss_after_kb,
# stall60_intact, stall60_rss_before_kb, stall60_rss_after_kb}.
#
# Environment: MSRP_N (the Ns when none is given, default "10 100").
BUILD=${1:-build}
[ $# -gt 0 ] && shift
[ $# = 0 ] && set -- ${MSRP_N:-10 100}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
bench_need "$BUILD/tools/msrp_harness" "$BUILD/msrp-ua"
H=$BUILD/tools/msrp_harness
UA=$BUILD/confd-ua
T=$(mktemp -d /tmp/msrp-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf $T' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout $T/u.key -out $T/u.crt -subj /CN=bench -days 2 2>/dev/null
cat $T/u.crt $T/u.key > $T/u.pem
FP="sha-256 $(openssl x509 -in $T/u.crt -noout -fingerprint -sha256 | sed 's/.*=//')"
head -c 20971520 /dev/urandom > $T/f20
head -c 62914560 /dev/urandom > $T/f60
ROOM=sip:room@bench

start_harness() {   # n [extra args]
	n=$1; shift
	: > $T/parts
	i=0
	while [ $i -lt $n ]; do echo "sip:u$i@bench=$FP" >> $T/parts; i=$((i+1)); done
	"$H" -c $T/confd.pem -u $ROOM -r 47000-48999 "$@" -P $T/parts > $T/h.out 2> $T/h.err &
	HP=$!; PIDS="$PIDS $HP"
	while ! grep -q READY $T/h.out; do
		kill -0 $HP 2>/dev/null || { cat $T/h.out; exit 1; }
		sleep 0.1
	done
	CFP=$(awk '$1=="FP"{print $2" "$3}' $T/h.out)
}
ua() { id=$1; shift
	"$UA" msrp -c 127.0.0.1:$(awk -v id=$id '$1=="PART"&&$2==id{print $3}' $T/h.out) \
		-p "$(awk -v id=$id '$1=="PART"&&$2==id{print $4}' $T/h.out)" \
		-T -k $T/u.pem -f "$CFP" -i $id -r $ROOM -s "$@"; }
stop_harness() { kill $HP; wait $HP 2>/dev/null; }
hwm() { awk '$1=="STATS"{for(i=2;i<=NF;i++) if($i~/^hwm_kb=/){sub("hwm_kb=","",$i);v=$i}} END{print v}' $T/h.out; }

for N in "$@"; do
	R=$((N - 1))
	# --- small messages: rate and latency
	rm -f $T/r*.out
	start_harness $N
	i=1; RP=""
	while [ $i -lt $N ]; do
		ua sip:u$i@bench -t 300 recv:1000 > $T/r$i.out 2>&1 & RP="$RP $!"
		i=$((i+1))
	done
	sleep 2
	ua sip:u0@bench -t 300 burst:1000:1024 wait > $T/s.out 2>&1
	wait $RP
	awk '
		FNR==1 { f++ }
		f==1 && $1=="SENT" { for(i=1;i<=NF;i++) if($i~/^t=/){sub("t=","",$i); st[++ns]=$i} }
		f>1 && $1=="RX" { for(i=1;i<=NF;i++) if($i~/^t=/){sub("t=","",$i); k[f]++; print $i-st[k[f]], $i-st[1]} }
	' $T/s.out $(i=1; while [ $i -lt $N ]; do echo $T/r$i.out; i=$((i+1)); done) > $T/lat
	NL=$(wc -l < $T/lat)
	SPAN=$(sort -n -k2 $T/lat | tail -1 | cut -d' ' -f2)
	P50=$(cut -d' ' -f1 $T/lat | sort -n | awk -v n=$NL 'NR==int(n*0.5)+1{print; exit}')
	P99=$(cut -d' ' -f1 $T/lat | sort -n | awk -v n=$NL 'NR==int(n*0.99)+1{print; exit}')
	RATE=$(awk -v n=$NL -v ms=${SPAN:-1} 'BEGIN{printf "%.0f", n/(ms/1000.0)}')
	echo "msrp: N=$N  1 KiB messages: $NL delivered ($((R * 1000)) expected) in ${SPAN} ms: $RATE msg/s delivered, latency p50 ${P50} ms, p99 ${P99} ms"
	kv msrp.n$N.msg_delivered "$NL"
	kv msrp.n$N.msg_per_s "$RATE"
	kv msrp.n$N.p50_ms "$P50"
	kv msrp.n$N.p99_ms "$P99"
	stop_harness

	# --- a 20 MiB file: total delivered throughput
	rm -f $T/r*.out
	start_harness $N
	i=1; RP=""
	while [ $i -lt $N ]; do
		ua sip:u$i@bench -t 600 recv:1 > $T/r$i.out 2>&1 & RP="$RP $!"
		i=$((i+1))
	done
	sleep 2
	T0=$(date +%s%3N)
	ua sip:u0@bench -t 600 file:$T/f20:32768 wait > $T/s.out 2>&1
	wait $RP
	T1=$(cat $T/r*.out | awk '$1=="RX"{for(i=1;i<=NF;i++) if($i~/^t=/){sub("t=","",$i); if($i>m)m=$i}} END{print m}')
	OK=$(grep -l "len=20971520 sha256=$(sha256sum $T/f20 | cut -d' ' -f1)" $T/r*.out | wc -l)
	MBS=$(awk -v b=$((R * 20971520)) -v ms=$((T1 - T0)) 'BEGIN{printf "%.0f", b/1e6/(ms/1000.0)}')
	SECS=$(awk -v ms=$((T1 - T0)) 'BEGIN{printf "%.2f", ms/1000.0}')
	RSS=$(sleep 1.1; hwm)
	echo "msrp: N=$N  20 MiB file to $R: $OK intact, $MBS MB/s delivered in total ($SECS s), relay peak RSS $RSS kB"
	kv msrp.n$N.file_intact "$OK"
	kv msrp.n$N.file_mb_per_s "$MBS"
	kv msrp.n$N.file_rss_kb "$RSS"
	stop_harness

	# --- one stalled recipient: memory vs message size
	for f in f20 f60; do
		rm -f $T/r*.out
		start_harness $N
		# directly, so that $! is the UA and not a subshell
		"$UA" msrp -c 127.0.0.1:$(awk '$1=="PART"&&$2=="sip:u1@bench"{print $3}' $T/h.out) \
			-p "$(awk '$1=="PART"&&$2=="sip:u1@bench"{print $4}' $T/h.out)" \
			-T -k $T/u.pem -f "$CFP" -i sip:u1@bench -r $ROOM -t 600 \
			stall sleep:600000 > $T/st.out 2>&1 & SP=$!
		PIDS="$PIDS $SP"
		i=2; RP=""
		while [ $i -lt $N ]; do
			ua sip:u$i@bench -t 600 recv:1 > $T/r$i.out 2>&1 & RP="$RP $!"
			i=$((i+1))
		done
		sleep 2
		B0=$(hwm)
		ua sip:u0@bench -t 600 file:$T/$f:32768 wait > $T/s.out 2>&1
		wait $RP
		sleep 1.2
		OK=$(grep -l "^RX .*len=$(stat -c %s $T/$f) " $T/r*.out | wc -l)
		B1=$(hwm)
		echo "msrp: N=$N  stalled recipient, $f message: $OK/$((N - 2)) others intact, relay peak RSS $B0 kB before -> $B1 kB after"
		kv msrp.n$N.stall${f#f}_intact "$OK"
		kv msrp.n$N.stall${f#f}_rss_before_kb "$B0"
		kv msrp.n$N.stall${f#f}_rss_after_kb "$B1"
		kill $SP 2>/dev/null
		stop_harness
	done
done
