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

/*
 * What each family byte means: allowed or not, the family (an enum
 * tmx_proxy_family), the address block size. Indexed by the byte itself.
 */
static const struct v2_family {
	bool allowed;
	uint8_t family;
	uint16_t addrlen;
} v2_families[256] = {
	[0x00] = { true, TMX_PROXY_FAM_UNSPEC, 0 },
	[0x11] = { true, TMX_PROXY_FAM_TCP4, 12 },
	[0x12] = { true, TMX_PROXY_FAM_UDP4, 12 },
	[0x21] = { true, TMX_PROXY_FAM_TCP6, 36 },
	[0x22] = { true, TMX_PROXY_FAM_UDP6, 36 },
	[0x31] = { true, TMX_PROXY_FAM_UNIX, 216 },
	[0x32] = { true, TMX_PROXY_FAM_UNIX_DGRAM, 216 },
};

/* The singleton TLVs, one bit each in v2_walk.seen. */
#define V2_SEEN_ALPN		(1u << 0)
#define V2_SEEN_AUTHORITY	(1u << 1)
#define V2_SEEN_CRC32C		(1u << 2)
#define V2_SEEN_UNIQUE_ID	(1u << 3)
#define V2_SEEN_SSL		(1u << 4)
#define V2_SEEN_NETNS		(1u << 5)

/*
 * Where the TLV walk is: the header, how much of it arrived, what it saw.
 * What it saw is kept here, not in the caller's header, which is written
 * only once the whole header is known to be good. Each value is valid
 * only when its bit is in seen; ssl is zeroed when the SSL TLV starts.
 */
struct v2_walk {
	const uint8_t *buf;
	size_t end;		/* 16 + the length field */
	size_t avail;		/* bytes of it present: <= end */
	unsigned seen;		/* V2_SEEN_* */
	size_t crc_at;		/* CRC32C value offset; 0: none */
	struct tmx_proxy_bytes alpn, authority, unique_id, netns;
	struct tmx_proxy_ssl ssl;
};

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
	struct tmx_proxy_ssl *ssl = &w->ssl;
	struct tmx_proxy_tlv sub;
	const char *error = NULL;
	size_t pos;

	if (end - start < V2_SSL_FIXED)
		return "SSL TLV shorter than 5 bytes in v2 header";
	memset(ssl, 0, sizeof(*ssl));
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
		return V2_SEEN_ALPN;
	case TMX_PP2_TYPE_AUTHORITY:
		return V2_SEEN_AUTHORITY;
	case TMX_PP2_TYPE_CRC32C:
		return V2_SEEN_CRC32C;
	case TMX_PP2_TYPE_UNIQUE_ID:
		return V2_SEEN_UNIQUE_ID;
	case TMX_PP2_TYPE_SSL:
		return V2_SEEN_SSL;
	case TMX_PP2_TYPE_NETNS:
		return V2_SEEN_NETNS;
	default:
		return 0;
	}
}

/* proxy_v2_tlv - check and record one top-level TLV at pos */
static const char *
proxy_v2_tlv(struct v2_walk *w, size_t pos, const struct tmx_proxy_tlv *tlv)
{
	struct tmx_proxy_bytes value = { tlv->value, tlv->len };
	unsigned bit = proxy_v2_singleton(tlv->type);

	if (w->seen & bit)
		return "duplicate TLV in v2 header";
	w->seen |= bit;
	switch (tlv->type) {
	case TMX_PP2_TYPE_ALPN:
		w->alpn = value;
		break;
	case TMX_PP2_TYPE_AUTHORITY:
		if (tlv->len > TMX_PP2_AUTHORITY_MAX)
			return "AUTHORITY TLV longer than 255 bytes";
		w->authority = value;
		break;
	case TMX_PP2_TYPE_CRC32C:
		if (tlv->len != 4)
			return "CRC32C TLV not 4 bytes long";
		w->crc_at = pos + V2_TLV_HDRLEN;
		break;
	case TMX_PP2_TYPE_UNIQUE_ID:
		if (tlv->len > TMX_PP2_UNIQUE_ID_MAX)
			return "UNIQUE_ID TLV longer than 128 bytes";
		w->unique_id = value;
		break;
	case TMX_PP2_TYPE_SSL:
		return proxy_v2_ssl(w, pos + V2_TLV_HDRLEN,
		    pos + V2_TLV_HDRLEN + tlv->len);
	case TMX_PP2_TYPE_NETNS:
		w->netns = value;
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

/* proxy_v2_unix - a 108-byte v2 UNIX address into zeroed storage */
static void
proxy_v2_unix(struct sockaddr_storage *ss, const uint8_t *path)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, V2_UNIX_PATHLEN);
}

/*
 * proxy_v2_fill - the accepted header's fixed part and the addresses of
 * the block at 16 into *hdr. Always inline: a call would cost the header
 * without TLVs more than this whole function saves by existing once.
 */
__attribute__((always_inline)) static inline void
proxy_v2_fill(struct tmx_proxy_hdr *hdr, const uint8_t *buf, unsigned flags)
{
	const uint8_t *a = buf + TMX_PROXY_V2_HDRLEN;

	tmx_proxy_hdr_clear(hdr);
	hdr->version = 2;
	hdr->command = (enum tmx_proxy_command)(buf[12] & 0x0f);
	hdr->family = (enum tmx_proxy_family)v2_families[buf[13]].family;
	/* the address family is the high nibble, the transport the low */
	switch (buf[13] >> 4) {
	case 1:
		tmx_proxy_put_inet(&hdr->src, a, tmx_get_be16(a + 8));
		tmx_proxy_put_inet(&hdr->dst, a + 4, tmx_get_be16(a + 10));
		break;
	case 2:
		tmx_proxy_put_inet6(&hdr->src, a, tmx_get_be16(a + 32), flags);
		tmx_proxy_put_inet6(&hdr->dst, a + 16, tmx_get_be16(a + 34),
		    flags);
		break;
	case 3:
		proxy_v2_unix(&hdr->src, a);
		proxy_v2_unix(&hdr->dst, a + V2_UNIX_PATHLEN);
		break;
	default:
		/* UNSPEC: no addresses; src and dst stay AF_UNSPEC */
		break;
	}
}

/* proxy_v2_fill_tlvs - what the walk of the TLV area at start saw */
static void
proxy_v2_fill_tlvs(struct tmx_proxy_hdr *hdr, size_t start,
		   const struct v2_walk *w)
{
	hdr->tlvs.ptr = w->buf + start;
	hdr->tlvs.len = w->end - start;
	hdr->crc32c = w->crc_at != 0;
	if (w->seen & V2_SEEN_ALPN)
		hdr->alpn = w->alpn;
	if (w->seen & V2_SEEN_AUTHORITY)
		hdr->authority = w->authority;
	if (w->seen & V2_SEEN_UNIQUE_ID)
		hdr->unique_id = w->unique_id;
	if (w->seen & V2_SEEN_NETNS)
		hdr->netns = w->netns;
	if (w->seen & V2_SEEN_SSL)
		hdr->ssl = w->ssl;
}

/*
 * proxy_v2_with_tlvs - the rest of tmx_proxy_parse_v2 for a header whose
 * fixed part is good and whose length leaves room for TLVs after the
 * address block. Not inlined: the walk's state would otherwise weigh on
 * every header, and most carry no TLVs.
 */
__attribute__((noinline)) static enum tmx_proxy_status
proxy_v2_with_tlvs(const uint8_t *buf, size_t len, unsigned flags,
		   struct tmx_proxy_hdr *hdr_r, size_t *n_r,
		   const char **error_r)
{
	size_t end = TMX_PROXY_V2_HDRLEN + (size_t)tmx_get_be16(buf + 14);
	size_t start = TMX_PROXY_V2_HDRLEN + v2_families[buf[13]].addrlen;
	struct v2_walk w;
	const char *error;

	w.buf = buf;
	w.end = end;
	w.avail = len < end ? len : end;
	w.seen = 0;
	w.crc_at = 0;
	if ((error = proxy_v2_tlvs(&w, start)) != NULL)
		return tmx_proxy_invalid(error_r, error);
	if (len < end)
		return tmx_proxy_need(n_r, end - len);
	if (w.crc_at != 0 && !proxy_v2_crc_ok(buf, end, w.crc_at))
		return tmx_proxy_invalid(error_r,
		    "CRC32C mismatch in v2 header");
	if (hdr_r != NULL) {
		proxy_v2_fill(hdr_r, buf, flags);
		proxy_v2_fill_tlvs(hdr_r, start, &w);
	}
	return tmx_proxy_done(n_r, end);
}

/*
 * proxy_v2_fixed - check the fixed 16 bytes as far as they arrived. Inline:
 * called with all 16 in, its length tests fold away.
 */
static inline const char *
proxy_v2_fixed(const uint8_t *buf, size_t len)
{
	const struct v2_family *fam;

	if (len >= TMX_PROXY_V2_SIGLEN) {
		/* a constant length: two compares, no call */
		if (memcmp(buf, tmx_proxy_v2_sig, TMX_PROXY_V2_SIGLEN) != 0)
			return "bad PROXY v2 signature";
	} else {
		/* no memcmp call either: it would cost every header a frame */
		for (size_t i = 0; i < len; i++)
			if (buf[i] != tmx_proxy_v2_sig[i])
				return "bad PROXY v2 signature";
	}
	if (len <= 12)
		return NULL;
	if ((buf[12] >> 4) != 2)
		return "PROXY v2 version is not 2";
	if ((buf[12] & 0x0f) > TMX_PROXY_CMD_PROXY)
		return "PROXY v2 command is neither LOCAL nor PROXY";
	if (len <= 13)
		return NULL;
	fam = &v2_families[buf[13]];
	if (!fam->allowed)
		return "PROXY v2 address family or protocol unknown";
	if (len >= TMX_PROXY_V2_HDRLEN &&
	    tmx_get_be16(buf + 14) < fam->addrlen)
		return "PROXY v2 length shorter than its address block";
	return NULL;
}

/* tmx_proxy_parse_v2 - parse a v2 header, refusing bad prefixes at once */
enum tmx_proxy_status
tmx_proxy_parse_v2(const uint8_t *buf, size_t len, unsigned flags,
		   struct tmx_proxy_hdr *hdr_r, size_t *n_r,
		   const char **error_r)
{
	const char *error;
	size_t start, end;

	if (len < TMX_PROXY_V2_HDRLEN) {
		if ((error = proxy_v2_fixed(buf, len)) != NULL)
			return tmx_proxy_invalid(error_r, error);
		return tmx_proxy_need(n_r, TMX_PROXY_V2_HDRLEN - len);
	}
	if ((error = proxy_v2_fixed(buf, TMX_PROXY_V2_HDRLEN)) != NULL)
		return tmx_proxy_invalid(error_r, error);
	end = TMX_PROXY_V2_HDRLEN + (size_t)tmx_get_be16(buf + 14);
	start = TMX_PROXY_V2_HDRLEN + v2_families[buf[13]].addrlen;
	if (start < end)
		return proxy_v2_with_tlvs(buf, len, flags, hdr_r, n_r,
		    error_r);
	if (len < end)
		return tmx_proxy_need(n_r, end - len);
	if (hdr_r != NULL)
		proxy_v2_fill(hdr_r, buf, flags);
	return tmx_proxy_done(n_r, end);
}
