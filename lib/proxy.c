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

/* tmx_proxy_parse - parse one v1 or v2 header at the start of buf */
TMX_EXPORT enum tmx_proxy_status
tmx_proxy_parse(const uint8_t *buf, size_t len, unsigned flags,
		struct tmx_proxy_hdr *hdr_r, size_t *n_r, const char **error_r)
{
	struct tmx_proxy_hdr parsed, *hdr = &parsed;
	enum tmx_proxy_status status;
	const char *error = NULL;
	size_t n = 0;
	bool v1 = !(flags & TMX_PROXY_F_NO_V1);
	bool v2 = !(flags & TMX_PROXY_F_NO_V2);

	memset(hdr, 0, sizeof(*hdr));
	if (!v1 && !v2) {
		status = TMX_PROXY_INVALID;
		error = "both PROXY versions refused by flags";
	} else if (len == 0) {
		/* The shortest header either allowed version could send. */
		status = TMX_PROXY_INCOMPLETE;
		n = v1 ? TMX_PROXY_V1_MIN : TMX_PROXY_V2_HDRLEN;
	} else if (buf[0] == (uint8_t)PROXY_V1_SIG[0]) {
		if (v1)
			status = tmx_proxy_parse_v1(buf, len, flags, hdr,
			    &n, &error);
		else {
			status = TMX_PROXY_INVALID;
			error = "PROXY v1 header refused";
		}
	} else if (buf[0] == tmx_proxy_v2_sig[0]) {
		if (v2)
			status = tmx_proxy_parse_v2(buf, len, flags, hdr,
			    &n, &error);
		else {
			status = TMX_PROXY_INVALID;
			error = "PROXY v2 header refused";
		}
	} else {
		status = TMX_PROXY_INVALID;
		error = "not a PROXY protocol header";
	}

	if (status == TMX_PROXY_OK && hdr_r != NULL)
		*hdr_r = parsed;
	if (n_r != NULL)
		*n_r = status == TMX_PROXY_INVALID ? 0 : n;
	if (error_r != NULL)
		*error_r = status == TMX_PROXY_INVALID ? error : NULL;
	return status;
}

/* tmx_proxy_sniff - which header the bytes so far could start */
TMX_EXPORT enum tmx_proxy_sniff
tmx_proxy_sniff(const uint8_t *buf, size_t len)
{
	size_t n;

	if (len == 0)
		return TMX_PROXY_SNIFF_MORE;
	if (buf[0] == tmx_proxy_v2_sig[0]) {
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

/* tmx_proxy_set_inet - an AF_INET sockaddr from 4 address bytes and a port */
void
tmx_proxy_set_inet(struct sockaddr_storage *ss, const uint8_t addr[4],
		   uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, addr, 4);
	sin->sin_port = htons(port);
}

/* tmx_proxy_set_inet6 - an AF_INET6 sockaddr, unmapped when asked */
void
tmx_proxy_set_inet6(struct sockaddr_storage *ss, const uint8_t addr[16],
		    uint16_t port, unsigned flags)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if ((flags & TMX_PROXY_F_UNMAP) && memcmp(addr, mapped, 12) == 0) {
		tmx_proxy_set_inet(ss, addr + 12, port);
		return;
	}
	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, addr, 16);
	sin6->sin6_port = htons(port);
}
