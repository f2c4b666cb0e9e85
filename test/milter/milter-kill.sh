#!/bin/bash
# milter-kill.sh - the milter process SIGKILLed twice while 10 clients
# send 200 messages through a real Postfix (milter_default_action =
# tempfail): no message is lost, none is delivered twice, none is
# delivered unchecked (each copy has our Authentication-Results), no
# client ever gets a 5xx, and each 4xx is resent (after 1 s, as a client
# would) until it is delivered. Prints the resends and the wall time.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix pgrep
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"

CLIENTS=10 EACH=20
TOTAL=$((CLIENTS * EACH))
tmx_addr 192.0.2.10
mt_dns || exit 1
mt_config
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

# client K - send K's messages one after the other; a 4xx is sent again
# after 1 s (at most 60 times), a 5xx is written to $TMX_TMP/5xx
client() {
	local i c tries
	for i in $(seq "$EACH"); do
		c=kill-$1-$i
		tries=0
		while :; do
			mt_send "$c" 192.0.2.10 a@pass.example "$(mt_msg "$c" a@pass.example)"
			grep -q '^<-  *250 .*queued' "$MT_OUT" && break
			if grep -q '^<\*\* *5[0-9][0-9]' "$MT_OUT"; then
				echo "$c: $(grep '^<\*\*' "$MT_OUT" | tail -1)" >>"$TMX_TMP/5xx"
				break
			fi
			tries=$((tries + 1))
			[ "$tries" -lt 60 ] || { echo "$c" >>"$TMX_TMP/gave-up"; break; }
			echo "$c" >>"$TMX_TMP/resends"
			sleep 1
		done
	done
}

# delivered - how many messages are in the Maildir
delivered() {
	ls "$MT_MAIL"/Maildir/new 2>/dev/null | wc -l
}

# delivered_ge N - for tmx_until
delivered_ge() {
	[ "$(delivered)" -ge "$1" ]
}

: >"$TMX_TMP/resends"
t0=$(date +%s)
pids=()
for k in $(seq "$CLIENTS"); do
	client "$k" &
	pids+=($!)
done
for at in $((TOTAL / 3)) $((2 * TOTAL / 3)); do
	tmx_until 120 delivered_ge "$at" || tmx_die "only $(delivered) delivered"
	w=$(pgrep -P "$MT_PID" | head -1)
	[ -n "$w" ] || tmx_die "no milter process to kill"
	kill -KILL "$w"
	echo "killed the milter process at $(delivered) delivered"
done
wait "${pids[@]}"
secs=$(($(date +%s) - t0))
tmx_until 30 delivered_ge "$TOTAL"

[ -s "$TMX_TMP/5xx" ] && tmx_fail "5xx during the kills: $(head -3 "$TMX_TMP/5xx")"
[ -s "$TMX_TMP/gave-up" ] && tmx_fail "never delivered: $(head -3 "$TMX_TMP/gave-up")"
tmx_expect "delivered" "$(delivered)" "$TOTAL"
# each case exactly once, each copy judged by the milter
dup=0 lost=0 unchecked=0
for k in $(seq "$CLIENTS"); do
	for i in $(seq "$EACH"); do
		n=$(grep -lx "X-Test-Case: kill-$k-$i" "$MT_MAIL"/Maildir/new/* 2>/dev/null | wc -l)
		[ "$n" = 0 ] && lost=$((lost + 1))
		[ "$n" -gt 1 ] && dup=$((dup + 1))
	done
done
for f in "$MT_MAIL"/Maildir/new/*; do
	mt_headers "$f" | grep -q '^Authentication-Results: mx\.test\.example; spf=pass' ||
		unchecked=$((unchecked + 1))
done
tmx_expect "lost" "$lost" 0
tmx_expect "delivered twice" "$dup" 0
tmx_expect "delivered unchecked" "$unchecked" 0
tmx_expect "milter processes killed" "$(grep -c 'was killed by signal 9' "$MT_LOG")" 2
resends=$(wc -l <"$TMX_TMP/resends")
[ "$resends" -gt 0 ] || tmx_fail "no 4xx at all: the kills missed the mail"
echo "$TOTAL messages from $CLIENTS clients in ${secs}s; $resends 4xx resent, 0 lost, 0 twice, 0 unchecked, 0 5xx"
tmx_finish
