#!/bin/bash
# haproxy-accept.sh - "trustmx proxy encode" writes PROXY headers to a real
# HAProxy (Debian's 2.6) listening with accept-proxy. HAProxy's own log must
# show exactly the addresses and ports we encoded (v1 and v2, IPv4 and IPv6,
# with TLVs and CRC32C), and a v2 header whose CRC32C no longer matches
# must be refused: HAProxy 2.6 verifies the checksum.
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
tmx_need haproxy jq ss od
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/haproxy.sh"
set -u

PORT=8025
CFG=$TMX_TMP/haproxy.cfg
LOG=$TMX_TMP/haproxy.log

# The backend has no server: each session ends at once and is logged with
# the addresses HAProxy took from the header.
cat >"$CFG" <<EOF
global
	log stdout format raw local0
	maxconn 100

defaults
	mode tcp
	log global
	timeout connect 2s
	timeout client 5s
	timeout server 5s

frontend fe_pp
	bind 127.0.0.1:$PORT accept-proxy
	bind [::1]:$PORT accept-proxy
	log-format "TMXLOG ci=%ci cp=%cp fi=%fi fp=%fp auth=%[fc_pp_authority] uid=%[fc_pp_unique_id,hex]"
	default_backend be_none

backend be_none
EOF
tmx_haproxy_start "$CFG" $PORT || exit 1

# send NAME HOST - header (from $TMX_TMP/NAME.hdr) and an EHLO in one write:
# HAProxy 2.6 gives up on a header that arrives in pieces
send() {
	cat "$TMX_TMP/$1.hdr" >"$TMX_TMP/$1.msg"
	printf 'EHLO client.example\r\n' >>"$TMX_TMP/$1.msg"
	cat "$TMX_TMP/$1.msg" >"/dev/tcp/$2/$PORT" 2>/dev/null
}

# encode NAME ARGS... - trustmx proxy encode ARGS into $TMX_TMP/NAME.hdr
encode() {
	name=$1
	shift
	"$TRUSTMX" proxy encode "$@" >"$TMX_TMP/$name.hdr"
	rc=$?
	[ $rc = 0 ] || tmx_expect "$name encode exit status" $rc 0
	return $rc
}

# expect_log NAME SRC SPORT DST DPORT [AUTHORITY UNIQUE-ID-HEX] - HAProxy
# logged exactly these ("-": the header had no such TLV)
expect_log() {
	if ! tmx_wait_grep "^TMXLOG .* cp=$3 " "$LOG" 5; then
		tmx_expect "$1 logged by HAProxy" "no line with cp=$3" "a line"
		return
	fi
	tmx_expect "$1 HAProxy log" "$(grep "^TMXLOG .* cp=$3 " "$LOG")" \
		"TMXLOG ci=$2 cp=$3 fi=$4 fp=$5 auth=${6:--} uid=$(printf '%s' "${7:--}" | tr a-f A-F)"
}

# case_ok NAME HOST SRC SPORT DST DPORT AUTHORITY UNIQUE-ID ENCODE-ARGS...
# - one header HAProxy must accept; AUTHORITY and UNIQUE-ID (hex) are
# encoded unless "-", and HAProxy must have read them back
case_ok() {
	name=$1 host=$2 src=$3 sport=$4 dst=$5 dport=$6 auth=$7 uid=$8
	shift 8
	[ "$auth" = - ] || set -- "$@" --authority "$auth"
	[ "$uid" = - ] || set -- "$@" --unique-id "$uid"
	encode "$name" --src "$src" --src-port "$sport" --dst "$dst" \
		--dst-port "$dport" "$@" || return
	send "$name" "$host"
	expect_log "$name" "$src" "$sport" "$dst" "$dport" "$auth" "$uid"
}

case_ok v1-tcp4 127.0.0.1 192.0.2.33 20001 198.51.100.25 25 - - \
	--version 1 --family TCP4
case_ok v1-tcp6 ::1 2001:db8::33 20002 2001:db8:25::25 587 - - \
	--version 1 --family TCP6
case_ok v2-tcp4-tlvs 127.0.0.1 203.0.113.44 20003 198.51.100.25 25 \
	mx.example.test 0123456789abcdef \
	--version 2 --family TCP4 --alpn smtp --ssl-client 7 --ssl-verify 0 \
	--ssl-version TLSv1.3 --ssl-cn relay1.client.example \
	--ssl-cipher TLS_AES_256_GCM_SHA384 --netns blue --noop 5 \
	--tlv 0xe0:cafe
case_ok v2-tcp6-tlvs ::1 2001:db8:44::44 20004 2001:db8:25::25 465 \
	smtp.example.test 00ff10 \
	--version 2 --family TCP6 --alpn h2 --noop 2 --tlv 0xe1:00ff
case_ok v2-tcp4-crc 127.0.0.1 203.0.113.45 20005 198.51.100.25 25 - - \
	--version 2 --family TCP4 --crc32c --alpn smtp
case_ok v2-tcp6-crc ::1 2001:db8:45::45 20006 2001:db8:25::25 25 \
	mx.example.test cafe \
	--version 2 --family TCP6 --crc32c --ssl-cn relay1.client.example --tlv 0xe0:

# A LOCAL header: HAProxy keeps the connection's real endpoints.
encode v2-local --version 2 --command LOCAL && send v2-local 127.0.0.1
tmx_wait_grep "^TMXLOG ci=127.0.0.1 cp=[0-9]+ fi=127.0.0.1 fp=$PORT auth=- uid=-\$" "$LOG" 5
tmx_expect "v2-local logged with the real endpoints" "$?" 0

# The same v2 header twice: as encoded, then with one address byte
# changed (203 -> 202) and the CRC32C left as it was.
encode crc-good --version 2 --family TCP4 --crc32c --src 203.0.113.77 \
	--src-port 20077 --dst 198.51.100.25 --dst-port 25
hex=$(od -An -v -tx1 "$TMX_TMP/crc-good.hdr" | tr -d ' \n')
tmx_expect "crc-good first source byte" "${hex:32:2}" cb
tmx_unhex "${hex:0:32}ca${hex:34}" >"$TMX_TMP/crc-bad.hdr"
json=$("$TRUSTMX" proxy decode <"$TMX_TMP/crc-good.hdr")
tmx_jq crc-good "$json" .crc32c valid
tmx_jq crc-good "$json" .src 203.0.113.77
json=$("$TRUSTMX" proxy decode <"$TMX_TMP/crc-bad.hdr")
tmx_expect "crc-bad decode exit status" "$?" 1
tmx_jq crc-bad "$json" .status invalid
send crc-bad 127.0.0.1
# HAProxy 2.6 verifies CRC32C: it logs the refusal (with whatever address
# it had read so far) and no session for the corrupted header.
tmx_wait_grep '202\.0\.113\.77:20077 .*invalid PROXY protocol header' "$LOG" 5
tmx_expect "crc-bad refused by HAProxy" "$?" 0
send crc-good 127.0.0.1
expect_log crc-good 203.0.113.77 20077 198.51.100.25 25
tmx_expect "crc-bad: no session logged" \
	"$(grep -c '^TMXLOG ci=202\.0\.113\.77 ' "$LOG")" 0
tmx_expect "sessions logged" "$(grep -c '^TMXLOG ' "$LOG")" 8

tmx_finish
