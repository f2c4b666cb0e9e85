/*
 * dmarc_rec.c - checking a DMARC evaluation record before it is stored,
 * and the RFC 9990 words for its values. Runs in the milter's mail path:
 * no allocation, no I/O.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <trustmx/addr.h>

#include "dmarc_rec.h"

static const char *const dmarc_rec_policy_words[] = {
	NULL, "none", "quarantine", "reject",
};
static const char *const dmarc_rec_align_words[] = { NULL, "r", "s" };
static const char *const dmarc_rec_flag_words[] = { NULL, "n", "y", "u" };
static const char *const dmarc_rec_discovery_words[] = {
	NULL, "treewalk", "psl",
};
static const char *const dmarc_rec_disposition_words[] = {
	"none", "pass", "quarantine", "reject",
};
static const char *const dmarc_rec_override_words[] = {
	"local_policy", "mailing_list", "other", "policy_test_mode",
	"trusted_forwarder",
};
static const char *const dmarc_rec_auth_words[] = {
	"none", "pass", "fail", "softfail", "policy", "neutral", "temperror",
	"permerror",
};
static const char *const dmarc_rec_scope_words[] = { "mfrom", "helo" };

#define DMARC_REC_WORD(table, v) \
	((size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : NULL)

/* dmarc_rec_policy_str - "none", "quarantine", "reject"; NULL if unset */
const char *
dmarc_rec_policy_str(enum dmarc_rec_policy p)
{
	return DMARC_REC_WORD(dmarc_rec_policy_words, p);
}

/* dmarc_rec_align_str - "r", "s"; NULL if unset */
const char *
dmarc_rec_align_str(enum dmarc_rec_align a)
{
	return DMARC_REC_WORD(dmarc_rec_align_words, a);
}

/* dmarc_rec_flag_str - "n", "y", "u"; NULL if unset */
const char *
dmarc_rec_flag_str(enum dmarc_rec_flag f)
{
	return DMARC_REC_WORD(dmarc_rec_flag_words, f);
}

/* dmarc_rec_discovery_str - "treewalk", "psl"; NULL if unset */
const char *
dmarc_rec_discovery_str(enum dmarc_rec_discovery d)
{
	return DMARC_REC_WORD(dmarc_rec_discovery_words, d);
}

/* dmarc_rec_disposition_str - ActionDispositionType's word */
const char *
dmarc_rec_disposition_str(enum dmarc_rec_disposition d)
{
	return DMARC_REC_WORD(dmarc_rec_disposition_words, d);
}

/* dmarc_rec_override_str - PolicyOverrideType's word */
const char *
dmarc_rec_override_str(enum dmarc_rec_override o)
{
	return DMARC_REC_WORD(dmarc_rec_override_words, o);
}

/* dmarc_rec_auth_str - an RFC 8601 result word */
const char *
dmarc_rec_auth_str(enum dmarc_rec_auth r)
{
	return DMARC_REC_WORD(dmarc_rec_auth_words, r);
}

/* dmarc_rec_scope_str - "mfrom" or "helo" */
const char *
dmarc_rec_scope_str(enum dmarc_rec_spf_scope s)
{
	return DMARC_REC_WORD(dmarc_rec_scope_words, s);
}

/* dmarc_rec_override_parse - the enum value of a PolicyOverrideType word */
int
dmarc_rec_override_parse(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(dmarc_rec_override_words) /
	     sizeof(dmarc_rec_override_words[0]); i++)
		if (strcmp(word, dmarc_rec_override_words[i]) == 0)
			return (int)i;
	return -1;
}

/* dmarc_rec_domain_ok - a plain host name: LDH labels (and '_'), <= 253 */
bool
dmarc_rec_domain_ok(const char *name)
{
	const char *p, *label = name;

	if (name[0] == '\0' || strlen(name) > 253)
		return false;
	for (p = name; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63)
				return false;
			if (*p == '\0')
				return true;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-' &&
			   *p != '_') {
			return false;
		}
	}
}

/* dmarc_rec_under - name is domain or a name below it (case-insensitive) */
bool
dmarc_rec_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d == 0 || n < d)
		return false;
	if (n == d)
		return strcasecmp(name, domain) == 0;
	return name[n - d - 1] == '.' && strcasecmp(name + n - d, domain) == 0;
}

/* dmarc_rec_lower - lower-case a domain in place */
static void
dmarc_rec_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* dmarc_rec_domain - check and lower-case a domain; empty allowed or not */
static int
dmarc_rec_domain(char *name, size_t size, bool may_be_empty)
{
	if (memchr(name, '\0', size) == NULL)
		return -1;
	if (name[0] == '\0')
		return may_be_empty ? 0 : -1;
	if (!dmarc_rec_domain_ok(name))
		return -1;
	dmarc_rec_lower(name);
	return 0;
}

/* dmarc_rec_clean - terminate and replace control bytes by spaces */
static void
dmarc_rec_clean(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* dmarc_rec_dkim_rank - RFC 9990 3.1.3: strict pass, relaxed pass, pass,
 * the rest */
static int
dmarc_rec_dkim_rank(const struct dmarc_rec_dkim *d,
		    const struct dmarc_report_rec *rec)
{
	const char *org = rec->org_domain[0] ? rec->org_domain :
	    rec->policy_domain;

	if (d->result != DMARC_REC_AUTH_PASS)
		return 3;
	if (strcmp(d->domain, rec->header_from) == 0)
		return 0;
	if (dmarc_rec_under(d->domain, org))
		return 1;
	return 2;
}

/* dmarc_rec_sort_dkim - stable sort by rank, so equal evaluations of
 * different messages store the same list */
static void
dmarc_rec_sort_dkim(struct dmarc_report_rec *rec)
{
	struct dmarc_rec_dkim tmp;
	unsigned i, j;

	for (i = 1; i < rec->ndkim; i++) {
		tmp = rec->dkim[i];
		for (j = i; j > 0 &&
		     dmarc_rec_dkim_rank(&rec->dkim[j - 1], rec) >
		     dmarc_rec_dkim_rank(&tmp, rec); j--)
			rec->dkim[j] = rec->dkim[j - 1];
		rec->dkim[j] = tmp;
	}
}

/* dmarc_rec_check_policy - the enum fields are in range, fo is printable */
static int
dmarc_rec_check_policy(struct dmarc_rec_policy_published *pp,
		       const char **error_r)
{
	if ((unsigned)pp->p > DMARC_REC_POLICY_REJECT ||
	    (unsigned)pp->sp > DMARC_REC_POLICY_REJECT ||
	    (unsigned)pp->np > DMARC_REC_POLICY_REJECT ||
	    (unsigned)pp->adkim > DMARC_REC_ALIGN_STRICT ||
	    (unsigned)pp->aspf > DMARC_REC_ALIGN_STRICT ||
	    (unsigned)pp->testing > DMARC_REC_FLAG_Y ||
	    (unsigned)pp->psd > DMARC_REC_FLAG_U ||
	    (unsigned)pp->discovery > DMARC_REC_DISCOVERY_PSL) {
		*error_r = "policy value out of range";
		return -1;
	}
	dmarc_rec_clean(pp->fo, sizeof(pp->fo));
	dmarc_rec_clean(pp->rua, sizeof(pp->rua));
	return 0;
}

/* dmarc_rec_check - see dmarc_rec.h */
int
dmarc_rec_check(struct dmarc_report_rec *rec, const char **error_r)
{
	struct tmx_addr addr;
	unsigned i;

	rec->source_ip[sizeof(rec->source_ip) - 1] = '\0';
	if (tmx_addr_parse(rec->source_ip, &addr) < 0) {
		*error_r = "source_ip is not an IP address";
		return -1;
	}
	tmx_addr_unmap(&addr);
	tmx_addr_format(&addr, rec->source_ip, sizeof(rec->source_ip));
	if (dmarc_rec_domain(rec->header_from, sizeof(rec->header_from),
			     false) < 0) {
		*error_r = "header_from is not a domain name";
		return -1;
	}
	if (dmarc_rec_domain(rec->policy_domain, sizeof(rec->policy_domain),
			     false) < 0) {
		*error_r = "policy_domain is not a domain name";
		return -1;
	}
	if (dmarc_rec_domain(rec->envelope_from, sizeof(rec->envelope_from),
			     true) < 0 ||
	    dmarc_rec_domain(rec->envelope_to, sizeof(rec->envelope_to),
			     true) < 0 ||
	    dmarc_rec_domain(rec->org_domain, sizeof(rec->org_domain),
			     true) < 0) {
		*error_r = "envelope or organizational domain is not a "
			   "domain name";
		return -1;
	}
	if (dmarc_rec_check_policy(&rec->policy, error_r) < 0)
		return -1;
	if ((unsigned)rec->disposition > DMARC_REC_DISP_REJECT) {
		*error_r = "disposition out of range";
		return -1;
	}
	if (rec->nreasons > DMARC_REC_REASON_MAX ||
	    rec->ndkim > DMARC_REC_DKIM_MAX) {
		*error_r = "too many reasons or DKIM results";
		return -1;
	}
	for (i = 0; i < rec->nreasons; i++) {
		if ((unsigned)rec->reasons[i].type >
		    DMARC_REC_OVERRIDE_TRUSTED_FORWARDER) {
			*error_r = "override reason out of range";
			return -1;
		}
		dmarc_rec_clean(rec->reasons[i].comment,
				sizeof(rec->reasons[i].comment));
	}
	for (i = 0; i < rec->ndkim; i++) {
		struct dmarc_rec_dkim *d = &rec->dkim[i];

		if (dmarc_rec_domain(d->domain, sizeof(d->domain), false) < 0 ||
		    dmarc_rec_domain(d->selector, sizeof(d->selector),
				     false) < 0) {
			*error_r = "DKIM domain or selector is not a name";
			return -1;
		}
		if ((unsigned)d->result > DMARC_REC_AUTH_PERMERROR ||
		    d->result == DMARC_REC_AUTH_SOFTFAIL) {
			*error_r = "DKIM result out of range";
			return -1;
		}
	}
	dmarc_rec_sort_dkim(rec);
	if (dmarc_rec_domain(rec->spf.domain, sizeof(rec->spf.domain),
			     true) < 0) {
		*error_r = "SPF domain is not a domain name";
		return -1;
	}
	if ((unsigned)rec->spf.result > DMARC_REC_AUTH_PERMERROR ||
	    (unsigned)rec->spf.scope > DMARC_REC_SCOPE_HELO) {
		*error_r = "SPF result out of range";
		return -1;
	}
	return 0;
}
