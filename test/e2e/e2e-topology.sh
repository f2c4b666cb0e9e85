#!/bin/bash
# e2e-topology.sh - the README's topology end to end (test/stack/topology.sh, the
# code scripts/demo.sh runs, configured from etc/examples/): each scripted
# message is delivered with the expected Authentication-Results or refused
# with the expected reply; HAProxy's servers are UP after many PROXY v2
# LOCAL + SMTP health checks; Postfix logs no fatal at all and no warning
# about a health check; the three health-check recipes behave as the
# README says (only the documented one is clean and UP).
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/haproxy.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
. "$TMX_SRCDIR/test/stack/topology.sh"
tmx_need swaks haproxy postfix dnsmasq opendkim-genkey
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"
# verdict CASE ERE - the case's verdict matches ERE
verdict() {
	v=$(cat "$ST_RES/$1.verdict")
	printf '%s\n' "$v" | grep -Eq -- "$2" || tmx_fail "$1: verdict \"$v\" !~ /$2/"
}

# ar CASE ERE... - the delivered copy's Authentication-Results match each ERE
ar() {
	c=$1
	shift
	for re in "$@"; do
		grep -Eq -- "$re" "$ST_RES/$c.ar" ||
			tmx_fail "$c: A-R !~ /$re/: $(cat "$ST_RES/$c.ar")"
	done
}

# path CASE ERE - the path the message took matches ERE
path() {
	grep -Eq -- "$2" "$ST_RES/$1.path" || tmx_fail "$1: path $(cat "$ST_RES/$1.path") !~ /$2/"
}

st_up || tmx_die "the stack did not start"
st_scenario || tmx_die "the scenario did not complete"

A='^Authentication-Results: mx1\.example\.org;'
verdict good '^delivered$'
ar good "$A" 'spf=pass \(domain of alice@sender\.example designates 203\.0\.113\.9' \
	'dkim=pass header\.d=sender\.example header\.s=s1' \
	'dmarc=pass \(p=reject; aligned (SPF|DKIM)\) header\.from=sender\.example'
path good 'postscreen \(PASS NEW\) -> smtpd \(policy DUNNO\)'

verdict forged '^rejected: 550 5\.7\.1 DMARC policy .*reject.*sender\.example'
[ -s "$ST_RES/forged.ar" ] && tmx_fail "forged: delivered"
grep -q "client=198\.51\.100\.66 spf=fail .*dmarc=fail .*action=reject" "$MT_LOG" ||
	tmx_fail "forged: no milter log line with spf=fail dmarc=fail action=reject"

verdict dkim-only '^delivered$'
ar dkim-only "$A" 'spf=fail .*smtp\.mailfrom="?news@news\.example' \
	'dkim=pass header\.d=news\.example header\.s=s2' \
	'dmarc=pass \(p=reject; aligned DKIM\) header\.from=news\.example'

verdict failover '^delivered$'
ar failover "$A" \
	'spf=pass \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 198\.51\.100\.25, read as postfix' \
	'smtp\.mailfrom="?bob@sender\.example' \
	'dmarc=pass \(p=reject; aligned SPF\) header\.from=sender\.example'
path failover 'postscreen \(ALLOWLISTED\) -> smtpd \(policy OK\)'
grep -q 'by mx2\.backup-mx\.example' "$ST_RES/failover.received" ||
	tmx_fail "failover: no Received line of the backup MX"
[ -n "${ST_DEFERRED:-}" ] || tmx_fail "failover: the backup never deferred"
n=$(grep -c 'status=bounced' "$ST_BACKUP_LOG")
[ "$n" = 0 ] || tmx_fail "the backup MX bounced $n messages"

verdict denied-25 '^rejected: 521 '
path denied-25 'postscreen \(DENYLISTED\)'
verdict denied-587 '^rejected: 554 5\.7\.1 .*Client address is on the deny list'
path denied-587 'smtpd \(policy REJECT\)'
[ -s "$ST_RES/denied-587.ar" ] && tmx_fail "denied-587: delivered"

# HAProxy: both servers UP and L7OK after many checks
for b in postscreen smtpd; do
	s=$(st_ha_status $b)
	c=$(st_ha_field $b check_status)
	[ "$s" = UP ] || tmx_fail "HAProxy $b: status $s"
	[ "$c" = L7OK ] || tmx_fail "HAProxy $b: last check $c"
done
for w in postscreen submission; do
	n=$(st_checks $w)
	[ "$n" -ge 5 ] || tmx_fail "only $n health checks reached $w"
	tmx_pass "$n health checks reached $w, each HELO and QUIT"
done

# Postfix: no fatal at all; no warning about the proxy's connections
# (getpeername, the smtpd_peer_* fatals, anything naming 192.0.2.1)
f=$(st_problems 'fatal|panic')
[ -z "$f" ] || tmx_fail "Postfix fatals: $f"
w=$(st_problems 'warning|error')
hc=$(printf '%s\n' "$w" | grep -E '192\.0\.2\.1\]|getpeername|smtpd_peer_|proxy')
[ -z "$hc" ] || tmx_fail "Postfix warnings about health checks: $hc"
[ -z "$w" ] || echo "note: other Postfix warnings: $w"
kill -0 "$PD_PID" 2>/dev/null || tmx_fail "trustmx-policyd died"
kill -0 "$MT_PID" 2>/dev/null || tmx_fail "trustmx-milter died"
grep -Eq 'warning|error' "$PD_LOG" && tmx_fail "policyd warnings: $(grep -E 'warning|error' "$PD_LOG")"

# The recipes: A kills smtpd (fatal) and makes postscreen warn; B keeps
# postscreen DOWN; C (ours) is UP everywhere with nothing logged.
st_recipes 3 || tmx_die "the recipes did not run"
# r RECIPE WHAT - one measurement of a recipe
r() {
	cat "$ST_RES/recipe-$1.$2"
}
[ "$(r a fatal)" -ge 1 ] || tmx_fail "recipe A: no smtpd fatal (Postfix changed?)"
grep -q 'getpeername' "$ST_RES/recipe-a.examples" ||
	tmx_fail "recipe A: no postscreen getpeername warning"
case $(r b postscreen) in DOWN*) ;; *) tmx_fail "recipe B: postscreen $(r b postscreen)" ;; esac
tmx_expect "recipe C postscreen" "$(r c postscreen)" "UP L7OK"
tmx_expect "recipe C smtpd" "$(r c smtpd)" "UP L7OK"
tmx_expect "recipe C fatals" "$(r c fatal)" 0
tmx_expect "recipe C warnings" "$(r c warning)" 0
[ "$(r c checks)" -ge 5 ] || tmx_fail "recipe C: only $(r c checks) checks ended in HELO/QUIT"

if tmx_failed; then
	for c in $ST_CASES; do
		echo "--- $c: $(cat "$ST_RES/$c.verdict")" >&2
	done
	tail -20 "$MT_LOG" >&2
fi
tmx_finish
