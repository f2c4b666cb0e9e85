#!/bin/bash
# demo.sh - the README's first command. Installs what is missing, builds,
# then inside a private network namespace (loopback only) runs the whole
# topology of the README: HAProxy sending PROXY v2 to postscreen and smtpd
# with health checks, trustmx-policyd, trustmx-milter, a backup MX and
# hermetic DNS; sends a scripted set of messages and prints what happened.
#   --keep   leave everything running and print commands to poke at it
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
. scripts/deps.sh
tmx_deps $TMX_BUILD_DEPS $TMX_STACK_DEPS || exit 1

# The daemons, the CLI and the test suite's small DKIM signer.
build=$top/build-demo
if [ ! -d "$build/meson-private" ]; then
	meson setup "$build" -Dtests=true -Dbench=false >/dev/null || exit 1
else
	meson configure "$build" -Dtests=true >/dev/null || exit 1
fi
targets="tools/trustmx policyd/trustmx-policyd milter/trustmx-milter
	test/milter/milter-dkim-sign"
ninja -C "$build" $targets >/dev/null || { ninja -C "$build" $targets; exit 1; }

export TRUSTMX=$build/tools/trustmx TMX_SRCDIR=$top \
	TRUSTMX_POLICYD=$build/policyd/trustmx-policyd \
	TRUSTMX_MILTER=$build/milter/trustmx-milter \
	TMX_DKIM_SIGN=$build/test/milter/milter-dkim-sign
exec "$top/scripts/demo-stack.sh" "$@"
