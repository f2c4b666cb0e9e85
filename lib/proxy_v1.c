/*
 * proxy_v1.c - the human-readable PROXY v1 line ("PROXY TCP4 a b p q\r\n").
 * Strict: single spaces, canonical IPv4 and ports, CRLF within 107 bytes.
 * Every prefix is checked as it arrives, so garbage is refused at once.
 * A whole TCP4 line, the usual case, is read in one pass by a quick path;
 * anything else, every refusal included, goes to the general checker, so
 * the reasons and needs are its own.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "trustmx/proxy.h"
#include "proxy-private.h"

#define V1_PREFIX	"PROXY "
#define V1_PREFIXLEN	6
#define V1_TCP4		"PROXY TCP4 "
#define V1_TCP4LEN	11
#define V1_TCP4_MIN	(V1_TCP4LEN + 16)	/* "0.0.0.0 0.0.0.0 0 0\r\n" */
#define V1_IPV6_MAX	45	/* INET6_ADDRSTRLEN - 1 (an IPv4 tail) */

/* The fields after "PROXY ", in order. */
enum v1_field {
	V1_KEYWORD,
	V1_SRC,
	V1_DST,
	V1_SPORT,
	V1_DPORT,
	V1_NFIELDS,
};

/* What the line parsed so far holds. */
struct v1_line {
	enum tmx_proxy_family family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

static const struct {
	const char *name;
	enum tmx_proxy_family family;
} v1_keywords[] = {
	{ "TCP4", TMX_PROXY_FAM_TCP4 },
	{ "TCP6", TMX_PROXY_FAM_TCP6 },
	{ "UNKNOWN", TMX_PROXY_FAM_UNKNOWN },
};

/* proxy_v1_keyword - match the family keyword (or, when !final, a prefix) */
static const char *
proxy_v1_keyword(const uint8_t *p, size_t n, bool final,
		 enum tmx_proxy_family *family_r)
{
	for (size_t i = 0; i < sizeof(v1_keywords) / sizeof(v1_keywords[0]);
	    i++) {
		size_t klen = strlen(v1_keywords[i].name);

		if (n > klen || memcmp(p, v1_keywords[i].name, n) != 0)
			continue;
		if (final && n != klen)
			continue;
		*family_r = v1_keywords[i].family;
		return NULL;
	}
	return "v1 protocol is not TCP4, TCP6 or UNKNOWN";
}

/* proxy_v1_ipv4 - dotted quad, no leading zeros (or, when !final, a prefix) */
static const char *
proxy_v1_ipv4(const uint8_t *p, size_t n, bool final, uint8_t addr[4])
{
	unsigned octet = 0, digits = 0, dots = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (digits == 0 || dots == 3)
				return "bad IPv4 address in v1 header";
			addr[dots++] = (uint8_t)octet;
			octet = digits = 0;
			continue;
		}
		if (p[i] < '0' || p[i] > '9')
			return "bad IPv4 address in v1 header";
		if (digits == 1 && octet == 0)
			return "leading zero in v1 IPv4 address";
		octet = octet * 10 + (unsigned)(p[i] - '0');
		digits++;
		if (octet > 255)
			return "IPv4 octet above 255 in v1 header";
	}
	if (final) {
		if (dots != 3 || digits == 0)
			return "bad IPv4 address in v1 header";
		addr[3] = (uint8_t)octet;
	}
	return NULL;
}

/* proxy_v1_ipv6 - IPv6 text as inet_pton reads it (when !final, plausible) */
static const char *
proxy_v1_ipv6(const uint8_t *p, size_t n, bool final, uint8_t addr[16])
{
	char text[V1_IPV6_MAX + 1];

	if (n > V1_IPV6_MAX)
		return "bad IPv6 address in v1 header";
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
			return "bad IPv6 address in v1 header";
	}
	if (!final)
		return NULL;
	memcpy(text, p, n);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, addr) != 1)
		return "bad IPv6 address in v1 header";
	return NULL;
}

/* proxy_v1_port - decimal 0..65535, no leading zero (or a prefix of one) */
static const char *
proxy_v1_port(const uint8_t *p, size_t n, bool final, uint16_t *port_r)
{
	unsigned value = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return "bad port in v1 header";
		if (i == 1 && p[0] == '0')
			return "leading zero in v1 port";
		value = value * 10 + (unsigned)(p[i] - '0');
		if (value > 65535)
			return "port above 65535 in v1 header";
	}
	if (final && n == 0)
		return "bad port in v1 header";
	*port_r = (uint16_t)value;
	return NULL;
}

/* proxy_v1_field - check one field; final when nothing more can join it */
static const char *
proxy_v1_field(enum v1_field field, const uint8_t *p, size_t n, bool final,
	       struct v1_line *line)
{
	bool inet = line->family == TMX_PROXY_FAM_TCP4;

	if (final && n == 0)
		return "empty field or extra space in v1 header";
	switch (field) {
	case V1_KEYWORD:
		return proxy_v1_keyword(p, n, final, &line->family);
	case V1_SRC:
		return inet ? proxy_v1_ipv4(p, n, final, line->src) :
		    proxy_v1_ipv6(p, n, final, line->src);
	case V1_DST:
		return inet ? proxy_v1_ipv4(p, n, final, line->dst) :
		    proxy_v1_ipv6(p, n, final, line->dst);
	case V1_SPORT:
		return proxy_v1_port(p, n, final, &line->sport);
	case V1_DPORT:
		return proxy_v1_port(p, n, final, &line->dport);
	default:
		return "extra field in v1 header";
	}
}

/*
 * proxy_v1_eol - find the line end: *eol_r is the CR's offset, or len when
 * none arrived yet. Returns NULL, or a reason for a lone CR or LF or for no
 * CRLF within TMX_PROXY_V1_MAX bytes.
 */
static const char *
proxy_v1_eol(const uint8_t *buf, size_t len, size_t *eol_r)
{
	/* The CR may sit at most at offset 105: then CRLF ends at 107. */
	size_t limit = TMX_PROXY_V1_MAX - 1, i;

	for (i = 0; i < len && i < limit; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			break;
	*eol_r = i;
	if (i == limit)
		return "v1 header without CRLF within 107 bytes";
	if (i == len)
		return NULL;
	if (buf[i] == '\n')
		return "v1 header line ends in LF without CR";
	if (i + 1 < len && buf[i + 1] != '\n')
		return "v1 header line has CR without LF";
	return NULL;
}

/*
 * proxy_v1_fill - the parsed line as a header, every byte of it. Always
 * inline: a call would cost the quick path more than the copy saves.
 */
__attribute__((always_inline)) static inline void
proxy_v1_fill(const struct v1_line *line, unsigned flags,
	      struct tmx_proxy_hdr *hdr)
{
	tmx_proxy_hdr_clear(hdr);
	hdr->version = 1;
	hdr->command = TMX_PROXY_CMD_PROXY;
	hdr->family = line->family;
	if (line->family == TMX_PROXY_FAM_TCP4) {
		tmx_proxy_put_inet(&hdr->src, line->src, line->sport);
		tmx_proxy_put_inet(&hdr->dst, line->dst, line->dport);
	} else if (line->family == TMX_PROXY_FAM_TCP6) {
		tmx_proxy_put_inet6(&hdr->src, line->src, line->sport, flags);
		tmx_proxy_put_inet6(&hdr->dst, line->dst, line->dport, flags);
	}
	/* UNKNOWN: src and dst stay AF_UNSPEC (0) */
}

/*
 * proxy_v1_fields - check the fields between "PROXY " and eol, the last
 * one as a prefix unless ended (a CR is in).
 */
static const char *
proxy_v1_fields(const uint8_t *buf, size_t eol, bool ended,
		struct v1_line *line)
{
	enum v1_field field = V1_KEYWORD;
	const char *error;
	size_t pos = V1_PREFIXLEN, start;
	bool final;

	for (; pos < eol || (pos == eol && !ended); field++) {
		start = pos;
		while (pos < eol && buf[pos] != ' ')
			pos++;
		final = pos < eol || ended;
		error = proxy_v1_field(field, buf + start, pos - start, final,
		    line);
		if (error != NULL)
			return error;
		/* UNKNOWN: whatever follows up to the CRLF is ignored. */
		if (field == V1_KEYWORD && final &&
		    line->family == TMX_PROXY_FAM_UNKNOWN)
			break;
		if (pos == eol)
			break;
		pos++;	/* the single space */
		if (pos == eol && ended)
			return "empty field or extra space in v1 header";
	}
	if (ended && line->family != TMX_PROXY_FAM_UNKNOWN &&
	    field < V1_DPORT)
		return "v1 header has too few fields";
	return NULL;
}

/*
 * tmx_proxy_parse_v1_general - parse a v1 line, refusing bad prefixes at
 * once: every answer but the quick path's
 */
enum tmx_proxy_status
tmx_proxy_parse_v1_general(const uint8_t *buf, size_t len, unsigned flags,
			   struct tmx_proxy_hdr *hdr_r, size_t *n_r,
			   const char **error_r)
{
	struct v1_line line = { .family = TMX_PROXY_FAM_UNSPEC };
	const char *error;
	size_t eol, n;
	bool ended;

	n = len < V1_PREFIXLEN ? len : V1_PREFIXLEN;
	if (memcmp(buf, V1_PREFIX, n) != 0)
		return tmx_proxy_invalid(error_r, "bad PROXY v1 signature");
	if (len < V1_PREFIXLEN)
		return tmx_proxy_need(n_r, TMX_PROXY_V1_MIN - len);
	if ((error = proxy_v1_eol(buf, len, &eol)) != NULL)
		return tmx_proxy_invalid(error_r, error);
	/* With a CR in, nothing can join the fields: check them as final. */
	ended = eol < len;
	if ((error = proxy_v1_fields(buf, eol, ended, &line)) != NULL)
		return tmx_proxy_invalid(error_r, error);
	if (!ended || eol + 1 == len)
		return tmx_proxy_need(n_r, len < TMX_PROXY_V1_MIN ?
		    TMX_PROXY_V1_MIN - len : 1);
	if (hdr_r != NULL)
		proxy_v1_fill(&line, flags, hdr_r);
	return tmx_proxy_done(n_r, eol + 2);
}

/*
 * The quick path's readers. Each takes one field at p and the byte that
 * must follow it, and returns the byte after that, or NULL for anything
 * unexpected. They need no length checks: proxy_v1_tcp4 makes sure that
 * a byte which no field may hold ends the input, so every run of field
 * bytes stops inside it.
 */

/* proxy_v1_field_byte - c may be in a TCP4 line's fields: digit, dot, space */
static inline bool
proxy_v1_field_byte(uint8_t c)
{
	return (unsigned)c - '0' <= 9 || c == '.' || c == ' ';
}

/* proxy_v1_octet - 0..255 without a leading zero, then sep */
static inline const uint8_t *
proxy_v1_octet(const uint8_t *p, uint8_t sep, uint8_t *octet_r)
{
	unsigned d0 = (unsigned)p[0] - '0', d1, d2, octet;

	if (d0 > 9)
		return NULL;
	d1 = (unsigned)p[1] - '0';
	if (d1 > 9) {
		octet = d0;
		p += 1;
	} else if (d0 == 0)
		return NULL;
	else if ((d2 = (unsigned)p[2] - '0') > 9) {
		octet = d0 * 10 + d1;
		p += 2;
	} else {
		octet = d0 * 100 + d1 * 10 + d2;
		if (octet > 255)
			return NULL;
		p += 3;
	}
	/* a fourth digit is not sep either */
	if (*p != sep)
		return NULL;
	*octet_r = (uint8_t)octet;
	return p + 1;
}

/* proxy_v1_quad - a dotted quad, then sep */
__attribute__((always_inline)) static inline const uint8_t *
proxy_v1_quad(const uint8_t *p, uint8_t sep, uint8_t addr[4])
{
	if ((p = proxy_v1_octet(p, '.', &addr[0])) == NULL ||
	    (p = proxy_v1_octet(p, '.', &addr[1])) == NULL ||
	    (p = proxy_v1_octet(p, '.', &addr[2])) == NULL)
		return NULL;
	return proxy_v1_octet(p, sep, &addr[3]);
}

/* proxy_v1_port16 - 0..65535 without a leading zero, then sep */
static inline const uint8_t *
proxy_v1_port16(const uint8_t *p, uint8_t sep, uint16_t *port_r)
{
	unsigned port = (unsigned)p[0] - '0', digit;

	if (port > 9)
		return NULL;
	p++;
	/* After a 0 no digit may follow, nor a sixth after five. */
	if (port != 0) {
#pragma GCC unroll 4
		for (int i = 1; i < 5; i++) {
			if ((digit = (unsigned)p[0] - '0') > 9)
				break;
			port = port * 10 + digit;
			p++;
		}
	}
	if (port > 65535 || *p != sep)
		return NULL;
	*port_r = (uint16_t)port;
	return p + 1;
}

/*
 * proxy_v1_tcp4 - a whole, valid TCP4 line in one pass: true with *line
 * and *n_r (the bytes up to the LF); false for anything else, even when
 * valid (a prefix, TCP6, UNKNOWN), which the general checker then judges.
 * It accepts only what the general checker accepts, and reads it the same:
 * its CR is the first CR or LF of the input, at most at offset 54.
 */
static bool
proxy_v1_tcp4(const uint8_t *buf, size_t len, struct v1_line *line,
	      size_t *n_r)
{
	const uint8_t *p = buf + V1_TCP4LEN;

	/*
	 * The sentinel for the readers: input ending in a field byte is
	 * either a line still arriving or a line with data after it that
	 * happens to end so, both for the checker.
	 */
	if (len < V1_TCP4_MIN || memcmp(buf, V1_TCP4, V1_TCP4LEN) != 0 ||
	    proxy_v1_field_byte(buf[len - 1]))
		return false;
	if ((p = proxy_v1_quad(p, ' ', line->src)) == NULL ||
	    (p = proxy_v1_quad(p, ' ', line->dst)) == NULL ||
	    (p = proxy_v1_port16(p, ' ', &line->sport)) == NULL ||
	    (p = proxy_v1_port16(p, '\r', &line->dport)) == NULL ||
	    p == buf + len || *p != '\n')
		return false;
	line->family = TMX_PROXY_FAM_TCP4;
	*n_r = (size_t)(p - buf) + 1;
	return true;
}

/* tmx_proxy_parse_v1 - parse a v1 line: the quick path, else the checker */
enum tmx_proxy_status
tmx_proxy_parse_v1(const uint8_t *buf, size_t len, unsigned flags,
		   struct tmx_proxy_hdr *hdr_r, size_t *n_r,
		   const char **error_r)
{
	struct v1_line line;
	size_t n;

	if (!proxy_v1_tcp4(buf, len, &line, &n))
		return tmx_proxy_parse_v1_general(buf, len, flags, hdr_r,
		    n_r, error_r);
	if (hdr_r != NULL)
		proxy_v1_fill(&line, flags, hdr_r);
	return tmx_proxy_done(n_r, n);
}
