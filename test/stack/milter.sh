# milter.sh - trustmx-milter for real-stack tests (after netns.sh,
# tmx_enter, assert.sh, dns.sh and postfix.sh): a zone with SPF, DKIM and
# DMARC records for the test domains, a primary Postfix that runs the
# milter and delivers into a Maildir, a backup MX that relays to it, the
# milter itself, and helpers to send a message and read the headers it
# was delivered with.
#
#   mt_dns [RECORD...]              # the zone below (tmx_dns_zone), DKIM keys
#   mt_key DOMAIN SELECTOR          # a signing key and its record
#   mt_config 'key = value'...      # (re)write $MT_CONF
#   mt_milter_start                 # $MT_PID (the supervisor), $MT_LOG
#   mt_hup / mt_wait_log ERE        # reload; until the milter's log says
#   mt_primary_init                 # Postfix on 127.0.0.1:2525 with the milter
#   mt_backup_init ADDR LISTEN...   # the "backup" Postfix relaying to it
#   mt_send CASE FROM-IP MAILFROM MSGFILE [swaks args]  # $MT_OUT = transcript
#   mt_msg CASE FROM... / mt_signed CASE DOMAIN ...     # message files
#   mt_delivered CASE               # path of the delivered message
#   mt_ar CASE                      # its Authentication-Results, unfolded
#   mt_expect CASE ERE... / mt_expect_not CASE ERE      # checks (assert.sh)

MT_RUN=$TMX_TMP/run
MT_CONF=$TMX_TMP/trustmx.conf
MT_LOG=$TMX_TMP/milter.log
MT_MAIL=$TMX_TMP/mail
MT_KEYS=$TMX_TMP/keys
MT_SOCK=$MT_RUN/milter.sock

# mt_key DOMAIN SELECTOR - a 1024-bit signing key in $MT_KEYS, its
# DOMAIN.SELECTOR.private for mt_signed; the key record into the zone
mt_key() {
	local p
	tmx_need opendkim-genkey
	mkdir -p "$MT_KEYS"
	chmod 755 "$MT_KEYS"
	opendkim-genkey -b 1024 -d "$1" -s "$2" -D "$MT_KEYS" >/dev/null 2>&1 ||
		return 1
	mv "$MT_KEYS/$2.private" "$MT_KEYS/$1.$2.private"
	p=$(tr -d '\n\t ()"' <"$MT_KEYS/$2.txt" | sed 's/.*p=\([A-Za-z0-9+/=]*\).*/\1/')
	tmx_dns_zone "TXT $2._domainkey.$1 v=DKIM1; k=rsa; p=$p"
}

# mt_dns [RECORD...] - dnsmasq with the test zones, plus RECORDs
mt_dns() {
	tmx_dns_zone \
		"ZONE example" \
		"DELEGATE broken.example 127.0.0.54" \
		"A mx.test.example 127.0.0.1" \
		"A none.example 192.0.2.200" \
		"TXT pass.example v=spf1 ip4:192.0.2.10 -all" \
		"TXT _dmarc.pass.example v=DMARC1; p=reject" \
		"TXT fail.example v=spf1 ip4:192.0.2.10 -all" \
		"TXT soft.example v=spf1 ip4:192.0.2.10 ~all" \
		"TXT helo.example v=spf1 ip4:192.0.2.10 -all" \
		"TXT reject.example v=spf1 ip4:192.0.2.10 -all" \
		"TXT _dmarc.reject.example v=DMARC1; p=reject" \
		"TXT quar.example v=spf1 ip4:192.0.2.10 -all" \
		"TXT _dmarc.quar.example v=DMARC1; p=quarantine" \
		"TXT mon.example v=spf1 ip4:192.0.2.10 -all" \
		"TXT _dmarc.mon.example v=DMARC1; p=none" \
		"TXT pct.example v=spf1 ip4:192.0.2.10 -all" \
		"TXT _dmarc.pct.example v=DMARC1; p=reject; pct=0" \
		"TXT dkim.example v=spf1 -all" \
		"TXT _dmarc.dkim.example v=DMARC1; p=reject" \
		"TXT _dmarc.dkim2.example v=DMARC1; p=none" \
		"TXT sender.example v=spf1 ip4:203.0.113.9 -all" \
		"TXT _dmarc.sender.example v=DMARC1; p=reject" \
		"$@" || return 1
	mt_key dkim.example s1 || return 1
	mt_key dkim2.example s2 || return 1
	tmx_dns_start "timeout:1 attempts:1"
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

# mt_milter_start - the milter in the foreground, logging to $MT_LOG;
# ready when its socket $MT_SOCK is there (MT_SOCK= for an inet one)
mt_milter_start() {
	: "${TRUSTMX_MILTER:?TRUSTMX_MILTER not set}"
	"$TRUSTMX_MILTER" -f -c "$MT_CONF" >"$MT_LOG" 2>&1 &
	MT_PID=$!
	tmx_at_exit mt_milter_stop
	mt_wait_log 'listening on' 10 || return 1
	[ -z "$MT_SOCK" ] || tmx_wait_file "$MT_SOCK" 5
}

# mt_milter_stop - SIGTERM and wait (libmilter notices within ~5 seconds)
mt_milter_stop() {
	[ -n "${MT_PID:-}" ] || return 0
	kill -TERM "$MT_PID" 2>/dev/null
	tmx_until 10 mt_milter_gone
	kill -KILL "$MT_PID" 2>/dev/null
	MT_PID=
	return 0
}

# mt_milter_gone - the supervisor has exited
mt_milter_gone() {
	! kill -0 "$MT_PID" 2>/dev/null
}

# mt_reloaded_since N - more than N reload outcomes in the milter's log
mt_reloaded_since() {
	[ "$(grep -Ec 'configuration reloaded|not reloading' "$MT_LOG")" -gt "$1" ]
}

# mt_hup - SIGHUP to the supervisor; wait for the milter's answer
mt_hup() {
	local before
	before=$(grep -Ec 'configuration reloaded|not reloading' "$MT_LOG")
	kill -HUP "$MT_PID"
	tmx_until 10 mt_reloaded_since "$before" ||
		{ tmx_fail "no reload outcome"; return 1; }
}

# mt_wait_log REGEX [SECONDS] - until the milter's log matches (ERE)
mt_wait_log() {
	tmx_wait_grep "$1" "$MT_LOG" "${2:-10}"
}

# mt_primary_init - the primary MX, instance "primary": milter, Maildir
# delivery, port 2525 (and 2527, behind PROXY)
mt_primary_init() {
	tmx_postfix_init primary
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

# mt_backup_init BIND-ADDR LISTEN... - a second instance "backup"
# (backup.relay.example) relaying test.example to the primary from
# BIND-ADDR (put in relay_networks), smtpd on each LISTEN (ADDR:PORT); it
# becomes the current instance
mt_backup_init() {
	local bind=$1 l
	shift
	tmx_postfix_init backup
	tmx_postfix_set \
		"myhostname = backup.relay.example" \
		"relay_domains = test.example" \
		"transport_maps = inline:{test.example=smtp:[127.0.0.1]:2525}" \
		"smtp_bind_address = $bind" \
		"smtp_connect_timeout = 2s" \
		"smtpd_peername_lookup = no" || return 1
	for l in "$@"; do
		tmx_postfix_service "$l inet n   -       n       -       -       smtpd"
	done
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
# to $MT_SERVER (the primary, 127.0.0.1:2525) for $MT_RCPT
# (user@test.example), saying HELO $MT_HELO (client.example); the
# transcript in $MT_OUT
mt_send() {
	local case_=$1 ip=$2 from=$3 file=$4
	shift 4
	MT_OUT=$TMX_TMP/swaks-$case_.log
	swaks --server "${MT_SERVER:-127.0.0.1:2525}" --local-interface "$ip" \
		--timeout 30 --helo "${MT_HELO:-client.example}" \
		--from "$from" --to "${MT_RCPT:-user@test.example}" --data "$file" "$@" \
		>"$MT_OUT" 2>&1
}

# mt_delivery CASE - the delivered message's path, if it is there
mt_delivery() {
	grep -lx "X-Test-Case: $1" "$MT_MAIL"/Maildir/new/* 2>/dev/null | head -1 | grep .
}

# mt_delivered CASE [SECONDS] - the delivered message's path, or fail
mt_delivered() {
	tmx_until "${2:-10}" mt_delivery "$1" >/dev/null && mt_delivery "$1"
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
	local c=$1 ar re
	shift
	ar=$(mt_ar "$c") || { tmx_fail "$c: not delivered"; return 0; }
	for re in "$@"; do
		if printf '%s\n' "$ar" | grep -Eq -- "$re"; then
			tmx_pass
		else
			tmx_fail "$c: A-R does not match /$re/: $ar"
		fi
	done
	return 0
}

# mt_expect_not CASE ERE - CASE's A-R must not match ERE
mt_expect_not() {
	local ar
	ar=$(mt_ar "$1") || { tmx_fail "$1: not delivered"; return 0; }
	if printf '%s\n' "$ar" | grep -Eq -- "$2"; then
		tmx_fail "$1: A-R matches /$2/: $ar"
	else
		tmx_pass
	fi
	return 0
}
