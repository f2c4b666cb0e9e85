#!/bin/bash
# config-check.sh - -n of both daemons checks what their start needs and
# names file:line: the user, socket directories and addresses (as whoever
# starts the daemon), and, as "user", the configuration file and list
# files it rereads, spf_cache_dir when spf: sources save there, and
# public_suffix_list; a good file passes, a list anyone may change is a
# warning, and so is a relay_networks prefix meeting allow_networks. A start meets the same check with the same words.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
tmx_need setpriv
: "${TRUSTMX_MILTER:?}" "${TRUSTMX_POLICYD:?}"

T=$TMX_TMP
C=$T/trustmx.conf
RUN=$T/run
CACHE=$T/cache
mkdir -p "$RUN" "$CACHE" "$T/rootonly"
chown nobody "$RUN" "$CACHE"
echo 'com' >"$T/psl"
printf '192.0.2.0/24\n' >"$T/relays"
printf '198.51.100.0/24 REJECT\n' >"$T/deny.cidr"
printf '192.0.2.0/24\n' >"$T/secret"
printf '192.0.2.0/24\n' >"$T/open"
chmod 644 "$T/psl" "$T/relays" "$T/deny.cidr"
chmod 600 "$T/secret"
chmod 666 "$T/open"

# conf LINE... - write $C: the base below, a LINE for one of its keys in
# that key's place, other LINEs from line 9 on
conf() {
	local base line key
	base=("user = nobody"
		"milter_listen = unix:$RUN/m.sock"
		"policy_listen = unix:$RUN/p.sock"
		"socketmap_listen = unix:$RUN/s.sock"
		"public_suffix_list = $T/psl"
		"spf_cache_dir = $CACHE"
		"dns_servers = 127.0.0.1"
		"dns_timeout = 1s")
	{
		for line in "${base[@]}"; do
			key=${line%% =*}
			for a in "$@"; do
				[ "${a%% =*}" = "$key" ] && line=$a
			done
			printf '%s\n' "$line"
		done
		for a in "$@"; do
			key=${a%% =*}
			printf '%s\n' "${base[@]}" | grep -q "^$key =" ||
				printf '%s\n' "$a"
		done
	} >"$C"
	chmod 644 "$C"
}

# refuse DAEMON NAME WANT [RUNAS...] - DAEMON -n fails (status 1) with
# WANT as its first line on stderr
refuse() {
	local d=$1 name=$2 want=$3 out rc
	shift 3
	out=$("$@" "$d" -n -c "$C" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 1 ] || tmx_fail "$name: $(basename "$d") -n exited $rc: $out"
	tmx_expect "$name: $(basename "$d")" "$(printf '%s\n' "$out" | head -1)" \
		"$(basename "$d"): $want"
}

# accept DAEMON NAME - DAEMON -n passes; its stderr in $OUT
accept() {
	OUT=$("$1" -n -c "$C" 2>&1 >/dev/null) ||
		{ tmx_fail "$2: $(basename "$1") -n refused: $OUT"; return; }
	tmx_pass "$2: $(basename "$1") -n passes"
}

M=$TRUSTMX_MILTER
P=$TRUSTMX_POLICYD

# --- a good file passes both ---
conf "relay_networks = file:$T/relays spf:relays.example" \
	"deny_networks = cidr:$T/deny.cidr"
accept "$M" "good"
accept "$P" "good"

# --- the user, and what runs as it ---
conf "user = no-such-user"
for d in "$M" "$P"; do
	refuse "$d" "missing user" "$C:1: user no-such-user: no such user"
done
conf "user = root"
for d in "$M" "$P"; do
	refuse "$d" "user root" "$C:1: user: cannot become root: privileges could be regained after dropping them (Operation not permitted)"
done
# the milter builds its lists first: lists.c's words, file:line too
conf "relay_networks = 192.0.2.1 file:$T/missing"
refuse "$M" "missing list file" "$T/missing: No such file or directory (relay_networks, set at $C:9)"
refuse "$P" "missing list file" "$C:9: relay_networks: file:$T/missing: No such file or directory"
conf "deny_networks = file:$T/secret"
for d in "$M" "$P"; do
	refuse "$d" "list only root reads" "$C:9: deny_networks: file:$T/secret: user nobody cannot read it: Permission denied"
done
conf "relay_networks = spf:relays.example" "spf_cache_dir = $T/rootonly"
for d in "$M" "$P"; do
	refuse "$d" "spf_cache_dir only root writes" "$C:6: spf_cache_dir: $T/rootonly: user nobody cannot create files in it: Permission denied"
done
conf "proxy_networks = spf:relays.example" "spf_cache_dir = $T/none"
for d in "$M" "$P"; do
	refuse "$d" "missing spf_cache_dir" "$C:6: spf_cache_dir: $T/none: No such file or directory"
done
conf
chmod 600 "$C"
for d in "$M" "$P"; do
	refuse "$d" "file only root reads" "$C: user nobody cannot read it, and reloads do: Permission denied"
done

# --- sockets, as whoever starts the daemon ---
conf "milter_listen = unix:$T/nowhere/m.sock" "policy_listen = unix:$T/nowhere/p.sock"
refuse "$M" "missing socket directory" "$C:2: milter_listen: directory $T/nowhere: No such file or directory"
refuse "$P" "missing socket directory" "$C:3: policy_listen: unix:$T/nowhere/p.sock: directory $T/nowhere: No such file or directory"
conf "milter_listen = unix:$T/relays" "socketmap_listen = unix:$T/relays"
refuse "$M" "a file in the socket's place" "$C:2: milter_listen: $T/relays exists and is not a socket"
refuse "$P" "a file in the socket's place" "$C:4: socketmap_listen: unix:$T/relays: $T/relays exists and is not a socket"
conf "milter_listen = inet:8895@192.0.2.99" "policy_listen = inet:192.0.2.99:10040"
refuse "$M" "address not here" "$C:2: milter_listen: cannot bind 192.0.2.99 port 8895: Cannot assign requested address"
refuse "$P" "address not here" "$C:3: policy_listen: inet:192.0.2.99:10040: cannot bind 192.0.2.99 port 10040: Cannot assign requested address"
conf "milter_listen = inet:25@127.0.0.1" "policy_listen = inet:127.0.0.1:25"
refuse "$M" "port 25 as nobody" "$C:2: milter_listen: port 25 needs root or CAP_NET_BIND_SERVICE (user nobody: Permission denied)" \
	setpriv --reuid nobody --regid nogroup --init-groups
refuse "$P" "port 25 as nobody" "$C:3: policy_listen: inet:127.0.0.1:25: port 25 needs root or CAP_NET_BIND_SERVICE (user nobody: Permission denied)" \
	setpriv --reuid nobody --regid nogroup --init-groups
accept "$M" "port 25 as root"
accept "$P" "port 25 as root"

# --- the milter's public suffix list ---
conf "public_suffix_list = $T/no-psl"
refuse "$M" "missing public_suffix_list" "$C:5: public_suffix_list: $T/no-psl: No such file or directory"

# --- all of them at once: each on its own line ---
conf "user = nobody" "relay_networks = file:$T/missing" "deny_networks = file:$T/secret"
out=$("$P" -n -c "$C" 2>&1 >/dev/null)
tmx_expect "every problem reported" "$(printf '%s\n' "$out" | wc -l)" 2

# --- a list anyone may change: a warning, not a failure ---
conf "relay_networks = file:$T/open"
for d in "$M" "$P"; do
	accept "$d" "list writable by all"
	tmx_expect "list writable by all: $(basename "$d") warns" "$OUT" \
		"$(basename "$d"): warning: $C:9: relay_networks: file:$T/open: writable by every user (mode 0666)"
done

# --- relay_networks and allow_networks meeting: a warning, not a failure ---
conf "relay_networks = file:$T/relays" "allow_networks = 192.0.2.128/25"
for d in "$M" "$P"; do
	accept "$d" "relay/allow overlap"
	tmx_expect "relay/allow overlap: $(basename "$d") warns" "$OUT" \
		"$(basename "$d"): warning: 192.0.2.128/25 (allow_networks: 192.0.2.128/25) overlaps relay_networks (relay_networks: file:$T/relays); relay_networks wins in trustmx-milter (relay recovery)"
done
conf "allow_networks = 203.0.113.0/24 file:$T/missing"
refuse "$M" "missing allow_networks file" "$T/missing: No such file or directory (allow_networks, set at $C:9)"
refuse "$P" "missing allow_networks file" "$C:9: allow_networks: file:$T/missing: No such file or directory"

# --- the start stops on the same check, with the same words ---
conf "relay_networks = spf:relays.example" "spf_cache_dir = $T/rootonly"
want="$C:6: spf_cache_dir: $T/rootonly: user nobody cannot create files in it: Permission denied"
for d in "$M" "$P"; do
	out=$(timeout 20 "$d" -f -c "$C" 2>&1)
	rc=$?
	[ "$rc" = 1 ] || tmx_fail "start: $(basename "$d") exited $rc: $out"
	tmx_expect "start: $(basename "$d")" "$(printf '%s\n' "$out" | grep fatal)" \
		"$(basename "$d"): fatal: $want"
done
tmx_finish
