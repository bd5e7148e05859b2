#!/usr/bin/env python3
"""Check a SIPp watcher's NOTIFYs from confd (RFC 4575, RFC 6665).

Uses eventpkg_check.py's RFC 4575 4.6 state rebuild and schema checks.
usage: events_check.py MESSAGE_LOG XSD USER...   (USER: who must have been
seen connected at some point; at the end nobody is left)
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eventpkg_check as ec  # noqa: E402


def main():
    log, xsd, users = sys.argv[1], sys.argv[2], sys.argv[3:]
    st, docs = ec.check_stream('events.watch', log, xsd)
    if st is None:
        return 1
    # replay to see each user connected at some point
    seen = set()
    s = ec.State()
    for _, x, _ in docs:
        if not x:
            continue
        s.apply(ET.fromstring(x))
        for key, u in s.users.items():
            for ep in u['eps'].values():
                if b'<status>connected</status>' in ep.replace(
                        b'ns0:', b'').replace(b' ', b''):
                    seen.add(key)
    missing = [u for u in users if u not in seen]
    ec.result('events.users_seen_connected', not missing,
              'never connected: %s (seen %s)' % (missing, sorted(seen)))
    ec.result('events.roster_empty_at_end', not st.users,
              'left: %s' % sorted(st.users))
    last = docs[-1][0] if docs else ''
    ec.result('events.terminated_noresource',
              'terminated' in last and 'noresource' in last, last)
    return 1 if ec.failed else 0


if __name__ == '__main__':
    sys.exit(main())
