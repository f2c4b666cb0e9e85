#!/bin/bash
# policyd-reload.sh - SIGHUP: a changed list file or config changes the
# answers Postfix gets; a broken config or list keeps the running answers
# and the log names file:line; -n names file:line and fails; a listener
# change is logged as needing a restart.
set -u
. "$TMX_SRCDIR/test/lib/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/lib/postfix.sh"
. "$TMX_SRCDIR/test/policyd/policyd-lib.sh"

pd_init
tmx_postfix_init	# postmap(1) reads its main.cf
LIST=$TMX_TMP/relays.list
printf '# relays\n192.0.2.0/26\n' >"$LIST"
chmod 644 "$LIST"
base=("relay_networks = file:$LIST" "deny_networks = 203.0.113.0/24"
	"policy_listen =" "socketmap_listen = unix:$PD_RUN/socketmap.sock")
pd_config "${base[@]}"
"$TRUSTMX_POLICYD" -n -c "$PD_CONF" || fail "-n rejects a good config"
pd_start

expect "before: relay" "$(pd_sm 192.0.2.20)" permit
expect "before: other" "$(pd_sm 198.51.100.5)" ""
expect "before: deny" "$(pd_sm 203.0.113.5)" reject

# a changed list file
printf '# relays\n192.0.2.0/26\n198.51.100.0/24\n' >"$LIST"
pd_hup || fail "no reload"
pd_wait "reloaded $PD_CONF" || fail "reload not logged"
expect "list changed: new relay" "$(pd_sm 198.51.100.5)" permit
expect "list changed: old relay" "$(pd_sm 192.0.2.20)" permit

# a changed config: 203.0.113.0/24 no longer denied, 192.0.2.20 is
pd_config "${base[@]}" "deny_networks = 192.0.2.16/28"
sed -i '/deny_networks = 203/d' "$PD_CONF"
pd_hup || fail "no reload"
expect "config changed: deny" "$(pd_sm 192.0.2.20)" reject
expect "config changed: undenied" "$(pd_sm 203.0.113.5)" ""

# a broken config: answers stay, the log names file:line
cp "$PD_CONF" "$TMX_TMP/good.conf"
echo "no_such_key = 1" >>"$PD_CONF"
line=$(wc -l <"$PD_CONF")
pd_hup || fail "no reload"
pd_wait "reload failed: $PD_CONF:$line: .*keeping the running configuration" ||
	fail "broken config: no file:line in the log"
expect "broken config: deny kept" "$(pd_sm 192.0.2.20)" reject
expect "broken config: relay kept" "$(pd_sm 198.51.100.5)" permit
out=$("$TRUSTMX_POLICYD" -n -c "$PD_CONF" 2>&1) && fail "-n accepts a broken config"
echo "$out" | grep -q "$PD_CONF:$line:" || fail "-n does not name file:line: $out"
echo "ok: broken config kept the running one; -n says $out"

# a broken list file: the whole load is refused, answers stay
cp "$TMX_TMP/good.conf" "$PD_CONF"
printf '# relays\n192.0.2.0/26\n198.51.100.0/24\nnot-an-address\n' >"$LIST"
pd_hup || fail "no reload"
pd_wait "reload failed: .*$LIST:4" || fail "broken list: no file:line in the log"
expect "broken list: relay kept" "$(pd_sm 198.51.100.5)" permit
expect "broken list: deny kept" "$(pd_sm 192.0.2.20)" reject
out=$("$TRUSTMX_POLICYD" -n -c "$PD_CONF" 2>&1) && fail "-n accepts a broken list"
echo "$out" | grep -q "$LIST:4" || fail "-n does not name the list's line: $out"
echo "ok: broken list kept the running lists; -n says $out"

# repaired: the reload goes through again
printf '192.0.2.0/26\n' >"$LIST"
pd_hup || fail "no reload"
expect "repaired: relay dropped" "$(pd_sm 198.51.100.5)" ""

# a listener change needs a restart: logged, old listener kept
sed -i "s|^socketmap_listen = .*|socketmap_listen = unix:$PD_RUN/other.sock|" "$PD_CONF"
pd_hup || fail "no reload"
pd_wait 'restart to apply' || fail "listener change not logged"
[ -e "$PD_RUN/other.sock" ] && fail "a new listener appeared without restart"
expect "after listener change: still answering" "$(pd_sm 192.0.2.20)" reject

kill -0 "$PD_PID" || fail "policyd died"
grep -Eq 'fatal|panic' "$PD_LOG" && fail "policyd logged a fatal error"
echo "PASS"
