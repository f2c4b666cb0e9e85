#!/bin/bash
# postfix-cidr.sh - "trustmx cidr lookup TABLE" must answer exactly like
# Postfix's own "postmap -q - cidr:TABLE": a hand-written table of corner
# cases, then random tables of thousands of rules (overlaps, negations,
# nested if/endif, [addr] forms, bad lines) and thousands of keys aimed at
# the rule edges, several seeds. Output, exit status and the line numbers
# warned about must all be identical. postmap is a local program: no
# network namespace is needed.
. "$TMX_SRCDIR/test/stack/netns.sh"
export PATH=$PATH:/usr/sbin:/sbin
tmx_need postmap diff
set -u

GEN=$TMX_BUILDDIR/test/cidrtab-gen
[ -x "$GEN" ] || { echo "missing $GEN (build the project first)"; exit 1; }
TMP=$(mktemp -d /tmp/trustmx-cidr.XXXXXX)
trap 'rc=$?; if [ $rc = 0 ] || [ $rc = 77 ]; then rm -rf "$TMP"; else echo "scratch kept in $TMP" >&2; fi; exit $rc' EXIT
mkdir "$TMP/postfix"
: >"$TMP/postfix/main.cf"	# postmap wants a config directory
fail=0

# warned_lines - "LINE: reason" for every rule the tool said it skipped
# (up to the quoted text, where Postfix's logger rewrites control bytes)
warned_lines() {
	sed -n -e 's/^postmap: warning: cidr map [^,]*, line \([0-9]*\): /\1: /p' \
		-e 's/^trustmx: warning: .*:\([0-9][0-9]*\): /\1: /p' "$1" |
		grep -v 'logical line must not start' | cut -d'"' -f1 | sort
}

# compare NAME TABLE KEYS [MIN-MATCHES] - both tools, same answers
compare() {
	local name=$1 table=$2 keys=$3 min=${4:-1} prc trc
	postmap -c "$TMP/postfix" -q - "cidr:$table" <"$keys" \
		>"$TMP/$name.postmap" 2>"$TMP/$name.postmap.err"
	prc=$?
	"$TRUSTMX" cidr lookup "$table" <"$keys" \
		>"$TMP/$name.trustmx" 2>"$TMP/$name.trustmx.err"
	trc=$?
	if grep -q 'fatal' "$TMP/$name.postmap.err"; then
		echo "FAIL $name: postmap failed:"; cat "$TMP/$name.postmap.err"
		fail=1; return
	fi
	if ! diff -u "$TMP/$name.postmap" "$TMP/$name.trustmx" >"$TMP/$name.diff"; then
		echo "FAIL $name: answers differ from postmap:"
		head -40 "$TMP/$name.diff"
		fail=1
	fi
	if [ "$prc" != "$trc" ]; then
		echo "FAIL $name: exit status $trc, postmap $prc"
		fail=1
	fi
	if ! diff <(warned_lines "$TMP/$name.postmap.err") \
	    <(warned_lines "$TMP/$name.trustmx.err") >"$TMP/$name.wdiff"; then
		echo "FAIL $name: warnings differ from postmap's:"
		head -20 "$TMP/$name.wdiff"
		fail=1
	fi
	local hits
	hits=$(wc -l <"$TMP/$name.postmap")
	if [ "$hits" -lt "$min" ]; then
		echo "FAIL $name: only $hits keys matched (want >= $min): test data too weak"
		fail=1
	fi
	echo "$name: $(wc -l <"$keys") keys, $hits matched," \
		"$(cut -f2 "$TMP/$name.postmap" | sort -u | wc -l) distinct results"
}

# 1. Corner cases, written by hand.
printf '%s\n' \
	'   leading white space: Postfix skips this logical line' \
	'  and its continuation' \
	'# comment' \
	'192.0.2.1 exact' \
	'192.0.2.0/24 net with  inner   blanks   ' \
	'198.51.100.0/24 continued' \
	'# a comment inside a continued line' \
	'' \
	'    second part' \
	'if 203.0.0.0/8' \
	'!203.0.113.0/24 in-203-not-113' \
	'endif' \
	'endif' \
	'ENDIF garbage' \
	'if 10.0.0.0/8' \
	'10.1.0.0/16 ten-one' \
	'if !10.1.2.0/24' \
	'10.1.0.0/16 never: ten-one came first' \
	'10.2.0.0/16 ten-two' \
	'endif' \
	'10.0.0.0/8 ten' \
	'ENDIF' \
	'iF ! ! 2001:db8::/32' \
	'[2001:db8::1] bracketed' \
	'[2001:db8::]/48 bracket-slash' \
	'[2001:db8:1::/48] slash-inside' \
	'2001:DB8:2::/48 upper' \
	'!2001:db8:ffff::/48 not-ffff' \
	'endif' \
	'::ffff:192.0.2.0/120 mapped' \
	'192.0.2.1/24 host bits: skipped' \
	'192.0.2.0/33 too long: skipped' \
	'198.18.0.0/271 /271 is /15 to Postfix' \
	'172.16.0.0/0000016 leading-zeros' \
	'4.0.0.0/9223372036854775560 atoi-wraps-to-8' \
	'5.0.0.0/90000000000000000000 atoi-saturates: skipped' \
	'172.16.1.0/ empty mask: skipped' \
	'[172.16.2.0 unclosed: skipped' \
	'[172.16.2.0]x garbage: skipped' \
	'172.16.2.04 leading zero: skipped' \
	'172.16.3.0' \
	'if' \
	'! ' \
	'::/0 any-ipv6' \
	'if 100.64.0.0/10' \
	'0.0.0.0/0 any-ipv4-in-cgnat' \
	>"$TMP/corner.cidr"
printf '1.2.3.0/24 tail\r\n' >>"$TMP/corner.cidr"
printf '%s\n' 192.0.2.1 192.0.2.2 198.51.100.7 203.0.113.5 8.8.8.8 \
	10.1.2.3 10.1.9.9 10.2.0.1 10.3.0.1 2001:db8::1 2001:DB8::1 \
	2001:db8:0:0:0:0:0:1 2001:db8::2 2001:db8:1::5 2001:db8:2::1 \
	2001:db8:ffff::1 2001:db8:fffe::1 ::ffff:192.0.2.1 ::ffff:c000:201 \
	172.16.0.1 172.16.1.1 172.16.3.0 192.0.2.04 ' 192.0.2.1' \
	203.0.114.1 203.0.113.1 192.0.2.255 192.0.3.0 172.17.0.0 198.19.1.1 \
	4.255.0.1 5.0.0.0 \
	'192.0.2.1 ' 192.0.2.1/32 '[192.0.2.1]' not-an-address '' \
	2001:db9::1 :: 100.64.1.1 1.2.3.4 0.0.0.0 255.255.255.255 \
	>"$TMP/corner.keys"
printf '192.0.2.1\r\n192.0.2.1\0after NUL\n192.0.2.9' >>"$TMP/corner.keys"
compare corner "$TMP/corner.cidr" "$TMP/corner.keys" 20

# 2. Random tables against random keys, several seeds.
for seed in 1 2 3 4 5 6 7 8; do
	"$GEN" "$seed" 4000 6000 "$TMP/random$seed.cidr" "$TMP/random$seed.keys" ||
		{ echo "FAIL: generator"; exit 1; }
	compare "random$seed" "$TMP/random$seed.cidr" "$TMP/random$seed.keys" 300
done

# 3. One big table: compiled once, answered without a scan.
"$GEN" 99 40000 20000 "$TMP/big.cidr" "$TMP/big.keys" || exit 1
compare big "$TMP/big.cidr" "$TMP/big.keys" 1000

# 4. --strict (trust lists): a line Postfix would skip fails the load,
# naming file and line; a clean table loads.
printf '192.0.2.0/24 ok\n192.0.2.1/24 bad\n' >"$TMP/strict.cidr"
"$TRUSTMX" cidr lookup --strict "$TMP/strict.cidr" 192.0.2.9 \
	>"$TMP/strict.out" 2>"$TMP/strict.err"
rc=$?
if [ $rc != 2 ] || ! grep -q "strict.cidr:2: non-null host address bits" \
    "$TMP/strict.err" || [ -s "$TMP/strict.out" ]; then
	echo "FAIL strict: rc=$rc, stderr: $(cat "$TMP/strict.err")"
	fail=1
fi
printf '192.0.2.0/24 ok\n' >"$TMP/strict-ok.cidr"
if [ "$("$TRUSTMX" cidr lookup --strict "$TMP/strict-ok.cidr" 192.0.2.9)" != \
    "$(printf '192.0.2.9\tok')" ]; then
	echo "FAIL strict: a clean table did not answer"
	fail=1
fi

exit $fail
