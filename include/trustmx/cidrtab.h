/*
 * trustmx/cidrtab.h - Postfix cidr_table(5) files, answered without a scan.
 *
 * The answers are Postfix's: first match in file order, "!pattern" rules,
 * nested "if"/"endif", "[addr]" and "[addr]/len" forms, no cross-family
 * matches. Loading compiles the rules into a prefix set that maps every
 * address to the first rule matching it, so a lookup walks a trie.
 */
#ifndef TRUSTMX_CIDRTAB_H
#define TRUSTMX_CIDRTAB_H

#include <stddef.h>
#include <stdint.h>

#include <trustmx/addr.h>
#include <trustmx/cidrset.h>

struct tmx_cidrtab;

/*
 * Without TMX_CIDRTAB_STRICT a rule Postfix would skip with a warning (host
 * bits set, bad pattern) is skipped and reported through warn; with it, such
 * a rule fails the whole load, as trust lists require.
 */
#define TMX_CIDRTAB_STRICT	0x01

typedef void tmx_cidrtab_warn_fn(void *ctx, const char *message);

/*
 * tmx_cidrtab_parse - compile table text; 0 and *tab_r, or -1 with
 * "name:line: reason" in err. tmx_cidrtab_load reads the text from path.
 */
int tmx_cidrtab_parse(const char *name, const char *text, size_t len,
		      unsigned flags, tmx_cidrtab_warn_fn *warn,
		      void *warn_ctx, struct tmx_cidrtab **tab_r,
		      char *err, size_t errlen);
int tmx_cidrtab_load(const char *path, unsigned flags,
		     tmx_cidrtab_warn_fn *warn, void *warn_ctx,
		     struct tmx_cidrtab **tab_r, char *err, size_t errlen);

/* tmx_cidrtab_free - release a table; NULL is fine */
void tmx_cidrtab_free(struct tmx_cidrtab *tab);

/* tmx_cidrtab_lookup - the result text of the first matching rule, or NULL */
const char *tmx_cidrtab_lookup(const struct tmx_cidrtab *tab,
			       const struct tmx_addr *addr);

/*
 * tmx_cidrtab_lookup_key - look up a key the way postmap(1) -q does; a key
 * that is not an address literal matches nothing.
 */
const char *tmx_cidrtab_lookup_key(const struct tmx_cidrtab *tab,
				   const char *key);

/*
 * tmx_cidrtab_add_matches - add to b every address range the table gives a
 * result for, with value: a cidr: source in a trust list.
 */
int tmx_cidrtab_add_matches(const struct tmx_cidrtab *tab,
			    struct tmx_cidrset_builder *b, uint32_t value);

#endif
