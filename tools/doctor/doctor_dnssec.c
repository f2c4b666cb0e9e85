/*
 * doctor_dnssec.c - does the domain's DNS validate? With a trust anchor
 * (--trust-anchor, else Debian's root.key) the resolver is restarted as a
 * validating one, the anchor's own DNSKEY must validate first (name
 * servers that strip DNSSEC would make every answer bogus), then MX, SPF
 * and DMARC are each secure, insecure (unsigned) or bogus. The resolver
 * stays validating for the DANE check after this one.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dns.h"
#include "doctor.h"

#define DOCTOR_DNSSEC_DEFAULT_ANCHOR	"/usr/share/dns/root.key"
#define DOCTOR_DNSSEC_ANCHORS_MAX	16
#define DOCTOR_DNSSEC_TYPE_DS		43
#define DOCTOR_DNSSEC_TYPE_DNSKEY	48

/* doctor_dnssec_covers - anchor is domain or one of its parent zones */
static bool
doctor_dnssec_covers(const char *anchor, const char *domain)
{
	size_t la = strlen(anchor), ld = strlen(domain);

	if (la == 0)
		return true;	/* the root */
	if (la > ld)
		return false;
	if (la < ld && domain[ld - la - 1] != '.')
		return false;
	return dns_name_equal(anchor, domain + (ld - la));
}

/*
 * doctor_dnssec_anchor_line - the owner of an anchor line into owner:
 * "OWNER [TTL] [CLASS] DS|DNSKEY ...", the type within its first words
 */
static bool
doctor_dnssec_anchor_line(char *line, char *owner, size_t len)
{
	char *word, *save = NULL;
	int i;

	if ((word = strtok_r(line, " \t\r\n", &save)) == NULL ||
	    strlen(word) >= len)
		return false;
	snprintf(owner, len, "%s", word);
	for (i = 0; i < 3; i++) {
		if ((word = strtok_r(NULL, " \t\r\n", &save)) == NULL)
			return false;
		if (strcasecmp(word, "DS") == 0 ||
		    strcasecmp(word, "DNSKEY") == 0)
			return true;
	}
	return false;
}

/*
 * doctor_dnssec_anchor_zone - the closest zone of the anchor file that
 * covers domain ("" for the root) into zone_r; false when none does. The
 * file holds DS or DNSKEY records, one a line, as unbound reads them.
 */
static bool
doctor_dnssec_anchor_zone(const char *path, const char *domain,
			  char *zone_r, size_t len)
{
	char line[4096], owner[256];
	size_t best = 0, n = 0, k;
	bool found = false;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL)
		return false;
	while (n < DOCTOR_DNSSEC_ANCHORS_MAX * 8 &&
	    fgets(line, sizeof(line), fp) != NULL) {
		n++;
		if (line[0] == ';' || line[0] == '$' ||
		    isspace((unsigned char)line[0]))
			continue;
		if (!doctor_dnssec_anchor_line(line, owner, sizeof(owner)))
			continue;
		k = strlen(owner);
		if (k > 0 && owner[k - 1] == '.')
			owner[--k] = '\0';
		if (!doctor_dnssec_covers(owner, domain))
			continue;
		if (!found || k > best) {
			snprintf(zone_r, len, "%s", owner);
			best = k;
			found = true;
		}
	}
	fclose(fp);
	return found;
}

/* doctor_dnssec_plain - back to a resolver that does not validate */
static void
doctor_dnssec_plain(void)
{
	const char *why;

	(void)dns_init(NULL, &why);
}

/*
 * doctor_dnssec_probe - an answer only the anchor's key can vouch for:
 * the zone's DNSKEY, or for the root (a name dns/ does not ask) the DS of
 * domain's top-level label, which the root zone answers or denies
 */
static void
doctor_dnssec_probe(const char *zone, const char *domain,
		    struct dns_answer *ans_r)
{
	const char *tld;

	if (zone[0] != '\0') {
		dns_lookup(zone, (enum dns_type)DOCTOR_DNSSEC_TYPE_DNSKEY,
		    ans_r);
		return;
	}
	tld = strrchr(domain, '.');
	dns_lookup(tld != NULL ? tld + 1 : domain,
	    (enum dns_type)DOCTOR_DNSSEC_TYPE_DS, ans_r);
}

/*
 * doctor_dnssec_anchor - a validating resolver whose anchor covers the
 * domain and validates; false (and a finding, and the plain resolver)
 * otherwise
 */
static bool
doctor_dnssec_anchor(struct doctor *d)
{
	const char *path = d->trust_anchor, *why;
	/* an anchor the operator named must work; the default may not */
	enum doctor_verdict v = path != NULL ? DOCTOR_WARN : DOCTOR_OK;
	struct doctor_finding *f;
	struct dns_config cfg;
	struct dns_answer ans;
	char zone[256];
	bool ok;

	if (path == NULL && access(DOCTOR_DNSSEC_DEFAULT_ANCHOR, R_OK) == 0)
		path = DOCTOR_DNSSEC_DEFAULT_ANCHOR;
	if (path == NULL || path[0] == '\0') {
		doctor_add(d, "dnssec.anchor", DOCTOR_OK, d->domain,
		    "no trust anchor: DNSSEC not checked (insecure)");
		return false;
	}
	if (!doctor_dnssec_anchor_zone(path, d->domain, zone, sizeof(zone))) {
		f = doctor_add(d, "dnssec.anchor", v, path,
		    "no DS or DNSKEY in it covers %s: insecure, DNSSEC not "
		    "checked", d->domain);
		doctor_fix(f, "name an anchor file with the root's (or the "
		    "zone's) DS or DNSKEY");
		return false;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.trust_anchor_file = path;
	if (dns_init(&cfg, &why) < 0) {
		f = doctor_add(d, "dnssec.anchor", v, path, "%s", why);
		doctor_fix(f, "name a readable anchor file of DS or DNSKEY "
		    "records");
		doctor_dnssec_plain();
		return false;
	}
	doctor_dnssec_probe(zone, d->domain, &ans);
	/* a secure denial (the root's DS of an unknown TLD) proves it too */
	ok = ans.security == DNS_SECURE;
	if (!ok) {
		f = doctor_add(d, "dnssec.anchor", v, zone[0] == '\0' ? "." :
		    zone, "no answer under the anchor validated (%s, %s): "
		    "DNSSEC not checked", dns_status_str(ans.status),
		    ans.reason != NULL ? ans.reason :
		    dns_security_str(ans.security));
		doctor_fix(f, "use name servers that pass DNSSEC records "
		    "(resolv.conf), or the right --trust-anchor");
		doctor_dnssec_plain();
	} else {
		doctor_add(d, "dnssec.anchor", DOCTOR_OK, zone[0] == '\0' ?
		    "." : zone, "validates (from %s)", path);
	}
	dns_answer_free(&ans);
	return ok;
}

/* doctor_dnssec_status - one RRset's DNSSEC verdict; its security */
static enum dns_security
doctor_dnssec_status(struct doctor *d, const char *name, enum dns_type type,
		     const char *what)
{
	struct doctor_finding *f;
	struct dns_answer ans;
	enum dns_security sec;
	char subject[300];

	snprintf(subject, sizeof(subject), "%s %s", name, dns_type_str(type));
	dns_lookup(name, type, &ans);
	sec = ans.security;
	if (sec == DNS_BOGUS) {
		f = doctor_add(d, "dnssec.status", DOCTOR_FAIL, subject,
		    "%s: bogus (%s): validating resolvers answer SERVFAIL, "
		    "senders defer mail", what, ans.reason != NULL ?
		    ans.reason : "validation failed");
		doctor_fix(f, "re-sign the zone (RRSIG expired or records "
		    "changed after signing?) and check the DS at the parent");
	} else if (ans.status == DNS_TEMPFAIL) {
		f = doctor_add(d, "dnssec.status", DOCTOR_WARN, subject,
		    "%s: lookup failed (%s)", what, ans.reason != NULL ?
		    ans.reason : "temporary failure");
		doctor_fix(f, "check that the domain's name servers answer");
	} else if (sec == DNS_SECURE) {
		doctor_add(d, "dnssec.status", DOCTOR_OK, subject,
		    "%s: secure (%s)", what, dns_status_str(ans.status));
	} else {
		doctor_add(d, "dnssec.status", DOCTOR_OK, subject,
		    "%s: insecure (unsigned zone) (%s)", what,
		    dns_status_str(ans.status));
	}
	dns_answer_free(&ans);
	return sec;
}

/* doctor_dnssec_check - see doctor.h */
void
doctor_dnssec_check(struct doctor *d)
{
	char dmarc[300];

	d->dnssec_validating = false;
	d->dnssec_mx = DNS_INSECURE;
	if (!doctor_dnssec_anchor(d))
		return;
	d->dnssec_validating = true;
	d->dnssec_mx = doctor_dnssec_status(d, d->domain, DNS_TYPE_MX, "MX");
	doctor_dnssec_status(d, d->domain, DNS_TYPE_TXT, "SPF");
	snprintf(dmarc, sizeof(dmarc), "_dmarc.%s", d->domain);
	doctor_dnssec_status(d, dmarc, DNS_TYPE_TXT, "DMARC");
}
