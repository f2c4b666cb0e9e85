#!/bin/bash
# milter-dns-outage.sh - DNS outages as trustmx-milter meets them behind a
# real Postfix: the resolver refusing (stopped) and silent (reads, never
# answers), with dns_tempfail = yes (451 4.7.1) and no (accepted with
# spf=temperror); never a 5xx and no message waiting much beyond
# dns_timeout per lookup; and mail passes again within a minute of DNS
# returning (libspf2's own cache used to keep the failures 30 minutes).
# Prints how long each step took.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix dnsmasq python3
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"

tmx_addr 192.0.2.10
mt_dns || exit 1
mt_config "dns_tempfail = yes" "dns_timeout = 2s"
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1
mt_milter_start || exit 1

N=0
# send - one message from a@pass.example (SPF pass, DMARC p=reject) via
# 192.0.2.10; its case name in $CASE, milliseconds in $MS
send() {
	local t0
	N=$((N + 1))
	CASE=m$N
	t0=$(date +%s%N)
	mt_send "$CASE" 192.0.2.10 a@pass.example "$(mt_msg "$CASE" a@pass.example)"
	MS=$((($(date +%s%N) - t0) / 1000000))
}

# no_5xx - the last session never got a 5xx
no_5xx() {
	! grep -q '^<\*\* *5[0-9][0-9]' "$MT_OUT" ||
		tmx_fail "$CASE: a 5xx during an outage: $(grep '^<\*\*' "$MT_OUT")"
}

# outage WHAT - a message during the outage: 451 4.7.1 (dns_tempfail),
# within the time the lookups may take
outage() {
	send
	no_5xx
	if grep -q '^<\*\* *451 4\.7\.1 temporary DNS failure' "$MT_OUT"; then
		tmx_pass "$1: 451 4.7.1 after ${MS}ms"
	else
		tmx_fail "$1: no 451 4.7.1: $(grep '^<[-*]' "$MT_OUT" | tail -2)"
	fi
	[ "$MS" -lt 20000 ] || tmx_fail "$1: the message waited ${MS}ms"
}

# passes - a message now passes SPF and is delivered
passes() {
	send
	grep -q '^<-  *250 .*queued' "$MT_OUT" &&
		mt_ar "$CASE" 2>/dev/null | grep -q 'spf=pass'
}

# recovers WHAT - mail passes again within 60 s of DNS returning
recovers() {
	local t0=$(date +%s) s
	until passes; do
		no_5xx
		s=$(($(date +%s) - t0))
		[ "$s" -lt 60 ] || { tmx_fail "$1: still failing ${s}s after DNS returned"; return; }
		sleep 1
	done
	tmx_pass "$1: mail passes again $(($(date +%s) - t0))s after DNS returned"
}

passes || tmx_die "no pass with DNS up: $(grep '^<[-*]' "$MT_OUT" | tail -2)"

# --- the resolver refuses (stopped: port closed) ---
tmx_dns_stop
outage "resolver stopped"
outage "resolver stopped, again"
tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not restart"
recovers "resolver stopped"

# --- the resolver is silent: it reads and never answers ---
tmx_dns_stop
tmx_dns_silent 127.0.0.53 || tmx_die "no silent server"
outage "resolver silent"
pkill -f 'import socket, sys, time' 2>/dev/null
tmx_until 5 eval '! tmx_udp_bound 127.0.0.53 53' || tmx_die "silent server still bound"
tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not restart"
recovers "resolver silent"

# --- dns_tempfail = no: accepted with spf=temperror, never bounced ---
mt_config "dns_tempfail = no" "dns_timeout = 2s"
mt_hup || tmx_die "no reload"
tmx_dns_stop
send
no_5xx
if grep -q '^<-  *250 .*queued' "$MT_OUT"; then
	tmx_pass "dns_tempfail = no: accepted after ${MS}ms"
	mt_expect "$CASE" 'spf=temperror' 'dmarc=temperror'
else
	tmx_fail "dns_tempfail = no: not accepted: $(grep '^<[-*]' "$MT_OUT" | tail -2)"
fi
tmx_dns_start "timeout:1 attempts:1" || tmx_die "dnsmasq did not restart"
recovers "dns_tempfail = no"

if tmx_failed; then
	echo "--- milter log" >&2
	tail -30 "$MT_LOG" >&2
fi
tmx_finish
