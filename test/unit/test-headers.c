/*
 * test-headers.c - the Authentication-Results the milter writes for each
 * kind of result (exact text), and which incoming A-R fields count as
 * ours and get deleted.
 */
#include <stdio.h>
#include <string.h>

#include "headers.h"
#include "tmx-test.h"

/* test_spf - a results struct with an SPF verdict */
static void
test_spf(struct results *r, enum results_spf_source src, enum spf_outcome o,
	 const char *from)
{
	memset(r, 0, sizeof(*r));
	r->spf.source = src;
	r->spf.verdict.result = o;
	r->spf.verdict.identity = from[0] ? SPF_ID_MAILFROM : SPF_ID_HELO;
	snprintf(r->spf.mail_from, sizeof(r->spf.mail_from), "%s", from);
	snprintf(r->spf.helo, sizeof(r->spf.helo), "mail.sender.example");
	snprintf(r->spf.client, sizeof(r->spf.client), "203.0.113.9");
	snprintf(r->spf.relay, sizeof(r->spf.relay), "192.0.2.25");
	r->spf.layout = "postfix";
	r->dmarc.result = "none";
	snprintf(r->dmarc.comment, sizeof(r->dmarc.comment), "no DMARC record");
}

int
main(void)
{
	struct results r;
	struct results_dkim_sig sigs[2];
	char buf[2048];

	test_spf(&r, RESULTS_SPF_DIRECT, SPF_OUT_SOFTFAIL, "a@sender.example");
	TMX_CHECK_STR(headers_authres(&r, "mx.test.example", buf, sizeof(buf)),
	    "mx.test.example;\n\tspf=softfail smtp.mailfrom=\"a@sender.example\";"
	    "\n\tdkim=none (message not signed);\n\tdmarc=none "
	    "(no DMARC record)");

	test_spf(&r, RESULTS_SPF_RECOVERED, SPF_OUT_PASS, "");
	memset(sigs, 0, sizeof(sigs));
	r.dkim.sig = sigs;
	r.dkim.nsigs = 2;
	r.dkim.sig[0].result = "pass";
	snprintf(r.dkim.sig[0].domain, RESULTS_NAME_MAX, "sender.example");
	snprintf(r.dkim.sig[0].selector, RESULTS_NAME_MAX, "s1");
	r.dkim.sig[1].result = "fail";
	snprintf(r.dkim.sig[1].domain, RESULTS_NAME_MAX, "other.example");
	snprintf(r.dkim.sig[1].selector, RESULTS_NAME_MAX, "s2");
	snprintf(r.dkim.sig[1].comment, 128, "body hash did not verify");
	r.dmarc.result = "pass";
	r.dmarc.policy = RESULTS_POLICY_REJECT;
	r.dmarc.pct = 100;
	snprintf(r.dmarc.from_domain, RESULTS_NAME_MAX, "sender.example");
	snprintf(r.dmarc.comment, sizeof(r.dmarc.comment), "aligned DKIM");
	TMX_CHECK_STR(headers_authres(&r, "mx.test.example", buf, sizeof(buf)),
	    "mx.test.example;\n\tspf=pass (client 203.0.113.9 recovered from "
	    "the Received line of trusted relay 192.0.2.25, read as postfix) "
	    "smtp.helo=mail.sender.example;\n\tdkim=pass header.d=sender.example"
	    " header.s=s1;\n\tdkim=fail (body hash did not verify) "
	    "header.d=other.example header.s=s2;\n\tdmarc=pass (p=reject "
	    "pct=100; aligned DKIM) header.from=sender.example");

	/* RFC 9989: the tag and record that applied, polrec, no pct */
	test_spf(&r, RESULTS_SPF_DIRECT, SPF_OUT_FAIL, "a@news.example.com");
	r.dmarc.result = "fail";
	r.dmarc.rfc9989 = true;
	r.dmarc.policy = RESULTS_POLICY_QUARANTINE;
	r.dmarc.published_p = RESULTS_POLICY_REJECT;
	r.dmarc.applied = "sp";
	r.dmarc.source = "org";
	r.dmarc.testing = true;
	snprintf(r.dmarc.from_domain, RESULTS_NAME_MAX, "news.example.com");
	snprintf(r.dmarc.policy_domain, RESULTS_NAME_MAX, "example.com");
	snprintf(r.dmarc.comment, sizeof(r.dmarc.comment),
		 "neither SPF nor DKIM aligned");
	TMX_CHECK_STR(strstr(headers_authres(&r, "mx", buf, sizeof(buf)),
	    "dmarc="), "dmarc=fail (sp=quarantine of the organizational "
	    "domain example.com t=y; neither SPF nor DKIM aligned) "
	    "header.from=news.example.com polrec.p=reject "
	    "polrec.domain=example.com");
	r.dmarc.source = "author";
	r.dmarc.applied = "p";
	r.dmarc.testing = false;
	snprintf(r.dmarc.policy_domain, RESULTS_NAME_MAX, "News.Example.com");
	TMX_CHECK_STR(strstr(headers_authres(&r, "mx", buf, sizeof(buf)),
	    "dmarc="), "dmarc=fail (p=quarantine; neither SPF nor DKIM "
	    "aligned) header.from=news.example.com polrec.p=reject");

	test_spf(&r, RESULTS_SPF_RELAY_UNUSABLE, SPF_OUT_NONE, "a@b.example");
	TMX_CHECK(strstr(headers_authres(&r, "mx", buf, sizeof(buf)),
	    "spf=none (mail came through trusted relay 192.0.2.25; no usable "
	    "Received line") != NULL);

	test_spf(&r, RESULTS_SPF_DIRECT, SPF_OUT_PASS, "a@b.example");
	TMX_CHECK(headers_authres(&r, "mx", buf, 40) == NULL);

	TMX_CHECK(headers_is_ours(" mx.test.example; spf=pass", "mx.test.example"));
	TMX_CHECK(headers_is_ours("MX.Test.Example 1; none", "mx.test.example"));
	TMX_CHECK(headers_is_ours("(forged) \"mx.test.example\"; dkim=pass",
	    "mx.test.example"));
	TMX_CHECK(headers_is_ours("\tmx.test.example;\n\tdkim=pass",
	    "mx.test.example"));
	TMX_CHECK(!headers_is_ours("other.example; spf=pass", "mx.test.example"));
	TMX_CHECK(!headers_is_ours("mx.test.example.evil; spf=pass",
	    "mx.test.example"));
	TMX_CHECK(!headers_is_ours("", "mx.test.example"));
	TMX_CHECK(!headers_is_ours("\"mx.test.example", "mx.test.example"));
	return TMX_TEST_END();
}
