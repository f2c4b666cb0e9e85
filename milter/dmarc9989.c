/*
 * dmarc9989.c - DMARC by RFC 9989 for the milter (dmarc_mode = rfc9989,
 * the default): our SPF and DKIM results handed to auth/dmarc_eval.c,
 * whose DNS Tree Walk finds the policy and the organizational domains
 * through the shared DNS layer; its verdict kept in results_dmarc for the
 * A-R, the verdict and the log. No pct: RFC 9989 removed it; t=y lowers
 * the disposition a level instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc_eval.h"
#include "dmarc_mode.h"

/* dmarc9989_spf - our SPF verdict as DMARC reads it */
static enum dmarc_auth
dmarc9989_spf(enum spf_outcome o)
{
	switch (o) {
	case SPF_OUT_PASS:
		return DMARC_AUTH_PASS;
	case SPF_OUT_FAIL:
	case SPF_OUT_SOFTFAIL:
	case SPF_OUT_NEUTRAL:
		return DMARC_AUTH_FAIL;
	case SPF_OUT_TEMPERROR:
		return DMARC_AUTH_TEMPERROR;
	case SPF_OUT_PERMERROR:
		return DMARC_AUTH_PERMERROR;
	default:
		return DMARC_AUTH_NONE;
	}
}

/* dmarc9989_policy - a record's request in the results' terms */
static enum results_policy
dmarc9989_policy(enum dmarc_request r)
{
	switch (r) {
	case DMARC_REQUEST_NONE:
		return RESULTS_POLICY_NONE;
	case DMARC_REQUEST_QUARANTINE:
		return RESULTS_POLICY_QUARANTINE;
	case DMARC_REQUEST_REJECT:
		return RESULTS_POLICY_REJECT;
	default:
		return RESULTS_POLICY_UNKNOWN;
	}
}

/* dmarc9989_input - res's SPF and DKIM results; dkim is the caller's */
static void
dmarc9989_input(const struct results *res, struct dmarc_input *in,
		struct dmarc_dkim_input dkim[DMARC_EVAL_DKIM_MAX])
{
	const struct results_spf *spf = &res->spf;

	memset(in, 0, sizeof(*in));
	in->author = res->dmarc.from_domain;
	if (results_spf_judged(spf) && spf->verdict.domain[0] != '\0') {
		in->spf = dmarc9989_spf(spf->verdict.result);
		in->spf_domain = spf->verdict.domain;
		in->spf_helo = spf->verdict.identity == SPF_ID_HELO;
	}
	in->dkim = dkim;
	for (size_t i = 0; i < res->dkim.nsigs &&
	     in->ndkim < DMARC_EVAL_DKIM_MAX; i++) {
		const struct results_dkim_sig *sig = &res->dkim.sig[i];
		struct dmarc_dkim_input *d = &dkim[in->ndkim];

		if (sig->domain[0] == '\0')
			continue;
		d->domain = sig->domain;
		d->selector = sig->selector;
		if (dmarc_eval_auth_parse(sig->result, &d->result) < 0)
			d->result = DMARC_AUTH_FAIL;
		in->ndkim++;
	}
}

/* dmarc9989_comment - why, in the words the A-R has always used */
static const char *
dmarc9989_comment(const struct dmarc_verdict *v)
{
	if (v->result == DMARC_RESULT_PASS)
		return v->dkim_aligned ? "aligned DKIM" : "aligned SPF";
	if (v->result == DMARC_RESULT_FAIL)
		return "neither SPF nor DKIM aligned";
	return v->reason != NULL ? v->reason : "";
}

/* dmarc9989_unparen - text's " (x)" as ", x": the A-R comment that
 * carries it needs no nested, escaped parentheses */
static void
dmarc9989_unparen(const char *text, char *out, size_t size)
{
	size_t n = 0;

	for (; *text != '\0' && n + 2 < size; text++) {
		if (text[0] == ' ' && text[1] == '(') {
			out[n++] = ',';
			out[n++] = ' ';
			text++;
		} else if (*text != '(' && *text != ')') {
			out[n++] = *text;
		}
	}
	out[n] = '\0';
}

/* dmarc9989_keep - the verdict into dm */
static void
dmarc9989_keep(const struct dmarc_verdict *v, struct results_dmarc *dm)
{
	static const char *const applied[] = { NULL, "p", "sp", "np" };
	char comment[sizeof(dm->comment)];

	dmarc9989_unparen(dmarc9989_comment(v), comment, sizeof(comment));
	dmarc_set(dm, dmarc_eval_result_name(v->result), comment);
	snprintf(dm->policy_domain, sizeof(dm->policy_domain), "%s",
		 v->policy_domain);
	snprintf(dm->org_domain, sizeof(dm->org_domain), "%s", v->org_domain);
	if (v->source == DMARC_SOURCE_NONE)
		return;
	dm->source = dmarc_walk_source_name(v->source);
	dm->applied = (size_t)v->applied < 4 ? applied[v->applied] : NULL;
	dm->policy = dmarc9989_policy(v->policy);
	dm->subdomain_policy = v->applied == DMARC_APPLIED_SP ||
	    v->applied == DMARC_APPLIED_NP;
	dm->disposition = dmarc9989_policy(v->disposition);
	dm->testing = v->testing;
	dm->published_p = dmarc9989_policy(v->published.p);
	dm->strict_dkim = v->published.adkim == DMARC_MODE_STRICT;
	dm->strict_spf = v->published.aspf == DMARC_MODE_STRICT;
	dm->spf_aligned = v->spf_aligned;
	dm->dkim_aligned = v->dkim_aligned;
	dm->removed_tags = v->removed_tags != 0;
	dm->published = v->published;
}

/* dmarc9989_check - see dmarc_mode.h */
void
dmarc9989_check(struct results *res)
{
	struct dmarc_dkim_input dkim[DMARC_EVAL_DKIM_MAX];
	struct dmarc_input in;
	struct dmarc_verdict *v = malloc(sizeof(*v));

	if (v == NULL) {
		dmarc_set(&res->dmarc, "temperror", "out of memory");
		return;
	}
	dmarc9989_input(res, &in, dkim);
	dmarc_eval_message(&in, v);
	dmarc9989_keep(v, &res->dmarc);
	free(v);
}

/* dmarc9989_org - domain's organizational domain by the Tree Walk; false
 * when DNS failed */
static bool
dmarc9989_org(struct dmarc_dns *d, const char *domain,
	      char org[DMARC_DOMAIN_MAX + 1])
{
	char norm[DMARC_DOMAIN_MAX + 1];
	const char *why;
	struct dmarc_org o;

	if (dmarc_walk_normalize(domain, norm, &why) < 0)
		return false;
	dmarc_walk_org(d, norm, &o);
	if (o.tempfail)
		return false;
	memcpy(org, o.domain, sizeof(o.domain));
	return true;
}

/* dmarc9989_aligned - see dmarc_mode.h */
bool
dmarc9989_aligned(const char *domain, const struct results_dmarc *dm,
		  bool strict)
{
	char a[DMARC_DOMAIN_MAX + 1], b[DMARC_DOMAIN_MAX + 1];
	struct dmarc_dns *d;
	bool ok;

	if (domain[0] == '\0' || dm->from_domain[0] == '\0')
		return false;
	if (strcasecmp(domain, dm->from_domain) == 0)
		return true;
	if (strict || (d = malloc(sizeof(*d))) == NULL)
		return false;
	dmarc_dns_init(d, NULL, NULL);
	ok = dmarc9989_org(d, domain, a) &&
	    (dm->org_domain[0] != '\0' ?
	     snprintf(b, sizeof(b), "%s", dm->org_domain) >= 0 :
	     dmarc9989_org(d, dm->from_domain, b)) &&
	    strcasecmp(a, b) == 0;
	dmarc_dns_clear(d);
	free(d);
	return ok;
}
