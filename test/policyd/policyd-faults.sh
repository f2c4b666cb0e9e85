#!/bin/bash
# policyd-faults.sh - bad input and faults: garbage, oversized and
# malformed requests close only their own connection; slow clients time
# out while a slow-but-steady one is answered; disconnects mid-request;
# max_clients; 1000 concurrent connections on each protocol; reloads under
# load; reloads that change the timeouts of connections already waiting.
# The daemon must survive everything and answer every good request.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"

ulimit -n 16384 || tmx_skip "cannot raise the file limit"
L=$TMX_POLICYD_LOAD
SM=$TMX_TMP/run/socketmap.sock
PO=$TMX_TMP/run/policy.sock
PP=$TMX_TMP/run/policy-proxied.sock
pd_init
tmx_postfix_init
conf=("relay_networks = 192.0.2.0/26" "deny_networks = 192.0.2.64/26"
	"proxy_networks = 127.0.0.1"
	"deny_policy_action = REJECT listed"
	"policy_listen = unix:$PO, inet:127.0.0.1:10042 haproxy, unix:$PP haproxy"
	"socketmap_listen = unix:$SM"
	"client_timeout = 2s" "proxy_timeout = 2s" "max_clients = 4000")
pd_config "${conf[@]}"
pd_start

# probe DESCRIPTION WANT ARGS... - policyd-load probe output must match WANT
probe() {
	what=$1 want=$2
	shift 2
	got=$("$L" "$@" | tr '\n' ' ')
	[ "$got" = "$want" ] || tmx_die "$what: got \"$got\", want \"$want\""
	tmx_pass "$what: $got"
}

# the daemon still answers a good request on both protocols
alive() {
	"$L" -u "$SM" -s socketmap 192.0.2.1="OK permit" >/dev/null ||
		tmx_die "socketmap dead after: $1"
	"$L" -u "$PO" -s policy 192.0.2.70="REJECT listed" >/dev/null ||
		tmx_die "policy dead after: $1"
	kill -0 "$PD_PID" || tmx_die "policyd died after: $1"
}

probe "socketmap garbage" "REPLY  EOF " -u "$SM" -g 'GET / HTTP/1.0'$'\r\n\r\n'
alive "socketmap garbage"
probe "netstring without comma" "REPLY  EOF " -u "$SM" -g '3:abcX'
probe "oversized netstring" "REPLY  EOF " -u "$SM" -g '100001:postscreen '
probe "huge length" "REPLY  EOF " -u "$SM" -g '99999999999999999999:'
probe "answers before the bad request" "REPLY 9:OK permit,9:NOTFOUND , EOF " \
	-u "$SM" -g '20:postscreen 192.0.2.1,19:postscreen 10.1.2.3,x'
probe "unknown map keeps the connection" "REPLY 16:PERM unknown map, OPEN " \
	-u "$SM" -g '9:nomap key,' -w 1
probe "binary key" "REPLY 9:NOTFOUND , OPEN " -u "$SM" -g $'13:postscreen \x01\xff,' -w 1
alive "bad netstrings"

probe "policy garbage" "REPLY  EOF " -u "$PO" -g $'no equals sign here\n\n'
probe "policy NUL-free binary" "REPLY  EOF " -u "$PO" -g $'\x01\x02\x03\n'
long=$(head -c 9000 /dev/zero | tr '\0' x)
probe "policy value > 8192" "REPLY  EOF " -u "$PO" -g "ccert_subject=$long"$'\n\n'
ok8192=$(head -c 8192 /dev/zero | tr '\0' y)
probe "policy value = 8192" 'REPLY action=DUNNO\n\n OPEN ' -u "$PO" \
	-g "ccert_subject=$ok8192"$'\nclient_address=10.9.8.7\n\n' -w 1
probe "policy pipelined" 'REPLY action=OK\n\naction=REJECT listed\n\n OPEN ' -u "$PO" \
	-g $'client_address=192.0.2.5\n\nclient_address=::ffff:192.0.2.66\n\n' -w 1
alive "bad policy requests"

# slow clients: unfinished requests are dropped after client_timeout,
# a slow but steady one (a byte every 50 ms, done in 1.3s) is answered
probe "stalled policy request" "REPLY  EOF " -u "$PO" -g $'client_address=192.0.2.5\n' -w 5
pd_wait 'request not finished within client_timeout' || tmx_die "timeout not logged"
probe "stalled netstring" "REPLY  EOF " -u "$SM" -g '20:postscreen 19' -w 5
probe "slow but steady" 'REPLY action=OK\n\n OPEN ' -u "$PO" -T 50 \
	-g $'client_address=192.0.2.5\n\n' -w 1
probe "stalled PROXY header" "REPLY  EOF " -i 127.0.0.1:10042 -g $'\r\n\r\n\x00\r\n' -w 5
pd_wait 'no PROXY header within proxy_timeout' || tmx_die "proxy timeout not logged"
probe "no PROXY header" "REPLY  EOF " -i 127.0.0.1:10042 -g $'client_address=192.0.2.5\n\n'
probe "PROXY then policy" 'REPLY action=OK\n\n OPEN ' -i 127.0.0.1:10042 -x 127.0.0.9 \
	-g $'client_address=192.0.2.5\n\n' -w 1
probe "LOCAL health check, inet" "REPLY  EOF " -i 127.0.0.1:10042 -x LOCAL -g x
probe "LOCAL health check, unix" "REPLY  EOF " -u "$PP" -x LOCAL -g x
[ "$(pd_count 'health check \(PROXY LOCAL\)')" -ge 2 ] || tmx_die "health checks not seen"
probe "PROXY over unix, then policy" 'REPLY action=REJECT listed\n\n OPEN ' \
	-u "$PP" -x 127.0.0.9 -g $'client_address=192.0.2.70\n\n' -w 1
probe "PROXY over unix, client outside policy_clients" "REPLY  EOF " \
	-u "$PP" -x 192.0.2.9 -g $'client_address=192.0.2.70\n\n'
probe "no PROXY header over unix" "REPLY  EOF " -u "$PP" -g $'client_address=192.0.2.70\n\n'
tmx_addr 192.0.2.150
probe "PROXY header from outside proxy_networks" "REPLY  EOF " -i 127.0.0.1:10042 \
	-b 192.0.2.150 -x 192.0.2.5 -g $'client_address=192.0.2.5\n\n'
pd_wait '192\.0\.2\.150 is not in proxy_networks' || tmx_die "untrusted proxy not logged"
alive "slow clients"

# disconnects in the middle of a request, many times
for i in $(seq 1 50); do
	"$L" -u "$PO" -g 'client_address=192.0.2.5' -w 0 >/dev/null
	"$L" -u "$SM" -g '20:postscreen 192.0' -w 0 >/dev/null
done
alive "disconnects mid-request"
pd_wait 'disconnected in the middle of a request' || tmx_die "disconnects not logged"

# 1000 concurrent connections on each protocol, 5 rounds each
"$L" -u "$SM" -s socketmap -c 1000 -r 5 192.0.2.1="OK permit" \
	192.0.2.70="OK reject" 10.0.0.1="NOTFOUND " 127.0.0.1="OK permit" \
	mail.example.org="NOTFOUND " || tmx_die "socketmap under 1000 connections"
"$L" -u "$PO" -s policy -c 1000 -r 5 192.0.2.1=OK 192.0.2.70="REJECT listed" \
	10.0.0.1=DUNNO 2001:db8::1=DUNNO || tmx_die "policy under 1000 connections"
tmx_pass "1000 concurrent connections, every request answered right"
alive "1000 connections"

# max_clients: a new client takes the place of the longest-idle one, so
# idle connections never lock a working client out; with every slot in a
# half-sent request, the oldest of those goes
# hold KIND DATA - 10 connections, 0.1s apart, each sending DATA and then
# holding on for 4s; the new client comes in once all are there
hold() {
	local i pids=""

	rm -f "$TMX_TMP"/hold-"$1"-*
	for i in 0 1 2 3 4 5 6 7 8 9; do
		"$L" -u "$SM" -g "$2" -w 4 >"$TMX_TMP/hold-$1-$i" &
		pids="$pids $!"
		sleep 0.1
	done
	sleep 0.5
	"$L" -u "$SM" -s socketmap -c 1 -r 3 192.0.2.1="OK permit" >/dev/null ||
		tmx_fail "max_clients = 10, $1: the new client was not served"
	wait $pids
}
# closed KIND - which of the holders the daemon closed
closed() {
	grep -l 'EOF' "$TMX_TMP"/hold-"$1"-* | sed 's/.*-//' | tr '\n' ' '
}
c10=("${conf[@]/max_clients = 4000/max_clients = 10}")
pd_config "${c10[@]/client_timeout = 2s/client_timeout = 30s}"
pd_hup || tmx_die "no reload"
hold idle '9:nomap key,'
pd_wait 'max_clients = 10 reached: closed unix, idle [0-9]+ms, for a new client \(1 closed' ||
	tmx_fail "eviction not logged"
tmx_expect "max_clients: idle connections closed (the oldest)" "$(closed idle)" "0 "
hold half '20:postscreen 192.0'
tmx_expect "max_clients: half-sent requests closed (the oldest)" "$(closed half)" "0 "
[ "$(pd_count 'reached: closed')" = 1 ] ||
	tmx_fail "evictions logged more than once in 10s"
alive "max_clients"
pd_config "${conf[@]}"
pd_hup || tmx_die "no reload"

# reloads under load: every answer stays right while lists are swapped
"$L" -u "$SM" -s socketmap -c 200 -r 300 192.0.2.1="OK permit" \
	192.0.2.70="OK reject" 10.0.0.1="NOTFOUND " >"$TMX_TMP/load-sm.log" 2>&1 &
sm_pid=$!
"$L" -u "$PO" -s policy -c 200 -r 300 192.0.2.1=OK 192.0.2.70="REJECT listed" \
	10.0.0.1=DUNNO >"$TMX_TMP/load-po.log" 2>&1 &
po_pid=$!
for i in $(seq 1 15); do
	pd_config "${conf[@]}" "# reload $i"
	kill -HUP "$PD_PID"
	sleep 0.1
done
wait $sm_pid || tmx_die "socketmap answers wrong under reloads: $(cat "$TMX_TMP/load-sm.log")"
wait $po_pid || tmx_die "policy answers wrong under reloads: $(cat "$TMX_TMP/load-po.log")"
tmx_pass "reloads under load: $(cat "$TMX_TMP/load-sm.log"); $(cat "$TMX_TMP/load-po.log")"
[ "$(pd_count 'reloaded ')" -ge 10 ] || tmx_die "reloads did not happen"
alive "reloads under load"

grep -Eq 'fatal|panic' "$PD_LOG" && tmx_die "policyd logged a fatal error"
pd_stop

# ms - wall-clock milliseconds
ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# a reload that lowers client_timeout and proxy_timeout (60s to 2s)
# applies to the connections already waiting, counted from their last
# answer (or the accept): idle ones are closed within seconds of the
# reload, not after 60s, while a good client asking every 0.5s on the
# same connections keeps them
slow=("${conf[@]/client_timeout = 2s/client_timeout = 60s}")
slow=("${slow[@]/proxy_timeout = 2s/proxy_timeout = 60s}")
pd_config "${slow[@]}"
pd_start || tmx_die "no restart with 60s timeouts"
printf '192.0.2.1\trelay\n192.0.2.70\tdeny\n10.0.0.1\tother\n' >"$TMX_TMP/good.keys"
"$L" -u "$SM" -s socketmap -t 5 -k "$TMX_TMP/good.keys" -c 4 -d 1 -q 8 \
	>"$TMX_TMP/good.log" 2>&1 &
good=$!
start=$(ms) idlers=""
for i in 0 1 2 3 4 5 6 7 8 9; do
	"$L" -u "$SM" -g '20:postscreen 192.0.2.1,' -w 8 >"$TMX_TMP/idle-sm-$i" &
	idlers="$idlers $!"
	"$L" -u "$PO" -g $'client_address=192.0.2.5\n\n' -w 8 >"$TMX_TMP/idle-po-$i" &
	idlers="$idlers $!"
	"$L" -i 127.0.0.1:10042 -g '' -w 8 >"$TMX_TMP/idle-hdr-$i" &
	idlers="$idlers $!"
done
sleep 1
pd_config "${conf[@]}"
hup=$(ms)
pd_hup || tmx_die "no reload"
wait $idlers
end=$(ms)
tmx_expect "timeouts lowered: idle connections still open" \
	"$(grep -l OPEN "$TMX_TMP"/idle-* | sed 's/.*idle-//' | tr '\n' ' ')" ""
tmx_expect "timeouts lowered: answers before the close" \
	"$(cat "$TMX_TMP"/idle-sm-* "$TMX_TMP"/idle-po-* | sort | uniq -c | tr -s ' \n' ' ')" \
	" 20 EOF 10 REPLY 9:OK permit, 10 REPLY action=OK\n\n "
if [ $((end - hup)) -le 4000 ] && [ $((end - start)) -ge 1900 ]; then
	tmx_pass "timeouts lowered: idle connections closed $((end - hup))ms after the reload, $((end - start))ms after they began"
else
	tmx_fail "timeouts lowered: idle connections closed $((end - hup))ms after the reload, $((end - start))ms after they began (want at most 4000, and 2000 after their last answer)"
fi
# a close and its log line are a loop round apart (info and debug lines
# are held until the loop goes idle): a client may see EOF first
logged_at_least() { [ "$(pd_count "$1")" -ge "$2" ]; }
tmx_until 5 logged_at_least 'idle; closing' 20
tmx_expect "timeouts lowered: idle closes logged" "$(pd_count 'idle; closing')" 20
tmx_expect "timeouts lowered: PROXY header timeouts logged" \
	"$(pd_count 'no PROXY header within proxy_timeout')" 10
if wait $good; then
	tmx_pass "timeouts lowered: good client kept its connections: $(cat "$TMX_TMP/good.log")"
else
	tmx_fail "timeouts lowered: good client: $(cat "$TMX_TMP/good.log")"
fi
alive "lowered timeouts"

# the longest idle is still evicted, with its real idle time, after a
# reload that raised client_timeout past proxy_timeout: five connections
# wait for a PROXY header, then five idle ones (the first is the oldest)
ten=("${slow[@]/max_clients = 4000/max_clients = 10}")
pd_config "${ten[@]}"
pd_hup || tmx_die "no reload"
rm -f "$TMX_TMP"/hold-*
first=$(ms) holders=""
for i in 0 1 2 3 4 5 6 7 8 9; do
	if [ "$i" -lt 5 ]; then
		"$L" -i 127.0.0.1:10042 -g '' -w 5 >"$TMX_TMP/hold-$i" &
	else
		"$L" -u "$SM" -g '9:nomap key,' -w 5 >"$TMX_TMP/hold-$i" &
	fi
	holders="$holders $!"
	sleep 0.1
done
pd_config "${ten[@]/client_timeout = 60s/client_timeout = 90s}"
pd_hup || tmx_die "no reload"
before=$(ms)
"$L" -u "$SM" -s socketmap -c 1 -r 3 192.0.2.1="OK permit" >/dev/null ||
	tmx_fail "timeouts raised, max_clients = 10: the new client was not served"
after=$(ms)
wait $holders
tmx_expect "timeouts raised, max_clients = 10: closed (the oldest)" \
	"$(grep -l EOF "$TMX_TMP"/hold-* | sed 's/.*-//' | tr '\n' ' ')" "0 "
evicted=$(grep -Eo 'max_clients = 10 reached: closed [^,]*, idle [0-9]+ms' "$PD_LOG")
idle=$(printf '%s\n' "$evicted" | sed -n 's/.*idle \([0-9]*\)ms$/\1/p')
# logged: from the first holder's accept (it may start up to 0.5s after
# $first on a slow machine, never before) to the eviction
if [ -n "$idle" ] && [ "${#idle}" -le 9 ] && [ "$idle" -ge $((before - first - 500)) ] &&
   [ "$idle" -le $((after - first + 50)) ]; then
	tmx_pass "timeouts raised: $evicted (between $((before - first - 500)) and $((after - first + 50)))"
else
	tmx_fail "timeouts raised: logged \"$evicted\", want 127.0.0.1 idle between $((before - first - 500))ms and $((after - first + 50))ms"
fi
# the next start: holders must outlive their start-up on a loaded machine
# (50 clients, sanitizer builds), so client_timeout does not free them
pd_config "${conf[@]/client_timeout = 2s/client_timeout = 30s}"
pd_stop

# out of file descriptors: accepting pauses instead of spinning, clients
# wait in the kernel's queue and are served once descriptors free up
tmx_bg policyd bash -c 'ulimit -n 40 && exec "$0" -f -v -c "$1"' \
	"$TRUSTMX_POLICYD" "$PD_CONF"
PD_PID=$!
pd_wait 'started, lists generation' || tmx_die "no restart with 40 descriptors"
holders=""
for i in $(seq 1 50); do
	"$L" -u "$PO" -g $'partial=request\n' -w 8 >/dev/null &
	holders="$holders $!"
done
pd_wait 'accept: pausing for 100ms' 20 || tmx_die "no pause when out of descriptors"
"$L" -u "$PO" -s policy 192.0.2.70="REJECT listed" >/dev/null ||
	tmx_die "not served after the descriptors came back"
wait $holders
cpu=$(ps -o times= -p "$PD_PID")
[ "${cpu:-9}" -lt 1 ] || tmx_die "policyd used ${cpu}s of CPU: spinning on accept?"
tmx_pass "out of descriptors: paused, then served (CPU ${cpu}s)"
alive "running out of descriptors"
pd_stop
tmx_finish
