#!/bin/bash
# list-cli.sh - "trustmx list show|check|export" on a real trustmx.conf:
# inline, file:, cidr: and spf: sources (spf: resolved by a dnsmasq in a
# private namespace), the export as postmap(1) answers it, atomic replace,
# and errors that name file:line and keep the old export.
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
tmx_need dnsmasq postmap

# expect_out DESCRIPTION ARGS... - exit 0 and stdout equal to stdin
expect_out() {
	what=$1
	shift
	cat >"$TMX_TMP/want.txt"
	tmx_run "$TRUSTMX" "$@"
	if [ "$TMX_RC" != 0 ]; then
		tmx_fail_run "$what: exit $TMX_RC"
	elif ! diff -u "$TMX_TMP/want.txt" "$TMX_TMP/out" >&2; then
		tmx_fail_run "$what: output differs"
	else
		tmx_pass "$what"
	fi
}

# expect_error DESCRIPTION REGEX ARGS... - non-zero exit, REGEX on stderr
expect_error() {
	what=$1
	re=$2
	shift 2
	tmx_run "$TRUSTMX" "$@"
	if [ "$TMX_RC" = 0 ]; then
		tmx_fail_run "$what: exit 0"
	elif ! grep -Eq "$re" "$TMX_TMP/err"; then
		tmx_fail_run "$what: stderr does not match /$re/"
	else
		tmx_pass "$what"
	fi
}

# query KEY - what postscreen would find in the exported table
query() {
	postmap -c "$TMX_TMP/pf" -q "$1" "cidr:$TMX_TMP/export/postscreen.cidr" || true
}

tmx_dns_zone <<END
ZONE test
TXT relay.test v=spf1 ip4:198.51.100.64/26 a:mx.relay.test -all
A mx.relay.test 203.0.113.7 2001:db8:77::7
TXT _spf.big.test v=spf1 include:_n1.big.test -all
TXT _n1.big.test v=spf1 ip4:198.51.100.192/26 ~all
END
tmx_dns_start "timeout:1 attempts:1" || exit 1

mkdir -p "$TMX_TMP/pf" "$TMX_TMP/export" "$TMX_TMP/cache"
: >"$TMX_TMP/pf/main.cf"
printf '# backup MX\n192.0.2.0/25\n\n2001:db8:aa::/48\n' >"$TMX_TMP/relays.txt"
printf '10.20.0.0/16\tOK\n' >"$TMX_TMP/more.cidr"
cat >"$TMX_TMP/trustmx.conf" <<END
# list-cli test
relay_networks = file:$TMX_TMP/relays.txt,
	spf:relay.test
proxy_networks = [2001:db8::]/32 cidr:$TMX_TMP/more.cidr
deny_networks = 192.0.2.64/26, 2001:db8:aa:1::/64
allow_networks = spf:_spf.big.test 203.0.113.128/25 192.0.2.0/28
spf_cache_dir = $TMX_TMP/cache
END
conf=$TMX_TMP/trustmx.conf

expect_out "show relay_networks" list show relay_networks -c "$conf" <<END
192.0.2.0/25
198.51.100.64/26
203.0.113.7/32
2001:db8:77::7/128
2001:db8:aa::/48
END

expect_out "show -s proxy_networks" list show -s proxy_networks -c "$conf" <<END
10.20.0.0/16	proxy_networks: cidr:$TMX_TMP/more.cidr
2001:db8::/32	proxy_networks: [2001:db8::]/32
END

expect_out "show policy_clients (default)" list -c "$conf" show policy_clients <<END
127.0.0.0/8
::1/128
END

expect_out "check" list check -c "$conf" <<END
relay_networks: 5 prefixes ($conf:2)
proxy_networks: 2 prefixes ($conf:4)
deny_networks: 2 prefixes ($conf:5)
policy_clients: 2 prefixes (default)
allow_networks: 3 prefixes ($conf:6)
END
grep -q "192.0.2.64/26 (deny_networks: 192.0.2.64/26) overlaps relay_networks" \
	"$TMX_TMP/err" || tmx_fail_run "no overlap warning"
grep -q "192.0.2.0/28 (allow_networks: 192.0.2.0/28) overlaps relay_networks (relay_networks: file:$TMX_TMP/relays.txt); relay_networks wins in trustmx-milter" \
	"$TMX_TMP/err" || tmx_fail_run "no relay/allow overlap warning"
# mx.relay.test (relay_networks: spf:) is not inside allow_networks, and
# spf: ranges are never compared: one relay/allow warning only
[ "$(grep -c 'relay_networks wins' "$TMX_TMP/err")" = 1 ] ||
	tmx_fail_run "relay/allow overlap warnings"

expect_out "show -s allow_networks (spf: through include:)" \
	list show -s allow_networks -c "$conf" <<END
192.0.2.0/28	allow_networks: 192.0.2.0/28
198.51.100.192/26	allow_networks: spf:_spf.big.test
203.0.113.128/25	allow_networks: 203.0.113.128/25
END

echo "stale" >"$TMX_TMP/export/postscreen.cidr"
expect_out "export" list export -c "$conf" "$TMX_TMP/export/postscreen.cidr" </dev/null
[ "$(ls -A "$TMX_TMP/export")" = postscreen.cidr ] || tmx_fail "temporary files left: $(ls -A "$TMX_TMP/export")"
[ "$(stat -c %a "$TMX_TMP/export/postscreen.cidr")" = 644 ] || tmx_fail "export mode"
while read -r addr want; do
	got=$(query "$addr")
	tmx_expect "postmap -q $addr" "$got" "$want"
done <<END
192.0.2.70 reject
192.0.2.10 permit
192.0.2.200
2001:db8:aa:1::5 reject
2001:db8:aa:2::5 permit
198.51.100.100 permit
203.0.113.7 permit
203.0.113.8
203.0.113.130 permit
198.51.100.200 permit
192.0.2.5 permit
10.20.30.40 permit
2001:db8:ffff::1 permit
127.0.0.1
END

# errors: file:line, non-zero exit, and the last export left alone
cp "$TMX_TMP/export/postscreen.cidr" "$TMX_TMP/good.cidr"
cp "$TMX_TMP/relays.txt" "$TMX_TMP/relays.txt.good"
printf '192.0.2.0/25\n192.0.2.129/25\n' >"$TMX_TMP/relays.txt"
expect_error "host bits in a list file" \
	"^trustmx: $TMX_TMP/relays.txt:2: .*\\(relay_networks, set at $conf:2\\)" \
	list export -c "$conf" "$TMX_TMP/export/postscreen.cidr"
cmp -s "$TMX_TMP/good.cidr" "$TMX_TMP/export/postscreen.cidr" || tmx_fail "a failed export touched the table"
[ "$(ls -A "$TMX_TMP/export")" = postscreen.cidr ] || tmx_fail "temporary files left after a failure"
cp "$TMX_TMP/relays.txt.good" "$TMX_TMP/relays.txt"

printf 'relay_networks = 192.0.2.0/24\nmax_clients = none\n' >"$TMX_TMP/bad.conf"
expect_error "bad value" "^trustmx: $TMX_TMP/bad.conf:2: max_clients: bad numerical value" \
	list check -c "$TMX_TMP/bad.conf"
printf 'relay_networks = 192.0.2.0/24\n\trelay.example\n' >"$TMX_TMP/bad.conf"
expect_error "garbage inline" "^trustmx: $TMX_TMP/bad.conf:1: relay_networks: \"relay.example\"" \
	list show relay_networks -c "$TMX_TMP/bad.conf"
expect_error "unknown list" "unknown list \"mynetworks\"" list show mynetworks -c "$conf"
expect_error "missing config" "^trustmx: $TMX_TMP/none.conf: No such file" \
	list check -c "$TMX_TMP/none.conf"
expect_error "usage" "usage: trustmx list" list export -c "$conf"

# DNS down: spf: is empty with a warning, the rest still shows
tmx_dns_stop
expect_out "show without DNS" list show relay_networks -c "$conf" <<END
192.0.2.0/25
2001:db8:aa::/48
END
grep -q "warning: .*spf:relay.test" "$TMX_TMP/err" || tmx_fail_run "no warning for the unresolved spf: source"

tmx_finish
