#!/bin/sh
# gen-symbols.sh - write debian/libtrustmx0.symbols from lib/libtrustmx.map
# and include/trustmx/version.h. Symbols already in the file keep their
# minimum version; new ones get the current upstream version. Run from the
# top of the tree after changing the map; the package build (dpkg-gensymbols
# -c4) fails while the file and the library's exports differ.
set -eu
cd "$(dirname "$0")/.."
map=lib/libtrustmx.map
out=debian/libtrustmx0.symbols
ver=$(sed -n 's/^#define TMX_VERSION_STRING "\(.*\)"/\1/p' include/trustmx/version.h)
so=$(sed -n 's/^#define TMX_SOVERSION \([0-9]*\)/\1/p' include/trustmx/version.h)

if [ "$so" != 0 ]; then
	echo "$0: soversion is $so: rename libtrustmx0 in debian/ first" >&2
	exit 1
fi

# The old file's "name@node version" pairs, to keep minimum versions.
old=$(mktemp)
trap 'rm -f "$old" "$old.new"' EXIT
[ -f "$out" ] && sed -n 's/^ \([^ ]*\) \(.*\)$/\1 \2/p' "$out" >"$old"

# One "name@node" line per exported symbol, plus each version node itself.
awk '
	/^[A-Za-z_][A-Za-z0-9_.]*[ \t]*\{/ { node = $1; sub(/\{.*/, "", node)
		print node "@" node; next }
	/^[ \t]*(global|local):/ { scope = $1; next }
	/^\}/ { node = ""; next }
	node != "" && scope == "global:" && /;/ {
		s = $0; gsub(/[ \t;]/, "", s); if (s != "") print s "@" node }
' "$map" | sort -u | awk -v ver="$ver" -v oldf="$old" '
	BEGIN { while ((getline l < oldf) > 0) { split(l, f, " "); had[f[1]] = f[2] } }
	{ print " " $1 " " ($1 in had ? had[$1] : ver) }
' >"$old.new"

{
	echo "libtrustmx.so.$so libtrustmx$so #MINVER#"
	echo "* Build-Depends-Package: libtrustmx-dev"
	cat "$old.new"
} >"$out"
echo "$out: $(wc -l <"$old.new") symbols"
