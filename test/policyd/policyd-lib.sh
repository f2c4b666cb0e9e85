# policyd-lib.sh - sourced by the policyd integration tests (after
# netns.sh and tmx_enter): run trustmx-policyd from a config the test
# writes, as user postfix, sockets and spf cache under $TMX_TMP.
#
#   pd_init                      # $PD_RUN (sockets), $PD_CACHE, $PD_CONF
#   pd_config 'key = value'...   # (re)write $PD_CONF with these lines
#   pd_start                     # start with -f -v; $PD_PID, $PD_LOG
#   pd_wait REGEX [SECONDS]      # until the daemon's log matches
#   pd_hup                       # SIGHUP and wait for the outcome
#   pd_sm KEY                    # the socketmap answer via postmap(1)
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
pd_start() {
	tmx_bg policyd "$TRUSTMX_POLICYD" -f -v -c "$PD_CONF" "$@"
	PD_PID=$!
	PD_LOG=$TMX_TMP/policyd.log
	pd_wait 'started, lists generation' 10
}

# pd_wait REGEX [SECONDS] - until the daemon's log matches (ERE)
pd_wait() {
	i=0
	limit=$((${2:-10} * 10))
	while ! grep -Eqs -- "$1" "$PD_LOG"; do
		i=$((i + 1))
		if [ $i -ge $limit ] || ! kill -0 "$PD_PID" 2>/dev/null; then
			echo "policyd log never matched: $1" >&2
			tail -20 "$PD_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pd_stop - SIGTERM; the daemon must exit 0 with no sanitizer report
# (builds with -Db_sanitize=address,undefined check memory this way)
pd_stop() {
	kill -TERM "$PD_PID"
	wait "$PD_PID"
	rc=$?
	if grep -Eq 'Sanitizer|runtime error:' "$PD_LOG"; then
		cat "$PD_LOG" >&2
		fail "sanitizer report from policyd"
	fi
	[ "$rc" = 0 ] || fail "policyd exited with status $rc"
	echo "ok: policyd stopped cleanly"
}

# pd_count REGEX - matching lines in the daemon's log
pd_count() {
	grep -Ec -- "$1" "$PD_LOG"
}

# pd_hup - SIGHUP; wait until the daemon has reloaded or refused to
pd_hup() {
	before=$(pd_count 'reloaded |reload failed')
	kill -HUP "$PD_PID"
	i=0
	while [ "$(pd_count 'reloaded |reload failed')" -le "$before" ]; do
		i=$((i + 1))
		[ $i -ge 100 ] && { echo "no reload outcome" >&2; return 1; }
		sleep 0.1
	done
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

# ha_csv PORT - HAProxy's stats page as CSV (stats uri /stats), no curl
ha_csv() {
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET /stats;csv HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	tr -d '\r' <&3
	exec 3<&-
}

# fail MESSAGE - stop the test
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect WHAT GOT WANT - compare, fail with WHAT when different
expect() {
	[ "$2" = "$3" ] || fail "$1: got \"$2\", want \"$3\""
	echo "ok: $1 = \"$3\""
}
