#!/bin/bash
# milter-concurrency.sh - many sessions at once through trustmx-milter:
# 3 rounds of 20 simultaneous DKIM-signed deliveries must all verify.
# Debian's libopendkim resolver shares one res_state between threads; with
# it, about one message in seven came out dkim=temperror at 20 sessions
# (bench/milter-run), so this fails with near certainty if that returns.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix opendkim-genkey

tmx_addr 192.0.2.11
mt_dns || exit 1
mt_config
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

rounds=3 sessions=20
for r in $(seq $rounds); do
	files=()
	for s in $(seq $sessions); do
		files+=("$(mt_signed "conc-$r-$s" dkim.example s1 \
			"Alice <alice@dkim.example>")") || exit 1
	done
	pids=()	# only these: a bare wait would wait for dnsmasq too
	for s in $(seq $sessions); do
		mt_send "conc-$r-$s" 192.0.2.11 a@fail.example "${files[s - 1]}" &
		pids+=($!)
	done
	wait "${pids[@]}"
done
for r in $(seq $rounds); do
	for s in $(seq $sessions); do
		mt_expect "conc-$r-$s" 'dkim=pass header\.d=dkim\.example header\.s=s1' \
			'dmarc=pass'
	done
done
tmx_failed && tail -20 "$MT_LOG" >&2
echo "$((rounds * sessions)) concurrent deliveries"
tmx_finish
