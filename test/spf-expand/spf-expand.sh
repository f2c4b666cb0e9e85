#!/bin/bash
# spf-expand.sh - "trustmx spf expand" against a real dnsmasq in a private
# namespace: the ranges an SPF record authorises (ip4/ip6, a, mx, include,
# redirect, cidr forms), RFC 7208 limits, and DNS failures as temperror.
. "$TMX_SRCDIR/test/lib/netns.sh"
tmx_enter "$@"
tmx_need dnsmasq python3

failures=0

# fail - note a failed check with what the command printed
fail() {
	echo "FAIL: $*" >&2
	sed 's/^/  stdout: /' "$TMX_TMP/out" >&2
	sed 's/^/  stderr: /' "$TMX_TMP/err" >&2
	failures=$((failures + 1))
}

# expand DOMAIN - run the command; $rc, $TMX_TMP/out, $TMX_TMP/err
expand() {
	rc=0
	"$TRUSTMX" spf expand "$1" >"$TMX_TMP/out" 2>"$TMX_TMP/err" || rc=$?
}

# expect_ok DOMAIN SUMMARY-REGEX - exit 0, stdout equal to stdin
expect_ok() {
	cat >"$TMX_TMP/want"
	expand "$1"
	if [ "$rc" != 0 ]; then
		fail "$1: exit $rc, want 0"
	elif ! diff -u "$TMX_TMP/want" "$TMX_TMP/out" >&2; then
		fail "$1: prefixes differ"
	elif ! grep -Eq "$2" "$TMX_TMP/err"; then
		fail "$1: summary does not match /$2/"
	else
		echo "ok: $1"
	fi
}

# expect_fail DOMAIN EXIT STDERR-REGEX - that exit, nothing on stdout
expect_fail() {
	expand "$1"
	if [ "$rc" != "$2" ]; then
		fail "$1: exit $rc, want $2"
	elif [ -s "$TMX_TMP/out" ]; then
		fail "$1: printed prefixes on failure"
	elif ! grep -Eq "$3" "$TMX_TMP/err"; then
		fail "$1: stderr does not match /$3/"
	else
		echo "ok: $1 (exit $2)"
	fi
}

# expect_warning REGEX - the last expand warned about it
expect_warning() {
	grep -Eq "warning: .*$1" "$TMX_TMP/err" || fail "no warning /$1/"
}

# ten_a NAME - ten DNS-querying terms
ten_a() {
	printf ' a:%s' "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1"
}

cat >"$TMX_TMP/dns.conf" <<EOF
local=/test/
local-ttl=300

txt-record=simple.test,"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/48 -all"
txt-record=simple.test,"google-site-verification=not-spf"
txt-record=split.test,"v=spf1 ip4:192.0.2.1","00 -all"
txt-record=hostbits.test,"v=spf1 ip4:192.0.2.77/24 ip6:2001:db8:1::1/48 -all"
txt-record=dedup.test,"v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.9 ip4:192.0.2.0/24 a:mail1.test ip4:198.51.100.10 -all"

txt-record=relay.test,"v=spf1 include:l1.test -all"
txt-record=l1.test,"v=spf1 a:mail1.test include:l2.test ~all"
txt-record=l2.test,"v=spf1 mx:l2.test/28//64 include:l3.test ?all"
txt-record=l3.test,"v=spf1 a/24 ip6:2001:db8:3::/48 -all"
host-record=l3.test,203.0.113.99
host-record=mail1.test,198.51.100.10,2001:db8:10::10
mx-host=l2.test,mx1.l2.test,10
mx-host=l2.test,mx2.l2.test,20
host-record=mx1.l2.test,198.51.100.33
host-record=mx2.l2.test,198.51.100.70,2001:db8:20::5

txt-record=redir.test,"v=spf1 ip4:192.0.2.128/25 redirect=target.test"
txt-record=redirall.test,"v=spf1 ip4:192.0.2.128/25 ~all redirect=target.test"
txt-record=target.test,"v=spf1 ip6:2001:db8:99::/48 -all"

txt-record=loop1.test,"v=spf1 include:loop2.test -all"
txt-record=loop2.test,"v=spf1 ip4:192.0.2.1 include:loop3.test -all"
txt-record=loop3.test,"v=spf1 include:loop1.test -all"
txt-record=rloop.test,"v=spf1 ip4:192.0.2.1 redirect=rloop.test"

txt-record=ten.test,"v=spf1$(ten_a mail1.test) -all"
txt-record=eleven.test,"v=spf1 include:five1.test include:five2.test -all"
txt-record=five1.test,"v=spf1 a:mail1.test a:mail1.test a:mail1.test a:mail1.test a:mail1.test"
txt-record=five2.test,"v=spf1 a:mail1.test a:mail1.test a:mail1.test a:mail1.test a:mail1.test"

txt-record=void2.test,"v=spf1 a:nx1.test mx:nx2.test ip4:192.0.2.1 -all"
txt-record=void3.test,"v=spf1 a:nx1.test mx:nx2.test a:nodata.test ip4:192.0.2.1 -all"
txt-record=nodata.test,"just text"

txt-record=skip.test,"v=spf1 exists:%{i}.rbl.test ptr ptr:skip.test a:%{d}.test include:%{l}.test ip4:192.0.2.5 -all"
txt-record=quals.test,"v=spf1 -ip4:192.0.2.10 ~ip4:192.0.2.11 ?ip4:192.0.2.12 +ip4:192.0.2.13 ip4:192.0.2.14 -a:mail1.test ~include:simple.test ~all"
txt-record=afterall.test,"v=spf1 ip4:192.0.2.1 -all ip4:192.0.2.2"

txt-record=dualcidr.test,"v=spf1 a:mail1.test//64 a:mail1.test/16 -all"
txt-record=upper.test,"V=SPF1 IP4:192.0.2.1 Redirect=target.test"
txt-record=tworedir.test,"v=spf1 redirect=target.test redirect=simple.test"
txt-record=badcidr.test,"v=spf1 a/33 -all"
txt-record=plusall.test,"v=spf1 ip4:192.0.2.1 +all"
txt-record=wide.test,"v=spf1 ip4:192.0.2.1 ip4:0.0.0.0/1 -all"
txt-record=two.test,"v=spf1 ip4:192.0.2.1 -all"
txt-record=two.test,"v=spf1 ip4:192.0.2.2 -all"
txt-record=nospf.test,"v=spf10 ip4:192.0.2.1"
txt-record=badip.test,"v=spf1 ip4:192.0.2.300 -all"
txt-record=badmech.test,"v=spf1 ip5:192.0.2.1 -all"
txt-record=incnone.test,"v=spf1 include:nodata.test -all"

txt-record=ttl.test,"v=spf1 a:short.test"
txt-record=mixttl.test,"v=spf1 a:mid.test a:short.test"
txt-record=floor.test,"v=spf1 a:short.test a:tiny.test"
host-record=short.test,192.0.2.20,120
host-record=mid.test,192.0.2.22,200
host-record=tiny.test,192.0.2.21,5

txt-record=manymx.test,"v=spf1 mx -all"
EOF
for i in 1 2 3 4 5 6 7 8 9 10 11; do
	echo "mx-host=manymx.test,mx$i.manymx.test,$i"
done >>"$TMX_TMP/dns.conf"
# CNAMEs in the answer section lead to the records asked for
cat >>"$TMX_TMP/dns.conf" <<EOF
txt-record=cname.test,"v=spf1 a:alias.test -all"
cname=alias.test,mail1.test
cname=spfalias.test,simple.test
EOF
# a record longer than 512 bytes: the resolver must retry over TCP
long="v=spf1$(for i in $(seq 1 60); do printf ' ip4:192.0.2.%s' "$i"; done) -all"
printf 'txt-record=long.test' >>"$TMX_TMP/dns.conf"
printf '%s\n' "$long" | fold -w 200 | while IFS= read -r chunk; do
	printf ',"%s"' "$chunk"
done >>"$TMX_TMP/dns.conf"
echo >>"$TMX_TMP/dns.conf"
echo 'txt-record=tempinc.test,"v=spf1 ip4:192.0.2.1 include:x.dead.test -all"' >>"$TMX_TMP/dns.conf"
# dead.test is delegated to a port where nothing answers
echo "server=/dead.test/127.0.0.1#5399" >>"$TMX_TMP/dns.conf"

tmx_dns_start "$TMX_TMP/dns.conf" "timeout:1 attempts:1"

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
	if "$TMX_SPF_THREADS" relay.test >"$TMX_TMP/out" 2>"$TMX_TMP/err"; then
		echo "ok: threads: $(cat "$TMX_TMP/out")"
	else
		fail "concurrent expansions disagree"
	fi
fi

# --- DNS trouble is a temperror, and a quick one ---
start=$(date +%s)
expect_fail tempinc.test 2 'temperror: tempinc.test: include:x.dead.test: x.dead.test TXT lookup'
kill "$(cat "$TMX_TMP/dnsmasq.pid")"
sleep 0.3
expect_fail simple.test 2 'temperror: .*TXT lookup: (timeout|no server)'
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 10 ] || fail "temperrors took ${elapsed}s"

# a server that takes the query and never answers: the resolver times out
python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.53", 53))
time.sleep(30)' &
TMX_PIDS="$TMX_PIDS $!"
sleep 0.3
start=$(date +%s)
expect_fail simple.test 2 'temperror: .*timeout'
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 5 ] || fail "timeout took ${elapsed}s"

# --- usage ---
rc=0
"$TRUSTMX" spf expand >"$TMX_TMP/out" 2>"$TMX_TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q usage "$TMX_TMP/err" || fail "usage: exit $rc"

[ "$failures" = 0 ] || { echo "$failures checks failed" >&2; exit 1; }
echo "all spf expand checks passed"
