# assert.sh - checks and waits for every test script (test/stack/): a
# failed check is recorded and the test goes on (tmx_fail, tmx_expect),
# or stops it (tmx_die); tmx_finish turns the record into the exit status.
# Needs nothing else; also sourced by the test/cli/ scripts, which run
# without a namespace.
#
#   tmx_expect NAME GOT WANT     # one comparison
#   tmx_jq NAME JSON FILTER WANT # tmx_expect on jq -r FILTER
#   tmx_fail MESSAGE / tmx_pass [MESSAGE] / tmx_die MESSAGE
#   tmx_run CMD... ; tmx_fail_run MESSAGE  # capture a command, show it
#   tmx_until SECONDS CMD...     # poll CMD every 0.1s
#   tmx_wait_grep ERE FILE [SECONDS] / tmx_wait_file / tmx_wait_port /
#   tmx_wait_listen PORT...
#   tmx_finish                   # "N checks, M failed"; exit 0 or 1

# shellcheck disable=SC2034 # TMX_RC is for the scripts that source this
TMX_CHECKS=${TMX_CHECKS:-0}
TMX_FAILS=${TMX_FAILS:-0}

# tmx_pass [MESSAGE] - count a passed check; say so when there is a MESSAGE
tmx_pass() {
	TMX_CHECKS=$((TMX_CHECKS + 1))
	[ $# = 0 ] || echo "ok: $*"
}

# tmx_fail MESSAGE - record a failed check and go on
tmx_fail() {
	TMX_CHECKS=$((TMX_CHECKS + 1))
	TMX_FAILS=$((TMX_FAILS + 1))
	echo "FAIL: $*" >&2
}

# tmx_die MESSAGE - a check whose failure leaves nothing more to test: stop
tmx_die() {
	echo "FAIL: $*" >&2
	exit 1
}

# tmx_failed - true when some check failed
tmx_failed() {
	[ "$TMX_FAILS" != 0 ]
}

# tmx_finish - the test's exit status: no check failed
tmx_finish() {
	echo "$TMX_CHECKS checks, $TMX_FAILS failed"
	tmx_failed && exit 1
	exit 0
}

# tmx_expect NAME GOT WANT - one comparison; a failure is recorded
tmx_expect() {
	if [ "$2" = "$3" ]; then
		tmx_pass "$1 = \"$2\""
	else
		tmx_fail "$1: got \"$2\", want \"$3\""
	fi
}

# tmx_jq NAME JSON FILTER WANT - tmx_expect on a jq -c -r filter of JSON
tmx_jq() {
	tmx_expect "$1 $3" "$(printf '%s\n' "$2" | jq -c -r "$3" 2>&1)" "$4"
}

# tmx_run CMD... - run CMD; its exit status in $TMX_RC, its output in
# $TMX_TMP/out and $TMX_TMP/err (what tmx_fail_run shows)
tmx_run() {
	TMX_RC=0
	"$@" >"$TMX_TMP/out" 2>"$TMX_TMP/err" || TMX_RC=$?
}

# tmx_fail_run MESSAGE - tmx_fail, with what the last tmx_run printed
tmx_fail_run() {
	tmx_fail "$*"
	sed 's/^/  stdout: /' "$TMX_TMP/out" >&2
	sed 's/^/  stderr: /' "$TMX_TMP/err" >&2
}

# tmx_kv LINE KEY - the value of KEY=value in a line of such words
tmx_kv() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# tmx_hex STRING - the bytes of STRING as lowercase hex
tmx_hex() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# tmx_unhex HEX - the bytes HEX spells, to stdout
tmx_unhex() {
	# shellcheck disable=SC2059
	printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"
}

# tmx_until SECONDS CMD... - until CMD succeeds, polled every 0.1s; false
# when SECONDS pass first
tmx_until() {
	local n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -le 0 ] && return 1
		sleep 0.1
	done
}

# tmx_wait_grep ERE FILE [SECONDS] - until a line of FILE matches ERE
tmx_wait_grep() {
	tmx_until "${3:-10}" grep -Eqs -- "$1" "$2" || {
		echo "no line matching \"$1\" in $2" >&2
		tail -20 "$2" >&2 2>/dev/null
		return 1
	}
}

# tmx_wait_file PATH [SECONDS] - until PATH exists
tmx_wait_file() {
	tmx_until "${2:-10}" test -e "$1" || { echo "$1 never appeared" >&2; return 1; }
}

# tmx_port_open HOST PORT - a TCP connection to HOST:PORT succeeds
tmx_port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# tmx_wait_port HOST PORT [SECONDS] - until a connection succeeds
tmx_wait_port() {
	tmx_until "${3:-10}" tmx_port_open "$1" "$2" ||
		{ echo "nothing listens on $1:$2" >&2; return 1; }
}

# tmx_listening PORT - a TCP socket listens on PORT (found without
# connecting: a probe connection makes postscreen warn and counts as one
# of the connections "trustmx proxy accept" waits for)
tmx_listening() {
	ss -Hltn "sport = :$1" | grep -q .
}

# tmx_wait_listen PORT... - until something listens on each TCP PORT (10s)
tmx_wait_listen() {
	for port in "$@"; do
		tmx_until 10 tmx_listening "$port" ||
			{ echo "nothing listens on port $port" >&2; return 1; }
	done
}
