/*
 * test-policyd-proto.c - trustmx-policyd's protocol parsers, table-driven:
 * socketmap netstrings and answers, policy delegation lines.
 */
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrset.h>

#include "policy.h"
#include "policyd.h"
#include "socketmap.h"
#include "tmx-test.h"

/* test_set - a cidrset from a list text (value = source index) */
static struct tmx_cidrset *
test_set(const char *text, uint32_t value)
{
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	char err[256];

	if (tmx_cidrset_builder_parse_list(b, "test", text, strlen(text),
	    value, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return tmx_cidrset_build(b);
}

static const struct {
	const char *in;
	enum socketmap_status status;
	size_t consumed;
	const char *payload;
} netstrings[] = {
	{ "", SOCKETMAP_MORE, 0, NULL },
	{ "1", SOCKETMAP_MORE, 0, NULL },
	{ "10:", SOCKETMAP_MORE, 0, NULL },
	{ "3:abc", SOCKETMAP_MORE, 0, NULL },
	{ "3:abc,", SOCKETMAP_DONE, 6, "abc" },
	{ "3:abc,4:more", SOCKETMAP_DONE, 6, "abc" },
	{ "0:,", SOCKETMAP_DONE, 3, "" },
	{ "3:abcd", SOCKETMAP_INVALID, 0, NULL },
	{ ":abc,", SOCKETMAP_INVALID, 0, NULL },
	{ "x3:abc,", SOCKETMAP_INVALID, 0, NULL },
	{ "3x:abc,", SOCKETMAP_INVALID, 0, NULL },
	{ "100001:", SOCKETMAP_INVALID, 0, NULL },
	{ "99999999999999999999999:", SOCKETMAP_INVALID, 0, NULL },
	{ "100000:", SOCKETMAP_MORE, 0, NULL },
	{ "-1:", SOCKETMAP_INVALID, 0, NULL },
};

/* test_netstrings - framing: more, done, invalid */
static void
test_netstrings(void)
{
	size_t i;

	for (i = 0; i < sizeof(netstrings) / sizeof(netstrings[0]); i++) {
		const uint8_t *payload = NULL;
		size_t plen = 0, consumed = 0;
		const char *why = NULL;
		enum socketmap_status st;

		st = socketmap_parse((const uint8_t *)netstrings[i].in,
				     strlen(netstrings[i].in), &payload, &plen,
				     &consumed, &why);
		TMX_CHECKF(st == netstrings[i].status, "\"%s\": %d",
			   netstrings[i].in, st);
		if (st == SOCKETMAP_INVALID)
			TMX_CHECKF(why != NULL, "\"%s\"", netstrings[i].in);
		if (st != SOCKETMAP_DONE || netstrings[i].payload == NULL)
			continue;
		TMX_CHECKF(consumed == netstrings[i].consumed, "\"%s\"",
			   netstrings[i].in);
		TMX_CHECKF(plen == strlen(netstrings[i].payload) &&
			   memcmp(payload, netstrings[i].payload, plen) == 0,
			   "\"%s\"", netstrings[i].in);
	}
}

static const struct {
	const char *request;
	const char *reply;
} answers[] = {
	{ "postscreen 192.0.2.10", "OK permit" },		/* relay */
	{ "postscreen 198.51.100.7", "OK permit" },	/* proxy */
	{ "postscreen 203.0.113.9", "OK reject" },		/* deny */
	{ "postscreen 192.0.2.200", "OK reject" },		/* deny wins over relay */
	{ "postscreen 192.0.2.201", "OK permit" },
	{ "postscreen ::ffff:192.0.2.10", "OK permit" },	/* unmapped */
	{ "postscreen ::ffff:203.0.113.9", "OK reject" },
	{ "postscreen 2001:db8::1", "OK permit" },
	{ "postscreen 2001:db8:dead::1", "OK reject" },
	{ "postscreen 2001:db9::1", "NOTFOUND " },
	/* allow_networks 198.51.100.0/23 and 203.0.113.0/24 */
	{ "postscreen 198.51.101.5", "OK permit" },	/* allow only */
	{ "postscreen ::ffff:198.51.101.5", "OK permit" },
	{ "postscreen 203.0.113.10", "OK reject" },	/* deny wins over allow */
	{ "postscreen 198.51.102.1", "NOTFOUND " },
	{ "postscreen 10.1.2.3", "NOTFOUND " },
	{ "postscreen unknown", "NOTFOUND " },
	{ "postscreen mail.example.com", "NOTFOUND " },
	{ "postscreen ", "NOTFOUND " },
	{ "postscreen 192.0.2.10/32", "NOTFOUND " },
	{ "postscreen [192.0.2.10]", "NOTFOUND " },
	{ "postscreen 192.0.2.10 ", "NOTFOUND " },
	{ "other 192.0.2.10", "PERM unknown map" },
	{ "postscreen", "PERM unknown map" },
	{ "postscreenx 192.0.2.10", "PERM unknown map" },
	{ "", "PERM unknown map" },
};

/* The list and source each address gets: deny > relay > proxy > allow */
static const struct {
	const char *addr;
	enum verdict verdict;
	const char *source;
} precedence[] = {
	{ "198.51.101.5", VERDICT_ALLOW, "allow_networks: test" },
	{ "198.51.100.7", VERDICT_PROXY, "proxy_networks: test" },
	{ "192.0.2.10", VERDICT_RELAY, "relay_networks: test" },
	{ "192.0.2.200", VERDICT_DENY, "deny_networks: test" },
	{ "203.0.113.10", VERDICT_DENY, "deny_networks: test" },
	{ "::ffff:198.51.101.5", VERDICT_ALLOW, "allow_networks: test" },
	{ "198.51.102.1", VERDICT_NONE, NULL },
	{ "not an address", VERDICT_NONE, NULL },
};

/* test_precedence - which list answers for an address in several */
static void
test_precedence(const struct lists *lists)
{
	const char *source;
	enum verdict v;
	size_t i;

	for (i = 0; i < sizeof(precedence) / sizeof(precedence[0]); i++) {
		v = pd_verdict_lookup_text(lists, precedence[i].addr, &source);
		TMX_CHECKF(v == precedence[i].verdict, "%s: verdict %d",
			   precedence[i].addr, v);
		if (precedence[i].source == NULL)
			TMX_CHECKF(source == NULL, "%s: %s", precedence[i].addr,
				   source);
		else
			TMX_CHECK_STR(source, precedence[i].source);
	}
}

/* test_answers - the postscreen map over a small set of lists */
static void
test_answers(const struct lists *lists)
{
	struct socketmap_result res;
	const uint8_t *payload;
	const char *why;
	size_t i, plen, used;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		socketmap_answer(lists, (const uint8_t *)answers[i].request,
				 strlen(answers[i].request), &res);
		TMX_CHECKF(strcmp(res.reply, answers[i].reply) == 0,
			   "\"%s\": got \"%s\"", answers[i].request, res.reply);
		/* the frame sent is the reply as one whole netstring */
		TMX_CHECKF(socketmap_parse((const uint8_t *)res.frame,
					   res.frame_len, &payload, &plen, &used,
					   &why) == SOCKETMAP_DONE &&
			   used == res.frame_len &&
			   plen == strlen(res.reply) &&
			   memcmp(payload, res.reply, plen) == 0,
			   "\"%s\": frame \"%s\"", res.reply, res.frame);
		TMX_CHECK((res.which == SOCKETMAP_PERM_MAP) ==
			  (strncmp(res.reply, "PERM ", 5) == 0));
	}
}

static const struct {
	const char *name;
	const char *in;
	enum policy_status status;
	size_t consumed;
	const char *client;	/* NULL: none */
} policies[] = {
	{ "whole", "request=smtpd_access_policy\nclient_address=192.0.2.1\n\n",
	  POLICY_DONE, 54, "192.0.2.1" },
	{ "crlf", "client_address=192.0.2.1\r\n\r\n", POLICY_DONE, 28, "192.0.2.1" },
	{ "partial", "request=smtpd_access_policy\nclient_add", POLICY_MORE, 28, NULL },
	{ "no end", "client_address=2001:db8::1\n", POLICY_MORE, 27, "2001:db8::1" },
	{ "two", "client_address=192.0.2.1\n\nclient_address=192.0.2.2\n\n",
	  POLICY_DONE, 26, "192.0.2.1" },
	{ "unknown attrs", "foo=bar\nx=\nclient_address=192.0.2.9\nzzz=1=2\n\n",
	  POLICY_DONE, 45, "192.0.2.9" },
	{ "empty", "\n", POLICY_DONE, 1, NULL },
	{ "no equals", "client_address 192.0.2.1\n\n", POLICY_INVALID, 0, NULL },
	{ "empty name", "=x\n\n", POLICY_INVALID, 0, NULL },
	{ "NUL", "a=b\0c\n\n", POLICY_INVALID, 0, NULL },
	{ "long address", "client_address=1234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890\n\n", POLICY_DONE, 97, NULL },
};

/* test_policy_lines - policy delegation framing */
static void
test_policy_lines(void)
{
	size_t i;

	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct policy_req req;
		size_t len = strlen(policies[i].in), consumed = 0;
		const char *why = NULL;
		enum policy_status st;

		if (strcmp(policies[i].name, "NUL") == 0)
			len = 7;
		policy_reset(&req);
		st = policy_feed(&req, (const uint8_t *)policies[i].in, len,
				 &consumed, &why);
		TMX_CHECKF(st == policies[i].status, "%s: %d", policies[i].name, st);
		if (st == POLICY_INVALID) {
			TMX_CHECKF(why != NULL, "%s", policies[i].name);
			continue;
		}
		TMX_CHECKF(consumed == policies[i].consumed, "%s: %zu",
			   policies[i].name, consumed);
		TMX_CHECKF(req.have_client == (policies[i].client != NULL),
			   "%s", policies[i].name);
		if (policies[i].client != NULL)
			TMX_CHECK_STR(req.client_address, policies[i].client);
	}
}

/* test_policy_limits - 8192-byte values pass, longer ones do not */
static void
test_policy_limits(void)
{
	size_t vlen[] = { POLICY_VALUE_MAX, POLICY_VALUE_MAX + 1 };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *buf = malloc(vlen[i] + 16);
		struct policy_req req;
		size_t consumed;
		const char *why;
		enum policy_status st;

		memcpy(buf, "big=", 4);
		memset(buf + 4, 'x', vlen[i]);
		memcpy(buf + 4 + vlen[i], "\n\n", 2);
		policy_reset(&req);
		st = policy_feed(&req, (uint8_t *)buf, vlen[i] + 6, &consumed, &why);
		TMX_CHECKF(st == (i == 0 ? POLICY_DONE : POLICY_INVALID),
			   "value of %zu bytes: %d", vlen[i], st);
		/* without its newline yet: more, or too long already */
		policy_reset(&req);
		st = policy_feed(&req, (uint8_t *)buf, vlen[i] + 4, &consumed, &why);
		TMX_CHECKF(st == POLICY_MORE, "unfinished %zu: %d", vlen[i], st);
		free(buf);
	}
	{
		size_t big = POLICY_LINE_MAX + 10;
		char *buf = malloc(big);
		struct policy_req req;
		size_t consumed;
		const char *why;

		memset(buf, 'y', big);
		policy_reset(&req);
		TMX_CHECK(policy_feed(&req, (uint8_t *)buf, big, &consumed,
				      &why) == POLICY_INVALID);
		free(buf);
	}
}

/* main - build small lists by hand, run the tables */
int
main(void)
{
	char *names[] = { "relay_networks: test", "proxy_networks: test",
			  "deny_networks: test", "allow_networks: test" };
	struct lists lists;

	memset(&lists, 0, sizeof(lists));
	lists.set[LIST_RELAY] = test_set("192.0.2.0/24\n2001:db8::/32\n", 0);
	lists.set[LIST_PROXY] = test_set("198.51.100.0/24\n", 1);
	lists.set[LIST_DENY] = test_set("203.0.113.0/24\n192.0.2.200\n"
					"2001:db8:dead::/48\n", 2);
	/* allow_networks holds the proxy and a deny range: they win */
	lists.set[LIST_ALLOW] = test_set("198.51.100.0/23\n203.0.113.0/24\n",
					 3);
	lists.source_names = names;
	lists.nsources = 4;
	pd_verdict_build(&lists);
	test_netstrings();
	test_answers(&lists);
	test_precedence(&lists);
	test_policy_lines();
	test_policy_limits();
	tmx_cidrset_free(lists.set[LIST_RELAY]);
	tmx_cidrset_free(lists.set[LIST_PROXY]);
	tmx_cidrset_free(lists.set[LIST_DENY]);
	tmx_cidrset_free(lists.set[LIST_ALLOW]);
	tmx_cidrset_free(lists.verdict);
	return TMX_TEST_END();
}
