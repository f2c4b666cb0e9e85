/*
 * doctor_dane.c - DANE for SMTP (RFC 6698, 7671, 7672) at every MX host,
 * the backups included: the TLSA RRset at _25._tcp.HOST must be DNSSEC
 * secure to count, its records usable for SMTP (DANE-TA, DANE-EE), and
 * the certificate each address presents after STARTTLS must match one.
 * TLSA rdata is untrusted input: lengths are checked before use.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "doctor.h"
#include "doctor_dane.h"

#define DOCTOR_DANE_PORT	25
#define DOCTOR_DANE_ADDRS_MAX	4	/* addresses probed per host */

/* doctor_dane_usage_name - RFC 7218's acronym of a certificate usage */
static const char *
doctor_dane_usage_name(uint8_t usage)
{
	static const char *const names[] = { "PKIX-TA", "PKIX-EE", "DANE-TA",
	    "DANE-EE" };

	return usage < 4 ? names[usage] : "unassigned";
}

/*
 * doctor_dane_parse - record rec's rdata into *t (pointing into it); a
 * static reason when it is malformed, else NULL (usable or not)
 */
static const char *
doctor_dane_parse(const struct dns_record *rec, struct doctor_tlsa *t)
{
	char hex[2 * 12 + 1];
	size_t show, k;

	memset(t, 0, sizeof(*t));
	if (rec->rdata == NULL || rec->rdlen < 4)
		return "shorter than usage, selector, type and data";
	t->usage = rec->rdata[0];
	t->selector = rec->rdata[1];
	t->mtype = rec->rdata[2];
	t->data = rec->rdata + 3;
	t->len = rec->rdlen - 3;
	show = t->len < 12 ? t->len : 12;
	for (k = 0; k < show; k++)
		snprintf(hex + 2 * k, 3, "%02x", t->data[k]);
	hex[2 * show] = '\0';
	snprintf(t->text, sizeof(t->text), "%u %u %u %s%s", t->usage,
	    t->selector, t->mtype, hex, t->len > show ? "..." : "");
	if ((t->mtype == 1 && t->len != 32) || (t->mtype == 2 && t->len != 64))
		return "digest length does not fit its matching type";
	if (t->mtype == 0 && t->len > DOCTOR_TLSA_DATA_MAX)
		return "full data longer than any certificate expected";
	t->usable = (t->usage == 2 || t->usage == 3) && t->selector <= 1 &&
	    t->mtype <= 2;
	return NULL;
}

/*
 * doctor_dane_records - the TLSA records of ans into tlsa (at most max),
 * each unusable or malformed one a finding; how many usable
 */
static size_t
doctor_dane_records(struct doctor *d, const char *name,
		    const struct dns_answer *ans, struct doctor_tlsa *tlsa,
		    size_t max, size_t *n_r)
{
	struct doctor_finding *f;
	const char *bad;
	size_t i, usable = 0;

	*n_r = 0;
	for (i = 0; i < ans->count; i++) {
		struct doctor_tlsa *t = &tlsa[*n_r];

		if (*n_r == max) {
			doctor_add(d, "dane.tlsa", DOCTOR_WARN, name,
			    "%zu TLSA records: only the first %zu looked at",
			    ans->count, max);
			break;
		}
		if ((bad = doctor_dane_parse(&ans->records[i], t)) != NULL) {
			f = doctor_add(d, "dane.record", DOCTOR_WARN, name,
			    "TLSA %s: malformed: %s; senders ignore it",
			    t->text[0] != '\0' ? t->text : "?", bad);
			doctor_fix(f, "publish the record again from the "
			    "certificate (e.g. 3 1 1 and the SPKI's SHA-256)");
			continue;
		}
		(*n_r)++;
		if (t->usable) {
			usable++;
			continue;
		}
		if (t->usage <= 1) {
			f = doctor_add(d, "dane.usage", DOCTOR_WARN, name,
			    "TLSA %s: usage %u (%s) is not recommended for "
			    "SMTP (RFC 7672 3.1.3): DANE senders treat it as "
			    "unusable", t->text, t->usage,
			    doctor_dane_usage_name(t->usage));
			doctor_fix(f, "publish usage 3 (DANE-EE) or 2 "
			    "(DANE-TA) records instead");
		} else {
			f = doctor_add(d, "dane.usage", DOCTOR_WARN, name,
			    "TLSA %s: unknown usage, selector or matching type: "
			    "unusable", t->text);
			doctor_fix(f, "use usage 2/3, selector 0/1, matching "
			    "type 0/1/2");
		}
	}
	return usable;
}

/* doctor_dane_probe - each address of host, its chain against tlsa */
static void
doctor_dane_probe(struct doctor *d, const char *host, const char *name,
		  const struct doctor_tlsa *tlsa, size_t n)
{
	struct tmx_addr addrs[DOCTOR_DANE_ADDRS_MAX];
	struct doctor_starttls r;
	struct doctor_finding *f;
	char subject[300], text[TMX_ADDR_STRLEN], me[256] = "localhost";
	char records[200] = "";
	const char *helo = d->helo;
	size_t k, len = 0;
	int count, i;

	/* the records the certificate is matched against, for the report */
	for (k = 0; k < n && len < sizeof(records); k++)
		if (tlsa[k].usable)
			len += (size_t)snprintf(records + len,
			    sizeof(records) - len, "%s%s", len > 0 ? ", " : "",
			    tlsa[k].text);

	if (helo == NULL) {
		if (gethostname(me, sizeof(me) - 1) < 0 || me[0] == '\0')
			snprintf(me, sizeof(me), "localhost");
		me[sizeof(me) - 1] = '\0';
		helo = me;
	}
	count = doctor_dns_addrs(host, addrs, DOCTOR_DANE_ADDRS_MAX);
	if (count <= 0) {
		f = doctor_add(d, "dane.match", DOCTOR_FAIL, host,
		    "TLSA published, but no address to connect to (%s)",
		    count < 0 ? "lookup failed" : "no A or AAAA");
		doctor_fix(f, "give %s an address record", host);
		return;
	}
	for (i = 0; i < count; i++) {
		tmx_addr_format(&addrs[i], text, sizeof(text));
		snprintf(subject, sizeof(subject), "%s [%s]", host, text);
		doctor_starttls_probe(&addrs[i], DOCTOR_DANE_PORT, host, helo,
		    tlsa, n, &r);
		switch (r.result) {
		case DOCTOR_STARTTLS_MATCH:
			doctor_add(d, "dane.match", DOCTOR_OK, subject,
			    "matches TLSA %s (%s, chain depth %d); "
			    "certificate SPKI SHA-256 %s", tlsa[r.matched].text,
			    doctor_dane_usage_name(tlsa[r.matched].usage),
			    r.depth, r.spki_sha256);
			break;
		case DOCTOR_STARTTLS_NOMATCH:
			f = doctor_add(d, "dane.match", DOCTOR_FAIL, subject,
			    "matches no TLSA record at %s (%s; records: %s): "
			    "DANE senders will not deliver; certificate %s, "
			    "SPKI SHA-256 %s", name, r.why, records, r.subject,
			    r.spki_sha256);
			doctor_fix(f, "publish \"%s. IN TLSA 3 1 1 %s\" (keep "
			    "the old record until senders' caches expire), or "
			    "install the certificate the records name", name,
			    r.spki_sha256);
			break;
		case DOCTOR_STARTTLS_NONE:
			f = doctor_add(d, "dane.starttls", DOCTOR_FAIL, subject,
			    "no STARTTLS offered, but TLSA is published: DANE "
			    "senders will not deliver");
			doctor_fix(f, "enable STARTTLS on %s (Postfix: "
			    "smtpd_tls_security_level = may and a certificate)",
			    host);
			break;
		case DOCTOR_STARTTLS_TLS:
			f = doctor_add(d, "dane.starttls", DOCTOR_FAIL, subject,
			    "STARTTLS failed (%s): DANE senders will not "
			    "deliver", r.why);
			doctor_fix(f, "check the TLS settings and certificate "
			    "of %s", host);
			break;
		case DOCTOR_STARTTLS_CONNECT:
			f = doctor_add(d, "dane.starttls", DOCTOR_WARN, subject,
			    "port %d: %s: DANE not verified", DOCTOR_DANE_PORT,
			    r.why);
			doctor_fix(f, "run the doctor where port 25 of %s is "
			    "reachable, or check that the MX accepts "
			    "connections", host);
			break;
		}
	}
}

/*
 * doctor_dane_host - TLSA of one MX host, and its servers against it;
 * true when it has secure, usable TLSA records
 */
static bool
doctor_dane_host(struct doctor *d, const char *host)
{
	struct doctor_tlsa tlsa[DOCTOR_TLSA_MAX];
	struct doctor_finding *f;
	struct dns_answer ans;
	char name[300];
	size_t n, usable;

	snprintf(name, sizeof(name), "_25._tcp.%s", host);
	dns_lookup(name, DNS_TYPE_TLSA, &ans);
	if (ans.security == DNS_BOGUS) {
		f = doctor_add(d, "dane.tlsa", DOCTOR_FAIL, name,
		    "TLSA lookup bogus (%s): DANE senders defer mail to %s",
		    ans.reason != NULL ? ans.reason : "validation failed", host);
		doctor_fix(f, "re-sign the zone of %s and check its DS", host);
		goto done;
	}
	if (ans.status == DNS_NXDOMAIN || ans.status == DNS_NODATA) {
		doctor_add(d, "dane.tlsa", DOCTOR_OK, name, "no TLSA (%s): "
		    "senders use opportunistic TLS", d->dnssec_validating ?
		    dns_security_str(ans.security) : "DNSSEC not checked");
		goto done;
	}
	if (ans.status != DNS_OK) {
		f = doctor_add(d, "dane.tlsa", DOCTOR_WARN, name,
		    "TLSA lookup failed (%s)", ans.reason != NULL ? ans.reason :
		    dns_status_str(ans.status));
		doctor_fix(f, "check that the name servers of %s answer TLSA "
		    "queries", host);
		goto done;
	}
	if (!d->dnssec_validating) {
		f = doctor_add(d, "dane.tlsa", DOCTOR_WARN, name,
		    "%zu TLSA record%s, DNSSEC not checked (no usable trust "
		    "anchor): not verified", ans.count, ans.count == 1 ? "" :
		    "s");
		doctor_fix(f, "run the doctor with a trust anchor and name "
		    "servers that pass DNSSEC records");
		goto done;
	}
	if (ans.security != DNS_SECURE) {
		f = doctor_add(d, "dane.tlsa", DOCTOR_WARN, name,
		    "%zu TLSA record%s in an unsigned zone: senders ignore "
		    "them", ans.count, ans.count == 1 ? "" : "s");
		doctor_fix(f, "sign the zone of %s (and publish its DS at the "
		    "parent), or remove the TLSA records", host);
		goto done;
	}
	usable = doctor_dane_records(d, name, &ans, tlsa, DOCTOR_TLSA_MAX, &n);
	if (usable == 0) {
		f = doctor_add(d, "dane.tlsa", DOCTOR_WARN, name,
		    "secure TLSA, none usable: senders require TLS but "
		    "authenticate nothing");
		doctor_fix(f, "publish a usage 3 (DANE-EE) record, e.g. "
		    "\"3 1 1\" and the SHA-256 of the server's SPKI");
		goto done;
	}
	doctor_add(d, "dane.tlsa", DOCTOR_OK, name, "%zu usable TLSA "
	    "record%s, DNSSEC secure", usable, usable == 1 ? "" : "s");
	doctor_dane_probe(d, host, name, tlsa, n);
	dns_answer_free(&ans);
	return true;
done:
	dns_answer_free(&ans);
	return false;
}

/* doctor_dane_check - see doctor.h */
void
doctor_dane_check(struct doctor *d)
{
	struct doctor_finding *f;
	bool dane = false;
	size_t i, j;

	for (i = 0; i < d->n_mx; i++)
		dane |= doctor_dane_host(d, d->mx[i].host);
	/* a backup the MX set lacks still gets mail from its own primary */
	for (j = 0; j < d->n_backup; j++) {
		bool listed = false;

		for (i = 0; i < d->n_mx; i++)
			if (dns_name_equal(d->mx[i].host, d->backup_mx[j]))
				listed = true;
		if (!listed && dns_name_valid(d->backup_mx[j]))
			(void)doctor_dane_host(d, d->backup_mx[j]);
	}
	if (dane && d->dnssec_mx != DNS_SECURE) {
		/* RFC 7672 2.2.1: DANE starts from a secure MX RRset */
		f = doctor_add(d, "dane.mx", DOCTOR_WARN, d->domain,
		    "TLSA published, but the MX RRset is not DNSSEC secure: "
		    "senders do not use DANE for this domain");
		doctor_fix(f, "sign %s's zone and publish its DS at the parent",
		    d->domain);
	}
}
