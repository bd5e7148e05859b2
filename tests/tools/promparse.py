#!/usr/bin/env python3
"""A strict reader of the Prometheus text exposition format 0.0.4.

Written from the format's description (prometheus.io, "Exposition
formats", text-based format), not from any client library, to check
what confd serves at /metrics:

  promparse.py FILE             check; print every sample "series value"
  promparse.py FILE SERIES...   check; print the value of each series,
                                e.g. 'confd_joins_total{keying="sdes"}'

A series missing from the input prints "absent".  Exit 1 with a message
on the first violation of:
  - line grammar: '# HELP name text', '# TYPE name type', other '#'
    comments, samples 'name{label="value",...} value [timestamp]';
    metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
    [a-zA-Z_][a-zA-Z0-9_]* (not starting '__'), label values quoted with
    only \\\\, \\" and \\n escapes; values Go-float or +Inf/-Inf/NaN;
  - at most one HELP and one TYPE per family, TYPE before its samples,
    a family's samples contiguous, no series twice;
  - conventions confd promises (Prometheus naming practice): counters
    end in _total, names start with confd_, snake_case label names;
  - histograms: _bucket series with le, cumulative (never decreasing),
    an le="+Inf" bucket equal to _count, and a _sum.
"""
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LNAME = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
FLOAT = re.compile(r'[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$')
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


class Bad(Exception):
    pass


def parse_value(s, where):
    if s in ('+Inf', 'Inf'):
        return math.inf
    if s == '-Inf':
        return -math.inf
    if s == 'NaN':
        return math.nan
    if not FLOAT.match(s):
        raise Bad('%s: bad value %r' % (where, s))
    return float(s)


def parse_labels(s, i, where):
    """s[i] == '{'; returns (labels dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        m = LNAME.match(s, i)
        if not m:
            raise Bad('%s: bad label name at %r' % (where, s[i:]))
        name = m.group(0)
        if name.startswith('__'):
            raise Bad('%s: reserved label name %s' % (where, name))
        if name in labels:
            raise Bad('%s: label %s twice' % (where, name))
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad('%s: expected =" after %s' % (where, name))
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise Bad('%s: unterminated label value' % where)
            c = s[i]
            if c == '\\':
                nxt = s[i + 1:i + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise Bad('%s: bad escape \\%s' % (where, nxt))
                val.append('\n' if nxt == 'n' else nxt)
                i += 2
                continue
            if c == '"':
                i += 1
                break
            if c == '\n':
                raise Bad('%s: newline in label value' % where)
            val.append(c)
            i += 1
        labels[name] = ''.join(val)
        if i < len(s) and s[i] == ',':
            i += 1
        elif i < len(s) and s[i] == '}':
            continue
        else:
            raise Bad('%s: expected , or } in labels' % where)


def family_of(name, types):
    for suf in ('_bucket', '_sum', '_count'):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in (
                'histogram', 'summary'):
            return name[:-len(suf)]
    return name


def key(name, labels):
    if not labels:
        return name
    return name + '{' + ','.join('%s="%s"' % (k, labels[k])
                                 for k in sorted(labels)) + '}'


def parse(text):
    if text and not text.endswith('\n'):
        raise Bad('the last line does not end in \\n')
    helps, types, done = {}, {}, set()
    samples = {}
    order = []
    current = None
    for n, line in enumerate(text.split('\n')[:-1], 1):
        where = 'line %d' % n
        if line == '':
            continue
        if line.startswith('#'):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ('HELP', 'TYPE'):
                name = parts[2]
                if not NAME.fullmatch(name):
                    raise Bad('%s: bad metric name %r' % (where, name))
                if parts[1] == 'HELP':
                    if name in helps:
                        raise Bad('%s: second HELP for %s' % (where, name))
                    helps[name] = parts[3] if len(parts) > 3 else ''
                else:
                    t = parts[3] if len(parts) > 3 else ''
                    if t not in TYPES:
                        raise Bad('%s: bad type %r' % (where, t))
                    if name in types:
                        raise Bad('%s: second TYPE for %s' % (where, name))
                    if name in done or name == current:
                        raise Bad('%s: TYPE after samples of %s'
                                  % (where, name))
                    types[name] = t
            continue
        m = NAME.match(line)
        if not m:
            raise Bad('%s: bad sample %r' % (where, line))
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == '{':
            labels, i = parse_labels(line, i, where)
        rest = line[i:]
        if not rest.startswith(' '):
            raise Bad('%s: expected a blank before the value' % where)
        fields = rest.split()
        if len(fields) not in (1, 2):
            raise Bad('%s: expected value [timestamp]' % where)
        value = parse_value(fields[0], where)
        if len(fields) == 2 and not re.fullmatch(r'-?\d+', fields[1]):
            raise Bad('%s: bad timestamp' % where)
        fam = family_of(name, types)
        if fam != current:
            if fam in done:
                raise Bad('%s: samples of %s not contiguous' % (where, fam))
            if current:
                done.add(current)
            current = fam
        k = key(name, labels)
        if k in samples:
            raise Bad('%s: series %s twice' % (where, k))
        samples[k] = value
        order.append((fam, name, labels, value, where))
    check_conventions(types, order)
    check_histograms(types, order)
    return samples


def check_conventions(types, order):
    for fam, name, labels, value, where in order:
        if not fam.startswith('confd_'):
            raise Bad('%s: %s lacks the confd_ prefix' % (where, fam))
        t = types.get(fam, 'untyped')
        if t == 'counter' and not fam.endswith('_total'):
            raise Bad('%s: counter %s does not end in _total' % (where, fam))
        if t != 'counter' and fam.endswith('_total'):
            raise Bad('%s: %s ends in _total but is a %s' % (where, fam, t))
        if t == 'counter' and (value < 0 or math.isnan(value)):
            raise Bad('%s: counter %s is %r' % (where, fam, value))
        for ln in labels:
            if ln != ln.lower():
                raise Bad('%s: label %s is not snake_case' % (where, ln))


def check_histograms(types, order):
    for fam, t in types.items():
        if t != 'histogram':
            continue
        groups = {}
        for f, name, labels, value, where in order:
            if f != fam:
                continue
            base = {k: v for k, v in labels.items() if k != 'le'}
            g = groups.setdefault(key('', base), {'b': [], 's': None,
                                                  'c': None})
            if name == fam + '_bucket':
                if 'le' not in labels:
                    raise Bad('%s: bucket without le' % where)
                g['b'].append((parse_value(labels['le'], where), value))
            elif name == fam + '_sum':
                g['s'] = value
            elif name == fam + '_count':
                g['c'] = value
            else:
                raise Bad('%s: %s in histogram %s' % (where, name, fam))
        if not groups:
            raise Bad('histogram %s has no samples' % fam)
        for g in groups.values():
            b = g['b']
            if not b or b[-1][0] != math.inf:
                raise Bad('histogram %s: no le="+Inf" bucket last' % fam)
            for (l1, v1), (l2, v2) in zip(b, b[1:]):
                if l2 <= l1 or v2 < v1:
                    raise Bad('histogram %s: buckets not cumulative' % fam)
            if g['c'] is None or g['s'] is None:
                raise Bad('histogram %s: _count or _sum missing' % fam)
            if g['c'] != b[-1][1]:
                raise Bad('histogram %s: +Inf bucket != _count' % fam)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding='utf-8') as f:
        text = f.read()
    try:
        samples = parse(text)
    except Bad as e:
        sys.exit('promparse: %s' % e)
    want = sys.argv[2:]
    if not want:
        for k, v in samples.items():
            print(k, repr(v))
        return
    for w in want:
        m = NAME.match(w)
        labels = {}
        if m.end() < len(w):
            labels, _ = parse_labels(w, m.end(), 'argument')
        v = samples.get(key(m.group(0), labels))
        print('absent' if v is None else ('%g' % v))


if __name__ == '__main__':
    main()
