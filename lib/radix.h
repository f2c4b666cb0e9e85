/*
 * radix.h - the read-only multibit trie behind struct tmx_cidrset (private).
 * Built once from a sorted list of distinct prefixes; a lookup returns the
 * answer of the longest prefix covering an address (its list index + 1, or
 * what the builder chose), 0 for none.
 */
#ifndef TMX_RADIX_H
#define TMX_RADIX_H

#include <stddef.h>
#include <stdint.h>

#include <trustmx/addr.h>

/* One prefix as the trie is built from it: host bits zero, len <= bits. */
struct radix_prefix {
	uint8_t bytes[16];	/* network order; IPv4 in bytes[0..3] */
	uint8_t family;		/* 4 or 6 */
	uint8_t len;
};

struct radix;

/* The largest answer a trie holds (its leaves keep two tag bits). */
#define RADIX_ANSWER_MAX	((1u << 30) - 1)

/*
 * radix_build - compile prefixes (sorted by family, address, then length;
 * no duplicates). answers[i] (1 to RADIX_ANSWER_MAX) is what a lookup
 * ending on prefix i returns; with answers NULL, i + 1. The trie keeps no
 * pointer into either array. NULL when out of memory, count does not fit
 * or an answer is out of range.
 */
struct radix *radix_build(const struct radix_prefix *prefixes,
			  const uint32_t *answers, size_t count);

/* radix_free - release a trie; NULL is fine */
void radix_free(struct radix *r);

/* radix_lookup - the answer of the longest prefix covering addr; 0 if none */
uint32_t radix_lookup(const struct radix *r, const struct tmx_addr *addr);

/* radix_prefix_compare - the build order: family, address, length */
int radix_prefix_compare(const struct radix_prefix *a,
			 const struct radix_prefix *b);

/* radix_bits_equal - do a and b agree on their first nbits bits */
int radix_bits_equal(const uint8_t *a, const uint8_t *b, unsigned nbits);

#endif
