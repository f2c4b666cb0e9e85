/*
 * test-encode.c - the PROXY encoder: every v1/v2 family and command
 * round-trips through tmx_proxy_parse, a few headers match bytes written
 * out by hand, and every misuse or short buffer fails sticky without overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <trustmx/proxy.h>

#include "tmx-test.h"
#include "tmx-test-sock.h"

#define CANARY		0xa5
#define CANARY_LEN	32
#define BIG		70000

/* v1 rows: encode, compare the text, parse back */
static const struct v1_case {
	const char *name;
	enum tmx_proxy_family family;
	const char *src, *dst;
	unsigned sport, dport;
	const char *line;
} v1_cases[] = {
	{ "tcp4", TMX_PROXY_FAM_TCP4, "192.0.2.1", "198.51.100.2",
	    56324, 25, "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n" },
	{ "tcp4 ports 0 and 65535", TMX_PROXY_FAM_TCP4, "203.0.113.255",
	    "0.0.0.0", 0, 65535,
	    "PROXY TCP4 203.0.113.255 0.0.0.0 0 65535\r\n" },
	{ "tcp6", TMX_PROXY_FAM_TCP6, "2001:db8::1", "2001:db8:0:1::25",
	    40000, 587, "PROXY TCP6 2001:db8::1 2001:db8:0:1::25 40000 587\r\n" },
	{ "tcp6 longest line", TMX_PROXY_FAM_TCP6,
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
	    "2001:db8:eeee:eeee:eeee:eeee:eeee:eeee", 65535, 65535,
	    "PROXY TCP6 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff "
	    "2001:db8:eeee:eeee:eeee:eeee:eeee:eeee 65535 65535\r\n" },
	{ "tcp6 IPv4-mapped", TMX_PROXY_FAM_TCP6, "::ffff:192.0.2.1",
	    "::ffff:198.51.100.2", 1, 25,
	    "PROXY TCP6 ::ffff:192.0.2.1 ::ffff:198.51.100.2 1 25\r\n" },
	{ "unknown", TMX_PROXY_FAM_UNKNOWN, NULL, NULL, 0, 0,
	    "PROXY UNKNOWN\r\n" },
	{ "unknown ignores addresses", TMX_PROXY_FAM_UNKNOWN, "192.0.2.1",
	    "198.51.100.2", 1, 2, "PROXY UNKNOWN\r\n" },
};

/* test_v1 - each v1 row: exact text, parse back, every short buffer fails */
static void
test_v1(void)
{
	uint8_t buf[TMX_PROXY_V1_MAX + CANARY_LEN];
	struct sockaddr_storage src, dst, want_src, want_dst;
	struct tmx_proxy_hdr hdr;
	const char *error;
	size_t i, len, n, size, k;
	char t1[160], t2[160];

	for (i = 0; i < TEST_LEN(v1_cases); i++) {
		const struct v1_case *c = &v1_cases[i];
		bool inet = c->family != TMX_PROXY_FAM_UNKNOWN;

		test_sockaddr(&src, c->src, c->sport);
		test_sockaddr(&dst, c->dst, c->dport);
		len = 0;
		TMX_CHECKF(tmx_proxy_encode_v1(c->family,
		    (struct sockaddr *)&src, (struct sockaddr *)&dst, buf,
		    TMX_PROXY_V1_MAX, &len) == 0, "%s", c->name);
		TMX_CHECKF(len == strlen(c->line) &&
		    memcmp(buf, c->line, len) == 0, "%s: %.*s", c->name,
		    (int)len, (const char *)buf);
		TMX_CHECKF(len <= TMX_PROXY_V1_MAX, "%s", c->name);

		memset(&hdr, 0xff, sizeof(hdr));
		error = NULL;
		TMX_CHECKF(tmx_proxy_parse(buf, len, 0, &hdr, &n, &error) ==
		    TMX_PROXY_OK && n == len, "%s: %s", c->name,
		    error ? error : "");
		TMX_CHECKF(hdr.version == 1 &&
		    hdr.command == TMX_PROXY_CMD_PROXY &&
		    hdr.family == c->family, "%s", c->name);
		test_sockaddr(&want_src, inet ? c->src : NULL, c->sport);
		test_sockaddr(&want_dst, inet ? c->dst : NULL, c->dport);
		TMX_CHECKF(test_sockaddr_equal(&hdr.src, &want_src) &&
		    test_sockaddr_equal(&hdr.dst, &want_dst),
		    "%s: parsed %s -> %s", c->name,
		    test_sockaddr_text(&hdr.src, t1, sizeof(t1)),
		    test_sockaddr_text(&hdr.dst, t2, sizeof(t2)));

		/* every smaller buffer: -1 and not a byte written past it */
		for (size = 0; size < len; size++) {
			memset(buf, CANARY, sizeof(buf));
			TMX_CHECKF(tmx_proxy_encode_v1(c->family,
			    (struct sockaddr *)&src, (struct sockaddr *)&dst,
			    buf, size, &n) == -1, "%s size %zu", c->name,
			    size);
			for (k = size; k < sizeof(buf); k++)
				if (buf[k] != CANARY)
					break;
			TMX_CHECKF(k == sizeof(buf), "%s size %zu: overrun",
			    c->name, size);
		}
	}
}

/* v1 misuse: wrong family for v1, sockaddrs of the wrong family */
static const struct v1_bad_case {
	const char *name;
	enum tmx_proxy_family family;
	const char *src, *dst;
} v1_bad_cases[] = {
	{ "udp4 has no v1 form", TMX_PROXY_FAM_UDP4, "192.0.2.1",
	    "198.51.100.2" },
	{ "unspec has no v1 form", TMX_PROXY_FAM_UNSPEC, NULL, NULL },
	{ "unix has no v1 form", TMX_PROXY_FAM_UNIX, "unix:/a", "unix:/b" },
	{ "tcp4 with an IPv6 source", TMX_PROXY_FAM_TCP4, "2001:db8::1",
	    "198.51.100.2" },
	{ "tcp4 with an IPv6 destination", TMX_PROXY_FAM_TCP4, "192.0.2.1",
	    "2001:db8::2" },
	{ "tcp6 with IPv4", TMX_PROXY_FAM_TCP6, "192.0.2.1",
	    "198.51.100.2" },
	{ "tcp4 without addresses", TMX_PROXY_FAM_TCP4, NULL, NULL },
	{ "tcp4 with unix paths", TMX_PROXY_FAM_TCP4, "unix:/a", "unix:/b" },
};

/* test_v1_bad - each misuse returns -1 and writes nothing */
static void
test_v1_bad(void)
{
	struct sockaddr_storage src, dst;
	uint8_t buf[TMX_PROXY_V1_MAX];
	size_t i, k, len;

	for (i = 0; i < TEST_LEN(v1_bad_cases); i++) {
		const struct v1_bad_case *c = &v1_bad_cases[i];

		memset(buf, CANARY, sizeof(buf));
		TMX_CHECKF(tmx_proxy_encode_v1(c->family,
		    c->src ? test_sockaddr(&src, c->src, 1) : NULL,
		    c->dst ? test_sockaddr(&dst, c->dst, 2) : NULL,
		    buf, sizeof(buf), &len) == -1, "%s", c->name);
		for (k = 0; k < sizeof(buf) && buf[k] == CANARY; k++)
			;
		TMX_CHECKF(k == sizeof(buf), "%s: wrote", c->name);
	}
}

/* What goes into a v2 round-trip header besides the addresses. */
enum v2_extra {
	V2_PLAIN,
	V2_CRC,			/* CRC32C TLV */
	V2_TLVS,		/* ALPN, AUTHORITY, UNIQUE_ID, NOOP */
	V2_ALL,			/* TLVs, an SSL TLV with sub-TLVs, CRC32C */
	V2_EXTRA_N
};

/* v2 rows: each is encoded with every v2_extra and parsed back */
static const struct v2_case {
	const char *name;
	enum tmx_proxy_command command;
	enum tmx_proxy_family family;
	const char *src, *dst;
	unsigned sport, dport;
} v2_cases[] = {
	{ "local unspec", TMX_PROXY_CMD_LOCAL, TMX_PROXY_FAM_UNSPEC,
	    NULL, NULL, 0, 0 },
	{ "proxy unspec", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UNSPEC,
	    NULL, NULL, 0, 0 },
	{ "proxy tcp4", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_TCP4,
	    "192.0.2.1", "198.51.100.2", 56324, 25 },
	{ "proxy udp4", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UDP4,
	    "203.0.113.9", "198.51.100.53", 5353, 53 },
	{ "proxy tcp6", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_TCP6,
	    "2001:db8::1", "2001:db8:1::25", 40000, 25 },
	{ "proxy udp6", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UDP6,
	    "2001:db8:ffff::9", "2001:db8::53", 65535, 0 },
	{ "proxy unix", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UNIX,
	    "unix:/var/run/client.sock", "unix:/var/spool/postfix/public/smtp",
	    0, 0 },
	{ "proxy unix dgram", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UNIX_DGRAM,
	    "unix:/dev/log", "unix:", 0, 0 },
	{ "proxy unix 107-byte path", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UNIX,
	    "unix:/0123456789012345678901234567890123456789012345678901234567"
	    "890123456789012345678901234567890123456789012345",
	    "unix:/s", 0, 0 },
	{ "local tcp4 (health check with addresses)", TMX_PROXY_CMD_LOCAL,
	    TMX_PROXY_FAM_TCP4, "127.0.0.1", "127.0.0.1", 40001, 25 },
	{ "local tcp6", TMX_PROXY_CMD_LOCAL, TMX_PROXY_FAM_TCP6,
	    "::1", "::1", 40002, 25 },
};

static const char alpn[] = "smtp";
static const char authority[] = "mx.example.org";
static const char unique_id[] = "\x01\x02\x03\x04\x05\x06\x07\x08";
static const char ssl_version[] = "TLSv1.3";
static const char ssl_cn[] = "relay.example.net";
static const char ssl_cipher[] = "TLS_AES_256_GCM_SHA384";

/* v2_encode - one row with one extra; returns the header length or 0 */
static size_t
v2_encode(const struct v2_case *c, enum v2_extra extra, uint8_t *buf,
	  size_t size)
{
	struct sockaddr_storage src, dst;
	struct tmx_proxy_v2_writer w;
	size_t len = 0;
	bool tlvs = extra == V2_TLVS || extra == V2_ALL;

	tmx_proxy_v2_begin(&w, buf, size, c->command, c->family,
	    c->src ? test_sockaddr(&src, c->src, c->sport) : NULL,
	    c->dst ? test_sockaddr(&dst, c->dst, c->dport) : NULL);
	if (tlvs) {
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_TYPE_ALPN, alpn,
		    strlen(alpn));
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_TYPE_AUTHORITY, authority,
		    strlen(authority));
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_TYPE_UNIQUE_ID, unique_id,
		    sizeof(unique_id) - 1);
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_TYPE_NOOP, NULL, 0);
	}
	if (extra == V2_ALL) {
		tmx_proxy_v2_ssl_begin(&w, TMX_PP2_CLIENT_SSL |
		    TMX_PP2_CLIENT_CERT_CONN, 0);
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_SUBTYPE_SSL_VERSION,
		    ssl_version, strlen(ssl_version));
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_SUBTYPE_SSL_CN, ssl_cn,
		    strlen(ssl_cn));
		tmx_proxy_v2_add_tlv(&w, TMX_PP2_SUBTYPE_SSL_CIPHER,
		    ssl_cipher, strlen(ssl_cipher));
		tmx_proxy_v2_ssl_end(&w);
	}
	if (tmx_proxy_v2_finish(&w, extra == V2_CRC || extra == V2_ALL,
	    &len) < 0)
		return 0;
	return len;
}

/* bytes_is - a parsed byte string equals text */
static bool
bytes_is(struct tmx_proxy_bytes b, const char *text, size_t len)
{
	return b.ptr != NULL && b.len == len && memcmp(b.ptr, text, len) == 0;
}

/* test_v2_check - the parsed header says what the row and extra put in */
static void
test_v2_check(const struct v2_case *c, enum v2_extra extra,
	      const struct tmx_proxy_hdr *hdr)
{
	struct sockaddr_storage want_src, want_dst;
	bool tlvs = extra == V2_TLVS || extra == V2_ALL;
	char t1[160], t2[160];

	TMX_CHECKF(hdr->version == 2 && hdr->command == c->command &&
	    hdr->family == c->family, "%s/%d", c->name, extra);
	test_sockaddr(&want_src, c->src, c->sport);
	test_sockaddr(&want_dst, c->dst, c->dport);
	TMX_CHECKF(test_sockaddr_equal(&hdr->src, &want_src) &&
	    test_sockaddr_equal(&hdr->dst, &want_dst),
	    "%s/%d: parsed %s -> %s", c->name, extra,
	    test_sockaddr_text(&hdr->src, t1, sizeof(t1)),
	    test_sockaddr_text(&hdr->dst, t2, sizeof(t2)));
	TMX_CHECKF(hdr->crc32c == (extra == V2_CRC || extra == V2_ALL),
	    "%s/%d: crc32c", c->name, extra);
	TMX_CHECKF(tlvs == bytes_is(hdr->alpn, alpn, strlen(alpn)) &&
	    tlvs == bytes_is(hdr->authority, authority, strlen(authority)) &&
	    tlvs == bytes_is(hdr->unique_id, unique_id,
	    sizeof(unique_id) - 1), "%s/%d: TLVs", c->name, extra);
	TMX_CHECKF(hdr->ssl.present == (extra == V2_ALL), "%s/%d: ssl",
	    c->name, extra);
	if (extra != V2_ALL)
		return;
	TMX_CHECKF(hdr->ssl.client ==
	    (TMX_PP2_CLIENT_SSL | TMX_PP2_CLIENT_CERT_CONN) &&
	    hdr->ssl.verify == 0 && tmx_proxy_ssl_verified(&hdr->ssl),
	    "%s: ssl client/verify", c->name);
	TMX_CHECKF(bytes_is(hdr->ssl.version, ssl_version,
	    strlen(ssl_version)) &&
	    bytes_is(hdr->ssl.cn, ssl_cn, strlen(ssl_cn)) &&
	    bytes_is(hdr->ssl.cipher, ssl_cipher, strlen(ssl_cipher)),
	    "%s: ssl sub-TLVs", c->name);
}

/* test_v2 - every row with every extra round-trips through the parser */
static void
test_v2(void)
{
	static uint8_t buf[1024];
	struct tmx_proxy_hdr hdr;
	const char *error;
	size_t i, len, n;
	int e;

	for (i = 0; i < TEST_LEN(v2_cases); i++) {
		for (e = 0; e < V2_EXTRA_N; e++) {
			const struct v2_case *c = &v2_cases[i];

			len = v2_encode(c, (enum v2_extra)e, buf,
			    sizeof(buf));
			TMX_CHECKF(len >= TMX_PROXY_V2_HDRLEN, "%s/%d",
			    c->name, e);
			if (len < TMX_PROXY_V2_HDRLEN)
				continue;
			TMX_CHECKF(16 + (size_t)(buf[14] << 8 | buf[15]) ==
			    len, "%s/%d: length field", c->name, e);
			memset(&hdr, 0xff, sizeof(hdr));
			error = NULL;
			TMX_CHECKF(tmx_proxy_parse(buf, len, 0, &hdr, &n,
			    &error) == TMX_PROXY_OK && n == len,
			    "%s/%d: %s", c->name, e, error ? error : "");
			test_v2_check(c, (enum v2_extra)e, &hdr);
			/* one flipped bit and the CRC32C must catch it */
			if (e == V2_CRC || e == V2_ALL) {
				buf[len / 2] ^= 0x10;
				TMX_CHECKF(tmx_proxy_parse(buf, len, 0, &hdr,
				    &n, &error) == TMX_PROXY_INVALID,
				    "%s/%d: corrupted yet accepted",
				    c->name, e);
			}
		}
	}
}

/* test_v2_truncated - every buffer shorter than the header fails cleanly */
static void
test_v2_truncated(void)
{
	static uint8_t full[1024], buf[1024 + CANARY_LEN];
	const struct v2_case *c = &v2_cases[4];	/* tcp6 */
	size_t len, size, k;

	len = v2_encode(c, V2_ALL, full, sizeof(full));
	TMX_CHECK(len > 0);
	for (size = 0; size < len; size++) {
		memset(buf, CANARY, sizeof(buf));
		TMX_CHECKF(v2_encode(c, V2_ALL, buf, size) == 0,
		    "size %zu of %zu", size, len);
		for (k = size; k < sizeof(buf) && buf[k] == CANARY; k++)
			;
		TMX_CHECKF(k == sizeof(buf), "size %zu: overrun", size);
	}
	memset(buf, CANARY, sizeof(buf));
	TMX_CHECK(v2_encode(c, V2_ALL, buf, len) == len &&
	    memcmp(buf, full, len) == 0 && buf[len] == CANARY);
}

/* Headers written out by hand, field by field. */
#define SIG 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, \
	0x55, 0x49, 0x54, 0x0a

static const uint8_t exact_tcp4[] = {
	SIG, 0x21, 0x11, 0x00, 0x0c,
	192, 0, 2, 1,			/* src 192.0.2.1 */
	198, 51, 100, 2,		/* dst 198.51.100.2 */
	0xdc, 0x04,			/* 56324 */
	0x00, 0x19,			/* 25 */
};

static const uint8_t exact_local[] = {
	SIG, 0x20, 0x00, 0x00, 0x00,
};

static const uint8_t exact_tcp6_authority_crc[] = {
	SIG, 0x21, 0x21, 0x00, 0x38,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0xdc, 0x04, 0x00, 0x19,
	0x02, 0x00, 0x0a, 'm', 'x', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	/* CRC32C of these 72 bytes with the value zeroed */
	0x03, 0x00, 0x04, 0x9f, 0x47, 0x6d, 0x4a,
};

static const uint8_t exact_ssl[] = {
	SIG, 0x21, 0x12, 0x00, 0x1e,
	203, 0, 113, 7, 198, 51, 100, 25, 0x04, 0x00, 0x00, 0x35,
	0x20, 0x00, 0x0f,		/* SSL TLV, 15 bytes */
	0x01,				/* client: SSL */
	0x00, 0x00, 0x00, 0x01,		/* verify: 1 (not verified) */
	0x21, 0x00, 0x07, 'T', 'L', 'S', 'v', '1', '.', '3',
};

static const uint8_t exact_unix[16 + 216] = {
	SIG, 0x21, 0x31, 0x00, 0xd8,
	'/', 'a',			/* then zeroes to 108 */
	[16 + 108] = '/', 'r', 'u', 'n', '/', 's',
};

/* test_exact - the encoder writes exactly the hand-made bytes */
static void
test_exact(void)
{
	static const struct {
		const char *name;
		enum tmx_proxy_command command;
		enum tmx_proxy_family family;
		const char *src, *dst;
		unsigned sport, dport;
		const char *authority;
		bool ssl, crc;
		const uint8_t *bytes;
		size_t len;
	} cases[] = {
		{ "tcp4", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_TCP4,
		    "192.0.2.1", "198.51.100.2", 56324, 25, NULL, false,
		    false, exact_tcp4, sizeof(exact_tcp4) },
		{ "local", TMX_PROXY_CMD_LOCAL, TMX_PROXY_FAM_UNSPEC,
		    NULL, NULL, 0, 0, NULL, false, false, exact_local,
		    sizeof(exact_local) },
		{ "tcp6 authority crc", TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_TCP6, "2001:db8::1", "2001:db8::2", 56324,
		    25, "mx.example", false, true, exact_tcp6_authority_crc,
		    sizeof(exact_tcp6_authority_crc) },
		{ "udp4 ssl", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UDP4,
		    "203.0.113.7", "198.51.100.25", 1024, 53, NULL, true,
		    false, exact_ssl, sizeof(exact_ssl) },
		{ "unix", TMX_PROXY_CMD_PROXY, TMX_PROXY_FAM_UNIX,
		    "unix:/a", "unix:/run/s", 0, 0, NULL, false, false,
		    exact_unix, sizeof(exact_unix) },
	};
	struct sockaddr_storage src, dst;
	struct tmx_proxy_v2_writer w;
	uint8_t buf[512];
	size_t i, len;

	for (i = 0; i < TEST_LEN(cases); i++) {
		len = 0;
		memset(buf, CANARY, sizeof(buf));
		tmx_proxy_v2_begin(&w, buf, sizeof(buf), cases[i].command,
		    cases[i].family,
		    test_sockaddr(&src, cases[i].src, cases[i].sport),
		    test_sockaddr(&dst, cases[i].dst, cases[i].dport));
		if (cases[i].authority != NULL)
			tmx_proxy_v2_add_tlv(&w, TMX_PP2_TYPE_AUTHORITY,
			    cases[i].authority, strlen(cases[i].authority));
		if (cases[i].ssl) {
			tmx_proxy_v2_ssl_begin(&w, TMX_PP2_CLIENT_SSL, 1);
			tmx_proxy_v2_add_tlv(&w, TMX_PP2_SUBTYPE_SSL_VERSION,
			    "TLSv1.3", 7);
			tmx_proxy_v2_ssl_end(&w);
		}
		TMX_CHECKF(tmx_proxy_v2_finish(&w, cases[i].crc, &len) == 0,
		    "%s", cases[i].name);
		TMX_CHECKF(len == cases[i].len &&
		    memcmp(buf, cases[i].bytes, len) == 0, "%s: %zu bytes",
		    cases[i].name, len);
	}
	len = 0;
	TMX_CHECK(tmx_proxy_encode_v1(TMX_PROXY_FAM_UNKNOWN, NULL, NULL, buf,
	    sizeof(buf), &len) == 0 && len == 15 &&
	    memcmp(buf, "PROXY UNKNOWN\r\n", 15) == 0);
}

/* Writer steps for the misuse table. */
enum step {
	END = 0,
	BEGIN_TCP4,
	BEGIN_TCP4_V6ADDR,	/* TCP4 with an AF_INET6 source */
	BEGIN_TCP6_V4ADDR,
	BEGIN_UNIX_V4ADDR,
	BEGIN_UDP4_UNIXADDR,
	BEGIN_TCP4_NOADDR,
	BEGIN_UNKNOWN,		/* v1-only family */
	BEGIN_BADCMD,
	BEGIN_UNSPEC,
	TLV_SMALL,		/* 3 + 4 bytes */
	TLV_65532,		/* 3 + 65532: fills an UNSPEC header exactly */
	TLV_65535,
	TLV_65536,		/* value too long for a TLV */
	SSL_BEGIN,
	SSL_END,
	FINISH,
	FINISH_CRC,
};

/* step_run - perform one writer step */
static int
step_run(enum step s, struct tmx_proxy_v2_writer *w, uint8_t *buf,
	 size_t size, const uint8_t *big)
{
	struct sockaddr_storage a4, b4, a6, un;
	size_t len;

	test_sockaddr(&a4, "192.0.2.1", 1);
	test_sockaddr(&b4, "198.51.100.2", 2);
	test_sockaddr(&a6, "2001:db8::1", 3);
	test_sockaddr(&un, "unix:/x", 0);
#define SA(x) ((struct sockaddr *)&(x))
	switch (s) {
	case BEGIN_TCP4:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_TCP4, SA(a4), SA(b4));
	case BEGIN_TCP4_V6ADDR:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_TCP4, SA(a6), SA(b4));
	case BEGIN_TCP6_V4ADDR:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_TCP6, SA(a6), SA(b4));
	case BEGIN_UNIX_V4ADDR:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_UNIX, SA(a4), SA(b4));
	case BEGIN_UDP4_UNIXADDR:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_UDP4, SA(un), SA(un));
	case BEGIN_TCP4_NOADDR:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_TCP4, NULL, SA(b4));
	case BEGIN_UNKNOWN:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_UNKNOWN, NULL, NULL);
	case BEGIN_BADCMD:
		return tmx_proxy_v2_begin(w, buf, size,
		    (enum tmx_proxy_command)2, TMX_PROXY_FAM_TCP4, SA(a4),
		    SA(b4));
	case BEGIN_UNSPEC:
		return tmx_proxy_v2_begin(w, buf, size, TMX_PROXY_CMD_PROXY,
		    TMX_PROXY_FAM_UNSPEC, NULL, NULL);
	case TLV_SMALL:
		return tmx_proxy_v2_add_tlv(w, TMX_PP2_TYPE_ALPN, "smtp", 4);
	case TLV_65532:
		return tmx_proxy_v2_add_tlv(w, TMX_PP2_TYPE_NOOP, big, 65532);
	case TLV_65535:
		return tmx_proxy_v2_add_tlv(w, TMX_PP2_TYPE_NOOP, big, 65535);
	case TLV_65536:
		return tmx_proxy_v2_add_tlv(w, TMX_PP2_TYPE_NOOP, big, 65536);
	case SSL_BEGIN:
		return tmx_proxy_v2_ssl_begin(w, TMX_PP2_CLIENT_SSL, 0);
	case SSL_END:
		return tmx_proxy_v2_ssl_end(w);
	case FINISH:
		return tmx_proxy_v2_finish(w, false, &len);
	case FINISH_CRC:
		return tmx_proxy_v2_finish(w, true, &len);
	case END:
		break;
	}
#undef SA
	return -2;
}

/*
 * Misuse and limits: steps run in order; the step at fail_at (-1: none)
 * is the first to fail, and every later step must fail too (sticky).
 */
static const struct misuse_case {
	const char *name;
	size_t size;
	enum step steps[8];
	int fail_at;
} misuse_cases[] = {
	{ "all steps well used", 1024, { BEGIN_TCP4, TLV_SMALL, SSL_BEGIN,
	    TLV_SMALL, SSL_END, TLV_SMALL, FINISH_CRC }, -1 },
	{ "tcp4 with an IPv6 source", 1024, { BEGIN_TCP4_V6ADDR, TLV_SMALL,
	    FINISH }, 0 },
	{ "tcp6 with IPv4 addresses", 1024, { BEGIN_TCP6_V4ADDR, FINISH },
	    0 },
	{ "unix with IPv4 addresses", 1024, { BEGIN_UNIX_V4ADDR, FINISH },
	    0 },
	{ "udp4 with unix addresses", 1024, { BEGIN_UDP4_UNIXADDR,
	    FINISH }, 0 },
	{ "tcp4 without a source", 1024, { BEGIN_TCP4_NOADDR, FINISH }, 0 },
	{ "v1-only family", 1024, { BEGIN_UNKNOWN, FINISH }, 0 },
	{ "bad command", 1024, { BEGIN_BADCMD, FINISH }, 0 },
	{ "buffer smaller than the fixed part", 15, { BEGIN_UNSPEC,
	    FINISH }, 0 },
	{ "buffer holds exactly LOCAL", 16, { BEGIN_UNSPEC, FINISH }, -1 },
	{ "buffer smaller than the addresses", 27, { BEGIN_TCP4, FINISH },
	    0 },
	{ "buffer too small for a TLV", 34, { BEGIN_TCP4, TLV_SMALL,
	    SSL_BEGIN, FINISH }, 1 },
	{ "buffer too small for the CRC32C", 34, { BEGIN_TCP4,
	    FINISH_CRC }, 1 },
	{ "buffer holds exactly the CRC32C", 35, { BEGIN_TCP4,
	    FINISH_CRC }, -1 },
	{ "TLV value over 65535", BIG, { BEGIN_UNSPEC, TLV_65536, TLV_SMALL,
	    FINISH }, 1 },
	{ "length exactly 65535", BIG, { BEGIN_UNSPEC, TLV_65532, FINISH },
	    -1 },
	{ "length over 65535 by one TLV", BIG, { BEGIN_TCP4, TLV_65535,
	    FINISH }, 1 },
	{ "length over 65535 by the CRC32C", BIG, { BEGIN_UNSPEC, TLV_65532,
	    FINISH_CRC }, 2 },
	{ "length over 65535 inside SSL", BIG, { BEGIN_UNSPEC, SSL_BEGIN,
	    TLV_65532, SSL_END, FINISH }, 2 },
	{ "nested ssl_begin", 1024, { BEGIN_TCP4, SSL_BEGIN, SSL_BEGIN,
	    SSL_END, FINISH }, 2 },
	{ "finish with SSL open", 1024, { BEGIN_TCP4, SSL_BEGIN, TLV_SMALL,
	    FINISH, SSL_END }, 3 },
	{ "ssl_end without ssl_begin", 1024, { BEGIN_TCP4, SSL_END,
	    SSL_BEGIN, FINISH }, 1 },
	{ "two SSL TLVs one after the other", 1024, { BEGIN_TCP4, SSL_BEGIN,
	    SSL_END, SSL_BEGIN, SSL_END, FINISH }, -1 },
};

/* test_misuse - each row fails first where it says, then stays failed */
static void
test_misuse(void)
{
	uint8_t *buf = malloc(BIG + CANARY_LEN), *big = calloc(1, 65536);
	struct tmx_proxy_v2_writer w;
	size_t i, j, k;
	int rc, want;

	TMX_CHECK(buf != NULL && big != NULL);
	if (buf == NULL || big == NULL)
		goto out;
	for (i = 0; i < TEST_LEN(misuse_cases); i++) {
		const struct misuse_case *c = &misuse_cases[i];

		memset(buf, CANARY, BIG + CANARY_LEN);
		for (j = 0; j < TEST_LEN(c->steps) && c->steps[j] != END;
		    j++) {
			want = c->fail_at >= 0 && (int)j >= c->fail_at ?
			    -1 : 0;
			rc = step_run(c->steps[j], &w, buf, c->size, big);
			TMX_CHECKF(rc == want, "%s: step %zu gave %d",
			    c->name, j, rc);
		}
		TMX_CHECKF(w.error == (c->fail_at >= 0 ? -1 : 0), "%s",
		    c->name);
		for (k = c->size; k < BIG + CANARY_LEN && buf[k] == CANARY;
		    k++)
			;
		TMX_CHECKF(k == BIG + CANARY_LEN, "%s: overrun", c->name);
	}
out:
	free(buf);
	free(big);
}

/* main - every table, then the summary */
int
main(void)
{
	test_v1();
	test_v1_bad();
	test_v2();
	test_v2_truncated();
	test_exact();
	test_misuse();
	return TMX_TEST_END();
}
