/*
 * test-spf-record.c - table tests of what libspf2 1.2.10 is given: the
 * rewrites of records and exp= text, and the budget that keeps macro-heavy
 * terms away from its compiler. The grammar itself is test-spf-term.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_record.h"
#include "tmx-test.h"

struct good_case {
	const char *record;
	const char *rewritten;	/* what libspf2 is given */
};

static const struct good_case good[] = {
	{ "v=spf1", "v=spf1" },
	{ "V=SPF1 -ALL", "v=spf1 -ALL" },
	{ "v=spf1 a -all ", "v=spf1 a -all" },
	{ "v=spf1 a  mx", "v=spf1 a mx" },
	{ "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all",
	  "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all" },
	{ "v=spf1 ip4:1.2.3.4/32", "v=spf1 ip4:1.2.3.4/32" },
	{ "v=spf1 ip6:::1.1.1.1/128", "v=spf1 ip6:::1.1.1.1/128" },
	{ "v=spf1 a:mail.example.com/24//64 mx/30 mx//48",
	  "v=spf1 a:mail.example.com/24//64 mx/30 mx//48" },
	{ "v=spf1 a:foo:bar/baz.example.com",
	  "v=spf1 a:foo:bar/baz.example.com" },
	{ "v=spf1 include:_spf.example.com ?ptr ptr:example.org -all",
	  "v=spf1 include:_spf.example.com ?ptr ptr:example.org -all" },
	{ "v=spf1 exists:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email -all",
	  "v=spf1 exists:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email -all" },
	{ "v=spf1 exists:%{l2r+-}.user.%{d2} exists:%{ir}.%{v}._spf.%{d}",
	  "v=spf1 exists:%{l2r+-}.user.%{d2} exists:%{ir}.%{v}._spf.%{d}" },
	{ "v=spf1 a:example.com. -all", "v=spf1 a:example.com. -all" },
	{ "v=spf1 a:%{d}%% -all", "v=spf1 a:%{d}%% -all" },
	{ "v=spf1 a:1-1.example.1-1", "v=spf1 a:1-1.example.1-1" },
	/* redirect goes last, and is moot after an all */
	{ "v=spf1 redirect=_spf.example.com ip4:192.0.2.1",
	  "v=spf1 ip4:192.0.2.1 redirect=_spf.example.com" },
	{ "v=spf1 redirect=_spf.example.com ~all", "v=spf1 ~all" },
	{ "v=spf1 -all exp=explain.%{d}", "v=spf1 -all exp=explain.%{d}" },
	/* unknown modifiers are ignored, and not shown to libspf2 */
	{ "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
	  "v=spf1 ip4:1.2.3.4 -all" },
	{ "v=spf1 foo=%{c}%{r}", "v=spf1" },
	/* prefixes of length 0, which libspf2 reads as "none" */
	{ "v=spf1 ip4:1.1.1.1/0 -all",
	  "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all" },
	{ "v=spf1 -ip6:::1/0",
	  "v=spf1 -ip6:::/1 -ip6:8000::/1" },
	{ "v=spf1 a/0 -all", "v=spf1 a:%{d}." SPF_RECORD_ANY4 " -all" },
	{ "v=spf1 mx:example.com.//0",
	  "v=spf1 mx:example.com." SPF_RECORD_ANY6 },
	{ "v=spf1 ~a:example.com/0//0",
	  "v=spf1 ~a:example.com." SPF_RECORD_ANY46 },
	{ "v=spf1 a:example.com/0//64",
	  "v=spf1 a:example.com." SPF_RECORD_ANY4 "//64" },
	{ "v=spf1 mx/0//128", "v=spf1 mx:%{d}." SPF_RECORD_ANY4 },
	/* libspf2 keeps transformers in a byte: beyond 128 is "all" anyway */
	{ "v=spf1 exists:%{d129}.x.example exists:%{i99999999999r}.x.example",
	  "v=spf1 exists:%{d128}.x.example exists:%{i128r}.x.example" },
	{ "v=spf1 exists:%{d007}.x.%{l0128.}", "v=spf1 exists:%{d7}.x.%{l128.}" },
	{ "v=spf1 exists:%%{d999}.x.example", "v=spf1 exists:%%{d999}.x.example" },
	/* the toplabel RFC 7208 allows and spf_expand.c refused */
	{ "v=spf1 a:x.1-2 -all", "v=spf1 a:x.1-2 -all" },
};

struct bad_case {
	const char *record;
	const char *why;	/* for the failure message only */
};

static const struct bad_case bad[] = {
	{ "v=spf10", "not SPF" },
	{ "v=spf1 a:foo.example.com\x01", "NUL (from spf_dns_txt)" },
	{ "v=spf1 foo -all", "unknown mechanism" },
	{ "v=spf1 a:foo.1", "numeric top label" },
	{ "v=spf1 redirect=a.example.com redirect=b.example.com", "two redirects" },
	{ "v=spf1 foo=%", "bad macro in unknown modifier" },
	{ "v=spf1 a:%{d0}.example.com", "zero transformer" },
	{ "v=spf1 a:%{c}.example.com", "c outside exp" },
};

/* exp= TXT strings and what libspf2 is given; NULL: no explanation */
struct explain_case {
	const char *text;
	const char *rewritten;
};

static const struct explain_case explains[] = {
	{ "This is a test.", "This%_is%_a%_test." },
	{ "%{c} is queried as %{ir}.%{v}.arpa",
	  "%{c}%_is%_queried%_as%_%{ir}.%{v}.arpa" },
	{ "http://example.com/why.html?l=%{L}",
	  "http://example.com/why.html?l=%{L}" },
	{ "%{l}", "%{l}" },
	{ "", "" },
	{ "100%% sure %_ %-", "100%%%_sure%_%_%_%-" },
	{ "%{d999} %{s2}", "%{d128}%_%{s2}" },
	{ "bad %q escape", NULL },
	{ "unterminated %{d", NULL },
	{ "nul\x01" "byte", NULL },
	{ "non-ascii \xe9", NULL },
};

/* test_check - spf_record_check with room for the terms */
static int
test_check(const char *record, char *out, size_t outlen,
	   const char **why_r)
{
	struct spf_term_list list;
	int rc;

	list.max = SPF_TERM_MAX(strlen(record));
	if ((list.terms = calloc(list.max, sizeof(*list.terms))) == NULL)
		abort();
	rc = spf_record_check(record, &list, out, outlen, why_r);
	free(list.terms);
	return rc;
}

/* test_good - each valid record is accepted and rewritten as expected */
static void
test_good(void)
{
	char out[SPF_RECORD_OUT];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = test_check(good[i].record, out, sizeof(out),
		    &why);

		TMX_CHECKF(rc == 0, "%s: %s", good[i].record,
		    rc == 0 ? "" : why);
		if (rc == 0)
			TMX_CHECKF(strcmp(out, good[i].rewritten) == 0,
			    "%s: got \"%s\"", good[i].record, out);
	}
}

/* test_bad - each invalid record is refused with a reason */
static void
test_bad(void)
{
	char out[SPF_RECORD_OUT];
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = test_check(bad[i].record, out, sizeof(out),
		    &why);

		TMX_CHECKF(rc == -1 && why != NULL, "%s accepted (%s)",
		    bad[i].record, bad[i].why);
	}
}

/*
 * test_libspf2_budget - CVE-2023-42118: libspf2 1.2.10 underflows its
 * free-space count when a term's compiled macros nearly fill 511 bytes.
 * Terms that heavy are refused; ordinary heavy ones still pass.
 */
static void
test_libspf2_budget(void)
{
	char record[2048], out[SPF_RECORD_OUT];
	const char *why;
	size_t n, i;

	/* 60 macros and a long literal: far beyond libspf2's buffer */
	n = (size_t)snprintf(record, sizeof(record), "v=spf1 exists:");
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n, "%%{d}");
	for (i = 0; i < 300; i++)
		record[n++] = 'a';
	snprintf(record + n, sizeof(record) - n, ".example.com");
	TMX_CHECK(test_check(record, out, sizeof(out), &why) == -1);

	/* alternating literal and macro, the cheapest way to fill it */
	n = (size_t)snprintf(record, sizeof(record), "v=spf1 a:");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n, "x%%{l}");
	snprintf(record + n, sizeof(record) - n, ".example.com");
	TMX_CHECK(test_check(record, out, sizeof(out), &why) == -1);

	/* the same in an exp= TXT string */
	n = 0;
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n, "x%%{s}");
	TMX_CHECK(spf_record_check_explain(record, out, sizeof(out),
	    &why) == -1);

	/* a dozen macros is ordinary */
	n = (size_t)snprintf(record, sizeof(record), "v=spf1 exists:");
	for (i = 0; i < 12; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n,
		    "%%{i}.");
	snprintf(record + n, sizeof(record) - n, "example.com");
	TMX_CHECK(test_check(record, out, sizeof(out), &why) == 0);
}

/* test_explain - exp= text screened and rewritten */
static void
test_explain(void)
{
	char out[1024];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(explains) / sizeof(explains[0]); i++) {
		int rc = spf_record_check_explain(explains[i].text, out,
		    sizeof(out), &why);

		TMX_CHECKF((rc == 0) == (explains[i].rewritten != NULL), "%s",
		    explains[i].text);
		if (rc == 0 && explains[i].rewritten != NULL)
			TMX_CHECKF(strcmp(out, explains[i].rewritten) == 0,
			    "%s: got \"%s\"", explains[i].text, out);
	}
	/* no room: no explanation, never a cut one */
	TMX_CHECK(spf_record_check_explain("a b", out, 4, &why) == -1);
	TMX_CHECK(spf_record_check_explain("a b", out, 5, &why) == 0);
}

/* test_fix_rhs - digits asking for every part are dropped, others kept */
static void
test_fix_rhs(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "v=spf1 exists:%{i}._spf.%{d2}", "v=spf1 exists:%{i}._spf.%{d}" },
		{ "v=spf1 exists:%{d1}", "v=spf1 exists:%{d1}" },
		{ "v=spf1 exists:%{d3r}.x.%{l1r-}", "v=spf1 exists:%{dr}.x.%{l1r-}" },
		{ "v=spf1 exists:%{l2-}.%{i4}.%{i3}", "v=spf1 exists:%{l-}.%{i}.%{i3}" },
		{ "v=spf1 exists:%%{d2}.%{p2}", "v=spf1 exists:%%{d2}.%{p2}" },
	};
	const struct spf_macro_values mv = {
		.l = "first-last", .s = "first-last@example.net",
		.o = "example.net", .d = "example.net", .i = "192.0.2.1",
		.h = "mail.example.net", .v = "in-addr",
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s", cases[i].in);
		spf_record_fix_rhs(text, &mv);
		TMX_CHECKF(strcmp(text, cases[i].out) == 0, "%s -> %s",
		    cases[i].in, text);
	}
}

/* main - every table, then the summary */
int
main(void)
{
	test_good();
	test_bad();
	test_libspf2_budget();
	test_explain();
	test_fix_rhs();
	return TMX_TEST_END();
}
