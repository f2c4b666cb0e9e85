/*
 * dmarc_dns.h - the DNS answers one DMARC evaluation needs, each name
 * asked once per evaluation: the DMARC Policy Record at _dmarc.<domain>
 * (RFC 9989 4.10 steps 1-2 and 5-6: TXT records not starting with
 * v=DMARC1 dropped, several DMARC records at one name all discarded) and
 * whether a domain exists (3.2.13: NXDOMAIN, RFC 8020). Through the
 * shared DNS layer, or a hook that answers from a table in tests.
 */
#ifndef TMX_DMARC_DNS_H
#define TMX_DMARC_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_record.h"
#include "dns.h"

#define DMARC_DOMAIN_MAX	253	/* a domain name, no trailing dot */
#define DMARC_DNS_NODES_MAX	96	/* _dmarc names per evaluation */
#define DMARC_DNS_TXT_MAX	16	/* TXT records a hook may return */

/* What one _dmarc name holds. */
enum dmarc_node_state {
	DMARC_NODE_NONE = 0,	/* no DMARC record (or several: discarded) */
	DMARC_NODE_RECORD,	/* exactly one DMARC record */
	DMARC_NODE_TEMPFAIL,	/* the lookup failed for now */
};

struct dmarc_node {
	char domain[DMARC_DOMAIN_MAX + 1];	/* without "_dmarc." */
	enum dmarc_node_state state;
	bool exists;			/* the _dmarc name exists (an answer,
					 * NODATA): so does the domain */
	unsigned ndmarc;		/* DMARC records at the name */
	const char *reason;		/* static: why NONE or TEMPFAIL */
	char *text;			/* RECORD: its text (owned) */
	size_t textlen;
	struct dmarc_record rec;	/* RECORD: points into text */
};

/* Does a domain exist (RFC 9989 3.2.13, A.4)? */
enum dmarc_exists {
	DMARC_EXISTS_YES = 0,	/* any answer but NXDOMAIN */
	DMARC_EXISTS_NO,	/* NXDOMAIN */
	DMARC_EXISTS_TEMPFAIL,
};

/* dmarc_query_fn - told of each DNS query as it is made (a log) */
typedef void dmarc_query_fn(void *arg, const char *name, enum dns_type type,
			    enum dns_status status);

/* One evaluation's DNS: the names asked so far and how many queries. */
struct dmarc_dns {
	struct dmarc_node nodes[DMARC_DNS_NODES_MAX];
	size_t count;
	unsigned queries;		/* DNS queries made */
	dmarc_query_fn *on_query;
	void *arg;
};

/* dmarc_dns_init - an empty cache; on_query (may be NULL) sees queries */
void dmarc_dns_init(struct dmarc_dns *d, dmarc_query_fn *on_query, void *arg);

/* dmarc_dns_clear - release the records held */
void dmarc_dns_clear(struct dmarc_dns *d);

/*
 * dmarc_dns_policy - what _dmarc.<domain> holds (domain lower case, as
 * dmarc_walk_normalize leaves it), asked at the first call only. A name
 * too long to ask ("_dmarc." added) cannot exist: NONE, no query.
 */
const struct dmarc_node *dmarc_dns_policy(struct dmarc_dns *d,
					  const char *domain);

/*
 * dmarc_dns_exists - whether domain exists: yes without a query when
 * _dmarc.<domain> was found to exist, else one query (type A)
 */
enum dmarc_exists dmarc_dns_exists(struct dmarc_dns *d, const char *domain);

/*
 * A stand-in for DNS, for tests and fuzzing. Asked for name and type, it
 * fills status and, with DNS_OK and TXT, up to DMARC_DNS_TXT_MAX records
 * (pointers it keeps valid until the next call). Set it before any
 * evaluation; NULL restores dns_lookup.
 */
struct dmarc_dns_reply {
	enum dns_status status;
	size_t count;
	const char *txt[DMARC_DNS_TXT_MAX];
	size_t len[DMARC_DNS_TXT_MAX];
	bool alias;		/* NXDOMAIN reached through a CNAME */
};
typedef void dmarc_dns_fn(void *arg, const char *name, enum dns_type type,
			  struct dmarc_dns_reply *reply_r);
void dmarc_dns_set_hook(dmarc_dns_fn *fn, void *arg);

#endif
