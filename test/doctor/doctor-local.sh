#!/bin/bash
# doctor-local.sh - "trustmx doctor --config FILE --postfix DIR": Postfix
# configuration directories written here (postconf reads them; no Postfix
# runs) and trustmx.conf files whose lists are held against dnsmasq in the
# test's namespace. The README's setup stays quiet; each fault fires its
# own finding and nothing else local; --json through jq; exit codes.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
tmx_need dnsmasq postconf jq

EX=$TMX_SRCDIR/etc/examples

# The domain (its MX set: the primary and one backup), the backup's
# addresses, a second relay not in the MX set, and spf: sources: one that
# expands, one over the 10-lookup limit, one name that does not exist.
tmx_dns_zone <<EOF
ZONE test
A mx1.shop.test 192.0.2.10
MX shop.test 10 mx1.shop.test
MX shop.test 20 backup.relay.test
TXT shop.test v=spf1 ip4:192.0.2.10 -all
A backup.relay.test 198.51.100.20 2001:db8::20
A new.relay.test 198.51.100.21
A x.over.test 198.51.100.99
TXT relay.test v=spf1 ip4:198.51.100.20 ip6:2001:db8::20 ip4:198.51.100.21 -all
TXT over.test v=spf1$(for i in 1 2 3 4 5 6 7 8 9 10 11; do printf ' a:x.over.test'; done) -all
EOF
tmx_dns_start || exit 1

# conf NAME [LINE...] - $TMX_TMP/NAME.conf: the README's lists, but
# relay_networks from spf:relay.test; each "key = value" LINE replaces
# that key's line (trustmx.conf refuses a key set twice)
conf() {
	local name=$1 f=$TMX_TMP/$1.conf line key
	shift
	printf '%s\n' "relay_networks = spf:relay.test" \
		"proxy_networks = 192.0.2.1" "deny_networks = 192.0.2.64/26" >"$f"
	for line in "$@"; do
		key=${line%% *}
		sed -i "/^$key /d" "$f"
		printf '%s\n' "$line" >>"$f"
	done
}

# pf NAME [main.cf LINE...] - $TMX_TMP/pf-NAME: the README's main.cf and
# master.cf, each LINE appended to main.cf (Postfix: the last one wins);
# MASTER (if set) appended to master.cf
pf() {
	local d=$TMX_TMP/pf-$1
	shift
	mkdir -p "$d"
	cp "$EX/main.cf" "$EX/master.cf" "$d/"
	[ $# = 0 ] || printf '%s\n' "$@" >>"$d/main.cf"
	[ -z "${MASTER:-}" ] || printf '%s\n' "$MASTER" >>"$d/master.cf"
}

# doctor NAME ARGS... - the doctor with --json; $TMX_TMP/NAME.json, rc in RC
doctor() {
	local name=$1
	shift
	RC=0
	"$TRUSTMX" doctor --json "$@" >"$TMX_TMP/$name.json" \
		2>"$TMX_TMP/$name.err" || RC=$?
}

# local_findings NAME - the non-ok config.* and postfix.* findings, sorted
local_findings() {
	jq -r '[.checks[] | select(.verdict != "ok") |
		select(.check | test("^(config|postfix)\\.")) |
		"\(.check)=\(.verdict)"] | unique | join(" ")' "$TMX_TMP/$1.json"
}

# expect NAME RC "CHECK=VERDICT..." ARGS... - exit status (- for any) and
# every non-ok local finding
expect() {
	local name=$1 rc_want=$2 want got
	want=$(printf '%s\n' $3 | LC_ALL=C sort -u | paste -sd' ')
	shift 3
	doctor "$name" "$@"
	got=$(local_findings "$name")
	if [ "$rc_want" != - ] && [ "$RC" != "$rc_want" ]; then
		tmx_fail "$name: exit $RC, wanted $rc_want"
		cat "$TMX_TMP/$name.err" >&2
	elif [ "$got" != "$want" ]; then
		tmx_fail "$name: findings \"$got\", wanted \"$want\""
		jq -r '.checks[] | select(.verdict != "ok") |
			"  \(.check) \(.verdict) \(.subject): \(.detail)"' \
			"$TMX_TMP/$name.json" >&2
	else
		tmx_pass "$name ($want)"
	fi
}

# finding NAME CHECK SUBJECT - "verdict: detail" of one finding
finding() {
	jq -r --arg c "$2" --arg s "$3" '[.checks[] |
		select(.check == $c and .subject == $s) |
		"\(.verdict): \(.detail)"] | join(" | ")' "$TMX_TMP/$1.json"
}

# has NAME CHECK SUBJECT ERE - the finding's "verdict: detail" matches ERE
has() {
	local got
	got=$(finding "$1" "$2" "$3")
	if [[ $got =~ $4 ]]; then
		tmx_pass "$1: $2 $3 ~ $4"
	else
		tmx_fail "$1: $2 $3: \"$got\" does not match /$4/"
	fi
}

# --- Postfix: the README's setup, quiet -------------------------------
pf good
conf good
expect pf-good 0 "" --postfix "$TMX_TMP/pf-good"
has pf-good postfix.proxy 192.0.2.10:25/inet '^ok: postscreen expects PROXY'
has pf-good postfix.milter smtpd/pass '^ok: .*inet:127.0.0.1:8895'
has pf-good postfix.policy 192.0.2.10:587/inet '^ok: smtpd_client_restrictions: check_policy_service inet:127.0.0.1:10040'
expect local-good 0 "" --postfix "$TMX_TMP/pf-good" --config "$TMX_TMP/good.conf" \
	--backup-mx backup.relay.test
tmx_jq "local-good json" "$(cat "$TMX_TMP/local-good.json")" \
	'[.domain, .status, .fail, .warn, (.checks | length > 10)] | join(" ")' \
	" ok 0 0 true"

# --- Postfix faults ------------------------------------------------------
pf accept "milter_default_action = accept"
expect pf-accept 2 "postfix.tempfail=fail" --postfix "$TMX_TMP/pf-accept"
has pf-accept postfix.tempfail smtpd/pass '^fail: milter_default_action = accept \(main.cf\): mail passes unchecked when the milter is down'
pf reject "milter_default_action = reject"
expect pf-reject 2 "postfix.tempfail=fail" --postfix "$TMX_TMP/pf-reject"
has pf-reject postfix.tempfail smtpd/pass 'bounced'
# a per-milter default_action in braces overrides milter_default_action
pf group "smtpd_milters = { inet:127.0.0.1:8895, default_action=accept }"
expect pf-group 2 "postfix.tempfail=fail" --postfix "$TMX_TMP/pf-group"
has pf-group postfix.tempfail 192.0.2.10:587/inet '^fail: default_action=accept in smtpd_milters'
pf group-ok "smtpd_milters = { inet:127.0.0.1:8895, default_action=tempfail }"
expect pf-group-ok 0 "" --postfix "$TMX_TMP/pf-group-ok"

pf nomilter "smtpd_milters = inet:127.0.0.1:9999"
expect pf-nomilter 2 "postfix.milter=fail" --postfix "$TMX_TMP/pf-nomilter"
has pf-nomilter postfix.milter smtpd/pass '^fail: smtpd_milters \(main.cf\) lacks trustmx-milter \(inet:127.0.0.1:8895\)'
# one service's -o override empties smtpd_milters: only that one fails
MASTER='192.0.2.10:2525 inet n - n - - smtpd
  -o smtpd_milters=' pf o-nomilter
expect pf-o-nomilter 2 "postfix.milter=fail" --postfix "$TMX_TMP/pf-o-nomilter"
has pf-o-nomilter postfix.milter 192.0.2.10:2525/inet '^fail: smtpd_milters \(master.cf -o\)'
has pf-o-nomilter postfix.milter smtpd/pass '^ok'
# and a -o milter_default_action for one service, through a main.cf name
MASTER='192.0.2.10:2525 inet n - n - - smtpd
  -o milter_default_action=$relaxed_action' pf o-accept "relaxed_action = accept"
expect pf-o-accept 2 "postfix.tempfail=fail" --postfix "$TMX_TMP/pf-o-accept"
has pf-o-accept postfix.tempfail 192.0.2.10:2525/inet '^fail: milter_default_action = accept \(master.cf -o\)'
has pf-o-accept postfix.tempfail smtpd/pass '^ok'
# with --config the milter's own listen address counts: a unix socket in
# Postfix's queue directory, which a chrooted smtpd names from there
pf unixmilter "smtpd_milters = unix:/trustmx/milter.sock"
conf unixmilter "milter_listen = unix:/var/spool/postfix/trustmx/milter.sock"
expect pf-unixmilter 0 "" --postfix "$TMX_TMP/pf-unixmilter" \
	--config "$TMX_TMP/unixmilter.conf"
expect pf-unixmilter-default 2 "postfix.milter=fail" --postfix "$TMX_TMP/pf-unixmilter"
expect pf-inet-vs-unix 2 "postfix.milter=fail" --postfix "$TMX_TMP/pf-good" \
	--config "$TMX_TMP/unixmilter.conf"
has pf-inet-vs-unix postfix.milter smtpd/pass 'lacks trustmx-milter \(unix:/var/spool/postfix/trustmx/milter.sock\)'

# PROXY listeners whose proxy postscreen does not permit
pf proxy "postscreen_access_list = permit_mynetworks"
expect pf-proxy 2 "postfix.proxy=fail postfix.socketmap=warn" --postfix "$TMX_TMP/pf-proxy"
has pf-proxy postfix.proxy 192.0.2.10:25/inet '^fail: postscreen expects PROXY headers \(main.cf\).*multi-line 220- banner.*DOWN \(L7RSP\)'
expect pf-proxy-conf 2 "postfix.proxy=fail postfix.socketmap=fail" --postfix "$TMX_TMP/pf-proxy" \
	--config "$TMX_TMP/good.conf"
# the PROXY setting only in master.cf (-o) counts as well
MASTER='192.0.2.10:26 inet n - n - 1 postscreen
  -o postscreen_upstream_proxy_protocol=haproxy
  -o postscreen_access_list=permit_mynetworks' \
	pf o-proxy "postscreen_upstream_proxy_protocol ="
expect pf-o-proxy 2 "postfix.proxy=fail postfix.socketmap=warn" --postfix "$TMX_TMP/pf-o-proxy"
has pf-o-proxy postfix.proxy 192.0.2.10:26/inet '^fail: postscreen expects PROXY headers \(master.cf -o\)'
[ "$(finding pf-o-proxy postfix.proxy 192.0.2.10:25/inet)" = "" ] &&
	tmx_pass "pf-o-proxy: port 25 no longer expects PROXY" ||
	tmx_fail "pf-o-proxy: port 25 still a PROXY listener"
# with --config: proxy_networks empty while Postfix expects PROXY headers
conf noproxy "proxy_networks ="
expect noproxy 2 "config.lists=fail" --postfix "$TMX_TMP/pf-good" --config "$TMX_TMP/noproxy.conf"
has noproxy config.lists proxy_networks '^fail: empty, but Postfix expects PROXY headers on 192.0.2.10:25/inet, 192.0.2.10:587/inet'
# without PROXY listeners an empty proxy_networks is fine
pf noproxyproto "postscreen_upstream_proxy_protocol =" "smtpd_upstream_proxy_protocol ="
sed -i '/smtpd_upstream_proxy_protocol/d' "$TMX_TMP/pf-noproxyproto/master.cf"
expect noproxy-noproto 0 "" --postfix "$TMX_TMP/pf-noproxyproto" --config "$TMX_TMP/noproxy.conf"

# the socketmap and the policy service not wired in
pf nosocketmap "postscreen_upstream_proxy_protocol =" \
	"postscreen_access_list = permit_mynetworks, socketmap:inet:127.0.0.1:10041:other"
expect pf-nosocketmap 1 "postfix.socketmap=warn" --postfix "$TMX_TMP/pf-nosocketmap"
expect pf-nosocketmap-conf 2 "postfix.socketmap=fail" --postfix "$TMX_TMP/pf-nosocketmap" \
	--config "$TMX_TMP/good.conf"
# the right name at the wrong address (trustmx.conf says unix)
conf unixmaps "socketmap_listen = unix:/run/trustmx/socketmap.sock" \
	"policy_listen = unix:/run/trustmx/policy.sock"
expect pf-maps-elsewhere 2 "postfix.socketmap=fail postfix.policy=fail postfix.proxy=fail" \
	--postfix "$TMX_TMP/pf-good" --config "$TMX_TMP/unixmaps.conf"
pf unixmaps "postscreen_access_list = permit_mynetworks, socketmap:unix:/run/trustmx/socketmap.sock:postscreen" \
	"smtpd_client_restrictions = permit_mynetworks, check_policy_service { unix:/run/trustmx/policy.sock, default_action=DUNNO }"
expect pf-unixmaps 0 "" --postfix "$TMX_TMP/pf-unixmaps" --config "$TMX_TMP/unixmaps.conf"
pf nopolicy "smtpd_client_restrictions = permit_mynetworks, reject_unauth_destination"
expect pf-nopolicy 1 "postfix.policy=warn" --postfix "$TMX_TMP/pf-nopolicy"
has pf-nopolicy postfix.policy smtpd/pass '^warn: no check_policy_service inet:127.0.0.1:10040 in smtpd_\*_restrictions'
expect pf-nopolicy-conf 2 "postfix.policy=fail" --postfix "$TMX_TMP/pf-nopolicy" \
	--config "$TMX_TMP/good.conf"
# the policy service in another restriction list counts
pf policy-rcpt "smtpd_client_restrictions =" \
	"smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service inet:127.0.0.1:10040"
expect pf-policy-rcpt 0 "" --postfix "$TMX_TMP/pf-policy-rcpt"

# a directory postconf cannot read; a name no shell may interpret
expect pf-missing 2 "postfix.read=fail" --postfix "$TMX_TMP/nowhere"
has pf-missing postfix.read "$TMX_TMP/nowhere" 'No such file or directory'
# postconf's output past the doctor's 4 MiB cap: refused whole, never a
# cut line read as a setting (here smtpd_milters would have gone missing)
pf huge "postscreen_access_list = permit_mynetworks,$(head -c 5000000 /dev/zero | tr '\0' x)"
expect pf-huge 2 "postfix.read=fail" --postfix "$TMX_TMP/pf-huge"
has pf-huge postfix.read "$TMX_TMP/pf-huge" 'output larger than 4 MiB'
# (no blanks or "$(": postconf itself refuses those in the name)
HOSTILE="$TMX_TMP/pf-x;id>$TMX_TMP/pwned|id>$TMX_TMP/pwned2&\`id>$TMX_TMP/pwned3\`'\""
mkdir -p "$HOSTILE" && cp "$EX/main.cf" "$EX/master.cf" "$HOSTILE/"
expect pf-hostile 0 "" --postfix "$HOSTILE"
[ ! -e "$TMX_TMP/pwned" ] && [ ! -e "$TMX_TMP/pwned2" ] && [ ! -e "$TMX_TMP/pwned3" ] &&
	tmx_pass "pf-hostile: the directory name reached no shell" ||
	tmx_fail "pf-hostile: a shell ran the directory name"

# --- trustmx.conf against DNS ------------------------------------------
expect c-good 0 "" --config "$TMX_TMP/good.conf" --backup-mx backup.relay.test
has c-good config.spf spf:relay.test '^ok: 3 prefixes'
has c-good config.relay 2001:db8::20 '^ok: backup.relay.test: in relay_networks \(relay_networks: spf:relay.test\)'
has c-good config.load "$TMX_TMP/good.conf" '^ok: relay_networks 3, proxy_networks 1, deny_networks 1 prefixes'
# the backup's AAAA is not listed: named, warn (its MX record unknown)
conf v4only "relay_networks = 198.51.100.20"
expect c-v4only 1 "config.relay=warn" --config "$TMX_TMP/v4only.conf" --backup-mx backup.relay.test
has c-v4only config.relay 2001:db8::20 '^warn: backup.relay.test: not in relay_networks'
has c-v4only config.relay 198.51.100.20 '^ok'
conf empty "relay_networks ="
expect c-empty 2 "config.lists=fail config.relay=warn" --config "$TMX_TMP/empty.conf" \
	--backup-mx backup.relay.test
has c-empty config.lists relay_networks '^fail: empty, but backup.relay.test is a backup MX'
# lists_build's warnings reach the report: a relay also on the deny list
conf overlap "deny_networks = 198.51.100.0/24"
expect c-overlap 1 "config.lists=warn" --config "$TMX_TMP/overlap.conf" --backup-mx backup.relay.test
has c-overlap config.lists "$TMX_TMP/overlap.conf" '^warn: 198.51.100.20/32 \(relay_networks: spf:relay.test\) overlaps'
# spf: sources that do not expand: a name that does not exist, too many lookups
conf nx "relay_networks = 198.51.100.20 2001:db8::20 spf:gone.test"
expect c-nxdomain 2 "config.spf=fail" --config "$TMX_TMP/nx.conf" --backup-mx backup.relay.test
has c-nxdomain config.spf spf:gone.test '^fail: does not expand: .*(NXDOMAIN|no SPF record|does not exist)'
conf over "relay_networks = 198.51.100.20 2001:db8::20 spf:over.test"
expect c-overlimit 2 "config.spf=fail" --config "$TMX_TMP/over.conf" --backup-mx backup.relay.test
has c-overlimit config.spf spf:over.test '^fail: does not expand: .*10'
# a file the daemons refuse: file:line
printf 'relay_networks = 198.51.100.20\nno_such_key = 1\n' >"$TMX_TMP/bad.conf"
expect c-bad 2 "config.load=fail" --config "$TMX_TMP/bad.conf"
has c-bad config.load "$TMX_TMP/bad.conf" "bad.conf:2"
printf 'relay_networks = 198.51.100.20/8\n' >"$TMX_TMP/badlist.conf"
expect c-badlist 2 "config.load=fail" --config "$TMX_TMP/badlist.conf"

# --- with the domain: the MX set says which backups are live ---------------
# backup.relay.test is in the MX set: its uncovered AAAA fails, and so does
# the rule that relay_networks comes before the MX record
expect d-live-uncovered - "config.relay=fail config.relay-order=fail" shop.test \
	--config "$TMX_TMP/v4only.conf" --backup-mx backup.relay.test
has d-live-uncovered config.relay-order backup.relay.test '^fail: its MX record is live but relay_networks lacks 2001:db8::20'
expect d-live-covered - "" shop.test --config "$TMX_TMP/good.conf" --backup-mx backup.relay.test
has d-live-covered config.relay-order backup.relay.test '^ok: in relay_networks and in the MX set'
# without --backup-mx the MX hosts after the primary are the backups
expect d-mx-backups - "config.relay=fail config.relay-order=fail" shop.test \
	--config "$TMX_TMP/v4only.conf"
[ "$(finding d-mx-backups config.relay 192.0.2.10)" = "" ] &&
	tmx_pass "d-mx-backups: the primary is not taken for a backup" ||
	tmx_fail "d-mx-backups: the primary checked against relay_networks"
# a backup not yet in the MX set: allowlist first
conf newrelay "relay_networks = 198.51.100.20 2001:db8::20"
expect d-not-yet - "config.relay=warn config.relay-order=warn" shop.test \
	--config "$TMX_TMP/newrelay.conf" --backup-mx new.relay.test
has d-not-yet config.relay-order new.relay.test '^warn: not in the MX set yet, and relay_networks lacks 198.51.100.21'
expect d-ready - "" shop.test --config "$TMX_TMP/good.conf" --backup-mx new.relay.test
has d-ready config.relay-order new.relay.test '^ok: in relay_networks: its MX record may go live'

# --- the table and usage ----------------------------------------------
"$TRUSTMX" doctor --postfix "$TMX_TMP/pf-accept" >"$TMX_TMP/table.txt"
[ $? = 2 ] || tmx_fail "table: exit status"
grep -Eq '^trustmx doctor \(local setup\): .*2 failures$' "$TMX_TMP/table.txt" &&
grep -Eq '^postfix.tempfail +fail +smtpd/pass +milter_default_action = accept' "$TMX_TMP/table.txt" &&
	tmx_pass "table: header and row" || tmx_fail "table: no header or row"
"$TRUSTMX" doctor >/dev/null 2>&1
[ $? = 2 ] && tmx_pass "usage: nothing to check exits 2" || tmx_fail "usage: no domain must exit 2"
"$TRUSTMX" doctor --backup-mx backup.relay.test >/dev/null 2>&1
[ $? = 2 ] && tmx_pass "usage: --backup-mx alone exits 2" || tmx_fail "usage: --backup-mx alone"
# for the log: what an operator sees
"$TRUSTMX" doctor --postfix "$TMX_TMP/pf-proxy" --config "$TMX_TMP/v4only.conf" \
	--backup-mx backup.relay.test

tmx_finish
