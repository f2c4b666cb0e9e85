/*
 * trustmx/cidrset.h - immutable IPv4/IPv6 prefix sets with fast lookup.
 *
 * A set is collected in a builder, then compiled once into a read-only
 * structure that any number of threads may query without locks. Lookup cost
 * depends on the address length, never on the number of prefixes. Where
 * prefixes overlap the most specific one answers. IPv4 keys only match IPv4
 * prefixes and IPv6 keys IPv6 ones: callers unmap ::ffff:a.b.c.d first.
 */
#ifndef TRUSTMX_CIDRSET_H
#define TRUSTMX_CIDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <trustmx/addr.h>

struct tmx_cidrset;
struct tmx_cidrset_builder;

/* tmx_cidrset_builder_new - an empty builder; NULL when out of memory */
struct tmx_cidrset_builder *tmx_cidrset_builder_new(void);

/* tmx_cidrset_builder_free - discard a builder that was not built */
void tmx_cidrset_builder_free(struct tmx_cidrset_builder *b);

/*
 * tmx_cidrset_builder_add - add prefix/len with a caller value (for example
 * the index of the source it came from). Host bits set: -1, *error_r says so.
 * Adding an identical prefix again keeps the first value.
 */
int tmx_cidrset_builder_add(struct tmx_cidrset_builder *b,
			    const struct tmx_addr *prefix, unsigned len,
			    uint32_t value, const char **error_r);

/*
 * tmx_cidrset_builder_parse_list - a plain list: one address or prefix per
 * line, '#' comments, blank lines. Any bad line (garbage, host bits set)
 * fails the whole call with "name:line: reason" in err; the builder is then
 * unchanged. tmx_cidrset_builder_load_list reads the text from a file.
 */
int tmx_cidrset_builder_parse_list(struct tmx_cidrset_builder *b,
				   const char *name, const char *text,
				   size_t len, uint32_t value,
				   char *err, size_t errlen);
int tmx_cidrset_builder_load_list(struct tmx_cidrset_builder *b,
				  const char *path, uint32_t value,
				  char *err, size_t errlen);

/* tmx_cidrset_builder_add_set - add every prefix of set (a union) */
int tmx_cidrset_builder_add_set(struct tmx_cidrset_builder *b,
				const struct tmx_cidrset *set);

/*
 * tmx_cidrset_build - compile; the builder is consumed (freed) whatever
 * the outcome. NULL when out of memory. The result is read-only.
 */
struct tmx_cidrset *tmx_cidrset_build(struct tmx_cidrset_builder *b);

/* tmx_cidrset_free - release a set; NULL is fine */
void tmx_cidrset_free(struct tmx_cidrset *set);

/* tmx_cidrset_lookup - is addr covered; *value_r (may be NULL) = its value */
bool tmx_cidrset_lookup(const struct tmx_cidrset *set,
			const struct tmx_addr *addr, uint32_t *value_r);

/* tmx_cidrset_count - the number of distinct prefixes in the set */
size_t tmx_cidrset_count(const struct tmx_cidrset *set);

/*
 * tmx_cidrset_walk - call fn for each distinct prefix, IPv4 first, in
 * address order; a non-zero return from fn stops the walk and is returned.
 */
typedef int tmx_cidrset_walk_fn(const struct tmx_addr *prefix, unsigned len,
				uint32_t value, void *ctx);
int tmx_cidrset_walk(const struct tmx_cidrset *set, tmx_cidrset_walk_fn *fn,
		     void *ctx);

#endif
