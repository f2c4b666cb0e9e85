/*
 * dmarc_eval.c - one DMARC evaluation (RFC 9989 5.3.2-5.3.6): discover
 * the record, align each authenticated identifier, decide pass or fail,
 * pick p, sp or np and lower it for t=y. A walk for relaxed alignment is
 * made only for an identifier at or below the Author Domain's
 * Organizational Domain, since any other cannot share it: a message with
 * many signatures for unrelated domains costs no extra queries.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc_eval.h"

/* One evaluation's working state. */
struct dmarc_eval_ctx {
	struct dmarc_dns dns;
	struct dmarc_org author_org;
	bool author_org_known;
	struct dmarc_verdict *v;
};

/* dmarc_eval_copy - a string into a fixed buffer, cut to fit */
static void
dmarc_eval_copy(char *dst, size_t size, const char *src)
{
	size_t len = src == NULL ? 0 : strlen(src);

	if (len >= size)
		len = size - 1;
	if (len > 0)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

/* dmarc_eval_author_org - the author's Organizational Domain, walked once;
 * false when DNS failed */
static bool
dmarc_eval_author_org(struct dmarc_eval_ctx *e)
{
	if (!e->author_org_known) {
		dmarc_walk_org(&e->dns, e->v->author, &e->author_org);
		if (e->author_org.tempfail)
			return false;
		e->author_org_known = true;
	}
	return true;
}

/* dmarc_eval_align - how one identifier stands to the Author Domain (3.2.10,
 * 4.10.2): strict is equality without case, relaxed the same
 * Organizational Domain */
static enum dmarc_align
dmarc_eval_align(struct dmarc_eval_ctx *e, struct dmarc_ident *id)
{
	struct dmarc_org org;

	if (id->domain[0] == '\0')
		return DMARC_ALIGN_NO;
	if (strcmp(id->domain, e->v->author) == 0)
		return DMARC_ALIGN_STRICT;
	if (id->mode == DMARC_MODE_STRICT)
		return DMARC_ALIGN_NO;
	if (!dmarc_eval_author_org(e))
		return DMARC_ALIGN_UNKNOWN;
	/* its Organizational Domain is a suffix of it: else no match */
	if (!dmarc_walk_under(id->domain, e->author_org.domain))
		return DMARC_ALIGN_NO;
	dmarc_walk_org(&e->dns, id->domain, &org);
	if (org.tempfail)
		return DMARC_ALIGN_UNKNOWN;
	memcpy(id->org, org.domain, strlen(org.domain) + 1);
	return strcmp(org.domain, e->author_org.domain) == 0 ?
	    DMARC_ALIGN_RELAXED : DMARC_ALIGN_NO;
}

/* dmarc_eval_ident - an input identifier into the verdict */
static void
dmarc_eval_ident(struct dmarc_ident *id, const char *domain,
		 const char *selector, enum dmarc_auth result)
{
	const char *why;

	memset(id, 0, sizeof(*id));
	if (dmarc_walk_normalize(domain, id->domain, &why) < 0)
		id->domain[0] = '\0';
	dmarc_eval_copy(id->selector, sizeof(id->selector), selector);
	id->result = result;
	id->align = DMARC_ALIGN_SKIPPED;
}

/* dmarc_eval_inputs - the identifiers, before any record is known */
static void
dmarc_eval_inputs(const struct dmarc_input *in, struct dmarc_verdict *v)
{
	if (in->spf_domain != NULL) {
		v->has_spf = true;
		v->spf_helo = in->spf_helo;
		dmarc_eval_ident(&v->spf, in->spf_domain, NULL, in->spf);
	}
	v->ndkim = in->ndkim < DMARC_EVAL_DKIM_MAX ? in->ndkim :
	    DMARC_EVAL_DKIM_MAX;
	v->dkim_ignored = in->ndkim - v->ndkim;
	for (size_t i = 0; i < v->ndkim; i++)
		dmarc_eval_ident(&v->dkim[i], in->dkim[i].domain,
		    in->dkim[i].selector, in->dkim[i].result);
}

/* dmarc_eval_uris - a record's rua= or ruf= for a report; a value too
 * long is cut after its last whole URI (a comma), never inside one */
static void
dmarc_eval_uris(const char *uris, size_t len, char *out, size_t size)
{
	if (uris == NULL)
		len = 0;
	if (len >= size) {
		len = size - 1;
		while (len > 0 && uris[len] != ',')
			len--;
	}
	memcpy(out, len ? uris : "", len);
	out[len] = '\0';
}

/* dmarc_eval_published - policy_published from the applied record */
static void
dmarc_eval_published(struct dmarc_verdict *v, const struct dmarc_node *n,
		     const struct dmarc_policies *pol)
{
	struct dmarc_published *pub = &v->published;

	memcpy(pub->domain, n->domain, strlen(n->domain) + 1);
	pub->discovery_method = "treewalk";
	pub->p = pol->p;
	pub->sp = pol->sp;
	pub->np = pol->np;
	pub->adkim = n->rec.adkim;
	pub->aspf = n->rec.aspf;
	pub->psd = n->rec.psd;
	pub->testing = n->rec.testing;
	dmarc_record_fo(n->rec.fo, pub->fo, sizeof(pub->fo));
	dmarc_eval_uris(n->rec.rua, n->rec.rua_len, pub->rua,
			sizeof(pub->rua));
	dmarc_eval_uris(n->rec.ruf, n->rec.ruf_len, pub->ruf,
			sizeof(pub->ruf));
	memcpy(v->policy_domain, n->domain, strlen(n->domain) + 1);
	v->testing = n->rec.testing;
	v->removed_tags = n->rec.seen & DMARC_TAGS_REMOVED;
	v->ignored_tags = n->rec.invalid;
}

/* dmarc_eval_counts - an identifier whose alignment decides anything */
static bool
dmarc_eval_counts(const struct dmarc_ident *id)
{
	return id->result == DMARC_AUTH_PASS ||
	    id->result == DMARC_AUTH_TEMPERROR;
}

/* dmarc_eval_aligned - it passed and aligns */
static bool
dmarc_eval_aligned(const struct dmarc_ident *id)
{
	return id->result == DMARC_AUTH_PASS &&
	    (id->align == DMARC_ALIGN_STRICT ||
	    id->align == DMARC_ALIGN_RELAXED);
}

/*
 * dmarc_eval_unsure - no pass, yet one might have been: a passing
 * identifier whose alignment DNS could not settle, or one that aligns
 * (or might) but whose own check failed for now. RFC 9989 5.3.5 knows
 * only pass and fail; temperror here lets the sender retry rather than
 * meet a reject it may not deserve.
 */
static bool
dmarc_eval_unsure(const struct dmarc_ident *id)
{
	if (id->align == DMARC_ALIGN_UNKNOWN)
		return true;
	return id->result == DMARC_AUTH_TEMPERROR &&
	    (id->align == DMARC_ALIGN_STRICT ||
	    id->align == DMARC_ALIGN_RELAXED);
}

/* dmarc_eval_identifiers - align every identifier that counts; the result */
static enum dmarc_result
dmarc_eval_identifiers(struct dmarc_eval_ctx *e, const struct dmarc_node *n)
{
	struct dmarc_verdict *v = e->v;
	bool unsure = false;

	if (v->has_spf) {
		v->spf.mode = n->rec.aspf;
		if (dmarc_eval_counts(&v->spf))
			v->spf.align = dmarc_eval_align(e, &v->spf);
		v->spf_aligned = dmarc_eval_aligned(&v->spf);
		unsure |= dmarc_eval_unsure(&v->spf);
	}
	for (size_t i = 0; i < v->ndkim; i++) {
		struct dmarc_ident *id = &v->dkim[i];

		id->mode = n->rec.adkim;
		if (dmarc_eval_counts(id))
			id->align = dmarc_eval_align(e, id);
		v->dkim_aligned |= dmarc_eval_aligned(id);
		unsure |= dmarc_eval_unsure(id);
	}
	if (v->spf_aligned || v->dkim_aligned) {
		v->reason = "an aligned identifier passed";
		return DMARC_RESULT_PASS;
	}
	if (unsure) {
		v->reason = "no aligned pass, and DNS failed for an identifier "
		    "that might have given one";
		return DMARC_RESULT_TEMPERROR;
	}
	v->reason = "no aligned identifier passed";
	return DMARC_RESULT_FAIL;
}

/*
 * dmarc_eval_policy - p for the Author Domain's own record; for a
 * subdomain sp, or np when the Author Domain does not exist (asked only
 * when that changes a failing verdict's policy)
 */
static void
dmarc_eval_policy(struct dmarc_eval_ctx *e, const struct dmarc_policies *pol)
{
	struct dmarc_verdict *v = e->v;
	enum dmarc_exists ex = DMARC_EXISTS_YES;

	if (v->source == DMARC_SOURCE_AUTHOR) {
		v->applied = DMARC_APPLIED_P;
		v->policy = pol->p;
		return;
	}
	if (v->result == DMARC_RESULT_FAIL && pol->np != pol->sp) {
		ex = dmarc_dns_exists(&e->dns, v->author);
		if (ex == DMARC_EXISTS_TEMPFAIL) {
			v->result = DMARC_RESULT_TEMPERROR;
			v->reason = "DNS failed: does the Author Domain exist "
			    "(np= or sp=)?";
		} else {
			v->author_exists = ex == DMARC_EXISTS_YES;
		}
	}
	if (ex == DMARC_EXISTS_NO) {
		v->applied = pol->np_set ? DMARC_APPLIED_NP : pol->sp_set ?
		    DMARC_APPLIED_SP : DMARC_APPLIED_P;
		v->policy = pol->np;
	} else {
		v->applied = pol->sp_set ? DMARC_APPLIED_SP : DMARC_APPLIED_P;
		v->policy = pol->sp;
	}
}

/* dmarc_eval_disposition - the policy on fail, a level lower for t=y */
static void
dmarc_eval_disposition(struct dmarc_verdict *v)
{
	v->disposition = DMARC_REQUEST_NONE;
	if (v->result != DMARC_RESULT_FAIL)
		return;
	v->disposition = v->policy;
	if (v->testing && v->policy == DMARC_REQUEST_REJECT)
		v->disposition = DMARC_REQUEST_QUARANTINE;
	else if (v->testing && v->policy == DMARC_REQUEST_QUARANTINE)
		v->disposition = DMARC_REQUEST_NONE;
}

/* dmarc_eval_record - everything that follows from the applied record */
static void
dmarc_eval_record(struct dmarc_eval_ctx *e, const struct dmarc_node *n)
{
	struct dmarc_verdict *v = e->v;
	struct dmarc_policies pol;

	switch (dmarc_record_usable(&n->rec, &pol)) {
	case DMARC_USABLE_NO_POLICY:
		memcpy(v->policy_domain, n->domain, strlen(n->domain) + 1);
		v->removed_tags = n->rec.seen & DMARC_TAGS_REMOVED;
		v->result = DMARC_RESULT_NONE;
		v->reason = "the record has no p= and no valid rua=: "
		    "no DMARC processing (RFC 9989 4.10.1)";
		return;
	case DMARC_USABLE_BROKEN:
		memcpy(v->policy_domain, n->domain, strlen(n->domain) + 1);
		v->removed_tags = n->rec.seen & DMARC_TAGS_REMOVED;
		v->ignored_tags = n->rec.invalid;
		v->result = DMARC_RESULT_PERMERROR;
		v->reason = "invalid p=, sp= or np= and no valid rua= "
		    "(RFC 9989 4.10.1)";
		return;
	case DMARC_USABLE_RECOVERED:
		v->recovered = true;
		break;
	default:
		break;
	}
	dmarc_eval_published(v, n, &pol);
	v->result = dmarc_eval_identifiers(e, n);
	dmarc_eval_policy(e, &pol);
	dmarc_eval_disposition(v);
}

/* dmarc_eval_judge - discovery, then the record (v->author normalized) */
static void
dmarc_eval_judge(struct dmarc_eval_ctx *e, const struct dmarc_input *in)
{
	struct dmarc_verdict *v = e->v;
	struct dmarc_discovery disc;

	dmarc_walk_discover(&e->dns, v->author, &disc);
	if (disc.tempfail) {
		v->result = DMARC_RESULT_TEMPERROR;
		v->reason = "DNS failed while looking for the DMARC Policy "
		    "Record";
		return;
	}
	if (disc.org_known) {
		e->author_org = disc.org;
		e->author_org_known = true;
	}
	v->source = disc.source;
	if (disc.node == NULL) {
		/* the author's name was asked first: this looks it up again
		 * in the evaluation's own table, no query */
		const struct dmarc_node *own = dmarc_dns_policy(&e->dns,
								v->author);

		v->result = DMARC_RESULT_NONE;
		v->reason = own != NULL && own->ndmarc > 1 ?
		    "several DMARC records at the From domain, all discarded "
		    "(RFC 9989 4.10)" :
		    "no DMARC Policy Record (RFC 9989 4.10.1)";
	} else {
		dmarc_eval_record(e, disc.node);
	}
	if (in->want_org)
		(void)dmarc_eval_author_org(e);
}

/* dmarc_eval_message - see dmarc_eval.h */
void
dmarc_eval_message(const struct dmarc_input *in, struct dmarc_verdict *v_r)
{
	struct dmarc_eval_ctx *e;
	const char *why;

	memset(v_r, 0, sizeof(*v_r));
	v_r->author_exists = -1;
	v_r->disposition = DMARC_REQUEST_NONE;	/* until a failing verdict */
	dmarc_eval_inputs(in, v_r);
	/* a From domain that cannot be looked up is never "no policy" */
	if (dmarc_walk_normalize(in->author, v_r->author, &why) < 0) {
		v_r->result = DMARC_RESULT_PERMERROR;
		v_r->reason = why;
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		v_r->result = DMARC_RESULT_TEMPERROR;
		v_r->reason = "out of memory";
		return;
	}
	e->v = v_r;
	dmarc_dns_init(&e->dns, in->on_query, in->arg);
	dmarc_eval_judge(e, in);
	if (e->author_org_known) {
		memcpy(v_r->org_domain, e->author_org.domain,
		    strlen(e->author_org.domain) + 1);
		v_r->org_rule = e->author_org.rule;
	}
	v_r->queries = e->dns.queries;
	dmarc_dns_clear(&e->dns);
	free(e);
}

/* dmarc_eval_result_name - see dmarc_eval.h */
const char *
dmarc_eval_result_name(enum dmarc_result r)
{
	static const char *const names[] = {
		"none", "pass", "fail", "temperror", "permerror",
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* dmarc_eval_auth_parse - see dmarc_eval.h */
int
dmarc_eval_auth_parse(const char *word, enum dmarc_auth *auth_r)
{
	static const struct {
		const char *word;
		enum dmarc_auth auth;
	} words[] = {
		{ "pass", DMARC_AUTH_PASS },
		{ "fail", DMARC_AUTH_FAIL },
		{ "softfail", DMARC_AUTH_FAIL },
		{ "neutral", DMARC_AUTH_FAIL },
		{ "policy", DMARC_AUTH_FAIL },
		{ "none", DMARC_AUTH_NONE },
		{ "temperror", DMARC_AUTH_TEMPERROR },
		{ "permerror", DMARC_AUTH_PERMERROR },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(word, words[i].word) == 0) {
			*auth_r = words[i].auth;
			return 0;
		}
	}
	return -1;
}

/* dmarc_eval_auth_name - see dmarc_eval.h */
const char *
dmarc_eval_auth_name(enum dmarc_auth a)
{
	static const char *const names[] = {
		"none", "pass", "fail", "temperror", "permerror",
	};

	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* dmarc_eval_applied_name - see dmarc_eval.h */
const char *
dmarc_eval_applied_name(enum dmarc_applied a)
{
	static const char *const names[] = { "none", "p", "sp", "np" };

	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* dmarc_eval_align_name - see dmarc_eval.h */
const char *
dmarc_eval_align_name(enum dmarc_align a)
{
	static const char *const names[] = {
		"no", "strict", "relaxed", "unknown", "skipped",
	};

	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}
