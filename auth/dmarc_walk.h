/*
 * dmarc_walk.h - RFC 9989's DNS Tree Walk (4.10) and its two uses: the
 * DMARC Policy Record that applies to an Author Domain (4.10.1: the
 * Author Domain's own, else its Organizational Domain's, else its Public
 * Suffix Domain's) and the Organizational Domain of any domain (4.10.2),
 * found in the DNS rather than in a public suffix list. At most eight
 * queries a walk; the answers come from one evaluation's dmarc_dns.
 */
#ifndef TMX_DMARC_WALK_H
#define TMX_DMARC_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_dns.h"

#define DMARC_WALK_QUERIES_MAX	8	/* RFC 9989 4.10 */

/*
 * dmarc_walk_normalize - domain (an A-label name, one trailing dot
 * allowed) lower-cased into out; -1 with a static reason when it is no
 * domain to look up: empty, a label empty or over 63 bytes, over 253
 * bytes, or a byte other than a letter, digit, '-' or '_'
 */
int dmarc_walk_normalize(const char *domain, char out[DMARC_DOMAIN_MAX + 1],
			 const char **reason_r);

/* dmarc_walk_labels - the number of labels of a normalized domain */
size_t dmarc_walk_labels(const char *domain);

/* dmarc_walk_under - domain is ancestor or a name below it */
bool dmarc_walk_under(const char *domain, const char *ancestor);

/*
 * dmarc_walk_targets - the names a walk starting at domain asks, longest
 * first (4.10 steps 3, 4, 7): domain itself, then its parent (fewer than
 * eight labels) or its last seven labels (eight or more), then one label
 * less each time down to the top-level label. Offsets into domain; the
 * count (at most DMARC_WALK_QUERIES_MAX).
 */
size_t dmarc_walk_targets(const char *domain,
			  size_t offsets_r[DMARC_WALK_QUERIES_MAX]);

/* How an Organizational Domain was chosen (4.10.2). */
enum dmarc_org_rule {
	DMARC_ORG_START = 0,	/* no record on the walk: the domain itself */
	DMARC_ORG_PSD_N,	/* 1: the record with psd=n */
	DMARC_ORG_BELOW_PSD,	/* 2: one label below the record with psd=y */
	DMARC_ORG_FEWEST,	/* 3: the record with the fewest labels */
};

/* One walk's outcome. */
struct dmarc_org {
	bool tempfail;			/* a query failed: no answer */
	char domain[DMARC_DOMAIN_MAX + 1];	/* the Organizational Domain */
	enum dmarc_org_rule rule;
	const struct dmarc_node *org_node;	/* its record, or NULL */
	const struct dmarc_node *psd_node;	/* a psd=y record that ended
						 * the walk, or NULL */
	size_t steps;			/* names asked (or found asked) */
};

/*
 * dmarc_walk_org - walk from domain (normalized) and choose its
 * Organizational Domain: the walk stops at a record with psd=y or psd=n,
 * or after the top-level label; then, from the longest name to the
 * shortest, a psd=n record is the Organizational Domain, a psd=y record
 * other than the starting domain's puts it one label below, else the
 * record with the fewest labels is, else the domain itself.
 */
void dmarc_walk_org(struct dmarc_dns *d, const char *domain,
		    struct dmarc_org *org_r);

/* Where the applied record was found (4.10.1). */
enum dmarc_source {
	DMARC_SOURCE_NONE = 0,	/* nowhere: DMARC does not apply */
	DMARC_SOURCE_AUTHOR,	/* the Author Domain's own */
	DMARC_SOURCE_ORG,	/* its Organizational Domain's */
	DMARC_SOURCE_PSD,	/* its Public Suffix Domain's */
};

struct dmarc_discovery {
	bool tempfail;
	enum dmarc_source source;
	const struct dmarc_node *node;	/* the applied record, or NULL */
	bool org_known;			/* org holds the Author Domain's */
	struct dmarc_org org;
};

/*
 * dmarc_walk_discover - policy discovery for author (normalized): one
 * query for its own record; without one, the Tree Walk from its parent
 * (or from its last seven labels) finds the Organizational Domain and
 * takes that domain's record, or, when it has none, the psd=y record.
 */
void dmarc_walk_discover(struct dmarc_dns *d, const char *author,
			 struct dmarc_discovery *disc_r);

/* dmarc_walk_source_name - "none", "author", "org", "psd" */
const char *dmarc_walk_source_name(enum dmarc_source s);

/* dmarc_walk_rule_name - "start", "psd=n", "below psd=y", "fewest labels" */
const char *dmarc_walk_rule_name(enum dmarc_org_rule r);

#endif
