#!/bin/bash
# dns-layer.sh - dns/ against a real dnsmasq in the test's own namespace,
# through a private /etc/resolv.conf: every record type, NXDOMAIN apart
# from NODATA, the cache (a repeat never reaches dnsmasq), TTLs, negative
# TTLs and their cap, SERVFAIL kept seconds only, 16 threads at once, the
# event-loop interface, a reload, the deadline against a silent server,
# recovery after an outage, DNSSEC's bogus verdict, and libspf2 and
# libopendkim resolving through the layer. Each case prints what it
# measured. The outage runs against a second dnsmasq, in the background,
# while the other cases run (TMX_DNS_OUTAGE_S sets its length).
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
tmx_need dnsmasq python3 opendkim-genkey

PROBE=${TMX_DNS_PROBE:?TMX_DNS_PROBE not set}
AUTH=${TMX_DNS_AUTH_PROBE:?TMX_DNS_AUTH_PROBE not set}
SOA=127.0.0.56		# dnsmasq's authoritative side: replies carry an SOA
FLAKY=127.0.0.55	# the dnsmasq the outage stops and starts
SILENT=127.0.0.1@5399	# a UDP socket that never answers
OUT=$TMX_TMP/out
MAINLOG=$TMX_TMP/dnsmasq-queries.log	# tmx_dns_start's, on 127.0.0.53

# dl_run CMD... - run a probe into $OUT, shown indented
dl_run() {
	"$@" >"$OUT" 2>&1
	sed 's/^/    /' "$OUT"
}

# dl_want REGEX... - every REGEX matches a line of $OUT
dl_want() {
	for re in "$@"; do
		if grep -qE -- "$re" "$OUT"; then
			tmx_pass
		else
			tmx_fail "no line matches: $re"
		fi
	done
}

# dl_field NAME - the value of NAME=... in $OUT's first line having it
dl_field() {
	sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" "$OUT" | head -n 1
}

# dl_queries LOG NAME - how often dnsmasq was asked for NAME
dl_queries() {
	grep -cE "(query|auth)\[[A-Z0-9]+\] $2 from" "$1" || true
}

# dl_ms - milliseconds, monotonic enough for a test
dl_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# --- the zones -----------------------------------------------------------

mkdir -p "$TMX_TMP/keys"
opendkim-genkey -b 1024 -d dkim.dns.example -s s1 -D "$TMX_TMP/keys" ||
	tmx_skip "opendkim-genkey failed"
DKIM_P=$(tr -d '\n\t ()"' <"$TMX_TMP/keys/s1.txt" |
	sed 's/.*p=\([A-Za-z0-9+/=]*\).*/\1/')

tmx_dns_zone <<EOF
ZONE dns.example
ZONE 2.0.192.in-addr.arpa
TTL 300
A h1.dns.example 192.0.2.1 2001:db8::1
A c1.dns.example 192.0.2.2
A short.dns.example 192.0.2.9 2
A mail.dns.example 192.0.2.25
TXT txt.dns.example v=spf1 ip4:192.0.2.10 -all
TXT multi.dns.example "part one ","part two"
MX mx.dns.example 10 mail.dns.example
PTR 192.0.2.1 h1.dns.example
TLSA _25._tcp.mail.dns.example 3 1 1 abcdef0123
CNAME alias.dns.example h1.dns.example
WILDCARD wild.dns.example 192.0.2.7
TXT pass.dns.example v=spf1 ip4:192.0.2.10 -all
TXT mxspf.dns.example v=spf1 mx -all
MX mxspf.dns.example 10 mail.dns.example
TXT ptrspf.dns.example v=spf1 ptr -all
PTR 192.0.2.3 mx.ptrspf.dns.example
A mx.ptrspf.dns.example 192.0.2.3
TXT temp.dns.example v=spf1 include:spf.broken.example -all
TXT s1._domainkey.dkim.dns.example v=DKIM1; k=rsa; p=$DKIM_P
DELEGATE broken.example 127.0.0.54
DELEGATE auth.example $SOA
AUTH auth.example ns.auth.example $SOA 120
A a1.auth.example 192.0.2.41
EOF
for i in 1 2 3 4 5 6 7 8; do
	echo "A t$i.dns.example 192.0.2.10$i"
done | tmx_dns_zone
TMX_DNS_CONF=$TMX_TMP/flaky.conf tmx_dns_zone "WILDCARD flaky.example 192.0.2.77"

tmx_addr $SOA
tmx_dns_start || exit 1

# Two broken servers: one never answers (127.0.0.1:5399), one answers
# SERVFAIL at once (127.0.0.54:53, dnsmasq's upstream for broken.example).
tmx_bg broken python3 -c 'import select, socket
silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.bind(("127.0.0.1", 5399))
fail = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fail.bind(("127.0.0.54", 53))
while True:
    for s in select.select([silent, fail], [], [])[0]:
        q, peer = s.recvfrom(4096)
        if s is not fail or len(q) < 17:
            continue
        end = 12
        while end < len(q) and q[end]:
            end += q[end] + 1
        s.sendto(q[:2] + bytes([0x81, 0x82, 0, 1]) + bytes(6) +
                 q[12:end + 5], peer)'

# --- outage, in the background: stop the server, lookups fail within the
# deadline; start it again, time the first success (the server must have
# been silent long enough for libunbound to mark it down, ~20 s) ---------

OUTAGE_S=${TMX_DNS_OUTAGE_S:-25}
DANCE=$TMX_TMP/dance
mkdir -p "$DANCE"
tmx_dns_serve flaky1 $FLAKY "$TMX_TMP/flaky.conf" || exit 1
FLAKY_PID=$TMX_DNS_SERVED
"$PROBE" -t 1000 -f $FLAKY -s outage "$DANCE" flaky.example "$OUTAGE_S" \
	>"$TMX_TMP/outage.out" 2>&1 &
OUTAGE_PROBE=$!
(
	tmx_wait_file "$DANCE/stop" 120 || exit 1
	kill "$FLAKY_PID"
	for _ in $(seq 50); do
		kill -0 "$FLAKY_PID" 2>/dev/null || break
		sleep 0.1
	done
	touch "$DANCE/stopped"
	tmx_wait_file "$DANCE/start" 120 || exit 1
	tmx_dns_serve flaky2 $FLAKY "$TMX_TMP/flaky.conf" || exit 1
	echo "$TMX_DNS_SERVED" >"$DANCE/pid"
	touch "$DANCE/started"
) &

# --- record types ---------------------------------------------------------

dl_run "$PROBE" lookup h1.dns.example A
dl_want "status=answer" "rr: A ttl=300 192.0.2.1$"
dl_run "$PROBE" lookup h1.dns.example AAAA
dl_want "rr: AAAA ttl=300 2001:db8::1$"
dl_run "$PROBE" lookup txt.dns.example TXT
dl_want "rr: TXT ttl=300 v=spf1 ip4:192.0.2.10 -all$"
dl_run "$PROBE" lookup multi.dns.example TXT
dl_want "rr: TXT ttl=300 part one part two$"
dl_run "$PROBE" lookup mx.dns.example MX
dl_want "rr: MX ttl=300 10 mail.dns.example$"
dl_run "$PROBE" lookup 1.2.0.192.in-addr.arpa PTR
dl_want "rr: PTR ttl=300 h1.dns.example$"
dl_run "$PROBE" lookup _25._tcp.mail.dns.example TLSA
dl_want "rr: TLSA ttl=300 030101abcdef0123$"
dl_run "$PROBE" lookup alias.dns.example A
dl_want "canon=h1.dns.example " "rr: A ttl=300 192.0.2.1$"
dl_run "$PROBE" lookup auth.example SOA
dl_want "rr: SOA ttl=120 ns.auth.example hostmaster\.[a-z.]+ [0-9]+ 1200 180 1209600 120$"
dl_run "$PROBE" lookup auth.example NS
dl_want "rr: NS ttl=120 ns.auth.example$"
echo "records: A AAAA TXT (multi-string) MX PTR TLSA CNAME->A SOA NS as served"

# --- NXDOMAIN, NODATA and the negative TTL --------------------------------

dl_run "$PROBE" lookup nope.dns.example A
dl_want "status=NXDOMAIN"
dl_run "$PROBE" lookup h1.dns.example MX
dl_want "status=NODATA"
dl_run "$PROBE" -f $SOA lookup zz.auth.example A
dl_want "status=NXDOMAIN .*negttl=120 "
dl_run "$PROBE" -f $SOA lookup a1.auth.example MX
dl_want "status=NODATA .*negttl=120 "
echo "negative: NXDOMAIN and NODATA told apart; negative TTL from the SOA: 120 s"

# --- the cache ------------------------------------------------------------

dl_run "$PROBE" -t 5000 -s lookup c1.dns.example A 200
n=$(dl_queries "$MAINLOG" c1.dns.example)
[ "$n" = 1 ] || tmx_fail "c1.dns.example: $n queries reached dnsmasq, want 1"
echo "cache: 200 lookups, $n query to dnsmasq; cold $(dl_field cold_us) us," \
	"cached avg $(dl_field cached_avg_us) us, min $(dl_field cached_min_us) us;" \
	"counted as cache hits: $(dl_field cache_hits) of $(dl_field answers)"

# --- TTLs: a 2 s record is asked again once expired; a negative answer is
# kept for its SOA's 120 s, or for max_negative_ttl if that is shorter ----

dl_run "$PROBE" lookup short.dns.example A 3 1500
n=$(dl_queries "$MAINLOG" short.dns.example)
[ "$n" = 2 ] || tmx_fail "short.dns.example: $n queries in 3 s, want 2"
dl_run "$PROBE" -f $SOA lookup neg1.auth.example A 2 1500
n1=$(dl_queries "$MAINLOG" neg1.auth.example)
# (libunbound counts whole seconds: a 1 s entry may live almost 2 s)
dl_run "$PROBE" -f $SOA -N 1 lookup neg2.auth.example A 2 2500
n2=$(dl_queries "$MAINLOG" neg2.auth.example)
[ "$n1" = 1 ] || tmx_fail "neg1.auth.example: $n1 queries, want 1 (SOA 120 s)"
[ "$n2" = 2 ] || tmx_fail "neg2.auth.example: $n2 queries, want 2 (cap 1 s)"
echo "ttl: TTL 2 s record asked $n times over 3 s; NXDOMAIN asked $n1 time" \
	"in 1.5 s (SOA 120 s), $n2 times in 2.5 s with max_negative_ttl 1 s"

# --- 16 threads x 200 lookups ---------------------------------------------

pairs=""
for i in 1 2 3 4 5 6 7 8; do
	pairs="$pairs t$i.dns.example=192.0.2.10$i"
done
# shellcheck disable=SC2086
dl_run "$PROBE" -t 5000 threads 16 200 $pairs
dl_want "ok=3200 bad=0"
n=0
for i in 1 2 3 4 5 6 7 8; do
	n=$((n + $(dl_queries "$MAINLOG" "t$i.dns.example")))
done
echo "concurrency: 16 threads x 200 lookups, $(dl_field ok) correct," \
	"$(dl_field bad) wrong, in $(dl_field wall_ms) ms; $n queries for 8 names"

# --- the event-loop interface ---------------------------------------------

dl_run "$PROBE" async c1.dns.example h1.dns.example mail.dns.example \
	x.wild.dns.example nope.dns.example bad..name
dl_want "async: cancel=0" "async: outstanding=0" "status=NXDOMAIN" \
	"status=invalid name"
echo "async: $(grep -c 'async: status=' "$OUT") callbacks from a poll loop" \
	"(answers, NXDOMAIN, a bad name); the cancelled lookup never called back"

# --- SERVFAIL: at once, and kept by libunbound for a few seconds only ---

# lookups at 0, 3 and 6 s; dnsmasq's count looked at between them
"$PROBE" -t 5000 lookup x.broken.example A 3 3000 >"$OUT" 2>&1 &
sleep 1.5
n1=$(dl_queries "$MAINLOG" x.broken.example)
sleep 3
n2=$(dl_queries "$MAINLOG" x.broken.example)
wait $!
n3=$(dl_queries "$MAINLOG" x.broken.example)
sed 's/^/    /' "$OUT"
dl_want "status=temporary failure .*reason=SERVFAIL"
[ "$n1" -gt 0 ] && [ "$n2" = "$n1" ] && [ "$n3" -gt "$n2" ] ||
	tmx_fail "x.broken.example: $n1, $n2, $n3 queries after 0, 3, 6 s"
echo "servfail: TEMPFAIL in $(dl_field elapsed_us) us; the repeat at 3 s" \
	"from the cache, the one at 6 s asked again (libunbound keeps it 5 s)"

# --- a reload (dns_init again) and a shutdown (the next lookup restarts) ---

dl_run "$PROBE" -t 5000 reinit h1.dns.example
dl_want "answer after dns_init$" "answer after dns_init again$" \
	"answer after dns_shutdown$"
echo "reinit: answers after dns_init, after dns_init again, after dns_shutdown"

# --- a fork after lookups (the policyd detaching, the milter's supervisor) ---
dl_run timeout 30 "$PROBE" -t 5000 fork h1.dns.example
dl_want "^fork: parent answer$" "^fork: child answer$"

# --- the deadline: a server that never answers ------------------------------

for limit in 1000 2500; do
	t0=$(dl_ms)
	dl_run "$PROBE" -t $limit -f $SILENT lookup silent.dns.example A
	took=$(($(dl_ms) - t0))
	dl_want "status=temporary failure .*reason=timeout"
	el=$(($(dl_field elapsed_us) / 1000))
	[ "$el" -ge "$limit" ] && [ "$el" -le $((limit + 1000)) ] ||
		tmx_fail "timeout $limit ms: the lookup took $el ms"
	echo "timeout: silent server, limit $limit ms: TEMPFAIL after $el ms" \
		"(process $took ms, with start and shutdown)"
done

# --- DNSSEC: a trust anchor for a zone dnsmasq cannot sign -------------------

echo "dns.example. 3600 IN DS 12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE1CC61B8B0A9B3B8D6CBDE5A1" \
	>"$TMX_TMP/anchor.key"
dl_run "$PROBE" -a "$TMX_TMP/anchor.key" lookup h1.dns.example A
dl_want "status=temporary failure security=bogus .*reason=validation failure"
dl_run "$PROBE" -a "$TMX_TMP/anchor.key" lookup a1.auth.example A
dl_want "status=answer security=insecure"
echo "dnssec: under a test anchor, unsigned data is bogus (TEMPFAIL with" \
	"libunbound's reason); outside it, insecure"

# --- libspf2 through the layer ----------------------------------------------

for c in "192.0.2.10 u@pass.dns.example pass" \
	"192.0.2.99 u@pass.dns.example fail" \
	"192.0.2.25 u@mxspf.dns.example pass" \
	"192.0.2.3 u@ptrspf.dns.example pass" \
	"192.0.2.10 u@temp.dns.example temperror" \
	"192.0.2.10 u@h1.dns.example none" \
	"192.0.2.10 u@nope.dns.example none"; do
	# shellcheck disable=SC2086
	set -- $c
	dl_run "$AUTH" spf "$1" "$2"
	dl_want "^spf: $1 $2 -> $3$"
done
echo "spf: libspf2 with only our layer: pass (ip4, mx, ptr), fail," \
	"temperror (SERVFAIL below an include), none (NODATA, NXDOMAIN)"

# --- libopendkim through the layer ------------------------------------------

printf 'From: a@dkim.dns.example\nTo: b@example.org\nSubject: dns layer\nMessage-ID: <1@dkim.dns.example>\n\nHello.\n' \
	>"$TMX_TMP/msg"
"$AUTH" sign dkim.dns.example s1 "$TMX_TMP/keys/s1.private" \
	<"$TMX_TMP/msg" >"$TMX_TMP/signed-s1"
"$AUTH" sign dkim.dns.example s2 "$TMX_TMP/keys/s1.private" \
	<"$TMX_TMP/msg" >"$TMX_TMP/signed-s2"
"$AUTH" sign broken.example s1 "$TMX_TMP/keys/s1.private" \
	<"$TMX_TMP/msg" >"$TMX_TMP/signed-broken"
dl_run "$AUTH" verify 3 <"$TMX_TMP/signed-s1"
[ "$(grep -c '^dkim: Success' "$OUT")" = 3 ] || tmx_fail "DKIM: not 3 successes"
n=$(dl_queries "$MAINLOG" s1._domainkey.dkim.dns.example)
[ "$n" = 1 ] || tmx_fail "DKIM key asked $n times for 3 verifications, want 1"
dl_run "$AUTH" verify <"$TMX_TMP/signed-s2"
dl_want "^dkim: No key"
dl_run "$AUTH" verify <"$TMX_TMP/signed-broken"
dl_want "^dkim: Key retrieval failed"
echo "dkim: libopendkim with our hooks: 3 verifications, key asked $n time;" \
	"unpublished selector: no key; SERVFAIL: key retrieval failed (temporary)"

# --- memory -------------------------------------------------------------------

dl_run "$PROBE" mem 2000 wild.dns.example
echo "memory: $(sed -n 's/^mem: //p' "$OUT")"

# --- the outage, collected ------------------------------------------------------

wait "$OUTAGE_PROBE" || tmx_fail "the outage probe failed"
[ -s "$DANCE/pid" ] && TMX_PIDS="$TMX_PIDS $(cat "$DANCE/pid")"
sed 's/^/    /' "$TMX_TMP/outage.out"
grep -q "^outage: down ${OUTAGE_S}s: \([0-9]*\) of \1 lookups failed" \
	"$TMX_TMP/outage.out" || tmx_fail "lookups answered during the outage"
secs=$(sed -n 's/^outage: recovered after \([0-9.]*\) s.*/\1/p' \
	"$TMX_TMP/outage.out")
[ -n "$secs" ] && [ "${secs%.*}" -lt 60 ] ||
	tmx_fail "no recovery within 60 s of the server's return"
echo "outage: ${OUTAGE_S} s down ($(sed -n 's/^outage: down [0-9]*s: //p' \
	"$TMX_TMP/outage.out")); answered again ${secs:-never} s after it came back"

tmx_finish
