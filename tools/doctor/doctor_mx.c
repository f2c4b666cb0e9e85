/*
 * doctor_mx.c - the MX set: present, every host resolvable, every backup
 * MX the operator named listed, and the backups less preferred (a higher
 * number) than the primary, so they only see mail when it is down.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "doctor.h"
#include "xalloc.h"

/* doctor_mx_cmp - by preference, then by name, for a stable report */
static int
doctor_mx_cmp(const void *a, const void *b)
{
	const struct doctor_mx *x = a, *y = b;

	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcmp(x->host, y->host);
}

/* doctor_mx_store - the answer's records into d->mx, lower case, sorted */
static void
doctor_mx_store(struct doctor *d, const struct dns_answer *ans)
{
	size_t i, k, j;

	d->mx = xcalloc(ans->count, sizeof(*d->mx));
	for (i = 0; i < ans->count; i++) {
		struct doctor_mx *m = &d->mx[i];

		snprintf(m->host, sizeof(m->host), "%s", ans->records[i].text);
		for (k = 0; m->host[k] != '\0'; k++)
			m->host[k] = (char)tolower((unsigned char)m->host[k]);
		if (k > 0 && m->host[k - 1] == '.')
			m->host[k - 1] = '\0';
		m->preference = ans->records[i].preference;
		for (j = 0; j < d->n_backup; j++)
			if (dns_name_equal(m->host, d->backup_mx[j]))
				m->backup = true;
	}
	d->n_mx = ans->count;
	qsort(d->mx, d->n_mx, sizeof(*d->mx), doctor_mx_cmp);
}

/* doctor_mx_present - the MX lookup itself; false when there is no MX set */
static bool
doctor_mx_present(struct doctor *d)
{
	struct doctor_finding *f;
	struct dns_answer ans;
	char list[400] = "";
	size_t i, len = 0;

	switch (dns_lookup(d->domain, DNS_TYPE_MX, &ans)) {
	case DNS_OK:
		break;
	case DNS_NODATA:
		f = doctor_add(d, "mx.present", DOCTOR_FAIL, d->domain,
		    "no MX records; senders fall back to the address record");
		doctor_fix(f, "publish \"%s. MX 10 mail.%s.\" (and the backups "
		    "with higher numbers)", d->domain, d->domain);
		dns_answer_free(&ans);
		return false;
	default:
		f = doctor_add(d, "mx.present", DOCTOR_FAIL, d->domain,
		    "MX lookup: %s", ans.status == DNS_NXDOMAIN ?
		    "no such domain" : ans.reason);
		doctor_fix(f, "check the domain's delegation and that its "
		    "name servers answer");
		dns_answer_free(&ans);
		return false;
	}
	if (ans.count == 1 && (ans.records[0].text[0] == '\0' ||
	    strcmp(ans.records[0].text, ".") == 0)) {
		f = doctor_add(d, "mx.present", DOCTOR_WARN, d->domain,
		    "null MX (RFC 7505): the domain accepts no mail");
		doctor_fix(f, "replace the null MX with real MX records if "
		    "the domain should receive mail");
		dns_answer_free(&ans);
		return false;
	}
	doctor_mx_store(d, &ans);
	dns_answer_free(&ans);
	for (i = 0; i < d->n_mx && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		    "%s%u %s", i > 0 ? ", " : "", d->mx[i].preference,
		    d->mx[i].host);
	doctor_add(d, "mx.present", DOCTOR_OK, d->domain, "%s", list);
	return true;
}

/* doctor_mx_resolve - every MX host has an address */
static void
doctor_mx_resolve(struct doctor *d)
{
	struct tmx_addr addrs[8];
	struct doctor_finding *f;
	char text[64];
	size_t i;
	int n;

	for (i = 0; i < d->n_mx; i++) {
		n = doctor_dns_addrs(d->mx[i].host, addrs, 8);
		if (n > 0) {
			doctor_add(d, "mx.resolve", DOCTOR_OK, d->mx[i].host,
			    "%d address%s, first %s", n, n == 1 ? "" : "es",
			    tmx_addr_format(&addrs[0], text, sizeof(text)));
			continue;
		}
		f = doctor_add(d, "mx.resolve", DOCTOR_FAIL, d->mx[i].host,
		    n < 0 ? "address lookup failed (temporary)" :
		    "no A or AAAA record: senders cannot reach it");
		doctor_fix(f, "give %s an A/AAAA record, or remove its MX",
		    d->mx[i].host);
	}
}

/* doctor_mx_find - the MX entry for host, or NULL */
static const struct doctor_mx *
doctor_mx_find(const struct doctor *d, const char *host)
{
	size_t i;

	for (i = 0; i < d->n_mx; i++)
		if (dns_name_equal(d->mx[i].host, host))
			return &d->mx[i];
	return NULL;
}

/* doctor_mx_primary - the lowest preference of a non-backup host, or -1 */
static long
doctor_mx_primary(const struct doctor *d)
{
	size_t i;

	for (i = 0; i < d->n_mx; i++)
		if (!d->mx[i].backup)
			return d->mx[i].preference;	/* sorted */
	return -1;
}

/* doctor_mx_backups - each --backup-mx listed, and less preferred */
static void
doctor_mx_backups(struct doctor *d)
{
	long primary = doctor_mx_primary(d);
	const struct doctor_mx *m;
	struct doctor_finding *f;
	size_t i;

	for (i = 0; i < d->n_backup; i++) {
		const char *host = d->backup_mx[i];

		if ((m = doctor_mx_find(d, host)) == NULL) {
			f = doctor_add(d, "mx.backup", DOCTOR_FAIL, host,
			    "not in the MX set: it never receives mail");
			doctor_fix(f, "publish \"%s. MX %ld %s.\"", d->domain,
			    primary >= 0 ? primary + 10 : 20, host);
			continue;
		}
		doctor_add(d, "mx.backup", DOCTOR_OK, host,
		    "in the MX set, preference %u", m->preference);
		if (primary < 0) {
			f = doctor_add(d, "mx.priority", DOCTOR_FAIL, host,
			    "every MX host is a backup: no primary");
			doctor_fix(f, "add the primary MX with a lower "
			    "preference number than %u", m->preference);
		} else if (m->preference > primary) {
			doctor_add(d, "mx.priority", DOCTOR_OK, host,
			    "preference %u, after the primary's %ld",
			    m->preference, primary);
		} else {
			f = doctor_add(d, "mx.priority", m->preference == primary ?
			    DOCTOR_WARN : DOCTOR_FAIL, host,
			    "preference %u %s the primary's %ld: it gets mail "
			    "while the primary is up", m->preference,
			    m->preference == primary ? "equals" : "is below",
			    primary);
			doctor_fix(f, "give %s a higher number than %ld, e.g. "
			    "\"MX %ld %s.\"", host, primary, primary + 10, host);
		}
	}
}

/* doctor_mx_check - see doctor.h */
void
doctor_mx_check(struct doctor *d)
{
	if (!doctor_mx_present(d)) {
		doctor_mx_backups(d);
		return;
	}
	doctor_mx_resolve(d);
	doctor_mx_backups(d);
}
