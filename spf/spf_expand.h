/*
 * spf_expand.h - the addresses a domain's SPF record authorises, for spf:
 * sources in trust lists: ip4, ip6, a, mx, include and redirect expanded
 * recursively within RFC 7208's limits (10 DNS-querying terms, 2 void
 * lookups); exists, ptr and macros are reported through warn and skipped.
 * Blocking: daemons call it from a background thread, never a request path.
 */
#ifndef TMX_SPF_EXPAND_H
#define TMX_SPF_EXPAND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <trustmx/addr.h>

struct spf_prefix {
	struct tmx_addr addr;
	unsigned len;
};

struct spf_expansion {
	struct spf_prefix *prefixes;	/* deduplicated, sorted */
	size_t count;
	uint32_t ttl;			/* smallest TTL seen, seconds */
	unsigned lookups;		/* DNS-querying terms used */
	unsigned void_lookups;
	time_t resolved_at;
};

enum spf_expand_status {
	SPF_EXPAND_OK = 0,
	SPF_EXPAND_TEMPERROR,	/* DNS failed: keep the last good result */
	SPF_EXPAND_PERMERROR,	/* no record, bad record, limits exceeded */
};

typedef void spf_warn_fn(void *ctx, const char *message);

/* spf_expand - resolve domain; on OK *exp_r owns new memory */
enum spf_expand_status spf_expand(const char *domain,
				  struct spf_expansion *exp_r,
				  spf_warn_fn *warn, void *warn_ctx,
				  char *err, size_t errlen);

/* spf_expansion_free - release what spf_expand or spf_cache_load filled */
void spf_expansion_free(struct spf_expansion *exp);

/* spf_cache_save - write atomically (temp file + rename) under dir */
int spf_cache_save(const char *dir, const char *domain,
		   const struct spf_expansion *exp, char *err, size_t errlen);

/* spf_cache_load - read the last saved result; -1 when none or unreadable */
int spf_cache_load(const char *dir, const char *domain,
		   struct spf_expansion *exp_r, char *err, size_t errlen);

#endif
