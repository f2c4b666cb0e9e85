# policyd.sh - trustmx-policyd for real-stack tests (after netns.sh,
# tmx_enter, assert.sh and, for postmap(1), postfix.sh): run it from a
# config the test writes, as user postfix, sockets and spf cache under
# $TMX_TMP. Another instance: PD_CONF=... PD_NAME=... pd_config/pd_start.
#
#   pd_init                      # $PD_RUN (sockets), $PD_CACHE, $PD_CONF
#   pd_config 'key = value'...   # (re)write $PD_CONF with these lines
#   pd_start                     # start with -f -v; $PD_PID, $PD_LOG
#   pd_wait REGEX [SECONDS]      # until the daemon's log matches
#   pd_hup                       # SIGHUP and wait for the outcome
#   pd_sm KEY                    # the socketmap answer via postmap(1)
#   pd_session PORT SOURCE [SPORT]   # an SMTP session through PROXY v2
#   pd_stop                      # SIGTERM; clean exit, no sanitizer report

# pd_init - directories for sockets and cache, owned by postfix
pd_init() {
	tmx_need postmap
	: "${TRUSTMX_POLICYD:?TRUSTMX_POLICYD not set}"
	PD_RUN=$TMX_TMP/run
	PD_CACHE=$TMX_TMP/spf-cache
	PD_CONF=$TMX_TMP/trustmx.conf
	PD_LOG=$TMX_TMP/policyd.log
	mkdir -p "$PD_RUN" "$PD_CACHE"
	chown postfix:postfix "$PD_RUN" "$PD_CACHE"
	chmod 755 "$PD_RUN"
}

# pd_config LINE... - write the daemon's config (run dir and user preset)
pd_config() {
	{
		echo "user = postfix"
		echo "spf_cache_dir = $PD_CACHE"
		echo "syslog_facility = mail"
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$PD_CONF.new"
	mv "$PD_CONF.new" "$PD_CONF"
	chmod 644 "$PD_CONF"
}

# pd_start [ARGS] - run the daemon in the foreground, logging to $PD_LOG
# ($TMX_TMP/policyd.log, or PD_NAME.log)
pd_start() {
	tmx_bg "${PD_NAME:-policyd}" "$TRUSTMX_POLICYD" -f -v -c "$PD_CONF" "$@"
	PD_PID=$!
	PD_LOG=$TMX_TMP/${PD_NAME:-policyd}.log
	pd_wait 'started, lists generation' 10
}

# pd_logged REGEX - the daemon's log matches, or the daemon is gone
pd_logged() {
	grep -Eqs -- "$1" "$PD_LOG" || ! kill -0 "$PD_PID" 2>/dev/null
}

# pd_wait REGEX [SECONDS] - until the daemon's log matches (ERE); false
# at once when the daemon is gone
pd_wait() {
	tmx_until "${2:-10}" pd_logged "$1"
	grep -Eqs -- "$1" "$PD_LOG" && return 0
	echo "policyd log never matched: $1" >&2
	tail -20 "$PD_LOG" >&2
	return 1
}

# pd_stop - SIGTERM; the daemon must exit 0 with no sanitizer report
# (builds with -Db_sanitize=address,undefined check memory this way)
pd_stop() {
	kill -TERM "$PD_PID"
	wait "$PD_PID"
	rc=$?
	if grep -Eq 'Sanitizer|runtime error:' "$PD_LOG"; then
		cat "$PD_LOG" >&2
		tmx_die "sanitizer report from policyd"
	fi
	[ "$rc" = 0 ] || tmx_die "policyd exited with status $rc"
	tmx_pass "policyd stopped cleanly"
}

# pd_count REGEX - matching lines in the daemon's log
pd_count() {
	grep -Ec -- "$1" "$PD_LOG"
}

# pd_reloaded_since N - more than N reload outcomes logged
pd_reloaded_since() {
	[ "$(pd_count 'reloaded |reload failed')" -gt "$1" ]
}

# pd_hup - SIGHUP; wait until the daemon has reloaded or refused to
pd_hup() {
	local before
	before=$(pd_count 'reloaded |reload failed')
	kill -HUP "$PD_PID"
	tmx_until 10 pd_reloaded_since "$before" ||
		{ echo "no reload outcome" >&2; return 1; }
	sleep 0.2	# the loop swaps right after the refresher logs
}

# pd_sm KEY [MAP] - what postmap -q gets from the socketmap ("" when none);
# postmap reads main.cf from the test's instance (tmx_postfix_init)
pd_sm() {
	postmap -c "$TMX_PF/etc" -q "$1" \
		"socketmap:unix:$PD_RUN/socketmap.sock:${2:-postscreen}" 2>&1
}

# pd_postmap ARGS - postmap(1) with the test instance's main.cf
pd_postmap() {
	postmap -c "$TMX_PF/etc" "$@"
}

# pd_session PORT SOURCE [SOURCE-PORT] - one SMTP session to smtpd or
# postscreen on 127.0.0.1:PORT, from SOURCE as a PROXY v2 header says,
# ending after RCPT; swaks' transcript on stdout
pd_session() {
	swaks --server "127.0.0.1:$1" --timeout 20 \
		--proxy-version 2 --proxy-family AF_INET \
		--proxy-source "$2" --proxy-source-port "${3:-40000}" \
		--proxy-dest 127.0.0.1 --proxy-dest-port "$1" \
		--from sender@example.org --to user@test.example \
		--quit-after RCPT 2>&1
}
