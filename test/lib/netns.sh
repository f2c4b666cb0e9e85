# netns.sh - sourced by real-stack tests: a private network and mount
# namespace (only loopback, plus documentation addresses the test adds),
# a scratch directory, background processes cleaned up on exit, and a
# private resolv.conf pointing at a dnsmasq the test starts.
#
#   . "$TMX_SRCDIR/test/lib/netns.sh"
#   tmx_enter "$@"            # re-executes the script inside the namespace
#   tmx_addr 192.0.2.10       # give lo a documentation address
#   tmx_dns_start FILE        # dnsmasq on 127.0.0.53 with extra options FILE
#   tmx_bg NAME cmd...        # start in background, killed at exit
#   tmx_wait_port 127.0.0.1 2525

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
	trap tmx_cleanup EXIT
	trap 'exit 1' INT TERM
}

# tmx_cleanup - stop what tmx_bg started, keep the scratch dir on failure
tmx_cleanup() {
	rc=$?
	for p in $TMX_PIDS; do kill "$p" 2>/dev/null || true; done
	[ -n "${TMX_CLEANUP_HOOK:-}" ] && $TMX_CLEANUP_HOOK
	sleep 0.2
	for p in $TMX_PIDS; do kill -9 "$p" 2>/dev/null || true; done
	if [ "$rc" = 0 ] || [ "$rc" = 77 ]; then
		rm -rf "$TMX_TMP"
	else
		echo "test failed (rc=$rc); scratch kept in $TMX_TMP" >&2
	fi
	exit "$rc"
}

# tmx_bg NAME CMD... - run CMD in the background, output in $TMX_TMP/NAME.log
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

# tmx_wait_port HOST PORT [SECONDS] - until something listens there
tmx_wait_port() {
	i=0
	limit=$((${3:-10} * 10))
	while ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge $limit ] && { echo "nothing listens on $1:$2" >&2; return 1; }
		sleep 0.1
	done
}

# tmx_wait_file PATH [SECONDS] - until PATH exists
tmx_wait_file() {
	i=0
	limit=$((${2:-10} * 10))
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -ge $limit ] && { echo "$1 never appeared" >&2; return 1; }
		sleep 0.1
	done
}

# tmx_dns_start [DNSMASQ-OPTIONS-FILE [RESOLV-OPTIONS]] - hermetic DNS on
# 127.0.0.53; every resolver in the namespace (libc, libspf2, libopendmarc)
# asks only it. RESOLV-OPTIONS, e.g. "timeout:1 attempts:1", become an
# "options" line of resolv.conf (tests that stop the server want it fast).
tmx_dns_start() {
	tmx_need dnsmasq
	echo "nameserver 127.0.0.53" >"$TMX_TMP/resolv.conf"
	if [ -n "${2:-}" ]; then
		echo "options $2" >>"$TMX_TMP/resolv.conf"
	fi
	mount --bind "$TMX_TMP/resolv.conf" /etc/resolv.conf
	ip addr add 127.0.0.53/8 dev lo 2>/dev/null || true
	set -- --keep-in-foreground --no-resolv --no-hosts --no-poll \
		--listen-address=127.0.0.53 --bind-interfaces --port=53 \
		--user=root --pid-file="$TMX_TMP/dnsmasq.pid" \
		--log-facility="$TMX_TMP/dnsmasq-queries.log" --log-queries \
		${1:+--conf-file="$1"}
	tmx_bg dnsmasq dnsmasq "$@"
	i=0
	while ! dig_ok; do
		i=$((i + 1))
		[ $i -ge 50 ] && { echo "dnsmasq did not start" >&2; cat "$TMX_TMP/dnsmasq.log" >&2; return 1; }
		sleep 0.1
	done
}

# dig_ok - dnsmasq answers on 127.0.0.53 (getent goes through the resolver)
dig_ok() {
	[ -s "$TMX_TMP/dnsmasq.pid" ] && (exec 3<>/dev/udp/127.0.0.53/53) 2>/dev/null
}
