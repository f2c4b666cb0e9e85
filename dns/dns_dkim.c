/*
 * dns_dkim.c - the query hooks libopendkim calls for key records. The
 * start hook runs the lookup to completion (bounded by the layer's own
 * deadline) and copies the reply message, since libopendkim parses it
 * itself: an NXDOMAIN or empty reply is "no key", a failure to get one is
 * DKIM_DNS_ERROR, which libopendkim reports as a temporary key failure.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_dkim.h"

struct dns_dkim_query {
	int status;	/* DKIM_DNS_SUCCESS or DKIM_DNS_ERROR */
	size_t len;	/* reply bytes in libopendkim's buffer */
	int error;	/* h_errno-style detail */
	int dnssec;	/* DKIM_DNSSEC_* */
};

/* The service handle only has to be non-NULL: all state is per query. */
static int dns_dkim_service;

/* dns_dkim_dnssec - the layer's DNSSEC verdict in libopendkim's terms */
static int
dns_dkim_dnssec(enum dns_security security)
{
	switch (security) {
	case DNS_SECURE:
		return DKIM_DNSSEC_SECURE;
	case DNS_BOGUS:
		return DKIM_DNSSEC_BOGUS;
	case DNS_INSECURE:
		break;
	}
	return DKIM_DNSSEC_INSECURE;
}

/* dns_dkim_start - ask now; the reply goes into buf */
static int
dns_dkim_start(void *srv, int type, unsigned char *name, unsigned char *buf,
	       size_t buflen, void **qh)
{
	struct dns_dkim_query *q = calloc(1, sizeof(*q));
	struct dns_answer ans;

	if (q == NULL)
		return DKIM_DNS_ERROR;
	q->status = DKIM_DNS_ERROR;
	q->error = TRY_AGAIN;
	dns_lookup((const char *)name, (enum dns_type)type, &ans);
	q->dnssec = dns_dkim_dnssec(ans.security);
	switch (ans.status) {
	case DNS_OK:
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		/* a reply too large for libopendkim's buffer cannot be read */
		if (ans.packet != NULL && ans.packetlen <= buflen) {
			memcpy(buf, ans.packet, ans.packetlen);
			q->len = ans.packetlen;
			q->status = DKIM_DNS_SUCCESS;
			q->error = NETDB_SUCCESS;
		}
		break;
	case DNS_BADNAME:
		q->error = NO_RECOVERY;
		break;
	case DNS_TEMPFAIL:
		break;
	}
	dns_answer_free(&ans);
	*qh = q;
	return DKIM_DNS_SUCCESS;
}

/* dns_dkim_wait - the answer dns_dkim_start already has */
static int
dns_dkim_wait(void *srv, void *qh, struct timeval *timeout, size_t *bytes,
	      int *error, int *dnssec)
{
	const struct dns_dkim_query *q = qh;

	if (bytes != NULL)
		*bytes = q->len;
	if (error != NULL)
		*error = q->error;
	if (dnssec != NULL)
		*dnssec = q->dnssec;
	return q->status;
}

/* dns_dkim_cancel - libopendkim is done with the query: free it */
static int
dns_dkim_cancel(void *srv, void *qh)
{
	free(qh);
	return 0;
}

/* dns_dkim_init - nothing to set up: the layer initialises lazily */
static int
dns_dkim_init(void **srv)
{
	*srv = &dns_dkim_service;
	return 0;
}

/* dns_dkim_close - nothing to tear down: the layer is the process's */
static void
dns_dkim_close(void *srv)
{
}

/* dns_dkim_install - see dns_dkim.h */
int
dns_dkim_install(DKIM_LIB *lib)
{
	if (lib == NULL)
		return -1;
	dkim_dns_set_init(lib, dns_dkim_init);
	dkim_dns_set_close(lib, dns_dkim_close);
	dkim_dns_set_query_start(lib, dns_dkim_start);
	dkim_dns_set_query_waitreply(lib, dns_dkim_wait);
	dkim_dns_set_query_cancel(lib, dns_dkim_cancel);
	(void)dkim_dns_set_query_service(lib, &dns_dkim_service);
	return 0;
}
