/*
 * proxy.c - PROXY protocol entry points: tmx_proxy_parse picks v1 or v2 from
 * the first byte (and the caller's flags), tmx_proxy_sniff classifies a
 * prefix, and small helpers walk TLVs and name families.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "trustmx/proxy.h"
#include "bytes.h"
#include "proxy-private.h"
#include "tmx-private.h"

#define PROXY_V1_SIG		"PROXY"
#define PROXY_V1_SIGLEN		5
#define PROXY_V2_SIG0		0x0d	/* tmx_proxy_v2_sig[0], a CR */

/*
 * tmx_proxy_parse - parse one v1 or v2 header at the start of buf. The
 * version parsers write *hdr_r themselves, only on OK, and one of *n_r (OK,
 * INCOMPLETE) or *error_r (INVALID): the other keeps what is set here.
 */
TMX_EXPORT enum tmx_proxy_status
tmx_proxy_parse(const uint8_t *buf, size_t len, unsigned flags,
		struct tmx_proxy_hdr *hdr_r, size_t *n_r, const char **error_r)
{
	bool v1 = !(flags & TMX_PROXY_F_NO_V1);
	bool v2 = !(flags & TMX_PROXY_F_NO_V2);

	if (n_r != NULL)
		*n_r = 0;
	if (error_r != NULL)
		*error_r = NULL;
	if (!v1 && !v2)
		return tmx_proxy_invalid(error_r,
		    "both PROXY versions refused by flags");
	/* The shortest header either allowed version could send. */
	if (len == 0)
		return tmx_proxy_need(n_r, v1 ? TMX_PROXY_V1_MIN :
		    TMX_PROXY_V2_HDRLEN);
	if (buf[0] == (uint8_t)PROXY_V1_SIG[0])
		return v1 ? tmx_proxy_parse_v1(buf, len, flags, hdr_r, n_r,
		    error_r) : tmx_proxy_invalid(error_r,
		    "PROXY v1 header refused");
	if (buf[0] == PROXY_V2_SIG0)
		return v2 ? tmx_proxy_parse_v2(buf, len, flags, hdr_r, n_r,
		    error_r) : tmx_proxy_invalid(error_r,
		    "PROXY v2 header refused");
	return tmx_proxy_invalid(error_r, "not a PROXY protocol header");
}

/* tmx_proxy_sniff - which header the bytes so far could start */
TMX_EXPORT enum tmx_proxy_sniff
tmx_proxy_sniff(const uint8_t *buf, size_t len)
{
	size_t n;

	if (len == 0)
		return TMX_PROXY_SNIFF_MORE;
	if (buf[0] == PROXY_V2_SIG0) {
		n = len < TMX_PROXY_V2_SIGLEN ? len : TMX_PROXY_V2_SIGLEN;
		if (memcmp(buf, tmx_proxy_v2_sig, n) != 0)
			return TMX_PROXY_SNIFF_NONE;
		return n == TMX_PROXY_V2_SIGLEN ? TMX_PROXY_SNIFF_V2 :
		    TMX_PROXY_SNIFF_MORE;
	}
	n = len < PROXY_V1_SIGLEN ? len : PROXY_V1_SIGLEN;
	if (memcmp(buf, PROXY_V1_SIG, n) != 0)
		return TMX_PROXY_SNIFF_NONE;
	return n == PROXY_V1_SIGLEN ? TMX_PROXY_SNIFF_V1 :
	    TMX_PROXY_SNIFF_MORE;
}

/* tmx_proxy_tlv_next - the TLV at *pos in area, advancing *pos past it */
TMX_EXPORT int
tmx_proxy_tlv_next(struct tmx_proxy_bytes area, size_t *pos,
		   struct tmx_proxy_tlv *tlv_r)
{
	size_t at = *pos, vlen;

	/* The parser checked the area; stay inside it even if it didn't. */
	if (area.ptr == NULL || at >= area.len || area.len - at < 3)
		return 0;
	vlen = tmx_get_be16(area.ptr + at + 1);
	if (vlen > area.len - at - 3)
		return 0;
	tlv_r->type = area.ptr[at];
	tlv_r->len = (uint16_t)vlen;
	tlv_r->value = area.ptr + at + 3;
	*pos = at + 3 + vlen;
	return 1;
}

/* tmx_proxy_ssl_verified - client certificate presented and verified */
TMX_EXPORT bool
tmx_proxy_ssl_verified(const struct tmx_proxy_ssl *ssl)
{
	if (ssl == NULL || !ssl->present || ssl->verify != 0)
		return false;
	return (ssl->client & (TMX_PP2_CLIENT_CERT_CONN |
	    TMX_PP2_CLIENT_CERT_SESS)) != 0;
}

/* tmx_proxy_family_name - "TCP4", "UNSPEC", ... */
TMX_EXPORT const char *
tmx_proxy_family_name(enum tmx_proxy_family family)
{
	switch (family) {
	case TMX_PROXY_FAM_UNSPEC:
		return "UNSPEC";
	case TMX_PROXY_FAM_TCP4:
		return "TCP4";
	case TMX_PROXY_FAM_UDP4:
		return "UDP4";
	case TMX_PROXY_FAM_TCP6:
		return "TCP6";
	case TMX_PROXY_FAM_UDP6:
		return "UDP6";
	case TMX_PROXY_FAM_UNIX:
		return "UNIX";
	case TMX_PROXY_FAM_UNIX_DGRAM:
		return "UNIX_DGRAM";
	case TMX_PROXY_FAM_UNKNOWN:
		return "UNKNOWN";
	}
	return "INVALID";
}
