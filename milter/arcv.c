/*
 * arcv.c - the milter's reading of an ARC chain. Who wrote what: every
 * ARC set was written by its sealer, and the AS signatures only prove
 * that the sets are intact and in order; an AAR is evidence only when
 * the operator trusts its sealer and no untrusted hop sealed after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <trustmx/addr.h>

#include "arcv.h"
#include "authres_parse.h"
#include "dmarc.h"

/* arcv_record - see arcv.h */
void
arcv_record(const struct arc_result *chain, struct results_arc *r)
{
	size_t n = 0;

	r->checked = true;
	r->cv = (int)chain->cv;
	r->nsets = chain->nsets;
	r->oldest_pass = chain->oldest_pass;
	r->temperror = chain->temperror;
	snprintf(r->reason, sizeof(r->reason), "%s",
		 chain->reason ? chain->reason : "");
	r->sealers[0] = '\0';
	for (unsigned i = 0; i < chain->nsets && n < sizeof(r->sealers); i++)
		n += (size_t)snprintf(r->sealers + n, sizeof(r->sealers) - n,
				      "%si=%u %s", i ? ", " : "",
				      chain->set[i].instance,
				      chain->set[i].domain[0] ?
				      chain->set[i].domain : "?");
}

/* arcv_trusted - see arcv.h */
bool
arcv_trusted(char *const *trusted, const char *domain)
{
	if (trusted == NULL || domain[0] == '\0')
		return false;
	for (size_t i = 0; trusted[i] != NULL; i++)
		if (strcasecmp(trusted[i], domain) == 0)
			return true;
	return false;
}

/* arcv_spf_outcome - an A-R spf= result; -1 when it is not one */
static int
arcv_spf_outcome(const char *result)
{
	static const char *const names[] = {
		[SPF_OUT_NONE] = "none", [SPF_OUT_NEUTRAL] = "neutral",
		[SPF_OUT_PASS] = "pass", [SPF_OUT_FAIL] = "fail",
		[SPF_OUT_SOFTFAIL] = "softfail",
		[SPF_OUT_TEMPERROR] = "temperror",
		[SPF_OUT_PERMERROR] = "permerror",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(result, names[i]) == 0)
			return (int)i;
	return -1;
}

/* arcv_remote_ip - the client the sealer saw: smtp.remote-ip of any
 * method (RFC 8617 registers it for arc=), else iprev's policy.iprev */
static const char *
arcv_remote_ip(const struct authres_parsed *aar)
{
	const char *ip;

	for (unsigned i = 0; i < aar->nresults; i++) {
		ip = authres_parse_prop(&aar->result[i], "smtp", "remote-ip");
		if (ip != NULL)
			return ip;
	}
	for (unsigned i = 0; i < aar->nresults; i++)
		if (strcmp(aar->result[i].method, "iprev") == 0 &&
		    (ip = authres_parse_prop(&aar->result[i], "policy",
					     "iprev")) != NULL)
			return ip;
	return NULL;
}

/* arcv_addr - an address as a sealer wrote it: bare or in brackets
 * ("[2001:db8::25]"), IPv4-mapped IPv6 as IPv4; 0 or -1 */
static int
arcv_addr(const char *text, struct tmx_addr *ip)
{
	char bare[TMX_ADDR_STRLEN];
	size_t len = strlen(text);

	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		if (len - 2 >= sizeof(bare))
			return -1;
		memcpy(bare, text + 1, len - 2);
		bare[len - 2] = '\0';
		text = bare;
	}
	if (tmx_addr_parse(text, ip) < 0)
		return -1;
	tmx_addr_unmap(ip);
	return 0;
}

/* arcv_domain_of - the domain of an address (after the last @), or s */
static const char *
arcv_domain_of(const char *s)
{
	const char *at = strrchr(s, '@');

	return at != NULL ? at + 1 : s;
}

/* arcv_spf_from - the sealer's spf= result into r; false if unusable */
static bool
arcv_spf_from(const struct authres_parsed *aar, const struct tmx_addr *ip,
	      struct results_spf *r, const char **why_r)
{
	const struct authres_result *spf = authres_parse_find(aar, "spf", NULL);
	const char *mailfrom, *helo;
	int out;

	if (spf == NULL) {
		*why_r = "its ARC-Authentication-Results have no spf= result";
		return false;
	}
	if ((out = arcv_spf_outcome(spf->result)) < 0) {
		*why_r = "its spf= result is not an SPF result";
		return false;
	}
	if (authres_parse_find(aar, "spf", spf) != NULL) {
		*why_r = "its ARC-Authentication-Results have two spf= results";
		return false;
	}
	mailfrom = authres_parse_prop(spf, "smtp", "mailfrom");
	helo = authres_parse_prop(spf, "smtp", "helo");
	if ((mailfrom == NULL || mailfrom[0] == '\0') &&
	    (helo == NULL || helo[0] == '\0')) {
		*why_r = "its spf= result names neither smtp.mailfrom nor "
			 "smtp.helo";
		return false;
	}
	memset(&r->verdict, 0, sizeof(r->verdict));
	r->verdict.result = (enum spf_outcome)out;
	r->verdict.helo_result = SPF_OUT_NONE;
	if (mailfrom != NULL && mailfrom[0] != '\0') {
		r->verdict.identity = SPF_ID_MAILFROM;
		snprintf(r->verdict.domain, sizeof(r->verdict.domain), "%s",
			 arcv_domain_of(mailfrom));
	} else {
		r->verdict.identity = SPF_ID_HELO;
		snprintf(r->helo, sizeof(r->helo), "%s", helo);
		snprintf(r->verdict.domain, sizeof(r->verdict.domain), "%s",
			 helo);
	}
	tmx_addr_format(ip, r->client, sizeof(r->client));
	return true;
}

/* arcv_relay_evidence - see arcv.h */
bool
arcv_relay_evidence(const struct arc_result *chain, char *const *trusted,
		    struct results_spf *r, const char **why_r)
{
	const struct arc_set_result *top;
	struct authres_parsed *aar;
	struct tmx_addr ip;
	const char *text, *err = NULL;
	bool ok = false;

	if (chain->nsets == 0) {
		*why_r = "no ARC set";
		return false;
	}
	top = &chain->set[chain->nsets - 1];
	if (!arcv_trusted(trusted, top->domain)) {
		*why_r = "its ARC set is not by a trusted sealer";
		return false;
	}
	if (chain->cv != ARC_CV_PASS) {
		*why_r = "its ARC chain does not pass";
		return false;
	}
	/* a set below the relay's Received line came with the message (a
	 * list's, replayed through the relay): it tells of another client */
	if (!top->above_received) {
		*why_r = "its newest ARC set is not above its Received line";
		return false;
	}
	if ((aar = calloc(1, sizeof(*aar))) == NULL) {
		*why_r = "out of memory";
		return false;
	}
	if (authres_parse(top->aar, strlen(top->aar), aar, &err) < 0)
		*why_r = "its ARC-Authentication-Results cannot be read";
	else if ((text = arcv_remote_ip(aar)) == NULL)
		*why_r = "its ARC-Authentication-Results name no smtp.remote-ip";
	else if (arcv_addr(text, &ip) < 0)
		*why_r = "its smtp.remote-ip is not an address";
	else
		ok = arcv_spf_from(aar, &ip, r, why_r);
	free(aar);
	if (!ok)
		return false;
	r->source = RESULTS_SPF_SEALED;
	r->seal_instance = top->instance;
	snprintf(r->sealer, sizeof(r->sealer), "%s", top->domain);
	return true;
}

/* arcv_evidence - what aar says passed for from_domain, in words; false
 * when nothing aligned passed */
static bool
arcv_evidence(const struct authres_parsed *aar,
	      const struct results_dmarc *dm, char *out, size_t size)
{
	const struct authres_result *m = NULL;
	const char *v;

	while ((m = authres_parse_find(aar, "dmarc", m)) != NULL)
		if (strcmp(m->result, "pass") == 0 &&
		    (v = authres_parse_prop(m, "header", "from")) != NULL &&
		    strcasecmp(v, dm->from_domain) == 0) {
			snprintf(out, size, "dmarc=pass header.from=%s", v);
			return true;
		}
	while ((m = authres_parse_find(aar, "dkim", m)) != NULL)
		if (strcmp(m->result, "pass") == 0 &&
		    (v = authres_parse_prop(m, "header", "d")) != NULL &&
		    dmarc_identifier_aligned(v, dm, dm->strict_dkim)) {
			snprintf(out, size, "dkim=pass header.d=%s", v);
			return true;
		}
	while ((m = authres_parse_find(aar, "spf", m)) != NULL)
		if (strcmp(m->result, "pass") == 0 &&
		    (v = authres_parse_prop(m, "smtp", "mailfrom")) != NULL &&
		    dmarc_identifier_aligned(arcv_domain_of(v), dm,
					     dm->strict_spf)) {
			snprintf(out, size, "spf=pass smtp.mailfrom=%s", v);
			return true;
		}
	return false;
}

/* arcv_override - see arcv.h */
void
arcv_override(const struct arc_result *chain, char *const *trusted,
	      const struct results_dmarc *dm, struct results_arc *r)
{
	struct authres_parsed *aar;
	const char *err;

	if (chain->cv != ARC_CV_PASS || dm->from_domain[0] == '\0' ||
	    (aar = calloc(1, sizeof(*aar))) == NULL)
		return;
	for (unsigned i = chain->nsets; i > 0; i--) {
		const struct arc_set_result *set = &chain->set[i - 1];

		if (!arcv_trusted(trusted, set->domain))
			break;
		if (authres_parse(set->aar, strlen(set->aar), aar, &err) < 0 ||
		    !arcv_evidence(aar, dm, r->override_evidence,
				   sizeof(r->override_evidence)))
			continue;
		r->override = true;
		r->override_instance = set->instance;
		snprintf(r->override_sealer, sizeof(r->override_sealer), "%s",
			 set->domain);
		break;
	}
	free(aar);
}
