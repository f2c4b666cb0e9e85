#!/bin/bash
# milter-protocol.sh - the milter protocol as trustmx-milter negotiates it:
# with an MTA that offers them (Postfix 2.6 and later), no answer to
# connect, HELO, each header field, end of headers and body chunks, and no
# RCPT or DATA events (each answer is a round trip per message, or per
# header); with an MTA that offers none, an answer to every step. Both
# must end in the same Authentication-Results. The MTA is
# test/milter/milter-wire.py, which talks to the milter's socket directly.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need python3 opendkim-genkey

mt_dns || exit 1
mt_config
mt_milter_start || exit 1

wire=$TMX_SRCDIR/test/milter/milter-wire.py
for mode in noreply legacy; do
	if python3 "$wire" "$MT_SOCK" "$mode" >"$TMX_TMP/$mode.out" 2>&1; then
		tmx_pass "$mode: $(tail -1 "$TMX_TMP/$mode.out")"
	else
		tmx_fail "$mode: $(grep -E '^FAIL|Error' "$TMX_TMP/$mode.out" | head -3)"
		cat "$TMX_TMP/$mode.out" >&2
	fi
done
grep -q 'WIRE1: client=192.0.2.10 spf=pass' "$MT_LOG" ||
	tmx_fail "no log line for the wire messages"
tmx_failed && tail -20 "$MT_LOG" >&2
tmx_finish
