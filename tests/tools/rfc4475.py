#!/usr/bin/env python3
"""Extract the SIP torture messages of RFC 4475 section 3 from the RFC text.

    rfc4475.py RFC4475.TXT OUTDIR          write OUTDIR/<name>.dat
    rfc4475.py --check RFC4475.TXT          compare with Appendix A

Each message follows a "Message Details : <name>" line, indented by six
spaces.  Section 2 of the RFC defines the markup undone here:
  - <allOneLine> ... </allOneLine>: the lines in between are concatenated
    without their line ends (2.1);
  - <hex>..</hex>: octets written as hex pairs, also inside quoted strings
    (2.2);
  - <repeat count=N>..</repeat>: the value repeated N times (2.3).
Every line ends in CRLF (SIP's line end); a body ends where the RFC text
of the message ends (its Content-Length says so), without a trailing
CRLF unless the text leaves an empty line.

The RFC's page breaks (footer, form feed or its rendering, header line,
two blank lines) fall inside a few messages; they are removed before the
messages are cut out.  --check decodes the bit-exact archive of Appendix A
(base64 of a gzipped tar) and says, for every message, whether the text
extraction gives the same octets: that is how this script is tested.
"""
import base64
import gzip
import io
import os
import re
import sys
import tarfile

FOOTER = re.compile(r'^Sparks, et al\.\s+Informational\s+\[Page \d+\]')
HEADER = re.compile(r'^RFC 4475\s+SIP Torture Test Messages')
DETAILS = re.compile(r'^\s+Message Details\s*:\s*(\S+)\s*$')
SECTION = re.compile(r'^(\d+\.|Appendix)')


def strip_pages(lines):
    """Drops page footers, headers and the padding around them."""
    out = []
    i = 0
    while i < len(lines):
        if FOOTER.match(lines[i]):
            # the blank lines that filled the page end
            while out and out[-1].strip() == '':
                out.pop()
            j = i + 1
            while j < len(lines) and not HEADER.match(lines[j]):
                j += 1
            # the header is followed by two blank lines
            i = j + 3
            continue
        out.append(lines[i])
        i += 1
    return out


def unmark(text):
    """Undoes <allOneLine>, <repeat> and <hex> (RFC 4475 section 2)."""
    def one_line(m):
        return ''.join(m.group(1).split('\n'))
    text = re.sub(r'<allOneLine>\n(.*?)\n</allOneLine>', one_line, text,
                  flags=re.S)
    # SIP's line end, before any octet decoded from <hex> could be
    # taken for one
    if '\n\n' not in text:
        # the empty line that ends the header is invisible in the text
        # when nothing follows it
        text += '\n'
    text = (text + '\n').replace('\n', '\r\n')
    # hex and repeat may nest (repeat of hex): expand innermost first,
    # carrying raw octets through latin-1
    def hexdec(m):
        return bytes.fromhex(''.join(m.group(1).split())).decode('latin-1')
    def repeat(m):
        return m.group(2) * int(m.group(1))
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r'<hex>([0-9A-Fa-f\s]*?)</hex>', hexdec, text)
        text = re.sub(r'<repeat count=(\d+)>((?:(?!<repeat).)*?)</repeat>',
                      repeat, text, flags=re.S)
    return text


def extract(path):
    """Returns {name: bytes} for every message of section 3."""
    with open(path, encoding='utf-8') as f:
        lines = [l.rstrip('\n').rstrip('\r') for l in f]
    lines = strip_pages(lines)
    msgs = {}
    i = 0
    while i < len(lines):
        m = DETAILS.match(lines[i])
        if not m:
            i += 1
            continue
        name = m.group(1)
        i += 1
        while i < len(lines) and lines[i].strip() == '':
            i += 1
        body = []
        while i < len(lines) and not DETAILS.match(lines[i]) and \
                not SECTION.match(lines[i]):
            body.append(lines[i])
            i += 1
        while body and body[-1].strip() == '':
            body.pop()
        text = '\n'.join(l[6:] if l.startswith('      ') else l.lstrip()
                         for l in body)
        text = unmark(text)
        msgs[name] = text.encode('latin-1')
    return msgs


def archive(path):
    """Appendix A: the bit-exact messages, {name: bytes}."""
    data = []
    inside = False
    with open(path, encoding='utf-8') as f:
        for l in f:
            if '-- BEGIN MESSAGE ARCHIVE --' in l:
                inside = True
                continue
            if '-- END MESSAGE ARCHIVE --' in l:
                break
            if inside and re.match(r'^\s*[A-Za-z0-9+/=]+\s*$', l):
                data.append(l.strip())
    raw = gzip.decompress(base64.b64decode(''.join(data)))
    out = {}
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        for m in tf.getmembers():
            if m.isfile() and m.name.endswith('.dat'):
                out[os.path.basename(m.name)[:-4]] = \
                    tf.extractfile(m).read()
    return out


# Where the archive and the text disagree on more than empty lines.
KNOWN = {'trws': 'Appendix A has "host1.examle.com" where the text has '
                 '"host1.example.com"'}


# Where the text is the better copy: Appendix A's baddn lacks the empty
# line that ends the header, so it is no complete message at all and
# would not test what 3.1.2.15 describes (a display name with non-token
# characters); the text shows it complete.
TEXT_WINS = {'baddn'}


def blank_only(a, b):
    """True when a and b differ only in empty lines."""
    def squeeze(x):
        return re.sub(rb'(\r\n)+', b'\r\n', x)
    return squeeze(a) == squeeze(b)


def best(msgs, ref):
    """The messages to write: the text's, except where Appendix A says
    otherwise (a page break or a message's end hides an empty line; one
    typo), and then the archive's octets, which the RFC calls bit-exact."""
    out = {}
    for name, data in msgs.items():
        if name in ref and ref[name] != data and name not in TEXT_WINS:
            why = 'empty lines' if blank_only(data, ref[name]) else \
                'text differs'
            sys.stderr.write('%s: Appendix A used (%s)\n' % (name, why))
            data = ref[name]
        out[name] = data
    return out


def main(argv):
    if len(argv) == 3 and argv[1] == '--check':
        msgs = extract(argv[2])
        ref = archive(argv[2])
        bad = 0
        for name in sorted(set(msgs) | set(ref)):
            if name not in ref:
                print('EXTRA %s (not in Appendix A)' % name)
                bad += 1
                continue
            if name not in msgs:
                # test.dat: in the archive, but no section 3 message
                print('ARCHIVE-ONLY %s' % name)
                continue
            same = msgs[name] == ref[name]
            if same:
                print('SAME %s' % name)
            elif blank_only(msgs[name], ref[name]):
                print('BLANK %s (differs in empty lines only)' % name)
            elif name in KNOWN:
                print('KNOWN %s (%s)' % (name, KNOWN[name]))
            else:
                bad += 1
                print('DIFF %s' % name)
        print('%d messages, %d differ' % (len(msgs), bad))
        return 1 if bad else 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    os.makedirs(argv[2], exist_ok=True)
    msgs = best(extract(argv[1]), archive(argv[1]))
    for name, data in sorted(msgs.items()):
        with open(os.path.join(argv[2], name + '.dat'), 'wb') as f:
            f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
