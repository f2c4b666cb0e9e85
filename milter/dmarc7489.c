/*
 * dmarc7489.c - dmarc_mode = rfc7489: DMARC as RFC 7489 had it, with
 * libopendmarc 1.4 (the public suffix list for organizational domains,
 * pct=), its record fetched through the shared DNS layer (dns/: cached by
 * TTL, one deadline) and handed over with opendmarc_policy_store_dmarc.
 * Kept for sites that need yesterday's answers; RFC 9989 is dmarc9989.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <opendmarc/dmarc.h>

#include "dmarc_mode.h"
#include "dns.h"

#define DMARC_RECORD_MAX	4096	/* libopendmarc parses at most BUFSIZ */

/* exported by libopendmarc 1.4 but not declared: the PSL lookup */
int opendmarc_get_tld(u_char *domain, u_char *tld, size_t tld_len);

/* dmarc_spf_outcome - our SPF result in libopendmarc's terms */
static int
dmarc_spf_outcome(enum spf_outcome result)
{
	switch (result) {
	case SPF_OUT_PASS:
		return DMARC_POLICY_SPF_OUTCOME_PASS;
	case SPF_OUT_FAIL:
	case SPF_OUT_SOFTFAIL:
		return DMARC_POLICY_SPF_OUTCOME_FAIL;
	case SPF_OUT_TEMPERROR:
		return DMARC_POLICY_SPF_OUTCOME_TMPFAIL;
	default:
		return DMARC_POLICY_SPF_OUTCOME_NONE;
	}
}

/* dmarc_dkim_outcome - one signature's result in libopendmarc's terms */
static int
dmarc_dkim_outcome(const char *result)
{
	if (strcmp(result, "pass") == 0)
		return DMARC_POLICY_DKIM_OUTCOME_PASS;
	if (strcmp(result, "temperror") == 0)
		return DMARC_POLICY_DKIM_OUTCOME_TMPFAIL;
	if (strcmp(result, "fail") == 0)
		return DMARC_POLICY_DKIM_OUTCOME_FAIL;
	return DMARC_POLICY_DKIM_OUTCOME_NONE;
}

/* dmarc_feed - hand SPF and every DKIM signature to libopendmarc */
static void
dmarc_feed(DMARC_POLICY_T *pctx, const struct results *res)
{
	const struct results_spf *spf = &res->spf;

	if (results_spf_judged(spf) && spf->verdict.domain[0] != '\0')
		opendmarc_policy_store_spf(pctx,
			(u_char *)spf->verdict.domain,
			dmarc_spf_outcome(spf->verdict.result),
			spf->verdict.identity == SPF_ID_HELO ?
			DMARC_POLICY_SPF_ORIGIN_HELO :
			DMARC_POLICY_SPF_ORIGIN_MAILFROM,
			(u_char *)spf_outcome_name(spf->verdict.result));
	for (size_t i = 0; i < res->dkim.nsigs; i++) {
		const struct results_dkim_sig *sig = &res->dkim.sig[i];

		if (sig->domain[0] == '\0')
			continue;
		opendmarc_policy_store_dkim(pctx, (u_char *)sig->domain,
			(u_char *)sig->selector,
			dmarc_dkim_outcome(sig->result),
			(u_char *)sig->result);
	}
}

/* dmarc_policy_of - libopendmarc's p/sp letter as ours */
static enum results_policy
dmarc_policy_of(int p)
{
	switch (p) {
	case DMARC_RECORD_P_NONE:
		return RESULTS_POLICY_NONE;
	case DMARC_RECORD_P_QUARANTINE:
		return RESULTS_POLICY_QUARANTINE;
	case DMARC_RECORD_P_REJECT:
		return RESULTS_POLICY_REJECT;
	default:
		return RESULTS_POLICY_UNKNOWN;
	}
}

/* dmarc_record_alignment - adkim= and aspf= */
static void
dmarc_record_alignment(DMARC_POLICY_T *pctx, struct results_dmarc *dm)
{
	int adkim = 0, aspf = 0;

	opendmarc_policy_fetch_adkim(pctx, &adkim);
	opendmarc_policy_fetch_aspf(pctx, &aspf);
	dm->strict_dkim = adkim == DMARC_RECORD_A_STRICT;
	dm->strict_spf = aspf == DMARC_RECORD_A_STRICT;
}

/* dmarc_record_policy - p or sp (whichever applies), pct */
static void
dmarc_record_policy(DMARC_POLICY_T *pctx, struct results_dmarc *dm)
{
	int p = 0, sp = 0, pct = 100;
	u_char org[DMARC_MAXHOSTNAMELEN];

	opendmarc_policy_fetch_p(pctx, &p);
	opendmarc_policy_fetch_sp(pctx, &sp);
	opendmarc_policy_fetch_pct(pctx, &pct);
	dmarc_record_alignment(pctx, dm);
	dm->pct = pct < 0 || pct > 100 ? 100 : pct;
	dm->policy = dmarc_policy_of(p);
	org[0] = '\0';
	/* sp= applies when the From domain is below the record's domain */
	if (opendmarc_policy_fetch_utilized_domain(pctx, org,
	    sizeof(org)) == DMARC_PARSE_OKAY &&
	    strcasecmp((char *)org, dm->from_domain) != 0 &&
	    dmarc_policy_of(sp) != RESULTS_POLICY_UNKNOWN) {
		dm->policy = dmarc_policy_of(sp);
		dm->subdomain_policy = true;
	}
}

/*
 * dmarc_fetch - the DMARC record at _dmarc.DOMAIN: DNS_OK with it in
 * record, DNS_NODATA when there is none (or several: RFC 7489 6.6.3 says
 * to apply none then), DNS_TEMPFAIL; DNS_BADNAME for a record that cannot
 * be handed on whole (a NUL byte, over DMARC_RECORD_MAX)
 */
static enum dns_status
dmarc_fetch(const char *domain, char *record, size_t size)
{
	struct dns_answer ans;
	char name[7 + 256];		/* "_dmarc." and a name */
	enum dns_status st;
	const struct dns_record *found = NULL;
	size_t i, n = 0;

	if ((size_t)snprintf(name, sizeof(name), "_dmarc.%s", domain) >=
	    sizeof(name))
		return DNS_BADNAME;
	st = dns_lookup(name, DNS_TYPE_TXT, &ans);
	if (st == DNS_NXDOMAIN)
		st = DNS_NODATA;
	for (i = 0; st == DNS_OK && i < ans.count; i++)
		if (strncasecmp(ans.records[i].text, "v=DMARC1", 8) == 0) {
			found = &ans.records[i];
			n++;
		}
	if (st == DNS_OK && n != 1)
		st = DNS_NODATA;
	else if (st == DNS_OK && (found->textlen != strlen(found->text) ||
	    found->textlen >= size || found->textlen > DMARC_RECORD_MAX))
		st = DNS_BADNAME;
	else if (st == DNS_OK)
		memcpy(record, found->text, found->textlen + 1);
	dns_answer_free(&ans);
	return st;
}

/*
 * dmarc_discover - the From domain's record, else (only when it has none,
 * not on a DNS error) the organizational domain's, as libopendmarc's own
 * query does; stored into pctx. DMARC_PARSE_OKAY or why not.
 */
static int
dmarc_discover(DMARC_POLICY_T *pctx, const char *from_domain)
{
	char record[DMARC_RECORD_MAX + 1];
	u_char org[DMARC_MAXHOSTNAMELEN];
	enum dns_status st;

	st = dmarc_fetch(from_domain, record, sizeof(record));
	if (st == DNS_OK)
		return opendmarc_policy_store_dmarc(pctx, (u_char *)record,
		    (u_char *)from_domain, NULL);
	if (st != DNS_NODATA)
		return st == DNS_TEMPFAIL ? DMARC_DNS_ERROR_TMPERR :
		    DMARC_PARSE_ERROR_BAD_VALUE;
	memset(org, 0, sizeof(org));
	if (opendmarc_get_tld((u_char *)from_domain, org, sizeof(org)) != 0 ||
	    org[0] == '\0')
		return DMARC_DNS_ERROR_NO_RECORD;
	st = dmarc_fetch((const char *)org, record, sizeof(record));
	if (st == DNS_OK)
		return opendmarc_policy_store_dmarc(pctx, (u_char *)record,
		    (u_char *)from_domain, org);
	return st == DNS_NODATA ? DMARC_DNS_ERROR_NO_RECORD :
	    st == DNS_TEMPFAIL ? DMARC_DNS_ERROR_TMPERR :
	    DMARC_PARSE_ERROR_BAD_VALUE;
}

/* dmarc_evaluate - find the record and judge alignment */
static void
dmarc_evaluate(DMARC_POLICY_T *pctx, struct results_dmarc *dm)
{
	int st, dkim_align = 0, spf_align = 0;

	st = dmarc_discover(pctx, dm->from_domain);
	switch (st) {
	case DMARC_PARSE_OKAY:
		break;
	case DMARC_DNS_ERROR_TMPERR:
		dmarc_set(dm, "temperror", "DNS lookup failed");
		return;
	case DMARC_POLICY_ABSENT:
	case DMARC_DNS_ERROR_NO_RECORD:
	case DMARC_DNS_ERROR_NXDOMAIN:
		dmarc_set(dm, "none", "no DMARC record");
		return;
	default:
		dmarc_set(dm, "permerror", "unusable DMARC record");
		return;
	}
	dmarc_record_policy(pctx, dm);
	st = opendmarc_get_policy_to_enforce(pctx);
	opendmarc_policy_fetch_alignment(pctx, &dkim_align, &spf_align);
	if (st == DMARC_POLICY_PASS ||
	    dkim_align == DMARC_POLICY_DKIM_ALIGNMENT_PASS ||
	    spf_align == DMARC_POLICY_SPF_ALIGNMENT_PASS)
		dmarc_set(dm, "pass",
			  dkim_align == DMARC_POLICY_DKIM_ALIGNMENT_PASS ?
			  "aligned DKIM" : "aligned SPF");
	else
		dmarc_set(dm, "fail", "neither SPF nor DKIM aligned");
}

/* dmarc7489_check - see dmarc_mode.h */
void
dmarc7489_check(const char *client, struct results *res)
{
	struct results_dmarc *dm = &res->dmarc;
	DMARC_POLICY_T *pctx;

	pctx = opendmarc_policy_connect_init((u_char *)client,
					     strchr(client, ':') != NULL);
	if (pctx == NULL) {
		dmarc_set(dm, "temperror", "libopendmarc: out of memory");
		return;
	}
	if (opendmarc_policy_store_from_domain(pctx,
	    (u_char *)dm->from_domain) != DMARC_PARSE_OKAY) {
		dmarc_set(dm, "permerror", "unusable From domain");
	} else {
		dmarc_feed(pctx, res);
		dmarc_evaluate(pctx, dm);
	}
	opendmarc_policy_connect_shutdown(pctx);
}
