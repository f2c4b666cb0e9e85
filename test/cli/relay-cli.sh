#!/bin/bash
# relay-cli.sh - "trustmx relay check" as an operator runs it on saved
# messages: a hostile HELO literal through a Postfix relay, a line that
# auto mode refuses as ambiguous and pinning reads, multi-hop with a
# format per relay, --client, --json, mbox input, exit statuses and bad
# configurations. No root, no DNS: relay_networks are inline.
set -u
: "${TRUSTMX:?set TRUSTMX to the trustmx binary}"
. "${TMX_SRCDIR:?set TMX_SRCDIR to the source tree}/test/stack/assert.sh"
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

TMP=$(mktemp -d /tmp/trustmx-relay.XXXXXX)
trap 'rc=$?; rm -rf "$TMP"; exit $rc' EXIT

# conf LINE... - write $TMP/t.conf
conf() {
	printf '%s\n' "spf_cache_dir = $TMP" "$@" >"$TMP/t.conf"
}

# check [ARGS...] < MESSAGE - run relay check; output in $OUT, status in $RC
check() {
	OUT=$("$TRUSTMX" relay check -c "$TMP/t.conf" "$@" 2>&1)
	RC=$?
}

# msg RECEIVED-VALUE... - a message whose Received lines are the arguments
msg() {
	for r in "$@"; do
		printf 'Received: %s\n' "$r"
	done
	printf 'From: a@sender.example\nSubject: t\n\nbody\nReceived: from x (y [192.0.2.99]) by z\n'
}

OWN='from mx2.backup.example (mx2.backup.example [198.51.100.25])
	by mx1.example.org (Postfix) with ESMTPS id 4A'
HOSTILE='from [203.0.113.9] (unknown [203.0.113.66])
	by mx2.backup.example (Postfix) with ESMTP id 4B
	for <user@example.org>; Thu,  3 Dec 2026 19:59:00 +0000'
QMAIL='from unknown (HELO [203.0.113.9]) (203.0.113.66)
  by mx2.backup.example with SMTP; 3 Dec 2026'
EXIM_BARE='from [203.0.113.77] by mx2.backup.example with esmtp id 1'

conf "relay_networks = 198.51.100.25"

# --- a Postfix relay and a client whose EHLO was an address literal ---
msg "$OWN" "$HOSTILE" >"$TMP/m1"
check <"$TMP/m1"
tmx_expect "hostile: status" "$RC" 0
tmx_expect "hostile: verdict" "$(grep '^verdict' <<<"$OUT")" \
	"verdict: SPF is judged on 203.0.113.66 (HELO [203.0.113.9]), recovered from Received 1 (read as postfix) of trusted relay 198.51.100.25"
tmx_expect "hostile: claimed" "$(grep -c '^  claimed     HELO \[203.0.113.9\]$' <<<"$OUT")" 1
tmx_expect "hostile: body line ignored" "$(grep -c '192.0.2.99' <<<"$OUT")" 0
check --json <"$TMP/m1"
tmx_expect "json: recovered_client" "$(jq -r .recovered_client <<<"$OUT")" 203.0.113.66
tmx_expect "json: helo" "$(jq -r .helo <<<"$OUT")" "[203.0.113.9]"
tmx_expect "json: lines" "$(jq -c '[.lines[] | [.line, .observed, .helo]]' <<<"$OUT")" \
	'[[0,"198.51.100.25","mx2.backup.example"],[1,"203.0.113.66","[203.0.113.9]"]]'

# --- the same as the milter saw it, and as an mbox ---
msg "$HOSTILE" >"$TMP/m2"
check --client 198.51.100.25 <"$TMP/m2"
tmx_expect "--client: status" "$RC" 0
tmx_expect "--client: recovered" "$(grep -c 'judged on 203.0.113.66' <<<"$OUT")" 1
{ echo "From a@sender.example Thu Dec  3 20:00:00 2026"; cat "$TMP/m1"; } >"$TMP/mbox"
check <"$TMP/mbox"
tmx_expect "mbox: recovered" "$(grep -c 'judged on 203.0.113.66' <<<"$OUT")" 1

# --- a qmail line with a literal HELO: auto reads it safely, so does qmail ---
msg "$OWN" "$QMAIL" >"$TMP/m3"
check --json <"$TMP/m3"
tmx_expect "qmail auto: client" "$(jq -r .recovered_client <<<"$OUT")" 203.0.113.66
tmx_expect "qmail auto: format" "$(jq -r .format <<<"$OUT")" qmail
conf "relay_networks = 198.51.100.25" "relay_format = postfix"
check <"$TMP/m3"
tmx_expect "qmail pinned postfix: status" "$RC" 1
tmx_expect "qmail pinned postfix: spf=none" \
	"$(grep -c 'no client recovered: Received line 1 (read as postfix)' <<<"$OUT")" 1

# --- an address alone: auto refuses, pinned exim reads it ---
conf "relay_networks = 198.51.100.25"
msg "$OWN" "$EXIM_BARE" >"$TMP/m4"
check <"$TMP/m4"
tmx_expect "bare auto: status" "$RC" 1
conf "relay_networks = 198.51.100.25" "relay_format = auto, exim:198.51.100.0/24"
check --json <"$TMP/m4"
tmx_expect "bare pinned exim: client" "$(jq -r .recovered_client <<<"$OUT")" 203.0.113.77
tmx_expect "bare pinned exim: pinned" "$(jq -r '.lines[1].pinned' <<<"$OUT")" true

# --- two trusted hops, each relay with its own layout ---
conf "relay_networks = 198.51.100.25 198.51.100.30" \
	"relay_format = exim:198.51.100.25/32 qmail:198.51.100.30/32"
msg "$OWN" 'from inner.example ([198.51.100.30]:1234 helo=inner.example)
	by mx2.backup.example with esmtp (Exim 4.96) id 1' "$QMAIL" >"$TMP/m5"
check --json <"$TMP/m5"
tmx_expect "multi-hop: client" "$(jq -r .recovered_client <<<"$OUT")" 203.0.113.66
tmx_expect "multi-hop: hops" "$(jq -r .hops <<<"$OUT")" 2
tmx_expect "multi-hop: formats" "$(jq -c '[.lines[].format]' <<<"$OUT")" '["postfix","exim","qmail"]'

# --- not a relay; errors ---
conf "relay_networks = 192.0.2.1"
check <"$TMP/m1"
tmx_expect "not a relay: status" "$RC" 0
tmx_expect "not a relay: verdict" "$(grep -c 'is not in relay_networks' <<<"$OUT")" 1
# allow_networks is no relay list: judged directly, lines not read
conf "allow_networks = 198.51.100.0/24"
check <"$TMP/m1"
tmx_expect "allow: status" "$RC" 0
tmx_expect "allow: verdict" "$(grep -c 'is in allow_networks, not relay_networks: SPF is judged on it directly' <<<"$OUT")" 1
check --json <"$TMP/m1"
tmx_expect "allow: json" "$(jq -c '[.relay, .allow, .recovered]' <<<"$OUT")" '[false,true,false]'
# in both lists: a relay (relay_networks wins)
conf "relay_networks = 198.51.100.25" "allow_networks = 198.51.100.0/24"
check <"$TMP/m1"
tmx_expect "relay and allow: recovered" "$(grep -c 'judged on 203.0.113.66' <<<"$OUT")" 1
conf "relay_format = postfixx"
check <"$TMP/m1"
tmx_expect "bad format: status" "$RC" 2
tmx_expect "bad format: file:line" "$(grep -c 't.conf:2: relay_format: unknown relay format "postfixx"' <<<"$OUT")" 1
conf "relay_networks = 198.51.100.25"
check </dev/null
tmx_expect "no input: status" "$RC" 2
check --client nonsense <"$TMP/m2"
tmx_expect "bad --client: status" "$RC" 2
"$TRUSTMX" relay frobnicate >/dev/null 2>&1
tmx_expect "bad subcommand: status" "$?" 2

tmx_finish
