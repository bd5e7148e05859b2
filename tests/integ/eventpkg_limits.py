#!/usr/bin/env python3
"""Issue 18 on the wire: spoofed SUBSCRIBEs aimed at a victim.

    eventpkg_limits.py HARNESS_PORT SECONDS

Plain UDP sockets on loopback, SIP written by hand (RFC 3261, RFC 6665):
  - live:     subscribes as itself and answers every NOTIFY with 200;
  - refuser:  subscribes and answers its NOTIFY with 481;
  - attacker: from 127.0.0.3, sends 40 SUBSCRIBEs with made-up From
              URIs, each with Contact: the victim;
  - victim:   reads what arrives and never answers (a dead address).
The notifier (evtharness -A -t 500) changes the roster twice a second.
After SECONDS (more than Timer F, 64*T1 = 32 s) it prints PASS/FAIL:
  - the attacker got 16 (the per-address cap) 200s and 24 503s with
    Retry-After;
  - the victim saw one NOTIFY transaction per accepted subscription
    (retransmissions of it only, at most 11 datagrams each) and nothing
    after Timer F;
  - the refuser saw one NOTIFY transaction;
  - the live subscriber kept receiving NOTIFYs, versions +1 each.
"""
import re
import select
import socket
import sys
import time

HP = int(sys.argv[1])
DURATION = float(sys.argv[2])
SPOOFED = 40
PER_SOURCE = 16                 # eventpkg's default cap
T1 = 0.5
TIMER_F = 64 * T1
MAX_COPIES = 11                 # Timer E over 32 s: 0 .5 1.5 3.5 ... 31.5

fails = 0


def report(ok, name, why=""):
    global fails
    if ok:
        print("PASS " + name)
    else:
        fails += 1
        print("FAIL %s%s" % (name, " (%s)" % why if why else ""))


def sock(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((ip, 0))
    s.setblocking(False)
    return s


def parse(data):
    text = data.decode("latin-1")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            hdrs.setdefault(k.strip().lower(), v.strip())
    return lines[0], hdrs, body


def subscribe(s, user, callid, contact):
    ip, port = s.getsockname()
    msg = ("SUBSCRIBE sip:room@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s\r\n"
           "From: <sip:%s@example.org>;tag=t%s\r\n"
           "To: <sip:room@example.org>\r\n"
           "Call-ID: %s\r\n"
           "CSeq: 1 SUBSCRIBE\r\n"
           "Contact: <%s>\r\n"
           "Max-Forwards: 70\r\n"
           "Event: conference\r\n"
           "Expires: 600\r\n"
           "Accept: application/conference-info+xml\r\n"
           "Content-Length: 0\r\n\r\n"
           % (HP, ip, port, callid, user, callid, callid, contact))
    s.sendto(msg.encode(), ("127.0.0.1", HP))


def reply(s, hdrs, code, reason, addr):
    msg = ("SIP/2.0 %d %s\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\n"
           "Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n"
           % (code, reason, hdrs["via"], hdrs["from"], hdrs["to"],
              hdrs["call-id"], hdrs["cseq"]))
    s.sendto(msg.encode(), addr)


live = sock("127.0.0.1")
refuser = sock("127.0.0.1")
victim = sock("127.0.0.1")
try:
    attacker = sock("127.0.0.3")
except OSError as e:
    report(False, "set-up", "bind 127.0.0.3: %s" % e)
    sys.exit(1)

vip, vport = victim.getsockname()
lip, lport = live.getsockname()
rip, rport = refuser.getsockname()

t0 = time.monotonic()
subscribe(live, "live", "live-1", "sip:live@%s:%d" % (lip, lport))
subscribe(refuser, "refuser", "refuser-1", "sip:refuser@%s:%d" % (rip, rport))
for i in range(SPOOFED):
    subscribe(attacker, "spoof%d" % i, "spoof-%d" % i,
              "sip:victim@%s:%d" % (vip, vport))

answers = {}        # attacker's Call-ID -> (code, reason, retry-after)
seen = {"live": [], "refuser": [], "victim": []}   # (t, callid, cseq, body)
names = {live: "live", refuser: "refuser", victim: "victim",
         attacker: "attacker"}

while True:
    left = DURATION - (time.monotonic() - t0)
    if left <= 0:
        break
    r, _, _ = select.select(list(names), [], [], left)
    for s in r:
        while True:
            try:
                data, addr = s.recvfrom(65536)
            except BlockingIOError:
                break
            start, hdrs, body = parse(data)
            now = time.monotonic() - t0
            who = names[s]
            if start.startswith("SIP/2.0 "):
                if who == "attacker" and "call-id" in hdrs:
                    m = re.match(r"SIP/2\.0 (\d+) (.*)", start)
                    if int(m.group(1)) >= 200:
                        answers[hdrs["call-id"]] = (
                            int(m.group(1)), m.group(2),
                            hdrs.get("retry-after"))
                continue
            if not start.startswith("NOTIFY "):
                continue
            cseq = int(hdrs["cseq"].split()[0])
            seen[who].append((now, hdrs["call-id"], cseq, body))
            if who == "live":
                reply(s, hdrs, 200, "OK", addr)
            elif who == "refuser":
                reply(s, hdrs, 481, "Subscription Does Not Exist", addr)
            # the victim never answers

# ---- the attacker's answers ----
codes = [a[0] for a in answers.values()]
ok200 = codes.count(200)
refused = [a for a in answers.values() if a[0] == 503]
report(len(answers) == SPOOFED, "every spoofed SUBSCRIBE answered",
       "%d of %d" % (len(answers), SPOOFED))
report(ok200 == PER_SOURCE, "16 accepted from one address (per-address cap)",
       "%d accepted" % ok200)
report(len(refused) == SPOOFED - PER_SOURCE and
       all(a[1] == "Too Many Subscriptions From This Address" and
           a[2] and a[2].isdigit() and int(a[2]) > 0 for a in refused),
       "the other 24: 503 with Retry-After, per-address reason",
       "%s" % sorted(set((a[0], a[1], a[2]) for a in answers.values())))

# ---- the victim ----
v = seen["victim"]
trans = {}
for t, cid, cseq, _ in v:
    trans.setdefault(cid, set()).add(cseq)
ntrans = sum(len(c) for c in trans.values())
report(len(trans) == PER_SOURCE and ntrans == PER_SOURCE,
       "victim: one NOTIFY transaction per subscription",
       "%d subscriptions, %d transactions" % (len(trans), ntrans))
per = {}
for t, cid, cseq, _ in v:
    per[(cid, cseq)] = per.get((cid, cseq), 0) + 1
report(len(v) <= PER_SOURCE * MAX_COPIES and
       all(c <= MAX_COPIES for c in per.values()),
       "victim: only its retransmissions, at most 11 each",
       "%d datagrams, at most %d of one" % (len(v), max(per.values() or [0])))
last = max((t for t, _, _, _ in v), default=0)
report(v and last < TIMER_F + 1.5,
       "victim: nothing after Timer F",
       "last datagram at %.1f s" % last)
print("    victim: %d datagrams, %d bytes, last at %.1f s"
      % (len(v), sum(len(b) for _, _, _, b in v), last))

# ---- the one answering 481 ----
rt = set((cid, cseq) for _, cid, cseq, _ in seen["refuser"])
report(len(rt) == 1, "a 481 to the first NOTIFY ends the subscription",
       "%d NOTIFY transactions" % len(rt))

# ---- the live subscriber ----
lv = seen["live"]
vers = []
for _, _, _, body in sorted(set((t, c, q, b) for t, c, q, b in lv)):
    m = re.search(r'<conference-info[^>]*\sversion="(\d+)"', body)
    if m:
        vers.append(int(m.group(1)))
ndistinct = len(set((c, q) for _, c, q, _ in lv))
report(ndistinct >= DURATION, "live subscriber served throughout",
       "%d NOTIFYs" % ndistinct)
report(bool(lv) and max(t for t, _, _, _ in lv) > DURATION - 2,
       "live subscriber served after Timer F too")
dedup = []
for x in vers:
    if not dedup or dedup[-1] != x:
        dedup.append(x)
report(dedup == list(range(1, len(dedup) + 1)),
       "live subscriber: versions go up one by one",
       "%s" % dedup[:20])

sys.exit(1 if fails else 0)
