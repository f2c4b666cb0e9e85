#!/bin/bash
# policyd-smtpd.sh - trustmx-policyd as smtpd's check_policy_service, over
# a unix socket and over TCP: a deny source gets deny_policy_action's text,
# a relay source OK, any other DUNNO (so the next restriction decides);
# a TCP client outside policy_clients is refused.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
tmx_need swaks

PD_PORT=10040
pd_init
pd_config \
	"relay_networks = 192.0.2.0/26" \
	"deny_networks = 192.0.2.64/26" \
	"deny_policy_action = REJECT 5.7.1 trustmx test: on the deny list" \
	"relay_policy_action = OK" \
	"policy_listen = unix:$PD_RUN/policy.sock, inet:127.0.0.1:$PD_PORT" \
	"socketmap_listen ="
pd_start
[ "$(stat -c %a "$PD_RUN/policy.sock")" = 660 ] || tmx_die "policy socket mode is not 0660"
[ "$(stat -c %U "$PD_RUN/policy.sock")" = postfix ] || tmx_die "policy socket not given to user"
tmx_pass "unix socket mode 0660, owner postfix"

tmx_postfix_init
# DUNNO falls through to "reject": the three answers give three outcomes
tmx_postfix_set "mynetworks = 198.51.100.250/32" \
	"smtpd_upstream_proxy_protocol = haproxy" \
	"trustmx_unix = check_policy_service unix:$PD_RUN/policy.sock, reject" \
	"trustmx_inet = check_policy_service inet:127.0.0.1:$PD_PORT, reject"
tmx_postfix_service \
	"127.0.0.1:12526 inet n - n - - smtpd" \
	"  -o smtpd_client_restrictions=\$trustmx_unix" \
	"127.0.0.1:12527 inet n - n - - smtpd" \
	"  -o smtpd_client_restrictions=\$trustmx_inet"
tmx_postfix_start || tmx_die "postfix did not start"
tmx_wait_listen 12526 || tmx_die "smtpd does not listen"
tmx_wait_listen 12527 || tmx_die "smtpd does not listen"

for port in 12526 12527; do
	out=$(pd_session $port 192.0.2.70)
	echo "$out" | grep -q '^<\*\* *554 5\.7\.1 .*Client host rejected: trustmx test: on the deny list' ||
		tmx_die "port $port: deny source not rejected with the configured text: $out"
	tmx_pass "port $port: deny -> REJECT with deny_policy_action's text"

	out=$(pd_session $port 192.0.2.20)
	echo "$out" | grep -q '^<- *250 .*Ok' ||
		tmx_die "port $port: relay source not accepted: $out"
	echo "$out" | grep -q '^<\*\*' && tmx_die "port $port: relay source got an error: $out"
	tmx_pass "port $port: relay -> OK"

	out=$(pd_session $port 192.0.2.200)
	echo "$out" | grep -q '^<\*\* *554 5\.7\.1 .*Client host rejected: Access denied' ||
		tmx_die "port $port: other source not passed on with DUNNO: $out"
	tmx_pass "port $port: other -> DUNNO (the next restriction rejects)"
done
pd_wait 'client_address=192\.0\.2\.70: deny_networks: 192\.0\.2\.64/26: REJECT' ||
	tmx_die "policyd did not log the deny decision"

# a TCP client outside policy_clients gets no answer
tmx_addr 192.0.2.150
if "$TMX_POLICYD_LOAD" -i 127.0.0.1:$PD_PORT -b 192.0.2.150 -s policy \
	192.0.2.20=OK >"$TMX_TMP/outsider.log" 2>&1; then
	tmx_die "a client outside policy_clients was answered"
fi
pd_wait 'client 192\.0\.2\.150 not in policy_clients' || tmx_die "refusal not logged"
tmx_pass "client outside policy_clients refused"
"$TMX_POLICYD_LOAD" -i 127.0.0.1:$PD_PORT -b 127.0.0.1 -s policy 192.0.2.20=OK ||
	tmx_die "loopback client not answered"

if tmx_postfix_problems; then
	tmx_die "Postfix logged warnings"
fi
tmx_pass "no Postfix warnings"
kill -0 "$PD_PID" || tmx_die "policyd died"
pd_stop
tmx_finish
