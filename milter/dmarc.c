/*
 * dmarc.c - DMARC for one message: the author domain named from the From
 * header, then RFC 9989 (dmarc9989.c) or, with dmarc_mode = rfc7489,
 * libopendmarc (dmarc7489.c). Mail whose author cannot be named without
 * guessing (no From, several From fields, several author domains) gets
 * dmarc=none or permerror and is never rejected for it. libopendmarc's
 * public suffix list also serves the rfc7489 mode's alignment checks.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <opendmarc/dmarc.h>

#include "dmarc.h"
#include "dmarc_mode.h"

/* exported by libopendmarc 1.4 but not declared: the PSL lookup */
int opendmarc_get_tld(u_char *domain, u_char *tld, size_t tld_len);

static OPENDMARC_LIB_T dmarc_lib;

/* dmarc_lib_init - see dmarc.h */
int
dmarc_lib_init(const char *public_suffix_list, char *err, size_t errlen)
{
	memset(&dmarc_lib, 0, sizeof(dmarc_lib));
	if (public_suffix_list != NULL && public_suffix_list[0] != '\0') {
		if (strlen(public_suffix_list) >= sizeof(dmarc_lib.tld_source_file)) {
			snprintf(err, errlen, "public_suffix_list: path too long");
			return -1;
		}
		dmarc_lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
		memcpy(dmarc_lib.tld_source_file, public_suffix_list,
		       strlen(public_suffix_list) + 1);
	}
	if (opendmarc_policy_library_init(&dmarc_lib) != DMARC_PARSE_OKAY) {
		snprintf(err, errlen, "libopendmarc: cannot initialise with "
			 "public suffix list %s", public_suffix_list);
		return -1;
	}
	return 0;
}

/* dmarc_org_domain - see dmarc.h */
void
dmarc_org_domain(const char *domain, char *org, size_t size)
{
	u_char tld[DMARC_MAXHOSTNAMELEN], lower[DMARC_MAXHOSTNAMELEN];
	size_t i;

	/* the suffix list is lower case, and its lookup case-sensitive */
	for (i = 0; domain[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (u_char)tolower((unsigned char)domain[i]);
	lower[i] = '\0';
	memset(tld, 0, sizeof(tld));
	if (opendmarc_get_tld(lower, tld, sizeof(tld)) != 0 ||
	    tld[0] == '\0')
		snprintf(org, size, "%s", (char *)lower);
	else
		snprintf(org, size, "%s", (char *)tld);
}

/* dmarc_aligned - see dmarc.h */
bool
dmarc_aligned(const char *domain, const char *from_domain, bool strict)
{
	char a[DMARC_MAXHOSTNAMELEN], b[DMARC_MAXHOSTNAMELEN];

	if (domain[0] == '\0' || from_domain[0] == '\0')
		return false;
	if (strcasecmp(domain, from_domain) == 0)
		return true;
	if (strict)
		return false;
	dmarc_org_domain(domain, a, sizeof(a));
	dmarc_org_domain(from_domain, b, sizeof(b));
	return strcasecmp(a, b) == 0;
}

/* dmarc_set - see dmarc_mode.h */
void
dmarc_set(struct results_dmarc *dm, const char *result, const char *comment)
{
	dm->result = result;
	snprintf(dm->comment, sizeof(dm->comment), "%s", comment);
}

/* dmarc_author - the one author domain, or a result saying why not */
static bool
dmarc_author(unsigned nfrom, const struct fromhdr *from,
	     const char *from_error, struct results_dmarc *dm)
{
	if (nfrom == 0) {
		dmarc_set(dm, "none", "no From header field");
		return false;
	}
	if (nfrom > 1) {
		dmarc_set(dm, "permerror", "several From header fields");
		return false;
	}
	if (from_error != NULL) {
		dmarc_set(dm, "permerror", from_error);
		return false;
	}
	if (from->ndomains > 1) {
		dmarc_set(dm, "permerror",
			  "several From addresses in different domains");
		return false;
	}
	if (from->ndomains == 0) {
		dmarc_set(dm, "none", "no domain in the From address");
		return false;
	}
	snprintf(dm->from_domain, sizeof(dm->from_domain), "%s",
		 from->domain);
	return true;
}

/* dmarc_check - see dmarc.h */
void
dmarc_check(unsigned nfrom, const struct fromhdr *from,
	    const char *from_error, const char *client, bool rfc7489,
	    struct results *res)
{
	struct results_dmarc *dm = &res->dmarc;

	memset(dm, 0, sizeof(*dm));
	dm->pct = 100;
	dm->rfc9989 = !rfc7489;
	if (!dmarc_author(nfrom, from, from_error, dm))
		return;
	if (rfc7489)
		dmarc7489_check(client, res);
	else
		dmarc9989_check(res);
}

/* dmarc_identifier_aligned - see dmarc.h */
bool
dmarc_identifier_aligned(const char *domain, const struct results_dmarc *dm,
			 bool strict)
{
	if (dm->rfc9989)
		return dmarc9989_aligned(domain, dm, strict);
	return dmarc_aligned(domain, dm->from_domain, strict);
}
