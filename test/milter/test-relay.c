/*
 * test-relay.c - relay recovery on the Received chains a backup MX leaves:
 * one hop, two trusted hops, our own MTA's line shown to the milter, a
 * forged line below the relay's, missing and unparsable lines.
 */
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "../unit/tmx-test.h"

#define RELAY_A "192.0.2.25"		/* the backup MX connecting to us */
#define RELAY_B "198.51.100.30"		/* a second trusted relay behind it */

struct relay_case {
	const char *name;
	const char *lines[4];
	bool usable;
	const char *client, *helo, *last_relay;
	unsigned hops, skipped;
	bool by_mismatch;
};

static const struct relay_case cases[] = {
	{ "one hop",
	  { "from mail.sender.example (mail.sender.example [203.0.113.9]) "
	    "by backup.relay.example (Postfix) with ESMTP id X1; date" },
	  true, "203.0.113.9", "mail.sender.example", RELAY_A, 1, 0, false },
	{ "our own line shown first, then the relay's",
	  { "from backup.relay.example (backup.relay.example [" RELAY_A "]) "
	    "by mx.test.example (Exim)",
	    "from s.example (s.example [203.0.113.10]) by backup.relay.example" },
	  true, "203.0.113.10", "s.example", RELAY_A, 1, 1, false },
	{ "two trusted hops",
	  { "from inner.relay.example (inner.relay.example [" RELAY_B "]) "
	    "by backup.relay.example",
	    "from orig.example (orig.example [2001:db8::7]) by inner.relay.example",
	    "from forged.example ([192.0.2.200]) by nowhere.example" },
	  true, "2001:db8::7", "orig.example", RELAY_B, 2, 0, false },
	{ "forged line below the relay's is never read",
	  { "from bad.example (unknown [203.0.113.66]) by backup.relay.example",
	    "from good.example (good.example [192.0.2.1]) by backup.relay.example" },
	  true, "203.0.113.66", "bad.example", RELAY_A, 1, 0, false },
	{ "by names another host",
	  { "from x.example (x.example [203.0.113.5]) by someone.else.example" },
	  true, "203.0.113.5", "x.example", RELAY_A, 1, 0, true },
	{ "no Received line", { NULL }, false, NULL, NULL, RELAY_A, 0, 0, false },
	{ "relay line without address",
	  { "from localhost by backup.relay.example (Postfix, from userid 0)" },
	  false, NULL, NULL, RELAY_A, 0, 0, false },
	{ "unparsable relay line", { "by backup.relay.example id 4" },
	  false, NULL, NULL, RELAY_A, 0, 0, false },
	{ "trusted hop with nothing below it",
	  { "from inner.relay.example ([" RELAY_B "]) by backup.relay.example" },
	  false, NULL, NULL, RELAY_B, 1, 0, false },
};

/* test_set - relay_networks for the cases */
static struct tmx_cidrset *
test_set(void)
{
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	char err[128];

	tmx_cidrset_builder_parse_list(b, "test", RELAY_A "\n" RELAY_B "\n",
				       strlen(RELAY_A "\n" RELAY_B "\n"), 0,
				       err, sizeof(err));
	return tmx_cidrset_build(b);
}

int
main(void)
{
	struct tmx_cidrset *set = test_set();
	struct relay_peer peer = { .helo = "backup.relay.example",
				   .rdns = "backup.relay.example" };

	TMX_CHECK(set != NULL);
	tmx_addr_parse(RELAY_A, &peer.addr);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct relay_case *t = &cases[i];
		struct relay_recovery r;
		char buf[TMX_ADDR_STRLEN];
		size_t n = 0;

		while (n < 4 && t->lines[n] != NULL)
			n++;
		relay_recover(set, &peer, (char *const *)t->lines, n, &r);
		TMX_CHECKF(r.usable == t->usable, "%s", t->name);
		TMX_CHECKF(r.hops == t->hops, "%s: hops %u", t->name, r.hops);
		TMX_CHECKF(r.skipped == t->skipped, "%s", t->name);
		TMX_CHECKF(r.by_mismatch == t->by_mismatch, "%s", t->name);
		TMX_CHECK_STR(tmx_addr_format(&r.last_relay, buf, sizeof(buf)),
			      t->last_relay);
		if (!t->usable) {
			TMX_CHECKF(r.note[0] != '\0', "%s: no note", t->name);
			continue;
		}
		TMX_CHECK_STR(tmx_addr_format(&r.client, buf, sizeof(buf)),
			      t->client);
		TMX_CHECK_STR(r.helo, t->helo);
	}
	tmx_cidrset_free(set);
	return TMX_TEST_END();
}
