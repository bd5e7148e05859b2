#!/usr/bin/env python3
"""bench/web.sh's roster delay: N participants dial in over SIP (plain
RTP/AVP, UDP, one after the other), while a WebSocket client watches
the conference's live roster; for each participant, the time from our
ACK (the join is complete) to the first roster message that names it.

usage: web_roster.py HTTP_PORT CERT TOKEN SIP_PORT ROOM_USER DOMAIN N
Prints "p50_ms p99_ms max_ms seen".
"""
import base64
import os
import socket
import ssl
import sys
import threading
import time
from urllib.parse import quote

HP, CERT, TOKEN, SP, ROOM, DOMAIN, N = sys.argv[1:8]
HP, SP, N = int(HP), int(SP), int(N)
conf = "sip:%s@%s" % (ROOM, DOMAIN)
seen = {}


def ws_reader():
    ctx = ssl.create_default_context(cafile=CERT)
    ctx.check_hostname = False
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", HP)))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /api/v1/conferences/%s/roster/ws HTTP/1.1\r\n"
               "Host: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n"
               "\r\n" % (quote(conf, safe=""), key, TOKEN)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    buf = buf.split(b"\r\n\r\n", 1)[1]
    while True:
        while True:
            if len(buf) >= 2:
                n, off = buf[1] & 0x7f, 2
                if n == 126 and len(buf) >= 4:
                    n, off = int.from_bytes(buf[2:4], "big"), 4
                elif n == 127 and len(buf) >= 10:
                    n, off = int.from_bytes(buf[2:10], "big"), 10
                if n < 126 or off > 2:
                    if len(buf) >= off + n:
                        break
            d = s.recv(262144)
            if not d:
                return
            buf += d
        msg, buf = buf[off:off + n], buf[off + n:]
        t = time.time()
        for i in range(N):
            u = b"sip:u%d@" % i
            if i not in seen and u in msg:
                seen[i] = t


def main():
    threading.Thread(target=ws_reader, daemon=True).start()
    time.sleep(0.5)
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind(("127.0.0.1", 0))
    us.settimeout(5)
    lport = us.getsockname()[1]
    acked = {}
    for i in range(N):
        cid = "bench-%d-%d@127.0.0.1" % (os.getpid(), i)
        sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
               "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
               % (20000 + 2 * i))
        frm = "<sip:u%d@%s>;tag=t%d" % (i, DOMAIN, i)
        to = "<%s>" % conf
        ruri = "sip:%s@127.0.0.1:%d" % (ROOM, SP)
        via = "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%d-%d;rport" % (
            lport, os.getpid(), i)
        inv = ("INVITE %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
               "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
               "Contact: <sip:u%d@127.0.0.1:%d>\r\n"
               "Content-Type: application/sdp\r\nContent-Length: %d\r\n"
               "\r\n%s" % (ruri, via, frm, to, cid, i, lport, len(sdp), sdp))
        us.sendto(inv.encode(), ("127.0.0.1", SP))
        while True:
            data = us.recv(65536).decode(errors="replace")
            if cid not in data:
                continue
            code = int(data.split(" ", 2)[1]) if data.startswith("SIP/2.0") else 0
            if code >= 200:
                break
        if code != 200:
            print("join %d: %d" % (i, code), file=sys.stderr)
            continue
        tot = [l for l in data.split("\r\n") if l.lower().startswith(("to:", "t:"))][0]
        ack = ("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch="
               "z9hG4bK-ack-%d-%d\r\nMax-Forwards: 70\r\nFrom: %s\r\n%s\r\n"
               "Call-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
               % (ruri, lport, os.getpid(), i, frm, tot, cid))
        us.sendto(ack.encode(), ("127.0.0.1", SP))
        acked[i] = time.time()
        time.sleep(0.02)
    time.sleep(1.0)
    d = sorted((seen[i] - acked[i]) * 1000 for i in acked if i in seen)
    if not d:
        print("nan nan nan 0")
        return
    p = lambda q: d[min(len(d) - 1, int(q * len(d)))]
    print("%.1f %.1f %.1f %d" % (p(0.5), p(0.99), d[-1], len(d)))


main()
