/*
 * proxy_encode.c - writing PROXY headers: a v1 line, or a v2 header built
 * step by step (addresses, TLVs, an SSL TLV with sub-TLVs, CRC32C) in a
 * buffer the caller owns. Any failure makes a v2 writer stick at -1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "trustmx/proxy.h"
#include "bytes.h"
#include "tmx-private.h"

static const uint8_t proxy_encode_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
	0x55, 0x49, 0x54, 0x0a,
};

#define PROXY_ENCODE_V2_VERSION	0x20
#define PROXY_ENCODE_UNIX_PATH	108	/* v2 address block path length */
#define PROXY_ENCODE_TLV_HDR	3	/* type, 16-bit length */
#define PROXY_ENCODE_SSL_HDR	5	/* client, 32-bit verify */
#define PROXY_ENCODE_CRC_LEN	4

/* proxy_encode_v1_addr - "a.b.c.d a.b.c.d p p" for one address family */
static int
proxy_encode_v1_addr(const char *proto, int af, const struct sockaddr *src,
		     const struct sockaddr *dst, char *out, size_t size)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const void *sa, *da;
	unsigned sp, dp;
	int n;

	if (src == NULL || dst == NULL || src->sa_family != af ||
	    dst->sa_family != af)
		return -1;
	if (af == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
		const struct sockaddr_in *d4 = (const struct sockaddr_in *)dst;

		sa = &s4->sin_addr;
		da = &d4->sin_addr;
		sp = ntohs(s4->sin_port);
		dp = ntohs(d4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)src;
		const struct sockaddr_in6 *d6 =
		    (const struct sockaddr_in6 *)dst;

		sa = &s6->sin6_addr;
		da = &d6->sin6_addr;
		sp = ntohs(s6->sin6_port);
		dp = ntohs(d6->sin6_port);
	}
	if (inet_ntop(af, sa, s, sizeof(s)) == NULL ||
	    inet_ntop(af, da, d, sizeof(d)) == NULL)
		return -1;
	n = snprintf(out, size, "PROXY %s %s %s %u %u\r\n", proto, s, d,
		     sp, dp);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

/* tmx_proxy_encode_v1 - write a v1 line: TCP4, TCP6 or UNKNOWN */
TMX_EXPORT int
tmx_proxy_encode_v1(enum tmx_proxy_family family,
		    const struct sockaddr *src, const struct sockaddr *dst,
		    uint8_t *buf, size_t size, size_t *len_r)
{
	/* room for the longest line and snprintf's NUL */
	char line[TMX_PROXY_V1_MAX + 1];
	int n;

	switch (family) {
	case TMX_PROXY_FAM_TCP4:
		n = proxy_encode_v1_addr("TCP4", AF_INET, src, dst, line,
					 sizeof(line));
		break;
	case TMX_PROXY_FAM_TCP6:
		n = proxy_encode_v1_addr("TCP6", AF_INET6, src, dst, line,
					 sizeof(line));
		break;
	case TMX_PROXY_FAM_UNKNOWN:
		n = snprintf(line, sizeof(line), "PROXY UNKNOWN\r\n");
		break;
	default:
		return -1;
	}
	if (n < 0 || buf == NULL || (size_t)n > size)
		return -1;
	memcpy(buf, line, (size_t)n);
	if (len_r != NULL)
		*len_r = (size_t)n;
	return 0;
}

/* proxy_encode_fail - make the writer's error sticky; always -1 */
static int
proxy_encode_fail(struct tmx_proxy_v2_writer *w)
{
	w->error = -1;
	return -1;
}

/* proxy_encode_room - can n more bytes go in without passing any limit */
static bool
proxy_encode_room(const struct tmx_proxy_v2_writer *w, size_t n)
{
	if (n > w->size - w->len)
		return false;
	/* the length field counts everything after the fixed part */
	return w->len + n - TMX_PROXY_V2_HDRLEN <= UINT16_MAX;
}

/* proxy_encode_put - append n bytes (value may be NULL: zeroes) */
static int
proxy_encode_put(struct tmx_proxy_v2_writer *w, const void *value, size_t n)
{
	if (!proxy_encode_room(w, n))
		return proxy_encode_fail(w);
	if (value != NULL)
		memcpy(w->buf + w->len, value, n);
	else
		memset(w->buf + w->len, 0, n);
	w->len += n;
	return 0;
}

/* proxy_encode_v2_fam - the v2 family byte, and the address block size */
static int
proxy_encode_v2_fam(enum tmx_proxy_family family, uint8_t *fam_r,
		    int *af_r, size_t *addrlen_r)
{
	static const struct {
		enum tmx_proxy_family family;
		uint8_t fam;
		int af;
		size_t addrlen;
	} map[] = {
		{ TMX_PROXY_FAM_UNSPEC, 0x00, AF_UNSPEC, 0 },
		{ TMX_PROXY_FAM_TCP4, 0x11, AF_INET, 12 },
		{ TMX_PROXY_FAM_UDP4, 0x12, AF_INET, 12 },
		{ TMX_PROXY_FAM_TCP6, 0x21, AF_INET6, 36 },
		{ TMX_PROXY_FAM_UDP6, 0x22, AF_INET6, 36 },
		{ TMX_PROXY_FAM_UNIX, 0x31, AF_UNIX,
		    2 * PROXY_ENCODE_UNIX_PATH },
		{ TMX_PROXY_FAM_UNIX_DGRAM, 0x32, AF_UNIX,
		    2 * PROXY_ENCODE_UNIX_PATH },
	};
	size_t i;

	for (i = 0; i < TMX_ARRAY_SIZE(map); i++) {
		if (map[i].family == family) {
			*fam_r = map[i].fam;
			*af_r = map[i].af;
			*addrlen_r = map[i].addrlen;
			return 0;
		}
	}
	return -1;
}

/* proxy_encode_v2_unix - one 108-byte zero-padded path */
static void
proxy_encode_v2_unix(uint8_t *out, const struct sockaddr *sa)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	size_t n = strnlen(un->sun_path, sizeof(un->sun_path));

	if (n > PROXY_ENCODE_UNIX_PATH)
		n = PROXY_ENCODE_UNIX_PATH;
	memset(out, 0, PROXY_ENCODE_UNIX_PATH);
	memcpy(out, un->sun_path, n);
}

/* proxy_encode_v2_addrs - fill the address block (addrlen bytes) at out */
static void
proxy_encode_v2_addrs(uint8_t *out, int af, const struct sockaddr *src,
		      const struct sockaddr *dst)
{
	if (af == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
		const struct sockaddr_in *d4 = (const struct sockaddr_in *)dst;

		memcpy(out, &s4->sin_addr, 4);
		memcpy(out + 4, &d4->sin_addr, 4);
		tmx_put_be16(out + 8, ntohs(s4->sin_port));
		tmx_put_be16(out + 10, ntohs(d4->sin_port));
	} else if (af == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)src;
		const struct sockaddr_in6 *d6 =
		    (const struct sockaddr_in6 *)dst;

		memcpy(out, &s6->sin6_addr, 16);
		memcpy(out + 16, &d6->sin6_addr, 16);
		tmx_put_be16(out + 32, ntohs(s6->sin6_port));
		tmx_put_be16(out + 34, ntohs(d6->sin6_port));
	} else if (af == AF_UNIX) {
		proxy_encode_v2_unix(out, src);
		proxy_encode_v2_unix(out + PROXY_ENCODE_UNIX_PATH, dst);
	}
}

/*
 * tmx_proxy_v2_begin - signature, command, family and address block. UNSPEC
 * writes no addresses (src and dst are ignored, and may be NULL); every other
 * family needs both sockaddrs of its address family.
 */
TMX_EXPORT int
tmx_proxy_v2_begin(struct tmx_proxy_v2_writer *w, uint8_t *buf,
		   size_t size, enum tmx_proxy_command command,
		   enum tmx_proxy_family family,
		   const struct sockaddr *src, const struct sockaddr *dst)
{
	uint8_t fam;
	size_t addrlen;
	int af;

	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = buf != NULL ? size : 0;
	if (command != TMX_PROXY_CMD_LOCAL && command != TMX_PROXY_CMD_PROXY)
		return proxy_encode_fail(w);
	if (proxy_encode_v2_fam(family, &fam, &af, &addrlen) < 0)
		return proxy_encode_fail(w);
	if (af != AF_UNSPEC && (src == NULL || dst == NULL ||
	    src->sa_family != af || dst->sa_family != af))
		return proxy_encode_fail(w);
	if (w->size < TMX_PROXY_V2_HDRLEN + addrlen)
		return proxy_encode_fail(w);
	memcpy(buf, proxy_encode_v2_sig, sizeof(proxy_encode_v2_sig));
	buf[12] = PROXY_ENCODE_V2_VERSION | (uint8_t)command;
	buf[13] = fam;
	tmx_put_be16(buf + 14, (uint16_t)addrlen);
	proxy_encode_v2_addrs(buf + TMX_PROXY_V2_HDRLEN, af, src, dst);
	w->len = TMX_PROXY_V2_HDRLEN + addrlen;
	return 0;
}

/* tmx_proxy_v2_add_tlv - append one TLV (inside an open SSL TLV: a sub-TLV) */
TMX_EXPORT int
tmx_proxy_v2_add_tlv(struct tmx_proxy_v2_writer *w, uint8_t type,
		     const void *value, size_t len)
{
	uint8_t hdr[PROXY_ENCODE_TLV_HDR];

	if (w->error != 0)
		return -1;
	if (len > UINT16_MAX || (len > 0 && value == NULL))
		return proxy_encode_fail(w);
	if (!proxy_encode_room(w, sizeof(hdr) + len))
		return proxy_encode_fail(w);
	hdr[0] = type;
	tmx_put_be16(hdr + 1, (uint16_t)len);
	proxy_encode_put(w, hdr, sizeof(hdr));
	if (len > 0)
		proxy_encode_put(w, value, len);
	return 0;
}

/*
 * tmx_proxy_v2_ssl_begin - open an SSL TLV: its header, client and verify.
 * The TLV length is written by tmx_proxy_v2_ssl_end.
 */
TMX_EXPORT int
tmx_proxy_v2_ssl_begin(struct tmx_proxy_v2_writer *w, uint8_t client,
		       uint32_t verify)
{
	uint8_t hdr[PROXY_ENCODE_TLV_HDR + PROXY_ENCODE_SSL_HDR];

	if (w->error != 0)
		return -1;
	if (w->ssl_start != 0)
		return proxy_encode_fail(w);
	hdr[0] = TMX_PP2_TYPE_SSL;
	tmx_put_be16(hdr + 1, 0);
	hdr[3] = client;
	tmx_put_be32(hdr + 4, verify);
	w->ssl_start = w->len;
	return proxy_encode_put(w, hdr, sizeof(hdr));
}

/* tmx_proxy_v2_ssl_end - close the open SSL TLV and write its length */
TMX_EXPORT int
tmx_proxy_v2_ssl_end(struct tmx_proxy_v2_writer *w)
{
	size_t len;

	if (w->error != 0)
		return -1;
	if (w->ssl_start == 0)
		return proxy_encode_fail(w);
	len = w->len - w->ssl_start - PROXY_ENCODE_TLV_HDR;
	if (len > UINT16_MAX)
		return proxy_encode_fail(w);
	tmx_put_be16(w->buf + w->ssl_start + 1, (uint16_t)len);
	w->ssl_start = 0;
	return 0;
}

/*
 * tmx_proxy_v2_finish - write the length field; with crc32c, append a
 * CRC32C TLV and fill it with the checksum of the whole header, computed
 * while the TLV's value is still zero. *len_r = the header's size.
 */
TMX_EXPORT int
tmx_proxy_v2_finish(struct tmx_proxy_v2_writer *w, bool crc32c,
		    size_t *len_r)
{
	size_t crc_at = 0;

	if (w->error != 0)
		return -1;
	if (w->ssl_start != 0)
		return proxy_encode_fail(w);
	if (crc32c) {
		if (tmx_proxy_v2_add_tlv(w, TMX_PP2_TYPE_CRC32C,
		    "\0\0\0\0", PROXY_ENCODE_CRC_LEN) < 0)
			return -1;
		crc_at = w->len - PROXY_ENCODE_CRC_LEN;
	}
	tmx_put_be16(w->buf + 14, (uint16_t)(w->len - TMX_PROXY_V2_HDRLEN));
	if (crc32c)
		tmx_put_be32(w->buf + crc_at, tmx_crc32c(0, w->buf, w->len));
	if (len_r != NULL)
		*len_r = w->len;
	return 0;
}
