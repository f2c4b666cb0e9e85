/*
 * doctor_spf.c - the domain's SPF record: one record that parses by the
 * grammar the milter uses (spf_term.h), as must those include: and
 * redirect= lead to; DNS-querying terms and void lookups against RFC
 * 7208's limits, the final "all", and every egress address evaluated by
 * the milter's own SPF layer (spf.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "doctor.h"
#include "spf.h"
#include "spf_limits.h"
#include "spf_term.h"
#include "xalloc.h"

#define DOCTOR_SPF_NEAR		8	/* warn from here on */

/* What a walk over the record and its includes saw. */
struct doctor_spf_walk {
	unsigned lookups;
	unsigned voids;
	char first_void[300];	/* the first term that found nothing */
	char problem[400];	/* the first include/redirect that broke */
	char all;		/* qualifier of the effective "all", 0: none */
};

static void doctor_spf_walk(struct doctor_spf_walk *w, const char *domain,
			    const struct spf_term_list *list, int depth,
			    bool top);

/* doctor_spf_parse - record's terms into list (new memory); 0 or -1 */
static int
doctor_spf_parse(const char *record, struct spf_term_list *list,
		 const char **why_r)
{
	size_t len = strlen(record);

	list->max = SPF_TERM_MAX(len > SPF_LIMIT_RECORD ? SPF_LIMIT_RECORD :
	    len);
	list->terms = xcalloc(list->max, sizeof(*list->terms));
	if (spf_term_parse(record, len, list, why_r) == 0)
		return 0;
	free(list->terms);
	list->terms = NULL;
	return -1;
}

/* doctor_spf_void - one lookup that found nothing */
static void
doctor_spf_void(struct doctor_spf_walk *w, const struct spf_term *t)
{
	if (w->voids++ == 0)
		snprintf(w->first_void, sizeof(w->first_void), "%.*s",
		    (int)t->len, t->text);
}

/* doctor_spf_problem - the first include/redirect that broke, and why */
static void
doctor_spf_problem(struct doctor_spf_walk *w, const struct spf_term *t,
		   const char *why)
{
	if (w->problem[0] == '\0')
		snprintf(w->problem, sizeof(w->problem), "%.*s: %s",
		    (int)t->len, t->text, why);
}

/* doctor_spf_follow - fetch the record t names and walk it */
static void
doctor_spf_follow(struct doctor_spf_walk *w, const struct spf_term *t,
		  const char *target, int depth, bool top)
{
	struct spf_term_list list;
	const char *why;
	char *record;
	int n;

	if (t->macro)
		return;		/* depends on the client */
	if (depth >= SPF_LIMIT_NESTING ||
	    w->lookups > 3 * SPF_LIMIT_DNS_TERMS)
		return;
	n = doctor_dns_txt(target, "v=spf1", &record, &why);
	if (n == 0 && (strcmp(why, "NXDOMAIN") == 0 ||
	    strcmp(why, "NODATA") == 0))
		doctor_spf_void(w, t);
	if (n != 1) {
		doctor_spf_problem(w, t, n < 0 ? why : n == 0 ?
		    "no SPF record there" : "several SPF records there");
		free(record);
		return;
	}
	/* RFC 7208 5.2, 6.1: a record there that does not parse is permerror */
	if (doctor_spf_parse(record, &list, &why) < 0) {
		char msg[200];

		snprintf(msg, sizeof(msg), "its record does not parse (%s)",
		    why);
		doctor_spf_problem(w, t, msg);
		free(record);
		return;
	}
	doctor_spf_walk(w, target, &list, depth + 1, top);
	free(list.terms);
	free(record);
}

/* doctor_spf_target - the domain-spec of t, or the current domain */
static void
doctor_spf_target(const struct spf_term *t, const char *domain, char *buf,
		  size_t len)
{
	if (t->spec == NULL)
		snprintf(buf, len, "%s", domain);
	else
		snprintf(buf, len, "%.*s", (int)t->spec_len, t->spec);
}

/* doctor_spf_term - count one mechanism's lookups; follow include */
static void
doctor_spf_term(struct doctor_spf_walk *w, const char *domain,
		const struct spf_term *t, int depth)
{
	struct tmx_addr addrs[2];
	struct dns_answer ans;
	char target[SPF_LIMIT_NAME + 3];

	if (!spf_term_queries(t->kind))
		return;
	w->lookups++;
	doctor_spf_target(t, domain, target, sizeof(target));
	switch (t->kind) {
	case SPF_TERM_INCLUDE:
		doctor_spf_follow(w, t, target, depth, false);
		break;
	case SPF_TERM_A:
	case SPF_TERM_EXISTS:
		if (!t->macro && doctor_dns_addrs(target, addrs, 2) == 0)
			doctor_spf_void(w, t);
		break;
	case SPF_TERM_MX:
		if (t->macro)
			break;
		dns_lookup(target, DNS_TYPE_MX, &ans);
		if (ans.status == DNS_NXDOMAIN || ans.status == DNS_NODATA)
			doctor_spf_void(w, t);
		dns_answer_free(&ans);
		break;
	default:
		break;		/* ptr: its answer depends on the client */
	}
}

/* doctor_spf_walk - every term of a record; top: its "all" counts */
static void
doctor_spf_walk(struct doctor_spf_walk *w, const char *domain,
		const struct spf_term_list *list, int depth, bool top)
{
	const struct spf_term *redirect;
	char target[SPF_LIMIT_NAME + 3];
	size_t i;

	for (i = 0; i < list->count; i++) {
		const struct spf_term *t = &list->terms[i];

		if (t->kind == SPF_TERM_ALL) {
			if (top)
				w->all = t->qualifier;
			return;		/* nothing after "all" is reached */
		}
		doctor_spf_term(w, domain, t, depth);
	}
	if ((redirect = spf_term_find(list, SPF_TERM_REDIRECT)) != NULL) {
		w->lookups++;
		doctor_spf_target(redirect, domain, target, sizeof(target));
		doctor_spf_follow(w, redirect, target, depth, top);
	}
}

/* doctor_spf_limits - the lookup counts against RFC 7208's limits */
static void
doctor_spf_limits(struct doctor *d, const struct doctor_spf_walk *w)
{
	bool over = w->lookups > SPF_LIMIT_DNS_TERMS;
	struct doctor_finding *f;

	if (over || w->lookups >= DOCTOR_SPF_NEAR) {
		f = doctor_add(d, "spf.lookups", over ? DOCTOR_FAIL :
		    DOCTOR_WARN, d->domain,
		    "%u DNS-querying term%s of at most %d%s", w->lookups,
		    w->lookups == 1 ? "" : "s", SPF_LIMIT_DNS_TERMS, over ?
		    ": every check ends in permerror" : ": close to the limit");
		doctor_fix(f, "replace include:/a/mx terms with ip4:/ip6: "
		    "ranges, drop includes of services no longer used");
	} else {
		doctor_add(d, "spf.lookups", DOCTOR_OK, d->domain,
		    "%u DNS-querying term%s of at most %d", w->lookups,
		    w->lookups == 1 ? "" : "s", SPF_LIMIT_DNS_TERMS);
	}
	if (w->voids == 0) {
		doctor_add(d, "spf.void", DOCTOR_OK, d->domain,
		    "no void lookups");
		return;
	}
	f = doctor_add(d, "spf.void", w->voids > SPF_LIMIT_VOID ?
	    DOCTOR_FAIL : DOCTOR_WARN, d->domain,
	    "%u void lookup%s (of at most %d), first %s: a name that no "
	    "longer exists", w->voids, w->voids == 1 ? "" : "s",
	    SPF_LIMIT_VOID, w->first_void);
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

/*
 * doctor_spf_record - the one SPF record and its terms in *list (both new
 * memory); NULL when unusable
 */
static char *
doctor_spf_record(struct doctor *d, struct spf_term_list *list)
{
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
	if (doctor_spf_parse(record, list, &err) < 0) {
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
	struct spf_term_list list;
	struct doctor_spf_walk w;
	struct doctor_finding *f;
	char *record;

	if ((record = doctor_spf_record(d, &list)) == NULL) {
		doctor_spf_egress(d);
		return;
	}
	memset(&w, 0, sizeof(w));
	doctor_spf_walk(&w, d->domain, &list, 0, true);
	free(list.terms);
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
