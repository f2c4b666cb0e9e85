/*
 * test-cidrset.c - prefix sets: overlaps, /0, /32, /128, duplicates,
 * host bits, walk order, plain list loading, and 100k random prefixes
 * checked against two independent reference answers.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trustmx/cidrset.h>

#include "tmx-test.h"

#define MISS	UINT32_MAX	/* expected: not covered */

/* test_set_of - build a set from "prefix=value" texts; NULL on error */
static struct tmx_cidrset *
test_set_of(const char *const *prefixes)
{
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();

	for (size_t i = 0; prefixes[i] != NULL; i++) {
		char text[80], *eq;
		struct tmx_addr a;
		unsigned len;
		const char *error;

		snprintf(text, sizeof(text), "%s", prefixes[i]);
		eq = strchr(text, '=');
		*eq = 0;
		if (tmx_addr_parse_prefix(text, &a, &len, &error) < 0 ||
		    tmx_cidrset_builder_add(b, &a, len, (uint32_t)atoi(eq + 1),
					    &error) < 0) {
			fprintf(stderr, "%s: %s\n", prefixes[i], error);
			tmx_cidrset_builder_free(b);
			return NULL;
		}
	}
	return tmx_cidrset_build(b);
}

/* One lookup and its expected value (MISS: not covered). */
struct probe {
	const char *addr;
	uint32_t value;
};

/* test_probes - each probe against set */
static void
test_probes(const char *name, const struct tmx_cidrset *set,
	    const struct probe *p)
{
	for (; p->addr != NULL; p++) {
		struct tmx_addr a;
		uint32_t v = 12345;
		bool hit;

		TMX_CHECKF(tmx_addr_parse(p->addr, &a) == 0, "%s", p->addr);
		hit = tmx_cidrset_lookup(set, &a, &v);
		TMX_CHECKF(hit == (p->value != MISS) &&
			   (!hit || v == p->value),
			   "%s: %s -> %s %u, want %u", name, p->addr,
			   hit ? "hit" : "miss", v, p->value);
		TMX_CHECKF(tmx_cidrset_lookup(set, &a, NULL) == hit, "%s: %s",
			   name, p->addr);
	}
}

/* A set and what it answers. */
struct set_case {
	const char *name;
	const char *prefixes[12];
	size_t count;		/* distinct prefixes */
	struct probe probes[16];
};

static const struct set_case set_cases[] = {
	{ "empty", { NULL }, 0, {
		{ "192.0.2.1", MISS }, { "2001:db8::1", MISS }, { NULL, 0 } } },
	{ "overlap: most specific wins", {
		"10.0.0.0/8=1", "10.1.0.0/16=2", "10.1.2.0/24=3",
		"10.1.2.3/32=4", NULL }, 4, {
		{ "10.9.9.9", 1 }, { "10.1.9.9", 2 }, { "10.1.2.9", 3 },
		{ "10.1.2.3", 4 }, { "10.1.2.4", 3 }, { "11.0.0.0", MISS },
		{ "9.255.255.255", MISS }, { "10.255.255.255", 1 },
		{ NULL, 0 } } },
	{ "order of adding does not matter", {
		"10.1.2.3/32=4", "10.1.2.0/24=3", "10.0.0.0/8=1",
		"10.1.0.0/16=2", NULL }, 4, {
		{ "10.9.9.9", 1 }, { "10.1.9.9", 2 }, { "10.1.2.9", 3 },
		{ "10.1.2.3", 4 }, { NULL, 0 } } },
	{ "duplicate keeps the first value", {
		"192.0.2.0/24=7", "192.0.2.0/24=8", "2001:db8::/32=9",
		"2001:db8::/32=10", NULL }, 2, {
		{ "192.0.2.200", 7 }, { "2001:db8:1::1", 9 }, { NULL, 0 } } },
	{ "/0 covers one family only", { "0.0.0.0/0=5", NULL }, 1, {
		{ "0.0.0.0", 5 }, { "255.255.255.255", 5 },
		{ "::ffff:192.0.2.1", MISS }, { "::", MISS }, { NULL, 0 } } },
	{ "::/0", { "::/0=6", "2001:db8::/32=7", NULL }, 2, {
		{ "::", 6 }, { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6 },
		{ "2001:db8:ffff::", 7 }, { "2001:db9::", 6 },
		{ "192.0.2.1", MISS }, { NULL, 0 } } },
	{ "/32 and /128 are single addresses", {
		"192.0.2.1/32=1", "2001:db8::1/128=2", "2001:db8::/127=3",
		NULL }, 3, {
		{ "192.0.2.1", 1 }, { "192.0.2.0", MISS },
		{ "192.0.2.2", MISS }, { "2001:db8::1", 2 },
		{ "2001:db8::", 3 }, { "2001:db8::2", MISS },
		{ NULL, 0 } } },
	{ "no cross-family matches", {
		"192.0.2.0/24=1", "::ffff:198.51.100.0/120=2", NULL }, 2, {
		{ "::ffff:192.0.2.1", MISS }, { "198.51.100.1", MISS },
		{ "::ffff:198.51.100.1", 2 }, { "192.0.2.1", 1 },
		{ NULL, 0 } } },
	{ "stride edges", {
		"128.0.0.0/1=1", "192.0.0.0/6=2", "192.0.0.0/7=3",
		"192.0.0.0/12=4", "192.0.0.0/13=5", "192.0.0.0/30=6",
		"192.0.0.0/31=7", "2001:db8::/126=8", "2001:db8::/125=9",
		NULL }, 9, {
		{ "200.0.0.0", 1 }, { "195.0.0.0", 2 }, { "193.0.0.0", 3 },
		{ "192.8.0.0", 4 }, { "192.7.0.0", 5 }, { "192.0.0.2", 6 },
		{ "192.0.0.1", 7 }, { "2001:db8::3", 8 }, { "2001:db8::7", 9 },
		{ "2001:db8::8", MISS }, { "127.0.0.1", MISS },
		{ NULL, 0 } } },
};

/* test_cases - every set_case, with its count */
static void
test_cases(void)
{
	for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		const struct set_case *c = &set_cases[i];
		struct tmx_cidrset *set = test_set_of(c->prefixes);

		TMX_CHECKF(set != NULL, "%s", c->name);
		if (set == NULL)
			continue;
		TMX_CHECKF(tmx_cidrset_count(set) == c->count, "%s: count %zu",
			   c->name, tmx_cidrset_count(set));
		test_probes(c->name, set, c->probes);
		tmx_cidrset_free(set);
	}
	tmx_cidrset_free(NULL);
}

/* Prefixes the builder must refuse. */
struct bad_case {
	const char *addr;
	unsigned len;
	const char *error;
};

static const struct bad_case bad_cases[] = {
	{ "192.0.2.1", 24, "host bits" },
	{ "192.0.2.0", 33, "too long" },
	{ "128.0.0.0", 0, "host bits" },
	{ "2001:db8::1", 64, "host bits" },
	{ "2001:db8::", 129, "too long" },
};

/* test_refused - bad prefixes fail with a reason and add nothing */
static void
test_refused(void)
{
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	struct tmx_cidrset *set;
	struct tmx_addr a;
	const char *error;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		error = NULL;
		tmx_addr_parse(bad_cases[i].addr, &a);
		TMX_CHECKF(tmx_cidrset_builder_add(b, &a, bad_cases[i].len, 1,
						   &error) < 0, "%s/%u",
			   bad_cases[i].addr, bad_cases[i].len);
		TMX_CHECKF(error != NULL && strstr(error, bad_cases[i].error),
			   "%s/%u: %s", bad_cases[i].addr, bad_cases[i].len,
			   error ? error : "(null)");
	}
	memset(&a, 0, sizeof(a));
	a.family = 5;
	TMX_CHECK(tmx_cidrset_builder_add(b, &a, 0, 1, NULL) < 0);
	set = tmx_cidrset_build(b);
	TMX_CHECK(set != NULL && tmx_cidrset_count(set) == 0);
	tmx_cidrset_free(set);
}

/* Walk results, collected as text. */
struct walk_log {
	char text[1024];
	size_t len;
	int stop_after;
};

/* test_walk_fn - append "prefix/len=value " to the log */
static int
test_walk_fn(const struct tmx_addr *prefix, unsigned len, uint32_t value,
	     void *ctx)
{
	struct walk_log *log = ctx;
	char buf[TMX_ADDR_STRLEN];

	log->len += (size_t)snprintf(log->text + log->len,
				     sizeof(log->text) - log->len, "%s/%u=%u ",
				     tmx_addr_format(prefix, buf, sizeof(buf)),
				     len, value);
	return --log->stop_after == 0 ? 42 : 0;
}

/* test_walk - distinct prefixes, IPv4 first, address order, early stop */
static void
test_walk(void)
{
	static const char *const prefixes[] = {
		"2001:db8::/32=1", "10.1.0.0/16=2", "192.0.2.0/24=3",
		"10.0.0.0/8=4", "::/0=5", "10.1.0.0/16=6", "0.0.0.0/0=7",
		"10.1.0.0/24=8", "2001:db8::1/128=9", NULL
	};
	struct tmx_cidrset *set = test_set_of(prefixes);
	struct walk_log log;

	memset(&log, 0, sizeof(log));
	log.stop_after = -1;
	TMX_CHECK(tmx_cidrset_walk(set, test_walk_fn, &log) == 0);
	TMX_CHECK_STR(log.text, "0.0.0.0/0=7 10.0.0.0/8=4 10.1.0.0/16=2 "
		      "10.1.0.0/24=8 192.0.2.0/24=3 ::/0=5 2001:db8::/32=1 "
		      "2001:db8::1/128=9 ");
	TMX_CHECK(tmx_cidrset_count(set) == 8);
	memset(&log, 0, sizeof(log));
	log.stop_after = 3;
	TMX_CHECK(tmx_cidrset_walk(set, test_walk_fn, &log) == 42);
	TMX_CHECK_STR(log.text, "0.0.0.0/0=7 10.0.0.0/8=4 10.1.0.0/16=2 ");
	tmx_cidrset_free(set);
}

/* test_add_set - a union keeps each set's values, first one first */
static void
test_add_set(void)
{
	static const char *const one[] = { "10.0.0.0/8=1", "2001:db8::/32=1",
	    NULL };
	static const char *const two[] = { "10.0.0.0/8=2", "10.1.0.0/16=2",
	    NULL };
	static const struct probe probes[] = {
		{ "10.9.9.9", 1 }, { "10.1.0.1", 2 }, { "2001:db8::5", 1 },
		{ "11.0.0.0", MISS }, { NULL, 0 }
	};
	struct tmx_cidrset *a = test_set_of(one), *b = test_set_of(two), *u;
	struct tmx_cidrset_builder *bld = tmx_cidrset_builder_new();

	TMX_CHECK(tmx_cidrset_builder_add_set(bld, a) == 0);
	TMX_CHECK(tmx_cidrset_builder_add_set(bld, b) == 0);
	u = tmx_cidrset_build(bld);
	TMX_CHECK(tmx_cidrset_count(u) == 3);
	test_probes("union", u, probes);
	tmx_cidrset_free(a);
	tmx_cidrset_free(b);
	tmx_cidrset_free(u);
}

/* A plain list and whether it loads (err names file:line). */
struct list_case {
	const char *name;
	const char *text;
	int ok;
	const char *error;	/* substring of err when not ok */
	size_t count;
};

static const struct list_case list_cases[] = {
	{ "good", "# trusted relays\n192.0.2.0/24\n\n  198.51.100.7  \n"
	  "2001:db8::/32 # ours\n[2001:db8:1::1]\n[2001:db8:2::]/48\n"
	  "[2001:db8:3::/48]\r\n\t\n203.0.113.0/24", 1, NULL, 7 },
	{ "empty", "", 1, NULL, 0 },
	{ "comments only", "# a\n   # b\n", 1, NULL, 0 },
	{ "host bits", "192.0.2.0/24\n192.0.2.1/24\n", 0, "host bits:2: host",
	  0 },
	{ "garbage", "192.0.2.0/24\n\nhello\n", 0, "garbage:3: bad address",
	  0 },
	{ "two on a line", "192.0.2.0/24 198.51.100.0/24\n", 0,
	  "two on a line:1: more than one", 0 },
	{ "long mask", "2001:db8::/129\n", 0, "long mask:1: prefix length", 0 },
	{ "unclosed bracket", "[2001:db8::1\n", 0, "missing ']'", 0 },
	{ "after bracket", "[2001:db8::1]x\n", 0, "garbage after", 0 },
	{ "two lengths", "[2001:db8::/32]/32\n", 0, "two prefix lengths", 0 },
	{ "leading zero", "192.0.2.01\n", 0, "bad address", 0 },
	{ "value column", "192.0.2.0/24 OK\n", 0, "more than one", 0 },
};

/* test_lists - parse_list all or nothing; the builder is left unchanged */
static void
test_lists(void)
{
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]);
	     i++) {
		const struct list_case *c = &list_cases[i];
		struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
		struct tmx_addr keep;
		struct tmx_cidrset *set;
		char err[256] = "";
		int rc;

		/* One prefix already there: a failed list must not touch it. */
		tmx_addr_parse("100.64.0.0", &keep);
		tmx_cidrset_builder_add(b, &keep, 10, 99, NULL);
		rc = tmx_cidrset_builder_parse_list(b, c->name, c->text,
						    strlen(c->text), 5, err,
						    sizeof(err));
		TMX_CHECKF((rc == 0) == c->ok, "%s: rc %d %s", c->name, rc,
			   err);
		if (!c->ok)
			TMX_CHECKF(strstr(err, c->error) != NULL,
				   "%s: err \"%s\"", c->name, err);
		set = tmx_cidrset_build(b);
		TMX_CHECKF(tmx_cidrset_count(set) == 1 + c->count,
			   "%s: count %zu", c->name, tmx_cidrset_count(set));
		tmx_cidrset_free(set);
	}
}

/* test_load_list - from a file; a missing file names itself */
static void
test_load_list(void)
{
	static const struct probe probes[] = {
		{ "192.0.2.9", 3 }, { "2001:db8::1", 3 }, { "10.0.0.1", MISS },
		{ NULL, 0 }
	};
	char path[] = "/tmp/test-cidrset.XXXXXX", err[256];
	const char *text = "192.0.2.0/24\n[2001:db8::]/32\n";
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	struct tmx_cidrset *set;
	int fd = mkstemp(path);

	TMX_CHECK(fd >= 0 && write(fd, text, strlen(text)) ==
		  (ssize_t)strlen(text));
	close(fd);
	TMX_CHECK(tmx_cidrset_builder_load_list(b, path, 3, err,
						sizeof(err)) == 0);
	unlink(path);
	TMX_CHECK(tmx_cidrset_builder_load_list(b, path, 3, err,
						sizeof(err)) < 0);
	TMX_CHECKF(strstr(err, path) != NULL, "%s", err);
	set = tmx_cidrset_build(b);
	test_probes("load_list", set, probes);
	tmx_cidrset_free(set);
}

/* The random test's prefixes, in a form the references can use. */
struct ref_prefix {
	struct tmx_addr addr;
	unsigned len;
	uint32_t value;
};

static uint64_t test_rng = 88172645463325252ULL;

/* test_rand - the next of this test's fixed sequence */
static uint64_t
test_rand(void)
{
	return tmx_test_rand(&test_rng);
}

/* test_mask - a copy of a with the bits after len cleared */
static struct tmx_addr
test_mask(const struct tmx_addr *a, unsigned len)
{
	struct tmx_addr m = *a;
	unsigned i = len / 8;

	if (len % 8)
		m.bytes[i++] &= (uint8_t)(0xff00 >> (len % 8));
	memset(m.bytes + i, 0, 16 - i);
	return m;
}

/* test_covers - does prefix p cover address a: a bit at a time */
static bool
test_covers(const struct ref_prefix *p, const struct tmx_addr *a)
{
	if (p->addr.family != a->family)
		return false;
	for (unsigned i = 0; i < p->len; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		if ((p->addr.bytes[i / 8] & bit) != (a->bytes[i / 8] & bit))
			return false;
	}
	return true;
}

/* test_random_prefix - clustered so that prefixes nest and collide; the
 * value's bits within mask random */
static void
test_random_prefix(struct ref_prefix *p, uint32_t mask)
{
	unsigned family = test_rand() % 3 ? 4 : 6;
	unsigned bits = family == 4 ? 32 : 128;
	uint64_t r[2] = { test_rand(), test_rand() };

	memset(&p->addr, 0, sizeof(p->addr));
	p->addr.family = (uint8_t)family;
	memcpy(p->addr.bytes, r, bits / 8);
	p->addr.bytes[0] &= 0x0f;	/* a crowded corner of the space */
	if (family == 6)
		p->addr.bytes[1] = 0x20;
	if (test_rand() % 1024 == 0)	/* a few short ones */
		p->len = bits / 8 + 4 + (unsigned)(test_rand() % (bits / 8));
	else
		p->len = bits - (unsigned)(test_rand() % (bits / 2));
	p->addr = test_mask(&p->addr, p->len);
	p->value = (uint32_t)test_rand() & mask;
}

/* test_random_key - inside, at the edge of, or near a random prefix */
static void
test_random_key(const struct ref_prefix *pfx, size_t n, struct tmx_addr *k)
{
	const struct ref_prefix *p = &pfx[test_rand() % n];
	unsigned bits = p->addr.family == 4 ? 32 : 128;

	*k = p->addr;
	switch (test_rand() % 4) {
	case 0:
		break;
	case 1:
		for (unsigned i = p->len; i < bits; i++)
			k->bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		break;
	case 2:
		for (unsigned i = p->len; i < bits; i++)
			if (test_rand() & 1)
				k->bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		break;
	default:
		if (p->len > 0)		/* flip one network bit */
			k->bytes[(p->len - 1) / 8] ^=
			    (uint8_t)(0x80 >> ((p->len - 1) % 8));
	}
}

/* test_ref_compare - order for the second reference: family, len, addr */
static int
test_ref_compare(const void *va, const void *vb)
{
	const struct ref_prefix *a = va, *b = vb;
	int cmp;

	if (a->addr.family != b->addr.family)
		return a->addr.family - b->addr.family;
	if (a->len != b->len)
		return (int)a->len - (int)b->len;
	if ((cmp = memcmp(a->addr.bytes, b->addr.bytes, 16)) != 0)
		return cmp;
	return 0;
}

/*
 * test_ref_lpm - reference answer by exact search per prefix length,
 * longest first; among duplicates the first added (lowest index) wins.
 */
static bool
test_ref_lpm(const struct ref_prefix *sorted, size_t n,
	     const struct tmx_addr *k, uint32_t *value_r)
{
	for (int len = k->family == 4 ? 32 : 128; len >= 0; len--) {
		struct ref_prefix key;
		const struct ref_prefix *hit;

		key.addr = test_mask(k, (unsigned)len);
		key.len = (unsigned)len;
		hit = bsearch(&key, sorted, n, sizeof(*sorted),
			      test_ref_compare);
		if (hit != NULL) {
			/* step back to the first of equal prefixes */
			while (hit > sorted &&
			       test_ref_compare(hit - 1, &key) == 0)
				hit--;
			*value_r = hit->value;
			return true;
		}
	}
	return false;
}

/*
 * test_random - 100k prefixes vs the per-length reference; a scan too.
 * Values within mask: full 32-bit values make the trie answer indexes,
 * small ones values themselves (equal neighbours then share leaves).
 */
static void
test_random(uint32_t mask)
{
	enum { NPFX = 100000, NKEYS = 100000, NSCAN = 1000 };
	struct ref_prefix *pfx = malloc(NPFX * sizeof(*pfx));
	struct ref_prefix *sorted = malloc(NPFX * sizeof(*sorted));
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	struct tmx_cidrset *set;
	size_t bad = 0, scanned_bad = 0, hits = 0;

	for (size_t i = 0; i < NPFX; i++) {
		test_random_prefix(&pfx[i], mask);
		if (i % 50 == 49) {	/* a duplicate with another value */
			pfx[i].addr = pfx[i - 7].addr;
			pfx[i].len = pfx[i - 7].len;
		}
		TMX_CHECK(tmx_cidrset_builder_add(b, &pfx[i].addr, pfx[i].len,
						  pfx[i].value, NULL) == 0);
	}
	set = tmx_cidrset_build(b);
	TMX_CHECK(set != NULL);
	/* qsort is not stable: keep the first-added order among equals */
	for (size_t i = 0; i < NPFX; i++) {
		sorted[i] = pfx[i];
		sorted[i].value = (uint32_t)i;
	}
	qsort(sorted, NPFX, sizeof(*sorted), test_ref_compare);
	for (size_t i = 0; i < NPFX; i++) {
		size_t j = i;

		while (j + 1 < NPFX && test_ref_compare(&sorted[j + 1],
							&sorted[i]) == 0)
			j++;
		uint32_t first = sorted[i].value;
		for (size_t k = i; k <= j; k++)
			if (sorted[k].value < first)
				first = sorted[k].value;
		for (size_t k = i; k <= j; k++)
			sorted[k].value = pfx[first].value;
		i = j;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		struct tmx_addr k;
		uint32_t want = 0, got = 0;
		bool hit_ref, hit;

		test_random_key(pfx, NPFX, &k);
		hit_ref = test_ref_lpm(sorted, NPFX, &k, &want);
		hit = tmx_cidrset_lookup(set, &k, &got);
		hits += hit;
		if (hit != hit_ref || (hit && got != want))
			bad++;
		if (i >= NSCAN)
			continue;
		/* the plain scan: longest covering prefix, first added */
		const struct ref_prefix *best = NULL;
		for (size_t j = 0; j < NPFX; j++)
			if (test_covers(&pfx[j], &k) &&
			    (best == NULL || pfx[j].len > best->len))
				best = &pfx[j];
		if ((best != NULL) != hit || (hit && best->value != got))
			scanned_bad++;
	}
	TMX_CHECKF(bad == 0, "values 0x%x: %zu of %d random lookups differ",
		   mask, bad, NKEYS);
	TMX_CHECKF(hits > NKEYS / 2 && hits < NKEYS, "%zu hits: weak data",
		   hits);
	TMX_CHECKF(scanned_bad == 0, "%zu of %d scanned lookups differ",
		   scanned_bad, NSCAN);
	tmx_cidrset_free(set);
	free(pfx);
	free(sorted);
}

/* test_value_limits - values either side of what a trie leaf holds, alone
 * and mixed with small ones, come back whole */
static void
test_value_limits(void)
{
	static const uint32_t big[] = {
		0x3ffffffe, 0x3fffffff, 0x40000000, 0xfffffffe, 0xffffffff
	};
	struct tmx_addr net, key;
	uint32_t v;

	TMX_CHECK(tmx_addr_parse("192.0.2.0", &net) == 0);
	TMX_CHECK(tmx_addr_parse("192.0.2.77", &key) == 0);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
		struct tmx_cidrset *set;

		TMX_CHECK(tmx_cidrset_builder_add(b, &net, 24, big[i], NULL) == 0);
		TMX_CHECK(tmx_cidrset_builder_add(b, &net, 28, 0, NULL) == 0);
		set = tmx_cidrset_build(b);
		v = 1;
		TMX_CHECKF(tmx_cidrset_lookup(set, &key, &v) && v == big[i],
			   "value 0x%x came back as 0x%x", big[i], v);
		TMX_CHECK(tmx_cidrset_lookup(set, &net, &v) && v == 0);
		tmx_cidrset_free(set);
	}
}

/* One reader thread's share: the set, keys and the answers expected. */
struct reader {
	const struct tmx_cidrset *set;
	const struct tmx_addr *keys;
	const uint32_t *want;		/* MISS for not covered */
	size_t n;
	size_t wrong;
};

/* test_reader - look every key up in the shared set, count wrong answers */
static void *
test_reader(void *arg)
{
	struct reader *r = arg;

	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < r->n; i++) {
			uint32_t v = MISS;

			if (!tmx_cidrset_lookup(r->set, &r->keys[i], &v))
				v = MISS;
			r->wrong += v != r->want[i];
		}
	}
	return NULL;
}

/* test_threads - one built set, four threads reading it without locks */
static void
test_threads(void)
{
	enum { NPFX = 20000, NKEYS = 50000, NTHREADS = 4 };
	struct ref_prefix *pfx = malloc(NPFX * sizeof(*pfx));
	struct tmx_addr *keys = malloc(NKEYS * sizeof(*keys));
	uint32_t *want = malloc(NKEYS * sizeof(*want));
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	struct reader readers[NTHREADS];
	pthread_t tid[NTHREADS];
	struct tmx_cidrset *set;

	for (size_t i = 0; i < NPFX; i++) {
		test_random_prefix(&pfx[i], 0xffffffff);
		tmx_cidrset_builder_add(b, &pfx[i].addr, pfx[i].len,
					pfx[i].value, NULL);
	}
	set = tmx_cidrset_build(b);
	for (size_t i = 0; i < NKEYS; i++) {
		test_random_key(pfx, NPFX, &keys[i]);
		if (!tmx_cidrset_lookup(set, &keys[i], &want[i]))
			want[i] = MISS;
	}
	for (int t = 0; t < NTHREADS; t++) {
		readers[t] = (struct reader){ set, keys, want, NKEYS, 0 };
		TMX_CHECK(pthread_create(&tid[t], NULL, test_reader,
					 &readers[t]) == 0);
	}
	for (int t = 0; t < NTHREADS; t++) {
		pthread_join(tid[t], NULL);
		TMX_CHECKF(readers[t].wrong == 0, "thread %d: %zu wrong", t,
			   readers[t].wrong);
	}
	tmx_cidrset_free(set);
	free(pfx);
	free(keys);
	free(want);
}

int
main(void)
{
	test_cases();
	test_refused();
	test_walk();
	test_add_set();
	test_lists();
	test_load_list();
	test_random(0xffffffff);
	test_random(0x3fffffff);	/* the leaves' limit, either side */
	test_random(7);
	test_value_limits();
	test_threads();
	return TMX_TEST_END();
}
