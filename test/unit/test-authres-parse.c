/*
 * test-authres-parse.c - the Authentication-Results reader: RFC 8601
 * Appendix B, what Gmail, Microsoft 365, Mailman, rspamd, Halon and
 * Fastmail write, CFWS in every place the grammar allows it, each error
 * with its reason, the limits, and values from our own writer read back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "authres_parse.h"
#include "tmx-test.h"

/* "L" builds a value with its length, so NULs and 8-bit bytes can be in it */
#define L(s) s, sizeof(s) - 1

struct parse_ok {
	const char *name;
	const char *value;
	size_t len;
	const char *dump;	/* what dump_parsed() makes of the result */
};

struct parse_bad {
	const char *name;
	const char *value;
	size_t len;
	const char *reason;
	size_t error_at;	/* SIZE_MAX: not checked */
};

static char dumpbuf[16384];

/* dump_add - append to dumpbuf */
static void
dump_add(const char *s)
{
	size_t n = strlen(dumpbuf);

	snprintf(dumpbuf + n, sizeof(dumpbuf) - n, "%s", s);
}

/*
 * dump_parsed - one line for a parse: "ID[/VERSION]" then "; none" or per
 * result "; method[/v]=result[ reason=[r]]" and " ptype.property=[value]"
 */
static const char *
dump_parsed(const struct authres_parsed *p)
{
	dumpbuf[0] = '\0';
	dump_add(p->authserv_id);
	if (p->version) {
		dump_add("/");
		dump_add(p->version);
	}
	if (p->none)
		dump_add("; none");
	for (unsigned i = 0; i < p->nresults; i++) {
		const struct authres_result *r = &p->result[i];

		dump_add("; ");
		dump_add(r->method);
		if (r->version) {
			dump_add("/");
			dump_add(r->version);
		}
		dump_add("=");
		dump_add(r->result);
		if (r->reason) {
			dump_add(" reason=[");
			dump_add(r->reason);
			dump_add("]");
		}
		for (unsigned j = 0; j < r->nprops; j++) {
			dump_add(" ");
			dump_add(r->props[j].ptype);
			dump_add(".");
			dump_add(r->props[j].property);
			dump_add("=[");
			dump_add(r->props[j].value);
			dump_add("]");
		}
	}
	return dumpbuf;
}

static const struct parse_ok ok_rows[] = {
	/* RFC 8601 Appendix B */
	{ "B.2", L("example.org 1; none"), "example.org/1; none" },
	{ "B.3", L("example.com;\r\n                  spf=pass "
	    "smtp.mailfrom=example.net"),
	    "example.com; spf=pass smtp.mailfrom=[example.net]" },
	{ "B.4 first", L("example.com;\r\n                  auth=pass "
	    "(cram-md5) smtp.auth=sender@example.net;\r\n"
	    "                  spf=pass smtp.mailfrom=example.net"),
	    "example.com; auth=pass smtp.auth=[sender@example.net]; "
	    "spf=pass smtp.mailfrom=[example.net]" },
	{ "B.4 second", L("example.com; iprev=pass\r\n"
	    "                  policy.iprev=192.0.2.200"),
	    "example.com; iprev=pass policy.iprev=[192.0.2.200]" },
	{ "B.5 second", L("example.com;\r\n              sender-id=fail "
	    "header.from=example.com;\r\n              dkim=pass (good "
	    "signature) header.d=example.com"),
	    "example.com; sender-id=fail header.from=[example.com]; "
	    "dkim=pass header.d=[example.com]" },
	{ "B.6", L("example.com;\r\n              dkim=pass reason=\"good "
	    "signature\"\r\n                header.i=@mail-router.example.net;"
	    "\r\n              dkim=fail reason=\"bad signature\"\r\n"
	    "                header.i=@newyork.example.com"),
	    "example.com; dkim=pass reason=[good signature] "
	    "header.i=[@mail-router.example.net]; dkim=fail "
	    "reason=[bad signature] header.i=[@newyork.example.com]" },
	{ "B.7 comments everywhere", L("foo.example.net (foobar) 1 (baz);\r\n"
	    "              dkim (Because I like it) / 1 (One yay) = (wait for "
	    "it) fail\r\n                policy (A dot can go here) . (like "
	    "that) expired\r\n                (this surprised me) = (as I "
	    "wasn't expecting it) 1362471462"),
	    "foo.example.net/1; dkim/1=fail policy.expired=[1362471462]" },

	/* Gmail A-R and AAR */
	{ "gmail", L("mx.google.com;\r\n       dkim=pass "
	    "header.i=@example.com header.s=20230601 header.b=\"Jz5/oaGd\";\r\n"
	    "       spf=pass (google.com: domain of alice@example.com "
	    "designates 209.85.220.41 as permitted sender) "
	    "smtp.mailfrom=alice@example.com;\r\n       dmarc=pass (p=NONE "
	    "sp=QUARANTINE dis=NONE) header.from=example.com"),
	    "mx.google.com; dkim=pass header.i=[@example.com] "
	    "header.s=[20230601] header.b=[Jz5/oaGd]; spf=pass "
	    "smtp.mailfrom=[alice@example.com]; dmarc=pass "
	    "header.from=[example.com]" },
	{ "gmail AAR", L(" mx.google.com;\r\n       dkim=pass "
	    "header.i=@lists.example.org header.s=s1 header.b=Xw1Fk3h+;\r\n"
	    "       arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass "
	    "dkdomain=example.com dmarc=pass fromdomain=example.com);\r\n"
	    "       spf=pass (google.com: domain of bounce@lists.example.org "
	    "designates 2607:f8b0:4864:20::62f as permitted sender) "
	    "smtp.mailfrom=\"bounce@lists.example.org\";\r\n       dmarc=pass "
	    "(p=REJECT sp=REJECT dis=NONE arc=pass) header.from=example.com;"
	    "\r\n       dara=pass header.i=@gmail.com"),
	    "mx.google.com; dkim=pass header.i=[@lists.example.org] "
	    "header.s=[s1] header.b=[Xw1Fk3h+]; arc=pass; spf=pass "
	    "smtp.mailfrom=[bounce@lists.example.org]; dmarc=pass "
	    "header.from=[example.com]; dara=pass header.i=[@gmail.com]" },

	/* Microsoft 365: no authserv-id, action=, reason=, trailing ';' */
	{ "m365 A-R", L("spf=pass (sender IP is 192.0.2.1) "
	    "smtp.mailfrom=example.com; dkim=pass (signature was verified) "
	    "header.d=example.com;dmarc=pass action=none "
	    "header.from=example.com;compauth=pass reason=100"),
	    "; spf=pass smtp.mailfrom=[example.com]; dkim=pass "
	    "header.d=[example.com]; dmarc=pass .action=[none] "
	    "header.from=[example.com]; compauth=pass reason=[100]" },
	{ "m365 A-R unsigned", L("spf=none (sender IP is 2a01:111:f400:7e1a::"
	    "200) smtp.mailfrom=example.com; dkim=none (message not signed) "
	    "header.d=none;dmarc=none action=none header.from=example.com;"),
	    "; spf=none smtp.mailfrom=[example.com]; dkim=none "
	    "header.d=[none]; dmarc=none .action=[none] "
	    "header.from=[example.com]" },
	{ "m365 AAR", L(" mx.microsoft.com 1; spf=pass "
	    "smtp.mailfrom=contoso.com; dmarc=pass action=none "
	    "header.from=contoso.com; dkim=pass header.d=contoso.com; "
	    "arc=pass (0 oda=1 ltdi=1 spf=[1,1,smtp.mailfrom=contoso.com] "
	    "dkim=[1,1,header.d=contoso.com] dmarc=[1,1,header.from="
	    "contoso.com])"),
	    "mx.microsoft.com/1; spf=pass smtp.mailfrom=[contoso.com]; "
	    "dmarc=pass .action=[none] header.from=[contoso.com]; dkim=pass "
	    "header.d=[contoso.com]; arc=pass" },
	{ "m365 dmarc oreject", L("spf=fail (sender IP is 192.0.2.1) "
	    "smtp.mailfrom=example.com; dmarc=fail action=oreject "
	    "header.from=example.com;compauth=fail reason=000"),
	    "; spf=fail smtp.mailfrom=[example.com]; dmarc=fail "
	    ".action=[oreject] header.from=[example.com]; compauth=fail "
	    "reason=[000]" },

	/* Mailman 3, rspamd, Halon, Fastmail */
	{ "mailman AAR", L("mail.python.org; dkim=pass header.d=example.com "
	    "header.i=@example.com header.a=rsa-sha256 header.s=sel "
	    "header.b=AbCd1234; dmarc=pass (Used From Domain Record) "
	    "header.from=example.com policy.dmarc=reject; arc=none"),
	    "mail.python.org; dkim=pass header.d=[example.com] "
	    "header.i=[@example.com] header.a=[rsa-sha256] header.s=[sel] "
	    "header.b=[AbCd1234]; dmarc=pass header.from=[example.com] "
	    "policy.dmarc=[reject]; arc=none" },
	{ "rspamd AAR", L("mx.example.net;\n\tdkim=pass header.d=example.com "
	    "header.s=dkim header.b=Ab+/cd3F;\n\tdmarc=pass (policy=reject) "
	    "header.from=example.com;\n\tspf=pass (mx.example.net: domain of "
	    "\"bounce+abc=x@example.com\" designates 192.0.2.1 as permitted "
	    "sender) smtp.mailfrom=\"bounce+abc=x@example.com\""),
	    "mx.example.net; dkim=pass header.d=[example.com] "
	    "header.s=[dkim] header.b=[Ab+/cd3F]; dmarc=pass "
	    "header.from=[example.com]; spf=pass "
	    "smtp.mailfrom=[bounce+abc=x@example.com]" },
	{ "halon", L("mx.halon.io;\r\n\tspf=pass smtp.mailfrom=SRS0=hF3x=AB="
	    "example.com=user@fwd.example.org smtp.helo=[192.0.2.7];\r\n\t"
	    "dkim=pass header.d=example.com header.s=x header.b=q7/RJ1+a;\r\n"
	    "\tarc=pass (i=2 spf=pass spfdomain=example.com)"),
	    "mx.halon.io; spf=pass smtp.mailfrom=[SRS0=hF3x=AB=example.com="
	    "user@fwd.example.org] smtp.helo=[[192.0.2.7]]; dkim=pass "
	    "header.d=[example.com] header.s=[x] header.b=[q7/RJ1+a]; "
	    "arc=pass" },
	{ "fastmail", L("mx3.messagingengine.com;\r\n    x-csa=none;\r\n"
	    "    x-me-sender=none;\r\n    x-ptr=pass smtp.helo=mail.example.com"
	    " policy.ptr=mail.example.com;\r\n    iprev=pass "
	    "smtp.remote-ip=2001:db8::25 (mail.example.com);\r\n    "
	    "bimi=skipped (DMARC Policy is not at enforcement)"),
	    "mx3.messagingengine.com; x-csa=none; x-me-sender=none; "
	    "x-ptr=pass smtp.helo=[mail.example.com] "
	    "policy.ptr=[mail.example.com]; iprev=pass "
	    "smtp.remote-ip=[2001:db8::25]; bimi=skipped" },

	/* case, CFWS, quoting */
	{ "keywords lower-cased, values kept", L("MX.Example.NET; SPF=PASS "
	    "SMTP.MailFrom=User@Example.COM; DKIM/1=Fail Reason=\"Bad\" "
	    "HEADER.D=Example.COM"),
	    "MX.Example.NET; spf=pass smtp.mailfrom=[User@Example.COM]; "
	    "dkim/1=fail reason=[Bad] header.d=[Example.COM]" },
	{ "NONE upper case, trailing fold", L("mx; NONE\r\n"),
	    "mx; none" },
	{ "none with comment and trailing ';'", L("mx;none (nothing) ; "),
	    "mx; none" },
	{ "method called none", L("mx; none=pass"), "mx; none=pass" },
	{ "method none/1", L("mx; none/1=pass"), "mx; none/1=pass" },
	{ "quoted authserv-id", L("\"mx \\\"1\\\"\" 2; spf=pass"),
	    "mx \"1\"/2; spf=pass" },
	{ "quoted empty authserv-id", L("\"\"; arc=fail"), "; arc=fail" },
	{ "nested comments", L("(a (b (c) \\) d) e) mx (x(y)z) ; "
	    "spf=pass (((deep))) smtp.helo=h"),
	    "mx; spf=pass smtp.helo=[h]" },
	{ "comment with 8-bit and quoted-pairs", L("mx; spf=pass "
	    "(r\xc3\xa9sum\xc3\xa9 \\( \\\\ \\\xc3) smtp.mailfrom=a.example"),
	    "mx; spf=pass smtp.mailfrom=[a.example]" },
	{ "comment folded", L("mx; spf=pass (one\r\n two\n\tthree) "
	    "smtp.helo=h"), "mx; spf=pass smtp.helo=[h]" },
	{ "quoted value escapes", L("mx; dmarc=fail header.from=\"evil.example"
	    "; dkim=pass\" policy.x=\"a\\\"b\\\\c\\d\""),
	    "mx; dmarc=fail header.from=[evil.example; dkim=pass] "
	    "policy.x=[a\"b\\cd]" },
	{ "quoted value folded", L("mx; spf=pass policy.x=\"a\r\n b\""),
	    "mx; spf=pass policy.x=[a b]" },
	{ "quoted empty value", L("mx; spf=none smtp.mailfrom=\"\""),
	    "mx; spf=none smtp.mailfrom=[]" },
	{ "quoted local-part", L("mx; spf=pass smtp.mailfrom=\"a b\"@example"
	    ".com"), "mx; spf=pass smtp.mailfrom=[a b@example.com]" },
	{ "quoted value then property, no space", L("mx; dkim=pass "
	    "header.b=\"x/y\"header.d=d.example"),
	    "mx; dkim=pass header.b=[x/y] header.d=[d.example]" },
	{ "spaces around '=' and '.'", L("mx ; spf = pass smtp . mailfrom "
	    "= a@b.example ;dkim= pass"),
	    "mx; spf=pass smtp.mailfrom=[a@b.example]; dkim=pass" },
	{ "no space before ';'", L("mx;spf=pass;dkim=fail;dmarc=none"),
	    "mx; spf=pass; dkim=fail; dmarc=none" },
	{ "comment right after result", L("mx; spf=pass(x)smtp.helo=h"),
	    "mx; spf=pass smtp.helo=[h]" },
	{ "UTF-8 address", L("mx; spf=pass smtp.mailfrom=j\xc3\xb6rg@"
	    "b\xc3\xbc" "cher.example"),
	    "mx; spf=pass smtp.mailfrom=[j\xc3\xb6rg@b\xc3\xbc" "cher.example]" },
	{ "special smtp verbs", L("mx; auth=pass smtp.auth=u smtp.rcptto="
	    "r@x.example smtp.mailfrom=x"),
	    "mx; auth=pass smtp.auth=[u] smtp.rcptto=[r@x.example] "
	    "smtp.mailfrom=[x]" },
	{ "late reason= kept as a property", L("mx; dkim=fail "
	    "header.d=x.example reason=late"),
	    "mx; dkim=fail header.d=[x.example] .reason=[late]" },
	{ "two reasons", L("mx; dkim=fail reason=a reason=b"),
	    "mx; dkim=fail reason=[a] .reason=[b]" },
	{ "underscore keyword", L("mx; x_vendor=ok policy.x_y=1"),
	    "mx; x_vendor=ok policy.x_y=[1]" },
	{ "digits-only keywords", L("mx; 1=2 3.4=5"), "mx; 1=2 3.4=[5]" },
	{ "bare LF folds", L("mx;\n spf=pass\n\tsmtp.helo=h\n"),
	    "mx; spf=pass smtp.helo=[h]" },
};

static const struct parse_bad bad_rows[] = {
	{ "empty", L(""), "no authserv-id", 0 },
	{ "only CFWS", L("  (c) "), "no authserv-id", 6 },
	{ "8-bit authserv-id", L("\xc3\xa9; none"), "bad authserv-id", 0 },
	{ "authserv-id only", L("mx"), "no ';' after the authserv-id", 2 },
	{ "no ';'", L("mx spf=pass"), "no ';' after the authserv-id", 3 },
	{ "no result", L("mx;"), "no result", 3 },
	{ "no result, comment", L("mx; (nothing)"), "no result", 13 },
	{ "bad version", L("mx 1x; none"), "bad version", 4 },
	{ "quoted id, version glued", L("\"mx\"1; none"),
	    "no ';' after the authserv-id", 4 },
	{ "empty result", L("mx; spf=pass;; dkim=pass"), "empty result", 13 },
	{ "leading ';'", L("mx;; spf=pass"), "empty result", 3 },
	{ "text after none", L("mx; none; spf=pass"), "text after none", 10 },
	{ "none junk", L("mx; none!"), "text after none", 8 },
	{ "method without '='", L("mx; spf"), "bad method", 7 },
	{ "method 8-bit", L("mx; sp\xc3\xa9=pass"), "bad method", 6 },
	{ "method ends in '-'", L("mx; spf-=pass"), "bad method", 4 },
	{ "method quoted", L("mx; \"spf\"=pass"), "bad method", 4 },
	{ "method version empty", L("mx; dkim/=pass"), "bad method version", 9 },
	{ "method version junk", L("mx; dkim/1x=pass"), "bad method", 10 },
	{ "method version no '='", L("mx; dkim/1 pass"), "bad method", 11 },
	{ "result missing", L("mx; spf="), "bad result", 8 },
	{ "result missing before ';'", L("mx; spf= ;dkim=pass"),
	    "bad result", 9 },
	{ "result junk", L("mx; spf=pass!"), "bad result", 12 },
	{ "result quoted", L("mx; spf=\"pass\""), "bad result", 8 },
	{ "property without '='", L("mx; spf=pass smtp.mailfrom"),
	    "bad property", 26 },
	{ "property without name", L("mx; spf=pass smtp.=x"),
	    "bad property", 18 },
	{ "property bare word", L("mx; spf=pass smtp"), "bad property", 17 },
	{ "property then junk", L("mx; spf=pass smtp.helo=h !x"),
	    "bad property", 25 },
	{ "stray ')'", L("mx; spf=pass (x))"), "bad property", 16 },
	{ "property value empty", L("mx; spf=pass smtp.mailfrom="),
	    "bad property value", 27 },
	{ "property value empty before ';'",
	    L("mx; spf=pass smtp.mailfrom= ;"), "bad property value", 28 },
	{ "property value two '@'", L("mx; spf=pass smtp.mailfrom=a@b@c"),
	    "bad property value", 27 },
	{ "property value no domain", L("mx; spf=pass smtp.mailfrom=user@"),
	    "bad property value", 27 },
	{ "quoted local-part no domain",
	    L("mx; spf=pass smtp.mailfrom=\"u\"@"), "bad property value", 30 },
	{ "quoted local-part two '@'",
	    L("mx; spf=pass smtp.mailfrom=\"u\"@a@b"), "bad property value",
	    30 },
	{ "property value angle", L("mx; spf=pass smtp.mailfrom=<>"),
	    "bad property value", 27 },
	{ "property value backslash", L("mx; spf=pass policy.x=a\\b"),
	    "bad property", 23 },
	{ "reason empty", L("mx; spf=pass reason="), "bad reason", 20 },
	{ "reason unquoted words", L("mx; dkim=fail reason=bad signature"),
	    "bad property", 34 },
	{ "unterminated comment", L("mx; spf=pass (a (b) c"),
	    "unterminated comment", 13 },
	{ "unterminated comment, backslash", L("mx (\\"),
	    "unterminated comment", 3 },
	{ "unterminated quoted string", L("mx; spf=pass smtp.helo=\"h"),
	    "unterminated quoted string", 23 },
	{ "unterminated quoted string, backslash", L("\"mx\\"),
	    "unterminated quoted string", 0 },
	{ "unterminated quoted authserv-id", L("\"mx; none"),
	    "unterminated quoted string", 0 },
	{ "bad quoted-pair in comment", L("mx (\\\x01); none"),
	    "bad quoted-pair", 4 },
	{ "bad quoted-pair in quotes", L("mx; a=b c.d=\"\\\r\n\""),
	    "bad quoted-pair", 13 },
	{ "control char", L("mx;\x01spf=pass"), "bad method", 3 },
	{ "control char in comment", L("mx (\x7f); none"),
	    "control character", 4 },
	{ "control char in quotes", L("mx; a=b c.d=\"\x1b\""),
	    "control character", 13 },
	{ "NUL", L("mx; spf=pass\0 dkim=pass"), "NUL byte", 12 },
	{ "CR alone", L("mx;\rspf=pass"), "bad line break", 3 },
	{ "CRLF without WSP", L("mx;\r\nspf=pass"), "bad line break", 3 },
	{ "LF without WSP", L("mx; spf=pass\nsmtp.helo=h"),
	    "bad line break", 12 },
	{ "CR at the end", L("mx; none\r"), "bad line break", 8 },
	{ "two line breaks at the end", L("mx; none\r\n\r\n"),
	    "bad line break", 8 },
	{ "CRLF without WSP in comment", L("mx (a\r\nb); none"),
	    "bad line break", 5 },
	{ "CRLF without WSP in quotes", L("\"a\r\nb\"; none"),
	    "bad line break", 2 },
	{ "'<' in a value", L("mx; auth=pass smtp.auth=u smtp.rcptto="
	    "r@x.example smtp.mailfrom=<x"), "bad property value", 64 },
	{ "M365 form, then junk", L("spf=pass smtp.mailfrom=a.example; ;"),
	    "empty result", 34 },
	{ "token id then '.'", L("mx.example.com=pass"), "bad method", 2 },
};

/* test_rows - every row of both tables */
static void
test_rows(struct authres_parsed *p)
{
	const char *err;

	for (size_t i = 0; i < sizeof(ok_rows) / sizeof(ok_rows[0]); i++) {
		const struct parse_ok *t = &ok_rows[i];
		int rc;

		err = NULL;
		rc = authres_parse(t->value, t->len, p, &err);
		TMX_CHECKF(rc == 0, "%s: %s at %zu", t->name,
		    err ? err : "?", p->error_at);
		if (rc == 0)
			TMX_CHECKF(strcmp(dump_parsed(p), t->dump) == 0,
			    "%s:\n  got  %s\n  want %s", t->name, dumpbuf,
			    t->dump);
	}
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		const struct parse_bad *t = &bad_rows[i];
		int rc;

		err = NULL;
		rc = authres_parse(t->value, t->len, p, &err);
		TMX_CHECKF(rc == -1, "%s: parsed as %s", t->name,
		    rc == 0 ? dump_parsed(p) : "");
		if (rc != -1)
			continue;
		TMX_CHECKF(err != NULL && strcmp(err, t->reason) == 0,
		    "%s: reason \"%s\", want \"%s\"", t->name,
		    err ? err : "(null)", t->reason);
		TMX_CHECKF(t->error_at == SIZE_MAX || p->error_at == t->error_at,
		    "%s: error_at %zu, want %zu", t->name, p->error_at,
		    t->error_at);
		TMX_CHECKF(p->nresults == 0 && p->authserv_id == NULL &&
		    !p->none, "%s: results left after an error", t->name);
	}
}

/* test_api - find and prop: iteration, case, misses */
static void
test_api(struct authres_parsed *p)
{
	const char *v = "example.com; dkim=pass reason=\"good\" "
	    "header.i=@mail-router.example.net; spf=fail "
	    "smtp.mailfrom=x.example; dkim=fail header.i=@newyork.example.com "
	    "header.d=newyork.example.com; dmarc=pass action=none";
	const struct authres_result *r, *r2;
	const char *err;

	TMX_CHECK(authres_parse(v, strlen(v), p, &err) == 0);
	r = authres_parse_find(p, "DKIM", NULL);
	TMX_CHECK(r == &p->result[0]);
	TMX_CHECK_STR(r->reason, "good");
	TMX_CHECK_STR(authres_parse_prop(r, "Header", "I"),
	    "@mail-router.example.net");
	TMX_CHECK(authres_parse_prop(r, "header", "d") == NULL);
	r2 = authres_parse_find(p, "dkim", r);
	TMX_CHECK(r2 == &p->result[2]);
	TMX_CHECK(r2 != NULL && r2->reason == NULL);
	TMX_CHECK_STR(authres_parse_prop(r2, "header", "d"),
	    "newyork.example.com");
	TMX_CHECK(authres_parse_find(p, "dkim", r2) == NULL);
	TMX_CHECK(authres_parse_find(p, "arc", NULL) == NULL);
	r = authres_parse_find(p, "dmarc", NULL);
	TMX_CHECK(r != NULL && authres_parse_prop(r, "", "action") != NULL);
	TMX_CHECK(r != NULL && authres_parse_prop(r, "policy", "action") == NULL);
	TMX_CHECK(p->result[0].version == NULL && p->version == NULL);
}

/* test_writer - our own writer's values parse back to what went in */
static void
test_writer(struct authres_parsed *p)
{
	static const char *const props[][3] = {
		{ "spf", "smtp.mailfrom", "user@example.org" },
		{ "spf", "smtp.helo", "[192.0.2.1]" },
		{ "dkim", "header.d", "example.org" },
		{ "dkim", "header.s", "sel1" },
		{ "dkim", "header.b", "ab/+cd==" },
		{ "dmarc", "header.from", "evil.example; dkim=pass\r\nX: y" },
		{ "dmarc", "policy.x", "a\"b\\c(d)" },
		{ "arc", "smtp.remote-ip", "2001:db8::1" },
	};
	static const char *const want[] = {
		"user@example.org", "[192.0.2.1]", "example.org", "sel1",
		"ab/+cd==", "evil.example; dkim=pass??X: y", "a\"b\\c(d)",
		"2001:db8::1",
	};
	static const char *const methods[] = { "spf", "dkim", "dmarc", "arc" };
	static const char *const results[] = { "softfail", "pass", "fail",
		"none" };
	struct authres ar;
	char buf[2048];
	const char *v, *err;

	authres_init(&ar, buf, sizeof(buf), "mx example \"net\"");
	for (size_t m = 0; m < 4; m++) {
		authres_method(&ar, methods[m], results[m]);
		authres_comment(&ar, "recovered (client) \\ 203.0.113.9\x01");
		for (size_t i = 0; i < 8; i++)
			if (strcmp(props[i][0], methods[m]) == 0)
				authres_prop(&ar, props[i][1], props[i][2]);
	}
	v = authres_finish(&ar);
	TMX_CHECK(v != NULL);
	if (v == NULL)
		return;
	err = NULL;
	TMX_CHECKF(authres_parse(v, strlen(v), p, &err) == 0, "writer: %s at "
	    "%zu in %s", err ? err : "?", p->error_at, v);
	TMX_CHECK_STR(p->authserv_id, "mx example \"net\"");
	TMX_CHECK(p->nresults == 4);
	for (size_t i = 0; i < 8; i++) {
		const struct authres_result *r =
		    authres_parse_find(p, props[i][0], NULL);
		char ptype[32];
		const char *dot = strchr(props[i][1], '.');

		TMX_CHECKF(r != NULL, "writer: %s", props[i][0]);
		if (r == NULL)
			continue;
		snprintf(ptype, sizeof(ptype), "%.*s",
		    (int)(dot - props[i][1]), props[i][1]);
		TMX_CHECK_STR(authres_parse_prop(r, ptype, dot + 1), want[i]);
	}
	for (size_t m = 0; m < 4; m++) {
		TMX_CHECK_STR(p->result[m].method, methods[m]);
		TMX_CHECK_STR(p->result[m].result, results[m]);
	}

	/* "; none" from the writer */
	authres_init(&ar, buf, sizeof(buf), "mx.example.net");
	v = authres_finish(&ar);
	TMX_CHECK(v != NULL && authres_parse(v, strlen(v), p, &err) == 0 &&
	    p->none && p->nresults == 0);
}

/* test_limits - counts, text, nesting and size; all bounded and linear */
static void
test_limits(struct authres_parsed *p)
{
	size_t cap = 4u << 20;
	char *big = malloc(cap);
	const char *err;
	size_t n;

	TMX_CHECK(big != NULL);
	if (big == NULL)
		return;

	/* 32 results fit, 33 do not */
	n = (size_t)snprintf(big, cap, "mx");
	for (int i = 0; i < AUTHRES_PARSE_MAX_RESULTS; i++)
		n += (size_t)snprintf(big + n, cap - n, "; m%d=pass", i);
	TMX_CHECK(authres_parse(big, n, p, &err) == 0 &&
	    p->nresults == AUTHRES_PARSE_MAX_RESULTS);
	TMX_CHECK_STR(p->result[31].method, "m31");
	n += (size_t)snprintf(big + n, cap - n, "; m32=pass");
	err = NULL;
	TMX_CHECK(authres_parse(big, n, p, &err) == -1);
	TMX_CHECK_STR(err, "too many results");

	/* 16 properties fit, 17 do not */
	n = (size_t)snprintf(big, cap, "mx; spf=pass reason=r");
	for (int i = 0; i < AUTHRES_PARSE_MAX_PROPS; i++)
		n += (size_t)snprintf(big + n, cap - n, " p.q%d=v", i);
	TMX_CHECK(authres_parse(big, n, p, &err) == 0 &&
	    p->result[0].nprops == AUTHRES_PARSE_MAX_PROPS);
	n += (size_t)snprintf(big + n, cap - n, " action=none");
	err = NULL;
	TMX_CHECK(authres_parse(big, n, p, &err) == -1);
	TMX_CHECK_STR(err, "too many properties");

	/* text: "" + "mx" + "spf" + "pass" + "p" + "x" + value, NUL each */
	size_t fixed = 1 + 3 + 4 + 5 + 2 + 2 + 1;
	size_t vlen = AUTHRES_PARSE_TEXT_MAX - fixed;
	n = (size_t)snprintf(big, cap, "mx; spf=pass p.x=\"");
	memset(big + n, 'v', vlen);
	n += vlen;
	big[n++] = '"';
	TMX_CHECK(authres_parse(big, n, p, &err) == 0 &&
	    strlen(p->result[0].props[0].value) == vlen &&
	    p->text_len == AUTHRES_PARSE_TEXT_MAX);
	memmove(big + n, big + n - 1, 1);
	big[n - 1] = 'v';
	err = NULL;
	TMX_CHECK(authres_parse(big, n + 1, p, &err) == -1);
	TMX_CHECK_STR(err, "too much text");
	/* the same for unquoted values, keywords and the authserv-id */
	memset(big, 'a', 3 * AUTHRES_PARSE_TEXT_MAX);
	memcpy(big + AUTHRES_PARSE_TEXT_MAX, "; ", 2);
	err = NULL;
	TMX_CHECK(authres_parse(big, AUTHRES_PARSE_TEXT_MAX + 10, p,
	    &err) == -1);
	TMX_CHECK_STR(err, "too much text");
	memcpy(big, "mx; ", 4);
	err = NULL;
	TMX_CHECK(authres_parse(big, 2 * AUTHRES_PARSE_TEXT_MAX, p,
	    &err) == -1);
	TMX_CHECK_STR(err, "too much text");
	memcpy(big, "mx; a=b c.d=", 12);
	err = NULL;
	TMX_CHECK(authres_parse(big, 2 * AUTHRES_PARSE_TEXT_MAX, p,
	    &err) == -1);
	TMX_CHECK_STR(err, "too much text");

	/* 10,000 nested parentheses: fine closed, an error left open */
	n = (size_t)snprintf(big, cap, "mx; spf=pass ");
	memset(big + n, '(', 10000);
	memset(big + n + 10000, ')', 10000);
	n += 20000;
	n += (size_t)snprintf(big + n, cap - n, " smtp.helo=h");
	TMX_CHECK(authres_parse(big, n, p, &err) == 0 &&
	    p->result[0].nprops == 1);
	memset(big + 13, '(', 1000000);
	err = NULL;
	TMX_CHECK(authres_parse(big, 13 + 1000000, p, &err) == -1);
	TMX_CHECK_STR(err, "unterminated comment");

	/* 4 MiB: one comment, then folded white space; linear, no text */
	n = (size_t)snprintf(big, cap, "mx; spf=pass (");
	memset(big + n, 'x', cap - n - 64);
	n = cap - 64;
	n += (size_t)snprintf(big + n, cap - n, ") smtp.helo=h");
	TMX_CHECK(authres_parse(big, n, p, &err) == 0 &&
	    p->result[0].nprops == 1);
	n = (size_t)snprintf(big, cap, "mx;");
	for (; n + 3 < cap - 16; n += 3)
		memcpy(big + n, "\r\n ", 3);
	n += (size_t)snprintf(big + n, cap - n, "none");
	TMX_CHECK(authres_parse(big, n, p, &err) == 0 && p->none);

	/* a parse reuses the struct: nothing left over from the last one */
	TMX_CHECK(authres_parse("mx; a=b", 7, p, &err) == 0 &&
	    p->nresults == 1 && !p->none && p->result[0].nprops == 0);
	TMX_CHECK(authres_parse(NULL, 0, p, &err) == -1);
	free(big);
}

int
main(void)
{
	struct authres_parsed *p = malloc(sizeof(*p));

	if (p == NULL)
		return 1;
	TMX_CHECK(sizeof(*p) < 32 * 1024);
	test_rows(p);
	test_api(p);
	test_writer(p);
	test_limits(p);
	free(p);
	return TMX_TEST_END();
}
