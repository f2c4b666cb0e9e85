#!/bin/bash
# install-check.sh - "meson install --destdir" into a scratch directory, then
# check that every file an admin or a library user needs landed there, and
# that a program built with the INSTALLED trustmx.pc runs on the installed .so.
# Environment (from test/install/meson.build): TMX_BUILDDIR, TMX_SRCDIR,
# TMX_CC, TMX_SANITIZE, TMX_VERSION, TMX_SOVERSION, TMX_PREFIX and the dirs.
set -u

fail=0
dest=$(mktemp -d "$TMX_BUILDDIR/install-check.XXXXXX")
trap 'rm -rf "$dest"' EXIT

# bad MESSAGE - record a failure and go on, so one run lists them all
bad() {
	echo "FAIL: $*" >&2
	fail=1
}

# dirpath DIR - an install dir option as an absolute path (meson gives
# bindir & co relative to the prefix, sysconfdir sometimes absolute)
dirpath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$TMX_PREFIX/$1" ;;
	esac
}

# landed KIND PATH... - each PATH (under the install root) is a regular file
landed() {
	kind=$1
	shift
	for f in "$@"; do
		[ -f "$dest$f" ] || bad "$kind missing: $f"
	done
}

if ! meson install -C "$TMX_BUILDDIR" --no-rebuild --destdir "$dest" \
    >"$dest.log" 2>&1; then
	cat "$dest.log" >&2
	rm -f "$dest.log"
	echo "meson install failed" >&2
	exit 1
fi
rm -f "$dest.log"

bindir=$(dirpath "$TMX_BINDIR")
sbindir=$(dirpath "$TMX_SBINDIR")
libdir=$(dirpath "$TMX_LIBDIR")
incdir=$(dirpath "$TMX_INCLUDEDIR")/trustmx
mandir=$(dirpath "$TMX_MANDIR")
confdir=$(dirpath "$TMX_SYSCONFDIR")/trustmx
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null) ||
	unitdir=$TMX_PREFIX/lib/systemd/system
sysusersdir=$(pkg-config --define-variable=prefix="$TMX_PREFIX" \
	--variable=sysusersdir systemd 2>/dev/null) ||
	sysusersdir=$TMX_PREFIX/lib/sysusers.d
tmpfilesdir=$(pkg-config --define-variable=prefix="$TMX_PREFIX" \
	--variable=tmpfilesdir systemd 2>/dev/null) ||
	tmpfilesdir=$TMX_PREFIX/lib/tmpfiles.d

# Programs, executable.
for p in "$bindir/trustmx" "$sbindir/trustmx-policyd" \
    "$sbindir/trustmx-milter"; do
	[ -f "$dest$p" ] && [ -x "$dest$p" ] || bad "program missing: $p"
done

# Every public header, every manual page and unit in the source tree.
for h in "$TMX_SRCDIR"/include/trustmx/*.h; do
	landed header "$incdir/${h##*/}"
done
for m in "$TMX_SRCDIR"/man/*.[1-8]; do
	m=${m##*/}
	landed "manual page" "$mandir/man${m##*.}/$m"
done
for u in "$TMX_SRCDIR"/etc/systemd/*.service; do
	[ -e "$u" ] && landed "systemd unit" "$unitdir/${u##*/}"
done
# Units name the installed programs (the units hard-code /usr/sbin: only
# a /usr install, as the Debian packages do, can satisfy them).
if [ "$TMX_PREFIX" = /usr ]; then
	for u in "$TMX_SRCDIR"/etc/systemd/*.service; do
		[ -e "$u" ] || continue
		for p in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*trustmx[^ ]*\).*/\1/p' "$u"); do
			[ -x "$dest$p" ] || bad "${u##*/} runs $p, which is not installed"
		done
	done
fi
landed "sample configuration" "$confdir/trustmx.conf"
cmp -s "$TMX_SRCDIR/etc/trustmx.conf" "$dest$confdir/trustmx.conf" ||
	bad "installed trustmx.conf differs from etc/trustmx.conf"
landed "sysusers.d file" "$sysusersdir/trustmx.conf"
landed "tmpfiles.d file" "$tmpfilesdir/trustmx.conf"
landed "pkg-config file" "$libdir/pkgconfig/trustmx.pc"
grep -qF -e "$TMX_BUILDDIR" -e "$TMX_SRCDIR" "$dest$libdir/pkgconfig/trustmx.pc" &&
	bad "trustmx.pc points into the build or source tree"

# The library: real file, soname link, development link; the soname
# recorded in the ELF is the one version.h gives.
real=libtrustmx.so.$TMX_VERSION
soname=libtrustmx.so.$TMX_SOVERSION
landed "shared library" "$libdir/$real"
[ "$(readlink "$dest$libdir/$soname")" = "$real" ] ||
	bad "$libdir/$soname is not a symlink to $real"
[ "$(readlink "$dest$libdir/libtrustmx.so")" = "$soname" ] ||
	bad "$libdir/libtrustmx.so is not a symlink to $soname"
got=$(readelf -d "$dest$libdir/$real" 2>/dev/null |
	sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$got" = "$soname" ] || bad "SONAME is '$got', expected $soname"

# A library user, built only from the installed tree. The sysroot makes
# pkg-config prefix -I and -L with $dest; nothing points at the sources
# except tmx-test.h, which holds no library declarations.
export PKG_CONFIG_PATH=$dest$libdir/pkgconfig PKG_CONFIG_LIBDIR=
export PKG_CONFIG_SYSROOT_DIR=$dest
# with prefix /usr, keep -I/usr/include: it is $dest/usr/include here
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
[ "$(pkg-config --modversion trustmx)" = "$TMX_VERSION" ] ||
	bad "pkg-config --modversion trustmx is not $TMX_VERSION"
cflags=$(pkg-config --cflags trustmx) && libs=$(pkg-config --libs trustmx) ||
	bad "pkg-config cannot resolve trustmx"
case " $cflags " in *" -I$dest$TMX_PREFIX/"*) ;;
*) bad "pkg-config --cflags '$cflags' does not point into the install" ;;
esac
san=
[ "$TMX_SANITIZE" = none ] || san=-fsanitize=$TMX_SANITIZE
# shellcheck disable=SC2086
if ! $TMX_CC -std=gnu11 -Wall -Wextra -Werror $san $cflags \
    -I"$TMX_SRCDIR/test/unit" -o "$dest/consumer" \
    "$TMX_SRCDIR/test/install/consumer.c" $libs; then
	bad "consumer.c does not build against the installed library"
else
	loaded=$(LD_LIBRARY_PATH=$dest$libdir ldd "$dest/consumer" |
		awk '$1 ~ /^libtrustmx/ {print $3}')
	[ "$loaded" = "$dest$libdir/$soname" ] ||
		bad "consumer loads '$loaded', not the installed $soname"
	LD_LIBRARY_PATH=$dest$libdir "$dest/consumer" ||
		bad "consumer failed against the installed library"
fi

[ "$fail" = 0 ] && echo "install tree complete; consumer built and ran"
exit $fail
