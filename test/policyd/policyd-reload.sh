#!/bin/bash
# policyd-reload.sh - SIGHUP: a changed list file or config changes the
# answers Postfix gets; a broken config or list keeps the running answers
# and the log names file:line; -n names file:line and fails; a listener
# change is logged as needing a restart.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"

pd_init
tmx_postfix_init	# postmap(1) reads its main.cf
LIST=$TMX_TMP/relays.list
printf '# relays\n192.0.2.0/26\n' >"$LIST"
chmod 644 "$LIST"
base=("relay_networks = file:$LIST" "deny_networks = 203.0.113.0/24"
	"policy_listen =" "socketmap_listen = unix:$PD_RUN/socketmap.sock")
pd_config "${base[@]}"
"$TRUSTMX_POLICYD" -n -c "$PD_CONF" || tmx_die "-n rejects a good config"
pd_start

tmx_expect "before: relay" "$(pd_sm 192.0.2.20)" permit
tmx_expect "before: other" "$(pd_sm 198.51.100.5)" ""
tmx_expect "before: deny" "$(pd_sm 203.0.113.5)" reject

# a changed list file
printf '# relays\n192.0.2.0/26\n198.51.100.0/24\n' >"$LIST"
pd_hup || tmx_die "no reload"
pd_wait "reloaded $PD_CONF" || tmx_die "reload not logged"
tmx_expect "list changed: new relay" "$(pd_sm 198.51.100.5)" permit
tmx_expect "list changed: old relay" "$(pd_sm 192.0.2.20)" permit

# a changed config: 203.0.113.0/24 no longer denied, 192.0.2.20 is
pd_config "${base[@]}" "deny_networks = 192.0.2.16/28"
sed -i '/deny_networks = 203/d' "$PD_CONF"
pd_hup || tmx_die "no reload"
tmx_expect "config changed: deny" "$(pd_sm 192.0.2.20)" reject
tmx_expect "config changed: undenied" "$(pd_sm 203.0.113.5)" ""

# a broken config: answers stay, the log names file:line
cp "$PD_CONF" "$TMX_TMP/good.conf"
echo "no_such_key = 1" >>"$PD_CONF"
line=$(wc -l <"$PD_CONF")
pd_hup || tmx_die "no reload"
pd_wait "reload failed: $PD_CONF:$line: .*keeping the running configuration" ||
	tmx_die "broken config: no file:line in the log"
tmx_expect "broken config: deny kept" "$(pd_sm 192.0.2.20)" reject
tmx_expect "broken config: relay kept" "$(pd_sm 198.51.100.5)" permit
out=$("$TRUSTMX_POLICYD" -n -c "$PD_CONF" 2>&1) && tmx_die "-n accepts a broken config"
echo "$out" | grep -q "$PD_CONF:$line:" || tmx_die "-n does not name file:line: $out"
tmx_pass "broken config kept the running one; -n says $out"

# a broken list file: the whole load is refused, answers stay
cp "$TMX_TMP/good.conf" "$PD_CONF"
printf '# relays\n192.0.2.0/26\n198.51.100.0/24\nnot-an-address\n' >"$LIST"
pd_hup || tmx_die "no reload"
pd_wait "reload failed: .*$LIST:4" || tmx_die "broken list: no file:line in the log"
tmx_expect "broken list: relay kept" "$(pd_sm 198.51.100.5)" permit
tmx_expect "broken list: deny kept" "$(pd_sm 192.0.2.20)" reject
out=$("$TRUSTMX_POLICYD" -n -c "$PD_CONF" 2>&1) && tmx_die "-n accepts a broken list"
echo "$out" | grep -q "$LIST:4" || tmx_die "-n does not name the list's line: $out"
tmx_pass "broken list kept the running lists; -n says $out"

# repaired: the reload goes through again
printf '192.0.2.0/26\n' >"$LIST"
pd_hup || tmx_die "no reload"
tmx_expect "repaired: relay dropped" "$(pd_sm 198.51.100.5)" ""

# a listener change needs a restart: logged, old listener kept
sed -i "s|^socketmap_listen = .*|socketmap_listen = unix:$PD_RUN/other.sock|" "$PD_CONF"
pd_hup || tmx_die "no reload"
pd_wait 'restart to apply' || tmx_die "listener change not logged"
[ -e "$PD_RUN/other.sock" ] && tmx_die "a new listener appeared without restart"
tmx_expect "after listener change: still answering" "$(pd_sm 192.0.2.20)" reject

kill -0 "$PD_PID" || tmx_die "policyd died"
grep -Eq 'fatal|panic' "$PD_LOG" && tmx_die "policyd logged a fatal error"
pd_stop
[ -e "$PD_RUN/socketmap.sock" ] && tmx_die "socket left behind after a clean stop"

# after a crash the stale socket is replaced; a file that is no socket
# is never removed: the daemon refuses to start and says why
pd_start
kill -9 "$PD_PID"
wait "$PD_PID" 2>/dev/null
[ -S "$PD_RUN/other.sock" ] || tmx_die "no stale socket after kill -9"
pd_start
pd_postmap -q 192.0.2.20 "socketmap:unix:$PD_RUN/other.sock:postscreen" \
	>"$TMX_TMP/other.out" 2>&1
tmx_expect "after a crash: stale socket replaced" "$(cat "$TMX_TMP/other.out")" reject
# a second instance must not take a live socket away from the first
"$TRUSTMX_POLICYD" -f -c "$PD_CONF" >"$TMX_TMP/second.log" 2>&1 &&
	tmx_die "a second instance started on the same socket"
grep -q "other.sock is in use by a running process" "$TMX_TMP/second.log" ||
	tmx_die "second instance: $(cat "$TMX_TMP/second.log")"
pd_postmap -q 192.0.2.20 "socketmap:unix:$PD_RUN/other.sock:postscreen" \
	>"$TMX_TMP/other.out" 2>&1
tmx_expect "second instance refused, first still answers" "$(cat "$TMX_TMP/other.out")" reject
pd_stop
echo "not a socket" >"$PD_RUN/other.sock"
"$TRUSTMX_POLICYD" -f -c "$PD_CONF" >"$TMX_TMP/refuse.log" 2>&1 &&
	tmx_die "started over a regular file"
grep -q "other.sock exists and is not a socket" "$TMX_TMP/refuse.log" ||
	tmx_die "no reason for refusing: $(cat "$TMX_TMP/refuse.log")"
[ "$(cat "$PD_RUN/other.sock")" = "not a socket" ] || tmx_die "the regular file was touched"
tmx_pass "a regular file at the socket path is left alone, start refused"
tmx_finish
