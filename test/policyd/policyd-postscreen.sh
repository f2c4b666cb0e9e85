#!/bin/bash
# policyd-postscreen.sh - trustmx-policyd as postscreen's access list:
# Postfix postscreen behind PROXY v2 (swaks sends the header) asks
# socketmap:unix:...:postscreen; relay sources are ALLOWLISTED, deny
# sources DENYLISTED, others handled normally; postmap agrees with the
# cidr table trustmx exports; HAProxy health checks stay UP, warning-free.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/haproxy.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
tmx_need swaks haproxy

PS_PORT=12525
pd_init
pd_config \
	"relay_networks = 192.0.2.0/26, [2001:db8:1::]/48" \
	"proxy_networks = 127.0.0.1/32" \
	"deny_networks = 192.0.2.64/26, 192.0.2.10, [2001:db8:dead::]/48" \
	"policy_listen =" \
	"socketmap_listen = unix:$PD_RUN/socketmap.sock"
pd_start

tmx_postfix_init
tmx_postfix_set \
	"mynetworks = 198.51.100.250/32" \
	"postscreen_upstream_proxy_protocol = haproxy" \
	"postscreen_access_list = permit_mynetworks, socketmap:unix:$PD_RUN/socketmap.sock:postscreen" \
	"postscreen_denylist_action = drop" \
	"postscreen_greet_wait = 1s" \
	"postscreen_dnsbl_sites =" \
	"smtpd_client_restrictions ="
tmx_postfix_service \
	"127.0.0.1:$PS_PORT inet n - n - 1 postscreen" \
	"smtpd     pass  -       -       n       -       -       smtpd" \
	"dnsblog   unix  -       -       n       -       0       dnsblog" \
	"tlsproxy  unix  -       -       n       -       0       tlsproxy"
tmx_postfix_start || tmx_die "postfix did not start"
tmx_wait_listen $PS_PORT || tmx_die "postscreen does not listen"

# Postfix 3.6+ logs ALLOWLISTED/DENYLISTED (respectful_logging = yes at
# compatibility_level 3.6); older levels say WHITELISTED/BLACKLISTED.
pd_session $PS_PORT 192.0.2.20 40001 >"$TMX_TMP/swaks-40001.log"
tmx_postfix_wait 'postscreen\[[0-9]+\]: ALLOWLISTED \[192\.0\.2\.20\]:40001' ||
	tmx_die "relay source not allowlisted"
grep -q '^<- *250 ' "$TMX_TMP/swaks-40001.log" || tmx_die "relay session not accepted"
tmx_pass "relay source ALLOWLISTED and accepted"

pd_session $PS_PORT 192.0.2.70 40002 >"$TMX_TMP/swaks-40002.log"
tmx_postfix_wait 'postscreen\[[0-9]+\]: DENYLISTED \[192\.0\.2\.70\]:40002' ||
	tmx_die "deny source not denylisted"
tmx_pass "deny source DENYLISTED"

# in relay_networks and deny_networks: deny wins
pd_session $PS_PORT 192.0.2.10 40003 >"$TMX_TMP/swaks-40003.log"
tmx_postfix_wait 'postscreen\[[0-9]+\]: DENYLISTED \[192\.0\.2\.10\]:40003' ||
	tmx_die "deny does not win over relay"
tmx_pass "deny wins over relay"

pd_session $PS_PORT 192.0.2.200 40004 >"$TMX_TMP/swaks-40004.log"
tmx_postfix_wait 'postscreen\[[0-9]+\]: PASS NEW \[192\.0\.2\.200\]:40004' 20 ||
	tmx_die "other source not handled normally"
[ "$(tmx_postfix_count '(ALLOW|DENY)LISTED \[192\.0\.2\.200\]')" = 0 ] ||
	tmx_die "other source was listed"
tmx_pass "other source handled normally (PASS NEW)"

# (swaks 20201014 writes a wrong length into IPv6 PROXY v2 headers, so
# IPv6 keys are checked through postmap below instead.)

# every postscreen decision above came from the daemon
for a in 192.0.2.20 192.0.2.70 192.0.2.200; do
	pd_wait "socketmap $a: " 5 || tmx_die "policyd never asked about $a"
done

# pd_postmap -q over the socketmap
tmx_expect "postmap relay" "$(pd_sm 192.0.2.1)" "permit"
tmx_expect "postmap deny" "$(pd_sm 192.0.2.65)" "reject"
tmx_expect "postmap proxy" "$(pd_sm 127.0.0.1)" "permit"
tmx_expect "postmap mapped" "$(pd_sm ::ffff:192.0.2.70)" "reject"
tmx_expect "postmap other" "$(pd_sm 192.0.2.129)" ""
tmx_expect "postmap IPv6 relay" "$(pd_sm 2001:db8:1::25)" "permit"
tmx_expect "postmap IPv6 deny" "$(pd_sm 2001:db8:dead::1)" "reject"
tmx_expect "postmap IPv6 other" "$(pd_sm 2001:db8:2::1)" ""
tmx_expect "postmap hostname" "$(pd_sm mail.example.org)" ""
pd_postmap -q 192.0.2.1 "socketmap:unix:$PD_RUN/socketmap.sock:nosuchmap" \
	>"$TMX_TMP/perm.out" 2>&1 && tmx_die "unknown map answered"
grep -q 'unknown map' "$TMX_TMP/perm.out" || tmx_die "unknown map: $(cat "$TMX_TMP/perm.out")"
tmx_pass "unknown map is a permanent error"

# the socketmap agrees with the cidr table trustmx(1) exports
if "$TRUSTMX" list export -c "$PD_CONF" "$TMX_TMP/export.cidr" >"$TMX_TMP/export.err" 2>&1; then
	keys=$TMX_TMP/keys
	: >"$keys"
	for i in $(seq 1 300); do
		case $((RANDOM % 4)) in
		0) echo "192.0.2.$((RANDOM % 256))" ;;
		1) echo "198.51.100.$((RANDOM % 256))" ;;
		2) echo "127.0.$((RANDOM % 2)).$((RANDOM % 4))" ;;
		3) printf '2001:db8:%x::%x\n' $((RANDOM % 3 == 0 ? 1 : 57005)) $RANDOM ;;
		esac
	done >"$keys"
	pd_postmap -q - "socketmap:unix:$PD_RUN/socketmap.sock:postscreen" <"$keys" |
		sort >"$TMX_TMP/sm.out"
	pd_postmap -q - "cidr:$TMX_TMP/export.cidr" <"$keys" | sort >"$TMX_TMP/cidr.out"
	[ -s "$TMX_TMP/sm.out" ] || tmx_die "socketmap found nothing"
	cmp -s "$TMX_TMP/sm.out" "$TMX_TMP/cidr.out" ||
		tmx_die "socketmap and cidr disagree: $(diff "$TMX_TMP/sm.out" "$TMX_TMP/cidr.out" | head)"
	tmx_pass "socketmap = cidr:export for $(wc -l <"$keys") random keys ($(wc -l <"$TMX_TMP/sm.out") found)"
else
	echo "note: trustmx list export unavailable: $(head -1 "$TMX_TMP/export.err")"
fi

# HAProxy health checks (PROXY v2 LOCAL + SMTP HELO) against postscreen
HA_STATS=18080
cat >"$TMX_TMP/haproxy.cfg" <<EOC
global
	log stdout format raw local0
defaults
	mode tcp
	timeout connect 2s
	timeout client 10s
	timeout server 10s
frontend stats
	mode http
	bind 127.0.0.1:$HA_STATS
	stats enable
	stats uri /stats
backend mx
	option smtpchk HELO hc.test.example
	server ps 127.0.0.1:$PS_PORT send-proxy-v2 check check-send-proxy inter 200ms fall 1 rise 1
frontend smtp
	bind 127.0.0.1:12600
	default_backend mx
EOC
mark=$(tmx_postfix_mark)
tmx_haproxy_start "$TMX_TMP/haproxy.cfg" $HA_STATS 12600 ||
	tmx_die "HAProxy did not start"
sleep 4
tmx_expect "HAProxy server status" "$(tmx_haproxy_field $HA_STATS mx ps status)" "UP"
tmx_expect "HAProxy check status" "$(tmx_haproxy_field $HA_STATS mx ps check_status)" "L7OK"
grep -q 'is DOWN' "$TMX_HA_LOG" && tmx_die "HAProxy saw the server DOWN"
checks=$(tmx_postfix_since "$mark" | grep -c 'ALLOWLISTED \[127\.0\.0\.1\]')
[ "$checks" -ge 5 ] || tmx_die "only $checks health checks reached postscreen"
tmx_pass "$checks health checks, server UP, allowlisted through proxy_networks"

# nothing Postfix complained about, in the whole run (but the unknown map
# postmap query above, which had to fail)
if tmx_postfix_problems '/postmap\[[0-9]+\]: (warning|fatal): .*nosuchmap'; then
	tmx_die "Postfix logged warnings"
fi
tmx_pass "no Postfix warnings"
kill -0 "$PD_PID" || tmx_die "policyd died"
pd_stop
tmx_finish
