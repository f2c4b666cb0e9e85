#!/bin/bash
# relay-mtas.sh - Exim and OpenSMTPD for test/milter/milter-relay-mtas.sh,
# unpacked from Debian's packages into a cache directory and run from
# there. Both conflict with postfix as packages, so they are never
# installed: `apt-get download` and `dpkg-deb -x` only. What does not
# conflict is installed as usual: the plain libraries they link that are
# missing (libidn12 for Exim; an unpacked copy would not do: Exim
# re-executes itself setuid root, and the loader then ignores
# LD_LIBRARY_PATH) and swaks's IPv6 support (IO::Socket::INET6). The
# system users their binaries name (Debian-exim, opensmtpd, opensmtpq)
# and OpenSMTPD's compiled-in chroot and spool directories are made as
# the packages' postinst scripts would make them.
#
#   scripts/relay-mtas.sh          # fetch and unpack if not done yet
#   . scripts/relay-mtas.sh        # only set the variables below
#
#   TMX_MTA_DIR   the cache (default /var/cache/trustmx-test/mtas)
#   TMX_MTA_ROOT  the unpacked tree: $TMX_MTA_ROOT/usr/sbin/exim4, .../smtpd
#
# Exit status: 0 ready, 1 download or unpack failed (said why), 77 not root.

TMX_MTA_DIR=${TMX_MTA_DIR:-/var/cache/trustmx-test/mtas}
TMX_MTA_ROOT=$TMX_MTA_DIR/root
TMX_MTA_PKGS="exim4-daemon-light opensmtpd"
TMX_MTA_BINS="usr/sbin/exim4 usr/sbin/smtpd"
TMX_MTA_HOST_PKGS="libio-socket-inet6-perl"	# swaks --local-interface IPV6

# tmx_mta_installed PKG - PKG is an installed Debian package
tmx_mta_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# tmx_mta_ready - the binaries are unpacked, link, and the host has the rest
tmx_mta_ready() {
	[ -e "$TMX_MTA_DIR/done" ] || return 1
	for b in $TMX_MTA_BINS; do
		[ -x "$TMX_MTA_ROOT/$b" ] || return 1
		ldd "$TMX_MTA_ROOT/$b" 2>&1 | grep -q 'not found' && return 1
	done
	for p in $TMX_MTA_HOST_PKGS; do
		tmx_mta_installed "$p" || return 1
	done
	return 0
}

# tmx_mta_missing - host packages to install: the MTAs' lib* Depends that
# are not installed (not their other Depends: exim4-base, debconf...), and
# $TMX_MTA_HOST_PKGS
tmx_mta_missing() {
	for p in $TMX_MTA_PKGS; do
		apt-cache depends --no-recommends --no-suggests --no-conflicts \
			--no-breaks --no-replaces --no-enhances "$p" 2>/dev/null |
			awk '$1 == "Depends:" || $1 == "PreDepends:" { print $2 }' |
			grep '^lib'
	done | sort -u | while read -r d; do
		tmx_mta_installed "$d" || echo "$d"
	done
	for p in $TMX_MTA_HOST_PKGS; do
		tmx_mta_installed "$p" || echo "$p"
	done
}

# tmx_mta_apt CMD ARGS... - run apt-get CMD quietly; on failure update the
# package lists once and retry; say what failed
tmx_mta_apt() {
	log=$TMX_MTA_DIR/apt.log
	DEBIAN_FRONTEND=noninteractive apt-get -qq -o APT::Sandbox::User=root \
		"$@" >"$log" 2>&1 && return 0
	apt-get update -qq >/dev/null 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get -qq -o APT::Sandbox::User=root \
		"$@" >"$log" 2>&1 && return 0
	echo "relay-mtas: apt-get $* failed:" >&2
	cat "$log" >&2
	return 1
}

# tmx_mta_users - the system users and directories the packages' postinst
# scripts make (exim4-base: Debian-exim; opensmtpd: opensmtpd, opensmtpq
# and the chroot /var/lib/opensmtpd/empty); /var/spool/smtpd is left
# empty: the test mounts its own scratch spool over it
tmx_mta_users() {
	getent passwd Debian-exim >/dev/null ||
		useradd --system --user-group --home-dir /var/spool/exim4 \
			--no-create-home --shell /usr/sbin/nologin Debian-exim ||
		return 1
	for u in opensmtpd opensmtpq; do
		getent passwd $u >/dev/null ||
			useradd --system --user-group \
				--home-dir /var/lib/opensmtpd/empty --no-create-home \
				--shell /usr/sbin/nologin $u || return 1
	done
	install -d -o root -g root -m 755 /var/lib/opensmtpd/empty &&
		install -d -o root -g root -m 711 /var/spool/smtpd
}

# tmx_mta_unpack - download the MTAs' packages and unpack them afresh
tmx_mta_unpack() {
	work=$TMX_MTA_DIR/new
	rm -rf "$work" "$TMX_MTA_DIR/done"
	mkdir -p "$work/debs" "$work/root" || return 1
	# shellcheck disable=SC2086 # a word list
	(cd "$work/debs" && tmx_mta_apt download $TMX_MTA_PKGS) || return 1
	for deb in "$work"/debs/*.deb; do
		dpkg-deb -x "$deb" "$work/root" || {
			echo "relay-mtas: dpkg-deb -x $deb failed" >&2
			return 1
		}
	done
	rm -rf "$TMX_MTA_ROOT" "$TMX_MTA_DIR/debs"
	mv "$work/root" "$TMX_MTA_ROOT" && mv "$work/debs" "$TMX_MTA_DIR/debs" &&
		rm -rf "$work"
}

# tmx_mta_fetch - make everything ready unless it is
tmx_mta_fetch() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: relay-mtas: needs root (apt-get, useradd)"
		return 77
	fi
	tmx_mta_users || {
		echo "relay-mtas: could not create the MTAs' system users" >&2
		return 1
	}
	tmx_mta_ready && return 0
	mkdir -p "$TMX_MTA_DIR" || return 1
	exec 9>"$TMX_MTA_DIR/lock"
	flock 9
	tmx_mta_ready && return 0	# another run did it meanwhile
	# shellcheck disable=SC2086 # a word list
	apt-cache show $TMX_MTA_PKGS >/dev/null 2>&1 ||
		apt-get update -qq >/dev/null 2>&1	# never updated: no lists
	missing=$(tmx_mta_missing | paste -sd' ' -)
	if [ -n "$missing" ]; then
		echo "relay-mtas: installing $missing"
		# shellcheck disable=SC2086 # a word list
		tmx_mta_apt install -y --no-install-recommends $missing || return 1
	fi
	if ! [ -e "$TMX_MTA_DIR/done" ] || ! [ -d "$TMX_MTA_ROOT" ]; then
		tmx_mta_unpack || return 1
	fi
	for b in $TMX_MTA_BINS; do
		if ldd "$TMX_MTA_ROOT/$b" 2>&1 | grep 'not found' >&2; then
			echo "relay-mtas: $b misses the libraries above" >&2
			return 1
		fi
	done
	(cd "$TMX_MTA_DIR/debs" && ls -- *.deb) >"$TMX_MTA_DIR/done"
	echo "relay-mtas: $(paste -sd' ' "$TMX_MTA_DIR/done") unpacked in $TMX_MTA_ROOT"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	tmx_mta_fetch
	exit $?
fi
