#!/bin/bash
# debian-check.sh - build the Debian packages from a copy of the tree (the
# source tree stays clean), install them (apt-get, which waits for the dpkg lock), check what landed and
# that the installed programs run, then purge them. As root only: it changes
# this machine's dpkg database. Exits 77 (skipped) when not root or when
# trustmx is already installed here: it never touches an admin's install.
# TMX_DEB_CHECK=1 also runs the package build's own tests (default: nocheck,
# meson test has run the same suites).
set -u
src=${TMX_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
packages="libtrustmx0 libtrustmx-dev trustmx-tools trustmx-policyd trustmx-milter"
conf=/etc/trustmx/trustmx.conf
fail=0
installed=

# skip REASON - meson's "skipped"
skip() {
	echo "SKIP: $*"
	exit 77
}

# bad MESSAGE - record a failure and go on, so one run lists them all
bad() {
	echo "FAIL: $*" >&2
	fail=1
}

# cleanup - purge what this run installed, drop the scratch directory
cleanup() {
	if [ -n "$installed" ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
			purge -y -qq $packages >"$work/purge.log" 2>&1 ||
			{ cat "$work/purge.log" >&2; echo "purge failed" >&2; }
	fi
	rm -rf "$work"
}

# copy_tree DEST - the source tree without build directories or .git
copy_tree() {
	mkdir -p "$1"
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$src" ls-files -z -c -o --exclude-standard |
			(cd "$src" && xargs -0 sh -c 'for f; do [ -e "$f" ] &&
				printf "%s\0" "$f"; done' sh) |
			tar -C "$src" --null -T - -cf - | tar -C "$1" -xf -
	else
		tar -C "$src" --exclude=./.git --exclude='./build*' \
			--exclude='./obj-*' -cf - . | tar -C "$1" -xf -
	fi
}

# expect_version PROGRAM - PROGRAM --version exits 0 and names $version
expect_version() {
	out=$("$1" --version 2>&1)
	rc=$?
	echo "$1 --version: $out"
	[ "$rc" = 0 ] || bad "$1 --version exits $rc"
	case $out in *"$version"*) ;;
	*) bad "$1 --version does not say $version" ;;
	esac
}

# expect_check PROGRAM - PROGRAM -n accepts the packaged configuration and
# refuses a bad one (host bits set in a trust list)
expect_check() {
	"$1" -n -c "$conf" || bad "$1 -n -c $conf refuses the packaged file"
	printf 'relay_networks = 192.0.2.1/24\n' >"$work/bad.conf"
	"$1" -n -c "$work/bad.conf" >/dev/null 2>&1 &&
		bad "$1 -n accepts a trust list with host bits set"
}

[ "$(id -u)" = 0 ] || skip "installs packages: needs root"
for p in $packages; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	"" | *" not-installed") ;;
	*) skip "$p is (partly) installed here; not touching it" ;;
	esac
done
for f in /usr/bin/trustmx /usr/sbin/trustmx-policyd /usr/sbin/trustmx-milter; do
	[ -e "$f" ] && skip "$f exists outside a package; not overwriting it"
done
. "$src/scripts/deps.sh"
# shellcheck disable=SC2086
tmx_deps $TMX_BUILD_DEPS $TMX_DEB_DEPS || exit 1

work=$(mktemp -d /tmp/trustmx-deb.XXXXXX)
trap cleanup EXIT
version=$(sed -n 's/^#define TMX_VERSION_STRING "\(.*\)"/\1/p' \
	"$src/include/trustmx/version.h")

copy_tree "$work/src"
opts="parallel=$(nproc)"
[ "${TMX_DEB_CHECK:-0}" = 1 ] || opts="$opts nocheck"
echo "building packages (DEB_BUILD_OPTIONS=$opts)"
if ! (cd "$work/src" && DEB_BUILD_OPTIONS=$opts \
    dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -40 "$work/build.log" >&2
	echo "FAIL: dpkg-buildpackage" >&2
	exit 1
fi

debs=
for p in $packages; do
	deb=$(ls "$work/${p}_"*.deb 2>/dev/null)
	[ -n "$deb" ] || bad "package $p was not built"
	debs="$debs $deb"
done
[ "$fail" = 0 ] || exit 1

installed=yes
# shellcheck disable=SC2086
# apt-get installs the local .debs with their dependencies and, unlike
# dpkg -i, waits for the dpkg lock if another apt or dpkg is running.
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
	install -y -qq --no-install-recommends $debs >"$work/install.log" 2>&1
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'ok installed' || bad "$p did not install"
done
[ "$fail" = 0 ] || { cat "$work/install.log" >&2; exit 1; }

# What the maintainer scripts and dh helpers should have done.
getent passwd trustmx >/dev/null || bad "no trustmx system user"
[ "$(stat -c %U 2>/dev/null /var/lib/trustmx)" = trustmx ] ||
	bad "/var/lib/trustmx is missing or not owned by trustmx"
dpkg-query -W -f='${Conffiles}\n' trustmx-tools | grep -q " $conf " ||
	bad "$conf is not a conffile of trustmx-tools"
for u in trustmx-policyd trustmx-milter; do
	[ -f "/lib/systemd/system/$u.service" ] || bad "$u.service not installed"
	[ -L "/etc/systemd/system/multi-user.target.wants/$u.service" ] ||
		bad "$u.service is not enabled"
done
# The units as systemd reads them: known directives, ExecStart= programs
# and Documentation= pages present.
for u in trustmx-policyd trustmx-milter; do
	[ -f "/lib/systemd/system/$u.service" ] || continue
	out=$(systemd-analyze verify "/lib/systemd/system/$u.service" 2>&1) ||
		bad "systemd-analyze verify $u.service: $out"
done
# Where systemd runs, the units were started with the packaged file.
if [ -d /run/systemd/system ]; then
	for u in trustmx-policyd trustmx-milter; do
		systemctl is-active --quiet "$u" ||
			bad "$u.service did not start: $(systemctl status "$u" 2>&1 | tail -5)"
	done
fi
ldconfig -p | grep -q "libtrustmx.so.${version%%.*} " ||
	bad "libtrustmx is not in the ld.so cache"

# The installed programs.
expect_version /usr/bin/trustmx
expect_version /usr/sbin/trustmx-policyd
expect_version /usr/sbin/trustmx-milter
trustmx list check -c "$conf" || bad "trustmx list check -c $conf fails"
expect_check /usr/sbin/trustmx-policyd
expect_check /usr/sbin/trustmx-milter

# libtrustmx-dev: a program built with the system's pkg-config, run on the
# system's library.
# shellcheck disable=SC2046
if cc -std=gnu11 -Wall -Wextra -Werror -I"$src/test/unit" \
    -o "$work/consumer" "$src/test/install/consumer.c" \
    $(pkg-config --cflags --libs trustmx); then
	"$work/consumer" || bad "consumer fails on the installed library"
else
	bad "consumer.c does not build with libtrustmx-dev"
fi

# Purge, and nothing of ours stays behind.
installed=
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
	purge -y -qq $packages >"$work/purge.log" 2>&1 ||
	{ cat "$work/purge.log" >&2; bad "purge failed"; }
for f in /etc/trustmx /usr/bin/trustmx /usr/sbin/trustmx-policyd \
    /usr/sbin/trustmx-milter /var/lib/trustmx; do
	[ -e "$f" ] && bad "$f is still there after purge"
done

[ "$fail" = 0 ] && echo "packages built, installed, checked and purged"
exit $fail
