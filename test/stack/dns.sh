# dns.sh - hermetic DNS for real-stack tests (after netns.sh, tmx_enter and
# assert.sh): one dnsmasq on 127.0.0.53 that every resolver in the
# namespace (libc, libspf2, libopendkim, libopendmarc) asks, serving the
# zone the test wrote with tmx_dns_zone, the one way to write records:
#
#   tmx_dns_zone 'ZONE example' 'TXT a.example v=spf1 -all' ...
#   tmx_dns_zone <FILE                # the same, one record a line
#   tmx_dns_start ["timeout:1 attempts:1"]   # resolv.conf options
#   tmx_dns_stop / tmx_dns_clear      # an outage; an empty zone to rewrite
#   tmx_dns_silent ADDR               # a server at ADDR:53 that never answers
#   tmx_dns_serve NAME ADDR CONF      # one more dnsmasq, on ADDR, for CONF
#                                     # (TMX_DNS_CONF=CONF tmx_dns_zone ...)
#
# Records ("TYPE NAME DATA"; blank lines and #-comments are skipped):
#   ZONE NAME              answer only from this zone under NAME: any name
#                          not written here is NXDOMAIN ("#": every name)
#   A|AAAA NAME ADDR... [TTL]   addresses (either family), and their PTR
#   TXT NAME TEXT          TEXT to the end of the line, split into strings
#                          of 255 bytes; a TEXT starting with " is taken as
#                          dnsmasq's own list of quoted strings ("a","b")
#   MX NAME PREF HOST      ("MX x.example 0 ." is a null MX)
#   PTR ADDR|NAME HOST     an IPv4 ADDR becomes its in-addr.arpa name
#   CNAME NAME TARGET
#   TLSA NAME USAGE SELECTOR MTYPE HEX
#   RR NAME TYPE-NUMBER HEX     any other type, its RDATA in hex (NAME may
#                          hold blanks here)
#   WILDCARD NAME ADDR     ADDR for NAME and every name below it
#   DELEGATE NAME SERVER   queries under NAME go to SERVER (ADDR[#PORT]),
#                          e.g. where nothing answers
#   AUTH ZONE NS ADDR [TTL]     dnsmasq answers ZONE authoritatively on ADDR
#                          as name server NS (with an SOA: negative TTLs)
#   TTL SECONDS            the TTL of every record without its own

# tmx_dns_conf - the zone's dnsmasq configuration file
tmx_dns_conf() {
	: "${TMX_DNS_CONF:=$TMX_TMP/dnsmasq.conf}"
	echo "$TMX_DNS_CONF"
}

# tmx_dns_txt TEXT - TEXT as dnsmasq's quoted strings, 255 bytes each
tmx_dns_txt() {
	local LC_ALL=C text=$1 chunk out=
	case $text in \"*) echo "$text"; return ;; esac
	while :; do
		chunk=${text:0:255}
		text=${text:255}
		chunk=${chunk//\\/\\\\}
		chunk=${chunk//\"/\\\"}
		out="$out${out:+,}\"$chunk\""
		[ -n "$text" ] || break
	done
	echo "$out"
}

# tmx_dns_record RECORD - one record as a dnsmasq option line
tmx_dns_record() {
	local type rest name data a b c
	[[ $1 =~ ^[[:space:]]*([^[:space:]]*)[[:space:]]*(.*)$ ]]
	type=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
	case $type in
	'' | '#'*) return 0 ;;
	esac
	read -r name data <<<"$rest"
	case ${type^^} in
	ZONE) echo "local=/$rest/" ;;
	TTL) echo "local-ttl=$rest" ;;
	A | AAAA) echo "host-record=$name,${data// /,}" ;;
	TXT) echo "txt-record=$name,$(tmx_dns_txt "$data")" ;;
	MX)
		read -r a b <<<"$data"
		echo "mx-host=$name,$b,$a" ;;
	PTR)
		if [[ $name =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
			name=${BASH_REMATCH[4]}.${BASH_REMATCH[3]}.${BASH_REMATCH[2]}.${BASH_REMATCH[1]}.in-addr.arpa
		fi
		echo "ptr-record=$name,$data" ;;
	CNAME) echo "cname=$name,$data" ;;
	TLSA)
		read -r a b c rest <<<"$data"
		printf 'dns-rr=%s,52,%02x%02x%02x%s\n' "$name" "$a" "$b" "$c" "$rest" ;;
	RR)	# the name may hold blanks (the RFC 7208 suite's do)
		[[ $rest =~ ^(.*[^[:space:]])[[:space:]]+([0-9]+)[[:space:]]+([0-9a-fA-F]*)[[:space:]]*$ ]] ||
			{ echo "tmx_dns_zone: bad RR record: $1" >&2; return 1; }
		echo "dns-rr=${BASH_REMATCH[1]},${BASH_REMATCH[2]},${BASH_REMATCH[3]}" ;;
	WILDCARD) echo "address=/$name/$data" ;;
	DELEGATE) echo "server=/$name/$data" ;;
	AUTH)
		read -r a b c <<<"$data"
		echo "auth-zone=$name"
		echo "auth-server=$a,$b"
		[ -z "$c" ] || echo "auth-ttl=$c" ;;
	*)
		echo "tmx_dns_zone: unknown record type in: $1" >&2
		return 1 ;;
	esac
}

# tmx_dns_zone [RECORD...] - add records (or ZONE lines) to the zone; with
# no arguments, one record a line from stdin. A running dnsmasq sees them
# after tmx_dns_stop and tmx_dns_start.
tmx_dns_zone() {
	local conf line
	conf=$(tmx_dns_conf)
	if [ $# = 0 ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			tmx_dns_record "$line" >>"$conf" || return 1
		done
		return 0
	fi
	for line in "$@"; do
		tmx_dns_record "$line" >>"$conf" || return 1
	done
}

# tmx_dns_clear - an empty zone (to write another one)
tmx_dns_clear() {
	: >"$(tmx_dns_conf)"
}

# tmx_dns_nameserver ADDR [RESOLV-OPTIONS] - the namespace's resolv.conf
# names only ADDR (bind-mounted over /etc/resolv.conf the first time)
tmx_dns_nameserver() {
	echo "nameserver $1" >"$TMX_TMP/resolv.conf"
	[ -z "${2:-}" ] || echo "options $2" >>"$TMX_TMP/resolv.conf"
	if [ -z "${TMX_DNS_MOUNTED:-}" ]; then
		mount --bind "$TMX_TMP/resolv.conf" /etc/resolv.conf || return 1
		TMX_DNS_MOUNTED=1
	fi
}

# tmx_udp_bound ADDR PORT - a UDP socket is bound to ADDR:PORT
tmx_udp_bound() {
	ss -Hlun "sport = :$2" | grep -qF " $1:$2 "
}

# tmx_dns_serve NAME ADDR CONF - a dnsmasq on ADDR:53 serving CONF; its
# output in $TMX_TMP/NAME.log, the queries it got in NAME-queries.log, its
# pid in $TMX_DNS_SERVED
tmx_dns_serve() {
	tmx_need dnsmasq
	[ -e "$3" ] || : >"$3"
	case $2 in 127.*) ip addr add "$2/8" dev lo 2>/dev/null ;; esac
	tmx_bg "$1" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
		--no-poll --listen-address="$2" --bind-interfaces --port=53 \
		--user=root --pid-file="$TMX_TMP/$1.pid" \
		--log-facility="$TMX_TMP/$1-queries.log" --log-queries \
		--conf-file="$3"
	TMX_DNS_SERVED=$!
	tmx_until 5 tmx_udp_bound "$2" 53 || {
		echo "dnsmasq $1 did not start on $2" >&2
		cat "$TMX_TMP/$1.log" >&2
		return 1
	}
}

# tmx_dns_start [RESOLV-OPTIONS] - the namespace's dnsmasq: the zone on
# 127.0.0.53, queries logged in $TMX_TMP/dnsmasq-queries.log (then
# dnsmasq-2-queries.log, ...); again after tmx_dns_stop, with the zone as
# it is then. RESOLV-OPTIONS, e.g. "timeout:1 attempts:1", become
# resolv.conf's "options" line (tests that stop the server want failures
# fast).
tmx_dns_start() {
	local log=dnsmasq
	tmx_dns_nameserver 127.0.0.53 "${1:-}" || return 1
	TMX_DNS_RUNS=$((${TMX_DNS_RUNS:-0} + 1))
	[ "$TMX_DNS_RUNS" = 1 ] || log=dnsmasq-$TMX_DNS_RUNS
	tmx_dns_serve "$log" 127.0.0.53 "$(tmx_dns_conf)" || return 1
	TMX_DNS_PID=$TMX_DNS_SERVED
}

# tmx_dns_stop - stop dnsmasq (resolv.conf still names it: an outage)
tmx_dns_stop() {
	[ -n "${TMX_DNS_PID:-}" ] || return 0
	kill "$TMX_DNS_PID" 2>/dev/null
	wait "$TMX_DNS_PID" 2>/dev/null
	TMX_DNS_PID=
}

# tmx_dns_silent ADDR - a DNS server at ADDR:53 (UDP) that reads queries
# and never answers: resolvers wait for their timeout
tmx_dns_silent() {
	tmx_need python3
	tmx_bg "dns-silent-$1" python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
time.sleep(3600)' "$1"
	tmx_until 10 tmx_udp_bound "$1" 53 ||
		{ echo "silent DNS server at $1 not bound" >&2; return 1; }
}
