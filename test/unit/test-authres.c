/*
 * test-authres.c - Authentication-Results values: exact output for the
 * usual results, and hostile domain names that must not inject anything.
 */
#include <string.h>

#include "authres.h"
#include "tmx-test.h"

int
main(void)
{
	struct authres ar;
	char buf[512];

	authres_init(&ar, buf, sizeof(buf), "mx.example.net");
	authres_method(&ar, "spf", "softfail");
	authres_comment(&ar, "recovered client 203.0.113.9 via relay 192.0.2.2");
	authres_prop(&ar, "smtp.mailfrom", "example.org");
	authres_method(&ar, "dkim", "pass");
	authres_prop(&ar, "header.d", "example.org");
	authres_prop(&ar, "header.s", "sel1");
	TMX_CHECK_STR(authres_finish(&ar),
	    "mx.example.net;\n\tspf=softfail (recovered client 203.0.113.9 "
	    "via relay 192.0.2.2) smtp.mailfrom=example.org;\n\tdkim=pass "
	    "header.d=example.org header.s=sel1");

	authres_init(&ar, buf, sizeof(buf), "mx.example.net");
	TMX_CHECK_STR(authres_finish(&ar), "mx.example.net; none");

	/* A forged domain trying to end the header value and add a method */
	authres_init(&ar, buf, sizeof(buf), "mx.example.net");
	authres_method(&ar, "dmarc", "fail");
	authres_prop(&ar, "header.from", "evil.example; dkim=pass\r\nX-Spam: no");
	authres_comment(&ar, "a) b\\ (c\x01");
	TMX_CHECK_STR(authres_finish(&ar),
	    "mx.example.net;\n\tdmarc=fail header.from=\"evil.example; "
	    "dkim=pass??X-Spam: no\" (a\\) b\\\\ \\(c?)");
	TMX_CHECK(strchr(buf, '\r') == NULL);

	/* quotes and 8-bit bytes */
	authres_init(&ar, buf, sizeof(buf), "mx");
	authres_method(&ar, "spf", "pass");
	authres_prop(&ar, "smtp.helo", "a\"b\xc3\xa9");
	TMX_CHECK_STR(authres_finish(&ar),
	    "mx;\n\tspf=pass smtp.helo=\"a\\\"b??\"");

	/* overflow is reported, never truncated silently */
	char tiny[24];
	authres_init(&ar, tiny, sizeof(tiny), "mx.example.net");
	authres_method(&ar, "spf", "pass");
	authres_prop(&ar, "smtp.mailfrom", "example.org");
	TMX_CHECK(authres_finish(&ar) == NULL);

	TMX_CHECK(authres_is_token("example.org"));
	TMX_CHECK(!authres_is_token("a b"));
	TMX_CHECK(!authres_is_token(""));
	TMX_CHECK(!authres_is_token("x;y"));
	return TMX_TEST_END();
}
