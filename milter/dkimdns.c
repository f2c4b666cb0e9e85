/*
 * dkimdns.c - the query hooks libopendkim calls for key records. Each
 * query runs to completion in the start hook, on a res_state that lives
 * only for that query, and the raw reply (NXDOMAIN included: libopendkim
 * reads the rcode itself) is handed back by the wait hook.
 */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "dkimdns.h"

struct dkimdns_query {
	int status;	/* DKIM_DNS_SUCCESS or DKIM_DNS_ERROR */
	size_t len;	/* reply bytes in the caller's buffer */
	int error;	/* h_errno-style detail for libopendkim */
};

/* The service handle only has to be non-NULL: all state is per query. */
static int dkimdns_service;

/* dkimdns_start - ask type/name now, on a private res_state */
static int
dkimdns_start(void *srv, int type, unsigned char *name, unsigned char *buf,
	       size_t buflen, void **qh)
{
	struct dkimdns_query *q = calloc(1, sizeof(*q));
	unsigned char query[NS_PACKETSZ];
	struct __res_state st;
	int n;

	if (q == NULL)
		return DKIM_DNS_ERROR;
	q->status = DKIM_DNS_ERROR;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == 0) {
		n = res_nmkquery(&st, ns_o_query, (const char *)name, ns_c_in,
		    type, NULL, 0, NULL, query, sizeof(query));
		if (n > 0)
			n = res_nsend(&st, query, n, buf, (int)buflen);
		if (n > 0) {
			q->status = DKIM_DNS_SUCCESS;
			q->len = (size_t)n;
		} else {
			q->error = st.res_h_errno;
		}
		res_nclose(&st);
	}
	*qh = q;
	return DKIM_DNS_SUCCESS;
}

/* dkimdns_wait - the answer dkimdns_start already has */
static int
dkimdns_wait(void *srv, void *qh, struct timeval *timeout, size_t *bytes,
	      int *error, int *dnssec)
{
	const struct dkimdns_query *q = qh;

	if (bytes != NULL)
		*bytes = q->len;
	if (error != NULL)
		*error = q->error;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return q->status;
}

/* dkimdns_cancel - libopendkim is done with the query: free it */
static int
dkimdns_cancel(void *srv, void *qh)
{
	free(qh);
	return 0;
}

/* dkimdns_init - nothing to set up: state is per query */
static int
dkimdns_init(void **srv)
{
	*srv = &dkimdns_service;
	return 0;
}

/* dkimdns_close - nothing to tear down */
static void
dkimdns_close(void *srv)
{
}

/* dkimdns_install - see dkimdns.h */
int
dkimdns_install(DKIM_LIB *lib)
{
	dkim_dns_set_init(lib, dkimdns_init);
	dkim_dns_set_close(lib, dkimdns_close);
	dkim_dns_set_query_start(lib, dkimdns_start);
	dkim_dns_set_query_waitreply(lib, dkimdns_wait);
	dkim_dns_set_query_cancel(lib, dkimdns_cancel);
	dkim_dns_set_query_service(lib, &dkimdns_service);
	return 0;
}
