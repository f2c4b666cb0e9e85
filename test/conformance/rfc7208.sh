#!/bin/bash
# rfc7208.sh - the openspf RFC 7208 conformance suite (2014.04, 203 tests),
# and trustmx's own cases in the same format (trustmx-spf.yml), run through
# "trustmx spf check" against dnsmasq serving each scenario's zone inside a
# private network namespace. Passes only at 203/203 and all of ours.
set -u

. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_need dnsmasq
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import yaml' 2>/dev/null ||
	tmx_skip "python3-yaml not installed"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"

blackhole=127.0.0.54	# nothing listens: TIMEOUT names get no answer

# rfc7208_serve ZONE - dnsmasq serving one scenario's zone (rfc7208-zones.py)
rfc7208_serve() {
	tmx_dns_stop
	tmx_dns_clear
	tmx_dns_zone <"$1" || return 1
	tmx_dns_start "timeout:1 attempts:1"
}

# rfc7208_run_test - one line of a .tests file; prints FAIL lines. The
# command must also exit 0: every completed evaluation does.
rfc7208_run_test() {
	local name host helo from results status got
	IFS=$'\x1f' read -r name host helo from results <<<"$1"
	"$TRUSTMX" spf check --ip "$host" --helo "$helo" --from "$from" \
		>"$TMX_TMP/stdout" 2>"$TMX_TMP/stderr"
	status=$?
	got=$(head -n 1 "$TMX_TMP/stdout")
	case "$status,,$results," in
	0,*",$got,"*) return 0 ;;
	esac
	echo "FAIL $name: expected $results, got ${got:-nothing} (exit $status)"
	head -c 2000 "$TMX_TMP/stderr"
	return 1
}

# rfc7208_run_suite YAML LABEL EXPECTED - every scenario of one suite, one
# dnsmasq per scenario (zones of different scenarios collide); prints the
# failures and "N/TOTAL passed"; false unless all EXPECTED tests passed
rfc7208_run_suite() {
	local dir=$TMX_TMP/$2 total=0 passed=0 zone line
	/usr/bin/python3 "$TMX_SRCDIR/test/conformance/rfc7208-zones.py" \
		"$1" "$dir" "$blackhole" || return 1
	for zone in "$dir"/*.zone; do
		rfc7208_serve "$zone" || return 1
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			total=$((total + 1))
			rfc7208_run_test "$line" && passed=$((passed + 1))
		done <"${zone%.zone}.tests"
	done
	tmx_dns_stop
	echo "$2: $passed/$total passed"
	[ "$total" = "$3" ] && [ "$passed" = "$total" ]
}

# rfc7208_threads - one layer shared by 8 threads (the milter's way),
# against the first scenario of trustmx-spf.yml, whose zone it leaves up
rfc7208_threads() {
	local status
	[ -n "${TMX_SPF_THREADS:-}" ] || return 0
	rfc7208_serve "$TMX_TMP/trustmx/00.zone" || return 1
	"$TMX_SPF_THREADS" 8 40 \
		192.0.2.10 mail.example.com user@v4.example.com pass \
		192.0.2.11 mail.example.com user@v4.example.com fail \
		::ffff:192.0.2.10 mail.example.com user@v4.example.com pass \
		127.0.0.1 mail.example.com user@deny.example.com fail \
		127.0.0.1 mail.example.com user@local.example.com pass \
		198.51.100.7 v4.example.com "" fail
	status=$?
	tmx_dns_stop
	return $status
}

rc=0
rfc7208_run_suite "$TMX_SRCDIR/test/conformance/trustmx-spf.yml" trustmx 19 ||
	rc=1
rfc7208_threads || rc=1
# the openspf suite last: its count is the line operators look for
rfc7208_run_suite "$TMX_SRCDIR/test/conformance/rfc7208-tests.yml" rfc7208 203 ||
	rc=1
exit $rc
