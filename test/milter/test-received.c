/*
 * test-received.c - the Received-line parser on the forms real relays
 * write (Postfix, Sendmail, Exim, IPv6, unknown rDNS) and on junk.
 */
#include <string.h>

#include "received.h"
#include "../unit/tmx-test.h"

struct rcv_case {
	const char *value;
	int rc;
	const char *helo, *rdns, *addr, *by;
};

static const struct rcv_case cases[] = {
	{ "from mail.example.org (mail.example.org [203.0.113.9])\r\n\tby "
	  "backup.example.net (Postfix) with ESMTP id 4Xy; Sun, 22 Nov 2026",
	  0, "mail.example.org", "mail.example.org", "203.0.113.9",
	  "backup.example.net" },
	{ "from helo.example (unknown [198.51.100.7]) by mx2.example.net",
	  0, "helo.example", "", "198.51.100.7", "mx2.example.net" },
	{ "from [203.0.113.5] (helo=forged.example) by relay.example",
	  0, "forged.example", "", "203.0.113.5", "relay.example" },
	{ "from rdns.example.org ([192.0.2.44] helo=mail.example.org)\n by "
	  "relay.example with esmtps (Exim 4.96)",
	  0, "mail.example.org", "rdns.example.org", "192.0.2.44",
	  "relay.example" },
	{ "from v6.example (v6.example [IPv6:2001:db8::25]) by mx.example",
	  0, "v6.example", "v6.example", "2001:db8::25", "mx.example" },
	{ "from s.example (host.example [192.0.2.9] (may be forged)) by x.y",
	  0, "s.example", "host.example", "192.0.2.9", "x.y" },
	{ "from localhost by mx.example (Postfix, from userid 0)",
	  0, "localhost", "", NULL, "mx.example" },
	{ "by mx.example (Postfix) id 123", -1, NULL, NULL, NULL, NULL },
	{ "from (unterminated [192.0.2.1] by x", -1, NULL, NULL, NULL, NULL },
	{ "from a\"b (x [192.0.2.1]) by y", -1, NULL, NULL, NULL, NULL },
	{ "from ok.example (x [999.1.1.1]) by y", 0, "ok.example", "x", NULL,
	  "y" },
	{ "", -1, NULL, NULL, NULL, NULL },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcv_case *t = &cases[i];
		struct received_info r;
		const char *err = NULL;
		char buf[TMX_ADDR_STRLEN];
		int rc = received_parse(t->value, strlen(t->value), &r, &err);

		TMX_CHECKF(rc == t->rc, "case %zu: rc %d", i, rc);
		if (rc != 0) {
			TMX_CHECKF(err != NULL, "case %zu: no reason", i);
			continue;
		}
		TMX_CHECK_STR(r.helo, t->helo);
		TMX_CHECK_STR(r.rdns, t->rdns);
		TMX_CHECK_STR(r.by, t->by);
		if (t->addr == NULL)
			TMX_CHECKF(!r.has_addr, "case %zu: unexpected address", i);
		else
			TMX_CHECK_STR(r.has_addr ? tmx_addr_format(&r.addr, buf,
			    sizeof(buf)) : "none", t->addr);
	}
	return TMX_TEST_END();
}
