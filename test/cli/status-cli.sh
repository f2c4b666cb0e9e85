#!/bin/bash
# status-cli.sh - "trustmx status" against canned scrapes (test/cli/status/
# *.prom.in, the metrics contract's families) served over loopback TCP and
# a unix socket: the figures it prints and its JSON, each problem it must
# name (reload failed, stale / never refreshed / failing spf: source with
# the 2 x spf_refresh_max limit from the config, recovery fallbacks, DNS
# failures, unreachable, invalid scrape, HTTP error) and exit statuses
# 0 / 1 / 2. No root needed.
set -u
: "${TRUSTMX:?set TRUSTMX to the trustmx binary}"
. "${TMX_SRCDIR:?set TMX_SRCDIR to the source tree}/test/stack/assert.sh"
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

TMP=$(mktemp -d /tmp/trustmx-status.XXXXXX)
PIDS=""
trap 'rc=$?; [ -n "$PIDS" ] && kill $PIDS 2>/dev/null; rm -rf "$TMP"; exit $rc' EXIT
SRC=$TMX_SRCDIR/test/cli/status
NOW=$(date +%s)

# canned WHICH KEY=VALUE... - write $TMP/WHICH.prom from its template;
# the defaults are a healthy daemon
canned() {
	local which=$1 sed_args=() k v
	shift
	declare -A val=([START]=$((NOW - 7200)) [RELOAD]=$((NOW - 300))
		[RELOAD_OK]=1 [RELOAD_ERRORS]=0 [SPF_REFRESH]=$((NOW - 600))
		[SPF_ERROR]=0 [DNS_FAIL]=0 [FALLBACKS]=0
		[MILTER_SPF_REFRESH]=$((NOW - 900)))
	for kv in "$@"; do
		val[${kv%%=*}]=${kv#*=}
	done
	for k in "${!val[@]}"; do
		v=${val[$k]}
		sed_args+=(-e "s|@$k@|$v|g")
	done
	sed "${sed_args[@]}" "$SRC/$which.prom.in" >"$TMP/$which.prom.new"
	mv "$TMP/$which.prom.new" "$TMP/$which.prom"
}

# status ARGS... - run trustmx status; $out, $rc
status() {
	out=$("$TRUSTMX" status "$@" 2>"$TMP/err")
	rc=$?
}

canned policyd
canned milter
python3 "$SRC/serve.py" "$TMP/policyd.prom" tcp 0 >"$TMP/p.ready" &
PIDS="$PIDS $!"
python3 "$SRC/serve.py" "$TMP/milter.prom" unix "$TMP/milter.sock" >"$TMP/m.ready" &
PIDS="$PIDS $!"
tmx_until 10 grep -q ready "$TMP/p.ready" || tmx_die "policyd server did not start"
tmx_until 10 grep -q ready "$TMP/m.ready" || tmx_die "milter server did not start"
PORT=$(awk '{print $2}' "$TMP/p.ready")
ARGS=(--policyd "127.0.0.1:$PORT" --milter "$TMP/milter.sock")

# --- healthy: exit 0, every figure
status "${ARGS[@]}"
tmx_expect "healthy exit" "$rc" 0
tmx_expect "healthy problems line" "$(grep -c '^problems: none$' <<<"$out")" 1
tmx_expect "policyd up line" "$(grep -c "^trustmx-policyd: up at http://127.0.0.1:$PORT/metrics\$" <<<"$out")" 1
tmx_expect "milter up line" "$(grep -c "^trustmx-milter: up at $TMP/milter.sock\$" <<<"$out")" 1
tmx_expect "policyd uptime" "$(grep -c '^  version 9.9.9-test, up 2h 0m ' <<<"$out")" 2
tmx_expect "policyd verdicts" "$(grep -c '^  last hour verdicts: relay 7 proxy 1 allow 0 deny 2 none 5$' <<<"$out")" 1
tmx_expect "milter actions" "$(grep -c '^  last hour actions: accept 4 reject 1 quarantine 0 tempfail 0$' <<<"$out")" 1
tmx_expect "milter recoveries" "$(grep -c '^  last hour relay recoveries: recovered 1 fallback 0$' <<<"$out")" 1
tmx_expect "list per source" "$(grep -c '^  list relay_networks source spf:relays.example: 12$' <<<"$out")" 2
tmx_expect "file source" "$(grep -c '^  list proxy_networks source file:/etc/trustmx/proxies: 4$' <<<"$out")" 1
tmx_expect "spf age" "$(grep -c '^  spf:relays.example refreshed 10m [0-9]*s ago, last error never$' <<<"$out")" 1

status "${ARGS[@]}" --json
json=$out
tmx_expect "json exit" "$rc" 0
tmx_expect "json is one line" "$(wc -l <<<"$json")" 1
tmx_jq json "$json" .ok true
tmx_jq json "$json" '.problems | length' 0
tmx_jq json "$json" .daemons.policyd.up true
tmx_jq json "$json" .daemons.policyd.version 9.9.9-test
tmx_jq json "$json" .daemons.policyd.start_time $((NOW - 7200))
tmx_jq json "$json" .daemons.policyd.reload.success true
tmx_jq json "$json" .daemons.policyd.reload.ok_total 3
tmx_jq json "$json" '.daemons.policyd.last_hour.verdicts | [.relay,.proxy,.allow,.deny,.none] | @csv' 7,1,0,2,5
tmx_jq json "$json" '.daemons.policyd.lists | map("\(.list)/\(.source)=\(.entries)") | join(" ")' \
	"relay_networks/spf:relays.example=12 relay_networks/inline=2 proxy_networks/file:/etc/trustmx/proxies=4 policy_clients/inline=2"
tmx_jq json "$json" '.daemons.policyd.spf_sources[0] | "\(.domain) \(.last_refresh) \(.stale) \(.failing)"' \
	"relays.example $((NOW - 600)) false false"
tmx_jq json "$json" .daemons.milter.last_hour.actions.reject 1
tmx_jq json "$json" .daemons.milter.last_hour.relay_recoveries.recovered 1
tmx_jq json "$json" .daemons.milter.target "$TMP/milter.sock"
tmx_jq json "$json" .spf_stale_after 172800

# --- each problem, named, exit 1
canned policyd RELOAD_OK=0 RELOAD_ERRORS=1
status "${ARGS[@]}"
tmx_expect "reload failed exit" "$rc" 1
tmx_expect "reload failed line" "$(grep -c '^  PROBLEM trustmx-policyd: the last configuration reload failed' <<<"$out")" 1
tmx_expect "reload failed shown" "$(grep -c '^  last reload FAILED .*; 3 ok, 1 failed$' <<<"$out")" 1
status "${ARGS[@]}" --json
tmx_jq "reload failed json" "$out" '[.problems[] | "\(.daemon):\(.kind)"] | join(" ")' policyd:reload_failed
tmx_jq "reload failed json" "$out" .daemons.policyd.reload.success false

# stale: 2 x spf_refresh_max from the config (1h here): 3 h old is stale,
# 90 min is not
printf 'spf_refresh_min = 5m\nspf_refresh_max = 1h\n' >"$TMP/trustmx.conf"
canned policyd SPF_REFRESH=$((NOW - 10800))
status -c "$TMP/trustmx.conf" "${ARGS[@]}"
tmx_expect "stale exit" "$rc" 1
tmx_expect "stale line" "$(grep -c '^  PROBLEM trustmx-policyd: spf:relays.example stale: last refresh 1080[0-9] s ago (limit 7200 s)$' <<<"$out")" 1
canned policyd SPF_REFRESH=$((NOW - 5400))
status -c "$TMP/trustmx.conf" "${ARGS[@]}"
tmx_expect "not yet stale exit" "$rc" 0
status "${ARGS[@]}"
tmx_expect "default limit 2d exit" "$rc" 0
canned policyd SPF_REFRESH=$((NOW - 200000))
status "${ARGS[@]}" --json
tmx_expect "stale by the default 2 x 1d" "$rc" 1
tmx_jq "stale json" "$out" .daemons.policyd.spf_sources[0].stale true
canned policyd SPF_REFRESH=0
status "${ARGS[@]}"
tmx_expect "never exit" "$rc" 1
tmx_expect "never line" "$(grep -c '^  PROBLEM trustmx-policyd: spf:relays.example never refreshed$' <<<"$out")" 1
canned policyd SPF_ERROR=$((NOW - 30))
status "${ARGS[@]}" --json
tmx_expect "failing exit" "$rc" 1
tmx_jq "failing json" "$out" '[.problems[] | .kind] | join(" ")' spf_error
tmx_jq "failing json" "$out" .daemons.policyd.spf_sources[0].failing true
canned policyd SPF_ERROR=$((NOW - 3000))
status "${ARGS[@]}"
tmx_expect "error before the last refresh is history" "$rc" 0
canned policyd DNS_FAIL=4
canned milter FALLBACKS=2
status "${ARGS[@]}"
tmx_expect "dns + fallbacks exit" "$rc" 1
tmx_expect "dns line" "$(grep -c '^  PROBLEM trustmx-policyd: 4 DNS failures (SERVFAIL or timeout) in the last hour$' <<<"$out")" 1
tmx_expect "fallback line" "$(grep -c '^  PROBLEM trustmx-milter: 2 relay recovery fallbacks and 1 recoveries in the last hour$' <<<"$out")" 1
canned milter FALLBACKS=1
status "${ARGS[@]}" --json
tmx_jq "fallbacks equal to recoveries" "$out" '[.problems[] | "\(.daemon):\(.kind)"] | join(" ")' policyd:dns_failures
canned policyd
canned milter

# the most problems there can be: 64 spf: sources each never refreshed and
# failing in both daemons, policyd reload failed and DNS failures, milter
# fallbacks (130 + 129); every
# one listed and counted
many_spf() {
	local f=$1 d=$2 i
	awk -v d="$d" -v t=$((NOW - 30)) '
	{ print }
	/^trustmx_spf_source_last_refresh_timestamp_seconds\{/ {
		for (i = 1; i < 64; i++)
			printf "trustmx_spf_source_last_refresh_timestamp_seconds{daemon=\"%s\",domain=\"d%d.example\"} 0\n", d, i
	}
	/^trustmx_spf_source_last_error_timestamp_seconds\{/ {
		for (i = 1; i < 64; i++)
			printf "trustmx_spf_source_last_error_timestamp_seconds{daemon=\"%s\",domain=\"d%d.example\"} %d\n", d, i, t
	}' "$f" >"$f.new" && mv "$f.new" "$f"
}
canned policyd RELOAD_OK=0 SPF_REFRESH=0 SPF_ERROR=$((NOW - 30)) DNS_FAIL=4
canned milter MILTER_SPF_REFRESH=0 FALLBACKS=2
sed -i "s|\(last_error_timestamp_seconds{daemon=\"milter\",domain=\"relays.example\"}\) 0|\1 $((NOW - 30))|" "$TMP/milter.prom"
many_spf "$TMP/policyd.prom" policyd
many_spf "$TMP/milter.prom" milter
status "${ARGS[@]}"
tmx_expect "most problems exit" "$rc" 1
tmx_expect "most problems count" "$(grep -c '^problems: 259$' <<<"$out")" 1
tmx_expect "most problems listed" "$(grep -c '^  PROBLEM ' <<<"$out")" 259
status "${ARGS[@]}" --json
tmx_jq "most problems json" "$out" '.problems | length' 259
canned policyd
canned milter

# --- unreachable, invalid, HTTP error
status --policyd "127.0.0.1:$PORT" --milter "$TMP/nothing.sock"
tmx_expect "unreachable exit" "$rc" 1
tmx_expect "unreachable names the milter" "$(grep -c "^  PROBLEM trustmx-milter unreachable at $TMP/nothing.sock: cannot connect to the unix socket\$" <<<"$out")" 1
tmx_expect "policyd still shown" "$(grep -c '^trustmx-policyd: up' <<<"$out")" 1
status --policyd "http://127.0.0.1:$PORT/other" --milter "$TMP/milter.sock" --json
tmx_jq "404" "$out" .daemons.policyd.error "HTTP status 404"
printf 'trustmx_build_info{daemon="policyd",version="1"} 1\ntrustmx_start_time_seconds{daemon="policyd" 5\n' >"$TMP/policyd.prom"
status "${ARGS[@]}" --json
tmx_expect "invalid exit" "$rc" 1
tmx_jq "invalid scrape" "$out" .daemons.policyd.error "invalid metrics, line 2: expected ',' or '}' after a label"
# a label value with a newline and an escape byte cannot forge a line
canned policyd
{
	cat "$TMP/policyd.prom"
	printf 'trustmx_list_entries{daemon="policyd",list="deny_networks",source="inline\\nproblems: none\033[2J"} 3\n'
} >"$TMP/policyd.prom.new"
mv "$TMP/policyd.prom.new" "$TMP/policyd.prom"
status "${ARGS[@]}"
tmx_expect "hostile label exit" "$rc" 0
tmx_expect "hostile label on one line" "$(grep -c '^  list deny_networks source inline?problems: none?\[2J: 3$' <<<"$out")" 1
tmx_expect "hostile label forges nothing" "$(grep -c '^problems: none$' <<<"$out")" 1
status "${ARGS[@]}" --json
tmx_jq "hostile label json" "$out" '.daemons.policyd.lists[-1].source' "$(printf 'inline\nproblems: none\033[2J')"
# a Content-Type with ESC (and a CR, where curl ends it) reaches the
# DOWN line only as '?'
printf '\033[2Jtext/html\rproblems: none' >"$TMP/policyd.prom.ctype"
status "${ARGS[@]}"
rm -f "$TMP/policyd.prom.ctype"
tmx_expect "hostile content-type exit" "$rc" 1
tmx_expect "hostile content-type no ESC" "$(grep -c $'\033' <<<"$out")" 0
tmx_expect "hostile content-type no CR" "$(grep -c $'\r' <<<"$out")" 0
tmx_expect "hostile content-type as ?" "$(grep -c '^trustmx-policyd: DOWN at .*: Content-Type ?\[2Jtext/html, not text/plain$' <<<"$out")" 1
# values no integer holds are clamped to +-2^53, not converted (UB)
canned policyd START=1e300 RELOAD=-1e300 RELOAD_ERRORS=1e300
status "${ARGS[@]}" --json
tmx_jq "huge start_time clamped" "$out" .daemons.policyd.start_time 9007199254740992
tmx_jq "huge negative reload time clamped" "$out" .daemons.policyd.reload.time -9007199254740992
tmx_jq "huge counter clamped" "$out" .daemons.policyd.reload.error_total 9007199254740992
status "${ARGS[@]}"
tmx_expect "huge values text exit" "$rc" 0
canned policyd
printf '# TYPE x counter\nx 1\n' >"$TMP/policyd.prom"
status "${ARGS[@]}" --json
tmx_jq "no trustmx metrics" "$out" .daemons.policyd.error 'no trustmx metrics for daemon="policyd"'
canned policyd

# --- addresses from the config: host:port, wildcard, socket path
printf 'policyd_metrics_listen = 0.0.0.0:%s\nmilter_metrics_listen = %s\n' "$PORT" "$TMP/milter.sock" >"$TMP/addr.conf"
status -c "$TMP/addr.conf" --json
tmx_expect "config addresses exit" "$rc" 0
tmx_jq "wildcard to loopback" "$out" .daemons.policyd.target "http://127.0.0.1:$PORT/metrics"
printf 'policyd_metrics_listen = 127.0.0.1:%s\n' "$PORT" >"$TMP/one.conf"
status -c "$TMP/one.conf"
tmx_expect "one daemon configured exit" "$rc" 0
tmx_expect "other not configured" "$(grep -c '^trustmx-milter: not configured (milter_metrics_listen is empty)$' <<<"$out")" 1

# --- usage and config errors: exit 2
status --bogus
tmx_expect "unknown option" "$rc" 2
status "${ARGS[@]}" extra
tmx_expect "extra argument" "$rc" 2
status --policyd "not a url" --milter "$TMP/milter.sock"
tmx_expect "bad --policyd" "$rc" 2
tmx_expect "bad --policyd message" "$(grep -c '^trustmx: status: --policyd: "not a url" is not' "$TMP/err")" 1
status -c "$TMP/missing.conf"
tmx_expect "missing config" "$rc" 2
printf 'spf_refresh_max = 1d\n' >"$TMP/empty.conf"
status -c "$TMP/empty.conf"
tmx_expect "no addresses" "$rc" 2
printf '# metrics\npolicyd_metrics_listen = 127.0.0.1:99999\n' >"$TMP/bad.conf"
status -c "$TMP/bad.conf"
tmx_expect "bad port" "$rc" 2
tmx_expect "bad port names file:line" "$(grep -c "$TMP/bad.conf:2: .*bad port (1-65535)" "$TMP/err")" 1
printf 'milter_metrics_listen = relative/path.sock\n' >"$TMP/bad2.conf"
status -c "$TMP/bad2.conf"
tmx_expect "relative socket path" "$rc" 2
status --help
tmx_expect "help" "$rc" 0

tmx_finish
