#!/bin/bash
# demo-stack.sh - the demo's stack, run by demo.sh inside its own network
# namespace (test/lib/netns.sh). Not meant to be called directly.
set -u
. "$TMX_SRCDIR/test/lib/netns.sh"
tmx_enter "$@"
keep=${1:-}

tmx_addr 203.0.113.9      # a sender MTA on the internet
tmx_addr 198.51.100.7     # another one
cat >"$TMX_TMP/haproxy.cfg" <<CFG
global
	log stdout format raw local0
defaults
	mode tcp
	log global
	timeout connect 2s
	timeout client 10s
	timeout server 10s
	option tcplog
frontend smtp
	bind 127.0.0.1:2525
	unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt
	default_backend mx
backend mx
	server mx1 127.0.0.1:10025 send-proxy-v2 proxy-v2-options crc32c,unique-id check check-send-proxy inter 1s
CFG
tmx_bg accept "$TRUSTMX" proxy accept 127.0.0.1:10025 --trusted 127.0.0.1/32
tmx_wait_port 127.0.0.1 10025 || exit 1
tmx_bg haproxy haproxy -db -f "$TMX_TMP/haproxy.cfg"
tmx_wait_port 127.0.0.1 2525 || exit 1
sleep 2.5   # let a couple of health checks happen

for src in 203.0.113.9 198.51.100.7; do
	swaks --server 127.0.0.1:2525 --local-interface "$src" --quit-after CONNECT \
		--timeout 3 >/dev/null 2>&1
done
sleep 0.5

echo "== What HAProxy sent, as trustmx decoded and judged it"
echo "   (peer = HAProxy; client = the address trustmx would use)"
while read -r line; do
	jq -r '"\(.outcome | ascii_upcase | .[0:7])  \(.command // "-")  client \(.client // "-"):\(.client_port // "-")  peer \(.peer)  crc32c=\(.crc32c // "-")  unique_id=\(.unique_id // "-" | .[0:24])"' <<<"$line"
done <"$TMX_TMP/accept.log"
probes=$(grep -c '"outcome":"probe"' "$TMX_TMP/accept.log")
proxied=$(grep -c '"outcome":"proxied"' "$TMX_TMP/accept.log")
echo
echo "health checks answered as probes: $probes; client connections proxied: $proxied"
if [ "$keep" = --keep ]; then
	echo "everything keeps running; in another shell: nsenter -t $$ -n -m"
	echo "  swaks --server 127.0.0.1:2525 --local-interface 203.0.113.9 --quit-after CONNECT"
	echo "  tail -f $TMX_TMP/accept.log $TMX_TMP/haproxy.log"
	echo "press Enter to stop"
	read -r _
fi
[ "$proxied" -ge 2 ]
