/*
 * dmarc_walk.c - the DNS Tree Walk of RFC 9989 4.10: which names one walk
 * asks, where it stops, and the Organizational Domain and applicable
 * record it yields. The label arithmetic works on offsets into the
 * starting name: every name a walk asks is a suffix of it.
 */
#include <string.h>

#include "dmarc_walk.h"

#define DMARC_WALK_LABELS_MAX	(DMARC_DOMAIN_MAX / 2 + 1)

/* dmarc_walk_byte - a byte a domain to look up may hold */
static bool
dmarc_walk_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* dmarc_walk_normalize - see dmarc_walk.h */
int
dmarc_walk_normalize(const char *domain, char out[DMARC_DOMAIN_MAX + 1],
		     const char **reason_r)
{
	size_t len, i, label = 0;

	out[0] = '\0';
	if (domain == NULL || domain[0] == '\0') {
		*reason_r = "no domain (empty)";
		return -1;
	}
	len = strlen(domain);
	if (len > 1 && domain[len - 1] == '.')
		len--;
	if (len > DMARC_DOMAIN_MAX) {
		*reason_r = "a domain longer than 253 bytes";
		return -1;
	}
	for (i = 0; i < len; i++) {
		char c = domain[i];

		if (c == '.') {
			if (label == 0)
				break;
			label = 0;
			out[i] = '.';
			continue;
		}
		if (!dmarc_walk_byte(c)) {
			out[0] = '\0';
			*reason_r = (c & 0x80) != 0 ? "8-bit bytes in the "
			    "domain (a U-label must become an A-label first)" :
			    "a byte no domain name holds";
			return -1;
		}
		if (++label > 63) {
			out[0] = '\0';
			*reason_r = "a label longer than 63 bytes";
			return -1;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (label == 0) {
		out[0] = '\0';
		*reason_r = "an empty label";
		return -1;
	}
	out[len] = '\0';
	return 0;
}

/* dmarc_walk_labels - see dmarc_walk.h */
size_t
dmarc_walk_labels(const char *domain)
{
	size_t n = 1;

	for (; *domain != '\0'; domain++)
		n += *domain == '.';
	return n;
}

/* dmarc_walk_under - see dmarc_walk.h */
bool
dmarc_walk_under(const char *domain, const char *ancestor)
{
	size_t dl = strlen(domain), al = strlen(ancestor);

	if (dl == al)
		return strcmp(domain, ancestor) == 0;
	return dl > al && domain[dl - al - 1] == '.' &&
	    strcmp(domain + dl - al, ancestor) == 0;
}

/* dmarc_walk_suffix - the last k labels of domain (all if it has fewer) */
static const char *
dmarc_walk_suffix(const char *domain, size_t k)
{
	const char *p = domain + strlen(domain);

	while (p > domain) {
		if (p[-1] == '.' && --k == 0)
			break;
		p--;
	}
	return p;
}

/* dmarc_walk_targets - see dmarc_walk.h */
size_t
dmarc_walk_targets(const char *domain,
		   size_t offsets_r[DMARC_WALK_QUERIES_MAX])
{
	size_t x = dmarc_walk_labels(domain), k, n = 0;

	offsets_r[n++] = 0;
	/* step 4: one label off below eight, else down to seven; step 7 */
	for (k = x - 1 < DMARC_WALK_QUERIES_MAX - 1 ? x - 1 :
	    DMARC_WALK_QUERIES_MAX - 1; k >= 1; k--)
		offsets_r[n++] =
		    (size_t)(dmarc_walk_suffix(domain, k) - domain);
	return n;
}

/* dmarc_walk_org - see dmarc_walk.h */
void
dmarc_walk_org(struct dmarc_dns *d, const char *domain,
	       struct dmarc_org *org_r)
{
	const struct dmarc_node *rec[DMARC_WALK_QUERIES_MAX];
	size_t offs[DMARC_WALK_QUERIES_MAX], n, i, nrec = 0;
	const char *org;

	memset(org_r, 0, sizeof(*org_r));
	n = dmarc_walk_targets(domain, offs);
	for (i = 0; i < n; i++) {
		const struct dmarc_node *node = dmarc_dns_policy(d,
		    domain + offs[i]);

		org_r->steps++;
		if (node->state == DMARC_NODE_TEMPFAIL) {
			org_r->tempfail = true;
			return;
		}
		if (node->state != DMARC_NODE_RECORD)
			continue;
		rec[nrec++] = node;
		if (node->rec.psd != DMARC_PSD_U)
			break;		/* steps 2 and 6: psd=y or psd=n */
	}
	/* 4.10.2: from the longest name to the shortest */
	for (i = 0; i < nrec; i++) {
		if (rec[i]->rec.psd == DMARC_PSD_N) {
			org_r->rule = DMARC_ORG_PSD_N;
			org_r->org_node = rec[i];
			memcpy(org_r->domain, rec[i]->domain,
			    strlen(rec[i]->domain) + 1);
			return;
		}
		if (rec[i]->rec.psd == DMARC_PSD_Y &&
		    strcmp(rec[i]->domain, domain) != 0) {
			org = dmarc_walk_suffix(domain,
			    dmarc_walk_labels(rec[i]->domain) + 1);
			org_r->rule = DMARC_ORG_BELOW_PSD;
			org_r->psd_node = rec[i];
			memcpy(org_r->domain, org, strlen(org) + 1);
			for (size_t j = 0; j < i; j++)
				if (strcmp(rec[j]->domain, org) == 0)
					org_r->org_node = rec[j];
			return;
		}
	}
	if (nrec > 0) {
		org_r->rule = DMARC_ORG_FEWEST;
		org_r->org_node = rec[nrec - 1];
		org = rec[nrec - 1]->domain;
	} else {
		org_r->rule = DMARC_ORG_START;
		org = domain;
	}
	memcpy(org_r->domain, org, strlen(org) + 1);
}

/* dmarc_walk_discover - see dmarc_walk.h */
void
dmarc_walk_discover(struct dmarc_dns *d, const char *author,
		    struct dmarc_discovery *disc_r)
{
	const struct dmarc_node *own = dmarc_dns_policy(d, author);

	memset(disc_r, 0, sizeof(*disc_r));
	if (own->state == DMARC_NODE_TEMPFAIL) {
		disc_r->tempfail = true;
		return;
	}
	if (own->state == DMARC_NODE_RECORD) {
		disc_r->source = DMARC_SOURCE_AUTHOR;
		disc_r->node = own;
		return;
	}
	/* the walk asks the author's name first: answered from the cache */
	dmarc_walk_org(d, author, &disc_r->org);
	if (disc_r->org.tempfail) {
		disc_r->tempfail = true;
		return;
	}
	disc_r->org_known = true;
	if (disc_r->org.org_node != NULL) {
		disc_r->source = DMARC_SOURCE_ORG;
		disc_r->node = disc_r->org.org_node;
	} else if (disc_r->org.psd_node != NULL) {
		disc_r->source = DMARC_SOURCE_PSD;
		disc_r->node = disc_r->org.psd_node;
	}
}

/* dmarc_walk_source_name - see dmarc_walk.h */
const char *
dmarc_walk_source_name(enum dmarc_source s)
{
	switch (s) {
	case DMARC_SOURCE_AUTHOR:
		return "author";
	case DMARC_SOURCE_ORG:
		return "org";
	case DMARC_SOURCE_PSD:
		return "psd";
	default:
		return "none";
	}
}

/* dmarc_walk_rule_name - see dmarc_walk.h */
const char *
dmarc_walk_rule_name(enum dmarc_org_rule r)
{
	switch (r) {
	case DMARC_ORG_PSD_N:
		return "psd=n";
	case DMARC_ORG_BELOW_PSD:
		return "below psd=y";
	case DMARC_ORG_FEWEST:
		return "fewest labels";
	default:
		return "start";
	}
}
