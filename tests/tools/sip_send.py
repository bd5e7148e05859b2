#!/usr/bin/env python3
"""Send one raw SIP message, print the status lines that come back.

    sip_send.py [-t udp|tcp] [-w SECONDS] HOST PORT FILE
    sip_send.py --key FILE      the server transaction it would match

The message is sent byte for byte as FILE holds it (RFC 4475's torture
messages keep their own Via, To, Call-ID...).  Every response received
within the wait is printed as "CODE REASON" on a line of its own, in
order; "none" when nothing came back.  Provisional responses are printed
too.  The wait ends early once a final response has arrived and nothing
more came for half a second.

Where the answer goes: libre (RFC 3261 18.2.2) sends a UDP response to
the source address of the request, but to the port of the top Via
(5060 when it names none) unless the Via has rport.  So over UDP this
binds the Via's port on a random address of 127/8 other than 127.0.0.1:
the request comes from there and its answer can come back, without
taking a port anyone else on the machine uses.  Over TCP the answer comes
on the same connection.  Only loopback addresses are ever used.
"""
import random
import re
import select
import socket
import sys
import time


def via_port(data):
    """The port of the top Via's sent-by, as libre will read it."""
    m = re.search(rb'(?im)^(?:via|v)[ \t]*:[ \t]*(.*(?:\r\n[ \t].*)*)', data)
    if not m:
        return 5060
    v = re.sub(rb'\s+', b' ', m.group(1))
    # SIP/2.0/UDP host[:port][;params]
    m = re.match(rb'\s*SIP\s*/\s*2\.0\s*/\s*\S+\s+([^;,\s]+)', v, re.I)
    if not m:
        return 5060
    hp = m.group(1)
    if hp.startswith(b'['):
        m = re.match(rb'\[[^\]]*\](?::(\d+))?', hp)
        return int(m.group(1)) if m and m.group(1) else 5060
    if b':' in hp:
        try:
            return int(hp.rsplit(b':', 1)[1])
        except ValueError:
            return 5060
    return 5060


def udp_socket(port):
    for _ in range(50):
        a = '127.%d.%d.%d' % (random.randint(1, 254), random.randint(0, 254),
                              random.randint(1, 254))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((a, port))
            return s
        except OSError:
            s.close()
    raise SystemExit('no free 127/8 address for port %d' % port)


def status_lines(buf):
    """Status lines of the complete responses in buf, and the rest."""
    out = []
    while True:
        i = buf.find(b'\r\n\r\n')
        if i < 0:
            return out, buf
        head = buf[:i]
        m = re.search(rb'(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)', head)
        clen = int(m.group(1)) if m else 0
        if len(buf) < i + 4 + clen:
            return out, buf
        first = head.split(b'\r\n', 1)[0]
        m = re.match(rb'SIP/2\.0 (\d{3}) ?(.*)', first)
        out.append(first if not m else m.group(1) + b' ' + m.group(2))
        buf = buf[i + 4 + clen:]


def txn_key(data):
    """What libre 1.1.0 matches a server transaction on: top Via branch
    and sent-by, and the CSeq method (src/sip/strans.c).  Two messages
    with one key sent to one confd within 32 s are one transaction."""
    m = re.search(rb'(?im)^(?:via|v)[ \t]*:[ \t]*(.*(?:\r\n[ \t].*)*)', data)
    via = re.sub(rb'\s+', b'', m.group(1)).split(b',')[0] if m else b''
    branch = re.search(rb'(?i);branch=([^;]*)', via)
    sentby = re.match(rb'(?i)SIP/2\.0/[^0-9]*?([^;]*)', via)
    m = re.search(rb'(?im)^cseq[ \t]*:[ \t]*\S+\s+(\S+)', data)
    return b'|'.join([branch.group(1) if branch else b'',
                      sentby.group(1) if sentby else b'',
                      m.group(1) if m else b'']).decode('latin-1')


def main(argv):
    tp = 'udp'
    if len(argv) == 3 and argv[1] == '--key':
        with open(argv[2], 'rb') as f:
            print(txn_key(f.read()))
        return 0
    wait = 2.0
    args = argv[1:]
    while args and args[0].startswith('-'):
        if args[0] == '-t':
            tp = args[1]
            args = args[2:]
        elif args[0] == '-w':
            wait = float(args[1])
            args = args[2:]
        else:
            break
    if len(args) != 3:
        sys.stderr.write(__doc__)
        return 2
    host, port, path = args[0], int(args[1]), args[2]
    if not host.startswith('127.'):
        raise SystemExit('loopback only')
    with open(path, 'rb') as f:
        data = f.read()

    if tp == 'udp':
        s = udp_socket(via_port(data))
        s.sendto(data, (host, port))
    else:
        s = socket.create_connection((host, port), timeout=wait)
        s.sendall(data)

    got = []
    buf = b''
    end = time.time() + wait
    final_at = None
    while True:
        now = time.time()
        limit = end if final_at is None else min(end, final_at + 0.5)
        if now >= limit:
            break
        r, _, _ = select.select([s], [], [], limit - now)
        if not r:
            continue
        if tp == 'udp':
            pkt, _ = s.recvfrom(65535)
            lines, _ = status_lines(pkt)
        else:
            pkt = s.recv(65535)
            if not pkt:
                break
            buf += pkt
            lines, buf = status_lines(buf)
        for l in lines:
            l = l.decode('utf-8', 'replace')
            # a retransmission of the last answer (no ACK is sent)
            if got and got[-1] == l:
                continue
            got.append(l)
            if not l.startswith('1'):
                final_at = time.time()
    s.close()
    print('\n'.join(got) if got else 'none')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
