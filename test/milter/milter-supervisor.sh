#!/bin/bash
# milter-supervisor.sh - the supervisor keeps a milter process running:
# killed, even within a second of its start and again and again, it is
# started again after a pause that grows and is capped, the log says how
# it died, and mail flows again; a first milter process that cannot start
# ends the supervisor with an error; started as root with a user set, the
# supervisor drops root itself when a milter process can start as that
# user and says why when it cannot; -n names a missing user and a missing
# socket directory with file:line, and the start stops on the same check
# (config-check.sh has the rest of -n); dns_servers is what the milter process
# (forked after the file is read) asks, not resolv.conf.
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
mt_dns || exit 1

# worker - the milter process under the supervisor ("" when none)
worker() {
	pgrep -P "$MT_PID" | head -1
}

# user_of PID - the process's user name
user_of() {
	ps -o user= -p "$1" | tr -d ' '
}

# deaths - lines saying a milter process died
deaths() {
	grep -c 'milter process [0-9]* .* after [0-9]*s; starting another in' "$MT_LOG"
}

# deaths_ge N, listens_ge N - for tmx_until
deaths_ge() {
	[ "$(deaths)" -ge "$1" ]
}
listens_ge() {
	[ "$(grep -c 'listening on' "$MT_LOG")" -ge "$1" ]
}

# --- -n: what the start needs, with file:line ---
mt_config
sed -i 's/^user = nobody$/user = no-such-user/' "$MT_CONF"
out=$("$TRUSTMX_MILTER" -n -c "$MT_CONF" 2>&1) && tmx_fail "-n accepted user = no-such-user"
tmx_expect "-n: missing user" "$out" \
	"trustmx-milter: $MT_CONF:2: user no-such-user: no such user"
mt_config
sed -i "s|^milter_listen = .*|milter_listen = unix:$TMX_TMP/nowhere/m.sock|" "$MT_CONF"
out=$("$TRUSTMX_MILTER" -n -c "$MT_CONF" 2>&1) && tmx_fail "-n accepted a missing socket directory"
tmx_expect "-n: missing socket directory" "$out" \
	"trustmx-milter: $MT_CONF:1: milter_listen: directory $TMX_TMP/nowhere: No such file or directory"

# --- the start stops on -n's check, in -n's words ---
"$TRUSTMX_MILTER" -f -c "$MT_CONF" >"$TMX_TMP/nocheck.log" 2>&1
rc=$?
[ "$rc" = 1 ] || tmx_fail "the start exited $rc with a missing socket directory"
tmx_expect "start: missing socket directory" "$(grep fatal "$TMX_TMP/nocheck.log")" \
	"trustmx-milter: fatal: $MT_CONF:1: milter_listen: directory $TMX_TMP/nowhere: No such file or directory"

# --- a first milter process that cannot start ends the supervisor ---
# (a port another process holds passes the check: a reload's -n meets the
# running milter there; the milter process then cannot listen)
mt_config
sed -i "s|^milter_listen = .*|milter_listen = inet:8899@127.0.0.1|" "$MT_CONF"
tmx_bg port-holder python3 -c 'import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 8899))
s.listen()
time.sleep(60)'
holder=$!
tmx_wait_listen 8899 || tmx_die "nothing holds port 8899"
"$TRUSTMX_MILTER" -f -c "$MT_CONF" >"$TMX_TMP/nostart.log" 2>&1
rc=$?
kill "$holder"
[ "$rc" != 0 ] || tmx_fail "the supervisor exited 0 when the milter could not start"
grep -q 'the milter process could not start: it exited with status 1 before it listened' \
	"$TMX_TMP/nostart.log" || tmx_fail "no reason for the failed start: $(cat "$TMX_TMP/nostart.log")"
tmx_pass "a milter that cannot start: supervisor exit $rc"

# --- the socket directory only root may write: root is kept, and why ---
mt_config
chown root "$MT_RUN"
mt_milter_start || exit 1
mt_wait_log 'supervisor keeps root to start milter processes: cannot create milter_listen.s socket in' 1 ||
	tmx_fail "root kept without a reason"
tmx_expect "supervisor's user (socket dir root's)" "$(user_of "$MT_PID")" root
tmx_expect "milter process's user" "$(user_of "$(worker)")" nobody
mt_milter_stop

# --- the user can start it: the supervisor drops root ---
mt_config
: >"$MT_LOG"
mt_milter_start || exit 1
tmx_expect "supervisor's user" "$(user_of "$MT_PID")" nobody
grep -q 'keeps root' "$MT_LOG" && tmx_fail "root kept: $(grep 'keeps root' "$MT_LOG")"
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1
mt_send first 192.0.2.10 a@pass.example "$(mt_msg first a@pass.example)"
mt_expect first '^Authentication-Results: mx\.test\.example;'

# --- killed within a second of starting, three times: 1s, 2s, 4s ---
want=""
for i in 1 2 3; do
	w=$(worker)
	[ -n "$w" ] || tmx_die "no milter process before kill $i"
	kill -KILL "$w"
	tmx_until 10 deaths_ge "$i" || tmx_die "death $i not logged"
	want="$want $((1 << (i - 1)))"
	t0=$(date +%s%N)
	tmx_until 15 listens_ge $((i + 1)) ||
		tmx_die "the new milter process did not listen"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "kill $i: started again after ${ms}ms"
done
got=$(grep -o 'starting another in [0-9]*s' "$MT_LOG" | grep -o '[0-9]*' | tr '\n' ' ')
tmx_expect "backoff after quick deaths" "$got" "${want# } "
grep -q 'was killed by signal 9 (Killed) after [0-9]*s' "$MT_LOG" ||
	tmx_fail "the death's cause not logged"
kill -0 "$MT_PID" 2>/dev/null || tmx_die "the supervisor gave up"
tmx_wait_file "$MT_SOCK" 5
mt_send after 192.0.2.10 a@pass.example "$(mt_msg after a@pass.example)"
mt_expect after '^Authentication-Results: mx\.test\.example;'

# --- a reload still reaches the new milter process ---
mt_hup || tmx_fail "no reload after the restarts"
grep -q 'configuration reloaded' "$MT_LOG" || tmx_fail "reload not done by the new process"

# --- SIGTERM stops both ---
w=$(worker)
mt_milter_stop
kill -0 "$w" 2>/dev/null && tmx_fail "the milter process outlived the supervisor"

# --- dns_servers reaches the milter process, forked after the file loads ---
tmx_dns_nameserver 127.0.0.9	# resolv.conf: nothing answers there
mt_config "dns_servers = 127.0.0.53" "dns_timeout = 2s"
mt_milter_start || exit 1
mt_send servers 192.0.2.10 a@pass.example "$(mt_msg servers a@pass.example)"
mt_expect servers 'spf=pass \(domain of a@pass\.example designates 192\.0\.2\.10'
mt_milter_stop
tmx_dns_nameserver 127.0.0.53
tmx_finish
