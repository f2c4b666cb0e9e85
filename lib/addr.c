/*
 * addr.c - binary IPv4/IPv6 addresses: parse, format, unmap. Parsing
 * accepts exactly what glibc's inet_pton() does, as Postfix parses (a ':'
 * means IPv6), so a key that Postfix would not match is not an address here
 * either. Both families have their own loop, as inet_pton took a quarter of
 * a socketmap request's instructions; test-addr checks them against
 * inet_pton, on tables and on millions of random and mutated texts.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <trustmx/addr.h>

#include "tmx-private.h"

/* Longest "addr/len" text worth looking at: an IPv6 literal plus "/128". */
#define ADDR_PREFIX_TEXT_MAX	(TMX_ADDR_STRLEN + 4)

/* addr_host_bits_clear - are all bits after len zero */
static bool
addr_host_bits_clear(const struct tmx_addr *addr, unsigned len)
{
	unsigned nbytes = addr->family == 4 ? 4 : 16;
	unsigned i = len / 8;

	if (len % 8 != 0) {
		if (addr->bytes[i] & (0xffu >> (len % 8)))
			return false;
		i++;
	}
	for (; i < nbytes; i++)
		if (addr->bytes[i] != 0)
			return false;
	return true;
}

/* addr_parse_len - a decimal prefix length of 1 to 3 digits; -1 if not */
static int
addr_parse_len(const char *text)
{
	int len = 0;
	size_t n;

	for (n = 0; text[n] != 0; n++) {
		if (text[n] < '0' || text[n] > '9' || n >= 3)
			return -1;
		len = len * 10 + (text[n] - '0');
	}
	return n == 0 ? -1 : len;
}

/*
 * addr_parse4 - inet_pton(AF_INET)'s dotted quad: four decimal parts of
 * 0-255, no leading zero, nothing after; 0, or -1 leaving out undefined.
 * A part is read by its length, one to three digits, so most parts cost a
 * few compares (a fourth digit is where '.' or the end should be); s[1]
 * and s[2] are read only after a digit before them, never past the NUL.
 */
static int
addr_parse4(const char *s, uint8_t *out)
{
	unsigned i, d0, d1, d2, part;

	for (i = 0; i < 4; i++) {
		if ((d0 = (unsigned)(unsigned char)s[0] - '0') > 9)
			return -1;
		if ((d1 = (unsigned)(unsigned char)s[1] - '0') > 9) {
			part = d0;
			s += 1;
		} else if (d0 == 0) {
			return -1;	/* a leading zero */
		} else if ((d2 = (unsigned)(unsigned char)s[2] - '0') > 9) {
			part = d0 * 10 + d1;
			s += 2;
		} else {
			part = d0 * 100 + d1 * 10 + d2;
			s += 3;
			if (part > 255)
				return -1;
		}
		out[i] = (uint8_t)part;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/* Each hex digit's value plus one, either case; 0 for every other byte. */
static const uint8_t addr_hex_plus1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/*
 * addr_hex_group - up to four hex digits at *sp, advancing it past them,
 * into *val_r; how many (0 is an empty group). A fifth is left for the
 * caller to refuse: no group ends with a hex digit.
 */
static inline unsigned
addr_hex_group(const char **sp, unsigned *val_r)
{
	const unsigned char *s = (const unsigned char *)*sp;
	unsigned val = 0, d, n;

	/* Most of an IPv6 parse's instructions are spent here. */
#pragma GCC unroll 4
	for (n = 0; n < 4; n++) {
		if ((d = addr_hex_plus1[s[n]]) == 0)
			break;
		val = val << 4 | (d - 1);
	}
	*sp += n;
	*val_r = val;
	return n;
}

/*
 * addr_gap_expand - "::" stood at gap and the groups after it end at end:
 * move them to the last bytes and zero those between; 0, or -1 when no
 * group is left for "::" to stand for (inet_pton wants one at least)
 */
static int
addr_gap_expand(uint8_t *out, uint8_t *gap, uint8_t *end)
{
	uint8_t *to = out + 16;

	if (end == to)
		return -1;
	while (end > gap)
		*--to = *--end;
	while (to > gap)
		*--to = 0;
	return 0;
}

/*
 * addr_parse6 - inet_pton(AF_INET6)'s text: groups of 1-4 hex digits, eight
 * of them or one "::" for one or more zero groups, perhaps a dotted quad
 * (addr_parse4's) for the last four bytes, nothing after; 0, or -1 leaving
 * out undefined. Without a ':' it never fills more than four bytes, so
 * "a ':' means IPv6" needs no test of its own.
 */
static int
addr_parse6(const char *s, uint8_t *out)
{
	uint8_t *tp = out, *gap = NULL;
	const char *token;
	unsigned val, digits;

	if (*s == ':' && *++s != ':')
		return -1;		/* one leading ':' */
	for (;;) {
		token = s;
		digits = addr_hex_group(&s, &val);
		if (digits == 0 && *s == ':') {	/* the second ':' of "::" */
			if (gap != NULL)
				return -1;
			gap = tp;
			s++;
		} else if (*s == '.') {		/* the last 4 bytes dotted */
			if (tp > out + 12 || addr_parse4(token, tp) < 0)
				return -1;
			tp += 4;
			break;
		} else if (digits == 0) {	/* the end after "::"; junk */
			if (*s != '\0')
				return -1;
			break;
		} else {
			if (tp == out + 16)
				return -1;	/* a ninth group */
			*tp++ = (uint8_t)(val >> 8);
			*tp++ = (uint8_t)val;
			if (*s == '\0')
				break;
			/* nothing but ':' (a fifth digit neither), not last */
			if (*s != ':' || *++s == '\0')
				return -1;
		}
	}
	if (gap == NULL)
		return tp == out + 16 ? 0 : -1;
	return addr_gap_expand(out, gap, tp);
}

/* tmx_addr_parse - parse a literal address (no brackets, no prefix) */
TMX_EXPORT int
tmx_addr_parse(const char *text, struct tmx_addr *addr_r)
{
	struct tmx_addr addr;

	memset(&addr, 0, sizeof(addr));
	if (text == NULL)
		return -1;
	/* addr_parse4 takes no ':', addr_parse6 nothing without one */
	if (addr_parse4(text, addr.bytes) == 0)
		addr.family = 4;
	else if (addr_parse6(text, addr.bytes) == 0)
		addr.family = 6;
	else
		return -1;
	*addr_r = addr;
	return 0;
}

/* tmx_addr_parse_prefix - parse "addr" or "addr/len"; host bits are an error */
TMX_EXPORT int
tmx_addr_parse_prefix(const char *text, struct tmx_addr *addr_r,
		      unsigned *len_r, const char **error_r)
{
	char buf[ADDR_PREFIX_TEXT_MAX + 1];
	const char *slash, *dummy;
	struct tmx_addr addr;
	size_t alen;
	int len;

	if (error_r == NULL)
		error_r = &dummy;
	if (text == NULL) {
		*error_r = "no address";
		return -1;
	}
	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen > ADDR_PREFIX_TEXT_MAX) {
		*error_r = "bad address";
		return -1;
	}
	memcpy(buf, text, alen);
	buf[alen] = 0;
	if (tmx_addr_parse(buf, &addr) < 0) {
		*error_r = "bad address";
		return -1;
	}
	if (slash == NULL) {
		len = (int)tmx_addr_bits(&addr);
	} else if ((len = addr_parse_len(slash + 1)) < 0) {
		*error_r = "bad prefix length";
		return -1;
	} else if ((unsigned)len > tmx_addr_bits(&addr)) {
		*error_r = "prefix length too long";
		return -1;
	}
	if (!addr_host_bits_clear(&addr, (unsigned)len)) {
		*error_r = "host bits set after the prefix length";
		return -1;
	}
	*addr_r = addr;
	*len_r = (unsigned)len;
	return 0;
}

/* tmx_addr_from_sockaddr - AF_INET/AF_INET6 to binary */
TMX_EXPORT int
tmx_addr_from_sockaddr(const struct sockaddr *sa, struct tmx_addr *addr_r)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa == NULL)
		return -1;
	memset(addr_r, 0, sizeof(*addr_r));
	switch (sa->sa_family) {
	case AF_INET:
		memcpy(&sin, sa, sizeof(sin));
		addr_r->family = 4;
		memcpy(addr_r->bytes, &sin.sin_addr, 4);
		return 0;
	case AF_INET6:
		memcpy(&sin6, sa, sizeof(sin6));
		addr_r->family = 6;
		memcpy(addr_r->bytes, &sin6.sin6_addr, 16);
		return 0;
	default:
		return -1;
	}
}

/* tmx_addr_unmap - turn ::ffff:a.b.c.d into a.b.c.d; true when it did */
TMX_EXPORT bool
tmx_addr_unmap(struct tmx_addr *addr)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	uint8_t v4[4];

	if (addr->family != 6 || memcmp(addr->bytes, mapped, 12) != 0)
		return false;
	memcpy(v4, addr->bytes + 12, 4);
	memset(addr->bytes, 0, sizeof(addr->bytes));
	memcpy(addr->bytes, v4, 4);
	addr->family = 4;
	return true;
}

/* tmx_addr_format - inet_ntop text into buf; NULL if it does not fit */
TMX_EXPORT const char *
tmx_addr_format(const struct tmx_addr *addr, char *buf, size_t size)
{
	int af;

	if (addr->family == 4)
		af = AF_INET;
	else if (addr->family == 6)
		af = AF_INET6;
	else
		return NULL;
	if (size > (size_t)UINT32_MAX)
		size = UINT32_MAX;
	return inet_ntop(af, addr->bytes, buf, (socklen_t)size);
}

/* tmx_addr_bits - 32 for IPv4, 128 for IPv6 */
TMX_EXPORT unsigned
tmx_addr_bits(const struct tmx_addr *addr)
{
	return addr->family == 4 ? 32 : 128;
}
