/*
 * spf_source.h - the one store of spf: sources that trustmx-policyd,
 * trustmx-milter and trustmx(1) share: each domain's last good expansion,
 * refreshed by its DNS TTL within [refresh_min, refresh_max], saved in
 * cache_dir and read back when DNS fails, with refreshes that lose too
 * many addresses held back. Not thread-safe: one thread owns a store.
 */
#ifndef TMX_SPF_SOURCE_H
#define TMX_SPF_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "spf_expand.h"

/* The trustmx.conf keys that steer a store (spf_cache_dir, spf_*) */
struct spf_source_policy {
	const char *cache_dir;	/* last good copies; NULL or "": none */
	long refresh_min;	/* seconds; also the retry after a failure */
	long refresh_max;	/* seconds */
	long shrink_limit;	/* percent of addresses a refresh may lose */
};

/* spf_source_new flags */
#define SPF_SOURCE_SAVE		0x01	/* write accepted results */
#define SPF_SOURCE_QUIET	0x02	/* routine news at debug level */

/* What the outcome of one refresh was */
enum spf_source_result {
	SPF_SOURCE_UNCHANGED = 0,	/* the same prefixes again */
	SPF_SOURCE_CHANGED,	/* a new result (or the first) is in use */
	SPF_SOURCE_HELD,	/* a shrink beyond shrink_limit held back */
	SPF_SOURCE_FAILED,	/* DNS or record error: nothing changed */
};

/* One domain's state, for logs and metrics */
struct spf_source_info {
	const char *domain;	/* valid until the entry is dropped */
	bool have;		/* a good expansion is in use */
	bool held;		/* a shrink is waiting for a reload */
	size_t prefixes;	/* in the expansion in use */
	uint32_t ttl;		/* of the expansion in use */
	time_t due;		/* next refresh, on spf_source_now's clock */
	time_t last_refresh;	/* wall clock: last accepted result */
	time_t last_error;	/* wall clock: last failure */
	unsigned long refreshes;	/* accepted results */
	unsigned long errors;	/* failed expansions */
	unsigned long shrinks_held;	/* refreshes held back */
};

/* What the store calls out to; tests swap in a fake expander and clock */
typedef enum spf_expand_status spf_source_expand_fn(void *ctx,
		const char *domain, struct spf_expansion *exp_r,
		spf_warn_fn *warn, void *warn_ctx, char *err, size_t errlen);
typedef time_t spf_source_clock_fn(void);

struct spf_source_hooks {
	spf_source_expand_fn *expand;	/* NULL: spf_expand */
	void *expand_ctx;
	spf_source_clock_fn *clock;	/* NULL: CLOCK_MONOTONIC seconds */
};

struct spf_source;

/* spf_source_new - an empty store; policy NULL: the defaults, no cache */
struct spf_source *spf_source_new(const struct spf_source_policy *policy,
				  unsigned flags);

/* spf_source_free - the store and every expansion it holds; NULL is fine */
void spf_source_free(struct spf_source *src);

/* spf_source_configure - a new policy (a reload); strings are copied */
void spf_source_configure(struct spf_source *src,
			  const struct spf_source_policy *policy);

/* spf_source_set_hooks - replace the expander and the clock */
void spf_source_set_hooks(struct spf_source *src,
			  const struct spf_source_hooks *hooks);

/*
 * spf_source_get - domain's expansion in use, without DNS (the copy in
 * cache_dir the first time); NULL when there is none. Adds the domain,
 * due at once, when it is new. The pointer stays valid until the next
 * refresh of that domain or until it is dropped.
 */
const struct spf_expansion *spf_source_get(struct spf_source *src,
					   const char *domain);

/*
 * spf_source_load - spf_source_get after refreshing domain if it is due:
 * a configuration load expands each domain once (spf_source_expire first
 * to make a reload re-resolve all of them).
 */
const struct spf_expansion *spf_source_load(struct spf_source *src,
					    const char *domain);

/* spf_source_refresh - expand domain now (added when new) */
enum spf_source_result spf_source_refresh(struct spf_source *src,
					  const char *domain);

/* spf_source_refresh_due - refresh every due domain; true when one changed */
bool spf_source_refresh_due(struct spf_source *src);

/* spf_source_next_due - when the next domain is due, 0 when none is held */
time_t spf_source_next_due(const struct spf_source *src);

/* spf_source_now - the clock due times are on (monotonic seconds) */
time_t spf_source_now(const struct spf_source *src);

/* spf_source_expire - every domain due now */
void spf_source_expire(struct spf_source *src);

/* spf_source_accept_held - a reload takes the shrinks held back so far */
void spf_source_accept_held(struct spf_source *src);

/* spf_source_retain - drop the domains not among domains[0..n) */
void spf_source_retain(struct spf_source *src, char *const *domains,
		       size_t n);

/* spf_source_count, spf_source_info - iterate the domains; -1 past the end */
size_t spf_source_count(const struct spf_source *src);
int spf_source_info(const struct spf_source *src, size_t i,
		    struct spf_source_info *info_r);

#endif
