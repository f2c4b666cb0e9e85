/*
 * test-pd-verdict.c - trustmx-policyd's merged lookup against the rule it
 * replaces (deny, then relay, then proxy, then allow, each list's longest
 * prefix naming the source), over random nested lists of both families:
 * equal prefixes in several lists, /0, empty and missing lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrset.h>

#include "policyd.h"
#include "tmx-test.h"

#define TEST_PER_LIST	120
#define TEST_ROUNDS	300
#define TEST_LOOKUPS	2000

static const enum list_id test_order[] = {
	LIST_DENY, LIST_RELAY, LIST_PROXY, LIST_ALLOW,
};
static const enum verdict test_verdict[] = {
	VERDICT_DENY, VERDICT_RELAY, VERDICT_PROXY, VERDICT_ALLOW,
};

/* test_pool - prefixes drawn from here overlap often, across lists too */
static struct tmx_addr test_pool[64];
static unsigned test_pool_len[64];

/* test_random_addr - family's address near the pool's prefixes */
static void
test_random_addr(struct tmx_addr *a, unsigned family)
{
	unsigned n = family == 4 ? 4 : 16, i;

	*a = test_pool[(unsigned)rand() % 32 + (family == 6 ? 32 : 0)];
	for (i = n / 2; i < n; i++)	/* the low half: random */
		if (rand() % 3 == 0)
			a->bytes[i] = (uint8_t)rand();
	if (rand() % 8 == 0)
		a->bytes[1] ^= (uint8_t)(1u << (rand() % 8));
}

/* test_mask - clear the bits after len */
static void
test_mask(struct tmx_addr *a, unsigned len)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (len >= (i + 1) * 8)
			continue;
		a->bytes[i] &= len <= i * 8 ? 0 : (uint8_t)(0xff00 >> (len % 8));
	}
}

/* test_fill_pool - the shared starting points of a round */
static void
test_fill_pool(void)
{
	unsigned i, j;

	for (i = 0; i < 64; i++) {
		memset(&test_pool[i], 0, sizeof(test_pool[i]));
		test_pool[i].family = i < 32 ? 4 : 6;
		test_pool[i].bytes[0] = i < 32 ? 10 : 0x20;
		test_pool[i].bytes[1] = i < 32 ? (uint8_t)(rand() % 4) : 0x01;
		for (j = 2; j < (i < 32 ? 4u : 16u); j++)
			test_pool[i].bytes[j] = (uint8_t)(rand() % 4);
		test_pool_len[i] = (unsigned)rand() % (i < 32 ? 33 : 129);
	}
}

/* test_list - a random list of rank r (NULL now and then), values r*1000+i */
static struct tmx_cidrset *
test_list(unsigned r)
{
	struct tmx_cidrset_builder *b;
	struct tmx_addr a;
	unsigned i, n, len, k;

	if (rand() % 10 == 0)
		return NULL;
	b = tmx_cidrset_builder_new();
	n = rand() % 5 == 0 ? 0 : (unsigned)rand() % TEST_PER_LIST;
	for (i = 0; i < n; i++) {
		k = (unsigned)rand() % 64;
		a = test_pool[k];
		len = rand() % 2 ? test_pool_len[k] : (unsigned)rand() %
		    (a.family == 4 ? 33 : 129);
		if (rand() % 2)
			test_random_addr(&a, a.family);
		test_mask(&a, len);
		TMX_CHECK(tmx_cidrset_builder_add(b, &a, len, r * 1000 + i,
						  NULL) == 0);
	}
	return tmx_cidrset_build(b);
}

/* test_expected - the four-lookup rule; the source's index or -1 */
static enum verdict
test_expected(const struct lists *lists, const struct tmx_addr *a, long *src)
{
	uint32_t v;
	unsigned r;

	for (r = 0; r < 4; r++)
		if (lists->set[test_order[r]] != NULL &&
		    tmx_cidrset_lookup(lists->set[test_order[r]], a, &v)) {
			*src = v;
			return test_verdict[r];
		}
	*src = -1;
	return VERDICT_NONE;
}

/* test_round - one random set of lists, many lookups */
static void
test_round(char **names)
{
	struct lists lists;
	struct tmx_addr a;
	const char *source;
	enum verdict want, got;
	unsigned r, i;
	long src;

	memset(&lists, 0, sizeof(lists));
	test_fill_pool();
	for (r = 0; r < 4; r++)
		lists.set[test_order[r]] = test_list(r);
	lists.source_names = names;
	lists.nsources = 4000;
	pd_verdict_build(&lists);
	for (i = 0; i < TEST_LOOKUPS; i++) {
		test_random_addr(&a, rand() % 2 ? 4 : 6);
		want = test_expected(&lists, &a, &src);
		got = pd_verdict_lookup(&lists, &a, &source);
		TMX_CHECKF(got == want && source == (src < 0 ? NULL :
		    names[src]), "%02x%02x%02x%02x family %u: verdict %d, "
		    "wanted %d; source %s, wanted %s", a.bytes[0], a.bytes[1],
		    a.bytes[2], a.bytes[3], a.family, got, want,
		    source ? source : "none", src < 0 ? "none" : names[src]);
	}
	for (r = 0; r < 4; r++)
		tmx_cidrset_free(lists.set[test_order[r]]);
	tmx_cidrset_free(lists.verdict);
}

/* test_fixed - the cases by hand: /0 below everything, equal prefixes */
static void
test_fixed(char **names)
{
	struct lists lists;
	struct tmx_addr a;
	const char *source;
	struct tmx_cidrset_builder *b[4];
	unsigned r;

	memset(&lists, 0, sizeof(lists));
	for (r = 0; r < 4; r++)
		b[r] = tmx_cidrset_builder_new();
	/* allow 0.0.0.0/0, proxy = relay = 192.0.2.0/24, deny 192.0.2.7 */
	tmx_addr_parse("0.0.0.0", &a);
	tmx_cidrset_builder_add(b[3], &a, 0, 3000, NULL);
	tmx_addr_parse("192.0.2.0", &a);
	tmx_cidrset_builder_add(b[1], &a, 24, 1000, NULL);
	tmx_cidrset_builder_add(b[2], &a, 24, 2000, NULL);
	tmx_addr_parse("192.0.2.7", &a);
	tmx_cidrset_builder_add(b[0], &a, 32, 0, NULL);
	for (r = 0; r < 4; r++)
		lists.set[test_order[r]] = tmx_cidrset_build(b[r]);
	lists.source_names = names;
	lists.nsources = 4000;
	pd_verdict_build(&lists);
	tmx_addr_parse("192.0.2.7", &a);
	TMX_CHECK(pd_verdict_lookup(&lists, &a, &source) == VERDICT_DENY);
	TMX_CHECK(source == names[0]);
	tmx_addr_parse("192.0.2.8", &a);
	TMX_CHECK(pd_verdict_lookup(&lists, &a, &source) == VERDICT_RELAY);
	TMX_CHECK(source == names[1000]);
	tmx_addr_parse("198.51.100.1", &a);
	TMX_CHECK(pd_verdict_lookup(&lists, &a, &source) == VERDICT_ALLOW);
	TMX_CHECK(source == names[3000]);
	tmx_addr_parse("2001:db8::1", &a);
	TMX_CHECK(pd_verdict_lookup(&lists, &a, &source) == VERDICT_NONE);
	TMX_CHECK(source == NULL);
	for (r = 0; r < 4; r++)
		tmx_cidrset_free(lists.set[test_order[r]]);
	tmx_cidrset_free(lists.verdict);
	/* no lists at all */
	memset(&lists, 0, sizeof(lists));
	pd_verdict_build(&lists);
	TMX_CHECK(pd_verdict_lookup(&lists, &a, &source) == VERDICT_NONE);
	tmx_cidrset_free(lists.verdict);
}

int
main(void)
{
	char **names = calloc(4000, sizeof(*names));
	unsigned i;

	for (i = 0; i < 4000; i++) {
		names[i] = malloc(16);
		snprintf(names[i], 16, "source %u", i);
	}
	srand(20261205);
	test_fixed(names);
	for (i = 0; i < TEST_ROUNDS; i++)
		test_round(names);
	for (i = 0; i < 4000; i++)
		free(names[i]);
	free(names);
	return TMX_TEST_END();
}
