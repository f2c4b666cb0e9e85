#!/bin/bash
# milter-relay-mtas.sh - relay recovery through three real backup MXes:
# Postfix (192.0.2.25), Exim 4.96 (192.0.2.26) and OpenSMTPD 6.8
# (192.0.2.27), all in relay_networks, each with its own default Received
# header and HELO checks. Clients with hostile HELOs (an address literal
# that SPF allows, parentheses, " by ", "helo=", 900 characters, IPv6)
# hand mail to each backup, which relays it at once to the primary Postfix
# running trustmx-milter. Every delivered message must be judged on the
# client that really connected to the relay (spf=fail for 203.0.113.66,
# or spf=none when the line cannot be read), never on the address the
# client claimed; a HELO the backup refuses is safe and reported as such.
# One honest client per relay must pass SPF through recovery.
#
# Exim and OpenSMTPD conflict with postfix as Debian packages: they run
# from the tree scripts/relay-mtas.sh unpacks (fetched before entering the
# namespace, which has no network).
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
if [ -z "${TMX_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || tmx_skip "real-stack tests need root (namespaces)"
	bash "$TMX_SRCDIR/scripts/relay-mtas.sh"
	rc=$?
	[ "$rc" = 77 ] && exit 77
	[ "$rc" = 0 ] || {
		echo "FAIL: scripts/relay-mtas.sh could not fetch or unpack Exim and OpenSMTPD" >&2
		exit 1
	}
fi
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
. "$TMX_SRCDIR/scripts/relay-mtas.sh"
tmx_need swaks postfix opendkim-genkey
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"
EXIM=$TMX_MTA_ROOT/usr/sbin/exim4
SMTPD=$TMX_MTA_ROOT/usr/sbin/smtpd
if ! [ -x "$EXIM" ] || ! [ -x "$SMTPD" ]; then
	echo "FAIL: no Exim or OpenSMTPD in $TMX_MTA_ROOT" >&2
	exit 1
fi

PF_RELAY=192.0.2.25
EXIM_RELAY=192.0.2.26
SMTPD_RELAY=192.0.2.27
PF_PORT=2626
EXIM_PORT=2727
SMTPD_PORT=2828
for a in $PF_RELAY $EXIM_RELAY $SMTPD_RELAY 203.0.113.9 203.0.113.66 \
	2001:db8::9 2001:db8::66; do
	tmx_addr "$a"
done
mt_dns "TXT sender6.example v=spf1 ip6:2001:db8::9 -all" \
	"TXT _dmarc.sender6.example v=DMARC1; p=reject" || exit 1
# The Postfix relay is read in auto mode, the other two pinned to their
# MTA's layout, so both ways of reading meet every hostile HELO.
mt_config "dmarc_reject = yes" \
	"relay_networks = $PF_RELAY, $EXIM_RELAY, $SMTPD_RELAY" \
	"relay_format = auto, exim:$EXIM_RELAY/32, opensmtpd:$SMTPD_RELAY/32"
mt_milter_start || exit 1

# --- the primary, and the Postfix backup (as in milter-relay.sh) ---
mt_primary_init
mt_backup_init $PF_RELAY "127.0.0.1:$PF_PORT" "[::1]:$PF_PORT"

# exim_stop - at exit: Exim's daemon (a tmx_bg too) and what it forked
exim_stop() {
	[ -s "$TMX_TMP/exim/exim.pid" ] &&
		kill "$(cat "$TMX_TMP/exim/exim.pid")" 2>/dev/null
	return 0
}

# exim_start - Exim from the unpacked tree, started by root with -C (no
# ALT_CONFIG or trusted-config list needed for root) and its own config,
# spool and log under $TMX_TMP/exim. The daemon runs as the compiled-in
# exim_user Debian-exim, which owns them; it re-executes itself (setuid
# root) for deliveries and queue runs, so exim_path names the unpacked
# binary. It relays test.example to the primary from $EXIM_RELAY; no TLS
# offered (no certificate). No received_header_text, host_lookup or HELO
# options: Exim's defaults, which write "from [ADDR] (helo=HELO)" and
# refuse (501 "Syntactically invalid EHLO argument(s)") a HELO with
# characters other than letters, digits, '-' and '.' (spaces, '(', ')',
# '=', a bare IPv6 address's ':'), unless it is a valid address literal.
exim_start() {
	d=$TMX_TMP/exim
	mkdir -p "$d/spool" "$d/log"
	chown -R Debian-exim:Debian-exim "$d"
	cat >"$d/exim.conf" <<-EOF
		primary_hostname = exim.relay.example
		exim_path = $EXIM
		spool_directory = $d/spool
		log_file_path = $d/log/%slog
		pid_file_path = $d/exim.pid
		local_interfaces = <; 127.0.0.1.$EXIM_PORT ; ::1.$EXIM_PORT
		tls_advertise_hosts =
		domainlist relay_to_domains = test.example
		acl_smtp_rcpt = acl_check_rcpt

		begin acl
		acl_check_rcpt:
		  accept domains = +relay_to_domains
		  deny message = relaying denied

		begin routers
		primary:
		  driver = manualroute
		  domains = +relay_to_domains
		  route_list = * 127.0.0.1
		  self = send
		  transport = to_primary

		begin transports
		to_primary:
		  driver = smtp
		  port = 2525
		  interface = $EXIM_RELAY
		  allow_localhost

		begin retry
		* * F,10m,5s
	EOF
	"$EXIM" -C "$d/exim.conf" -bV >"$d/bV.log" 2>&1 ||
		{ cat "$d/bV.log" >&2; return 1; }
	tmx_bg exim "$EXIM" -C "$d/exim.conf" -bdf -q10s
	tmx_at_exit exim_stop
	tmx_wait_port 127.0.0.1 $EXIM_PORT 10 || {
		cat "$TMX_TMP/exim.log" "$d"/log/* >&2
		return 1
	}
}

# smtpd_start - OpenSMTPD from the unpacked tree in the foreground (-d).
# Its queue (/var/spool/smtpd) and control socket (/run/smtpd.sock) are
# compiled in: a nested mount namespace gives it a scratch spool and an
# empty /run, so nothing of the host's is touched. Default Received
# header and HELO checks.
smtpd_start() {
	d=$TMX_TMP/smtpd
	mkdir -p "$d/spool"
	chmod 711 "$d/spool"
	cat >"$d/smtpd.conf" <<-EOF
		listen on 127.0.0.1 port $SMTPD_PORT hostname smtpd.relay.example
		listen on ::1 port $SMTPD_PORT hostname smtpd.relay.example
		action "relay" relay host smtp://127.0.0.1:2525 src $SMTPD_RELAY helo smtpd.relay.example
		match from any for domain "test.example" action "relay"
	EOF
	chmod 644 "$d/smtpd.conf"
	"$SMTPD" -n -f "$d/smtpd.conf" >"$d/check.log" 2>&1 ||
		{ cat "$d/check.log" >&2; return 1; }
	# shellcheck disable=SC2016 # expanded by the inner sh
	tmx_bg smtpd unshare --mount --propagation private -- sh -c '
		mount -t tmpfs -o mode=755 tmpfs /run &&
		mount --bind "$1" /var/spool/smtpd &&
		exec "$2" -d -f "$3"' sh "$d/spool" "$SMTPD" "$d/smtpd.conf"
	tmx_wait_port 127.0.0.1 $SMTPD_PORT 10 || {
		cat "$TMX_TMP/smtpd.log" >&2
		return 1
	}
}

tmx_postfix_use primary
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1
tmx_postfix_use backup
tmx_postfix_start || exit 1
tmx_wait_listen $PF_PORT || exit 1
exim_start || { echo "FAIL: Exim did not start" >&2; exit 1; }
smtpd_start || { echo "FAIL: OpenSMTPD did not start" >&2; exit 1; }

# relay_port RELAY - the port the named backup listens on
relay_port() {
	case $1 in
	postfix) echo $PF_PORT ;;
	exim) echo $EXIM_PORT ;;
	opensmtpd) echo $SMTPD_PORT ;;
	esac
}

# The cases: name, client, HELO, MAIL FROM, what the A-R must say. The
# claimed address (203.0.113.9 / 2001:db8::9) is the one SPF allows.
# LONG is a 900-character host name; LONGLIT as long, ending in a forged
# "(unknown [203.0.113.9]" past any 256-byte name buffer.
LONG=$(printf 'a%.0s' $(seq 1 892)).example
LONGLIT=$(printf 'b%.0s' $(seq 1 876))') (unknown [203.0.113.9]'
CASES="literal hostile-v6 bare-ip bare-ip6 paren by-name helo-eq lit-by long
	long-lit honest honest-v6"

# case_client CASE - the address the client really connects from
case_client() {
	case $1 in
	honest) echo 203.0.113.9 ;;
	honest-v6) echo 2001:db8::9 ;;
	hostile-v6 | bare-ip6) echo 2001:db8::66 ;;
	*) echo 203.0.113.66 ;;
	esac
}

# case_helo CASE - what the client says in EHLO
case_helo() {
	case $1 in
	literal) echo '[203.0.113.9]' ;;
	hostile-v6) echo '[IPv6:2001:db8::9]' ;;
	bare-ip) echo '203.0.113.9' ;;
	bare-ip6) echo '2001:db8::9' ;;
	paren) echo 'x) (unknown [203.0.113.9]' ;;
	by-name) echo 'evil by x.example' ;;
	helo-eq) echo 'helo=[203.0.113.9]' ;;
	lit-by) echo '[203.0.113.9]) by relay (' ;;
	long) echo "$LONG" ;;
	long-lit) echo "$LONGLIT" ;;
	honest) echo mail.sender.example ;;
	honest-v6) echo mail.sender6.example ;;
	esac
}

# case_sender CASE - the MAIL FROM (and From:) address
case_sender() {
	case $1 in
	*6) echo a@sender6.example ;;
	*) echo a@sender.example ;;
	esac
}

# case_must CASE - the ERE the A-R must match
case_must() {
	case $1 in
	honest) echo 'spf=pass \(client 203\.0\.113\.9 recovered from the Received line of trusted relay 192\.0\.2\.2[5-7], read as (postfix|exim|opensmtpd)' ;;
	honest-v6) echo 'spf=pass \(client 2001:db8::9 recovered from the Received line of trusted relay 192\.0\.2\.2[5-7], read as (postfix|exim|opensmtpd)' ;;
	hostile-v6 | bare-ip6) echo 'spf=fail \(client 2001:db8::66 recovered|spf=none' ;;
	*) echo 'spf=fail \(client 203\.0\.113\.66 recovered|spf=none' ;;
	esac
}

# case_never CASE - the ERE the A-R must never match (the claimed client);
# nothing for the honest clients, who claim what they are
case_never() {
	case $1 in
	honest | honest-v6) ;;
	hostile-v6 | bare-ip6) echo 'client 2001:db8::9([^0-9a-fA-F:]|$)' ;;
	*) echo 'client 203\.0\.113\.9([^0-9]|$)' ;;
	esac
}

# case_accepted CASE - true when every relay must take this HELO: valid
# address literals and honest names (refusing them is no safe answer)
case_accepted() {
	case $1 in
	literal | hostile-v6 | honest | honest-v6) return 0 ;;
	esac
	return 1
}

declare -A SENT	# RELAY-CASE: ok, refused (5xx to EHLO and HELO), failed

# send CASE RELAY - one SMTP session from the case's client to the backup
send() {
	c=$1 r=$2
	id=$r-$c
	ip=$(case_client "$c")
	server=127.0.0.1
	case $ip in *:*) server=::1 ;; esac
	from=$(case_sender "$c")
	out=$TMX_TMP/swaks-$id.log
	swaks --server "$server" --port "$(relay_port "$r")" \
		--local-interface "$ip" --timeout 20 --helo "$(case_helo "$c")" \
		--from "$from" --to user@test.example \
		--data "$(mt_msg "$id" "$from")" >"$out" 2>&1
	if awk '/^ -> DATA/ { d = 1 } d && /^<-  *250 / { ok = 1 }
		END { exit !ok }' "$out"; then
		SENT[$id]=ok
	elif awk '/^ -> (EHLO|HELO) / { h = 1; next }
		h && /^<\*\*  *5[0-9][0-9]/ { bad = 1 } /^ -> / { h = 0 }
		END { exit !bad }' "$out"; then
		SENT[$id]=refused
	else
		SENT[$id]=failed
	fi
}

# wait_deliveries SECONDS - until every accepted case was delivered, or
# the time is up (judge then reports what is missing)
wait_deliveries() {
	deadline=$((SECONDS + $1))
	for id in "${!SENT[@]}"; do
		[ "${SENT[$id]}" = ok ] || continue
		until mt_delivered "$id" 0 >/dev/null; do
			[ $SECONDS -ge $deadline ] && return 1
			sleep 0.2
		done
	done
}

# relay_received FILE - the relay's Received line: the second from the
# top (the first is the primary's), unfolded, its middle cut when long
relay_received() {
	mt_headers "$1" | grep -i '^Received:' | sed -n 2p |
		awk '{ if (length($0) > 300)
			$0 = substr($0, 1, 100) "...(" length($0) " chars)..." \
				substr($0, length($0) - 149)
			print }'
}

# swaks_error ID - the first error line of a session's transcript
swaks_error() {
	grep -E '^(<\*\*|\*\*\*)' "$TMX_TMP/swaks-$1.log" | head -1 |
		sed 's/^<\*\* *//'
}

declare -A RIGHT REFUSED	# per relay: judged right, HELO refused

# judge CASE RELAY - check one case and print its line
judge() {
	c=$1 r=$2
	id=$r-$c
	helo=$(case_helo "$c")
	[ ${#helo} -gt 40 ] && helo="${helo:0:30}...(${#helo} chars)"
	case ${SENT[$id]:-failed} in
	refused)
		printf '%-9s %-10s HELO %-34s REFUSED by the relay: %s\n' \
			"$r" "$c" "$helo" "$(swaks_error "$id")"
		if case_accepted "$c"; then
			tmx_fail "$id: $r refused a HELO it must take"
		else
			REFUSED[$r]=$((${REFUSED[$r]:-0} + 1))
			tmx_pass
		fi
		return 0 ;;
	failed)
		tmx_fail "$id: $r did not take the message: $(swaks_error "$id")"
		return 0 ;;
	esac
	f=$(mt_delivered "$id" 0) || {
		tmx_fail "$id: accepted by $r but never delivered"
		return 0
	}
	ar=$(mt_ar "$id")
	spf=$(printf '%s\n' "$ar" | grep -o 'spf=[^;]*' | head -1)
	printf '%-9s %-10s HELO %-34s %s\n%31s %s\n' "$r" "$c" "$helo" "$spf" \
		"relay wrote:" "$(relay_received "$f")"
	must=$(case_must "$c")
	never=$(case_never "$c")
	if ! printf '%s\n' "$ar" | grep -Eq -- "$must"; then
		tmx_fail "$id: A-R does not match /$must/: $ar"
	elif [ -n "$never" ] && printf '%s\n' "$ar" | grep -Eq -- "$never"; then
		tmx_fail "$id: A-R names the claimed client (/$never/): $ar"
	else
		RIGHT[$r]=$((${RIGHT[$r]:-0} + 1))
		tmx_pass
	fi
}

RELAYS="postfix exim opensmtpd"
for r in $RELAYS; do
	for c in $CASES; do
		send "$c" "$r"
	done
done
wait_deliveries 30
for r in $RELAYS; do
	for c in $CASES; do
		judge "$c" "$r"
	done
done

# no backup bounced anything back to a (possibly forged) sender
n=$(tmx_postfix_count 'status=bounced')	# the backup is the current instance
[ "$n" = 0 ] || tmx_fail "the Postfix backup bounced $n messages"
grep -q ' \*\* ' "$TMX_TMP/exim/log/mainlog" 2>/dev/null &&
	tmx_fail "Exim bounced: $(grep ' \*\* ' "$TMX_TMP/exim/log/mainlog" | head -3)"
grep -q 'result="PermFail"' "$TMX_TMP/smtpd.log" &&
	tmx_fail "OpenSMTPD bounced: $(grep 'result="PermFail"' "$TMX_TMP/smtpd.log" | head -3)"

ncases=$(wc -w <<<"$CASES")
line="summary: $ncases cases per relay:"
right=0 refused=0
for r in $RELAYS; do
	line="$line $r ${RIGHT[$r]:-0} right + ${REFUSED[$r]:-0} refused;"
	right=$((right + ${RIGHT[$r]:-0}))
	refused=$((refused + ${REFUSED[$r]:-0}))
done
wrong=$((ncases * 3 - right - refused))
echo "$line $wrong wrong -> $(tmx_failed && echo FAIL || echo PASS)"
if tmx_failed; then
	echo "--- milter log" >&2
	tail -40 "$MT_LOG" >&2
fi
tmx_finish
