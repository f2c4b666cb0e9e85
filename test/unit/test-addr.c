/*
 * test-addr.c - address parsing, prefix parsing, formatting, unmapping and
 * sockaddr conversion, table-driven.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <trustmx/addr.h>

#include "tmx-test.h"

/* One literal: does it parse, as what family, and how does it print. */
struct addr_case {
	const char *text;
	int ok;
	int family;
	const char *canonical;	/* tmx_addr_format() of the result */
};

static const struct addr_case addr_cases[] = {
	{ "192.0.2.1", 1, 4, "192.0.2.1" },
	{ "0.0.0.0", 1, 4, "0.0.0.0" },
	{ "255.255.255.255", 1, 4, "255.255.255.255" },
	{ "192.0.2.01", 0, 0, NULL },		/* leading zero: inet_pton no */
	{ "192.0.2.256", 0, 0, NULL },
	{ "192.0.2", 0, 0, NULL },
	{ "192.0.2.1.5", 0, 0, NULL },
	{ " 192.0.2.1", 0, 0, NULL },
	{ "192.0.2.1 ", 0, 0, NULL },
	{ "192.0.2.1/32", 0, 0, NULL },
	{ "", 0, 0, NULL },
	{ "example.com", 0, 0, NULL },
	{ "2001:db8::1", 1, 6, "2001:db8::1" },
	{ "2001:DB8::1", 1, 6, "2001:db8::1" },
	{ "2001:db8:0:0:0:0:0:1", 1, 6, "2001:db8::1" },
	{ "::", 1, 6, "::" },
	{ "::1", 1, 6, "::1" },
	{ "::ffff:192.0.2.1", 1, 6, "::ffff:192.0.2.1" },
	{ "[2001:db8::1]", 0, 0, NULL },	/* brackets are the caller's */
	{ "2001:db8::1%eth0", 0, 0, NULL },
	{ "2001:db8:::1", 0, 0, NULL },
	{ "2001:db8::12345", 0, 0, NULL },
	{ "1.2.3.4:25", 0, 0, NULL },		/* a ':' means IPv6 */
	/* IPv6 edges, each as glibc's inet_pton answers it */
	{ "1:2:3:4:5:6:7:8", 1, 6, "1:2:3:4:5:6:7:8" },
	{ "1:2:3:4:5:6:7::", 1, 6, "1:2:3:4:5:6:7:0" },	/* "::" for one */
	{ "::1:2:3:4:5:6:7", 1, 6, "0:1:2:3:4:5:6:7" },
	{ "1:2:3:4::5:6:7", 1, 6, "1:2:3:4:0:5:6:7" },
	{ "1:2:3:4:5:6:7:8::", 0, 0, NULL },	/* "::" for none */
	{ "::1:2:3:4:5:6:7:8", 0, 0, NULL },
	{ "1:2:3:4::5:6:7:8", 0, 0, NULL },
	{ "1:2:3:4:5:6:7:8:9", 0, 0, NULL },
	{ "1:2:3:4:5:6:7", 0, 0, NULL },
	{ "1::2::3", 0, 0, NULL },
	{ "::1::", 0, 0, NULL },
	{ ":1::", 0, 0, NULL },			/* one leading ':' */
	{ ":1:2:3:4:5:6:7:8", 0, 0, NULL },
	{ "1:2:3:4:5:6:7:8:", 0, 0, NULL },	/* one trailing ':' */
	{ "::1:", 0, 0, NULL },
	{ "1::", 1, 6, "1::" },
	{ "1:", 0, 0, NULL },
	{ ":", 0, 0, NULL },
	{ ":::", 0, 0, NULL },
	{ ":::1", 0, 0, NULL },
	{ "1:::2", 0, 0, NULL },
	{ "0000:0000::", 1, 6, "::" },
	{ "0:0:0:0:0:0:0::", 1, 6, "::" },
	{ "aBcD:EfAb::1", 1, 6, "abcd:efab::1" },
	{ "FFFF::", 1, 6, "ffff::" },
	{ "12345::", 0, 0, NULL },		/* five digits */
	{ "00000::", 0, 0, NULL },
	{ "fffff::", 0, 0, NULL },
	{ "::12345", 0, 0, NULL },
	{ "::g", 0, 0, NULL },
	{ "g::", 0, 0, NULL },
	{ " ::1", 0, 0, NULL },
	{ "::1 ", 0, 0, NULL },
	{ "::1.2.3.4", 1, 6, "::1.2.3.4" },
	{ "::0.0.0.0", 1, 6, "::" },
	{ "::255.255.255.255", 1, 6, "::255.255.255.255" },
	{ "::ffff:1.2.3.4", 1, 6, "::ffff:1.2.3.4" },
	{ "::ffff:0:1.2.3.4", 1, 6, "::ffff:0:102:304" },
	{ "1::1.2.3.4", 1, 6, "1::102:304" },
	{ "1:2:3:4:5:6:1.2.3.4", 1, 6, "1:2:3:4:5:6:102:304" },
	{ "1:2:3:4:5::1.2.3.4", 1, 6, "1:2:3:4:5:0:102:304" },
	{ "1:2:3:4:5:6:7:1.2.3.4", 0, 0, NULL },	/* no room for a tail */
	{ "1:2:3:4:5:6::1.2.3.4", 0, 0, NULL },	/* room, but not for "::" */
	{ "::1:2:3:4:5:6:1.2.3.4", 0, 0, NULL },
	{ "::ffff:1.2.3.04", 0, 0, NULL },	/* inet_pton4's rules */
	{ "::ffff:01.2.3.4", 0, 0, NULL },
	{ "::ffff:1.2.3.256", 0, 0, NULL },
	{ "::ffff:1.2.3", 0, 0, NULL },
	{ "::ffff:1.2.3.4.5", 0, 0, NULL },
	{ "::1.2.3.4.", 0, 0, NULL },
	{ "::1..2.3", 0, 0, NULL },
	{ "::1a.2.3.4", 0, 0, NULL },		/* a hex group is not a part */
	{ "::ffff:.1.2.3", 0, 0, NULL },
	{ "::.", 0, 0, NULL },
	{ "::1.2.3.4:1", 0, 0, NULL },		/* the tail is the last */
	{ "::1.2.3.4x", 0, 0, NULL },
	{ "1:2:3:4:5:6:7:8.1", 0, 0, NULL },
	{ "1.2.3.4::", 0, 0, NULL },
	{ "1.2.3.4:", 0, 0, NULL },
};

/* test_parse - tmx_addr_parse and tmx_addr_format over addr_cases */
static void
test_parse(void)
{
	for (size_t i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]);
	     i++) {
		const struct addr_case *c = &addr_cases[i];
		struct tmx_addr a;
		char buf[TMX_ADDR_STRLEN];
		int rc = tmx_addr_parse(c->text, &a);

		TMX_CHECKF((rc == 0) == c->ok, "parse \"%s\" rc %d", c->text,
			   rc);
		if (rc != 0 || !c->ok)
			continue;
		TMX_CHECKF(a.family == c->family, "\"%s\" family %d", c->text,
			   a.family);
		TMX_CHECKF(tmx_addr_bits(&a) == (c->family == 4 ? 32u : 128u),
			   "\"%s\" bits", c->text);
		TMX_CHECK_STR(tmx_addr_format(&a, buf, sizeof(buf)),
			      c->canonical);
		if (a.family == 4)
			for (int b = 4; b < 16; b++)
				TMX_CHECKF(a.bytes[b] == 0, "\"%s\" byte %d",
					   c->text, b);
	}
}

/* One prefix: accepted as what, or refused with which reason. */
struct prefix_case {
	const char *text;
	int ok;
	const char *addr;	/* canonical network, when ok */
	unsigned len;
	const char *error;	/* a substring of *error_r, when not ok */
};

static const struct prefix_case prefix_cases[] = {
	{ "192.0.2.0/24", 1, "192.0.2.0", 24, NULL },
	{ "192.0.2.1", 1, "192.0.2.1", 32, NULL },
	{ "192.0.2.1/32", 1, "192.0.2.1", 32, NULL },
	{ "0.0.0.0/0", 1, "0.0.0.0", 0, NULL },
	{ "192.0.2.128/25", 1, "192.0.2.128", 25, NULL },
	{ "192.0.2.1/24", 0, NULL, 0, "host bits" },
	{ "192.0.2.0/33", 0, NULL, 0, "too long" },
	{ "192.0.2.0/", 0, NULL, 0, "length" },
	{ "192.0.2.0/2x", 0, NULL, 0, "length" },
	{ "192.0.2.0/-1", 0, NULL, 0, "length" },
	{ "192.0.2.0/0024", 0, NULL, 0, "length" },
	{ "192.0.2.0/24/8", 0, NULL, 0, "length" },
	{ "1.0.0.0/0", 0, NULL, 0, "host bits" },
	{ "/24", 0, NULL, 0, "address" },
	{ "bogus/24", 0, NULL, 0, "address" },
	{ "2001:db8::/32", 1, "2001:db8::", 32, NULL },
	{ "2001:DB8::/32", 1, "2001:db8::", 32, NULL },
	{ "::/0", 1, "::", 0, NULL },
	{ "2001:db8::1", 1, "2001:db8::1", 128, NULL },
	{ "2001:db8::1/128", 1, "2001:db8::1", 128, NULL },
	{ "2001:db8::/129", 0, NULL, 0, "too long" },
	{ "2001:db8::1/127", 0, NULL, 0, "host bits" },
	{ "2001:db8:8000::/33", 1, "2001:db8:8000::", 33, NULL },
	{ "2001:db8:8000::/32", 0, NULL, 0, "host bits" },
	{ "::ffff:192.0.2.0/120", 1, "::ffff:192.0.2.0", 120, NULL },
};

/* test_parse_prefix - tmx_addr_parse_prefix over prefix_cases */
static void
test_parse_prefix(void)
{
	for (size_t i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]);
	     i++) {
		const struct prefix_case *c = &prefix_cases[i];
		struct tmx_addr a;
		unsigned len = 999;
		const char *error = NULL;
		char buf[TMX_ADDR_STRLEN];
		int rc = tmx_addr_parse_prefix(c->text, &a, &len, &error);

		TMX_CHECKF((rc == 0) == c->ok, "prefix \"%s\" rc %d (%s)",
			   c->text, rc, error ? error : "");
		if (rc == 0 && c->ok) {
			TMX_CHECK_STR(tmx_addr_format(&a, buf, sizeof(buf)),
				      c->addr);
			TMX_CHECKF(len == c->len, "\"%s\" len %u", c->text,
				   len);
		} else if (rc != 0 && !c->ok) {
			TMX_CHECKF(error != NULL && strstr(error, c->error),
				   "\"%s\" error \"%s\"", c->text,
				   error ? error : "(null)");
		}
	}
	/* error_r may be NULL */
	struct tmx_addr a;
	unsigned len;
	TMX_CHECK(tmx_addr_parse_prefix("192.0.2.1/24", &a, &len, NULL) < 0);
}

/* Unmapping: which addresses change, and into what. */
struct unmap_case {
	const char *text;
	int changed;
	const char *after;
};

static const struct unmap_case unmap_cases[] = {
	{ "::ffff:192.0.2.1", 1, "192.0.2.1" },
	{ "::FFFF:c000:0201", 1, "192.0.2.1" },
	{ "::ffff:0.0.0.0", 1, "0.0.0.0" },
	{ "::192.0.2.1", 0, "::192.0.2.1" },	/* compatible, not mapped */
	{ "::fffe:192.0.2.1", 0, "::fffe:c000:201" },
	{ "1::ffff:192.0.2.1", 0, "1::ffff:c000:201" },
	{ "192.0.2.1", 0, "192.0.2.1" },
	{ "2001:db8::1", 0, "2001:db8::1" },
};

/* test_unmap - tmx_addr_unmap over unmap_cases */
static void
test_unmap(void)
{
	for (size_t i = 0; i < sizeof(unmap_cases) / sizeof(unmap_cases[0]);
	     i++) {
		const struct unmap_case *c = &unmap_cases[i];
		struct tmx_addr a, v4;
		char buf[TMX_ADDR_STRLEN];

		TMX_CHECKF(tmx_addr_parse(c->text, &a) == 0, "%s", c->text);
		TMX_CHECKF(tmx_addr_unmap(&a) == (bool)c->changed, "%s",
			   c->text);
		TMX_CHECK_STR(tmx_addr_format(&a, buf, sizeof(buf)), c->after);
		if (c->changed) {
			/* the same bytes as the IPv4 address parsed */
			tmx_addr_parse(c->after, &v4);
			TMX_CHECKF(memcmp(&a, &v4, sizeof(a)) == 0, "%s bytes",
				   c->text);
		}
	}
}

/* test_sockaddr - AF_INET, AF_INET6, and a family we refuse */
static void
test_sockaddr(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	struct tmx_addr a;
	char buf[TMX_ADDR_STRLEN];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr);
	TMX_CHECK(tmx_addr_from_sockaddr((struct sockaddr *)&sin, &a) == 0);
	TMX_CHECK(a.family == 4);
	TMX_CHECK_STR(tmx_addr_format(&a, buf, sizeof(buf)), "198.51.100.7");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::7", &sin6.sin6_addr);
	TMX_CHECK(tmx_addr_from_sockaddr((struct sockaddr *)&sin6, &a) == 0);
	TMX_CHECK(a.family == 6);
	TMX_CHECK_STR(tmx_addr_format(&a, buf, sizeof(buf)), "2001:db8::7");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	TMX_CHECK(tmx_addr_from_sockaddr((struct sockaddr *)&sun, &a) < 0);
}

/* test_format_limits - a buffer too small, an unknown family */
static void
test_format_limits(void)
{
	struct tmx_addr a;
	char small[8];

	tmx_addr_parse("2001:db8::1", &a);
	TMX_CHECK(tmx_addr_format(&a, small, sizeof(small)) == NULL);
	a.family = 5;
	TMX_CHECK(tmx_addr_format(&a, small, sizeof(small)) == NULL);
}

/* test_reference - what tmx_addr_parse must answer: inet_pton as Postfix
 * calls it (a ':' means IPv6); 1 with *a filled, or 0 */
static int
test_reference(const char *text, struct tmx_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(text, ':') != NULL ? 6 : 4;
	return inet_pton(a->family == 6 ? AF_INET6 : AF_INET, text,
			 a->bytes) == 1;
}

/* test_random_text - digits, dots and colons, now and then something else;
 * half the time a mutated dotted quad */
static void
test_random_text(char *buf, size_t size)
{
	static const char alphabet[] = "0123456789012345678901234.....:x ";
	size_t n, i;

	if (rand() % 2) {
		snprintf(buf, size, "%d.%d.%d.%d", rand() % 300, rand() % 300,
			 rand() % 300, rand() % 300);
		n = strlen(buf);
		if (rand() % 2) {	/* one byte changed, cut or added */
			i = (size_t)rand() % (n + 1);
			if (rand() % 3 == 0 && n + 1 < size) {
				memmove(buf + i + 1, buf + i, n - i + 1);
				buf[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
			} else if (rand() % 2) {
				buf[i] = '\0';
			} else if (i < n) {
				buf[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
			}
		}
		return;
	}
	n = (size_t)rand() % (size - 1);
	for (i = 0; i < n; i++)
		buf[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
	buf[n] = '\0';
}

/*
 * test_differs - does tmx_addr_parse answer text otherwise than
 * test_reference; the first few differences are shown, all counted in
 * *bad_r. Returns test_reference's answer, to count what was accepted.
 */
static int
test_differs(const char *text, long *bad_r)
{
	struct tmx_addr got, want;
	char gbuf[TMX_ADDR_STRLEN], wbuf[TMX_ADDR_STRLEN];
	int ok, ref;

	memset(&got, 0xa5, sizeof(got));
	ok = tmx_addr_parse(text, &got) == 0;
	ref = test_reference(text, &want);
	if (ok == ref && (!ok || memcmp(&got, &want, sizeof(got)) == 0))
		return ref;
	if ((*bad_r)++ >= 5)
		return ref;
	strcpy(gbuf, "-");
	strcpy(wbuf, "-");
	if (ok)
		tmx_addr_format(&got, gbuf, sizeof(gbuf));
	if (ref)
		tmx_addr_format(&want, wbuf, sizeof(wbuf));
	TMX_CHECKF(0, "\"%s\": parsed %d (%s), inet_pton %d (%s)", text, ok,
		   gbuf, ref, wbuf);
	return ref;
}

/* test_parse_differential - tmx_addr_parse against inet_pton, at random */
static void
test_parse_differential(void)
{
	char buf[24];
	long i, bad = 0;

	srand(20261205);
	for (i = 0; i < 2000000; i++) {
		test_random_text(buf, sizeof(buf));
		test_differs(buf, &bad);
	}
	TMX_CHECKF(bad == 0, "%ld of %ld differ from inet_pton", bad, i);
}

/*
 * The IPv6 differential test draws from its own generator, faster than
 * rand() and the same on every libc, so a failure repeats anywhere.
 */
static uint64_t test_rng_state;

/* test_rng - xorshift64*: a number below n */
static unsigned
test_rng(unsigned n)
{
	test_rng_state ^= test_rng_state >> 12;
	test_rng_state ^= test_rng_state << 25;
	test_rng_state ^= test_rng_state >> 27;
	return (unsigned)((test_rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/* test_char6 - a character for IPv6 texts: mostly hex, ':' and '.' */
static char
test_char6(void)
{
	static const char alphabet[] =
		"0123456789abcdef0123456789ABCDEF0000:::::::::::.....g %";

	return alphabet[test_rng(sizeof(alphabet) - 1)];
}

/* test_random_text6 - 0 to 45 characters of test_char6 */
static void
test_random_text6(char *buf)
{
	unsigned n = test_rng(46), i;

	for (i = 0; i < n; i++)
		buf[i] = test_char6();
	buf[n] = '\0';
}

/* test_mutate - one character inserted, deleted or replaced, at random */
static void
test_mutate(char *buf, size_t size)
{
	size_t n = strlen(buf), i = test_rng((unsigned)n + 1);

	switch (test_rng(3)) {
	case 0:
		if (n + 1 < size) {
			memmove(buf + i + 1, buf + i, n - i + 1);
			buf[i] = test_char6();
		}
		break;
	case 1:
		if (i < n)
			memmove(buf + i, buf + i + 1, n - i);
		break;
	default:
		if (i < n)
			buf[i] = test_char6();
		break;
	}
}

/* test_valid6_bytes - an address worth writing: runs of zero groups, small
 * groups, now and then IPv4-mapped or -compatible */
static void
test_valid6_bytes(uint8_t *b)
{
	unsigned i, w;

	for (i = 0; i < 8; i++) {
		switch (test_rng(5)) {
		case 0:
		case 1:
			w = 0;
			break;
		case 2:
			w = test_rng(256);
			break;
		default:
			w = test_rng(65536);
			break;
		}
		b[2 * i] = (uint8_t)(w >> 8);
		b[2 * i + 1] = (uint8_t)w;
	}
	switch (test_rng(8)) {
	case 0:
		memset(b, 0, 10);
		b[10] = b[11] = 0xff;
		break;
	case 1:
		memset(b, 0, 12);
		break;
	}
}

/* test_group6 - one group in hex at p, zero-padded to 1-4 digits, in mixed
 * case when upper; how many characters */
static size_t
test_group6(char *p, unsigned w, int upper)
{
	unsigned least = w > 0xfff ? 4 : w > 0xff ? 3 : w > 0xf ? 2 : 1;
	unsigned width = least + test_rng(5 - least), n, d;

	for (n = 0; n < width; n++) {
		d = (w >> (4 * (width - 1 - n))) & 15;
		p[n] = upper && test_rng(2) ? "0123456789ABCDEF"[d] :
		    "0123456789abcdef"[d];
	}
	return width;
}

/*
 * test_valid6_text - the bytes written as people write them: inet_ntop's
 * text, or groups padded with zeros in either case, perhaps "::" for a run
 * of zero groups (a run of one too), perhaps the last four bytes dotted;
 * at most 45 characters
 */
static void
test_valid6_text(char *buf, size_t size, const uint8_t *b)
{
	unsigned words[8], ngroups, at, len = 0, i;
	int upper = (int)test_rng(2), tail = test_rng(3) == 0;
	size_t n = 0;

	if (test_rng(4) == 0) {
		inet_ntop(AF_INET6, b, buf, (socklen_t)size);
		return;
	}
	for (i = 0; i < 8; i++)
		words[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	ngroups = tail ? 6 : 8;
	at = test_rng(ngroups);
	while (at + len < ngroups && words[at + len] == 0 &&
	       (len == 0 || test_rng(4) != 0))
		len++;
	for (i = 0; i < ngroups; i++) {
		if (len > 0 && i == at) {
			buf[n++] = ':';
			buf[n++] = ':';
			i += len - 1;
			continue;
		}
		if (n > 0 && buf[n - 1] != ':')
			buf[n++] = ':';
		n += test_group6(buf + n, words[i], upper);
	}
	if (tail) {
		if (n > 0 && buf[n - 1] != ':')
			buf[n++] = ':';
		n += (size_t)snprintf(buf + n, size - n, "%u.%u.%u.%u", b[12],
				      b[13], b[14], b[15]);
	}
	buf[n] = '\0';
}

/* test_groups6 - groups of 0-5 hex digits, ':' or "::" between, at either
 * end now and then, perhaps a dotted tail: near misses around 8 groups;
 * at most 87 characters */
static void
test_groups6(char *buf, size_t size)
{
	unsigned ngroups = test_rng(11), i, d, q[4];
	size_t n = 0;

	if (test_rng(8) == 0)
		buf[n++] = ':';
	for (i = 0; i < ngroups; i++) {
		if (i > 0 || test_rng(8) == 0) {
			buf[n++] = ':';
			if (test_rng(6) == 0)
				buf[n++] = ':';
		}
		for (d = test_rng(16) == 0 ? 5 : test_rng(5); d > 0; d--)
			buf[n++] = "0123456789abcdefABCDEF"[test_rng(22)];
	}
	if (test_rng(4) == 0) {
		for (i = 0; i < 4; i++)	/* in order, unlike arguments */
			q[i] = test_rng(300);
		n += (size_t)snprintf(buf + n, size - n, ":%u.%u.%u.%u", q[0],
				      q[1], q[2], q[3]);
	} else if (test_rng(8) == 0) {
		buf[n++] = ':';
	}
	buf[n] = '\0';
}

/*
 * test_parse6_differential - tmx_addr_parse against inet_pton on random
 * texts, on near-miss groups, and on valid IPv6 texts, half of them with
 * one character changed; a valid text unchanged must parse to its bytes
 */
static void
test_parse6_differential(void)
{
	uint8_t b[16], ref[16];
	char buf[96];
	long i, bad = 0, gen_bad = 0, yes_random = 0, yes_groups = 0;
	long yes_mutated = 0, mutated = 0;

	test_rng_state = 20261206;
	for (i = 0; i < 2000000; i++) {
		test_random_text6(buf);
		yes_random += test_differs(buf, &bad);
	}
	for (i = 0; i < 500000; i++) {
		test_groups6(buf, sizeof(buf));
		yes_groups += test_differs(buf, &bad);
	}
	for (i = 0; i < 1000000; i++) {
		test_valid6_bytes(b);
		test_valid6_text(buf, sizeof(buf), b);
		if (test_rng(2)) {
			test_mutate(buf, sizeof(buf));
			mutated++;
			yes_mutated += test_differs(buf, &bad);
			continue;
		}
		test_differs(buf, &bad);
		if ((inet_pton(AF_INET6, buf, ref) != 1 ||
		     memcmp(ref, b, 16) != 0) && gen_bad++ < 5)
			TMX_CHECKF(0, "generated \"%s\" is not its bytes", buf);
	}
	TMX_CHECKF(bad == 0, "%ld IPv6 texts differ from inet_pton", bad);
	TMX_CHECKF(gen_bad == 0, "%ld generated texts wrong", gen_bad);
	/* the generators still reach both answers */
	TMX_CHECKF(yes_random > 10000 && yes_groups > 20000 &&
		   yes_mutated > mutated / 5 && yes_mutated < mutated * 4 / 5,
		   "accepted: random %ld, groups %ld, mutated %ld of %ld",
		   yes_random, yes_groups, yes_mutated, mutated);
}

int
main(void)
{
	test_parse();
	test_parse_differential();
	test_parse6_differential();
	test_parse_prefix();
	test_unmap();
	test_sockaddr();
	test_format_limits();
	return TMX_TEST_END();
}
