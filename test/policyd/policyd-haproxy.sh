#!/bin/bash
# policyd-haproxy.sh - HAProxy in front of two trustmx-policyd instances
# (listeners marked "haproxy"), Postfix smtpd as the policy client: health
# checks (PROXY v2 LOCAL) keep both UP without a warning, requests are
# spread over both, a killed instance is taken out and Postfix keeps its
# answers, a client outside policy_clients is refused by the real address
# in the PROXY header.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/haproxy.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
tmx_need haproxy swaks

L=$TMX_POLICYD_LOAD
pd_init
tmx_postfix_init

declare -A PID	# instance name -> pid

# instance NAME PORT - start one policyd behind HAProxy; its pid in PID[NAME]
instance() {
	PD_CONF=$TMX_TMP/$1.conf pd_config \
		"relay_networks = 192.0.2.0/26" \
		"deny_networks = 192.0.2.64/26" \
		"proxy_networks = 127.0.0.1" \
		"deny_policy_action = REJECT 5.7.1 denied by trustmx" \
		"policy_listen = inet:127.0.0.1:$2 haproxy" \
		"socketmap_listen ="
	PD_CONF=$TMX_TMP/$1.conf PD_NAME=pd-$1 pd_start ||
		tmx_die "instance $1 did not start"
	PID[$1]=$PD_PID
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
tmx_haproxy_start "$TMX_TMP/haproxy.cfg" 18081 10050 || tmx_die "HAProxy did not start"

# status SERVER - HAProxy's view of one policyd
status() {
	tmx_haproxy_field 18081 policyd "$1" status
}
sleep 2
tmx_expect "instance a" "$(status a)" UP
tmx_expect "instance b" "$(status b)" UP
for n in a b; do
	PD_LOG=$TMX_TMP/pd-$n.log PD_PID=${PID[$n]} \
		pd_wait 'health check \(PROXY LOCAL\)' || tmx_die "no health checks at $n"
done

tmx_postfix_set "mynetworks = 198.51.100.250/32" \
	"smtpd_upstream_proxy_protocol = haproxy" \
	"trustmx_policy = check_policy_service inet:127.0.0.1:10050, reject"
tmx_postfix_service "127.0.0.1:12526 inet n - n - - smtpd" \
	"  -o smtpd_client_restrictions=\$trustmx_policy"
tmx_postfix_start || tmx_die "postfix did not start"
tmx_wait_listen 12526 || tmx_die "smtpd does not listen"

# answers - the three kinds of clients get their three outcomes
answers() {
	pd_session 12526 192.0.2.70 40001 | grep -q '^<\*\* *554 5\.7\.1 .*denied by trustmx' ||
		tmx_die "$1: deny source not rejected"
	pd_session 12526 192.0.2.20 40002 | grep -q '^<- *250 2\.1\.5 Ok' ||
		tmx_die "$1: relay source not accepted"
	pd_session 12526 192.0.2.200 40003 | grep -q 'Client host rejected: Access denied' ||
		tmx_die "$1: other source not DUNNO"
	tmx_pass "$1: deny, relay and other answered through HAProxy"
}
answers "both up"

# requests are spread over both instances
"$L" -i 127.0.0.1:10050 -s policy -c 20 -r 3 192.0.2.20=OK 192.0.2.200=DUNNO ||
	tmx_die "load through HAProxy"
for n in a b; do
	c=$(grep -c 'via 127\.0\.0\.1: client_address=192\.0\.2\.20' "$TMX_TMP/pd-$n.log")
	[ "$c" -gt 0 ] || tmx_die "instance $n got no requests"
	tmx_pass "instance $n answered $c relay requests"
done

# a client outside policy_clients, seen through the PROXY header
tmx_addr 192.0.2.150
"$L" -i 127.0.0.1:10050 -b 192.0.2.150 -s policy 192.0.2.20=OK >/dev/null 2>&1 &&
	tmx_die "a client outside policy_clients was answered"
grep -q '192\.0\.2\.150 via 127\.0\.0\.1: client not in policy_clients' \
	"$TMX_TMP/pd-a.log" "$TMX_TMP/pd-b.log" || tmx_die "outsider refusal not logged"
tmx_pass "client outside policy_clients refused behind HAProxy"

# kill one instance: HAProxy takes it out, Postfix keeps its answers
kill -9 "${PID[a]}"
tmx_haproxy_wait 18081 policyd a DOWN 5 || tmx_die "HAProxy never marked a DOWN"
tmx_pass "killed instance marked DOWN"
tmx_expect "instance b" "$(status b)" UP
mark=$(tmx_postfix_mark)
answers "one killed"
"$L" -i 127.0.0.1:10050 -s policy -c 20 -r 3 192.0.2.20=OK 192.0.2.200=DUNNO ||
	tmx_die "load through HAProxy with one instance"
tmx_pass "load answered by the survivor"

# no warnings from the health checks or anything else at the instances,
# but the refusal of the outsider above
warn=$(grep -h 'warning' "$TMX_TMP/pd-a.log" "$TMX_TMP/pd-b.log" |
	grep -v '192\.0\.2\.150 via 127\.0\.0\.1: client not in policy_clients')
[ -z "$warn" ] || tmx_die "policyd warnings: $warn"
# Postfix: nothing at all while both were up; after the kill, at most the
# one broken persistent connection to the dead instance
before=$(head -n "$mark" "$TMX_PF_LOG" | grep -Ec ': (warning|error|fatal|panic): ')
after=$(tmx_postfix_since "$mark" | grep -Ec ': (warning|error|fatal|panic): ')
tmx_pass "Postfix warnings: $before before the kill, $after after it"
[ "$before" = 0 ] || tmx_die "Postfix warnings before the kill: $(tmx_postfix_problems)"
[ "$after" -le 2 ] || tmx_die "Postfix logged $after warnings after the kill"
kill -0 "${PID[b]}" || tmx_die "instance b died"
PD_PID=${PID[b]} PD_LOG=$TMX_TMP/pd-b.log pd_stop
tmx_finish
