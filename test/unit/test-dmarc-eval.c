/*
 * test-dmarc-eval.c - whole DMARC evaluations by RFC 9989 against one zone
 * in a table: the result, where the record came from, the Organizational
 * Domain, which of p, sp and np applies (np only for an Author Domain that
 * does not exist), t=y, pct ignored, records without p, temperror when DNS
 * fails, and the OpenDMARC bugs this code must not repeat (#268: strict
 * alignment passing; #113/#174: a malformed From skipping DMARC). Each
 * row names the section it checks.
 */
#include <stdlib.h>
#include <string.h>

#include "dmarc_eval.h"
#include "tmx-test.h"
#include "tmx-test-dmarc.h"

#define TXT(name, text)	{ name, DNS_TYPE_TXT, DNS_OK, text, 0 }
#define ADDR(name)	{ name, DNS_TYPE_A, DNS_OK, NULL, 0 }
#define TFAIL(name, t)	{ name, t, DNS_TEMPFAIL, NULL, 0 }

static const struct tz_rr zone[] = {
	/* an organization: p for itself, sp for existing subdomains, np for
	 * the others */
	TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; "
	    "np=reject; rua=mailto:d@example.com"),
	ADDR("example.com"), ADDR("mail.example.com"), ADDR("a.b.example.com"),
	TFAIL("slow.example.com", DNS_TYPE_A),
	TFAIL("_dmarc.flaky.example.com", DNS_TYPE_TXT),
	/* no address, but a TXT record at its _dmarc name: it exists */
	TXT("_dmarc.txtonly.example.com", "hello"),
	/* np absent: sp also for names that do not exist */
	TXT("_dmarc.nonp.example", "v=DMARC1; p=reject; sp=none"),
	/* strict alignment, OpenDMARC #268 */
	TXT("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s"),
	ADDR("sub.strict.example"),
	/* t=y */
	TXT("_dmarc.testing.example", "v=DMARC1; p=reject; t=y"),
	TXT("_dmarc.tq.example", "v=DMARC1; p=quarantine; t=y"),
	TXT("_dmarc.tn.example", "v=DMARC1; p=none; t=y"),
	/* pct=0 (RFC 7489) means nothing now */
	TXT("_dmarc.pct.example", "v=DMARC1; p=reject; pct=0; ri=60; rf=afrf"),
	/* two records at one name: both discarded */
	TXT("_dmarc.multi.example", "v=DMARC1; p=reject"),
	TXT("_dmarc.multi.example", "v=DMARC1; p=none"),
	/* records without a usable p */
	TXT("_dmarc.nop-rua.example", "v=DMARC1; rua=mailto:d@nop-rua.example"),
	TXT("_dmarc.nop.example", "v=DMARC1"),
	TXT("_dmarc.badp.example", "v=DMARC1; p=rejekt"),
	TXT("_dmarc.badp-rua.example",
	    "v=DMARC1; p=rejekt; rua=mailto:d@badp-rua.example"),
	TXT("_dmarc.notfirst.example", "p=reject; v=DMARC1"),
	/* a Public Suffix Domain with psd=y and its registrants */
	TXT("_dmarc.bank", "v=DMARC1; p=none; sp=quarantine; np=reject; "
	    "psd=y"),
	ADDR("giant.bank"), ADDR("mail.giant.bank"),
	TXT("_dmarc.own.bank", "v=DMARC1; p=none"),
	/* a multi-label suffix with no records (like co.uk), and one whose
	 * operator says psd=y */
	TXT("_dmarc.example.co.uk", "v=DMARC1; p=reject"),
	ADDR("a.b.example.co.uk"),
	TXT("_dmarc.gov.test", "v=DMARC1; p=reject; psd=y"),
	ADDR("a.agency.gov.test"),
	/* psd=n below a PSD that forgot psd=y (11.8) */
	TXT("_dmarc.cloud", "v=DMARC1; p=reject"),
	TXT("_dmarc.tenant.cloud", "v=DMARC1; p=quarantine; psd=n"),
	ADDR("a.tenant.cloud"),
	/* DNS failing */
	TFAIL("_dmarc.tempfail.example", DNS_TYPE_TXT),
	TFAIL("_dmarc.tf.example", DNS_TYPE_TXT),
};

#define NONE DMARC_RESULT_NONE
#define PASS DMARC_RESULT_PASS
#define FAIL DMARC_RESULT_FAIL
#define TEMP DMARC_RESULT_TEMPERROR
#define PERM DMARC_RESULT_PERMERROR
#define S_NONE DMARC_SOURCE_NONE
#define S_AUTH DMARC_SOURCE_AUTHOR
#define S_ORG DMARC_SOURCE_ORG
#define S_PSD DMARC_SOURCE_PSD
#define A_NONE DMARC_APPLIED_NONE
#define A_P DMARC_APPLIED_P
#define A_SP DMARC_APPLIED_SP
#define A_NP DMARC_APPLIED_NP
#define D_NONE DMARC_REQUEST_NONE
#define D_QUAR DMARC_REQUEST_QUARANTINE
#define D_REJ DMARC_REQUEST_REJECT

/* One message: identifiers as "result:domain"; what must come out. */
static const struct {
	const char *sec, *what;
	const char *author;
	const char *spf;
	const char *dkim[3];
	enum dmarc_result result;
	enum dmarc_source source;
	const char *policy_domain, *org;
	enum dmarc_applied applied;
	enum dmarc_request disposition;
} cases[] = {
	/* 4.10.1: the Author Domain's own record, p */
	{ "4.10.1", "own record, nothing aligned", "example.com",
	  "pass:other.example", { "pass:other.example" }, FAIL, S_AUTH,
	  "example.com", "example.com", A_P, D_REJ },
	{ "3.2.10.2", "strict: identical DKIM d=", "example.com", NULL,
	  { "fail:example.com", "pass:EXAMPLE.com" }, PASS, S_AUTH,
	  "example.com", "example.com", A_P, D_NONE },
	{ "3.2.10.1", "relaxed: SPF of a subdomain", "example.com",
	  "pass:bounce.example.com", { NULL }, PASS, S_AUTH, "example.com",
	  "example.com", A_P, D_NONE },
	{ "5.3.5", "aligned but not passing", "example.com",
	  "softfail:example.com", { "fail:example.com" }, FAIL, S_AUTH,
	  "example.com", "example.com", A_P, D_REJ },
	/* 4.10.1: a subdomain that exists takes sp, one that does not np */
	{ "4.10.1", "existing subdomain: sp", "mail.example.com", NULL,
	  { NULL }, FAIL, S_ORG, "example.com", "example.com", A_SP, D_QUAR },
	{ "4.10.1", "deeper existing subdomain: sp", "a.b.example.com", NULL,
	  { NULL }, FAIL, S_ORG, "example.com", "example.com", A_SP, D_QUAR },
	{ "3.2.13", "NXDOMAIN subdomain: np", "ghost.example.com", NULL,
	  { NULL }, FAIL, S_ORG, "example.com", "example.com", A_NP, D_REJ },
	{ "3.2.13", "_dmarc name exists: so does it", "txtonly.example.com",
	  NULL, { NULL }, FAIL, S_ORG, "example.com", "example.com", A_SP,
	  D_QUAR },
	{ "4.7", "np absent: sp for NXDOMAIN too", "ghost.nonp.example", NULL,
	  { NULL }, FAIL, S_ORG, "nonp.example", "nonp.example", A_SP,
	  D_NONE },
	{ "4.10.1", "subdomain passing relaxed", "mail.example.com",
	  NULL, { "pass:example.com" }, PASS, S_ORG, "example.com",
	  "example.com", A_SP, D_NONE },
	/* OpenDMARC #268: strict alignment must not pass on org domains */
	{ "3.2.10.2", "#268 strict: d=parent of From", "sub.strict.example",
	  NULL, { "pass:strict.example" }, FAIL, S_ORG, "strict.example",
	  "strict.example", A_P, D_REJ },
	{ "3.2.10.2", "#268 strict: mailfrom=parent", "sub.strict.example",
	  "pass:strict.example", { NULL }, FAIL, S_ORG, "strict.example",
	  "strict.example", A_P, D_REJ },
	{ "3.2.10.2", "#268 strict: d=child of From", "strict.example",
	  "pass:mail.strict.example", { "pass:sub.strict.example" }, FAIL,
	  S_AUTH, "strict.example", "strict.example", A_P, D_REJ },
	{ "3.2.10.2", "strict: identical, any case", "Strict.Example.",
	  NULL, { "pass:STRICT.example" }, PASS, S_AUTH, "strict.example",
	  "strict.example", A_P, D_NONE },
	/* OpenDMARC #113/#174: a From that is no domain is never "none" */
	{ "5.3.1", "#174 From domain \"example.com>\"", "example.com>",
	  "pass:example.com", { NULL }, PERM, S_NONE, "", "", A_NONE, D_NONE },
	{ "5.3.1", "#113 empty From domain", "", NULL, { NULL }, PERM,
	  S_NONE, "", "", A_NONE, D_NONE },
	{ "5.3.1", "From domain with a space", "exa mple.com", NULL,
	  { NULL }, PERM, S_NONE, "", "", A_NONE, D_NONE },
	{ "5.3.1", "U-label From domain", "b\xc3\xbc" "cher.example", NULL,
	  { NULL }, PERM, S_NONE, "", "", A_NONE, D_NONE },
	/* 4.7 t=y: one level lower; none stays none */
	{ "4.7", "t=y, p=reject: quarantine", "testing.example", NULL,
	  { NULL }, FAIL, S_AUTH, "testing.example", "testing.example", A_P,
	  D_QUAR },
	{ "4.7", "t=y, p=quarantine: none", "tq.example", NULL, { NULL },
	  FAIL, S_AUTH, "tq.example", "tq.example", A_P, D_NONE },
	{ "4.7", "t=y, p=none: none", "tn.example", NULL, { NULL }, FAIL,
	  S_AUTH, "tn.example", "tn.example", A_P, D_NONE },
	/* A.6: pct is gone: pct=0 still rejects */
	{ "A.6", "pct=0 ignored", "pct.example", NULL, { NULL }, FAIL,
	  S_AUTH, "pct.example", "pct.example", A_P, D_REJ },
	/* 4.10 step 2: two records at one name count as none there */
	{ "4.10", "multiple records discarded", "multi.example", NULL,
	  { "pass:multi.example" }, NONE, S_NONE, "", "multi.example",
	  A_NONE, D_NONE },
	/* 4.10.1: p missing or invalid */
	{ "4.10.1", "no p, valid rua: as p=none", "nop-rua.example", NULL,
	  { NULL }, FAIL, S_AUTH, "nop-rua.example", "nop-rua.example", A_P,
	  D_NONE },
	{ "4.10.1", "no p, no rua: no DMARC", "nop.example", NULL, { NULL },
	  NONE, S_AUTH, "nop.example", "nop.example", A_NONE, D_NONE },
	{ "4.10.1", "invalid p, no rua: permerror", "badp.example", NULL,
	  { NULL }, PERM, S_AUTH, "badp.example", "badp.example", A_NONE,
	  D_NONE },
	{ "4.10.1", "invalid p, valid rua: p=none", "badp-rua.example",
	  NULL, { NULL }, FAIL, S_AUTH, "badp-rua.example",
	  "badp-rua.example", A_P, D_NONE },
	{ "4.7", "v not first: no record", "notfirst.example", NULL, { NULL },
	  NONE, S_NONE, "", "notfirst.example", A_NONE, D_NONE },
	{ "4.10.1", "no record anywhere", "nothing.example", "pass:"
	  "nothing.example", { NULL }, NONE, S_NONE, "", "nothing.example",
	  A_NONE, D_NONE },
	/* PSD records (psd=y) */
	{ "4.10.1", "PSD policy, existing: sp", "giant.bank", NULL, { NULL },
	  FAIL, S_PSD, "bank", "giant.bank", A_SP, D_QUAR },
	{ "4.10.1", "PSD policy, NXDOMAIN: np", "ghost.bank", NULL, { NULL },
	  FAIL, S_PSD, "bank", "ghost.bank", A_NP, D_REJ },
	{ "4.10.2", "PSD: relaxed within one org", "mail.giant.bank",
	  "pass:giant.bank", { NULL }, PASS, S_PSD, "bank", "giant.bank",
	  A_SP, D_NONE },
	{ "4.10.2", "PSD: registrants do not align", "giant.bank",
	  "pass:other.bank", { "pass:bank" }, FAIL, S_PSD, "bank",
	  "giant.bank", A_SP, D_QUAR },
	{ "4.10.1", "registrant's own record first", "own.bank", NULL,
	  { NULL }, FAIL, S_AUTH, "own.bank", "own.bank", A_P, D_NONE },
	{ "4.10.2", "psd=y at a multi-label suffix", "a.agency.gov.test",
	  NULL, { "pass:agency.gov.test" }, PASS, S_PSD, "gov.test",
	  "agency.gov.test", A_P, D_NONE },
	{ "4.10.2", "psd=y: sibling not aligned", "a.agency.gov.test",
	  NULL, { "pass:other.gov.test" }, FAIL, S_PSD, "gov.test",
	  "agency.gov.test", A_P, D_REJ },
	/* alignment across a multi-label private suffix, no PSL */
	{ "4.10.2", "co.uk-like: relaxed by the walk", "a.b.example.co.uk",
	  NULL, { "pass:mail.example.co.uk" }, PASS, S_ORG, "example.co.uk",
	  "example.co.uk", A_P, D_NONE },
	{ "4.10.2", "co.uk-like: other registrant", "a.b.example.co.uk",
	  "pass:evil.co.uk", { "pass:co.uk" }, FAIL, S_ORG, "example.co.uk",
	  "example.co.uk", A_P, D_REJ },
	/* psd=n (11.8): the tenant is its own Organizational Domain */
	{ "4.10.2", "psd=n: tenant is the org", "a.tenant.cloud", NULL,
	  { "pass:cloud", "pass:other.cloud" }, FAIL, S_ORG, "tenant.cloud",
	  "tenant.cloud", A_P, D_QUAR },
	{ "4.10.2", "psd=n: within the tenant", "a.tenant.cloud",
	  "pass:b.tenant.cloud", { NULL }, PASS, S_ORG, "tenant.cloud",
	  "tenant.cloud", A_P, D_NONE },
	/* 5.3.6: DNS failures are temperror, never pass or none */
	{ "5.3.6", "the record lookup fails", "tempfail.example",
	  "pass:tempfail.example", { NULL }, TEMP, S_NONE, "", "", A_NONE,
	  D_NONE },
	{ "5.3.6", "the walk fails above", "a.tf.example", NULL, { NULL },
	  TEMP, S_NONE, "", "", A_NONE, D_NONE },
	{ "5.3.6", "an identifier's walk fails", "example.com", NULL,
	  { "pass:x.flaky.example.com" }, TEMP, S_AUTH, "example.com",
	  "example.com", A_P, D_NONE },
	{ "5.3.6", "... unless another passes", "example.com",
	  "pass:example.com", { "pass:x.flaky.example.com" }, PASS, S_AUTH,
	  "example.com", "example.com", A_P, D_NONE },
	{ "5.3.6", "existence unknown (np vs sp)", "slow.example.com", NULL,
	  { NULL }, TEMP, S_ORG, "example.com", "example.com", A_SP, D_NONE },
	{ "5.3.5", "aligned SPF temperror, no pass", "example.com",
	  "temperror:example.com", { "pass:other.example" }, TEMP, S_AUTH,
	  "example.com", "example.com", A_P, D_NONE },
	{ "5.3.5", "unaligned SPF temperror", "example.com",
	  "temperror:other.example", { NULL }, FAIL, S_AUTH, "example.com",
	  "example.com", A_P, D_REJ },
};

/* parse_id - "result:domain[:selector]" into its parts (static storage) */
static void
parse_id(const char *spec, enum dmarc_auth *res, char *domain, size_t size,
	 char *selector)
{
	const char *colon = strchr(spec, ':');
	char word[16];
	size_t n = (size_t)(colon - spec);

	memcpy(word, spec, n);
	word[n] = '\0';
	if (dmarc_eval_auth_parse(word, res) < 0)
		abort();
	snprintf(domain, size, "%s", colon + 1);
	selector[0] = '\0';
	if ((colon = strchr(domain, ':')) != NULL) {
		strcpy(selector, colon + 1);
		domain[colon - domain] = '\0';
	}
}

/* run_case - one row through dmarc_eval_message */
static void
run_case(size_t i, struct dmarc_verdict *v)
{
	struct dmarc_dkim_input dk[3];
	char dom[4][300], sel[4][64];
	struct dmarc_input in;
	size_t n;

	memset(&in, 0, sizeof(in));
	in.author = cases[i].author;
	if (cases[i].spf != NULL) {
		parse_id(cases[i].spf, &in.spf, dom[3], sizeof(dom[3]), sel[3]);
		in.spf_domain = dom[3];
	}
	for (n = 0; n < 3 && cases[i].dkim[n] != NULL; n++) {
		parse_id(cases[i].dkim[n], &dk[n].result, dom[n],
		    sizeof(dom[n]), sel[n]);
		dk[n].domain = dom[n];
		dk[n].selector = sel[n];
	}
	in.dkim = dk;
	in.ndkim = n;
	in.want_org = true;
	tz_nlog = 0;
	dmarc_eval_message(&in, v);
}

/* The table. */
static void
test_cases(void)
{
	struct dmarc_verdict v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(i, &v);
		TMX_CHECKF(v.result == cases[i].result && v.source ==
		    cases[i].source && strcmp(v.policy_domain,
		    cases[i].policy_domain) == 0 && strcmp(v.org_domain,
		    cases[i].org) == 0 && v.applied == cases[i].applied &&
		    v.disposition == cases[i].disposition && v.reason != NULL,
		    "%s %s: %s source %s policy %s org %s applied %s "
		    "disposition %s (%s)", cases[i].sec, cases[i].what,
		    dmarc_eval_result_name(v.result),
		    dmarc_walk_source_name(v.source),
		    v.policy_domain, v.org_domain,
		    dmarc_eval_applied_name(v.applied),
		    dmarc_record_request_name(v.disposition), v.reason);
		/* 5.3.6: temperror never comes out as pass or none */
		if (cases[i].result == TEMP)
			TMX_CHECK(v.disposition == D_NONE);
	}
}

/* Details: alignment per identifier, report fields, query counts. */
static void
test_details(void)
{
	static const struct dmarc_dkim_input dk[] = {
		{ "mail.example.com", "s1", DMARC_AUTH_PASS },
		{ "example.com", "s2", DMARC_AUTH_FAIL },
		{ "unrelated.example", "s3", DMARC_AUTH_PASS },
	};
	struct dmarc_input in;
	struct dmarc_verdict v;

	memset(&in, 0, sizeof(in));
	in.author = "example.com";
	in.spf = DMARC_AUTH_PASS;
	in.spf_domain = "example.com";
	in.dkim = dk;
	in.ndkim = 3;
	tz_nlog = 0;
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.result == PASS && v.spf_aligned && v.dkim_aligned);
	TMX_CHECK(v.spf.align == DMARC_ALIGN_STRICT);
	TMX_CHECK(v.dkim[0].align == DMARC_ALIGN_RELAXED);
	TMX_CHECK_STR(v.dkim[0].org, "example.com");
	TMX_CHECK_STR(v.dkim[0].selector, "s1");
	TMX_CHECK(v.dkim[1].align == DMARC_ALIGN_SKIPPED);
	/* not below example.com: cannot share it, no walk made */
	TMX_CHECK(v.dkim[2].align == DMARC_ALIGN_NO &&
	    v.dkim[2].org[0] == '\0');
	/* policy_published for a report */
	TMX_CHECK_STR(v.published.domain, "example.com");
	TMX_CHECK_STR(v.published.discovery_method, "treewalk");
	TMX_CHECK(v.published.p == D_REJ && v.published.sp == D_QUAR &&
	    v.published.np == D_REJ && v.published.adkim ==
	    DMARC_MODE_RELAXED && !v.published.testing);
	TMX_CHECK_STR(v.published.fo, "0");
	/* own record, the org walk (example.com, com), mail.example.com's */
	TMX_CHECK(v.queries == 3);
	{
		static const char *const want[] = {
			"TXT _dmarc.example.com", "TXT _dmarc.com",
			"TXT _dmarc.mail.example.com", NULL,
		};
		TMX_CHECK(tz_log_is(want));
	}

	/* strict equality needs no walk: one query in all */
	in.ndkim = 0;
	tz_nlog = 0;
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.result == PASS && v.queries == 1 && v.org_domain[0] == 0);

	/* np differing from sp on a failing subdomain: one A query more */
	in.author = "ghost.example.com";
	in.spf = DMARC_AUTH_FAIL;
	tz_nlog = 0;
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.result == FAIL && v.applied == A_NP &&
	    v.author_exists == 0);
	{
		static const char *const want[] = {
			"TXT _dmarc.ghost.example.com",
			"TXT _dmarc.example.com", "TXT _dmarc.com",
			"A ghost.example.com", NULL,
		};
		TMX_CHECK(tz_log_is(want));
		if (!tz_log_is(want))
			tz_log_dump();
	}
	/* RFC 8020: _dmarc.<author> exists, so does the author: no query */
	in.author = "txtonly.example.com";
	tz_nlog = 0;
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.result == FAIL && v.applied == A_SP &&
	    v.author_exists == 1 && v.queries == 3);
	/* ... and no query when it passes */
	in.author = "ghost.example.com";
	in.spf = DMARC_AUTH_PASS;
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.result == PASS && v.author_exists == -1 && v.queries == 3);

	/* removed tags are reported (for trustmx doctor) */
	in.author = "pct.example";
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.removed_tags == (DMARC_TAG_PCT | DMARC_TAG_RI |
	    DMARC_TAG_RF));
	/* t=y is reported as testing */
	in.author = "testing.example";
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.testing && v.published.testing);
	/* recovered record */
	in.author = "badp-rua.example";
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.recovered && v.ignored_tags == DMARC_TAG_P &&
	    v.published.p == D_NONE);
}

/* RFC 9989 4.10: however long the From domain, a walk asks at most eight
 * names (plus one for the existence test). */
static void
test_bound(void)
{
	struct dmarc_input in;
	struct dmarc_verdict v;

	memset(&in, 0, sizeof(in));
	in.author = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.example.com";
	tz_nlog = 0;
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.result == FAIL && v.source == S_ORG && v.queries == 9);
	TMX_CHECK(strcmp(tz_log[1], "TXT _dmarc.p.q.r.s.t.example.com")
	    == 0);
	TMX_CHECK_STR(v.policy_domain, "example.com");
}

/* More than DMARC_EVAL_DKIM_MAX signatures: the rest are ignored. */
static void
test_many_dkim(void)
{
	struct dmarc_dkim_input dk[DMARC_EVAL_DKIM_MAX + 2];
	struct dmarc_input in;
	struct dmarc_verdict v;

	for (size_t i = 0; i < DMARC_EVAL_DKIM_MAX + 2; i++) {
		dk[i].domain = "other.example";
		dk[i].selector = "s";
		dk[i].result = DMARC_AUTH_PASS;
	}
	dk[DMARC_EVAL_DKIM_MAX + 1].domain = "example.com";
	memset(&in, 0, sizeof(in));
	in.author = "example.com";
	in.dkim = dk;
	in.ndkim = DMARC_EVAL_DKIM_MAX + 2;
	dmarc_eval_message(&in, &v);
	TMX_CHECK(v.ndkim == DMARC_EVAL_DKIM_MAX && v.dkim_ignored == 2);
	TMX_CHECK(v.result == FAIL);
}

/* The on_query callback sees every query. */
static unsigned seen_queries;

static void
count_query(void *arg, const char *name, enum dns_type type,
	    enum dns_status status)
{
	(void)arg;
	(void)name;
	(void)type;
	(void)status;
	seen_queries++;
}

static void
test_on_query(void)
{
	struct dmarc_input in;
	struct dmarc_verdict v;

	memset(&in, 0, sizeof(in));
	in.author = "a.b.example.com";
	in.on_query = count_query;
	dmarc_eval_message(&in, &v);
	/* four TXT names, then the existence of a.b.example.com (np) */
	TMX_CHECK(seen_queries == v.queries && v.queries == 5);
}

int
main(void)
{
	tz_use(zone, sizeof(zone) / sizeof(zone[0]));
	test_cases();
	test_details();
	test_bound();
	test_many_dkim();
	test_on_query();
	TMX_CHECK_STR(dmarc_eval_result_name(DMARC_RESULT_PERMERROR),
	    "permerror");
	return TMX_TEST_END();
}
