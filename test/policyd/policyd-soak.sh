#!/bin/bash
# policyd-soak.sh - an operator's worst day, compressed into a bounded time
# (TMX_SOAK_SECONDS, default 100): well-behaved clients keep asking, over
# unix and TCP, socketmap and policy, one TCP listener behind PROXY v2
# headers, while ~2,000 idle connections, slowloris clients and garbage
# senders fill max_clients, SIGHUP reloads come every few seconds (every
# other one refused), and the spf: source changes in DNS. Every answer is
# checked against an oracle apart from trustmx (bench/policyd-keys.py), no
# good client may be locked out, RSS and descriptors stay flat, the daemon
# idles without spinning at the end and its log holds only the expected
# complaints.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"

tmx_need python3 dnsmasq shuf
ulimit -n 16384 || tmx_skip "cannot raise the file limit"
SOAK=${TMX_SOAK_SECONDS:-100}	# the whole test takes about SOAK + 15s
[ "$SOAK" -ge 60 ] || tmx_die "TMX_SOAK_SECONDS=$SOAK: 60 at least (30s warm-up)"
RATE=${TMX_SOAK_RATE:-2600}	# lookups/s of each of the 4 good clients
RELOAD_EVERY=3			# seconds between SIGHUPs
DNS_EVERY=4			# the SPF record changes every N reloads
MAX_CLIENTS=2048		# below what the clients open: evictions
IDLE=500 SLOW=16 JUNK=2		# of each listener (4 listeners)
# RSS growth allowed from the first to the last quarter after warm-up.
# Warm-up (30s) fills every slot of max_clients and lets the allocator
# settle after a dozen reloads (RSS climbs from ~10 to ~17-20 MiB in
# it); after it the heap has its working size and moved by 84-308 kB in
# 100s soaks (connection buffers come and go, two list generations live
# side by side during a swap). Any leak that matters is far above 2 MiB
# over the 70s after warm-up: 16 bytes a lookup is over 10 MiB, a
# closed connection's state (~1 KiB; ~20,000 come and go) about 20 MiB,
# one lost list generation (~11,000 prefixes) a reload more still; a
# policyd that leaked it grew by 12.9 MiB in a 40s soak.
RSS_GROWTH_KB=2048
IDLE_CPU_TICKS=10		# of CPU time in 5s idle (clock ticks: 100/s)
L=$TMX_POLICYD_LOAD
DOMAIN=relay.test.example

pd_init
tmx_postfix_init
SM=$PD_RUN/socketmap.sock
PO=$PD_RUN/policy.sock
SM_TCP=127.0.0.1:10043
PO_TCP=127.0.0.1:10042	# haproxy: PROXY v2 from 127.0.0.1 (proxy_networks)

# The lists and keys: 10k relay and 1k deny prefixes at random, and 20k
# addresses classified by a plain prefix-set lookup (deny wins), plus
# the inline prefixes it knows of. Keys in 127/8 go: proxy_networks
# (127.0.0.1) is permitted too, which the oracle does not know.
K=$TMX_TMP/keys
mkdir -p "$K"
python3 "$TMX_SRCDIR/bench/policyd-keys.py" "$K" || tmx_die "policyd-keys.py failed"
chmod 644 "$K"/*
read -r _ relay_inline <<<"$(grep '^relay ' "$K/inline")"
read -r _ deny_inline <<<"$(grep '^deny ' "$K/inline")"
# keys outside the random lists by construction (the generator draws
# IPv4 below 224/8 and IPv6 inside 2000::/12): 240/8 and 3fff::/20
#   240.0.0/24, 3fff:0:5f::/48, 240.0.2.1  spf: record, always  relay
#   240.0.1/24, 3fff:0:5e::/48             spf: record, at times relay|other
#   240.1.0/24    relay or deny, as the config of the moment says
#   240.1.1/24    a file: list that a refused reload breaks   relay
soak_keys() {	# soak_keys SPF-PART CONFIG-PART - the key file on stdout
	awk -F '\t' '$1 !~ /^127\./ { print $1 "\t" $2 }' "$K/socketmap.keys"
	for _ in 1 2 3 4 5; do
		for i in $(seq 1 50); do
			printf '240.0.0.%s\trelay\n3fff:0:5f::%x\trelay\n' "$i" "$i"
			printf '240.0.1.%s\t%s\n3fff:0:5e::%x\t%s\n' "$i" "$1" "$i" "$1"
			printf '240.1.0.%s\t%s\n240.1.1.%s\trelay\n' "$i" "$2" "$i"
		done
		echo "240.0.2.1	relay"
	done
}
soak_keys 'relay|other' 'relay|deny' | shuf >"$TMX_TMP/soak.keys"
printf '240.1.1.0/24\n' >"$TMX_TMP/extra.list"
chmod 644 "$TMX_TMP/extra.list"

# the SPF record: state 1 adds 240.0.1.0/24 and 3fff:0:5e::/48
DNS_STATE=0
dns_serve() {
	local more=""
	[ "$1" = 1 ] && more="ip4:240.0.1.0/24 ip6:3fff:0:5e::/48 "
	tmx_dns_stop
	tmx_dns_clear
	tmx_dns_zone "TTL 1" \
		"TXT $DOMAIN v=spf1 ip4:240.0.0.0/24 ip6:3fff:0:5f::/48 ${more}a:mx1.$DOMAIN -all" \
		"A mx1.$DOMAIN 240.0.2.1" \
		"ZONE test.example"
	tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not start"
	DNS_STATE=$1
}

# soak_config A|B [EXTRA-LINE] - 240.1.0.0/24 relay (A) or deny (B)
soak_config() {
	local relay="file:$K/relay.txt, $relay_inline, spf:$DOMAIN, file:$TMX_TMP/extra.list"
	local deny="file:$K/deny.txt, $deny_inline"
	if [ "$1" = A ]; then relay="$relay, 240.1.0.0/24"; else deny="$deny, 240.1.0.0/24"; fi
	shift
	pd_config "relay_networks = $relay" "deny_networks = $deny" \
		"proxy_networks = 127.0.0.1" "deny_policy_action = REJECT listed" \
		"policy_listen = unix:$PO, inet:$PO_TCP haproxy" \
		"socketmap_listen = unix:$SM, inet:$SM_TCP" \
		"client_timeout = 10s" "proxy_timeout = 3s" \
		"max_clients = $MAX_CLIENTS" \
		"spf_refresh_min = 10s" "spf_refresh_max = 1m" \
		"spf_shrink_limit = 100" "$@"
}

# no -v: a million answers would be logged at debug level
dns_serve 0
soak_config A
tmx_bg policyd "$TRUSTMX_POLICYD" -f -c "$PD_CONF"
PD_PID=$!
PD_LOG=$TMX_TMP/policyd.log
pd_wait 'started, lists generation' || tmx_die "policyd did not start"
pd_wait "spf:$DOMAIN: [0-9]+ prefixes" || tmx_die "spf: source never resolved"
VARIANT=A

# probe KEY SOCKETMAP-ANSWER POLICY-ANSWER - one lookup on a new
# connection to the unix socketmap and the PROXY policy listener
probe() {
	"$L" -u "$SM" -s socketmap "$1=$2" >/dev/null &&
		"$L" -i "$PO_TCP" -x 127.0.0.9 -s policy "$1=$3" >/dev/null
}
# variant_ok - 240.1.0.7 is answered as the running config says
variant_ok() {
	if [ "$VARIANT" = A ]; then
		probe 240.1.0.7 "OK permit" OK
	else
		probe 240.1.0.7 "OK reject" "REJECT listed"
	fi
}
variant_ok || tmx_die "first answers wrong"
probe 240.0.0.9 "OK permit" OK || tmx_die "spf: source not answered"

fds() {
	ls "/proc/$PD_PID/fd" | wc -l
}
rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$PD_PID/status"
}
cpu_ticks() {	# utime + stime
	awk '{ print $14 + $15 }' "/proc/$PD_PID/stat"
}
FD_START=$(fds)
RSS_START=$(rss)

# the clients, one of each kind a listener. The chaos clients come first
# and take every slot of max_clients; the good ones join once the daemon
# evicts. The daemon closes the longest-idle connection, and a good
# client pauses up to 61ms between batches (at the default rate): had it
# come with the chaos clients, a burst of idle connections all younger
# than its pause could fill the slots, and closing the good client would
# be right. Once every slot is taken, idle connections leave oldest
# first (evicted, or after client_timeout), the longest-idle one has
# waited for seconds, and no good client may ever be closed. The good
# ones pipeline 20 requests on each of 8 connections and reconnect every
# 300 batches; the chaos clients stay a second longer, so the pressure
# lasts until the good ones end.
start_chaos() {
	local what=$1 proto=$2	# (tmx_bg sets $name)
	shift 2
	tmx_bg "chaos-$what" "$L" "$@" -s "$proto" -t "$((SOAK + 1))" \
		-c 1 -I "$IDLE" -L "$SLOW" -G "$JUNK"
	CHAOS_PIDS="$CHAOS_PIDS $!"
}
start_good() {
	local what=$1 proto=$2
	shift 2
	tmx_bg "good-$what" "$L" "$@" -s "$proto" -t "$SOAK" -k "$TMX_TMP/soak.keys" \
		-c 8 -d 20 -q "$RATE" -R 300
	GOOD_PIDS="$GOOD_PIDS $!"
}
GOOD_PIDS="" CHAOS_PIDS=""
start_chaos sm-unix socketmap -u "$SM"
start_chaos sm-tcp socketmap -i "$SM_TCP"
start_chaos po-unix policy -u "$PO"
start_chaos po-proxy policy -i "$PO_TCP" -x 127.0.0.9
pd_wait 'max_clients = [0-9]+ reached' || tmx_die "the chaos clients never filled max_clients"
T0=$(date +%s%N)
start_good sm-unix socketmap -u "$SM"
start_good sm-tcp socketmap -i "$SM_TCP"
start_good po-unix policy -u "$PO"
start_good po-proxy policy -i "$PO_TCP" -x 127.0.0.9

# RSS and descriptors every second while the soak runs
sampler() {
	local i
	for ((i = 0; i < SOAK; i++)); do
		echo "$i $(rss) $(fds)"
		sleep 1
	done >"$TMX_TMP/samples"
}
sampler &
SAMPLER=$!
TMX_PIDS="$TMX_PIDS $SAMPLER"

# hup - SIGHUP; "accepted" or "refused" as the log says
hup() {
	local failed
	failed=$(pd_count 'reload failed')
	pd_hup || { echo none; return; }
	if [ "$(pd_count 'reload failed')" -gt "$failed" ]; then
		echo refused
	else
		echo accepted
	fi
}
other_variant() {
	[ "$VARIANT" = A ] && echo B || echo A
}

# reloads until the end: good (the other variant), a broken config line,
# good, a broken list file; the refused ones would flip 240.1.0.0/24 too
# had they been taken. The SPF record changes every DNS_EVERY reloads.
ACCEPTED=0 REFUSED=0 RELOADS=0 DNS_CHANGES=0
end=$((SECONDS + SOAK - RELOAD_EVERY))
while [ "$SECONDS" -lt "$end" ]; do
	sleep "$RELOAD_EVERY"
	RELOADS=$((RELOADS + 1))
	next=$(other_variant)
	case $((RELOADS % 4)) in
	1 | 3)
		soak_config "$next"
		want=accepted ;;
	2)
		soak_config "$next" "no_such_key = $RELOADS"
		want=refused ;;
	0)
		printf '240.1.1.0/24\nnot-an-address\n' >"$TMX_TMP/extra.new"
		chmod 644 "$TMX_TMP/extra.new"
		mv "$TMX_TMP/extra.new" "$TMX_TMP/extra.list"
		soak_config "$next"
		want=refused ;;
	esac
	got=$(hup)
	case $got in
	accepted) ACCEPTED=$((ACCEPTED + 1)); VARIANT=$next ;;
	refused) REFUSED=$((REFUSED + 1)) ;;
	esac
	[ "$got" = "$want" ] || tmx_fail "reload $RELOADS: $got, want $want"
	variant_ok || tmx_fail "reload $RELOADS ($got): 240.1.0.7 not answered as config $VARIANT says"
	if [ "$want" = refused ]; then	# repair, for the next reload
		soak_config "$VARIANT"
		printf '240.1.1.0/24\n' >"$TMX_TMP/extra.new"
		chmod 644 "$TMX_TMP/extra.new"
		mv "$TMX_TMP/extra.new" "$TMX_TMP/extra.list"
	fi
	if [ $((RELOADS % DNS_EVERY)) = 0 ]; then
		dns_serve $((1 - DNS_STATE))
		DNS_CHANGES=$((DNS_CHANGES + 1))
	fi
done

# the figures of every client
# shellcheck disable=SC2086 # lists of pids
wait $GOOD_PIDS
T1=$(date +%s%N)
# shellcheck disable=SC2086
wait $CHAOS_PIDS
wait "$SAMPLER"
total() {	# total KEY LOG... - the sum of KEY=N over the logs' last lines
	local key=$1 f sum=0 v
	shift
	for f in "$@"; do
		v=$(tmx_kv "$(tail -n 1 "$TMX_TMP/$f.log")" "$key")
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
for f in good-sm-unix good-sm-tcp good-po-unix good-po-proxy; do
	echo "$f: $(tail -n 1 "$TMX_TMP/$f.log")"
	grep -v '^answered=' "$TMX_TMP/$f.log" | head -5
done
goods=(good-sm-unix good-sm-tcp good-po-unix good-po-proxy)
chaos=(chaos-sm-unix chaos-sm-tcp chaos-po-unix chaos-po-proxy)
LOOKUPS=$(total answered "${goods[@]}")
WRONG=$(total wrong "${goods[@]}")
LOCKOUTS=$(total lockouts "${goods[@]}")
ms=$(((T1 - T0) / 1000000))
[ "$LOOKUPS" -gt 0 ] || tmx_die "no lookups answered"
tmx_pass "$LOOKUPS lookups in ${ms}ms, $((LOOKUPS * 1000 / ms))/s" \
	"(socketmap and policy, unix and TCP, PROXY v2), $(total good_connects "${goods[@]}") connections," \
	"slowest batch $(for f in "${goods[@]}"; do tmx_kv "$(tail -n 1 "$TMX_TMP/$f.log")" max_latency_ms; done | sort -n | tail -1)ms"
tmx_expect "wrong answers" "$WRONG" 0
tmx_expect "good clients locked out" "$LOCKOUTS" 0
tmx_pass "meanwhile: $(total idle_connects "${chaos[@]}") idle connections" \
	"($(total idle_closed "${chaos[@]}") closed by the daemon)," \
	"$(total slow_connects "${chaos[@]}") slowloris ($(total slow_closed "${chaos[@]}") closed)," \
	"$(total junk_sent "${chaos[@]}") garbage ($(total junk_closed "${chaos[@]}") closed," \
	"$(total junk_unclosed "${chaos[@]}") left open)"
[ "$(total idle_closed "${chaos[@]}")" -gt 0 ] ||
	tmx_fail "no idle connection was ever closed: max_clients and client_timeout untested"
[ "$(total slow_closed "${chaos[@]}")" -gt 0 ] || tmx_fail "no slowloris client was closed"
[ "$(total junk_closed "${chaos[@]}")" -gt 0 ] || tmx_fail "no garbage sender was closed"
tmx_expect "garbage the daemon never closed" "$(total junk_unclosed "${chaos[@]}")" 0
tmx_expect "replies to idle or slowloris clients" "$(total unexpected "${chaos[@]}")" 0
tmx_pass "reloads: $ACCEPTED accepted, $REFUSED refused (of $RELOADS);" \
	"spf record changed $DNS_CHANGES times, the list $(pd_count "spf:$DOMAIN: .*added") times;" \
	"evictions logged $(pd_count 'max_clients = [0-9]+ reached') times"
[ "$ACCEPTED" -ge 3 ] && [ "$REFUSED" -ge 3 ] || tmx_fail "too few reloads"
[ "$(pd_count "spf:$DOMAIN: .*added")" -ge 2 ] || tmx_fail "the spf: list never changed"
[ "$(pd_count 'max_clients = [0-9]+ reached')" -ge 1 ] || tmx_fail "max_clients never reached"

# the answers once the lists hold still: no "either" left
hup >/dev/null
want_spf=$([ "$DNS_STATE" = 1 ] && echo relay || echo other)
want_cfg=$([ "$VARIANT" = A ] && echo relay || echo deny)
soak_keys "$want_spf" "$want_cfg" >"$TMX_TMP/final.keys"
want=$([ "$DNS_STATE" = 1 ] && echo "OK permit" || echo "NOTFOUND ")
tmx_until 10 "$L" -u "$SM" -s socketmap 240.0.1.9="$want" >/dev/null ||
	tmx_fail "the last SPF record (state $DNS_STATE) never reached the answers"
# (one connection walks the whole key file, from a random key on; over
# unix: pipelined batches over TCP wait for delayed ACKs)
nkeys=$(wc -l <"$TMX_TMP/final.keys")
for c in "$SM socketmap" "$PO policy"; do
	# shellcheck disable=SC2086 # two words on purpose
	set -- $c
	"$L" -u "$1" -s "$2" -t 1 -k "$TMX_TMP/final.keys" -c 1 -d 50 -q 60000 \
		>"$TMX_TMP/final-$2.out" 2>&1 ||
		tmx_fail "after the soak ($2): $(cat "$TMX_TMP/final-$2.out")"
	n=$(tmx_kv "$(tail -n 1 "$TMX_TMP/final-$2.out")" answered)
	[ "${n:-0}" -ge "$nkeys" ] ||
		tmx_fail "after the soak ($2): $n lookups, fewer than the $nkeys keys"
	tmx_pass "after the soak, $2: $n lookups (all $nkeys keys), each exactly as the lists say"
done

# descriptors: never above max_clients, all given back
fd_peak=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$TMX_TMP/samples")
[ "$fd_peak" -le $((MAX_CLIENTS + FD_START + 4)) ] ||
	tmx_fail "$fd_peak descriptors open, max_clients = $MAX_CLIENTS"
fd_back() {
	[ "$(fds)" -le "$FD_START" ]
}
tmx_until 15 fd_back || true
tmx_expect "descriptors after the soak (before: $FD_START, peak $fd_peak)" "$(fds)" "$FD_START"

# no spinning with nothing to do
c0=$(cpu_ticks)
sleep 5
ticks=$(($(cpu_ticks) - c0))
if [ "$ticks" -le "$IDLE_CPU_TICKS" ]; then
	tmx_pass "idle for 5s: $((ticks * 10))ms of CPU (bound $((IDLE_CPU_TICKS * 10))ms)"
else
	tmx_fail "idle for 5s, the daemon used $((ticks * 10))ms of CPU: spinning?"
fi

# RSS: after the warm-up (30s), the first against the last quarter
RSS_END=$(rss)
read -r q1 q4 peak n <<<"$(awk -v warm=30 '
	{ t[NR] = $1; r[NR] = $2; if ($2 > peak) peak = $2 }
	END {
		for (i = 1; i <= NR; i++) if (t[i] >= warm) s[++n] = r[i]
		q = int(n / 4)
		for (i = 1; i <= q; i++) if (s[i] > a) a = s[i]
		for (i = n - q + 1; i <= n; i++) if (s[i] > b) b = s[i]
		print a + 0, b + 0, peak + 0, n + 0
	}' "$TMX_TMP/samples")"
[ "$n" -ge 8 ] || tmx_fail "only $n RSS samples after warm-up"
growth=$((q4 - q1))
rss_line="RSS ${RSS_START} kB at start, peak $peak, end $RSS_END; highest in the first quarter after warm-up $q1, in the last $q4 (+${growth} kB, $n samples)"
if [ "${TMX_SANITIZE:-none}" != none ]; then
	# AddressSanitizer's quarantine keeps freed memory for a while: RSS
	# grows without a leak; LeakSanitizer checks at exit instead
	tmx_pass "$rss_line; not checked under -Db_sanitize=$TMX_SANITIZE"
elif [ "$growth" -le "$RSS_GROWTH_KB" ]; then
	tmx_pass "$rss_line, bound $RSS_GROWTH_KB kB"
else
	tmx_fail "$rss_line: more than $RSS_GROWTH_KB kB"
fi

# the log: only the complaints the soak asked for
grep -E '(warning|error|fatal|panic|Sanitizer)' "$PD_LOG" | grep -Ev \
	-e 'overlaps deny_networks .*; deny_networks wins$' \
	-e 'overlaps relay_networks .*; deny_networks wins$' \
	-e ': request not finished within client_timeout' \
	-e ': no PROXY header within proxy_timeout; closing$' \
	-e ': refuse-no-header: no PROXY header from a proxy; closing$' \
	-e ': refuse-timeout: peer closed before a whole PROXY header; closing$' \
	-e ': socketmap: (malformed netstring length|netstring longer than [0-9]+ bytes|netstring without trailing comma); closing$' \
	-e ": policy: (attribute without '='|bad attribute name|attribute line too long|NUL byte in attribute); closing$" \
	-e 'warning: [0-9]+ more overlaps of relay_networks and deny_networks$' \
	-e "relay_networks: spf:$DOMAIN: no expansion yet; the source is empty until the first successful lookup$" \
	-e 'max_clients = [0-9]+ reached: closed ' \
	-e "reload failed: $PD_CONF:[0-9]+: .*keeping the running configuration" \
	-e "reload failed: .*$TMX_TMP/extra.list:2: .*keeping the running configuration" \
	-e "spf:$DOMAIN: .*keeping the last good list" \
	>"$TMX_TMP/unexpected.log"
if [ -s "$TMX_TMP/unexpected.log" ]; then
	tmx_fail "unexpected complaints in the log ($(wc -l <"$TMX_TMP/unexpected.log") lines):"
	sort "$TMX_TMP/unexpected.log" | uniq -c | sort -rn | head -10 >&2
else
	tmx_pass "log: $(grep -c 'warning' "$PD_LOG") warnings, all expected"
fi

probe 192.0.2.1 "OK permit" OK && probe 203.0.113.9 "OK reject" "REJECT listed" ||
	tmx_fail "not answering at the end"
kill -0 "$PD_PID" || tmx_die "policyd died"
tmx_pass "alive and answering at the end"
pd_stop
tmx_finish
