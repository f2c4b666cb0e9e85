/*
 * trustmx/proxy.h - PROXY protocol v1/v2 parsing and encoding.
 *
 * The parser does no I/O and never allocates: it fills a struct the caller
 * owns, whose pointers (TLV values, SSL strings) point into the caller's input
 * buffer and stay valid as long as that buffer does. It gives one of three
 * answers: OK and the bytes consumed; INCOMPLETE and the bytes still needed;
 * INVALID and a static reason. Specification: HAProxy doc/proxy-protocol.txt.
 */
#ifndef TRUSTMX_PROXY_H
#define TRUSTMX_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TMX_PROXY_V1_MAX	107	/* longest v1 line, CRLF included */
#define TMX_PROXY_V2_HDRLEN	16	/* signature, ver/cmd, fam, len */
#define TMX_PROXY_V2_MAX	(16 + 65535)

enum tmx_proxy_status {
	TMX_PROXY_OK = 0,	/* *n_r = header bytes consumed */
	TMX_PROXY_INCOMPLETE,	/* *n_r = at least this many more bytes */
	TMX_PROXY_INVALID,	/* *error_r = static reason */
};

enum tmx_proxy_command {
	TMX_PROXY_CMD_LOCAL = 0,
	TMX_PROXY_CMD_PROXY = 1,
};

enum tmx_proxy_family {
	TMX_PROXY_FAM_UNSPEC = 0,	/* v2 0x00 */
	TMX_PROXY_FAM_TCP4,		/* v2 0x11, v1 TCP4 */
	TMX_PROXY_FAM_UDP4,		/* v2 0x12 */
	TMX_PROXY_FAM_TCP6,		/* v2 0x21, v1 TCP6 */
	TMX_PROXY_FAM_UDP6,		/* v2 0x22 */
	TMX_PROXY_FAM_UNIX,		/* v2 0x31 */
	TMX_PROXY_FAM_UNIX_DGRAM,	/* v2 0x32 */
	TMX_PROXY_FAM_UNKNOWN,		/* v1 UNKNOWN */
};

/* TLV types (proxy-protocol.txt section 2.2) */
#define TMX_PP2_TYPE_ALPN		0x01
#define TMX_PP2_TYPE_AUTHORITY		0x02
#define TMX_PP2_TYPE_CRC32C		0x03
#define TMX_PP2_TYPE_NOOP		0x04
#define TMX_PP2_TYPE_UNIQUE_ID		0x05
#define TMX_PP2_TYPE_SSL		0x20
#define TMX_PP2_SUBTYPE_SSL_VERSION	0x21
#define TMX_PP2_SUBTYPE_SSL_CN		0x22
#define TMX_PP2_SUBTYPE_SSL_CIPHER	0x23
#define TMX_PP2_SUBTYPE_SSL_SIG_ALG	0x24
#define TMX_PP2_SUBTYPE_SSL_KEY_ALG	0x25
#define TMX_PP2_SUBTYPE_SSL_GROUP	0x26
#define TMX_PP2_SUBTYPE_SSL_SIG_SCHEME	0x27
#define TMX_PP2_SUBTYPE_SSL_CLIENT_CERT	0x28
#define TMX_PP2_TYPE_NETNS		0x30

/* SSL client field bits */
#define TMX_PP2_CLIENT_SSL		0x01
#define TMX_PP2_CLIENT_CERT_CONN	0x02
#define TMX_PP2_CLIENT_CERT_SESS	0x04

#define TMX_PP2_AUTHORITY_MAX	255
#define TMX_PP2_UNIQUE_ID_MAX	128

/* Parse flags */
#define TMX_PROXY_F_NO_V1	0x01	/* refuse v1 headers */
#define TMX_PROXY_F_NO_V2	0x02	/* refuse v2 headers */
#define TMX_PROXY_F_UNMAP	0x04	/* ::ffff:a.b.c.d becomes AF_INET */

/* A byte string inside the caller's buffer; ptr NULL when absent. */
struct tmx_proxy_bytes {
	const uint8_t *ptr;
	size_t len;
};

struct tmx_proxy_ssl {
	bool present;			/* an SSL TLV was seen */
	uint8_t client;			/* TMX_PP2_CLIENT_* bits */
	uint32_t verify;		/* 0 = client certificate verified */
	struct tmx_proxy_bytes version, cn, cipher, sig_alg, key_alg,
	    group, sig_scheme, client_cert;
};

struct tmx_proxy_hdr {
	int version;			/* 1 or 2 */
	enum tmx_proxy_command command;	/* v1 is always PROXY */
	enum tmx_proxy_family family;
	/*
	 * Addresses from the header. ss_family is AF_UNSPEC when the header
	 * carries none (LOCAL is still parsed: it may carry addresses).
	 * AF_UNIX: the 108 wire bytes are copied into sun_path as they are;
	 * a path using all 108 has no NUL, so bound reads by 108 bytes.
	 */
	struct sockaddr_storage src, dst;
	bool crc32c;			/* a CRC32C TLV was present and valid */
	struct tmx_proxy_bytes alpn, authority, unique_id, netns;
	struct tmx_proxy_ssl ssl;
	struct tmx_proxy_bytes tlvs;	/* the whole v2 TLV area, for iteration */
};

/* One TLV while iterating; value points into the caller's buffer. */
struct tmx_proxy_tlv {
	uint8_t type;
	uint16_t len;
	const uint8_t *value;
};

/*
 * tmx_proxy_parse - parse one v1 or v2 header at the start of buf.
 * OK: *n_r = bytes consumed. INCOMPLETE: *n_r = minimum further bytes
 * needed. INVALID: *error_r = static reason. error_r and n_r may be NULL.
 * *hdr_r is written only on OK (NULL: just validate). Bytes that cannot
 * start a header are INVALID at once. Needs: v1 at least 1 until the CRLF
 * (15 - len at first: the shortest line); v2 16 - len until the fixed part
 * is in, then exactly the rest (with both versions allowed, len 0 asks 15).
 */
enum tmx_proxy_status tmx_proxy_parse(const uint8_t *buf, size_t len,
				      unsigned flags,
				      struct tmx_proxy_hdr *hdr_r,
				      size_t *n_r, const char **error_r);

enum tmx_proxy_sniff {
	TMX_PROXY_SNIFF_NONE = 0,	/* not a PROXY header */
	TMX_PROXY_SNIFF_V1,
	TMX_PROXY_SNIFF_V2,
	TMX_PROXY_SNIFF_MORE,		/* a signature prefix: need more bytes */
};

/* tmx_proxy_sniff - which header the bytes so far could start */
enum tmx_proxy_sniff tmx_proxy_sniff(const uint8_t *buf, size_t len);

/*
 * tmx_proxy_tlv_next - iterate a TLV area (hdr->tlvs, or an SSL TLV's
 * sub-TLVs: its value from offset 5, after client and verify). *pos starts
 * at 0. Returns 1 with *tlv_r filled, 0 at the end.
 * Only call on areas tmx_proxy_parse accepted.
 */
int tmx_proxy_tlv_next(struct tmx_proxy_bytes area, size_t *pos,
		       struct tmx_proxy_tlv *tlv_r);

/* tmx_proxy_ssl_verified - client certificate presented and verified */
bool tmx_proxy_ssl_verified(const struct tmx_proxy_ssl *ssl);

/* tmx_proxy_family_name - "TCP4", "UNSPEC", ... */
const char *tmx_proxy_family_name(enum tmx_proxy_family family);

/*
 * tmx_crc32c - CRC32C (Castagnoli, RFC 3720: reflected, init and final xor
 * 0xFFFFFFFF), SSE4.2 when the CPU has it. crc is the finished CRC of the
 * data before buf: 0 to start, or an earlier result to chain, so
 * tmx_crc32c(tmx_crc32c(0, a, n), b, m) is the CRC of a followed by b.
 * tmx_crc32c(0, "123456789", 9) == 0xE3069283.
 */
uint32_t tmx_crc32c(uint32_t crc, const void *buf, size_t len);

/*
 * Encoding. tmx_proxy_encode_v1 writes a v1 line (TCP4, TCP6 from the
 * sockaddrs, or UNKNOWN when family is TMX_PROXY_FAM_UNKNOWN).
 * Returns 0 and *len_r, or -1 (bad family, buffer too small).
 */
int tmx_proxy_encode_v1(enum tmx_proxy_family family,
			const struct sockaddr *src, const struct sockaddr *dst,
			uint8_t *buf, size_t size, size_t *len_r);

/* A v2 header under construction in a caller buffer. */
struct tmx_proxy_v2_writer {
	uint8_t *buf;
	size_t size, len;
	size_t ssl_start;	/* offset of an open SSL TLV, 0 when none */
	int error;		/* sticky: -1 after any failure */
};

/* tmx_proxy_v2_begin - signature, command, family and address block */
int tmx_proxy_v2_begin(struct tmx_proxy_v2_writer *w, uint8_t *buf,
		       size_t size, enum tmx_proxy_command command,
		       enum tmx_proxy_family family,
		       const struct sockaddr *src, const struct sockaddr *dst);

/* tmx_proxy_v2_add_tlv - append one TLV (inside an open SSL TLV: a sub-TLV) */
int tmx_proxy_v2_add_tlv(struct tmx_proxy_v2_writer *w, uint8_t type,
			 const void *value, size_t len);

/* tmx_proxy_v2_ssl_begin/end - bracket the sub-TLVs of an SSL TLV */
int tmx_proxy_v2_ssl_begin(struct tmx_proxy_v2_writer *w, uint8_t client,
			   uint32_t verify);
int tmx_proxy_v2_ssl_end(struct tmx_proxy_v2_writer *w);

/* tmx_proxy_v2_finish - fix up the length, add CRC32C if asked; *len_r */
int tmx_proxy_v2_finish(struct tmx_proxy_v2_writer *w, bool crc32c,
			size_t *len_r);

#endif
