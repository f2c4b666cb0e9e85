#!/bin/bash
# policyd-haproxy.sh - HAProxy in front of two trustmx-policyd instances
# (listeners marked "haproxy"), Postfix smtpd as the policy client: health
# checks (PROXY v2 LOCAL) keep both UP without a warning, requests are
# spread over both, a killed instance is taken out and Postfix keeps its
# answers, a client outside policy_clients is refused by the real address
# in the PROXY header.
set -u
. "$TMX_SRCDIR/test/lib/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/lib/postfix.sh"
. "$TMX_SRCDIR/test/policyd/policyd-lib.sh"
tmx_need haproxy swaks

L=$TMX_POLICYD_LOAD
pd_init
tmx_postfix_init

# instance NAME PORT - start one policyd behind HAProxy
instance() {
	{
		echo "user = postfix"
		echo "spf_cache_dir = $PD_CACHE"
		echo "relay_networks = 192.0.2.0/26"
		echo "deny_networks = 192.0.2.64/26"
		echo "proxy_networks = 127.0.0.1"
		echo "deny_policy_action = REJECT 5.7.1 denied by trustmx"
		echo "policy_listen = inet:127.0.0.1:$2 haproxy"
		echo "socketmap_listen ="
	} >"$TMX_TMP/$1.conf"
	tmx_bg "pd-$1" "$TRUSTMX_POLICYD" -f -v -c "$TMX_TMP/$1.conf"
	eval "PID_$1=\$!"
	PD_PID=$! PD_LOG=$TMX_TMP/pd-$1.log pd_wait 'started, lists generation' ||
		fail "instance $1 did not start"
}
instance a 11051
instance b 11052

cat >"$TMX_TMP/haproxy.cfg" <<EOC
global
	log stdout format raw local0
defaults
	log global
	mode tcp
	timeout connect 2s
	timeout client 60s
	timeout server 60s
frontend stats
	mode http
	bind 127.0.0.1:18081
	stats enable
	stats uri /stats
frontend policy
	bind 127.0.0.1:10050
	default_backend policyd
backend policyd
	balance roundrobin
	server a 127.0.0.1:11051 send-proxy-v2 check check-send-proxy inter 200ms fall 2 rise 2
	server b 127.0.0.1:11052 send-proxy-v2 check check-send-proxy inter 200ms fall 2 rise 2
EOC
tmx_bg haproxy haproxy -db -f "$TMX_TMP/haproxy.cfg"
tmx_wait_port 127.0.0.1 18081 || fail "HAProxy did not start"

# status SERVER - HAProxy's view of one policyd
status() {
	ha_csv 18081 | grep "^policyd,$1," | cut -d, -f18
}
sleep 2
expect "instance a" "$(status a)" UP
expect "instance b" "$(status b)" UP
for n in a b; do
	PD_LOG=$TMX_TMP/pd-$n.log PD_PID=$(eval echo \$PID_$n) \
		pd_wait 'health check \(PROXY LOCAL\)' || fail "no health checks at $n"
done

tmx_postfix_set "mynetworks = 198.51.100.250/32" \
	"smtpd_upstream_proxy_protocol = haproxy" \
	"trustmx_policy = check_policy_service inet:127.0.0.1:10050, reject"
tmx_postfix_service "127.0.0.1:12526 inet n - n - - smtpd" \
	"  -o smtpd_client_restrictions=\$trustmx_policy"
tmx_postfix_start || fail "postfix did not start"
tmx_postfix_listening 12526 || fail "smtpd does not listen"

# session SOURCE PORT - one SMTP session from SOURCE; swaks' transcript
session() {
	swaks --server 127.0.0.1:12526 --timeout 20 \
		--proxy-version 2 --proxy-family AF_INET \
		--proxy-source "$1" --proxy-source-port "$2" \
		--proxy-dest 127.0.0.1 --proxy-dest-port 12526 \
		--from sender@example.org --to user@test.example \
		--quit-after RCPT 2>&1
}

# answers - the three kinds of clients get their three outcomes
answers() {
	session 192.0.2.70 40001 | grep -q '^<\*\* *554 5\.7\.1 .*denied by trustmx' ||
		fail "$1: deny source not rejected"
	session 192.0.2.20 40002 | grep -q '^<- *250 2\.1\.5 Ok' ||
		fail "$1: relay source not accepted"
	session 192.0.2.200 40003 | grep -q 'Client host rejected: Access denied' ||
		fail "$1: other source not DUNNO"
	echo "ok: $1: deny, relay and other answered through HAProxy"
}
answers "both up"

# requests are spread over both instances
"$L" -i 127.0.0.1:10050 -s policy -c 20 -r 3 192.0.2.20=OK 192.0.2.200=DUNNO ||
	fail "load through HAProxy"
for n in a b; do
	c=$(grep -c 'via 127\.0\.0\.1: client_address=192\.0\.2\.20' "$TMX_TMP/pd-$n.log")
	[ "$c" -gt 0 ] || fail "instance $n got no requests"
	echo "ok: instance $n answered $c relay requests"
done

# a client outside policy_clients, seen through the PROXY header
tmx_addr 192.0.2.150
"$L" -i 127.0.0.1:10050 -b 192.0.2.150 -s policy 192.0.2.20=OK >/dev/null 2>&1 &&
	fail "a client outside policy_clients was answered"
grep -q '192\.0\.2\.150 via 127\.0\.0\.1: client not in policy_clients' \
	"$TMX_TMP/pd-a.log" "$TMX_TMP/pd-b.log" || fail "outsider refusal not logged"
echo "ok: client outside policy_clients refused behind HAProxy"

# kill one instance: HAProxy takes it out, Postfix keeps its answers
kill -9 "$PID_a"
i=0
while [ "$(status a)" != DOWN ]; do
	i=$((i + 1))
	[ $i -ge 50 ] && fail "HAProxy never marked a DOWN"
	sleep 0.1
done
echo "ok: killed instance marked DOWN"
expect "instance b" "$(status b)" UP
mark=$(tmx_postfix_mark)
answers "one killed"
"$L" -i 127.0.0.1:10050 -s policy -c 20 -r 3 192.0.2.20=OK 192.0.2.200=DUNNO ||
	fail "load through HAProxy with one instance"
echo "ok: load answered by the survivor"

# no warnings from the health checks or anything else at the instances,
# but the refusal of the outsider above
warn=$(grep -h 'warning' "$TMX_TMP/pd-a.log" "$TMX_TMP/pd-b.log" |
	grep -v '192\.0\.2\.150 via 127\.0\.0\.1: client not in policy_clients')
[ -z "$warn" ] || fail "policyd warnings: $warn"
# Postfix: nothing at all while both were up; after the kill, at most the
# one broken persistent connection to the dead instance
before=$(head -n "$mark" "$TMX_PF_LOG" | grep -Ec ': (warning|error|fatal|panic): ')
after=$(tmx_postfix_since "$mark" | grep -Ec ': (warning|error|fatal|panic): ')
echo "ok: Postfix warnings: $before before the kill, $after after it"
[ "$before" = 0 ] || fail "Postfix warnings before the kill: $(tmx_postfix_problems)"
[ "$after" -le 2 ] || fail "Postfix logged $after warnings after the kill"
kill -0 "$PID_b" || fail "instance b died"
PD_PID=$PID_b PD_LOG=$TMX_TMP/pd-b.log pd_stop
echo "PASS"
