#!/bin/bash
# policyd-allow.sh - allow_networks, postscreen's allowlist that is not a
# relay list, through trustmx-policyd: spf: sources expanded from dnsmasq
# in the test's namespace (a fake _spf.google.test with include: chains),
# postmap(1) over the socketmap (allowlisted permit, a deny_networks
# address inside an allowlisted range reject, unknown NOTFOUND), the
# policy protocol through real smtpd (allow_policy_action DUNNO by
# default, a custom action after SIGHUP, a bad one refused), and spf:
# sources beyond RFC 7208's lookup limits: refused, the last good list
# kept.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
tmx_need swaks

# includes N PREFIX - "include:PREFIX1.toobig.test ... include:PREFIXN..."
includes() {
	local i
	for i in $(seq 1 "$1"); do
		printf ' include:%s%d.toobig.test' "$2" "$i"
	done
}

# dns_serve TOOBIG-INCLUDES - (re)start dnsmasq: Google's chain as the
# real one is built (_spf -> _netblocks, _netblocks2 -> _netblocks3),
# _spf.toobig.test with that many include: terms (over 10 is beyond
# RFC 7208 4.6.4), _spf.huge.test always beyond it
dns_serve() {
	local i
	tmx_dns_stop
	tmx_dns_clear
	{
		echo "TTL 1"
		echo "ZONE test"
		echo "TXT _spf.google.test v=spf1 include:_netblocks.google.test include:_netblocks2.google.test ~all"
		echo "TXT _netblocks.google.test v=spf1 ip4:198.51.100.0/25 ~all"
		echo "TXT _netblocks2.google.test v=spf1 ip6:2001:db8:4860::/48 include:_netblocks3.google.test ~all"
		echo "TXT _netblocks3.google.test v=spf1 ip4:203.0.113.0/26 ~all"
		echo "TXT _spf.toobig.test v=spf1$(includes "$1" n) -all"
		echo "TXT _spf.huge.test v=spf1$(includes 11 h) -all"
		for i in $(seq 1 11); do
			echo "TXT n$i.toobig.test v=spf1 ip4:192.0.2.$((200 + i)) -all"
			echo "TXT h$i.toobig.test v=spf1 ip4:192.0.2.$((100 + i)) -all"
		done
	} | tmx_dns_zone
	tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not start"
}

# until_answer KEY WANT SECONDS - poll the socketmap until it says WANT
until_answer() {
	local i=0
	while [ "$(pd_sm "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -ge $(($3 * 5)) ] && tmx_die "$1: still \"$(pd_sm "$1")\" after $3s, want \"$2\""
		sleep 0.2
	done
}

# policy ADDR=ACTION... - exact policy answers over the unix socket, each
# asked once
policy() {
	"$TMX_POLICYD_LOAD" -u "$PD_RUN/policy.sock" -s policy -r $# "$@" \
		>"$TMX_TMP/load.log" 2>&1 ||
		tmx_die "policy answers: $(tail -3 "$TMX_TMP/load.log")"
}

pd_init
ALLOW_CONF=(
	"relay_networks = 192.0.2.0/26"
	"deny_networks = 198.51.100.64/26"
	"allow_networks = spf:_spf.google.test, spf:_spf.toobig.test"
	"  spf:_spf.huge.test 203.0.113.128/25"
	"spf_refresh_min = 10s" "spf_refresh_max = 1m"
	"policy_listen = unix:$PD_RUN/policy.sock"
	"socketmap_listen = unix:$PD_RUN/socketmap.sock"
)
tmx_postfix_init
dns_serve 3
pd_config "${ALLOW_CONF[@]}"
pd_start
pd_wait "spf:_spf.google.test: 3 prefixes" 10 || tmx_die "google.test not expanded"
pd_wait "spf:_spf.toobig.test: 3 prefixes" 10 || tmx_die "toobig.test not expanded"
# beyond the limits from the start: refused, the source empty, said so
pd_wait "spf:_spf.huge.test: permanent error: .*; no saved copy in .* the source is empty" 10 ||
	tmx_die "huge.test: no permanent error"
until_answer 198.51.100.5 permit 10
until_answer 192.0.2.203 permit 10

# --- postscreen's answers (socketmap via postmap) ---
tmx_expect "allow: include chain, level 1" "$(pd_sm 198.51.100.5)" permit
tmx_expect "allow: include chain, level 2 (ip6)" "$(pd_sm 2001:db8:4860::25)" permit
tmx_expect "allow: include chain, level 3" "$(pd_sm 203.0.113.10)" permit
tmx_expect "allow: inline" "$(pd_sm 203.0.113.200)" permit
tmx_expect "allow: IPv4-mapped" "$(pd_sm ::ffff:198.51.100.5)" permit
tmx_expect "deny inside an allowlisted range" "$(pd_sm 198.51.100.70)" reject
tmx_expect "unknown" "$(pd_sm 203.0.113.100)" ""
tmx_expect "unknown IPv6" "$(pd_sm 2001:db8:4861::1)" ""
tmx_expect "relay" "$(pd_sm 192.0.2.5)" permit
tmx_expect "over-limit source is empty" "$(pd_sm 192.0.2.101)" ""
tmx_expect "toobig.test within limits" "$(pd_sm 192.0.2.203)" permit
pd_wait "socketmap 198\.51\.100\.5: OK permit via allow_networks: spf:_spf\.google\.test" 5 ||
	tmx_die "the socketmap answer does not name the allow source"

# --- the policy protocol: exact answers, then through smtpd ---
policy 198.51.100.5=DUNNO 203.0.113.200=DUNNO 192.0.2.5=OK \
	"198.51.100.70=REJECT 5.7.1 Client address is on the deny list" \
	203.0.113.100=DUNNO
tmx_pass "policy: allow -> DUNNO (default), relay OK, deny REJECT"
pd_wait 'client_address=198\.51\.100\.5: allow: allow_networks: spf:_spf\.google\.test: DUNNO' ||
	tmx_die "allow verdict not logged with its source"
pd_wait 'client_address=203\.0\.113\.200: allow: allow_networks: 203\.0\.113\.128/25: DUNNO' ||
	tmx_die "allow verdict (inline) not logged"

tmx_postfix_set "mynetworks = 127.0.0.0/8" \
	"smtpd_upstream_proxy_protocol = haproxy" \
	"trustmx_policy = check_policy_service unix:$PD_RUN/policy.sock, reject"
tmx_postfix_service \
	"127.0.0.1:12528 inet n - n - - smtpd" \
	"  -o smtpd_client_restrictions=\$trustmx_policy"
tmx_postfix_start || tmx_die "postfix did not start"
tmx_wait_listen 12528 || tmx_die "smtpd does not listen"
out=$(pd_session 12528 198.51.100.5)
echo "$out" | grep -q '^<\*\* *554 5\.7\.1 .*Client host rejected: Access denied' ||
	tmx_die "smtpd: allowlisted client not passed on with DUNNO: $out"
tmx_pass "smtpd: allow_networks with the default DUNNO changes nothing"

# a custom allow_policy_action, after SIGHUP
pd_config "${ALLOW_CONF[@]}" "allow_policy_action = OK"
pd_hup || tmx_die "no reload"
pd_wait "reloaded " 5 || tmx_die "reload with allow_policy_action = OK refused"
policy 198.51.100.5=OK 192.0.2.5=OK 203.0.113.100=DUNNO \
	"198.51.100.70=REJECT 5.7.1 Client address is on the deny list"
tmx_pass "policy: allow_policy_action = OK answered, deny still wins"
out=$(pd_session 12528 198.51.100.5)
echo "$out" | grep -q '^<- *250 .*Ok' || tmx_die "smtpd: allowlisted client not accepted with OK: $out"
echo "$out" | grep -q '^<\*\*' && tmx_die "smtpd: allowlisted client got an error with OK: $out"
tmx_pass "smtpd: allow_policy_action = OK accepts the allowlisted client"
out=$(pd_session 12528 203.0.113.100)
echo "$out" | grep -q 'Client host rejected: Access denied' ||
	tmx_die "smtpd: unknown client not rejected by the next restriction: $out"
pd_wait 'client_address=198\.51\.100\.5: allow: allow_networks: spf:_spf\.google\.test: OK' ||
	tmx_die "custom action not logged"

# a bad allow_policy_action: the reload is refused, OK stays
pd_config "${ALLOW_CONF[@]}" "allow_policy_action = -permit"
pd_hup || tmx_die "no reload"
pd_wait "reload failed: .*allow_policy_action: \"-permit\" is not an access\(5\) action" 5 ||
	tmx_die "bad allow_policy_action not refused"
policy 198.51.100.5=OK
tmx_pass "bad allow_policy_action refused, the running one kept"

# --- beyond the limits after a good expansion: the last good list stays ---
dns_serve 11
sleep 2.5	# past the DNS layer's cache of the 1 s TTL (whole seconds)
pd_config "${ALLOW_CONF[@]}" "allow_policy_action = OK"
pd_hup || tmx_die "no reload"
pd_wait "spf:_spf.toobig.test: permanent error: .*; keeping the last good list \(3 prefixes\)" 20 ||
	tmx_die "toobig.test over the limit not refused"
tmx_expect "over the limit: old list kept" "$(pd_sm 192.0.2.203)" permit
tmx_expect "over the limit: no new prefix" "$(pd_sm 192.0.2.211)" ""
tmx_expect "over the limit: other sources unchanged" "$(pd_sm 198.51.100.5)" permit
policy 192.0.2.203=OK 192.0.2.211=DUNNO

# "trustmx list export" writes them as permit after deny; postmap agrees
"$TRUSTMX" list export -c "$PD_CONF" "$TMX_TMP/export.cidr" 2>"$TMX_TMP/export.err" ||
	tmx_die "export: $(cat "$TMX_TMP/export.err")"
grep -q '^# allow_networks: ' "$TMX_TMP/export.cidr" || tmx_die "export has no allow_networks section"
for a in 198.51.100.5 198.51.100.70 2001:db8:4860::25 203.0.113.200 203.0.113.100; do
	tmx_expect "export = socketmap for $a" \
		"$(pd_postmap -q "$a" "cidr:$TMX_TMP/export.cidr")" "$(pd_sm "$a")"
done

if tmx_postfix_problems; then
	tmx_die "Postfix logged warnings"
fi
kill -0 "$PD_PID" || tmx_die "policyd died"
pd_stop
tmx_finish
