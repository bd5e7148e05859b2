#!/usr/bin/env python3
"""Plain-RTP peer and victim for the media consent tests (loopback only).

  rtp_peer.py --listen X [--listen X2 ...] [--send-from Y --to IP:PORT]
              --seconds S --out FILE

Every --listen port is a UDP socket that only counts what arrives (a
victim, or the port a participant's SDP names).  With --send-from, one
more socket bound to Y sends 20 ms PCMU packets (RFC 3550 header, PT 0)
to --to for the whole time and counts what comes back to Y.  FILE gets
one "port=count" line per socket, then "sent=N".
"""
import argparse
import os
import select
import socket
import struct
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--listen', type=int, action='append', default=[])
    ap.add_argument('--send-from', type=int)
    ap.add_argument('--to')
    ap.add_argument('--seconds', type=float, required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()

    socks = {}
    for port in a.listen:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', port))
        socks[s] = port
    tx = None
    if a.send_from:
        host, port = a.to.rsplit(':', 1)
        if host not in ('127.0.0.1', 'localhost'):
            raise SystemExit('loopback only')
        dst = (host, int(port))
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tx.bind(('127.0.0.1', a.send_from))
        socks[tx] = a.send_from

    counts = {p: 0 for p in socks.values()}
    ssrc = struct.unpack('!I', os.urandom(4))[0]
    seq, ts, sent = 1, 0, 0
    end = time.monotonic() + a.seconds
    nxt = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if tx is not None and now >= nxt:
            hdr = struct.pack('!BBHII', 0x80, 0, seq & 0xffff, ts, ssrc)
            tx.sendto(hdr + b'\xff' * 160, dst)
            seq, ts, sent = seq + 1, ts + 160, sent + 1
            nxt += 0.02
        wait = min(end, nxt if tx is not None else end) - time.monotonic()
        r, _, _ = select.select(list(socks), [], [], max(wait, 0))
        for s in r:
            s.recv(2048)
            counts[socks[s]] += 1

    with open(a.out + '.tmp', 'w') as f:
        for p, n in counts.items():
            f.write('%d=%d\n' % (p, n))
        f.write('sent=%d\n' % sent)
    os.rename(a.out + '.tmp', a.out)


if __name__ == '__main__':
    main()
