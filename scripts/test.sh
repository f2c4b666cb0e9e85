#!/bin/bash
# test.sh - the project's whole test run, as the README and CI call it:
# install what is missing, then build and run every meson test three ways:
#   1. release-like build with -Werror: unit, build, fuzz-replay, integration
#   2. the same suite under -Db_sanitize=address,undefined
#   3. libFuzzer targets (clang), each fuzzed for $TMX_FUZZ_SECONDS seconds
# Ends with one line "N passed, N failed, N skipped" from meson's test logs
# and exits non-zero on any failure. Run as root (namespaces, Postfix).
set -u
cd "$(dirname "$0")/.."
top=$PWD
. scripts/deps.sh
tmx_deps $TMX_BUILD_DEPS $TMX_STACK_DEPS $TMX_FUZZ_DEPS $TMX_DEB_DEPS || exit 1
bash scripts/relay-mtas.sh || [ $? = 77 ] || exit 1	# Exim, OpenSMTPD: unpacked, not installed

out=${TMX_BUILD_ROOT:-$top/build-test}
fuzz_seconds=${TMX_FUZZ_SECONDS:-10}
mkdir -p "$out"

# run_suite NAME MESON-OPTIONS... - configure, build, test one variant
run_suite() {
	name=$1
	shift
	dir=$out/$name
	echo "== $name: meson setup $*"
	if [ -d "$dir/meson-private" ]; then
		meson setup --reconfigure "$dir" "$@" >"$out/$name-setup.log" 2>&1
	else
		meson setup "$dir" "$@" >"$out/$name-setup.log" 2>&1
	fi || { cat "$out/$name-setup.log"; echo "$name: setup failed"; broken=$((broken + 1)); return 1; }
	ninja -C "$dir" >"$out/$name-build.log" 2>&1 ||
		{ tail -40 "$out/$name-build.log"; echo "$name: build failed"; broken=$((broken + 1)); return 1; }
	# The "background" suite (tests that mostly wait, and the conformance
	# suites, which assert answers, not timings) runs beside the others,
	# whose serial tests keep the machine to themselves otherwise.
	bg=
	fg_args=()
	if [ -z "${TMX_TEST_ARGS:-}" ] &&
		meson test -C "$dir" --no-rebuild --list --suite background \
			2>/dev/null | grep -q .; then
		meson test -C "$dir" --no-rebuild --print-errorlogs \
			--num-processes 4 --suite background --logbase background \
			>"$out/$name-background.log" 2>&1 &
		bg=$!
		fg_args=(--no-suite background)
	fi
	meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes 2 \
		"${fg_args[@]}" ${skip_args:-} ${TMX_TEST_ARGS:-} \
		>"$out/$name-test.log" 2>&1
	[ -z "$bg" ] || wait "$bg"
	for log in "$out/$name-test.log" ${bg:+"$out/$name-background.log"}; do
		grep -E '^ *[0-9]+/[0-9]+ ' "$log" | grep -vE ' (OK|SKIP) ' || true
		grep -E '^(Ok|Fail|Skipped|Timeout):' "$log" | tr '\n' ' '
		echo
	done
}

status=0
broken=0	# variants that did not even build: each counts as a failure
rm -f "$out"/*/meson-logs/testlog.json "$out"/*/meson-logs/background.json
run_suite default -Dwerror=true -Dbuildtype=debugoptimized || status=1
# The "long" suite (the soak, the whole topology, other MTAs as relays, a
# real Prometheus) runs in the release-like build only: its code paths
# are the shorter tests', and CI has 30 minutes.
skip_args="--no-suite long" run_suite sanitize -Dwerror=true \
	-Db_sanitize=address,undefined -Db_lundef=false -Dbench=false || status=1
CC=clang run_suite fuzz -Dfuzzing=true -Dfuzz_seconds="$fuzz_seconds" \
	-Db_sanitize=address,undefined -Db_lundef=false -Dbench=false \
	-Dintegration=disabled -Dtests=false || status=1

# The closing line comes from meson's own test logs (testlog.json, and
# background.json for the suite run beside it).
results=$(cat "$out"/*/meson-logs/testlog.json \
	"$out"/*/meson-logs/background.json 2>/dev/null | jq -r .result)
passed=$(grep -cxE 'OK|EXPECTEDFAIL' <<<"$results")
skipped=$(grep -cx 'SKIP' <<<"$results")
failed=$(($(grep -cvxE 'OK|EXPECTEDFAIL|SKIP|' <<<"$results") + broken))
# Everything can run here (root, the packages above): a skipped test is a
# tool scripts/deps.sh does not install, and counts as failed too.
if [ "$skipped" != 0 ]; then
	cat "$out"/*/meson-logs/testlog.json "$out"/*/meson-logs/background.json \
		2>/dev/null | jq -r 'select(.result == "SKIP") | "skipped: " + .name'
	failed=$((failed + skipped))
fi
[ "$failed" = 0 ] && [ "$passed" -gt 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
