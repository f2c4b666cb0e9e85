/*
 * proxy_v2.c - the binary PROXY v2 header: fixed 16 bytes, address block,
 * then TLVs parsed strictly to the header's end (SSL sub-TLVs too, CRC32C
 * verified). Prefixes are checked as far as they go, so a bad TLV layout is
 * refused before the rest of the header arrives.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/un.h>

#include "trustmx/proxy.h"
#include "bytes.h"
#include "proxy-private.h"

#define V2_UNIX_PATHLEN	108
#define V2_TLV_HDRLEN	3
#define V2_SSL_FIXED	5	/* client (1) + verify (4) */

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) >= V2_UNIX_PATHLEN,
    "sun_path holds a PROXY v2 UNIX address");

const uint8_t tmx_proxy_v2_sig[TMX_PROXY_V2_SIGLEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* The family byte values v2 allows, and their address block sizes. */
static const struct {
	uint8_t byte;
	enum tmx_proxy_family family;
	uint16_t addrlen;
} v2_families[] = {
	{ 0x00, TMX_PROXY_FAM_UNSPEC, 0 },
	{ 0x11, TMX_PROXY_FAM_TCP4, 12 },
	{ 0x12, TMX_PROXY_FAM_UDP4, 12 },
	{ 0x21, TMX_PROXY_FAM_TCP6, 36 },
	{ 0x22, TMX_PROXY_FAM_UDP6, 36 },
	{ 0x31, TMX_PROXY_FAM_UNIX, 216 },
	{ 0x32, TMX_PROXY_FAM_UNIX_DGRAM, 216 },
};

/* Where the TLV walk is: the header, how much of it arrived, what it saw. */
struct v2_walk {
	const uint8_t *buf;
	size_t end;		/* 16 + the length field */
	size_t avail;		/* bytes of it present: <= end */
	unsigned seen;		/* singleton TLVs met, one bit each */
	size_t crc_at;		/* CRC32C value offset; 0: none */
	struct tmx_proxy_hdr *hdr;
};

/* proxy_v2_family - look up the family byte; -1 when v2 does not allow it */
static int
proxy_v2_family(uint8_t byte)
{
	for (size_t i = 0; i < sizeof(v2_families) / sizeof(v2_families[0]);
	    i++)
		if (v2_families[i].byte == byte)
			return (int)i;
	return -1;
}

/*
 * proxy_v2_tlv_at - the TLV starting at pos of an area ending at end.
 * 1: *tlv_r filled (its value may not have fully arrived); 0: its 3-byte
 * head has not arrived yet; -1: it cannot fit the area (*error_r).
 */
static int
proxy_v2_tlv_at(const struct v2_walk *w, size_t pos, size_t end,
		struct tmx_proxy_tlv *tlv_r, const char **error_r)
{
	size_t vlen;

	if (end - pos < V2_TLV_HDRLEN) {
		*error_r = "truncated TLV header in v2 header";
		return -1;
	}
	if (w->avail < pos + V2_TLV_HDRLEN)
		return 0;
	vlen = tmx_get_be16(w->buf + pos + 1);
	if (vlen > end - pos - V2_TLV_HDRLEN) {
		*error_r = "TLV runs past its area in v2 header";
		return -1;
	}
	tlv_r->type = w->buf[pos];
	tlv_r->len = (uint16_t)vlen;
	tlv_r->value = w->buf + pos + V2_TLV_HDRLEN;
	return 1;
}

/* proxy_v2_ssl_slot - where an SSL sub-TLV type is kept; NULL if not kept */
static struct tmx_proxy_bytes *
proxy_v2_ssl_slot(struct tmx_proxy_ssl *ssl, uint8_t type)
{
	switch (type) {
	case TMX_PP2_SUBTYPE_SSL_VERSION:
		return &ssl->version;
	case TMX_PP2_SUBTYPE_SSL_CN:
		return &ssl->cn;
	case TMX_PP2_SUBTYPE_SSL_CIPHER:
		return &ssl->cipher;
	case TMX_PP2_SUBTYPE_SSL_SIG_ALG:
		return &ssl->sig_alg;
	case TMX_PP2_SUBTYPE_SSL_KEY_ALG:
		return &ssl->key_alg;
	case TMX_PP2_SUBTYPE_SSL_GROUP:
		return &ssl->group;
	case TMX_PP2_SUBTYPE_SSL_SIG_SCHEME:
		return &ssl->sig_scheme;
	case TMX_PP2_SUBTYPE_SSL_CLIENT_CERT:
		return &ssl->client_cert;
	default:
		return NULL;
	}
}

/* proxy_v2_ssl - the SSL TLV's fixed part and its sub-TLVs, to its end */
static const char *
proxy_v2_ssl(struct v2_walk *w, size_t start, size_t end)
{
	struct tmx_proxy_ssl *ssl = &w->hdr->ssl;
	struct tmx_proxy_tlv sub;
	const char *error = NULL;
	size_t pos;

	if (end - start < V2_SSL_FIXED)
		return "SSL TLV shorter than 5 bytes in v2 header";
	ssl->present = true;
	if (w->avail < start + V2_SSL_FIXED)
		return NULL;
	ssl->client = w->buf[start];
	ssl->verify = tmx_get_be32(w->buf + start + 1);
	for (pos = start + V2_SSL_FIXED; pos < end;
	    pos += V2_TLV_HDRLEN + sub.len) {
		struct tmx_proxy_bytes *slot;

		/* not all here yet: NULL, fine so far; or the fault */
		if (proxy_v2_tlv_at(w, pos, end, &sub, &error) <= 0)
			return error;
		if ((slot = proxy_v2_ssl_slot(ssl, sub.type)) == NULL)
			continue;
		if (slot->ptr != NULL)
			return "duplicate SSL sub-TLV in v2 header";
		slot->ptr = sub.value;
		slot->len = sub.len;
	}
	return NULL;
}

/* proxy_v2_singleton - the bit for a TLV type that may appear once, or 0 */
static unsigned
proxy_v2_singleton(uint8_t type)
{
	switch (type) {
	case TMX_PP2_TYPE_ALPN:
		return 1u << 0;
	case TMX_PP2_TYPE_AUTHORITY:
		return 1u << 1;
	case TMX_PP2_TYPE_CRC32C:
		return 1u << 2;
	case TMX_PP2_TYPE_UNIQUE_ID:
		return 1u << 3;
	case TMX_PP2_TYPE_SSL:
		return 1u << 4;
	case TMX_PP2_TYPE_NETNS:
		return 1u << 5;
	default:
		return 0;
	}
}

/* proxy_v2_tlv - check and record one top-level TLV at pos */
static const char *
proxy_v2_tlv(struct v2_walk *w, size_t pos, const struct tmx_proxy_tlv *tlv)
{
	struct tmx_proxy_hdr *hdr = w->hdr;
	struct tmx_proxy_bytes value = { tlv->value, tlv->len };
	unsigned bit = proxy_v2_singleton(tlv->type);

	if (w->seen & bit)
		return "duplicate TLV in v2 header";
	w->seen |= bit;
	switch (tlv->type) {
	case TMX_PP2_TYPE_ALPN:
		hdr->alpn = value;
		break;
	case TMX_PP2_TYPE_AUTHORITY:
		if (tlv->len > TMX_PP2_AUTHORITY_MAX)
			return "AUTHORITY TLV longer than 255 bytes";
		hdr->authority = value;
		break;
	case TMX_PP2_TYPE_CRC32C:
		if (tlv->len != 4)
			return "CRC32C TLV not 4 bytes long";
		w->crc_at = pos + V2_TLV_HDRLEN;
		break;
	case TMX_PP2_TYPE_UNIQUE_ID:
		if (tlv->len > TMX_PP2_UNIQUE_ID_MAX)
			return "UNIQUE_ID TLV longer than 128 bytes";
		hdr->unique_id = value;
		break;
	case TMX_PP2_TYPE_SSL:
		return proxy_v2_ssl(w, pos + V2_TLV_HDRLEN,
		    pos + V2_TLV_HDRLEN + tlv->len);
	case TMX_PP2_TYPE_NETNS:
		hdr->netns = value;
		break;
	default:
		/* NOOP, custom, experimental, future: raw in hdr->tlvs */
		break;
	}
	return NULL;
}

/* proxy_v2_tlvs - walk the TLV area [start, w->end) as far as it arrived */
static const char *
proxy_v2_tlvs(struct v2_walk *w, size_t start)
{
	struct tmx_proxy_tlv tlv;
	const char *error = NULL;
	size_t pos;

	for (pos = start; pos < w->end; pos += V2_TLV_HDRLEN + tlv.len) {
		/* not all here yet: NULL, fine so far; or the fault */
		if (proxy_v2_tlv_at(w, pos, w->end, &tlv, &error) <= 0)
			return error;
		if ((error = proxy_v2_tlv(w, pos, &tlv)) != NULL)
			return error;
	}
	return NULL;
}

/* proxy_v2_crc_ok - CRC32C of the header with the TLV's value as zeros */
static bool
proxy_v2_crc_ok(const uint8_t *buf, size_t end, size_t at)
{
	static const uint8_t zero[4];
	uint32_t crc;

	crc = tmx_crc32c(0, buf, at);
	crc = tmx_crc32c(crc, zero, sizeof(zero));
	crc = tmx_crc32c(crc, buf + at + 4, end - at - 4);
	return crc == tmx_get_be32(buf + at);
}

/* proxy_v2_unix - a 108-byte v2 UNIX address as a sockaddr_un */
static void
proxy_v2_unix(struct sockaddr_storage *ss, const uint8_t *path)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof(*ss));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, V2_UNIX_PATHLEN);
}

/* proxy_v2_addresses - fill src and dst from the address block at 16 */
static void
proxy_v2_addresses(const uint8_t *buf, enum tmx_proxy_family family,
		   unsigned flags, struct tmx_proxy_hdr *hdr)
{
	const uint8_t *a = buf + TMX_PROXY_V2_HDRLEN;

	switch (family) {
	case TMX_PROXY_FAM_TCP4:
	case TMX_PROXY_FAM_UDP4:
		tmx_proxy_set_inet(&hdr->src, a, tmx_get_be16(a + 8));
		tmx_proxy_set_inet(&hdr->dst, a + 4, tmx_get_be16(a + 10));
		break;
	case TMX_PROXY_FAM_TCP6:
	case TMX_PROXY_FAM_UDP6:
		tmx_proxy_set_inet6(&hdr->src, a, tmx_get_be16(a + 32), flags);
		tmx_proxy_set_inet6(&hdr->dst, a + 16, tmx_get_be16(a + 34),
		    flags);
		break;
	case TMX_PROXY_FAM_UNIX:
	case TMX_PROXY_FAM_UNIX_DGRAM:
		proxy_v2_unix(&hdr->src, a);
		proxy_v2_unix(&hdr->dst, a + V2_UNIX_PATHLEN);
		break;
	default:
		/* UNSPEC: no addresses; src and dst stay AF_UNSPEC */
		break;
	}
}

/*
 * proxy_v2_fixed - check the fixed 16 bytes as far as they arrived; the
 * family's index in v2_families once byte 14 is there, else -1.
 */
static const char *
proxy_v2_fixed(const uint8_t *buf, size_t len, int *fam_r)
{
	size_t n = len < TMX_PROXY_V2_SIGLEN ? len : TMX_PROXY_V2_SIGLEN;

	*fam_r = -1;
	if (memcmp(buf, tmx_proxy_v2_sig, n) != 0)
		return "bad PROXY v2 signature";
	if (len <= 12)
		return NULL;
	if ((buf[12] >> 4) != 2)
		return "PROXY v2 version is not 2";
	if ((buf[12] & 0x0f) > TMX_PROXY_CMD_PROXY)
		return "PROXY v2 command is neither LOCAL nor PROXY";
	if (len <= 13)
		return NULL;
	if ((*fam_r = proxy_v2_family(buf[13])) < 0)
		return "PROXY v2 address family or protocol unknown";
	if (len >= TMX_PROXY_V2_HDRLEN &&
	    tmx_get_be16(buf + 14) < v2_families[*fam_r].addrlen)
		return "PROXY v2 length shorter than its address block";
	return NULL;
}

/* tmx_proxy_parse_v2 - parse a v2 header, refusing bad prefixes at once */
enum tmx_proxy_status
tmx_proxy_parse_v2(const uint8_t *buf, size_t len, unsigned flags,
		   struct tmx_proxy_hdr *hdr_r, size_t *n_r,
		   const char **error_r)
{
	struct v2_walk w;
	const char *error;
	size_t start;
	int fam;

	if ((error = proxy_v2_fixed(buf, len, &fam)) != NULL) {
		*error_r = error;
		return TMX_PROXY_INVALID;
	}
	if (len < TMX_PROXY_V2_HDRLEN) {
		*n_r = TMX_PROXY_V2_HDRLEN - len;
		return TMX_PROXY_INCOMPLETE;
	}

	/* tmx_proxy_parse zeroed *hdr_r */
	memset(&w, 0, sizeof(w));
	w.buf = buf;
	w.end = TMX_PROXY_V2_HDRLEN + (size_t)tmx_get_be16(buf + 14);
	w.avail = len < w.end ? len : w.end;
	w.hdr = hdr_r;
	start = TMX_PROXY_V2_HDRLEN + v2_families[fam].addrlen;
	if ((error = proxy_v2_tlvs(&w, start)) != NULL) {
		*error_r = error;
		return TMX_PROXY_INVALID;
	}
	if (len < w.end) {
		*n_r = w.end - len;
		return TMX_PROXY_INCOMPLETE;
	}
	if (w.crc_at != 0) {
		if (!proxy_v2_crc_ok(buf, w.end, w.crc_at)) {
			*error_r = "CRC32C mismatch in v2 header";
			return TMX_PROXY_INVALID;
		}
		hdr_r->crc32c = true;
	}

	hdr_r->version = 2;
	hdr_r->command = (enum tmx_proxy_command)(buf[12] & 0x0f);
	hdr_r->family = v2_families[fam].family;
	proxy_v2_addresses(buf, hdr_r->family, flags, hdr_r);
	if (w.end > start) {
		hdr_r->tlvs.ptr = buf + start;
		hdr_r->tlvs.len = w.end - start;
	}
	*n_r = w.end;
	return TMX_PROXY_OK;
}
