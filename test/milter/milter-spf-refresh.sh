#!/bin/bash
# milter-spf-refresh.sh - relay_networks = spf:relays.example in the milter
# follows DNS without SIGHUP: a first run saves the expansion; restarted in
# a DNS outage the milter judges with the saved copy and retries after
# spf_refresh_min; the record, now grown by a second relay, is picked up by
# the refresh thread and mail through the new relay is recovered; a record
# that then drops most addresses is held back at the next (TTL) refresh,
# logged, and the old relay stays trusted; a SIGHUP accepts the shrink.
# (spf_expand floors TTLs at 60 s, so the held-back shrink comes a minute
# after the growth.)
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix dnsmasq
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"

DOMAIN=relays.example
OLD=192.0.2.25		# in ip4:192.0.2.24/30 from the start
NEW=198.51.100.26	# added by the grown record
CACHE=$TMX_TMP/spf-cache
for a in $OLD $NEW 203.0.113.9; do
	tmx_addr "$a"
done

# publish SPF-TERMS - the zone with relays.example's record; dnsmasq
# restarted to read it (it rereads txt-record only at start)
publish() {
	tmx_dns_clear
	tmx_dns_zone "ZONE example" "TTL 5" \
		"TXT sender.example v=spf1 ip4:203.0.113.9 -all" \
		"TXT _dmarc.sender.example v=DMARC1; p=reject" \
		"TXT $DOMAIN v=spf1 $1 -all" || return 1
	tmx_dns_stop
	tmx_dns_start "timeout:1 attempts:1"
}

# via CASE RELAY [DOMAIN] - a message the sender at 203.0.113.9 (from
# DOMAIN, default sender.example) handed to RELAY, delivered by RELAY with
# its Received line on top
via() {
	local d=${3:-sender.example}
	MT_HELO=mx.$DOMAIN mt_send "$1" "$2" "a@$d" "$(mt_msg "$1" "a@$d" \
		"Received: from mail.$d (mail.$d [203.0.113.9]) by mx.$DOMAIN (Postfix) with ESMTP id 1")"
	grep -q '^<-  *250 ' "$MT_OUT" || tmx_fail "$1: refused"
}

# recovered CASE RELAY [SPF-RESULT] - CASE's A-R names the client behind
# trusted RELAY (and SPF passed for it)
recovered() {
	mt_expect "$1" "spf=${3:-pass} \\(client 203\\.0\\.113\\.9 recovered from the Received line of trusted relay ${2//./\\.}"
}

# txt_queries - how often dnsmasq (every run so far) was asked for the record
txt_queries() {
	cat "$TMX_TMP"/dnsmasq*-queries.log | grep -c "query\[TXT\] $DOMAIN "
}

# log_count ERE - lines of the milter's log matching ERE
log_count() {
	grep -Ec -- "$1" "$MT_LOG"
}

# log_more ERE N - more than N lines match
log_more() {
	[ "$(log_count "$1")" -gt "$2" ]
}

mkdir -p "$CACHE"
chown nobody "$CACHE"
publish "ip4:192.0.2.24/30" || exit 1
mt_config "relay_networks = spf:$DOMAIN" \
	"spf_refresh_min = 10s" "spf_refresh_max = 1m" "spf_shrink_limit = 50"
sed -i "s|^spf_cache_dir = .*|spf_cache_dir = $CACHE|" "$MT_CONF"
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

# --- a first run: expanded once at start, saved, relay mail recovered ---
mt_milter_start || exit 1
mt_wait_log "spf:$DOMAIN: 1 prefixes, ttl" 5 || tmx_die "no first expansion"
[ -s "$CACHE/$DOMAIN" ] && tmx_pass "expansion saved" ||
	tmx_fail "nothing saved in $CACHE"
via first $OLD
recovered first $OLD
tmx_expect "TXT queries for $DOMAIN at start" "$(txt_queries)" 1
cp "$MT_LOG" "$TMX_TMP/milter-first.log"
mt_milter_stop

# --- restarted in a DNS outage: the saved copy, retried in 10s ---
tmx_dns_stop
mt_milter_start || exit 1
mt_wait_log "spf:$DOMAIN: 1 prefixes from the cache" 1 ||
	tmx_fail "saved copy not read at start"
mt_wait_log "spf:$DOMAIN: temporary error.*using the copy saved" 5 ||
	tmx_fail "DNS failure at start not logged"
# (another sender domain: the SPF evaluator caches failed lookups)
via outage $OLD down.example
recovered outage $OLD temperror
via before-growth $NEW down.example
mt_expect_not before-growth 'recovered'

# --- DNS returns with a second relay: picked up without SIGHUP ---
hups=$(log_count 'configuration reloaded')
publish "ip4:192.0.2.24/30 ip4:$NEW" || exit 1
t0=$(date +%s)
tmx_until 20 log_more "trust lists rebuilt after an spf: change" 0 ||
	tmx_die "the milter never picked up the grown record"
took=$(($(date +%s) - t0))
tmx_pass "grown record in use ${took}s after it was published"
mt_wait_log "spf:$DOMAIN: 2 prefixes \\(was 1: 1 added, 0 removed\\), ttl 60, next refresh in 60s" 1 ||
	tmx_fail "growth not logged with what changed"
tmx_expect "SIGHUPs" "$(log_count 'configuration reloaded')" "$hups"
via grown $NEW
recovered grown $NEW
via grown-old $OLD
recovered grown-old $OLD

# --- the record drops most addresses: held back at the next refresh ---
publish "ip4:$NEW" || exit 1
t0=$(date +%s)
tmx_until 75 log_more "spf:$DOMAIN: would shrink from 2 to 1 prefixes" 0 ||
	tmx_die "the shrink was never seen"
tmx_pass "shrink held back $(($(date +%s) - t0))s after it was published"
t1=$(date +%s)
mt_wait_log "losing 80% of its addresses, more than spf_shrink_limit = 50%" 1 ||
	tmx_fail "held-back shrink not logged with its size"
tmx_expect "lists rebuilt" "$(log_count 'trust lists rebuilt')" 1
via held $OLD
recovered held $OLD
via held-new $NEW
recovered held-new $NEW
tmx_expect "SIGHUPs" "$(log_count 'configuration reloaded')" "$hups"

# --- a reload accepts the shrink: the old relay is a client like any ---
# (the DNS layer's cache answers within the record's TTL, 5s: past it, the
# one expansion a reload makes is one query)
while [ $(($(date +%s) - t1)) -le 6 ]; do sleep 0.5; done
q=$(txt_queries)
mt_hup
mt_wait_log "spf:$DOMAIN: reload accepts the shrink from 2 to 1 prefixes" 1 ||
	tmx_fail "the reload did not accept the shrink"
tmx_expect "TXT queries for $DOMAIN per SIGHUP" "$(($(txt_queries) - q))" 1
via accepted $OLD
mt_expect_not accepted 'recovered'
via accepted-new $NEW
recovered accepted-new $NEW
grep -q "cache not saved" "$MT_LOG" "$TMX_TMP/milter-first.log" &&
	tmx_fail "the cache could not be written"

if tmx_failed; then
	echo "--- milter log" >&2
	tail -40 "$MT_LOG" >&2
fi
tmx_finish
