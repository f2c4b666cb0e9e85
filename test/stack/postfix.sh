# postfix.sh - Postfix instances for real-stack tests (after netns.sh,
# tmx_enter and assert.sh): each with its own config, queue and data
# directories under $TMX_TMP/NAME, listening on loopback only, logging to
# its own file through postlogd, delivering nothing unless the test says
# so (every transport discards). All are stopped when the test exits.
#
#   tmx_postfix_init [NAME]              # "postfix" unless named; current
#   tmx_postfix_use NAME                 # $TMX_PF (its dir), $TMX_PF_LOG
#   tmx_postfix_set 'key = value' ...    # main.cf settings (postconf -e)
#   tmx_postfix_service 'LINE' ...       # master.cf service lines
#   tmx_postfix_start / tmx_postfix_stop / tmx_postfix_reload
#   tmx_postfix_wait 'REGEX' [SECONDS]   # until the log matches
#   tmx_postfix_count 'REGEX'            # matching log lines
#   tmx_postfix_problems                 # warning/error/fatal/panic lines
#   tmx_postfix_mark / tmx_postfix_since MARK   # the log from a point on
# (tmx_wait_listen PORT, from assert.sh, waits for a listener without
# connecting: a probe connection would make postscreen warn.)

# tmx_postfix_init [NAME] - a new instance in $TMX_TMP/NAME (default
# "postfix"): main.cf, master.cf, the directories; it becomes the current
# one, which the other functions act on
tmx_postfix_init() {
	tmx_need postfix postconf
	getent passwd postfix >/dev/null || tmx_skip "no postfix user"
	TMX_PF_NAMES="${TMX_PF_NAMES:-} ${1:-postfix}"
	tmx_postfix_use "${1:-postfix}"
	mkdir -p "$TMX_PF/etc" "$TMX_PF/spool" "$TMX_PF/data"
	chown root:root "$TMX_PF" "$TMX_PF/etc" "$TMX_PF/spool"
	chmod 755 "$TMX_PF" "$TMX_PF/etc" "$TMX_PF/spool"
	chown postfix "$TMX_PF/data"
	chmod 700 "$TMX_PF/data"
	: >"$TMX_PF_LOG"
	cat >"$TMX_PF/etc/main.cf" <<-EOF
		compatibility_level = 3.6
		config_directory = $TMX_PF/etc
		queue_directory = $TMX_PF/spool
		data_directory = $TMX_PF/data
		mail_owner = postfix
		setgid_group = postdrop
		maillog_file = $TMX_PF_LOG
		maillog_file_prefixes = $TMX_PF
		syslog_name = postfix-test
		myhostname = mx.test.example
		mydomain = test.example
		myorigin = test.example
		mydestination = test.example
		mynetworks = 127.0.0.0/8
		inet_interfaces = 127.0.0.1
		inet_protocols = all
		smtp_address_preference = ipv4
		alias_maps =
		alias_database =
		local_recipient_maps =
		biff = no
		default_transport = discard:test
		local_transport = discard:test
		relay_transport = discard:test
		virtual_transport = discard:test
		smtpd_banner = \$myhostname ESMTP test
		smtpd_helo_required = no
		smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
		disable_dns_lookups = yes
		smtp_dns_support_level = disabled
		append_dot_mydomain = no
		readme_directory = no
		shlib_directory = /usr/lib/postfix
		meta_directory = /etc/postfix
	EOF
	# every service unchrooted, so unix: paths are the real ones
	cat >"$TMX_PF/etc/master.cf" <<-'EOF'
		pickup    unix  n       -       n       60      1       pickup
		cleanup   unix  n       -       n       -       0       cleanup
		qmgr      unix  n       -       n       300     1       qmgr
		tlsmgr    unix  -       -       n       1000?   1       tlsmgr
		rewrite   unix  -       -       n       -       -       trivial-rewrite
		bounce    unix  -       -       n       -       0       bounce
		defer     unix  -       -       n       -       0       bounce
		trace     unix  -       -       n       -       0       bounce
		verify    unix  -       -       n       -       1       verify
		flush     unix  n       -       n       1000?   0       flush
		proxymap  unix  -       -       n       -       -       proxymap
		proxywrite unix -       -       n       -       1       proxymap
		smtp      unix  -       -       n       -       -       smtp
		relay     unix  -       -       n       -       -       smtp
		showq     unix  n       -       n       -       -       showq
		error     unix  -       -       n       -       -       error
		retry     unix  -       -       n       -       -       error
		discard   unix  -       -       n       -       -       discard
		anvil     unix  -       -       n       -       1       anvil
		scache    unix  -       -       n       -       1       scache
		postlog   unix-dgram n  -       n       -       1       postlogd
	EOF
}

# tmx_postfix_set 'key = value'... - main.cf settings
tmx_postfix_set() {
	for kv in "$@"; do
		postconf -c "$TMX_PF/etc" -e "$kv" || return 1
	done
}

# tmx_postfix_service 'LINE'... - master.cf lines (a service, or "  -o ...")
tmx_postfix_service() {
	for line in "$@"; do
		printf '%s\n' "$line" >>"$TMX_PF/etc/master.cf"
	done
}

# tmx_postfix_use NAME - make instance NAME the current one
tmx_postfix_use() {
	TMX_PF=$TMX_TMP/$1
	TMX_PF_LOG=$TMX_PF/maillog
}

# tmx_postfix_start - start the current instance; every instance is
# stopped when the test exits
tmx_postfix_start() {
	local mark
	postfix -c "$TMX_PF/etc" check >"$TMX_TMP/postfix-check.log" 2>&1 || {
		cat "$TMX_TMP/postfix-check.log" >&2
		return 1
	}
	mark=$(tmx_postfix_mark)
	postfix -c "$TMX_PF/etc" start >"$TMX_TMP/postfix-start.log" 2>&1 || {
		cat "$TMX_TMP/postfix-start.log" "$TMX_PF_LOG" >&2
		return 1
	}
	tmx_at_exit tmx_postfix_stop_all
	tmx_until 10 tmx_postfix_started "$mark" || {
		echo "postfix did not start: $TMX_PF" >&2
		tail -20 "$TMX_PF_LOG" >&2
		return 1
	}
}

# tmx_postfix_started MARK - the master logged its start after MARK
tmx_postfix_started() {
	tmx_postfix_since "$1" | grep -q 'daemon started'
}

# tmx_postfix_running - the current instance's master process lives
tmx_postfix_running() {
	[ -s "$TMX_PF/spool/pid/master.pid" ] &&
		kill -0 "$(cat "$TMX_PF/spool/pid/master.pid" 2>/dev/null)" 2>/dev/null
}

# tmx_postfix_stop - stop the current instance (quietly if not running)
tmx_postfix_stop() {
	tmx_postfix_running || return 0
	postfix -c "$TMX_PF/etc" stop >/dev/null 2>&1
	tmx_until 5 tmx_postfix_stopped
	return 0
}

# tmx_postfix_stopped - the current instance's master process is gone
tmx_postfix_stopped() {
	! tmx_postfix_running
}

# tmx_postfix_stop_all - stop every instance (the exit hook)
tmx_postfix_stop_all() {
	local cur=$TMX_PF name
	for name in ${TMX_PF_NAMES:-}; do
		tmx_postfix_use "$name"
		tmx_postfix_stop
	done
	TMX_PF=$cur TMX_PF_LOG=$cur/maillog
}

# tmx_postfix_reload - re-read main.cf and master.cf
tmx_postfix_reload() {
	postfix -c "$TMX_PF/etc" reload >/dev/null 2>&1
}

# tmx_postfix_wait REGEX [SECONDS] - until a log line matches (ERE)
tmx_postfix_wait() {
	tmx_wait_grep "$1" "$TMX_PF_LOG" "${2:-10}"
}

# tmx_postfix_count REGEX - how many log lines match (ERE)
tmx_postfix_count() {
	grep -Ec -- "$1" "$TMX_PF_LOG"
}

# tmx_postfix_problems [EXCLUDE] - Postfix's warning, error, fatal and
# panic lines, except those matching the ERE EXCLUDE; true when any
tmx_postfix_problems() {
	grep -E ': (warning|error|fatal|panic): ' "$TMX_PF_LOG" |
		grep -Ev -- "${1:-^\$}" | grep .
}

# tmx_postfix_mark - a line in the log to count from (tmx_postfix_since)
tmx_postfix_mark() {
	wc -l <"$TMX_PF_LOG"
}

# tmx_postfix_since MARK - the log lines after tmx_postfix_mark's answer
tmx_postfix_since() {
	tail -n "+$(($1 + 1))" "$TMX_PF_LOG"
}
