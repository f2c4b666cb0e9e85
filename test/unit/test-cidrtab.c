/*
 * test-cidrtab.c - Postfix cidr_table semantics. Each table below carries
 * its expected answers in "#= KEY RESULT" comments (the loader skips
 * comments), "-" for no match; then strict/lenient handling of every kind
 * of bad line, and random tables checked against a first-match scan that
 * works like Postfix's cidr_match_execute().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trustmx/cidrtab.h>

#include "tmx-test.h"

static const char *const tables[] = {
	/* first match in file order; results keep inner blanks */
	"10.0.0.0/8 ten\n"
	"10.1.0.0/16 never, ten came first\n"
	"192.0.2.0/24   OK  with   blanks \t \n"
	"192.0.2.1 never either\n"
	"#= 10.1.2.3 ten\n"
	"#= 192.0.2.1 OK  with   blanks\n"
	"#= 11.0.0.0 -\n"
	"#= 9.255.255.255 -\n"
	"#= 10.255.255.255 ten\n",

	/* negation matches outside the prefix, same family only */
	"!192.0.2.0/24 not-doc\n"
	"192.0.2.0/24 doc\n"
	"! ! 2001:db8::/32 double-negation\n"
	"#= 192.0.2.5 doc\n"
	"#= 198.51.100.1 not-doc\n"
	"#= 0.0.0.0 not-doc\n"
	"#= 2001:db8::5 double-negation\n"
	"#= 2001:db9::5 -\n"
	"#= ::ffff:192.0.2.5 -\n",

	/* nested if/endif, negated if, case-insensitive keywords */
	"if 10.0.0.0/8\n"
	"10.1.0.0/16 ten-one\n"
	"IF !10.1.2.0/24\n"
	"10.1.0.0/16 unreachable\n"
	"10.2.0.0/16 ten-two\n"
	"EndIf\n"
	"10.0.0.0/8 ten\n"
	"endif\n"
	"0.0.0.0/0 rest\n"
	"iF! 2001:db8::/32\n"
	"::/0 v6-outside-db8\n"
	"endif\n"
	"#= 10.1.2.3 ten-one\n"
	"#= 10.2.0.1 ten-two\n"
	"#= 10.3.0.1 ten\n"
	"#= 11.0.0.1 rest\n"
	"#= 2001:db8::1 -\n"
	"#= 2001:db9::1 v6-outside-db8\n",

	/* an if never entered across families, negated or not */
	"if !2001:db8::/32\n"
	"0.0.0.0/0 v4-in-v6-block\n"
	"endif\n"
	"if 192.0.2.0/24\n"
	"::/0 v6-in-v4-block\n"
	"endif\n"
	"#= 192.0.2.1 -\n"
	"#= 2001:db9::1 -\n",

	/* bracket forms, /0, /32, /128, uppercase, mapped, mod-256 mask */
	"[2001:db8::1] one\n"
	"[2001:db8::]/48 bracket-slash\n"
	"[2001:db8:1::/48] slash-inside\n"
	"2001:DB8:2::/48 upper\n"
	"::ffff:192.0.2.0/120 mapped\n"
	"198.18.0.0/271 slash-271-is-15\n"
	"172.16.0.0/00016 leading-zeros\n"
	"[192.0.2.7] v4-bracket\n"
	"4.0.0.0/9223372036854775560 atoi-wraps-to-8\n"
	"5.0.0.0/90000000000000000000 atoi-saturates\n"
	"203.0.113.9/32 slash-32\n"
	"::/0 any6\n"
	"#= 2001:db8::1 one\n"
	"#= 2001:DB8::1 one\n"
	"#= 2001:db8::2 bracket-slash\n"
	"#= 2001:db8:1::5 slash-inside\n"
	"#= 2001:db8:2::1 upper\n"
	"#= ::ffff:192.0.2.1 mapped\n"
	"#= 192.0.2.1 -\n"
	"#= 198.19.255.255 slash-271-is-15\n"
	"#= 172.16.255.1 leading-zeros\n"
	"#= 192.0.2.7 v4-bracket\n"
	"#= 4.255.0.1 atoi-wraps-to-8\n"
	"#= 5.0.0.0 -\n"
	"#= 203.0.113.9 slash-32\n"
	"#= 203.0.113.8 -\n"
	"#= :: any6\n",

	/* continuation lines, comments and blank lines inside them, CRLF */
	"192.0.2.0/24 first\n"
	"  second\n"
	"# a comment between\n"
	"\n"
	"\tthird\n"
	"198.51.100.0/24 crlf\r\n"
	"203.0.113.0/24\n"
	" late result\n"
	"#= 192.0.2.1 first  second\tthird\n"
	"#= 198.51.100.1 crlf\n"
	"#= 203.0.113.1 late result\n",

	/* lines Postfix skips (with a warning) do not match */
	"  leading white space\n"
	"192.0.2.1/24 host-bits\n"
	"192.0.2.0/33 long\n"
	"[192.0.2.0 unclosed\n"
	"192.0.2.04 leading-zero\n"
	"192.0.2.0/24\n"
	"endif\n"
	"192.0.2.0/24 good\n"
	"if 198.51.100.0/24\n"
	"0.0.0.0/0 in-unclosed-if\n"
	"#= 192.0.2.1 good\n"
	"#= 198.51.100.1 in-unclosed-if\n"
	"#= 203.0.113.1 -\n",

	/* keys that are not addresses */
	"0.0.0.0/0 any4\n"
	"::/0 any6\n"
	"#= 1.2.3.04 -\n"
	"#= 1.2.3 -\n"
	"#= 1.2.3.4/32 -\n"
	"#= [1.2.3.4] -\n"
	"#= 1.2.3.4: -\n"
	"#= not-an-address -\n"
	"#= 1.2.3.4 any4\n"
	"#= ::1 any6\n",
};

/* test_count_warning - a lenient load's warnings, counted */
static void
test_count_warning(void *ctx, const char *message)
{
	(void)message;
	(*(int *)ctx)++;
}

/* test_expectations - every "#= KEY RESULT" line of text against tab */
static void
test_expectations(const char *name, const char *text,
		  const struct tmx_cidrtab *tab,
		  const struct tmx_cidrset *cover)
{
	const char *line = text;

	while ((line = strstr(line, "#= ")) != NULL) {
		char key[64], want[128];
		const char *end = strchr(line, '\n'), *got, *space;
		struct tmx_addr a;

		line += 3;
		space = strchr(line, ' ');
		snprintf(key, sizeof(key), "%.*s", (int)(space - line), line);
		snprintf(want, sizeof(want), "%.*s", (int)(end - space - 1),
			 space + 1);
		got = tmx_cidrtab_lookup_key(tab, key);
		if (strcmp(want, "-") == 0)
			TMX_CHECKF(got == NULL, "%s: %s -> \"%s\", want none",
				   name, key, got);
		else
			TMX_CHECKF(got != NULL && strcmp(got, want) == 0,
				   "%s: %s -> \"%s\", want \"%s\"", name, key,
				   got ? got : "(none)", want);
		if (tmx_addr_parse(key, &a) == 0)
			TMX_CHECKF(tmx_cidrset_lookup(cover, &a, NULL) ==
				   (strcmp(want, "-") != 0),
				   "%s: %s add_matches", name, key);
		line = end;
	}
}

/* test_tables - each table answers what its comments say */
static void
test_tables(void)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct tmx_cidrtab *tab = NULL;
		struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
		struct tmx_cidrset *cover;
		char name[32], err[256] = "";
		int warnings = 0;

		snprintf(name, sizeof(name), "table%zu", i);
		TMX_CHECKF(tmx_cidrtab_parse(name, tables[i],
					     strlen(tables[i]), 0,
					     test_count_warning, &warnings,
					     &tab, err, sizeof(err)) == 0,
			   "%s: %s", name, err);
		if (tab == NULL)
			continue;
		TMX_CHECK(tmx_cidrtab_add_matches(tab, b, 1) == 0);
		cover = tmx_cidrset_build(b);
		test_expectations(name, tables[i], tab, cover);
		tmx_cidrset_free(cover);
		tmx_cidrtab_free(tab);
	}
}

/* One line Postfix skips: what strict loading says about it. */
struct bad_line {
	const char *line;
	const char *error;
	int first;		/* the bad line goes before the good one */
};

static const struct bad_line bad_lines[] = {
	{ "192.0.2.1/24 x", "non-null host address bits in \"192.0.2.1/24\", "
	  "perhaps you should use \"192.0.2.0/24\" instead" },
	{ "2001:db8::1/64 x", "non-null host address bits" },
	{ "192.0.2.0/33 x", "bad mask length" },
	{ "2001:db8::/129 x", "bad mask length" },
	{ "192.0.2.0/99999999999999999999 x", "bad mask length" },
	{ "192.0.2.0/ x", "bad mask value" },
	{ "192.0.2.0/2x x", "bad mask value" },
	{ "192.0.2.0/-8 x", "bad mask value" },
	{ "300.0.2.0/24 x", "bad network value" },
	{ "300.0.2.0 x", "bad address pattern" },
	{ "192.0.2.01 x", "bad address pattern" },
	{ "[192.0.2.1 x", "missing ']'" },
	{ "[192.0.2.1]x y", "garbage after \"[192.0.2.1]\"" },
	{ "192.0.2.1", "no lookup result" },
	{ "!", "no address pattern" },
	{ "if", "no address pattern" },
	{ "if !", "no address pattern" },
	{ "if 192.0.2.0/24 x", "bad mask value" },
	{ "endif", "ENDIF without IF" },
	{ "endif x", "garbage after ENDIF" },
	{ "  leading", "logical line must not start with whitespace", 1 },
	{ "if 192.0.2.0/24", "IF has no matching ENDIF" },
};

/*
 * test_bad_lines - strict: the load fails naming file:line; lenient: the
 * line is skipped with one warning and the good line still answers.
 */
static void
test_bad_lines(void)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		struct tmx_cidrtab *tab = NULL;
		char text[256], err[512] = "", want[300];
		int warnings = 0;

		if (bad_lines[i].first)
			snprintf(text, sizeof(text), "%s\n%s\n",
				 bad_lines[i].line, "198.51.100.0/24 good");
		else
			snprintf(text, sizeof(text), "%s\n%s\n",
				 "198.51.100.0/24 good", bad_lines[i].line);
		TMX_CHECKF(tmx_cidrtab_parse("t.cidr", text, strlen(text),
					     TMX_CIDRTAB_STRICT, NULL, NULL,
					     &tab, err, sizeof(err)) < 0 &&
			   tab == NULL, "strict: %s", bad_lines[i].line);
		snprintf(want, sizeof(want), "t.cidr:%d: %s",
			 bad_lines[i].first ? 1 : 2, bad_lines[i].error);
		TMX_CHECKF(strncmp(err, want, strlen(want)) == 0,
			   "strict: %s: \"%s\"", bad_lines[i].line, err);

		TMX_CHECKF(tmx_cidrtab_parse("t.cidr", text, strlen(text), 0,
					     test_count_warning, &warnings,
					     &tab, err, sizeof(err)) == 0,
			   "lenient: %s: %s", bad_lines[i].line, err);
		TMX_CHECKF(warnings == 1, "lenient: %s: %d warnings",
			   bad_lines[i].line, warnings);
		TMX_CHECK_STR(tmx_cidrtab_lookup_key(tab, "198.51.100.1"),
			      "good");
		tmx_cidrtab_free(tab);
	}
}

/* A lenient load's warnings, as text. */
struct warn_log {
	char text[1024];
	size_t len;
};

/* test_log_warning - append a warning to the log */
static void
test_log_warning(void *ctx, const char *message)
{
	struct warn_log *log = ctx;

	log->len += (size_t)snprintf(log->text + log->len,
				     sizeof(log->text) - log->len, "%s|",
				     message);
}

/* test_warning_text - what the warn callback is told, line by line */
static void
test_warning_text(void)
{
	const char *text = "# x\n192.0.2.1/24 a\n\nendif\nif 10.0.0.0/8\n"
	    "if 10.1.0.0/16\n10.1.0.0/24 b\n";
	struct tmx_cidrtab *tab;
	struct warn_log log;
	char err[256];

	memset(&log, 0, sizeof(log));
	TMX_CHECK(tmx_cidrtab_parse("w.cidr", text, strlen(text), 0,
				    test_log_warning, &log, &tab, err,
				    sizeof(err)) == 0);
	TMX_CHECK_STR(log.text, "w.cidr:2: non-null host address bits in "
		      "\"192.0.2.1/24\", perhaps you should use "
		      "\"192.0.2.0/24\" instead: skipping this rule|"
		      "w.cidr:4: ENDIF without IF: skipping this rule|"
		      "w.cidr:6: IF has no matching ENDIF|"
		      "w.cidr:5: IF has no matching ENDIF|");
	TMX_CHECK_STR(tmx_cidrtab_lookup_key(tab, "10.1.0.5"), "b");
	tmx_cidrtab_free(tab);
	/* no callback: warnings are dropped, the load still works */
	TMX_CHECK(tmx_cidrtab_parse("w.cidr", text, strlen(text), 0, NULL,
				    NULL, &tab, err, sizeof(err)) == 0);
	tmx_cidrtab_free(tab);
}

/* test_load - from a file; a missing file is an error naming it */
static void
test_load(void)
{
	char path[] = "/tmp/test-cidrtab.XXXXXX", err[256];
	const char *text = "192.0.2.0/24 doc\n";
	struct tmx_cidrtab *tab = NULL;
	struct tmx_addr a;
	int fd = mkstemp(path);

	TMX_CHECK(fd >= 0 && write(fd, text, strlen(text)) ==
		  (ssize_t)strlen(text));
	close(fd);
	TMX_CHECK(tmx_cidrtab_load(path, TMX_CIDRTAB_STRICT, NULL, NULL, &tab,
				   err, sizeof(err)) == 0);
	tmx_addr_parse("192.0.2.200", &a);
	TMX_CHECK_STR(tmx_cidrtab_lookup(tab, &a), "doc");
	tmx_addr_parse("::ffff:192.0.2.200", &a);
	TMX_CHECK(tmx_cidrtab_lookup(tab, &a) == NULL);
	tmx_cidrtab_free(tab);
	unlink(path);
	TMX_CHECK(tmx_cidrtab_load(path, 0, NULL, NULL, &tab, err,
				   sizeof(err)) < 0 && tab == NULL);
	TMX_CHECKF(strstr(err, path) != NULL, "%s", err);
	tmx_cidrtab_free(NULL);
	/* an empty table answers nothing */
	TMX_CHECK(tmx_cidrtab_parse("e", "", 0, 0, NULL, NULL, &tab, err,
				    sizeof(err)) == 0);
	TMX_CHECK(tmx_cidrtab_lookup_key(tab, "192.0.2.1") == NULL);
	tmx_cidrtab_free(tab);
}

/* The random test: rules as Postfix holds them after parsing. */
enum ref_op { REF_MATCH, REF_IF, REF_ENDIF };

struct ref_rule {
	enum ref_op op;
	struct tmx_addr net;
	unsigned len;
	int negate;
	int block_end;		/* IF: index of its ENDIF, -1 if none */
	char result[16];
};

static uint64_t test_rng = 0x2545F4914F6CDD1DULL;

/* test_rand - the next of this test's fixed sequence */
static uint64_t
test_rand(void)
{
	return tmx_test_rand(&test_rng);
}

/* ref_covers - is a inside net/len (same family) */
static int
ref_covers(const struct ref_rule *r, const struct tmx_addr *a)
{
	if (r->net.family != a->family)
		return 0;
	for (unsigned i = 0; i < r->len; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		if ((r->net.bytes[i / 8] & bit) != (a->bytes[i / 8] & bit))
			return 0;
	}
	return 1;
}

/* ref_lookup - the first-match scan with if/endif jumps */
static const char *
ref_lookup(const struct ref_rule *rules, int n, const struct tmx_addr *a)
{
	for (int i = 0; i < n; i++) {
		const struct ref_rule *r = &rules[i];

		if (r->op == REF_ENDIF)
			continue;
		if (r->op == REF_MATCH) {
			if (r->net.family == a->family &&
			    ref_covers(r, a) != r->negate)
				return r->result;
			continue;
		}
		if (r->net.family == a->family && ref_covers(r, a) != r->negate)
			continue;	/* enter the block */
		if (r->block_end < 0)
			return NULL;
		i = r->block_end;
	}
	return NULL;
}

/* ref_random_net - clustered prefixes, so that rules overlap */
static void
ref_random_net(struct ref_rule *r, const struct ref_rule *anchors)
{
	const struct ref_rule *a = &anchors[test_rand() % 6];
	unsigned bits = a->net.family == 4 ? 32 : 128, span = bits - a->len;

	r->net = a->net;
	for (unsigned i = a->len; i < bits; i++)
		if (test_rand() & 1)
			r->net.bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	if (test_rand() % 40 == 0)
		r->len = (unsigned)(test_rand() % (a->len + 1));
	else
		r->len = a->len + 1 + (unsigned)(test_rand() % span);
	for (unsigned i = r->len; i < bits; i++)
		r->net.bytes[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* ref_random_table - rules and their text */
static int
ref_random_table(struct ref_rule *rules, int max, char *text, size_t size)
{
	struct ref_rule anchors[6];
	int n = 0, stack[8], depth = 0;
	size_t len = 0;

	for (int i = 0; i < 6; i++) {
		memset(&anchors[i], 0, sizeof(anchors[i]));
		anchors[i].net.family = i < 4 ? 4 : 6;
		anchors[i].len = i < 4 ? 8 + (unsigned)(test_rand() % 12) :
		    32 + (unsigned)(test_rand() % 40);
		for (unsigned b = 0; b < anchors[i].len; b++)
			if (test_rand() & 1)
				anchors[i].net.bytes[b / 8] |=
				    (uint8_t)(0x80 >> (b % 8));
	}
	while (n < max - 1) {
		struct ref_rule *r = &rules[n];
		unsigned roll = (unsigned)(test_rand() % 100);
		char addr[TMX_ADDR_STRLEN];

		memset(r, 0, sizeof(*r));
		if (roll < 8 && depth > 0) {
			r->op = REF_ENDIF;
			rules[stack[--depth]].block_end = n;
			len += (size_t)snprintf(text + len, size - len,
						"endif\n");
			n++;
			continue;
		}
		ref_random_net(r, anchors);
		r->negate = test_rand() % 8 == 0;
		tmx_addr_format(&r->net, addr, sizeof(addr));
		if (roll < 16 && depth < 8) {
			r->op = REF_IF;
			r->block_end = -1;
			stack[depth++] = n;
			len += (size_t)snprintf(text + len, size - len,
						"if %s%s/%u\n",
						r->negate ? "!" : "", addr,
						r->len);
		} else {
			r->op = REF_MATCH;
			snprintf(r->result, sizeof(r->result), "r%d", n);
			len += (size_t)snprintf(text + len, size - len,
						"%s%s/%u %s\n",
						r->negate ? "!" : "", addr,
						r->len, r->result);
		}
		n++;
	}
	return n;
}

/* ref_random_key - at, in or next to a rule's prefix */
static void
ref_random_key(const struct ref_rule *rules, int n, struct tmx_addr *k)
{
	const struct ref_rule *r;
	unsigned bits;

	do
		r = &rules[test_rand() % (unsigned)n];
	while (r->op == REF_ENDIF);
	*k = r->net;
	bits = k->family == 4 ? 32 : 128;
	switch (test_rand() % 3) {
	case 0:
		break;
	case 1:
		for (unsigned i = r->len; i < bits; i++)
			if (test_rand() & 1)
				k->bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		break;
	default:
		if (r->len > 0)
			k->bytes[(r->len - 1) / 8] ^=
			    (uint8_t)(0x80 >> ((r->len - 1) % 8));
	}
}

/* test_random_tables - compiled answers equal the first-match scan */
static void
test_random_tables(void)
{
	enum { TABLES = 300, RULES = 120, KEYS = 3000 };
	static struct ref_rule rules[RULES];
	static char text[RULES * 80];
	size_t bad = 0, bad_cover = 0, hits = 0;

	for (int t = 0; t < TABLES; t++) {
		struct tmx_cidrtab *tab;
		struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
		struct tmx_cidrset *cover;
		char err[256];
		int n = ref_random_table(rules, RULES, text, sizeof(text));

		if (tmx_cidrtab_parse("random", text, strlen(text), 0, NULL,
				      NULL, &tab, err, sizeof(err)) < 0) {
			TMX_CHECKF(0, "random table %d: %s", t, err);
			continue;
		}
		TMX_CHECK(tmx_cidrtab_add_matches(tab, b, 1) == 0);
		cover = tmx_cidrset_build(b);
		for (int i = 0; i < KEYS; i++) {
			struct tmx_addr k;
			const char *want, *got;

			ref_random_key(rules, n, &k);
			want = ref_lookup(rules, n, &k);
			got = tmx_cidrtab_lookup(tab, &k);
			hits += want != NULL;
			if ((want == NULL) != (got == NULL) ||
			    (want != NULL && strcmp(want, got) != 0)) {
				if (bad++ < 5)
					fprintf(stderr, "table %d key %d: "
						"%s != %s\n", t, i,
						got ? got : "-",
						want ? want : "-");
			}
			if (tmx_cidrset_lookup(cover, &k, NULL) !=
			    (want != NULL))
				bad_cover++;
		}
		tmx_cidrset_free(cover);
		tmx_cidrtab_free(tab);
	}
	TMX_CHECKF(bad == 0, "%zu random lookups differ from the scan", bad);
	TMX_CHECKF(bad_cover == 0, "%zu add_matches answers differ",
		   bad_cover);
	TMX_CHECKF(hits > TABLES * KEYS / 5 && hits < TABLES * KEYS,
		   "%zu hits: weak data", hits);
}

int
main(void)
{
	test_tables();
	test_bad_lines();
	test_warning_text();
	test_load();
	test_random_tables();
	return TMX_TEST_END();
}
