#!/bin/bash
# doctor.sh - "trustmx doctor" against live DNS: dnsmasq serves one clean
# domain and one domain per fault, an HTTPS server with a CA made here
# serves their MTA-STS policies; every check must fire on its fault, and
# the report must hold nothing else (so every check also stays quiet).
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/certs.sh"
tmx_need dnsmasq openssl python3 jq
unset http_proxy https_proxy HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY

WWW=$TMX_TMP/www
PKI=$TMX_TMP/pki
CA=$PKI/ca.crt
STS_ADDR=192.0.2.80
declare -A IDX

# dkim_txt BITS - a DKIM key record of a new RSA key
dkim_txt() {
	printf 'v=DKIM1; k=rsa; p=%s' "$(openssl genpkey -algorithm RSA \
		-pkeyopt rsa_keygen_bits:"$1" 2>/dev/null |
		openssl pkey -pubout -outform DER | base64 -w0)"
}

# zone NAME INDEX - the clean setup of NAME.test, bent by variables:
# MX1PRI MXBAK NOMX NOBACKUP EXTRAMX SPF DMARC NOAUTH DKIM NOSTS NOSTSHOST
# STSREC STSMODE STSMX2 NOSTSFILE NOTLSRPT TLSRPT EXTRA (one more record)
zone() {
	local d=$1.test ip=192.0.2.$2 sts
	IDX[$1]=$2
	{
		echo "A mx1.$d $ip"
		if [ -z "${NOMX:-}" ]; then
			echo "MX $d ${MX1PRI:-10} mx1.$d"
			[ -n "${NOBACKUP:-}" ] || echo "MX $d ${MXBAK:-20} backup.relay.test"
			[ -z "${EXTRAMX:-}" ] || echo "MX $d 30 $EXTRAMX"
		fi
		[ -n "${EXTRA:-}" ] && echo "$EXTRA"
		[ "${SPF-x}" = "" ] || echo "TXT $d ${SPF:-v=spf1 ip4:$ip a:mx1.$d -all}"
		[ "${DMARC-x}" = "" ] ||
			echo "TXT _dmarc.$d ${DMARC:-v=DMARC1; p=reject; rua=mailto:dmarc@$d,mailto:agg@reports.test}"
		[ -n "${NOAUTH:-}" ] || echo "TXT $d._report._dmarc.reports.test v=DMARC1"
		[ "${DKIM-x}" = "" ] || echo "TXT sel1._domainkey.$d ${DKIM:-$KEY2048}"
		[ -n "${NOSTS:-}" ] || echo "TXT _mta-sts.$d ${STSREC:-v=STSv1; id=20261122}"
		[ -n "${NOSTSHOST:-}" ] || echo "A mta-sts.$d $STS_ADDR"
		[ -n "${NOTLSRPT:-}" ] || echo "TXT _smtp._tls.$d ${TLSRPT:-v=TLSRPTv1; rua=mailto:tls@$d}"
	} | tmx_dns_zone
	SANS="$SANS,DNS:mta-sts.$d"
	[ -n "${NOSTSFILE:-}" ] && return
	sts=$WWW/mta-sts.$d/.well-known
	mkdir -p "$sts"
	printf 'version: STSv1\r\nmode: %s\r\nmx: mx1.%s\r\n%bmax_age: 604800\r\n' \
		"${STSMODE:-enforce}" "$d" "${STSMX2-mx: *.relay.test\r\n}" >"$sts/mta-sts.txt"
}

# doctor NAME [OPTIONS] - run the doctor on NAME.test with the scenario's
# defaults (HELO, EGRESS and CAFILE override them); JSON in $TMX_TMP/NAME.json
doctor() {
	local name=$1 d=$1.test
	shift
	"$TRUSTMX" doctor "$d" --egress-ip "${EGRESS:-192.0.2.${IDX[$name]}}" \
		--backup-mx backup.relay.test --helo "${HELO:-mx1.$d}" \
		--dkim-selector sel1 ${CAFILE-"--ca-file=$CA"} --json "$@" \
		>"$TMX_TMP/$name.json" 2>"$TMX_TMP/$name.err"
}

# expect NAME RC "CHECK=VERDICT..." - exit status and every non-ok finding
expect() {
	local name=$1 rc_want=$2 want got rc
	doctor "$name"
	rc=$?
	want=$(printf '%s\n' $3 | LC_ALL=C sort -u | paste -sd' ')
	got=$(jq -r '[.checks[] | select(.verdict != "ok") |
		"\(.check)=\(.verdict)"] | unique | join(" ")' "$TMX_TMP/$name.json")
	[ "$rc" = "$rc_want" ] || tmx_fail "$name: exit $rc, wanted $rc_want"
	[ "$got" = "$want" ] || tmx_fail "$name: findings \"$got\", wanted \"$want\""
	[ "$rc" = "$rc_want" ] && [ "$got" = "$want" ] && tmx_pass "$name ($want)"
}

# verdict_of NAME CHECK SUBJECT - the verdict of one finding
verdict_of() {
	jq -r --arg c "$2" --arg s "$3" \
		'[.checks[] | select(.check == $c and .subject == $s) | .verdict] | join(",")' \
		"$TMX_TMP/$1.json"
}

KEY2048=$(dkim_txt 2048)
KEY1024=$(dkim_txt 1024)
SANS="DNS:unused.test"
tmx_dns_zone <<EOF
ZONE test
ZONE 2.0.192.in-addr.arpa
ZONE 100.51.198.in-addr.arpa
ZONE 113.0.203.in-addr.arpa
ZONE 8.b.d.0.1.0.0.2.ip6.arpa
A backup.relay.test 198.51.100.20
A other.test 198.51.100.30
EOF

zone good 10
NOMX=1 zone nomx 11
NOBACKUP=1 zone nobackup 12
MXBAK=5 zone badprio 13
MXBAK=10 zone eqprio 14
EXTRAMX=gone.deadmx.test zone deadmx 15
SPF="v=spf1 ip4:192.0.2.16 ip4:203.0.113.16 -all" zone noptr 16
SPF="v=spf1 ip4:192.0.2.17 ip4:203.0.113.17 -all" \
	EXTRA="PTR 203.0.113.17 mail.elsewhere.test" zone ptrmismatch 17
zone helo 18
SPF="" zone nospf 19
SPF="v=spf1 ip4:192.0.2.300 -all" zone badspf 20
SPF="v=spf1 ip4:198.51.100.99 -all" zone oldrelay 21
SPF="v=spf1 ip4:192.0.2.22 +all" zone plusall 22
SPF="v=spf1 ip4:192.0.2.23 ?all" zone qall 23
SPF="v=spf1 ip4:192.0.2.24 ~all" zone softall 24
SPF="v=spf1 ip4:192.0.2.25$(for i in 1 2 3 4 5 6 7 8; do printf ' a:mx1.near.test'; done) -all" zone near 25
SPF="v=spf1 ip4:192.0.2.26$(for i in 1 2 3 4 5 6 7 8 9 10 11; do printf ' a:mx1.over.test'; done) -all" zone over 26
SPF="v=spf1 ip4:192.0.2.27 a:old-relay.void.test -all" zone void 27
DMARC="" zone nodmarc 28
DMARC="v=DMARC1; p=bogus" zone baddmarc 29
DMARC="v=DMARC1; p=none; rua=mailto:dmarc@pnone.test" zone pnone 30
NOAUTH=1 zone noauth 31
DMARC="v=DMARC1; p=reject" zone norua 32
DKIM="" zone nodkim 33
DKIM=$KEY1024 zone weakdkim 34
DKIM='v=DKIM1; k=rsa; p=' zone revoked 35
NOSTSHOST=1 NOSTSFILE=1 zone stsnohost 36
STSMX2="" zone stsbackup 37
STSMODE=testing zone ststesting 38
NOSTSFILE=1 zone sts404 39
NOSTS=1 NOSTSFILE=1 zone nosts 40
NOTLSRPT=1 zone notlsrpt 41
DKIM='v=DKIM1; k=rsa; p=bm90IGEga2V5' zone junkdkim 42
SPF="v=spf1 ip4:192.0.2.44 include:_spf.gone.test -all" zone badinclude 44
SPF="v=spf1 ip4:192.0.2.45 a:a.gone.test mx:b.gone.test a:c.gone.test -all" zone voids 45
DMARC="v=DMARC1; p=quarantine; pct=20; rua=mailto:d@pct.test" zone pct 46
STSREC="v=STSv1;" zone badsts 47
TLSRPT="v=TLSRPTv1;" zone badtlsrpt 48
EXTRA="MX nullmx.test 0 ." NOMX=1 zone nullmx 49
DKIM="v=DKIM1; k=ed25519; p=$(openssl genpkey -algorithm ed25519 |
	openssl pkey -pubout -outform DER | tail -c 32 | base64 -w0)" zone ed25519 50
SPF="v=spf1 ip6:2001:db8::43 ip6:2001:db8::44 -all" \
	EXTRA="A out6.v6.test 2001:db8::43" zone v6 43
# DMARC by RFC 9989 (section numbers in the expectations below)
DMARC="v=DMARC1; p=reject; rf=afrf; ri=3600; rua=mailto:dmarc@rfri.test" zone rfri 51
DMARC="v=DMARC1; p=reject; sp=none; rua=mailto:dmarc@npsp.test" zone npsp 52
DMARC="v=DMARC1; p=quarantine; rua=mailto:dmarc@npq.test" zone npq 53
DMARC="v=DMARC1; p=reject; sp=none; np=reject; rua=mailto:dmarc@npset.test" zone npset 54
EXTRA="TXT _dmarc.multi.test v=DMARC1; p=none; rua=mailto:dmarc@multi.test" zone multi 55
DMARC="" EXTRA="TXT _dmarc.walk.test v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:dmarc@walk.test" \
	zone mail.walk 56
DMARC="v=DMARC1; p=reject; rua=mailto:dmarc@member.psd.test" \
	EXTRA="TXT _dmarc.psd.test v=DMARC1; p=reject; psd=y" zone member.psd 57
DMARC="" zone bare.psd 58
DMARC="v=DMARC1; p=reject; adkim=x; fo=9; sp=reject; sp=none; rua=mailto:dmarc@badtags.test" zone badtags 59
DMARC="v=DMARC1; p=bogus; rua=mailto:dmarc@precover.test" zone precover 60
DMARC="v=DMARC1; p=reject; t=y; rua=mailto:dmarc@testing.test" zone testing 61

# The test's CA and the policy hosts' certificate (all names in one).
tmx_cert_ca "$PKI" >"$TMX_TMP/pki.log" 2>&1 &&
	tmx_cert_server "$PKI" "$SANS" >>"$TMX_TMP/pki.log" 2>&1 ||
	{ cat "$TMX_TMP/pki.log"; exit 1; }

tmx_addr "$STS_ADDR"
tmx_dns_start || exit 1
tmx_bg mta-sts python3 "$TMX_SRCDIR/test/doctor/mta-sts-server.py" "$WWW" \
	"$STS_ADDR" "$PKI/server.crt" "$PKI/server.key"
tmx_wait_port "$STS_ADDR" 443 || { cat "$TMX_TMP/mta-sts.log"; exit 1; }

# The clean domain: every check runs, and every one says ok.
expect good 0 ""
for c in mx.present mx.resolve mx.backup mx.priority fcrdns helo spf.record \
	spf.lookups spf.void spf.all spf.egress dmarc.walk dmarc.org \
	dmarc.record dmarc.policy dmarc.np dmarc.removed dmarc.tags \
	dmarc.rua dmarc.report-auth dkim mta-sts.record mta-sts.host \
	mta-sts.policy mta-sts.mx tls-rpt; do
	jq -e --arg c "$c" 'any(.checks[]; .check == $c and .verdict == "ok")' \
		"$TMX_TMP/good.json" >/dev/null || tmx_fail "good: no ok finding for $c"
done
[ "$(verdict_of good mta-sts.mx backup.relay.test)" = ok ] ||
	tmx_fail "good: backup MX not judged against the MTA-STS policy"
[ "$(verdict_of good fcrdns 'backup.relay.test 198.51.100.20')" = ok ] ||
	tmx_fail "good: the backup MX's reverse DNS not checked"

# MX set
expect nomx 2 "mx.present=fail mx.backup=fail"
expect nobackup 2 "mx.backup=fail"
expect badprio 2 "mx.priority=fail"
expect eqprio 1 "mx.priority=warn"
expect deadmx 2 "mx.resolve=fail mta-sts.mx=fail"
[ "$(verdict_of deadmx mx.resolve gone.deadmx.test)" = fail ] ||
	tmx_fail "deadmx: the unresolvable MX host is not the one named"

# FCrDNS and HELO
EGRESS=203.0.113.16 expect noptr 2 "fcrdns=fail helo=warn"
EGRESS=203.0.113.17 HELO=mail.elsewhere.test expect ptrmismatch 2 "fcrdns=fail helo=warn"
HELO=other.test expect helo 1 "helo=warn"
# without --egress-ip the primary MX hosts are the senders HELO is judged on
"$TRUSTMX" doctor helo.test --helo other.test --ca-file "$CA" --json >"$TMX_TMP/helo-mx.json"
[ "$(verdict_of helo-mx helo 'mx1.helo.test 192.0.2.18')" = warn ] ||
	tmx_fail "helo-mx: HELO not judged against the primary MX"
[ "$(verdict_of helo-mx helo 'backup.relay.test 198.51.100.20')" = "" ] ||
	tmx_fail "helo-mx: HELO judged against a backup MX"
"$TRUSTMX" doctor helo.test --helo mx1.helo.test --ca-file "$CA" --json >"$TMX_TMP/helo-mx.json"
[ "$(verdict_of helo-mx helo 'mx1.helo.test 192.0.2.18')" = ok ] ||
	tmx_fail "helo-mx: matching HELO not ok"
EGRESS=2001:db8::43 HELO=out6.v6.test expect v6 0 ""
[ "$(verdict_of v6 fcrdns 2001:db8::43)" = ok ] || tmx_fail "v6: IPv6 FCrDNS not judged"
EGRESS=2001:db8::44 HELO=out6.v6.test expect v6 2 "fcrdns=fail helo=warn"

# SPF
expect nospf 2 "spf.record=fail spf.egress=fail"
expect badspf 2 "spf.record=fail spf.egress=fail"
expect oldrelay 2 "spf.egress=fail"
expect plusall 2 "spf.all=fail"
expect qall 1 "spf.all=warn"
expect softall 1 "spf.all=warn"
expect near 1 "spf.lookups=warn"
expect over 2 "spf.lookups=fail"
expect void 1 "spf.void=warn"
expect badinclude 2 "spf.include=fail spf.void=warn"
expect voids 2 "spf.void=fail"
jq -e '.checks[] | select(.check == "spf.lookups") | .detail | startswith("11 DNS-querying terms")' \
	"$TMX_TMP/over.json" >/dev/null || tmx_fail "over: lookups not counted as 11"

# DMARC
expect nodmarc 2 "dmarc.record=fail"
expect baddmarc 2 "dmarc.record=fail"
expect pnone 1 "dmarc.policy=warn"
expect noauth 2 "dmarc.report-auth=fail"
expect norua 1 "dmarc.rua=warn"

# detail_of NAME CHECK SUBJECT - the details of one check's findings
detail_of() {
	jq -r --arg c "$2" --arg s "$3" \
		'[.checks[] | select(.check == $c and .subject == $s) | .detail] | join(" | ")' \
		"$TMX_TMP/$1.json"
}
# fix_of NAME CHECK - the fixes of one check's findings
fix_of() {
	jq -r --arg c "$2" '[.checks[] | select(.check == $c) | .fix] | join(" | ")' \
		"$TMX_TMP/$1.json"
}
# walk_of NAME - the DMARC Tree Walk: "name:status ..." source policy org rule
walk_of() {
	jq -r '.dmarc_walk | ([.queries[] | "\(.name):\(.status)"] | join(" ")) +
		" / \(.source) \(.policy_domain) \(.org_domain) \(.org_rule)"' \
		"$TMX_TMP/$1.json"
}
# want WHAT GOT PATTERN - GOT matches the extended regex PATTERN
want() {
	[[ $2 =~ $3 ]] && tmx_pass "$1" || tmx_fail "$1: \"$2\" does not match \"$3\""
}

# The clean record (good, above): the walk asked its own name and the
# top-level one (4.10.2: the record with the fewest labels), p=reject
# covers non-existent subdomains (4.7: no np=, no sp=, so p), no removed
# or ignored tags.
want "good: walk" "$(walk_of good)" \
	'^_dmarc\.good\.test:answer _dmarc\.test:NXDOMAIN / author good\.test good\.test fewest labels$'
want "good: np quiet" "$(detail_of good dmarc.np good.test)" 'get reject \(no np=, so p=reject\)'
want "good: no removed tags" "$(detail_of good dmarc.removed _dmarc.good.test)" '^no pct=, rf= or ri='
want "good: tags" "$(detail_of good dmarc.tags _dmarc.good.test)" '^every tag valid$'

# RFC 9989 A.6: pct, rf and ri are removed; receivers ignore them. pct=20
# no longer samples: the fix says so and names t=y for a pct=0 rollout.
# p=quarantine without np= leaves non-existent subdomains at quarantine.
expect pct 1 "dmarc.removed=warn dmarc.np=warn"
want "pct: removed tag" "$(detail_of pct dmarc.removed _dmarc.pct.test)" '^pct=: removed by RFC 9989'
want "pct: fix" "$(fix_of pct dmarc.removed)" 'delete pct=.*publish t=y instead'
want "pct: p=quarantine judged whole" "$(detail_of pct dmarc.policy pct.test)" '^p=quarantine$'
expect rfri 1 "dmarc.removed=warn"
want "rfri: removed tags" "$(detail_of rfri dmarc.removed _dmarc.rfri.test)" '^rf=, ri=: removed by RFC 9989'
[[ $(fix_of rfri dmarc.removed) == "delete rf=, ri=" ]] || tmx_fail "rfri: fix \"$(fix_of rfri dmarc.removed)\""

# RFC 9989 4.7: np, else sp, else p, for names that do not exist.
expect npsp 1 "dmarc.np=warn"
want "npsp: np from sp" "$(detail_of npsp dmarc.np npsp.test)" 'get only none \(no np=, so sp=none\)'
want "npsp: fix" "$(fix_of npsp dmarc.np)" '^add np=reject to _dmarc\.npsp\.test'
expect npq 1 "dmarc.np=warn"
want "npq: np from p" "$(detail_of npq dmarc.np npq.test)" 'get only quarantine \(no np=, so p=quarantine\)'
expect npset 0 ""
want "npset: np=reject quiet" "$(detail_of npset dmarc.np npset.test)" 'get reject \(np=reject\)'

# RFC 9989 4.10: several DMARC records at one name are all discarded.
expect multi 2 "dmarc.record=fail"
want "multi: discarded" "$(detail_of multi dmarc.record _dmarc.multi.test)" '^2 DMARC records: all discarded'
want "multi: walk" "$(walk_of multi)" '^_dmarc\.multi\.test:answer _dmarc\.test:NXDOMAIN / none '
jq -e '.dmarc_walk.queries[0].dmarc_records == 2' "$TMX_TMP/multi.json" >/dev/null ||
	tmx_fail "multi: the walk does not count 2 records"

# RFC 9989 4.10.1: a subdomain without a record takes its Organizational
# Domain's; sp= applies to it, np= would apply if it did not exist (so
# the doctor asks: 3.2.13).
expect mail.walk 0 ""
want "mail.walk: walk" "$(walk_of mail.walk)" \
	'^_dmarc\.mail\.walk\.test:NXDOMAIN _dmarc\.walk\.test:answer _dmarc\.test:NXDOMAIN mail\.walk\.test:NODATA / org walk\.test walk\.test fewest labels$'
want "mail.walk: record applied" "$(detail_of mail.walk dmarc.record _dmarc.walk.test)" \
	"^applies to mail\.walk\.test as its Organizational Domain's record: v=DMARC1; p=reject"
want "mail.walk: step" "$(detail_of mail.walk dmarc.walk _dmarc.walk.test)" \
	"^one DMARC record; applies to mail\.walk\.test as its Organizational Domain's record$"
want "mail.walk: sp" "$(detail_of mail.walk dmarc.policy mail.walk.test)" '^sp=quarantine of _dmarc\.walk\.test$'
want "mail.walk: org" "$(detail_of mail.walk dmarc.org walk.test)" 'fewest labels'

# RFC 9989 4.10.2: psd=y above the domain ends the walk and puts the
# Organizational Domain one label below it; without a record of its own
# or its Organizational Domain's, only the PSD's applies (warn).
expect member.psd 0 ""
want "member.psd: walk" "$(walk_of member.psd)" \
	'^_dmarc\.member\.psd\.test:answer _dmarc\.psd\.test:answer / author member\.psd\.test member\.psd\.test below psd=y$'
want "member.psd: psd step" "$(detail_of member.psd dmarc.walk _dmarc.psd.test)" 'psd=y: a Public Suffix Domain, the walk stops'
expect bare.psd 1 "dmarc.record=warn"
want "bare.psd: record" "$(detail_of bare.psd dmarc.record _dmarc.psd.test)" \
	"^bare\\.psd\\.test has no record: only its Public Suffix Domain's applies"
want "bare.psd: walk" "$(walk_of bare.psd)" \
	'^_dmarc\.bare\.psd\.test:NXDOMAIN _dmarc\.psd\.test:answer / psd psd\.test bare\.psd\.test below psd=y$'

# RFC 9989 4.7/4.10.1: an invalid value is ignored, its default holds;
# an invalid p= with a valid rua= is read as p=none, not a broken record.
expect badtags 1 "dmarc.tags=warn"
want "badtags: detail" "$(detail_of badtags dmarc.tags _dmarc.badtags.test)" \
	'^invalid, so ignored and the default used: adkim=, fo=; repeated, the later ignored: sp='
want "badtags: policy kept" "$(detail_of badtags dmarc.policy badtags.test)" '^p=reject$'
expect precover 1 "dmarc.policy=warn dmarc.tags=warn"
want "precover: read as none" "$(detail_of precover dmarc.policy precover.test)" '^invalid p=, so with its valid rua= receivers read the record as p=none'
expect testing 1 "dmarc.policy=warn"
want "testing: t=y" "$(detail_of testing dmarc.policy testing.test)" '^p=reject with t=y'

# DKIM
expect nodkim 2 "dkim=fail"
expect weakdkim 1 "dkim=warn"
expect revoked 2 "dkim=fail"
expect junkdkim 2 "dkim=fail"
jq -e '.checks[] | select(.check == "dkim") | .detail == "RSA key of 1024 bits"' \
	"$TMX_TMP/weakdkim.json" >/dev/null || tmx_fail "weakdkim: key size not reported"
expect ed25519 0 ""
jq -e '.checks[] | select(.check == "dkim") | .detail == "Ed25519 key"' \
	"$TMX_TMP/ed25519.json" >/dev/null || tmx_fail "ed25519: key type not reported"

# MTA-STS and TLS-RPT
expect stsnohost 2 "mta-sts.host=fail"
expect stsbackup 2 "mta-sts.mx=fail"
[ "$(verdict_of stsbackup mta-sts.mx backup.relay.test)" = fail ] ||
	tmx_fail "stsbackup: the uncovered host is not the backup"
expect ststesting 1 "mta-sts.policy=warn"
expect sts404 2 "mta-sts.policy=fail"
expect nosts 0 ""
expect notlsrpt 1 "tls-rpt=warn"
expect badtlsrpt 2 "tls-rpt=fail"
expect badsts 2 "mta-sts.record=fail"
expect nullmx 2 "mx.present=warn mx.backup=fail"
# without the test CA the policy host's certificate is not trusted
CAFILE="" expect good 2 "mta-sts.policy=fail"

# The table: no colour when stdout is not a terminal, a fix under a fault.
"$TRUSTMX" doctor softall.test --ca-file "$CA" >"$TMX_TMP/table.txt"
[ $? = 1 ] || tmx_fail "table: softall exit status"
grep -q $'\033' "$TMX_TMP/table.txt" && tmx_fail "table: colour codes on a pipe"
grep -Eq '^spf\.all +warn +softall\.test +~all' "$TMX_TMP/table.txt" ||
	tmx_fail "table: no spf.all row"
grep -Eq '^ +fix: +end the record with -all' "$TMX_TMP/table.txt" ||
	tmx_fail "table: no fix line"
# on a terminal (script(1) gives it one) the verdicts are coloured
if command -v script >/dev/null; then
	script -qec "$TRUSTMX doctor softall.test --ca-file $CA" /dev/null \
		>"$TMX_TMP/tty.txt" 2>&1
	grep -q $'\033\\[33mwarn' "$TMX_TMP/tty.txt" || tmx_fail "table: no colour on a terminal"
	NO_COLOR=1 script -qec "$TRUSTMX doctor softall.test --ca-file $CA" /dev/null \
		>"$TMX_TMP/tty.txt" 2>&1
	grep -q $'\033' "$TMX_TMP/tty.txt" && tmx_fail "table: colour despite NO_COLOR"
fi
# for the log: what an operator sees
"$TRUSTMX" doctor good.test --egress-ip 192.0.2.10 --backup-mx backup.relay.test \
	--helo mx1.good.test --dkim-selector sel1 --ca-file "$CA"
"$TRUSTMX" doctor mail.walk.test --egress-ip 192.0.2.56 --backup-mx backup.relay.test \
	--helo mx1.mail.walk.test --dkim-selector sel1 --ca-file "$CA"
for n in mail.walk member.psd bare.psd multi; do
	printf '%s dmarc_walk: ' "$n"
	jq -c .dmarc_walk "$TMX_TMP/$n.json"
done
for f in "$TMX_TMP"/*.json; do
	jq -r '.checks[] | select(.verdict != "ok") |
		"\(.check) \(.verdict) \(.subject): \(.detail) | \(.fix)"' "$f"
done
"$TRUSTMX" doctor >/dev/null 2>&1
[ $? = 2 ] || tmx_fail "usage: no domain must exit 2"

tmx_finish
