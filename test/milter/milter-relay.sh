#!/bin/bash
# milter-relay.sh - the backup-MX path: a second Postfix (backup.relay.example,
# 192.0.2.25, in relay_networks) queues mail while the primary is stopped and
# delivers it when the primary returns; trustmx-milter judges SPF on the
# client recovered from the backup's Received line. Also: a sender that fails
# SPF and DMARC p=reject through the relay is marked, never rejected (no
# bounce at the backup); a forged Received line below the relay's is not
# believed; a relay delivery without a usable line gets spf=none, never a
# fail against the relay; two trusted hops; DKIM through the relay.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix opendkim-genkey
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"

RELAY=192.0.2.25
INNER=198.51.100.30
for a in $RELAY $INNER 203.0.113.9 203.0.113.66; do
	tmx_addr "$a"
done
mt_dns || exit 1
mt_config "dmarc_reject = yes" "relay_networks = $RELAY, $INNER/32"
mt_milter_start || exit 1

# the primary (milter) and the backup MX, two Postfix instances
mt_primary_init
mt_backup_init $RELAY 127.0.0.1:2626

# via_backup CASE CLIENT HELO MAILFROM FILE - a sender hands mail to the backup
via_backup() {
	MT_SERVER=127.0.0.1:2626 MT_HELO=$3 mt_send "$1" "$2" "$4" "$5"
	grep -q '^<-  *250 .*queued as' "$MT_OUT" || tmx_fail "$1: backup refused it"
}

tmx_postfix_use backup
tmx_postfix_start || exit 1
tmx_wait_listen 2626 || exit 1

# --- the primary is down: the backup queues ---
via_backup queued 203.0.113.9 mail.sender.example a@sender.example \
	"$(mt_msg queued a@sender.example)"
tmx_postfix_wait 'to=<user@test.example>.*status=deferred' 20 ||
	tmx_fail "queued: the backup did not defer while the primary was down"

# --- the primary returns; the backup delivers ---
tmx_postfix_use primary
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1
postqueue -c "$TMX_TMP/backup/etc" -f
mt_expect queued \
	'spf=pass \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 192\.0\.2\.25' \
	'smtp\.mailfrom="?a@sender\.example"?' \
	'dmarc=pass \(p=reject; aligned SPF\) header\.from=sender\.example'

# --- a forged sender through the relay: marked, delivered, no bounce ---
via_backup relay-fail 203.0.113.66 mail.sender.example a@sender.example \
	"$(mt_msg relay-fail a@sender.example)"
mt_expect relay-fail 'spf=fail \(client 203\.0\.113\.66 recovered' \
	'dmarc=fail \(p=reject'

# --- a forged Received line below the relay's is never read ---
via_backup forged-rcvd 203.0.113.66 mail.sender.example a@sender.example \
	"$(mt_msg forged-rcvd a@sender.example \
	'Received: from mail.sender.example (mail.sender.example [203.0.113.9]) by backup.relay.example')"
mt_expect forged-rcvd 'spf=fail \(client 203\.0\.113\.66 recovered'

# --- two trusted hops: the inner relay's line is read too ---
via_backup two-hop $INNER inner.relay.example a@sender.example \
	"$(mt_msg two-hop a@sender.example \
	'Received: from mail.sender.example (mail.sender.example [203.0.113.9]) by inner.relay.example (Postfix) with ESMTP id 1')"
mt_expect two-hop 'spf=pass \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 198\.51\.100\.30, multi-hop'

# --- DKIM and DMARC through the relay ---
f=$(mt_signed relay-dkim dkim.example s1 'a@dkim.example') || exit 1
via_backup relay-dkim 203.0.113.66 mail.sender.example b@fail.example "$f"
mt_expect relay-dkim 'dkim=pass header\.d=dkim\.example header\.s=s1' \
	'dmarc=pass \(p=reject; aligned DKIM\)'

# --- the relay itself, with no usable Received line: spf=none, not fail ---
MT_HELO=backup.relay.example mt_send relay-noline $RELAY a@sender.example \
	"$(mt_msg relay-noline a@sender.example)"
grep -q '^<-  *250 ' "$MT_OUT" || tmx_fail "relay-noline: refused"
mt_expect relay-noline 'spf=none \(mail came through trusted relay 192\.0\.2\.25; no usable Received line'
mt_expect_not relay-noline 'spf=fail'

# the backup never bounced anything
tmx_postfix_use backup
tmx_postfix_wait 'relay-dkim|status=sent' 5 >/dev/null
n=$(tmx_postfix_count 'status=bounced')
[ "$n" = 0 ] || tmx_fail "the backup bounced $n messages"
[ "$(tmx_postfix_count 'to=<user@test.example>.*relay=127.0.0.1.*status=sent')" -ge 5 ] ||
	tmx_fail "the backup did not deliver everything to the primary"
grep -q 'trusted relay 192.0.2.25: no client recovered' "$MT_LOG" ||
	tmx_fail "no log line for the unusable relay delivery"
if tmx_failed; then
	echo "--- milter log" >&2
	tail -30 "$MT_LOG" >&2
	echo "--- backup log" >&2
	tail -30 "$TMX_PF_LOG" >&2
fi
tmx_finish
