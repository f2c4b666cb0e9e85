/*
 * consumer.c - a libtrustmx user built only from what "meson install" put
 * in DESTDIR (headers, pkg-config file, shared library): install-check.sh
 * compiles it with the installed trustmx.pc and runs it on the installed .so.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <trustmx/trustmx.h>

#include "tmx-test.h"

/* A PROXY v2 PROXY TCP4 header: 203.0.113.9:4242 -> 192.0.2.25:25 */
static const uint8_t consumer_v2[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
	0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c,
	203, 0, 113, 9, 192, 0, 2, 25, 0x10, 0x92, 0x00, 0x19,
};

static const char consumer_v1[] =
	"PROXY TCP6 2001:db8::7 2001:db8::25 4242 25\r\n";

static const char consumer_list[] =
	"# proxies\n192.0.2.0/24\n2001:db8::/32\n\n198.51.100.128/25\n";

struct consumer_lookup {
	const char *addr;
	bool hit;
};

static const struct consumer_lookup consumer_lookups[] = {
	{ "192.0.2.7", true },
	{ "192.0.3.7", false },
	{ "198.51.100.200", true },
	{ "198.51.100.1", false },
	{ "2001:db8::1", true },
	{ "2001:db9::1", false },
};

/* consumer_v4 - the dotted quad and port of an AF_INET sockaddr_storage */
static bool
consumer_v4(const struct sockaddr_storage *ss, const char *addr, int port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char buf[INET_ADDRSTRLEN];

	return ss->ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)) != NULL &&
	    strcmp(buf, addr) == 0 && ntohs(sin->sin_port) == port;
}

/* consumer_parse - one v2 and one v1 header through tmx_proxy_parse */
static void
consumer_parse(void)
{
	struct tmx_proxy_hdr hdr;
	const char *error = NULL;
	size_t n = 0;

	TMX_CHECK(tmx_proxy_parse(consumer_v2, sizeof(consumer_v2), 0, &hdr,
	    &n, &error) == TMX_PROXY_OK);
	TMX_CHECK(n == sizeof(consumer_v2));
	TMX_CHECK(hdr.version == 2 && hdr.command == TMX_PROXY_CMD_PROXY);
	TMX_CHECK_STR(tmx_proxy_family_name(hdr.family), "TCP4");
	TMX_CHECK(consumer_v4(&hdr.src, "203.0.113.9", 4242));
	TMX_CHECK(consumer_v4(&hdr.dst, "192.0.2.25", 25));

	TMX_CHECK(tmx_proxy_parse(consumer_v2, 10, 0, &hdr, &n, &error) ==
	    TMX_PROXY_INCOMPLETE);
	TMX_CHECK(tmx_proxy_parse((const uint8_t *)"GET / HTTP/1.0\r\n", 16, 0,
	    &hdr, &n, &error) == TMX_PROXY_INVALID && error != NULL);

	TMX_CHECK(tmx_proxy_parse((const uint8_t *)consumer_v1,
	    strlen(consumer_v1), 0, &hdr, &n, &error) == TMX_PROXY_OK);
	TMX_CHECK(n == strlen(consumer_v1) && hdr.version == 1);
	TMX_CHECK_STR(tmx_proxy_family_name(hdr.family), "TCP6");
}

/* consumer_cidr - a list parsed into a set, then looked up */
static void
consumer_cidr(void)
{
	struct tmx_cidrset_builder *b;
	struct tmx_cidrset *set;
	struct tmx_addr addr;
	char err[256];
	size_t i;

	TMX_CHECK((b = tmx_cidrset_builder_new()) != NULL);
	if (b == NULL)
		return;
	TMX_CHECKF(tmx_cidrset_builder_parse_list(b, "proxies", consumer_list,
	    strlen(consumer_list), 1, err, sizeof(err)) == 0, "%s", err);
	TMX_CHECK((set = tmx_cidrset_build(b)) != NULL);
	if (set == NULL)
		return;
	TMX_CHECK(tmx_cidrset_count(set) == 3);
	for (i = 0; i < sizeof(consumer_lookups) / sizeof(consumer_lookups[0]);
	    i++) {
		const struct consumer_lookup *t = &consumer_lookups[i];

		TMX_CHECKF(tmx_addr_parse(t->addr, &addr) == 0, "%s", t->addr);
		TMX_CHECKF(tmx_cidrset_lookup(set, &addr, NULL) == t->hit,
		    "%s", t->addr);
	}
	tmx_cidrset_free(set);
}

/* main - version agreement, then the parser and the CIDR set */
int
main(void)
{
	/* the installed header and the library loaded at run time agree */
	TMX_CHECK_STR(tmx_version(), TMX_VERSION_STRING);
	consumer_parse();
	consumer_cidr();
	return TMX_TEST_END();
}
