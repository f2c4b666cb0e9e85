/*
 * doctor_fcrdns.c - forward-confirmed reverse DNS of every MX host address
 * and every egress address (the PTR name must resolve back to it), and the
 * HELO name agreeing with the PTR, which receivers compare.
 */
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "doctor.h"

#define DOCTOR_FCRDNS_MAX	8	/* PTR names and addresses looked at */

/* doctor_fcrdns_has - addr is among addrs */
static bool
doctor_fcrdns_has(const struct tmx_addr *addrs, int n,
		  const struct tmx_addr *addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (addrs[i].family == addr->family &&
		    memcmp(addrs[i].bytes, addr->bytes, 16) == 0)
			return true;
	return false;
}

/*
 * doctor_fcrdns_addr - one address: a finding of its FCrDNS (bad is
 * "bad", fail for egress, warn for MX hosts); the first confirmed PTR name
 * in confirmed (empty when none), the first PTR name in ptr.
 */
static void
doctor_fcrdns_addr(struct doctor *d, const char *subject,
		   const struct tmx_addr *addr, enum doctor_verdict bad,
		   char confirmed[256], char ptr[256])
{
	char names[DOCTOR_FCRDNS_MAX][256], text[64];
	struct tmx_addr fwd[DOCTOR_FCRDNS_MAX];
	struct doctor_finding *f;
	int n, i, nf;

	confirmed[0] = ptr[0] = '\0';
	tmx_addr_format(addr, text, sizeof(text));
	n = doctor_dns_ptr(addr, names, DOCTOR_FCRDNS_MAX);
	if (n <= 0) {
		f = doctor_add(d, "fcrdns", bad, subject, n < 0 ?
		    "PTR lookup for %s failed (temporary)" :
		    "%s has no PTR record", text);
		doctor_fix(f, "ask the owner of %s (your provider) for a PTR "
		    "naming a host whose A/AAAA is %s", text, text);
		return;
	}
	memcpy(ptr, names[0], 256);
	for (i = 0; i < n; i++) {
		nf = doctor_dns_addrs(names[i], fwd, DOCTOR_FCRDNS_MAX);
		if (doctor_fcrdns_has(fwd, nf, addr)) {
			memcpy(confirmed, names[i], 256);
			doctor_add(d, "fcrdns", DOCTOR_OK, subject,
			    "%s -> %s -> %s", text, names[i], text);
			return;
		}
	}
	f = doctor_add(d, "fcrdns", bad, subject,
	    "%s -> %s, which does not resolve back to %s", text, names[0],
	    text);
	doctor_fix(f, "add %s to the A/AAAA of %s, or point the PTR at a "
	    "name that has it", text, names[0]);
}

/* doctor_fcrdns_helo - the HELO name is the confirmed PTR name of addr */
static void
doctor_fcrdns_helo(struct doctor *d, const char *subject,
		   const char *confirmed, const char *ptr)
{
	struct doctor_finding *f;

	if (confirmed[0] != '\0' && dns_name_equal(confirmed, d->helo)) {
		doctor_add(d, "helo", DOCTOR_OK, subject,
		    "HELO %s matches the forward-confirmed PTR", d->helo);
		return;
	}
	f = doctor_add(d, "helo", DOCTOR_WARN, subject,
	    "HELO %s, but the PTR names %s%s", d->helo,
	    ptr[0] != '\0' ? ptr : "nothing",
	    ptr[0] != '\0' && confirmed[0] == '\0' ? " (not confirmed)" : "");
	if (confirmed[0] != '\0')
		doctor_fix(f, "send HELO %s, or make the PTR name %s (with an "
		    "A/AAAA back)", confirmed, d->helo);
	else
		doctor_fix(f, "point the address's PTR at %s and give %s an "
		    "A/AAAA record of the address", d->helo, d->helo);
}

/* doctor_fcrdns_egress - each --egress-ip; returns how many were given */
static size_t
doctor_fcrdns_egress(struct doctor *d)
{
	char confirmed[256], ptr[256];
	struct tmx_addr a;
	size_t i;

	for (i = 0; i < d->n_egress; i++) {
		if (tmx_addr_parse(d->egress_ips[i], &a) < 0)
			continue;	/* checked with the options */
		doctor_fcrdns_addr(d, d->egress_ips[i], &a, DOCTOR_FAIL,
		    confirmed, ptr);
		if (d->helo != NULL)
			doctor_fcrdns_helo(d, d->egress_ips[i], confirmed, ptr);
	}
	return d->n_egress;
}

/*
 * doctor_fcrdns_check - egress addresses, then MX host addresses. Without
 * --egress-ip the primary MX hosts (the most preferred that are not named
 * backups) are taken to be the senders, for --helo.
 */
void
doctor_fcrdns_check(struct doctor *d)
{
	char confirmed[256], ptr[256], subject[256 + 70], text[64];
	struct tmx_addr addrs[DOCTOR_FCRDNS_MAX];
	bool egress = doctor_fcrdns_egress(d) > 0;
	long primary = -1;
	size_t i;
	int n, k;

	for (i = 0; i < d->n_mx && primary < 0; i++)
		if (!d->mx[i].backup)
			primary = d->mx[i].preference;	/* sorted */
	for (i = 0; i < d->n_mx; i++) {
		n = doctor_dns_addrs(d->mx[i].host, addrs, DOCTOR_FCRDNS_MAX);
		for (k = 0; k < n; k++) {
			snprintf(subject, sizeof(subject), "%s %s",
			    d->mx[i].host,
			    tmx_addr_format(&addrs[k], text, sizeof(text)));
			doctor_fcrdns_addr(d, subject, &addrs[k], DOCTOR_WARN,
			    confirmed, ptr);
			if (d->helo != NULL && !egress && !d->mx[i].backup &&
			    d->mx[i].preference == primary)
				doctor_fcrdns_helo(d, subject, confirmed, ptr);
		}
	}
}
