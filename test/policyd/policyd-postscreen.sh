#!/bin/bash
# policyd-postscreen.sh - trustmx-policyd as postscreen's access list:
# Postfix postscreen behind PROXY v2 (swaks sends the header) asks
# socketmap:unix:...:postscreen; relay sources are ALLOWLISTED, deny
# sources DENYLISTED, others handled normally; postmap agrees with the
# cidr table trustmx exports; HAProxy health checks stay UP, warning-free.
set -u
. "$TMX_SRCDIR/test/lib/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/lib/postfix.sh"
. "$TMX_SRCDIR/test/policyd/policyd-lib.sh"
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
tmx_postfix_start || fail "postfix did not start"
tmx_postfix_listening $PS_PORT || fail "postscreen does not listen"

# send SOURCE PORT - one SMTP session through postscreen as SOURCE
send() {
	fam=AF_INET
	swaks --server 127.0.0.1:$PS_PORT --timeout 20 \
		--proxy-version 2 --proxy-family $fam \
		--proxy-source "$1" --proxy-source-port "$2" \
		--proxy-dest 127.0.0.1 --proxy-dest-port $PS_PORT \
		--from sender@example.org --to user@test.example \
		--quit-after RCPT >"$TMX_TMP/swaks-$2.log" 2>&1
}

# Postfix 3.6+ logs ALLOWLISTED/DENYLISTED (respectful_logging = yes at
# compatibility_level 3.6); older levels say WHITELISTED/BLACKLISTED.
send 192.0.2.20 40001
tmx_postfix_wait 'postscreen\[[0-9]+\]: ALLOWLISTED \[192\.0\.2\.20\]:40001' ||
	fail "relay source not allowlisted"
grep -q '^<- *250 ' "$TMX_TMP/swaks-40001.log" || fail "relay session not accepted"
echo "ok: relay source ALLOWLISTED and accepted"

send 192.0.2.70 40002
tmx_postfix_wait 'postscreen\[[0-9]+\]: DENYLISTED \[192\.0\.2\.70\]:40002' ||
	fail "deny source not denylisted"
echo "ok: deny source DENYLISTED"

send 192.0.2.10 40003	# in relay_networks and deny_networks: deny wins
tmx_postfix_wait 'postscreen\[[0-9]+\]: DENYLISTED \[192\.0\.2\.10\]:40003' ||
	fail "deny does not win over relay"
echo "ok: deny wins over relay"

send 192.0.2.200 40004
tmx_postfix_wait 'postscreen\[[0-9]+\]: PASS NEW \[192\.0\.2\.200\]:40004' 20 ||
	fail "other source not handled normally"
[ "$(tmx_postfix_count '(ALLOW|DENY)LISTED \[192\.0\.2\.200\]')" = 0 ] ||
	fail "other source was listed"
echo "ok: other source handled normally (PASS NEW)"

# (swaks 20201014 writes a wrong length into IPv6 PROXY v2 headers, so
# IPv6 keys are checked through postmap below instead.)

# every postscreen decision above came from the daemon
for a in 192.0.2.20 192.0.2.70 192.0.2.200; do
	pd_wait "socketmap $a: " 5 || fail "policyd never asked about $a"
done

# pd_postmap -q over the socketmap
expect "postmap relay" "$(pd_sm 192.0.2.1)" "permit"
expect "postmap deny" "$(pd_sm 192.0.2.65)" "reject"
expect "postmap proxy" "$(pd_sm 127.0.0.1)" "permit"
expect "postmap mapped" "$(pd_sm ::ffff:192.0.2.70)" "reject"
expect "postmap other" "$(pd_sm 192.0.2.129)" ""
expect "postmap IPv6 relay" "$(pd_sm 2001:db8:1::25)" "permit"
expect "postmap IPv6 deny" "$(pd_sm 2001:db8:dead::1)" "reject"
expect "postmap IPv6 other" "$(pd_sm 2001:db8:2::1)" ""
expect "postmap hostname" "$(pd_sm mail.example.org)" ""
pd_postmap -q 192.0.2.1 "socketmap:unix:$PD_RUN/socketmap.sock:nosuchmap" \
	>"$TMX_TMP/perm.out" 2>&1 && fail "unknown map answered"
grep -q 'unknown map' "$TMX_TMP/perm.out" || fail "unknown map: $(cat "$TMX_TMP/perm.out")"
echo "ok: unknown map is a permanent error"

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
	[ -s "$TMX_TMP/sm.out" ] || fail "socketmap found nothing"
	cmp -s "$TMX_TMP/sm.out" "$TMX_TMP/cidr.out" ||
		fail "socketmap and cidr disagree: $(diff "$TMX_TMP/sm.out" "$TMX_TMP/cidr.out" | head)"
	echo "ok: socketmap = cidr:export for $(wc -l <"$keys") random keys ($(wc -l <"$TMX_TMP/sm.out") found)"
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
tmx_bg haproxy haproxy -db -f "$TMX_TMP/haproxy.cfg"
sleep 4
stat=$(ha_csv "$HA_STATS" | grep '^mx,ps,')
[ -n "$stat" ] || fail "no HAProxy stats for mx/ps"
status=$(echo "$stat" | cut -d, -f18)
check=$(echo "$stat" | cut -d, -f37)
expect "HAProxy server status" "$status" "UP"
expect "HAProxy check status" "$check" "L7OK"
grep -q 'is DOWN' "$TMX_TMP/haproxy.log" && fail "HAProxy saw the server DOWN"
checks=$(tmx_postfix_since "$mark" | grep -c 'ALLOWLISTED \[127\.0\.0\.1\]')
[ "$checks" -ge 5 ] || fail "only $checks health checks reached postscreen"
echo "ok: $checks health checks, server UP, allowlisted through proxy_networks"

# nothing Postfix complained about, in the whole run (but the unknown map
# postmap query above, which had to fail)
if tmx_postfix_problems '/postmap\[[0-9]+\]: (warning|fatal): .*nosuchmap'; then
	fail "Postfix logged warnings"
fi
echo "ok: no Postfix warnings"
kill -0 "$PD_PID" || fail "policyd died"
pd_stop
echo "PASS"
