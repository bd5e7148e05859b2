#!/usr/bin/env python3
"""sip_digest.py -- a minimal SIP UAC over UDP that answers digest
challenges the way RFC 7616 / RFC 8760 describe, written from the RFCs
and independent of libre (whose client knows only MD5).

  sip_digest.py --to sip:room@conf.test --proxy 127.0.0.1:5060
                --from sip:alice@conf.test --user alice --password pw
                [--alg SHA-256|MD5] [--method INVITE|SUBSCRIBE]
                [--expect 200] [--no-qop] [--wait SECONDS] [--replay]

INVITE offers plain RTP/AVP PCMU on a dummy port (the conference must
allow --srtp off or optional), and on 200 sends ACK and then BYE.
Prints one line per response ("<- 401 Unauthorized"), "stale=true"
after a challenge that says so, and "RESULT <final status>"; exits 0
when the final status is --expect.

--wait S waits S seconds before answering the first challenge (to let
its nonce expire: the server should then say stale=true, and the
retry with the fresh nonce succeed).  --replay, after the final
response, sends a new request (new Call-ID) carrying the very same
Authorization (same nonce, nc and cnonce) and makes its final status
the RESULT: a server with a replay cache refuses it.
"""
import argparse
import hashlib
import os
import random
import re
import socket
import sys
import time


def H(alg, s):
    name = {"MD5": "md5", "SHA-256": "sha256"}[alg]
    return hashlib.new(name, s.encode()).hexdigest()


def parse_challenges(resp):
    """Every WWW-/Proxy-Authenticate Digest challenge, in order."""
    out = []
    for line in resp.split("\r\n"):
        m = re.match(r"(?i)(www|proxy)-authenticate\s*:\s*digest\s+(.*)",
                     line)
        if not m:
            continue
        params = dict((k.lower(), v1 if v1 else v2) for k, v1, v2 in
                      re.findall(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))',
                                 m.group(2)))
        params["_hdr"] = ("Proxy-Authorization" if m.group(1).lower() ==
                          "proxy" else "Authorization")
        out.append(params)
    return out


def status(resp):
    m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", resp)
    return (int(m.group(1)), m.group(2)) if m else (0, "")


def header(resp, name):
    m = re.search(r"(?im)^" + name + r"\s*:\s*(.*)$", resp)
    return m.group(1).strip() if m else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--from", dest="frm", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--alg", default="SHA-256")
    ap.add_argument("--method", default="INVITE")
    ap.add_argument("--expect", type=int, default=200)
    ap.add_argument("--no-qop", action="store_true")
    ap.add_argument("--timeout", type=float, default=4.0)
    ap.add_argument("--wait", type=float, default=0.0)
    ap.add_argument("--replay", action="store_true")
    a = ap.parse_args()

    host, port = a.proxy.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(a.timeout)
    lport = sock.getsockname()[1]
    dst = (host, int(port))
    ids = {"callid": "%x@127.0.0.1" % random.getrandbits(64),
           "ftag": "%x" % random.getrandbits(32)}
    cseq = 1
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
           "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=sendrecv\r\n" % (lport + 2))

    last = {"branch": ""}

    def request(method, auth=None, to_tag="", body=None, branch=None):
        branch = branch or "z9hG4bK%x" % random.getrandbits(48)
        if method != "ACK":
            last["branch"] = branch
        lines = [
            "%s %s SIP/2.0" % (method, a.to),
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (lport,
                                                             branch),
            "Max-Forwards: 70",
            "From: <%s>;tag=%s" % (a.frm, ids["ftag"]),
            "To: <%s>%s" % (a.to, ";tag=" + to_tag if to_tag else ""),
            "Call-ID: " + ids["callid"],
            "CSeq: %d %s" % (cseq, method),
            "Contact: <sip:%s@127.0.0.1:%d>" % (a.user, lport),
        ]
        if method == "SUBSCRIBE":
            lines += ["Event: conference", "Expires: 0",
                      "Accept: application/conference-info+xml"]
        if auth:
            lines.append(auth)
        if body:
            lines += ["Content-Type: application/sdp",
                      "Content-Length: %d" % len(body), "", body]
        else:
            lines += ["Content-Length: 0", "", ""]
        sock.sendto("\r\n".join(lines).encode(), dst)

    def final_response():
        while True:
            data, _ = sock.recvfrom(65535)
            resp = data.decode(errors="replace")
            if not resp.startswith("SIP/2.0"):
                # a request from confd (NOTIFY, BYE): answer 200
                first = resp.split("\r\n", 1)[0]
                if first.startswith(("NOTIFY", "BYE")):
                    hs = [l for l in resp.split("\r\n")
                          if re.match(r"(?i)(via|from|to|call-id|cseq)\s*:",
                                      l)]
                    sock.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(hs) +
                                 "\r\nContent-Length: 0\r\n\r\n").encode(),
                                _)
                continue
            code, reason = status(resp)
            print("<- %d %s" % (code, reason))
            if code >= 200:
                return resp

    def ack(resp, code):
        totag = re.search(r";tag=([^;>\s]+)", header(resp, "To"))
        # RFC 3261 17.1.1.3: the ACK for a non-2xx final response is
        # part of the INVITE transaction (same branch); for a 2xx it is
        # a transaction of its own.
        request("ACK", to_tag=totag.group(1) if totag else "",
                branch=last["branch"] if code >= 300 else None)
        return totag.group(1) if totag else ""

    body = sdp if a.method == "INVITE" else None
    request(a.method, body=body)
    try:
        resp = final_response()
        code, _ = status(resp)
        tries = 0
        auth = None
        while code in (401, 407) and tries < 2:
            tries += 1
            if a.method == "INVITE":
                ack(resp, code)
            if any(c.get("stale", "").lower() == "true"
                   for c in parse_challenges(resp)):
                print("stale=true")
            if tries == 1 and a.wait:
                time.sleep(a.wait)
            ch = [c for c in parse_challenges(resp)
                  if c.get("algorithm", "MD5").upper() == a.alg.upper()]
            if not ch:
                print("no %s challenge" % a.alg)
                print("RESULT %d" % code)
                return 0 if code == a.expect else 1
            c = ch[0]
            realm, nonce = c["realm"], c["nonce"]
            ha1 = H(a.alg, "%s:%s:%s" % (a.user, realm, a.password))
            ha2 = H(a.alg, "%s:%s" % (a.method, a.to))
            cnonce = os.urandom(8).hex()
            nc = "00000001"
            if a.no_qop or "qop" not in c:
                r = H(a.alg, "%s:%s:%s" % (ha1, nonce, ha2))
                extra = ""
            else:
                r = H(a.alg, "%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc,
                                                      cnonce, ha2))
                extra = ', qop=auth, nc=%s, cnonce="%s"' % (nc, cnonce)
            auth = ('%s: Digest username="%s", realm="%s", nonce="%s", '
                    'uri="%s", response="%s", algorithm=%s%s' %
                    (c["_hdr"], a.user, realm, nonce, a.to, r, a.alg,
                     extra))
            cseq += 1
            request(a.method, auth=auth, body=body)
            resp = final_response()
            code, _ = status(resp)
        if a.method == "INVITE" and 200 <= code < 300:
            totag = ack(resp, code)
            cseq += 1
            request("BYE", to_tag=totag)
            try:
                final_response()
            except socket.timeout:
                pass
        elif a.method == "INVITE":
            ack(resp, code)
        if a.replay and auth:
            # a new request, its own Call-ID and tags, the old
            # credentials word for word
            ids["callid"] = "%x@127.0.0.1" % random.getrandbits(64)
            ids["ftag"] = "%x" % random.getrandbits(32)
            cseq += 1
            request(a.method, auth=auth, body=body)
            resp = final_response()
            code, _ = status(resp)
            print("REPLAY %d" % code)
            if a.method == "INVITE":
                if 200 <= code < 300:
                    totag = ack(resp, code)
                    cseq += 1
                    request("BYE", to_tag=totag)
                else:
                    ack(resp, code)
    except socket.timeout:
        print("timeout")
        code = 0
    print("RESULT %d" % code)
    return 0 if code == a.expect else 1


if __name__ == "__main__":
    sys.exit(main())
