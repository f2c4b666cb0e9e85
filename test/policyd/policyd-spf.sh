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
. "$TMX_SRCDIR/test/lib/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/lib/postfix.sh"
. "$TMX_SRCDIR/test/policyd/policyd-lib.sh"

DOMAIN=relay.test.example

# dns_serve SPF-RECORD - (re)start dnsmasq serving the domain's SPF record
dns_serve() {
	cat >"$TMX_TMP/dnsmasq.conf" <<-EOC
		local-ttl=1
		txt-record=$DOMAIN,"$1"
		host-record=mx1.$DOMAIN,198.51.100.77
		address=/test.example/
	EOC
	if [ -z "${DNS_STARTED:-}" ]; then
		DNS_STARTED=1
		tmx_dns_start "$TMX_TMP/dnsmasq.conf"
		return
	fi
	# resolv.conf is in place already: only dnsmasq itself again
	[ -s "$TMX_TMP/dnsmasq.pid" ] && dns_stop
	tmx_bg dnsmasq2 dnsmasq --keep-in-foreground --no-resolv --no-hosts \
		--no-poll --listen-address=127.0.0.53 --bind-interfaces --port=53 \
		--user=root --pid-file="$TMX_TMP/dnsmasq.pid" \
		--conf-file="$TMX_TMP/dnsmasq.conf"
	tmx_wait_file "$TMX_TMP/dnsmasq.pid" || fail "dnsmasq did not restart"
	sleep 0.3
}

# dns_stop - a DNS outage
dns_stop() {
	kill "$(cat "$TMX_TMP/dnsmasq.pid")"
	rm -f "$TMX_TMP/dnsmasq.pid"
	sleep 0.2
}

# until_answer KEY WANT SECONDS - poll the socketmap until it says WANT
until_answer() {
	i=0
	while [ "$(pd_sm "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -ge $(($3 * 5)) ] && fail "$1: still \"$(pd_sm "$1")\" after $3s, want \"$2\""
		sleep 0.2
	done
	echo "ok: $1 = \"$2\""
}

pd_init
tmx_postfix_init
dns_serve "v=spf1 ip4:192.0.2.0/28 a:mx1.$DOMAIN -all"
pd_config "relay_networks = spf:$DOMAIN" \
	"deny_networks = 192.0.2.15" \
	"spf_refresh_min = 10s" "spf_refresh_max = 1m" "spf_shrink_limit = 50" \
	"policy_listen =" "socketmap_listen = unix:$PD_RUN/socketmap.sock"
pd_start
pd_wait "spf:$DOMAIN: 2 prefixes" 10 || fail "first expansion not logged"
until_answer 192.0.2.5 permit 5
expect "a: mechanism" "$(pd_sm 198.51.100.77)" permit
expect "deny still wins" "$(pd_sm 192.0.2.15)" reject
expect "outside the record" "$(pd_sm 192.0.2.100)" ""
ls "$PD_CACHE" | grep -q . || fail "nothing saved in spf_cache_dir"
echo "ok: expansion saved in the cache"

# the record grows: the refresher picks it up when the TTL runs out
dns_serve "v=spf1 ip4:192.0.2.0/28 a:mx1.$DOMAIN ip4:203.0.113.0/24 -all"
until_answer 203.0.113.9 permit 75
pd_wait "spf:$DOMAIN: 3 prefixes" || fail "growth not logged"

# DNS outage: the last good list stays
dns_stop
pd_hup || fail "no reload"
pd_wait "spf:$DOMAIN: temporary error.*keeping the last good list \(3 prefixes\)" 20 ||
	fail "DNS failure not logged"
expect "outage: relay kept" "$(pd_sm 203.0.113.9)" permit

# restart during the outage: answers come from the cache
pd_stop
pd_start
pd_wait "spf:$DOMAIN: 3 prefixes from the cache" || fail "cache not loaded at start"
expect "restart in outage: from cache" "$(pd_sm 203.0.113.9)" permit
expect "restart in outage: a: from cache" "$(pd_sm 198.51.100.77)" permit

# the record shrinks by 2 of 3 prefixes (> 50%): held back
dns_serve "v=spf1 ip4:192.0.2.0/28 -all"
pd_hup || fail "no reload"
pd_wait "spf:$DOMAIN: would shrink from 3 to 1 prefixes" 20 ||
	fail "shrink not held back"
expect "shrink held: relay kept" "$(pd_sm 203.0.113.9)" permit
# the next reload accepts it
pd_hup || fail "no reload"
pd_wait "reload accepts the shrink" || fail "reload did not accept the shrink"
until_answer 203.0.113.9 "" 5
expect "after accepted shrink" "$(pd_sm 192.0.2.5)" permit

# a resolver that never answers: the refresher thread waits, requests do not
"$TMX_POLICYD_LOAD" -Q 127.0.0.54:53 &
silent=$!
TMX_PIDS="$TMX_PIDS $silent"
# the reload must meet a server that is there and silent, not a closed
# port (an instant refusal): wait until it is bound (slow under ASan)
for _ in $(seq 100); do
	ss -Hlun 'sport = :53' | grep -q '127\.0\.0\.54:53' && break
	sleep 0.05
done
ss -Hlun 'sport = :53' | grep -q '127\.0\.0\.54:53' || fail "silent resolver not listening"
echo "nameserver 127.0.0.54" >"$TMX_TMP/resolv.conf"	# the bind-mounted file
tempfails=$(pd_count "spf:$DOMAIN: temporary error")
pd_hup || fail "no reload"	# reload, then re-resolve at once: into the silence
sleep 0.5
t0=$(date +%s%N)
"$TMX_POLICYD_LOAD" -u "$PD_RUN/socketmap.sock" -s socketmap -c 100 -r 20 \
	192.0.2.5="OK permit" 203.0.113.9="NOTFOUND " 192.0.2.15="OK reject" ||
	fail "requests not answered while DNS hangs"
ms=$((($(date +%s%N) - t0) / 1000000))
expect "while DNS hangs: relay kept" "$(pd_sm 192.0.2.5)" permit
[ "$ms" -lt 3000 ] || fail "2000 requests took ${ms}ms while DNS hung"
[ "$(pd_count "spf:$DOMAIN: temporary error")" = "$tempfails" ] ||
	fail "the resolver did not hang (the test proves nothing)"
echo "ok: 2000 requests answered in ${ms}ms while the resolver hangs"
i=0
while [ "$(pd_count "spf:$DOMAIN: temporary error")" = "$tempfails" ]; do
	i=$((i + 1))
	[ $i -ge 600 ] && fail "hung DNS never gave up"
	sleep 0.1
done

# stopping while the refresher hangs in DNS takes seconds, not DNS timeouts
pd_hup || fail "no reload"
sleep 0.5
t0=$(date +%s)
pd_stop
s=$(($(date +%s) - t0))
[ "$s" -le 4 ] || fail "stopping during a DNS hang took ${s}s"
pd_wait 'still waiting for DNS; exiting without it' 1 ||
	fail "the stop did not meet the hung refresher"
echo "ok: stopped in ${s}s while the resolver hung"
echo "PASS"
