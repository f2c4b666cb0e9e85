/*
 * proxy-private.h - what the PROXY protocol sources share inside libtrustmx:
 * the v2 signature, the two version-specific parsers behind tmx_proxy_parse
 * (which validates flags and picks one of them), and how they fill a header.
 */
#ifndef TMX_PROXY_PRIVATE_H
#define TMX_PROXY_PRIVATE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "trustmx/proxy.h"

#define TMX_PROXY_V2_SIGLEN	12
#define TMX_PROXY_V1_MIN	15	/* "PROXY UNKNOWN\r\n" */

/* The 12 bytes every v2 header starts with. */
extern const uint8_t tmx_proxy_v2_sig[TMX_PROXY_V2_SIGLEN];

/*
 * tmx_proxy_parse_v1/v2 - the same contract as tmx_proxy_parse, for one
 * version; buf[0] is already known to start that version's signature.
 * They set *n_r on OK and INCOMPLETE, *error_r on INVALID, and leave the
 * other alone; n_r, error_r and hdr_r may be NULL. *hdr_r is written only
 * on OK, and then whole (see tmx_proxy_hdr_clear).
 */
enum tmx_proxy_status tmx_proxy_parse_v1(const uint8_t *buf, size_t len,
					 unsigned flags,
					 struct tmx_proxy_hdr *hdr_r,
					 size_t *n_r, const char **error_r);
enum tmx_proxy_status tmx_proxy_parse_v2(const uint8_t *buf, size_t len,
					 unsigned flags,
					 struct tmx_proxy_hdr *hdr_r,
					 size_t *n_r, const char **error_r);

/*
 * tmx_proxy_parse_v1_general - tmx_proxy_parse_v1 without its quick path
 * for whole TCP4 lines: the checker of every prefix, which decides all the
 * other answers. The unit tests hold the quick path to it.
 */
enum tmx_proxy_status tmx_proxy_parse_v1_general(const uint8_t *buf,
						 size_t len, unsigned flags,
						 struct tmx_proxy_hdr *hdr_r,
						 size_t *n_r,
						 const char **error_r);

/* tmx_proxy_done - OK, n bytes consumed (n_r may be NULL) */
static inline enum tmx_proxy_status
tmx_proxy_done(size_t *n_r, size_t n)
{
	if (n_r != NULL)
		*n_r = n;
	return TMX_PROXY_OK;
}

/* tmx_proxy_need - INCOMPLETE, n more bytes needed (n_r may be NULL) */
static inline enum tmx_proxy_status
tmx_proxy_need(size_t *n_r, size_t n)
{
	if (n_r != NULL)
		*n_r = n;
	return TMX_PROXY_INCOMPLETE;
}

/* tmx_proxy_invalid - INVALID for a static reason (error_r may be NULL) */
static inline enum tmx_proxy_status
tmx_proxy_invalid(const char **error_r, const char *reason)
{
	if (error_r != NULL)
		*error_r = reason;
	return TMX_PROXY_INVALID;
}

/*
 * tmx_proxy_hdr_clear - zero every byte of *hdr (padding too: two parses
 * of one header compare equal with memcmp). In memsets of 64 bytes, which
 * gcc turns into 16-byte stores; one memset of the whole ~500 bytes would
 * be rep stos, slower to start and an instruction per 8 bytes.
 */
static inline void
tmx_proxy_hdr_clear(struct tmx_proxy_hdr *hdr)
{
	uint8_t *p = (uint8_t *)hdr;
	size_t at;

#pragma GCC unroll 16
	for (at = 0; at + 64 <= sizeof(*hdr); at += 64)
		memset(p + at, 0, 64);
	memset(p + at, 0, sizeof(*hdr) - at);
}

/*
 * tmx_proxy_put_inet - an AF_INET address from 4 address bytes and a
 * port, into storage that is already zero
 */
static inline void
tmx_proxy_put_inet(struct sockaddr_storage *ss, const uint8_t addr[4],
		   uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, addr, 4);
}

/*
 * tmx_proxy_put_inet6 - an AF_INET6 address from 16 address bytes and a
 * port, into storage that is already zero; with TMX_PROXY_F_UNMAP in
 * flags, ::ffff:a.b.c.d becomes AF_INET.
 */
static inline void
tmx_proxy_put_inet6(struct sockaddr_storage *ss, const uint8_t addr[16],
		    uint16_t port, unsigned flags)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if ((flags & TMX_PROXY_F_UNMAP) && memcmp(addr, mapped, 12) == 0) {
		tmx_proxy_put_inet(ss, addr + 12, port);
		return;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, addr, 16);
}

#endif
