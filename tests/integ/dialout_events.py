#!/usr/bin/env python3
"""The roster a watcher saw during dial-outs (RFC 4575, issue 10).

usage: dialout_events.py MESSAGE_LOG XSD ANSWERED_URI BUSY_URI BY_URI

Every NOTIFY body must be schema-valid (eventpkg_check.check_stream).
For ANSWERED_URI the endpoint's status must go dialing-out, alerting,
connected, disconnected, in that order, with joining-method dialed-out
(joining-info by BY_URI) and disconnection-method departed; for BUSY_URI
the disconnection-method is busy, with a disconnection-info reason.
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eventpkg_check as ec  # noqa: E402

NS = '{urn:ietf:params:xml:ns:conference-info}'


def endpoints(doc, uri):
    """(status, joining-method, by, disc-method, reason) of uri's eps."""
    root = ET.fromstring(doc)
    out = []
    for u in root.iter(NS + 'user'):
        if u.get('entity') != uri:
            continue
        for ep in u.iter(NS + 'endpoint'):
            def t(path):
                e = ep.find(path)
                return e.text if e is not None else None
            out.append((t(NS + 'status'), t(NS + 'joining-method'),
                        t(NS + 'joining-info/' + NS + 'by'),
                        t(NS + 'disconnection-method'),
                        t(NS + 'disconnection-info/' + NS + 'reason')))
    return out


def main():
    log, xsd, answered, busy, by = sys.argv[1:6]
    st, docs = ec.check_stream('dialout.watch', log, xsd)
    if st is None:
        return 1
    seq, joins, discs, busy_disc = [], set(), set(), []
    for _, x, _ in docs:
        if not x:
            continue
        for s, jm, jby, dm, why in endpoints(x, answered):
            if s and (not seq or seq[-1] != s):
                seq.append(s)
            if jm:
                joins.add((jm, jby))
            if dm:
                discs.add(dm)
        for s, jm, jby, dm, why in endpoints(x, busy):
            if dm:
                busy_disc.append((dm, why))
    want = ['dialing-out', 'alerting', 'connected', 'disconnected']
    ec.result('dialout.states_in_order', seq == want,
              'seen %s' % seq)
    ec.result('dialout.joining_method_dialed_out',
              joins == {('dialed-out', by)}, 'seen %s' % joins)
    ec.result('dialout.disconnection_departed', discs == {'departed'},
              'seen %s' % discs)
    ec.result('dialout.busy_shown',
              any(d == 'busy' and w for d, w in busy_disc),
              'seen %s' % busy_disc)
    return 1 if ec.failed else 0


if __name__ == '__main__':
    sys.exit(main())
