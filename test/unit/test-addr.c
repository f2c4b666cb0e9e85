/*
 * test-addr.c - address parsing, prefix parsing, formatting, unmapping and
 * sockaddr conversion, table-driven.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
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

/* test_parse_differential - tmx_addr_parse against inet_pton, at random */
static void
test_parse_differential(void)
{
	struct tmx_addr got, want;
	char buf[24];
	int ok, ref;
	long i, bad = 0;

	srand(20261205);
	for (i = 0; i < 2000000; i++) {
		test_random_text(buf, sizeof(buf));
		memset(&got, 0xa5, sizeof(got));
		ok = tmx_addr_parse(buf, &got) == 0;
		ref = test_reference(buf, &want);
		if (ok != ref || (ok && memcmp(&got, &want, sizeof(got)) != 0))
			if (bad++ < 5)
				TMX_CHECKF(0, "\"%s\": parsed %d, inet_pton %d",
					   buf, ok, ref);
	}
	TMX_CHECKF(bad == 0, "%ld of %ld differ from inet_pton", bad, i);
}

int
main(void)
{
	test_parse();
	test_parse_differential();
	test_parse_prefix();
	test_unmap();
	test_sockaddr();
	test_format_limits();
	return TMX_TEST_END();
}
