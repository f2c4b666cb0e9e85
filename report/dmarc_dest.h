/*
 * dmarc_dest.h - where a report may go: the rua tag of the DMARC Policy
 * Record read as a list of URIs (RFC 9989 4.7), mailto: the only scheme
 * supported, and a destination outside the policy domain's Organizational
 * Domain sent to only when it agreed, by a TXT record
 * <policy-domain>._report._dmarc.<destination-host> that starts with
 * v=DMARC1 (RFC 9990 section 4), which may also name other addresses at
 * the same host. Lookups go through the shared DNS layer. Failure reports
 * (RFC 9991 section 5) use the same check with ruf in place of rua.
 */
#ifndef TMX_DMARC_DEST_H
#define TMX_DMARC_DEST_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_rec.h"
#include "dns.h"

#define DMARC_DEST_URIS_MAX	8	/* rua URIs looked at, in order */
#define DMARC_DEST_MAX		16	/* after overrides */
#define DMARC_DEST_ADDR_MAX	320

enum dmarc_dest_state {
	DMARC_DEST_OK,			/* send to addr */
	DMARC_DEST_MALFORMED,		/* not a usable URI: ignored */
	DMARC_DEST_UNSUPPORTED,		/* a scheme other than mailto: */
	DMARC_DEST_UNAUTHORISED,	/* external, and not agreed to */
	DMARC_DEST_TEMPFAIL,		/* DNS failed: ask again next run */
	DMARC_DEST_CONFLICT,		/* its override: another host */
	DMARC_DEST_TOO_MANY,		/* past DMARC_DEST_URIS_MAX */
};

struct dmarc_dest {
	char uri[DMARC_REC_RUA_MAX];	/* as published */
	char addr[DMARC_DEST_ADDR_MAX];	/* local@host, decoded */
	char host[DMARC_REC_DOMAIN_MAX];	/* lower case */
	bool external;			/* needed the TXT record */
	bool override;			/* came from that record's rua= */
	enum dmarc_dest_state state;
	char why[512];			/* for the operator, if not OK */
};

/* The TXT lookup: dns_lookup's contract (tests give their own) */
typedef enum dns_status dmarc_dest_txt_fn(const char *name,
					  struct dns_answer *ans_r);

/* A host's Organizational Domain (RFC 9989 4.10.2) into org; 0, or -1
 * when DNS failed */
typedef int dmarc_dest_org_fn(const char *host, char *org, size_t size);

/* How destinations are checked; a NULL member takes the default */
struct dmarc_dest_dns {
	dmarc_dest_txt_fn *txt;	/* default: dns_lookup */
	dmarc_dest_org_fn *org;	/* default: none; a destination is inside
				 * when its host is the policy domain's
				 * Organizational Domain or below it */
};

/*
 * dmarc_dest_resolve - the destinations of rua (as published) for a
 * report on policy_domain, whose Organizational Domain is org_domain ("":
 * the policy domain itself): each checked, those in another
 * Organizational Domain verified through dns (NULL: the defaults),
 * duplicates dropped. Fills out[0..n) with every URI looked at, whatever
 * its state; returns n.
 */
size_t dmarc_dest_resolve(const char *rua, const char *policy_domain,
			  const char *org_domain,
			  const struct dmarc_dest_dns *dns,
			  struct dmarc_dest *out, size_t max);

/*
 * dmarc_dest_resolve_ruf - the same for a ruf tag (failure reports): RFC
 * 9991 section 5 runs the check of RFC 9990 section 4 with "ruf" where
 * "rua" appears, so an authorising record's override is its ruf tag
 */
size_t dmarc_dest_resolve_ruf(const char *ruf, const char *policy_domain,
			      const char *org_domain,
			      const struct dmarc_dest_dns *dns,
			      struct dmarc_dest *out, size_t max);

/*
 * dmarc_dest_parse_mailto - a mailto: URI's single address, percent-
 * decoded, domain lower-cased; 0, or -1 with the reason in why
 */
int dmarc_dest_parse_mailto(const char *uri, char *addr, size_t addr_size,
			    char *host, size_t host_size, const char **why);

/*
 * dmarc_dest_authorises - does a TXT record's text agree to receive
 * reports: tag=value pairs starting with v=DMARC1. Its rua tag, if any,
 * into rua ("" if none).
 */
bool dmarc_dest_authorises(const char *text, size_t len, char *rua,
			   size_t rua_size);

/* dmarc_dest_state_str - "ok", "malformed", "not authorised", ... */
const char *dmarc_dest_state_str(enum dmarc_dest_state state);

#endif
