#!/bin/bash
# milter-reload.sh - configuration handling of trustmx-milter: -n accepts a
# good file and names the bad line of a bad one; SIGHUP reloads settings
# and lists in the running milter process (libmilter itself would stop on
# SIGHUP), a message in flight keeps the snapshot it started with, a bad
# file is refused and the running configuration kept, relay_quarantine
# holds relayed mail that fails, SIGTERM stops everything.
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

tmx_addr 192.0.2.10
tmx_addr 192.0.2.25
mt_dns || exit 1

# --- -n ---
mt_config "dmarc_reject = yes"
out=$("$TRUSTMX_MILTER" -n -c "$MT_CONF" 2>&1) || tmx_fail "-n refused a good file: $out"
echo "$out" | grep -q 'configuration OK' || tmx_fail "-n said: $out"
cp "$MT_CONF" "$TMX_TMP/good.conf"
mt_config "dmarc_reject = yes" "no_such_key = 1"
out=$("$TRUSTMX_MILTER" -n -c "$MT_CONF" 2>&1) && tmx_fail "-n accepted an unknown key"
echo "$out" | grep -q "trustmx.conf:7: unknown parameter" || tmx_fail "-n did not name the line: $out"
mt_config "dmarc_reject = yes" "relay_networks = 192.0.2.300"
"$TRUSTMX_MILTER" -n -c "$MT_CONF" >/dev/null 2>&1 && tmx_fail "-n accepted a bad relay_networks"
cp "$TMX_TMP/good.conf" "$MT_CONF"

mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1
child=$(pgrep -P "$MT_PID")
[ -n "$child" ] || tmx_fail "no milter process under the supervisor"

mt_send before 192.0.2.10 a@pass.example "$(mt_msg before a@pass.example)"
mt_expect before '^Authentication-Results: mx\.test\.example;'

# smtp LINE - send one SMTP line on fd 3, read the (last line of the) reply
smtp() {
	printf '%s\r\n' "$1" >&3
	while IFS= read -r -t 30 reply <&3; do
		case $reply in [0-9][0-9][0-9]" "*) break ;; esac
	done
}

# --- a message in flight keeps its snapshot across a reload ---
exec 3<>/dev/tcp/127.0.0.1/2525
IFS= read -r -t 10 reply <&3
smtp "EHLO client.example"
smtp "MAIL FROM:<a@none.example>"
MT_AUTHSERV=mx2.test.example mt_config "dmarc_reject = yes" \
	"relay_networks = 192.0.2.25" "relay_quarantine = yes"
mt_hup
smtp "RCPT TO:<user@test.example>"
smtp "DATA"
printf '%s\r\n' "From: a@none.example" "Subject: in flight" \
	"X-Test-Case: in-flight" "" "body" "." >&3
while IFS= read -r -t 30 reply <&3; do
	case $reply in [0-9][0-9][0-9]" "*) break ;; esac
done
case $reply in 250*) ;; *) tmx_fail "in-flight: $reply" ;; esac
smtp "QUIT"
exec 3<&-
mt_expect in-flight '^Authentication-Results: mx\.test\.example;' \
	'spf=none \(local submission, not checked\)'

# --- new messages see the new settings; same milter process ---
[ "$(pgrep -P "$MT_PID")" = "$child" ] || tmx_fail "the milter process was restarted"
mt_send after 192.0.2.10 a@pass.example "$(mt_msg after a@pass.example \
	'Authentication-Results: mx2.test.example; spf=pass smtp.mailfrom=forged')"
mt_expect after '^Authentication-Results: mx2\.test\.example;'
mt_expect_not after 'forged'

# --- the reloaded relay_networks and relay_quarantine: held, not refused ---
mark=$(tmx_postfix_mark)
MT_HELO=backup.relay.example mt_send relay-held 192.0.2.25 a@sender.example \
	"$(mt_msg relay-held a@sender.example)"
grep -q '^<-  *250 ' "$MT_OUT" || tmx_fail "relay-held: refused"
sleep 1
tmx_postfix_since "$mark" | grep -q 'milter-hold: .*from=<a@sender.example>' ||
	tmx_fail "relay-held: not held"

# --- a bad file is refused; the running configuration stays ---
MT_AUTHSERV=mx3.test.example mt_config "bogus_key = 1"
mt_hup
grep -q 'not reloading: .*trustmx.conf:.*bogus_key' "$MT_LOG" ||
	tmx_fail "the bad file was not refused with its line"
mt_send kept 192.0.2.10 a@pass.example "$(mt_msg kept a@pass.example)"
mt_expect kept '^Authentication-Results: mx2\.test\.example;'

# --- dns_tempfail: DNS trouble answers 4xx (never 5xx), after a reload ---
MT_AUTHSERV=mx2.test.example mt_config "dns_tempfail = yes"
mt_hup
mt_send dns-temp 192.0.2.10 a@broken.example "$(mt_msg dns-temp a@broken.example)"
grep -q '^<\*\* *451 4\.7\.1 temporary DNS failure' "$MT_OUT" ||
	tmx_fail "dns-temp: no 451 4.7.1: $(grep '^<\*\*' "$MT_OUT")"

# --- the supervisor replaces a milter process that dies ---
kill -KILL "$child"
mt_wait_log 'killed by signal 9; restarting|killed by signal 9' 10 ||
	tmx_fail "the supervisor did not notice"
# respawned ... - the new milter process is listening
respawned() {
	[ "$(grep -c 'listening on' "$MT_LOG")" -ge 2 ]
}
tmx_until 10 respawned
child=$(pgrep -P "$MT_PID")
[ -n "$child" ] || tmx_fail "no new milter process"
mt_send respawned 192.0.2.10 a@pass.example "$(mt_msg respawned a@pass.example)"
mt_expect respawned '^Authentication-Results: mx2\.test\.example;'

# --- SIGTERM stops the supervisor and the milter ---
# both_gone - neither the supervisor nor the milter process runs
both_gone() {
	! kill -0 "$MT_PID" 2>/dev/null && ! kill -0 "$child" 2>/dev/null
}
kill -TERM "$MT_PID"
tmx_until 10 both_gone || tmx_fail "still running 10s after SIGTERM"
MT_PID=
# with the milter gone, Postfix must tempfail (milter_default_action)
mt_send gone 192.0.2.10 a@pass.example "$(mt_msg gone a@pass.example)"
grep -q '^<\*\* *4[0-9][0-9] ' "$MT_OUT" || tmx_fail "no tempfail without the milter"
if tmx_failed; then
	echo "--- milter log" >&2
	tail -30 "$MT_LOG" >&2
fi
tmx_finish
