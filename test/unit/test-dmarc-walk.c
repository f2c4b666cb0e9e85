/*
 * test-dmarc-walk.c - the DNS Tree Walk of RFC 9989 4.10 against zones in
 * tables: the names each walk asks (exactly, in order), the eight-query
 * bound and the labels it skips, where a walk stops (psd=y, psd=n), the
 * Organizational Domain it yields (4.10.2) and the record policy
 * discovery takes (4.10.1), including the worked examples of Appendix B.4.
 */
#include <string.h>

#include "dmarc_walk.h"
#include "tmx-test.h"
#include "tmx-test-dmarc.h"

#define TXT(name, text)	{ name, DNS_TYPE_TXT, DNS_OK, text, 0 }
#define FAIL(name)	{ name, DNS_TYPE_TXT, DNS_TEMPFAIL, NULL, 0 }
#define ZONE(z)		tz_use(z, sizeof(z) / sizeof(z[0]))
#define LOG_IS(...)	do { \
	static const char *const want_[] = { __VA_ARGS__, NULL }; \
	int ok_ = tz_log_is(want_); \
	TMX_CHECKF(ok_, "queries differ (line %d)", __LINE__); \
	if (!ok_) \
		tz_log_dump(); \
} while (0)

/* A fresh cache per walk: each case counts its own queries. */
static struct dmarc_dns dns;

/* walk - the Organizational Domain of domain, in a fresh evaluation */
static void
walk(const char *domain, struct dmarc_org *org)
{
	dmarc_dns_clear(&dns);
	dmarc_dns_init(&dns, NULL, NULL);
	tz_nlog = 0;
	dmarc_walk_org(&dns, domain, org);
}

/* discover - policy discovery for author, in a fresh evaluation */
static void
discover(const char *author, struct dmarc_discovery *disc)
{
	dmarc_dns_clear(&dns);
	dmarc_dns_init(&dns, NULL, NULL);
	tz_nlog = 0;
	dmarc_walk_discover(&dns, author, disc);
}

/* Author Domains as the walk reads them (5.3.1: A-labels only). */
static void
test_normalize(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "Example.COM", "example.com" },
		{ "example.com.", "example.com" },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
		{ "_x.example", "_x.example" },
		{ "bank", "bank" },
		{ "", NULL },
		{ ".", NULL },
		{ "example..com", NULL },
		{ ".example.com", NULL },
		{ "example.com..", NULL },
		{ "example.net>", NULL },	/* OpenDMARC #174 */
		{ "exa mple.com", NULL },
		{ "b\xc3\xbc" "cher.example", NULL },	/* a U-label */
		{ "[192.0.2.1]", NULL },
		{ "a234567890123456789012345678901234567890"
		  "123456789012345678901234.example", NULL },	/* 64 bytes */
	};
	char out[DMARC_DOMAIN_MAX + 1], big[300];
	const char *why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = dmarc_walk_normalize(cases[i].in, out, &why);

		if (cases[i].out == NULL)
			TMX_CHECKF(r < 0 && out[0] == '\0', "%s", cases[i].in);
		else
			TMX_CHECKF(r == 0 && strcmp(out, cases[i].out) == 0,
			    "%s", cases[i].in);
	}
	TMX_CHECK(dmarc_walk_normalize(NULL, out, &why) < 0);
	/* 253 bytes is the most a name may have */
	memset(big, 'a', sizeof(big));
	for (size_t i = 63; i < 253; i += 64)
		big[i] = '.';
	big[253] = '\0';
	TMX_CHECK(dmarc_walk_normalize(big, out, &why) == 0);
	big[253] = 'a';
	big[254] = '\0';
	TMX_CHECK(dmarc_walk_normalize(big, out, &why) < 0);
	TMX_CHECK(dmarc_walk_labels("a.b.c") == 3);
	TMX_CHECK(dmarc_walk_labels("c") == 1);
	TMX_CHECK(dmarc_walk_under("a.example.com", "example.com"));
	TMX_CHECK(dmarc_walk_under("example.com", "example.com"));
	TMX_CHECK(!dmarc_walk_under("badexample.com", "example.com"));
	TMX_CHECK(!dmarc_walk_under("com", "example.com"));
}

/*
 * 4.10 steps 3, 4 and 7: the names of a walk from 1 to 10 labels, and
 * the section's own example of 13; never more than eight.
 */
static void
test_targets(void)
{
	static const struct {
		const char *start;
		const char *names[DMARC_WALK_QUERIES_MAX + 1];
	} cases[] = {
		{ "com", { "com" } },
		{ "example.com", { "example.com", "com" } },
		{ "b.example.com", { "b.example.com", "example.com", "com" } },
		{ "c.b.example.com", { "c.b.example.com", "b.example.com",
		  "example.com", "com" } },
		{ "d.c.b.example.com", { "d.c.b.example.com", "c.b.example.com",
		  "b.example.com", "example.com", "com" } },
		{ "e.d.c.b.example.com", { "e.d.c.b.example.com",
		  "d.c.b.example.com", "c.b.example.com", "b.example.com",
		  "example.com", "com" } },
		{ "f.e.d.c.b.example.com", { "f.e.d.c.b.example.com",
		  "e.d.c.b.example.com", "d.c.b.example.com",
		  "c.b.example.com", "b.example.com", "example.com", "com" } },
		/* 8 labels: x >= 8 leaves 7, which is the parent anyway */
		{ "g.f.e.d.c.b.example.com", { "g.f.e.d.c.b.example.com",
		  "f.e.d.c.b.example.com", "e.d.c.b.example.com",
		  "d.c.b.example.com", "c.b.example.com", "b.example.com",
		  "example.com", "com" } },
		/* 9 labels: "h" and "g" go at once, 7 remain */
		{ "h.g.f.e.d.c.b.example.com", { "h.g.f.e.d.c.b.example.com",
		  "f.e.d.c.b.example.com", "e.d.c.b.example.com",
		  "d.c.b.example.com", "c.b.example.com", "b.example.com",
		  "example.com", "com" } },
		/* 10 labels */
		{ "i.h.g.f.e.d.c.b.example.com", {
		  "i.h.g.f.e.d.c.b.example.com", "f.e.d.c.b.example.com",
		  "e.d.c.b.example.com", "d.c.b.example.com",
		  "c.b.example.com", "b.example.com", "example.com", "com" } },
		/* the example under the steps of 4.10 */
		{ "a.b.c.d.e.f.g.h.i.j.mail.example.com", {
		  "a.b.c.d.e.f.g.h.i.j.mail.example.com",
		  "g.h.i.j.mail.example.com", "h.i.j.mail.example.com",
		  "i.j.mail.example.com", "j.mail.example.com",
		  "mail.example.com", "example.com", "com" } },
	};
	size_t offs[DMARC_WALK_QUERIES_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].start;
		size_t n = dmarc_walk_targets(s, offs), want = 0;

		while (cases[i].names[want] != NULL)
			want++;
		TMX_CHECKF(n == want, "%s: %zu names", s, n);
		for (size_t j = 0; j < n && j < want; j++)
			TMX_CHECKF(strcmp(s + offs[j], cases[i].names[j]) == 0,
			    "%s: name %zu is %s", s, j, s + offs[j]);
	}
}

/* Appendix B.4.1 and B.4.2: the record with the fewest labels (rule 3). */
static void
test_org_fewest(void)
{
	static const struct tz_rr zone[] = {
		TXT("_dmarc.example.com", "v=DMARC1; p=reject"),
		TXT("_dmarc.signing.example.com", "v=DMARC1; p=none"),
	};
	struct dmarc_org org;

	ZONE(zone);
	/* B.4.1: example.com asks _dmarc.example.com and _dmarc.com */
	walk("example.com", &org);
	TMX_CHECK_STR(org.domain, "example.com");
	TMX_CHECK(org.rule == DMARC_ORG_FEWEST && !org.tempfail);
	LOG_IS("TXT _dmarc.example.com", "TXT _dmarc.com");
	/* B.4.1: signing.example.com has a record, example.com fewer labels */
	walk("signing.example.com", &org);
	TMX_CHECK_STR(org.domain, "example.com");
	TMX_CHECK(org.org_node != NULL &&
	    strcmp(org.org_node->domain, "example.com") == 0);
	LOG_IS("TXT _dmarc.signing.example.com", "TXT _dmarc.example.com",
	    "TXT _dmarc.com");
	/* B.4.2: 14 labels, the intermediate names skipped */
	walk("a.b.c.d.e.f.g.h.i.j.k.example.com", &org);
	TMX_CHECK_STR(org.domain, "example.com");
	TMX_CHECK(org.steps == 8 && dns.queries == 8);
	LOG_IS("TXT _dmarc.a.b.c.d.e.f.g.h.i.j.k.example.com",
	    "TXT _dmarc.g.h.i.j.k.example.com",
	    "TXT _dmarc.h.i.j.k.example.com", "TXT _dmarc.i.j.k.example.com",
	    "TXT _dmarc.j.k.example.com", "TXT _dmarc.k.example.com",
	    "TXT _dmarc.example.com", "TXT _dmarc.com");
	/* 4.10.2, first example: mail.example.com and example.com */
	walk("a.signing.example.com", &org);
	TMX_CHECK_STR(org.domain, "example.com");
	/* no record anywhere: the domain itself (last paragraph of 4.10.2) */
	walk("mail.example.net", &org);
	TMX_CHECK_STR(org.domain, "mail.example.net");
	TMX_CHECK(org.rule == DMARC_ORG_START && org.org_node == NULL);
	LOG_IS("TXT _dmarc.mail.example.net", "TXT _dmarc.example.net",
	    "TXT _dmarc.net");
}

/* Appendix B.4.3 and 4.10.2 rule 2: psd=y ends the walk, the
 * Organizational Domain is one label below it. */
static void
test_org_psd_y(void)
{
	static const struct tz_rr zone[] = {
		TXT("_dmarc.bank.example", "v=DMARC1; p=reject; psd=y"),
		TXT("_dmarc.giant.bank.example", "v=DMARC1; p=quarantine"),
		TXT("_dmarc.example", "v=DMARC1; p=none"),
	};
	struct dmarc_org org;

	ZONE(zone);
	walk("giant.bank.example", &org);
	TMX_CHECK_STR(org.domain, "giant.bank.example");
	TMX_CHECK(org.rule == DMARC_ORG_BELOW_PSD && org.org_node != NULL &&
	    org.psd_node != NULL);
	/* stopped at psd=y: _dmarc.example is never asked */
	LOG_IS("TXT _dmarc.giant.bank.example", "TXT _dmarc.bank.example");
	walk("mail.giant.bank.example", &org);
	TMX_CHECK_STR(org.domain, "giant.bank.example");
	LOG_IS("TXT _dmarc.mail.giant.bank.example",
	    "TXT _dmarc.giant.bank.example", "TXT _dmarc.bank.example");
	walk("mail.mega.bank.example", &org);
	TMX_CHECK_STR(org.domain, "mega.bank.example");
	TMX_CHECK(org.org_node == NULL && org.psd_node != NULL);
	/* the PSD itself: its own psd=y does not count (rule 2 "other than
	 * the one for the domain where the tree walk started"), rule 3 */
	walk("bank.example", &org);
	TMX_CHECK_STR(org.domain, "bank.example");
	TMX_CHECK(org.rule == DMARC_ORG_FEWEST);
	LOG_IS("TXT _dmarc.bank.example");
	/* 4.10.2 last example: only _dmarc.com, with psd=y */
	{
		static const struct tz_rr z2[] = {
			TXT("_dmarc.com", "v=DMARC1; p=reject; psd=y"),
		};

		ZONE(z2);
		walk("a.mail.example.com", &org);
		TMX_CHECK_STR(org.domain, "example.com");
		TMX_CHECK(org.rule == DMARC_ORG_BELOW_PSD);
	}
	/* psd=y past the eight-label jump: still one label below it */
	{
		static const struct tz_rr z3[] = {
			TXT("_dmarc.bank", "v=DMARC1; p=reject; psd=y"),
		};

		ZONE(z3);
		walk("a.b.c.d.e.f.g.h.i.bank", &org);
		TMX_CHECK_STR(org.domain, "i.bank");
		LOG_IS("TXT _dmarc.a.b.c.d.e.f.g.h.i.bank",
		    "TXT _dmarc.d.e.f.g.h.i.bank", "TXT _dmarc.e.f.g.h.i.bank",
		    "TXT _dmarc.f.g.h.i.bank", "TXT _dmarc.g.h.i.bank",
		    "TXT _dmarc.h.i.bank", "TXT _dmarc.i.bank",
		    "TXT _dmarc.bank");
	}
}

/* 4.10.2 rule 1 and the second example: psd=n is the Organizational
 * Domain, and the walk stops there (4.10 step 6). */
static void
test_org_psd_n(void)
{
	static const struct tz_rr zone[] = {
		TXT("_dmarc.mail.example.com", "v=DMARC1; p=reject; psd=n"),
		TXT("_dmarc.example.com", "v=DMARC1; p=none"),
	};
	struct dmarc_org org;

	ZONE(zone);
	walk("a.mail.example.com", &org);
	TMX_CHECK_STR(org.domain, "mail.example.com");
	TMX_CHECK(org.rule == DMARC_ORG_PSD_N);
	LOG_IS("TXT _dmarc.a.mail.example.com", "TXT _dmarc.mail.example.com");
	/* without psd=n, example.com (fewest labels) would be */
	walk("example.com", &org);
	TMX_CHECK_STR(org.domain, "example.com");
}

/* 4.10 steps 2 and 6: what counts as a record at a name. */
static void
test_org_records(void)
{
	static const struct tz_rr zone[] = {
		/* two DMARC records: both discarded */
		TXT("_dmarc.two.example", "v=DMARC1; p=reject"),
		TXT("_dmarc.two.example", "v=DMARC1; p=none"),
		/* one DMARC record among other TXT records: that one */
		TXT("_dmarc.one.example", "v=spf1 -all"),
		TXT("_dmarc.one.example", "v=DMARC1; p=reject"),
		TXT("_dmarc.one.example", "hello"),
		/* no v=DMARC1 first: no record */
		TXT("_dmarc.bad.example", "p=reject; v=DMARC1"),
		FAIL("_dmarc.broken.example"),
	};
	struct dmarc_org org;

	ZONE(zone);
	walk("a.two.example", &org);
	TMX_CHECK_STR(org.domain, "a.two.example");
	TMX_CHECK(org.rule == DMARC_ORG_START && dns.count == 3 &&
	    dns.nodes[1].ndmarc == 2 &&
	    dns.nodes[1].state == DMARC_NODE_NONE);
	walk("a.one.example", &org);
	TMX_CHECK_STR(org.domain, "one.example");
	walk("a.bad.example", &org);
	TMX_CHECK_STR(org.domain, "a.bad.example");
	/* a failed query ends the walk: no answer, never "no record" */
	walk("a.b.broken.example", &org);
	TMX_CHECK(org.tempfail && org.steps == 3);
	LOG_IS("TXT _dmarc.a.b.broken.example", "TXT _dmarc.b.broken.example",
	    "TXT _dmarc.broken.example");
}

/* 4.10: a name whose _dmarc form is longer than DNS allows holds no
 * record; it is not asked, and the walk goes on. */
static void
test_org_long(void)
{
	static const struct tz_rr zone[] = {
		TXT("_dmarc.example.com", "v=DMARC1; p=reject"),
	};
	char name[DMARC_DOMAIN_MAX + 1];
	struct dmarc_org org;

	/* labels of 61, 61, 61 and 49 bytes, then "example.com": 247
	 * bytes, too long with "_dmarc." (254), its parent is not */
	memset(name, 'x', sizeof(name));
	name[61] = name[123] = name[185] = '.';
	memcpy(name + 235, ".example.com", 13);
	TMX_CHECK(strlen(name) == 247);
	ZONE(zone);
	walk(name, &org);
	TMX_CHECK_STR(org.domain, "example.com");
	TMX_CHECK(org.steps == 6 && dns.queries == 5);
	TMX_CHECK(dns.nodes[0].state == DMARC_NODE_NONE);
}

/* 4.10.1: the Author Domain's record, its Organizational Domain's, its
 * Public Suffix Domain's, in that order of preference. */
static void
test_discover(void)
{
	static const struct tz_rr zone[] = {
		TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine"),
		TXT("_dmarc.mail.example.com", "v=DMARC1; p=none"),
		TXT("_dmarc.bank", "v=DMARC1; p=reject; psd=y"),
		TXT("_dmarc.b.example.bank", "v=DMARC1; p=none"),
		TXT("_dmarc.org.bank", "v=DMARC1; p=quarantine"),
		FAIL("_dmarc.broken.example"),
	};
	struct dmarc_discovery d;

	ZONE(zone);
	/* the Author Domain's own record: one query */
	discover("mail.example.com", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_AUTHOR && d.node != NULL &&
	    !d.org_known);
	LOG_IS("TXT _dmarc.mail.example.com");
	/* a subdomain: the Organizational Domain's record */
	discover("a.example.com", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_ORG && d.org_known);
	TMX_CHECK_STR(d.node->domain, "example.com");
	TMX_CHECK_STR(d.org.domain, "example.com");
	LOG_IS("TXT _dmarc.a.example.com", "TXT _dmarc.example.com",
	    "TXT _dmarc.com");
	/* a record between the Author Domain and the Organizational
	 * Domain is neither: not applied (4.7 sp: "sp will be ignored for
	 * records published on subdomains of Organizational Domains") */
	discover("x.a.mail.example.com", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_ORG);
	TMX_CHECK_STR(d.node->domain, "example.com");
	/* only the PSD has a record: psd=y applies, one label below is the
	 * Organizational Domain */
	discover("x.example.bank", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_PSD);
	TMX_CHECK_STR(d.node->domain, "bank");
	TMX_CHECK_STR(d.org.domain, "example.bank");
	LOG_IS("TXT _dmarc.x.example.bank", "TXT _dmarc.example.bank",
	    "TXT _dmarc.bank");
	discover("a.b.example.bank", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_PSD);
	TMX_CHECK_STR(d.node->domain, "bank");
	/* the Organizational Domain below the PSD has a record: that one
	 * (4.10.1 note: PSD policy is not used then) */
	discover("x.org.bank", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_ORG);
	TMX_CHECK_STR(d.node->domain, "org.bank");
	/* nothing anywhere: DMARC does not apply */
	discover("a.example.net", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_NONE && d.node == NULL &&
	    !d.tempfail);
	/* the first query fails: no answer */
	discover("broken.example", &d);
	TMX_CHECK(d.tempfail);
	discover("a.broken.example", &d);
	TMX_CHECK(d.tempfail);
	/* 4.10.1: more than eight labels, the walk starts at seven */
	discover("a.b.c.d.e.f.g.h.i.example.com", &d);
	TMX_CHECK(d.source == DMARC_SOURCE_ORG);
	LOG_IS("TXT _dmarc.a.b.c.d.e.f.g.h.i.example.com",
	    "TXT _dmarc.e.f.g.h.i.example.com",
	    "TXT _dmarc.f.g.h.i.example.com",
	    "TXT _dmarc.g.h.i.example.com", "TXT _dmarc.h.i.example.com",
	    "TXT _dmarc.i.example.com", "TXT _dmarc.example.com",
	    "TXT _dmarc.com");
}

int
main(void)
{
	dmarc_dns_init(&dns, NULL, NULL);
	test_normalize();
	test_targets();
	test_org_fewest();
	test_org_psd_y();
	test_org_psd_n();
	test_org_records();
	test_org_long();
	test_discover();
	dmarc_dns_clear(&dns);
	return TMX_TEST_END();
}
