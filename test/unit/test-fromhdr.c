/*
 * test-fromhdr.c - From header values as DMARC needs them: the one author
 * domain, several addresses, groups, comments and quoted display names
 * that hide '@' or ',', and junk that must be an error rather than a guess.
 */
#include <string.h>

#include "fromhdr.h"
#include "tmx-test.h"

struct from_case {
	const char *value;
	int rc;
	unsigned naddrs, ndomains;
	const char *domain;
};

static const struct from_case cases[] = {
	{ "alice@Example.ORG", 0, 1, 1, "example.org" },
	{ " Alice <alice@example.org>", 0, 1, 1, "example.org" },
	{ "\"Bob, @evil.example\" <bob@good.example>", 0, 1, 1, "good.example" },
	{ "a@one.example, b@two.example", 0, 2, 2, "one.example" },
	{ "a@same.example, B <b@SAME.example>", 0, 2, 1, "same.example" },
	{ "(comment@x.example) c@real.example", 0, 1, 1, "real.example" },
	{ "Team: a@g.example, b@h.example;", 0, 2, 2, "g.example" },
	{ "undisclosed-recipients:;", 0, 0, 0, "" },
	{ "nobody", 0, 1, 0, "" },
	{ "<a@b.example", -1, 0, 0, NULL },
	{ "\"unterminated <a@b.example>", -1, 0, 0, NULL },
	{ "x@bad\xc3\xa9.example", -1, 0, 0, NULL },
	{ "x@evil.example;dkim=pass", 0, 2, 1, "evil.example" },
	{ "Name <x@d.example.>", 0, 1, 1, "d.example" },
	{ "", 0, 0, 0, "" },
	{ "x@.", -1, 0, 0, NULL },
	{ "x@.example", -1, 0, 0, NULL },
	{ "x@a..example", -1, 0, 0, NULL },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct from_case *t = &cases[i];
		struct fromhdr r;
		const char *err = NULL;
		int rc = fromhdr_parse(t->value, strlen(t->value), &r, &err);

		TMX_CHECKF(rc == t->rc, "case %zu (%s): rc %d", i, t->value, rc);
		if (rc != 0) {
			TMX_CHECKF(err != NULL, "case %zu: no reason", i);
			continue;
		}
		TMX_CHECKF(r.naddrs == t->naddrs, "case %zu: naddrs %u", i,
			   r.naddrs);
		TMX_CHECKF(r.ndomains == t->ndomains, "case %zu: ndomains %u", i,
			   r.ndomains);
		TMX_CHECK_STR(r.domain, t->domain);
	}
	return TMX_TEST_END();
}
