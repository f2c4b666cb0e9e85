/*
 * lists.h - the trust lists (relay_networks, proxy_networks, deny_networks,
 * policy_clients, allow_networks) built from their configured sources into
 * immutable CIDR sets. A set's value for an address is the index of the source that
 * matched, so logs can say "relay_networks via spf:relay.example".
 * A bad source fails the whole build; callers keep their previous lists.
 */
#ifndef TMX_LISTS_H
#define TMX_LISTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <trustmx/cidrset.h>

#include "conf.h"
#include "spf_expand.h"

enum list_id {
	LIST_RELAY = 0,		/* relay_networks */
	LIST_PROXY,		/* proxy_networks */
	LIST_DENY,		/* deny_networks */
	LIST_POLICY_CLIENTS,	/* policy_clients */
	LIST_ALLOW,		/* allow_networks: postscreen's allowlist,
				   never a relay */
	LIST_COUNT,
};

struct lists {
	struct tmx_cidrset *set[LIST_COUNT];
	/* relay_networks and allow_networks without their spf: sources, for
	 * the overlap check (NULL for the other lists) */
	struct tmx_cidrset *fixed[LIST_COUNT];
	char **source_names;	/* "relay_networks: spf:relay.example", by value */
	size_t nsources;
	char **spf_domains;	/* every spf: domain named, for the refresher */
	size_t nspf;
	/* trustmx-policyd's deny, relay, proxy and allow lists merged into
	 * one lookup (policyd/pd_verdict.c); NULL elsewhere */
	struct tmx_cidrset *verdict;
};

/*
 * Where spf: sources get their prefixes: the daemon's store of last good
 * expansions. NULL from the callback means none yet: the source is empty
 * (and the build says so through warn), it is not an error.
 */
typedef const struct spf_expansion *lists_spf_fn(void *ctx, const char *domain);
typedef void lists_warn_fn(void *ctx, const char *message);

/* lists_build - every list from conf; NULL with "file:line: reason" in err */
struct lists *lists_build(const struct conf *conf, lists_spf_fn *spf,
			  void *spf_ctx, lists_warn_fn *warn, void *warn_ctx,
			  char *err, size_t errlen);

void lists_free(struct lists *lists);

/* lists_name - "relay_networks", ... */
const char *lists_name(enum list_id id);

/* lists_source_name - the source a lookup value came from */
const char *lists_source_name(const struct lists *lists, uint32_t value);

/*
 * lists_write_postscreen - a cidr_table(5) for postscreen_access_list:
 * deny_networks as "reject" first, then relay_networks, proxy_networks and
 * allow_networks as "permit" (first match wins, so the deny list wins). header (may be
 * NULL) goes first, as "# " comment lines. 0, or -1 on a write error.
 */
int lists_write_postscreen(const struct lists *lists, FILE *fp,
			   const char *header);

#endif
