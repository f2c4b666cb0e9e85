#!/bin/bash
# milter-arc.sh - ARC (RFC 8617) through real Postfix, with dkimpy
# (python3-dkim) as the other implementation:
#  - a mailing list adds a footer and seals: DKIM breaks, DMARC fails; a
#    trusted sealer's word (dmarc=pass in its AAR) keeps p=reject from
#    applying, an untrusted sealer's does not, nor a trusted one's under an
#    untrusted later hop, nor a trusted AAR about another From domain;
#  - our own seal (arc_seal_*) on what we deliver verifies in dkimpy and in
#    "trustmx arc verify", over no chain (cv=none) and over the list's;
#  - a backup MX that seals (its own trustmx-milter): its ARC set's client
#    and SPF result are used instead of its Received line; when it stops
#    sealing, the Received line again; an untrusted sealer's claim about
#    the client is never used, nor a trusted list's set that came with the
#    message (below the relay's Received line: it names the list's client).
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix opendkim-genkey openssl /usr/bin/python3
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"
/usr/bin/python3 -c 'import dkim, nacl, authres' 2>/dev/null ||
	tmx_skip "python3-dkim, python3-nacl or python3-authres not installed"
HOP="/usr/bin/python3 $TMX_SRCDIR/test/milter/arc-hop.py"

LIST=192.0.2.20		# the mailing list's server
RELAY=192.0.2.25	# the backup MX, in relay_networks
SENDER=203.0.113.9	# a sender that may use sender.example
for a in 192.0.2.10 $LIST $RELAY $SENDER; do
	tmx_addr "$a"
done

# arc_key NAME SELECTOR DOMAIN rsa|ed25519 - $MT_KEYS/NAME.pem, its record
arc_key() {
	local f=$MT_KEYS/$1.pem p
	mkdir -p "$MT_KEYS"
	if [ "$4" = rsa ]; then
		openssl genrsa -traditional -out "$f" 2048 2>/dev/null &&
			p=$(openssl pkey -in "$f" -pubout -outform DER | base64 -w0)
	else
		openssl genpkey -algorithm ed25519 -out "$f" 2>/dev/null &&
			p=$(openssl pkey -in "$f" -pubout -outform DER |
				tail -c 32 | base64 -w0)
	fi || return 1
	chown nobody "$f"
	chmod 600 "$f"
	tmx_dns_zone "TXT $2._domainkey.$3 v=DKIM1; k=$4; p=$p"
}
arc_key lists arc lists.example rsa &&
	arc_key evil arc evil.example rsa &&
	arc_key ours arc test.example rsa &&
	arc_key backup ed1 backup.example ed25519 &&
	arc_key backuprsa arc backup.example rsa || exit 1
mt_dns \
	"TXT author.example v=spf1 ip4:192.0.2.10 -all" \
	"TXT _dmarc.author.example v=DMARC1; p=reject" \
	"TXT lists.example v=spf1 ip4:$LIST -all" \
	"TXT evil.example v=spf1 ip4:$LIST -all" || exit 1
mt_key author.example s1 || exit 1
tmx_dns_stop
tmx_dns_start "timeout:1 attempts:1"

mt_config "dmarc_reject = yes" "relay_networks = $RELAY" \
	"arc_trusted_sealers = lists.example, backup.example" \
	"arc_seal_domain = test.example" "arc_seal_selector = arc" \
	"arc_seal_key = $MT_KEYS/ours.pem"
"$TRUSTMX_MILTER" -n -c "$MT_CONF" >"$TMX_TMP/n.out" 2>&1 ||
	{ cat "$TMX_TMP/n.out"; exit 1; }
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

# list CASE SEALER CLAIMS - the author's signed message, through a list that
# adds a footer and seals as SEALER, claiming CLAIMS in its AAR; the file
list() {
	local f
	f=$(mt_signed "$1" author.example s1 'Author <a@author.example>') ||
		return 1
	$HOP seal "$2" arc "$MT_KEYS/${2%%.*}.pem" "$3" \
		"-- the list's footer" <"$f" >"$f.list" || return 1
	mv "$f.list" "$f"
	echo "$f"
}
CLAIMS='spf=pass smtp.mailfrom=a@author.example; dkim=pass header.d=author.example; dmarc=pass header.from=author.example'

# rejected CASE - the primary answered 550 and delivered nothing
rejected() {
	if grep -q '550 5.7.1 DMARC policy' "$MT_OUT"; then
		tmx_pass
	else
		tmx_fail "$1: no 550 5.7.1: $(grep '<\*\*\|<- *[245]' "$MT_OUT" | tail -2)"
	fi
	! mt_delivered "$1" 1 >/dev/null || tmx_fail "$1 was delivered"
}

# sealed_ok CASE N [ed25519] - the delivery carries our set i=N, and both
# dkimpy and trustmx(1) validate the chain (trustmx alone when a set in it
# is Ed25519: dkimpy's ARC takes rsa-sha256 only)
sealed_ok() {
	local f out
	f=$(mt_delivered "$1") || { tmx_fail "$1: not delivered"; return; }
	mt_headers "$f" | grep -E '^ARC-Seal:' | grep -E "(^|[ ;])i=$2;" |
		grep -Eq 'd=test\.example' ||
		{ tmx_fail "$1: no ARC set i=$2 of ours"; return; }
	if [ "${3:-}" != ed25519 ]; then
		out=$($HOP verify <"$f")
		tmx_expect "$1: dkimpy on our seal" "$out" "cv=pass"
	fi
	out=$("$TRUSTMX" arc verify <"$f")
	tmx_expect "$1: trustmx arc verify on our seal" "$out" "cv=pass"
}

# --- a list that seals, trusted: DMARC fails, the policy is not applied ---
f=$(list arc-trusted lists.example "$CLAIMS") || exit 1
mt_send arc-trusted $LIST list-bounces@lists.example "$f"
mt_expect arc-trusted 'dkim=fail' \
	'dmarc=fail \(p=reject; neither SPF nor DKIM aligned; policy not applied: ARC set i=1 of trusted sealer lists\.example saw dmarc=pass header\.from=author\.example\)' \
	'arc=pass \(i=1 lists\.example\) header\.oldest-pass=[0-9]+ smtp\.remote-ip=192\.0\.2\.20'
sealed_ok arc-trusted 2

# --- the same through an untrusted list: rejected ---
f=$(list arc-untrusted evil.example "$CLAIMS") || exit 1
mt_send arc-untrusted $LIST list-bounces@evil.example "$f"
rejected arc-untrusted

# --- trusted, then an untrusted hop that rewrites the body: rejected ---
f=$(list arc-under lists.example "$CLAIMS") || exit 1
$HOP seal evil.example arc "$MT_KEYS/evil.pem" "arc=pass; $CLAIMS" \
	"-- buy now" <"$f" >"$f.evil" && mv "$f.evil" "$f" || exit 1
mt_send arc-under $LIST list-bounces@evil.example "$f"
rejected arc-under

# --- a trusted sealer vouching for another From domain: rejected ---
f=$(list arc-other lists.example 'dmarc=pass header.from=other.example; dkim=pass header.d=other.example') || exit 1
mt_send arc-other $LIST list-bounces@lists.example "$f"
rejected arc-other

# --- a broken chain: the list's body changed after it sealed ---
f=$(list arc-broken lists.example "$CLAIMS") || exit 1
printf 'tampered\n' >>"$f"
mt_send arc-broken $LIST list-bounces@lists.example "$f"
rejected arc-broken

# --- our seal over no chain: cv=none, i=1 ---
mt_send arc-ours 192.0.2.10 a@author.example \
	"$(mt_msg arc-ours 'Author <a@author.example>')"
mt_expect arc-ours 'dmarc=pass' 'arc=none'
sealed_ok arc-ours 1

# --- key rotation on SIGHUP: a new key under a new selector ---
# (first a key that group may read: the reload is refused, the old key
# seals on; then the same key with mode 600: taken)
arc_key ours2 arc2 test.example rsa || exit 1
tmx_dns_stop
tmx_dns_start "timeout:1 attempts:1"
chmod 640 "$MT_KEYS/ours2.pem"
rotated=("dmarc_reject = yes" "relay_networks = $RELAY"
	"arc_trusted_sealers = lists.example, backup.example"
	"arc_seal_domain = test.example" "arc_seal_selector = arc2"
	"arc_seal_key = $MT_KEYS/ours2.pem")
mt_config "${rotated[@]}"
mt_hup
mt_wait_log "not reloading.*arc_seal_key: .*ours2\.pem: group or others may read it" 1 ||
	tmx_fail "a group-readable key was not refused on reload"
mt_send arc-keep 192.0.2.10 a@author.example \
	"$(mt_msg arc-keep 'Author <a@author.example>')"
sealed_ok arc-keep 1
f=$(mt_delivered arc-keep) && mt_headers "$f" | grep -E '^ARC-Seal:' |
	grep -q 's=arc;' || tmx_fail "arc-keep: not sealed with the old key"
chmod 600 "$MT_KEYS/ours2.pem"
mt_hup
mt_send arc-rotated 192.0.2.10 a@author.example \
	"$(mt_msg arc-rotated 'Author <a@author.example>')"
sealed_ok arc-rotated 1
f=$(mt_delivered arc-rotated) && mt_headers "$f" | grep -E '^ARC-Seal:' |
	grep -q 's=arc2;' || tmx_fail "arc-rotated: not sealed with the new key"

# --- a backup MX that seals, with its own trustmx-milter ---
B_RUN=$TMX_TMP/brun
B_CONF=$TMX_TMP/backup.conf
mkdir -p "$B_RUN"
chown nobody "$B_RUN"
cat >"$B_CONF" <<EOF
milter_listen = unix:$B_RUN/milter.sock
user = nobody
socket_mode = 0666
authserv_id = backup.example
spf_cache_dir = $TMX_TMP
arc_seal_domain = backup.example
arc_seal_selector = ed1
arc_seal_key = $MT_KEYS/backup.pem
EOF
tmx_bg backup-milter "$TRUSTMX_MILTER" -f -c "$B_CONF"
tmx_wait_file "$B_RUN/milter.sock" 10 ||
	{ cat "$TMX_TMP/backup-milter.log"; exit 1; }
mt_backup_init $RELAY 127.0.0.1:2626
tmx_postfix_set "smtpd_milters = unix:$B_RUN/milter.sock" \
	"milter_default_action = tempfail"
tmx_postfix_start || exit 1
tmx_wait_listen 2626 || exit 1

# via_backup CASE MAILFROM FILE - the sender hands mail to the backup
via_backup() {
	MT_SERVER=127.0.0.1:2626 MT_HELO=mail.sender.example \
		mt_send "$1" $SENDER "$2" "$3"
	grep -q '^<-  *250 .*queued as' "$MT_OUT" ||
		tmx_fail "$1: the backup refused it: $(tail -3 "$MT_OUT")"
}
via_backup relay-sealed a@sender.example "$(mt_msg relay-sealed a@sender.example)"
mt_expect relay-sealed \
	'spf=pass \(client 203\.0\.113\.9 and its SPF result from ARC set i=1 of trusted relay backup\.example at 192\.0\.2\.25\)' \
	'dmarc=pass' 'arc=pass \(i=1 backup\.example\)'
sealed_ok relay-sealed 2 ed25519

# the same relay, its sealer no longer trusted: its Received line instead
tmx_postfix_use primary
mt_config "dmarc_reject = yes" "relay_networks = $RELAY" \
	"arc_trusted_sealers = lists.example"
mt_hup
tmx_postfix_use backup
via_backup relay-untrusted a@sender.example "$(mt_msg relay-untrusted a@sender.example)"
mt_expect relay-untrusted \
	'spf=pass \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 192\.0\.2\.25' \
	'arc=pass \(i=1 backup\.example\)'

# the relay stops sealing: its Received line
tmx_postfix_set "smtpd_milters ="
tmx_postfix_reload
mt_config "dmarc_reject = yes" "relay_networks = $RELAY" \
	"arc_trusted_sealers = lists.example, backup.example"
mt_hup
via_backup relay-plain a@sender.example "$(mt_msg relay-plain a@sender.example)"
mt_expect relay-plain \
	'spf=pass \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 192\.0\.2\.25' \
	'arc=none'

# a list's genuine set, replayed through the relay (which does not seal):
# it tells of the list's client, not the relay's; the Received line decides
f=$(list relay-replayed lists.example 'arc=none smtp.remote-ip=192.0.2.10; spf=pass smtp.mailfrom=a@author.example; dmarc=pass header.from=author.example') ||
	exit 1
via_backup relay-replayed a@author.example "$f"
mt_expect relay-replayed \
	'spf=fail \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 192\.0\.2\.25' \
	'arc=pass \(i=1 lists\.example\)'
mt_expect_not relay-replayed '192\.0\.2\.10 and its SPF'

# a relay's client with a set forged by an untrusted sealer claiming a
# passing client: not believed, the Received line decides
f=$(mt_msg relay-forged a@sender.example)
$HOP seal evil.example arc "$MT_KEYS/evil.pem" \
	'arc=none smtp.remote-ip=192.0.2.10; spf=pass smtp.mailfrom=a@pass.example' \
	<"$f" >"$f.s" && mv "$f.s" "$f" || exit 1
via_backup relay-forged a@sender.example "$f"
mt_expect relay-forged \
	'spf=pass \(client 203\.0\.113\.9 recovered from the Received line'
mt_expect_not relay-forged '192\.0\.2\.10 and its SPF'

# a direct client presenting a trusted-looking seal gets its own SPF check
tmx_postfix_use primary
f=$(mt_msg direct-seal a@sender.example)
$HOP seal backup.example arc "$MT_KEYS/backuprsa.pem" \
	'arc=none smtp.remote-ip=203.0.113.9; spf=pass smtp.mailfrom=a@sender.example' \
	<"$f" >"$f.s" && mv "$f.s" "$f" || exit 1
mt_send direct-seal 192.0.2.10 a@sender.example "$f"
mt_expect direct-seal 'spf=fail'

tmx_postfix_problems
tmx_finish
