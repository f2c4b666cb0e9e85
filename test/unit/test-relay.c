/*
 * test-relay.c - relay recovery on the Received chains a backup MX leaves:
 * one hop, two trusted hops, our own MTA's line shown to the milter, a
 * forged line below the relay's, missing and unparsable lines, hostile
 * HELOs, and relay_format pinning each relay's layout (parsing included).
 */
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "tmx-test.h"

#define RELAY_A "192.0.2.25"		/* the backup MX connecting to us */
#define RELAY_B "198.51.100.30"		/* a second trusted relay behind it */

struct relay_case {
	const char *name;
	const char *lines[4];
	bool usable;
	const char *client, *helo, *last_relay;
	unsigned hops, skipped;
	bool by_mismatch;
	const char *format;	/* relay_format; NULL: auto */
};

static const struct relay_case cases[] = {
	{ "one hop",
	  { "from mail.sender.example (mail.sender.example [203.0.113.9]) "
	    "by backup.relay.example (Postfix) with ESMTP id X1; date" },
	  true, "203.0.113.9", "mail.sender.example", RELAY_A, 1, 0, false },
	{ "our own line shown first, then the relay's",
	  { "from backup.relay.example (backup.relay.example [" RELAY_A "]) "
	    "by mx.test.example (Postfix)",
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
	{ "hostile HELO literal through Postfix: the observed address wins",
	  { "from [192.0.2.10] (unknown [203.0.113.66]) by "
	    "backup.relay.example (Postfix) with ESMTP id 1" },
	  true, "203.0.113.66", "[192.0.2.10]", RELAY_A, 1, 0, false },
	{ "hostile HELO literal through Sendmail",
	  { "from [192.0.2.10] (host.example [198.51.100.80]) by "
	    "backup.relay.example (8.17.1/8.17.1) with ESMTP id x" },
	  true, "198.51.100.80", "[192.0.2.10]", RELAY_A, 1, 0, false },
	{ "hostile IPv6 HELO literal through Postfix",
	  { "from [IPv6:2001:db8::25] (unknown [IPv6:2001:db8::26]) by "
	    "backup.relay.example (Postfix)" },
	  true, "2001:db8::26", "[IPv6:2001:db8::25]", RELAY_A, 1, 0, false },
	{ "a comment smuggled in by an unsanitised HELO: refused",
	  { "from x (y [192.0.2.10]) (unknown [203.0.113.66]) by "
	    "backup.relay.example" },
	  false, NULL, NULL, RELAY_A, 0, 0, false },
	{ "a by clause smuggled in: refused",
	  { "from x (y [192.0.2.10]) by backup.relay.example (unknown "
	    "[203.0.113.66]) by backup.relay.example" },
	  false, NULL, NULL, RELAY_A, 0, 0, false },
	{ "Exim relay, auto",
	  { "from [203.0.113.66] (port=4242 helo=[192.0.2.10]) by "
	    "backup.relay.example with esmtp (Exim 4.96) id 1" },
	  true, "203.0.113.66", "[192.0.2.10]", RELAY_A, 1, 0, false },
	{ "pinned to postfix, an Exim line is refused",
	  { "from [203.0.113.66] (port=4242 helo=[192.0.2.10]) by "
	    "backup.relay.example with esmtp (Exim 4.96) id 1" },
	  false, NULL, NULL, RELAY_A, 0, 0, false, "postfix" },
	{ "pinned per relay: the outer relay exim, the inner qmail",
	  { "from inner.relay.example ([" RELAY_B "]:1234 helo=in.example) "
	    "by backup.relay.example with esmtp (Exim 4.96) id 1",
	    "from unknown (HELO [192.0.2.10]) (203.0.113.66) by "
	    "in.example with SMTP" },
	  true, "203.0.113.66", "[192.0.2.10]", RELAY_B, 2, 0, false,
	  "exim:" RELAY_A "/32 qmail:" RELAY_B "/32" },
	{ "pinned exim reads a bare address line that auto refuses",
	  { "from [203.0.113.5] by backup.relay.example with esmtp "
	    "(Exim 4.96)" },
	  true, "203.0.113.5", "", RELAY_A, 1, 0, false, "exim" },
	{ "auto with the product name: a bare address line",
	  { "from [203.0.113.5] by backup.relay.example with esmtp "
	    "(Exim 4.96)" },
	  true, "203.0.113.5", "", RELAY_A, 1, 0, false },
	{ "auto without the product name: a bare address is refused",
	  { "from [203.0.113.5] by backup.relay.example with esmtp" },
	  false, NULL, NULL, RELAY_A, 0, 0, false },
};

/* relay_format values that must not load */
static const char *bad_formats[] = {
	"postfixx", "postfix exim", "exim:192.0.2.1/24", "exim:nonsense",
	"qmail:[2001:db8::]/129", "exim:", ":192.0.2.0/24",
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

		struct relay_format *rf = NULL;
		char err[256];

		while (n < 4 && t->lines[n] != NULL)
			n++;
		if (t->format != NULL)
			TMX_CHECKF(relay_format_parse(t->format, &rf, err,
				   sizeof(err)) == 0, "%s: %s", t->name, err);
		relay_recover(set, rf, &peer, (char *const *)t->lines, n, &r);
		relay_format_free(rf);
		TMX_CHECKF(r.usable == t->usable, "%s", t->name);
		TMX_CHECKF(r.hops == t->hops, "%s: hops %u", t->name, r.hops);
		TMX_CHECKF(r.skipped == t->skipped, "%s", t->name);
		TMX_CHECKF(r.by_mismatch == t->by_mismatch, "%s", t->name);
		TMX_CHECK_STR(tmx_addr_format(&r.last_relay, buf, sizeof(buf)),
			      t->last_relay);
		if (!t->usable) {
			/* the metrics' reason code says what the note says */
			enum relay_fallback want = RELAY_FALLBACK_UNPARSABLE;

			if (strstr(r.note, "no Received line written") != NULL)
				want = RELAY_FALLBACK_NO_RECEIVED;
			else if (strstr(r.note, "too many trusted relays") != NULL)
				want = RELAY_FALLBACK_TOO_MANY_HOPS;
			TMX_CHECKF(r.note[0] != '\0', "%s: no note", t->name);
			TMX_CHECKF(r.fallback == want, "%s: fallback %d", t->name,
				   (int)r.fallback);
			continue;
		}
		TMX_CHECKF(r.fallback == RELAY_FALLBACK_NONE, "%s", t->name);
		TMX_CHECK_STR(tmx_addr_format(&r.client, buf, sizeof(buf)),
			      t->client);
		TMX_CHECK_STR(r.helo, t->helo);
	}
	for (size_t i = 0; i < sizeof(bad_formats) / sizeof(bad_formats[0]); i++) {
		struct relay_format *rf = NULL;
		char err[256] = "";

		TMX_CHECKF(relay_format_parse(bad_formats[i], &rf, err,
			   sizeof(err)) < 0 && err[0] != '\0', "%s",
			   bad_formats[i]);
	}
	tmx_cidrset_free(set);
	return TMX_TEST_END();
}
