# milter-lib.sh - sourced by the trustmx-milter integration tests (after
# netns.sh, postfix.sh and tmx_enter): hermetic DNS with SPF, DKIM and
# DMARC records for the test domains, a primary Postfix that runs the
# milter and delivers into a Maildir, the milter itself, and helpers to
# send a message and read the headers it was delivered with.
#
#   mt_dns [EXTRA-DNSMASQ-LINES]    # zones below, plus the DKIM keys
#   mt_config 'key = value'...      # (re)write $MT_CONF
#   mt_milter_start                 # $MT_PID (the supervisor), $MT_LOG
#   mt_primary_start [PORT]         # Postfix on 127.0.0.1:2525 with the milter
#   mt_send CASE FROM-IP MAILFROM MSGFILE [swaks args]  # $MT_OUT = transcript
#   mt_msg CASE FROM... / mt_signed CASE DOMAIN ...     # message files
#   mt_delivered CASE               # path of the delivered message
#   mt_ar CASE                      # its Authentication-Results, unfolded

MT_RUN=$TMX_TMP/run
MT_CONF=$TMX_TMP/trustmx.conf
MT_LOG=$TMX_TMP/milter.log
MT_MAIL=$TMX_TMP/mail
MT_KEYS=$TMX_TMP/keys
MT_SOCK=$MT_RUN/milter.sock
MT_FAIL=0

# mt_fail - record a failed check and say which
mt_fail() {
	echo "FAIL: $*" >&2
	MT_FAIL=1
}

# mt_key DOMAIN SELECTOR - a 1024-bit test key; the TXT record on stdout
mt_key() {
	opendkim-genkey -b 1024 -d "$1" -s "$2" -D "$MT_KEYS" >/dev/null 2>&1 ||
		return 1
	mv "$MT_KEYS/$2.private" "$MT_KEYS/$1.$2.private"
	p=$(tr -d '\n\t ()"' <"$MT_KEYS/$2.txt" | sed 's/.*p=\([A-Za-z0-9+/=]*\).*/\1/')
	echo "txt-record=$2._domainkey.$1,\"v=DKIM1; k=rsa; p=$p\""
}

# mt_dns [LINE...] - dnsmasq with the test zones
mt_dns() {
	tmx_need dnsmasq opendkim-genkey
	mkdir -p "$MT_KEYS"
	chmod 755 "$MT_KEYS"
	{
		echo "local=/example/"
		echo "server=/broken.example/127.0.0.54"
		echo "host-record=mx.test.example,127.0.0.1"
		echo "host-record=none.example,192.0.2.200"
		echo "txt-record=pass.example,\"v=spf1 ip4:192.0.2.10 -all\""
		echo "txt-record=_dmarc.pass.example,\"v=DMARC1; p=reject\""
		echo "txt-record=fail.example,\"v=spf1 ip4:192.0.2.10 -all\""
		echo "txt-record=soft.example,\"v=spf1 ip4:192.0.2.10 ~all\""
		echo "txt-record=helo.example,\"v=spf1 ip4:192.0.2.10 -all\""
		echo "txt-record=reject.example,\"v=spf1 ip4:192.0.2.10 -all\""
		echo "txt-record=_dmarc.reject.example,\"v=DMARC1; p=reject\""
		echo "txt-record=quar.example,\"v=spf1 ip4:192.0.2.10 -all\""
		echo "txt-record=_dmarc.quar.example,\"v=DMARC1; p=quarantine\""
		echo "txt-record=mon.example,\"v=spf1 ip4:192.0.2.10 -all\""
		echo "txt-record=_dmarc.mon.example,\"v=DMARC1; p=none\""
		echo "txt-record=pct.example,\"v=spf1 ip4:192.0.2.10 -all\""
		echo "txt-record=_dmarc.pct.example,\"v=DMARC1; p=reject; pct=0\""
		echo "txt-record=dkim.example,\"v=spf1 -all\""
		echo "txt-record=_dmarc.dkim.example,\"v=DMARC1; p=reject\""
		echo "txt-record=_dmarc.dkim2.example,\"v=DMARC1; p=none\""
		echo "txt-record=sender.example,\"v=spf1 ip4:203.0.113.9 -all\""
		echo "txt-record=_dmarc.sender.example,\"v=DMARC1; p=reject\""
		mt_key dkim.example s1
		mt_key dkim2.example s2
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$TMX_TMP/dnsmasq.conf"
	tmx_dns_start "$TMX_TMP/dnsmasq.conf" "timeout:1 attempts:1"
}

# mt_config LINE... - the milter's trustmx.conf (socket and ids preset)
mt_config() {
	mkdir -p "$MT_RUN"
	chmod 755 "$MT_RUN"
	chown nobody "$MT_RUN"
	{
		echo "milter_listen = unix:$MT_SOCK"
		echo "user = nobody"
		echo "socket_mode = 0666"
		echo "authserv_id = ${MT_AUTHSERV:-mx.test.example}"
		echo "spf_cache_dir = $TMX_TMP"
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$MT_CONF.new"
	chmod 644 "$MT_CONF.new"
	mv "$MT_CONF.new" "$MT_CONF"
}

# mt_milter_start - the milter in the foreground, logging to $MT_LOG
mt_milter_start() {
	: "${TRUSTMX_MILTER:?TRUSTMX_MILTER not set}"
	"$TRUSTMX_MILTER" -f -c "$MT_CONF" >"$MT_LOG" 2>&1 &
	MT_PID=$!
	[ -z "${TMX_CLEANUP_HOOK:-}" ] && TMX_CLEANUP_HOOK=mt_milter_stop
	mt_wait_log 'listening on' 10
	tmx_wait_file "$MT_SOCK" 5
}

# mt_milter_stop - SIGTERM and wait (libmilter notices within ~5 seconds)
mt_milter_stop() {
	[ -n "${MT_PID:-}" ] || return 0
	kill -TERM "$MT_PID" 2>/dev/null
	i=0
	while kill -0 "$MT_PID" 2>/dev/null && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	kill -KILL "$MT_PID" 2>/dev/null
	MT_PID=
	return 0
}

# mt_wait_log REGEX [SECONDS] - until the milter's log matches (ERE)
mt_wait_log() {
	i=0
	limit=$((${2:-10} * 10))
	while ! grep -Eqs -- "$1" "$MT_LOG"; do
		i=$((i + 1))
		if [ $i -ge $limit ]; then
			echo "milter log never matched: $1" >&2
			tail -20 "$MT_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
}

# mt_primary_init - the primary MX: milter, Maildir delivery, port 2525
mt_primary_init() {
	tmx_postfix_init
	mkdir -p "$MT_MAIL"
	chown nobody:nogroup "$MT_MAIL"
	tmx_postfix_set \
		"myhostname = mx.test.example" \
		"mydestination =" \
		"virtual_mailbox_domains = test.example" \
		"virtual_transport = virtual" \
		"virtual_mailbox_base = $MT_MAIL" \
		"virtual_mailbox_maps = static:Maildir/" \
		"virtual_uid_maps = static:$(id -u nobody)" \
		"virtual_gid_maps = static:$(id -g nobody)" \
		"virtual_minimum_uid = 1" \
		"smtpd_peername_lookup = no" \
		"smtpd_milters = unix:$MT_SOCK" \
		"non_smtpd_milters = unix:$MT_SOCK" \
		"milter_default_action = tempfail" \
		"smtpd_upstream_proxy_timeout = 5s"
	tmx_postfix_service \
		"virtual   unix  -       n       n       -       -       virtual" \
		"127.0.0.1:2525 inet n   -       n       -       -       smtpd" \
		"127.0.0.1:2527 inet n   -       n       -       -       smtpd" \
		"  -o smtpd_upstream_proxy_protocol=haproxy"
}

# mt_msg CASE FROM-HEADER [EXTRA-HEADER-LINES] - a plain message file
mt_msg() {
	f=$TMX_TMP/msg-$1.eml
	{
		printf 'From: %s\n' "$2"
		printf 'To: user@test.example\n'
		printf 'Subject: test %s\n' "$1"
		printf 'Message-ID: <%s@test.example>\n' "$1"
		printf 'X-Test-Case: %s\n' "$1"
		[ -n "${3:-}" ] && printf '%s\n' "$3"
		printf '\n'
		printf 'Test message %s.\n' "$1"
	} >"$f"
	echo "$f"
}

# mt_signed CASE DOMAIN SELECTOR FROM-HEADER [EXTRA] - a DKIM-signed message
mt_signed() {
	: "${TMX_DKIM_SIGN:?TMX_DKIM_SIGN not set}"
	plain=$(mt_msg "$1" "$4" "${5:-}")
	"$TMX_DKIM_SIGN" "$2" "$3" "$MT_KEYS/$2.$3.private" <"$plain" \
		>"$plain.signed" || return 1
	mv "$plain.signed" "$plain"
	echo "$plain"
}

# mt_send CASE CLIENT-IP MAILFROM MSGFILE [SWAKS-ARGS] - one SMTP session
mt_send() {
	case_=$1 ip=$2 from=$3 file=$4
	shift 4
	MT_OUT=$TMX_TMP/swaks-$case_.log
	swaks --server 127.0.0.1:2525 --local-interface "$ip" \
		--timeout 30 --helo "${MT_HELO:-client.example}" \
		--from "$from" --to user@test.example --data "$file" "$@" \
		>"$MT_OUT" 2>&1
}

# mt_delivered CASE [SECONDS] - the delivered message's path, or fail
mt_delivered() {
	i=0
	limit=$((${2:-10} * 10))
	while :; do
		f=$(grep -lx "X-Test-Case: $1" "$MT_MAIL"/Maildir/new/* 2>/dev/null |
			head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		i=$((i + 1))
		[ $i -ge $limit ] && return 1
		sleep 0.1
	done
}

# mt_headers FILE - the header section, folded lines joined
mt_headers() {
	sed '/^\r\{0,1\}$/q' "$1" | tr -d '\r' |
		awk '/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
		     { if (line != "") print line; line = $0 }
		     END { if (line != "") print line }'
}

# mt_ar CASE - the Authentication-Results fields of CASE's delivery
mt_ar() {
	f=$(mt_delivered "$1") || { echo "no delivery for $1" >&2; return 1; }
	mt_headers "$f" | grep -i '^Authentication-Results:'
}

# mt_expect CASE ERE... - CASE was delivered and its A-R matches each ERE
mt_expect() {
	c=$1
	shift
	ar=$(mt_ar "$c") || { mt_fail "$c: not delivered"; return 0; }
	for re in "$@"; do
		printf '%s\n' "$ar" | grep -Eq -- "$re" ||
			mt_fail "$c: A-R does not match /$re/: $ar"
	done
	return 0
}

# mt_expect_not CASE ERE - CASE's A-R must not match ERE
mt_expect_not() {
	ar=$(mt_ar "$1") || { mt_fail "$1: not delivered"; return 0; }
	printf '%s\n' "$ar" | grep -Eq -- "$2" &&
		mt_fail "$1: A-R matches /$2/: $ar"
	return 0
}
