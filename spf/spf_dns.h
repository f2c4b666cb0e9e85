/*
 * spf_dns.h - our libspf2 DNS layer, above its cache and resolv layers:
 * record selection and ABNF screening (TXT only, RFC 7208 4.5), the
 * void-lookup limit, and zero-length prefixes libspf2 cannot express.
 */
#ifndef TMX_SPF_DNS_H
#define TMX_SPF_DNS_H

#include <stdbool.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <spf2/spf.h>

#include "spf_limits.h"
#include "spf_record.h"

/* Per-evaluation state; spf_check keeps it on its stack, one per thread. */
struct spf_dns_state {
	unsigned void_limit;
	unsigned voids;
	unsigned terms;			/* DNS-querying terms so far */
	unsigned records;		/* records fetched (1 + include/redirect) */
	bool aborted;			/* a limit was exceeded: permerror */
	int family;			/* AF_INET or AF_INET6 */
	struct in_addr ipv4;
	struct in6_addr ipv6;
	const char *problem;		/* static: why permerror */
	struct spf_macro_values macros;	/* d is set per record fetched */
	/* MX and PTR targets: their address lookups are not terms */
	char secondary[SPF_LIMIT_MX_PTR][SPF_LIMIT_NAME + 3];
	unsigned nsecondary;
	bool secondary_ptr;		/* they came from a PTR answer */
};

/* spf_dns_new - our layer above below (which it then owns); NULL on ENOMEM */
SPF_dns_server_t *spf_dns_new(SPF_dns_server_t *below, int debug);


/* spf_dns_begin - make st the calling thread's state until spf_dns_end */
void spf_dns_begin(struct spf_dns_state *st);
void spf_dns_end(void);

#endif
