#!/bin/bash
# demo.sh - the README's first command. Installs what is missing, builds,
# then inside a private network namespace (loopback only) runs a real
# HAProxy that forwards SMTP clients to "trustmx proxy accept" with PROXY
# v2 headers (CRC32C, unique ID) and health checks, connects clients from
# documentation addresses, and prints what trustmx decoded and decided.
#   --keep   leave everything running and print commands to poke at it
set -u
cd "$(dirname "$0")/.."
top=$PWD
. scripts/deps.sh
tmx_deps $TMX_BUILD_DEPS $TMX_STACK_DEPS || exit 1

build=$top/build-demo
if [ ! -d "$build/meson-private" ]; then
	meson setup "$build" -Dtests=false -Dbench=false >/dev/null || exit 1
fi
ninja -C "$build" >/dev/null || { ninja -C "$build"; exit 1; }

export TRUSTMX=$build/tools/trustmx TMX_SRCDIR=$top
exec "$top/scripts/demo-stack.sh" "$@"
