#!/bin/bash
# haproxy-send.sh - a real HAProxy (Debian's 2.6) terminates TLS for clients
# on documentation addresses and sends PROXY v1 and v2 headers to
# "trustmx proxy accept". Everything our parser reports must equal what
# HAProxy itself logged for the same connection; a HAProxy health check
# with check-send-proxy must come out as a LOCAL probe.
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
tmx_need haproxy openssl jq ss od timeout
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/certs.sh"
. "$TMX_SRCDIR/test/stack/haproxy.sh"
set -u

CN="relay1.client.example"	# the client certificate's CN
SNI="mx.example.test"		# -servername: HAProxy sends it as authority
C4=192.0.2.10 F4=192.0.2.20	# client and frontend, IPv4
C6=2001:db8::10 F6=2001:db8::20	# client and frontend, IPv6
PORT_V1=8465 PORT_V2=8466
CERTS=$TMX_TMP/certs
CFG=$TMX_TMP/haproxy.cfg
LOG=$TMX_TMP/haproxy.log

tmx_addr $C4
tmx_addr $F4
tmx_addr $C6
tmx_addr $F6
tmx_certs "$CERTS" "$CN" >"$TMX_TMP/certs.log" 2>&1 ||
	{ cat "$TMX_TMP/certs.log"; echo "could not make test certificates"; exit 1; }

# One "trustmx proxy accept" per backend, each for exactly one connection.
for a in v1:127.0.0.1:10001 v2:127.0.0.1:10002 v2-6:[::1]:10003 \
    v1-6:[::1]:10004 check:127.0.0.1:10005; do
	tmx_bg "accept-${a%%:*}" "$TRUSTMX" proxy accept "${a#*:}" \
		--count 1 --timeout 5000
done
tmx_wait_listen 10001 10002 10003 10004 10005 || exit 1

bind_tls="ssl crt $CERTS/server.pem ca-file $CERTS/ca.crt verify required alpn smtp,h2"
v2_opts="send-proxy-v2 proxy-v2-options crc32c,unique-id,ssl,cert-cn,ssl-cipher,authority"
cat >"$CFG" <<EOF
global
	log stdout format raw local0
	maxconn 100

defaults
	mode tcp
	log global
	timeout connect 2s
	timeout client 10s
	timeout server 10s
	timeout check 2s
	unique-id-format %{+X}o%ci%cp%fi%fp%Ts%rt%pid
	log-format "TMXLOG fe=%f ci=%ci cp=%cp fi=%fi fp=%fp id=%ID sslv=%sslv sslc=%sslc"

frontend fe_v1
	bind $F4:$PORT_V1 $bind_tls
	default_backend be_v1
frontend fe_v2
	bind $F4:$PORT_V2 $bind_tls
	default_backend be_v2
frontend fe_v2_6
	bind [$F6]:$PORT_V2 $bind_tls
	default_backend be_v2_6
frontend fe_v1_6
	bind [$F6]:$PORT_V1 $bind_tls
	default_backend be_v1_6

backend be_v1
	server acc 127.0.0.1:10001 send-proxy
backend be_v2
	server acc 127.0.0.1:10002 $v2_opts
backend be_v2_6
	server acc [::1]:10003 $v2_opts
backend be_v1_6
	server acc [::1]:10004 send-proxy
backend be_check
	server chk 127.0.0.1:10005 check check-send-proxy send-proxy-v2 inter 300
EOF
tmx_haproxy_start "$CFG" $PORT_V1 $PORT_V2 || exit 1

# tls_client NAME BIND CONNECT - one TLS session with ALPN, SNI, client cert
tls_client() {
	printf 'EHLO client.example\r\n' |
		timeout 15 openssl s_client -quiet -verify_return_error \
			-bind "$2" -connect "$3" -alpn smtp -servername "$SNI" \
			-cert "$CERTS/client.crt" -key "$CERTS/client.key" \
			-CAfile "$CERTS/ca.crt" >"$TMX_TMP/client-$1.log" 2>&1
}

# accept_json NAME - the JSON line "proxy accept" printed for its connection
accept_json() {
	tmx_wait_grep '^\{' "$TMX_TMP/accept-$1.log" 10 >&2 || return 1
	grep -m 1 '^{' "$TMX_TMP/accept-$1.log"
}

# check_common NAME JSON LOGLINE FAMILY CLIENT FRONT PORT - what v1 and v2 share
check_common() {
	name=$1 json=$2 line=$3
	h_ci=$(tmx_kv "$line" ci)
	h_cp=$(tmx_kv "$line" cp)
	h_fi=$(tmx_kv "$line" "fi")
	h_fp=$(tmx_kv "$line" fp)
	# The setup is what we think: HAProxy saw our client on its address.
	tmx_expect "$name haproxy %ci" "$h_ci" "$5"
	tmx_expect "$name haproxy %fi:%fp" "$h_fi:$h_fp" "$6:$7"
	tmx_jq "$name" "$json" .status ok
	tmx_jq "$name" "$json" .outcome proxied
	tmx_jq "$name" "$json" .command PROXY
	tmx_jq "$name" "$json" .family "$4"
	tmx_jq "$name" "$json" .src "$h_ci"
	tmx_jq "$name" "$json" .src_port "$h_cp"
	tmx_jq "$name" "$json" .dst "$h_fi"
	tmx_jq "$name" "$json" .dst_port "$h_fp"
	tmx_jq "$name" "$json" .client "$h_ci"
	tmx_jq "$name" "$json" .client_port "$h_cp"
}

# check_v1 NAME FE FAMILY CLIENT FRONT - a v1 header against HAProxy's log
check_v1() {
	json=$(accept_json "$1")
	tmx_wait_grep "^TMXLOG fe=$2 " "$LOG" 10 || return 1
	line=$(grep -m 1 "^TMXLOG fe=$2 " "$LOG")
	check_common "$1" "$json" "$line" "$3" "$4" "$5" $PORT_V1
	tmx_jq "$1" "$json" .version 1
	v1line="PROXY $3 $h_ci $h_fi $h_cp $h_fp"
	tmx_jq "$1" "$json" .consumed $((${#v1line} + 2))
	tmx_jq "$1" "$json" '.crc32c // "none"' none
	tmx_jq "$1" "$json" '.alpn // "none"' none
}

# check_v2 NAME FE FAMILY CLIENT FRONT ADDRLEN - v2 with every TLV asked for
check_v2() {
	json=$(accept_json "$1")
	tmx_wait_grep "^TMXLOG fe=$2 " "$LOG" 10 || return 1
	line=$(grep -m 1 "^TMXLOG fe=$2 " "$LOG")
	check_common "$1" "$json" "$line" "$3" "$4" "$5" $PORT_V2
	id=$(tmx_kv "$line" id)
	sslv=$(tmx_kv "$line" sslv)
	sslc=$(tmx_kv "$line" sslc)
	tmx_expect "$1 haproxy %ID is set" "$([ ${#id} -gt 8 ] && echo yes)" yes
	tmx_jq "$1" "$json" .version 2
	tmx_jq "$1" "$json" .crc32c valid
	tmx_jq "$1" "$json" .alpn smtp
	tmx_jq "$1" "$json" .authority "$SNI"
	tmx_jq "$1" "$json" .unique_id "$(tmx_hex "$id")"
	tmx_jq "$1" "$json" .ssl_cn "$CN"
	tmx_jq "$1" "$json" .ssl_verified true
	tmx_jq "$1" "$json" .ssl_version "$sslv"
	tmx_jq "$1" "$json" .ssl_cipher "$sslc"
	for t in 1 2 3 5 32; do
		tmx_jq "$1 TLV $t once" "$json" "[.tlvs[] | select(.type == $t)] | length" 1
	done
	# The TLV list accounts for every byte of the header.
	tmx_jq "$1" "$json" "16 + $6 + ([.tlvs[] | .len + 3] | add) == .consumed" true
}

tls_client v1 "$C4:0" "$F4:$PORT_V1"
check_v1 v1 fe_v1 TCP4 $C4 $F4
tls_client v2 "$C4:0" "$F4:$PORT_V2"
check_v2 v2 fe_v2 TCP4 $C4 $F4 12
tls_client v2-6 "[$C6]:0" "[$F6]:$PORT_V2"
check_v2 v2-6 fe_v2_6 TCP6 $C6 $F6 36
tls_client v1-6 "[$C6]:0" "[$F6]:$PORT_V1"
check_v1 v1-6 fe_v1_6 TCP6 $C6 $F6

# HAProxy's health check (check-send-proxy) sends v2 LOCAL: a probe, never
# a client, and the effective endpoints are the real ones.
json=$(accept_json check)
tmx_jq check "$json" .status ok
tmx_jq check "$json" .version 2
tmx_jq check "$json" .command LOCAL
tmx_jq check "$json" .family UNSPEC
tmx_jq check "$json" .outcome probe
tmx_jq check "$json" .peer 127.0.0.1
tmx_jq check "$json" '.client == .peer and .client_port == .peer_port' true

tmx_finish
