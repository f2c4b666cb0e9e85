#!/bin/bash
# dmarc-rfc9989.sh - DMARC by RFC 9989 through "trustmx dmarc check --json"
# against DNS the test serves itself (dnsmasq in the test's own namespace,
# every name not written here NXDOMAIN, a silent server where DNS must
# fail): the DNS Tree Walk and its names (4.10), policy discovery with
# psd=y and psd=n (4.10.1), the Organizational Domain (4.10.2), p, sp and
# np, t=y, pct gone, records without p, several records at one name,
# alignment across a multi-label suffix with no public suffix list,
# temperror, and OpenDMARC's bugs #268 and #113/#174. The same cases as
# test/unit/test-dmarc-eval.c, through real DNS. Ends with a table of
# every case: section, case, expected, got.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
tmx_need dnsmasq jq

START=$(date +%s%N)
T=$TMX_TMP
CASES=()
LAST=

# A TXT record longer than 255 bytes: dnsmasq splits it into strings,
# which RFC 9989 4.5 says to join.
LONG_RUA=$(for i in $(seq 1 12); do printf 'mailto:dmarc-reports-%02d@long.example,' "$i"; done)
LONG_RUA=${LONG_RUA%,}
# "v=DMARC1; p=reject" NUL "x", as one character-string (length 20)
NUL_RDATA=14$(tmx_hex 'v=DMARC1; p=reject')00$(tmx_hex x)

tmx_dns_zone <<EOF
ZONE #
# an organization: p for itself, sp for existing subdomains, np for others
TXT _dmarc.example.com v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com
A example.com 192.0.2.1
A mail.example.com 192.0.2.2
A a.b.example.com 192.0.2.3
TXT _dmarc.txtonly.example.com hello
TXT _dmarc.nonp.example v=DMARC1; p=reject; sp=none
TXT _dmarc.strict.example v=DMARC1; p=reject; adkim=s; aspf=s
A sub.strict.example 192.0.2.4
TXT _dmarc.testing.example v=DMARC1; p=reject; t=y
TXT _dmarc.tq.example v=DMARC1; p=quarantine; t=y
TXT _dmarc.pct.example v=DMARC1; p=reject; pct=0; ri=60; rf=afrf
TXT _dmarc.multi.example v=DMARC1; p=reject
TXT _dmarc.multi.example v=DMARC1; p=none
TXT _dmarc.nop-rua.example v=DMARC1; rua=mailto:d@nop-rua.example
TXT _dmarc.nop.example v=DMARC1
TXT _dmarc.badp.example v=DMARC1; p=rejekt
TXT _dmarc.badp-rua.example v=DMARC1; p=rejekt; rua=mailto:d@badp-rua.example
TXT _dmarc.notfirst.example p=reject; v=DMARC1
TXT _dmarc.long.example v=DMARC1; p=reject; rua=$LONG_RUA
RR _dmarc.nul.example 16 $NUL_RDATA
TXT _dmarc.other.example v=spf1 -all
TXT _dmarc.other.example v=DMARC1; p=quarantine
# a Public Suffix Domain (psd=y) and its registrants
TXT _dmarc.bank v=DMARC1; p=none; sp=quarantine; np=reject; psd=y
A giant.bank 192.0.2.5
A mail.giant.bank 192.0.2.6
TXT _dmarc.own.bank v=DMARC1; p=none
# a multi-label suffix without records (like co.uk), one with psd=y
TXT _dmarc.example.co.uk v=DMARC1; p=reject
A a.b.example.co.uk 192.0.2.7
TXT _dmarc.gov.test v=DMARC1; p=reject; psd=y
A a.agency.gov.test 192.0.2.8
# psd=n under a suffix that forgot psd=y (RFC 9989 11.8)
TXT _dmarc.cloud v=DMARC1; p=reject
TXT _dmarc.tenant.cloud v=DMARC1; p=quarantine; psd=n
A a.tenant.cloud 192.0.2.9
# where DNS fails: nothing answers at 127.0.0.99
DELEGATE _dmarc.tempfail.example 127.0.0.99
DELEGATE _dmarc.tf.example 127.0.0.99
DELEGATE _dmarc.flaky.example.com 127.0.0.99
DELEGATE slow.example.com 127.0.0.99
ZONE _dmarc.slow.example.com
EOF
tmx_dns_silent 127.0.0.99 || tmx_die "no silent DNS server"
tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not start"

# record SECTION CASE WANT GOT - one row of the table, and a check
record() {
	if [ "$3" = "$4" ]; then
		tmx_pass "$1 $2: $4"
		CASES+=("$1|$2|$3|ok")
	else
		tmx_fail "$1 $2: got \"$4\", want \"$3\""
		CASES+=("$1|$2|$3|FAIL: $4")
	fi
}

# rc_of RESULT - the exit status trustmx(1) documents for RESULT
rc_of() {
	case $1 in
	pass) echo 0 ;; fail) echo 1 ;; none) echo 3 ;;
	temperror) echo 4 ;; permerror) echo 5 ;; *) echo 2 ;;
	esac
}

# check SECTION CASE WANT ARGS... - one evaluation; WANT is "result source
# policy-domain org-domain applied disposition" ("-" for empty)
check() {
	local sec=$1 name=$2 want=$3 rc=0 got
	shift 3
	LAST=$("$TRUSTMX" dmarc check --json "$@" 2>"$T/err") || rc=$?
	got=$(jq -r '[.result, .source, .policy_domain, .org_domain, .applied,
	    .disposition] | map(if . == "" then "-" else . end) | join(" ")' \
	    <<<"$LAST" 2>&1)
	[ "$rc" = "$(rc_of "${got%% *}")" ] || got="$got (exit $rc)"
	record "$sec" "$name" "$want" "$got"
}

# asked SECTION CASE WANT - the queries of the last check: "TYPE name, ..."
asked() {
	record "$1" "$2" "$3" "$(jq -r '[.queries[] | .type + " " + .name] |
	    join(", ")' <<<"$LAST")"
}

# field SECTION CASE FILTER WANT - one field of the last check
field() {
	record "$1" "$2" "$4" "$(jq -c -r "$3" <<<"$LAST")"
}

# --- 4.10.1: policy discovery; p, sp, np ---
check 4.10.1 "own record, nothing aligned" \
	"fail author example.com example.com p reject" \
	--from example.com --spf pass:other.example --dkim pass:other.example
check 3.2.10.2 "strict: identical DKIM d=" \
	"pass author example.com example.com p none" \
	--from example.com --dkim fail:example.com --dkim pass:EXAMPLE.com:sel
check 3.2.10.1 "relaxed: SPF of a subdomain" \
	"pass author example.com example.com p none" \
	--from example.com --spf pass:bounce.example.com
check 5.3.5 "aligned but not passing" \
	"fail author example.com example.com p reject" \
	--from example.com --spf softfail:example.com --dkim fail:example.com
check 4.10.1 "existing subdomain: sp" \
	"fail org example.com example.com sp quarantine" --from mail.example.com
asked 4.10.1 "... queries" "TXT _dmarc.mail.example.com, TXT _dmarc.example.com, TXT _dmarc.com, A mail.example.com"
check 4.10.1 "deeper existing subdomain: sp" \
	"fail org example.com example.com sp quarantine" --from a.b.example.com
check 3.2.13 "NXDOMAIN subdomain: np" \
	"fail org example.com example.com np reject" --from ghost.example.com
field 3.2.13 "... author_exists" .author_exists no
check 3.2.13 "_dmarc name exists: so does it" \
	"fail org example.com example.com sp quarantine" --from txtonly.example.com
asked 3.2.13 "... no A query (RFC 8020)" "TXT _dmarc.txtonly.example.com, TXT _dmarc.example.com, TXT _dmarc.com"
check 4.7 "np absent: sp for NXDOMAIN too" \
	"fail org nonp.example nonp.example sp none" --from ghost.nonp.example
check 4.10.1 "subdomain passing relaxed" \
	"pass org example.com example.com sp none" \
	--from user@mail.example.com --dkim pass:example.com

# --- OpenDMARC #268: strict alignment never passes on org domains ---
check 3.2.10.2 "#268 strict: d=parent of From" \
	"fail org strict.example strict.example p reject" \
	--from sub.strict.example --dkim pass:strict.example
check 3.2.10.2 "#268 strict: mailfrom=parent" \
	"fail org strict.example strict.example p reject" \
	--from sub.strict.example --spf pass:strict.example
check 3.2.10.2 "#268 strict: d=child of From" \
	"fail author strict.example strict.example p reject" \
	--from strict.example --spf pass:mail.strict.example \
	--dkim pass:sub.strict.example
check 3.2.10.2 "strict: identical, any case" \
	"pass author strict.example strict.example p none" \
	--from Strict.Example. --dkim pass:STRICT.example

# --- OpenDMARC #113/#174: a From that is no domain is never "none" ---
check 5.3.1 "#174 From \"user@example.com>\"" \
	"permerror none - - none none" \
	--from 'user@example.com>' --spf pass:example.com
check 5.3.1 "#113 empty From domain" "permerror none - - none none" \
	--from 'user@'
check 5.3.1 "From domain with a space" "permerror none - - none none" \
	--from 'exa mple.com'

# --- 4.7 t=y; A.6 pct gone ---
check 4.7 "t=y, p=reject: quarantine" \
	"fail author testing.example testing.example p quarantine" \
	--from testing.example
field 4.7 "... testing" .testing true
check 4.7 "t=y, p=quarantine: none" \
	"fail author tq.example tq.example p none" --from tq.example
check A.6 "pct=0 ignored" "fail author pct.example pct.example p reject" \
	--from pct.example
field 9.3 "... removed tags seen" '.removed_tags | join(",")' pct,rf,ri

# --- 4.10 steps 2/6: what a name holds ---
check 4.10 "multiple records discarded" \
	"none none - multi.example none none" \
	--from multi.example --dkim pass:multi.example
check 4.10 "one DMARC record among TXT" \
	"fail author other.example other.example p quarantine" \
	--from other.example
check 4.5 "TXT strings joined (>255 bytes)" \
	"fail author long.example long.example p reject" --from long.example
check 4.8 "NUL byte in p=: p invalid" \
	"permerror author nul.example nul.example none none" --from nul.example
check 4.7 "v not first: no record" \
	"none none - notfirst.example none none" --from notfirst.example

# --- 4.10.1: records without a usable p ---
check 4.10.1 "no p, valid rua: as p=none" \
	"fail author nop-rua.example nop-rua.example p none" \
	--from nop-rua.example
check 4.10.1 "no p, no rua: no DMARC" \
	"none author nop.example nop.example none none" --from nop.example
check 4.10.1 "invalid p, no rua: permerror" \
	"permerror author badp.example badp.example none none" \
	--from badp.example
check 4.10.1 "invalid p, valid rua: p=none" \
	"fail author badp-rua.example badp-rua.example p none" \
	--from badp-rua.example
field 4.10.1 "... recovered" .recovered true
check 4.10.1 "no record anywhere" \
	"none none - nothing.example none none" \
	--from nothing.example --spf pass:nothing.example

# --- PSD records (psd=y), 4.10.1 and 4.10.2 ---
check 4.10.1 "PSD policy, existing: sp" \
	"fail psd bank giant.bank sp quarantine" --from giant.bank
check 4.10.1 "PSD policy, NXDOMAIN: np" \
	"fail psd bank ghost.bank np reject" --from ghost.bank
check 4.10.2 "PSD: relaxed within one org" \
	"pass psd bank giant.bank sp none" \
	--from mail.giant.bank --spf pass:giant.bank
check 4.10.2 "PSD: registrants do not align" \
	"fail psd bank giant.bank sp quarantine" \
	--from giant.bank --spf pass:other.bank --dkim pass:bank
check 4.10.1 "registrant's own record first" \
	"fail author own.bank own.bank p none" --from own.bank
check 4.10.2 "psd=y at a multi-label suffix" \
	"pass psd gov.test agency.gov.test p none" \
	--from a.agency.gov.test --dkim pass:agency.gov.test
asked 4.10 "... stops at psd=y" "TXT _dmarc.a.agency.gov.test, TXT _dmarc.agency.gov.test, TXT _dmarc.gov.test"
check 4.10.2 "psd=y: sibling not aligned" \
	"fail psd gov.test agency.gov.test p reject" \
	--from a.agency.gov.test --dkim pass:other.gov.test

# --- alignment across a multi-label private suffix, no PSL ---
check 4.10.2 "co.uk-like: relaxed by the walk" \
	"pass org example.co.uk example.co.uk p none" \
	--from a.b.example.co.uk --dkim pass:mail.example.co.uk
check 4.10.2 "co.uk-like: other registrant" \
	"fail org example.co.uk example.co.uk p reject" \
	--from a.b.example.co.uk --spf pass:evil.co.uk --dkim pass:co.uk
field 4.10.2 "... unrelated: no walk" '.dkim[0].align + " " + .dkim[0].org' "no "

# --- psd=n (11.8) ---
check 4.10.2 "psd=n: tenant is the org" \
	"fail org tenant.cloud tenant.cloud p quarantine" \
	--from a.tenant.cloud --dkim pass:cloud --dkim pass:other.cloud
asked 4.10 "... stops at psd=n" "TXT _dmarc.a.tenant.cloud, TXT _dmarc.tenant.cloud"
check 4.10.2 "psd=n: within the tenant" \
	"pass org tenant.cloud tenant.cloud p none" \
	--from a.tenant.cloud --spf pass:b.tenant.cloud

# --- 4.10: the walk's names and the eight-query bound ---
check 4.10 "13 labels (the section's example)" \
	"fail org example.com example.com np reject" \
	--from a.b.c.d.e.f.g.h.i.j.mail.example.com
asked 4.10 "... eight names, then existence" "TXT _dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com, TXT _dmarc.g.h.i.j.mail.example.com, TXT _dmarc.h.i.j.mail.example.com, TXT _dmarc.i.j.mail.example.com, TXT _dmarc.j.mail.example.com, TXT _dmarc.mail.example.com, TXT _dmarc.example.com, TXT _dmarc.com, A a.b.c.d.e.f.g.h.i.j.mail.example.com"
for n in 1 2 3 4 5 6 7 8 9 10; do
	# l1. ... .zz: n labels, no records at all; min(n, 8) queries
	name=zz
	for i in $(seq 1 $((n - 1))); do name="l$i.$name"; done
	check 4.10 "$n labels, nothing published" \
		"none none - $name none none" --from "$name"
	want=$((n < 8 ? n : 8))
	field 4.10 "... $want queries" .dns_queries "$want"
done

# --- 5.3.6: DNS failures are temperror, never pass or none ---
check 5.3.6 "the record lookup fails" "temperror none - - none none" \
	--from tempfail.example --spf pass:tempfail.example
check 5.3.6 "the walk fails above" "temperror none - - none none" \
	--from a.tf.example
check 5.3.6 "an identifier's walk fails" \
	"temperror author example.com example.com p none" \
	--from example.com --dkim pass:x.flaky.example.com
check 5.3.6 "... unless another passes" \
	"pass author example.com example.com p none" \
	--from example.com --spf pass:example.com --dkim pass:x.flaky.example.com
check 5.3.6 "existence unknown (np vs sp)" \
	"temperror org example.com example.com sp none" --from slow.example.com
check 5.3.5 "aligned SPF temperror, no pass" \
	"temperror author example.com example.com p none" \
	--from example.com --spf temperror:example.com

# --- the table ---
ms=$((($(date +%s%N) - START) / 1000000))
echo
printf '%-8s %-36s %-48s %s\n' SECTION CASE EXPECTED GOT
for c in "${CASES[@]}"; do
	IFS='|' read -r sec name want got <<<"$c"
	[ ${#want} -gt 48 ] && want="${want:0:45}..."
	[ "$got" = ok ] || got="${got:0:60}"
	printf '%-8s %-36s %-48s %s\n' "$sec" "$name" "$want" "$got"
done
echo "dmarc-rfc9989: ${#CASES[@]} cases in $((ms / 1000)).$((ms % 1000 / 100)) s"
tmx_finish
