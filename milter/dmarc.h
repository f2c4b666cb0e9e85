/*
 * dmarc.h - DMARC (RFC 7489) with libopendmarc: the From domain, the SPF
 * and DKIM results fed in for alignment, the policy record looked up. The
 * decision about what to do is verdict.c's; pct is applied there.
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
 * relaxed: the same organizational domain), case-insensitive */
bool dmarc_aligned(const char *domain, const char *from_domain, bool strict);

/*
 * dmarc_check - fill res->dmarc from the From header summary (nfrom is the
 * number of From fields, from describes the first), res->spf, res->dkim.
 * client is the address SPF judged (text). Thread-safe.
 */
void dmarc_check(unsigned nfrom, const struct fromhdr *from,
		 const char *from_error, const char *client,
		 struct results *res);

#endif
