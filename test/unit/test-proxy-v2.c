/*
 * test-proxy-v2.c - the PROXY v2 parser against proxy-protocol.txt section
 * 2.2: fixed part, every family, lengths, strict TLVs (SSL sub-TLVs, CRC32C,
 * maxima, duplicates), every prefix, trailing data and early refusal.
 * Headers are built by hand here, byte by byte, not by the encoder.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "trustmx/proxy.h"
#include "tmx-private.h"
#include "tmx-test.h"
#include "tmx-test-sock.h"

#define OK	TMX_PROXY_OK
#define MORE	TMX_PROXY_INCOMPLETE
#define BAD	TMX_PROXY_INVALID

/* B - a string literal as bytes and length (embedded NULs allowed) */
#define B(s)	(const uint8_t *)(s), sizeof(s) - 1

#define SIG	"\r\n\r\n\0\r\nQUIT\n"

/* IPv4 block: 192.0.2.1:56324 -> 198.51.100.2:25 */
#define A4	"\xc0\x00\x02\x01" "\xc6\x33\x64\x02" "\xdc\x04" "\x00\x19"
/* IPv6 block: [2001:db8::1]:40000 -> [2001:db8::25]:587 */
#define A6	"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01" \
		"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x25" \
		"\x9c\x40" "\x02\x4b"
/* IPv4-mapped block: [::ffff:192.0.2.7]:1025 -> [::ffff:198.51.100.1]:25 */
#define A6M	"\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x07" \
		"\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x33\x64\x01" \
		"\x04\x01" "\x00\x19"

/* UNIX block: two 108-byte paths, filled in by unix_block() */
static uint8_t unix_addr[216];
/* UNIX block whose paths use all 108 bytes, no NUL */
static uint8_t unix_full[216];

/* A header under construction. */
struct v2_buf {
	uint8_t b[16 + 65535 + 64];
	size_t len;
};

/* v2_start - signature, ver/cmd, family, a zero length, the address block */
static void
v2_start(struct v2_buf *h, uint8_t ver_cmd, uint8_t fam, const uint8_t *addr,
	 size_t addrlen)
{
	memcpy(h->b, SIG, 12);
	h->b[12] = ver_cmd;
	h->b[13] = fam;
	h->b[14] = h->b[15] = 0;
	if (addrlen)
		memcpy(h->b + 16, addr, addrlen);
	h->len = 16 + addrlen;
}

/* v2_raw - append raw bytes */
static void
v2_raw(struct v2_buf *h, const uint8_t *p, size_t n)
{
	memmove(h->b + h->len, p, n);
	h->len += n;
}

/* v2_tlv - append one TLV */
static void
v2_tlv(struct v2_buf *h, uint8_t type, const uint8_t *value, size_t n)
{
	h->b[h->len] = type;
	h->b[h->len + 1] = (uint8_t)(n >> 8);
	h->b[h->len + 2] = (uint8_t)n;
	if (n)
		memmove(h->b + h->len + 3, value, n);
	h->len += 3 + n;
}

/* v2_end - set the length field to cover everything so far, plus adjust */
static void
v2_end(struct v2_buf *h, long adjust)
{
	long n = (long)h->len - 16 + adjust;

	h->b[14] = (uint8_t)(n >> 8);
	h->b[15] = (uint8_t)n;
}

/* v2_crc - append a CRC32C TLV, set the length, fill in the checksum */
static void
v2_crc(struct v2_buf *h, uint32_t xor)
{
	size_t at;
	uint32_t crc;

	v2_tlv(h, TMX_PP2_TYPE_CRC32C, (const uint8_t *)"\0\0\0\0", 4);
	at = h->len - 4;
	v2_end(h, 0);
	crc = tmx_crc32c(0, h->b, h->len) ^ xor;
	h->b[at] = (uint8_t)(crc >> 24);
	h->b[at + 1] = (uint8_t)(crc >> 16);
	h->b[at + 2] = (uint8_t)(crc >> 8);
	h->b[at + 3] = (uint8_t)crc;
}

/* One header: the fixed part, an address block, raw TLV bytes. */
struct v2_row {
	const char *name;
	uint8_t ver_cmd, fam;
	const uint8_t *addr;
	size_t addrlen;
	const uint8_t *tlvs;
	size_t tlvlen;
	long adjust;		/* added to the length field */
	int crc;		/* 0 none, 1 good CRC32C TLV, 2 wrong one */
	unsigned flags;
	enum tmx_proxy_status status;
	enum tmx_proxy_family family;	/* when OK */
	const char *src, *dst;
	const char *why;	/* when INVALID: part of the reason */
};

#define NOTLV	NULL, 0

static struct v2_row v2_rows[] = {
	/* Every family, both commands. */
	{ "tcp4", 0x21, 0x11, B(A4), NOTLV, 0, 0, 0, OK, TMX_PROXY_FAM_TCP4,
	    "192.0.2.1:56324", "198.51.100.2:25" },
	{ "udp4", 0x21, 0x12, B(A4), NOTLV, 0, 0, 0, OK, TMX_PROXY_FAM_UDP4,
	    "192.0.2.1:56324", "198.51.100.2:25" },
	{ "tcp6", 0x21, 0x21, B(A6), NOTLV, 0, 0, 0, OK, TMX_PROXY_FAM_TCP6,
	    "[2001:db8::1]:40000", "[2001:db8::25]:587" },
	{ "udp6", 0x21, 0x22, B(A6), NOTLV, 0, 0, 0, OK, TMX_PROXY_FAM_UDP6,
	    "[2001:db8::1]:40000", "[2001:db8::25]:587" },
	{ "unix stream", 0x21, 0x31, unix_addr, 216, NOTLV, 0, 0, 0, OK,
	    TMX_PROXY_FAM_UNIX, "unix:/run/client.sock",
	    "unix:/var/spool/postfix/public/smtp" },
	{ "unix dgram", 0x21, 0x32, unix_addr, 216, NOTLV, 0, 0, 0, OK,
	    TMX_PROXY_FAM_UNIX_DGRAM, "unix:/run/client.sock",
	    "unix:/var/spool/postfix/public/smtp" },
	{ "unix 108-byte paths", 0x21, 0x31, unix_full, 216, NOTLV, 0, 0, 0,
	    OK, TMX_PROXY_FAM_UNIX, NULL, NULL },
	{ "proxy unspec", 0x21, 0x00, NOTLV, NOTLV, 0, 0, 0, OK,
	    TMX_PROXY_FAM_UNSPEC, "unspec", "unspec" },
	{ "local unspec", 0x20, 0x00, NOTLV, NOTLV, 0, 0, 0, OK,
	    TMX_PROXY_FAM_UNSPEC, "unspec", "unspec" },
	{ "local tcp4 with addresses", 0x20, 0x11, B(A4), NOTLV, 0, 0, 0, OK,
	    TMX_PROXY_FAM_TCP4, "192.0.2.1:56324", "198.51.100.2:25" },
	{ "local tcp6 with tlvs", 0x20, 0x21, B(A6),
	    B("\x01\x00\x04smtp" "\x05\x00\x03id1"), 0, 1, 0, OK,
	    TMX_PROXY_FAM_TCP6, "[2001:db8::1]:40000", "[2001:db8::25]:587" },
	{ "local unspec with tlvs", 0x20, 0x00, NOTLV,
	    B("\x04\x00\x02\0\0" "\xe0\x00\x01x"), 0, 0, 0, OK,
	    TMX_PROXY_FAM_UNSPEC, "unspec", "unspec" },
	{ "mapped kept", 0x21, 0x21, B(A6M), NOTLV, 0, 0, 0, OK,
	    TMX_PROXY_FAM_TCP6, "[::ffff:192.0.2.7]:1025",
	    "[::ffff:198.51.100.1]:25" },
	{ "mapped unmapped", 0x21, 0x21, B(A6M), NOTLV, 0, 0,
	    TMX_PROXY_F_UNMAP, OK, TMX_PROXY_FAM_TCP6, "192.0.2.7:1025",
	    "198.51.100.1:25" },
	{ "mapped udp6 unmapped", 0x21, 0x22, B(A6M), NOTLV, 0, 0,
	    TMX_PROXY_F_UNMAP, OK, TMX_PROXY_FAM_UDP6, "192.0.2.7:1025",
	    "198.51.100.1:25" },
	{ "unmap leaves real v6", 0x21, 0x21, B(A6), NOTLV, 0, 0,
	    TMX_PROXY_F_UNMAP, OK, TMX_PROXY_FAM_TCP6, "[2001:db8::1]:40000",
	    "[2001:db8::25]:587" },
	{ "v1 refusal keeps v2", 0x21, 0x11, B(A4), NOTLV, 0, 0,
	    TMX_PROXY_F_NO_V1, OK, TMX_PROXY_FAM_TCP4, "192.0.2.1:56324",
	    "198.51.100.2:25" },
	{ "v2 refused by flag", 0x21, 0x11, B(A4), NOTLV, 0, 0,
	    TMX_PROXY_F_NO_V2, BAD, .why = "refused" },

	/* Version, command, family bytes. */
	{ "version 1 nibble", 0x11, 0x11, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "version is not 2" },
	{ "version 3", 0x31, 0x11, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "version is not 2" },
	{ "version 0", 0x01, 0x11, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "version is not 2" },
	{ "command 2", 0x22, 0x11, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "command" },
	{ "command 15", 0x2f, 0x11, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "command" },
	{ "family 0x10", 0x21, 0x10, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },
	{ "family 0x13", 0x21, 0x13, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },
	{ "family 0x01", 0x21, 0x01, NOTLV, NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },
	{ "family 0x20", 0x21, 0x20, B(A6), NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },
	{ "family 0x30", 0x21, 0x30, unix_addr, 216, NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },
	{ "family 0x41", 0x21, 0x41, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },
	{ "family 0xff", 0x21, 0xff, B(A4), NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },
	{ "local family 0x13", 0x20, 0x13, NOTLV, NOTLV, 0, 0, 0, BAD,
	    .why = "family or protocol" },

	/* The length field against the family's address block. */
	{ "tcp4 length 11", 0x21, 0x11, B(A4), NOTLV, -1, 0, 0, BAD,
	    .why = "shorter than its address block" },
	{ "tcp4 length 0", 0x21, 0x11, B(A4), NOTLV, -12, 0, 0, BAD,
	    .why = "shorter than its address block" },
	{ "tcp6 length 35", 0x21, 0x21, B(A6), NOTLV, -1, 0, 0, BAD,
	    .why = "shorter than its address block" },
	{ "tcp6 length 12", 0x21, 0x21, B(A6), NOTLV, -24, 0, 0, BAD,
	    .why = "shorter than its address block" },
	{ "unix length 215", 0x21, 0x31, unix_addr, 216, NOTLV, -1, 0, 0,
	    BAD, .why = "shorter than its address block" },
	{ "local tcp4 length 0", 0x20, 0x11, B(A4), NOTLV, -12, 0, 0, BAD,
	    .why = "shorter than its address block" },
	{ "local unspec garbage", 0x20, 0x00, NOTLV, B("\x01\x02"), 0, 0, 0,
	    BAD, .why = "truncated TLV" },

	/* TLV layout. */
	{ "tlv head 1 byte", 0x21, 0x11, B(A4), B("\x04"), 0, 0, 0, BAD,
	    .why = "truncated TLV" },
	{ "tlv head 2 bytes", 0x21, 0x11, B(A4), B("\x04\x00"), 0, 0, 0,
	    BAD, .why = "truncated TLV" },
	{ "tlv past end", 0x21, 0x11, B(A4), B("\x04\x00\x05" "abcd"), 0, 0,
	    0, BAD, .why = "runs past" },
	{ "tlv past end by length", 0x21, 0x11, B(A4), B("\x04\x00\x04"
	    "abcd"), -1, 0, 0, BAD, .why = "runs past" },
	{ "tlv then stray byte", 0x21, 0x11, B(A4),
	    B("\x04\x00\x01" "a" "\x00"),
	    0, 0, 0, BAD, .why = "truncated TLV" },
	{ "tlv zero-length", 0x21, 0x11, B(A4), B("\x04\x00\x00"), 0, 0, 0, OK,
	    TMX_PROXY_FAM_TCP4, "192.0.2.1:56324", "198.51.100.2:25" },
	{ "noop twice", 0x21, 0x11, B(A4), B("\x04\x00\x01" "a"
	    "\x04\x00\x00"), 0, 0, 0, OK, TMX_PROXY_FAM_TCP4,
	    "192.0.2.1:56324", "198.51.100.2:25" },
	{ "custom and experimental", 0x21, 0x11, B(A4), B("\xe0\x00\x02" "hi"
	    "\xef\x00\x00" "\xf0\x00\x01" "x" "\xf7\x00\x01" "y" "\xf8\x00\x00"
	    "\x06\x00\x01" "z"), 0, 0, 0, OK, TMX_PROXY_FAM_TCP4,
	    "192.0.2.1:56324", "198.51.100.2:25" },

	/* Maxima and duplicates. */
	{ "alpn twice", 0x21, 0x11, B(A4), B("\x01\x00\x02h2" "\x01\x00\x02h2"),
	    0, 0, 0, BAD, .why = "duplicate TLV" },
	{ "authority twice", 0x21, 0x11, B(A4), B("\x02\x00\x01" "a"
	    "\x02\x00\x01" "a"), 0, 0, 0, BAD, .why = "duplicate TLV" },
	{ "unique id twice", 0x21, 0x11, B(A4), B("\x05\x00\x01" "a"
	    "\x05\x00\x01" "b"), 0, 0, 0, BAD, .why = "duplicate TLV" },
	{ "netns twice", 0x21, 0x11, B(A4), B("\x30\x00\x01" "a"
	    "\x30\x00\x01" "b"), 0, 0, 0, BAD, .why = "duplicate TLV" },
	{ "ssl twice", 0x21, 0x11, B(A4), B("\x20\x00\x05" "\x01\0\0\0\0"
	    "\x20\x00\x05" "\x01\0\0\0\0"), 0, 0, 0, BAD,
	    .why = "duplicate TLV" },
	{ "crc32c twice", 0x21, 0x11, B(A4), B("\x03\x00\x04" "\0\0\0\0"), 0,
	    1, 0, BAD, .why = "duplicate TLV" },
	{ "crc32c 3 bytes", 0x21, 0x11, B(A4), B("\x03\x00\x03" "\0\0\0"), 0,
	    0, 0, BAD, .why = "CRC32C TLV not 4" },
	{ "crc32c 5 bytes", 0x21, 0x11, B(A4), B("\x03\x00\x05" "\0\0\0\0\0"),
	    0, 0, 0, BAD, .why = "CRC32C TLV not 4" },
	{ "crc32c 0 bytes", 0x21, 0x11, B(A4), B("\x03\x00\x00"), 0, 0, 0,
	    BAD, .why = "CRC32C TLV not 4" },
	{ "ssl 4 bytes", 0x21, 0x11, B(A4), B("\x20\x00\x04" "\x01\0\0\0"),
	    0, 0, 0, BAD, .why = "SSL TLV shorter" },
	{ "ssl 0 bytes", 0x21, 0x11, B(A4), B("\x20\x00\x00"), 0, 0, 0, BAD,
	    .why = "SSL TLV shorter" },
	{ "ssl sub head short", 0x21, 0x11, B(A4), B("\x20\x00\x07"
	    "\x01\0\0\0\0" "\x21\x00"), 0, 0, 0, BAD, .why = "truncated TLV" },
	{ "ssl sub past ssl end", 0x21, 0x11, B(A4), B("\x20\x00\x0a"
	    "\x01\0\0\0\0" "\x21\x00\x03" "TLS" "\x04\x00\x00"), 0, 0, 0,
	    BAD, .why = "runs past" },
	{ "ssl sub duplicate", 0x21, 0x11, B(A4), B("\x20\x00\x0d"
	    "\x01\0\0\0\0" "\x22\x00\x01" "a" "\x22\x00\x01" "b"), 0, 0, 0,
	    BAD, .why = "duplicate SSL sub-TLV" },
	{ "ssl unknown sub kept", 0x21, 0x11, B(A4), B("\x20\x00\x0d"
	    "\x01\0\0\0\0" "\x29\x00\x01" "a" "\x29\x00\x01" "b"), 0, 0, 0,
	    OK, TMX_PROXY_FAM_TCP4, "192.0.2.1:56324", "198.51.100.2:25" },
	{ "ssl empty subs", 0x21, 0x11, B(A4), B("\x20\x00\x05"
	    "\x00\xff\xff\xff\xff"), 0, 0, 0, OK, TMX_PROXY_FAM_TCP4,
	    "192.0.2.1:56324", "198.51.100.2:25" },

	/* CRC32C. */
	{ "crc32c good", 0x21, 0x11, B(A4), NOTLV, 0, 1, 0, OK,
	    TMX_PROXY_FAM_TCP4, "192.0.2.1:56324", "198.51.100.2:25" },
	{ "crc32c good after tlvs", 0x21, 0x21, B(A6),
	    B("\x02\x00\x0amx.example"),
	    0, 1, 0, OK, TMX_PROXY_FAM_TCP6, "[2001:db8::1]:40000",
	    "[2001:db8::25]:587" },
	{ "crc32c wrong", 0x21, 0x11, B(A4), NOTLV, 0, 2, 0, BAD,
	    .why = "CRC32C mismatch" },
	{ "crc32c on local", 0x20, 0x00, NOTLV, NOTLV, 0, 1, 0, OK,
	    TMX_PROXY_FAM_UNSPEC, "unspec", "unspec" },
	{ "crc32c wrong on local", 0x20, 0x00, NOTLV, NOTLV, 0, 2, 0, BAD,
	    .why = "CRC32C mismatch" },
	{ "crc32c on unix", 0x21, 0x31, unix_addr, 216, NOTLV, 0, 1, 0, OK,
	    TMX_PROXY_FAM_UNIX, "unix:/run/client.sock",
	    "unix:/var/spool/postfix/public/smtp" },
};

/* v2_build - the bytes of one row */
static void
v2_build(const struct v2_row *row, struct v2_buf *h)
{
	v2_start(h, row->ver_cmd, row->fam, row->addr, row->addrlen);
	if (row->tlvlen)
		v2_raw(h, row->tlvs, row->tlvlen);
	if (row->crc)
		v2_crc(h, row->crc == 2 ? 0x00010000 : 0);
	else
		v2_end(h, row->adjust);
}

/* test_rows - each row through tmx_proxy_parse */
static void
test_rows(void)
{
	static struct v2_buf h;

	for (size_t i = 0; i < TMX_ARRAY_SIZE(v2_rows); i++) {
		const struct v2_row *row = &v2_rows[i];
		struct tmx_proxy_hdr hdr;
		const char *error = "unset";
		size_t n = 0;
		enum tmx_proxy_status st;
		char a[160];

		v2_build(row, &h);
		memset(&hdr, 0xa5, sizeof(hdr));
		st = tmx_proxy_parse(h.b, h.len, row->flags, &hdr, &n, &error);
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
		TMX_CHECKF(error == NULL && n == h.len,
		    "%s: consumed %zu of %zu", row->name, n, h.len);
		TMX_CHECKF(hdr.version == 2, "%s", row->name);
		TMX_CHECKF(hdr.command == (row->ver_cmd & 0x0f), "%s",
		    row->name);
		TMX_CHECKF(hdr.family == row->family, "%s: family %s",
		    row->name, tmx_proxy_family_name(hdr.family));
		TMX_CHECKF(hdr.crc32c == (row->crc == 1), "%s: crc32c",
		    row->name);
		if (row->src != NULL) {
			TMX_CHECK_STR(test_sockaddr_text(&hdr.src, a, sizeof(a)),
			    row->src);
			TMX_CHECK_STR(test_sockaddr_text(&hdr.dst, a, sizeof(a)),
			    row->dst);
		}
		TMX_CHECKF(hdr.tlvs.len == h.len - 16 - row->addrlen &&
		    (hdr.tlvs.len == 0 ? hdr.tlvs.ptr == NULL :
		    hdr.tlvs.ptr == h.b + 16 + row->addrlen),
		    "%s: tlv area", row->name);
	}
}

/* test_unix_full - 108-byte paths are copied whole, without a NUL */
static void
test_unix_full(void)
{
	static struct v2_buf h;
	struct tmx_proxy_hdr hdr;
	const struct sockaddr_un *src = (const void *)&hdr.src;
	const struct sockaddr_un *dst = (const void *)&hdr.dst;

	v2_start(&h, 0x21, 0x31, unix_full, 216);
	v2_end(&h, 0);
	TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, &hdr, NULL, NULL) == OK);
	TMX_CHECK(src->sun_family == AF_UNIX && dst->sun_family == AF_UNIX);
	TMX_CHECK(memcmp(src->sun_path, unix_full, 108) == 0);
	TMX_CHECK(memcmp(dst->sun_path, unix_full + 108, 108) == 0);
}

/*
 * test_prefixes - every proper prefix of each valid row is INCOMPLETE with
 * the exact need (16 - len before the fixed part, the rest after), and
 * leaves the header alone.
 */
static void
test_prefixes(void)
{
	static struct v2_buf h;

	for (size_t i = 0; i < TMX_ARRAY_SIZE(v2_rows); i++) {
		const struct v2_row *row = &v2_rows[i];

		if (row->status != OK)
			continue;
		v2_build(row, &h);
		for (size_t cut = 0; cut < h.len; cut++) {
			struct tmx_proxy_hdr hdr;
			size_t n = 0, want;
			enum tmx_proxy_status st;
			unsigned flags = row->flags | TMX_PROXY_F_NO_V1;

			want = cut < 16 ? 16 - cut : h.len - cut;
			memset(&hdr, 0xa5, sizeof(hdr));
			st = tmx_proxy_parse(h.b, cut, flags, &hdr, &n, NULL);
			TMX_CHECKF(st == MORE && n == want,
			    "%s cut at %zu: status %d need %zu, want %zu",
			    row->name, cut, st, n, want);
			TMX_CHECKF(hdr.version == (int)0xa5a5a5a5,
			    "%s cut at %zu: header written", row->name, cut);
		}
	}
}

/*
 * test_early_refusal - invalid rows are refused as soon as the offending
 * bytes are in, not only when the whole header has arrived.
 */
static void
test_early_refusal(void)
{
	static const struct {
		const char *row;
		size_t cut;	/* bytes given: enough to see the fault */
	} rows[] = {
		{ "version 3", 13 },
		{ "command 2", 13 },
		{ "family 0x13", 14 },
		{ "tcp4 length 11", 16 },
		{ "unix length 215", 16 },
		{ "tlv past end", 16 + 12 + 3 },
		{ "alpn twice", 16 + 12 + 5 + 3 },
		{ "crc32c 5 bytes", 16 + 12 + 3 },
		{ "ssl 4 bytes", 16 + 12 + 3 },
		{ "ssl sub past ssl end", 16 + 12 + 3 + 5 + 3 },
		{ "ssl sub duplicate", 16 + 12 + 3 + 5 + 4 + 3 },
	};
	static struct v2_buf h;

	for (size_t r = 0; r < TMX_ARRAY_SIZE(rows); r++) {
		const struct v2_row *row = NULL;
		const char *error = NULL;
		size_t n;

		for (size_t i = 0; i < TMX_ARRAY_SIZE(v2_rows); i++)
			if (strcmp(v2_rows[i].name, rows[r].row) == 0)
				row = &v2_rows[i];
		TMX_CHECKF(row != NULL, "no row %s", rows[r].row);
		if (row == NULL)
			continue;
		v2_build(row, &h);
		TMX_CHECKF(rows[r].cut < h.len, "%s", rows[r].row);
		TMX_CHECKF(tmx_proxy_parse(h.b, rows[r].cut, 0, NULL, &n,
		    &error) == BAD && error != NULL, "%s at %zu", rows[r].row,
		    rows[r].cut);
		/* one byte fewer: not yet decidable */
		TMX_CHECKF(tmx_proxy_parse(h.b, rows[r].cut - 1, 0, NULL, &n,
		    &error) == MORE, "%s at %zu", rows[r].row,
		    rows[r].cut - 1);
	}
	/* A bad signature byte anywhere in the 12 is refused at once. */
	for (size_t i = 0; i < 12; i++) {
		uint8_t sig[12];
		size_t n;

		memcpy(sig, SIG, 12);
		sig[i] ^= 0x40;
		TMX_CHECKF(tmx_proxy_parse(sig, i + 1, 0, NULL, &n, NULL) ==
		    BAD, "signature byte %zu", i);
	}
}

/*
 * test_fixed_exact - the fixed 16 bytes as they arrive, with the exact
 * reason or need: every check of the fixed part, in its order.
 */
static void
test_fixed_exact(void)
{
	static const struct {
		const uint8_t *in;
		size_t len;
		enum tmx_proxy_status status;
		const char *why;	/* INVALID: the whole reason */
		size_t n;		/* INCOMPLETE: asked for */
	} rows[] = {
		{ B("\r"), MORE, NULL, 15 },
		{ B("\r\n\r\n\0\r\nQUIT"), MORE, NULL, 5 },
		{ B(SIG), MORE, NULL, 4 },
		{ B("\r\n\r\n\0\r\nQUIT\r"), BAD, "bad PROXY v2 signature", 0 },
		{ B("\r\n\r\n\1\r\nQUIT\n"), BAD, "bad PROXY v2 signature", 0 },
		{ B(SIG "\0\0\0\0"), BAD, "PROXY v2 version is not 2", 0 },
		{ B("\r\n\r\n\0\r\nQUIX\n\x21\x11\0\x0c"), BAD,
		    "bad PROXY v2 signature", 0 },
		{ B(SIG "\x21"), MORE, NULL, 3 },
		{ B(SIG "\x20"), MORE, NULL, 3 },
		{ B(SIG "\x12"), BAD, "PROXY v2 version is not 2", 0 },
		{ B(SIG "\xf1"), BAD, "PROXY v2 version is not 2", 0 },
		{ B(SIG "\x13\xff"), BAD, "PROXY v2 version is not 2", 0 },
		{ B(SIG "\x22"), BAD,
		    "PROXY v2 command is neither LOCAL nor PROXY", 0 },
		{ B(SIG "\x2f\xff"), BAD,
		    "PROXY v2 command is neither LOCAL nor PROXY", 0 },
		{ B(SIG "\x21\x11"), MORE, NULL, 2 },
		{ B(SIG "\x21\x32"), MORE, NULL, 2 },
		{ B(SIG "\x21\x33"), BAD,
		    "PROXY v2 address family or protocol unknown", 0 },
		{ B(SIG "\x21\x02"), BAD,
		    "PROXY v2 address family or protocol unknown", 0 },
		{ B(SIG "\x21\x11\x00"), MORE, NULL, 1 },
		{ B(SIG "\x21\x11\x00\x0b"), BAD,
		    "PROXY v2 length shorter than its address block", 0 },
		{ B(SIG "\x21\x21\x00\x23"), BAD,
		    "PROXY v2 length shorter than its address block", 0 },
		{ B(SIG "\x21\x31\x00\xd7"), BAD,
		    "PROXY v2 length shorter than its address block", 0 },
		{ B(SIG "\x21\x11\x00\x0c"), MORE, NULL, 12 },
		{ B(SIG "\x21\x11\xff\xff"), MORE, NULL, 65535 },
		{ B(SIG "\x21\x00\x00\x00"), OK, NULL, 16 },
		{ B(SIG "\x20\x00\x00\x00" "tail"), OK, NULL, 16 },
		{ B(SIG "\x21\x00\x00\x02"), BAD,
		    "truncated TLV header in v2 header", 0 },
		{ B(SIG "\x21\x00\x00\x03"), MORE, NULL, 3 },
		{ B(SIG "\x21\x00\x00\x02" "\x04"), BAD,
		    "truncated TLV header in v2 header", 0 },
		{ B(SIG "\x21\x00\x00\x03" "\x04\x00"), MORE, NULL, 1 },
		{ B(SIG "\x21\x00\x00\x03" "\x04\x00\x01"), BAD,
		    "TLV runs past its area in v2 header", 0 },
		{ B(SIG "\x21\x11\x00\x0f" A4 "\x04\x00\x00"), OK, NULL, 31 },
	};

	for (size_t i = 0; i < TMX_ARRAY_SIZE(rows); i++) {
		struct tmx_proxy_hdr hdr;
		const char *error = "unset";
		size_t n = 12345;
		enum tmx_proxy_status st;

		memset(&hdr, 0xa5, sizeof(hdr));
		st = tmx_proxy_parse(rows[i].in, rows[i].len, 0, &hdr, &n,
		    &error);
		TMX_CHECKF(st == rows[i].status, "row %zu: status %d (%s)", i,
		    st, error ? error : "");
		if (st != rows[i].status)
			continue;
		if (st == BAD)
			TMX_CHECKF(n == 0 && error != NULL &&
			    strcmp(error, rows[i].why) == 0, "row %zu: %s", i,
			    error ? error : "(null)");
		else
			TMX_CHECKF(error == NULL && n == rows[i].n,
			    "row %zu: n %zu, want %zu", i, n, rows[i].n);
		if (st != OK)
			TMX_CHECKF(hdr.version == (int)0xa5a5a5a5,
			    "row %zu: header written", i);
	}
}

/*
 * test_whole_header - for every row and every prefix of it: OK writes
 * every byte of the header, the same bytes whatever was there before
 * (absent fields NULL or 0, sockaddr padding 0); any other answer leaves
 * all of it alone.
 */
static void
test_whole_header(void)
{
	static struct v2_buf h;
	struct tmx_proxy_hdr poison;

	memset(&poison, 0xa5, sizeof(poison));
	for (size_t i = 0; i < TMX_ARRAY_SIZE(v2_rows); i++) {
		const struct v2_row *row = &v2_rows[i];

		v2_build(row, &h);
		for (size_t cut = 0; cut <= h.len; cut++) {
			struct tmx_proxy_hdr a, b;
			enum tmx_proxy_status sa, sb;

			memset(&a, 0xa5, sizeof(a));
			memset(&b, 0x00, sizeof(b));
			sa = tmx_proxy_parse(h.b, cut, row->flags, &a, NULL,
			    NULL);
			sb = tmx_proxy_parse(h.b, cut, row->flags, &b, NULL,
			    NULL);
			TMX_CHECKF(sa == sb, "%s cut %zu", row->name, cut);
			if (sa == OK)
				TMX_CHECKF(memcmp(&a, &b, sizeof(a)) == 0,
				    "%s cut %zu: bytes left unwritten",
				    row->name, cut);
			else
				TMX_CHECKF(memcmp(&a, &poison, sizeof(a)) == 0,
				    "%s cut %zu: header written", row->name,
				    cut);
		}
	}
}

/* test_trailing - bytes after the header are the application's */
static void
test_trailing(void)
{
	static struct v2_buf h;
	static const char smtp[] = "EHLO client.example\r\n";
	size_t n = 0, hlen;

	v2_start(&h, 0x21, 0x11, B(A4));
	v2_tlv(&h, TMX_PP2_TYPE_ALPN, B("smtp"));
	v2_crc(&h, 0);
	hlen = h.len;
	v2_raw(&h, B(smtp));
	TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, NULL, &n, NULL) == OK &&
	    n == hlen);
	/* a second header right behind is not read either */
	h.len = hlen;
	v2_raw(&h, h.b, hlen);
	TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, NULL, &n, NULL) == OK &&
	    n == hlen);
	/* the largest length field */
	v2_start(&h, 0x21, 0x11, B(A4));
	v2_tlv(&h, 0xe0, h.b + 100, 65535 - 12 - 3);
	v2_end(&h, 0);
	TMX_CHECK(h.len == TMX_PROXY_V2_MAX);
	v2_raw(&h, B("tail"));
	TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, NULL, &n, NULL) == OK &&
	    n == TMX_PROXY_V2_MAX);
	TMX_CHECK(tmx_proxy_parse(h.b, 100, 0, NULL, &n, NULL) == MORE &&
	    n == TMX_PROXY_V2_MAX - 100);
}

/* test_tlv_values - what the header records, and tlv_next's walk */
static void
test_tlv_values(void)
{
	static struct v2_buf h;
	static const uint8_t id[128] = { 1, 2, 3 };
	static const uint8_t authority[255] = { 'a' };
	struct tmx_proxy_hdr hdr;
	struct tmx_proxy_tlv tlv;
	const char *error = NULL;
	uint8_t types[16];
	size_t pos = 0, count = 0;

	v2_start(&h, 0x21, 0x11, B(A4));
	v2_tlv(&h, TMX_PP2_TYPE_ALPN, B("smtp"));
	v2_tlv(&h, TMX_PP2_TYPE_AUTHORITY, authority, sizeof(authority));
	v2_tlv(&h, TMX_PP2_TYPE_NOOP, B(""));
	v2_tlv(&h, TMX_PP2_TYPE_UNIQUE_ID, id, sizeof(id));
	v2_tlv(&h, TMX_PP2_TYPE_NETNS, B("blue"));
	v2_tlv(&h, 0xe5, B("custom"));
	v2_tlv(&h, 0xf1, B("exp"));
	v2_crc(&h, 0);
	TMX_CHECKF(tmx_proxy_parse(h.b, h.len, 0, &hdr, NULL, &error) == OK,
	    "all TLVs: %s", error ? error : "");
	TMX_CHECK(hdr.alpn.len == 4 && memcmp(hdr.alpn.ptr, "smtp", 4) == 0);
	TMX_CHECK(hdr.authority.len == 255 && hdr.authority.ptr[0] == 'a');
	TMX_CHECK(hdr.unique_id.len == 128 &&
	    memcmp(hdr.unique_id.ptr, id, 128) == 0);
	TMX_CHECK(hdr.netns.len == 4 && memcmp(hdr.netns.ptr, "blue", 4) == 0);
	TMX_CHECK(hdr.crc32c && !hdr.ssl.present);
	while (tmx_proxy_tlv_next(hdr.tlvs, &pos, &tlv) && count < 16) {
		TMX_CHECK(tlv.value >= hdr.tlvs.ptr && tlv.value + tlv.len <=
		    hdr.tlvs.ptr + hdr.tlvs.len);
		types[count++] = tlv.type;
	}
	TMX_CHECK(count == 8 && pos == hdr.tlvs.len);
	TMX_CHECK(memcmp(types, "\x01\x02\x04\x05\x30\xe5\xf1\x03", 8) == 0);

	/* Values one over the maxima. */
	{
		static const uint8_t big[256];

		v2_start(&h, 0x21, 0x11, B(A4));
		v2_tlv(&h, TMX_PP2_TYPE_AUTHORITY, big, 256);
		v2_end(&h, 0);
		TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, &hdr, NULL, NULL) ==
		    BAD);
		v2_start(&h, 0x21, 0x11, B(A4));
		v2_tlv(&h, TMX_PP2_TYPE_UNIQUE_ID, big, 129);
		v2_end(&h, 0);
		TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, &hdr, NULL, NULL) ==
		    BAD);
		/* ALPN and NETNS have no maximum in the spec */
		v2_start(&h, 0x21, 0x11, B(A4));
		v2_tlv(&h, TMX_PP2_TYPE_ALPN, big, 256);
		v2_tlv(&h, TMX_PP2_TYPE_NETNS, big, 256);
		v2_end(&h, 0);
		TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, &hdr, NULL, NULL) ==
		    OK);
	}
	/* An empty iteration area, and tlv_next staying inside a bad one */
	{
		struct tmx_proxy_bytes none = { NULL, 0 };
		struct tmx_proxy_bytes cut = { (const uint8_t *)"\x04\x00\x05"
		    "ab", 5 };

		pos = 0;
		TMX_CHECK(tmx_proxy_tlv_next(none, &pos, &tlv) == 0);
		TMX_CHECK(tmx_proxy_tlv_next(cut, &pos, &tlv) == 0 && pos == 0);
	}
}

/* ssl_tlv - an SSL TLV value: client, verify, sub-TLVs from raw bytes */
static size_t
ssl_tlv(uint8_t *out, uint8_t client, uint32_t verify, const uint8_t *subs,
	size_t n)
{
	out[0] = client;
	out[1] = (uint8_t)(verify >> 24);
	out[2] = (uint8_t)(verify >> 16);
	out[3] = (uint8_t)(verify >> 8);
	out[4] = (uint8_t)verify;
	memcpy(out + 5, subs, n);
	return 5 + n;
}

/* test_ssl - the SSL TLV's fields, every sub-TLV, and ssl_verified */
static void
test_ssl(void)
{
	static const uint8_t subs[] =
	    "\x21\x00\x07" "TLSv1.3"
	    "\x22\x00\x10" "mx1.example.test"
	    "\x23\x00\x16" "TLS_AES_256_GCM_SHA384"
	    "\x24\x00\x0a" "RSA-SHA256"
	    "\x25\x00\x07" "RSA2048"
	    "\x26\x00\x06" "X25519"
	    "\x27\x00\x0f" "rsa_pss_rsae_sh"
	    "\x28\x00\x03" "\x30\x82\x01";
	static const struct {
		uint8_t client;
		uint32_t verify;
		bool verified;
	} rows[] = {
		{ 0x01 | 0x02 | 0x04, 0, true },
		{ 0x01 | 0x02, 0, true },
		{ 0x01 | 0x04, 0, true },
		{ 0x02, 0, true },
		{ 0x01, 0, false },		/* no certificate */
		{ 0x00, 0, false },
		{ 0x01 | 0x02, 1, false },	/* not verified */
		{ 0x01 | 0x02 | 0x04, 0x80000000, false },
	};
	static struct v2_buf h;

	for (size_t i = 0; i < TMX_ARRAY_SIZE(rows); i++) {
		struct tmx_proxy_hdr hdr;
		struct tmx_proxy_tlv tlv;
		const struct tmx_proxy_ssl *s = &hdr.ssl;
		uint8_t value[512];
		size_t vlen = ssl_tlv(value, rows[i].client, rows[i].verify,
		    subs, sizeof(subs) - 1), pos = 0, found = 0;
		struct tmx_proxy_bytes area;

		v2_start(&h, 0x21, 0x21, B(A6));
		v2_tlv(&h, TMX_PP2_TYPE_SSL, value, vlen);
		v2_crc(&h, 0);
		TMX_CHECKF(tmx_proxy_parse(h.b, h.len, 0, &hdr, NULL, NULL) ==
		    OK, "ssl row %zu", i);
		TMX_CHECK(s->present && s->client == rows[i].client &&
		    s->verify == rows[i].verify);
		TMX_CHECKF(tmx_proxy_ssl_verified(s) == rows[i].verified,
		    "ssl row %zu verified", i);
		TMX_CHECK(s->version.len == 7 &&
		    memcmp(s->version.ptr, "TLSv1.3", 7) == 0);
		TMX_CHECK(s->cn.len == 16 &&
		    memcmp(s->cn.ptr, "mx1.example.test", 16) == 0);
		TMX_CHECK(s->cipher.len == 22 && s->sig_alg.len == 10 &&
		    s->key_alg.len == 7 && s->group.len == 6 &&
		    s->sig_scheme.len == 15 && s->client_cert.len == 3);
		TMX_CHECK(memcmp(s->group.ptr, "X25519", 6) == 0 &&
		    s->client_cert.ptr[0] == 0x30);
		/* the SSL TLV's sub-TLVs through tlv_next */
		TMX_CHECK(tmx_proxy_tlv_next(hdr.tlvs, &pos, &tlv) == 1 &&
		    tlv.type == TMX_PP2_TYPE_SSL && tlv.len == vlen);
		area.ptr = tlv.value + 5;
		area.len = tlv.len - 5u;
		pos = 0;
		while (tmx_proxy_tlv_next(area, &pos, &tlv))
			found++;
		TMX_CHECK(found == 8 && pos == area.len);
	}
	/* No SSL TLV, or a NULL pointer: never verified. */
	{
		struct tmx_proxy_hdr hdr;

		v2_start(&h, 0x21, 0x11, B(A4));
		v2_end(&h, 0);
		TMX_CHECK(tmx_proxy_parse(h.b, h.len, 0, &hdr, NULL, NULL) ==
		    OK);
		TMX_CHECK(!hdr.ssl.present && hdr.ssl.verify == 0 &&
		    !tmx_proxy_ssl_verified(&hdr.ssl));
		hdr.ssl.client = TMX_PP2_CLIENT_CERT_CONN;
		TMX_CHECK(!tmx_proxy_ssl_verified(&hdr.ssl));
		TMX_CHECK(!tmx_proxy_ssl_verified(NULL));
	}
}

/* test_sniff_names - sniffing v2 bytes, and family names */
static void
test_sniff_names(void)
{
	static const struct {
		enum tmx_proxy_family family;
		const char *name;
	} names[] = {
		{ TMX_PROXY_FAM_UNSPEC, "UNSPEC" },
		{ TMX_PROXY_FAM_TCP4, "TCP4" },
		{ TMX_PROXY_FAM_UDP4, "UDP4" },
		{ TMX_PROXY_FAM_TCP6, "TCP6" },
		{ TMX_PROXY_FAM_UDP6, "UDP6" },
		{ TMX_PROXY_FAM_UNIX, "UNIX" },
		{ TMX_PROXY_FAM_UNIX_DGRAM, "UNIX_DGRAM" },
		{ TMX_PROXY_FAM_UNKNOWN, "UNKNOWN" },
	};

	for (size_t i = 0; i < 12; i++)
		TMX_CHECKF(tmx_proxy_sniff((const uint8_t *)SIG, i) ==
		    TMX_PROXY_SNIFF_MORE, "sniff %zu", i);
	TMX_CHECK(tmx_proxy_sniff((const uint8_t *)SIG, 12) ==
	    TMX_PROXY_SNIFF_V2);
	TMX_CHECK(tmx_proxy_sniff((const uint8_t *)SIG "\x21", 13) ==
	    TMX_PROXY_SNIFF_V2);
	TMX_CHECK(tmx_proxy_sniff((const uint8_t *)"\r\n\r\n\0\r\nQUIT\r",
	    12) == TMX_PROXY_SNIFF_NONE);
	TMX_CHECK(tmx_proxy_sniff((const uint8_t *)"\r\nQUIT", 6) ==
	    TMX_PROXY_SNIFF_NONE);
	for (size_t i = 0; i < TMX_ARRAY_SIZE(names); i++)
		TMX_CHECK_STR(tmx_proxy_family_name(names[i].family),
		    names[i].name);
	TMX_CHECK(tmx_proxy_family_name((enum tmx_proxy_family)99) != NULL);
}

/*
 * haproxy_tls_cert - a header HAProxy 2.6 sent (send-proxy-v2,
 * proxy-v2-options ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority,
 * crc32c,unique-id) for a TLS client with a verified certificate: proof
 * that our CRC32C and TLV reading agree with the reference sender.
 */
static const uint8_t haproxy_tls_cert[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11, 0x00, 0xb1, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
	0xc2, 0x7e, 0x42, 0x6b, 0x03, 0x00, 0x04, 0x80, 0x0d, 0xcb, 0x2e, 0x01,
	0x00, 0x04, 0x73, 0x6d, 0x74, 0x70, 0x02, 0x00, 0x10, 0x6d, 0x78, 0x31,
	0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73,
	0x74, 0x05, 0x00, 0x29, 0x37, 0x46, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31,
	0x3a, 0x43, 0x32, 0x37, 0x45, 0x5f, 0x37, 0x46, 0x30, 0x30, 0x30, 0x30,
	0x30, 0x31, 0x3a, 0x34, 0x32, 0x36, 0x42, 0x5f, 0x36, 0x42, 0x30, 0x32,
	0x33, 0x44, 0x34, 0x33, 0x5f, 0x30, 0x30, 0x30, 0x33, 0x20, 0x00, 0x55,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x07, 0x54, 0x4c, 0x53, 0x76,
	0x31, 0x2e, 0x33, 0x22, 0x00, 0x13, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73,
	0x74, 0x25, 0x00, 0x07, 0x52, 0x53, 0x41, 0x32, 0x30, 0x34, 0x38, 0x24,
	0x00, 0x0a, 0x52, 0x53, 0x41, 0x2d, 0x53, 0x48, 0x41, 0x32, 0x35, 0x36,
	0x23, 0x00, 0x16, 0x54, 0x4c, 0x53, 0x5f, 0x41, 0x45, 0x53, 0x5f, 0x32,
	0x35, 0x36, 0x5f, 0x47, 0x43, 0x4d, 0x5f, 0x53, 0x48, 0x41, 0x33, 0x38,
	0x34,
};

/*
 * haproxy_local_check - what HAProxy 2.6 sends for a health check with
 * send-proxy-v2 and crc32c: LOCAL, UNSPEC, and still a CRC32C to verify.
 */
static const uint8_t haproxy_local_check[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x20, 0x00, 0x00, 0x07, 0x03, 0x00, 0x04, 0xa9, 0xb8, 0x7e, 0x8f,
};

/* test_haproxy_capture - real HAProxy headers parse as HAProxy meant */
static void
test_haproxy_capture(void)
{
	static uint8_t copy[sizeof(haproxy_tls_cert)];
	struct tmx_proxy_hdr hdr;
	const struct tmx_proxy_ssl *s = &hdr.ssl;
	const char *error = NULL;
	size_t n = 0;
	char a[160];

	TMX_CHECKF(tmx_proxy_parse(haproxy_tls_cert, sizeof(haproxy_tls_cert),
	    0, &hdr, &n, &error) == OK, "capture: %s", error ? error : "");
	TMX_CHECK(n == sizeof(haproxy_tls_cert));
	TMX_CHECK(hdr.version == 2 && hdr.command == TMX_PROXY_CMD_PROXY &&
	    hdr.family == TMX_PROXY_FAM_TCP4 && hdr.crc32c);
	TMX_CHECK_STR(test_sockaddr_text(&hdr.dst, a, sizeof(a)), "127.0.0.1:17003");
	TMX_CHECK(hdr.alpn.len == 4 && memcmp(hdr.alpn.ptr, "smtp", 4) == 0);
	TMX_CHECK(hdr.authority.len == 16 &&
	    memcmp(hdr.authority.ptr, "mx1.example.test", 16) == 0);
	TMX_CHECK(hdr.unique_id.len == 41);
	TMX_CHECK(s->present && s->client == 7 && s->verify == 0 &&
	    tmx_proxy_ssl_verified(s));
	TMX_CHECK(s->cn.len == 19 &&
	    memcmp(s->cn.ptr, "client.example.test", 19) == 0);
	TMX_CHECK(s->version.len == 7 &&
	    memcmp(s->version.ptr, "TLSv1.3", 7) == 0);
	TMX_CHECK(s->cipher.ptr != NULL && s->sig_alg.ptr != NULL &&
	    s->key_alg.ptr != NULL);
	TMX_CHECK(tmx_proxy_parse(haproxy_local_check,
	    sizeof(haproxy_local_check), 0, &hdr, &n, NULL) == OK &&
	    n == sizeof(haproxy_local_check));
	TMX_CHECK(hdr.command == TMX_PROXY_CMD_LOCAL &&
	    hdr.family == TMX_PROXY_FAM_UNSPEC && hdr.crc32c &&
	    hdr.src.ss_family == AF_UNSPEC);
	/* any flipped bit is caught by the CRC (or a stricter rule first) */
	for (size_t i = 16; i < sizeof(copy); i++) {
		memcpy(copy, haproxy_tls_cert, sizeof(copy));
		copy[i] ^= 0x01;
		TMX_CHECKF(tmx_proxy_parse(copy, sizeof(copy), 0, &hdr, &n,
		    NULL) == BAD, "bit flip at %zu accepted", i);
	}
}

/* unix_block - the UNIX address blocks used by the rows */
static void
unix_block(void)
{
	memset(unix_addr, 0, sizeof(unix_addr));
	memcpy(unix_addr, "/run/client.sock", 16);
	memcpy(unix_addr + 108, "/var/spool/postfix/public/smtp", 30);
	for (size_t i = 0; i < sizeof(unix_full); i++)
		unix_full[i] = (uint8_t)('a' + i % 26);
}

int
main(void)
{
	unix_block();
	test_rows();
	test_unix_full();
	test_prefixes();
	test_early_refusal();
	test_fixed_exact();
	test_whole_header();
	test_trailing();
	test_tlv_values();
	test_ssl();
	test_sniff_names();
	test_haproxy_capture();
	return TMX_TEST_END();
}
