#!/bin/bash
# policyd-smtpd.sh - trustmx-policyd as smtpd's check_policy_service, over
# a unix socket and over TCP: a deny source gets deny_policy_action's text,
# a relay source OK, any other DUNNO (so the next restriction decides);
# a TCP client outside policy_clients is refused.
set -u
. "$TMX_SRCDIR/test/lib/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/lib/postfix.sh"
. "$TMX_SRCDIR/test/policyd/policyd-lib.sh"
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
[ "$(stat -c %a "$PD_RUN/policy.sock")" = 660 ] || fail "policy socket mode is not 0660"
[ "$(stat -c %U "$PD_RUN/policy.sock")" = postfix ] || fail "policy socket not given to user"
echo "ok: unix socket mode 0660, owner postfix"

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
tmx_postfix_start || fail "postfix did not start"
tmx_postfix_listening 12526 || fail "smtpd does not listen"
tmx_postfix_listening 12527 || fail "smtpd does not listen"

# session PORT SOURCE - one SMTP session from SOURCE (PROXY v2); the log
session() {
	swaks --server 127.0.0.1:$1 --timeout 20 \
		--proxy-version 2 --proxy-family AF_INET \
		--proxy-source "$2" --proxy-source-port 40000 \
		--proxy-dest 127.0.0.1 --proxy-dest-port "$1" \
		--from sender@example.org --to user@test.example \
		--quit-after RCPT >"$TMX_TMP/swaks.log" 2>&1
	cat "$TMX_TMP/swaks.log"
}

for port in 12526 12527; do
	out=$(session $port 192.0.2.70)
	echo "$out" | grep -q '^<\*\* *554 5\.7\.1 .*Client host rejected: trustmx test: on the deny list' ||
		fail "port $port: deny source not rejected with the configured text: $out"
	echo "ok: port $port: deny -> REJECT with deny_policy_action's text"

	out=$(session $port 192.0.2.20)
	echo "$out" | grep -q '^<- *250 .*Ok' ||
		fail "port $port: relay source not accepted: $out"
	echo "$out" | grep -q '^<\*\*' && fail "port $port: relay source got an error: $out"
	echo "ok: port $port: relay -> OK"

	out=$(session $port 192.0.2.200)
	echo "$out" | grep -q '^<\*\* *554 5\.7\.1 .*Client host rejected: Access denied' ||
		fail "port $port: other source not passed on with DUNNO: $out"
	echo "ok: port $port: other -> DUNNO (the next restriction rejects)"
done
pd_wait 'client_address=192\.0\.2\.70: deny_networks: 192\.0\.2\.64/26: REJECT' ||
	fail "policyd did not log the deny decision"

# a TCP client outside policy_clients gets no answer
tmx_addr 192.0.2.150
if "$TMX_POLICYD_LOAD" -i 127.0.0.1:$PD_PORT -b 192.0.2.150 -s policy \
	192.0.2.20=OK >"$TMX_TMP/outsider.log" 2>&1; then
	fail "a client outside policy_clients was answered"
fi
pd_wait 'client 192\.0\.2\.150 not in policy_clients' || fail "refusal not logged"
echo "ok: client outside policy_clients refused"
"$TMX_POLICYD_LOAD" -i 127.0.0.1:$PD_PORT -b 127.0.0.1 -s policy 192.0.2.20=OK ||
	fail "loopback client not answered"

if tmx_postfix_problems; then
	fail "Postfix logged warnings"
fi
echo "ok: no Postfix warnings"
kill -0 "$PD_PID" || fail "policyd died"
pd_stop
echo "PASS"
