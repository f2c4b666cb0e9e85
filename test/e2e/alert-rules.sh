#!/bin/bash
# alert-rules.sh - etc/examples/trustmx-alerts.yml and prometheus.yml as
# promtool sees them: the rules and the config are valid, and
# trustmx-alerts-test.yml's cases pass (each alert fires after its "for"
# on the series it is about, with its labels and annotations, and stays
# quiet on healthy ones). Needs promtool only; no root.
set -u
: "${TMX_SRCDIR:?set TMX_SRCDIR to the source tree}"
command -v promtool >/dev/null || { echo "SKIP: promtool not installed"; exit 77; }
TMP=$(mktemp -d /tmp/trustmx-rules.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp "$TMX_SRCDIR/etc/examples/trustmx-alerts.yml" \
	"$TMX_SRCDIR/etc/examples/prometheus.yml" \
	"$TMX_SRCDIR/test/e2e/trustmx-alerts-test.yml" "$TMP/"
rc=0
for step in "check rules trustmx-alerts.yml" "check config prometheus.yml" \
	"test rules trustmx-alerts-test.yml"; do
	# shellcheck disable=SC2086 # the words are the command
	if (cd "$TMP" && promtool $step); then
		echo "ok: promtool $step"
	else
		echo "FAIL: promtool $step"
		rc=1
	fi
done
exit $rc
