/*
 * dmarc_dns.c - _dmarc lookups and the existence test for one DMARC
 * evaluation. A failure to get an answer stays a failure (TEMPFAIL, never
 * "no record"): RFC 9989 5.3.6 says such a message can neither pass nor
 * fail. A name that cannot be asked because "_dmarc." makes it longer than
 * DNS allows holds no record, as no such name can exist.
 */
#include <stdlib.h>
#include <string.h>

#include "dmarc_dns.h"

#define DMARC_DNS_QNAME_MAX	(sizeof("_dmarc.") - 1 + DMARC_DOMAIN_MAX)

/* Set by tests and fuzz targets only, before any evaluation. */
static dmarc_dns_fn *dmarc_dns_hook;
static void *dmarc_dns_hook_arg;

static const struct dmarc_node dmarc_dns_full = {
	.state = DMARC_NODE_TEMPFAIL,
	.reason = "too many names in one evaluation",
};

/* dmarc_dns_set_hook - see dmarc_dns.h */
void
dmarc_dns_set_hook(dmarc_dns_fn *fn, void *arg)
{
	dmarc_dns_hook = fn;
	dmarc_dns_hook_arg = arg;
}

/* dmarc_dns_init - see dmarc_dns.h */
void
dmarc_dns_init(struct dmarc_dns *d, dmarc_query_fn *on_query, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->on_query = on_query;
	d->arg = arg;
}

/* dmarc_dns_clear - see dmarc_dns.h */
void
dmarc_dns_clear(struct dmarc_dns *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->nodes[i].text);
	d->count = 0;
}

/* dmarc_dns_ask - one query through the hook or dns_lookup; the caller
 * frees *ans (filled only without a hook) with dns_answer_free */
static enum dns_status
dmarc_dns_ask(struct dmarc_dns *d, const char *name, enum dns_type type,
	      struct dmarc_dns_reply *reply, struct dns_answer *ans)
{
	memset(reply, 0, sizeof(*reply));
	memset(ans, 0, sizeof(*ans));
	if (dmarc_dns_hook != NULL) {
		dmarc_dns_hook(dmarc_dns_hook_arg, name, type, reply);
		if (reply->count > DMARC_DNS_TXT_MAX)
			reply->count = DMARC_DNS_TXT_MAX;
	} else {
		reply->status = dns_lookup(name, type, ans);
		reply->alias = ans->canonname != NULL &&
		    !dns_name_equal(ans->canonname, name);
	}
	d->queries++;
	if (d->on_query != NULL)
		d->on_query(d->arg, name, type, reply->status);
	return reply->status;
}

/* dmarc_dns_keep - the one DMARC record found, copied and parsed */
static void
dmarc_dns_keep(struct dmarc_node *n, const char *txt, size_t len)
{
	const char *why;

	if ((n->text = malloc(len + 1)) == NULL) {
		n->state = DMARC_NODE_TEMPFAIL;
		n->reason = "out of memory";
		return;
	}
	memcpy(n->text, txt, len);
	n->text[len] = '\0';
	n->textlen = len;
	(void)dmarc_record_parse(n->text, len, &n->rec, &why);
	n->state = DMARC_NODE_RECORD;
	n->reason = "one DMARC record";
}

/*
 * dmarc_dns_sort - the TXT records of an answer: those not starting with
 * v=DMARC1 dropped; one left is the name's record, several all discarded
 */
static void
dmarc_dns_sort(struct dmarc_node *n, const struct dmarc_dns_reply *reply,
	       const struct dns_answer *ans)
{
	size_t count = dmarc_dns_hook != NULL ? reply->count : ans->count;
	const char *first = NULL;
	size_t first_len = 0;

	for (size_t i = 0; i < count; i++) {
		const char *txt = dmarc_dns_hook != NULL ? reply->txt[i] :
		    ans->records[i].text;
		size_t len = dmarc_dns_hook != NULL ? reply->len[i] :
		    ans->records[i].textlen;

		if (txt == NULL || !dmarc_record_is_dmarc(txt, len))
			continue;
		if (n->ndmarc++ == 0) {
			first = txt;
			first_len = len;
		}
	}
	if (n->ndmarc == 1)
		dmarc_dns_keep(n, first, first_len);
	else
		n->reason = n->ndmarc == 0 ? "no DMARC record" :
		    "several DMARC records: all discarded";
}

/* dmarc_dns_find - the node of domain already asked, or NULL */
static const struct dmarc_node *
dmarc_dns_find(const struct dmarc_dns *d, const char *domain)
{
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->nodes[i].domain, domain) == 0)
			return &d->nodes[i];
	return NULL;
}

/* dmarc_dns_policy - see dmarc_dns.h */
const struct dmarc_node *
dmarc_dns_policy(struct dmarc_dns *d, const char *domain)
{
	char qname[DMARC_DNS_QNAME_MAX + 1];
	struct dmarc_dns_reply reply;
	struct dns_answer ans;
	const struct dmarc_node *cached;
	struct dmarc_node *n;
	size_t len = strlen(domain);

	if ((cached = dmarc_dns_find(d, domain)) != NULL)
		return cached;
	if (d->count == DMARC_DNS_NODES_MAX || len > DMARC_DOMAIN_MAX)
		return &dmarc_dns_full;
	n = &d->nodes[d->count++];
	memset(n, 0, sizeof(*n));
	memcpy(n->domain, domain, len + 1);
	memcpy(qname, "_dmarc.", 7);
	memcpy(qname + 7, domain, len + 1);
	if (!dns_name_valid(qname)) {
		n->reason = "_dmarc name longer than DNS allows: no record";
		return n;
	}
	switch (dmarc_dns_ask(d, qname, DNS_TYPE_TXT, &reply, &ans)) {
	case DNS_OK:
		n->exists = true;
		dmarc_dns_sort(n, &reply, &ans);
		break;
	case DNS_NODATA:
		n->exists = true;
		n->reason = "NODATA";
		break;
	case DNS_NXDOMAIN:
		n->reason = "NXDOMAIN";
		break;
	case DNS_BADNAME:
		n->reason = "the name cannot be asked: no record";
		break;
	default:
		n->state = DMARC_NODE_TEMPFAIL;
		n->reason = "DNS lookup failed (SERVFAIL, timeout)";
		break;
	}
	dns_answer_free(&ans);
	return n;
}

/* dmarc_dns_exists - see dmarc_dns.h */
enum dmarc_exists
dmarc_dns_exists(struct dmarc_dns *d, const char *domain)
{
	const struct dmarc_node *n = dmarc_dns_find(d, domain);
	struct dmarc_dns_reply reply;
	struct dns_answer ans;
	enum dmarc_exists e;

	/* a name below it exists: it is no NXDOMAIN (RFC 8020) */
	if (n != NULL && n->exists)
		return DMARC_EXISTS_YES;
	/*
	 * Any type will do: NXDOMAIN speaks of the name, NODATA says it
	 * exists (RFC 9989 A.4). A CNAME whose target does not exist still
	 * exists itself.
	 */
	switch (dmarc_dns_ask(d, domain, DNS_TYPE_A, &reply, &ans)) {
	case DNS_NXDOMAIN:
		e = reply.alias ? DMARC_EXISTS_YES : DMARC_EXISTS_NO;
		break;
	case DNS_TEMPFAIL:
		e = DMARC_EXISTS_TEMPFAIL;
		break;
	default:
		e = DMARC_EXISTS_YES;
		break;
	}
	dns_answer_free(&ans);
	return e;
}
