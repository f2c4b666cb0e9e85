/*
 * radix.h - the read-only multibit trie behind struct tmx_cidrset (private).
 * Built once from a sorted list of distinct prefixes; a lookup returns the
 * list index + 1 of the longest prefix covering an address, 0 for none.
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

/*
 * radix_build - compile prefixes (sorted by family, address, then length;
 * no duplicates). The trie keeps no pointer into the array. NULL when out
 * of memory or count does not fit 32 bits.
 */
struct radix *radix_build(const struct radix_prefix *prefixes, size_t count);

/* radix_free - release a trie; NULL is fine */
void radix_free(struct radix *r);

/* radix_lookup - index + 1 of the longest prefix covering addr; 0 if none */
uint32_t radix_lookup(const struct radix *r, const struct tmx_addr *addr);

/* radix_prefix_compare - the build order: family, address, length */
int radix_prefix_compare(const struct radix_prefix *a,
			 const struct radix_prefix *b);

/* radix_bits_equal - do a and b agree on their first nbits bits */
int radix_bits_equal(const uint8_t *a, const uint8_t *b, unsigned nbits);

#endif
