#!/bin/bash
# policyd-spf.sh - spf: sources live from DNS (dnsmasq in the test's
# namespace): the refresher thread expands relay_networks = spf:..., a DNS
# change reaches Postfix's answers after the TTL (clamped to
# spf_refresh_min), a DNS outage keeps the last good list, a restart
# during the outage answers from the cache, and a large shrink is held
# back until a reload accepts it. (spf_expand floors TTLs at 60s, so the
# TTL-driven refresh is waited for once; later steps use SIGHUP, which
# re-resolves at once.)
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"

DOMAIN=relay.test.example

# dns_serve SPF-RECORD - (re)start dnsmasq serving the domain's SPF record
dns_serve() {
	tmx_dns_stop
	tmx_dns_clear
	tmx_dns_zone "TTL 1" \
		"TXT $DOMAIN $1" \
		"A mx1.$DOMAIN 198.51.100.77" \
		"ZONE test.example"
	tmx_dns_start || tmx_die "dnsmasq did not start"
}

# until_answer KEY WANT SECONDS - poll the socketmap until it says WANT
until_answer() {
	i=0
	while [ "$(pd_sm "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -ge $(($3 * 5)) ] && tmx_die "$1: still \"$(pd_sm "$1")\" after $3s, want \"$2\""
		sleep 0.2
	done
	tmx_pass "$1 = \"$2\""
}

pd_init
tmx_postfix_init
dns_serve "v=spf1 ip4:192.0.2.0/28 a:mx1.$DOMAIN -all"
pd_config "relay_networks = spf:$DOMAIN" \
	"deny_networks = 192.0.2.15" \
	"spf_refresh_min = 10s" "spf_refresh_max = 1m" "spf_shrink_limit = 50" \
	"policy_listen =" "socketmap_listen = unix:$PD_RUN/socketmap.sock"
pd_start
pd_wait "spf:$DOMAIN: 2 prefixes" 10 || tmx_die "first expansion not logged"
until_answer 192.0.2.5 permit 5
tmx_expect "a: mechanism" "$(pd_sm 198.51.100.77)" permit
tmx_expect "deny still wins" "$(pd_sm 192.0.2.15)" reject
tmx_expect "outside the record" "$(pd_sm 192.0.2.100)" ""
ls "$PD_CACHE" | grep -q . || tmx_die "nothing saved in spf_cache_dir"
tmx_pass "expansion saved in the cache"

# the record grows: the refresher picks it up when the TTL runs out
dns_serve "v=spf1 ip4:192.0.2.0/28 a:mx1.$DOMAIN ip4:203.0.113.0/24 -all"
until_answer 203.0.113.9 permit 75
pd_wait "spf:$DOMAIN: 3 prefixes" || tmx_die "growth not logged"

# DNS outage: the last good list stays. (The DNS layer's cache answers
# within a record's TTL, 1s here: let it run out so the reload must ask;
# the cache counts whole seconds, so a record fetched at 22.9 s is still
# fresh at 23.9 s: wait past two of them.)
sleep 2.5
tmx_dns_stop	# an outage
pd_hup || tmx_die "no reload"
pd_wait "spf:$DOMAIN: temporary error.*keeping the last good list \(3 prefixes\)" 20 ||
	tmx_die "DNS failure not logged"
tmx_expect "outage: relay kept" "$(pd_sm 203.0.113.9)" permit

# restart during the outage: answers come from the cache
pd_stop
pd_start
pd_wait "spf:$DOMAIN: 3 prefixes from the cache" || tmx_die "cache not loaded at start"
# (the refresh at start meets the outage; wait for it, or it could meet the
# shrunk record below and a reload would accept that at once)
pd_wait "spf:$DOMAIN: temporary error.*using the copy saved" 20 ||
	tmx_die "DNS failure at start not logged"
tmx_expect "restart in outage: from cache" "$(pd_sm 203.0.113.9)" permit
tmx_expect "restart in outage: a: from cache" "$(pd_sm 198.51.100.77)" permit

# the record shrinks by 2 of 3 prefixes (> 50%): held back
dns_serve "v=spf1 ip4:192.0.2.0/28 -all"
pd_hup || tmx_die "no reload"
pd_wait "spf:$DOMAIN: would shrink from 3 to 1 prefixes" 20 ||
	tmx_die "shrink not held back"
tmx_expect "shrink held: relay kept" "$(pd_sm 203.0.113.9)" permit
# the next reload accepts it
pd_hup || tmx_die "no reload"
pd_wait "reload accepts the shrink" || tmx_die "reload did not accept the shrink"
until_answer 203.0.113.9 "" 5
tmx_expect "after accepted shrink" "$(pd_sm 192.0.2.5)" permit

# a resolver that never answers: the refresher thread waits, requests do not
# the reload must meet a server that is there and silent, not a closed
# port (an instant refusal)
tmx_dns_silent 127.0.0.54 || tmx_die "silent resolver not listening"
tmx_dns_nameserver 127.0.0.54
tempfails=$(pd_count "spf:$DOMAIN: temporary error")
pd_hup || tmx_die "no reload"	# reload, then re-resolve at once: into the silence
sleep 0.5
t0=$(date +%s%N)
"$TMX_POLICYD_LOAD" -u "$PD_RUN/socketmap.sock" -s socketmap -c 100 -r 20 \
	192.0.2.5="OK permit" 203.0.113.9="NOTFOUND " 192.0.2.15="OK reject" ||
	tmx_die "requests not answered while DNS hangs"
ms=$((($(date +%s%N) - t0) / 1000000))
tmx_expect "while DNS hangs: relay kept" "$(pd_sm 192.0.2.5)" permit
[ "$ms" -lt 3000 ] || tmx_die "2000 requests took ${ms}ms while DNS hung"
[ "$(pd_count "spf:$DOMAIN: temporary error")" = "$tempfails" ] ||
	tmx_die "the resolver did not hang (the test proves nothing)"
tmx_pass "2000 requests answered in ${ms}ms while the resolver hangs"
i=0
while [ "$(pd_count "spf:$DOMAIN: temporary error")" = "$tempfails" ]; do
	i=$((i + 1))
	[ $i -ge 600 ] && tmx_die "hung DNS never gave up"
	sleep 0.1
done

# stopping while the refresher hangs in DNS takes seconds, not DNS timeouts
pd_hup || tmx_die "no reload"
sleep 0.5
t0=$(date +%s)
pd_stop
s=$(($(date +%s) - t0))
[ "$s" -le 4 ] || tmx_die "stopping during a DNS hang took ${s}s"
pd_wait 'still waiting for DNS; exiting without it' 1 ||
	tmx_die "the stop did not meet the hung refresher"
tmx_pass "stopped in ${s}s while the resolver hung"
tmx_finish
