/*
 * spf_dns_txt.c - a libspf2 DNS layer, below the cache, that answers TXT
 * queries itself. libspf2's resolver copies TXT bytes into C strings, so a
 * record with an embedded NUL would be silently cut short; here a NUL
 * becomes 0x01, which record screening then refuses (permerror).
 */
#include <arpa/nameser.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "spf_dns.h"

#define SPF_DNS_TXT_BUFSIZE	65536

static pthread_key_t spf_dns_txt_key;
static pthread_once_t spf_dns_txt_once = PTHREAD_ONCE_INIT;

/* spf_dns_txt_res_free - a thread's resolver state, at thread exit */
static void
spf_dns_txt_res_free(void *arg)
{
	struct __res_state *res = arg;

	res_nclose(res);
	free(res);
}

/* spf_dns_txt_key_init - the thread-specific key, once per process */
static void
spf_dns_txt_key_init(void)
{
	(void)pthread_key_create(&spf_dns_txt_key, spf_dns_txt_res_free);
}

/* spf_dns_txt_res - this thread's resolver state; NULL on failure */
static struct __res_state *
spf_dns_txt_res(void)
{
	struct __res_state *res;

	(void)pthread_once(&spf_dns_txt_once, spf_dns_txt_key_init);
	res = pthread_getspecific(spf_dns_txt_key);
	if (res != NULL)
		return res;
	res = calloc(1, sizeof(*res));
	if (res == NULL)
		return NULL;
	if (res_ninit(res) != 0 ||
	    pthread_setspecific(spf_dns_txt_key, res) != 0) {
		free(res);
		return NULL;
	}
	return res;
}

/* spf_dns_txt_copy - one TXT RR's strings, joined, NUL bytes made 0x01 */
static int
spf_dns_txt_copy(SPF_dns_rr_t *rr, int idx, const unsigned char *rdata,
		 size_t rdlen)
{
	const unsigned char *end = rdata + rdlen;
	char *dst;
	size_t i;

	if (SPF_dns_rr_buf_realloc(rr, idx, rdlen + 1) != SPF_E_SUCCESS)
		return -1;
	dst = rr->rr[idx]->txt;
	while (rdata < end) {
		size_t len = *rdata++;

		if (len > (size_t)(end - rdata))
			len = (size_t)(end - rdata);
		for (i = 0; i < len; i++)
			*dst++ = rdata[i] == '\0' ? '\x01' : (char)rdata[i];
		rdata += len;
	}
	*dst = '\0';
	return 0;
}

/* spf_dns_txt_parse - the TXT records of a response; NULL on ENOMEM */
static SPF_dns_rr_t *
spf_dns_txt_parse(SPF_dns_server_t *self, const char *domain,
		  const unsigned char *msg, int len)
{
	SPF_dns_rr_t *rr;
	ns_msg handle;
	ns_rr record;
	int i, n, cnt = 0;
	long ttl = -1;

	if (ns_initparse(msg, len, &handle) < 0)
		return SPF_dns_rr_new_init(self, domain, ns_t_txt, 0,
		    NO_RECOVERY);
	rr = SPF_dns_rr_new_init(self, domain, ns_t_txt, 0, NETDB_SUCCESS);
	if (rr == NULL)
		return NULL;
	n = ns_msg_count(handle, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&handle, ns_s_an, i, &record) < 0)
			break;
		if (ns_rr_type(record) != ns_t_txt)
			continue;	/* CNAMEs on the way */
		if (spf_dns_txt_copy(rr, cnt, ns_rr_rdata(record),
		    ns_rr_rdlen(record)) < 0)
			break;
		if (ttl < 0 || (long)ns_rr_ttl(record) < ttl)
			ttl = (long)ns_rr_ttl(record);
		cnt++;
	}
	rr->num_rr = cnt;
	rr->ttl = ttl < 0 ? 0 : ttl;
	if (cnt == 0)
		rr->herrno = NO_DATA;
	return rr;
}

/* spf_dns_txt_lookup - TXT through res_nquery, everything else below */
static SPF_dns_rr_t *
spf_dns_txt_lookup(SPF_dns_server_t *self, const char *domain,
		   ns_type rr_type, int should_cache)
{
	struct __res_state *res;
	unsigned char *buf;
	SPF_dns_rr_t *rr;
	int len;

	if (rr_type != ns_t_txt)
		return SPF_dns_lookup(self->layer_below, domain, rr_type,
		    should_cache);
	res = spf_dns_txt_res();
	buf = malloc(SPF_DNS_TXT_BUFSIZE);
	if (res == NULL || buf == NULL) {
		free(buf);
		return SPF_dns_rr_new_init(self, domain, rr_type, 0,
		    TRY_AGAIN);
	}
	len = res_nquery(res, domain, ns_c_in, ns_t_txt, buf,
	    SPF_DNS_TXT_BUFSIZE);
	if (len < 0)
		rr = SPF_dns_rr_new_init(self, domain, rr_type, 0,
		    res->res_h_errno);
	else
		rr = spf_dns_txt_parse(self, domain, buf,
		    len > SPF_DNS_TXT_BUFSIZE ? SPF_DNS_TXT_BUFSIZE : len);
	free(buf);
	return rr;
}

/* spf_dns_txt_destroy - free the layer (SPF_dns_free frees below) */
static void
spf_dns_txt_destroy(SPF_dns_server_t *self)
{
	free(self);
}

/* spf_dns_txt_new - the TXT layer above below (resolv) */
SPF_dns_server_t *
spf_dns_txt_new(SPF_dns_server_t *below, int debug)
{
	SPF_dns_server_t *self = calloc(1, sizeof(*self));

	if (self == NULL)
		return NULL;
	self->destroy = spf_dns_txt_destroy;
	self->lookup = spf_dns_txt_lookup;
	self->layer_below = below;
	self->name = "trustmx-txt";
	self->debug = debug;
	return self;
}
