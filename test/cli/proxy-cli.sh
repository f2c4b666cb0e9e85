#!/bin/bash
# proxy-cli.sh - "trustmx proxy decode|encode|accept" as a user runs them:
# decoding bytes real HAProxy 2.6 sent (captured once, so no encoder of ours
# is involved), exact encoder output, encode/decode round trips for every
# family, JSON that survives hostile bytes, exit statuses, and every trust
# outcome of "proxy accept" over loopback. No root needed.
set -u
: "${TRUSTMX:?set TRUSTMX to the trustmx binary}"
. "${TMX_SRCDIR:?set TMX_SRCDIR to the source tree}/test/stack/assert.sh"
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

TMP=$(mktemp -d /tmp/trustmx-cli.XXXXXX)
ACCEPT_PID=""
trap 'rc=$?; [ -n "$ACCEPT_PID" ] && kill $ACCEPT_PID 2>/dev/null; rm -rf "$TMP"; exit $rc' EXIT

# hexof FILE - a file's bytes in hex
hexof() {
	od -An -v -tx1 "$1" | tr -d ' \n'
}

# decode NAME HEX - decode bytes; sets $json and $rc, checks one line
decode() {
	tmx_unhex "$2" >"$TMP/in"
	"$TRUSTMX" proxy decode <"$TMP/in" >"$TMP/out"
	rc=$?
	json=$(cat "$TMP/out")
	tmx_expect "$1 output lines" "$(wc -l <"$TMP/out")" 1
}

# --- decode: what HAProxy 2.6 sent (send-proxy-v2 with proxy-v2-options
# crc32c,unique-id,ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority,
# TLS 1.3 client 192.0.2.10 -> frontend 192.0.2.20:8443), then "hello\n"
HAPROXY_V2=0d0a0d0a000d0a515549540a211100b3c000020ac0000214a8a420fb03000457d0e847010004736d747002000f6d782e6578616d706c652e74657374050028433030303032304141384134433030303032313432304642364230323342433630303030323546462000590700000000210007544c5376312e3322001272656c6179312e6578616d706c652e6e6574250005454332353624001165636473612d776974682d534841323536230016544c535f4145535f3235365f47434d5f53484133383468656c6c6f0a
decode haproxy-v2 $HAPROXY_V2
tmx_expect "haproxy-v2 exit" $rc 0
tmx_jq haproxy-v2 "$json" .status ok
tmx_jq haproxy-v2 "$json" .version 2
tmx_jq haproxy-v2 "$json" .command PROXY
tmx_jq haproxy-v2 "$json" .family TCP4
tmx_jq haproxy-v2 "$json" '"\(.src):\(.src_port) \(.dst):\(.dst_port)"' \
	"192.0.2.10:43172 192.0.2.20:8443"
tmx_jq haproxy-v2 "$json" .consumed 195
tmx_jq haproxy-v2 "$json" .crc32c valid
tmx_jq haproxy-v2 "$json" .alpn smtp
tmx_jq haproxy-v2 "$json" .authority mx.example.test
tmx_jq haproxy-v2 "$json" .unique_id \
	43303030303230414138413443303030303231343230464236423032334243363030303032354646
tmx_jq haproxy-v2 "$json" .ssl_verified true
tmx_jq haproxy-v2 "$json" .ssl_client 7
tmx_jq haproxy-v2 "$json" .ssl_version TLSv1.3
tmx_jq haproxy-v2 "$json" .ssl_cn relay1.example.net
tmx_jq haproxy-v2 "$json" .ssl_cipher TLS_AES_256_GCM_SHA384
tmx_jq haproxy-v2 "$json" .tlvs \
	'[{"type":3,"len":4},{"type":1,"len":4},{"type":2,"len":15},{"type":5,"len":40},{"type":32,"len":89}]'

# The same header with one address byte changed: the CRC32C catches it.
decode crc-bad "${HAPROXY_V2:0:32}c1${HAPROXY_V2:34}"
tmx_expect "crc-bad exit" $rc 1
tmx_jq crc-bad "$json" .status invalid
tmx_jq crc-bad "$json" '.reason | length > 0' true

# HAProxy's check-send-proxy health check: v2 LOCAL, nothing else.
decode haproxy-check 0d0a0d0a000d0a515549540a20000000
tmx_expect "haproxy-check exit" $rc 0
tmx_jq haproxy-check "$json" . \
	'{"status":"ok","version":2,"command":"LOCAL","family":"UNSPEC","consumed":16,"crc32c":"absent","tlvs":[]}'

# Every prefix of the HAProxy header is incomplete, never invalid.
for cut in 1 12 15 16 17 100 194; do
	decode "cut-$cut" "${HAPROXY_V2:0:$((cut * 2))}"
	tmx_expect "cut-$cut exit" $rc 1
	tmx_jq "cut-$cut" "$json" .status incomplete
	tmx_jq "cut-$cut" "$json" '.need > 0 and .need <= 195' true
done
decode cut-194-need "${HAPROXY_V2:0:388}"
tmx_jq cut-194-need "$json" .need 1

# v1 lines, with application bytes after them.
v1=$(printf 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\nEHLO x\r\n' | od -An -v -tx1 | tr -d ' \n')
decode v1-tcp4 "$v1"
tmx_jq v1-tcp4 "$json" . \
	'{"status":"ok","version":1,"command":"PROXY","family":"TCP4","src":"192.0.2.1","src_port":56324,"dst":"198.51.100.2","dst_port":25,"consumed":44}'
v1=$(printf 'PROXY TCP6 2001:db8::1 2001:db8:0:0:0:0:0:25 65535 587\r\n' | od -An -v -tx1 | tr -d ' \n')
decode v1-tcp6 "$v1"
tmx_jq v1-tcp6 "$json" '"\(.family) \(.src) \(.src_port) \(.dst) \(.dst_port)"' \
	"TCP6 2001:db8::1 65535 2001:db8::25 587"
v1=$(printf 'PROXY UNKNOWN\r\n' | od -An -v -tx1 | tr -d ' \n')
decode v1-unknown "$v1"
tmx_jq v1-unknown "$json" . \
	'{"status":"ok","version":1,"command":"PROXY","family":"UNKNOWN","consumed":15}'

# Not headers at all, and a v1 line that lies.
for bad in 'GET / HTTP/1.0\r\n\r\n' 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 99999\r\n' \
    'PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n'; do
	decode "bad $bad" "$(printf "$bad" | od -An -v -tx1 | tr -d ' \n')"
	tmx_expect "bad $bad exit" $rc 1
	tmx_jq "bad $bad" "$json" .status invalid
done
decode empty ""
tmx_jq empty "$json" .status incomplete

# --- encode: exact bytes where they can be written by hand
"$TRUSTMX" proxy encode --version 1 --src 192.0.2.1 --src-port 56324 \
	--dst 198.51.100.2 --dst-port 25 >"$TMP/v1"
tmx_expect "encode v1 bytes" "$(hexof "$TMP/v1")" \
	"$(printf 'PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n' | od -An -v -tx1 | tr -d ' \n')"
"$TRUSTMX" proxy encode --version 1 >"$TMP/v1u"
tmx_expect "encode v1 UNKNOWN" "$(hexof "$TMP/v1u")" "$(printf 'PROXY UNKNOWN\r\n' | od -An -v -tx1 | tr -d ' \n')"
"$TRUSTMX" proxy encode --command LOCAL >"$TMP/local"
tmx_expect "encode LOCAL = HAProxy's health check" "$(hexof "$TMP/local")" \
	0d0a0d0a000d0a515549540a20000000
"$TRUSTMX" proxy encode --family TCP4 --src 192.0.2.10 --src-port 43172 \
	--dst 192.0.2.20 --dst-port 8443 --tlv 0xe0:cafe --noop 2 >"$TMP/tlv"
tmx_expect "encode TCP4 TLVs bytes" "$(hexof "$TMP/tlv")" \
	0d0a0d0a000d0a515549540a21110016c000020ac0000214a8a420fbe00002cafe0400020000

# --- encode | decode, every family
# roundtrip NAME FILTER WANT ENCODE-ARGS...
roundtrip() {
	name=$1 filter=$2 want=$3
	shift 3
	"$TRUSTMX" proxy encode "$@" >"$TMP/rt"
	tmx_expect "$name encode exit" $? 0
	json=$("$TRUSTMX" proxy decode <"$TMP/rt")
	tmx_expect "$name decode exit" $? 0
	tmx_jq "$name" "$json" "$filter" "$want"
}
ADDR='"\(.version) \(.command) \(.family) \(.src):\(.src_port // "-") \(.dst):\(.dst_port // "-")"'
roundtrip tcp4 "$ADDR" "2 PROXY TCP4 203.0.113.9:4242 192.0.2.25:25" \
	--src 203.0.113.9 --src-port 4242 --dst 192.0.2.25 --dst-port 25
roundtrip tcp6 "$ADDR" "2 PROXY TCP6 2001:db8::9:0 2001:db8::25:65535" \
	--src 2001:db8::9 --src-port 0 --dst 2001:db8::25 --dst-port 65535
roundtrip udp4 "$ADDR" "2 PROXY UDP4 203.0.113.9:53 192.0.2.53:53" \
	--family UDP4 --src 203.0.113.9 --src-port 53 --dst 192.0.2.53 --dst-port 53
roundtrip udp6 "$ADDR" "2 PROXY UDP6 2001:db8::9:53 2001:db8::53:53" \
	--family udp6 --src 2001:db8::9 --src-port 53 --dst 2001:db8::53 --dst-port 53
roundtrip unix "$ADDR" "2 PROXY UNIX /run/lb.sock:- /var/spool/postfix/public/smtp:-" \
	--src /run/lb.sock --dst /var/spool/postfix/public/smtp
roundtrip unix-dgram "$ADDR" "2 LOCAL UNIX_DGRAM /a:- /b:-" \
	--family UNIX_DGRAM --command LOCAL --src /a --dst /b
roundtrip unspec "$ADDR" "2 PROXY UNSPEC null:- null:-" --family UNSPEC
roundtrip v1-tcp6 "$ADDR" "1 PROXY TCP6 2001:db8::9:1 2001:db8::25:25" \
	--version 1 --src 2001:db8::9 --src-port 1 --dst 2001:db8::25 --dst-port 25
roundtrip mapped "$ADDR" "2 PROXY TCP6 ::ffff:192.0.2.9:1 ::ffff:192.0.2.25:25" \
	--src ::ffff:192.0.2.9 --src-port 1 --dst ::ffff:192.0.2.25 --dst-port 25
json=$("$TRUSTMX" proxy decode --unmap <"$TMP/rt")
tmx_jq mapped-unmap "$json" "$ADDR" "2 PROXY TCP6 192.0.2.9:1 192.0.2.25:25"
roundtrip tlvs-in-order '[.tlvs[].type]' '[1,2,5,48,4,32,224,3]' \
	--src 203.0.113.9 --src-port 1 --dst 192.0.2.25 --dst-port 25 \
	--alpn smtp --authority mx.example.test --unique-id 0BADC0DE \
	--netns blue --noop 7 --ssl-cn relay.example --ssl-version TLSv1.2 \
	--tlv 224:00 --crc32c
tmx_jq tlvs-values "$json" \
	'"\(.alpn) \(.authority) \(.unique_id) \(.netns) \(.ssl_cn) \(.ssl_version) \(.crc32c) \(.ssl_verified)"' \
	"smtp mx.example.test 0badc0de blue relay.example TLSv1.2 valid false"
roundtrip ssl-verified '"\(.ssl_verified) \(.ssl_client) \(.ssl_verify) \(.ssl_cipher)"' \
	"true 7 0 TLS_AES_128_GCM_SHA256" \
	--ssl-client 7 --ssl-verify 0 --ssl-cipher TLS_AES_128_GCM_SHA256
roundtrip ssl-unverified '"\(.ssl_verified) \(.ssl_verify)"' "false 20" \
	--ssl-client 0x07 --ssl-verify 20

# Hostile bytes in a TLV: one JSON line, and jq gets the bytes back.
nasty=$(printf 'a"b\\c\001\t\033[31m\302\251')
roundtrip nasty-authority .authority "$nasty" --authority "$nasty"
"$TRUSTMX" proxy encode --tlv 2:ff00fe0a22 | "$TRUSTMX" proxy decode >"$TMP/out"
tmx_expect "invalid UTF-8 stays one line" "$(wc -l <"$TMP/out")" 1
tmx_jq invalid-utf8 "$(cat "$TMP/out")" '.authority | explode' '[255,0,254,10,34]'

# --- encode errors: exit 2, a message, and nothing on stdout
# refuse NAME ENCODE-ARGS...
refuse() {
	name=$1
	shift
	"$TRUSTMX" proxy encode "$@" >"$TMP/out" 2>"$TMP/err"
	tmx_expect "$name exit" $? 2
	tmx_expect "$name stdout bytes" "$(wc -c <"$TMP/out")" 0
	tmx_expect "$name says why" "$([ -s "$TMP/err" ] && echo yes)" yes
}
refuse bad-version --version 3
refuse bad-command --command PING
refuse bad-family --family TCP5
refuse v6-for-tcp4 --family TCP4 --src 2001:db8::1 --src-port 1 --dst 192.0.2.1 --dst-port 2
refuse bad-port --src 192.0.2.1 --src-port 65536 --dst 192.0.2.2 --dst-port 25
refuse no-dst --src 192.0.2.1 --src-port 1
refuse v1-local --version 1 --command LOCAL
refuse v1-tlv --version 1 --alpn smtp
refuse v1-udp --version 1 --family UDP4 --src 192.0.2.1 --src-port 1 --dst 192.0.2.2 --dst-port 2
refuse v2-unknown --family UNKNOWN
refuse unspec-with-address --family UNSPEC --src 192.0.2.1
refuse unix-port --src /a --src-port 1 --dst /b
refuse unix-long --src "/$(printf '%0120d' 0)" --dst /b
refuse odd-hex --unique-id abc
refuse bad-tlv --tlv e0
refuse tlv-type --tlv 256:00
refuse big-unique-id --unique-id "$(printf '%0258d' 0)"
refuse big-authority --authority "$(printf '%0256d' 0)"
refuse ssl-client --ssl-client 256
refuse unknown-option --frobnicate
refuse stray-argument stray
"$TRUSTMX" proxy decode stray </dev/null >/dev/null 2>&1
tmx_expect "decode with an argument exit" $? 2
"$TRUSTMX" proxy frob >/dev/null 2>&1
tmx_expect "unknown proxy subcommand exit" $? 2

# --- accept: each trust outcome, over loopback
# accept_start NAME ARGS... - start "proxy accept 127.0.0.1:0 ARGS" with its
# output in $TMP/NAME.out, and learn the port it got
accept_start() {
	ACCEPT=$TMP/$1
	shift
	"$TRUSTMX" proxy accept 127.0.0.1:0 "$@" >"$ACCEPT.out" 2>"$ACCEPT.err" &
	ACCEPT_PID=$!
	i=0
	until PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$ACCEPT.err" 2>/dev/null) &&
	    [ -n "$PORT" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "proxy accept did not start"; cat "$ACCEPT.err"; exit 1; }
		sleep 0.05
	done
}

# accept_line N - the Nth JSON line, once it is there
accept_line() {
	i=0
	while [ "$(grep -c '^{' "$ACCEPT.out")" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.05
	done
	grep '^{' "$ACCEPT.out" | sed -n "$1p"
}

# accept_done NAME - "proxy accept" exited 0 after its --count connections
accept_done() {
	i=0
	while kill -0 $ACCEPT_PID 2>/dev/null && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	if kill -0 $ACCEPT_PID 2>/dev/null; then
		kill $ACCEPT_PID
		tmx_expect "$1 exited after --count" running exited
	else
		wait $ACCEPT_PID
		tmx_expect "$1 exit" $? 0
	fi
	ACCEPT_PID=""
}

accept_start outcomes --count 6 --timeout 300
"$TRUSTMX" proxy encode --src 203.0.113.9 --src-port 4242 --dst 192.0.2.25 \
	--dst-port 25 --crc32c --alpn smtp >"$TMP/h"
printf 'EHLO x\r\n' >>"$TMP/h"
cat "$TMP/h" >"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 1)
tmx_jq accept-proxied "$json" '"\(.status) \(.outcome) \(.client):\(.client_port) \(.peer) \(.crc32c) \(.consumed)"' \
	"ok proxied 203.0.113.9:4242 127.0.0.1 valid 42"
"$TRUSTMX" proxy encode --command LOCAL >"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 2)
tmx_jq accept-probe "$json" '"\(.status) \(.command) \(.outcome) \(.client == .peer) \(.client_port == .peer_port)"' \
	"ok LOCAL probe true true"
printf 'EHLO client.example\r\n' >"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 3)
tmx_jq accept-no-header "$json" '"\(.status) \(.outcome) \(.client // "-")"' "none refuse-no-header -"
printf 'PROXY TCP4 192.0.2.1\r\n' >"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 4)
tmx_jq accept-invalid "$json" '"\(.status) \(.outcome) \(.reason | length > 0)"' "invalid refuse-invalid true"
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 5)
exec 3<&-
tmx_jq accept-timeout "$json" '"\(.status) \(.outcome)"' "timeout refuse-timeout"
printf '\r\n\r\n' >"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 6)
tmx_jq accept-eof "$json" '"\(.status) \(.outcome)"' "eof refuse-timeout"
accept_done outcomes

accept_start untrusted --count 1 --trusted 192.0.2.0/24,2001:db8::/32
"$TRUSTMX" proxy encode --src 203.0.113.9 --src-port 1 --dst 192.0.2.25 \
	--dst-port 25 >"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 1)
tmx_jq accept-untrusted "$json" '"\(.status // "unread") \(.outcome) \(.src // "-")"' \
	"unread refuse-untrusted -"
accept_done untrusted

accept_start direct --count 1 --allow-direct --trusted 127.0.0.0/8
printf 'EHLO client.example\r\n' >"/dev/tcp/127.0.0.1/$PORT"
json=$(accept_line 1)
tmx_jq accept-direct "$json" '"\(.status) \(.outcome) \(.client == .peer)"' "none direct true"
accept_done direct

"$TRUSTMX" proxy accept 127.0.0.1:0 --trusted 192.0.2.1/24 >/dev/null 2>&1
tmx_expect "accept --trusted with host bits exit" $? 2
"$TRUSTMX" proxy accept 192.0.2.1 >/dev/null 2>&1
tmx_expect "accept without a port exit" $? 2

tmx_finish
