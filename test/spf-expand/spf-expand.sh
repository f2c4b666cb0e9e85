#!/bin/bash
# spf-expand.sh - "trustmx spf expand" against a real dnsmasq in a private
# namespace: the ranges an SPF record authorises (ip4/ip6, a, mx, include,
# redirect, cidr forms), RFC 7208 limits, and DNS failures as temperror.
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
tmx_need dnsmasq python3

# expand DOMAIN - run the command; $TMX_RC, $TMX_TMP/out, $TMX_TMP/err
expand() {
	tmx_run "$TRUSTMX" spf expand "$1"
}

# expect_ok DOMAIN SUMMARY-REGEX - exit 0, stdout equal to stdin
expect_ok() {
	cat >"$TMX_TMP/want"
	expand "$1"
	if [ "$TMX_RC" != 0 ]; then
		tmx_fail_run "$1: exit $TMX_RC, want 0"
	elif ! diff -u "$TMX_TMP/want" "$TMX_TMP/out" >&2; then
		tmx_fail_run "$1: prefixes differ"
	elif ! grep -Eq "$2" "$TMX_TMP/err"; then
		tmx_fail_run "$1: summary does not match /$2/"
	else
		tmx_pass "$1"
	fi
}

# expect_fail DOMAIN EXIT STDERR-REGEX - that exit, nothing on stdout
expect_fail() {
	expand "$1"
	if [ "$TMX_RC" != "$2" ]; then
		tmx_fail_run "$1: exit $TMX_RC, want $2"
	elif [ -s "$TMX_TMP/out" ]; then
		tmx_fail_run "$1: printed prefixes on failure"
	elif ! grep -Eq "$3" "$TMX_TMP/err"; then
		tmx_fail_run "$1: stderr does not match /$3/"
	else
		tmx_pass "$1 (exit $2)"
	fi
}

# expect_warning REGEX - the last expand warned about it
expect_warning() {
	grep -Eq "warning: .*$1" "$TMX_TMP/err" || tmx_fail_run "no warning /$1/"
}

# ten_a NAME - ten DNS-querying terms
ten_a() {
	printf ' a:%s' "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1"
}

tmx_dns_zone <<EOF
ZONE test
TTL 300

TXT simple.test v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/48 -all
TXT simple.test google-site-verification=not-spf
TXT split.test "v=spf1 ip4:192.0.2.1","00 -all"
TXT hostbits.test v=spf1 ip4:192.0.2.77/24 ip6:2001:db8:1::1/48 -all
TXT dedup.test v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.9 ip4:192.0.2.0/24 a:mail1.test ip4:198.51.100.10 -all

TXT relay.test v=spf1 include:l1.test -all
TXT l1.test v=spf1 a:mail1.test include:l2.test ~all
TXT l2.test v=spf1 mx:l2.test/28//64 include:l3.test ?all
TXT l3.test v=spf1 a/24 ip6:2001:db8:3::/48 -all
A l3.test 203.0.113.99
A mail1.test 198.51.100.10 2001:db8:10::10
MX l2.test 10 mx1.l2.test
MX l2.test 20 mx2.l2.test
A mx1.l2.test 198.51.100.33
A mx2.l2.test 198.51.100.70 2001:db8:20::5

TXT redir.test v=spf1 ip4:192.0.2.128/25 redirect=target.test
TXT redirall.test v=spf1 ip4:192.0.2.128/25 ~all redirect=target.test
TXT target.test v=spf1 ip6:2001:db8:99::/48 -all

TXT loop1.test v=spf1 include:loop2.test -all
TXT loop2.test v=spf1 ip4:192.0.2.1 include:loop3.test -all
TXT loop3.test v=spf1 include:loop1.test -all
TXT rloop.test v=spf1 ip4:192.0.2.1 redirect=rloop.test

TXT ten.test v=spf1$(ten_a mail1.test) -all
TXT eleven.test v=spf1 include:five1.test include:five2.test -all
TXT five1.test v=spf1 a:mail1.test a:mail1.test a:mail1.test a:mail1.test a:mail1.test
TXT five2.test v=spf1 a:mail1.test a:mail1.test a:mail1.test a:mail1.test a:mail1.test

TXT void2.test v=spf1 a:nx1.test mx:nx2.test ip4:192.0.2.1 -all
TXT void3.test v=spf1 a:nx1.test mx:nx2.test a:nodata.test ip4:192.0.2.1 -all
TXT nodata.test just text

TXT skip.test v=spf1 exists:%{i}.rbl.test ptr ptr:skip.test a:%{d}.test include:%{l}.test ip4:192.0.2.5 -all
TXT quals.test v=spf1 -ip4:192.0.2.10 ~ip4:192.0.2.11 ?ip4:192.0.2.12 +ip4:192.0.2.13 ip4:192.0.2.14 -a:mail1.test ~include:simple.test ~all
TXT afterall.test v=spf1 ip4:192.0.2.1 -all ip4:192.0.2.2

TXT dualcidr.test v=spf1 a:mail1.test//64 a:mail1.test/16 -all
TXT upper.test V=SPF1 IP4:192.0.2.1 Redirect=target.test
TXT tworedir.test v=spf1 redirect=target.test redirect=simple.test
TXT badcidr.test v=spf1 a/33 -all
TXT plusall.test v=spf1 ip4:192.0.2.1 +all
TXT wide.test v=spf1 ip4:192.0.2.1 ip4:0.0.0.0/1 -all
TXT two.test v=spf1 ip4:192.0.2.1 -all
TXT two.test v=spf1 ip4:192.0.2.2 -all
TXT nospf.test v=spf10 ip4:192.0.2.1
TXT badip.test v=spf1 ip4:192.0.2.300 -all
TXT badmech.test v=spf1 ip5:192.0.2.1 -all
TXT incnone.test v=spf1 include:nodata.test -all

TXT ttl.test v=spf1 a:short.test
TXT mixttl.test v=spf1 a:mid.test a:short.test
TXT floor.test v=spf1 a:short.test a:tiny.test
A short.test 192.0.2.20 120
A mid.test 192.0.2.22 200
A tiny.test 192.0.2.21 5

TXT manymx.test v=spf1 mx -all
EOF
for i in 1 2 3 4 5 6 7 8 9 10 11; do
	echo "MX manymx.test $i mx$i.manymx.test"
done | tmx_dns_zone
# CNAMEs in the answer section lead to the records asked for
tmx_dns_zone <<EOF
TXT cname.test v=spf1 a:alias.test -all
CNAME alias.test mail1.test
CNAME spfalias.test simple.test
EOF
# a record longer than 512 bytes: the resolver must retry over TCP
tmx_dns_zone "TXT long.test v=spf1$(for i in $(seq 1 60); do printf ' ip4:192.0.2.%s' "$i"; done) -all"
tmx_dns_zone "TXT tempinc.test v=spf1 ip4:192.0.2.1 include:x.dead.test -all"
# dead.test is delegated to a port where nothing answers
tmx_dns_zone "DELEGATE dead.test 127.0.0.1#5399"

tmx_dns_start "timeout:1 attempts:1" || exit 1

# --- what a record authorises ---
expect_ok simple.test '2 prefixes, ttl 300s, 0 DNS lookups, 0 void' <<EOF
192.0.2.0/24
2001:db8:1::/48
EOF
expect_ok split.test '1 prefixes' <<EOF
192.0.2.100/32
EOF
expect_ok hostbits.test '2 prefixes' <<EOF
192.0.2.0/24
2001:db8:1::/48
EOF
expect_warning 'host bits set; using 192.0.2.0/24'
expect_warning 'host bits set; using 2001:db8:1::/48'
expect_ok dedup.test '3 prefixes' <<EOF
192.0.2.0/24
198.51.100.10/32
2001:db8:10::10/128
EOF
expect_ok relay.test '7 prefixes, ttl 300s, 6 DNS lookups, 0 void' <<EOF
198.51.100.10/32
198.51.100.32/28
198.51.100.64/28
203.0.113.0/24
2001:db8:3::/48
2001:db8:10::10/128
2001:db8:20::/64
EOF
expect_ok redir.test '1 DNS lookups' <<EOF
192.0.2.128/25
2001:db8:99::/48
EOF
expect_ok redirall.test '0 DNS lookups' <<EOF
192.0.2.128/25
EOF
expect_ok quals.test '2 prefixes' <<EOF
192.0.2.13/32
192.0.2.14/32
EOF
expect_ok afterall.test '1 prefixes' <<EOF
192.0.2.1/32
EOF
expect_ok skip.test '5 DNS lookups' <<EOF
192.0.2.5/32
EOF
expect_warning 'exists:%\{i\}.rbl.test: exists cannot be expanded'
expect_warning 'ptr: ptr cannot be expanded'
expect_warning 'ptr:skip.test: ptr cannot be expanded'
expect_warning 'a:%\{d\}.test: macros'
expect_warning 'include:%\{l\}.test: macros'

expect_ok cname.test '2 prefixes' <<EOF
198.51.100.10/32
2001:db8:10::10/128
EOF
expect_ok spfalias.test '2 prefixes' <<EOF
192.0.2.0/24
2001:db8:1::/48
EOF
expect_ok long.test '60 prefixes' < <(seq 1 60 | sed 's|^|192.0.2.|; s|$|/32|')

expect_ok dualcidr.test '2 prefixes' <<EOF
198.51.0.0/16
2001:db8:10::/64
EOF
expect_ok upper.test '1 DNS lookups' <<EOF
192.0.2.1/32
2001:db8:99::/48
EOF

# --- TTL: the smallest used, never below the floor ---
expect_ok ttl.test '1 prefixes, ttl 120s' <<EOF
192.0.2.20/32
EOF
expect_ok mixttl.test '2 prefixes, ttl 120s' <<EOF
192.0.2.20/32
192.0.2.22/32
EOF
expect_ok floor.test 'ttl 60s' <<EOF
192.0.2.20/32
192.0.2.21/32
EOF

# --- RFC 7208 limits and errors ---
expect_ok ten.test '10 DNS lookups' <<EOF
198.51.100.10/32
2001:db8:10::10/128
EOF
expect_fail eleven.test 1 'permerror: .*more than 10 DNS-querying terms'
expect_ok void2.test '2 void lookups' <<EOF
192.0.2.1/32
EOF
expect_fail void3.test 1 'permerror: .*a:nodata.test: more than 2 void lookups'
expect_fail loop1.test 1 'permerror: loop3.test: include:loop1.test: loop'
expect_fail rloop.test 1 'permerror: .*redirect=rloop.test: loop'
expect_fail plusall.test 1 'permerror: .*authorises every address'
expect_fail wide.test 1 'permerror: wide.test: ip4:0.0.0.0/1: authorises /1, too wide'
expect_fail tworedir.test 1 'permerror: .*redirect given twice'
expect_fail badcidr.test 1 'permerror: badcidr.test: a/33: invalid ip4-cidr-length'
expect_fail two.test 1 'permerror: .*more than one SPF record'
expect_fail nospf.test 1 'permerror: .*no SPF record'
expect_fail nx.test 1 'permerror: .*no SPF record.*no such name'
expect_fail badip.test 1 'permerror: badip.test: ip4:192.0.2.300: invalid address'
expect_fail badmech.test 1 'permerror: .*unknown mechanism'
expect_fail incnone.test 1 'permerror: incnone.test: include:nodata.test: no SPF record'
expect_fail manymx.test 1 'permerror: .*more than 10 MX records'
expect_fail 'bad..name' 1 'permerror: .*invalid domain name'

# --- one resolver state per call: threads at once agree with a lone call ---
if [ -n "${TMX_SPF_THREADS:-}" ]; then
	tmx_run "$TMX_SPF_THREADS" relay.test
	if [ "$TMX_RC" = 0 ]; then
		tmx_pass "threads: $(cat "$TMX_TMP/out")"
	else
		tmx_fail_run "concurrent expansions disagree"
	fi
fi

# --- DNS trouble is a temperror, within resolv.conf's timeout ---
# Not a speed target: the bounds are what libc's default (5 s a lookup)
# would take, so they fail only when resolv.conf's timeout:1 is ignored.
start=$(date +%s)
expect_fail tempinc.test 2 'temperror: tempinc.test: include:x.dead.test: x.dead.test TXT lookup'
tmx_dns_stop
expect_fail simple.test 2 'temperror: .*TXT lookup: (timeout|no server)'
elapsed=$(($(date +%s) - start))
if [ "$elapsed" -lt 10 ]; then
	tmx_pass "two temperrors in ${elapsed}s (resolv.conf: timeout:1 attempts:1)"
else
	tmx_fail "temperrors took ${elapsed}s"
fi

# a server that takes the query and never answers: the resolver times out
tmx_dns_silent 127.0.0.53 || exit 1
start=$(date +%s)
expect_fail simple.test 2 'temperror: .*timeout'
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 5 ] || tmx_fail "timeout took ${elapsed}s (resolv.conf's 1 s ignored?)"

# --- usage ---
tmx_run "$TRUSTMX" spf expand
[ "$TMX_RC" = 2 ] && grep -q usage "$TMX_TMP/err" || tmx_fail_run "usage: exit $TMX_RC"

tmx_finish
