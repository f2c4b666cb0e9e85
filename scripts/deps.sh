# deps.sh - sourced by scripts/test.sh and scripts/demo.sh: install the
# Debian packages a step needs, only those missing. Postfix is preseeded
# "No configuration": the tests and the demo run their own instances.

# tmx_deps PKG... - apt-get install whatever of PKG... is not installed
tmx_deps() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages:$missing (run as root to install them)" >&2
		return 1
	fi
	echo "installing:$missing"
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -qq >/dev/null || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Build: compiler, meson, and the libraries the daemons link.
TMX_BUILD_DEPS="gcc libc6-dev meson ninja-build pkg-config libmilter-dev
	libcurl4-openssl-dev libssl-dev
	libspf2-dev libopendmarc-dev libopendkim-dev libunbound-dev publicsuffix
	libsystemd-dev libsqlite3-dev zlib1g-dev libmicrohttpd-dev"
# Real-stack tests and the demo: the actual peers, started by the tests.
TMX_STACK_DEPS="postfix haproxy swaks dnsmasq-base iproute2 util-linux
	openssl jq python3 python3-yaml opendkim-tools procps
	python3-dkim python3-nacl python3-authres python3-dnspython
	libxml2-utils sqlite3 faketime curl prometheus nsd ldnsutils"
# Sanitizers and fuzzing.
TMX_FUZZ_DEPS="clang libclang-rt-14-dev valgrind"
# Debian packaging (scripts/debian-check.sh, dpkg-buildpackage).
TMX_DEB_DEPS="dpkg-dev debhelper fakeroot build-essential systemd"
# bench/milter-run: the same stack, plus Debian's own milters to compare with.
TMX_BENCH_DEPS="postfix dnsmasq-base iproute2 util-linux opendkim-tools
	publicsuffix opendkim opendmarc"
# bench/policyd-run: Debian's postfwd and postgrey on the same requests.
TMX_BENCH_POLICYD_DEPS="postfwd postgrey python3 util-linux procps"
TMX_BENCH_DEPS="$TMX_BENCH_DEPS $TMX_BENCH_POLICYD_DEPS"
