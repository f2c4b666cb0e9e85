/*
 * test-spf-record.c - table tests of the SPF record screen (RFC 7208
 * section 12 ABNF, libspf2 rewrites) and of the macro screen that keeps
 * oversized or malformed macros away from libspf2 1.2.10's compiler.
 */
#include <stdio.h>
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
};

struct bad_case {
	const char *record;
	const char *why;	/* for the failure message only */
};

static const struct bad_case bad[] = {
	{ "v=spf10", "not SPF" },
	{ "spf1 -all", "not SPF" },
	{ "v=spf1 -all\tip4:1.2.3.4", "tab separator" },
	{ "v=spf1 a:ctrl.example.com\rptr -all", "control character" },
	{ "v=spf1 a:foo.example.com\x01", "NUL (from spf_dns_txt)" },
	{ "v=spf1 a:\xef\xbb\xbfgarbage.example.net -all", "non-ASCII" },
	{ "v=spf1 \x80" "a:example.net -all", "non-ASCII prefix" },
	{ "v=spf1 foo -all", "unknown mechanism" },
	{ "v=spf1 foo:bar -all", "unknown mechanism with argument" },
	{ "v=spf1 !a -all", "bad qualifier" },
	{ "v=spf1 -redirect=example.com", "qualified modifier" },
	{ "v=spf1 all:example.com", "all with argument" },
	{ "v=spf1 all/24", "all with CIDR" },
	{ "v=spf1 include", "include without domain" },
	{ "v=spf1 include:", "include with empty domain" },
	{ "v=spf1 exists", "exists without domain" },
	{ "v=spf1 ptr:", "ptr with empty domain" },
	{ "v=spf1 ptr/0 -all", "ptr with CIDR" },
	{ "v=spf1 a:", "a with empty domain" },
	{ "v=spf1 mx: -all", "mx with empty domain" },
	{ "v=spf1 a:foo.example.com/33", "IPv4 CIDR > 32" },
	{ "v=spf1 a//129", "IPv6 CIDR > 128" },
	{ "v=spf1 a/032", "leading zero in CIDR" },
	{ "v=spf1 a/", "empty CIDR" },
	{ "v=spf1 a:example.com/24/64", "two IPv4 lengths" },
	{ "v=spf1 ip4", "ip4 without network" },
	{ "v=spf1 ip4:1.2.3.4/33", "ip4 CIDR > 32" },
	{ "v=spf1 ip4:1.2.3.4/032", "ip4 leading zero" },
	{ "v=spf1 ip4:01.2.3.4", "ip4 octet leading zero" },
	{ "v=spf1 ip4:1.2.3", "ip4 short" },
	{ "v=spf1 ip4:1.2.3.256", "ip4 octet > 255" },
	{ "v=spf1 ip4:example.com", "ip4 name" },
	{ "v=spf1 ip6:::1.1.1.1/129", "ip6 CIDR > 128" },
	{ "v=spf1 ip6:::1.1.1.1//33", "ip6 dual CIDR" },
	{ "v=spf1 ip6:1.2.3.4", "ip6 given IPv4" },
	{ "v=spf1 a:foo.1", "numeric top label" },
	{ "v=spf1 a:example.-com", "top label starts with hyphen" },
	{ "v=spf1 a:localhost", "single label" },
	{ "v=spf1 a:%{d}.", "macro then lone dot" },
	{ "v=spf1 redirect=a.example.com redirect=b.example.com", "two redirects" },
	{ "v=spf1 exp=a.example.com exp=b.example.com -all", "two exps" },
	{ "v=spf1 redirect=", "empty redirect" },
	{ "v=spf1 =foo", "modifier without name" },
	{ "v=spf1 1foo=bar", "modifier name starts with digit" },
	{ "v=spf1 foo=%", "bad macro in unknown modifier" },
	/* the macro screen */
	{ "v=spf1 exists:%(ir).sbl.example.com", "%( instead of %{" },
	{ "v=spf1 a:%{x}.example.com", "unknown macro letter" },
	{ "v=spf1 a:%{d", "unterminated macro" },
	{ "v=spf1 a:%{d0}.example.com", "zero transformer" },
	{ "v=spf1 a:%{d129}.example.com", "transformer > 128" },
	{ "v=spf1 a:%{d2147483648}.example.com", "transformer overflow" },
	{ "v=spf1 a:%{d|}.example.com", "delimiter not in RFC 7208" },
	{ "v=spf1 a:%{dr2}.example.com", "transformer order" },
	{ "v=spf1 a:%{c}.example.com", "c outside exp" },
	{ "v=spf1 a:%{r}.example.com", "r outside exp" },
	{ "v=spf1 exists:%{t}.example.com", "t outside exp" },
	{ "v=spf1 a:foo%.example.com", "bare %" },
	{ "v=spf1 a:foo.example.com%", "% at end" },
};

/* explain-string cases: text of an exp= TXT record */
struct explain_case {
	const char *text;
	bool ok;
};

static const struct explain_case explains[] = {
	{ "This is a test.", true },
	{ "%{c} is queried as %{ir}.%{v}.arpa", true },
	{ "Connections from %{c} not authorized at %{t} by %{r}", true },
	{ "http://example.com/why.html?l=%{L}", true },
	{ "%{l}", true },
	{ "100%% sure %_ %-", true },
	{ "bad %q escape", false },
	{ "unterminated %{d", false },
	{ "nul\x01" "byte", false },
	{ "non-ascii \xe9", false },
};

/* test_good - each valid record is accepted and rewritten as expected */
static void
test_good(void)
{
	char out[SPF_RECORD_MAX * 2];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = spf_record_check(good[i].record, out, sizeof(out),
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
	char out[SPF_RECORD_MAX * 2];
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = spf_record_check(bad[i].record, out, sizeof(out),
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
	char record[2048], out[SPF_RECORD_MAX * 2];
	const char *why;
	size_t n, i;

	/* 60 macros and a long literal: far beyond libspf2's buffer */
	n = (size_t)snprintf(record, sizeof(record), "v=spf1 exists:");
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n, "%%{d}");
	for (i = 0; i < 300; i++)
		record[n++] = 'a';
	snprintf(record + n, sizeof(record) - n, ".example.com");
	TMX_CHECK(spf_record_check(record, out, sizeof(out), &why) == -1);

	/* alternating literal and macro, the cheapest way to fill it */
	n = (size_t)snprintf(record, sizeof(record), "v=spf1 a:");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n, "x%%{l}");
	snprintf(record + n, sizeof(record) - n, ".example.com");
	TMX_CHECK(spf_record_check(record, out, sizeof(out), &why) == -1);

	/* the same in an exp= TXT string */
	n = 0;
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n, "x%%{s}");
	TMX_CHECK(spf_record_check_explain(record, &why) == -1);

	/* a dozen macros is ordinary */
	n = (size_t)snprintf(record, sizeof(record), "v=spf1 exists:");
	for (i = 0; i < 12; i++)
		n += (size_t)snprintf(record + n, sizeof(record) - n,
		    "%%{i}.");
	snprintf(record + n, sizeof(record) - n, "example.com");
	TMX_CHECK(spf_record_check(record, out, sizeof(out), &why) == 0);
}

/* test_explain - exp= text screening */
static void
test_explain(void)
{
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(explains) / sizeof(explains[0]); i++)
		TMX_CHECKF((spf_record_check_explain(explains[i].text, &why) ==
		    0) == explains[i].ok, "%s", explains[i].text);
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

/* test_is_spf - record selection (RFC 7208 4.5) */
static void
test_is_spf(void)
{
	TMX_CHECK(spf_record_is_spf("v=spf1"));
	TMX_CHECK(spf_record_is_spf("v=spf1 -all"));
	TMX_CHECK(spf_record_is_spf("V=SpF1 -all"));
	TMX_CHECK(!spf_record_is_spf("v=spf10"));
	TMX_CHECK(!spf_record_is_spf("v=spf1\t-all"));
	TMX_CHECK(!spf_record_is_spf("v=spf3 -all"));
	TMX_CHECK(!spf_record_is_spf(" v=spf1 -all"));
	TMX_CHECK(!spf_record_is_spf("v=spf"));
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
	test_is_spf();
	return TMX_TEST_END();
}
