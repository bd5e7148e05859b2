#!/usr/bin/env python3
"""media_peer.py -- a minimal SIP UAC over UDP that offers DTLS-SRTP
and/or ICE, then exercises confd's media port from the outside, written
from the RFCs and independent of confd and libre:

  media_peer.py --to sip:room@conf.test --proxy 127.0.0.1:5060
                [--dtls-fp CERT.pem]     offer UDP/TLS/RTP/SAVPF with the
                                         SHA-256 fingerprint of CERT.pem
                [--dtls-cert C --dtls-key K [--profile P]]
                                         run `openssl s_client -dtls1_2`
                                         with that certificate against
                                         the answered media port
                [--ice] [--rtcp-mux]     offer ICE credentials and a host
                                         candidate; send STUN Binding
                                         checks (RFC 8445 7.2.2) from the
                                         offered port and verify answers
                [--wait-bye S]           wait up to S s for confd's BYE

Prints "KEY..." lines, one "CHECK name ok|FAIL detail" line per check,
and "RESULT ok" or "RESULT fail".  STUN messages are built and verified
here with hmac (HMAC-SHA1, RFC 5389 15.4) and zlib.crc32 (15.5).
"""
import argparse
import hashlib
import hmac
import os
import random
import re
import socket
import ssl
import struct
import subprocess
import sys
import time
import zlib

COOKIE = 0x2112A442
failures = 0


def check(name, ok, detail=""):
    global failures
    print("CHECK %s %s%s" % (name, "ok" if ok else "FAIL",
                             "" if ok or not detail else " " + detail))
    sys.stdout.flush()
    if not ok:
        failures += 1


def cert_fp(path):
    der = ssl.PEM_cert_to_DER_cert(open(path).read().split(
        "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n")
    d = hashlib.sha256(der).hexdigest().upper()
    return ":".join(d[i:i + 2] for i in range(0, len(d), 2))


# ---- SIP ------------------------------------------------------------------

def status(resp):
    m = re.match(r"SIP/2\.0 (\d{3})", resp)
    return int(m.group(1)) if m else 0


def header(msg, name):
    m = re.search(r"(?im)^%s\s*:\s*(.*)$" % name, msg)
    return m.group(1).strip() if m else None


class Sip:
    def __init__(self, proxy, to, frm):
        host, port = proxy.rsplit(":", 1)
        self.proxy = (host, int(port))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.lport = self.sock.getsockname()[1]
        self.to, self.frm = to, frm
        self.callid = "%x@media-peer" % random.getrandbits(64)
        self.ftag = "%x" % random.getrandbits(32)
        self.cseq = 1
        self.totag = None
        self.contact = to

    def send(self, text):
        self.sock.sendto(text.encode(), self.proxy)

    def recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data, _ = self.sock.recvfrom(65535)
        except socket.timeout:
            return None
        return data.decode(errors="replace")

    def request(self, method, ruri, body="", cseq=None, branch=None):
        branch = branch or "z9hG4bK%x" % random.getrandbits(48)
        to = "<%s>" % self.to + (";tag=%s" % self.totag if self.totag
                                 else "")
        hdrs = [
            "%s %s SIP/2.0" % (method, ruri),
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (self.lport,
                                                             branch),
            "Max-Forwards: 70",
            "From: <%s>;tag=%s" % (self.frm, self.ftag),
            "To: %s" % to,
            "Call-ID: %s" % self.callid,
            "CSeq: %d %s" % (cseq or self.cseq, method),
            "Contact: <sip:peer@127.0.0.1:%d>" % self.lport,
        ]
        if body:
            hdrs.append("Content-Type: application/sdp")
        hdrs.append("Content-Length: %d" % len(body))
        self.send("\r\n".join(hdrs) + "\r\n\r\n" + body)

    def invite(self, sdp):
        self.request("INVITE", self.to, sdp)
        deadline = time.time() + 10
        while time.time() < deadline:
            r = self.recv(1)
            if r is None:
                continue
            st = status(r)
            if st >= 200:
                if st < 300:
                    m = re.search(r";tag=([^;>\s]+)", header(r, "To") or "")
                    self.totag = m.group(1) if m else None
                    c = re.search(r"<([^>]+)>", header(r, "Contact") or "")
                    if c:
                        self.contact = c.group(1)
                    self.request("ACK", self.contact, cseq=self.cseq)
                else:
                    self.request("ACK", self.to, cseq=self.cseq)
                return st, r
        return 0, None

    def reply_200(self, req):
        lines = []
        for h in ("Via", "From", "To", "Call-ID", "CSeq"):
            for m in re.finditer(r"(?im)^(%s)\s*:\s*(.*)$" % h, req):
                lines.append("%s: %s" % (m.group(1), m.group(2).strip()))
        self.send("SIP/2.0 200 OK\r\n" + "\r\n".join(lines) +
                  "\r\nContent-Length: 0\r\n\r\n")

    def bye(self):
        self.cseq += 1
        self.request("BYE", self.contact)
        deadline = time.time() + 5
        while time.time() < deadline:
            r = self.recv(1)
            if r and status(r) >= 200:
                return status(r)
        return 0

    def wait_bye(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            r = self.recv(0.5)
            if r and r.startswith("BYE "):
                self.reply_200(r)
                return r
        return None


# ---- STUN (RFC 5389) ------------------------------------------------------

def attr(t, v):
    return struct.pack(">HH", t, len(v)) + v + b"\0" * ((4 - len(v) % 4) % 4)


def stun_request(username, pwd, tid, nominate):
    body = attr(0x0006, username.encode())
    body += attr(0x0024, struct.pack(">I", 0x6E7F1EFF))      # PRIORITY
    body += attr(0x802A, os.urandom(8))                      # CONTROLLING
    if nominate:
        body += attr(0x0025, b"")                            # USE-CANDIDATE

    def hdr(n):
        return struct.pack(">HHI", 0x0001, n, COOKIE) + tid
    mi = hmac.new(pwd.encode(), hdr(len(body) + 24) + body,
                  hashlib.sha1).digest()
    body += attr(0x0008, mi)
    crc = zlib.crc32(hdr(len(body) + 8) + body) ^ 0x5354554E
    body += attr(0x8028, struct.pack(">I", crc))
    return hdr(len(body)) + body


def stun_parse(data):
    """(type, tid, {attr: (offset, value)}) or None"""
    if len(data) < 20:
        return None
    typ, n, cookie = struct.unpack(">HHI", data[:8])
    if cookie != COOKIE or n + 20 != len(data):
        return None
    attrs, off = {}, 20
    while off + 4 <= len(data):
        t, ln = struct.unpack(">HH", data[off:off + 4])
        attrs.setdefault(t, (off, data[off + 4:off + 4 + ln]))
        off += 4 + ln + (4 - ln % 4) % 4
    return typ, data[8:20], attrs


def stun_verify(data, attrs, pwd):
    """(integrity ok, fingerprint ok)"""
    fp_ok = False
    if 0x8028 in attrs:
        off, v = attrs[0x8028]
        h = bytearray(data[:off])
        struct.pack_into(">H", h, 2, off + 8 - 20)
        fp_ok = (zlib.crc32(bytes(h)) ^ 0x5354554E) == struct.unpack(
            ">I", v)[0]
    mi_ok = False
    if 0x0008 in attrs and pwd is not None:
        off, v = attrs[0x0008]
        h = bytearray(data[:off])
        struct.pack_into(">H", h, 2, off + 24 - 20)
        mi_ok = hmac.compare_digest(
            hmac.new(pwd.encode(), bytes(h), hashlib.sha1).digest(), v)
    return mi_ok, fp_ok


def xor_mapped(v, tid):
    fam = v[1]
    port = struct.unpack(">H", v[2:4])[0] ^ (COOKIE >> 16)
    if fam == 1:
        a = struct.unpack(">I", v[4:8])[0] ^ COOKIE
        return socket.inet_ntoa(struct.pack(">I", a)), port
    x = struct.pack(">I", COOKIE) + tid
    return socket.inet_ntop(socket.AF_INET6,
                            bytes(a ^ b for a, b in zip(v[4:20], x))), port


def stun_exchange(sock, dst, req, timeout=2.0):
    sock.settimeout(timeout)
    sock.sendto(req, dst)
    end = time.time() + timeout
    while time.time() < end:
        try:
            data, src = sock.recvfrom(2048)
        except socket.timeout:
            return None
        if data and data[0] < 4 and data[8:20] == req[8:20]:
            return data
    return None


def ice_checks(media, dst, lufrag, theirs, pwd):
    mine = media.getsockname()
    user = "%s:%s" % (theirs[0], lufrag)
    tid = os.urandom(12)
    resp = stun_exchange(media, dst, stun_request(user, pwd, tid, True))
    p = stun_parse(resp) if resp else None
    check("stun_success_response", p is not None and p[0] == 0x0101,
          "no response" if not p else "type 0x%04x" % p[0])
    if p and p[0] == 0x0101:
        mi_ok, fp_ok = stun_verify(resp, p[2], pwd)
        check("stun_message_integrity", mi_ok)
        check("stun_fingerprint", fp_ok)
        got = xor_mapped(p[2][0x0020][1], tid) if 0x0020 in p[2] else None
        check("stun_xor_mapped_address", got == mine,
              "%s != %s" % (got, mine))

    # a wrong password: 401, never a success
    tid = os.urandom(12)
    resp = stun_exchange(media, dst, stun_request(user, "x" * 24, tid, True))
    p = stun_parse(resp) if resp else None
    code = None
    if p and 0x0009 in p[2]:
        v = p[2][0x0009][1]
        code = (v[2] & 7) * 100 + v[3]
    check("stun_wrong_password_401", p is not None and p[0] == 0x0111 and
          code == 401, "type %s code %s" % (p and hex(p[0]), code))

    # someone else's ufrag
    tid = os.urandom(12)
    resp = stun_exchange(media, dst, stun_request("nobody:" + lufrag, pwd,
                                                  tid, True))
    p = stun_parse(resp) if resp else None
    check("stun_wrong_ufrag_refused", p is None or p[0] != 0x0101)


# ---- DTLS (openssl s_client) ----------------------------------------------

PROFILES = {
    "SRTP_AES128_CM_SHA1_80": (16, 14),
    "SRTP_AES128_CM_SHA1_32": (16, 14),
    "SRTP_AEAD_AES_128_GCM": (16, 12),
    "SRTP_AEAD_AES_256_GCM": (32, 12),
}


def dtls_client(host, port, cert, key, profile, hold):
    kl, sl = PROFILES[profile]
    n = 2 * (kl + sl)
    cmd = ["openssl", "s_client", "-dtls1_2", "-connect",
           "%s:%d" % (host, port), "-cert", cert, "-key", key,
           "-use_srtp", profile, "-keymatexport", "EXTRACTOR-dtls_srtp",
           "-keymatexportlen", str(n)]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    time.sleep(hold)
    try:
        out, _ = p.communicate(b"", timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    out = out.decode(errors="replace")
    m = re.search(r"Keying material:\s*([0-9A-Fa-f]+)", out)
    # DTLS 1.2: the client has its keys before the server's Finished,
    # so a server that refuses shows only as an alert
    if (not m or "Cipher is (NONE)" in out or
            re.search(r"(?i)alert|:error:", out)):
        return None, out
    km = bytes.fromhex(m.group(1))
    cli = km[0:kl] + km[2 * kl:2 * kl + sl]
    srv = km[kl:2 * kl] + km[2 * kl + sl:2 * kl + 2 * sl]
    return (hashlib.sha256(cli).hexdigest()[:12],
            hashlib.sha256(srv).hexdigest()[:12]), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--from", dest="frm", default="sip:peer@conf.test")
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--dtls-fp")
    ap.add_argument("--dtls-cert")
    ap.add_argument("--dtls-key")
    ap.add_argument("--profile", default="SRTP_AES128_CM_SHA1_80")
    ap.add_argument("--ice", action="store_true")
    ap.add_argument("--rtcp-mux", action="store_true")
    ap.add_argument("--wait-bye", type=float, default=0)
    ap.add_argument("--hold", type=float, default=2)
    a = ap.parse_args()

    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    mport = media.getsockname()[1]

    proto = "UDP/TLS/RTP/SAVPF" if a.dtls_fp else "RTP/AVP"
    sdp = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-",
           "c=IN IP4 127.0.0.1", "t=0 0",
           "m=audio %d %s 0" % (mport, proto), "a=rtpmap:0 PCMU/8000",
           "a=sendrecv"]
    if a.rtcp_mux:
        sdp.append("a=rtcp-mux")
    if a.dtls_fp:
        sdp += ["a=fingerprint:sha-256 %s" % cert_fp(a.dtls_fp),
                "a=setup:actpass"]
    lufrag, lpwd = "peer%04d" % random.randint(0, 9999), \
        "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                for _ in range(24))
    if a.ice:
        sdp += ["a=ice-ufrag:%s" % lufrag, "a=ice-pwd:%s" % lpwd,
                "a=candidate:1 1 UDP 2130706431 127.0.0.1 %d typ host" %
                mport]
    sip = Sip(a.proxy, a.to, a.frm)
    st, resp = sip.invite("\r\n".join(sdp) + "\r\n")
    check("invite_200", st == 200, "status %d" % st)
    if st != 200:
        print("FINAL %d warning=%s" % (st, resp and header(resp, "Warning")))
        print("RESULT fail")
        return 1

    body = resp.split("\r\n\r\n", 1)[1]
    port = int(re.search(r"(?m)^m=audio (\d+) ", body).group(1))
    host = re.search(r"(?m)^c=IN IP4 (\S+)", body).group(1)
    ans_proto = re.search(r"(?m)^m=audio \d+ (\S+)", body).group(1)
    print("ANSWER port=%d proto=%s" % (port, ans_proto))

    if a.dtls_fp:
        check("answer_proto", ans_proto == proto, ans_proto)
        fpm = re.search(r"(?m)^a=fingerprint:sha-256 ([0-9A-F:]+)", body)
        stm = re.search(r"(?m)^a=setup:(\S+)", body)
        check("answer_fingerprint", fpm is not None)
        check("answer_setup_passive", stm is not None and
              stm.group(1) == "passive", stm and stm.group(1))
    if a.rtcp_mux:
        check("answer_rtcp_mux", re.search(r"(?m)^a=rtcp-mux", body)
              is not None)
    if a.ice:
        uf = re.search(r"(?m)^a=ice-ufrag:(\S+)", body)
        pw = re.search(r"(?m)^a=ice-pwd:(\S+)", body)
        check("answer_ice_lite", re.search(r"(?m)^a=ice-lite", body)
              is not None)
        cand = re.search(r"(?m)^a=candidate:\S+ 1 UDP \d+ (\S+) (\d+) typ "
                         r"host", body)
        check("answer_host_candidate", cand is not None and
              cand.group(1) == host and int(cand.group(2)) == port)
        if uf and pw:
            ice_checks(media, (host, port), lufrag, (uf.group(1),),
                       pw.group(1))
        else:
            check("answer_ice_credentials", False)

    if a.dtls_cert:
        ids, out = dtls_client(host, port, a.dtls_cert, a.dtls_key,
                               a.profile, a.hold)
        if ids:
            print("KEYS client=%s server=%s" % ids)
            print("DTLS handshake ok")
        else:
            print("DTLS handshake failed")
            for line in out.splitlines()[-6:]:
                print("  | " + line)

    if a.wait_bye:
        bye = sip.wait_bye(a.wait_bye)
        print("BYE %s" % ("none" if not bye else
                           "reason=%s" % header(bye, "Reason")))
    else:
        sip.bye()

    print("RESULT %s" % ("ok" if not failures else "fail"))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
