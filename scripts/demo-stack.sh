#!/bin/bash
# demo-stack.sh - the demo, run by demo.sh inside its own network namespace:
# the README's topology (test/stack/topology.sh, configured from etc/examples/)
# carries a scripted set of messages, then a report. Not called directly.
#   --keep   leave everything running and print commands to poke at it
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/haproxy.sh"
. "$TMX_SRCDIR/test/stack/policyd.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
. "$TMX_SRCDIR/test/stack/topology.sh"
keep=${1:-}
start=$(date +%s)

# demo_title CASE - one line saying what the message is
demo_title() {
	case $1 in
	good) echo "a good direct sender (SPF, DKIM and DMARC pass)" ;;
	forged) echo "a forged sender (SPF fail, DMARC p=reject)" ;;
	dkim-only) echo "forwarded mail (SPF fail, DKIM aligned)" ;;
	failover) echo "through the backup MX while the primary is down" ;;
	denied-25) echo "a client in deny_networks, port 25" ;;
	denied-587) echo "a client in deny_networks, port 587" ;;
	esac
}

# demo_ar FILE - an Authentication-Results field, one method a line
demo_ar() {
	sed -E 's/^Authentication-Results: *//; s/; *([a-z]+=)/;\n               \1/g' "$1"
}

echo "trustmx demo: HAProxy (PROXY v2) -> postscreen/smtpd -> trustmx-policyd,"
echo "trustmx-milter; a backup MX; DNS with SPF, DKIM, DMARC. Starting..."
st_up || { echo "the stack did not start" >&2; exit 1; }
st_scenario || { echo "the scenario did not complete" >&2; exit 1; }
echo "Messages done; now three health-check recipes against a scratch Postfix..."
st_recipes 4 || { echo "the recipes did not run" >&2; exit 1; }

n=0
for c in $ST_CASES; do
	n=$((n + 1))
	echo
	printf '%d. %s\n' "$n" "$(demo_title "$c")"
	printf '   path       %s\n' "$(cat "$ST_RES/$c.path")"
	printf '   verdict    %s\n' "$(cat "$ST_RES/$c.verdict")"
	if [ -s "$ST_RES/$c.ar" ]; then
		printf '   A-R        %s\n' "$(demo_ar "$ST_RES/$c.ar")"
	fi
	if [ "$c" = failover ]; then
		printf '   backup     deferred while the primary was down (%s)\n' "${ST_DEFERRED:-?}"
	fi
done

echo
echo "== Health checks (HAProxy: check-send-proxy + option smtpchk, every 1s)"
for b in postscreen smtpd; do
	printf '   %-10s  server %s, last check %s; %s failed, %s DOWN (the failover)\n' \
		"$b" "$(st_ha_status $b)" "$(st_ha_field $b check_status)" \
		"$(st_ha_field $b chkfail)" "$(st_ha_field $b chkdown)"
done
echo "   checks that reached postscreen, each ending in HELO and QUIT: $(st_checks postscreen)"
echo "   checks that reached smtpd (587), each ending in HELO and QUIT: $(st_checks submission)"
echo
echo "== Three health-check recipes, 4s each at inter 250ms (a scratch Postfix 3.7)"
printf '   %-48s %-11s %-9s %5s %7s\n' recipe postscreen smtpd fatal warning
for r in $ST_RECIPES; do
	case $r in
	a) t="A  check check-send-proxy (a TCP check)" ;;
	b) t="B  + option smtpchk" ;;
	c) t="C  + option smtpchk, proxy permitted (trustmx)" ;;
	esac
	printf '   %-48s %-11s %-9s %5s %7s\n' "$t" \
		"$(cat "$ST_RES/recipe-$r.postscreen")" "$(cat "$ST_RES/recipe-$r.smtpd")" \
		"$(cat "$ST_RES/recipe-$r.fatal")" "$(cat "$ST_RES/recipe-$r.warning")"
	sed 's/^/        /' "$ST_RES/recipe-$r.examples"
done
fatals=$(st_problems 'fatal|panic' | wc -l)
warnings=$(st_problems 'warning|error' | wc -l)
echo
echo "== Postfix (primary and backup): $fatals fatal, $warnings warnings"
st_problems 'fatal|panic|warning|error' | sed 's/^/   /'

echo
echo "finished in $(($(date +%s) - start))s; configuration: etc/examples/"
if [ "$keep" = --keep ]; then
	cat <<EOF

Everything keeps running. In another shell (as root):
  nsenter -t $$ -n -m                 # enter the demo's namespace, then:
  swaks --server $ST_LB:25 --local-interface $ST_GOOD --from a@sender.example --to user@example.org
  swaks --server $ST_LB:587 --local-interface $ST_DENIED --to user@example.org
  postmap -c $ST_PRIMARY/etc -q $ST_LB socketmap:inet:127.0.0.1:10041:postscreen
  postmap -c $ST_PRIMARY/etc -q $ST_DENIED socketmap:inet:127.0.0.1:10041:postscreen
  bash -c 'exec 3<>/dev/tcp/127.0.0.1/$ST_STATS; printf "GET /stats;csv HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3'
  postqueue -c $ST_BACKUP_PF/etc -p    # the backup MX's queue
  ls $MT_MAIL/Maildir/new              # delivered mail
Logs: $ST_PRIMARY_LOG (primary), $ST_BACKUP_LOG (backup),
  $TMX_TMP/haproxy.log, $PD_LOG (policyd), $MT_LOG (milter)
Configuration: $ST_CONF, $ST_PRIMARY/etc/main.cf, $ST_EX/haproxy.cfg
Press Enter to stop.
EOF
	read -r _
fi
[ "$fatals" = 0 ]
