#!/bin/sh
# run-timed.sh TARGET SECONDS CORPUS - fuzz TARGET (libFuzzer) for SECONDS,
# starting from the committed CORPUS; new inputs go to a scratch copy, so
# the source tree is never written. Crashes are kept for a look.
set -eu
target=$1 seconds=$2 corpus=$3
work=$(mktemp -d /tmp/trustmx-fuzz.XXXXXX)
trap 'rm -rf "$work/corpus"' EXIT
mkdir "$work/corpus" "$work/artifacts"
"$target" -max_total_time="$seconds" -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" "$corpus" 2>"$work/log" || {
	tail -50 "$work/log"
	echo "crash inputs kept in $work/artifacts" >&2
	exit 1
}
grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work/log" || true
rm -rf "$work"
