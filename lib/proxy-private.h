/*
 * proxy-private.h - what the PROXY protocol sources share inside libtrustmx:
 * the v2 signature and the two version-specific parsers behind
 * tmx_proxy_parse (which validates flags and picks one of them).
 */
#ifndef TMX_PROXY_PRIVATE_H
#define TMX_PROXY_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "trustmx/proxy.h"

#define TMX_PROXY_V2_SIGLEN	12
#define TMX_PROXY_V1_MIN	15	/* "PROXY UNKNOWN\r\n" */

/* The 12 bytes every v2 header starts with. */
extern const uint8_t tmx_proxy_v2_sig[TMX_PROXY_V2_SIGLEN];

/*
 * tmx_proxy_parse_v1/v2 - the same contract as tmx_proxy_parse, for one
 * version; buf[0] is already known to start that version's signature.
 * hdr_r, n_r and error_r are never NULL; *hdr_r is written in any case but
 * only meaningful on OK.
 */
enum tmx_proxy_status tmx_proxy_parse_v1(const uint8_t *buf, size_t len,
					 unsigned flags,
					 struct tmx_proxy_hdr *hdr_r,
					 size_t *n_r, const char **error_r);
enum tmx_proxy_status tmx_proxy_parse_v2(const uint8_t *buf, size_t len,
					 unsigned flags,
					 struct tmx_proxy_hdr *hdr_r,
					 size_t *n_r, const char **error_r);

/* tmx_proxy_set_inet - an AF_INET sockaddr from 4 address bytes and a port */
void tmx_proxy_set_inet(struct sockaddr_storage *ss, const uint8_t addr[4],
			uint16_t port);

/*
 * tmx_proxy_set_inet6 - an AF_INET6 sockaddr from 16 address bytes and a
 * port; with TMX_PROXY_F_UNMAP in flags, ::ffff:a.b.c.d becomes AF_INET.
 */
void tmx_proxy_set_inet6(struct sockaddr_storage *ss, const uint8_t addr[16],
			 uint16_t port, unsigned flags);

#endif
