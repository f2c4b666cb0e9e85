/*
 * test-proxy-v1.c - the PROXY v1 parser against the text of
 * proxy-protocol.txt section 2.1: one table row per rule, both ways, plus
 * every prefix of valid lines, the 107-byte limit and trailing data.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "trustmx/proxy.h"
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
	test_prefixes();
	test_trailing();
	test_length_limit();
	test_need();
	test_sniff();
	return TMX_TEST_END();
}
