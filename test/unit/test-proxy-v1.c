/*
 * test-proxy-v1.c - the PROXY v1 parser against the text of
 * proxy-protocol.txt section 2.1: one table row per rule, both ways, plus
 * every prefix of valid lines, the 107-byte limit and trailing data.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "trustmx/proxy.h"
#include "proxy-private.h"
#include "tmx-private.h"
#include "tmx-test.h"
#include "tmx-test-sock.h"

#define OK	TMX_PROXY_OK
#define MORE	TMX_PROXY_INCOMPLETE
#define BAD	TMX_PROXY_INVALID

static const struct v1_row {
	const char *name;
	const char *line;
	unsigned flags;
	enum tmx_proxy_status status;
	enum tmx_proxy_family family;	/* when OK */
	const char *src, *dst;		/* when OK: test_addr text */
	const char *why;		/* when INVALID: part of the reason */
} v1_rows[] = {
	/* Valid lines of every family. */
	{ "tcp4", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n", 0, OK,
	    TMX_PROXY_FAM_TCP4, "192.0.2.1:56324", "198.51.100.2:25" },
	{ "tcp4 longest", "PROXY TCP4 255.255.255.255 255.255.255.255 "
	    "65535 65535\r\n", 0, OK, TMX_PROXY_FAM_TCP4,
	    "255.255.255.255:65535", "255.255.255.255:65535" },
	{ "tcp4 zeros", "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n", 0, OK,
	    TMX_PROXY_FAM_TCP4, "0.0.0.0:0", "0.0.0.0:0" },
	{ "tcp4 10.0.100.200", "PROXY TCP4 10.0.100.200 203.0.113.9 1 "
	    "10\r\n", 0, OK, TMX_PROXY_FAM_TCP4, "10.0.100.200:1",
	    "203.0.113.9:10" },
	{ "tcp6", "PROXY TCP6 2001:db8::1 2001:db8::25 40000 587\r\n", 0, OK,
	    TMX_PROXY_FAM_TCP6, "[2001:db8::1]:40000", "[2001:db8::25]:587" },
	{ "tcp6 upper case", "PROXY TCP6 2001:DB8::A 2001:db8::b 1 2\r\n",
	    0, OK, TMX_PROXY_FAM_TCP6, "[2001:db8::a]:1", "[2001:db8::b]:2" },
	{ "tcp6 mapped kept", "PROXY TCP6 ::ffff:192.0.2.7 2001:db8::1 "
	    "1025 25\r\n", 0, OK, TMX_PROXY_FAM_TCP6,
	    "[::ffff:192.0.2.7]:1025", "[2001:db8::1]:25" },
	{ "tcp6 mapped unmapped", "PROXY TCP6 ::ffff:192.0.2.7 "
	    "::ffff:c633:6401 1025 25\r\n", TMX_PROXY_F_UNMAP, OK,
	    TMX_PROXY_FAM_TCP6, "192.0.2.7:1025", "198.51.100.1:25" },
	{ "tcp6 unmap leaves real v6", "PROXY TCP6 2001:db8::1 ::1 1 2\r\n",
	    TMX_PROXY_F_UNMAP, OK, TMX_PROXY_FAM_TCP6, "[2001:db8::1]:1",
	    "[::1]:2" },
	{ "tcp6 full form", "PROXY TCP6 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", 0, OK,
	    TMX_PROXY_FAM_TCP6,
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	{ "unknown short", "PROXY UNKNOWN\r\n", 0, OK,
	    TMX_PROXY_FAM_UNKNOWN, "unspec", "unspec" },
	{ "unknown with addresses", "PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 "
	    "2\r\n", 0, OK, TMX_PROXY_FAM_UNKNOWN, "unspec", "unspec" },
	{ "unknown rest ignored", "PROXY UNKNOWN any junk  here 01 99999 "
	    "\x01\x7f\r\n", 0, OK, TMX_PROXY_FAM_UNKNOWN, "unspec",
	    "unspec" },
	{ "unknown then space only", "PROXY UNKNOWN \r\n", 0, OK,
	    TMX_PROXY_FAM_UNKNOWN, "unspec", "unspec" },
	{ "unmap flag on tcp4", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n",
	    TMX_PROXY_F_UNMAP, OK, TMX_PROXY_FAM_TCP4, "192.0.2.1:1",
	    "192.0.2.2:2" },

	/* Signature and keyword. */
	{ "lower case proxy", "proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "not a PROXY" },
	{ "no space after PROXY", "PROXYTCP4 192.0.2.1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "v1 signature" },
	{ "PROXY alone", "PROXY\r\n", 0, BAD, .why = "v1 signature" },
	{ "PROXY space CRLF", "PROXY \r\n", 0, BAD, .why = "too few fields" },
	{ "tcp5", "PROXY TCP5 192.0.2.1 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "not TCP4" },
	{ "udp4", "PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "not TCP4" },
	{ "lower case tcp4", "PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "not TCP4" },
	{ "TCP44", "PROXY TCP44 192.0.2.1 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "not TCP4" },
	{ "UNKNOWNX", "PROXY UNKNOWNX\r\n", 0, BAD, .why = "not TCP4" },
	{ "TCP4 without fields", "PROXY TCP4\r\n", 0, BAD,
	    .why = "too few fields" },
	{ "v1 refused by flag", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n",
	    TMX_PROXY_F_NO_V1, BAD, .why = "refused" },
	{ "v2 refusal keeps v1", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n",
	    TMX_PROXY_F_NO_V2, OK, TMX_PROXY_FAM_TCP4, "192.0.2.1:1",
	    "192.0.2.2:2" },

	/* Spaces and field count. */
	{ "double space", "PROXY TCP4  192.0.2.1 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "extra space" },
	{ "double space before port", "PROXY TCP4 192.0.2.1 192.0.2.2  1 "
	    "2\r\n", 0, BAD, .why = "extra space" },
	{ "trailing space", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n", 0,
	    BAD, .why = "extra space" },
	{ "extra field", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n", 0, BAD,
	    .why = "extra field" },
	{ "missing dport", "PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n", 0, BAD,
	    .why = "too few fields" },
	{ "missing ports", "PROXY TCP4 192.0.2.1 192.0.2.2\r\n", 0, BAD,
	    .why = "too few fields" },
	{ "missing dst", "PROXY TCP4 192.0.2.1\r\n", 0, BAD,
	    .why = "too few fields" },
	{ "tab separator", "PROXY TCP4\t192.0.2.1 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "not TCP4" },
	{ "leading space", " PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "not a PROXY" },

	/* IPv4 text. */
	{ "ipv4 leading zero", "PROXY TCP4 192.0.2.01 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "leading zero" },
	{ "ipv4 leading zero first", "PROXY TCP4 010.0.2.1 192.0.2.2 1 "
	    "2\r\n", 0, BAD, .why = "leading zero" },
	{ "ipv4 00 octet", "PROXY TCP4 192.0.00.1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "leading zero" },
	{ "ipv4 octet 256", "PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "above 255" },
	{ "ipv4 three octets", "PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "bad IPv4" },
	{ "ipv4 five octets", "PROXY TCP4 192.0.2.1.5 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "bad IPv4" },
	{ "ipv4 empty octet", "PROXY TCP4 192..2.1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "bad IPv4" },
	{ "ipv4 trailing dot", "PROXY TCP4 192.0.2.1. 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "bad IPv4" },
	{ "ipv4 leading dot", "PROXY TCP4 .192.0.2.1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "bad IPv4" },
	{ "ipv4 hex", "PROXY TCP4 0xc0.0.2.1 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "bad IPv4" },
	{ "ipv4 sign", "PROXY TCP4 +192.0.2.1 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "bad IPv4" },
	{ "ipv6 text in tcp4", "PROXY TCP4 2001:db8::1 192.0.2.2 1 2\r\n", 0,
	    BAD, .why = "above 255" },
	{ "ipv6 dst in tcp4", "PROXY TCP4 192.0.2.1 ::1 1 2\r\n", 0, BAD,
	    .why = "bad IPv4" },
	{ "ipv4 text in tcp6", "PROXY TCP6 192.0.2.1 2001:db8::1 1 2\r\n", 0,
	    BAD, .why = "bad IPv6" },
	{ "ipv4 dst in tcp6", "PROXY TCP6 2001:db8::1 192.0.2.1 1 2\r\n", 0,
	    BAD, .why = "bad IPv6" },

	/* IPv6 text. */
	{ "ipv6 two double colons", "PROXY TCP6 2001::db8::1 ::1 1 2\r\n", 0,
	    BAD, .why = "bad IPv6" },
	{ "ipv6 too many groups", "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n",
	    0, BAD, .why = "bad IPv6" },
	{ "ipv6 too few groups", "PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", 0,
	    BAD, .why = "bad IPv6" },
	{ "ipv6 group too long", "PROXY TCP6 2001:db8::12345 ::1 1 2\r\n", 0,
	    BAD, .why = "bad IPv6" },
	{ "ipv6 bad char", "PROXY TCP6 2001:db8::g ::1 1 2\r\n", 0, BAD,
	    .why = "bad IPv6" },
	{ "ipv6 zone", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", 0, BAD,
	    .why = "bad IPv6" },
	{ "ipv6 brackets", "PROXY TCP6 [2001:db8::1] ::1 1 2\r\n", 0, BAD,
	    .why = "bad IPv6" },

	/* Ports. */
	{ "port 65536", "PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n", 0,
	    BAD, .why = "above 65535" },
	{ "dport 99999", "PROXY TCP4 192.0.2.1 192.0.2.2 1 99999\r\n", 0,
	    BAD, .why = "above 65535" },
	{ "port leading zero", "PROXY TCP4 192.0.2.1 192.0.2.2 025 2\r\n", 0,
	    BAD, .why = "leading zero" },
	{ "port 00", "PROXY TCP4 192.0.2.1 192.0.2.2 1 00\r\n", 0, BAD,
	    .why = "leading zero" },
	{ "port negative", "PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n", 0,
	    BAD, .why = "bad port" },
	{ "port plus", "PROXY TCP4 192.0.2.1 192.0.2.2 +1 2\r\n", 0, BAD,
	    .why = "bad port" },
	{ "port hex", "PROXY TCP4 192.0.2.1 192.0.2.2 0x19 2\r\n", 0, BAD,
	    .why = "bad port" },
	{ "port six digits", "PROXY TCP4 192.0.2.1 192.0.2.2 100000 2\r\n",
	    0, BAD, .why = "above 65535" },

	/* Line end. */
	{ "LF only", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n", 0, BAD,
	    .why = "LF without CR" },
	{ "CR then junk", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX", 0, BAD,
	    .why = "CR without LF" },
	{ "CR CR LF", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\r\n", 0, BAD,
	    .why = "CR without LF" },
	{ "LF CR", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n\r", 0, BAD,
	    .why = "LF without CR" },
	{ "unknown LF only", "PROXY UNKNOWN\n", 0, BAD,
	    .why = "LF without CR" },
	{ "unknown lone LF inside", "PROXY UNKNOWN abc\ndef\r\n", 0, BAD,
	    .why = "LF without CR" },
	{ "unknown lone CR inside", "PROXY UNKNOWN abc\rdef\r\n", 0, BAD,
	    .why = "CR without LF" },
	{ "NUL in line", "PROXY TCP4 192.0.2.1\0 192.0.2.2 1 2\r\n", 0, BAD,
	    .why = "bad IPv4" },

	/* Early refusal: impossible prefixes are INVALID before the CRLF. */
	{ "prefix bad keyword", "PROXY TCPX", 0, BAD, .why = "not TCP4" },
	{ "prefix bad ipv4", "PROXY TCP4 192.0.2.1x", 0, BAD,
	    .why = "bad IPv4" },
	{ "prefix ipv4 leading zero", "PROXY TCP4 01", 0, BAD,
	    .why = "leading zero" },
	{ "prefix ipv4 octet 300", "PROXY TCP4 192.0.300", 0, BAD,
	    .why = "above 255" },
	{ "prefix ipv6 in tcp4", "PROXY TCP4 2001:", 0, BAD,
	    .why = "above 255" },
	{ "prefix ipv6 bad char", "PROXY TCP6 2001:db8::z", 0, BAD,
	    .why = "bad IPv6" },
	{ "prefix port too big", "PROXY TCP4 192.0.2.1 192.0.2.2 65536", 0,
	    BAD, .why = "above 65535" },
	{ "prefix port leading zero", "PROXY TCP4 192.0.2.1 192.0.2.2 1 01", 0,
	    BAD, .why = "leading zero" },
	{ "prefix double space", "PROXY TCP4  ", 0, BAD, .why = "extra space" },
	{ "prefix extra field", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 ", 0,
	    BAD, .why = "extra field" },
	{ "prefix short ipv4 at CR", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2"
	    "\r", 0, MORE },
	{ "prefix too few fields at CR", "PROXY TCP4 192.0.2.1\r", 0, BAD,
	    .why = "too few fields" },
	{ "prefix not proxy", "GET / HTTP/1.0\r\n", 0, BAD,
	    .why = "not a PROXY" },
	{ "prefix PRX", "PRX", 0, BAD, .why = "v1 signature" },
	{ "prefix EHLO", "EHLO", 0, BAD, .why = "not a PROXY" },
	{ "prefix ok", "PROXY TCP6 2001:db8::1 ::1 6", 0, MORE },
	{ "prefix unknown junk", "PROXY UNKNOWN 01 junk", 0, MORE },
	{ "prefix PROXY", "PROXY", 0, MORE },
};

/* The reasons, word for word: a rewrite must keep every one of them. */
#define R_SIG	"bad PROXY v1 signature"
#define R_KW	"v1 protocol is not TCP4, TCP6 or UNKNOWN"
#define R_V4	"bad IPv4 address in v1 header"
#define R_V4Z	"leading zero in v1 IPv4 address"
#define R_V4B	"IPv4 octet above 255 in v1 header"
#define R_V6	"bad IPv6 address in v1 header"
#define R_PORT	"bad port in v1 header"
#define R_PZ	"leading zero in v1 port"
#define R_PB	"port above 65535 in v1 header"
#define R_EMPTY	"empty field or extra space in v1 header"
#define R_EXTRA	"extra field in v1 header"
#define R_EOL	"v1 header without CRLF within 107 bytes"
#define R_LF	"v1 header line ends in LF without CR"
#define R_CR	"v1 header line has CR without LF"
#define R_FEW	"v1 header has too few fields"

/* L - a string literal as bytes and length (embedded NULs allowed) */
#define L(s)	(s), sizeof(s) - 1

#define T4	"PROXY TCP4 "
#define LINE	T4 "1.2.3.4 5.6.7.8 9 10"

/*
 * Hostile TCP4 lines around what a quick TCP4 reader could get wrong:
 * digit runs, leading zeros, maxima plus one, separators, line ends, and
 * need-more against invalid. The status, the exact reason (INVALID) and
 * the bytes consumed (OK; 0: all of them) or asked for (INCOMPLETE).
 */
static const struct v1_exact {
	const char *line;
	size_t len;
	enum tmx_proxy_status status;
	const char *why;		/* INVALID: the whole reason */
	size_t n;			/* OK: consumed; MORE: asked for */
} v1_exact[] = {
	{ L(LINE "\r\n"), OK, NULL, 0 },
	{ L(T4 "100.20.3.0 0.0.0.1 65535 0\r\n"), OK, NULL, 0 },
	{ L(T4 "199.249.250.255 9.99.109.200 1000 10000\r\n"), OK, NULL, 0 },
	{ L(T4 "255.255.255.255 255.255.255.255 65535 65535\r\n"), OK, NULL,
	    0 },
	{ L(LINE "\r\n" "PROXY TCP4"), OK, NULL, sizeof(LINE "\r\n") - 1 },
	{ L(LINE "\r\n\r\n"), OK, NULL, sizeof(LINE "\r\n") - 1 },
	{ L(LINE "\r\n\0"), OK, NULL, sizeof(LINE "\r\n") - 1 },

	/* Octets. */
	{ L(T4 "1000.2.3.4 5.6.7.8 9 10\r\n"), BAD, R_V4B, 0 },
	{ L(T4 "1.2.3.4444 5.6.7.8 9 10\r\n"), BAD, R_V4B, 0 },
	{ L(T4 "1.2.3.260 5.6.7.8 9 10\r\n"), BAD, R_V4B, 0 },
	{ L(T4 "1.2.3.4 5.6.7.256 9 10\r\n"), BAD, R_V4B, 0 },
	{ L(T4 "1.2.3.4 5.6.7.300 9 10\r\n"), BAD, R_V4B, 0 },
	{ L(T4 "1.2.3.0255 5.6.7.8 9 10\r\n"), BAD, R_V4Z, 0 },
	{ L(T4 "1.2.3.00 5.6.7.8 9 10\r\n"), BAD, R_V4Z, 0 },
	{ L(T4 "01.2.3.4 5.6.7.8 9 10\r\n"), BAD, R_V4Z, 0 },
	{ L(T4 "1.2.3.4 5.6.7.08 9 10\r\n"), BAD, R_V4Z, 0 },
	{ L(T4 "1.2.3/ 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.: 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3:4 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.4\xff 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.\xb4 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.4\0 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.4.5 6.7.8.9 1 2\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3. 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.4 5.6.7 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8. 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.4 .6.7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "1.2.3.4 5..7.8 9 10\r\n"), BAD, R_V4, 0 },
	{ L(T4 "2001:db8::1 5.6.7.8 9 10\r\n"), BAD, R_V4B, 0 },
	{ L(T4 "1:2 5.6.7.8 9 10\r\n"), BAD, R_V4, 0 },

	/* Ports. */
	{ L(LINE "0\r\n"), OK, NULL, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 0 0\r\n"), OK, NULL, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 09 10\r\n"), BAD, R_PZ, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 010\r\n"), BAD, R_PZ, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 00\r\n"), BAD, R_PZ, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 65535 65536\r\n"), BAD, R_PB, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 65540 1\r\n"), BAD, R_PB, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 70000 1\r\n"), BAD, R_PB, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 655350\r\n"), BAD, R_PB, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 1000000\r\n"), BAD, R_PB, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 10.\r\n"), BAD, R_PORT, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 1:\r\n"), BAD, R_PORT, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9/ 10\r\n"), BAD, R_PORT, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 -10\r\n"), BAD, R_PORT, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 +10\r\n"), BAD, R_PORT, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9\0 10\r\n"), BAD, R_PORT, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 1\x00" "0\r\n"), BAD, R_PORT, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 10\xff\r\n"), BAD, R_PORT, 0 },

	/* Spaces, fields, line ends: the line end is judged first. */
	{ L(LINE " \r\n"), BAD, R_EMPTY, 0 },
	{ L(LINE " \r"), BAD, R_EMPTY, 0 },
	{ L(LINE " 11\r\n"), BAD, R_EXTRA, 0 },
	{ L(T4 "1.2.3.4  5.6.7.8 9 10\r\n"), BAD, R_EMPTY, 0 },
	{ L(T4 "\r\n"), BAD, R_EMPTY, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8\r\n"), BAD, R_FEW, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9\r\n"), BAD, R_FEW, 0 },
	{ L(T4 "1.2.3.4\r\n5.6.7.8 9 10\r\n"), BAD, R_FEW, 0 },
	{ L(LINE "\r\r\n"), BAD, R_CR, 0 },
	{ L(LINE "\rX"), BAD, R_CR, 0 },
	{ L(LINE "\n"), BAD, R_LF, 0 },
	{ L(LINE "\n\n"), BAD, R_LF, 0 },
	{ L(T4 "1.2.3.04 5.6.7.8 9 10\n"), BAD, R_LF, 0 },
	{ L(T4 "1.2.3.04 5.6.7.8 9 10\rX"), BAD, R_CR, 0 },
	{ L(LINE "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxx"), BAD, R_EOL, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 10                                      "
	    "                                            \r\n"), BAD, R_EOL,
	    0 },
	{ L("PROXY tcp4 1.2.3.4 5.6.7.8 9 10\r\n"), BAD, R_KW, 0 },
	{ L("PROXY TCP4\t1.2.3.4 5.6.7.8 9 10\r\n"), BAD, R_KW, 0 },
	{ L("PROXY  TCP4 1.2.3.4 5.6.7.8 9 10\r\n"), BAD, R_EMPTY, 0 },
	{ L("PROXY_TCP4 1.2.3.4 5.6.7.8 9 10\r\n"), BAD, R_SIG, 0 },
	{ L("PROXY TCP6 1.2.3.4 5.6.7.8 9 10\r\n"), BAD, R_V6, 0 },
	{ L("PROXY TCP6 ::1 ::2 9 10\r\n"), OK, NULL, 0 },

	/* Need more, or already invalid. */
	{ L(LINE), MORE, NULL, 1 },
	{ L(LINE "\r"), MORE, NULL, 1 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 1"), MORE, NULL, 1 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 "), MORE, NULL, 1 },
	{ L(T4 "1.2.3.4 5.6.7.8 9"), MORE, NULL, 1 },
	{ L(T4 "1.2.3.4 5.6.7.8 "), MORE, NULL, 1 },
	{ L(T4 "1.2.3."), MORE, NULL, 1 },
	{ L(T4 "1"), MORE, NULL, 3 },
	{ L(T4), MORE, NULL, 4 },
	{ L("PROXY TCP"), MORE, NULL, 6 },
	{ L(T4 "255.255.255.25"), MORE, NULL, 1 },
	{ L(T4 "255.255.255.256"), BAD, R_V4B, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 65535"), MORE, NULL, 1 },
	{ L(T4 "1.2.3.4 5.6.7.8 65536"), BAD, R_PB, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 0"), MORE, NULL, 1 },
	{ L(T4 "1.2.3.4 5.6.7.8 00"), BAD, R_PZ, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 10 "), BAD, R_EXTRA, 0 },
	{ L(T4 "1.2.3.4 5.6.7.8 9 10x"), BAD, R_PORT, 0 },
	{ L(T4 "0"), MORE, NULL, 3 },
	{ L(T4 "00"), BAD, R_V4Z, 0 },
	{ L(T4 "1.2.3.4 0"), MORE, NULL, 1 },
	{ L(T4 "1.2.3.4 1.2.3.4."), BAD, R_V4, 0 },
};

/*
 * test_exact - each hostile line: status, exact reason, bytes, and a
 * header left alone unless OK
 */
static void
test_exact(void)
{
	for (size_t i = 0; i < TMX_ARRAY_SIZE(v1_exact); i++) {
		const struct v1_exact *row = &v1_exact[i];
		size_t want = row->n != 0 ? row->n : row->len, n = 12345;
		struct tmx_proxy_hdr hdr;
		const char *error = "unset";
		enum tmx_proxy_status st;

		memset(&hdr, 0xa5, sizeof(hdr));
		st = tmx_proxy_parse((const uint8_t *)row->line, row->len, 0,
		    &hdr, &n, &error);
		TMX_CHECKF(st == row->status, "row %zu: status %d, want %d "
		    "(%s)", i, st, row->status, error ? error : "");
		if (st != row->status)
			continue;
		if (st == BAD) {
			TMX_CHECKF(error != NULL && strcmp(error, row->why) == 0,
			    "row %zu: \"%s\", want \"%s\"", i,
			    error ? error : "(null)", row->why);
			TMX_CHECKF(n == 0, "row %zu: n %zu", i, n);
		} else
			TMX_CHECKF(error == NULL && n == want,
			    "row %zu: n %zu, want %zu", i, n, want);
		if (st != OK)
			TMX_CHECKF(hdr.version == (int)0xa5a5a5a5,
			    "row %zu: header written", i);
		else
			TMX_CHECKF(hdr.version == 1, "row %zu", i);
	}
}

/*
 * test_whole_header - OK writes every byte of the header, the same bytes
 * whatever was there before: absent fields NULL or 0, sockaddr padding 0.
 */
static void
test_whole_header(void)
{
	static const char *const lines[] = {
		LINE "\r\n",
		T4 "255.255.255.255 255.255.255.255 65535 65535\r\n",
		"PROXY TCP6 2001:db8::1 ::ffff:192.0.2.1 1 2\r\n",
		"PROXY UNKNOWN\r\n",
	};
	static const unsigned flags[] = { 0, TMX_PROXY_F_UNMAP };

	for (size_t i = 0; i < TMX_ARRAY_SIZE(lines); i++)
		for (size_t f = 0; f < TMX_ARRAY_SIZE(flags); f++) {
			struct tmx_proxy_hdr a, b, zero;
			size_t len = strlen(lines[i]);

			memset(&a, 0xa5, sizeof(a));
			memset(&b, 0x00, sizeof(b));
			memset(&zero, 0, sizeof(zero));
			TMX_CHECK(tmx_proxy_parse((const uint8_t *)lines[i],
			    len, flags[f], &a, NULL, NULL) == OK);
			TMX_CHECK(tmx_proxy_parse((const uint8_t *)lines[i],
			    len, flags[f], &b, NULL, NULL) == OK);
			TMX_CHECKF(memcmp(&a, &b, sizeof(a)) == 0,
			    "%s: bytes left unwritten", lines[i]);
			TMX_CHECKF(memcmp(&a.crc32c, &zero.crc32c,
			    sizeof(a) - offsetof(struct tmx_proxy_hdr, crc32c))
			    == 0, "%s: TLV fields set", lines[i]);
		}
}

/*
 * v1_same - one input through tmx_proxy_parse (quick TCP4 path first) and
 * through the general checker alone: the same answer, reason, count and
 * header bytes
 */
static void
v1_same(const uint8_t *buf, size_t len, unsigned flags, const char *what,
	size_t at)
{
	struct tmx_proxy_hdr a, b;
	const char *ea = NULL, *eb = NULL;
	size_t na = 0, nb = 0;
	enum tmx_proxy_status sa, sb;

	/* the checker is for v1 bytes only, as tmx_proxy_parse sends it */
	if (len == 0 || buf[0] != 'P')
		return;
	memset(&a, 0x5a, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	sa = tmx_proxy_parse(buf, len, flags, &a, &na, &ea);
	sb = tmx_proxy_parse_v1_general(buf, len, flags, &b, &nb, &eb);
	if (sb == BAD)
		nb = 0;
	TMX_CHECKF(sa == sb && na == nb && ea == eb &&
	    memcmp(&a, &b, sizeof(a)) == 0,
	    "%s at %zu, %zu bytes: %d/%d %zu/%zu %s/%s", what, at, len, sa, sb,
	    na, nb, ea ? ea : "-", eb ? eb : "-");
}

/*
 * test_quick_path - the quick TCP4 path against the general checker on
 * lines with one byte replaced, inserted or deleted anywhere, each cut at
 * every length too: where the quick path takes a line, it must read what
 * the checker reads; where it does not, the checker's answer stands.
 */
static void
test_quick_path(void)
{
	static const char *const lines[] = {
		T4 "203.0.113.9 192.0.2.25 51234 25\r\n",
		T4 "1.2.3.4 5.6.7.8 9 10\r\n",
		T4 "0.0.0.0 0.0.0.0 0 0\r\n",
		T4 "255.255.255.255 255.255.255.255 65535 65535\r\n",
		T4 "10.100.200.250 249.199.99.9 1000 10000\r\n",
		T4 "1.2.3.4 5.6.7.8 6553 65530\r\n",
	};
	static const uint8_t bytes[] = "0123456789. \r\n\0/:x-+\xff\xb0\x7fP";
	uint8_t buf[128], line[128];

	for (size_t l = 0; l < TMX_ARRAY_SIZE(lines); l++) {
		size_t len = strlen(lines[l]);

		memcpy(line, lines[l], len);
		for (size_t cut = 0; cut <= len; cut++)
			v1_same(line, cut, 0, "cut", cut);
		for (size_t at = 0; at < len; at++) {
			for (size_t k = 0; k < sizeof(bytes) - 1; k++) {
				/* replace byte at */
				memcpy(buf, line, len);
				buf[at] = bytes[k];
				for (size_t cut = at; cut <= len; cut++)
					v1_same(buf, cut, 0, "replace", at);
				/* insert before at */
				memcpy(buf, line, at);
				buf[at] = bytes[k];
				memcpy(buf + at + 1, line + at, len - at);
				for (size_t cut = at; cut <= len + 1; cut++)
					v1_same(buf, cut, 0, "insert", at);
			}
			/* delete at, and repeat at */
			memcpy(buf, line, at);
			memcpy(buf + at, line + at + 1, len - at - 1);
			v1_same(buf, len - 1, 0, "delete", at);
			memcpy(buf, line, at + 1);
			memcpy(buf + at + 1, line + at, len - at);
			v1_same(buf, len + 1, 0, "repeat", at);
		}
		/* trailing data of every kind, and the flags */
		for (size_t k = 0; k < sizeof(bytes) - 1; k++) {
			memcpy(buf, line, len);
			buf[len] = bytes[k];
			v1_same(buf, len + 1, 0, "trailing", len);
			v1_same(buf, len + 1, TMX_PROXY_F_UNMAP, "unmap", len);
			v1_same(buf, len + 1, TMX_PROXY_F_NO_V2, "no v2", len);
		}
	}
}

/* test_rows - each table row through tmx_proxy_parse */
static void
test_rows(void)
{
	for (size_t i = 0; i < TMX_ARRAY_SIZE(v1_rows); i++) {
		const struct v1_row *row = &v1_rows[i];
		struct tmx_proxy_hdr hdr;
		const char *error = "unset";
		size_t len = strlen(row->line), n = 12345;
		enum tmx_proxy_status st;
		char a[160];

		/* rows with an embedded NUL */
		if (strcmp(row->name, "NUL in line") == 0)
			len = sizeof("PROXY TCP4 192.0.2.1\0 192.0.2.2 1 2\r\n")
			    - 1;
		memset(&hdr, 0xa5, sizeof(hdr));
		st = tmx_proxy_parse((const uint8_t *)row->line, len,
		    row->flags, &hdr, &n, &error);
		TMX_CHECKF(st == row->status, "%s: status %d, want %d (%s)",
		    row->name, st, row->status, error ? error : "");
		if (st != row->status)
			continue;
		if (st == BAD) {
			TMX_CHECKF(error != NULL && row->why != NULL &&
			    strstr(error, row->why) != NULL, "%s: \"%s\"",
			    row->name, error ? error : "(null)");
			continue;
		}
		TMX_CHECKF(error == NULL, "%s: error set on success",
		    row->name);
		if (st == MORE) {
			TMX_CHECKF(n >= 1, "%s: need %zu", row->name, n);
			continue;
		}
		TMX_CHECKF(n == len, "%s: consumed %zu of %zu", row->name, n,
		    len);
		TMX_CHECKF(hdr.version == 1, "%s", row->name);
		TMX_CHECKF(hdr.command == TMX_PROXY_CMD_PROXY, "%s", row->name);
		TMX_CHECKF(hdr.family == row->family, "%s: family %s",
		    row->name, tmx_proxy_family_name(hdr.family));
		TMX_CHECK_STR(test_sockaddr_text(&hdr.src, a, sizeof(a)), row->src);
		TMX_CHECK_STR(test_sockaddr_text(&hdr.dst, a, sizeof(a)), row->dst);
		TMX_CHECKF(!hdr.crc32c && !hdr.ssl.present &&
		    hdr.tlvs.ptr == NULL && hdr.alpn.ptr == NULL, "%s",
		    row->name);
	}
}

/*
 * test_prefixes - every proper prefix of each valid line is INCOMPLETE,
 * asking for 15 - len (the shortest line) first and then for 1, never more
 * than the line still has; the header is left unwritten.
 */
static void
test_prefixes(void)
{
	for (size_t i = 0; i < TMX_ARRAY_SIZE(v1_rows); i++) {
		const struct v1_row *row = &v1_rows[i];
		size_t len = strlen(row->line);

		if (row->status != OK)
			continue;
		for (size_t cut = 0; cut < len; cut++) {
			struct tmx_proxy_hdr hdr;
			const char *error = NULL;
			enum tmx_proxy_status st;
			size_t n = 0;

			memset(&hdr, 0xa5, sizeof(hdr));
			st = tmx_proxy_parse((const uint8_t *)row->line, cut,
			    row->flags, &hdr, &n, &error);
			TMX_CHECKF(st == MORE && n <= len - cut &&
			    n == (cut < 15 ? 15 - cut : 1),
			    "%s cut at %zu: status %d need %zu (%s)",
			    row->name, cut, st, n, error ? error : "");
			TMX_CHECKF(hdr.version == (int)0xa5a5a5a5,
			    "%s cut at %zu: header written", row->name, cut);
		}
	}
}

/* test_trailing - bytes after the CRLF belong to the application */
static void
test_trailing(void)
{
	static const char *const tails[] = {
		"EHLO client.example\r\n",
		"\r\n",
		"P",
		("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n"),
		"\x0d\x0a\x0d\x0a\x00",
	};
	static const char line[] =
	    "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n";
	uint8_t buf[256];

	for (size_t i = 0; i < TMX_ARRAY_SIZE(tails); i++) {
		struct tmx_proxy_hdr hdr;
		size_t tlen = strlen(tails[i]) + (i == 4 ? 1 : 0), n = 0;
		enum tmx_proxy_status st;

		memcpy(buf, line, sizeof(line) - 1);
		memcpy(buf + sizeof(line) - 1, tails[i], tlen);
		st = tmx_proxy_parse(buf, sizeof(line) - 1 + tlen, 0, &hdr,
		    &n, NULL);
		TMX_CHECKF(st == OK && n == sizeof(line) - 1,
		    "tail %zu: status %d consumed %zu", i, st, n);
	}
}

/*
 * unknown_line - "PROXY UNKNOWN " padded to total bytes with CRLF (and
 * more bytes after it, never CR or LF, when total has no CRLF).
 */
static size_t
unknown_line(uint8_t *buf, size_t total, bool crlf)
{
	memset(buf, 'x', total);
	memcpy(buf, "PROXY UNKNOWN ", 14);
	if (crlf) {
		buf[total - 2] = '\r';
		buf[total - 1] = '\n';
	}
	return total;
}

/* test_length_limit - 107 bytes with the CRLF are fine, 108 are not */
static void
test_length_limit(void)
{
	static const struct {
		size_t total;
		bool crlf;
		enum tmx_proxy_status status;
	} rows[] = {
		{ 16, true, OK },
		{ 106, true, OK },
		{ 107, true, OK },
		{ 108, true, BAD },
		{ 200, true, BAD },
		{ 105, false, MORE },	/* CR could still come at 105 */
		{ 106, false, BAD },	/* now CRLF would end past 107 */
		{ 107, false, BAD },
		{ 300, false, BAD },
	};
	uint8_t buf[400];

	for (size_t i = 0; i < TMX_ARRAY_SIZE(rows); i++) {
		size_t len = unknown_line(buf, rows[i].total, rows[i].crlf);
		const char *error = NULL;
		size_t n = 0;
		enum tmx_proxy_status st;

		st = tmx_proxy_parse(buf, len, 0, NULL, &n, &error);
		TMX_CHECKF(st == rows[i].status, "%zu bytes%s: status %d (%s)",
		    rows[i].total, rows[i].crlf ? " with CRLF" : "", st,
		    error ? error : "");
		if (st == OK)
			TMX_CHECKF(n == rows[i].total, "consumed %zu", n);
	}
	/* 107 with its CR at 105 but the LF not yet there: need 1 */
	{
		size_t n = 0;

		unknown_line(buf, 107, true);
		TMX_CHECK(tmx_proxy_parse(buf, 106, 0, NULL, &n, NULL) ==
		    MORE && n == 1);
		TMX_CHECK(tmx_proxy_parse(buf, 107, 0, NULL, &n, NULL) == OK &&
		    n == 107);
	}
	/* The longest TCP6 line of the spec (104 bytes) parses. */
	{
		static const char l[] = "PROXY TCP6 "
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
		size_t n = 0;

		TMX_CHECK(sizeof(l) - 1 == 104);
		TMX_CHECK(tmx_proxy_parse((const uint8_t *)l, sizeof(l) - 1, 0,
		    NULL, &n, NULL) == OK && n == 104);
	}
}

/* test_need - the exact minimum asked for at the start */
static void
test_need(void)
{
	static const struct {
		const char *in;
		size_t need;
	} rows[] = {
		{ "", 15 },
		{ "P", 14 },
		{ "PROXY", 10 },
		{ "PROXY UNKNOWN", 2 },
		{ "PROXY UNKNOWN\r", 1 },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1 2", 1 },
	};

	for (size_t i = 0; i < TMX_ARRAY_SIZE(rows); i++) {
		size_t n = 0;
		enum tmx_proxy_status st = tmx_proxy_parse(
		    (const uint8_t *)rows[i].in, strlen(rows[i].in), 0, NULL,
		    &n, NULL);

		TMX_CHECKF(st == MORE && n == rows[i].need,
		    "\"%s\": status %d need %zu", rows[i].in, st, n);
	}
}

/* test_sniff - sniffing and the version flags on v1 bytes */
static void
test_sniff(void)
{
	static const struct {
		const char *in;
		enum tmx_proxy_sniff want;
	} rows[] = {
		{ "", TMX_PROXY_SNIFF_MORE },
		{ "P", TMX_PROXY_SNIFF_MORE },
		{ "PROX", TMX_PROXY_SNIFF_MORE },
		{ "PROXY", TMX_PROXY_SNIFF_V1 },
		{ "PROXY TCP4", TMX_PROXY_SNIFF_V1 },
		{ "PRX", TMX_PROXY_SNIFF_NONE },
		{ "EHLO", TMX_PROXY_SNIFF_NONE },
		{ "\r\n\r\n", TMX_PROXY_SNIFF_MORE },
		{ "\r\n\n", TMX_PROXY_SNIFF_NONE },
	};
	const char *error = NULL;
	size_t n;

	for (size_t i = 0; i < TMX_ARRAY_SIZE(rows); i++)
		TMX_CHECKF(tmx_proxy_sniff((const uint8_t *)rows[i].in,
		    strlen(rows[i].in)) == rows[i].want, "sniff \"%s\"",
		    rows[i].in);
	TMX_CHECK(tmx_proxy_parse((const uint8_t *)"P", 1, TMX_PROXY_F_NO_V1,
	    NULL, &n, &error) == BAD && error != NULL);
	TMX_CHECK(tmx_proxy_parse((const uint8_t *)"", 0,
	    TMX_PROXY_F_NO_V1 | TMX_PROXY_F_NO_V2, NULL, &n, &error) == BAD);
	TMX_CHECK(tmx_proxy_parse((const uint8_t *)"", 0, TMX_PROXY_F_NO_V1,
	    NULL, &n, &error) == MORE && n == 16);
}

int
main(void)
{
	test_rows();
	test_exact();
	test_whole_header();
	test_quick_path();
	test_prefixes();
	test_trailing();
	test_length_limit();
	test_need();
	test_sniff();
	return TMX_TEST_END();
}
