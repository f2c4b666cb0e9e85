#!/usr/bin/python3
# rfc7208-zones.py - turn the openspf RFC 7208 suite (YAML) into one zone
# and one test list per scenario, for rfc7208.sh. Run at test time;
# nothing it writes is committed.
#
#   rfc7208-zones.py SUITE.yml OUTDIR BLACKHOLE-ADDR
#
# OUTDIR/NN.zone: records for tmx_dns_zone (test/stack/dns.sh): RR (wire
# rdata in hex), CNAME, DELEGATE and ZONE lines. Names the zone lists
# answer what they list; a TIMEOUT entry sends every other type of that
# name to BLACKHOLE-ADDR, where nothing answers; any other name is
# NXDOMAIN. SPF data doubles as TXT unless the name has TXT entries.
# OUTDIR/NN.tests: one line per test, fields separated by \x1f: name, host,
# helo, mailfrom, acceptable results (comma-separated).
import ipaddress
import os
import sys

import yaml

SEP = '\x1f'
TYPES = {'A': 1, 'PTR': 12, 'MX': 15, 'TXT': 16, 'AAAA': 28, 'SPF': 99,
         'CNAME': 5}


def wire_name(name):
    """A domain name in uncompressed wire form ("" and "." are the root:
    one zero byte, as in a null MX)."""
    out = b''
    if str(name).rstrip('.') == '':
        return b'\0'
    for label in str(name).rstrip('.').split('.'):
        raw = label.encode('latin-1')
        out += bytes([len(raw)]) + raw
    return out + b'\0'


def text_bytes(s):
    """YAML \\x escapes are code points; the suite means them as bytes."""
    s = str(s)
    try:
        return s.encode('latin-1')
    except UnicodeEncodeError:
        return s.encode('utf-8')


def txt_rdata(value):
    """TXT/SPF rdata: a list is one RR of several character-strings.

    An empty list ("null text") becomes one empty character-string: TXT
    rdata of length 0 is malformed (RFC 1035 3.3.14 wants one or more
    strings) and a validating resolver such as libunbound rejects the
    whole answer, where the suite means a record that is not SPF's."""
    parts = value if isinstance(value, list) else [value]
    if not parts:
        parts = ['']
    out = b''
    for part in parts:
        raw = text_bytes(part)
        if not raw:
            out += b'\0'
        while raw:
            chunk, raw = raw[:255], raw[255:]
            out += bytes([len(chunk)]) + chunk
    return out


def rdata(rtype, value):
    """Wire rdata of one record (an RR record's hex)."""
    if rtype == 'A':
        return ipaddress.IPv4Address(str(value)).packed
    if rtype == 'AAAA':
        return ipaddress.IPv6Address(str(value)).packed
    if rtype in ('TXT', 'SPF'):
        return txt_rdata(value)
    if rtype == 'MX':
        return int(value[0]).to_bytes(2, 'big') + wire_name(value[1])
    if rtype in ('PTR', 'CNAME'):
        return wire_name(value)
    raise ValueError('unknown record type %s' % rtype)


def zone_lines(zonedata, blackhole):
    """tmx_dns_zone records for one scenario's zone."""
    lines = []
    lower = {str(n).lower().rstrip('.'): n for n in zonedata}
    for name, entries in zonedata.items():
        name = str(name).rstrip('.')
        entries = entries or []
        has_txt = any(isinstance(e, dict) and 'TXT' in e for e in entries)
        for entry in entries:
            if entry == 'TIMEOUT':
                # only what is listed before TIMEOUT gets an answer
                lines.append('DELEGATE %s %s' % (name, blackhole))
                lines.append('ZONE *.%s' % name)
                break
            for rtype, value in entry.items():
                if rtype == 'TXT' and value == 'NONE':
                    continue
                if rtype == 'CNAME':
                    target = str(value).lower().rstrip('.')
                    tentries = zonedata.get(lower.get(target), None)
                    plain = tentries and not any(
                        isinstance(e, dict) and 'CNAME' in e
                        for e in tentries)
                    if plain and target != name.lower():
                        lines.append('CNAME %s %s' % (name, target))
                        continue
                data = rdata(rtype, value)
                lines.append('RR %s %d %s' % (name, TYPES[rtype], data.hex()))
                if rtype == 'SPF' and not has_txt:
                    lines.append('RR %s %d %s' % (name, TYPES['TXT'],
                                                  data.hex()))
    lines.append('ZONE #')
    return lines


def test_lines(tests):
    """The runner's view of each test."""
    out = []
    for name, t in tests.items():
        results = t['result']
        if not isinstance(results, list):
            results = [results]
        fields = [name, str(t['host']), str(t.get('helo', '')),
                  str(t.get('mailfrom', '')), ','.join(results)]
        out.append(SEP.join(fields))
    return out


def main():
    suite, outdir, blackhole = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    with open(suite, encoding='utf-8') as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    for i, doc in enumerate(docs):
        base = os.path.join(outdir, '%02d' % i)
        with open(base + '.zone', 'w', encoding='latin-1') as f:
            f.write('\n'.join(zone_lines(doc.get('zonedata') or {},
                                         blackhole)) + '\n')
        with open(base + '.tests', 'w', encoding='utf-8') as f:
            f.write('\n'.join(test_lines(doc['tests'])) + '\n')


if __name__ == '__main__':
    main()
