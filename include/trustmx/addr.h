/*
 * trustmx/addr.h - binary IPv4/IPv6 addresses as libtrustmx compares them.
 *
 * Addresses are kept in network byte order in a fixed 16-byte array; an IPv4
 * address uses the first 4 bytes. IPv4-mapped IPv6 (::ffff:a.b.c.d) stays IPv6
 * unless the caller normalises it with tmx_addr_unmap(), once, at the edge.
 */
#ifndef TRUSTMX_ADDR_H
#define TRUSTMX_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TMX_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */

struct tmx_addr {
	uint8_t family;		/* 4 or 6 */
	uint8_t bytes[16];	/* network order; IPv4 in bytes[0..3], rest zero */
};

/* tmx_addr_parse - parse a literal address (no brackets, no prefix); 0 or -1 */
int tmx_addr_parse(const char *text, struct tmx_addr *addr_r);

/* tmx_addr_parse_prefix - parse "addr" or "addr/len"; host bits are an error */
int tmx_addr_parse_prefix(const char *text, struct tmx_addr *addr_r,
			  unsigned *len_r, const char **error_r);

/* tmx_addr_from_sockaddr - AF_INET/AF_INET6 to binary; -1 for other families */
int tmx_addr_from_sockaddr(const struct sockaddr *sa, struct tmx_addr *addr_r);

/* tmx_addr_unmap - turn ::ffff:a.b.c.d into a.b.c.d; true when it did */
bool tmx_addr_unmap(struct tmx_addr *addr);

/* tmx_addr_format - inet_ntop text into buf (TMX_ADDR_STRLEN bytes) */
const char *tmx_addr_format(const struct tmx_addr *addr, char *buf, size_t size);

/* tmx_addr_bits - 32 for IPv4, 128 for IPv6 */
unsigned tmx_addr_bits(const struct tmx_addr *addr);

#endif
