/*
 * test-dmarc-ruf.c - DMARC failure reports (RFC 9991): which messages
 * call for a report (fo), header fields kept within bounds, redaction,
 * the ARF message, and the queue with a fake sendmail and a fake DNS:
 * destinations, the rate limit, a full queue, a failing and a stuck
 * sendmail, a new configuration.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "dmarc_ruf.h"
#include "dmarc_ruf_queue.h"
#include "tmx-test.h"

static char test_dir[64];

/* test_path - a file name in the temporary directory */
static const char *
test_path(const char *name)
{
	static char path[4][400];
	static unsigned next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", test_dir, name);
	return p;
}

/* test_msg - a message that failed DMARC for example.com: fo as given */
static void
test_msg(struct dmarc_ruf_msg *m, const char *fo)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->qid, sizeof(m->qid), "4Q1abc");
	m->arrival = 1780000000;
	snprintf(m->source_ip, sizeof(m->source_ip), "192.0.2.1");
	snprintf(m->mail_from, sizeof(m->mail_from), "bounce@sender.example");
	snprintf(m->from_domain, sizeof(m->from_domain), "example.com");
	snprintf(m->policy_domain, sizeof(m->policy_domain), "example.com");
	snprintf(m->org_domain, sizeof(m->org_domain), "example.com");
	snprintf(m->ruf, sizeof(m->ruf), "mailto:ruf@example.com");
	snprintf(m->fo, sizeof(m->fo), "%s", fo);
	snprintf(m->dmarc_result, sizeof(m->dmarc_result), "fail");
	snprintf(m->spf_result, sizeof(m->spf_result), "pass");
	snprintf(m->spf_domain, sizeof(m->spf_domain), "sender.example");
	snprintf(m->authres, sizeof(m->authres), "mx.test.example;\n\t"
		 "spf=pass smtp.mailfrom=bounce@sender.example;\n\t"
		 "dkim=fail header.d=example.com header.s=s1;\n\t"
		 "dmarc=fail header.from=example.com");
	m->nsigs = 1;
	snprintf(m->sig[0].domain, sizeof(m->sig[0].domain), "example.com");
	snprintf(m->sig[0].selector, sizeof(m->sig[0].selector), "s1");
	m->sig[0].result = DMARC_RUF_DKIM_BODYHASH;
	m->delivery = DMARC_RUF_REJECT;
	dmarc_ruf_headers_add(&m->headers, "Received", " from client.example "
			      "(client.example [192.0.2.1])\r\n\tby "
			      "mx.test.example (Postfix) with ESMTP id 4Q1abc"
			      "\r\n\tfor <alice@test.example>; Mon, 1 Jun "
			      "2026 10:00:00 +0000");
	dmarc_ruf_headers_add(&m->headers, "From", "\"Bob Sender\" "
			      "<bob@example.com>");
	dmarc_ruf_headers_add(&m->headers, "To", "Alice Smith "
			      "<alice@test.example>, carol@test.example");
	dmarc_ruf_headers_add(&m->headers, "Subject", "Your invoice");
	dmarc_ruf_headers_add(&m->headers, "Message-ID",
			      "<msg.1@example.com>");
	dmarc_ruf_headers_add(&m->headers, "List-Unsubscribe",
			      "<https://example.com/u?alice>");
	dmarc_ruf_headers_add(&m->headers, "DKIM-Signature", "v=1; "
			      "a=rsa-sha256; d=example.com; s=s1;\r\n\t"
			      "i=bob@example.com; h=From:To; bh=AAAA; b=BBBB");
}

/* test_wanted - fo=0, fo=1, d, s; what gives no report at all */
static void
test_wanted(void)
{
	static const struct {
		const char *name, *fo, *result, *spf;
		bool spf_al, dkim_al;
		enum dmarc_ruf_dkim sig;
		const char *ruf;
		bool psd, report;
		unsigned want;
	} cases[] = {
		{ "fo=0 fail", "0", "fail", "fail", false, false,
		  DMARC_RUF_DKIM_OTHER, "mailto:a@example.com", false, false,
		  DMARC_RUF_WANT_DMARC },
		{ "fo absent is 0", "", "fail", "pass", false, false,
		  DMARC_RUF_DKIM_PASS, "mailto:a@example.com", false, false,
		  DMARC_RUF_WANT_DMARC },
		{ "fo=0 pass", "0", "pass", "pass", true, false,
		  DMARC_RUF_DKIM_SIGNATURE, "mailto:a@example.com", false,
		  false, 0 },
		{ "fo=1 pass without aligned DKIM", "1", "pass", "pass", true,
		  false, DMARC_RUF_DKIM_PASS, "mailto:a@example.com", false,
		  false, DMARC_RUF_WANT_DMARC },
		{ "fo=1 both aligned", "1", "pass", "pass", true, true,
		  DMARC_RUF_DKIM_PASS, "mailto:a@example.com", false, false,
		  0 },
		{ "fo=1 fail", "1", "fail", "none", false, false,
		  DMARC_RUF_DKIM_PASS, "mailto:a@example.com", false, false,
		  DMARC_RUF_WANT_DMARC },
		{ "fo=d failed signature, DMARC pass", "d", "pass", "pass",
		  true, false, DMARC_RUF_DKIM_REVOKED, "mailto:a@example.com",
		  false, false, DMARC_RUF_WANT_DKIM },
		{ "fo=d temperror is no failure", "d", "fail", "pass", false,
		  false, DMARC_RUF_DKIM_OTHER, "mailto:a@example.com", false,
		  false, 0 },
		{ "fo=d only: no DMARC report", "d", "fail", "fail", false,
		  false, DMARC_RUF_DKIM_PASS, "mailto:a@example.com", false,
		  false, 0 },
		{ "fo=s softfail", "s", "pass", "softfail", false, true,
		  DMARC_RUF_DKIM_PASS, "mailto:a@example.com", false, false,
		  DMARC_RUF_WANT_SPF },
		{ "fo=s neutral", "s", "fail", "neutral", false, false,
		  DMARC_RUF_DKIM_PASS, "mailto:a@example.com", false, false,
		  0 },
		{ "fo=0:d:s all three", "0:d:s", "fail", "fail", false, false,
		  DMARC_RUF_DKIM_SIGNATURE, "mailto:a@example.com", false,
		  false, DMARC_RUF_WANT_DMARC | DMARC_RUF_WANT_DKIM |
		  DMARC_RUF_WANT_SPF },
		{ "fo=1:D upper case", "1:D", "fail", "fail", false, false,
		  DMARC_RUF_DKIM_BODYHASH, "mailto:a@example.com", false,
		  false, DMARC_RUF_WANT_DMARC | DMARC_RUF_WANT_DKIM },
		{ "no ruf", "1", "fail", "fail", false, false,
		  DMARC_RUF_DKIM_SIGNATURE, "", false, false, 0 },
		{ "psd=y: ruf not considered", "1", "fail", "fail", false,
		  false, DMARC_RUF_DKIM_SIGNATURE, "mailto:a@example.com",
		  true, false, 0 },
		{ "temperror", "1", "temperror", "fail", false, false,
		  DMARC_RUF_DKIM_SIGNATURE, "mailto:a@example.com", false,
		  false, 0 },
		{ "no DMARC record", "0", "none", "fail", false, false,
		  DMARC_RUF_DKIM_SIGNATURE, "mailto:a@example.com", false,
		  false, 0 },
		{ "a feedback report itself", "1", "fail", "fail", false,
		  false, DMARC_RUF_DKIM_SIGNATURE, "mailto:a@example.com",
		  false, true, 0 },
	};
	struct dmarc_ruf_msg *m = calloc(1, sizeof(*m));
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(m, 0, sizeof(*m));
		snprintf(m->fo, sizeof(m->fo), "%s", cases[i].fo);
		snprintf(m->dmarc_result, sizeof(m->dmarc_result), "%s",
			 cases[i].result);
		snprintf(m->spf_result, sizeof(m->spf_result), "%s",
			 cases[i].spf);
		snprintf(m->ruf, sizeof(m->ruf), "%s", cases[i].ruf);
		m->spf_aligned = cases[i].spf_al;
		m->dkim_aligned = cases[i].dkim_al;
		m->psd = cases[i].psd;
		m->nsigs = 2;
		m->sig[0].result = DMARC_RUF_DKIM_PASS;
		m->sig[1].result = cases[i].sig;
		dmarc_ruf_headers_add(&m->headers, "Content-Type",
				      cases[i].report ?
				      "multipart/report;\r\n\treport-type="
				      "\"feedback-report\"; boundary=x" :
				      "text/plain");
		TMX_CHECKF(dmarc_ruf_wanted(m) == cases[i].want,
			   "%s: got %#x, want %#x", cases[i].name,
			   dmarc_ruf_wanted(m), cases[i].want);
	}
	free(m);
}

/* test_headers - fields kept in order, within 64 fields and 32 KiB */
static void
test_headers(void)
{
	struct dmarc_ruf_headers *h = calloc(1, sizeof(*h));
	char *big = malloc(DMARC_RUF_HEADER_MAX);
	int i, ok = 0;

	TMX_CHECK(dmarc_ruf_headers_add(h, "Subject", " \r\n\thello") == 0);
	TMX_CHECK_STR(h->text + h->field[0].name, "Subject");
	TMX_CHECK_STR(h->text + h->field[0].value, "hello");
	TMX_CHECK(dmarc_ruf_headers_add(h, "", "x") < 0 && h->dropped == 1);
	for (i = 0; i < 100; i++)
		ok += dmarc_ruf_headers_add(h, "X-N", "1") == 0;
	TMX_CHECKF(ok == DMARC_RUF_FIELDS_MAX - 1 &&
		   h->nfields == DMARC_RUF_FIELDS_MAX && h->dropped == 38,
		   "%d kept, %zu fields, %u dropped", ok, h->nfields,
		   h->dropped);

	memset(h, 0, sizeof(*h));
	memset(big, 'a', DMARC_RUF_HEADER_MAX - 1);
	big[DMARC_RUF_HEADER_MAX - 1] = '\0';
	TMX_CHECK(dmarc_ruf_headers_add(h, "X-Big", big) < 0);
	big[20000] = '\0';
	TMX_CHECK(dmarc_ruf_headers_add(h, "X-Big", big) == 0);
	TMX_CHECK(dmarc_ruf_headers_add(h, "X-Big", big) < 0);
	TMX_CHECK(dmarc_ruf_headers_add(h, "X-Small", "fits") == 0);
	TMX_CHECK(h->nfields == 2 && h->dropped == 2 &&
		  h->used <= DMARC_RUF_HEADER_MAX);
	free(big);
	free(h);
}

/* test_bound - a message filled wrongly is cut back within its arrays */
static void
test_bound(void)
{
	struct dmarc_ruf_msg *m = calloc(1, sizeof(*m));

	memset(m->from_domain, 'a', sizeof(m->from_domain));
	memset(m->sig[1].selector, 's', sizeof(m->sig[1].selector));
	m->nsigs = 99;
	dmarc_ruf_headers_add(&m->headers, "A", "1");
	dmarc_ruf_headers_add(&m->headers, "B", "2");
	m->headers.field[1].value = 60000;
	m->headers.nfields = 1000;
	memset(m->headers.text + m->headers.used, 'x',
	       sizeof(m->headers.text) - m->headers.used);
	dmarc_ruf_msg_bound(m);
	TMX_CHECK(strlen(m->from_domain) == sizeof(m->from_domain) - 1);
	TMX_CHECK(m->nsigs == DMARC_RUF_SIGS_MAX &&
		  strlen(m->sig[1].selector) < sizeof(m->sig[1].selector));
	TMX_CHECK(m->headers.nfields == 1 &&
		  strcmp(m->headers.text + m->headers.field[0].value, "1") == 0);
	TMX_CHECK(m->headers.text[sizeof(m->headers.text) - 1] == '\0');
	free(m);
}

/* The key of the tests' redactor */
static struct dmarc_ruf_redactor test_redactor = {
	.key = "0123456789abcdef0123456789abcdef", .keylen = 32,
};

/* test_token - the token of local, computed here on its own */
static const char *
test_token(const char *local, size_t len)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static char tok[8][16];
	static unsigned next;
	unsigned char mac[64];
	size_t maclen = 0, i, j = 0;
	char *t = tok[next++ % 8];

	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, test_redactor.key,
		  test_redactor.keylen, (const unsigned char *)local, len, mac,
		  sizeof(mac), &maclen);
	for (i = 0; i < 9; i += 3) {
		unsigned v = (unsigned)mac[i] << 16 | (unsigned)mac[i + 1] << 8 |
		    mac[i + 2];

		t[j++] = abc[(v >> 18) & 63];
		t[j++] = abc[(v >> 12) & 63];
		t[j++] = abc[(v >> 6) & 63];
		t[j++] = abc[v & 63];
	}
	t[j] = '\0';
	return t;
}

/* test_expand - want with each {local} replaced by local's token */
static void
test_expand(const char *want, char *out, size_t size)
{
	size_t n = 0;
	const char *p, *close;

	for (p = want; *p != '\0' && n + 16 < size; p++) {
		if (*p == '{' && (close = strchr(p, '}')) != NULL) {
			n += (size_t)snprintf(out + n, size - n, "%s",
					      test_token(p + 1,
							 (size_t)(close - p - 1)));
			p = close;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

/* test_redact - local parts, recipient fields, identifiers, hxxp */
static void
test_redact(void)
{
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		{ "From", "\"Bob\" <bob@example.com>",
		  "\"Bob\" <{bob}@example.com>" },
		{ "From", "bob.smith+tag@example.com (Bob)",
		  "{bob.smith+tag}@example.com (Bob)" },
		{ "Reply-To", "\"john doe\"@example.com",
		  "{\"john doe\"}@example.com" },
		{ "Return-Path", "<SRS0=abcd=XY=example.org=bob@fwd.example>",
		  "<SRS0={abcd=XY=example.org=bob}@fwd.example>" },
		{ "Authentication-Results", "mx; spf=pass "
		  "smtp.mailfrom=bob@example.com; dkim=pass header.i=@x.example",
		  "mx; spf=pass smtp.mailfrom={bob}@example.com; dkim=pass "
		  "header.i=@x.example" },
		{ "DKIM-Signature", "v=1; i=bob@example.com; d=example.com",
		  "v=1; i={bob}@example.com; d=example.com" },
		{ "Received", "from a by b for <alice@test.example>; date",
		  "from a by b for <{alice}@test.example>; date" },
		{ "Received", "from [192.0.2.1] by mx.example",
		  "from [192.0.2.1] by mx.example" },
		{ "Sender", "a@[192.0.2.1], @nolocal.example, x@, @",
		  "{a}@[192.0.2.1], @nolocal.example, x@, @" },
		{ "To", "Alice Smith <alice@test.example>, carol@test.example",
		  "<{alice}@test.example>, <{carol}@test.example>" },
		{ "cc", "Group: ;", "undisclosed-recipients:;" },
		{ "Delivered-To", "alice@test.example",
		  "<{alice}@test.example>" },
		{ "Message-ID", "<abc.def@example.com>",
		  "<abc.def@example.com>" },
		{ "References", "<a@x.example> <b@y.example>",
		  "<a@x.example> <b@y.example>" },
		{ "List-Unsubscribe", "<https://example.com/u>, "
		  "<HTTP://x.example/>",
		  "<hxxps://example.com/u>, <HXXP://x.example/>" },
		{ "Subject", "see http:// and https and httpx://",
		  "see hxxp:// and https and httpx://" },
		{ "Subject", "", "" },
	};
	struct dmarc_buf out = { 0 };
	char want[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out.len = 0;
		dmarc_ruf_redact(cases[i].name, cases[i].value, &test_redactor,
				 &out);
		test_expand(cases[i].want, want, sizeof(want));
		TMX_CHECKF(out.data != NULL && strcmp(out.data, want) == 0,
			   "%s: %s: got \"%s\", want \"%s\"", cases[i].name,
			   cases[i].value, out.data ? out.data : "", want);
	}
	/* no key: the addresses stay, URIs are still defanged */
	out.len = 0;
	dmarc_ruf_redact("To", "Alice <alice@test.example> http://x", NULL,
			 &out);
	TMX_CHECK_STR(out.data, "Alice <alice@test.example> hxxp://x");
	/* the same local part, the same token; another, another */
	TMX_CHECK(strcmp(test_token("bob", 3), test_token("bob", 3)) == 0 &&
		  strcmp(test_token("bob", 3), test_token("Bob", 3)) != 0);
	dmarc_buf_free(&out);
}

/* test_has - does text hold s */
static bool
test_has(const char *text, const char *s)
{
	return strstr(text, s) != NULL;
}

/* test_lines_ok - no line longer than 998, no CR, no control byte */
static bool
test_lines_ok(const char *text)
{
	size_t col = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (*p == '\r' || ((unsigned char)*p < 0x20 && *p != '\t') ||
		    ++col > 998)
			return false;
	}
	return true;
}

/* test_part - the body of the MIME part of type, in buf */
static const char *
test_part(const char *msg, const char *type, char *buf, size_t size)
{
	char hdr[128];
	const char *p, *end;

	snprintf(hdr, sizeof(hdr), "\nContent-Type: %s\n", type);
	if ((p = strstr(msg, hdr)) == NULL || (p = strstr(p, "\n\n")) == NULL)
		return "";
	p += 2;
	end = strstr(p, "\n--=_trustmx_ruf_");
	snprintf(buf, size, "%.*s", (int)(end ? end - p : 0), p);
	return buf;
}

/* test_build - the ARF message of each kind */
static void
test_build(void)
{
	struct dmarc_ruf_msg *m = calloc(1, sizeof(*m));
	struct dmarc_ruf_meta meta = {
		.from = "ruf@mx.test.example", .to = "ruf@example.com",
		.id = "1780000001.1.abcdef01", .user_agent = "trustmx/0.1.0",
		.now = 1780000001, .redact = &test_redactor,
	};
	struct dmarc_buf out = { 0 };
	char want[2048], part[8192];
	const char *fb, *hd;

	test_msg(m, "1:d:s");
	dmarc_ruf_build(m, DMARC_RUF_WANT_DMARC, 0, &meta, &out);
	TMX_CHECK(test_lines_ok(out.data));
	TMX_CHECK(test_has(out.data, "From: <ruf@mx.test.example>\n"
			   "To: <ruf@example.com>\n"
			   "Date: Thu, 28 May 2026 20:26:41 +0000\n"
			   "Subject: DMARC failure report for example.com\n"
			   "Message-ID: <ruf.1780000001.1.abcdef01@"
			   "mx.test.example>\n"
			   "Auto-Submitted: auto-generated\n"
			   "MIME-Version: 1.0\n"
			   "Content-Type: multipart/report; "
			   "report-type=feedback-report;\n"
			   "\tboundary=\"=_trustmx_ruf_1780000001.1."
			   "abcdef01\"\n\n"));
	TMX_CHECK(test_has(out.data, "\n--=_trustmx_ruf_1780000001.1."
			   "abcdef01\nContent-Type: text/plain; "
			   "charset=us-ascii\n"));
	TMX_CHECK(test_has(out.data, "\n--=_trustmx_ruf_1780000001.1."
			   "abcdef01--\n"));
	fb = test_part(out.data, "message/feedback-report", part,
		       sizeof(part));
	test_expand("Feedback-Type: auth-failure\n"
		    "User-Agent: trustmx/0.1.0\n"
		    "Version: 1\n"
		    "Auth-Failure: dmarc\n"
		    "Authentication-Results: mx.test.example;\n"
		    "\tspf=pass smtp.mailfrom={bounce}@sender.example;\n"
		    "\tdkim=fail header.d=example.com header.s=s1;\n"
		    "\tdmarc=fail header.from=example.com\n"
		    "Identity-Alignment: dkim, spf\n"
		    "DKIM-Domain: example.com\n"
		    "DKIM-Identity: @example.com\n"
		    "DKIM-Selector: s1\n"
		    "Original-Envelope-Id: 4Q1abc\n"
		    "Original-Mail-From: <{bounce}@sender.example>\n"
		    "Arrival-Date: Thu, 28 May 2026 20:26:40 +0000\n"
		    "Source-IP: 192.0.2.1\n"
		    "Reported-Domain: example.com\n"
		    "Delivery-Result: reject\n", want, sizeof(want));
	TMX_CHECKF(strcmp(fb, want) == 0, "feedback-report:\n%s\nwant:\n%s",
		   fb, want);
	hd = test_part(out.data, "text/rfc822-headers", part, sizeof(part));
	test_expand("Received: from client.example (client.example "
		    "[192.0.2.1])\n\tby mx.test.example (Postfix) with ESMTP "
		    "id 4Q1abc\n\tfor <{alice}@test.example>; Mon, 1 Jun "
		    "2026 10:00:00 +0000\n"
		    "From: \"Bob Sender\" <{bob}@example.com>\n"
		    "To: <{alice}@test.example>, <{carol}@test.example>\n"
		    "Subject: Your invoice\n"
		    "Message-ID: <msg.1@example.com>\n"
		    "List-Unsubscribe: <hxxps://example.com/u?alice>\n"
		    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\n"
		    "\ti={bob}@example.com; h=From:To; bh=AAAA; b=BBBB\n",
		    want, sizeof(want));
	TMX_CHECKF(strcmp(hd, want) == 0, "headers:\n%s", hd);
	TMX_CHECK(!test_has(out.data, "alice@") && !test_has(out.data,
		  "Alice Smith") && !test_has(out.data, "bounce@"));
	TMX_CHECK(test_has(out.data, "the local parts of addresses are "
			   "redacted"));
	TMX_CHECK(test_has(out.data, "Content-Type: text/rfc822-headers\n"
			   "Content-Transfer-Encoding: 7bit\n"));

	/* the DKIM report about the failed signature */
	out.len = 0;
	dmarc_ruf_build(m, DMARC_RUF_WANT_DKIM, 0, &meta, &out);
	fb = test_part(out.data, "message/feedback-report", part,
		       sizeof(part));
	TMX_CHECK(test_has(out.data, "Subject: DKIM failure report for "
			   "example.com\n"));
	TMX_CHECK(test_has(fb, "\nAuth-Failure: bodyhash\n") &&
		  test_has(fb, "\nDKIM-Domain: example.com\n"
			   "DKIM-Identity: @example.com\nDKIM-Selector: s1\n") &&
		  !test_has(fb, "Identity-Alignment"));

	/* the SPF report, with the record when the milter knows it */
	snprintf(m->spf_result, sizeof(m->spf_result), "fail");
	snprintf(m->spf_dns, sizeof(m->spf_dns), "v=spf1 -all");
	m->dkim_aligned = true;
	out.len = 0;
	dmarc_ruf_build(m, DMARC_RUF_WANT_SPF, 0, &meta, &out);
	fb = test_part(out.data, "message/feedback-report", part,
		       sizeof(part));
	TMX_CHECK(test_has(fb, "\nAuth-Failure: spf\n") &&
		  test_has(fb, "\nSPF-DNS: txt : sender.example : "
			   "v=spf1 -all\n") && !test_has(fb, "DKIM-Domain"));

	/* DMARC with DKIM aligned: Identity-Alignment spf, no DKIM-*; the
	 * SPF identity is not aligned: no SPF-DNS */
	out.len = 0;
	dmarc_ruf_build(m, DMARC_RUF_WANT_DMARC, 0, &meta, &out);
	fb = test_part(out.data, "message/feedback-report", part,
		       sizeof(part));
	TMX_CHECK(test_has(fb, "\nIdentity-Alignment: spf\n") &&
		  !test_has(fb, "DKIM-Domain") && !test_has(fb, "SPF-DNS"));

	/* no redaction; 8-bit, control characters, a very long line, a
	 * folded value with an empty line in it, a null sender */
	test_msg(m, "1");
	m->mail_from[0] = '\0';
	m->authres[0] = '\0';
	dmarc_ruf_headers_add(&m->headers, "Subject", "Gr\xc3\xbc\xc3\x9f"
			      "e\x01 \x7f");
	{
		char *longv = malloc(3000);

		memset(longv, 'x', 2999);
		longv[2999] = '\0';
		dmarc_ruf_headers_add(&m->headers, "X-Long", longv);
		free(longv);
	}
	dmarc_ruf_headers_add(&m->headers, "X-Folded", "a\r\n\r\n\tb\rc\n"
			      " \t\r\n d\n \t\n");
	meta.redact = NULL;
	out.len = 0;
	dmarc_ruf_build(m, DMARC_RUF_WANT_DMARC, 0, &meta, &out);
	TMX_CHECK(test_lines_ok(out.data));
	hd = test_part(out.data, "text/rfc822-headers", part, sizeof(part));
	TMX_CHECK(test_has(hd, "To: Alice Smith <alice@test.example>, "
			   "carol@test.example\n"));
	TMX_CHECK(test_has(hd, "Subject: Gr\xc3\xbc\xc3\x9f" "e? ?\n"));
	TMX_CHECK(test_has(hd, "X-Folded: a\n\tb\n\tc\n d\n"));
	TMX_CHECK(test_has(out.data, "Content-Type: text/rfc822-headers\n"
			   "Content-Transfer-Encoding: 8bit\n"));
	fb = test_part(out.data, "message/feedback-report", part,
		       sizeof(part));
	TMX_CHECK(test_has(fb, "\nOriginal-Mail-From: <>\n") &&
		  test_has(fb, "\nAuthentication-Results: mx.test.example; "
			   "dmarc=fail header.from=example.com\n") &&
		  test_has(fb, "\nIdentity-Alignment: dkim, spf\n"));
	TMX_CHECK(!test_has(out.data, "are redacted"));

	/* fields left out are said */
	m->headers.dropped = 3;
	out.len = 0;
	dmarc_ruf_build(m, DMARC_RUF_WANT_DMARC, 0, &meta, &out);
	TMX_CHECK(test_has(out.data, "3 header fields were left out"));
	dmarc_buf_free(&out);
	free(m);
}

/* The fake DNS of the queue's tests: _report._dmarc agreements */
static enum dns_status
test_txt(const char *name, struct dns_answer *ans)
{
	static const struct {
		const char *name, *text;
	} zone[] = {
		{ "example.com._report._dmarc.ext.example", "v=DMARC1" },
		{ "example.com._report._dmarc.ovr.example",
		  "v=DMARC1; rua=mailto:agg@ovr.example; "
		  "ruf=mailto:over@ovr.example" },
	};

	memset(ans, 0, sizeof(*ans));
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (strcmp(zone[i].name, name) != 0)
			continue;
		ans->records = calloc(1, sizeof(*ans->records));
		ans->records[0].text = strdup(zone[i].text);
		ans->records[0].textlen = strlen(zone[i].text);
		ans->count = 1;
		return ans->status = DNS_OK;
	}
	return ans->status = DNS_NXDOMAIN;
}

/* test_sent - the reports the fake sendmail got: "args" lines, in order */
static size_t
test_sent(char *args, size_t size)
{
	char line[512];
	size_t n = 0, used = 0;
	FILE *fp;

	args[0] = '\0';
	for (;;) {
		char name[32];

		snprintf(name, sizeof(name), "out/%zu.args", n);
		if ((fp = fopen(test_path(name), "r")) == NULL)
			return n;
		if (fgets(line, sizeof(line), fp) != NULL)
			used += (size_t)snprintf(args + used, size - used,
						 "%s", line);
		fclose(fp);
		n++;
	}
}

/* test_clear - forget what the fake sendmail got */
static void
test_clear(void)
{
	DIR *d = opendir(test_path("out"));
	struct dirent *e;
	char name[300];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "out/%s", e->d_name);
		unlink(test_path(name));
	}
	if (d != NULL)
		closedir(d);
}

/* test_queue - destinations, rate, a full queue, failures, a reload */
static void
test_queue(void)
{
	char script[400];
	char *cmd[] = { script, (char *)"-X", NULL };
	struct dmarc_dest_dns dns = { .txt = test_txt };
	struct dmarc_ruf_config cfg = {
		.sendmail = cmd, .sender = "ruf@mx.test.example", .rate = 3,
		.redact = true, .dns = &dns,
	};
	struct dmarc_ruf_msg *m = calloc(1, sizeof(*m));
	struct dmarc_ruf_queue *q;
	struct dmarc_ruf_stats st;
	char err[256], args[4096], eml[8192];
	FILE *fp;
	size_t n;
	int i, rc[8];

	snprintf(script, sizeof(script), "%s", test_path("sendmail.sh"));
	fp = fopen(script, "w");
	if (fp == NULL)
		return;
	fprintf(fp, "#!/bin/sh\n"
		"d=%s/out; n=$(ls $d | grep -c args)\n"
		"echo \"$*\" >$d/tmp; cat >$d/$n.eml; mv $d/tmp $d/$n.args\n"
		"case \"$*\" in *fail@*) echo 'no such user' >&2; exit 67;; "
		"*slow@*) sleep 1;; *stuck@*) exec sleep 30;; esac\n",
		test_dir);
	fclose(fp);
	chmod(script, 0755);
	mkdir(test_path("out"), 0755);

	cfg.sender = "";
	TMX_CHECK(dmarc_ruf_queue_new(&cfg, err, sizeof(err)) == NULL &&
		  test_has(err, "sender"));
	cfg.sender = "ruf@mx.test.example";
	cfg.rate = 0;
	TMX_CHECK(dmarc_ruf_queue_new(&cfg, err, sizeof(err)) == NULL);
	cfg.rate = 3;
	q = dmarc_ruf_queue_new(&cfg, err, sizeof(err));
	TMX_CHECKF(q != NULL, "%s", err);
	if (q == NULL)
		return;

	/* 5 failures for one destination: 3 reports (rate 3 an hour) */
	test_msg(m, "0");
	for (i = 0; i < 5; i++)
		rc[i] = dmarc_ruf_submit(q, m);
	TMX_CHECK(rc[0] == 0 && rc[4] == 0);
	snprintf(m->dmarc_result, sizeof(m->dmarc_result), "pass");
	TMX_CHECK(dmarc_ruf_submit(q, m) == 1);
	dmarc_ruf_queue_flush(q);
	dmarc_ruf_queue_stats(q, &st);
	n = test_sent(args, sizeof(args));
	TMX_CHECKF(n == 3 && st.sent == 3 && st.limited == 2 &&
		   st.queued == 5 && st.done == 5,
		   "%zu sent, stats sent %llu limited %llu", n,
		   (unsigned long long)st.sent, (unsigned long long)st.limited);
	TMX_CHECK_STR(args, "-X -oi -f ruf@mx.test.example -- "
		      "ruf@example.com\n-X -oi -f ruf@mx.test.example -- "
		      "ruf@example.com\n-X -oi -f ruf@mx.test.example -- "
		      "ruf@example.com\n");
	fp = fopen(test_path("out/0.eml"), "r");
	n = fp != NULL ? fread(eml, 1, sizeof(eml) - 1, fp) : 0;
	eml[n] = '\0';
	if (fp != NULL)
		fclose(fp);
	TMX_CHECK(test_has(eml, "To: <ruf@example.com>\n") &&
		  test_has(eml, "\nAuth-Failure: dmarc\n") &&
		  test_has(eml, "User-Agent: trustmx/") &&
		  !test_has(eml, "alice@"));

	/* destinations: external agreed, external not agreed, an override
	 * by the agreement's ruf (not its rua), a refusing sendmail; the
	 * rate is per destination */
	test_clear();
	test_msg(m, "1:d");
	snprintf(m->ruf, sizeof(m->ruf), "mailto:x@ext.example, "
		 "mailto:y@noauth.example,mailto:z@ovr.example, "
		 "https://example.com/r, mailto:fail@example.com");
	TMX_CHECK(dmarc_ruf_submit(q, m) == 0);
	dmarc_ruf_queue_flush(q);
	dmarc_ruf_queue_stats(q, &st);
	n = test_sent(args, sizeof(args));
	TMX_CHECKF(n == 6 && test_has(args, "-- x@ext.example\n") &&
		   test_has(args, "-- over@ovr.example\n") &&
		   !test_has(args, "z@ovr") && !test_has(args, "agg@") &&
		   !test_has(args, "noauth") && test_has(args, "-- fail@"),
		   "%zu: %s", n, args);
	TMX_CHECKF(st.sent == 7 && st.failed == 2 && st.refused == 2,
		   "sent %llu failed %llu refused %llu",
		   (unsigned long long)st.sent, (unsigned long long)st.failed,
		   (unsigned long long)st.refused);

	/* a new configuration: another sender, rate carried over per
	 * destination (ruf@example.com had its 3) */
	test_clear();
	cfg.sender = "other@mx.test.example";
	cfg.rate = 4;
	TMX_CHECK(dmarc_ruf_queue_set(q, &cfg, err, sizeof(err)) == 0);
	test_msg(m, "0");
	TMX_CHECK(dmarc_ruf_submit(q, m) == 0 && dmarc_ruf_submit(q, m) == 0);
	dmarc_ruf_queue_flush(q);
	n = test_sent(args, sizeof(args));
	TMX_CHECKF(n == 1 && test_has(args, "-f other@mx.test.example "),
		   "%zu: %s", n, args);
	cfg.rate = 3;

	/* a stuck sendmail is killed after the timeout */
	test_clear();
	dmarc_ruf_queue_free(q);
	cfg.timeout_ms = 300;
	q = dmarc_ruf_queue_new(&cfg, err, sizeof(err));
	snprintf(m->ruf, sizeof(m->ruf), "mailto:stuck@example.com");
	TMX_CHECK(dmarc_ruf_submit(q, m) == 0);
	dmarc_ruf_queue_flush(q);
	dmarc_ruf_queue_stats(q, &st);
	TMX_CHECK(st.failed == 1 && st.sent == 0);
	dmarc_ruf_queue_free(q);

	/* a full queue drops, never waits; closing drops what waits */
	test_clear();
	cfg.queue_max = 2;
	cfg.timeout_ms = 0;
	cfg.rate = 100;
	q = dmarc_ruf_queue_new(&cfg, err, sizeof(err));
	snprintf(m->ruf, sizeof(m->ruf), "mailto:slow@example.com");
	for (i = 0; i < 6; i++)
		rc[i] = dmarc_ruf_submit(q, m);
	dmarc_ruf_queue_stats(q, &st);
	TMX_CHECKF(st.dropped >= 3 && st.queued + st.dropped == 6 &&
		   rc[5] == -1, "queued %llu dropped %llu",
		   (unsigned long long)st.queued,
		   (unsigned long long)st.dropped);
	dmarc_ruf_queue_flush(q);
	dmarc_ruf_queue_stats(q, &st);
	TMX_CHECK(st.done == st.queued && st.sent == st.queued);
	dmarc_ruf_queue_free(q);
	free(m);
}

int
main(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/test-dmarc-ruf.XXXXXX");
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_wanted();
	test_headers();
	test_bound();
	test_redact();
	test_build();
	test_queue();
	if (tmx_test_failures == 0) {
		test_clear();
		rmdir(test_path("out"));
		unlink(test_path("sendmail.sh"));
		rmdir(test_dir);
	}
	return TMX_TEST_END();
}
