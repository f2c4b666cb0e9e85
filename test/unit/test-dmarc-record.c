/*
 * test-dmarc-record.c - DMARC Policy Records by RFC 9989 4.7 and 4.8:
 * what makes text no DMARC record at all (v=DMARC1 not first), what one
 * bad tag costs (only itself), the removed RFC 7489 tags, and how a record
 * without a usable p= is read (4.10.1). Each row names its section.
 */
#include <string.h>

#include "dmarc_record.h"
#include "tmx-test.h"

#define U DMARC_REQUEST_UNSET
#define NONE DMARC_REQUEST_NONE
#define QUAR DMARC_REQUEST_QUARANTINE
#define REJ DMARC_REQUEST_REJECT

static const struct {
	const char *in;
	size_t len;			/* 0: strlen (for NUL bytes) */
	int dmarc;			/* parses as a DMARC record */
	enum dmarc_request p, sp, np;
	unsigned invalid, removed, duplicate;
	unsigned unknown, malformed;
	enum dmarc_usable usable;
} record_cases[] = {
	/* 4.7: v first, exactly DMARC1 */
	{ "v=DMARC1; p=reject", 0, 1, REJ, U, U, 0, 0, 0, 0, 0,
	  DMARC_USABLE_OK },
	{ "v=DMARC1;p=reject", 0, 1, REJ, U, U, 0, 0, 0, 0, 0,
	  DMARC_USABLE_OK },
	/* 4.8: equals and dmarc-sep take WSP; ABNF literals have no case */
	{ "V = DMARC1 ;\tP = Reject ;", 0, 1, REJ, U, U, 0, 0, 0, 0, 0,
	  DMARC_USABLE_OK },
	/* 4.7: the value of v is case-sensitive */
	{ "v=dmarc1; p=reject", 0, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	/* 4.7: v must be the first tag */
	{ "p=reject; v=DMARC1", 0, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	/* 4.8: dmarc-record starts with dmarc-version, no WSP before it */
	{ " v=DMARC1; p=reject", 0, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	/* 4.8: without ';' the v tag's value is "DMARC1 p=reject" */
	{ "v=DMARC1 p=reject", 0, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC2; p=reject", 0, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	{ "v=spf1 -all", 0, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	{ "", 0, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1\0; p=reject", 19, 0, U, U, U, 0, 0, 0, 0, 0, 0 },
	/* 4.7 p: absent is no policy unless rua recovers it (4.10.1) */
	{ "v=DMARC1", 0, 1, U, U, U, 0, 0, 0, 0, 0, DMARC_USABLE_NO_POLICY },
	{ "v=DMARC1;", 0, 1, U, U, U, 0, 0, 0, 0, 0, DMARC_USABLE_NO_POLICY },
	{ "v=DMARC1; ", 0, 1, U, U, U, 0, 0, 0, 0, 0, DMARC_USABLE_NO_POLICY },
	{ "v=DMARC1; rua=mailto:d@example.com", 0, 1, U, U, U, 0, 0, 0, 0, 0,
	  DMARC_USABLE_RECOVERED },
	{ "v=DMARC1; rua=not-a-uri", 0, 1, U, U, U, DMARC_TAG_RUA, 0, 0, 0, 0,
	  DMARC_USABLE_NO_POLICY },
	/* 4.8: a value outside the rule is ignored, the record stays */
	{ "v=DMARC1; p=rej", 0, 1, U, U, U, DMARC_TAG_P, 0, 0, 0, 0,
	  DMARC_USABLE_BROKEN },
	{ "v=DMARC1; p=re ject", 0, 1, U, U, U, DMARC_TAG_P, 0, 0, 0, 0,
	  DMARC_USABLE_BROKEN },
	{ "v=DMARC1; p=reject; sp=bad", 0, 1, REJ, U, U, DMARC_TAG_SP, 0, 0,
	  0, 0, DMARC_USABLE_BROKEN },
	{ "v=DMARC1; p=bogus; rua=mailto:d@example.com", 0, 1, U, U, U,
	  DMARC_TAG_P, 0, 0, 0, 0, DMARC_USABLE_RECOVERED },
	{ "v=DMARC1; p=reject; np=garbage; rua=mailto:d@example.com", 0, 1,
	  REJ, U, U, DMARC_TAG_NP, 0, 0, 0, 0, DMARC_USABLE_RECOVERED },
	{ "v=DMARC1; p=reject; adkim=x; aspf=relaxed; psd=maybe; t=1", 0, 1,
	  REJ, U, U, DMARC_TAG_ADKIM | DMARC_TAG_ASPF | DMARC_TAG_PSD |
	  DMARC_TAG_T, 0, 0, 0, 0, DMARC_USABLE_OK },
	{ "v=DMARC1; p=reject; fo=0:1", 0, 1, REJ, U, U, DMARC_TAG_FO, 0, 0,
	  0, 0, DMARC_USABLE_OK },
	{ "v=DMARC1; p=reject; fo=d:", 0, 1, REJ, U, U, DMARC_TAG_FO, 0, 0,
	  0, 0, DMARC_USABLE_OK },
	/* 4.8: a NUL byte is no dmarc-value: that tag only */
	{ "v=DMARC1; p=reject\0junk", 23, 1, U, U, U, DMARC_TAG_P, 0, 0, 0,
	  0, DMARC_USABLE_BROKEN },
	{ "v=DMARC1; p=reject; sp=none\x80", 0, 1, REJ, U, U, DMARC_TAG_SP, 0,
	  0, 0, 0, DMARC_USABLE_BROKEN },
	/* 9.3: pct, rf, ri are historic: noted, never validated or used */
	{ "v=DMARC1; p=reject; pct=20; rf=afrf; ri=3600", 0, 1, REJ, U, U, 0,
	  DMARC_TAGS_REMOVED, 0, 0, 0, DMARC_USABLE_OK },
	{ "v=DMARC1; p=quarantine; pct=abc", 0, 1, QUAR, U, U, 0,
	  DMARC_TAG_PCT, 0, 0, 0, DMARC_USABLE_OK },
	/* 4.7: unknown tags MUST be ignored */
	{ "v=DMARC1; p=none; foo=bar; bimi=x", 0, 1, NONE, U, U, 0, 0, 0, 2,
	  0, DMARC_USABLE_OK },
	/* 4.8: parts that are no dmarc-tag are ignored */
	{ "v=DMARC1; ; p=reject", 0, 1, REJ, U, U, 0, 0, 0, 0, 1,
	  DMARC_USABLE_OK },
	{ "v=DMARC1; p=quarantine; p", 0, 1, QUAR, U, U, 0, 0, 0, 0, 1,
	  DMARC_USABLE_OK },
	{ "v=DMARC1; p=reject; 1x=2; x_y=3; =4; sp=", 0, 1, REJ, U, U, 0, 0,
	  0, 0, 4, DMARC_USABLE_OK },
	/* tag lists (RFC 6376 3.2) name a tag once: the first counts */
	{ "v=DMARC1; p=none; p=reject", 0, 1, NONE, U, U, 0, 0, DMARC_TAG_P,
	  0, 0, DMARC_USABLE_OK },
	{ "v=DMARC1; v=DMARC1; p=reject", 0, 1, REJ, U, U, 0, 0, DMARC_TAG_V,
	  0, 0, DMARC_USABLE_OK },
	/* 4.7 sp, np */
	{ "v=DMARC1; p=none; sp=quarantine; np=reject", 0, 1, NONE, QUAR, REJ,
	  0, 0, 0, 0, 0, DMARC_USABLE_OK },
	{ "v=DMARC1; sp=reject; rua=mailto:d@example.com", 0, 1, U, REJ, U, 0,
	  0, 0, 0, 0, DMARC_USABLE_RECOVERED },
	/* trailing WSP belongs to the separator */
	{ "v=DMARC1; p=reject\t ", 0, 1, REJ, U, U, 0, 0, 0, 0, 0,
	  DMARC_USABLE_OK },
};

/* The full set of tags, 4.7. */
static void
test_record_all_tags(void)
{
	static const char txt[] = "v=DMARC1;p=none;sp=quarantine;np=reject;"
	    "psd=n;t=y;adkim=s;aspf=s;fo=1:d:s;"
	    "rua=mailto:a@example.com,mailto:b@example.net!10m;"
	    "ruf=mailto:f@example.com";
	struct dmarc_record rec;
	const char *why = NULL;
	char fo[16];

	TMX_CHECK(dmarc_record_parse(txt, strlen(txt), &rec, &why) == 0);
	TMX_CHECK(rec.p == NONE && rec.sp == QUAR && rec.np == REJ);
	TMX_CHECK(rec.psd == DMARC_PSD_N && rec.testing);
	TMX_CHECK(rec.adkim == DMARC_MODE_STRICT &&
	    rec.aspf == DMARC_MODE_STRICT);
	TMX_CHECK(rec.fo == (DMARC_FO_1 | DMARC_FO_D | DMARC_FO_S));
	TMX_CHECK(rec.rua_valid == 2 && rec.ruf_valid == 1);
	TMX_CHECK(rec.rua_len == strlen("mailto:a@example.com,"
	    "mailto:b@example.net!10m"));
	TMX_CHECK(rec.invalid == 0 && rec.unknown == 0 && rec.malformed == 0);
	dmarc_record_fo(rec.fo, fo, sizeof(fo));
	TMX_CHECK_STR(fo, "1:d:s");
	dmarc_record_fo(0, fo, sizeof(fo));
	TMX_CHECK_STR(fo, "0");		/* 4.7 fo: default "0" */

	/* defaults, 4.7: adkim, aspf r; psd u; t n */
	TMX_CHECK(dmarc_record_parse("v=DMARC1; p=reject",
	    strlen("v=DMARC1; p=reject"), &rec, &why) == 0);
	TMX_CHECK(rec.adkim == DMARC_MODE_RELAXED &&
	    rec.aspf == DMARC_MODE_RELAXED && rec.psd == DMARC_PSD_U &&
	    !rec.testing && rec.fo == 0 && rec.rua == NULL);
	TMX_CHECK(dmarc_record_parse("v=DMARC1; p=reject; psd=Y; t=N",
	    strlen("v=DMARC1; p=reject; psd=Y; t=N"), &rec, &why) == 0);
	TMX_CHECK(rec.psd == DMARC_PSD_Y && !rec.testing && rec.invalid == 0);
	TMX_CHECK(dmarc_record_parse("v=DMARC1; p=reject; fo=s:d:0",
	    strlen("v=DMARC1; p=reject; fo=s:d:0"), &rec, &why) == 0);
	TMX_CHECK(rec.fo == (DMARC_FO_S | DMARC_FO_D | DMARC_FO_0));
}

/* Effective policies (4.7 sp, np; 4.10.1 recovery). */
static void
test_record_usable(void)
{
	static const struct {
		const char *in;
		enum dmarc_usable u;
		enum dmarc_request p, sp, np;
		int sp_set, np_set;
	} cases[] = {
		/* 4.7 sp: absent, p applies to subdomains */
		{ "v=DMARC1; p=reject", DMARC_USABLE_OK, REJ, REJ, REJ, 0, 0 },
		/* 4.7 np: absent, sp (if present) else p */
		{ "v=DMARC1; p=none; sp=quarantine", DMARC_USABLE_OK, NONE,
		  QUAR, QUAR, 1, 0 },
		{ "v=DMARC1; p=none; np=reject", DMARC_USABLE_OK, NONE, NONE,
		  REJ, 0, 1 },
		/* 4.10.1: recovered as p=none, invalid np dropped */
		{ "v=DMARC1; p=reject; np=x; rua=mailto:d@example.com",
		  DMARC_USABLE_RECOVERED, NONE, NONE, NONE, 0, 0 },
		/* 4.7 p absent: treated as p=none; a valid sp stays */
		{ "v=DMARC1; sp=reject; rua=mailto:d@example.com",
		  DMARC_USABLE_RECOVERED, NONE, REJ, REJ, 1, 0 },
	};
	struct dmarc_record rec;
	struct dmarc_policies pol;
	const char *why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TMX_CHECK(dmarc_record_parse(cases[i].in, strlen(cases[i].in),
		    &rec, &why) == 0);
		TMX_CHECKF(dmarc_record_usable(&rec, &pol) == cases[i].u &&
		    pol.p == cases[i].p && pol.sp == cases[i].sp &&
		    pol.np == cases[i].np && pol.sp_set == cases[i].sp_set &&
		    pol.np_set == cases[i].np_set, "%s", cases[i].in);
	}
}

/* dmarc-uri (4.8): RFC 3986 URIs, commas and '!' encoded, "!size" obsolete */
static void
test_record_uris(void)
{
	static const struct {
		const char *uri;
		int valid;
	} cases[] = {
		{ "mailto:dmarc@example.com", 1 },
		{ "MAILTO:dmarc@example.com", 1 },
		{ "https://reports.example.com/dmarc?id=1", 1 },
		{ "mailto:dmarc@example.com!10m", 1 },
		{ "mailto:dmarc@example.com!25", 1 },
		{ "mailto:a%2Cb@example.com", 1 },
		{ "mailto:dmarc@example.com!", 0 },
		{ "mailto:dmarc@example.com!10x", 0 },
		{ "mailto:a%2@example.com", 0 },
		{ "mailto:a%2", 0 },
		{ "mailto:a,b@example.com", 0 },
		{ "mailto:a b@example.com", 0 },
		{ "mailto:", 0 },
		{ "mailto", 0 },
		{ "1mailto:a@example.com", 0 },
		{ ":a@example.com", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TMX_CHECKF(dmarc_record_uri_valid(cases[i].uri,
		    strlen(cases[i].uri)) == (cases[i].valid != 0), "%s",
		    cases[i].uri);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(record_cases) / sizeof(record_cases[0]);
	    i++) {
		const char *in = record_cases[i].in, *why = NULL;
		size_t len = record_cases[i].len ? record_cases[i].len :
		    strlen(in);
		struct dmarc_record rec;
		struct dmarc_policies pol;
		int r = dmarc_record_parse(in, len, &rec, &why);

		TMX_CHECKF(dmarc_record_is_dmarc(in, len) ==
		    (record_cases[i].dmarc != 0), "is_dmarc %s", in);
		if (!record_cases[i].dmarc) {
			TMX_CHECKF(r < 0 && why != NULL, "%s", in);
			continue;
		}
		TMX_CHECKF(r == 0, "%s", in);
		TMX_CHECKF(rec.p == record_cases[i].p &&
		    rec.sp == record_cases[i].sp &&
		    rec.np == record_cases[i].np, "policies %s", in);
		TMX_CHECKF(rec.invalid == record_cases[i].invalid,
		    "invalid %#x %s", rec.invalid, in);
		TMX_CHECKF((rec.seen & DMARC_TAGS_REMOVED) ==
		    record_cases[i].removed, "removed %s", in);
		TMX_CHECKF(rec.duplicate == record_cases[i].duplicate,
		    "duplicate %s", in);
		TMX_CHECKF(rec.unknown == record_cases[i].unknown &&
		    rec.malformed == record_cases[i].malformed,
		    "unknown %u malformed %u %s", rec.unknown, rec.malformed,
		    in);
		TMX_CHECKF(dmarc_record_usable(&rec, &pol) ==
		    record_cases[i].usable, "usable %s", in);
	}
	test_record_all_tags();
	test_record_usable();
	test_record_uris();
	TMX_CHECK_STR(dmarc_record_tag_name(DMARC_TAG_PCT), "pct");
	TMX_CHECK_STR(dmarc_record_request_name(REJ), "reject");
	return TMX_TEST_END();
}
