#!/bin/bash
# milter-dmarc.sh - DMARC by RFC 9989 (dmarc_mode = rfc9989, the default)
# through a real Postfix and trustmx-milter, with DNS the test serves: the
# DNS Tree Walk and its names (4.10, from dnsmasq's query log), policy
# discovery (4.10.1: the author's record, the Organizational Domain's, a
# PSD's; p, sp, np), the Organizational Domain (4.10.2: psd=n, below
# psd=y, fewest labels), t=y (4.7), pct ignored (A.6), several records at
# one name, strict and relaxed alignment (3.2.10), alignment across a
# multi-label private suffix as the walk decides it; then dmarc_mode =
# rfc7489 on SIGHUP and the old answers. Each case is judged by its A-R
# and by what Postfix did (550, held, delivered); a table at the end.
set -u
. "$TMX_SRCDIR/test/stack/netns.sh"
tmx_enter "$@"
. "$TMX_SRCDIR/test/stack/assert.sh"
. "$TMX_SRCDIR/test/stack/dns.sh"
. "$TMX_SRCDIR/test/stack/postfix.sh"
. "$TMX_SRCDIR/test/stack/milter.sh"
tmx_need swaks postfix postcat dnsmasq opendkim-genkey
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	tmx_skip "publicsuffix not installed"

GOOD=192.0.2.10		# in every sender's SPF record
BAD=192.0.2.11		# in none
for a in $GOOD $BAD; do
	tmx_addr "$a"
done

mt_key mail.corp.example s1 && mt_key mail.strict.example s1 || exit 1
# "ZONE uk" and "ZONE bank" (mt_dns has "ZONE example"): every name the
# walks ask that is not written here is NXDOMAIN, never REFUSED
mt_dns "ZONE uk" "ZONE bank" \
	"TXT _dmarc.walk.example v=DMARC1; p=none; sp=reject" \
	"TXT walk.example v=spf1 ip4:$GOOD -all" \
	"TXT _dmarc.npsp.example v=DMARC1; p=none; sp=quarantine; np=reject" \
	"TXT npsp.example v=spf1 ip4:$GOOD -all" \
	"A real.npsp.example 192.0.2.200" \
	"TXT _dmarc.bank v=DMARC1; p=reject; psd=y" \
	"TXT giant.bank v=spf1 ip4:$GOOD -all" \
	"TXT _dmarc.own.bank v=DMARC1; p=none" \
	"TXT _dmarc.hosting.co.uk v=DMARC1; p=reject" \
	"TXT _dmarc.tenant.hosting.co.uk v=DMARC1; p=none; sp=quarantine; psd=n" \
	"TXT _dmarc.testing.example v=DMARC1; p=reject; t=y" \
	"TXT _dmarc.testq.example v=DMARC1; p=quarantine; t=y" \
	"TXT _dmarc.pct0.example v=DMARC1; p=reject; pct=0" \
	"TXT pct0.example v=spf1 ip4:$GOOD -all" \
	"TXT _dmarc.dup.example v=DMARC1; p=reject" \
	"TXT _dmarc.dup.example v=DMARC1; p=none" \
	"TXT _dmarc.dup2.example v=DMARC1; p=quarantine" \
	"TXT _dmarc.sub.dup2.example v=DMARC1; p=reject" \
	"TXT _dmarc.sub.dup2.example v=DMARC1; p=none" \
	"TXT _dmarc.corp.example v=DMARC1; p=reject" \
	"TXT bounce.corp.example v=spf1 ip4:$GOOD -all" \
	"TXT _dmarc.strict.example v=DMARC1; p=reject; adkim=s" \
	"TXT _dmarc.aspf.example v=DMARC1; p=quarantine; aspf=s" \
	"TXT bounce.aspf.example v=spf1 ip4:$GOOD -all" \
	"TXT _dmarc.example.co.uk v=DMARC1; p=reject; psd=y" \
	"TXT _dmarc.corp.example.co.uk v=DMARC1; p=reject" \
	"TXT mail.corp.example.co.uk v=spf1 ip4:$GOOD -all" \
	"TXT tenant.example.co.uk v=spf1 ip4:$GOOD -all" || exit 1
DM_QLOG=$TMX_TMP/dnsmasq-queries.log

mt_config "dmarc_reject = yes" "dmarc_quarantine = yes"
"$TRUSTMX_MILTER" -n -c "$MT_CONF" >"$TMX_TMP/n.out" 2>&1 ||
	{ cat "$TMX_TMP/n.out"; exit 1; }
mt_milter_start || exit 1
mt_primary_init
tmx_postfix_start || exit 1
tmx_wait_listen 2525 || exit 1

DM_ROWS=()

# dm_lines FILE - how many lines FILE has (0 if it is not there)
dm_lines() {
	if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# dm_send CASE CLIENT-IP MAILFROM MSGFILE - mt_send, after marking the
# milter's, dnsmasq's and Postfix's logs (what follows is this message's)
dm_send() {
	DM_LMARK=$(dm_lines "$MT_LOG")
	DM_QMARK=$(dm_lines "$DM_QLOG")
	DM_PMARK=$(tmx_postfix_mark)
	mt_send "$@"
}

# dm_plain CASE CLIENT-IP MAILFROM FROM-HEADER - an unsigned message
dm_plain() {
	dm_send "$1" "$2" "$3" "$(mt_msg "$1" "$4")"
}

# dm_logline - the milter's line for the last message
dm_logline() {
	tail -n "+$((DM_LMARK + 1))" "$MT_LOG" | grep ' action=' | tail -1
}

# dm_has_logline - the milter has logged the last message
dm_has_logline() {
	[ -n "$(dm_logline)" ]
}

# dm_held QID - Postfix put QID on hold (the milter quarantined it)
dm_held() {
	tmx_postfix_since "$DM_PMARK" | grep -q "$1: milter-hold: "
}

# dm_settled CASE QID - held or delivered
dm_settled() {
	dm_held "$2" || mt_delivery "$1" >/dev/null
}

# dm_fate CASE QID - 550, held, delivered or what else became of it
dm_fate() {
	if grep -q '^<\*\* *550 5\.7\.1 DMARC policy' "$MT_OUT"; then
		echo 550
	elif [ -z "$2" ]; then
		echo "refused: $(grep '^<\*\*' "$MT_OUT" | tail -1)"
	else
		tmx_until 10 dm_settled "$1" "$2"
		if dm_held "$2"; then
			echo held
		elif mt_delivery "$1" >/dev/null; then
			echo delivered
		else
			echo lost
		fi
	fi
}

# dm_held_ar QID - the A-R fields of a message in the hold queue
dm_held_ar() {
	postcat -c "$TMX_PF/etc" -h -q "$1" 2>/dev/null | grep -v '^\*\*\*' |
		awk '/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
		     { if (line != "") print line; line = $0 }
		     END { if (line != "") print line }' |
		grep -i '^Authentication-Results:'
}

# dm_brief TEXT - the dmarc= result and its comment's policy part
dm_brief() {
	printf '%s\n' "$1" | grep -Eo 'dmarc=[a-z]+( \([^;)]*| from=[^ ]*)?' | head -1 |
		sed 's/ (/ /'
}

# dm_case CASE SECTION WANT [ERE...] - what became of CASE's message must
# be WANT (550, held or delivered) and each ERE must match its A-R, or for
# a 550 the milter's log line (a rejected message gets no A-R); "!ERE"
# must not match; a row
dm_case() {
	local c=$1 sec=$2 want=$3 fails=$TMX_FAILS qid got text re ok=ok
	shift 3
	qid=$(sed -n 's/^<- *250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$MT_OUT")
	got=$(dm_fate "$c" "$qid")
	if [ "$got" = "$want" ]; then
		tmx_pass
	else
		tmx_fail "$c: $got, want $want"
	fi
	case $got in
	550)
		tmx_until 5 dm_has_logline
		text=$(dm_logline) ;;
	held) text=$(dm_held_ar "$qid") ;;
	delivered) text=$(mt_ar "$c") ;;
	*) text= ;;
	esac
	for re in "$@"; do
		if [ "${re:0:1}" = '!' ]; then
			if [ -n "$text" ] &&
			    ! printf '%s\n' "$text" | grep -Eq -- "${re:1}"; then
				tmx_pass
			else
				tmx_fail "$c: /${re:1}/ in: ${text:-nothing}"
			fi
		elif printf '%s\n' "$text" | grep -Eq -- "$re"; then
			tmx_pass
		else
			tmx_fail "$c: /$re/ not in: ${text:-nothing}"
		fi
	done
	[ "$fails" = "$TMX_FAILS" ] || ok=FAIL
	DM_ROWS+=("$c|$sec|$want|$got${text:+, $(dm_brief "$text")}|$ok")
}

# dm_asked - the _dmarc names (without "_dmarc.") asked for the last
# message, in order, blank-separated
dm_asked() {
	tail -n "+$((DM_QMARK + 1))" "$DM_QLOG" |
		sed -n 's/.*query\[TXT\] _dmarc\.\([^ ]*\) from .*/\1/p' |
		tr '[:upper:]' '[:lower:]' | paste -sd' '
}

# dm_queries CASE SECTION NAMES - the last message's _dmarc queries were
# exactly NAMES (blank-separated, in order); a row
dm_queries() {
	local got
	got=$(dm_asked)
	if [ "$got" = "$3" ]; then
		tmx_pass
		DM_ROWS+=("$1 (queries)|$2|$(wc -w <<<"$3") names|$(wc -w <<<"$got") names, the same|ok")
	else
		tmx_fail "$1: _dmarc queries \"$got\", want \"$3\""
		DM_ROWS+=("$1 (queries)|$2|$3|$got|FAIL")
	fi
}

# dm_existence CASE SECTION NAME - for the last message, NAME's existence
# was asked in DNS (an A query, after the walk); a row
dm_existence() {
	if tail -n "+$((DM_QMARK + 1))" "$DM_QLOG" |
	    grep -Fq "query[A] $3 from "; then
		tmx_pass
		DM_ROWS+=("$1 (exists?)|$2|A query|A query|ok")
	else
		tmx_fail "$1: no A query for $3"
		DM_ROWS+=("$1 (exists?)|$2|A query|none|FAIL")
	fi
}

# --- 4.10: the Tree Walk from a 10-label From, nothing below walk.example ---
# (first: the resolver's cache has none of these names yet)
# Step 1 asks the author's name; steps 4-5: x = 10 >= 8, so the labels are
# cut to 7 (b.c.d... and c.d... are never asked); then one at a time to
# the top: 8 queries. Nothing says psd, so the fewest labels decide: the
# Organizational Domain is walk.example, its record applies, sp= for an
# existing subdomain (4.10.1). The SPF domain's walk is all cached.
deep=a.b.c.d.e.f.g.h.walk.example
dm_plain deep-pass $GOOD a@walk.example "x@$deep"
dm_case deep-pass 4.10 delivered \
	"dmarc=pass \\(sp=reject of the organizational domain walk\\.example; aligned SPF\\) header\\.from=${deep//./\\.} polrec\\.p=none polrec\\.domain=walk\\.example"
dm_queries deep-pass 4.10 "$deep d.e.f.g.h.walk.example e.f.g.h.walk.example f.g.h.walk.example g.h.walk.example h.walk.example walk.example example"
# the same From unaligned: sp=reject
dm_plain deep-fail $BAD a@walk.example "x@$deep"
dm_case deep-fail 4.10 550 "dmarc=fail from=${deep//./\\.} .*action=reject"

# --- 4.10.1: sp for an existing subdomain, np for an NXDOMAIN one ---
dm_plain sp-exists $BAD a@npsp.example x@real.npsp.example
dm_case sp-exists 4.10.1 held \
	'dmarc=fail \(sp=quarantine of the organizational domain npsp\.example; neither SPF nor DKIM aligned\) header\.from=real\.npsp\.example polrec\.p=none polrec\.domain=npsp\.example'
dm_existence sp-exists 4.10.1 real.npsp.example
dm_plain np-nxdomain $BAD a@npsp.example x@ghost.npsp.example
dm_case np-nxdomain 4.10.1 550 \
	'dmarc=fail from=ghost\.npsp\.example .*action=reject'
dm_existence np-nxdomain 4.10.1 ghost.npsp.example
# the Organizational Domain itself: its own p=none
dm_plain p-own $BAD a@npsp.example x@npsp.example
dm_case p-own 4.10.1 delivered \
	'dmarc=fail \(p=none; neither SPF nor DKIM aligned\) header\.from=npsp\.example polrec\.p=none;' \
	'!polrec\.domain'

# --- 4.10.1, 4.10.2: a Public Suffix Domain (psd=y at bank) ---
# giant.bank publishes nothing: the Organizational Domain is the name one
# label below the PSD, and with no record of its own the PSD's applies
dm_plain psd-pass $GOOD a@giant.bank x@giant.bank
dm_case psd-pass 4.10.1 delivered \
	'dmarc=pass \(p=reject of the public suffix domain bank; aligned SPF\) header\.from=giant\.bank polrec\.p=reject polrec\.domain=bank'
dm_queries psd-pass 4.10.1 "giant.bank bank"
dm_plain psd-fail $BAD a@giant.bank x@giant.bank
dm_case psd-fail 4.10.1 550 'dmarc=fail from=giant\.bank .*action=reject'
# a registrant with its own record: the Organizational Domain's, not the PSD's
dm_plain psd-own $BAD a@own.bank x@mail.own.bank
dm_case psd-own 4.10.2 delivered \
	'dmarc=fail \(p=none of the organizational domain own\.bank; neither SPF nor DKIM aligned\) header\.from=mail\.own\.bank polrec\.p=none polrec\.domain=own\.bank'
dm_queries psd-own 4.10.2 "mail.own.bank own.bank bank"

# --- 4.10.2: psd=n at tenant.hosting.co.uk stops the walk ---
# hosting.co.uk's p=reject is never asked: tenant.hosting.co.uk is the
# Organizational Domain and its sp=quarantine applies
dm_plain psd-n $BAD a@hosting.co.uk x@a.tenant.hosting.co.uk
dm_case psd-n 4.10.2 held \
	'dmarc=fail \(sp=quarantine of the organizational domain tenant\.hosting\.co\.uk; neither SPF nor DKIM aligned\) header\.from=a\.tenant\.hosting\.co\.uk polrec\.p=none polrec\.domain=tenant\.hosting\.co\.uk'
dm_queries psd-n 4.10.2 "a.tenant.hosting.co.uk tenant.hosting.co.uk"

# --- 4.7: t=y lowers the disposition a level ---
dm_plain testing-reject $BAD a@testing.example x@testing.example
dm_case testing-reject 4.7 held \
	'dmarc=fail \(p=reject t=y; neither SPF nor DKIM aligned\) header\.from=testing\.example polrec\.p=reject'
dm_plain testing-quar $BAD a@testq.example x@testq.example
dm_case testing-quar 4.7 delivered \
	'dmarc=fail \(p=quarantine t=y; neither SPF nor DKIM aligned\) header\.from=testq\.example polrec\.p=quarantine'

# --- A.6, 9.3: pct is gone; pct=0 changes nothing ---
dm_plain pct0-pass $GOOD a@pct0.example x@pct0.example
dm_case pct0-pass A.6 delivered \
	'dmarc=pass \(p=reject; aligned SPF\) header\.from=pct0\.example polrec\.p=reject' \
	'!pct='
dm_plain pct0-fail $BAD a@pct0.example x@pct0.example
dm_case pct0-fail A.6 550 'dmarc=fail from=pct0\.example .*action=reject'

# --- 4.10 steps 2 and 7: several DMARC records at one name: discarded ---
# dup.example's two records are no record; example has none either
dm_plain dup $BAD a@dup.example x@dup.example
dm_case dup 4.10 delivered \
	'dmarc=none \(several DMARC records at the From domain, all discarded, RFC 9989 4\.10\) header\.from=dup\.example' \
	'!polrec'
# ... and the walk goes on past them to the parent's record
dm_plain dup-parent $BAD a@dup2.example x@sub.dup2.example
dm_case dup-parent 4.10 held \
	'dmarc=fail \(p=quarantine of the organizational domain dup2\.example; neither SPF nor DKIM aligned\) header\.from=sub\.dup2\.example polrec\.p=quarantine polrec\.domain=dup2\.example'

# --- 3.2.10: relaxed and strict alignment ---
# relaxed DKIM: d=mail.corp.example, From corp.example (SPF fails)
f=$(mt_signed dkim-relaxed mail.corp.example s1 'a@corp.example') || exit 1
dm_send dkim-relaxed $BAD a@fail.example "$f"
dm_case dkim-relaxed 3.2.10 delivered 'spf=fail' \
	'dkim=pass header\.d=mail\.corp\.example header\.s=s1' \
	'dmarc=pass \(p=reject; aligned DKIM\) header\.from=corp\.example polrec\.p=reject'
# the same under adkim=s: the signature passes, but does not align
f=$(mt_signed dkim-strict mail.strict.example s1 'a@strict.example') || exit 1
dm_send dkim-strict $BAD a@fail.example "$f"
dm_case dkim-strict 3.2.10 550 \
	'spf=fail .*dkim=pass/mail\.strict\.example dmarc=fail from=strict\.example .*action=reject'
# relaxed SPF: MAIL FROM bounce.corp.example
dm_plain spf-relaxed $GOOD a@bounce.corp.example a@corp.example
dm_case spf-relaxed 3.2.10 delivered \
	'spf=pass .*smtp\.mailfrom="?a@bounce\.corp\.example' \
	'dmarc=pass \(p=reject; aligned SPF\) header\.from=corp\.example'
# aspf=s: SPF passes for bounce.aspf.example, not the From domain
dm_plain spf-strict $GOOD a@bounce.aspf.example a@aspf.example
dm_case spf-strict 3.2.10 held 'spf=pass' \
	'dmarc=fail \(p=quarantine; neither SPF nor DKIM aligned\) header\.from=aspf\.example'

# --- 4.10.2, 3.2.10: alignment across a multi-label private suffix ---
# example.co.uk says psd=y (a provider that hands out names under it); the
# public suffix list knows only co.uk. The walk stops at example.co.uk:
# corp.example.co.uk is an Organizational Domain of its own, asking
# neither co.uk nor uk, and mail.corp.example.co.uk aligns with it ...
dm_plain suffix-aligned $GOOD a@mail.corp.example.co.uk x@x.corp.example.co.uk
dm_case suffix-aligned 4.10.2 delivered \
	'dmarc=pass \(p=reject of the organizational domain corp\.example\.co\.uk; aligned SPF\) header\.from=x\.corp\.example\.co\.uk polrec\.p=reject polrec\.domain=corp\.example\.co\.uk'
dm_queries suffix-aligned 4.10.2 "x.corp.example.co.uk corp.example.co.uk example.co.uk mail.corp.example.co.uk"
# ... while another tenant does not, though the list would have said so
dm_plain suffix-split $GOOD a@tenant.example.co.uk x@x.corp.example.co.uk
dm_case suffix-split 3.2.10 550 \
	'spf=pass .*dmarc=fail from=x\.corp\.example\.co\.uk .*action=reject'

# --- dmarc_mode = rfc7489 on SIGHUP: libopendmarc and the PSL again ---
mt_config "dmarc_reject = yes" "dmarc_quarantine = yes" "dmarc_mode = rfc7489"
mt_hup
mt_wait_log 'configuration reloaded' 1 || tmx_fail "rfc7489: no reload"
# pct=0: never sampled, so the next policy down (RFC 7489 6.6.4): held
dm_plain pct0-7489 $BAD a@pct0.example x@pct0.example
dm_case pct0-7489 "7489 6.6.4" held \
	'dmarc=fail \(p=reject pct=0; neither SPF nor DKIM aligned\) header\.from=pct0\.example' \
	'!polrec'
# the PSL's organizational domain example.co.uk: the other tenant aligns
dm_plain suffix-7489 $GOOD a@tenant.example.co.uk x@x.corp.example.co.uk
dm_case suffix-7489 "7489 3.2" delivered \
	'dmarc=pass \(p=reject pct=100; aligned SPF\) header\.from=x\.corp\.example\.co\.uk'
# psd=n means nothing to it: the PSL's hosting.co.uk and its p=reject
dm_plain psd-n-7489 $BAD a@hosting.co.uk x@a.tenant.hosting.co.uk
dm_case psd-n-7489 "7489 6.6.3" 550 \
	'dmarc=fail from=a\.tenant\.hosting\.co\.uk .*action=reject'

tmx_postfix_problems 'milter-hold' && tmx_fail "Postfix reported problems"

# --- the table ---
echo
printf '%-26s %-11s %-10s %-60s %s\n' CASE SECTION EXPECTED GOT ""
for row in "${DM_ROWS[@]}"; do
	IFS='|' read -r c sec want got ok <<<"$row"
	if [ "$ok" = ok ]; then ok=; else ok="<-- FAIL"; fi
	printf '%-26s %-11s %-10s %-60s %s\n' "$c" "$sec" "$want" "$got" "$ok"
done
if tmx_failed; then
	echo "--- milter log" >&2
	tail -40 "$MT_LOG" >&2
fi
tmx_finish
