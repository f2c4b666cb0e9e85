/*
 * test-dns-answer.c - dns/'s parsing without a resolver: names in rdata,
 * each record type's fields, and canned libunbound results turned into
 * answers (status, TTLs, DNSSEC verdict, what is copied), table-driven.
 */
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_int.h"
#include "tmx-test.h"

/* A name in uncompressed wire form and its text (NULL: refused). */
struct name_case {
	const char *wire;
	size_t len;
	const char *text;
};

#define W(s) s, sizeof(s) - 1

static const struct name_case name_cases[] = {
	{ W("\3www\7example\3com\0"), "www.example.com" },
	{ W("\0"), "." },
	{ W("\3a.b\4test\0"), "a\\.b.test" },
	{ W("\2\040\377\0"), "\\032\\255" },
	{ W("\4a\"@$\0"), "a\\\"\\@\\$" },
	{ W("\3ww"), NULL },			/* label runs past rdata */
	{ W("\3www"), NULL },			/* no root label */
	{ W("\300\014"), NULL },		/* a compression pointer */
};

/* One rdata of one type and what the record should hold. */
struct record_case {
	const char *name;
	enum dns_type type;
	const char *rdata;
	size_t rdlen;
	int ok;
	const char *text;	/* expected text, NULL for none */
	size_t textlen;
	unsigned preference;
	const char *addr;	/* A/AAAA as tmx_addr_format prints it */
};

static const struct record_case record_cases[] = {
	{ "A", DNS_TYPE_A, W("\300\0\2\1"), 1, NULL, 0, 0, "192.0.2.1" },
	{ "A short", DNS_TYPE_A, W("\300\0\2"), 0, NULL, 0, 0, NULL },
	{ "AAAA", DNS_TYPE_AAAA,
	  W("\40\1\15\270\0\0\0\0\0\0\0\0\0\0\0\1"), 1, NULL, 0, 0,
	  "2001:db8::1" },
	{ "AAAA long", DNS_TYPE_AAAA,
	  W("\40\1\15\270\0\0\0\0\0\0\0\0\0\0\0\1\0"), 0, NULL, 0, 0, NULL },
	{ "MX", DNS_TYPE_MX, W("\0\12\4mail\4test\0"), 1, "mail.test", 9, 10,
	  NULL },
	{ "MX trailing", DNS_TYPE_MX, W("\0\12\4mail\4test\0\0"), 0, NULL, 0,
	  0, NULL },
	{ "MX short", DNS_TYPE_MX, W("\0\12"), 0, NULL, 0, 0, NULL },
	{ "PTR", DNS_TYPE_PTR, W("\4host\4test\0"), 1, "host.test", 9, 0,
	  NULL },
	{ "NS", DNS_TYPE_NS, W("\2ns\4test\0"), 1, "ns.test", 7, 0, NULL },
	{ "CNAME", DNS_TYPE_CNAME, W("\1x\4test\0"), 1, "x.test", 6, 0, NULL },
	{ "TXT two strings", DNS_TYPE_TXT, W("\5hello\5world"), 1,
	  "helloworld", 10, 0, NULL },
	{ "TXT NUL inside", DNS_TYPE_TXT, W("\3a\0b"), 1, "a\0b", 3, 0, NULL },
	{ "TXT empty string", DNS_TYPE_TXT, W("\0"), 1, "", 0, 0, NULL },
	{ "TXT overrun", DNS_TYPE_TXT, W("\5abc"), 0, NULL, 0, 0, NULL },
	{ "SOA", DNS_TYPE_SOA,
	  W("\2ns\4test\0\12hostmaster\4test\0"
	    "\0\0\0\1\0\0\16\20\0\0\4\260\0\11\72\200\0\0\0\74"), 1,
	  "ns.test hostmaster.test 1 3600 1200 604800 60", 0, 0, NULL },
	{ "SOA short", DNS_TYPE_SOA, W("\2ns\4test\0\1h\0\0\0\0\1"), 0, NULL,
	  0, 0, NULL },
	{ "TLSA", DNS_TYPE_TLSA, W("\3\1\1\253\315"), 1, NULL, 0, 0, NULL },
};

/* test_names - dns_rdata_name over the table */
static void
test_names(void)
{
	char out[DNS_NAME_TEXT_MAX];
	size_t i, pos;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		int rc;

		pos = 0;
		rc = dns_rdata_name((const uint8_t *)c->wire, c->len, &pos, out,
		    sizeof(out));
		if (c->text == NULL) {
			TMX_CHECKF(rc < 0, "name %zu accepted as %s", i, out);
			continue;
		}
		TMX_CHECKF(rc == 0, "name %zu refused", i);
		if (rc == 0) {
			TMX_CHECK_STR(out, c->text);
			TMX_CHECKF(pos == c->len, "name %zu: pos %zu", i, pos);
		}
	}
	/* a 64-octet label */
	memset(out, 'a', 66);
	out[0] = 64;
	out[65] = 0;
	pos = 0;
	TMX_CHECK(dns_rdata_name((const uint8_t *)out, 66, &pos, out + 100,
	    sizeof(out) - 100) < 0);
	/* a buffer too small is a refusal, not an overflow */
	pos = 0;
	TMX_CHECK(dns_rdata_name((const uint8_t *)"\3www\4test\0", 10, &pos,
	    out, 8) < 0);
}

/* test_records - dns_record_parse over the table */
static void
test_records(void)
{
	char addr[TMX_ADDR_STRLEN];
	struct dns_record rec;
	size_t i;

	for (i = 0; i < sizeof(record_cases) / sizeof(record_cases[0]); i++) {
		const struct record_case *c = &record_cases[i];
		int rc = dns_record_parse(&rec, c->type,
		    (const uint8_t *)c->rdata, c->rdlen, 42);

		TMX_CHECKF((rc == 0) == c->ok, "%s: rc %d", c->name, rc);
		if (rc < 0) {
			TMX_CHECKF(rec.text == NULL && rec.rdata == NULL,
			    "%s: left allocations", c->name);
			continue;
		}
		TMX_CHECKF(rec.ttl == 42 && rec.rdlen == c->rdlen &&
		    memcmp(rec.rdata, c->rdata, c->rdlen) == 0,
		    "%s: rdata or ttl", c->name);
		if (c->text != NULL)
			TMX_CHECKF(rec.text != NULL && rec.textlen ==
			    (c->textlen ? c->textlen : strlen(c->text)) &&
			    memcmp(rec.text, c->text, rec.textlen + 1) == 0, "%s: text \"%s\"", c->name,
			    rec.text ? rec.text : "(null)");
		else
			TMX_CHECKF(rec.text == NULL, "%s: text", c->name);
		TMX_CHECKF(rec.preference == c->preference, "%s: pref",
		    c->name);
		if (c->addr != NULL) {
			tmx_addr_format(&rec.addr, addr, sizeof(addr));
			TMX_CHECK_STR(addr, c->addr);
		}
		free(rec.text);
		free(rec.rdata);
	}
}

/* NXDOMAIN for zz.auth.example A: SOA (TTL 120, MINIMUM 60) with names
 * compressed against the question, as libunbound encodes it. */
static const uint8_t nx_packet[] = {
	0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0,
	2, 'z', 'z', 4, 'a', 'u', 't', 'h', 7, 'e', 'x', 'a', 'm', 'p', 'l',
	'e', 0, 0, 1, 0, 1,
	0xc0, 15, 0, 6, 0, 1, 0, 0, 0, 120, 0, 38,
	2, 'n', 's', 0xc0, 15,
	10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xc0, 15,
	0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x04, 0xb0, 0, 0x09, 0x3a, 0x80,
	0, 0, 0, 60,
};

/* test_packets - dns_packet_negative_ttl on whole and broken messages */
static void
test_packets(void)
{
	uint8_t buf[sizeof(nx_packet)];
	uint32_t ttl = 0;

	TMX_CHECK(dns_packet_negative_ttl(nx_packet, sizeof(nx_packet),
	    &ttl) == 1 && ttl == 60);
	memcpy(buf, nx_packet, sizeof(buf));
	buf[42] = 30;				/* SOA TTL below MINIMUM */
	TMX_CHECK(dns_packet_negative_ttl(buf, sizeof(buf), &ttl) == 1 &&
	    ttl == 30);
	TMX_CHECK(dns_packet_negative_ttl(nx_packet, 33, &ttl) == -1);
	TMX_CHECK(dns_packet_negative_ttl(nx_packet, sizeof(nx_packet) - 1,
	    &ttl) == -1);
	TMX_CHECK(dns_packet_negative_ttl(nx_packet, 11, &ttl) == -1);
	buf[9] = 0;				/* no authority: no SOA */
	TMX_CHECK(dns_packet_negative_ttl(buf, 33, &ttl) == 0);
	memcpy(buf, nx_packet, sizeof(buf));
	buf[12] = 0x80;				/* reserved label type */
	TMX_CHECK(dns_packet_negative_ttl(buf, sizeof(buf), &ttl) == -1);
	memcpy(buf, nx_packet, sizeof(buf));
	buf[44] = 5;				/* SOA rdata too short */
	TMX_CHECK(dns_packet_negative_ttl(buf, 50, &ttl) == -1);
}

/* A canned libunbound result and the answer it must become. */
struct fill_case {
	const char *name;
	enum dns_type type;
	int err;
	int rcode, havedata, nxdomain, secure, bogus, ttl;
	const char *rdata[3];
	int rdlen[3];
	const char *canonname;
	const char *why_bogus;
	enum dns_status status;
	enum dns_security security;
	size_t count;
	uint32_t min_ttl, negative_ttl;
	const char *reason;	/* NULL: do not check */
	const char *canon_out;
	bool nx_packet;		/* the reply is nx_packet, not a bare header */
};

static const struct fill_case fill_cases[] = {
	{ "two A", DNS_TYPE_A, 0, 0, 1, 0, 0, 0, 300,
	  { "\300\0\2\1", "\300\0\2\2" }, { 4, 4 }, NULL, NULL,
	  DNS_OK, DNS_INSECURE, 2, 300, 0, NULL, NULL },
	{ "via CNAME", DNS_TYPE_A, 0, 0, 1, 0, 0, 0, 60,
	  { "\300\0\2\3" }, { 4 }, "target.test.", NULL,
	  DNS_OK, DNS_INSECURE, 1, 60, 0, NULL, "target.test" },
	{ "secure TXT", DNS_TYPE_TXT, 0, 0, 1, 0, 1, 0, 10,
	  { "\2hi" }, { 3 }, NULL, NULL,
	  DNS_OK, DNS_SECURE, 1, 10, 0, NULL, NULL },
	{ "NODATA", DNS_TYPE_MX, 0, 0, 0, 0, 0, 0, 900,
	  { NULL }, { 0 }, NULL, NULL,
	  DNS_NODATA, DNS_INSECURE, 0, 0, 0, NULL, NULL },
	{ "NXDOMAIN", DNS_TYPE_A, 0, 3, 0, 1, 0, 0, 120,
	  { NULL }, { 0 }, NULL, NULL,
	  DNS_NXDOMAIN, DNS_INSECURE, 0, 0, 60, NULL, NULL, true },
	/* libunbound's TTL here is the OPT record's flags: not believed */
	{ "NXDOMAIN without SOA", DNS_TYPE_A, 0, 3, 0, 1, 0, 0, 32768,
	  { NULL }, { 0 }, NULL, NULL,
	  DNS_NXDOMAIN, DNS_INSECURE, 0, 0, 0, NULL, NULL },
	{ "SERVFAIL", DNS_TYPE_A, 0, 2, 0, 0, 0, 0, 0,
	  { NULL }, { 0 }, NULL, NULL,
	  DNS_TEMPFAIL, DNS_INSECURE, 0, 0, 0, NULL, NULL },
	{ "REFUSED", DNS_TYPE_A, 0, 5, 0, 0, 0, 0, 0,
	  { NULL }, { 0 }, NULL, NULL,
	  DNS_TEMPFAIL, DNS_INSECURE, 0, 0, 0, "server REFUSED", NULL },
	{ "bogus", DNS_TYPE_TXT, 0, 2, 0, 0, 0, 1, 0,
	  { NULL }, { 0 }, NULL, "validation failure <x.test. TXT IN>",
	  DNS_TEMPFAIL, DNS_BOGUS, 0, 0, 0,
	  "validation failure <x.test. TXT IN>", NULL },
	{ "libunbound error", DNS_TYPE_A, UB_NOMEM, 0, 0, 0, 0, 0, 0,
	  { NULL }, { 0 }, NULL, NULL,
	  DNS_TEMPFAIL, DNS_INSECURE, 0, 0, 0, NULL, NULL },
	{ "malformed A", DNS_TYPE_A, 0, 0, 1, 0, 0, 0, 300,
	  { "\300\0\2" }, { 3 }, NULL, NULL,
	  DNS_TEMPFAIL, DNS_INSECURE, 0, 0, 0, "malformed record", NULL },
};

/* test_fill - dns_answer_fill over canned results */
static void
test_fill(void)
{
	static const char packet[] = "\0\1\201\200\0\1\0\0\0\0\0\0";
	size_t i;

	for (i = 0; i < sizeof(fill_cases) / sizeof(fill_cases[0]); i++) {
		const struct fill_case *c = &fill_cases[i];
		struct ub_result res;
		struct dns_answer ans;
		char *data[4] = { NULL };
		int len[4] = { 0 };
		size_t j;

		memset(&res, 0, sizeof(res));
		for (j = 0; j < 3 && c->rdata[j] != NULL; j++) {
			data[j] = (char *)c->rdata[j];
			len[j] = c->rdlen[j];
		}
		res.data = data;
		res.len = len;
		res.rcode = c->rcode;
		res.havedata = c->havedata;
		res.nxdomain = c->nxdomain;
		res.secure = c->secure;
		res.bogus = c->bogus;
		res.ttl = c->ttl;
		res.canonname = (char *)c->canonname;
		res.why_bogus = (char *)c->why_bogus;
		res.answer_packet = c->nx_packet ? (void *)nx_packet :
		    (void *)packet;
		res.answer_len = c->nx_packet ? (int)sizeof(nx_packet) :
		    (int)sizeof(packet) - 1;
		memset(&ans, 0, sizeof(ans));
		dns_answer_fill(&ans, c->type, c->err, c->err ? NULL : &res);
		TMX_CHECKF(ans.status == c->status, "%s: status %s", c->name,
		    dns_status_str(ans.status));
		TMX_CHECKF(ans.security == c->security, "%s: security %s",
		    c->name, dns_security_str(ans.security));
		TMX_CHECKF(ans.count == c->count && ans.min_ttl == c->min_ttl &&
		    ans.negative_ttl == c->negative_ttl,
		    "%s: count %zu ttl %u negttl %u", c->name, ans.count,
		    ans.min_ttl, ans.negative_ttl);
		if (c->reason != NULL)
			TMX_CHECK_STR(ans.reason, c->reason);
		if (ans.status == DNS_TEMPFAIL)
			TMX_CHECKF(ans.reason != NULL, "%s: no reason", c->name);
		if (c->canon_out != NULL)
			TMX_CHECK_STR(ans.canonname, c->canon_out);
		if (!c->err)
			TMX_CHECKF(ans.packetlen == (size_t)res.answer_len &&
			    ans.packet != NULL &&
			    ans.packet != res.answer_packet &&
			    memcmp(ans.packet, res.answer_packet,
			    ans.packetlen) == 0, "%s: packet not copied",
			    c->name);
		dns_answer_free(&ans);
		TMX_CHECKF(ans.records == NULL && ans.packet == NULL &&
		    ans.canonname == NULL && ans.reason_buf == NULL,
		    "%s: free left something", c->name);
		if (c->security == DNS_BOGUS)
			TMX_CHECKF(ans.reason == NULL,
			    "%s: reason dangles after free", c->name);
	}
}

/* test_names_valid - dns_name_valid and dns_name_equal, as before */
static void
test_names_valid(void)
{
	char long_label[80], long_name[300], escaped[DNS_NAME_ESCAPED_MAX];

	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	TMX_CHECK(dns_name_valid("example.com"));
	TMX_CHECK(dns_name_valid("example.com."));
	TMX_CHECK(dns_name_valid("_dmarc.example.com"));
	TMX_CHECK(!dns_name_valid(""));
	TMX_CHECK(!dns_name_valid("."));
	TMX_CHECK(!dns_name_valid("a..b"));
	/* SPF macros expand to such names (RFC 7208 7.3); escaped on the wire */
	TMX_CHECK(dns_name_valid("a b%20.test"));
	TMX_CHECK(dns_name_valid("a\\.b.test"));
	dns_name_escape("a b%.x-_*.test", escaped, sizeof(escaped));
	TMX_CHECK_STR(escaped, "a\\032b\\037.x-_*.test");
	dns_name_escape("a\\b\"(;).test", escaped, sizeof(escaped));
	TMX_CHECK_STR(escaped, "a\\092b\\034\\040\\059\\041.test");
	TMX_CHECK(!dns_name_valid(long_label));
	TMX_CHECK(!dns_name_valid(long_name));
	TMX_CHECK(dns_name_equal("Example.COM.", "example.com"));
	TMX_CHECK(!dns_name_equal("example.com", "example.co"));
	TMX_CHECK_STR(dns_type_str(DNS_TYPE_TLSA), "TLSA");
	TMX_CHECK_STR(dns_type_str((enum dns_type)99), "?");
}

int
main(void)
{
	test_names();
	test_records();
	test_packets();
	test_fill();
	test_names_valid();
	return TMX_TEST_END();
}
