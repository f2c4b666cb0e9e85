/*
 * cidrset.c - IPv4/IPv6 prefix sets: collect prefixes in a builder, then
 * compile them once into a read-only trie (radix.c) that threads share
 * without locks. The sorted distinct prefixes are kept for walks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrset.h>

#include "cidrset-private.h"
#include "radix.h"
#include "tmx-private.h"

struct cidrset_entry {
	struct radix_prefix prefix;
	uint32_t value;
	uint32_t seq;		/* insertion order: the first duplicate wins */
};

struct tmx_cidrset_builder {
	struct cidrset_entry *entries;
	size_t count, cap;
};

struct tmx_cidrset {
	struct radix *trie;
	struct radix_prefix *prefixes;	/* sorted, distinct */
	uint32_t *values;		/* parallel to prefixes */
	size_t count;
	bool hit_is_value;	/* the trie answers value + 1, not index + 1 */
};

/* cidrset_host_bits_clear - are the bits of bytes after len all zero */
static bool
cidrset_host_bits_clear(const uint8_t *bytes, unsigned nbytes, unsigned len)
{
	unsigned i = len / 8;

	if (len % 8 != 0) {
		if (bytes[i] & (0xffu >> (len % 8)))
			return false;
		i++;
	}
	for (; i < nbytes; i++)
		if (bytes[i] != 0)
			return false;
	return true;
}

/* cidrset_append - add one checked prefix; false when out of memory */
static bool
cidrset_append(struct tmx_cidrset_builder *b, const struct radix_prefix *p,
	       uint32_t value)
{
	struct cidrset_entry *e;

	if (b->count == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct cidrset_entry *grown;

		if (ncap > UINT32_MAX)
			return false;
		grown = realloc(b->entries, ncap * sizeof(*grown));
		if (grown == NULL)
			return false;
		b->entries = grown;
		b->cap = ncap;
	}
	e = &b->entries[b->count];
	e->prefix = *p;
	e->value = value;
	e->seq = (uint32_t)b->count++;
	return true;
}

/* tmx_cidrset_builder_new - an empty builder; NULL when out of memory */
TMX_EXPORT struct tmx_cidrset_builder *
tmx_cidrset_builder_new(void)
{
	return calloc(1, sizeof(struct tmx_cidrset_builder));
}

/* tmx_cidrset_builder_free - discard a builder that was not built */
TMX_EXPORT void
tmx_cidrset_builder_free(struct tmx_cidrset_builder *b)
{
	if (b == NULL)
		return;
	free(b->entries);
	free(b);
}

/* tmx_cidrset_builder_add - add prefix/len with a caller value */
TMX_EXPORT int
tmx_cidrset_builder_add(struct tmx_cidrset_builder *b,
			const struct tmx_addr *prefix, unsigned len,
			uint32_t value, const char **error_r)
{
	struct radix_prefix p;
	const char *dummy;
	unsigned nbytes;

	if (error_r == NULL)
		error_r = &dummy;
	if (prefix->family != 4 && prefix->family != 6) {
		*error_r = "unknown address family";
		return -1;
	}
	nbytes = prefix->family == 4 ? 4 : 16;
	if (len > nbytes * 8) {
		*error_r = "prefix length too long";
		return -1;
	}
	if (!cidrset_host_bits_clear(prefix->bytes, nbytes, len)) {
		*error_r = "host bits set after the prefix length";
		return -1;
	}
	memset(&p, 0, sizeof(p));
	memcpy(p.bytes, prefix->bytes, nbytes);
	p.family = prefix->family;
	p.len = (uint8_t)len;
	if (!cidrset_append(b, &p, value)) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

/* cidrset_builder_mark - the builder's current size, for a later rewind */
size_t
cidrset_builder_mark(const struct tmx_cidrset_builder *b)
{
	return b->count;
}

/* cidrset_builder_rewind - forget every prefix added since mark */
void
cidrset_builder_rewind(struct tmx_cidrset_builder *b, size_t mark)
{
	if (mark < b->count)
		b->count = mark;
}

/* tmx_cidrset_builder_add_set - add every prefix of set (a union) */
TMX_EXPORT int
tmx_cidrset_builder_add_set(struct tmx_cidrset_builder *b,
			    const struct tmx_cidrset *set)
{
	size_t mark = b->count;

	for (size_t i = 0; i < set->count; i++) {
		if (!cidrset_append(b, &set->prefixes[i], set->values[i])) {
			b->count = mark;
			return -1;
		}
	}
	return 0;
}

/* cidrset_entry_compare - qsort order: prefix, then insertion order */
static int
cidrset_entry_compare(const void *va, const void *vb)
{
	const struct cidrset_entry *a = va, *b = vb;
	int cmp;

	if ((cmp = radix_prefix_compare(&a->prefix, &b->prefix)) != 0)
		return cmp;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * cidrset_trie - the trie over set's prefixes. When every value fits a
 * trie leaf, the leaves hold value + 1 and a lookup never reads values[]
 * (one memory access fewer, and equal neighbours share leaves); else they
 * hold the index + 1.
 */
static struct radix *
cidrset_trie(struct tmx_cidrset *set)
{
	uint32_t *answers;
	struct radix *trie;

	for (size_t i = 0; i < set->count; i++)
		if (set->values[i] >= RADIX_ANSWER_MAX)
			return radix_build(set->prefixes, NULL, set->count);
	if ((answers = malloc((set->count ? set->count : 1) *
			      sizeof(*answers))) == NULL)
		return NULL;
	for (size_t i = 0; i < set->count; i++)
		answers[i] = set->values[i] + 1;
	trie = radix_build(set->prefixes, answers, set->count);
	free(answers);
	set->hit_is_value = trie != NULL;
	return trie;
}

/* cidrset_compile - sort, drop later duplicates, build the trie */
static struct tmx_cidrset *
cidrset_compile(struct tmx_cidrset_builder *b)
{
	struct tmx_cidrset *set;
	size_t n = 0;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		return NULL;
	if (b->count > 0)
		qsort(b->entries, b->count, sizeof(*b->entries),
		      cidrset_entry_compare);
	set->prefixes = malloc((b->count ? b->count : 1) *
			       sizeof(*set->prefixes));
	set->values = malloc((b->count ? b->count : 1) * sizeof(*set->values));
	if (set->prefixes == NULL || set->values == NULL) {
		tmx_cidrset_free(set);
		return NULL;
	}
	for (size_t i = 0; i < b->count; i++) {
		if (n > 0 && radix_prefix_compare(&set->prefixes[n - 1],
						  &b->entries[i].prefix) == 0)
			continue;
		set->prefixes[n] = b->entries[i].prefix;
		set->values[n++] = b->entries[i].value;
	}
	set->count = n;
	if ((set->trie = cidrset_trie(set)) == NULL) {
		tmx_cidrset_free(set);
		return NULL;
	}
	return set;
}

/* tmx_cidrset_build - compile; the builder is consumed whatever happens */
TMX_EXPORT struct tmx_cidrset *
tmx_cidrset_build(struct tmx_cidrset_builder *b)
{
	struct tmx_cidrset *set;

	if (b == NULL)
		return NULL;
	set = cidrset_compile(b);
	tmx_cidrset_builder_free(b);
	return set;
}

/* tmx_cidrset_free - release a set; NULL is fine */
TMX_EXPORT void
tmx_cidrset_free(struct tmx_cidrset *set)
{
	if (set == NULL)
		return;
	radix_free(set->trie);
	free(set->prefixes);
	free(set->values);
	free(set);
}

/* tmx_cidrset_lookup - is addr covered; *value_r = the longest match's */
TMX_EXPORT bool
tmx_cidrset_lookup(const struct tmx_cidrset *set,
		   const struct tmx_addr *addr, uint32_t *value_r)
{
	uint32_t hit;

	if (set == NULL || (hit = radix_lookup(set->trie, addr)) == 0)
		return false;
	if (value_r != NULL)
		*value_r = set->hit_is_value ? hit - 1 : set->values[hit - 1];
	return true;
}

/* tmx_cidrset_count - the number of distinct prefixes in the set */
TMX_EXPORT size_t
tmx_cidrset_count(const struct tmx_cidrset *set)
{
	return set != NULL ? set->count : 0;
}

/* tmx_cidrset_walk - each distinct prefix, IPv4 first, in address order */
TMX_EXPORT int
tmx_cidrset_walk(const struct tmx_cidrset *set, tmx_cidrset_walk_fn *fn,
		 void *ctx)
{
	struct tmx_addr addr;
	int rc;

	if (set == NULL)
		return 0;
	for (size_t i = 0; i < set->count; i++) {
		memset(&addr, 0, sizeof(addr));
		addr.family = set->prefixes[i].family;
		memcpy(addr.bytes, set->prefixes[i].bytes, sizeof(addr.bytes));
		if ((rc = fn(&addr, set->prefixes[i].len, set->values[i],
			     ctx)) != 0)
			return rc;
	}
	return 0;
}
