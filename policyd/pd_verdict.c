/*
 * pd_verdict.c - what the trust lists say about one client address. deny
 * wins over relay, relay over proxy, proxy over allow; the answer names the
 * source that matched so logs can say "relay_networks: spf:relay.example".
 *
 * The four lists are merged once per generation into one prefix set whose
 * value is the answer, so a request costs one lookup, not up to four. For
 * every prefix P of any list the answer at P is, by precedence, the first
 * list holding a prefix that contains P, with that list's longest such
 * prefix as the source. An address's longest merged prefix gives the same
 * answer as the four lookups: each list's longest prefix covering the
 * address is a merged prefix no longer than P, so it contains P.
 */
#include <stdlib.h>
#include <string.h>

#include <trustmx/addr.h>
#include <trustmx/cidrset.h>

#include "log.h"
#include "policyd.h"
#include "xalloc.h"

/* The lists in precedence order: a merged value is source << 2 | rank */
static const enum list_id pd_verdict_order[] = {
	LIST_DENY, LIST_RELAY, LIST_PROXY, LIST_ALLOW,
};
static const enum verdict pd_verdict_of[] = {
	VERDICT_DENY, VERDICT_RELAY, VERDICT_PROXY, VERDICT_ALLOW,
};
#define PD_VERDICT_RANKS	4
#define PD_VERDICT_DEPTH	(PD_VERDICT_RANKS * 129)	/* nested */

/* One prefix of one list while merging */
struct pd_verdict_item {
	struct tmx_addr prefix;
	unsigned len;
	uint32_t value;		/* source << 2 | rank */
};

/* The prefixes of every list, and the rank being collected */
struct pd_verdict_items {
	struct pd_verdict_item *item;
	size_t count;
	uint32_t rank;
};

/* pd_verdict_collect - walk callback: one prefix of the list being read */
static int
pd_verdict_collect(const struct tmx_addr *prefix, unsigned len,
		   uint32_t value, void *vitems)
{
	struct pd_verdict_items *items = vitems;
	struct pd_verdict_item *it = &items->item[items->count++];

	it->prefix = *prefix;
	it->len = len;
	it->value = value << 2 | items->rank;
	return 0;
}

/* pd_verdict_compare - family, address, wider first: holders come first */
static int
pd_verdict_compare(const void *va, const void *vb)
{
	const struct pd_verdict_item *a = va, *b = vb;
	int cmp;

	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	if ((cmp = memcmp(a->prefix.bytes, b->prefix.bytes,
			  sizeof(a->prefix.bytes))) != 0)
		return cmp;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (a->value & 3) < (b->value & 3) ? -1 :
	    (a->value & 3) > (b->value & 3);
}

/* pd_verdict_holds - does outer's prefix contain inner's (or equal it) */
static bool
pd_verdict_holds(const struct pd_verdict_item *outer,
		 const struct pd_verdict_item *inner)
{
	unsigned full = outer->len / 8, rest = outer->len % 8;

	if (outer->prefix.family != inner->prefix.family ||
	    outer->len > inner->len)
		return false;
	if (memcmp(outer->prefix.bytes, inner->prefix.bytes, full) != 0)
		return false;
	return rest == 0 || ((outer->prefix.bytes[full] ^
			      inner->prefix.bytes[full]) &
			     (0xff00 >> rest)) == 0;
}

/* pd_verdict_gather - every list's prefixes, ranked, sorted; NULL if none */
static struct pd_verdict_items
pd_verdict_gather(const struct lists *lists)
{
	struct pd_verdict_items items = { NULL, 0, 0 };
	size_t total = 0;
	unsigned r;

	for (r = 0; r < PD_VERDICT_RANKS; r++)
		if (lists->set[pd_verdict_order[r]] != NULL)
			total += tmx_cidrset_count(lists->set[pd_verdict_order[r]]);
	if (total == 0)
		return items;
	items.item = xreallocarray(NULL, total, sizeof(*items.item));
	for (r = 0; r < PD_VERDICT_RANKS; r++) {
		items.rank = r;
		if (lists->set[pd_verdict_order[r]] != NULL)
			tmx_cidrset_walk(lists->set[pd_verdict_order[r]],
					 pd_verdict_collect, &items);
	}
	qsort(items.item, items.count, sizeof(*items.item), pd_verdict_compare);
	return items;
}

/*
 * pd_verdict_build - lists->verdict from the four lists. In address order,
 * wider first, the prefixes holding the current one form a stack; each
 * level keeps the best answer of itself and what holds it (a lower rank
 * wins; at one rank the deeper, longer prefix). Equal prefixes of several
 * lists come together, lowest rank first: the last of them is added.
 */
void
pd_verdict_build(struct lists *lists)
{
	const struct pd_verdict_item *stack[PD_VERDICT_DEPTH];
	uint32_t best[PD_VERDICT_DEPTH];
	struct pd_verdict_items items = pd_verdict_gather(lists);
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	const struct pd_verdict_item *it;
	size_t depth = 0, i;

	for (i = 0; i < items.count; i++) {
		it = &items.item[i];
		while (depth > 0 && !pd_verdict_holds(stack[depth - 1], it))
			depth--;
		best[depth] = depth > 0 && (best[depth - 1] & 3) <
		    (it->value & 3) ? best[depth - 1] : it->value;
		stack[depth++] = it;
		if (i + 1 < items.count && items.item[i + 1].len == it->len &&
		    pd_verdict_holds(it, &items.item[i + 1]))
			continue;	/* an equal prefix of a later list */
		if (b == NULL || tmx_cidrset_builder_add(b, &it->prefix,
		    it->len, best[depth - 1], NULL) < 0)
			fatalx("merging the lists: out of memory");
	}
	free(items.item);
	lists->verdict = tmx_cidrset_build(b);	/* b is consumed */
	if (lists->verdict == NULL)
		fatalx("merging the lists: out of memory");
}

/* pd_verdict_in_list - is addr (already unmapped) in list id */
bool
pd_verdict_in_list(const struct lists *lists, enum list_id id,
		   const struct tmx_addr *addr)
{
	return lists != NULL && lists->set[id] != NULL &&
	    tmx_cidrset_lookup(lists->set[id], addr, NULL);
}

/* pd_verdict_lookup - deny, relay, proxy, allow or none for addr (unmapped) */
enum verdict
pd_verdict_lookup(const struct lists *lists, const struct tmx_addr *addr,
		  const char **source_r)
{
	uint32_t value;

	if (source_r != NULL)
		*source_r = NULL;
	if (lists == NULL || lists->verdict == NULL ||
	    !tmx_cidrset_lookup(lists->verdict, addr, &value))
		return VERDICT_NONE;
	if (source_r != NULL)
		*source_r = lists_source_name(lists, value >> 2);
	return pd_verdict_of[value & 3];
}

/* pd_verdict_lookup_text - the same for an address literal; NONE if none */
enum verdict
pd_verdict_lookup_text(const struct lists *lists, const char *text,
		       const char **source_r)
{
	struct tmx_addr addr;

	if (source_r != NULL)
		*source_r = NULL;
	if (tmx_addr_parse(text, &addr) < 0)
		return VERDICT_NONE;
	tmx_addr_unmap(&addr);
	return pd_verdict_lookup(lists, &addr, source_r);
}
