# topology.sh - the whole topology of the README, shared by
# scripts/demo-stack.sh (which reports) and test/e2e/e2e-topology.sh (which
# asserts): HAProxy with PROXY v2 and health checks in front of postscreen
# and smtpd, trustmx-policyd and trustmx-milter, a backup MX Postfix,
# hermetic DNS with SPF, DKIM and DMARC. Configuration comes verbatim from
# etc/examples/, plus the few lines a scratch instance needs (st_*_init
# below say which).
#
# Source after netns.sh (tmx_enter), assert.sh, dns.sh, postfix.sh,
# haproxy.sh, policyd.sh and milter.sh:
#   st_up                      # everything running; $ST_* below
#   st_scenario                # the scripted messages; $ST_RES/CASE.*
#   st_recipes SECONDS         # the three health-check recipes, measured
#   tmx_postfix_use primary|backup   # point postfix.sh's helpers at one
#   st_checks / st_ha_status BACKEND / st_problems

# shellcheck disable=SC2034 # ST_* are for the scripts that source this
ST_EX=$TMX_SRCDIR/etc/examples
ST_LB=192.0.2.1              # HAProxy: the public MX address
ST_MX=192.0.2.10             # the primary MX, behind HAProxy
ST_BACKUP=198.51.100.25      # the backup MX (relay_networks)
ST_GOOD=203.0.113.9          # mail.sender.example, sender.example's MTA
ST_FWD=203.0.113.77          # lists.forwarder.example, a forwarder
ST_FORGER=198.51.100.66      # a forger
ST_DENIED=192.0.2.66         # in deny_networks
ST_STATS=8404
ST_CONF=$TMX_TMP/trustmx.conf
ST_RES=$TMX_TMP/results
ST_CASES="good forged dkim-only failover denied-25 denied-587"

# st_conf_lines FILE - a main.cf-syntax file as one "key = value" per line
st_conf_lines() {
	sed -e 's/#.*//' "$1" | awk '
		/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
		{ if (line ~ /=/) print line; line = $0 }
		END { if (line ~ /=/) print line }'
}

# st_postconf FILE - apply a main.cf-syntax file to the current instance
st_postconf() {
	st_conf_lines "$1" | while IFS= read -r kv; do
		tmx_postfix_set "$kv" || return 1
	done
}

# st_master FILE - append a master.cf file's service lines
st_master() {
	grep -v '^#' "$1" >>"$TMX_PF/etc/master.cf"
}

# st_dns - the sender domains: SPF, DKIM keys made now, DMARC; host names
st_dns() {
	tmx_dns_zone \
		"ZONE example" \
		"ZONE example.org" \
		"ZONE in-addr.arpa" \
		"A mx.example.org $ST_LB" \
		"A mx1.example.org $ST_MX" \
		"A mx2.backup-mx.example $ST_BACKUP" \
		"A mail.sender.example $ST_GOOD" \
		"A lists.forwarder.example $ST_FWD" \
		"MX example.org 10 mx.example.org" \
		"MX example.org 20 mx2.backup-mx.example" || return 1
	# sender.example sends only from its own MTA, signs, p=reject
	tmx_dns_zone \
		"TXT sender.example v=spf1 ip4:$ST_GOOD -all" \
		"TXT _dmarc.sender.example v=DMARC1; p=reject" || return 1
	mt_key sender.example s1 || return 1
	# news.example sends from an ESP; its mail also reaches us through
	# a forwarder (SPF fails there, the DKIM signature survives)
	tmx_dns_zone \
		"TXT news.example v=spf1 ip4:203.0.113.40 -all" \
		"TXT _dmarc.news.example v=DMARC1; p=reject" || return 1
	mt_key news.example s2 || return 1
	tmx_dns_start "timeout:1 attempts:1"
}

# st_trustmx_conf - etc/examples/trustmx.conf, plus where a scratch run
# keeps its cache and which account the daemons become
st_trustmx_conf() {
	mkdir -p "$TMX_TMP/spf-cache"
	chown nobody "$TMX_TMP/spf-cache"
	{
		cat "$ST_EX/trustmx.conf"
		echo
		echo "# --- local to this scratch run (st_trustmx_conf) ---"
		echo "user = nobody"
		echo "spf_cache_dir = $TMX_TMP/spf-cache"
	} >"$ST_CONF"
	chmod 644 "$ST_CONF"
	PD_CONF=$ST_CONF MT_CONF=$ST_CONF
}

# st_daemons - trustmx-policyd and trustmx-milter, one configuration
st_daemons() {
	: "${TRUSTMX_POLICYD:?TRUSTMX_POLICYD not set}"
	: "${TRUSTMX_MILTER:?TRUSTMX_MILTER not set}"
	"$TRUSTMX_POLICYD" -n -c "$ST_CONF" >"$TMX_TMP/policyd-check.log" 2>&1 || {
		cat "$TMX_TMP/policyd-check.log" >&2
		return 1
	}
	"$TRUSTMX_MILTER" -n -c "$ST_CONF" >"$TMX_TMP/milter-check.log" 2>&1 || {
		cat "$TMX_TMP/milter-check.log" >&2
		return 1
	}
	: >"$TMX_TMP/policyd.log"
	pd_start || return 1
	MT_SOCK='' mt_milter_start || return 1	# it listens on inet:8895
	tmx_wait_listen 8895 10040 10041
}

# st_primary_init - the primary MX: examples' main.cf and master.cf, plus
# Maildir delivery and scratch-instance settings (st_primary_local)
st_primary_init() {
	tmx_postfix_init primary
	ST_PRIMARY=$TMX_PF ST_PRIMARY_LOG=$TMX_PF_LOG
	mkdir -p "$MT_MAIL"
	chown nobody:nogroup "$MT_MAIL"
	tmx_postfix_set \
		"syslog_name = postfix" \
		"myhostname = mx1.example.org" \
		"mydomain = example.org" \
		"myorigin = example.org" \
		"mydestination =" \
		"virtual_mailbox_domains = example.org" \
		"virtual_transport = virtual" \
		"virtual_mailbox_base = $MT_MAIL" \
		"virtual_mailbox_maps = static:Maildir/" \
		"virtual_uid_maps = static:$(id -u nobody)" \
		"virtual_gid_maps = static:$(id -g nobody)" \
		"virtual_minimum_uid = 1" \
		"postscreen_greet_wait = 1s" || return 1
	tmx_postfix_service "virtual   unix  -       n       n       -       -       virtual"
	st_postconf "$ST_EX/main.cf" || return 1
	st_master "$ST_EX/master.cf"
}

# st_backup_init - the backup MX, a second instance in $TMX_TMP/backup
st_backup_init() {
	tmx_postfix_init backup
	ST_BACKUP_PF=$TMX_PF ST_BACKUP_LOG=$TMX_PF_LOG
	tmx_postfix_set \
		"syslog_name = postfix-backup" \
		"myhostname = mx2.backup-mx.example" \
		"mydomain = backup-mx.example" \
		"myorigin = backup-mx.example" \
		"mydestination =" \
		"inet_interfaces = $ST_BACKUP" \
		"smtp_connect_timeout = 2s" \
		"smtp_helo_timeout = 5s" || return 1
	st_postconf "$ST_EX/backup-main.cf" || return 1
	st_master "$ST_EX/backup-master.cf"
}

# st_ha_field BACKEND COLUMN - one column of the backend's server mx1
# (the lab's HAProxy while st_recipes runs)
st_ha_field() {
	tmx_haproxy_field "${ST_HA_PORT:-$ST_STATS}" "$1" mx1 "$2"
}

# st_ha_status BACKEND - UP, DOWN, ... for the backend's server
st_ha_status() {
	st_ha_field "$1" status
}

# st_ha_up - both servers are UP
st_ha_up() {
	[ "$(st_ha_status postscreen)" = UP ] && [ "$(st_ha_status smtpd)" = UP ]
}

# st_ha_wait_up [SECONDS] - until both servers are UP
st_ha_wait_up() {
	tmx_until "${1:-15}" st_ha_up || { echo "HAProxy servers not UP" >&2; return 1; }
}

# st_up - the whole topology
st_up() {
	for a in $ST_LB $ST_MX $ST_BACKUP $ST_GOOD $ST_FWD $ST_FORGER $ST_DENIED; do
		tmx_addr "$a"
	done
	mkdir -p "$ST_RES"
	st_dns || return 1
	st_trustmx_conf
	pd_init
	st_daemons || return 1
	st_primary_init || return 1
	st_backup_init || return 1
	tmx_postfix_use primary
	tmx_postfix_start || return 1
	tmx_postfix_use backup
	tmx_postfix_start || return 1
	tmx_haproxy_start "$ST_EX/haproxy.cfg" $ST_STATS || return 1
	st_ha_wait_up 15
}

# st_send CASE CLIENT SERVER MAILFROM FILE - one SMTP session (mt_send);
# transcript in $ST_RES/CASE.smtp
st_send() {
	MT_SERVER=$3 MT_HELO=$(st_helo "$2") MT_RCPT=user@example.org \
		mt_send "$1" "$2" "$4" "$5"
	cp "$MT_OUT" "$ST_RES/$1.smtp"
}

# st_helo ADDR - the host name a client says HELO with
st_helo() {
	case $1 in
	"$ST_GOOD") echo mail.sender.example ;;
	"$ST_FWD") echo lists.forwarder.example ;;
	*) echo client.example ;;
	esac
}

# st_record CASE PATH - write the case's path, verdict and header
st_record() {
	printf '%s\n' "$2" >"$ST_RES/$1.path"
	wait_=10
	grep -Eq '^<- +250 .*queued as' "$ST_RES/$1.smtp" || wait_=1
	if f=$(mt_delivered "$1" $wait_); then
		echo delivered >"$ST_RES/$1.verdict"
		mt_headers "$f" | grep -i '^Authentication-Results:' >"$ST_RES/$1.ar"
		mt_headers "$f" | grep -i '^Received:' >"$ST_RES/$1.received"
	else
		rej=$(grep -E '^<\*\* ' "$ST_RES/$1.smtp" | tail -1 | sed 's/^<\*\* *//')
		[ -z "$rej" ] && rej=$(grep -E '^\*\*\* ' "$ST_RES/$1.smtp" | tail -1 | sed 's/^\*\*\* *//')
		echo "rejected: ${rej:-no answer}" >"$ST_RES/$1.verdict"
		: >"$ST_RES/$1.ar"
	fi
}

# st_ps_outcome ADDR - what postscreen decided for ADDR (last time)
st_ps_outcome() {
	grep -Eo "postscreen\[[0-9]+\]: (PASS NEW|PASS OLD|ALLOWLISTED|DENYLISTED) \[$(echo "$1" | sed 's/\./\\./g')\]" \
		"$ST_PRIMARY_LOG" | tail -1 | sed 's/.*: \(.*\) \[.*/\1/'
}

# st_pd_outcome ADDR - trustmx-policyd's last answer for ADDR at smtpd
st_pd_outcome() {
	grep -F "client_address=$1: " "$PD_LOG" | tail -1 | sed 's/.*: //' |
		awk '{ print $1 }'
}

# st_scenario - the scripted messages, each recorded in $ST_RES
st_scenario() {
	f=$(mt_signed good sender.example s1 'Alice <alice@sender.example>') || return 1
	st_send good $ST_GOOD $ST_LB:25 alice@sender.example "$f"
	st_record good "$ST_GOOD -> HAProxy :25 -> postscreen ($(st_ps_outcome $ST_GOOD)) -> smtpd (policy $(st_pd_outcome $ST_GOOD)) -> milter"

	f=$(mt_msg forged 'Alice <alice@sender.example>')
	st_send forged $ST_FORGER $ST_LB:25 alice@sender.example "$f"
	st_record forged "$ST_FORGER -> HAProxy :25 -> postscreen ($(st_ps_outcome $ST_FORGER)) -> smtpd (policy $(st_pd_outcome $ST_FORGER)) -> milter"

	f=$(mt_signed dkim-only news.example s2 'News <news@news.example>') || return 1
	st_send dkim-only $ST_FWD $ST_LB:25 news@news.example "$f"
	st_record dkim-only "$ST_FWD (a forwarder) -> HAProxy :25 -> postscreen ($(st_ps_outcome $ST_FWD)) -> smtpd (policy $(st_pd_outcome $ST_FWD)) -> milter"

	st_failover || return 1

	st_send denied-25 $ST_DENIED $ST_LB:25 x@client.example "$(mt_msg denied-25 x@client.example)"
	tmx_postfix_wait "DENYLISTED \[$ST_DENIED\]" 5 >/dev/null
	st_record denied-25 "$ST_DENIED -> HAProxy :25 -> postscreen ($(st_ps_outcome $ST_DENIED))"
	st_send denied-587 $ST_DENIED $ST_LB:587 x@client.example "$(mt_msg denied-587 x@client.example)"
	st_record denied-587 "$ST_DENIED -> HAProxy :587 -> smtpd (policy $(st_pd_outcome $ST_DENIED))"
}

# st_failover - the primary is stopped; a sender uses the backup MX, which
# queues; the primary returns; the backup delivers through HAProxy
st_failover() {
	tmx_postfix_use primary
	tmx_postfix_stop
	tmx_haproxy_wait $ST_STATS postscreen mx1 DOWN 15 || return 1
	tmx_postfix_use backup
	st_send failover $ST_GOOD $ST_BACKUP:25 bob@sender.example \
		"$(mt_msg failover 'Bob <bob@sender.example>')"
	tmx_postfix_wait 'to=<user@example.org>.*status=deferred' 20 || return 1
	ST_DEFERRED=$(grep 'to=<user@example.org>.*status=deferred' "$ST_BACKUP_LOG" |
		tail -1 | sed 's/.*status=deferred (\(.*\))$/\1/')
	tmx_postfix_use primary
	tmx_postfix_start || return 1
	st_ha_wait_up 15 || return 1
	postqueue -c "$ST_BACKUP_PF/etc" -f
	tmx_postfix_use backup
	tmx_postfix_wait "to=<user@example.org>.*relay=$ST_LB.*status=sent" 20 || return 1
	tmx_postfix_use primary
	st_record failover "$ST_GOOD -> backup MX $ST_BACKUP (primary stopped: deferred) -> primary back -> backup -> HAProxy :25 -> postscreen ($(st_ps_outcome $ST_BACKUP)) -> smtpd (policy $(st_pd_outcome $ST_BACKUP)) -> milter"
}

# st_checks WHICH - health checks that reached Postfix and ended with
# HELO and QUIT: postscreen (port 25) or submission (port 587)
st_checks() {
	lb=$(echo "$ST_LB" | sed 's/\./\\./g')
	case $1 in
	postscreen) grep -Ec "postfix/smtpd\[[0-9]+\]: disconnect from [^ ]*\[$lb\] helo=1 quit=1 commands=2" "$ST_PRIMARY_LOG" ;;
	submission) grep -Ec "postfix/submission/smtpd\[[0-9]+\]: disconnect from [^ ]*\[$lb\] helo=1 quit=1 commands=2" "$ST_PRIMARY_LOG" ;;
	esac
}

# st_problems LEVEL - Postfix log lines of LEVEL (warning|fatal|...) in
# both instances
st_problems() {
	grep -hE ": ($1): " "$ST_PRIMARY_LOG" "$ST_BACKUP_LOG"
}

# --- The three health-check recipes, measured -------------------------
# A scratch Postfix (192.0.2.20) with a postscreen and a PROXY smtpd port
# per recipe; HAProxy probes each pair for SECONDS, and what Postfix
# logged meanwhile is counted. A: check-send-proxy alone (a TCP check);
# B: plus option smtpchk; C: plus the proxy permitted through
# trustmx-policyd (the recipe of etc/examples/haproxy.cfg).
ST_LAB=192.0.2.20
ST_RECIPES="a b c"

# st_lab_init - the scratch instance, every recipe's services
st_lab_init() {
	tmx_addr $ST_LAB
	tmx_postfix_init lab
	tmx_postfix_set "syslog_name = lab" "myhostname = lab.example.org" \
		"postscreen_upstream_proxy_protocol = haproxy" \
		"postscreen_access_list = permit_mynetworks" \
		"postscreen_greet_wait = 2s" || return 1
	tmx_postfix_service \
		"dnsblog   unix  -       -       n       -       0       dnsblog" \
		"tlsproxy  unix  -       -       n       -       0       tlsproxy"
	n=0
	for r in $ST_RECIPES; do
		n=$((n + 1))
		acl=permit_mynetworks
		[ $r = c ] && acl=$acl,socketmap:inet:127.0.0.1:10041:postscreen
		tmx_postfix_service \
			"$ST_LAB:250$n inet n - n - 1 postscreen" \
			"  -o syslog_name=lab/$r -o smtpd_service_name=smtpd-$r" \
			"  -o postscreen_access_list=$acl" \
			"  -o postscreen_cache_map=btree:\$data_directory/postscreen_cache_$r" \
			"smtpd-$r pass - - n - - smtpd -o syslog_name=lab/$r" \
			"$ST_LAB:587$n inet n - n - - smtpd" \
			"  -o syslog_name=lab/$r -o smtpd_upstream_proxy_protocol=haproxy"
	done
	tmx_postfix_start
}

# st_lab_haproxy RECIPE N - the lab HAProxy's configuration for RECIPE
st_lab_haproxy() {
	opt=
	[ "$1" != a ] && opt="option smtpchk HELO lab.example.org"
	cat <<-EOF
		global
		 	log stdout format raw local0
		defaults
		 	mode tcp
		 	timeout connect 2s
		 	timeout client 10s
		 	timeout server 10s
		frontend stats
		 	mode http
		 	bind 127.0.0.1:8405
		 	stats enable
		 	stats uri /stats
		backend postscreen
		 	$opt
		 	source $ST_LB
		 	server mx1 $ST_LAB:250$2 send-proxy-v2 check check-send-proxy inter 250ms
		backend smtpd
		 	$opt
		 	source $ST_LB
		 	server mx1 $ST_LAB:587$2 send-proxy-v2 check check-send-proxy inter 250ms
	EOF
}

# st_recipes [SECONDS] - run each recipe; $ST_RES/recipe-R.* hold the
# servers' states, Postfix's fatal and warning counts, and an example line
st_recipes() {
	st_lab_init || return 1
	n=0
	for r in $ST_RECIPES; do
		n=$((n + 1))
		st_lab_haproxy $r $n >"$TMX_TMP/haproxy-$r.cfg"
		mark=$(tmx_postfix_mark)
		tmx_haproxy_start "$TMX_TMP/haproxy-$r.cfg" 8405 || return 1
		sleep "${1:-4}"
		ST_HA_PORT=8405
		echo "$(st_ha_status postscreen) $(st_ha_field postscreen check_status)" \
			>"$ST_RES/recipe-$r.postscreen"
		echo "$(st_ha_status smtpd) $(st_ha_field smtpd check_status)" \
			>"$ST_RES/recipe-$r.smtpd"
		ST_HA_PORT=
		tmx_haproxy_stop
		sleep 0.3
		tmx_postfix_since "$mark" >"$TMX_TMP/lab-$r.log"
		grep -Ec ': (fatal|panic): ' "$TMX_TMP/lab-$r.log" >"$ST_RES/recipe-$r.fatal"
		grep -Ec ': (warning|error): ' "$TMX_TMP/lab-$r.log" >"$ST_RES/recipe-$r.warning"
		grep -Ec 'disconnect from .* helo=1 quit=1 commands=2' "$TMX_TMP/lab-$r.log" \
			>"$ST_RES/recipe-$r.checks"
		grep -E ': (fatal|panic|warning|error): ' "$TMX_TMP/lab-$r.log" |
			sed -E 's/^.* lab\//lab\//; s/\[[0-9]+\]//; s/pid [0-9]+/pid N/' |
			sort | uniq -c | sort -rn | head -3 \
			>"$ST_RES/recipe-$r.examples"
	done
	tmx_postfix_stop
	tmx_postfix_use primary
}
