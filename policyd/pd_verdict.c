/*
 * pd_verdict.c - what the trust lists say about one client address. deny
 * wins over relay, relay over proxy, proxy over allow; the answer names the
 * source that matched so logs can say "relay_networks: spf:relay.example".
 */
#include <stddef.h>

#include <trustmx/addr.h>
#include <trustmx/cidrset.h>

#include "policyd.h"

/* pd_verdict_match - lookup in one list; its source name through *source_r */
static bool
pd_verdict_match(const struct lists *lists, enum list_id id,
		 const struct tmx_addr *addr, const char **source_r)
{
	uint32_t value;

	if (lists == NULL || lists->set[id] == NULL ||
	    !tmx_cidrset_lookup(lists->set[id], addr, &value))
		return false;
	if (source_r != NULL)
		*source_r = lists_source_name(lists, value);
	return true;
}

/* pd_verdict_in_list - is addr (already unmapped) in list id */
bool
pd_verdict_in_list(const struct lists *lists, enum list_id id,
		   const struct tmx_addr *addr)
{
	return pd_verdict_match(lists, id, addr, NULL);
}

/* pd_verdict_lookup - deny, relay, proxy, allow or none for addr (unmapped) */
enum verdict
pd_verdict_lookup(const struct lists *lists, const struct tmx_addr *addr,
		  const char **source_r)
{
	if (source_r != NULL)
		*source_r = NULL;
	if (pd_verdict_match(lists, LIST_DENY, addr, source_r))
		return VERDICT_DENY;
	if (pd_verdict_match(lists, LIST_RELAY, addr, source_r))
		return VERDICT_RELAY;
	if (pd_verdict_match(lists, LIST_PROXY, addr, source_r))
		return VERDICT_PROXY;
	if (pd_verdict_match(lists, LIST_ALLOW, addr, source_r))
		return VERDICT_ALLOW;
	return VERDICT_NONE;
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
