#!/usr/bin/env python3
"""The outsider of tests/integ/squat.sh (issue 18 item 2, issue 14's
faults): raw TCP connections to a participant's BFCP and MSRP ports.

  squat.py idle  --bind IP --port P:N [--port P:N ...] --wait S
      N connections to each port P that never send a byte.  Prints READY
      once all are connected, then one line per connection as confd
      closes it, "CLOSED <port> <i> <seconds>", or "OPEN <port> <i>"
      for those still open after S seconds.
  squat.py slow  --bind IP --port P --count N --data HEX --interval MS
                 --wait S
      N connections to P, one after the other, each then sending DATA a
      byte at a time, INTERVAL ms apart (a slowloris).  Prints
      "OPEN_AFTER_CONNECT <n>" (how many of the N were still open right
      after the last one connected), "CLOSED <port> <i> <seconds>" per
      connection and "OPEN <port> <i>" for any still open after S.
  squat.py reset --port P --to-path URI --from-path URI --from URI
                 --to URI
      An MSRP SEND whose chunk stops in the middle of its body, then a
      TCP RST (SO_LINGER 0).  Prints "RESET".

Only loopback addresses are ever used.
"""
import argparse
import select
import socket
import struct
import sys
import time


def loopback(ip):
    if not (ip.startswith("127.") or ip == "::1"):
        sys.exit("refusing non-loopback address " + ip)
    return ip


def connect(bind, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((loopback(bind), 0))
    s.settimeout(3)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def closed_now(s):
    """True when the peer closed (EOF or reset); data is discarded."""
    try:
        d = s.recv(4096)
        return d == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def watch(conns, t0, wait, sender=None):
    """conns: list of (port, i, sock).  Report closes until wait."""
    for c in conns:
        if c[2] is None:
            print("CLOSED %d %d 0.00 refused" % (c[0], c[1]), flush=True)
    open_ = {id(c[2]): c for c in conns if c[2] is not None}
    while open_ and time.time() - t0 < wait:
        if sender:
            sender([c for c in open_.values()])
        socks = [c[2] for c in open_.values()]
        r, _, _ = select.select(socks, [], [], 0.05)
        for s in r:
            c = open_.get(id(s))
            if c and closed_now(s):
                print("CLOSED %d %d %.2f" % (c[0], c[1], time.time() - t0),
                      flush=True)
                del open_[id(s)]
                s.close()
    for c in open_.values():
        print("OPEN %d %d" % (c[0], c[1]), flush=True)
        c[2].close()


def idle(a):
    conns = []
    for spec in a.port:
        port, n = (int(x) for x in spec.split(":"))
        for i in range(n):
            try:
                conns.append((port, i, connect(a.bind, port)))
            except OSError:
                conns.append((port, i, None))
    t0 = time.time()
    print("READY", flush=True)
    watch(conns, t0, a.wait)


def slow(a):
    data = bytes.fromhex(a.data)
    conns = []
    for i in range(a.count):
        conns.append((a.port, i, connect(a.bind, a.port)))
        time.sleep(0.02)
    t0 = time.time()
    time.sleep(0.3)
    still = [c for c in conns if not closed_now(c[2])]
    print("OPEN_AFTER_CONNECT %d" % len(still), flush=True)
    for c in conns:
        if c not in still:
            print("CLOSED %d %d %.2f" % (c[0], c[1], 0.0), flush=True)
            c[2].close()
    state = {"next": time.time(), "pos": {}}

    def sender(open_conns):
        if time.time() < state["next"]:
            return
        state["next"] = time.time() + a.interval / 1000.0
        for c in open_conns:
            k = id(c[2])
            pos = state["pos"].get(k, 0)
            if pos < len(data):
                try:
                    c[2].send(data[pos:pos + 1])
                except OSError:
                    pass
                state["pos"][k] = pos + 1

    print("READY", flush=True)
    watch(still, t0, a.wait, sender)


def reset(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(3)
    s.connect(("127.0.0.1", a.port))
    body = ("From: <%s>\r\nTo: <%s>\r\n\r\n"
            "Content-Type: text/plain\r\n\r\n" % (a.__dict__["from"], a.to))
    text = "x" * 4000
    total = len(body) + len(text)
    head = ("MSRP rst00001 SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
            "Message-ID: rstmsg0001\r\nByte-Range: 1-%d/%d\r\n"
            "Content-Type: message/cpim\r\n\r\n"
            % (a.to_path, a.from_path, total, total))
    # the header, the CPIM wrapper and half the text: no end-line
    s.sendall((head + body + text[:2000]).encode())
    time.sleep(0.5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    s.close()
    print("RESET", flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("idle")
    i.add_argument("--bind", default="127.0.0.1")
    i.add_argument("--port", action="append", required=True)
    i.add_argument("--wait", type=float, default=10)
    s = sub.add_parser("slow")
    s.add_argument("--bind", default="127.0.0.1")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, default=20)
    s.add_argument("--data", required=True)
    s.add_argument("--interval", type=int, default=200)
    s.add_argument("--wait", type=float, default=10)
    r = sub.add_parser("reset")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--to-path", required=True)
    r.add_argument("--from-path", required=True)
    r.add_argument("--from", required=True)
    r.add_argument("--to", required=True)
    a = p.parse_args()
    {"idle": idle, "slow": slow, "reset": reset}[a.cmd](a)


if __name__ == "__main__":
    main()
