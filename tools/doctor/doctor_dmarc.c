/*
 * doctor_dmarc.c - DMARC as RFC 9989 reads it, with the code the milter
 * runs (auth/dmarc_*.h; nothing here parses a record): the DNS Tree Walk
 * from the domain, shown name by name (4.10), the record that applies and
 * the Organizational Domain (4.10.1, 4.10.2), several records at one name
 * (all discarded), the policy the domain gets, np= for its non-existent
 * subdomains, removed (pct, rf, ri) and ignored tags, and the report
 * addresses with the consent records external ones need (RFC 9990).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc_dns.h"
#include "dmarc_record.h"
#include "dmarc_walk.h"
#include "dns.h"
#include "doctor.h"
#include "xalloc.h"

#define DOCTOR_DMARC_URI_MAX	512

/* One run of the check: its DNS answers and what the walk found. */
struct doctor_dmarc_ctx {
	struct doctor *d;
	struct dmarc_dns dns;		/* every _dmarc name asked, once */
	char domain[DMARC_DOMAIN_MAX + 1];	/* normalized */
	struct dmarc_discovery disc;	/* the record that applies (4.10.1) */
	struct dmarc_org org;		/* the Organizational Domain (4.10.2) */
	bool org_ok;			/* org holds an answer */
	enum dmarc_exists exists;	/* the domain, when np= may apply */
};

/* What each tag must hold (RFC 9989 4.7), for the fix of an invalid one. */
static const struct {
	unsigned bit;
	const char *rule;
} doctor_dmarc_rules[] = {
	{ DMARC_TAG_P, "none, quarantine or reject" },
	{ DMARC_TAG_SP, "none, quarantine or reject" },
	{ DMARC_TAG_NP, "none, quarantine or reject" },
	{ DMARC_TAG_PSD, "y, n or u" },
	{ DMARC_TAG_T, "y or n" },
	{ DMARC_TAG_ADKIM, "r or s" },
	{ DMARC_TAG_ASPF, "r or s" },
	{ DMARC_TAG_RUF, "URIs such as mailto:dmarc@example.org" },
	{ DMARC_TAG_FO, "0, 1, d or s, colon-separated" },
};

/* doctor_dmarc_logged - on_query: each DNS query of the walk, in order */
static void
doctor_dmarc_logged(void *arg, const char *name, enum dns_type type,
		    enum dns_status status)
{
	struct doctor_dmarc_walk *w = arg;
	struct doctor_dmarc_query *q;

	if (w->n_queries == DOCTOR_DMARC_QUERIES_MAX)
		return;
	q = &w->queries[w->n_queries++];
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->type = dns_type_str(type);
	q->status = dns_status_str(status);
	q->dmarc_records = -1;
}

/* doctor_dmarc_tags - the names of DMARC_TAG_* bits ("pct=, ri=") into buf */
static void
doctor_dmarc_tags(unsigned bits, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned bit = 1; bit != 0 && bit <= bits; bit <<= 1) {
		if ((bits & bit) == 0 || used >= size)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%s=",
		    used > 0 ? ", " : "", dmarc_record_tag_name(bit));
	}
}

/* doctor_dmarc_source - how the applied record stands to the domain */
static const char *
doctor_dmarc_source(enum dmarc_source s)
{
	switch (s) {
	case DMARC_SOURCE_AUTHOR:
		return "its own record";
	case DMARC_SOURCE_ORG:
		return "its Organizational Domain's record";
	case DMARC_SOURCE_PSD:
		return "its Public Suffix Domain's record";
	default:
		return "no record";
	}
}

/* doctor_dmarc_step - one _dmarc name the walk asked: what it held */
static void
doctor_dmarc_step(struct doctor_dmarc_ctx *c, struct doctor_dmarc_query *q)
{
	const struct dmarc_node *n;
	const char *psd = "";

	/* asked already, so answered from the walk's cache: no new query */
	n = dmarc_dns_policy(&c->dns, q->name + sizeof("_dmarc.") - 1);
	q->dmarc_records = (int)n->ndmarc;
	if (n->state != DMARC_NODE_RECORD) {
		doctor_add(c->d, "dmarc.walk", DOCTOR_OK, q->name, "%s",
		    n->reason);
		return;
	}
	if (n->rec.psd == DMARC_PSD_Y)
		psd = ", psd=y: a Public Suffix Domain, the walk stops";
	else if (n->rec.psd == DMARC_PSD_N)
		psd = ", psd=n: an Organizational Domain, the walk stops";
	if (n == c->disc.node)
		doctor_add(c->d, "dmarc.walk", DOCTOR_OK, q->name,
		    "one DMARC record%s; applies to %s as %s", psd, c->domain,
		    doctor_dmarc_source(c->disc.source));
	else
		doctor_add(c->d, "dmarc.walk", DOCTOR_OK, q->name,
		    "one DMARC record%s", psd);
}

/* doctor_dmarc_steps - the Tree Walk as it was made, one finding a query */
static void
doctor_dmarc_steps(struct doctor_dmarc_ctx *c)
{
	struct doctor_dmarc_walk *w = &c->d->dmarc_walk;

	for (size_t i = 0; i < w->n_queries; i++) {
		struct doctor_dmarc_query *q = &w->queries[i];

		if (strcmp(q->type, "TXT") == 0 &&
		    strncmp(q->name, "_dmarc.", 7) == 0)
			doctor_dmarc_step(c, q);
		else		/* the one existence query (type A) */
			doctor_add(c->d, "dmarc.walk", DOCTOR_OK, q->name,
			    "%s %s: %s", q->type, q->status,
			    c->exists == DMARC_EXISTS_NO ? "the domain does "
			    "not exist, np= applies (RFC 9989 3.2.13)" :
			    "the domain exists, sp= applies, not np=");
	}
}

/* doctor_dmarc_org - the Organizational Domain and the rule that chose it */
static void
doctor_dmarc_org(struct doctor_dmarc_ctx *c)
{
	const struct dmarc_org *o = &c->org;

	if (!c->org_ok) {
		if (!c->disc.tempfail)	/* that one is dmarc.record's */
			doctor_add(c->d, "dmarc.org", DOCTOR_WARN, c->domain,
			    "the Tree Walk failed for now: Organizational "
			    "Domain unknown");
		return;
	}
	switch (o->rule) {
	case DMARC_ORG_PSD_N:
		doctor_add(c->d, "dmarc.org", DOCTOR_OK, o->domain,
		    "Organizational Domain of %s: _dmarc.%s has psd=n "
		    "(RFC 9989 4.10.2)", c->domain, o->domain);
		break;
	case DMARC_ORG_BELOW_PSD:
		doctor_add(c->d, "dmarc.org", DOCTOR_OK, o->domain,
		    "Organizational Domain of %s: one label below _dmarc.%s, "
		    "which has psd=y (RFC 9989 4.10.2)", c->domain,
		    o->psd_node->domain);
		break;
	case DMARC_ORG_FEWEST:
		doctor_add(c->d, "dmarc.org", DOCTOR_OK, o->domain,
		    "Organizational Domain of %s: _dmarc.%s is the record with "
		    "the fewest labels on the walk (RFC 9989 4.10.2)",
		    c->domain, o->domain);
		break;
	default:
		doctor_add(c->d, "dmarc.org", DOCTOR_OK, o->domain,
		    "Organizational Domain of %s: itself, no record on the walk "
		    "(RFC 9989 4.10.2)", c->domain);
		break;
	}
}

/* doctor_dmarc_several - names on the walk whose records were discarded */
static void
doctor_dmarc_several(struct doctor_dmarc_ctx *c)
{
	struct doctor_finding *f;
	char name[300];

	for (size_t i = 0; i < c->dns.count; i++) {
		const struct dmarc_node *n = &c->dns.nodes[i];

		if (n->ndmarc < 2)
			continue;
		snprintf(name, sizeof(name), "_dmarc.%s", n->domain);
		f = doctor_add(c->d, "dmarc.record", DOCTOR_FAIL, name,
		    "%u DMARC records: all discarded, as if there were none "
		    "(RFC 9989 4.10)", n->ndmarc);
		doctor_fix(f, "keep exactly one v=DMARC1 record at %s", name);
	}
}

/* doctor_dmarc_tempfail - the name whose lookup failed, and why */
static void
doctor_dmarc_tempfail(struct doctor_dmarc_ctx *c)
{
	struct doctor_finding *f;
	char name[300];

	for (size_t i = 0; i < c->dns.count; i++) {
		const struct dmarc_node *n = &c->dns.nodes[i];

		if (n->state != DMARC_NODE_TEMPFAIL)
			continue;
		snprintf(name, sizeof(name), "_dmarc.%s", n->domain);
		f = doctor_add(c->d, "dmarc.record", DOCTOR_FAIL, name,
		    "TXT lookup failed: %s", n->reason);
		doctor_fix(f, "make the name servers of %s answer; until then "
		    "receivers defer DMARC (temperror)", n->domain);
		return;
	}
}

/*
 * doctor_dmarc_record - the record that applies, or why none does; the
 * record to judge further (NULL: nothing more to judge), *own_r whether
 * it is the operator's (the domain's or its Organizational Domain's)
 */
static const struct dmarc_node *
doctor_dmarc_record(struct doctor_dmarc_ctx *c, bool *own_r)
{
	const struct dmarc_node *own = dmarc_dns_policy(&c->dns, c->domain);
	const struct dmarc_node *n = c->disc.node;
	struct doctor *d = c->d;
	struct dmarc_policies pol;
	struct doctor_finding *f;
	enum dmarc_usable u;
	char name[300], bad[64];

	*own_r = false;
	doctor_dmarc_several(c);
	if (c->disc.tempfail) {
		doctor_dmarc_tempfail(c);
		return NULL;
	}
	if (n == NULL) {
		if (own->ndmarc > 1)
			return NULL;	/* said by doctor_dmarc_several */
		snprintf(name, sizeof(name), "_dmarc.%s", c->domain);
		f = doctor_add(d, "dmarc.record", DOCTOR_FAIL, name,
		    "no DMARC record (%s), none found by the Tree Walk either",
		    own->reason);
		doctor_fix(f, "publish \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" "
		    "and tighten it later", d->domain);
		return NULL;
	}
	snprintf(name, sizeof(name), "_dmarc.%s", n->domain);
	u = dmarc_record_usable(&n->rec, &pol);
	if (c->disc.source == DMARC_SOURCE_PSD) {
		/* not the operator's record: only its policy is judged */
		if (strcmp(c->domain, c->org.domain) == 0)
			f = doctor_add(d, "dmarc.record", DOCTOR_WARN, name,
			    "%s has no record: only its Public Suffix "
			    "Domain's applies, and its reports go to the PSD's "
			    "operator", c->domain);
		else
			f = doctor_add(d, "dmarc.record", DOCTOR_WARN, name,
			    "neither %s nor its Organizational Domain %s has a "
			    "record: only the Public Suffix Domain's applies, "
			    "and its reports go to the PSD's operator",
			    c->domain, c->org.domain);
		doctor_fix(f, "publish \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" "
		    "at _dmarc.%s and tighten it later", c->org.domain,
		    c->org.domain);
		return u == DMARC_USABLE_OK || u == DMARC_USABLE_RECOVERED ?
		    n : NULL;
	}
	switch (u) {
	case DMARC_USABLE_BROKEN:
		doctor_dmarc_tags(n->rec.invalid & (DMARC_TAG_P | DMARC_TAG_SP |
		    DMARC_TAG_NP), bad, sizeof(bad));
		f = doctor_add(d, "dmarc.record", DOCTOR_FAIL, name,
		    "invalid %s and no valid rua=: receivers apply no DMARC "
		    "to %s (RFC 9989 4.10.1): %s", bad, d->domain, n->text);
		doctor_fix(f, "correct the record (RFC 9989 4.7): p=, sp= and "
		    "np= take none, quarantine or reject: \"v=DMARC1; p=reject; "
		    "rua=mailto:...\"");
		return NULL;
	case DMARC_USABLE_NO_POLICY:
		f = doctor_add(d, "dmarc.record", DOCTOR_FAIL, name,
		    "no p= and no valid rua=: receivers apply no DMARC to %s "
		    "(RFC 9989 4.10.1): %s", d->domain, n->text);
		doctor_fix(f, "add p=none (later quarantine, then reject) and "
		    "rua=mailto:dmarc@%s", n->domain);
		return NULL;
	default:
		break;
	}
	*own_r = true;
	if (c->disc.source == DMARC_SOURCE_AUTHOR)
		doctor_add(d, "dmarc.record", DOCTOR_OK, name, "%s", n->text);
	else
		doctor_add(d, "dmarc.record", DOCTOR_OK, name,
		    "applies to %s as %s: %s", d->domain,
		    doctor_dmarc_source(c->disc.source), n->text);
	return n;
}

/* doctor_dmarc_exists - whether np= or sp= gives the domain its policy */
static void
doctor_dmarc_exists(struct doctor_dmarc_ctx *c)
{
	const struct dmarc_node *n = c->disc.node;
	struct dmarc_policies pol;
	enum dmarc_usable u;

	c->exists = DMARC_EXISTS_YES;
	if (n == NULL || c->disc.source == DMARC_SOURCE_AUTHOR)
		return;		/* p applies, whatever np says */
	u = dmarc_record_usable(&n->rec, &pol);
	if ((u == DMARC_USABLE_OK || u == DMARC_USABLE_RECOVERED) &&
	    pol.np != pol.sp)
		c->exists = dmarc_dns_exists(&c->dns, c->domain);
}

/* doctor_dmarc_policy - the policy the domain gets, and t=y */
static void
doctor_dmarc_policy(struct doctor_dmarc_ctx *c, const struct dmarc_node *n)
{
	struct doctor *d = c->d;
	struct dmarc_policies pol;
	struct doctor_finding *f;
	enum dmarc_request req;
	const char *tag, *value;
	char where[300] = "", bad[64] = "";
	bool recovered;

	recovered = dmarc_record_usable(&n->rec, &pol) ==
	    DMARC_USABLE_RECOVERED;
	if (recovered)
		doctor_dmarc_tags(n->rec.invalid & (DMARC_TAG_P | DMARC_TAG_SP |
		    DMARC_TAG_NP), bad, sizeof(bad));
	if (c->disc.source == DMARC_SOURCE_AUTHOR) {
		tag = "p";
		req = pol.p;
	} else if (c->exists == DMARC_EXISTS_NO) {
		tag = pol.np_set ? "np" : pol.sp_set ? "sp" : "p";
		req = pol.np;
	} else {
		tag = pol.sp_set ? "sp" : "p";
		req = pol.sp;
	}
	if (c->disc.source != DMARC_SOURCE_AUTHOR)
		snprintf(where, sizeof(where), " of _dmarc.%s", n->domain);
	value = dmarc_record_request_name(req);
	if (recovered) {
		/* p, sp, np: a bad one and a good rua= make the record p=none */
		f = doctor_add(d, "dmarc.policy", DOCTOR_WARN, d->domain,
		    "%s%s%s, so with its valid rua= receivers read the record "
		    "as p=none (RFC 9989 4.10.1): monitoring only, spoofed mail "
		    "is delivered", bad[0] != '\0' ? "invalid " : "no p=", bad,
		    where);
		doctor_fix(f, "give p= (and sp=, np=) none, quarantine or "
		    "reject: p=none now, p=quarantine, then p=reject once the "
		    "reports show only your own mail passing");
	} else if (req == DMARC_REQUEST_NONE) {
		f = doctor_add(d, "dmarc.policy", DOCTOR_WARN, d->domain,
		    "%s=none%s: monitoring only, spoofed mail is delivered",
		    tag, where);
		doctor_fix(f, "once the reports show only your own mail "
		    "passing, move to %s=quarantine, then %s=reject", tag, tag);
	} else if (n->rec.testing) {
		f = doctor_add(d, "dmarc.policy", DOCTOR_WARN, d->domain,
		    "%s=%s%s with t=y (testing): receivers %s failing mail "
		    "instead (RFC 9989 4.7)", tag, value, where,
		    req == DMARC_REQUEST_REJECT ? "quarantine" : "deliver");
		doctor_fix(f, "remove t=y once the reports show only your own "
		    "mail failing");
	} else {
		doctor_add(d, "dmarc.policy", DOCTOR_OK, d->domain, "%s=%s%s",
		    tag, value, where);
	}
}

/*
 * doctor_dmarc_np - np= of the Organizational Domain's record, the one a
 * name below it that does not exist gets (RFC 9989 4.7: np, else sp,
 * else p). A domain that enforces should reject mail from such names: no
 * mail comes from them, yet spoofers can make them up by the million.
 */
static void
doctor_dmarc_np(struct doctor_dmarc_ctx *c)
{
	const struct dmarc_node *o = c->org_ok ? c->org.org_node : NULL;
	struct dmarc_policies pol;
	struct doctor_finding *f;
	enum dmarc_usable u;
	char from[64];

	if (o == NULL)
		return;		/* no record of the operator's to put it in */
	u = dmarc_record_usable(&o->rec, &pol);
	if (u != DMARC_USABLE_OK && u != DMARC_USABLE_RECOVERED)
		return;		/* broken: fixing that comes first */
	if (pol.np_set)
		snprintf(from, sizeof(from), "np=%s",
		    dmarc_record_request_name(pol.np));
	else
		snprintf(from, sizeof(from), "no np=, so %s=%s", pol.sp_set ?
		    "sp" : "p", dmarc_record_request_name(pol.np));
	if (pol.np == DMARC_REQUEST_REJECT || pol.p == DMARC_REQUEST_NONE) {
		/* at p=none an unseen sender may still lack DNS records */
		doctor_add(c->d, "dmarc.np", DOCTOR_OK, o->domain,
		    "names below %s that do not exist get %s (%s)", o->domain,
		    dmarc_record_request_name(pol.np), from);
		return;
	}
	f = doctor_add(c->d, "dmarc.np", DOCTOR_WARN, o->domain,
	    "names below %s that do not exist (NXDOMAIN) get only %s (%s): "
	    "mail from a made-up name such as x.%s is %s", o->domain,
	    dmarc_record_request_name(pol.np), from, o->domain,
	    pol.np == DMARC_REQUEST_QUARANTINE ? "quarantined, not rejected" :
	    "delivered");
	doctor_fix(f, "add np=reject to _dmarc.%s (RFC 9989 4.7): no mail "
	    "comes from a name that does not exist, unless you send from "
	    "names with no DNS records at all", o->domain);
}

/* doctor_dmarc_removed - pct, rf, ri: RFC 7489's, gone from RFC 9989 */
static void
doctor_dmarc_removed(struct doctor_dmarc_ctx *c, const struct dmarc_node *n)
{
	unsigned bits = n->rec.seen & DMARC_TAGS_REMOVED;
	struct doctor_finding *f;
	char name[300], tags[64];

	snprintf(name, sizeof(name), "_dmarc.%s", n->domain);
	if (bits == 0) {
		doctor_add(c->d, "dmarc.removed", DOCTOR_OK, name,
		    "no pct=, rf= or ri= (removed by RFC 9989)");
		return;
	}
	doctor_dmarc_tags(bits, tags, sizeof(tags));
	f = doctor_add(c->d, "dmarc.removed", DOCTOR_WARN, name,
	    "%s: removed by RFC 9989 (A.6), receivers that follow it "
	    "ignore %s", tags, (bits & (bits - 1)) != 0 ? "them" : "it");
	if (bits & DMARC_TAG_PCT)
		doctor_fix(f, "delete %s; RFC 9989 receivers apply the policy "
		    "to all failing mail whatever pct= says, so where pct=0 "
		    "meant testing, publish t=y instead", tags);
	else
		doctor_fix(f, "delete %s", tags);
}

/* doctor_dmarc_ignored - tags RFC 9989's parsing ignores (4.7, 4.8) */
static void
doctor_dmarc_ignored(struct doctor_dmarc_ctx *c, const struct dmarc_node *n)
{
	const struct dmarc_record *rec = &n->rec;
	unsigned invalid = rec->invalid & ~DMARC_TAG_RUA;	/* dmarc.rua's */
	struct doctor_finding *f;
	char name[300], detail[400], fix[400], tags[128];
	size_t dl = 0, fl = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", n->domain);
	if (invalid == 0 && rec->duplicate == 0 && rec->unknown == 0 &&
	    rec->malformed == 0) {
		doctor_add(c->d, "dmarc.tags", DOCTOR_OK, name,
		    "every tag valid");
		return;
	}
	detail[0] = fix[0] = '\0';
	if (invalid != 0) {
		doctor_dmarc_tags(invalid, tags, sizeof(tags));
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl,
		    "invalid, so ignored and the default used: %s", tags);
		for (size_t i = 0; i < sizeof(doctor_dmarc_rules) /
		    sizeof(doctor_dmarc_rules[0]) && fl < sizeof(fix); i++)
			if (invalid & doctor_dmarc_rules[i].bit)
				fl += (size_t)snprintf(fix + fl, sizeof(fix) - fl,
				    "%s%s= takes %s", fl > 0 ? "; " : "",
				    dmarc_record_tag_name(doctor_dmarc_rules[i].bit),
				    doctor_dmarc_rules[i].rule);
	}
	if (rec->duplicate != 0 && dl < sizeof(detail)) {
		doctor_dmarc_tags(rec->duplicate, tags, sizeof(tags));
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl,
		    "%srepeated, the later ignored: %s", dl > 0 ? "; " : "",
		    tags);
		if (fl < sizeof(fix))
			fl += (size_t)snprintf(fix + fl, sizeof(fix) - fl,
			    "%sdrop the repeats", fl > 0 ? "; " : "");
	}
	if (rec->unknown != 0 && dl < sizeof(detail)) {
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl,
		    "%s%u unknown tag%s ignored", dl > 0 ? "; " : "",
		    rec->unknown, rec->unknown == 1 ? "" : "s");
		if (fl < sizeof(fix))
			fl += (size_t)snprintf(fix + fl, sizeof(fix) - fl,
			    "%scheck the spelling: the tags are v p sp np psd t "
			    "adkim aspf rua ruf fo", fl > 0 ? "; " : "");
	}
	if (rec->malformed != 0 && dl < sizeof(detail)) {
		snprintf(detail + dl, sizeof(detail) - dl,
		    "%s%u part%s no tag=value, ignored", dl > 0 ? "; " : "",
		    rec->malformed, rec->malformed == 1 ? " is" : "s are");
		if (fl < sizeof(fix))
			snprintf(fix + fl, sizeof(fix) - fl, "%swrite each "
			    "tag as name=value, separated by ';'",
			    fl > 0 ? "; " : "");
	}
	f = doctor_add(c->d, "dmarc.tags", DOCTOR_WARN, name,
	    "%s (RFC 9989 4.7)", detail);
	doctor_fix(f, "%s", fix);
}

/*
 * doctor_dmarc_uri_next - the next URI of the dmarc-urilist list/len
 * from *pos on, trimmed, into buf (empty entries skipped); false when
 * the list is done. Splitting at commas only: validity is the parser's.
 */
static bool
doctor_dmarc_uri_next(const char *list, size_t len, size_t *pos, char *buf,
		      size_t size)
{
	while (list != NULL && *pos <= len) {
		const char *b = list + *pos, *e;
		const char *comma = memchr(b, ',', len - *pos);

		e = comma != NULL ? comma : list + len;
		*pos = (size_t)(e - list) + 1;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b) {
			snprintf(buf, size, "%.*s", (int)(e - b), b);
			return true;
		}
	}
	return false;
}

/* doctor_dmarc_internal - target is the domain, a parent or a child of it */
static bool
doctor_dmarc_internal(const char *domain, const char *target)
{
	size_t ld = strlen(domain), lt = strlen(target);

	if (dns_name_equal(domain, target))
		return true;
	if (lt > ld && target[lt - ld - 1] == '.' &&
	    strcasecmp(target + lt - ld, domain) == 0)
		return true;
	return ld > lt && domain[ld - lt - 1] == '.' &&
	    strcasecmp(domain + ld - lt, target) == 0;
}

/* doctor_dmarc_target - the domain of a mailto: URI into buf; false if none */
static bool
doctor_dmarc_target(const char *uri, char *buf, size_t len)
{
	const char *at;
	size_t n;

	if (strncasecmp(uri, "mailto:", 7) != 0 ||
	    (at = strrchr(uri, '@')) == NULL)
		return false;
	n = strcspn(at + 1, "!?> ");
	if (n == 0 || n >= len)
		return false;
	snprintf(buf, len, "%.*s", (int)n, at + 1);
	return true;
}

/*
 * doctor_dmarc_consent - a report address outside the policy domain
 * agrees to take its reports (RFC 9990: <policy-domain>._report._dmarc.
 * <target> holds a v=DMARC1 record), or the reports are never sent
 */
static void
doctor_dmarc_consent(struct doctor *d, const char *policy_domain,
		     const char *tag, const char *uri)
{
	char target[256], name[600];
	struct doctor_finding *f;
	const char *why;
	char *text;
	bool agrees;
	int n;

	if (!doctor_dmarc_target(uri, target, sizeof(target)) ||
	    doctor_dmarc_internal(policy_domain, target))
		return;
	snprintf(name, sizeof(name), "%s._report._dmarc.%s", policy_domain,
	    target);
	n = doctor_dns_txt(name, "v=DMARC1", &text, &why);
	agrees = n > 0 && dmarc_record_is_dmarc(text, strlen(text));
	free(text);
	if (agrees) {
		doctor_add(d, "dmarc.report-auth", DOCTOR_OK, target,
		    "%s accepts %s reports for %s", target, tag, policy_domain);
		return;
	}
	f = doctor_add(d, "dmarc.report-auth", DOCTOR_FAIL, target,
	    "%s=%s, but %s has no v=DMARC1 at %s (%s): reports are dropped",
	    tag, uri, target, name, n < 0 ? why : "absent");
	doctor_fix(f, "have %s publish \"%s TXT v=DMARC1\"", target, name);
}

/* doctor_dmarc_reports - rua present and valid, and accepted where sent */
static void
doctor_dmarc_reports(struct doctor_dmarc_ctx *c, const struct dmarc_node *n)
{
	const struct dmarc_record *rec = &n->rec;
	struct doctor *d = c->d;
	struct doctor_finding *f;
	char uri[DOCTOR_DMARC_URI_MAX], first[DOCTOR_DMARC_URI_MAX] = "";
	size_t pos;

	if ((rec->seen & DMARC_TAG_RUA) == 0) {
		f = doctor_add(d, "dmarc.rua", DOCTOR_WARN, d->domain,
		    "no rua=: nobody sees the aggregate reports");
		doctor_fix(f, "add rua=mailto:dmarc-reports@%s", n->domain);
	}
	for (pos = 0; doctor_dmarc_uri_next(rec->rua, rec->rua_len, &pos, uri,
	    sizeof(uri));) {
		if (!dmarc_record_uri_valid(uri, strlen(uri))) {
			f = doctor_add(d, "dmarc.rua", DOCTOR_WARN, d->domain,
			    "\"%s\" in rua= is no valid URI: ignored "
			    "(RFC 9989 4.8)", uri);
			doctor_fix(f, "write it as mailto:dmarc-reports@%s",
			    n->domain);
		} else if (first[0] == '\0') {
			snprintf(first, sizeof(first), "%s", uri);
		}
	}
	if (first[0] != '\0')
		doctor_add(d, "dmarc.rua", DOCTOR_OK, d->domain, "rua=%s%s",
		    first, rec->rua_valid > 1 ? ", ..." : "");
	for (pos = 0; doctor_dmarc_uri_next(rec->rua, rec->rua_len, &pos, uri,
	    sizeof(uri));)
		if (dmarc_record_uri_valid(uri, strlen(uri)))
			doctor_dmarc_consent(d, n->domain, "rua", uri);
	for (pos = 0; doctor_dmarc_uri_next(rec->ruf, rec->ruf_len, &pos, uri,
	    sizeof(uri));)
		if (dmarc_record_uri_valid(uri, strlen(uri)))
			doctor_dmarc_consent(d, n->domain, "ruf", uri);
}

/* doctor_dmarc_summary - the walk's outcome, for the JSON report */
static void
doctor_dmarc_summary(struct doctor_dmarc_ctx *c)
{
	struct doctor_dmarc_walk *w = &c->d->dmarc_walk;

	w->source = dmarc_walk_source_name(c->disc.source);
	if (c->disc.node != NULL)
		snprintf(w->policy_domain, sizeof(w->policy_domain), "%s",
		    c->disc.node->domain);
	w->org_rule = "";
	if (c->org_ok) {
		snprintf(w->org_domain, sizeof(w->org_domain), "%s",
		    c->org.domain);
		w->org_rule = dmarc_walk_rule_name(c->org.rule);
	}
}

/* doctor_dmarc_check - see doctor.h */
void
doctor_dmarc_check(struct doctor *d)
{
	struct doctor_dmarc_ctx *c = xcalloc(1, sizeof(*c));
	const struct dmarc_node *n;
	struct doctor_finding *f;
	const char *why;
	bool own;

	c->d = d;
	if (dmarc_walk_normalize(d->domain, c->domain, &why) < 0) {
		f = doctor_add(d, "dmarc.record", DOCTOR_FAIL, d->domain,
		    "no domain DMARC can look up: %s", why);
		doctor_fix(f, "give the domain as an A-label (xn--...)");
		free(c);
		return;
	}
	dmarc_dns_init(&c->dns, doctor_dmarc_logged, &d->dmarc_walk);
	d->dmarc_walk.done = true;
	snprintf(d->dmarc_walk.domain, sizeof(d->dmarc_walk.domain), "%s",
	    c->domain);
	dmarc_walk_discover(&c->dns, c->domain, &c->disc);
	if (!c->disc.tempfail) {
		/* with a record of its own, no walk was needed: make one */
		if (c->disc.org_known)
			c->org = c->disc.org;
		else
			dmarc_walk_org(&c->dns, c->domain, &c->org);
		c->org_ok = !c->org.tempfail;
	}
	doctor_dmarc_exists(c);		/* before the steps: it is one */
	doctor_dmarc_summary(c);
	doctor_dmarc_steps(c);
	doctor_dmarc_org(c);
	if ((n = doctor_dmarc_record(c, &own)) != NULL) {
		doctor_dmarc_policy(c, n);
		if (own) {
			doctor_dmarc_np(c);
			doctor_dmarc_removed(c, n);
			doctor_dmarc_ignored(c, n);
			doctor_dmarc_reports(c, n);
		}
	}
	dmarc_dns_clear(&c->dns);
	free(c);
}
