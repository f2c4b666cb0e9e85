/*
 * test-spf-term.c - table tests of the one RFC 7208 grammar: records
 * parsed into terms (rendered back as text to compare), records refused
 * with the term at fault, and the rows where the three parsers it
 * replaced disagreed with each other or with the RFC.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_term.h"
#include "tmx-test.h"

struct good_case {
	const char *record;
	const char *terms;	/* test_render of every term */
};

static const struct good_case good[] = {
	{ "v=spf1", "" },
	{ "V=SPF1 -ALL", "-all" },
	{ "v=spf1 a -all ", "+a -all" },
	{ "v=spf1 a  mx  ", "+a +mx" },
	{ "v=spf1 ?a ~mx +ptr -exists:%{i}.x.example", "?a ~mx +ptr "
	  "-exists:%{i}.x.example{m}" },
	{ "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all",
	  "+ip4:192.0.2.0/24 +ip6:2001:db8::/32 ~all" },
	{ "v=spf1 ip4:1.2.3.4 ip6:::1.1.1.1",
	  "+ip4:1.2.3.4/32 +ip6:::1.1.1.1/128" },
	{ "v=spf1 ip4:1.1.1.1/0 -ip6:::1/0",
	  "+ip4:1.1.1.1/0 -ip6:::1/0" },
	{ "v=spf1 a:mail.example.com/24//64 mx/30 mx//48 a/0//0",
	  "+a:mail.example.com/24//64 +mx/30 +mx//48 +a/0//0" },
	{ "v=spf1 a:foo:bar/baz.example.com", "+a:foo:bar/baz.example.com" },
	{ "v=spf1 include:_spf.example.com ptr:example.org",
	  "+include:_spf.example.com +ptr:example.org" },
	{ "v=spf1 a:example.com. a:.com", "+a:example.com. +a:.com" },
	{ "v=spf1 a:%{d}%% a:%{d}%_ a:%{d}%- a:%{d}x.y",
	  "+a:%{d}%%{m} +a:%{d}%_{m} +a:%{d}%-{m} +a:%{d}x.y{m}" },
	{ "v=spf1 exists:%{l2r+-}.user.%{D2} exists:%{IR}.%{v}._spf.%{d}",
	  "+exists:%{l2r+-}.user.%{D2}{m} +exists:%{IR}.%{v}._spf.%{d}{m}" },
	{ "v=spf1 a:%{d1r.-+,/_=}.example.com",
	  "+a:%{d1r.-+,/_=}.example.com{m}" },
	{ "v=spf1 a:1-1.example.1-1 a:x.xn--zckzah",
	  "+a:1-1.example.1-1 +a:x.xn--zckzah" },
	/* modifiers: in place, unknown ones kept with their value */
	{ "v=spf1 redirect=_spf.example.com ip4:192.0.2.1",
	  "redirect=_spf.example.com +ip4:192.0.2.1/32" },
	{ "v=spf1 -all exp=explain.%{d}", "-all exp=explain.%{d}{m}" },
	{ "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
	  "?moo.cow-far_out=man:dog/cat +ip4:1.2.3.4/32 -all" },
	{ "v=spf1 foo=%{c}%{r}%{t} bar= a=b.c", "?foo=%{c}%{r}%{t}{m} "
	  "?bar= ?a=b.c" },
	{ "v=spf1 Redirect=a.example EXP=b.example",
	  "redirect=a.example exp=b.example" },
	/* RFC 7208 toplabel: ( 1*alphanum "-" *( alphanum / "-" ) alphanum );
	 * spf_expand.c wanted a letter and refused it */
	{ "v=spf1 a:x.1-2 mx:example.1-2.", "+a:x.1-2 +mx:example.1-2." },
	{ "v=spf1 include:x.1--2", "+include:x.1--2" },
	/* no length limit in the ABNF: spf_record.c refused a 64-byte
	 * toplabel, though a long inner label passed (invalid-domain-long) */
	{ "v=spf1 a:x.a12345678901234567890123456789012345678901234567890"
	  "1234567890123",
	  "+a:x.a12345678901234567890123456789012345678901234567890"
	  "1234567890123" },
	/* 7.3: a transformer beyond the parts there are takes them all;
	 * spf_record.c refused anything above 128 */
	{ "v=spf1 exists:%{d129}.x.example exists:%{i99999999999r}.x.example",
	  "+exists:%{d129}.x.example{m} "
	  "+exists:%{i99999999999r}.x.example{m}" },
	{ "v=spf1 exists:%{d007}.x.example", "+exists:%{d007}.x.example{m}" },
};

struct bad_case {
	const char *record;
	const char *bad;	/* the term named at fault; NULL: the record */
	const char *why;	/* a word of the reason */
};

static const struct bad_case bad[] = {
	{ "v=spf10", NULL, "not an SPF record" },
	{ "spf1 -all", NULL, "not an SPF record" },
	{ " v=spf1 -all", NULL, "not an SPF record" },
	{ "v=spf1\t-all", NULL, "not an SPF record" },
	{ "v=spf1 -all\tip4:1.2.3.4", "-all\tip4:1.2.3.4", "unexpected" },
	{ "v=spf1 a:ctrl.example.com\rptr -all", "a:ctrl.example.com\rptr",
	  "control" },
	{ "v=spf1 a:\xef\xbb\xbfgarbage.example.net -all",
	  "a:\xef\xbb\xbfgarbage.example.net", "non-ASCII" },
	{ "v=spf1 \x80" "a:example.net -all", "\x80" "a:example.net",
	  "name" },
	{ "v=spf1 foo -all", "foo", "unknown mechanism" },
	{ "v=spf1 ip5:192.0.2.1", "ip5:192.0.2.1", "unknown mechanism" },
	{ "v=spf1 redirect:example.com", "redirect:example.com",
	  "unknown mechanism" },
	{ "v=spf1 moo.cow/far_out=man:dog/cat", "moo.cow/far_out=man:dog/cat",
	  "unknown mechanism" },
	{ "v=spf1 !a -all", "!a", "name" },
	{ "v=spf1 - -all", "-", "name" },
	{ "v=spf1 -redirect=example.com", "-redirect=example.com",
	  "qualifier" },
	{ "v=spf1 all:example.com", "all:example.com", "argument" },
	{ "v=spf1 all/24", "all/24", "argument" },
	{ "v=spf1 include", "include", "domain-spec" },
	{ "v=spf1 include:", "include:", "empty" },
	{ "v=spf1 include/24", "include/24", "domain-spec" },
	{ "v=spf1 exists", "exists", "domain-spec" },
	{ "v=spf1 exists:foo.example.com/24", "exists:foo.example.com/24",
	  "top label" },
	{ "v=spf1 ptr:", "ptr:", "empty" },
	{ "v=spf1 ptr/0", "ptr/0", "domain-spec" },
	{ "v=spf1 a:", "a:", "empty" },
	{ "v=spf1 a:/24", "a:/24", "empty" },
	{ "v=spf1 a/24x", "a/24x", "unexpected" },
	{ "v=spf1 mx: -all", "mx:", "empty" },
	{ "v=spf1 a:foo.example.com/33", "a:foo.example.com/33",
	  "ip4-cidr-length" },
	{ "v=spf1 a/33", "a/33", "ip4-cidr-length" },
	{ "v=spf1 a//129", "a//129", "ip6-cidr-length" },
	{ "v=spf1 a/032", "a/032", "ip4-cidr-length" },
	{ "v=spf1 a/", "a/", "unexpected" },
	{ "v=spf1 a:example.com/24/64", "a:example.com/24/64",
	  "ip4-cidr-length" },
	{ "v=spf1 a:example.com//", "a:example.com//", "top label" },
	{ "v=spf1 ip4", "ip4", "network" },
	{ "v=spf1 ip4:", "ip4:", "address" },
	{ "v=spf1 ip4/24", "ip4/24", "network" },
	{ "v=spf1 ip4:1.2.3.4/33", "ip4:1.2.3.4/33", "ip4-cidr-length" },
	{ "v=spf1 ip4:1.2.3.4/032", "ip4:1.2.3.4/032", "ip4-cidr-length" },
	{ "v=spf1 ip4:1.2.3.4//24", "ip4:1.2.3.4//24", "address" },
	{ "v=spf1 ip4:01.2.3.4", "ip4:01.2.3.4", "address" },
	{ "v=spf1 ip4:1.2.3", "ip4:1.2.3", "address" },
	{ "v=spf1 ip4:192.0.2.300", "ip4:192.0.2.300", "address" },
	{ "v=spf1 ip4:example.com", "ip4:example.com", "address" },
	{ "v=spf1 ip6:::1.1.1.1/129", "ip6:::1.1.1.1/129", "ip6-cidr-length" },
	{ "v=spf1 ip6:::1.1.1.1//33", "ip6:::1.1.1.1//33", "address" },
	{ "v=spf1 ip6:1.2.3.4", "ip6:1.2.3.4", "address" },
	{ "v=spf1 ip6:2001:db8::1%eth0", "ip6:2001:db8::1%eth0", "address" },
	/* domain-end */
	{ "v=spf1 a:foo.1", "a:foo.1", "top label" },
	{ "v=spf1 a:111.222.33.444", "a:111.222.33.444", "top label" },
	{ "v=spf1 a:example.-com", "a:example.-com", "top label" },
	{ "v=spf1 a:example.com-", "a:example.com-", "top label" },
	{ "v=spf1 a:x.1-", "a:x.1-", "top label" },
	{ "v=spf1 a:foo-bar", "a:foo-bar", "top label" },
	{ "v=spf1 a:localhost.", "a:localhost.", "top label" },
	{ "v=spf1 a:example.com..", "a:example.com..", "top label" },
	{ "v=spf1 a:ex_ample.c_m", "a:ex_ample.c_m", "top label" },
	{ "v=spf1 a:%{d}.", "a:%{d}.", "top label" },
	{ "v=spf1 a:%{d}com", "a:%{d}com", "top label" },
	/* modifiers */
	{ "v=spf1 redirect=a.example.com redirect=b.example.com",
	  "redirect=b.example.com", "redirect given twice" },
	{ "v=spf1 exp=a.example.com -all EXP=b.example.com",
	  "EXP=b.example.com", "exp given twice" },
	{ "v=spf1 redirect=", "redirect=", "empty" },
	{ "v=spf1 exp=", "exp=", "empty" },
	{ "v=spf1 =foo", "=foo", "name" },
	{ "v=spf1 1foo=bar", "1foo=bar", "name" },
	/* macros: section 7.1 syntax, 7.2 letters, 7.3 transformers */
	{ "v=spf1 exists:%(ir).sbl.example.com", "exists:%(ir).sbl.example.com",
	  "'%'" },
	{ "v=spf1 a:%{x}.example.com", "a:%{x}.example.com", "letter" },
	{ "v=spf1 a:%{}.example.com", "a:%{}.example.com", "letter" },
	{ "v=spf1 a:%{d", "a:%{d", "malformed" },
	{ "v=spf1 a:%{d0}.example.com", "a:%{d0}.example.com", "nonzero" },
	{ "v=spf1 a:%{d00r}.example.com", "a:%{d00r}.example.com", "nonzero" },
	{ "v=spf1 a:%{d|}.example.com", "a:%{d|}.example.com", "malformed" },
	{ "v=spf1 a:%{dr2}.example.com", "a:%{dr2}.example.com", "malformed" },
	{ "v=spf1 a:%{drr}.example.com", "a:%{drr}.example.com", "malformed" },
	{ "v=spf1 a:%{c}.example.com", "a:%{c}.example.com", "exp text" },
	{ "v=spf1 a:%{R}.example.com", "a:%{R}.example.com", "exp text" },
	{ "v=spf1 exists:%{t}.example.com", "exists:%{t}.example.com",
	  "exp text" },
	{ "v=spf1 -all exp=%{r}.example.com", "exp=%{r}.example.com",
	  "exp text" },
	{ "v=spf1 a:foo%.example.com", "a:foo%.example.com", "'%'" },
	{ "v=spf1 a:foo.example.com%", "a:foo.example.com%", "'%'" },
	{ "v=spf1 foo=%", "foo=%", "'%'" },
	{ "v=spf1 foo=%{q}", "foo=%{q}", "letter" },
	/* the second term is at fault, not the first */
	{ "v=spf1 a:ok.example a:bad.1", "a:bad.1", "top label" },
};

/* test_render - one term as the good table writes it */
static void
test_render(const struct spf_term *t, char *buf, size_t size)
{
	static const char *const names[] = {
		"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists",
		"redirect", "exp",
	};
	char addr[INET6_ADDRSTRLEN];
	size_t n;

	if (t->kind == SPF_TERM_UNKNOWN) {
		n = (size_t)snprintf(buf, size, "?%.*s=%.*s",
		    (int)t->name_len, t->name, (int)t->spec_len, t->spec);
	} else if (t->kind >= SPF_TERM_REDIRECT) {
		n = (size_t)snprintf(buf, size, "%s=%.*s", names[t->kind],
		    (int)t->spec_len, t->spec);
	} else if (t->kind == SPF_TERM_IP4 || t->kind == SPF_TERM_IP6) {
		inet_ntop(t->kind == SPF_TERM_IP4 ? AF_INET : AF_INET6,
		    t->addr.bytes, addr, sizeof(addr));
		n = (size_t)snprintf(buf, size, "%c%s:%s/%u", t->qualifier,
		    names[t->kind], addr, t->kind == SPF_TERM_IP4 ?
		    t->cidr4 : t->cidr6);
	} else {
		n = (size_t)snprintf(buf, size, "%c%s", t->qualifier,
		    names[t->kind]);
		if (t->spec != NULL)
			n += (size_t)snprintf(buf + n, size - n, ":%.*s",
			    (int)t->spec_len, t->spec);
		if (t->cidr4 != 32)
			n += (size_t)snprintf(buf + n, size - n, "/%u",
			    t->cidr4);
		if (t->cidr6 != 128)
			n += (size_t)snprintf(buf + n, size - n, "//%u",
			    t->cidr6);
	}
	if (t->macro)
		snprintf(buf + n, size - n, "{m}");
}

/* test_parse - parse record into list with room enough */
static int
test_parse(const char *record, struct spf_term_list *list,
	   const char **why_r)
{
	size_t len = strlen(record);

	list->max = SPF_TERM_MAX(len);
	list->terms = calloc(list->max, sizeof(*list->terms));
	if (list->terms == NULL)
		abort();
	return spf_term_parse(record, len, list, why_r);
}

/* test_good - each valid record gives the terms written in the table */
static void
test_good(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct spf_term_list list;
		const char *why = NULL;
		char got[1024], term[256];
		size_t n = 0;
		int rc = test_parse(good[i].record, &list, &why);

		TMX_CHECKF(rc == 0, "%s: %s", good[i].record,
		    rc == 0 ? "" : why);
		got[0] = '\0';
		for (j = 0; rc == 0 && j < list.count; j++) {
			test_render(&list.terms[j], term, sizeof(term));
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
			    j > 0 ? " " : "", term);
		}
		if (rc == 0)
			TMX_CHECKF(strcmp(got, good[i].terms) == 0,
			    "%s: got \"%s\"", good[i].record, got);
		free(list.terms);
	}
}

/* test_bad - each invalid record is refused, naming the term and why */
static void
test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spf_term_list list;
		const char *why = NULL;
		int rc = test_parse(bad[i].record, &list, &why);

		TMX_CHECKF(rc == -1 && why != NULL, "%s accepted",
		    bad[i].record);
		if (rc == 0) {
			free(list.terms);
			continue;
		}
		TMX_CHECKF(strstr(why, bad[i].why) != NULL, "%s: \"%s\"",
		    bad[i].record, why);
		if (bad[i].bad == NULL)
			TMX_CHECKF(list.bad == NULL, "%s: blames a term",
			    bad[i].record);
		else
			TMX_CHECKF(list.bad != NULL &&
			    list.bad_len == strlen(bad[i].bad) &&
			    memcmp(list.bad, bad[i].bad, list.bad_len) == 0,
			    "%s: blames \"%.*s\"", bad[i].record,
			    (int)list.bad_len, list.bad ? list.bad : "");
		free(list.terms);
	}
}

/* test_lengths - a NUL inside the length is a bad byte; the record limit */
static void
test_lengths(void)
{
	static const char nul[] = "v=spf1 a:x.example\0.com -all";
	struct spf_term term, terms[4];
	struct spf_term_list list = { terms, 4, 0, NULL, 0 };
	char record[SPF_LIMIT_RECORD + 2];
	const char *why;
	size_t n;

	TMX_CHECK(spf_term_parse(nul, sizeof(nul) - 1, &list, &why) == -1);
	TMX_CHECK(spf_term_parse(nul, strlen(nul), &list, &why) == 0 &&
	    list.count == 1);

	/* too few terms given: refused, never overrun */
	list.terms = &term;
	list.max = 1;
	TMX_CHECK(spf_term_parse("v=spf1 a mx", 11, &list, &why) == -1 &&
	    strstr(why, "too many") != NULL);

	/* SPF_LIMIT_RECORD bytes pass, one more does not */
	memset(record, 'a', sizeof(record));
	memcpy(record, "v=spf1 ", 7);
	for (n = 8; n < SPF_LIMIT_RECORD; n += 2)
		record[n] = ' ';
	record[SPF_LIMIT_RECORD - 1] = 'a';
	record[SPF_LIMIT_RECORD] = '\0';
	TMX_CHECK(test_parse(record, &list, &why) == 0);
	free(list.terms);
	record[SPF_LIMIT_RECORD] = 'a';
	record[SPF_LIMIT_RECORD + 1] = '\0';
	TMX_CHECK(test_parse(record, &list, &why) == -1 &&
	    strstr(why, "too long") != NULL && list.bad == NULL);
	free(list.terms);
}

/* test_version - record selection (RFC 7208 4.5) */
static void
test_version(void)
{
	static const struct {
		const char *txt;
		bool spf;
	} cases[] = {
		{ "v=spf1", true },
		{ "v=spf1 -all", true },
		{ "V=SpF1 -all", true },
		{ "v=spf10", false },
		{ "v=spf1\t-all", false },
		{ "v=spf1;", false },
		{ "v=spf3 -all", false },
		{ " v=spf1 -all", false },
		{ "v=spf", false },
		{ "", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TMX_CHECKF(spf_term_version(cases[i].txt,
		    strlen(cases[i].txt)) == cases[i].spf, "%s", cases[i].txt);
	TMX_CHECK(!spf_term_version("v=spf1 -all", 5));
	TMX_CHECK(spf_term_version("v=spf1 -all", 6));
}

/* test_explain - explain-string (6.2): SP allowed, and c, r, t */
static void
test_explain(void)
{
	static const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{ "", true },
		{ "This is a test.", true },
		{ "%{c} is queried as %{ir}.%{v}.arpa", true },
		{ "Connections from %{c} not authorized at %{t} by %{r}",
		  true },
		{ "http://example.com/why.html?l=%{L}", true },
		{ "100%% sure %_ %-", true },
		{ "%{d999}", true },
		{ "bad %q escape", false },
		{ "unterminated %{d", false },
		{ "%{d0}", false },
		{ "nul\x01" "byte", false },
		{ "non-ascii \xe9", false },
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TMX_CHECKF((spf_term_explain(cases[i].text,
		    strlen(cases[i].text), &why) == 0) == cases[i].ok, "%s",
		    cases[i].text);
}

/* test_queries - which terms count against SPF_LIMIT_DNS_TERMS (4.6.4) */
static void
test_queries(void)
{
	static const struct {
		enum spf_term_kind kind;
		bool queries;
	} cases[] = {
		{ SPF_TERM_ALL, false }, { SPF_TERM_INCLUDE, true },
		{ SPF_TERM_A, true }, { SPF_TERM_MX, true },
		{ SPF_TERM_PTR, true }, { SPF_TERM_IP4, false },
		{ SPF_TERM_IP6, false }, { SPF_TERM_EXISTS, true },
		{ SPF_TERM_REDIRECT, true }, { SPF_TERM_EXP, false },
		{ SPF_TERM_UNKNOWN, false },
	};
	struct spf_term_list list;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TMX_CHECKF(spf_term_queries(cases[i].kind) == cases[i].queries,
		    "kind %d", (int)cases[i].kind);
	TMX_CHECK(test_parse("v=spf1 a redirect=x.example -all",
	    &list, &why) == 0);
	TMX_CHECK(spf_term_find(&list, SPF_TERM_REDIRECT) == &list.terms[1]);
	TMX_CHECK(spf_term_find(&list, SPF_TERM_ALL) == &list.terms[2]);
	TMX_CHECK(spf_term_find(&list, SPF_TERM_EXP) == NULL);
	free(list.terms);
}

/* main - every table, then the summary */
int
main(void)
{
	test_good();
	test_bad();
	test_lengths();
	test_version();
	test_explain();
	test_queries();
	return TMX_TEST_END();
}
