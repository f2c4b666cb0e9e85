/*
 * headers.c - Authentication-Results for trustmx-milter. The value is built
 * with authres.c, which quotes and escapes everything that came from the
 * outside; this file decides what to say: one spf=, one dkim= per
 * signature, one dmarc=.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "headers.h"

/* headers_policy_name - "none", "quarantine", "reject", "unknown" */
static const char *
headers_policy_name(enum results_policy policy)
{
	switch (policy) {
	case RESULTS_POLICY_NONE:
		return "none";
	case RESULTS_POLICY_QUARANTINE:
		return "quarantine";
	case RESULTS_POLICY_REJECT:
		return "reject";
	case RESULTS_POLICY_UNKNOWN:
		break;
	}
	return "unknown";
}

/* headers_spf_identity - smtp.mailfrom, or smtp.helo for the null sender */
static void
headers_spf_identity(struct authres *ar, const struct results_spf *spf)
{
	if (spf->verdict.identity == SPF_ID_HELO || spf->mail_from[0] == '\0') {
		if (spf->helo[0] != '\0')
			authres_prop(ar, "smtp.helo", spf->helo);
	} else {
		authres_prop(ar, "smtp.mailfrom", spf->mail_from);
	}
}

/* headers_spf - the spf= method */
static void
headers_spf(struct authres *ar, const struct results_spf *spf)
{
	char comment[640];

	switch (spf->source) {
	case RESULTS_SPF_SKIPPED_AUTH:
		authres_method(ar, "spf", "none");
		authres_comment(ar, "authenticated client, not checked");
		return;
	case RESULTS_SPF_SKIPPED_LOCAL:
		authres_method(ar, "spf", "none");
		authres_comment(ar, "local submission, not checked");
		return;
	case RESULTS_SPF_RELAY_UNUSABLE:
		authres_method(ar, "spf", "none");
		snprintf(comment, sizeof(comment),
			 "mail came through trusted relay %s; no usable "
			 "Received line to recover the original client: %s",
			 spf->relay, spf->relay_note);
		authres_comment(ar, comment);
		break;
	case RESULTS_SPF_RECOVERED:
		authres_method(ar, "spf",
			       spf_outcome_name(spf->verdict.result));
		snprintf(comment, sizeof(comment),
			 "client %s recovered from the Received line of "
			 "trusted relay %s%s, read as %s%s", spf->client,
			 spf->relay, spf->hops > 1 ? ", multi-hop" : "",
			 spf->layout ? spf->layout : "auto",
			 spf->verdict.comment[0] ? "; " : "");
		strncat(comment, spf->verdict.comment,
			sizeof(comment) - strlen(comment) - 1);
		authres_comment(ar, comment);
		break;
	case RESULTS_SPF_SEALED:
		authres_method(ar, "spf",
			       spf_outcome_name(spf->verdict.result));
		snprintf(comment, sizeof(comment),
			 "client %s and its SPF result from ARC set i=%u "
			 "of trusted relay %s at %s", spf->client,
			 spf->seal_instance, spf->sealer, spf->relay);
		authres_comment(ar, comment);
		break;
	case RESULTS_SPF_DIRECT:
		authres_method(ar, "spf",
			       spf_outcome_name(spf->verdict.result));
		if (spf->verdict.comment[0] != '\0')
			authres_comment(ar, spf->verdict.comment);
		break;
	}
	headers_spf_identity(ar, spf);
}

/* headers_dkim - one dkim= per signature, or dkim=none */
static void
headers_dkim(struct authres *ar, const struct results_dkim *dkim)
{
	size_t i;

	if (dkim->nsigs == 0) {
		authres_method(ar, "dkim", "none");
		authres_comment(ar, dkim->comment[0] ? dkim->comment :
				"message not signed");
		return;
	}
	for (i = 0; i < dkim->nsigs; i++) {
		const struct results_dkim_sig *sig = &dkim->sig[i];

		authres_method(ar, "dkim", sig->result);
		if (sig->comment[0] != '\0')
			authres_comment(ar, sig->comment);
		authres_prop(ar, "header.d", sig->domain);
		authres_prop(ar, "header.s", sig->selector);
	}
}

/* headers_dmarc_policy - RFC 9989: the tag that applied and where its
 * record is, "sp=reject of the organizational domain example.com" */
static void
headers_dmarc_policy(const struct results_dmarc *dm, char *buf, size_t size)
{
	const char *src = dm->source == NULL ? "" :
	    strcmp(dm->source, "org") == 0 ?
	    " of the organizational domain " :
	    strcmp(dm->source, "psd") == 0 ? " of the public suffix domain " :
	    "";

	snprintf(buf, size, "%s=%s%s%s%s", dm->applied ? dm->applied : "p",
		 headers_policy_name(dm->policy), src, src[0] ?
		 dm->policy_domain : "", dm->testing ? " t=y" : "");
}

/* headers_dmarc - the dmarc= method */
static void
headers_dmarc(struct authres *ar, const struct results_dmarc *dm,
	      const struct results_arc *arc)
{
	char comment[640], policy[320];
	size_t n;

	authres_method(ar, "dmarc", dm->result ? dm->result : "none");
	if (dm->policy != RESULTS_POLICY_UNKNOWN && dm->rfc9989)
		headers_dmarc_policy(dm, policy, sizeof(policy));
	else if (dm->policy != RESULTS_POLICY_UNKNOWN)
		snprintf(policy, sizeof(policy), "%s=%s pct=%d",
			 dm->subdomain_policy ? "sp" : "p",
			 headers_policy_name(dm->policy), dm->pct);
	else
		policy[0] = '\0';
	snprintf(comment, sizeof(comment), "%s%s%s", policy,
		 policy[0] && dm->comment[0] ? "; " : "", dm->comment);
	n = strlen(comment);
	if (arc->override)
		snprintf(comment + n, sizeof(comment) - n, "; policy not "
			 "applied: ARC set i=%u of trusted sealer %s saw %s",
			 arc->override_instance, arc->override_sealer,
			 arc->override_evidence);
	if (comment[0] != '\0')
		authres_comment(ar, comment);
	if (dm->from_domain[0] != '\0')
		authres_prop(ar, "header.from", dm->from_domain);
	/* RFC 9989's polrec ptype: the record's p=, its domain if not the
	 * From domain's */
	if (dm->rfc9989 && dm->published_p != RESULTS_POLICY_UNKNOWN)
		authres_prop(ar, "polrec.p",
			     headers_policy_name(dm->published_p));
	if (dm->rfc9989 && dm->policy_domain[0] != '\0' &&
	    strcasecmp(dm->policy_domain, dm->from_domain) != 0)
		authres_prop(ar, "polrec.domain", dm->policy_domain);
}

/* headers_arc - the arc= method (RFC 8617 7.2: header.oldest-pass,
 * smtp.remote-ip), with the sealers in the comment */
static void
headers_arc(struct authres *ar, const struct results_arc *arc,
	    const char *client)
{
	static const char *const cv[] = { "none", "pass", "fail" };
	char comment[640], oldest[16];

	if (!arc->checked)
		return;
	authres_method(ar, "arc", cv[arc->cv >= 0 && arc->cv <= 2 ?
					arc->cv : 2]);
	if (arc->nsets > 0) {
		snprintf(comment, sizeof(comment), "%s%s%s", arc->sealers,
			 arc->reason[0] ? "; " : "", arc->reason);
		authres_comment(ar, comment);
	} else if (arc->reason[0] != '\0') {
		authres_comment(ar, arc->reason);
	}
	if (arc->cv == 1) {
		snprintf(oldest, sizeof(oldest), "%u", arc->oldest_pass);
		authres_prop(ar, "header.oldest-pass", oldest);
	}
	if (client != NULL && client[0] != '\0')
		authres_prop(ar, "smtp.remote-ip", client);
}

/* headers_authres - see headers.h */
const char *
headers_authres(const struct results *res, const char *authserv_id,
		char *buf, size_t size)
{
	struct authres ar;

	authres_init(&ar, buf, size, authserv_id);
	headers_spf(&ar, &res->spf);
	headers_dkim(&ar, &res->dkim);
	headers_dmarc(&ar, &res->dmarc, &res->arc);
	headers_arc(&ar, &res->arc, res->client);
	return authres_finish(&ar);
}

/* headers_skip_cfws - skip white space and (nested) comments */
static const char *
headers_skip_cfws(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (*p == '\\' && depth > 0 && p[1] != '\0')
			p++;
		else if (depth == 0 && !isspace((unsigned char)*p))
			break;
	}
	return p;
}

/* headers_is_ours - see headers.h */
bool
headers_is_ours(const char *value, const char *authserv_id)
{
	const char *p = headers_skip_cfws(value), *start;
	char id[256];
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"' && n + 1 < sizeof(id); p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			id[n++] = *p;
		}
		if (*p != '"')
			return false;
	} else {
		start = p;
		while (*p != '\0' && *p != ';' && *p != '(' &&
		       !isspace((unsigned char)*p))
			p++;
		n = (size_t)(p - start);
		if (n >= sizeof(id))
			return false;
		memcpy(id, start, n);
	}
	id[n] = '\0';
	return n > 0 && strcasecmp(id, authserv_id) == 0;
}
