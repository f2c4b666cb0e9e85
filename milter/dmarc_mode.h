/*
 * dmarc_mode.h - the two ways dmarc.c evaluates DMARC once it has named
 * the author domain (dm->from_domain): RFC 9989 (dmarc9989.c, the
 * default) and RFC 7489 with libopendmarc (dmarc7489.c, dmarc_mode =
 * rfc7489). Internal to the milter's DMARC files.
 */
#ifndef TMX_DMARC_MODE_H
#define TMX_DMARC_MODE_H

#include <stdbool.h>

#include "results.h"

/* dmarc_set - dm's result (static text) and comment */
void dmarc_set(struct results_dmarc *dm, const char *result,
	       const char *comment);

/* dmarc9989_check - res->dmarc by RFC 9989 from res->spf and res->dkim */
void dmarc9989_check(struct results *res);

/* dmarc9989_aligned - does domain align with dm's author domain, the
 * organizational domains found by the Tree Walk (false when DNS fails) */
bool dmarc9989_aligned(const char *domain, const struct results_dmarc *dm,
		       bool strict);

/* dmarc7489_check - res->dmarc with libopendmarc; client is the address
 * SPF judged (text) */
void dmarc7489_check(const char *client, struct results *res);

#endif
