/*
 * radix.c - a poptrie-style multibit trie: a 16-bit direct-pointing table
 * per family, then 6-bit strides with leaf pushing, in nodes that store only
 * their non-empty children and distinct leaf runs, found by popcount. A
 * slot whose subtree holds a single longer prefix ends in a "tail" (one
 * masked compare), so long unique IPv6 prefixes cost one record, not a
 * chain of nodes. A bitmap of the direct slots that answer anything (8 KiB,
 * where the 256 KiB table is not) turns away most addresses in no list
 * without reading the table. Lookup cost depends on the address length
 * only; the trie is never written after radix_build() returns.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "radix.h"

#define RADIX_STRIDE	6
#define RADIX_SLOTS	64
#define RADIX_DIRECT_BITS	16
#define RADIX_DIRECT	(1u << RADIX_DIRECT_BITS)

/* A direct-table entry: a tag in the top two bits, an index below. */
#define RADIX_REF_LEAF	0u		/* the answer itself */
#define RADIX_REF_NODE	1u		/* a node, at bit offset 16 */
#define RADIX_REF_TAIL	2u		/* a tail */
#define RADIX_REF_SHIFT	30
#define RADIX_REF_MASK	((1u << RADIX_REF_SHIFT) - 1)
_Static_assert(RADIX_ANSWER_MAX == RADIX_REF_MASK,
	       "an answer fits below a direct entry's tag bits");

/* An inner node: 64 slots, each a child node, a tail, or a leaf. */
struct radix_node {
	uint64_t node_vec;	/* slots that lead to a child node */
	uint64_t tail_vec;	/* slots that lead to a tail */
	uint64_t leaf_vec;	/* leaf slots that start a new run of leaves */
	uint32_t node_base;	/* first child node (children are contiguous) */
	uint32_t tail_base;	/* first tail */
	uint32_t leaf_base;	/* first leaf run */
};

/* The only prefix below a slot, and what the slot answers otherwise. */
struct radix_tail {
	uint8_t bytes[16];
	uint8_t len;
	uint32_t leaf;		/* answer when the prefix covers the address */
	uint32_t dflt;		/* answer when it does not */
};

/* The same for IPv4 in 16 bytes, four to a cache line, none across two:
 * most lookups in a long IPv4 list end in one. Host order. */
struct radix_tail4 {
	uint32_t net;
	uint32_t mask;
	uint32_t leaf;
	uint32_t dflt;
};

struct radix {
	struct radix_node *nodes;
	struct radix_tail *tails;	/* IPv6 */
	struct radix_tail4 *tails4;
	uint32_t *leaves;
	size_t nnodes, ntails, ntails4, nleaves;
	size_t cap_nodes, cap_tails, cap_tails4, cap_leaves;
	uint32_t *direct[2];	/* first 16 bits of IPv4, IPv6 */
	uint64_t *used[2];	/* direct slots that are not 0 */
	const uint32_t *answers;	/* radix_build's, while it runs */
};

/* radix_nbytes - address bytes of a family */
static inline unsigned
radix_nbytes(unsigned family)
{
	return family == 4 ? 4 : 16;
}

/* radix_slot - the 6 address bits at bit offset off; zero past the end */
static inline unsigned
radix_slot(const uint8_t *bytes, unsigned nbytes, unsigned off)
{
	unsigned i = off >> 3, window;

	window = (i < nbytes ? (unsigned)bytes[i] << 8 : 0) |
	    (i + 1 < nbytes ? bytes[i + 1] : 0);
	return (window >> (10 - (off & 7))) & (RADIX_SLOTS - 1);
}

/* radix_rank - how many bits of vec are set at or below bit slot */
static inline unsigned
radix_rank(uint64_t vec, unsigned slot)
{
	uint64_t upto = ((uint64_t)2 << slot) - 1;

	return (unsigned)__builtin_popcountll(vec & upto);
}

/* radix_be32 - the first four bytes as a host-order number */
static inline uint32_t
radix_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* radix_bits_equal - do a and b agree on their first nbits bits */
int
radix_bits_equal(const uint8_t *a, const uint8_t *b, unsigned nbits)
{
	unsigned whole = nbits / 8, rest = nbits % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[whole] ^ b[whole]) & (0xff00u >> rest) & 0xff) == 0;
}

/* radix_prefix_compare - the build order: family, address, length */
int
radix_prefix_compare(const struct radix_prefix *a,
		     const struct radix_prefix *b)
{
	int cmp;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((cmp = memcmp(a->bytes, b->bytes, sizeof(a->bytes))) != 0)
		return cmp;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

/* radix_grow - make room for n more elements of size sz in *arr */
static bool
radix_grow(void **arr, size_t *cap, size_t used, size_t n, size_t sz)
{
	size_t want = used + n, ncap = *cap ? *cap : 64;
	void *grown;

	if (want <= *cap)
		return true;
	while (ncap < want)
		ncap *= 2;
	if (ncap > UINT32_MAX || (grown = realloc(*arr, ncap * sz)) == NULL)
		return false;
	*arr = grown;
	*cap = ncap;
	return true;
}

/* radix_new_nodes - reserve n contiguous zeroed nodes; index of the first */
static bool
radix_new_nodes(struct radix *r, size_t n, uint32_t *first_r)
{
	if (!radix_grow((void **)&r->nodes, &r->cap_nodes, r->nnodes, n,
			sizeof(*r->nodes)))
		return false;
	memset(r->nodes + r->nnodes, 0, n * sizeof(*r->nodes));
	*first_r = (uint32_t)r->nnodes;
	r->nnodes += n;
	return true;
}

/* radix_answer - what a lookup that ends on prefix i returns */
static inline uint32_t
radix_answer(const struct radix *r, size_t i)
{
	return r->answers != NULL ? r->answers[i] : (uint32_t)i + 1;
}

/* Scratch for one node while it is filled. */
struct radix_slots {
	uint32_t leaf[RADIX_SLOTS];	/* leaf-pushed answer per slot */
	size_t first[RADIX_SLOTS];	/* longer prefixes below the slot */
	size_t count[RADIX_SLOTS];
};

/* radix_paint - leaf-push the short prefixes, group the long ones by slot */
static void
radix_paint(const struct radix *r, const struct radix_prefix *p, size_t lo,
	    size_t hi, unsigned off, uint32_t dflt, struct radix_slots *s)
{
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		s->leaf[i] = dflt;
		s->count[i] = 0;
	}
	/* Sorted order paints a prefix before any prefix nested in it. */
	for (size_t i = lo; i < hi; i++) {
		unsigned slot = radix_slot(p[i].bytes,
					   radix_nbytes(p[i].family), off);

		if (p[i].len <= off + RADIX_STRIDE) {
			unsigned span = 1u << (off + RADIX_STRIDE - p[i].len);

			for (unsigned k = 0; k < span; k++)
				s->leaf[slot + k] = radix_answer(r, i);
		} else {
			if (s->count[slot]++ == 0)
				s->first[slot] = i;
		}
	}
}

/* radix_fill_leaves - store the leaf runs of the slots without children */
static bool
radix_fill_leaves(struct radix *r, struct radix_node *n,
		  const struct radix_slots *s)
{
	uint64_t inner = n->node_vec | n->tail_vec;
	bool first = true;
	uint32_t last = 0;

	n->leaf_base = (uint32_t)r->nleaves;
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		if (inner & ((uint64_t)1 << i))
			continue;
		if (!first && s->leaf[i] == last)
			continue;
		if (!radix_grow((void **)&r->leaves, &r->cap_leaves,
				r->nleaves, 1, sizeof(*r->leaves)))
			return false;
		r->leaves[r->nleaves++] = s->leaf[i];
		n->leaf_vec |= (uint64_t)1 << i;
		last = s->leaf[i];
		first = false;
	}
	return true;
}

/* radix_new_tail4 - radix_new_tail for an IPv4 prefix */
static bool
radix_new_tail4(struct radix *r, const struct radix_prefix *p, size_t i,
		uint32_t dflt, uint32_t *index_r)
{
	struct radix_tail4 *t;

	if (!radix_grow((void **)&r->tails4, &r->cap_tails4, r->ntails4, 1,
			sizeof(*r->tails4)))
		return false;
	*index_r = (uint32_t)r->ntails4;
	t = &r->tails4[r->ntails4++];
	t->net = radix_be32(p[i].bytes);
	t->mask = p[i].len == 0 ? 0 : 0xffffffffu << (32 - p[i].len);
	t->leaf = radix_answer(r, i);
	t->dflt = dflt;
	return true;
}

/* radix_new_tail - one tail for prefix i under a slot answering dflt; a
 * node's tails are made in a row, so the first index is its tail_base */
static bool
radix_new_tail(struct radix *r, const struct radix_prefix *p, size_t i,
	       uint32_t dflt, uint32_t *index_r)
{
	struct radix_tail *t;

	if (p[i].family == 4)
		return radix_new_tail4(r, p, i, dflt, index_r);
	if (!radix_grow((void **)&r->tails, &r->cap_tails, r->ntails, 1,
			sizeof(*r->tails)))
		return false;
	*index_r = (uint32_t)r->ntails;
	t = &r->tails[r->ntails++];
	memset(t, 0, sizeof(*t));
	memcpy(t->bytes, p[i].bytes, sizeof(t->bytes));
	t->len = p[i].len;
	t->leaf = radix_answer(r, i);
	t->dflt = dflt;
	return true;
}

/* radix_fill_tails - one tail per slot with a single longer prefix */
static bool
radix_fill_tails(struct radix *r, struct radix_node *n,
		 const struct radix_prefix *p, const struct radix_slots *s)
{
	uint32_t index;
	bool first = true;

	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		if (!(n->tail_vec & ((uint64_t)1 << i)))
			continue;
		if (!radix_new_tail(r, p, s->first[i], s->leaf[i], &index))
			return false;
		if (first)
			n->tail_base = index;
		first = false;
	}
	return true;
}

/*
 * radix_fill - fill node ni at bit offset off from the prefixes [lo, hi),
 * all longer than off and inside the node; dflt answers where none does.
 */
static bool
radix_fill(struct radix *r, uint32_t ni, const struct radix_prefix *p,
	   size_t lo, size_t hi, unsigned off, uint32_t dflt)
{
	struct radix_slots s;
	struct radix_node n;
	uint32_t child;

	memset(&n, 0, sizeof(n));
	radix_paint(r, p, lo, hi, off, dflt, &s);
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		if (s.count[i] == 1)
			n.tail_vec |= (uint64_t)1 << i;
		else if (s.count[i] > 1)
			n.node_vec |= (uint64_t)1 << i;
	}
	if (!radix_fill_leaves(r, &n, &s) || !radix_fill_tails(r, &n, p, &s) ||
	    !radix_new_nodes(r, (size_t)__builtin_popcountll(n.node_vec),
			     &n.node_base))
		return false;
	r->nodes[ni] = n;
	child = n.node_base;
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		if (!(n.node_vec & ((uint64_t)1 << i)))
			continue;
		if (!radix_fill(r, child++, p, s.first[i],
				s.first[i] + s.count[i], off + RADIX_STRIDE,
				s.leaf[i]))
			return false;
	}
	return true;
}

/* radix_direct_slot - the first 16 bits of an address */
static inline unsigned
radix_direct_slot(const uint8_t *bytes)
{
	return (unsigned)bytes[0] << 8 | bytes[1];
}

/*
 * radix_fill_direct - the direct table d of one family from the prefixes
 * [lo, hi): short ones painted (sorted order paints nested ones last),
 * longer ones under their slot as a tail or a node at offset 16.
 */
static bool
radix_fill_direct(struct radix *r, uint32_t *d, const struct radix_prefix *p,
		  size_t lo, size_t hi)
{
	size_t i = lo;

	for (size_t k = lo; k < hi; k++) {
		unsigned slot = radix_direct_slot(p[k].bytes), span;

		if (p[k].len > RADIX_DIRECT_BITS)
			continue;
		span = 1u << (RADIX_DIRECT_BITS - p[k].len);
		for (unsigned j = 0; j < span; j++)
			d[slot + j] = radix_answer(r, k);
	}
	while (i < hi) {
		unsigned slot = radix_direct_slot(p[i].bytes);
		uint32_t dflt = d[slot], index;
		size_t end = i + 1;

		if (p[i].len <= RADIX_DIRECT_BITS) {
			i++;
			continue;
		}
		while (end < hi && p[end].len > RADIX_DIRECT_BITS &&
		       radix_direct_slot(p[end].bytes) == slot)
			end++;
		if (end - i == 1) {
			if (!radix_new_tail(r, p, i, dflt, &index))
				return false;
			d[slot] = RADIX_REF_TAIL << RADIX_REF_SHIFT | index;
		} else {
			if (!radix_new_nodes(r, 1, &index) ||
			    !radix_fill(r, index, p, i, end, RADIX_DIRECT_BITS,
					dflt))
				return false;
			d[slot] = RADIX_REF_NODE << RADIX_REF_SHIFT | index;
		}
		i = end;
	}
	return true;
}

/* radix_build - compile sorted distinct prefixes into a trie */
struct radix *
radix_build(const struct radix_prefix *prefixes, const uint32_t *answers,
	    size_t count)
{
	struct radix *r;
	size_t split = 0;

	/* Leaves in the direct tables hold answers below the tag bits. */
	if (count >= RADIX_REF_MASK || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	for (size_t i = 0; answers != NULL && i < count; i++)
		if (answers[i] == 0 || answers[i] > RADIX_ANSWER_MAX) {
			free(r);
			return NULL;
		}
	r->answers = answers;
	while (split < count && prefixes[split].family == 4)
		split++;
	for (int f = 0; f < 2; f++)
		if ((r->direct[f] = calloc(RADIX_DIRECT,
					   sizeof(*r->direct[f]))) == NULL ||
		    (r->used[f] = calloc(RADIX_DIRECT / 64,
					 sizeof(*r->used[f]))) == NULL)
			goto fail;
	if (!radix_fill_direct(r, r->direct[0], prefixes, 0, split) ||
	    !radix_fill_direct(r, r->direct[1], prefixes, split, count))
		goto fail;
	for (int f = 0; f < 2; f++)
		for (unsigned slot = 0; slot < RADIX_DIRECT; slot++)
			if (r->direct[f][slot] != 0)
				r->used[f][slot / 64] |= (uint64_t)1 << (slot % 64);
	r->answers = NULL;
	return r;
fail:
	radix_free(r);
	return NULL;
}

/* radix_free - release a trie; NULL is fine */
void
radix_free(struct radix *r)
{
	if (r == NULL)
		return;
	free(r->nodes);
	free(r->tails);
	free(r->tails4);
	free(r->leaves);
	for (int f = 0; f < 2; f++) {
		free(r->direct[f]);
		free(r->used[f]);
	}
	free(r);
}

/* radix_tail_answer - what tail i of addr's family answers for addr */
static inline uint32_t
radix_tail_answer(const struct radix *r, uint32_t i,
		  const struct tmx_addr *addr)
{
	const struct radix_tail4 *t4;
	const struct radix_tail *t;

	if (addr->family == 4) {
		t4 = &r->tails4[i];
		return (radix_be32(addr->bytes) & t4->mask) == t4->net ?
		    t4->leaf : t4->dflt;
	}
	t = &r->tails[i];
	return radix_bits_equal(t->bytes, addr->bytes, t->len) ? t->leaf :
	    t->dflt;
}

/* radix_lookup - the answer of the longest prefix covering addr; 0 if none */
uint32_t
radix_lookup(const struct radix *r, const struct tmx_addr *addr)
{
	const struct radix_node *n;
	unsigned nbytes, off = RADIX_DIRECT_BITS, f, d;
	uint32_t ref;

	if (addr->family != 4 && addr->family != 6)
		return 0;
	f = addr->family == 6;
	d = radix_direct_slot(addr->bytes);
	if (!(r->used[f][d / 64] & (uint64_t)1 << (d % 64)))
		return 0;
	ref = r->direct[f][d];
	switch (ref >> RADIX_REF_SHIFT) {
	case RADIX_REF_LEAF:
		return ref;
	case RADIX_REF_TAIL:
		return radix_tail_answer(r, ref & RADIX_REF_MASK, addr);
	default:
		n = &r->nodes[ref & RADIX_REF_MASK];
	}
	nbytes = radix_nbytes(addr->family);
	for (;;) {
		unsigned slot = radix_slot(addr->bytes, nbytes, off);
		uint64_t bit = (uint64_t)1 << slot;

		if (n->node_vec & bit) {
			n = &r->nodes[n->node_base +
			    radix_rank(n->node_vec, slot) - 1];
			off += RADIX_STRIDE;
		} else if (n->tail_vec & bit) {
			return radix_tail_answer(r, n->tail_base +
			    radix_rank(n->tail_vec, slot) - 1, addr);
		} else {
			return r->leaves[n->leaf_base +
			    radix_rank(n->leaf_vec, slot) - 1];
		}
	}
}
