#!/bin/sh
# symbols.sh LIB MAP - the shared library exports exactly the symbols that
# the version script lists: nothing hidden leaks, nothing listed is missing.
set -eu
lib=$1 map=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRV]$/ {print $3}' |
	sed 's/@.*//' | sort -u)
listed=$(sed -n 's/^[[:space:]]*\(tmx_[a-z0-9_]*\);$/\1/p' "$map" | sort -u)
if [ "$exported" != "$listed" ]; then
	echo "exported symbols differ from $map:" >&2
	diff -u /dev/fd/3 /dev/fd/4 3<<E 4<<L >&2 || true
$listed
E
$exported
L
	exit 1
fi
echo "$(echo "$listed" | wc -l) symbols exported, as listed"
