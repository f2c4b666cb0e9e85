# haproxy-lib.sh - sourced (after netns.sh and tmx_enter) by the two HAProxy
# tests: start a real HAProxy from a config the test wrote, wait for
# listeners without connecting to them (a probe connection would be one of
# the connections "trustmx proxy accept" counts), and compare values.

TMX_CHECKS=0
TMX_FAILS=0

# hx_wait_listen PORT... - until something listens on each TCP PORT
hx_wait_listen() {
	for port in "$@"; do
		i=0
		while ! ss -Hltn "sport = :$port" | grep -q .; do
			i=$((i + 1))
			[ $i -ge 100 ] && { echo "nothing listens on port $port" >&2; return 1; }
			sleep 0.1
		done
	done
}

# hx_haproxy_start CFG - check CFG with haproxy -c, then run it in the
# foreground (-db); its log (log stdout) goes to $TMX_TMP/haproxy.log
hx_haproxy_start() {
	if ! haproxy -c -f "$1" >"$TMX_TMP/haproxy-c.log" 2>&1; then
		cat "$TMX_TMP/haproxy-c.log" >&2
		echo "haproxy -c rejected $1" >&2
		return 1
	fi
	tmx_bg haproxy haproxy -db -f "$1"
}

# hx_wait_grep PATTERN FILE [SECONDS] - until a line of FILE matches PATTERN
hx_wait_grep() {
	i=0
	limit=$((${3:-10} * 10))
	while ! grep -qE -- "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge $limit ] && { echo "no line matching \"$1\" in $2" >&2; return 1; }
		sleep 0.1
	done
}

# hx_log_field LINE NAME - the value of NAME=value in a log line
hx_log_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# hx_hex STRING - the bytes of STRING as lowercase hex
hx_hex() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# hx_unhex HEX - the bytes HEX spells, to stdout
hx_unhex() {
	# shellcheck disable=SC2059
	printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"
}

# hx_expect NAME GOT WANT - one comparison; failures are counted
hx_expect() {
	TMX_CHECKS=$((TMX_CHECKS + 1))
	if [ -n "$3" ] && [ "$2" = "$3" ]; then
		echo "ok   $1: $2"
	else
		echo "FAIL $1: got \"$2\", want \"$3\""
		TMX_FAILS=$((TMX_FAILS + 1))
	fi
}

# hx_jq NAME JSON FILTER WANT - hx_expect on a jq -r filter of JSON
hx_jq() {
	hx_expect "$1 $3" "$(printf '%s\n' "$2" | jq -r "$3" 2>&1)" "$4"
}

# hx_finish - the test's exit status: every check ran and passed
hx_finish() {
	echo "$TMX_CHECKS checks, $TMX_FAILS failed"
	[ "$TMX_FAILS" = 0 ] && [ "$TMX_CHECKS" -gt 0 ] || exit 1
	exit 0
}
