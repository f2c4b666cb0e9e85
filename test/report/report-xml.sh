#!/bin/bash
# report-xml.sh - "trustmx dmarc report" on two nodes' stores filled
# through the store's API (dmarc-store-fill): every report it builds is
# valid against RFC 9990's schema (xmllint), its counts are the sums of
# both nodes, its names follow RFC 9990 3.5.2; --dry-run sends nothing
# and notes nothing, a real run notes what it sent so the next sends
# nothing, --resend sends the same file again, retention deletes old rows.
# No root, no DNS: every rua destination is inside its policy domain's
# Organizational Domain, and "sendmail" is a script that keeps the mail.
set -u
: "${TRUSTMX:?set TRUSTMX to the trustmx binary}"
: "${TMX_STORE_FILL:?set TMX_STORE_FILL to dmarc-store-fill}"
. "${TMX_SRCDIR:?set TMX_SRCDIR to the source tree}/test/stack/assert.sh"
XSD=$TMX_SRCDIR/test/conformance/dmarc-aggregate-2.0.xsd
for c in xmllint sqlite3 python3; do
	command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done

TMX_TMP=$(mktemp -d /tmp/trustmx-report.XXXXXX)
trap 'rc=$?; [ $rc = 0 ] && rm -rf "$TMX_TMP" || echo "kept $TMX_TMP" >&2; exit $rc' EXIT
T=$TMX_TMP
now=$(date +%s)
today=$((now - now % 86400))
y=$((today - 86400))

cat >"$T/t.conf" <<EOF
spf_cache_dir = $T
dmarc_report_db = $T/a.db
dmarc_report_org_name = Example Receiver & Co
dmarc_report_email = dmarc-reports@mx.example.org
EOF
# "sendmail": keep each message and its arguments
cat >"$T/sendmail" <<EOF
#!/bin/sh
n=\$(ls "$T/mails" | grep -c '\.eml\$')
echo "\$*" >"$T/mails/\$n.args"
cat >"$T/mails/\$n.eml"
EOF
chmod +x "$T/sendmail"
mkdir -p "$T/mails" "$T/files"

# fill NODE - records from stdin into $T/NODE.db
fill() {
	"$TMX_STORE_FILL" "$T/$1.db" >"$T/fill-$1.log" 2>&1 ||
		tmx_die "filling $1: $(cat "$T/fill-$1.log")"
}

ER="p=reject sp=quarantine adkim=r aspf=s testing=n disc=treewalk fo=1 rua=mailto:dmarc@example.com"
fill a <<EOF
# the same evaluation at both nodes: one record, counts added
time=$((y + 600)) ip=192.0.2.10 from=example.com mfrom=example.com rcpt=test.example pd=example.com $ER disp=pass dkimal=1 spfal=1 dkim=example.com/s1/pass spf=example.com/mfrom/pass n=40
# a subdomain under the organizational domain's policy; DKIM by an ESP
time=$((y + 3600)) ip=198.51.100.7 from=news.example.com mfrom=bounce.esp.example rcpt=test.example pd=example.com $ER disp=pass dkimal=1 spfal=0 dkim=esp.example/e1/pass dkim=news.example.com/n1/pass spf=bounce.esp.example/mfrom/pass n=12
# IPv6, failing, quarantined
time=$((y + 7200)) ip=2001:db8::bad from=example.com mfrom=forged.example rcpt=test.example pd=example.com $ER disp=quarantine dkimal=0 spfal=0 spf=forged.example/mfrom/fail n=3
# a mailing list: overridden, two DKIM results, one of them failing
time=$((y + 9000)) ip=203.0.113.5 from=example.com mfrom=lists.example.net rcpt=test.example pd=example.com $ER disp=none dkimal=0 spfal=0 reason=mailing_list:list+footer+broke+DKIM reason=local_policy dkim=example.com/s1/fail dkim=lists.example.net/l1/pass spf=lists.example.net/mfrom/pass
# a null sender: SPF on the HELO identity is not reported
time=$((y + 9100)) ip=192.0.2.99 from=example.com mfrom= rcpt=test.example pd=example.com $ER disp=quarantine dkimal=0 spfal=0 spf=helo.example.com/helo/pass
# another policy domain, testing mode, the psl method, np
time=$((y + 100)) ip=192.0.2.20 from=shop.example.net mfrom=shop.example.net rcpt=test.example pd=shop.example.net org=example.net p=quarantine np=reject testing=y disc=psl rua=mailto:agg@reports.example.net,https://example.net/x disp=none dkimal=0 spfal=0 reason=policy_test_mode dkim=shop.example.net/k/temperror spf=shop.example.net/mfrom/softfail n=5
# no rua: no report is asked for
time=$((y + 100)) ip=192.0.2.30 from=quiet.example mfrom=quiet.example pd=quiet.example p=none disp=none spf=quiet.example/mfrom/neutral n=2
# outside the period (today), and old enough for retention
time=$((today + 60)) ip=192.0.2.10 from=example.com mfrom=example.com pd=example.com $ER disp=pass dkimal=1 n=1000
time=$((now - 40 * 86400)) ip=192.0.2.10 from=example.com mfrom=example.com pd=example.com $ER disp=pass dkimal=1 n=7
EOF
fill b <<EOF
time=$((y + 80000)) ip=192.0.2.10 from=example.com mfrom=example.com rcpt=test.example pd=example.com $ER disp=pass dkimal=1 spfal=1 dkim=example.com/s1/pass spf=example.com/mfrom/pass n=60
time=$((y + 500)) ip=2001:db8:1::25 from=shop.example.net mfrom=shop.example.net rcpt=other.example pd=shop.example.net org=example.net p=quarantine np=reject testing=y disc=psl rua=mailto:agg@reports.example.net,https://example.net/x disp=none dkimal=0 spfal=1 reason=policy_test_mode spf=shop.example.net/mfrom/pass n=9
EOF
tmx_expect "node a rows" "$(sqlite3 "$T/a.db" 'SELECT COUNT(*), SUM(count) FROM rows')" "9|1071"

# split_docs FILE PREFIX - one file per XML document of FILE
split_docs() {
	awk -v p="$2" '/^<\?xml/ { n++ } { print > (p n ".xml") }' "$1"
}

# xp FILE XPATH - an XPath value of a report (namespace-blind)
xp() {
	xmllint --xpath "$2" "$1" 2>/dev/null
}

# --- dry run: the XML, nothing sent, nothing noted ---
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --db "$T/a.db" --db "$T/b.db" \
	--period "$y..$today" --dry-run
[ "$TMX_RC" = 0 ] || tmx_fail_run "dry run exited $TMX_RC"
split_docs "$TMX_TMP/out" "$T/dry"
n=$(ls "$T"/dry*.xml 2>/dev/null | wc -l)
tmx_expect "dry run: reports (example.com, quiet.example, shop.example.net)" "$n" 3
for f in "$T"/dry*.xml; do
	if xmllint --noout --schema "$XSD" "$f" 2>"$T/xmllint.err"; then
		tmx_pass "schema-valid: $(xp "$f" 'string(//*[local-name()="policy_published"]/*[local-name()="domain"])')"
	else
		tmx_fail "$f does not validate: $(cat "$T/xmllint.err")"
	fi
	tmx_expect "version in $f" "$(xp "$f" 'string(/*/*[local-name()="version"])')" "1.0"
	tmx_expect "namespace in $f" "$(xp "$f" 'namespace-uri(/*)')" "urn:ietf:params:xml:ns:dmarc-2.0"
done
tmx_expect "dry run: nothing sent" "$(ls "$T/mails" | wc -l)" 0
tmx_expect "dry run: nothing noted" "$(sqlite3 "$T/a.db" 'SELECT COUNT(*) FROM reported')" 0
grep -q 'rua: mailto:dmarc@example.com (dry run' "$TMX_TMP/err" ||
	tmx_fail_run "dry run does not say what the rua was"

# example.com: the two nodes' identical rows add up; one record each
ex=$(grep -l '<domain>example.com</domain>' "$T"/dry*.xml | head -1)
C='*[local-name()="count"]'
R='//*[local-name()="record"]'
tmx_expect "example.com records" "$(xp "$ex" "count($R)")" 5
tmx_expect "example.com messages" "$(xp "$ex" "sum(//$C)")" 117
tmx_expect "192.0.2.10 summed over both nodes" \
	"$(xp "$ex" "string($R[.//*[local-name()='source_ip']='192.0.2.10']//$C)")" 100
tmx_expect "IPv6 source" "$(xp "$ex" "count($R[.//*[local-name()='source_ip']='2001:db8::bad'])")" 1
tmx_expect "date_range" "$(xp "$ex" 'concat(//*[local-name()="begin"], "-", //*[local-name()="end"])')" "$y-$((today - 1))"
tmx_expect "policy p/sp/np/adkim/aspf/testing/fo" \
	"$(xp "$ex" 'concat(//*[local-name()="p"],//*[local-name()="sp"],//*[local-name()="np"],//*[local-name()="adkim"],//*[local-name()="aspf"],//*[local-name()="testing"],//*[local-name()="fo"])')" \
	"rejectquarantinequarantinersn1"
tmx_expect "override reasons" "$(xp "$ex" 'count(//*[local-name()="reason"])')" 2
tmx_expect "reason comment" "$(xp "$ex" 'string(//*[local-name()="comment"])')" "list footer broke DKIM"
tmx_expect "DKIM order: the aligned pass first" \
	"$(xp "$ex" "string($R[.//*[local-name()='source_ip']='198.51.100.7']//*[local-name()='dkim'][*][1]/*[local-name()='domain'])")" \
	"news.example.com"
tmx_expect "null sender: envelope_from empty, no SPF" \
	"$(xp "$ex" "concat(count($R[.//*[local-name()='source_ip']='192.0.2.99']//*[local-name()='envelope_from']), ':', string($R[.//*[local-name()='source_ip']='192.0.2.99']//*[local-name()='envelope_from']), ':', count($R[.//*[local-name()='source_ip']='192.0.2.99']//*[local-name()='spf'][*]))")" \
	"1::0"
tmx_expect "no envelope_to unless configured" "$(grep -c envelope_to "$ex")" 0
tmx_expect "org_name escaped" "$(grep -c '<org_name>Example Receiver &amp; Co</org_name>' "$ex")" 1
shop=$(grep -l '<domain>shop.example.net</domain>' "$T"/dry*.xml | head -1)
tmx_expect "shop: psl, testing y, np" \
	"$(xp "$shop" 'concat(//*[local-name()="discovery_method"], //*[local-name()="testing"], //*[local-name()="np"])')" "psly""reject"
tmx_expect "shop messages" "$(xp "$shop" "sum(//$C)")" 14
tmx_expect "DKIM temperror reported" "$(grep -c '<result>temperror</result>' "$shop")" 1

# --- a real run: mail through "sendmail", files, the ledger ---
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --db "$T/a.db" --db "$T/b.db" \
	--period "$y..$today" --sendmail "$T/sendmail -C /etc/nowhere" \
	--output-dir "$T/files"
[ "$TMX_RC" = 0 ] || tmx_fail_run "report run exited $TMX_RC"
grep -q '^3 reports: 2 mails sent, 1 destinations skipped, 0 to try again' "$T/out" ||
	tmx_fail_run "report run summary"
grep -q 'https://example.net/x: skipped: unsupported' "$T/out" ||
	tmx_fail_run "the https: URI is not said to be skipped"
grep -q 'no rua tag' "$T/out" || tmx_fail_run "quiet.example: no rua not said"
tmx_expect "mails" "$(ls "$T"/mails/*.eml | wc -l)" 2
tmx_expect "sendmail arguments" "$(cat "$T/mails/0.args")" \
	"-C /etc/nowhere -oi -f dmarc-reports@mx.example.org -- dmarc@example.com"
# RFC 9990 3.5.2: receiver!policy-domain!begin!end!unique-id.xml.gz
ls "$T/files" >"$T/files.txt"
tmx_expect "files" "$(wc -l <"$T/files.txt")" 3
re="^mx\.example\.org!(example\.com|shop\.example\.net|quiet\.example)!$y!$((today - 1))![A-Za-z0-9]+\.xml\.gz$"
tmx_expect "file names" "$(grep -Evc "$re" "$T/files.txt")" 0
for f in "$T"/files/*.xml.gz; do
	gzip -dc "$f" >"$f.xml" || tmx_fail "$f is not gzip"
	xmllint --noout --schema "$XSD" "$f.xml" 2>"$T/xmllint.err" ||
		tmx_fail "$f does not validate: $(cat "$T/xmllint.err")"
	id=${f##*!}
	id=${id%.xml.gz}
	tmx_expect "report_id = unique-id" "$(xp "$f.xml" 'string(//*[local-name()="report_id"])')" "$id"
done
# the mail: the attachment is the same file, the Subject names it
python3 - "$T/mails/0.eml" "$T/files" >"$T/mime.out" 2>&1 <<'PY' || tmx_fail "MIME: $(cat "$T/mime.out")"
import email, email.policy, os, sys
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
subject = " ".join(str(msg['Subject']).split())
parts = [p for p in msg.walk() if p.get_content_type() == 'application/gzip']
assert len(parts) == 1, "one application/gzip part"
name = parts[0].get_filename()
data = parts[0].get_payload(decode=True)
assert open(os.path.join(sys.argv[2], name), 'rb').read() == data, "attachment differs from the file"
rid = name.split('!')[4][:-len('.xml.gz')]
assert subject == "Report Domain: %s Submitter: mx.example.org Report-ID: <%s>" % (name.split('!')[1], rid), subject
assert msg['From'].addresses[0].addr_spec == 'dmarc-reports@mx.example.org'
assert msg['Message-ID'] == '<%s@mx.example.org>' % rid
print("ok", name)
PY
# ...and the next run sends nothing
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --db "$T/a.db" --db "$T/b.db" \
	--period "$y..$today" --sendmail "$T/sendmail"
grep -q '^0 reports: 0 mails sent, 0 destinations skipped, 0 to try again, 3 sent before' "$T/out" ||
	tmx_fail_run "second run"
grep -q 'already reported' "$T/out" || tmx_fail_run "second run says nothing of the first"
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --db "$T/a.db" --db "$T/b.db" \
	--sendmail "$T/sendmail"
grep -q '^0 reports: 0 mails sent' "$T/out" || tmx_fail_run "due run sent again"
tmx_expect "mails after three runs" "$(ls "$T"/mails/*.eml | wc -l)" 2
# --resend: the same Report-ID and file name again
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --db "$T/a.db" --db "$T/b.db" \
	--period "$y..$today" --sendmail "$T/sendmail" --resend
grep -q '^3 reports: 2 mails sent' "$T/out" || tmx_fail_run "--resend"
a=$(grep -o 'filename="[^"]*"' "$T/mails/0.eml")
b=$(grep -o 'filename="[^"]*"' "$T/mails/2.eml")
tmx_expect "a re-sent report has the same file name" "$b" "$a"
# an overlapping period is not sent again to the same destination
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --db "$T/a.db" --db "$T/b.db" \
	--period "$((y + 3600))..$today" --sendmail "$T/sendmail"
grep -q 'which overlaps this period, was sent' "$T/out" || tmx_fail_run "overlap"

# retention: the 40-day-old row went, today's stays
tmx_expect "rows older than the retention" \
	"$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM rows WHERE bucket < $((now - 31 * 86400))")" 0
tmx_expect "today's row kept" \
	"$(sqlite3 "$T/a.db" "SELECT SUM(count) FROM rows WHERE bucket >= $today")" 1000
tmx_expect "the ledger is in the first store only" \
	"$(sqlite3 "$T/b.db" 'SELECT COUNT(*) FROM reported')" 0

# --- configuration errors and reporting off ---
printf 'spf_cache_dir = %s\n' "$T" >"$T/off.conf"
tmx_run "$TRUSTMX" dmarc report -c "$T/off.conf"
[ "$TMX_RC" = 0 ] && grep -q 'reporting is off' "$T/out" || tmx_fail_run "reporting off"
printf 'spf_cache_dir = %s\ndmarc_report_db = %s/a.db\n' "$T" "$T" >"$T/noorg.conf"
tmx_run "$TRUSTMX" dmarc report -c "$T/noorg.conf"
[ "$TMX_RC" = 2 ] && grep -q 'dmarc_report_org_name' "$T/err" || tmx_fail_run "no org name"
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --period "$today..$((today + 86400))"
[ "$TMX_RC" = 2 ] && grep -q 'not over yet' "$T/err" || tmx_fail_run "future period"
tmx_run "$TRUSTMX" dmarc report -c "$T/t.conf" --db "$T/missing.db" --dry-run
[ "$TMX_RC" = 1 ] || tmx_fail_run "a missing --db"
printf 'dmarc_report_email = not an address\n' >"$T/bad.conf"
tmx_run "$TRUSTMX" dmarc report -c "$T/bad.conf"
[ "$TMX_RC" = 2 ] && grep -q 'bad.conf:1: dmarc_report_email' "$T/err" || tmx_fail_run "bad email"
printf 'dmarc_report_max_size = 12q\n' >"$T/bad.conf"
tmx_run "$TRUSTMX" dmarc report -c "$T/bad.conf"
[ "$TMX_RC" = 2 ] && grep -q 'bad size' "$T/err" || tmx_fail_run "bad size"
tmx_finish
