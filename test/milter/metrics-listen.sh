#!/bin/bash
# metrics-listen.sh - both daemons' metrics listeners against a local user
# who gets to the address first (issue #13). A squatter on the TCP address
# stops the start, naming the key (-n, which ExecReload runs while the
# daemon holds the port, accepts it in use); the milter's supervisor holds
# the listener while a killed milter process is replaced, so nobody can
# bind it in between. A live, an unreachable (EACCES) or a full unix
# socket stops the start and is left as it was; a stale one is replaced;
# the socket is made 0660 for the daemon's user; a symlink at the path is
# refused, and one swapped in right after bind() (bind-swap.c) is never
# followed.
set -u
SECONDS=0
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
tmx_need python3 curl ss timeout pgrep
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"
: "${TMX_BIND_SWAP_SO:?TMX_BIND_SWAP_SO not set}"

SQ="python3 $TMX_SRCDIR/test/milter/metrics-squatter.py"
PD_TCP=127.0.0.1:9120
MT_TCP=127.0.0.1:9121
SWAP_ENV=()

pd_init
# each daemon's metrics socket in a directory only its user may write
for d in pd mt; do
	mkdir -p "$TMX_TMP/$d-metrics"
	chmod 750 "$TMX_TMP/$d-metrics"
done
chown postfix: "$TMX_TMP/pd-metrics"
chown nobody: "$TMX_TMP/mt-metrics"

# conf pd|mt VALUE - the daemon's file with its *_metrics_listen = VALUE
conf() {
	if [ "$1" = pd ]; then
		pd_config "policyd_metrics_listen = $2"
	else
		mt_config "milter_metrics_listen = $2"
	fi
}

# key/exe/cfg/user pd|mt - the daemon's key, program, file and user
key() { [ "$1" = pd ] && echo policyd_metrics_listen || echo milter_metrics_listen; }
exe() { [ "$1" = pd ] && echo "$TRUSTMX_POLICYD" || echo "$TRUSTMX_MILTER"; }
cfg() { [ "$1" = pd ] && echo "$PD_CONF" || echo "$MT_CONF"; }
user() { [ "$1" = pd ] && echo postfix || echo nobody; }

# try_start pd|mt NAME - the daemon in the foreground for at most 8 s (a
# milter takes up to 5 more to stop); its status in $RC, output in NAME.log
try_start() {
	RC=0
	env "${SWAP_ENV[@]}" timeout -k 10 8 "$(exe "$1")" -f -c "$(cfg "$1")" \
		>"$TMX_TMP/$2.log" 2>&1 || RC=$?
}

# refused pd|mt NAME ERE - the start fails by itself (the timeout did not
# stop it) with a message matching ERE
refused() {
	try_start "$1" "$2"
	if [ "$RC" != 0 ] && [ "$RC" != 124 ] && [ "$RC" != 137 ] &&
		grep -Eq -- "$3" "$TMX_TMP/$2.log"; then
		tmx_pass "$2: start refused: $(grep -E -- "$3" "$TMX_TMP/$2.log" | head -1)"
	else
		tmx_fail "$2: status $RC, want a refused start matching /$3/: $(tail -3 "$TMX_TMP/$2.log" | tr '\n' '|')"
	fi
}

# check pd|mt - -n; its status in $TMX_RC
check() {
	tmx_run "$(exe "$1")" -n -c "$(cfg "$1")"
}

# scrape ADDR|PATH [FILE] - one GET /metrics over TCP or a unix socket
scrape() {
	case $1 in
	/*) curl -sf --max-time 5 --unix-socket "$1" http://localhost/metrics ;;
	*) curl -sf --max-time 5 "http://$1/metrics" ;;
	esac >"${2:-/dev/null}"
}

# serves ADDR|PATH DAEMON - a scrape shows DAEMON's build_info
serves() {
	scrape "$1" "$TMX_TMP/scrape.txt" &&
		grep -q "^trustmx_build_info{daemon=\"$2\"" "$TMX_TMP/scrape.txt"
}

# start pd|mt - start for real (pd_start, mt_milter_start); false if not
start() {
	if [ "$1" = pd ]; then pd_start; else mt_milter_start; fi
}

# stop pd|mt
stop() {
	if [ "$1" = pd ]; then pd_stop; else mt_milter_stop; fi
}

# holder NAME ARGS... - a squatter in the background, once it holds
holder() {
	local name=$1
	shift
	# shellcheck disable=SC2086 # $SQ is a command and its script
	tmx_bg "$name" $SQ "$@"
	HOLDER=$!
	tmx_wait_grep holding "$TMX_TMP/$name.log" 5 || tmx_die "$name did not start"
}

# unhold - stop the last holder
unhold() {
	kill "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
}

# --- a squatter on the TCP address: -n accepts it, the start does not ---
for d in pd mt; do
	[ "$d" = pd ] && addr=$PD_TCP || addr=$MT_TCP
	holder "squat-$d" tcp "${addr%:*}" "${addr#*:}"
	conf $d "$addr"
	check $d
	[ "$TMX_RC" = 0 ] && tmx_pass "$d: -n accepts $addr in use (as during a reload)" ||
		tmx_fail_run "$d: -n refused $addr in use"
	refused $d "$d-squatted" "$(key $d) = $addr.*(in use|already in use)"
	scrape "$addr" "$TMX_TMP/squat.txt"
	grep -q '^trustmx_build_info' "$TMX_TMP/squat.txt" &&
		tmx_fail "$d: trustmx answers beside the squatter" ||
		tmx_pass "$d: only the squatter answers on $addr"
	unhold
done

# --- the port free: the policyd serves, and holds it ---
conf pd "$PD_TCP"
start pd || tmx_die "policyd: no start with $PD_TCP free"
tmx_until 5 serves "$PD_TCP" policyd && tmx_pass "policyd: serves $PD_TCP" ||
	tmx_fail "policyd: no scrape on $PD_TCP"
tmx_expect "policyd: a squatter's bind while it runs" \
	"$($SQ try "${PD_TCP%:*}" "${PD_TCP#*:}")" EADDRINUSE
stop pd

# --- the milter: the supervisor holds the listener across a crash ---
conf mt "$MT_TCP"
start mt || tmx_die "milter: no start with $MT_TCP free"
tmx_until 5 serves "$MT_TCP" milter && tmx_pass "milter: serves $MT_TCP" ||
	tmx_fail "milter: no scrape on $MT_TCP"
# holders - the pids that hold the milter's metrics port
holders() {
	ss -Hltnp "sport = :${MT_TCP#*:}" | grep -o 'pid=[0-9]*' | sort -u | tr '\n' ' '
}
case " $(holders)" in
*" pid=$MT_PID "*) tmx_pass "milter: the supervisor holds $MT_TCP" ;;
*) tmx_fail "milter: the supervisor ($MT_PID) does not hold $MT_TCP: $(holders)" ;;
esac
worker=$(pgrep -P "$MT_PID" | head -1)
kill -9 "$worker"
mt_wait_log "milter process $worker was killed by signal 9" 5 ||
	tmx_fail "milter: the supervisor did not see $worker die"
# it starts the next one after 1 s: the address must not be free meanwhile
tmx_expect "milter: a squatter's bind between two milter processes" \
	"$($SQ try "${MT_TCP%:*}" "${MT_TCP#*:}")" EADDRINUSE
# listened_twice - a second milter process listens
listened_twice() {
	[ "$(grep -c 'listening on' "$MT_LOG")" -ge 2 ]
}
tmx_until 10 listened_twice || tmx_fail "milter: no second milter process"
tmx_until 5 serves "$MT_TCP" milter &&
	tmx_pass "milter: the next milter process serves $MT_TCP" ||
	tmx_fail "milter: no scrape after the milter process was replaced"
next=$(pgrep -P "$MT_PID" | head -1)
[ -n "$next" ] && [ "$next" != "$worker" ] && tmx_pass "milter: process $worker replaced by $next" ||
	tmx_fail "milter: process \"$next\" after $worker"
mt_milter_stop
echo "TCP done after ${SECONDS}s"

# --- unix sockets ---
for d in pd mt; do
	sock=$TMX_TMP/$d-metrics/metrics.sock
	u=$(user $d)
	conf $d "$sock"
	# another process's live socket the user can connect to
	holder "live-$d" unix "$sock" 666
	ino=$(stat -c %i "$sock")
	refused $d "$d-live" "$(key $d) = $sock.*in use"
	tmx_expect "$d: the live socket afterwards" \
		"$(stat -c %i "$sock") $($SQ ask "$sock")" "$ino owner"
	unhold
	rm -f "$sock"
	# root's socket, 0600: the user's connect gets EACCES
	holder "root-$d" unix "$sock" 600
	ino=$(stat -c %i "$sock")
	refused $d "$d-eacces" "$(key $d) = $sock.*(Permission denied|in use)"
	tmx_expect "$d: root's socket afterwards" \
		"$(stat -c %i "$sock") $($SQ ask "$sock")" "$ino owner"
	unhold
	rm -f "$sock"
	# a live listener with its backlog full
	holder "full-$d" full "$sock"
	ino=$(stat -c %i "$sock")
	refused $d "$d-full" "$(key $d) = $sock.*in use"
	tmx_expect "$d: the full socket afterwards" "$(stat -c %i "$sock")" "$ino"
	unhold
	rm -f "$sock"
	# a symlink at the path to a file of the daemon's user
	target=$TMX_TMP/$d-target
	echo secret >"$target"
	chown "$u" "$target"
	chmod 600 "$target"
	ln -s "$target" "$sock"
	check $d
	[ "$TMX_RC" != 0 ] && grep -q "$(key $d).*not a socket" "$TMX_TMP/err" &&
		tmx_pass "$d: -n refuses a symlink at $(key $d)" ||
		tmx_fail_run "$d: -n and a symlink at the path"
	refused $d "$d-symlink" "$(key $d).*not a socket"
	tmx_expect "$d: the symlink and its target afterwards" \
		"$(stat -c %F "$sock") $(stat -c '%a %U' "$target")" \
		"symbolic link 600 $u"
	rm -f "$sock"
	# a symlink swapped in right after bind(): the start may fail, but
	# the daemon never touches the target through it
	SWAP_ENV=(LD_PRELOAD="$TMX_BIND_SWAP_SO" TMX_BIND_SWAP="$sock"
		TMX_BIND_SWAP_TARGET="$target" ASAN_OPTIONS=verify_asan_link_order=0)
	try_start $d "$d-swap"
	SWAP_ENV=()
	grep -q "bind-swap" "$TMX_TMP/$d-swap.log" &&
		tmx_fail "$d: the swap itself failed: $(grep bind-swap "$TMX_TMP/$d-swap.log")"
	[ -S "$sock.aside" ] && tmx_pass "$d: a symlink was swapped in after bind()" ||
		tmx_fail "$d: no swap happened (the shim did not run?)"
	tmx_expect "$d: the swapped symlink's target afterwards" \
		"$(stat -c '%a %U' "$target")" "600 $u"
	[ "$RC" != 0 ] && [ "$RC" != 124 ] && [ "$RC" != 137 ] &&
		tmx_pass "$d: the start refused the swapped path" ||
		tmx_fail "$d: status $RC with a symlink swapped in after bind()"
	rm -f "$sock" "$sock.aside"
	# a directory the user cannot write: -n says so
	conf $d "$TMX_TMP/$d-socket"
	check $d
	[ "$TMX_RC" != 0 ] && grep -q "$(key $d).*cannot create" "$TMX_TMP/err" &&
		tmx_pass "$d: -n: $(grep "$(key $d)" "$TMX_TMP/err" | head -1)" ||
		tmx_fail_run "$d: -n and a directory $u cannot write"
	conf $d "$sock"
	# a stale socket, as a killed daemon leaves it: replaced, served,
	# made 0660 for the user
	$SQ stale "$sock" "$u"
	start $d || tmx_fail "$d: no start over a stale socket"
	tmx_until 5 serves "$sock" "$([ $d = pd ] && echo policyd || echo milter)" &&
		tmx_pass "$d: serves $sock" || tmx_fail "$d: no scrape on $sock"
	tmx_expect "$d: the socket's type, mode and owner" \
		"$(stat -c '%F %a %U' "$sock")" "socket 660 $u"
	stop $d
	[ ! -e "$sock" ] && tmx_pass "$d: socket removed at exit" ||
		tmx_fail "$d: socket left behind at exit"
done

echo "done after ${SECONDS}s"
tmx_finish
