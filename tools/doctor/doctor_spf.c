/*
 * doctor_spf.c - the domain's SPF record: one record that parses, DNS-
 * querying terms and void lookups against RFC 7208's limits (counted by
 * walking include: and redirect=), the final "all", and every egress
 * address evaluated by the milter's own SPF layer (spf.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "doctor.h"
#include "spf.h"
#include "spf_record.h"

#define DOCTOR_SPF_LOOKUPS	10	/* RFC 7208 4.6.4 */
#define DOCTOR_SPF_VOIDS	2
#define DOCTOR_SPF_NEAR		8	/* warn from here on */
#define DOCTOR_SPF_DEPTH	12	/* include/redirect nesting we follow */

/* What a walk over the record and its includes saw. */
struct doctor_spf_walk {
	unsigned lookups;
	unsigned voids;
	char first_void[300];	/* the first term that found nothing */
	char problem[400];	/* the first include/redirect that broke */
	char all;		/* qualifier of the effective "all", 0: none */
};

static void doctor_spf_walk_record(struct doctor_spf_walk *w,
				   const char *domain, const char *record,
				   int depth, bool top);

/* doctor_spf_void - one lookup that found nothing */
static void
doctor_spf_void(struct doctor_spf_walk *w, const char *term)
{
	if (w->voids++ == 0)
		snprintf(w->first_void, sizeof(w->first_void), "%s", term);
}

/* doctor_spf_follow - fetch target's record and walk it */
static void
doctor_spf_follow(struct doctor_spf_walk *w, const char *term,
		  const char *target, int depth, bool top)
{
	const char *why;
	char *record;
	int n;

	if (strchr(target, '%') != NULL)
		return;		/* macros: depends on the client */
	if (depth >= DOCTOR_SPF_DEPTH || w->lookups > 3 * DOCTOR_SPF_LOOKUPS)
		return;
	n = doctor_dns_txt(target, "v=spf1", &record, &why);
	if (n == 0 && (strcmp(why, "NXDOMAIN") == 0 || strcmp(why, "NODATA") == 0))
		doctor_spf_void(w, term);
	if (n != 1) {
		if (w->problem[0] == '\0')
			snprintf(w->problem, sizeof(w->problem), "%s: %s", term,
			    n < 0 ? why : n == 0 ? "no SPF record there" :
			    "several SPF records there");
		free(record);
		return;
	}
	doctor_spf_walk_record(w, target, record, depth + 1, top);
	free(record);
}

/* doctor_spf_target - the domain-spec of a mechanism, or the current domain */
static void
doctor_spf_target(const char *rest, const char *domain, char *buf, size_t len)
{
	size_t n;

	if (*rest == ':')
		rest++;
	else
		rest = "";
	n = strcspn(rest, "/");
	if (n == 0)
		snprintf(buf, len, "%s", domain);
	else
		snprintf(buf, len, "%.*s", (int)n, rest);
}

/* doctor_spf_term - count one term's lookups; follow include */
static void
doctor_spf_term(struct doctor_spf_walk *w, const char *domain,
		const char *term, int depth)
{
	const char *mech = term;
	struct tmx_addr addrs[2];
	struct dns_answer ans;
	char target[256];
	size_t n;

	if (strchr("+-~?", *mech) != NULL)
		mech++;
	n = strcspn(mech, ":/");
	if (n == 7 && strncasecmp(mech, "include", n) == 0) {
		w->lookups++;
		doctor_spf_target(mech + n, domain, target, sizeof(target));
		doctor_spf_follow(w, term, target, depth, false);
	} else if ((n == 1 && strncasecmp(mech, "a", 1) == 0) ||
	    (n == 6 && strncasecmp(mech, "exists", n) == 0)) {
		w->lookups++;
		doctor_spf_target(mech + n, domain, target, sizeof(target));
		if (strchr(target, '%') == NULL &&
		    doctor_dns_addrs(target, addrs, 2) == 0)
			doctor_spf_void(w, term);
	} else if (n == 2 && strncasecmp(mech, "mx", 2) == 0) {
		w->lookups++;
		doctor_spf_target(mech + n, domain, target, sizeof(target));
		if (strchr(target, '%') == NULL) {
			dns_lookup(target, DNS_TYPE_MX, &ans);
			if (ans.status == DNS_NXDOMAIN || ans.status == DNS_NODATA)
				doctor_spf_void(w, term);
			dns_answer_free(&ans);
		}
	} else if (n == 3 && strncasecmp(mech, "ptr", 3) == 0) {
		w->lookups++;
	}
}

/* doctor_spf_walk_record - every term of record; top: its "all" counts */
static void
doctor_spf_walk_record(struct doctor_spf_walk *w, const char *domain,
		       const char *record, int depth, bool top)
{
	char buf[SPF_RECORD_MAX], *save = NULL, *term;
	const char *redirect = NULL;

	snprintf(buf, sizeof(buf), "%s", record);
	for (term = strtok_r(buf, " ", &save); term != NULL;
	    term = strtok_r(NULL, " ", &save)) {
		const char *mech = term + (strchr("+-~?", *term) != NULL);

		if (strcasecmp(term, "v=spf1") == 0)
			continue;
		if (strncasecmp(term, "redirect=", 9) == 0) {
			redirect = term;
			continue;
		}
		if (strcasecmp(mech, "all") == 0) {
			if (top)
				w->all = mech == term ? '+' : *term;
			return;		/* nothing after "all" is reached */
		}
		doctor_spf_term(w, domain, term, depth);
	}
	if (redirect != NULL) {
		w->lookups++;
		doctor_spf_follow(w, redirect, redirect + 9, depth, top);
	}
}

/* doctor_spf_limits - the lookup counts against RFC 7208's limits */
static void
doctor_spf_limits(struct doctor *d, const struct doctor_spf_walk *w)
{
	struct doctor_finding *f;

	if (w->lookups > DOCTOR_SPF_LOOKUPS || w->lookups >= DOCTOR_SPF_NEAR) {
		f = doctor_add(d, "spf.lookups", w->lookups > DOCTOR_SPF_LOOKUPS ?
		    DOCTOR_FAIL : DOCTOR_WARN, d->domain,
		    "%u DNS-querying term%s of at most %d%s", w->lookups,
		    w->lookups == 1 ? "" : "s",
		    DOCTOR_SPF_LOOKUPS, w->lookups > DOCTOR_SPF_LOOKUPS ?
		    ": every check ends in permerror" : ": close to the limit");
		doctor_fix(f, "replace include:/a/mx terms with ip4:/ip6: "
		    "ranges, drop includes of services no longer used");
	} else {
		doctor_add(d, "spf.lookups", DOCTOR_OK, d->domain,
		    "%u DNS-querying term%s of at most %d", w->lookups,
		    w->lookups == 1 ? "" : "s", DOCTOR_SPF_LOOKUPS);
	}
	if (w->voids == 0) {
		doctor_add(d, "spf.void", DOCTOR_OK, d->domain,
		    "no void lookups");
		return;
	}
	f = doctor_add(d, "spf.void", w->voids > DOCTOR_SPF_VOIDS ?
	    DOCTOR_FAIL : DOCTOR_WARN, d->domain,
	    "%u void lookup%s (of at most %d), first %s: a name that no "
	    "longer exists", w->voids, w->voids == 1 ? "" : "s",
	    DOCTOR_SPF_VOIDS, w->first_void);
	doctor_fix(f, "remove %s (an old relay or service?) from the record",
	    w->first_void);
}

/* doctor_spf_all - the effective "all" qualifier */
static void
doctor_spf_all(struct doctor *d, char all)
{
	struct doctor_finding *f;

	switch (all) {
	case '-':
		doctor_add(d, "spf.all", DOCTOR_OK, d->domain,
		    "-all: everyone else fails");
		return;
	case '+':
		f = doctor_add(d, "spf.all", DOCTOR_FAIL, d->domain,
		    "+all authorises every address on the Internet");
		break;
	case '?':
		f = doctor_add(d, "spf.all", DOCTOR_WARN, d->domain,
		    "?all: everyone else is neutral; the record protects nothing");
		break;
	case '~':
		f = doctor_add(d, "spf.all", DOCTOR_WARN, d->domain,
		    "~all: everyone else only softfails (left over from a "
		    "cutover?)");
		break;
	default:
		f = doctor_add(d, "spf.all", DOCTOR_WARN, d->domain,
		    "no \"all\": everyone else gets neutral");
		break;
	}
	doctor_fix(f, "end the record with -all once every sender passes");
}

/* doctor_spf_egress - each --egress-ip as the milter would judge it */
static void
doctor_spf_egress(struct doctor *d)
{
	struct spf_layer_config config = { 0 };
	struct doctor_finding *f;
	struct spf_layer *layer;
	struct spf_verdict v;
	struct tmx_addr a;
	char err[256], from[300];
	size_t i;

	if (d->n_egress == 0)
		return;
	if ((layer = spf_layer_new(&config, err, sizeof(err))) == NULL) {
		doctor_add(d, "spf.egress", DOCTOR_FAIL, d->domain,
		    "SPF layer: %s", err);
		return;
	}
	snprintf(from, sizeof(from), "postmaster@%s", d->domain);
	for (i = 0; i < d->n_egress; i++) {
		if (tmx_addr_parse(d->egress_ips[i], &a) < 0)
			continue;
		spf_check(layer, &a, d->helo, from, &v);
		if (v.result == SPF_OUT_PASS) {
			doctor_add(d, "spf.egress", DOCTOR_OK, d->egress_ips[i],
			    "pass");
			continue;
		}
		f = doctor_add(d, "spf.egress", DOCTOR_FAIL, d->egress_ips[i],
		    "%s: %s", spf_outcome_name(v.result), v.comment);
		if (v.result == SPF_OUT_PERMERROR || v.result == SPF_OUT_TEMPERROR)
			doctor_fix(f, "repair %s's SPF record first (see above)",
			    d->domain);
		else
			doctor_fix(f, "add %s:%s to %s's SPF record",
			    a.family == 4 ? "ip4" : "ip6", d->egress_ips[i],
			    d->domain);
	}
	spf_layer_free(layer);
}

/* doctor_spf_record - the one SPF record, checked; NULL when unusable */
static char *
doctor_spf_record(struct doctor *d)
{
	char checked[SPF_RECORD_MAX];
	struct doctor_finding *f;
	const char *why, *err;
	char *record;
	int n;

	n = doctor_dns_txt(d->domain, "v=spf1", &record, &why);
	if (n != 1) {
		f = doctor_add(d, "spf.record", DOCTOR_FAIL, d->domain,
		    n < 0 ? "TXT lookup failed: %s" : n == 0 ?
		    "no SPF record (%s)" : "%s SPF records: permerror",
		    n > 1 ? "several" : why);
		doctor_fix(f, n > 1 ? "merge them into one v=spf1 TXT record" :
		    "publish one TXT record \"v=spf1 ip4:YOUR-EGRESS -all\"");
		free(record);
		return NULL;
	}
	if (spf_record_check(record, checked, sizeof(checked), &err) < 0) {
		f = doctor_add(d, "spf.record", DOCTOR_FAIL, d->domain,
		    "does not parse (%s): %s", err, record);
		doctor_fix(f, "correct the record's syntax (RFC 7208 section 12)");
		free(record);
		return NULL;
	}
	doctor_add(d, "spf.record", DOCTOR_OK, d->domain, "%s", record);
	return record;
}

/* doctor_spf_check - see doctor.h */
void
doctor_spf_check(struct doctor *d)
{
	struct doctor_spf_walk w;
	struct doctor_finding *f;
	char *record;

	if ((record = doctor_spf_record(d)) == NULL) {
		doctor_spf_egress(d);
		return;
	}
	memset(&w, 0, sizeof(w));
	doctor_spf_walk_record(&w, d->domain, record, 0, true);
	free(record);
	if (w.problem[0] != '\0') {
		f = doctor_add(d, "spf.include", DOCTOR_FAIL, d->domain,
		    "%s: permerror", w.problem);
		doctor_fix(f, "remove or correct that term");
	}
	doctor_spf_limits(d, &w);
	doctor_spf_all(d, w.all);
	doctor_spf_egress(d);
}
