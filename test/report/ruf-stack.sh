#!/bin/bash
# ruf-stack.sh - DMARC failure reports (RFC 9991) through a real stack:
# hermetic DNS (dnsmasq: DMARC records with ruf=, _report._dmarc
# agreements), a Postfix that delivers test.example into a Maildir and
# runs trustmx-milter, Postfix's own sendmail taking the reports. First
# through the queue's own API (dmarc-ruf-submit: the queue, worker
# thread, DNS checks, rate limit and sendmail the milter links): an
# external destination that agreed, one that did not, one whose agreement
# names its own ruf, an internal one; fo=0, fo=1, fo=d; more failures than
# dmarc_failure_rate. Then, once trustmx-milter submits failure reports,
# the milter itself: failing messages sent with swaks, reports counted
# against the rate, a rejected message's report. Every delivered report
# is read with Python's email module: the multipart/report structure, the
# feedback-report fields, the header fields and never the body, no local
# part left.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need postfix sendmail swaks python3 opendkim-genkey
: "${TMX_RUF_SUBMIT:?set TMX_RUF_SUBMIT to dmarc-ruf-submit}"
T=$TMX_TMP

# The domains and the report consumers' agreements (RFC 9990 section 4,
# with ruf for rua: RFC 9991 section 5); every consumer is at test.example
mt_dns \
	"TXT ruf.example._report._dmarc.test.example v=DMARC1" \
	"TXT ovr.example._report._dmarc.test.example v=DMARC1; rua=mailto:dmarc-agg@test.example; ruf=mailto:dmarc-ovr@test.example" \
	"TXT ruf2.example v=spf1 ip4:192.0.2.10 -all" \
	"TXT _dmarc.ruf2.example v=DMARC1; p=none; ruf=mailto:dmarc-m@test.example" \
	"TXT ruf2.example._report._dmarc.test.example v=DMARC1" \
	"TXT rufrej.example v=spf1 ip4:192.0.2.10 -all" \
	"TXT _dmarc.rufrej.example v=DMARC1; p=reject; fo=1; ruf=mailto:dmarc-rej@test.example" \
	"TXT rufrej.example._report._dmarc.test.example v=DMARC1" || exit 1
for a in 192.0.2.10 192.0.2.11; do
	tmx_addr "$a"
done
mt_config "dmarc_reject = yes"
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1
SENDMAIL="sendmail -C $TMX_PF/etc"

# reports_to ADDR - how many failure reports ADDR got
reports_to() {
	grep -l "^To: <$1>" "$MT_MAIL"/Maildir/new/* 2>/dev/null | wc -l
}
# reports_at_least ADDR N
reports_at_least() {
	[ "$(reports_to "$1")" -ge "$2" ]
}

# check.py MAILDIR - every failure report delivered, checked; one line
# each: To, Auth-Failure, Reported-Domain, Delivery-Result,
# Identity-Alignment, Source-IP. SECRETS (regexes, one a line) must not
# appear in any report.
cat >"$T/check.py" <<'PY'
import email, email.policy, os, re, sys
from email.parser import HeaderParser
secrets = [re.compile(s) for s in os.environ.get('SECRETS', '').splitlines() if s]
bad = 0
def fail(path, why):
    global bad
    bad += 1
    print('FAIL %s: %s' % (os.path.basename(path), why), file=sys.stderr)
for name in sorted(os.listdir(sys.argv[1])):
    path = os.path.join(sys.argv[1], name)
    raw = open(path, 'rb').read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if not re.match(r'(DMARC|DKIM|SPF) failure report for ', str(msg['Subject'] or '')):
        continue
    text = raw.decode('utf-8', 'replace')
    for s in secrets:
        if s.search(text):
            fail(path, 'holds %s' % s.pattern)
    if msg.get_content_type() != 'multipart/report' or \
       msg.get_param('report-type') != 'feedback-report':
        fail(path, 'not multipart/report; report-type=feedback-report')
        continue
    if msg['Auto-Submitted'] != 'auto-generated' or \
       msg['From'].addresses[0].addr_spec != 'dmarc-failures@test.example':
        fail(path, 'From or Auto-Submitted')
    if 'Authentication-Results' not in msg:
        fail(path, 'did not pass through the milter')
    parts = msg.get_payload()
    types = [p.get_content_type() for p in parts]
    if types != ['text/plain', 'message/feedback-report', 'text/rfc822-headers']:
        fail(path, 'parts %s' % types)
        continue
    fb = parts[1].get_payload()[0]
    need = ['Feedback-Type', 'User-Agent', 'Version', 'Auth-Failure',
            'Authentication-Results', 'Original-Mail-From', 'Arrival-Date',
            'Source-IP', 'Reported-Domain', 'Delivery-Result']
    for f in need:
        if len(fb.get_all(f) or []) != 1:
            fail(path, 'feedback-report: %s not exactly once' % f)
    if fb['Feedback-Type'] != 'auth-failure' or fb['Version'] != '1':
        fail(path, 'Feedback-Type/Version %s/%s' % (fb['Feedback-Type'], fb['Version']))
    af = fb['Auth-Failure']
    if af == 'dmarc' and not re.fullmatch(r'none|dkim|spf|dkim, spf', str(fb['Identity-Alignment'])):
        fail(path, 'Identity-Alignment %s' % fb['Identity-Alignment'])
    if af in ('signature', 'bodyhash', 'revoked') and not fb['DKIM-Domain']:
        fail(path, 'DKIM report without DKIM-Domain')
    omf = str(fb['Original-Mail-From'])
    if not re.fullmatch(r'<([A-Za-z0-9_-]{12}@[a-z0-9.-]+)?>', omf):
        fail(path, 'Original-Mail-From not redacted: %s' % omf)
    hdrs = HeaderParser().parsestr(parts[2].get_content())
    if not hdrs['From'] or not hdrs['Subject'] or not hdrs['Message-ID']:
        fail(path, 'the header fields are missing From, Subject or Message-ID')
    if hdrs.get_payload().strip():
        fail(path, 'text after the header fields: %r' % hdrs.get_payload()[:80])
    for f in ('From', 'To', 'Received'):
        for v in hdrs.get_all(f) or []:
            for local in re.findall(r'([^\s<>(),;:"]+)@', v):
                if not re.fullmatch(r'[A-Za-z0-9_-]{12}', local):
                    fail(path, '%s: local part %s not redacted' % (f, local))
    print(msg['To'].addresses[0].addr_spec, af, fb['Reported-Domain'],
          fb['Delivery-Result'], fb['Identity-Alignment'] or '-', fb['Source-IP'],
          hdrs['X-Test-Case'] or '-')
sys.exit(1 if bad else 0)
PY
# check - run check.py on what was delivered into $T/reports.out
check() {
	SECRETS=$1 python3 "$T/check.py" "$MT_MAIL/Maildir/new" >"$T/reports.out" 2>"$T/check.err" ||
		tmx_fail "reports: $(cat "$T/check.err")"
	sed 's/^/  report: /' "$T/reports.out"
}

# --- through the queue's own API ---
cat >"$T/a.eml" <<'EOF'
Received: from client.example (client.example [192.0.2.10])
	by mx.test.example (Postfix) with ESMTP id 4QRUF1
	for <secret-rcpt@test.example>; Mon, 1 Jun 2026 10:00:00 +0000
From: "Spoofed Bank" <secret-sender@ruf.example>
To: Secret Recipient <secret-rcpt@test.example>,
 "Other" <secret-other@test.example>
Subject: ruf test
Message-ID: <ruf-a@ruf.example>
List-Unsubscribe: <https://ruf.example/unsub?id=42>
X-Test-Case: ruf-a

BODY-SECRET: this line is the body.
EOF
M="ip=192.0.2.10 mfrom=secret-bounce@ruf.example spf=fail msg=$T/a.eml"
"$TMX_RUF_SUBMIT" --sendmail "$SENDMAIL" --rate 3 >"$T/submit.out" 2>&1 <<EOF ||
# five failures for one (external, agreed) destination, rate 3
qid=A1 from=ruf.example pd=ruf.example org=ruf.example ruf=mailto:dmarc-ruf@test.example fo=0 result=fail delivery=reject spfdom=ruf.example $M n=5
# a destination that did not agree
qid=A2 from=noauth.example pd=noauth.example org=noauth.example ruf=mailto:dmarc-noauth@test.example result=fail $M
# fo=1 with DMARC passing by SPF; the agreement names its own ruf
qid=A3 from=ovr.example pd=ovr.example org=ovr.example ruf=mailto:anyone@test.example fo=1 result=pass spfal=1 sig=ovr.example/s1/signature delivery=delivered $M
# fo=d, a subdomain's record, a destination inside its Organizational Domain
qid=A4 from=sub.test.example pd=sub.test.example org=test.example ruf=mailto:dmarc-int@test.example fo=d result=fail sig=sub.test.example/s2/bodyhash delivery=spam $M
# DMARC passed, fo=0: nothing
qid=A5 from=ruf.example pd=ruf.example org=ruf.example ruf=mailto:dmarc-ruf@test.example fo=0 result=pass spfal=1 $M
EOF
	tmx_fail "dmarc-ruf-submit: $(cat "$T/submit.out")"
sed 's/^/  submit: /' "$T/submit.out"
tmx_expect "queue counters" "$(tail -1 "$T/submit.out")" \
	"queued 8 dropped 0 done 8 sent 5 failed 0 limited 2 refused 1"
tmx_expect "not wanted (DMARC pass, fo=0)" "$(grep -c 'line 10: no report' "$T/submit.out")" 1
tmx_until 30 reports_at_least dmarc-int@test.example 1 ||
	tmx_fail "no report delivered to dmarc-int"
tmx_until 30 reports_at_least dmarc-ruf@test.example 3 ||
	tmx_fail "reports to dmarc-ruf: $(reports_to dmarc-ruf@test.example)"
sleep 1
tmx_expect "reports to the agreed external destination (rate 3)" "$(reports_to dmarc-ruf@test.example)" 3
tmx_expect "reports to the destination that did not agree" "$(reports_to dmarc-noauth@test.example)" 0
tmx_expect "reports to the agreement's own ruf" "$(reports_to dmarc-ovr@test.example)" 1
tmx_expect "reports to the override's other tags" "$(reports_to dmarc-agg@test.example)$(reports_to anyone@test.example)" 00
tmx_expect "reports to the internal destination" "$(reports_to dmarc-int@test.example)" 1
check 'secret-
BODY-SECRET
Secret Recipient
https://'
tmx_expect "checked reports" "$(wc -l <"$T/reports.out")" 5
grep -qx 'dmarc-ruf@test.example dmarc ruf.example reject dkim, spf 192.0.2.10 ruf-a' "$T/reports.out" ||
	tmx_fail "the fo=0 report's fields"
grep -qx 'dmarc-ovr@test.example dmarc ovr.example delivered dkim 192.0.2.10 ruf-a' "$T/reports.out" ||
	tmx_fail "the fo=1 report's fields"
grep -qx 'dmarc-int@test.example bodyhash sub.test.example spam - 192.0.2.10 ruf-a' "$T/reports.out" ||
	tmx_fail "the fo=d report's fields"
f=$(grep -l '^To: <dmarc-ovr@test.example>' "$MT_MAIL"/Maildir/new/* | head -1)
grep -q '^List-Unsubscribe: <hxxps://ruf.example/unsub?id=42>' "$f" ||
	tmx_fail "URI not defanged: $(grep '^List-Unsubscribe' "$f")"
grep -q '^Message-ID: <ruf-a@ruf.example>' "$f" ||
	tmx_fail "Message-ID not kept as it was"
grep -q 'from=<dmarc-failures@test.example>' "$TMX_PF_LOG" ||
	tmx_fail "Postfix did not log the reports' sender"

# --- trustmx-milter itself ---
if ! grep -aq dmarc_ruf_submit "$TRUSTMX_MILTER"; then
	echo "note: trustmx-milter does not submit failure reports yet: its part is not run"
	tmx_postfix_problems 'milter-hold|warning: .*: (hostname|address) .* does not resolve' &&
		tmx_fail "Postfix reported problems"
	tmx_finish
fi
# The milter runs sendmail as its user (nobody): Postfix takes -C DIR
# from a user other than root only for a DIR the default main.cf names
# in alternate_config_directories (this namespace's own /etc/postfix)
mkdir -p "$T/etc-postfix"
cp -a /etc/postfix/. "$T/etc-postfix/" 2>/dev/null
echo "alternate_config_directories = $TMX_PF/etc" >"$T/etc-postfix/main.cf"
mkdir -p /etc/postfix
mount --bind "$T/etc-postfix" /etc/postfix || tmx_die "cannot mount /etc/postfix"
mt_config "dmarc_reject = yes" "dmarc_failure_reports = yes" \
	"dmarc_failure_sender = dmarc-failures@test.example" \
	"dmarc_failure_rate = 2" "dmarc_failure_sendmail = $SENDMAIL"
mt_hup
for c in rufm-1 rufm-2 rufm-3 rufm-4; do
	mt_send $c 192.0.2.11 a@ruf2.example "$(mt_msg $c a@ruf2.example)"
	grep -q '^<-  250 2.0.0 Ok' "$MT_OUT" || tmx_fail "$c: not accepted: $(tail -3 "$MT_OUT")"
done
mt_send rufm-rej 192.0.2.11 a@rufrej.example "$(mt_msg rufm-rej a@rufrej.example)"
grep -q '550 5.7.1 DMARC policy' "$MT_OUT" ||
	tmx_fail "rufm-rej: not rejected: $(tail -2 "$MT_OUT")"
mt_send rufm-pass 192.0.2.10 a@ruf2.example "$(mt_msg rufm-pass a@ruf2.example)"
tmx_until 30 reports_at_least dmarc-m@test.example 2 ||
	tmx_fail "the milter's reports: $(reports_to dmarc-m@test.example)"
tmx_until 30 reports_at_least dmarc-rej@test.example 1 ||
	tmx_fail "no report for the rejected message"
sleep 2
tmx_expect "the milter's reports for 4 failures (rate 2)" "$(reports_to dmarc-m@test.example)" 2
tmx_expect "the report of the rejected message" "$(reports_to dmarc-rej@test.example)" 1
mt_wait_log 'over dmarc_failure_rate' 5 || tmx_fail "the rate limit was not logged"
check '(?<![\w.+-])a@ruf2\.example
(?<![\w.+-])a@rufrej\.example
(?<![\w.+-])user@test\.example
Test message rufm
secret-
BODY-SECRET'
grep -Eq '^dmarc-m@test.example dmarc ruf2.example delivered dkim, spf 192.0.2.11 rufm-[12]$' "$T/reports.out" ||
	tmx_fail "the milter's report fields"
grep -Eq '^dmarc-rej@test.example dmarc rufrej.example reject dkim, spf 192.0.2.11 rufm-rej$' "$T/reports.out" ||
	tmx_fail "the rejected message's report fields"
grep -q 'rufm-pass' "$T/reports.out" && tmx_fail "a report for a passing message"

tmx_postfix_problems 'milter-hold|warning: .*: (hostname|address) .* does not resolve' &&
	tmx_fail "Postfix reported problems"
tmx_finish
