#!/bin/bash
# report-stack.sh - "trustmx dmarc report" against a real stack: two
# nodes' stores (filled through the store's API), rua destinations
# checked in hermetic DNS (dnsmasq) through the shared DNS layer, the
# reports handed to Postfix's own sendmail, which passes them through
# trustmx-milter and delivers them to a Maildir. The test reads what was
# delivered: the MIME parts, the gzip file, the XML (schema-valid, counts
# summed over both nodes), the names. Destinations: inside the policy
# domain's Organizational Domain, external and authorised, authorised
# with an override, external without authorisation, a conflicting
# override, a DNS failure (retried by the next run, which sends nothing
# twice). Then the milter itself records: mail through Postfix and
# trustmx-milter with dmarc_report_db set, and the next day's report
# (faketime) counts exactly what was accepted and rejected.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need postfix sendmail swaks xmllint python3 sqlite3 opendkim-genkey \
	faketime
: "${TMX_STORE_FILL:?set TMX_STORE_FILL to dmarc-store-fill}"
XSD=$TMX_SRCDIR/test/conformance/dmarc-aggregate-2.0.xsd
T=$TMX_TMP
now=$(date +%s)
today=$((now - now % 86400))
y=$((today - 86400))

# Report consumers' authorisations (RFC 9990 section 4), all at the
# Postfix's own domain test.example, which receives every report
mt_dns \
	"TXT ext.example._report._dmarc.test.example v=DMARC1" \
	"TXT ovr.example._report._dmarc.test.example v=DMARC1; rua=mailto:dmarc-ovr@test.example" \
	"TXT conflict.example._report._dmarc.test.example v=DMARC1; rua=mailto:x@elsewhere.example" \
	"TXT notdmarc.example._report._dmarc.test.example v=spf1 -all" \
	"TXT rep.example v=spf1 ip4:192.0.2.10 -all" \
	"TXT _dmarc.rep.example v=DMARC1; p=reject; t=n; pct=5; rua=mailto:dmarc-rep@test.example" \
	"TXT rep.example._report._dmarc.test.example v=DMARC1" || exit 1
for a in 192.0.2.10 192.0.2.11; do
	tmx_addr "$a"
done
mt_config
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

cat >"$T/report.conf" <<EOF
spf_cache_dir = $T
dns_timeout = 2s
dmarc_report_db = $T/node-a.db
dmarc_report_org_name = Test Receiver
dmarc_report_email = dmarc-reports@test.example
EOF

# fill NODE - records from stdin into $T/NODE.db, through dmarc_store_add
fill() {
	"$TMX_STORE_FILL" "$T/$1.db" >"$T/fill-$1.log" 2>&1 ||
		tmx_die "filling $1: $(cat "$T/fill-$1.log")"
}
P="p=reject disc=treewalk disp=pass dkimal=1 spfal=1"
fill node-a <<EOF
time=$((y + 100)) ip=192.0.2.10 from=ext.example mfrom=ext.example pd=ext.example $P rua=mailto:dmarc-ext@test.example dkim=ext.example/s1/pass spf=ext.example/mfrom/pass n=30
time=$((y + 200)) ip=2001:db8::66 from=ext.example mfrom=spoof.example pd=ext.example p=reject disc=treewalk rua=mailto:dmarc-ext@test.example disp=reject spf=spoof.example/mfrom/fail n=2
time=$((y + 300)) ip=192.0.2.11 from=sub.test.example mfrom=sub.test.example pd=test.example org=test.example $P rua=mailto:dmarc-int@test.example spf=sub.test.example/mfrom/pass n=5
time=$((y + 400)) ip=192.0.2.12 from=ovr.example mfrom=ovr.example pd=ovr.example $P rua=mailto:anyone@test.example spf=ovr.example/mfrom/pass n=7
time=$((y + 500)) ip=192.0.2.13 from=conflict.example mfrom=conflict.example pd=conflict.example $P rua=mailto:c@test.example n=1
time=$((y + 600)) ip=192.0.2.14 from=noauth.example mfrom=noauth.example pd=noauth.example $P rua=mailto:dmarc-noauth@test.example n=1
time=$((y + 700)) ip=192.0.2.15 from=notdmarc.example mfrom=notdmarc.example pd=notdmarc.example $P rua=mailto:n@test.example n=1
time=$((y + 800)) ip=192.0.2.16 from=temp.example mfrom=temp.example pd=temp.example $P rua=mailto:r@x.broken.example n=1
time=$((y + 900)) ip=192.0.2.17 from=norua.example mfrom=norua.example pd=norua.example p=none disp=none n=1
time=$((now - 40 * 86400)) ip=192.0.2.10 from=ext.example mfrom=ext.example pd=ext.example $P rua=mailto:dmarc-ext@test.example n=9
EOF
fill node-b <<EOF
time=$((y + 50000)) ip=192.0.2.10 from=ext.example mfrom=ext.example pd=ext.example $P rua=mailto:dmarc-ext@test.example dkim=ext.example/s1/pass spf=ext.example/mfrom/pass n=12
EOF

# reports_delivered - how many report mails are in the Maildir
reports_delivered() {
	grep -l '^Subject: Report Domain:' "$MT_MAIL"/Maildir/new/* 2>/dev/null | wc -l
}

# --- the first run ---
tmx_run "$TRUSTMX" dmarc report -c "$T/report.conf" --db "$T/node-a.db" \
	--db "$T/node-b.db" --period "$y..$today" \
	--sendmail "sendmail -C $TMX_PF/etc"
sed 's/^/  report: /' "$T/out"
tmx_expect "first run: exit status (a DNS failure to retry)" "$TMX_RC" 1
grep -q '^8 reports: 3 mails sent, 3 destinations skipped, 1 to try again, 0 sent before' "$T/out" ||
	tmx_fail_run "first run summary"
grep -q 'mailto:dmarc-noauth@test.example: skipped: not authorised: external destination, and no "v=DMARC1" TXT record at noauth.example._report._dmarc.test.example' "$T/out" ||
	tmx_fail_run "noauth.example: no authorisation not said"
grep -q 'mailto:n@test.example: skipped: not authorised' "$T/out" ||
	tmx_fail_run "a TXT record that is not DMARC authorised"
grep -q 'mailto:c@test.example: skipped: override conflict' "$T/out" ||
	tmx_fail_run "conflicting override"
grep -q 'mailto:r@x.broken.example: not sent (next run tries again): TXT temp.example._report._dmarc.x.broken.example' "$T/out" ||
	tmx_fail_run "DNS failure"
grep -q 'dmarc-ovr@test.example: sent (the destination' "$T/out" ||
	tmx_fail_run "override"
tmx_until 30 test "$(reports_delivered)" -ge 3 || tmx_fail "reports delivered: $(reports_delivered), want 3"
sleep 1
tmx_expect "reports delivered" "$(reports_delivered)" 3

# every delivered report: MIME, gzip, names, XML
mkdir -p "$T/xml"
python3 - "$T/xml" "$MT_MAIL"/Maildir/new/* >"$T/mime.out" 2>&1 <<'PY' || tmx_fail "MIME: $(cat "$T/mime.out")"
import email, email.policy, gzip, os, re, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    msg = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)
    if not str(msg['Subject']).startswith('Report Domain:'):
        continue
    subject = " ".join(str(msg['Subject']).split())
    parts = [p for p in msg.walk() if p.get_content_type() == 'application/gzip']
    assert len(parts) == 1, "%s: %d gzip parts" % (path, len(parts))
    name = parts[0].get_filename()
    m = re.fullmatch(r'test\.example!([a-z.]+)!(\d+)!(\d+)!([A-Za-z0-9]+)\.xml\.gz', name)
    assert m, "file name " + name
    domain, rid = m.group(1), m.group(4)
    want = "Report Domain: %s Submitter: test.example Report-ID: <%s>" % (domain, rid)
    assert subject == want, subject
    assert msg['From'].addresses[0].addr_spec == 'dmarc-reports@test.example'
    assert 'Authentication-Results' in msg, "not through the milter"
    xml = gzip.decompress(parts[0].get_payload(decode=True))
    open(os.path.join(out, domain + '.xml'), 'wb').write(xml)
    print(domain, msg['To'].addresses[0].addr_spec, m.group(2), m.group(3), rid)
PY
sed 's/^/  delivered: /' "$T/mime.out"
grep -q "^ext.example dmarc-ext@test.example $y $((today - 1)) " "$T/mime.out" ||
	tmx_fail "ext.example report not delivered to dmarc-ext"
grep -q "^test.example dmarc-int@test.example " "$T/mime.out" ||
	tmx_fail "test.example report not delivered to dmarc-int"
grep -q "^ovr.example dmarc-ovr@test.example " "$T/mime.out" ||
	tmx_fail "ovr.example report not delivered to the override"
for f in "$T"/xml/*.xml; do
	xmllint --noout --schema "$XSD" "$f" 2>"$T/xmllint.err" &&
		tmx_pass "schema-valid: ${f##*/}" ||
		tmx_fail "${f##*/} does not validate: $(cat "$T/xmllint.err")"
done
# xp FILE XPATH - namespace-blind XPath
xp() {
	xmllint --xpath "$2" "$1" 2>/dev/null
}
C='//*[local-name()="count"]'
tmx_expect "ext.example messages (both nodes)" "$(xp "$T/xml/ext.example.xml" "sum($C)")" 44
tmx_expect "ext.example records" "$(xp "$T/xml/ext.example.xml" 'count(//*[local-name()="record"])')" 2
tmx_expect "ext.example 192.0.2.10 (30 + 12)" \
	"$(xp "$T/xml/ext.example.xml" 'string(//*[local-name()="record"][.//*[local-name()="source_ip"]="192.0.2.10"]//*[local-name()="count"])')" 42
tmx_expect "ext.example rejected IPv6 row" \
	"$(xp "$T/xml/ext.example.xml" 'string(//*[local-name()="record"][.//*[local-name()="source_ip"]="2001:db8::66"]//*[local-name()="disposition"])')" reject
tmx_expect "test.example: the subdomain's record" \
	"$(xp "$T/xml/test.example.xml" 'string(//*[local-name()="header_from"])')" sub.test.example
tmx_expect "ovr.example messages" "$(xp "$T/xml/ovr.example.xml" "sum($C)")" 7

# retention: node a's 40-day-old row went
tmx_expect "rows past the retention" \
	"$(sqlite3 "$T/node-a.db" "SELECT COUNT(*) FROM rows WHERE bucket < $((now - 31 * 86400))")" 0

# --- the second run: only the DNS failure is tried again ---
tmx_run "$TRUSTMX" dmarc report -c "$T/report.conf" --db "$T/node-a.db" \
	--db "$T/node-b.db" --period "$y..$today" \
	--sendmail "sendmail -C $TMX_PF/etc"
sed 's/^/  report: /' "$T/out"
tmx_expect "second run: exit status" "$TMX_RC" 1
grep -q '^1 reports: 0 mails sent, 0 destinations skipped, 1 to try again, 7 sent before' "$T/out" ||
	tmx_fail_run "second run summary"
sleep 2
tmx_expect "nothing delivered twice" "$(reports_delivered)" 3
grep -q 'from=<dmarc-reports@test.example>' "$TMX_PF_LOG" ||
	tmx_fail "Postfix did not log the report sender"
# --- the milter's own records: two passing messages, one rejected ---
# (first in a directory its user may not write: -n says so)
mt_config "dmarc_reject = yes" "dmarc_report_db = $T/milter.db"
"$TRUSTMX_MILTER" -n -c "$MT_CONF" >"$T/n.out" 2>&1 &&
	tmx_fail "-n accepted a report directory nobody cannot write"
grep -q "dmarc_report_db.*$T" "$T/n.out" ||
	tmx_fail "-n did not name dmarc_report_db: $(cat "$T/n.out")"
mkdir -p "$T/dmarc"
chown nobody "$T/dmarc"
mt_config "dmarc_reject = yes" "dmarc_report_db = $T/dmarc/milter.db"
mt_hup
for c in mrep-pass1 mrep-pass2; do
	mt_send $c 192.0.2.10 a@rep.example "$(mt_msg $c a@rep.example)"
done
mt_send mrep-fail 192.0.2.11 a@rep.example "$(mt_msg mrep-fail a@rep.example)"
grep -q '550 5.7.1 DMARC policy' "$MT_OUT" ||
	tmx_fail "mrep-fail: not rejected: $(tail -2 "$MT_OUT")"
# milter_rows - messages the milter's writer thread has stored
milter_rows() {
	sqlite3 "$T/dmarc/milter.db" 'SELECT COALESCE(SUM(count), 0) FROM rows' 2>/dev/null
}
# milter_stored N - at least N
milter_stored() {
	[ "$(milter_rows)" -ge "$1" ]
}
tmx_until 10 milter_stored 3 ||
	tmx_fail "the milter stored $(milter_rows) messages, want 3"
# a day later, yesterday's report is today's traffic (libfaketime is
# preloaded: a sanitizer build must let it come before its runtime)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	faketime -f '+1d' "$TRUSTMX" dmarc report -c "$T/report.conf" \
	--db "$T/dmarc/milter.db" --period yesterday --dry-run >"$T/milter.xml" \
	2>"$T/milter.err" || tmx_fail "dmarc report --dry-run: $(cat "$T/milter.err")"
xmllint --noout --schema "$XSD" "$T/milter.xml" 2>"$T/xmllint.err" &&
	tmx_pass "schema-valid: the milter's report" ||
	tmx_fail "the milter's report does not validate: $(cat "$T/xmllint.err")"
# row IP FIELD - FIELD of the record for source IP
row() {
	xp "$T/milter.xml" "string(//*[local-name()=\"record\"][.//*[local-name()=\"source_ip\"]=\"$1\"]//*[local-name()=\"$2\"])"
}
tmx_expect "milter: passing messages from 192.0.2.10" "$(row 192.0.2.10 count)" 2
tmx_expect "milter: their disposition" "$(row 192.0.2.10 disposition)" pass
tmx_expect "milter: their SPF" "$(row 192.0.2.10 spf)" pass
tmx_expect "milter: rejected from 192.0.2.11" "$(row 192.0.2.11 count)" 1
tmx_expect "milter: its disposition" "$(row 192.0.2.11 disposition)" reject
tmx_expect "milter: the policy as published (t=n, pct ignored)" \
	"$(xp "$T/milter.xml" 'concat(string(//*[local-name()="policy_published"]/*[local-name()="p"]), " ", string(//*[local-name()="discovery_method"]), " ", string(//*[local-name()="testing"]))')" \
	"reject treewalk n"
tmx_expect "milter: no local parts in the report" \
	"$(grep -c '@' "$T/milter.xml")" 1

tmx_postfix_problems 'milter-hold|warning: .*: (hostname|address) .* does not resolve' &&
	tmx_fail "Postfix reported problems"
tmx_finish
