# netns.sh - the real-stack harness's base (test/stack/): a private network
# and mount namespace (only loopback, plus documentation addresses the test
# adds), a scratch directory, background processes and exit hooks run at
# exit. Source it first; the other test/stack/ files after tmx_enter:
#
#   . "$TMX_SRCDIR/test/stack/netns.sh"
#   tmx_enter "$@"            # re-executes the script inside the namespace
#   . "$TMX_SRCDIR/test/stack/assert.sh"     # then dns.sh, postfix.sh, ...
#   tmx_addr 192.0.2.10       # give lo a documentation address
#   tmx_bg NAME cmd...        # start in background ($TMX_TMP/NAME.log), killed at exit
#   tmx_at_exit FUNCTION      # run at exit (stop a daemon), last added first
#
# The files: assert.sh (checks, waits), dns.sh (dnsmasq, zones), postfix.sh
# (Postfix instances), haproxy.sh, policyd.sh, milter.sh, certs.sh, and
# topology.sh (the README's whole topology, for e2e and the demo).

# tmx_skip - exit with meson's "skipped" status
tmx_skip() {
	echo "SKIP: $*"
	exit 77
}

# tmx_need - skip unless every named command exists
tmx_need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 ||
			tmx_skip "$c not installed"
	done
}

# tmx_enter - re-run the calling script in fresh mount+net namespaces
tmx_enter() {
	if [ -z "${TMX_IN_NETNS:-}" ]; then
		[ "$(id -u)" = 0 ] || tmx_skip "real-stack tests need root (namespaces)"
		command -v unshare >/dev/null || tmx_skip "unshare not installed"
		TMX_IN_NETNS=1 exec unshare --mount --net --propagation private -- "$0" "$@"
	fi
	export PATH=$PATH:/usr/sbin:/sbin
	ip link set lo up
	TMX_TMP=$(mktemp -d /tmp/trustmx-test.XXXXXX)
	chmod 755 "$TMX_TMP"
	TMX_PIDS=""
	TMX_EXIT_HOOKS=""
	trap tmx_cleanup EXIT
	trap 'exit 1' INT TERM
}

# tmx_at_exit FUNCTION - call FUNCTION when the test exits (once, however
# often it is added); hooks run after tmx_bg's processes got SIGTERM,
# the last added first
tmx_at_exit() {
	case " $TMX_EXIT_HOOKS " in
	*" $1 "*) ;;
	*) TMX_EXIT_HOOKS="$1 $TMX_EXIT_HOOKS" ;;
	esac
}

# tmx_cleanup - stop what tmx_bg started, run the exit hooks, keep the
# scratch dir on failure
tmx_cleanup() {
	rc=$?
	for p in $TMX_PIDS; do kill "$p" 2>/dev/null || true; done
	for hook in $TMX_EXIT_HOOKS; do "$hook" || true; done
	sleep 0.2
	for p in $TMX_PIDS; do kill -9 "$p" 2>/dev/null || true; done
	if [ "$rc" = 0 ] || [ "$rc" = 77 ]; then
		rm -rf "$TMX_TMP"
	else
		echo "test failed (rc=$rc); scratch kept in $TMX_TMP" >&2
	fi
	exit "$rc"
}

# tmx_bg NAME CMD... - run CMD in the background, output in $TMX_TMP/NAME.log;
# its pid in $! (and killed at exit)
tmx_bg() {
	name=$1
	shift
	"$@" >"$TMX_TMP/$name.log" 2>&1 &
	TMX_PIDS="$TMX_PIDS $!"
}

# tmx_addr ADDR - add a (documentation) address to lo inside the namespace
tmx_addr() {
	case $1 in
	*:*) ip -6 addr add "$1/128" dev lo nodad ;;
	*) ip addr add "$1/32" dev lo ;;
	esac
}
