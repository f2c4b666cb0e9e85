/*
 * dmarc.h - DMARC for the milter: the From domain, the SPF and DKIM
 * results, the policy record found, by RFC 9989 (DNS Tree Walk; the
 * default) or, with dmarc_mode = rfc7489, by libopendmarc (public suffix
 * list, pct). The decision about what to do is verdict.c's.
 */
#ifndef TMX_DMARC_H
#define TMX_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "fromhdr.h"
#include "results.h"

/* dmarc_lib_init - once, before threads: the public suffix list; 0 or -1 */
int dmarc_lib_init(const char *public_suffix_list, char *err, size_t errlen);

/* dmarc_org_domain - the organizational domain of domain (the PSL's
 * answer; domain itself when it has none) */
void dmarc_org_domain(const char *domain, char *org, size_t size);

/* dmarc_aligned - does domain align with from_domain (strict: equal;
 * relaxed: the same organizational domain by the public suffix list),
 * case-insensitive */
bool dmarc_aligned(const char *domain, const char *from_domain, bool strict);

/*
 * dmarc_identifier_aligned - does domain align with the author domain of
 * dm (an evaluated message) the way its mode finds organizational
 * domains: RFC 9989's Tree Walk, or the public suffix list (rfc7489)
 */
bool dmarc_identifier_aligned(const char *domain,
			      const struct results_dmarc *dm, bool strict);

/*
 * dmarc_check - fill res->dmarc from the From header summary (nfrom is the
 * number of From fields, from describes the first), res->spf, res->dkim;
 * by RFC 9989, or by RFC 7489 with libopendmarc when rfc7489. client is
 * the address SPF judged (text). Thread-safe.
 */
void dmarc_check(unsigned nfrom, const struct fromhdr *from,
		 const char *from_error, const char *client, bool rfc7489,
		 struct results *res);

#endif
