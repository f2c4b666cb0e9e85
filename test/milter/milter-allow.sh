#!/bin/bash
# milter-allow.sh - allow_networks is postscreen's allowlist, not a relay
# list: trustmx-milter judges an allowlisted client (here from an spf:
# source with an include: chain, expanded by the milter's own refresher)
# as a direct sender. Mail from it carrying a forged Received line naming
# an address its sender's SPF allows gets SPF on the allowlisted client's
# own address and no relay recovery; its own mail passes on its own
# address. An address in relay_networks as well is a relay (relay_networks
# wins in the milter): its Received line is read.
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

BIG=203.0.113.66	# a big sender's outbound host: allow_networks via spf:
BOTH=192.0.2.25		# in relay_networks and allow_networks
for a in $BIG $BOTH; do
	tmx_addr "$a"
done
mt_dns "TXT _spf.big.example v=spf1 include:_nb1.big.example ~all" \
	"TXT _nb1.big.example v=spf1 ip4:198.51.100.0/28 include:_nb2.big.example ~all" \
	"TXT _nb2.big.example v=spf1 ip4:203.0.113.64/27 ~all" \
	"TXT big.example v=spf1 include:_spf.big.example -all" || exit 1
CACHE=$TMX_TMP/spf-cache
mkdir -p "$CACHE"
chown nobody "$CACHE"
mt_config "allow_networks = spf:_spf.big.example, $BOTH" \
	"relay_networks = $BOTH" \
	"spf_refresh_min = 10s" "spf_refresh_max = 1m"
sed -i "s|^spf_cache_dir = .*|spf_cache_dir = $CACHE|" "$MT_CONF"
mt_milter_start || exit 1
mt_wait_log 'spf:_spf\.big\.example: 2 prefixes' 10 ||
	tmx_fail "the milter did not expand spf:_spf.big.example"
# the build with the expansion (the refresher swaps the lists in after it)
sleep 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

FORGED='Received: from mail.sender.example (mail.sender.example [203.0.113.9]) by mx.big.example (Postfix) with ESMTP id 1F2E3D4C5B; Sat, 5 Dec 2026 12:00:00 +0000'

# --- an allowlisted client with a forged Received line: judged itself ---
MT_HELO=mail.big.example mt_send allow-forged $BIG a@sender.example \
	"$(mt_msg allow-forged a@sender.example "$FORGED")"
grep -q '^<-  *250 ' "$MT_OUT" || tmx_fail "allow-forged: refused"
mt_expect allow-forged \
	'spf=fail \(domain of a@sender\.example does not designate 203\.0\.113\.66 as permitted sender\)' \
	'smtp\.mailfrom="?a@sender\.example"?' \
	'dmarc=fail \(p=reject'
mt_expect_not allow-forged 'recovered|trusted relay|203\.0\.113\.9'
mt_wait_log "client=$BIG allow spf=fail" 5 ||
	tmx_fail "allow-forged: the milter's log does not say allow"
if grep -q "relay $BIG" "$MT_LOG"; then
	tmx_fail "allow-forged: relay recovery ran for an allowlisted client"
else
	tmx_pass
fi

# --- the big sender's own mail: SPF passes on its own address ---
MT_HELO=mail.big.example mt_send allow-own $BIG a@big.example \
	"$(mt_msg allow-own a@big.example)"
mt_expect allow-own \
	'spf=pass \(domain of a@big\.example designates 203\.0\.113\.66 as permitted sender\)'

# --- in relay_networks too: a relay in the milter, its line is read ---
MT_HELO=backup.relay.example mt_send both-lists $BOTH a@sender.example \
	"$(mt_msg both-lists a@sender.example \
	'Received: from mail.sender.example (mail.sender.example [203.0.113.9]) by backup.relay.example (Postfix) with ESMTP id 1')"
mt_expect both-lists \
	'spf=pass \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 192\.0\.2\.25' \
	'dmarc=pass'
mt_wait_log "client=$BOTH via-relay original=203\.0\.113\.9" 5 ||
	tmx_fail "both-lists: not logged as a relay delivery"

if tmx_failed; then
	echo "--- milter log" >&2
	tail -30 "$MT_LOG" >&2
fi
tmx_finish
