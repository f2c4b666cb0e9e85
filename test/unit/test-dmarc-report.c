/*
 * test-dmarc-report.c - building DMARC aggregate reports: two nodes'
 * stores merged with summed counts, one report per policy domain with
 * the last policy seen, records grouped, the XML (escaping, defaults,
 * order), gzip, the report mail and its names, rua destinations and the
 * external destination check (a table of TXT answers instead of DNS),
 * sendmail, the --period syntax. Schema validation of the XML is
 * test/report/report-xml.sh's (xmllint).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "dmarc_agg.h"
#include "dmarc_dest.h"
#include "dmarc_gzip.h"
#include "dmarc_mail.h"
#include "dmarc_run.h"
#include "dmarc_send.h"
#include "dmarc_xml.h"
#include "tmx-test.h"

#define DAY 86400
#define T0 1778457600	/* 2026-05-11T00:00Z */

static char test_dir[64];

static void test_xml(const struct dmarc_agg_report *rep);
static void test_gzip(const struct dmarc_buf *xml);

/* test_path - a file name in the temporary directory */
static const char *
test_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", test_dir, name);
	return p;
}

/* test_rec - a record of policy domain pd, From from, at t */
static void
test_rec(struct dmarc_report_rec *r, const char *ip, const char *from,
	 const char *pd, time_t t)
{
	memset(r, 0, sizeof(*r));
	r->time = t;
	snprintf(r->source_ip, sizeof(r->source_ip), "%s", ip);
	snprintf(r->header_from, sizeof(r->header_from), "%s", from);
	snprintf(r->envelope_from, sizeof(r->envelope_from), "%s", from);
	snprintf(r->envelope_to, sizeof(r->envelope_to), "rcpt.example");
	snprintf(r->policy_domain, sizeof(r->policy_domain), "%s", pd);
	r->policy.p = DMARC_REC_POLICY_QUARANTINE;
	r->policy.discovery = DMARC_REC_DISCOVERY_TREEWALK;
	snprintf(r->policy.rua, sizeof(r->policy.rua), "mailto:d@%s", pd);
	r->disposition = DMARC_REC_DISP_PASS;
	r->dkim_aligned = true;
	r->ndkim = 1;
	snprintf(r->dkim[0].domain, sizeof(r->dkim[0].domain), "%s", from);
	snprintf(r->dkim[0].selector, sizeof(r->dkim[0].selector), "s1");
	r->dkim[0].result = DMARC_REC_AUTH_PASS;
	snprintf(r->spf.domain, sizeof(r->spf.domain), "%s", from);
	r->spf.result = DMARC_REC_AUTH_FAIL;
}

/* test_put - count n messages like r into db */
static void
test_put(struct dmarc_db *db, struct dmarc_report_rec *r, unsigned n)
{
	const char *why;

	TMX_CHECKF(dmarc_rec_check(r, &why) == 0, "%s", why);
	TMX_CHECK(dmarc_db_put(db, r, n, r->time, r->time, true) !=
		  DMARC_DB_PUT_ERROR);
}

/* test_node - two nodes' stores: identical rows on both, and their own */
static void
test_nodes(struct dmarc_db **a_r, struct dmarc_db **b_r)
{
	struct dmarc_report_rec r;
	struct dmarc_db *a, *b;
	char err[512];

	a = dmarc_db_open(test_path("node-a.db"), DMARC_DB_CREATE, 1000, err,
			  sizeof(err));
	b = dmarc_db_open(test_path("node-b.db"), DMARC_DB_CREATE, 1000, err,
			  sizeof(err));
	TMX_CHECKF(a != NULL && b != NULL, "%s", err);
	*a_r = a;
	*b_r = b;
	if (a == NULL || b == NULL)
		return;
	/* the same evaluation at both nodes, in two different hours */
	test_rec(&r, "192.0.2.1", "example.com", "example.com", T0 + 100);
	test_put(a, &r, 5);
	r.time = T0 + 7200;
	test_put(b, &r, 7);
	/* a subdomain without a record of its own: the same report */
	test_rec(&r, "192.0.2.1", "sub.example.com", "example.com", T0 + 50);
	test_put(a, &r, 2);
	/* IPv6, DMARC fail, two reasons, SPF softfail, no DKIM */
	test_rec(&r, "2001:db8::25", "example.com", "example.com", T0 + 9000);
	r.disposition = DMARC_REC_DISP_NONE;
	r.dkim_aligned = false;
	r.ndkim = 0;
	r.spf.result = DMARC_REC_AUTH_SOFTFAIL;
	r.nreasons = 2;
	r.reasons[0].type = DMARC_REC_OVERRIDE_MAILING_LIST;
	snprintf(r.reasons[0].comment, sizeof(r.reasons[0].comment),
		 "list <lists&co> \"x\"");
	r.reasons[1].type = DMARC_REC_OVERRIDE_POLICY_TEST_MODE;
	test_put(b, &r, 3);
	/* the policy changed late in the day: the last one is reported */
	test_rec(&r, "192.0.2.1", "example.com", "example.com", T0 + 80000);
	r.policy.p = DMARC_REC_POLICY_REJECT;
	r.policy.sp = DMARC_REC_POLICY_NONE;
	r.policy.adkim = DMARC_REC_ALIGN_STRICT;
	r.policy.testing = DMARC_REC_FLAG_Y;
	snprintf(r.policy.fo, sizeof(r.policy.fo), "1:d");
	snprintf(r.policy.rua, sizeof(r.policy.rua),
		 "mailto:new@example.com");
	test_put(a, &r, 1);
	/* another policy domain; a null reverse-path */
	test_rec(&r, "198.51.100.7", "other.example", "other.example",
		 T0 + 3600);
	r.envelope_from[0] = '\0';
	snprintf(r.envelope_to, sizeof(r.envelope_to), "elsewhere.example");
	test_put(b, &r, 4);
	/* outside the period */
	test_rec(&r, "192.0.2.1", "example.com", "example.com", T0 + DAY);
	test_put(a, &r, 1000);
	test_rec(&r, "192.0.2.1", "example.com", "example.com", T0 - 1);
	test_put(b, &r, 1000);
}

/* test_find - the row of rep for ip and from with disposition d */
static const struct dmarc_agg_row *
test_find(const struct dmarc_agg_report *rep, const char *ip,
	  const char *from, enum dmarc_rec_disposition d)
{
	size_t i;

	for (i = 0; i < rep->nrows; i++)
		if (strcmp(rep->rows[i].rec.source_ip, ip) == 0 &&
		    strcmp(rep->rows[i].rec.header_from, from) == 0 &&
		    rep->rows[i].rec.disposition == d)
			return &rep->rows[i];
	return NULL;
}

/* test_merge - two stores, summed counts, one report per policy domain */
static void
test_merge(void)
{
	struct dmarc_agg_report rep, rep_to;
	const struct dmarc_agg_row *row;
	struct dmarc_db *a, *b;
	struct dmarc_agg *agg;
	char err[512], **domains;

	test_nodes(&a, &b);
	if (a == NULL || b == NULL)
		goto out;
	agg = dmarc_agg_new(T0, T0 + DAY, err, sizeof(err));
	TMX_CHECKF(agg != NULL, "%s", err);
	if (agg == NULL)
		goto out;
	TMX_CHECK(dmarc_agg_add_store(agg, a, err, sizeof(err)) == 0);
	TMX_CHECK(dmarc_agg_add_store(agg, b, err, sizeof(err)) == 0);
	domains = dmarc_agg_domains(agg);
	TMX_CHECK(domains[0] != NULL && strcmp(domains[0], "example.com") == 0);
	TMX_CHECK(domains[1] != NULL && strcmp(domains[1], "other.example") == 0);
	TMX_CHECK(domains[1] == NULL || domains[2] == NULL);
	dmarc_agg_domains_free(domains);

	TMX_CHECK(dmarc_agg_report(agg, "example.com", false, &rep, err,
				   sizeof(err)) == 0);
	TMX_CHECKF(rep.nrows == 3, "%zu rows", rep.nrows);
	TMX_CHECK(rep.messages == 5 + 7 + 2 + 3 + 1);
	row = test_find(&rep, "192.0.2.1", "example.com", DMARC_REC_DISP_PASS);
	TMX_CHECK(row != NULL && row->count == 5 + 7 + 1);
	row = test_find(&rep, "192.0.2.1", "sub.example.com",
			DMARC_REC_DISP_PASS);
	TMX_CHECK(row != NULL && row->count == 2);
	row = test_find(&rep, "2001:db8::25", "example.com",
			DMARC_REC_DISP_NONE);
	TMX_CHECK(row != NULL && row->count == 3 && row->rec.nreasons == 2);
	TMX_CHECK(row == NULL || row->rec.envelope_to[0] == '\0');
	TMX_CHECK(rep.policy.p == DMARC_REC_POLICY_REJECT);
	TMX_CHECK_STR(rep.policy.rua, "mailto:new@example.com");
	TMX_CHECK_STR(rep.org_domain, "example.com");

	/* with envelope_to the recipient domain is reported (and grouped) */
	TMX_CHECK(dmarc_agg_report(agg, "example.com", true, &rep_to, err,
				   sizeof(err)) == 0);
	TMX_CHECK(rep_to.nrows == 3 && rep_to.messages == rep.messages);
	TMX_CHECK_STR(rep_to.rows[0].rec.envelope_to, "rcpt.example");
	dmarc_agg_report_free(&rep_to);
	test_xml(&rep);
	dmarc_agg_report_free(&rep);

	TMX_CHECK(dmarc_agg_report(agg, "other.example", false, &rep, err,
				   sizeof(err)) == 0);
	TMX_CHECK(rep.nrows == 1 && rep.messages == 4);
	TMX_CHECK(rep.rows[0].rec.envelope_from[0] == '\0');
	dmarc_agg_report_free(&rep);
	TMX_CHECK(dmarc_agg_report(agg, "none.example", false, &rep, err,
				   sizeof(err)) < 0);
	dmarc_agg_free(agg);
out:
	dmarc_db_close(a);
	dmarc_db_close(b);
}

/* test_has - needle is in the document */
static void
test_has(const char *doc, const char *needle)
{
	TMX_CHECKF(strstr(doc, needle) != NULL, "no %s", needle);
}

/* test_xml - the document of the merged example.com report */
static void
test_xml(const struct dmarc_agg_report *rep)
{
	struct dmarc_xml_meta meta = {
		.org_name = "Exämple Mail & Co \xff", .email = "dmarc@mx.example",
		.report_id = "2026051100h24r0011223344556677",
		.generator = "trustmx test",
	};
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "\n<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n"
	    "  <version>1.0</version>\n  <report_metadata>\n";
	struct dmarc_buf xml = { 0 };
	const char *rec, *ids, *auth;

	dmarc_xml_write(rep, &meta, &xml);
	TMX_CHECK(strncmp(xml.data, head, strlen(head)) == 0);
	test_has(xml.data, "<org_name>Exämple Mail &amp; Co ?</org_name>");
	test_has(xml.data, "<report_id>2026051100h24r0011223344556677"
		 "</report_id>");
	test_has(xml.data, "<begin>1778457600</begin>");
	test_has(xml.data, "<end>1778543999</end>");
	test_has(xml.data, "<generator>trustmx test</generator>");
	test_has(xml.data, "<domain>example.com</domain>\n    "
		 "<discovery_method>treewalk</discovery_method>");
	test_has(xml.data, "<p>reject</p>\n    <sp>none</sp>\n    "
		 "<np>none</np>\n    <fo>1:d</fo>\n    <adkim>s</adkim>\n"
		 "    <aspf>r</aspf>\n    <testing>y</testing>");
	test_has(xml.data, "<source_ip>192.0.2.1</source_ip>\n      "
		 "<count>13</count>");
	test_has(xml.data, "<source_ip>2001:db8::25</source_ip>\n      "
		 "<count>3</count>");
	test_has(xml.data, "<disposition>none</disposition>\n        "
		 "<dkim>fail</dkim>\n        <spf>fail</spf>\n        "
		 "<reason>\n          <type>mailing_list</type>\n          "
		 "<comment>list &lt;lists&amp;co&gt; &quot;x&quot;</comment>");
	test_has(xml.data, "<type>policy_test_mode</type>\n        "
		 "</reason>");
	test_has(xml.data, "<dkim>\n        <domain>sub.example.com</domain>"
		 "\n        <selector>s1</selector>\n        "
		 "<result>pass</result>");
	test_has(xml.data, "<spf>\n        <domain>example.com</domain>\n"
		 "        <scope>mfrom</scope>\n        "
		 "<result>softfail</result>");
	TMX_CHECK(strstr(xml.data, "envelope_to") == NULL);
	TMX_CHECK(strstr(xml.data, "rcpt.example") == NULL);
	TMX_CHECK(strstr(xml.data, "@example.com") == NULL);	/* no rua */
	/* record: row, identifiers, auth_results, in that order */
	rec = strstr(xml.data, "<record>");
	ids = rec ? strstr(rec, "<identifiers>") : NULL;
	auth = ids ? strstr(ids, "<auth_results>") : NULL;
	TMX_CHECK(rec != NULL && strstr(rec, "<row>") < ids && ids < auth);
	TMX_CHECK(strcmp(xml.data + xml.len - 12, "</feedback>\n") == 0);
	test_gzip(&xml);
	dmarc_buf_free(&xml);
}

/* test_gzip - a gzip stream that inflates to the XML; the same bytes
 * every time (a re-sent report is identical) */
static void
test_gzip(const struct dmarc_buf *xml)
{
	struct dmarc_buf gz = { 0 }, gz2 = { 0 };
	unsigned char *out = malloc(xml->len + 16);
	z_stream z;

	TMX_CHECK(dmarc_gzip(xml->data, xml->len, &gz) == 0);
	TMX_CHECK(dmarc_gzip(xml->data, xml->len, &gz2) == 0);
	TMX_CHECK(gz.len == gz2.len && memcmp(gz.data, gz2.data, gz.len) == 0);
	TMX_CHECK(gz.len > 18 && (unsigned char)gz.data[0] == 0x1f &&
		  (unsigned char)gz.data[1] == 0x8b);
	TMX_CHECK(gz.len < xml->len);
	memset(&z, 0, sizeof(z));
	TMX_CHECK(inflateInit2(&z, 15 + 16) == Z_OK);
	z.next_in = (unsigned char *)gz.data;
	z.avail_in = (unsigned)gz.len;
	z.next_out = out;
	z.avail_out = (unsigned)xml->len + 16;
	TMX_CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
	TMX_CHECK(z.total_out == xml->len &&
		  memcmp(out, xml->data, xml->len) == 0);
	inflateEnd(&z);
	free(out);
	dmarc_buf_free(&gz);
	dmarc_buf_free(&gz2);
}

/* test_unbase64 - decode base64 text (line breaks skipped) into out */
static size_t
test_unbase64(const char *in, unsigned char *out, size_t size)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0, bits = 0;
	size_t n = 0;
	const char *p;

	for (; *in != '\0' && *in != '-'; in++) {
		if ((p = strchr(abc, *in)) == NULL || *in == '\0')
			continue;
		v = (v << 6) | (unsigned)(p - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < size)
				out[n++] = (unsigned char)(v >> bits);
		}
	}
	return n;
}

/* test_mail - Report-ID, file name, Subject, the MIME message */
static void
test_mail(void)
{
	struct dmarc_mail_meta m = {
		.org_name = "Example \"Mail\"", .from = "dmarc@mx.example",
		.to = "agg@reports.example.net", .receiver = "mx.example",
		.policy_domain = "example.com", .begin = T0, .end = T0 + DAY,
		.now = T0 + DAY + 300, .messages = 18, .records = 4,
	};
	char id[DMARC_MAIL_ID_MAX], name[DMARC_MAIL_NAME_MAX];
	struct dmarc_buf msg = { 0 };
	unsigned char gz[64], back[64];
	const char *body;
	size_t i, n;

	dmarc_mail_report_id(id, sizeof(id), "example.com", T0, T0 + DAY,
			     "0011223344556677");
	TMX_CHECK_STR(id, "2026051100h24r0011223344556677d431ceb26");
	TMX_CHECK(strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789") ==
		  strlen(id));
	dmarc_mail_report_id(id, sizeof(id), "example.net", T0 + 3600 * 6,
			     T0 + 3600 * 12, "ab");
	TMX_CHECK(strncmp(id, "2026051106h6rabd", 16) == 0 &&
		  strcmp(id + 16, "431ceb26") != 0);
	dmarc_mail_report_id(id, sizeof(id), "example.com", T0, T0 + DAY,
			     "0011223344556677");
	dmarc_mail_filename(name, sizeof(name), "mx.example", "example.com",
			    T0, T0 + DAY, id);
	TMX_CHECK_STR(name, "mx.example!example.com!1778457600!1778543999!"
		      "2026051100h24r0011223344556677d431ceb26.xml.gz");

	for (i = 0; i < sizeof(gz); i++)
		gz[i] = (unsigned char)(i * 37 + 1);
	m.report_id = id;
	m.filename = name;
	dmarc_mail_build(&m, gz, sizeof(gz), &msg);
	test_has(msg.data, "From: \"Example \\\"Mail\\\"\" "
		 "<dmarc@mx.example>\n");
	test_has(msg.data, "\nTo: <agg@reports.example.net>\n");
	test_has(msg.data, "\nDate: Tue, 12 May 2026 00:05:00 +0000\n");
	test_has(msg.data, "\nSubject: Report Domain: example.com Submitter: "
		 "mx.example\n Report-ID: <2026051100h24r0011223344556677d431ceb26>"
		 "\n");
	test_has(msg.data, "\nMessage-ID: <2026051100h24r0011223344556677"
		 "d431ceb26@mx.example>\n");
	test_has(msg.data, "\nMIME-Version: 1.0\n");
	test_has(msg.data, "\nContent-Type: application/gzip; name=\"mx.example!"
		 "example.com!1778457600!1778543999!"
		 "2026051100h24r0011223344556677d431ceb26.xml.gz\"\n");
	test_has(msg.data, "Content-Disposition: attachment; filename=");
	test_has(msg.data, "18 messages in 4 records");
	body = strstr(msg.data, "Content-Transfer-Encoding: base64\n\n");
	TMX_CHECK(body != NULL);
	if (body != NULL) {
		n = test_unbase64(body + 35, back, sizeof(back));
		TMX_CHECK(n == sizeof(gz) && memcmp(back, gz, n) == 0);
	}
	TMX_CHECK(strstr(msg.data, "\n--=_trustmx_2026051100h24r0011223344556677"
			 "d431ceb26--\n") != NULL);
	dmarc_buf_free(&msg);

	/* a long domain folds the Subject; a UTF-8 name is encoded */
	m.policy_domain = "a-rather-long-policy-domain-name.subdomain.example.com";
	m.org_name = "Ðōmain Ōperator Ĝmbh — äöü";
	dmarc_mail_build(&m, gz, sizeof(gz), &msg);
	test_has(msg.data, "\nSubject: Report Domain: a-rather-long-policy-"
		 "domain-name.subdomain.example.com\n Submitter: mx.example "
		 "Report-ID: <");
	test_has(msg.data, "From: =?UTF-8?B?");
	TMX_CHECK(strstr(msg.data, "Ð") == NULL);
	dmarc_buf_free(&msg);
}

/* The DNS of test_dest: TXT records by name (NULL text: TEMPFAIL) */
static const struct {
	const char *name;
	const char *text[3];
	size_t len0;		/* the first record's length, if not strlen */
} test_zone[] = {
	{ "example.com._report._dmarc.reports.example.net", { "v=DMARC1" } },
	{ "example.com._report._dmarc.spaced.example",
	  { "v=spf1 -all", " v = DMARC1 ; rua = " } },
	{ "example.com._report._dmarc.override.example",
	  { "v=DMARC1; rua=mailto:a@override.example, mailto:b@override.example!5m" } },
	{ "example.com._report._dmarc.evil.example",
	  { "v=DMARC1; rua=mailto:a@evil.example,mailto:x@victim.example" } },
	{ "example.com._report._dmarc.https.example",
	  { "v=DMARC1; rua=https://https.example/r" } },
	{ "example.com._report._dmarc.temp.example", { NULL } },
	{ "example.com._report._dmarc.v2.example", { "v=DMARC2", "x; v=DMARC1" } },
	{ "example.com._report._dmarc.lower.example", { "v=dmarc1" } },
	{ "example.com._report._dmarc.nul.example", { "v=DMARC1\0x" }, 10 },
};
static unsigned test_lookups;

/* test_txt - dmarc_dest_txt_fn answering from test_zone */
static enum dns_status
test_txt(const char *name, struct dns_answer *ans)
{
	size_t i, j;

	test_lookups++;
	memset(ans, 0, sizeof(*ans));
	for (i = 0; i < sizeof(test_zone) / sizeof(test_zone[0]); i++) {
		if (strcmp(test_zone[i].name, name) != 0)
			continue;
		if (test_zone[i].text[0] == NULL) {
			ans->reason = "timeout";
			return ans->status = DNS_TEMPFAIL;
		}
		ans->records = calloc(3, sizeof(*ans->records));
		for (j = 0; j < 3 && test_zone[i].text[j] != NULL; j++) {
			size_t len = j == 0 && test_zone[i].len0 ?
			    test_zone[i].len0 : strlen(test_zone[i].text[j]);

			ans->records[j].text = malloc(len + 1);
			memcpy(ans->records[j].text, test_zone[i].text[j],
			       len + 1);
			ans->records[j].textlen = len;
			ans->count++;
		}
		return ans->status = DNS_OK;
	}
	return ans->status = DNS_NXDOMAIN;
}

/* test_org - dmarc_dest_org_fn: every name under example.org has
 * example.org as its Organizational Domain */
static int
test_org(const char *host, char *org, size_t size)
{
	if (strcmp(host, "fail.example") == 0)
		return -1;
	snprintf(org, size, "%s", dmarc_rec_under(host, "example.org") ?
		 "example.org" : host);
	return 0;
}

/* test_dest - rua lists and the external destination check */
static void
test_dest(void)
{
	static const struct {
		const char *rua;
		const char *policy, *org;
		const char *want;	/* "state addr [x][o]; ..." */
		unsigned lookups;
	} cases[] = {
		{ "mailto:dmarc@example.com", "example.com", "",
		  "ok dmarc@example.com", 0 },
		{ "mailto:dmarc@reports.EXAMPLE.com", "example.com", "",
		  "ok dmarc@reports.example.com", 0 },
		{ "mailto:r@example.com", "sub.example.com", "example.com",
		  "ok r@example.com", 0 },
		{ "mailto:r@example.com", "sub.example.com", "",
		  "not authorised r@example.com x", 1 },
		{ "mailto:agg@reports.example.net", "example.com", "",
		  "ok agg@reports.example.net x", 1 },
		{ "mailto:agg@spaced.example", "example.com", "",
		  "ok agg@spaced.example x", 1 },
		{ "mailto:x@nowhere.example", "example.com", "",
		  "not authorised x@nowhere.example x", 1 },
		{ "mailto:x@override.example", "example.com", "",
		  "ok a@override.example xo; ok b@override.example xo", 1 },
		{ "mailto:x@evil.example", "example.com", "",
		  "override conflict x@evil.example x", 1 },
		{ "mailto:x@https.example", "example.com", "",
		  "unsupported x@https.example x", 1 },
		{ "mailto:x@temp.example", "example.com", "",
		  "DNS failure x@temp.example x", 1 },
		{ "mailto:x@v2.example", "example.com", "",
		  "not authorised x@v2.example x", 1 },
		{ "mailto:x@lower.example", "example.com", "",
		  "not authorised x@lower.example x", 1 },
		{ "mailto:x@nul.example", "example.com", "",
		  "not authorised x@nul.example x", 1 },
		{ "https://example.com/dmarc", "example.com", "",
		  "unsupported ", 0 },
		{ "dmarc@example.com", "example.com", "", "malformed ", 0 },
		{ "mailto:dmarc@example.com!10m", "example.com", "",
		  "ok dmarc@example.com", 0 },
		{ "mailto:d%40x@example.com", "example.com", "",
		  "malformed ", 0 },
		{ "mailto:a%2Cb@example.com", "example.com", "",
		  "malformed ", 0 },
		{ "mailto:a%2xb@example.com", "example.com", "",
		  "malformed ", 0 },
		{ "mailto:d%6Darc@example.com?subject=x", "example.com", "",
		  "ok dmarc@example.com", 0 },
		{ "mailto:a@example.com,mailto:a@EXAMPLE.com", "example.com",
		  "", "ok a@example.com", 0 },
		{ " mailto:a@example.com , , mailto:b@example.com ",
		  "example.com", "", "ok a@example.com; ok b@example.com", 0 },
		{ "mailto:1@example.com,mailto:2@example.com,"
		  "mailto:3@example.com,mailto:4@example.com,"
		  "mailto:5@example.com,mailto:6@example.com,"
		  "mailto:7@example.com,mailto:8@example.com,"
		  "mailto:9@example.com", "example.com", "",
		  "ok 1@example.com; ok 2@example.com; ok 3@example.com; "
		  "ok 4@example.com; ok 5@example.com; ok 6@example.com; "
		  "ok 7@example.com; ok 8@example.com; too many 9@example.com",
		  0 },
		{ "", "example.com", "", "", 0 },
	};
	struct dmarc_dest_dns dns = { .txt = test_txt };
	struct dmarc_dest out[DMARC_DEST_MAX];
	char got[2048];
	size_t i, j, n, used;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_lookups = 0;
		n = dmarc_dest_resolve(cases[i].rua, cases[i].policy,
				       cases[i].org, &dns, out, DMARC_DEST_MAX);
		got[0] = '\0';
		for (j = used = 0; j < n; j++)
			used += snprintf(got + used, sizeof(got) - used,
					 "%s%s %s%s%s%s", j ? "; " : "",
					 dmarc_dest_state_str(out[j].state),
					 out[j].addr,
					 out[j].external || out[j].override ?
					 " " : "", out[j].external ? "x" : "",
					 out[j].override ? "o" : "");
		TMX_CHECKF(strcmp(got, cases[i].want) == 0 &&
			   test_lookups == cases[i].lookups,
			   "%s: got \"%s\" (%u lookups), want \"%s\" (%u)",
			   cases[i].rua, got, test_lookups, cases[i].want,
			   cases[i].lookups);
	}

	/* <policy>._report._dmarc.<host> longer than DNS allows: no lookup,
	 * no authorisation (step 4) */
	{
		char rua[300], *p;

		p = rua + snprintf(rua, sizeof(rua), "mailto:a@");
		for (j = 0; j < 3; j++)
			p += snprintf(p, rua + sizeof(rua) - p, "%.63s.",
				      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		snprintf(p, rua + sizeof(rua) - p, "%.40s.net",
			 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
		test_lookups = 0;
		n = dmarc_dest_resolve(rua, "example.com", "", &dns, out,
				       DMARC_DEST_MAX);
		TMX_CHECKF(n == 1 && out[0].state == DMARC_DEST_UNAUTHORISED &&
			   test_lookups == 0 && strstr(out[0].why, "too long"),
			   "%zu %s", n, n ? out[0].why : "");
	}

	/* an Organizational Domain lookup in place of the "below" rule */
	dns.org = test_org;
	n = dmarc_dest_resolve("mailto:r@reports.example.org", "mail.example.org",
			       "example.org", &dns, out, DMARC_DEST_MAX);
	TMX_CHECK(n == 1 && out[0].state == DMARC_DEST_OK && !out[0].external);
	n = dmarc_dest_resolve("mailto:r@fail.example", "example.org",
			       "example.org", &dns, out, DMARC_DEST_MAX);
	TMX_CHECK(n == 1 && out[0].state == DMARC_DEST_TEMPFAIL);
}

/* test_send - the command, its arguments, the message on its input */
static void
test_send(void)
{
	const char *script = test_path("sendmail.sh");
	char *ok[] = { (char *)script, (char *)"-C", (char *)"/etc/x", NULL };
	char *missing[] = { (char *)"/nonexistent/sendmail", NULL };
	char err[256], buf[256];
	FILE *fp;
	size_t n;

	fp = fopen(script, "w");
	if (fp == NULL)
		return;
	fprintf(fp, "#!/bin/sh\necho \"$*\" >%s/args\ncat >%s/msg\n"
		"[ \"$7\" = fail@example.com ] && exit 75\nexit 0\n",
		test_dir, test_dir);
	fclose(fp);
	chmod(script, 0755);
	TMX_CHECKF(dmarc_send(ok, "dmarc@mx.example", "agg@example.com",
			      "hello\n", 6, err, sizeof(err)) == 0, "%s", err);
	fp = fopen(test_path("args"), "r");
	n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	buf[n] = '\0';
	if (fp)
		fclose(fp);
	TMX_CHECK_STR(buf, "-C /etc/x -oi -f dmarc@mx.example -- "
		      "agg@example.com\n");
	fp = fopen(test_path("msg"), "r");
	n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	buf[n] = '\0';
	if (fp)
		fclose(fp);
	TMX_CHECK_STR(buf, "hello\n");
	TMX_CHECK(dmarc_send(ok, "dmarc@mx.example", "fail@example.com", "x",
			     1, err, sizeof(err)) < 0);
	TMX_CHECKF(strstr(err, "status 75") != NULL, "%s", err);
	TMX_CHECK(dmarc_send(missing, "a@b.example", "c@d.example", "x", 1,
			     err, sizeof(err)) < 0);
	TMX_CHECKF(strstr(err, "could not be run") != NULL, "%s", err);
	unlink(script);
	unlink(test_path("args"));
	unlink(test_path("msg"));
}

/* test_period - --period */
static void
test_period(void)
{
	static const struct {
		const char *spec;
		time_t begin, end;	/* end 0: refused */
	} cases[] = {
		{ "yesterday", T0 - DAY, T0 },
		{ "2026-05-10..2026-05-11", T0 - DAY, T0 },
		{ "1778371200..1778457600", T0 - DAY, T0 },
		{ "2026-05-10T12:00Z..2026-05-11T03:00", T0 - DAY / 2,
		  T0 + 3 * 3600 },
		{ "2026-05-10T12:00:00..2026-05-11", T0 - DAY / 2, T0 },
		{ "2026-05-10T12:30..2026-05-11", 0, 0 },
		{ "1778371201..1778457600", 0, 0 },
		{ "2026-05-11..2026-05-10", 0, 0 },
		{ "2026-05-11..2026-05-11", 0, 0 },
		{ "2026-05-11..2026-05-12", 0, 0 },
		{ "2026-05-10", 0, 0 },
		{ "2026-05-10..", 0, 0 },
		{ "..2026-05-10", 0, 0 },
		{ "2026-05-10x..2026-05-11", 0, 0 },
		{ "today", 0, 0 },
	};
	time_t b, e, now = T0 + 5 * 3600;
	const char *why;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = e = 0;
		why = NULL;
		rc = dmarc_run_parse_period(cases[i].spec, now, &b, &e, &why);
		if (cases[i].end == 0)
			TMX_CHECKF(rc < 0 && why != NULL, "%s accepted",
				   cases[i].spec);
		else
			TMX_CHECKF(rc == 0 && b == cases[i].begin &&
				   e == cases[i].end, "%s: %lld..%lld (%s)",
				   cases[i].spec, (long long)b, (long long)e,
				   rc < 0 ? why : "");
	}
}

/* test_cleanup - remove the temporary directory's files */
static void
test_cleanup(void)
{
	static const char *const names[] = { "node-a.db", "node-b.db" };
	char path[160];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unlink(test_path(names[i]));
		snprintf(path, sizeof(path), "%s-wal", test_path(names[i]));
		unlink(path);
		snprintf(path, sizeof(path), "%s-shm", test_path(names[i]));
		unlink(path);
	}
	rmdir(test_dir);
}

int
main(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/tmx-dmarc-report.XXXXXX");
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_merge();
	test_mail();
	test_dest();
	test_send();
	test_period();
	test_cleanup();
	return TMX_TEST_END();
}
