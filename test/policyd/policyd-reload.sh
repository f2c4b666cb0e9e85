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
pd_stop
[ -e "$PD_RUN/socketmap.sock" ] && fail "socket left behind after a clean stop"

# after a crash the stale socket is replaced; a file that is no socket
# is never removed: the daemon refuses to start and says why
pd_start
kill -9 "$PD_PID"
wait "$PD_PID" 2>/dev/null
[ -S "$PD_RUN/other.sock" ] || fail "no stale socket after kill -9"
pd_start
postmap -c "$TMX_PF/etc" -q 192.0.2.20 "socketmap:unix:$PD_RUN/other.sock:postscreen" \
	>"$TMX_TMP/other.out" 2>&1
expect "after a crash: stale socket replaced" "$(cat "$TMX_TMP/other.out")" reject
# a second instance must not take a live socket away from the first
"$TRUSTMX_POLICYD" -f -c "$PD_CONF" >"$TMX_TMP/second.log" 2>&1 &&
	fail "a second instance started on the same socket"
grep -q "other.sock is in use by a running process" "$TMX_TMP/second.log" ||
	fail "second instance: $(cat "$TMX_TMP/second.log")"
postmap -c "$TMX_PF/etc" -q 192.0.2.20 "socketmap:unix:$PD_RUN/other.sock:postscreen" \
	>"$TMX_TMP/other.out" 2>&1
expect "second instance refused, first still answers" "$(cat "$TMX_TMP/other.out")" reject
pd_stop
echo "not a socket" >"$PD_RUN/other.sock"
"$TRUSTMX_POLICYD" -f -c "$PD_CONF" >"$TMX_TMP/refuse.log" 2>&1 &&
	fail "started over a regular file"
grep -q "other.sock exists and is not a socket" "$TMX_TMP/refuse.log" ||
	fail "no reason for refusing: $(cat "$TMX_TMP/refuse.log")"
[ "$(cat "$PD_RUN/other.sock")" = "not a socket" ] || fail "the regular file was touched"
echo "ok: a regular file at the socket path is left alone, start refused"
echo "PASS"
