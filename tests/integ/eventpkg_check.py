#!/usr/bin/env python3
"""Check what SIPp subscribers received from the conference event package.

Written from RFC 4575 and RFC 6665, not from confd's code: it reads the
SIPp message logs, opens PSK S/MIME bodies with `openssl cms`, validates
every document with `xmllint --schema`, rebuilds the conference state
with the RFC 4575 section 4.6 procedure and compares it with the
roster the harness had at the end.  Prints PASS/FAIL lines.

usage: eventpkg_check.py DIR XSD HARNESS_PORT KEYED_PORT
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = '{urn:ietf:params:xml:ns:conference-info}'
KEK = '00112233445566778899aabbccddeeff'
KEKID = '0102030401'           # CSB ID 0x01020304 || CS ID 1

failed = 0


def result(name, ok, why=''):
    global failed
    if ok:
        print('PASS eventpkg.' + name)
    else:
        failed += 1
        print('FAIL eventpkg.' + name + (' (' + why + ')' if why else ''))


def messages(path, direction):
    """Messages of one direction ('received' or 'sent') from a SIPp
    -trace_msg log, as (start line, headers dict, body bytes)."""
    data = open(path, 'rb').read()
    out = []
    if direction == 'received':
        pat = re.compile(rb'\nUDP message received \[(\d+)\] bytes :\n\n')
    else:
        pat = re.compile(rb'\nUDP message sent \((\d+) bytes\):\n\n')
    for m in pat.finditer(data):
        n = int(m.group(1))
        raw = data[m.end():m.end() + n]
        head, _, body = raw.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(':')
            hdrs.setdefault(k.strip().lower(), v.strip())
        clen = int(hdrs.get('content-length', '0'))
        out.append((lines[0], hdrs, body[:clen]))
    return out


def parse_raw(raw):
    head, _, body = raw.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(':')
        hdrs.setdefault(k.strip().lower(), v.strip())
    clen = int(hdrs.get('content-length', '0'))
    return (lines[0], hdrs, body[:clen])


def messages_pcap(pcap, dport):
    """SIP messages sent to a port, from a capture: SIPp's own log
    cannot hold binary bodies (it stops at the first NUL)."""
    r = subprocess.run(['tshark', '-r', pcap, '-Y', 'udp.dstport==%d' % dport,
                        '-T', 'fields', '-e', 'udp.payload'],
                       capture_output=True, text=True)
    return [parse_raw(bytes.fromhex(ln.strip().replace(':', '')))
            for ln in r.stdout.splitlines() if ln.strip()]


def malformed(pcap, sport):
    r = subprocess.run(['tshark', '-r', pcap, '-d', 'udp.port==%d,sip' % sport,
                        '-Y', '_ws.malformed || _ws.expert.severity >= error'],
                       capture_output=True, text=True)
    return [ln for ln in r.stdout.splitlines() if ln.strip()]


def notifies(path, msgs=None):
    """Received NOTIFYs in order, retransmissions dropped."""
    seen = set()
    res = []
    if msgs is None:
        msgs = messages(path, 'received')
    for start, hdrs, body in msgs:
        if not start.startswith('NOTIFY '):
            continue
        if hdrs['cseq'] in seen:
            continue
        seen.add(hdrs['cseq'])
        res.append((hdrs, body))
    return res


def validate(doc, xsd):
    with tempfile.NamedTemporaryFile(suffix='.xml', delete=False) as f:
        f.write(doc)
    r = subprocess.run(['xmllint', '--nonet', '--noout', '--schema', xsd,
                        f.name], capture_output=True)
    os.unlink(f.name)
    return r.returncode == 0


def cms_open(der):
    """Open a PSK S/MIME body with the OpenSSL command line; None if it
    will not open."""
    with tempfile.NamedTemporaryFile(suffix='.der', delete=False) as f:
        f.write(der)
    r = subprocess.run(['openssl', 'cms', '-decrypt', '-inform', 'DER',
                        '-secretkey', KEK, '-secretkeyid', KEKID,
                        '-in', f.name], capture_output=True)
    os.unlink(f.name)
    return r.stdout if r.returncode == 0 else None


def canon(el):
    """An element without 'state' attributes, as comparable text."""
    el = ET.fromstring(ET.tostring(el))
    for e in el.iter():
        e.attrib.pop('state', None)
    return ET.tostring(el)


class State:
    """RFC 4575 4.6: one local version and a table per keyed element."""

    def __init__(self):
        self.version = None
        self.top = {}          # conference-description etc.: atomic
        self.users = {}        # entity -> {'fields': {}, 'eps': {}}

    @staticmethod
    def user_from(el):
        u = {'fields': {}, 'eps': {}}
        State.user_update(u, el)
        return u

    @staticmethod
    def user_update(u, el):
        for c in el:
            if c.tag == NS + 'endpoint':
                key = c.get('entity')
                st = c.get('state', 'full')
                if st == 'deleted':
                    u['eps'].pop(key, None)
                else:
                    u['eps'][key] = canon(c)
            else:
                u['fields'][c.tag] = canon(c)

    def apply(self, root):
        """Returns None or the reason the document was refused."""
        v = int(root.get('version'))
        state = root.get('state', 'full')
        if self.version is not None and v <= self.version:
            return 'stale version %d <= %d' % (v, self.version)
        if state == 'full':
            self.top, self.users = {}, {}
        elif self.version is None:
            return 'partial before any full document'
        elif v != self.version + 1:
            return 'version jumped from %d to %d' % (self.version, v)
        self.version = v
        for c in root:
            if c.tag != NS + 'users':
                self.top[c.tag] = canon(c)
                continue
            if c.get('state', 'full') == 'full':
                self.users = {}
            for u in c:
                key = u.get('entity')
                st = u.get('state', 'full')
                if st == 'deleted':
                    self.users.pop(key, None)
                elif st == 'full' or key not in self.users:
                    self.users[key] = self.user_from(u)
                else:
                    self.user_update(self.users[key], u)
        return None

    def same(self, other):
        return self.top == other.top and self.users == other.users


def docs_of(nots, keyed):
    """(Subscription-State, XML bytes or None, problem) per NOTIFY."""
    res = []
    for hdrs, body in nots:
        ss = hdrs.get('subscription-state', '')
        if not body:
            res.append((ss, None, None))
            continue
        ct = hdrs.get('content-type', '')
        if keyed:
            if not re.match(r'application/pkcs7-mime;\s*smime-type='
                            r'authEnveloped-data', ct):
                res.append((ss, None, 'content type ' + ct))
                continue
            ent = cms_open(body)
            if ent is None:
                res.append((ss, None, 'openssl cms would not open it'))
                continue
            head, _, xml = ent.partition(b'\r\n\r\n')
            if b'application/conference-info+xml' not in head:
                res.append((ss, None, 'inner type ' + repr(head)))
                continue
            res.append((ss, xml, None))
        else:
            if ct != 'application/conference-info+xml':
                res.append((ss, None, 'content type ' + ct))
                continue
            res.append((ss, body, None))
    return res


def check_stream(name, log, xsd, keyed=False, msgs=None):
    nots = notifies(log, msgs)
    docs = docs_of(nots, keyed)
    result(name + '.notified', len(docs) >= 1, '%d NOTIFYs' % len(docs))
    if not docs:
        return None, []
    bad = [p for _, _, p in docs if p]
    result(name + '.bodies', not bad, '; '.join(bad))
    xmls = [x for _, x, _ in docs if x]
    invalid = [i for i, x in enumerate(xmls) if not validate(x, xsd)]
    result(name + '.schema_valid', not invalid and xmls,
           'documents %s of %d invalid' % (invalid, len(xmls)))
    st = State()
    first = ET.fromstring(xmls[0]) if xmls else None
    result(name + '.first_full', first is not None and
           first.get('state') == 'full')
    problems = []
    for x in xmls:
        why = st.apply(ET.fromstring(x))
        if why:
            problems.append(why)
    result(name + '.versions_plus_one', not problems, '; '.join(problems))
    return st, docs


def main():
    d, xsd = sys.argv[1], sys.argv[2]
    hport, kport = int(sys.argv[3]), int(sys.argv[4])
    pcap = os.path.join(d, 'all.pcap')
    kmsgs = messages_pcap(pcap, kport)
    bad = malformed(pcap, hport)
    result('tshark_no_malformed', not bad, '; '.join(bad[:3]))

    # the watcher: joins, leaves, a refresh, and the end of the conference
    st, docs = check_stream('watcher', os.path.join(d, 'w.log'), xsd)
    if st:
        partial = [x for _, x, _ in docs[1:]
                   if x and ET.fromstring(x).get('state') == 'partial']
        result('watcher.partials_follow', len(partial) >= 3,
               '%d partial documents' % len(partial))
        # only what changed: no partial repeats the conference subject
        # unless it changed (it changes once, in the last step)
        subj = [x for x in partial if b'<subject>' in x]
        result('watcher.partials_carry_changes_only', len(subj) <= 1,
               '%d partials carry the description' % len(subj))
        # refresh (CSeq 2 SUBSCRIBE) answered and followed by full state
        sent = messages(os.path.join(d, 'w.log'), 'sent')
        refreshed = any(h.get('cseq') == '2 SUBSCRIBE' for _, h, _ in sent)
        fulls = [x for _, x, _ in docs[1:]
                 if x and ET.fromstring(x).get('state') == 'full']
        result('watcher.refresh_gives_full', refreshed and len(fulls) >= 1)
        last = docs[-1][0]
        result('watcher.end_noresource',
               last.startswith('terminated') and 'reason=noresource' in last,
               last)
        dump = State()
        dump.apply(ET.fromstring(open(os.path.join(d, 'dump.xml'),
                                      'rb').read()))
        result('watcher.state_equals_roster', st.same(dump))
        # and what the script did, read independently of the dump
        users = sorted(st.users)
        result('watcher.expected_users',
               users == ['sip:alice@example.org', 'sip:dave@example.org'],
               repr(users))
        cs = ET.fromstring(st.top.get(NS + 'conference-state', b'<x/>'))
        result('watcher.user_count',
               cs.findtext(NS + 'user-count') == '2')
        desc = ET.fromstring(st.top[NS + 'conference-description'])
        result('watcher.subject',
               desc.findtext(NS + 'subject') == 'Standup (late)')
        alice = st.users.get('sip:alice@example.org', {'eps': {}})
        ep = [ET.fromstring(e) for e in alice['eps'].values()]
        result('watcher.alice_connected', len(ep) == 1 and
               ep[0].findtext(NS + 'status') == 'connected' and
               ep[0].find(NS + 'media').findtext(NS + 'status') ==
               'sendrecv')

    # the unsubscriber: full state, then Expires: 0 and a final NOTIFY
    st, docs = check_stream('unsubscriber', os.path.join(d, 'u.log'), xsd)
    if st:
        last = docs[-1][0]
        result('unsubscriber.final_terminated',
               last.startswith('terminated'), last)
        resp = [h for s, h, _ in messages(os.path.join(d, 'u.log'),
                                          'received')
                if s.startswith('SIP/2.0 200') and
                h.get('cseq') == '2 SUBSCRIBE']
        result('unsubscriber.expires_0',
               resp and resp[0].get('expires') == '0')

    # the keyed subscriber: MIKEY in, PSK S/MIME out
    st, docs = check_stream('keyed', None, xsd, keyed=True, msgs=kmsgs)
    if st:
        ok = [h for s, h, b in kmsgs
              if s.startswith('SIP/2.0 200') and
              h.get('cseq') == '1 SUBSCRIBE']
        result('keyed.transfer_resp_in_200', ok and
               ok[0].get('content-type') == 'application/mikey')
        result('keyed.all_protected', all(
            h.get('content-type', '').startswith('application/pkcs7-mime')
            for h, b in notifies(None, kmsgs) if b))
        body = [b for h, b in notifies(None, kmsgs) if b][0]
        flipped = bytearray(body)
        flipped[len(flipped) // 2] ^= 1
        result('keyed.flipped_byte_refused', cms_open(bytes(flipped)) is None)

    # the intruder and the too brief subscription
    r = [s for s, _, _ in messages(os.path.join(d, 'i.log'), 'received')]
    result('intruder_403', r and r[0].startswith('SIP/2.0 403'), repr(r))
    r = messages(os.path.join(d, 't.log'), 'received')
    result('too_brief_423', r and r[0][0].startswith('SIP/2.0 423') and
           r[0][1].get('min-expires') == '60')

    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
