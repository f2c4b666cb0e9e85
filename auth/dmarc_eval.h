/*
 * dmarc_eval.h - DMARC for one message by RFC 9989: the applicable
 * record by the DNS Tree Walk, Identifier Alignment of the SPF and DKIM
 * results against the Author Domain, the result (5.3.5, 9.2), the policy
 * that applies (p, sp or np) and the disposition (t=y lowers it a level),
 * with what an aggregate report needs. The milter and trustmx(1) share it.
 */
#ifndef TMX_DMARC_EVAL_H
#define TMX_DMARC_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_dns.h"
#include "dmarc_record.h"
#include "dmarc_walk.h"

#define DMARC_EVAL_DKIM_MAX	8	/* signatures looked at; more ignored */
#define DMARC_SELECTOR_MAX	253

/* The DMARC result (RFC 9989 9.2). */
enum dmarc_result {
	DMARC_RESULT_NONE = 0,	/* no applicable record: DMARC does not apply */
	DMARC_RESULT_PASS,
	DMARC_RESULT_FAIL,
	DMARC_RESULT_TEMPERROR,	/* DNS failed for now: neither pass nor fail */
	DMARC_RESULT_PERMERROR,	/* no usable Author Domain, or a record broken
				 * beyond the 4.10.1 recovery */
};

/* An SPF or DKIM result as DMARC reads it. */
enum dmarc_auth {
	DMARC_AUTH_NONE = 0,
	DMARC_AUTH_PASS,
	DMARC_AUTH_FAIL,	/* fail, softfail, neutral, policy */
	DMARC_AUTH_TEMPERROR,
	DMARC_AUTH_PERMERROR,
};

/* Which tag gave the policy (4.10.1). */
enum dmarc_applied {
	DMARC_APPLIED_NONE = 0,	/* no policy applies */
	DMARC_APPLIED_P,
	DMARC_APPLIED_SP,
	DMARC_APPLIED_NP,
};

/* How an identifier stands to the Author Domain. */
enum dmarc_align {
	DMARC_ALIGN_NO = 0,
	DMARC_ALIGN_STRICT,	/* identical (aligned in either mode) */
	DMARC_ALIGN_RELAXED,	/* the same Organizational Domain */
	DMARC_ALIGN_UNKNOWN,	/* a walk failed for now */
	DMARC_ALIGN_SKIPPED,	/* not checked: not authenticated, or no
				 * record applies */
};

struct dmarc_dkim_input {
	const char *domain;	/* d= */
	const char *selector;	/* s= (may be NULL) */
	enum dmarc_auth result;
};

struct dmarc_input {
	const char *author;	/* the From domain, already extracted */
	/*
	 * SPF of the MAIL FROM identity only (4.4.2); with a null MAIL FROM,
	 * that is postmaster@HELO (RFC 7208 2.4): spf_helo says so.
	 */
	enum dmarc_auth spf;
	const char *spf_domain;	/* NULL: no SPF result */
	bool spf_helo;
	const struct dmarc_dkim_input *dkim;
	size_t ndkim;
	bool want_org;		/* find the author's Organizational Domain
				 * even when no alignment needs it */
	dmarc_query_fn *on_query;	/* each DNS query (may be NULL) */
	void *arg;
};

/* One identifier and what alignment found. */
struct dmarc_ident {
	char domain[DMARC_DOMAIN_MAX + 1];	/* normalized, "" if unusable */
	char selector[DMARC_SELECTOR_MAX + 1];	/* DKIM */
	enum dmarc_auth result;
	enum dmarc_mode mode;		/* the record's adkim or aspf */
	enum dmarc_align align;
	char org[DMARC_DOMAIN_MAX + 1];	/* its Organizational Domain, when a
					 * walk found it */
};

/* policy_published of an aggregate report (RFC 9990), defaults applied. */
struct dmarc_published {
	char domain[DMARC_DOMAIN_MAX + 1];
	const char *discovery_method;	/* "treewalk" */
	enum dmarc_request p, sp, np;
	enum dmarc_mode adkim, aspf;
	enum dmarc_psd psd;
	bool testing;
	char fo[8];
	char rua[512];			/* rua= as published ("" none; cut at a
					 * URI boundary when longer) */
	char ruf[512];			/* ruf=, the same way */
};

struct dmarc_verdict {
	enum dmarc_result result;
	const char *reason;		/* static: why this result */
	char author[DMARC_DOMAIN_MAX + 1];	/* normalized, "" if unusable */
	enum dmarc_source source;
	char policy_domain[DMARC_DOMAIN_MAX + 1];
	char org_domain[DMARC_DOMAIN_MAX + 1];	/* "" when not looked for */
	enum dmarc_org_rule org_rule;
	bool recovered;			/* broken p/sp/np, rua: as p=none */
	enum dmarc_applied applied;	/* the tag the policy comes from */
	enum dmarc_request policy;	/* what that tag asks */
	enum dmarc_request disposition;	/* what to do: policy on fail (t=y:
					 * a level lower), else none */
	bool testing;			/* t=y */
	int author_exists;		/* 1, 0; -1 not asked */
	bool has_spf;
	bool spf_helo;			/* spf is the HELO of a null sender */
	struct dmarc_ident spf;
	size_t ndkim;
	struct dmarc_ident dkim[DMARC_EVAL_DKIM_MAX];
	size_t dkim_ignored;		/* past DMARC_EVAL_DKIM_MAX */
	bool spf_aligned, dkim_aligned;	/* an aligned pass (policy_evaluated) */
	unsigned queries;		/* DNS queries made */
	unsigned removed_tags;		/* DMARC_TAG_PCT, _RF, _RI published */
	unsigned ignored_tags;		/* DMARC_TAG_*: invalid, ignored */
	struct dmarc_published published;	/* with a record */
};

/*
 * dmarc_eval_message - the verdict for one message (blocking: the DNS
 * layer's deadline bounds each query, RFC 9989 4.10 the queries a walk
 * makes). Never pass or none because DNS failed: that is temperror.
 * Thread-safe; its working state (about 40 KB) is allocated and freed
 * within the call, and out of memory gives temperror.
 */
void dmarc_eval_message(const struct dmarc_input *in,
			struct dmarc_verdict *v_r);

/* dmarc_eval_result_name - "none", "pass", "fail", "temperror", "permerror" */
const char *dmarc_eval_result_name(enum dmarc_result r);

/* dmarc_eval_auth_parse - an SPF/DKIM result word (RFC 8601) as DMARC reads
 * it; -1 if unknown */
int dmarc_eval_auth_parse(const char *word, enum dmarc_auth *auth_r);

/* dmarc_eval_auth_name - "none", "pass", "fail", "temperror", "permerror" */
const char *dmarc_eval_auth_name(enum dmarc_auth a);

/* dmarc_eval_applied_name - "none", "p", "sp", "np" */
const char *dmarc_eval_applied_name(enum dmarc_applied a);

/* dmarc_eval_align_name - "no", "strict", "relaxed", "unknown", "skipped" */
const char *dmarc_eval_align_name(enum dmarc_align a);

#endif
