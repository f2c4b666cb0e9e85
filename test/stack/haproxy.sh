# haproxy.sh - a real HAProxy for real-stack tests (after netns.sh,
# tmx_enter and assert.sh), the one way every test starts one: the config
# the test wrote is checked with haproxy -c, run in the foreground (-db,
# "log stdout" lands in $TMX_TMP/NAME.log for NAME.cfg), waited for
# without connecting to it (a probe connection would be one of the
# connections "trustmx proxy accept" counts, or a postscreen warning).
#
#   tmx_haproxy_start CFG [PORT...]    # $TMX_HA_PID, $TMX_HA_LOG
#   tmx_haproxy_stop [PID]
#   tmx_haproxy_csv STATS-PORT         # the stats page (stats uri /stats)
#   tmx_haproxy_field STATS-PORT BACKEND SERVER COLUMN
#   tmx_haproxy_wait STATS-PORT BACKEND SERVER STATUS [SECONDS]

# tmx_haproxy_start CFG [PORT...] - check CFG, run it, wait until each
# TCP PORT listens; its pid in $TMX_HA_PID, its log in $TMX_HA_LOG
tmx_haproxy_start() {
	local cfg=$1 name
	shift
	tmx_need haproxy
	name=$(basename "$cfg" .cfg)
	if ! haproxy -c -f "$cfg" >"$TMX_TMP/$name-check.log" 2>&1; then
		cat "$TMX_TMP/$name-check.log" >&2
		echo "haproxy -c rejected $cfg" >&2
		return 1
	fi
	tmx_bg "$name" haproxy -db -f "$cfg"
	TMX_HA_PID=$!
	TMX_HA_LOG=$TMX_TMP/$name.log
	tmx_wait_listen "$@" || { cat "$TMX_HA_LOG" >&2; return 1; }
}

# tmx_haproxy_stop [PID] - stop the HAProxy started last (or PID)
tmx_haproxy_stop() {
	local pid=${1:-$TMX_HA_PID}
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# tmx_haproxy_csv PORT - HAProxy's stats page as CSV, no curl needed
tmx_haproxy_csv() {
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET /stats;csv HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	tr -d '\r' <&3
	exec 3<&-
}

# tmx_haproxy_field PORT BACKEND SERVER COLUMN - one column of the stats
# (status, check_status, chkfail, ...) for a backend's server; of a check
# under way ("* L7OK"), the last result
tmx_haproxy_field() {
	tmx_haproxy_csv "$1" | awk -F, -v b="$2" -v s="$3" -v c="$4" '
		/^# pxname,/ { for (i = 1; i <= NF; i++) if ($i == c) col = i; next }
		col && $1 == b && $2 == s { v = $col; sub(/^\* /, "", v); print v }'
}

# tmx_haproxy_is PORT BACKEND SERVER STATUS - the server has STATUS (UP, DOWN)
tmx_haproxy_is() {
	[ "$(tmx_haproxy_field "$1" "$2" "$3" status)" = "$4" ]
}

# tmx_haproxy_wait PORT BACKEND SERVER STATUS [SECONDS] - until it has
tmx_haproxy_wait() {
	tmx_until "${5:-15}" tmx_haproxy_is "$1" "$2" "$3" "$4" ||
		{ echo "HAProxy: $2/$3 never $4" >&2; return 1; }
}
