#!/bin/bash
# metrics-http.sh - the /metrics endpoints of both daemons (issue #13): the
# milter on TCP, the policyd on a unix socket. Known policy and socketmap
# requests, PROXY headers, refused and evicted clients to the policyd and
# known mail through Postfix to the milter, then exact counter values from
# curl; 404 and 405; idle, slow and garbage HTTP clients beyond the
# connection limit while both daemons keep answering Postfix; reloads;
# every family's # TYPE once and promtool's lint of each scrape.
set -u
SECONDS=0
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
tmx_need swaks postfix opendkim-genkey curl promtool python3
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"

CLIENT="python3 $TMX_SRCDIR/test/milter/metrics-client.py"
RELAY=192.0.2.25
MT_METRICS=127.0.0.1:9121
for a in 192.0.2.10 $RELAY 192.0.2.77 203.0.113.66; do
	tmx_addr "$a"
done

# --- both daemons, metrics on (the milter: TCP; the policyd: a socket) ---
mt_dns "TXT relays.example v=spf1 ip4:198.51.100.64/28 -all" || exit 1
MT_LINES=("dmarc_reject = yes" "relay_networks = $RELAY spf:relays.example"
	"milter_metrics_listen = $MT_METRICS")
MT_CACHE=$TMX_TMP/mt-cache
mkdir -p "$MT_CACHE"
chown nobody "$MT_CACHE"
# mt_conf LINE... - mt_config with a cache the milter's user may write
mt_conf() {
	mt_config "$@"
	sed -i "s|^spf_cache_dir = .*|spf_cache_dir = $MT_CACHE|" "$MT_CONF"
}
mt_conf "${MT_LINES[@]}"
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

pd_init
# its own run directory: mt_conf gives $TMX_TMP/run to the milter's user
PD_RUN=$TMX_TMP/pd-run
mkdir -p "$PD_RUN"
chown postfix:postfix "$PD_RUN"
PD_CONF=$TMX_TMP/policyd.conf
PD_METRICS=$PD_RUN/metrics.sock
PD_LINES=("policy_listen = inet:127.0.0.1:10040, inet:127.0.0.1:10042 haproxy"
	"socketmap_listen = unix:$PD_RUN/socketmap.sock"
	"relay_networks = $RELAY spf:relays.example"
	"allow_networks = 192.0.2.160/27"
	"deny_networks = 203.0.113.0/24 spf:broken.example" "dns_timeout = 2s"
	"proxy_networks = 127.0.0.1 198.51.100.200"
	"proxy_timeout = 1s" "max_clients = 6"
	"policyd_metrics_listen = $PD_METRICS")
pd_config "${PD_LINES[@]}"
# a stale socket left by a killed daemon (its user's) is replaced
python3 "$TMX_SRCDIR/test/milter/metrics-squatter.py" stale "$PD_METRICS" postfix
[ -S "$PD_METRICS" ] || tmx_fail "no stale socket to start with"
pd_start || exit 1
pd_wait 'metrics on ' 5 || tmx_fail "policyd: no metrics endpoint"
mt_wait_log 'metrics on 127\.0\.0\.1:9121' 5 ||
	tmx_fail "milter: no metrics endpoint"

# pd_scrape / mt_scrape [FILE] - one scrape (to FILE: kept for checks)
pd_scrape() {
	curl -sf --max-time 5 --unix-socket "$PD_METRICS" \
		http://localhost/metrics >"${1:-/dev/null}"
}
mt_scrape() {
	curl -sf --max-time 5 "http://$MT_METRICS/metrics" >"${1:-/dev/null}"
}

# value FILE SERIES - a series' value as scraped ("" when absent)
value() {
	grep -F -- "$2 " "$1" | awk -v s="$2" '$1 == s { print $2 }'
}

# expect FILE SERIES WANT - an exact value
expect() {
	tmx_expect "$(basename "$1") $2" "$(value "$1" "$2")" "$3"
}

# scraped_value DAEMON SERIES WANT - a fresh scrape shows SERIES = WANT
scraped_value() {
	"${1}_scrape" "$TMX_TMP/poll.txt" &&
		[ "$(value "$TMX_TMP/poll.txt" "$2")" = "$3" ]
}

# the policyd's spf: source is expanded in the background, after the start
tmx_until 15 scraped_value pd \
	'trustmx_list_entries{daemon="policyd",list="relay_networks",source="spf:relays.example"}' 1 ||
	tmx_fail "policyd: the spf: source never counted 1 prefix"
# and the one that cannot be resolved (its servers do not answer) fails
tmx_until 15 scraped_value pd 'trustmx_dns_failures_last_hour{daemon="policyd"}' 1 ||
	tmx_fail "policyd: the failing spf: lookup was not counted"

echo "both daemons up after ${SECONDS}s"
# --- the policyd: known requests ---
tmx_run $CLIENT policy 127.0.0.1 10040 $RELAY $RELAY 203.0.113.5 198.51.100.99 \
	192.0.2.170
tmx_expect "policy answers" "$(tr '\n' '|' <"$TMX_TMP/out")" \
	"action=OK|action=OK|action=REJECT 5.7.1 Client address is on the deny list|action=DUNNO|action=DUNNO|"
tmx_run $CLIENT refused 127.0.0.1 10040 192.0.2.77
tmx_expect "client outside policy_clients" "$(cat "$TMX_TMP/out")" closed
tmx_run $CLIENT socketmap "$PD_RUN/socketmap.sock" $RELAY 203.0.113.7 \
	198.51.100.200 198.51.100.1 198.51.100.70 192.0.2.170
tmx_expect "socketmap answers" "$(grep -c . "$TMX_TMP/out")" 6
# headers: believed, a health check, garbage, none within proxy_timeout
$CLIENT proxy 127.0.0.1 10042 ok local garbage none

# --- hostile scrapers beyond the connection limit (16) on both
# endpoints while mail and policy requests go on ---
tmx_bg hold-mt-idle $CLIENT hold 127.0.0.1 9121 12 60 idle
HOLDS=$!
tmx_bg hold-mt-garbage $CLIENT hold 127.0.0.1 9121 12 60 garbage
HOLDS="$HOLDS $!"
tmx_bg hold-pd-slow $CLIENT hold "$PD_METRICS" 0 24 60 slow
HOLDS="$HOLDS $!"
tmx_wait_grep 'holding' "$TMX_TMP/hold-mt-idle.log" 10
tmx_wait_grep 'holding' "$TMX_TMP/hold-mt-garbage.log" 10
tmx_wait_grep 'holding' "$TMX_TMP/hold-pd-slow.log" 10
tmx_expect "hostile clients connected" "$(cat "$TMX_TMP"/hold-*.log | tr '\n' ' ')" \
	"holding 12 holding 12 holding 24 "
mt_send direct-pass 192.0.2.10 a@pass.example "$(mt_msg direct-pass a@pass.example)"
mt_expect direct-pass 'spf=pass' 'dmarc=pass'
tmx_run $CLIENT policy 127.0.0.1 10040 $RELAY
tmx_expect "policy answer while /metrics is flooded" "$(cat "$TMX_TMP/out")" \
	action=OK
# shellcheck disable=SC2086 # the pids
kill -0 $HOLDS 2>/dev/null && tmx_pass "answered while the scrapers held on" ||
	tmx_fail "the hostile clients were gone before the answers"
# shellcheck disable=SC2086
kill $HOLDS
tmx_until 15 mt_scrape || tmx_fail "milter: no scrape after the flood"
tmx_until 15 pd_scrape || tmx_fail "policyd: no scrape after the flood"
echo "flood over after ${SECONDS}s"
# --- more mail: a DMARC reject, relay recovery and two fallbacks ---
mt_send direct-reject 203.0.113.66 a@reject.example \
	"$(mt_msg direct-reject a@reject.example)"
grep -q '550 5\.7\.1' "$MT_OUT" ||
	tmx_fail "direct-reject: not rejected"
MT_HELO=backup.relay.example mt_send relay-recovered $RELAY a@sender.example \
	"$(mt_msg relay-recovered a@sender.example \
	'Received: from mail.sender.example (mail.sender.example [203.0.113.9]) by backup.relay.example (Postfix) with ESMTP id 1')"
mt_expect relay-recovered 'spf=pass \(client 203\.0\.113\.9 recovered'
MT_HELO=backup.relay.example mt_send relay-noline $RELAY a@none.example \
	"$(mt_msg relay-noline a@none.example)"
mt_expect relay-noline 'spf=none \(mail came through trusted relay'
MT_HELO=backup.relay.example mt_send relay-garbled $RELAY a@none.example \
	"$(mt_msg relay-garbled a@none.example 'Received: garbage without any structure')"
mt_expect relay-garbled 'spf=none \(mail came through trusted relay'

echo "mail done after ${SECONDS}s"
# --- reloads: good, bad, good (policyd); bad, good (milter) ---
# a changed listen address needs a restart: logged, served as before
pd_config "${PD_LINES[@]/metrics.sock/other.sock}"
pd_hup || tmx_fail "policyd: first reload"
pd_wait 'policyd_metrics_listen changed; restart' 5 ||
	tmx_fail "policyd: a changed metrics address was not logged"
pd_scrape && [ ! -e "$PD_RUN/other.sock" ] &&
	tmx_pass "policyd: still served on the old socket" ||
	tmx_fail "policyd: the metrics address moved on reload"
pd_config "${PD_LINES[@]}" "bogus_key = 1"
pd_hup || tmx_fail "policyd: bad reload"
pd_scrape "$TMX_TMP/pd-bad.txt"
expect "$TMX_TMP/pd-bad.txt" 'trustmx_config_reload_success{daemon="policyd"}' 0
pd_config "${PD_LINES[@]}"
pd_hup || tmx_fail "policyd: last reload"
mt_conf "${MT_LINES[@]}" "bogus_key = 1"
mt_hup
tmx_until 5 scraped_value mt \
	'trustmx_config_reloads_total{daemon="milter",result="error"}' 1 ||
	tmx_fail "milter: the refused reload was not counted"
expect "$TMX_TMP/poll.txt" 'trustmx_config_reload_success{daemon="milter"}' 0
mt_conf "${MT_LINES[@]/9121/9122}"
mt_hup
mt_wait_log 'configuration reloaded' 5 || tmx_fail "milter: no good reload"
mt_wait_log 'milter_metrics_listen changed: it takes effect at the next restart' 5 ||
	tmx_fail "milter: a changed metrics address was not logged"
mt_scrape && ! curl -s --max-time 2 http://127.0.0.1:9122/metrics >/dev/null &&
	tmx_pass "milter: still served on the old address" ||
	tmx_fail "milter: the metrics address moved on reload"

echo "reloads done after ${SECONDS}s"
# --- evictions: 7 idle clients at max_clients = 6 ---
tmx_bg idle-pd $CLIENT idle 127.0.0.1 10040 7 60
IDLE=$!
tmx_wait_grep 'holding' "$TMX_TMP/idle-pd.log" 10
pd_wait 'max_clients = 6 reached' 5 || tmx_fail "no eviction logged"
tmx_until 5 scraped_value pd 'trustmx_policyd_connections' 6 ||
	tmx_fail "policyd: connections never 6"
cp "$TMX_TMP/poll.txt" "$TMX_TMP/pd-held.txt"
expect "$TMX_TMP/pd-held.txt" 'trustmx_policyd_evictions_total' 1
kill $IDLE

# --- the final scrapes: exact values ---
tmx_until 10 scraped_value mt 'trustmx_milter_sessions' 0 ||
	tmx_fail "milter: sessions never back to 0"
tmx_until 10 scraped_value pd 'trustmx_policyd_connections' 0 ||
	tmx_fail "policyd: connections never back to 0"
pd_scrape "$TMX_TMP/pd.txt" || tmx_fail "policyd: scrape"
mt_scrape "$TMX_TMP/mt.txt" || tmx_fail "milter: scrape"
P=$TMX_TMP/pd.txt
M=$TMX_TMP/mt.txt

for v in relay:3 proxy:0 allow:1 deny:1 none:1; do
	expect $P "trustmx_policyd_requests_total{protocol=\"policy\",verdict=\"${v%%:*}\"}" "${v#*:}"
done
for v in relay:2 proxy:1 allow:1 deny:1 none:1; do
	expect $P "trustmx_policyd_requests_total{protocol=\"socketmap\",verdict=\"${v%%:*}\"}" "${v#*:}"
done
for v in relay:5 proxy:1 allow:2 deny:2 none:2; do
	expect $P "trustmx_policyd_requests_last_hour{verdict=\"${v%%:*}\"}" "${v#*:}"
done
expect $P 'trustmx_policyd_request_duration_seconds_count{protocol="policy"}' 6
expect $P 'trustmx_policyd_request_duration_seconds_bucket{protocol="socketmap",le="+Inf"}' 6
expect $P 'trustmx_policyd_clients_rejected_total' 1
expect $P 'trustmx_policyd_evictions_total' 1
for v in ok:1 local:1 invalid:1 timeout:1; do
	expect $P "trustmx_policyd_proxy_headers_total{outcome=\"${v%%:*}\"}" "${v#*:}"
done
expect $P 'trustmx_config_reloads_total{daemon="policyd",result="ok"}' 2
expect $P 'trustmx_config_reloads_total{daemon="policyd",result="error"}' 1
expect $P 'trustmx_config_reload_success{daemon="policyd"}' 1
expect $P 'trustmx_build_info{daemon="policyd",version="0.1.0"}' 1
expect $P 'trustmx_list_entries{daemon="policyd",list="relay_networks",source="192.0.2.25"}' 1
expect $P 'trustmx_list_entries{daemon="policyd",list="deny_networks",source="203.0.113.0/24"}' 1
expect $P 'trustmx_list_entries{daemon="policyd",list="proxy_networks",source="198.51.100.200"}' 1
expect $P 'trustmx_list_entries{daemon="policyd",list="allow_networks",source="192.0.2.160/27"}' 1
now=$(date +%s)
expect $P 'trustmx_spf_source_last_error_timestamp_seconds{daemon="policyd",domain="relays.example"}' 0
expect $P 'trustmx_spf_source_last_refresh_timestamp_seconds{daemon="policyd",domain="broken.example"}' 0
t=$(value $P 'trustmx_spf_source_last_error_timestamp_seconds{daemon="policyd",domain="broken.example"}')
[ -n "$t" ] && [ "$t" -gt $((now - 120)) ] && [ "$t" -le "$now" ] &&
	tmx_pass "policyd: spf:broken.example failed at $t" ||
	tmx_fail "policyd: spf:broken.example last error \"$t\", now $now"
expect $P 'trustmx_list_entries{daemon="policyd",list="deny_networks",source="spf:broken.example"}' 0
f=$(($(value $P 'trustmx_dns_answers_total{daemon="policyd",status="servfail"}') +
	$(value $P 'trustmx_dns_answers_total{daemon="policyd",status="timeout"}')))
tmx_expect "policyd: servfail + timeout = failures in the last hour" \
	"$(value $P 'trustmx_dns_failures_last_hour{daemon="policyd"}')" "$f"
expect $P 'trustmx_spf_source_shrinks_held_total{daemon="policyd",domain="relays.example"}' 0
t=$(value $P 'trustmx_spf_source_last_refresh_timestamp_seconds{daemon="policyd",domain="relays.example"}')
[ -n "$t" ] && [ "$t" -gt $((now - 120)) ] && [ "$t" -le "$now" ] &&
	tmx_pass "policyd: spf: refreshed at $t" ||
	tmx_fail "policyd: spf: last refresh \"$t\", now $now"
q=$(value $P 'trustmx_dns_queries_total{daemon="policyd",type="TXT"}')
[ "${q:-0}" -ge 1 ] && tmx_pass "policyd: $q TXT lookups" ||
	tmx_fail "policyd: no TXT lookup counted"
expect $P 'trustmx_dns_queries_total{daemon="policyd",type="PTR"}' 0

for v in pass:2 fail:1 softfail:0 neutral:0 none:2 temperror:0 permerror:0; do
	expect $M "trustmx_milter_messages_total{method=\"spf\",result=\"${v%%:*}\"}" "${v#*:}"
done
for v in pass:2 fail:1 none:2 temperror:0 permerror:0; do
	expect $M "trustmx_milter_messages_total{method=\"dmarc\",result=\"${v%%:*}\"}" "${v#*:}"
done
expect $M 'trustmx_milter_messages_total{method="dkim",result="none"}' 5
expect $M 'trustmx_milter_messages_total{method="dkim",result="policy"}' 0
expect $M 'trustmx_milter_messages_total{method="arc",result="none"}' 5
for v in accept:4 reject:1 quarantine:0 tempfail:0; do
	expect $M "trustmx_milter_actions_total{action=\"${v%%:*}\"}" "${v#*:}"
	expect $M "trustmx_milter_actions_last_hour{action=\"${v%%:*}\"}" "${v#*:}"
done
expect $M 'trustmx_milter_relay_recoveries_total{outcome="recovered",reason="received"}' 1
expect $M 'trustmx_milter_relay_recoveries_total{outcome="recovered",reason="arc"}' 0
expect $M 'trustmx_milter_relay_recoveries_total{outcome="fallback",reason="no_received"}' 1
expect $M 'trustmx_milter_relay_recoveries_total{outcome="fallback",reason="unparsable"}' 1
expect $M 'trustmx_milter_relay_recoveries_last_hour{outcome="recovered"}' 1
expect $M 'trustmx_milter_relay_recoveries_last_hour{outcome="fallback"}' 2
expect $M 'trustmx_milter_sessions' 0
expect $M 'trustmx_config_reloads_total{daemon="milter",result="ok"}' 1
expect $M 'trustmx_config_reloads_total{daemon="milter",result="error"}' 1
expect $M 'trustmx_config_reload_success{daemon="milter"}' 1
expect $M 'trustmx_list_entries{daemon="milter",list="relay_networks",source="spf:relays.example"}' 1
expect $M 'trustmx_dns_failures_last_hour{daemon="milter"}' 0
q=$(value $M 'trustmx_dns_queries_total{daemon="milter",type="TXT"}')
a=$(value $M 'trustmx_dns_answers_total{daemon="milter",status="answer"}')
[ "${q:-0}" -ge 5 ] && [ "${a:-0}" -ge 1 ] &&
	tmx_pass "milter: $q TXT lookups, $a answers" ||
	tmx_fail "milter: TXT lookups \"$q\", answers \"$a\""
c=$(value $M 'trustmx_dns_query_duration_seconds_count{daemon="milter",type="TXT"}')
tmx_expect "milter: TXT latency count = TXT queries" "$c" "$q"

# --- the format: each family's TYPE once, HELP with it, promtool ---
for f in $P $M; do
	n=$(grep -c '^# TYPE ' "$f")
	tmx_expect "$(basename "$f"): families with one TYPE each" \
		"$(grep '^# TYPE ' "$f" | awk '{ print $3 }' | sort -u | wc -l)" "$n"
	tmx_expect "$(basename "$f"): HELP lines" "$(grep -c '^# HELP ' "$f")" "$n"
	if promtool check metrics <"$f" >"$TMX_TMP/lint" 2>&1; then
		tmx_pass "$(basename "$f"): promtool check metrics"
	else
		tmx_fail "$(basename "$f"): promtool: $(head -5 "$TMX_TMP/lint")"
	fi
done
for fam in trustmx_build_info trustmx_start_time_seconds \
	trustmx_config_reload_timestamp_seconds trustmx_config_reload_success \
	trustmx_config_reloads_total trustmx_list_entries \
	trustmx_spf_source_last_refresh_timestamp_seconds \
	trustmx_spf_source_last_error_timestamp_seconds \
	trustmx_spf_source_shrinks_held_total trustmx_dns_queries_total \
	trustmx_dns_query_duration_seconds trustmx_dns_answers_total \
	trustmx_dns_cache_hits_total trustmx_dns_failures_last_hour; do
	grep -q "^# TYPE $fam " $P && grep -q "^# TYPE $fam " $M &&
		tmx_pass || tmx_fail "$fam missing from a daemon"
done
tmx_expect "policyd families" "$(grep -c '^# TYPE trustmx_policyd_' $P)" 7
tmx_expect "milter families" "$(grep -c '^# TYPE trustmx_milter_' $M)" 6

# --- 404 elsewhere, 405 for other methods ---
code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"
}
tmx_expect "milter /" "$(code "http://$MT_METRICS/")" 404
tmx_expect "milter /metrics/x" "$(code "http://$MT_METRICS/metrics/x")" 404
tmx_expect "milter POST" "$(code -X POST -d x=1 "http://$MT_METRICS/metrics")" 405
tmx_expect "policyd /x" "$(code --unix-socket "$PD_METRICS" http://l/x)" 404
tmx_expect "policyd DELETE" \
	"$(code -X DELETE --unix-socket "$PD_METRICS" http://l/metrics)" 405
tmx_expect "content type" "$(curl -s -o /dev/null -w '%{content_type}' \
	"http://$MT_METRICS/metrics")" "text/plain; version=0.0.4"
tmx_expect "socket mode" "$(stat -c %a "$PD_METRICS")" 660

echo "checks done after ${SECONDS}s"
grep -Eq 'Sanitizer|runtime error:' "$MT_LOG" &&
	tmx_fail "sanitizer report from the milter" || tmx_pass
pd_stop
[ ! -e "$PD_METRICS" ] && tmx_pass "metrics socket removed at exit" ||
	tmx_fail "metrics socket left behind"
if tmx_failed; then
	echo "--- policyd scrape" >&2
	grep -v '^#\|_bucket' "$P" >&2
	echo "--- milter scrape" >&2
	grep -v '^#\|_bucket' "$M" >&2
	tail -30 "$MT_LOG" >&2
fi
tmx_finish
