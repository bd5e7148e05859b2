#!/usr/bin/env python3
"""Which sender's video does each receiver get?  (tests/integ/video_speaker.sh)

Input: tshark fields "epoch srcport dstport udp.length" of a capture on
lo, the capture's start time, a window in seconds from it, and
NAME=PORT for each participant (confd's RTP port of its video line).

confd forwards an RTP packet as it arrives, with its length unchanged
(a fresh 12-byte header, the same payload, the same SRTP tag length).
So each packet confd sends a receiver has, for its true source, a packet
of the same length that reached confd at most MAXD seconds before; for
another sender such a partner exists only by chance (baresip's
fakevideo makes the same sizes for everybody, but not at the same
instants).  Prints NAME=SOURCE per receiver: the sender that explains
most of its packets (more than 80%), "unclear", or "none" when it got
(almost) nothing; the scores go to stderr.
"""
import bisect
import sys

MAXD = 0.003


def main():
    path, t0, w0, w1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    ports = {}
    for a in sys.argv[5:]:
        n, p = a.split("=", 1)
        ports[n] = int(p)
    by_port = {p: n for n, p in ports.items()}
    sent = {n: {} for n in ports}      # length -> sorted times, to confd
    got = {n: [] for n in ports}       # (time, length) from confd
    for line in open(path):
        f = line.split()
        if len(f) < 4:
            continue
        try:
            t, sp, dp, ln = float(f[0]) - t0, int(f[1]), int(f[2]), int(f[3])
        except ValueError:
            continue
        if dp in by_port and w0 - 1 <= t <= w1:
            sent[by_port[dp]].setdefault(ln, []).append(t)
        if sp in by_port and w0 <= t <= w1:
            got[by_port[sp]].append((t, ln))
    for r in ports:
        g = got[r]
        if len(g) < 20:
            print(f"{r}=none")
            print(f"{r}: {len(g)} packets", file=sys.stderr)
            continue
        score = {}
        for s in ports:
            hit = 0
            for t, ln in g:
                ts = sent[s].get(ln, [])
                i = bisect.bisect_right(ts, t)
                if i and t - ts[i - 1] <= MAXD:
                    hit += 1
            score[s] = hit / len(g)
        best = max(score, key=score.get)
        print(f"{r}={best if score[best] > 0.8 else 'unclear'}")
        print(f"{r}: {len(g)} packets, scores " +
              " ".join(f"{s}={score[s]:.2f}" for s in sorted(score)),
              file=sys.stderr)


if __name__ == "__main__":
    main()
