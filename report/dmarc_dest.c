/*
 * dmarc_dest.c - the report destinations of a rua tag, and the external
 * destination check of RFC 9990 section 4. A URI that cannot be used is
 * kept in the answer with the reason, so the operator sees why a domain
 * got no report; nothing here sends anything.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc_dest.h"

/* dmarc_dest_state_str - for the operator's output */
const char *
dmarc_dest_state_str(enum dmarc_dest_state state)
{
	switch (state) {
	case DMARC_DEST_OK: return "ok";
	case DMARC_DEST_MALFORMED: return "malformed";
	case DMARC_DEST_UNSUPPORTED: return "unsupported";
	case DMARC_DEST_UNAUTHORISED: return "not authorised";
	case DMARC_DEST_TEMPFAIL: return "DNS failure";
	case DMARC_DEST_CONFLICT: return "override conflict";
	case DMARC_DEST_TOO_MANY: return "too many";
	}
	return "?";
}

/* dmarc_dest_hex - the value of a hex digit, or -1 */
static int
dmarc_dest_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* dmarc_dest_local_ok - a dot-atom local part of at most 64 bytes */
static bool
dmarc_dest_local_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 64 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"@", c))
			return false;
		if (c == '.' && s[i + 1] == '.')
			return false;
	}
	return true;
}

/* dmarc_dest_parse_mailto - see dmarc_dest.h */
int
dmarc_dest_parse_mailto(const char *uri, char *addr, size_t addr_size,
			char *host, size_t host_size, const char **why)
{
	char decoded[DMARC_DEST_ADDR_MAX];
	const char *p;
	char *at, *c;
	size_t n = 0;
	int hi, lo;

	if (strncasecmp(uri, "mailto:", 7) != 0) {
		*why = "not a mailto: URI";
		return -1;
	}
	for (p = uri + 7; *p != '\0' && *p != '?'; p++) {
		if (n + 1 >= sizeof(decoded)) {
			*why = "address too long";
			return -1;
		}
		if (*p != '%') {
			decoded[n++] = *p;
			continue;
		}
		if ((hi = dmarc_dest_hex((unsigned char)p[1])) < 0 ||
		    (lo = dmarc_dest_hex((unsigned char)p[2])) < 0) {
			*why = "bad percent-encoding";
			return -1;
		}
		decoded[n++] = (char)(hi * 16 + lo);
		p += 2;
	}
	decoded[n] = '\0';
	if (memchr(decoded, ',', n) != NULL) {
		*why = "more than one address in a mailto: URI";
		return -1;
	}
	if ((at = strrchr(decoded, '@')) == NULL ||
	    !dmarc_dest_local_ok(decoded, (size_t)(at - decoded))) {
		*why = "not an address (local@domain)";
		return -1;
	}
	if (!dmarc_rec_domain_ok(at + 1) || strlen(at + 1) >= host_size ||
	    n >= addr_size) {
		*why = "the address's domain is not a host name";
		return -1;
	}
	for (c = at + 1; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(host, host_size, "%s", at + 1);
	snprintf(addr, addr_size, "%s", decoded);
	return 0;
}

/* dmarc_dest_trim - [*s, *e) without surrounding WSP */
static void
dmarc_dest_trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* dmarc_dest_authorises_tag - dmarc_dest_authorises with the override
 * read from tag ("rua", or "ruf" for failure reports) into rua; the first
 * tag must be v with exactly DMARC1 (RFC 9989's ABNF is case-sensitive
 * there) */
static bool
dmarc_dest_authorises_tag(const char *text, size_t len, const char *tag,
			  char *rua, size_t rua_size)
{
	const char *p = text, *end = text + len, *semi, *eq, *ts, *te, *vs;
	bool first = true;

	rua[0] = '\0';
	if (memchr(text, '\0', len) != NULL)
		return false;
	while (p < end) {
		semi = memchr(p, ';', end - p);
		if (semi == NULL)
			semi = end;
		ts = p;
		te = semi;
		dmarc_dest_trim(&ts, &te);
		p = semi + 1;
		if (ts == te) {
			if (first)
				return false;
			continue;
		}
		eq = memchr(ts, '=', te - ts);
		if (eq == NULL) {
			if (first)
				return false;
			continue;
		}
		vs = eq + 1;
		dmarc_dest_trim(&ts, &eq);
		dmarc_dest_trim(&vs, &te);
		if (first) {
			if (eq - ts != 1 || *ts != 'v' || te - vs != 6 ||
			    memcmp(vs, "DMARC1", 6) != 0)
				return false;
			first = false;
		} else if (eq - ts == 3 && strncasecmp(ts, tag, 3) == 0 &&
			   rua[0] == '\0') {
			snprintf(rua, rua_size, "%.*s", (int)(te - vs), vs);
		}
	}
	return !first;
}

/* dmarc_dest_authorises - see dmarc_dest.h */
bool
dmarc_dest_authorises(const char *text, size_t len, char *rua,
		      size_t rua_size)
{
	return dmarc_dest_authorises_tag(text, len, "rua", rua, rua_size);
}

/* dmarc_dest_add - append a destination unless its address is there */
static struct dmarc_dest *
dmarc_dest_add(struct dmarc_dest *out, size_t *n, size_t max,
	       const struct dmarc_dest *d)
{
	size_t i;

	if (d->state == DMARC_DEST_OK)
		for (i = 0; i < *n; i++)
			if (out[i].state == DMARC_DEST_OK &&
			    strcmp(out[i].addr, d->addr) == 0)
				return &out[i];
	if (*n >= max)
		return NULL;
	out[*n] = *d;
	return &out[(*n)++];
}

/* dmarc_dest_next - the next URI of a rua list: [*s, *e), the obsolete
 * "!size" suffix cut (RFC 9989 4.8); false at the end */
static bool
dmarc_dest_next(const char **cursor, const char **s, const char **e)
{
	const char *p = *cursor, *comma, *bang;

	while (*p != '\0') {
		comma = strchr(p, ',');
		*s = p;
		*e = comma != NULL ? comma : p + strlen(p);
		*cursor = comma != NULL ? comma + 1 : *e;
		if ((bang = memchr(*s, '!', *e - *s)) != NULL)
			*e = bang;
		dmarc_dest_trim(s, e);
		if (*s < *e)
			return true;
		p = *cursor;
	}
	return false;
}

/* dmarc_dest_one - a URI of the record into d: state OK or the reason */
static void
dmarc_dest_one(const char *s, const char *e, struct dmarc_dest *d)
{
	const char *colon, *why = NULL, *q;

	memset(d, 0, sizeof(*d));
	snprintf(d->uri, sizeof(d->uri), "%.*s", (int)(e - s), s);
	colon = strchr(d->uri, ':');
	for (q = d->uri; colon != NULL && q < colon; q++)
		if (!isalnum((unsigned char)*q) && !strchr("+-.", *q))
			colon = NULL;
	if (colon == NULL || colon == d->uri) {
		d->state = DMARC_DEST_MALFORMED;
		snprintf(d->why, sizeof(d->why), "not a URI");
	} else if (colon - d->uri != 6 ||
		   strncasecmp(d->uri, "mailto", 6) != 0) {
		d->state = DMARC_DEST_UNSUPPORTED;
		snprintf(d->why, sizeof(d->why), "only mailto: URIs are "
			 "supported");
	} else if (dmarc_dest_parse_mailto(d->uri, d->addr, sizeof(d->addr),
					   d->host, sizeof(d->host),
					   &why) < 0) {
		d->state = DMARC_DEST_MALFORMED;
		snprintf(d->why, sizeof(d->why), "%s", why);
	} else {
		d->state = DMARC_DEST_OK;
	}
}

/* dmarc_dest_default_txt - dns_lookup for TXT */
static enum dns_status
dmarc_dest_default_txt(const char *name, struct dns_answer *ans_r)
{
	return dns_lookup(name, DNS_TYPE_TXT, ans_r);
}

/*
 * dmarc_dest_verify - RFC 9990 section 4, steps 1 to 8 for an external
 * d: the TXT record at <policy_domain>._report._dmarc.<host>. true when
 * one agrees; its tag (rua, or ruf for RFC 9991 section 5: step 9) into
 * rua.
 */
static bool
dmarc_dest_verify(struct dmarc_dest *d, const char *policy_domain,
		  dmarc_dest_txt_fn *lookup, const char *tag, char *rua,
		  size_t rua_size)
{
	struct dns_answer ans;
	char name[600];
	enum dns_status st;
	size_t i;
	bool ok = false;

	snprintf(name, sizeof(name), "%s._report._dmarc.%s", policy_domain,
		 d->host);
	if (strlen(name) > 253 || !dns_name_valid(name)) {
		d->state = DMARC_DEST_UNAUTHORISED;
		snprintf(d->why, sizeof(d->why), "%s is too long for DNS: no "
			 "authorisation can be found", name);
		return false;
	}
	memset(&ans, 0, sizeof(ans));
	st = lookup(name, &ans);
	if (st == DNS_TEMPFAIL) {
		d->state = DMARC_DEST_TEMPFAIL;
		snprintf(d->why, sizeof(d->why), "TXT %s: %s", name,
			 ans.reason != NULL ? ans.reason : "temporary failure");
		dns_answer_free(&ans);
		return false;
	}
	for (i = 0; st == DNS_OK && i < ans.count && !ok; i++)
		if (ans.records[i].text != NULL)
			ok = dmarc_dest_authorises_tag(ans.records[i].text,
						       ans.records[i].textlen,
						       tag, rua, rua_size);
	dns_answer_free(&ans);
	if (!ok) {
		d->state = DMARC_DEST_UNAUTHORISED;
		snprintf(d->why, sizeof(d->why), "external destination, and "
			 "no \"v=DMARC1\" TXT record at %s (RFC 9990 "
			 "section 4)", name);
	}
	return ok;
}

/*
 * dmarc_dest_override - step 9: the consumer's own rua (or ruf) replaces
 * d; every URI of it must be at d's host, or nothing is sent to either
 */
static void
dmarc_dest_override(const struct dmarc_dest *d, const char *tag,
		    const char *rua, struct dmarc_dest *out, size_t *n,
		    size_t max)
{
	struct dmarc_dest list[DMARC_DEST_URIS_MAX], bad = *d;
	const char *cursor = rua, *s, *e;
	size_t i, count = 0;

	while (count < DMARC_DEST_URIS_MAX &&
	       dmarc_dest_next(&cursor, &s, &e)) {
		dmarc_dest_one(s, e, &list[count]);
		if (list[count].state != DMARC_DEST_OK)
			continue;
		if (strcmp(list[count].host, d->host) != 0) {
			bad.state = DMARC_DEST_CONFLICT;
			snprintf(bad.why, sizeof(bad.why), "the authorising "
				 "record's %s names another host (%s): "
				 "nothing is sent to either (RFC 9990 "
				 "section 4)", tag, list[count].host);
			dmarc_dest_add(out, n, max, &bad);
			return;
		}
		list[count].external = list[count].override = true;
		count++;
	}
	if (count == 0) {
		bad.state = DMARC_DEST_UNSUPPORTED;
		snprintf(bad.why, sizeof(bad.why), "the authorising record's "
			 "%s has no usable mailto: URI", tag);
		dmarc_dest_add(out, n, max, &bad);
		return;
	}
	for (i = 0; i < count; i++)
		dmarc_dest_add(out, n, max, &list[i]);
}

/* dmarc_dest_external - is d's host in another Organizational Domain
 * than org; -1 when that could not be found out */
static int
dmarc_dest_external(struct dmarc_dest *d, const char *org,
		    const struct dmarc_dest_dns *dns)
{
	char host_org[DMARC_REC_DOMAIN_MAX];

	if (dns->org == NULL)
		return !dmarc_rec_under(d->host, org);
	if (dns->org(d->host, host_org, sizeof(host_org)) < 0) {
		d->state = DMARC_DEST_TEMPFAIL;
		snprintf(d->why, sizeof(d->why), "the Organizational Domain "
			 "of %s: DNS failure", d->host);
		return -1;
	}
	return strcasecmp(host_org, org) != 0;
}

/* dmarc_dest_resolve_tag - dmarc_dest_resolve for the URIs of tag */
static size_t
dmarc_dest_resolve_tag(const char *tag, const char *rua,
		       const char *policy_domain, const char *org_domain,
		       const struct dmarc_dest_dns *dns, struct dmarc_dest *out,
		       size_t max)
{
	const char *cursor = rua, *s, *e;
	const char *org = org_domain[0] ? org_domain : policy_domain;
	char override[DMARC_REC_RUA_MAX];
	struct dmarc_dest_dns use = { NULL, NULL };
	struct dmarc_dest d;
	size_t n = 0, seen = 0;

	if (dns != NULL)
		use = *dns;
	if (use.txt == NULL)
		use.txt = dmarc_dest_default_txt;
	while (dmarc_dest_next(&cursor, &s, &e)) {
		dmarc_dest_one(s, e, &d);
		if (++seen > DMARC_DEST_URIS_MAX) {
			d.state = DMARC_DEST_TOO_MANY;
			snprintf(d.why, sizeof(d.why), "only the first %d "
				 "URIs are used", DMARC_DEST_URIS_MAX);
		} else if (d.state == DMARC_DEST_OK &&
			   dmarc_dest_external(&d, org, &use) == 1) {
			d.external = true;
			if (dmarc_dest_verify(&d, policy_domain, use.txt, tag,
					      override, sizeof(override)) &&
			    override[0] != '\0') {
				dmarc_dest_override(&d, tag, override, out, &n,
						    max);
				continue;
			}
		}
		dmarc_dest_add(out, &n, max, &d);
	}
	return n;
}

/* dmarc_dest_resolve - see dmarc_dest.h */
size_t
dmarc_dest_resolve(const char *rua, const char *policy_domain,
		   const char *org_domain, const struct dmarc_dest_dns *dns,
		   struct dmarc_dest *out, size_t max)
{
	return dmarc_dest_resolve_tag("rua", rua, policy_domain, org_domain,
				      dns, out, max);
}

/* dmarc_dest_resolve_ruf - see dmarc_dest.h */
size_t
dmarc_dest_resolve_ruf(const char *ruf, const char *policy_domain,
		       const char *org_domain, const struct dmarc_dest_dns *dns,
		       struct dmarc_dest *out, size_t max)
{
	return dmarc_dest_resolve_tag("ruf", ruf, policy_domain, org_domain,
				      dns, out, max);
}
