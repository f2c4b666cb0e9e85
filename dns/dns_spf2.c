/*
 * dns_spf2.c - libspf2's lookups answered by the DNS layer. An answer is
 * an SPF_dns_rr_t as SPF_dns_resolv would build it: A, AAAA, MX, PTR and
 * TXT records; NXDOMAIN as HOST_NOT_FOUND, NODATA as NO_DATA, temporary
 * failure as TRY_AGAIN. Unlike SPF_dns_resolv it keeps TTLs, and reads TXT
 * from the raw character-strings, a NUL byte becoming 0x01 (which record
 * screening refuses) rather than cutting the record short.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_spf2.h"

/* dns_spf2_herrno - the h_errno libspf2 expects for a failed status */
static SPF_dns_stat_t
dns_spf2_herrno(enum dns_status status)
{
	switch (status) {
	case DNS_OK:
		return NETDB_SUCCESS;
	case DNS_NODATA:
		return NO_DATA;
	case DNS_NXDOMAIN:
		return HOST_NOT_FOUND;
	case DNS_TEMPFAIL:
		return TRY_AGAIN;
	case DNS_BADNAME:
		break;
	}
	return NO_RECOVERY;	/* what res_nquery says of a name it cannot ask */
}

/* dns_spf2_txt - one TXT record's text, NUL bytes made 0x01 */
static int
dns_spf2_txt(SPF_dns_rr_t *rr, int idx, const struct dns_record *rec)
{
	size_t i;

	if (SPF_dns_rr_buf_realloc(rr, idx, rec->textlen + 1) != SPF_E_SUCCESS)
		return -1;
	for (i = 0; i < rec->textlen; i++)
		rr->rr[idx]->txt[i] = rec->text[i] == '\0' ? '\x01' :
		    rec->text[i];
	rr->rr[idx]->txt[i] = '\0';
	return 0;
}

/* dns_spf2_name - an MX exchange or PTR target (same union storage) */
static int
dns_spf2_name(SPF_dns_rr_t *rr, int idx, const struct dns_record *rec)
{
	if (SPF_dns_rr_buf_realloc(rr, idx, rec->textlen + 1) != SPF_E_SUCCESS)
		return -1;
	memcpy(rr->rr[idx]->mx, rec->text, rec->textlen + 1);
	return 0;
}

/* dns_spf2_record - record i of the answer into rr->rr[idx] */
static int
dns_spf2_record(SPF_dns_rr_t *rr, int idx, ns_type type,
		const struct dns_record *rec)
{
	switch (type) {
	case ns_t_a:
		if (SPF_dns_rr_buf_realloc(rr, idx, sizeof(struct in_addr)) !=
		    SPF_E_SUCCESS)
			return -1;
		memcpy(&rr->rr[idx]->a, rec->addr.bytes, 4);
		return 0;
	case ns_t_aaaa:
		if (SPF_dns_rr_buf_realloc(rr, idx, sizeof(struct in6_addr)) !=
		    SPF_E_SUCCESS)
			return -1;
		memcpy(&rr->rr[idx]->aaaa, rec->addr.bytes, 16);
		return 0;
	case ns_t_txt:
		return dns_spf2_txt(rr, idx, rec);
	default:
		return dns_spf2_name(rr, idx, rec);
	}
}

/* dns_spf2_lookup - the layer's lookup: one dns_lookup, converted */
static SPF_dns_rr_t *
dns_spf2_lookup(SPF_dns_server_t *self, const char *domain, ns_type rr_type,
		int should_cache)
{
	struct dns_answer ans;
	SPF_dns_rr_t *rr;
	size_t i;

	switch (rr_type) {
	case ns_t_a:
	case ns_t_aaaa:
	case ns_t_mx:
	case ns_t_ptr:
	case ns_t_txt:
		break;
	case ns_t_spf:		/* RFC 4408's type, gone in RFC 7208 */
	default:
		return SPF_dns_rr_new_init(self, domain, rr_type, 0, NO_DATA);
	}
	/* a null MX (RFC 7505) names the root, which has no address */
	if (domain[0] == '\0' || strcmp(domain, ".") == 0)
		return SPF_dns_rr_new_init(self, domain, rr_type, 0, NO_DATA);
	dns_lookup(domain, (enum dns_type)rr_type, &ans);
	rr = SPF_dns_rr_new_init(self, domain, rr_type,
	    (int)(ans.status == DNS_OK ? ans.min_ttl : ans.negative_ttl),
	    dns_spf2_herrno(ans.status));
	if (rr == NULL || ans.status != DNS_OK) {
		dns_answer_free(&ans);
		return rr;
	}
	for (i = 0; i < ans.count; i++) {
		if (dns_spf2_record(rr, (int)i, rr_type, &ans.records[i]) < 0) {
			/* out of memory: as SPF_dns_resolv, a temporary error */
			rr->num_rr = 0;
			rr->herrno = TRY_AGAIN;
			break;
		}
		rr->num_rr = (int)i + 1;
	}
	dns_answer_free(&ans);
	return rr;
}

/* dns_spf2_destroy - the layer owns nothing but itself */
static void
dns_spf2_destroy(SPF_dns_server_t *self)
{
	free(self);
}

/* dns_spf2_new - see dns_spf2.h */
SPF_dns_server_t *
dns_spf2_new(int debug)
{
	SPF_dns_server_t *self = calloc(1, sizeof(*self));

	if (self == NULL)
		return NULL;
	self->destroy = dns_spf2_destroy;
	self->lookup = dns_spf2_lookup;
	self->layer_below = NULL;
	self->name = "trustmx-dns";
	self->debug = debug;
	return self;
}
