#!/bin/bash
# milter-stack.sh - trustmx-milter behind a real Postfix (smtpd_milters,
# milter_default_action = tempfail) with hermetic DNS: SPF pass, fail,
# softfail, none, temperror, the HELO identity for the null sender; DKIM
# pass, fail, missing; DMARC pass through SPF and through DKIM, fail under
# p=reject (550 only with dmarc_reject), quarantine (held) and none, pct;
# a forged A-R removed; several From addresses; huge headers; 8-bit junk;
# DMARC discovery: the organizational domain's record and its sp=, two
# records at one name, a DNS failure; a client that arrives through PROXY v2.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix opendkim-genkey
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"

for a in 192.0.2.10 192.0.2.11; do
	tmx_addr "$a"
done
# a sender writes its own _dmarc record: one with a NUL byte
nul=$(printf 'v=DMARC1; p=none\0; p=reject' | od -An -tx1 | tr -d ' \n')
mt_dns \
	"RR _dmarc.nul.example 16 $(printf '%02x' $((${#nul} / 2)))$nul" \
	"ZONE uk" \
	"TXT _dmarc.orgp.co.uk v=DMARC1; p=none; sp=reject" \
	"TXT sub.orgp.co.uk v=spf1 ip4:192.0.2.10 -all" \
	"TXT _dmarc.twice.example v=DMARC1; p=reject" \
	"TXT _dmarc.twice.example v=DMARC1; p=none" \
	"TXT twice.example v=spf1 ip4:192.0.2.10 -all" || exit 1
mt_config "dmarc_reject = yes" "dmarc_quarantine = yes"
"$TRUSTMX_MILTER" -n -c "$MT_CONF" >/dev/null || { echo "-n failed" >&2; exit 1; }
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

# --- SPF, direct clients ---
mt_send spf-pass 192.0.2.10 a@pass.example "$(mt_msg spf-pass a@pass.example)"
mt_expect spf-pass '^Authentication-Results: mx\.test\.example;' \
	'spf=pass .*smtp\.mailfrom="?a@pass\.example"?' \
	'dmarc=pass \(p=reject; aligned SPF\) header\.from=pass\.example' \
	'dkim=none'
mt_send spf-fail 192.0.2.11 a@fail.example "$(mt_msg spf-fail a@fail.example)"
mt_expect spf-fail 'spf=fail .*smtp\.mailfrom="?a@fail\.example"?' 'dmarc=none'
mt_send spf-soft 192.0.2.11 a@soft.example "$(mt_msg spf-soft a@soft.example)"
mt_expect spf-soft 'spf=softfail .*smtp\.mailfrom="?a@soft\.example"?'
mt_send spf-none 192.0.2.11 a@none.example "$(mt_msg spf-none a@none.example)"
mt_expect spf-none 'spf=none .*smtp\.mailfrom="?a@none\.example"?'
mt_send spf-temp 192.0.2.11 a@broken.example "$(mt_msg spf-temp a@broken.example)"
mt_expect spf-temp 'spf=temperror .*smtp\.mailfrom="?a@broken\.example"?'
MT_HELO=helo.example mt_send spf-helo 192.0.2.11 '<>' "$(mt_msg spf-helo a@none.example)"
mt_expect spf-helo 'spf=fail .*smtp\.helo=helo\.example'

# --- DMARC policy ---
mt_send dmarc-reject 192.0.2.11 a@reject.example "$(mt_msg dmarc-reject a@reject.example)"
grep -q '550 5.7.1 DMARC policy' "$MT_OUT" || tmx_fail "dmarc-reject: no 550 5.7.1: $(grep '<\*\*' "$MT_OUT")"
mt_delivered dmarc-reject 1 >/dev/null && tmx_fail "dmarc-reject was delivered"
# pct=0: RFC 9989 removed pct (A.6): p=reject applies
mt_send dmarc-pct 192.0.2.11 a@pct.example "$(mt_msg dmarc-pct a@pct.example)"
grep -q '550 5.7.1 DMARC policy' "$MT_OUT" ||
	tmx_fail "dmarc-pct: pct=0 was not ignored: $(grep '<\*\*\|<- *[245]' "$MT_OUT" | tail -1)"
mt_send dmarc-none 192.0.2.11 a@mon.example "$(mt_msg dmarc-none a@mon.example)"
mt_expect dmarc-none 'dmarc=fail \(p=none; neither SPF nor DKIM aligned\) header\.from=mon\.example'
mark=$(tmx_postfix_mark)
mt_send dmarc-quar 192.0.2.11 a@quar.example "$(mt_msg dmarc-quar a@quar.example)"
grep -q '^<-  *250 ' "$MT_OUT" || tmx_fail "dmarc-quar: not accepted"
sleep 1
tmx_postfix_since "$mark" | grep -q 'milter-hold: END-OF-MESSAGE.*from=<a@quar.example>' ||
	tmx_fail "dmarc-quar: not held"
mt_delivered dmarc-quar 1 >/dev/null && tmx_fail "dmarc-quar was delivered"

# --- DKIM ---
f=$(mt_signed dkim-pass dkim.example s1 'Alice <alice@dkim.example>') || exit 1
mt_send dkim-pass 192.0.2.11 a@fail.example "$f"
mt_expect dkim-pass 'spf=fail' 'dkim=pass header\.d=dkim\.example header\.s=s1' \
	'dmarc=pass \(p=reject; aligned DKIM\) header\.from=dkim\.example'
# a sender's 24 extra DKIM-Signature fields: at most 16 signatures are
# judged and reported, the good first one among them
f=$(mt_signed dkim-many dkim.example s1 'Alice <alice@dkim.example>') || exit 1
for i in $(seq 24); do
	sed -i "/^X-Test-Case:/a DKIM-Signature: v=1; a=rsa-sha256; d=forged$i.example; s=x; h=from; bh=AAAA; b=AAAA" "$f"
done
mt_send dkim-many 192.0.2.11 a@fail.example "$f"
mt_expect dkim-many 'dkim=pass header\.d=dkim\.example header\.s=s1' \
	'dmarc=pass \(p=reject; aligned DKIM\)'
tmx_expect "dkim-many: signatures reported" \
	"$(mt_ar dkim-many | grep -o 'dkim=' | wc -l)" 16
f=$(mt_signed dkim-fail dkim2.example s2 'b@dkim2.example') || exit 1
sed -i 's/^Test message/Tampered message/' "$f"
mt_send dkim-fail 192.0.2.11 a@fail.example "$f"
mt_expect dkim-fail 'dkim=fail \(body hash did not verify\) header\.d=dkim2\.example header\.s=s2' \
	'dmarc=fail \(p=none'
# a key lookup that fails in DNS (signed with any key: it is never fetched)
cp "$MT_KEYS/dkim2.example.s2.private" "$MT_KEYS/broken.example.s3.private"
f=$(mt_signed dkim-temp broken.example s3 'c@mon.example') || exit 1
mt_send dkim-temp 192.0.2.10 a@pass.example "$f"
mt_expect dkim-temp 'dkim=temperror .*header\.d=broken\.example header\.s=s3'
mt_send dkim-missing 192.0.2.11 a@dkim.example "$(mt_msg dkim-missing a@dkim.example)"
grep -q '550 5.7.1' "$MT_OUT" || tmx_fail "dkim-missing: unsigned p=reject mail not rejected"

# --- hostile headers ---
forged="Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=forged
Authentication-Results: other.example; dkim=pass header.d=kept.example
Authentication-Results: MX.TEST.EXAMPLE; dmarc=pass header.from=forged"
mt_send forged-ar 192.0.2.10 a@pass.example "$(mt_msg forged-ar a@pass.example "$forged")"
n=$(mt_ar forged-ar | grep -ci 'mx\.test\.example')
[ "$n" = 1 ] || tmx_fail "forged-ar: $n A-R fields with our id"
mt_ar forged-ar | grep -q 'forged' && tmx_fail "forged-ar: a forged field survived"
mt_ar forged-ar | grep -q 'other.example; dkim=pass header.d=kept.example' ||
	tmx_fail "forged-ar: another server's A-R was removed"
# ours comes first, above the Received line Postfix added (only the
# delivery agent's Return-Path and Delivered-To go above it)
f=$(mt_delivered forged-ar) &&
	mt_headers "$f" | grep -E -m1 '^(Authentication-Results|Received):' |
	grep -q '^Authentication-Results: mx.test.example;' ||
	tmx_fail "forged-ar: our A-R is not above Postfix's Received line"

mt_send two-from-fields 192.0.2.11 a@reject.example "$(mt_msg two-from-fields a@reject.example \
	'From: b@pass.example')"
mt_expect two-from-fields 'dmarc=permerror \(several From header fields\)'
mt_send two-authors 192.0.2.11 a@reject.example "$(mt_msg two-authors 'a@reject.example, b@pass.example')"
mt_expect two-authors 'dmarc=permerror \(several From addresses in different domains\)'

big=$(head -c 60000 /dev/zero | tr '\0' 'x' | fold -w 70 | sed '1s/^/X-Big: /; 2,$s/^/ /')
mt_send huge-header 192.0.2.10 a@pass.example "$(mt_msg huge-header a@pass.example "$big")"
mt_expect huge-header 'spf=pass' 'dmarc=pass'
junk=$(printf 'X-Junk: \xff\xfe\x80 caf\xc3\xa9 \x01\nSubject: \xe9t\xe9')
mt_send junk 192.0.2.10 a@pass.example "$(mt_msg junk "Jos\xe9 <a@pass.example>" "$junk")"
mt_expect junk 'spf=pass' 'dmarc=pass'
mt_send junk-from 192.0.2.11 a@fail.example "$(mt_msg junk-from "$(printf 'x@r\xe9ject.example')")"
mt_expect junk-from 'dmarc=permerror \(domain is not a plain host name\)'

# --- DMARC discovery (RFC 9989 4.10) ---
# no record at sub.orgp.co.uk: the Tree Walk finds orgp.co.uk's, the
# organizational domain, and its sp= applies
mt_send dmarc-org 192.0.2.10 a@sub.orgp.co.uk "$(mt_msg dmarc-org a@sub.orgp.co.uk)"
mt_expect dmarc-org 'dmarc=pass \(sp=reject of the organizational domain orgp\.co\.uk; aligned SPF\) header\.from=sub\.orgp\.co\.uk polrec\.p=none polrec\.domain=orgp\.co\.uk'
mt_send dmarc-org-fail 192.0.2.11 a@sub.orgp.co.uk "$(mt_msg dmarc-org-fail a@sub.orgp.co.uk)"
grep -q '550 5.7.1' "$MT_OUT" || tmx_fail "dmarc-org-fail: sp=reject did not refuse"
# two DMARC records at one name: no policy at all
mt_send dmarc-twice 192.0.2.11 a@twice.example "$(mt_msg dmarc-twice a@twice.example)"
mt_expect dmarc-twice 'dmarc=none'
# a record that cannot be read whole is unusable, never read in part
mt_send dmarc-nul 192.0.2.10 a@pass.example "$(mt_msg dmarc-nul x@nul.example)"
mt_expect dmarc-nul 'dmarc=permerror \(invalid p=, sp= or np= and no valid rua=, RFC 9989 4\.10\.1\) header\.from=nul\.example'
# a DNS failure for the record: temperror, not the organizational domain's
# (dns_tempfail = no: accepted, with the result saying so)
mt_send dmarc-temp 192.0.2.10 a@pass.example "$(mt_msg dmarc-temp x@sub.broken.example)"
mt_expect dmarc-temp 'dmarc=temperror \(DNS failed while looking for the DMARC Policy Record\) header\.from=sub\.broken\.example'

# --- PROXY v2: the milter judges the address in the header ---
MT_SERVER=127.0.0.1:2527 mt_send proxy 127.0.0.1 a@pass.example \
	"$(mt_msg proxy a@pass.example)" --proxy-version 2 --proxy-family AF_INET \
	--proxy-source 192.0.2.10 --proxy-source-port 40000 \
	--proxy-dest 127.0.0.1 --proxy-dest-port 2527
mt_expect proxy 'spf=pass .*smtp\.mailfrom="?a@pass\.example"?'

# --- local submission (non_smtpd_milters): marked, not checked, not refused ---
sendmail -C "$TMX_PF/etc" -f a@reject.example user@test.example \
	<"$(mt_msg local a@reject.example)" || tmx_fail "local: sendmail failed"
mt_expect local 'spf=none \(local submission, not checked\)' 'dmarc=fail'

# --- dmarc_mode = rfc7489: libopendmarc's answers, reloaded on SIGHUP ---
# pct=0: never selected, so RFC 7489 6.6.4's next policy down (quarantine)
mt_config "dmarc_reject = yes" "dmarc_quarantine = yes" "dmarc_mode = rfc7489"
mt_hup
mark=$(tmx_postfix_mark)
mt_send dmarc-pct-7489 192.0.2.11 a@pct.example "$(mt_msg dmarc-pct-7489 a@pct.example)"
grep -q '^<-  *250 ' "$MT_OUT" || tmx_fail "dmarc-pct-7489: not accepted"
sleep 1
tmx_postfix_since "$mark" | grep -q 'milter-hold: .*from=<a@pct.example>' ||
	tmx_fail "dmarc-pct-7489: not held"

# --- the milter's log carries the queue id ---
grep -Eq ': [0-9A-F]{6,}: client=192\.0\.2\.10 spf=pass helo=[a-z]+ dkim=none dmarc=pass from=pass\.example arc=none action=accept' "$MT_LOG" ||
	tmx_fail "no per-message log line with the queue id"
grep -q 'running as user nobody' "$MT_LOG" || tmx_fail "privileges not dropped"
tmx_postfix_problems 'milter-hold|warning: .*: (hostname|address) .* does not resolve' &&
	tmx_fail "Postfix reported problems"
if tmx_failed; then
	echo "--- milter log" >&2
	tail -40 "$MT_LOG" >&2
fi
tmx_finish
