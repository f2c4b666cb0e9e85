#!/bin/bash
# prometheus-stack.sh - both daemons' /metrics read by Debian's real
# Prometheus and by "trustmx status", against known traffic: dnsmasq, the
# policyd (policy and socketmap on TCP, metrics on TCP), the milter behind
# a real Postfix (metrics on TCP), Prometheus scraping both every second
# with etc/examples/trustmx-alerts.yml loaded. Socketmap and policy
# requests with known verdicts and five messages with known SPF results,
# one relay recovery and one fallback; after a scrape that began after the
# traffic, the exact counters through /api/v1/query and both targets up;
# "trustmx status" (text and --json) agrees with Prometheus. Faults: an
# spf: source whose DNS fails is named by status (and its alert goes
# pending); the milter stopped makes status exit 1 naming it, Prometheus
# mark the target down and TrustmxTargetDown go pending.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix postmap prometheus promtool curl jq opendkim-genkey
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"
: "${TRUSTMX:?TRUSTMX not set}"

RELAY=192.0.2.25	# the backup MX: relay_networks = spf:relays.example
PASS=192.0.2.10		# allowed by pass.example and soft.example's SPF
FORGER=203.0.113.66	# deny_networks; fails fail.example's SPF
PROXY=198.51.100.7	# proxy_networks
NOBODY=192.0.2.200	# on no list
PROM=http://127.0.0.1:9090
EXAMPLES=$TMX_SRCDIR/etc/examples
for a in $RELAY $PASS $FORGER; do
	tmx_addr "$a"
done

# --- the shipped examples pass promtool ---
cp "$EXAMPLES/prometheus.yml" "$EXAMPLES/trustmx-alerts.yml" "$TMX_TMP/"
promtool check rules "$TMX_TMP/trustmx-alerts.yml" >"$TMX_TMP/promtool.log" 2>&1 &&
	tmx_pass "promtool check rules etc/examples/trustmx-alerts.yml" ||
	{ cat "$TMX_TMP/promtool.log" >&2; tmx_fail "promtool check rules"; }
promtool check config "$TMX_TMP/prometheus.yml" >"$TMX_TMP/promtool.log" 2>&1 &&
	tmx_pass "promtool check config etc/examples/prometheus.yml" ||
	{ cat "$TMX_TMP/promtool.log" >&2; tmx_fail "promtool check config"; }
cp "$TMX_SRCDIR/test/e2e/trustmx-alerts-test.yml" "$TMX_TMP/"
(cd "$TMX_TMP" && promtool test rules trustmx-alerts-test.yml) >"$TMX_TMP/promtool.log" 2>&1 &&
	tmx_pass "promtool test rules: the alerts fire as trustmx-alerts-test.yml says" ||
	{ cat "$TMX_TMP/promtool.log" >&2; tmx_fail "promtool test rules"; }

# --- the stack ---
mt_dns "TTL 1" "TXT relays.example v=spf1 ip4:$RELAY -all" || tmx_die "dnsmasq"
LISTS=("relay_networks = spf:relays.example" "proxy_networks = 198.51.100.0/24"
	"deny_networks = $FORGER" "spf_refresh_min = 5m" "spf_refresh_max = 1h")
pd_init
PD_CONF=$TMX_TMP/policyd.conf
pd_config "${LISTS[@]}" \
	"policy_listen = inet:127.0.0.1:10040" \
	"socketmap_listen = inet:127.0.0.1:10041" \
	"policyd_metrics_listen = 127.0.0.1:10042"
pd_start || tmx_die "policyd did not start"
mt_config "${LISTS[@]}" "milter_metrics_listen = 127.0.0.1:8896"
mkdir -p "$TMX_TMP/milter-cache"
chown nobody "$TMX_TMP/milter-cache"
sed -i "s|^spf_cache_dir = .*|spf_cache_dir = $TMX_TMP/milter-cache|" "$MT_CONF"
mt_milter_start || tmx_die "milter did not start"
mt_primary_init
tmx_postfix_start || tmx_die "postfix did not start"
tmx_wait_listen 2525 10040 10041 10042 8896 || tmx_die "a listener is missing"

# the CLI's view: the same addresses, the same spf_refresh_max
printf '%s\n' "policyd_metrics_listen = 127.0.0.1:10042" \
	"milter_metrics_listen = 127.0.0.1:8896" "spf_refresh_min = 5m" \
	"spf_refresh_max = 1h" >"$TMX_TMP/status.conf"

# Prometheus: both daemons every second, the example rules every second
mkdir -p "$TMX_TMP/prom-data"
cat >"$TMX_TMP/prom.yml" <<PROM
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $TMX_TMP/trustmx-alerts.yml
scrape_configs:
  - job_name: trustmx-policyd
    static_configs:
      - targets: ['127.0.0.1:10042']
  - job_name: trustmx-milter
    static_configs:
      - targets: ['127.0.0.1:8896']
PROM
TZ=UTC tmx_bg prometheus prometheus --config.file="$TMX_TMP/prom.yml" \
	--storage.tsdb.path="$TMX_TMP/prom-data" \
	--web.listen-address=127.0.0.1:9090 --log.level=warn

# pq EXPR - the first value of an instant query, "none" when empty
pq() {
	curl -sG --max-time 5 "$PROM/api/v1/query" --data-urlencode "query=$1" |
		jq -r 'if .status != "success" then "error"
		       elif (.data.result | length) == 0 then "none"
		       else .data.result[0].value[1] end'
}

# pq_map EXPR LABEL - every series of EXPR as "LABEL=value ...", sorted
pq_map() {
	curl -sG --max-time 5 "$PROM/api/v1/query" --data-urlencode "query=$1" |
		jq -r --arg l "$2" '[.data.result[] | "\(.metric[$l])=\(.value[1])"] | sort | join(" ")'
}

# pq_is EXPR WANT - the query's value is WANT (for tmx_until)
pq_is() {
	[ "$(pq "$1")" = "$2" ]
}

# pq_expect NAME EXPR WANT - one exact value through Prometheus
pq_expect() {
	tmx_expect "prometheus: $1" "$(pq "$2")" "$3"
}

# targets_are WANT - targets_health says WANT (for tmx_until)
targets_are() {
	[ "$(targets_health)" = "$1" ]
}

# scraped_after T - both targets' latest scrape began after unix time T
# (a sample's timestamp is its scrape's start)
scraped_after() {
	[ "$(pq "count(timestamp(up{job=~\"trustmx-.*\"}) > $1)")" = 2 ]
}

# targets_health - "job=health ..." from /api/v1/targets (which lists the
# targets some seconds after the first scrapes)
targets_health() {
	curl -s --max-time 5 "$PROM/api/v1/targets" |
		jq -r '[.data.activeTargets[] | "\(.labels.job)=\(.health)"] | sort | join(" ")'
}

# wait_scrape - until both targets were scraped after this second
wait_scrape() {
	local t
	t=$(date +%s)
	tmx_until 10 scraped_after "$t" || tmx_fail "no scrape after $t"
}

tmx_until 20 curl -sf --max-time 1 "$PROM/-/ready" -o /dev/null ||
	tmx_die "prometheus not ready: $(tail -5 "$TMX_TMP/prometheus.log")"
tmx_until 15 pq_is 'sum(up{job=~"trustmx-.*"})' 2 ||
	tmx_fail "both targets never up: $(curl -s "$PROM/api/v1/targets" | jq -c '[.data.activeTargets[] | {job: .labels.job, health, lastError}]')"
wait_scrape

# before any traffic: every series there, at zero
pq_expect "requests series" 'count(trustmx_policyd_requests_total)' 10
pq_expect "requests at zero" 'sum(trustmx_policyd_requests_total)' 0
pq_expect "milter actions at zero" 'sum(trustmx_milter_actions_total)' 0
pq_expect "spf results series" 'count(trustmx_milter_messages_total{method="spf"})' 7

# --- known traffic: socketmap through postmap(1), policy requests ---
# sm KEY WANT - one socketmap lookup and its answer
sm() {
	tmx_expect "socketmap $1" "$(postmap -c "$TMX_PF/etc" -q "$1" \
		socketmap:inet:127.0.0.1:10041:postscreen 2>&1)" "$2"
}
# policy ADDR WANT-ERE - one policy request on its own connection
policy() {
	local reply
	reply=$(exec 3<>/dev/tcp/127.0.0.1/10040 &&
		printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=%s\nclient_name=unknown\nhelo_name=client.example\nsender=a@example.org\nrecipient=user@test.example\n\n' "$1" >&3 &&
		timeout 5 head -1 <&3)
	if [[ $reply =~ $2 ]]; then
		tmx_pass "policy $1: $reply"
	else
		tmx_fail "policy $1: got \"$reply\", want /$2/"
	fi
}
sm $RELAY permit
sm $RELAY permit
sm $PROXY permit
sm $FORGER reject
sm $NOBODY ""
sm $NOBODY ""
sm 203.0.113.1 ""
policy $RELAY '^action=OK$'
policy $FORGER '^action=REJECT '
policy $NOBODY '^action=DUNNO$'

# --- known mail through Postfix and the milter ---
RCVD="Received: from mail.sender.example (mail.sender.example [203.0.113.9]) by backup.relay.example (Postfix) with ESMTP id 4F1A2B3C4D; $(date -R)"
mt_send spf-pass $PASS a@pass.example "$(mt_msg spf-pass a@pass.example)"
mt_send spf-fail $FORGER a@fail.example "$(mt_msg spf-fail a@fail.example)"
mt_send spf-soft $FORGER a@soft.example "$(mt_msg spf-soft a@soft.example)"
MT_HELO=backup.relay.example mt_send recovered $RELAY a@sender.example \
	"$(mt_msg recovered a@sender.example "$RCVD")"
MT_HELO=backup.relay.example mt_send fallback $RELAY a@sender.example \
	"$(mt_msg fallback a@sender.example)"
mt_expect spf-pass 'spf=pass'
mt_expect spf-fail 'spf=fail'
mt_expect spf-soft 'spf=softfail'
mt_expect recovered 'spf=pass \(client 203\.0\.113\.9 recovered'
mt_expect fallback 'spf=none'

wait_scrape
pq_expect "targets up" 'sum(up{job=~"trustmx-.*"})' 2
tmx_until 10 targets_are "trustmx-milter=up trustmx-policyd=up"
tmx_expect "/api/v1/targets" "$(targets_health)" "trustmx-milter=up trustmx-policyd=up"
pq_expect "socketmap relay" 'trustmx_policyd_requests_total{protocol="socketmap",verdict="relay"}' 2
pq_expect "socketmap proxy" 'trustmx_policyd_requests_total{protocol="socketmap",verdict="proxy"}' 1
pq_expect "socketmap deny" 'trustmx_policyd_requests_total{protocol="socketmap",verdict="deny"}' 1
pq_expect "socketmap none" 'trustmx_policyd_requests_total{protocol="socketmap",verdict="none"}' 3
pq_expect "policy relay" 'trustmx_policyd_requests_total{protocol="policy",verdict="relay"}' 1
pq_expect "policy deny" 'trustmx_policyd_requests_total{protocol="policy",verdict="deny"}' 1
pq_expect "policy none" 'trustmx_policyd_requests_total{protocol="policy",verdict="none"}' 1
pq_expect "all requests" 'sum(trustmx_policyd_requests_total)' 10
pq_expect "request histogram count" 'sum(trustmx_policyd_request_duration_seconds_count)' 10
pq_expect "last hour relay" 'trustmx_policyd_requests_last_hour{verdict="relay"}' 3
pq_expect "last hour none" 'trustmx_policyd_requests_last_hour{verdict="none"}' 4
pq_expect "spf pass" 'trustmx_milter_messages_total{method="spf",result="pass"}' 2
pq_expect "spf fail" 'trustmx_milter_messages_total{method="spf",result="fail"}' 1
pq_expect "spf softfail" 'trustmx_milter_messages_total{method="spf",result="softfail"}' 1
pq_expect "spf none" 'trustmx_milter_messages_total{method="spf",result="none"}' 1
pq_expect "spf all" 'sum(trustmx_milter_messages_total{method="spf"})' 5
pq_expect "recovered by Received" 'trustmx_milter_relay_recoveries_total{outcome="recovered",reason="received"}' 1
pq_expect "fallbacks" 'sum(trustmx_milter_relay_recoveries_total{outcome="fallback"})' 1
pq_expect "accepted" 'trustmx_milter_actions_total{action="accept"}' 5
pq_expect "not accepted" 'sum(trustmx_milter_actions_total{action!="accept"})' 0
pq_expect "last hour accepted" 'trustmx_milter_actions_last_hour{action="accept"}' 5
pq_expect "relay list per source" 'trustmx_list_entries{daemon="policyd",list="relay_networks",source="spf:relays.example"}' 1
pq_expect "same list in the milter" 'trustmx_list_entries{daemon="milter",list="relay_networks",source="spf:relays.example"}' 1
pq_expect "spf source refreshed" 'trustmx_spf_source_last_refresh_timestamp_seconds{daemon="policyd",domain="relays.example"} > bool 0' 1
[ "$(pq 'trustmx_spf_source_last_refresh_timestamp_seconds{daemon="policyd",domain="relays.example"}')" != 0 ] ||
	tmx_fail "spf:relays.example never refreshed in the policyd"
pq_expect "reload ok" 'min(trustmx_config_reload_success)' 1
pq_expect "build info" 'count(trustmx_build_info == 1)' 2
pq_expect "no DNS failures" 'sum(trustmx_dns_failures_last_hour)' 0
tmx_expect "rules loaded and healthy" "$(curl -s "$PROM/api/v1/rules" |
	jq -r '[.data.groups[].rules[] | .health] | "\(length) \(all(. == "ok"))"')" "7 true"
pq_expect "no alert firing or pending" 'count(ALERTS)' none

# --- trustmx status agrees ---
out=$("$TRUSTMX" status -c "$TMX_TMP/status.conf" 2>&1)
rc=$?
tmx_expect "status exit" "$rc" 0
printf '%s\n' "$out" >"$TMX_TMP/status.txt"
for line in \
	'^trustmx-policyd: up at http://127\.0\.0\.1:10042/metrics$' \
	'^trustmx-milter: up at http://127\.0\.0\.1:8896/metrics$' \
	'^  last hour verdicts: relay 3 proxy 1 allow 0 deny 2 none 4$' \
	'^  last hour actions: accept 5 reject 0 quarantine 0 tempfail 0$' \
	'^  last hour relay recoveries: recovered 1 fallback 1$' \
	'^  list relay_networks source spf:relays\.example: 1$' \
	'^  last reload ok ' \
	'^problems: none$'; do
	grep -Eq -- "$line" "$TMX_TMP/status.txt" && tmx_pass "status: $line" ||
		tmx_fail "status has no line /$line/: $out"
done
json=$("$TRUSTMX" status -c "$TMX_TMP/status.conf" --json)
tmx_expect "status --json exit" "$?" 0
# one query a family: "label=value ..." sorted, as the JSON gives it too
tmx_expect "json verdicts = prometheus" \
	"$(jq -r '.daemons.policyd.last_hour.verdicts | to_entries | map("\(.key)=\(.value)") | sort | join(" ")' <<<"$json")" \
	"$(pq_map trustmx_policyd_requests_last_hour verdict)"
tmx_expect "json actions = prometheus" \
	"$(jq -r '.daemons.milter.last_hour.actions | to_entries | map("\(.key)=\(.value)") | sort | join(" ")' <<<"$json")" \
	"$(pq_map trustmx_milter_actions_last_hour action)"
tmx_expect "json recoveries = prometheus" \
	"$(jq -r '.daemons.milter.last_hour.relay_recoveries | to_entries | map("\(.key)=\(.value)") | sort | join(" ")' <<<"$json")" \
	"$(pq_map trustmx_milter_relay_recoveries_last_hour outcome)"
tmx_expect "json start times = prometheus" \
	"$(jq -r '.daemons | to_entries | map("\(.key)=\(.value.start_time)") | sort | join(" ")' <<<"$json")" \
	"$(pq_map trustmx_start_time_seconds daemon)"
tmx_expect "json spf refreshes = prometheus" \
	"$(jq -r '.daemons | to_entries | map("\(.key)=\(.value.spf_sources[0].last_refresh)") | sort | join(" ")' <<<"$json")" \
	"$(pq_map 'trustmx_spf_source_last_refresh_timestamp_seconds{domain="relays.example"}' daemon)"
tmx_expect "json versions = prometheus" \
	"$(jq -r '.daemons | to_entries | map("\(.key)=\(.value.version)") | sort | join(" ")' <<<"$json")" \
	"$(curl -sG "$PROM/api/v1/query" --data-urlencode 'query=trustmx_build_info' |
		jq -r '[.data.result[].metric | "\(.daemon)=\(.version)"] | sort | join(" ")')"
tmx_jq "json ok" "$json" .ok true

# --- fault: the spf: source's DNS fails (past the 1 s TTL in the DNS
# cache) and a reload re-resolves it ---
sleep 2.5
tmx_dns_stop
pd_hup || tmx_fail "policyd: no reload outcome"
pd_wait "spf:relays\.example: temporary error" 20 || tmx_fail "policyd: no DNS failure logged"
json=$("$TRUSTMX" status -c "$TMX_TMP/status.conf" --json)
tmx_expect "spf failure: status exit" "$?" 1
tmx_jq "spf failure: problem" "$json" \
	'[.problems[] | select(.kind == "spf_error") | .daemon] | join(" ")' policyd
tmx_jq "spf failure: source failing" "$json" \
	'.daemons.policyd.spf_sources[] | select(.domain == "relays.example") | .failing' true
out=$("$TRUSTMX" status -c "$TMX_TMP/status.conf")
grep -Eq '^  PROBLEM trustmx-policyd: spf:relays\.example: the last refresh failed \([0-9]+ s ago\)$' <<<"$out" &&
	tmx_pass "status names the failing spf: source" ||
	tmx_fail "status does not name the failing spf: source: $out"
tmx_expect "spf failure: list kept" "$(postmap -c "$TMX_PF/etc" -q $RELAY \
	socketmap:inet:127.0.0.1:10041:postscreen 2>&1)" permit
wait_scrape
pq_expect "spf failure seen by prometheus" \
	'trustmx_spf_source_last_error_timestamp_seconds{daemon="policyd",domain="relays.example"} >= trustmx_spf_source_last_refresh_timestamp_seconds{daemon="policyd",domain="relays.example"} > bool 0' 1
tmx_until 5 pq_is 'count(ALERTS{alertname="TrustmxSpfSourceFailing",daemon="policyd",alertstate="pending"})' 1 ||
	tmx_fail "TrustmxSpfSourceFailing not pending: $(pq 'count(ALERTS)')"
tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not restart"

# --- fault: the milter stops ---
mt_milter_stop
out=$("$TRUSTMX" status -c "$TMX_TMP/status.conf")
rc=$?
tmx_expect "milter down: status exit" "$rc" 1
grep -Eq '^trustmx-milter: DOWN at http://127\.0\.0\.1:8896/metrics: ' <<<"$out" &&
	tmx_pass "status says the milter is down" || tmx_fail "no DOWN line: $out"
grep -Eq '^  PROBLEM trustmx-milter unreachable at http://127\.0\.0\.1:8896/metrics: ' <<<"$out" &&
	tmx_pass "status names the milter" || tmx_fail "no unreachable problem: $out"
grep -Eq '^trustmx-policyd: up ' <<<"$out" &&
	tmx_pass "the policyd still up" || tmx_fail "policyd not shown up: $out"
json=$("$TRUSTMX" status -c "$TMX_TMP/status.conf" --json)
tmx_jq "milter down json" "$json" \
	'[.problems[] | select(.kind == "unreachable") | .daemon] | join(" ")' milter
tmx_jq "milter down json up" "$json" .daemons.milter.up false
tmx_until 5 pq_is 'up{job="trustmx-milter"}' 0 ||
	tmx_fail "prometheus still has the milter up"
pq_expect "the policyd still up in prometheus" 'up{job="trustmx-policyd"}' 1
tmx_until 5 pq_is 'count(ALERTS{alertname="TrustmxTargetDown",job="trustmx-milter",alertstate="pending"})' 1 ||
	tmx_fail "TrustmxTargetDown not pending for the milter"

pd_stop
tmx_finish
