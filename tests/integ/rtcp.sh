#!/bin/sh
# RTCP reception reports (issue 14, RFC 3550 6.4): two baresip clients
# (plain RTP, PCMU, rtcp_mux off) in one conference for 16 s, captured
# on lo.  tshark (with its RTCP heuristic, nothing told about ports)
# decodes what confd sends from its RTCP ports:
#  - SR/RR with one report block (RC=1), no malformed packets;
#  - the block names the SSRC of the RTP that participant sends to that
#    port, with plausible values on loopback: fraction lost 0, cumulative
#    loss small, extended highest sequence moving on (50 packets/s),
#    jitter under 100 ms (800 units at 8 kHz), LSR from baresip's SRs
#    once they came and DLSR under 10 s;
# and confd uses the participants' reports: a debug line per block about
# its stream, and `confctl status` shows loss and jitter per participant.
. "$(dirname "$0")/lib.sh"
lib_init rtcp
need baresip tshark dumpcap timeout python3
need_build confd confctl tools/tonegen

D=$CONFD_DOMAIN
ROOM=sip:rtcp@$D
for u in alice bob; do
	"$BUILD/tools/tonegen" -d 30 -l 0.25 "$TMP/$u.wav" 440 ||
		{ fail "tone files"; lib_done; }
done

confd_setup
confctl conf add "$ROOM" --open --srtp off >"$TMP/confctl.log" 2>&1 ||
	{ fail "store set-up with confctl"; show_log "$TMP/confctl.log"; lib_done; }
confd_start

capture_start rtp "udp portrange $CONFD_RTP_MIN-$CONFD_RTP_MAX" ||
	{ fail "packet capture on lo"; lib_done; }

pids=""
for u in alice bob; do
	baresip_setup "$TMP/$u" "$u" "$TMP/$u.wav" ""
	baresip_start "$u" "$TMP/$u" 16 "/dial $ROOM"
	pids="$pids $BG_PID"
done
sleep 13
"$BUILD/confctl" -d "$CONFD_DB" status >"$TMP/status.txt" 2>&1
for p in $pids; do
	wait "$p"
done
capture_stop

# confd's RTCP: from its port range, decoded by tshark's heuristic
TS="tshark -r $CAP_FILE -o rtcp.heuristic_rtcp:TRUE -o rtp.heuristic_rtp:TRUE"
FROM="udp.srcport >= $CONFD_RTP_MIN && udp.srcport <= $CONFD_RTP_MAX"
$TS -Y "rtcp && $FROM && (rtcp.pt == 200 || rtcp.pt == 201)" -T fields \
	-E separator=' ' -e udp.srcport -e rtcp.pt -e rtcp.rc \
	-e rtcp.ssrc.identifier -e rtcp.ssrc.fraction -e rtcp.ssrc.cum_nr \
	-e rtcp.ssrc.ext_high -e rtcp.ssrc.jitter -e rtcp.ssrc.lsr \
	-e rtcp.ssrc.dlsr >"$TMP/reports.txt" 2>"$TMP/tshark.err"
# the SSRC each participant sends RTP with, by confd's RTP port
$TS -Y "rtp && udp.dstport >= $CONFD_RTP_MIN && udp.dstport <= $CONFD_RTP_MAX" \
	-T fields -E separator=' ' -e udp.dstport -e rtp.ssrc 2>/dev/null |
	sort -u >"$TMP/rtp_ssrc.txt"
n_mal=$($TS -Y "_ws.malformed && $FROM" 2>/dev/null | wc -l)

check "tshark finds no malformed packet from confd's ports ($n_mal)" \
	test "$n_mal" = 0
if python3 - "$TMP/reports.txt" "$TMP/rtp_ssrc.txt" >"$TMP/rr.check" 2>&1 <<'PY'
import sys
ssrc_of = {}
for line in open(sys.argv[2]):
    port, ssrc = line.split()
    ssrc_of[int(port) + 1] = int(ssrc, 16)      # RTCP is RTP + 1
streams = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 10 or f[2] != '1':
        continue
    port, pt, rc, ssrc, frac, cum, ext, jit, lsr, dlsr = f[:10]
    port = int(port)
    ssrc = int(ssrc.split(',')[0], 16)        # the block's (then SDES's)
    assert port in ssrc_of, 'report from port %d: no RTP to %d' % (port, port - 1)
    assert ssrc == ssrc_of[port], 'block SSRC %#x, RTP SSRC %#x' % (ssrc, ssrc_of[port])
    assert int(frac) == 0, 'fraction lost %s on loopback' % frac
    assert 0 <= int(cum) <= 5, 'cumulative lost %s' % cum
    assert int(jit) < 800, 'jitter %s units' % jit
    assert int(dlsr, 0) < 10 * 65536, 'DLSR %s' % dlsr
    streams.setdefault(port, []).append((int(ext), int(lsr, 0)))
assert len(streams) >= 2, 'reports with a block for %d streams' % len(streams)
for port, rr in streams.items():
    exts = [e for e, _ in rr]
    assert exts == sorted(exts), 'port %d: highest seq goes back %r' % (port, exts)
    assert len(rr) < 2 or exts[-1] - exts[0] >= 100, \
        'port %d: highest seq hardly moves %r' % (port, exts)
    # baresip sends SRs: once one has come, LSR names it
    assert any(l for _, l in rr), 'port %d: LSR always 0' % port
print('%d reports with a valid block over %d streams' %
      (sum(len(r) for r in streams.values()), len(streams)))
PY
then
	pass "confd's SR/RR carry a valid report block per stream: $(cat "$TMP/rr.check")"
else
	fail "confd's SR/RR carry a valid report block per stream"
	show_log "$TMP/rr.check"; show_log "$TMP/reports.txt" 10
	show_log "$TMP/rtp_ssrc.txt"
fi

check "confd reads the participants' blocks about its streams (debug log)" \
	grep -q "rtcp: report on .*lost .*jitter" "$CONFD_LOG"
if grep -q "rtcp received: loss .* jitter .* they report: loss" "$TMP/status.txt"; then
	pass "confctl status: loss and jitter both ways per participant"
else
	fail "confctl status: loss and jitter both ways per participant"
	show_log "$TMP/status.txt"
fi

lib_done
