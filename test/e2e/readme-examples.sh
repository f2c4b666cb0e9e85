#!/bin/bash
# readme-examples.sh - the README's configuration snippets are the files in
# etc/examples/ that scripts/demo.sh and the e2e test run, byte for byte:
# each file must appear in README.md as the whole body of a code block.
set -u
readme=$TMX_SRCDIR/README.md
rc=0
for f in "$TMX_SRCDIR"/etc/examples/*; do
	name=${f##*/}
	# every fenced block of the README, NUL-separated, compared whole
	if ! awk '/^```/ { if (inb) { printf "%s", buf; printf "%c", 0; buf = ""; inb = 0 }
			  else inb = 1; next }
		  inb { buf = buf $0 "\n" }' "$readme" |
		python3 -c 'import sys
blocks = sys.stdin.buffer.read().split(b"\0")
want = open(sys.argv[1], "rb").read()
sys.exit(0 if want in blocks else 1)' "$f"; then
		echo "FAIL: README.md has no code block equal to etc/examples/$name"
		rc=1
	else
		echo "ok: etc/examples/$name is in README.md"
	fi
done
exit $rc
