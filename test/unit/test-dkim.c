/*
 * test-dkim.c - the DKIM pieces ARC stands on: tag lists (RFC 6376 3.2),
 * base64 with FWS, canonicalization (the RFC 6376 3.4.6 example, empty
 * bodies, l=, chunks split anywhere) and key records.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_canon.h"
#include "dkim_key.h"
#include "dkim_tags.h"
#include "tmx-test.h"

/* Tag lists: whether they parse, how many tags, one tag's value. */
static const struct {
	const char *in;
	int ok;
	unsigned count;
	const char *tag, *value;
} tag_cases[] = {
	{ "v=1; a=rsa-sha256", 1, 2, "a", "rsa-sha256" },
	{ "a=1;", 1, 1, "a", "1" },
	{ "a=1;  ", 1, 1, "a", "1" },
	{ "", 1, 0, NULL, NULL },
	{ "  \t ", 1, 0, NULL, NULL },
	{ " a = 1 ; b\t=\t2 ", 1, 2, "b", "2" },
	{ "a=;b=2", 1, 2, "a", "" },
	{ "b=AB CD\r\n\tEF", 1, 1, "b", "AB CD\r\n\tEF" },
	{ "a=1;\r\n b=2", 1, 2, "b", "2" },
	{ "x_y9=ok", 1, 1, "x_y9", "ok" },
	{ "h=from : to", 1, 1, "h", "from : to" },
	{ "a=1; a=2", 0, 0, NULL, NULL },		/* duplicate */
	{ "a=1;;b=2", 0, 0, NULL, NULL },		/* empty tag-spec */
	{ ";a=1", 0, 0, NULL, NULL },
	{ "a", 0, 0, NULL, NULL },			/* no '=' */
	{ "a b=1", 0, 0, NULL, NULL },
	{ "1a=1", 0, 0, NULL, NULL },
	{ "_a=1", 0, 0, NULL, NULL },
	{ "=1", 0, 0, NULL, NULL },
	{ "a=1\r\nb=2", 0, 0, NULL, NULL },		/* CRLF without WSP */
	{ "a=1\nb", 0, 0, NULL, NULL },			/* bare LF */
	{ "a=1\r", 0, 0, NULL, NULL },			/* bare CR */
	{ "a=\x80", 0, 0, NULL, NULL },			/* 8-bit */
	{ "a=x\x01y", 0, 0, NULL, NULL },		/* control */
	{ "abcdefghijabcdefghijabcdefghijabc=1", 0, 0, NULL, NULL },
};

/* test_tags - the table, and the raw span b= empties */
static void
test_tags(void)
{
	struct dkim_tags tags;
	const struct dkim_tag *t;
	const char *err, *sig;
	char many[512];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(tag_cases) / sizeof(tag_cases[0]); i++) {
		int rc = dkim_tags_parse(tag_cases[i].in, strlen(tag_cases[i].in),
					 &tags, &err);

		TMX_CHECKF((rc == 0) == tag_cases[i].ok, "case %zu \"%s\"", i,
			   tag_cases[i].in);
		if (rc < 0 || !tag_cases[i].ok)
			continue;
		TMX_CHECKF(tags.count == tag_cases[i].count, "case %zu count", i);
		if (tag_cases[i].tag == NULL)
			continue;
		t = dkim_tags_get(&tags, tag_cases[i].tag);
		TMX_CHECKF(t != NULL && t->valuelen == strlen(tag_cases[i].value) &&
			   memcmp(t->value, tag_cases[i].value, t->valuelen) == 0,
			   "case %zu value", i);
	}
	/* tag names are case-sensitive; values compared in any case */
	TMX_CHECK(dkim_tags_parse("A=1; a=2", 8, &tags, &err) == 0);
	TMX_CHECK(dkim_tags_equal(dkim_tags_get(&tags, "A"), "1"));
	sig = "i=1; a=RSA-SHA256";
	TMX_CHECK(dkim_tags_parse(sig, strlen(sig), &tags, &err) == 0);
	TMX_CHECK(dkim_tags_equal(dkim_tags_get(&tags, "a"), "rsa-sha256"));
	/* the raw span of b=: from after '=' to the ';' or the end */
	sig = "a=x; b= AB\r\n\tCD ; c=1";
	TMX_CHECK(dkim_tags_parse(sig, strlen(sig), &tags, &err) == 0);
	t = dkim_tags_get(&tags, "b");
	TMX_CHECK(t != NULL && t->raw_start == 7 && t->raw_end == 16 &&
		  sig[t->raw_end] == ';');
	/* at most DKIM_TAGS_MAX tags */
	for (int i = 0; i < DKIM_TAGS_MAX + 1; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "t%d=1;", i);
	TMX_CHECK(dkim_tags_parse(many, n, &tags, &err) < 0);
	TMX_CHECK_STR(err, "too many tags");
}

/* test_base64 - strict decoding with FWS, and encoding */
static void
test_base64(void)
{
	static const struct {
		const char *in;
		ssize_t len;
		const char *out;
	} cases[] = {
		{ "", 0, "" },
		{ "YQ==", 1, "a" },
		{ "YWI=", 2, "ab" },
		{ "YWJj", 3, "abc" },
		{ "YW Jj\r\n\tZA ==", 4, "abcd" },
		{ "YWJ", -1, NULL },		/* not a whole quantum */
		{ "YQ=", -1, NULL },
		{ "Y===", -1, NULL },
		{ "YQ==YQ==", -1, NULL },	/* data after padding */
		{ "YR==", -1, NULL },		/* non-zero trailing bits */
		{ "YW!j", -1, NULL },
		{ "YWJj;", -1, NULL },
	};
	uint8_t out[16];
	char enc[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ssize_t n = dkim_tags_base64(cases[i].in, strlen(cases[i].in),
					     out, sizeof(out));

		TMX_CHECKF(n == cases[i].len, "base64 case %zu", i);
		if (n > 0)
			TMX_CHECKF(memcmp(out, cases[i].out, (size_t)n) == 0,
				   "base64 case %zu bytes", i);
	}
	TMX_CHECK(dkim_tags_base64("YWJj", 4, out, 2) < 0);	/* no room */
	dkim_tags_base64_encode((const uint8_t *)"abcd", 4, enc);
	TMX_CHECK_STR(enc, "YWJjZA==");
	dkim_tags_base64_encode((const uint8_t *)"abcde", 5, enc);
	TMX_CHECK_STR(enc, "YWJjZGU=");
	dkim_tags_base64_encode((const uint8_t *)"", 0, enc);
	TMX_CHECK_STR(enc, "");
}

/* test_digest_of - SHA-256 of a string, base64 */
static void
test_digest_of(const char *s, size_t len, char out[64])
{
	unsigned char d[32];
	unsigned int n;

	EVP_Digest(s, len, d, &n, EVP_sha256(), NULL);
	dkim_tags_base64_encode(d, n, out);
}

/* test_header - one header field canonicalized, base64 of its digest */
static void
test_header(enum dkim_canon c, const char *name, const char *value,
	    bool crlf, char out[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int n;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	TMX_CHECK(dkim_canon_header(md, c, name, value, strlen(value), crlf) == 0);
	EVP_DigestFinal_ex(md, d, &n);
	EVP_MD_CTX_free(md);
	dkim_tags_base64_encode(d, n, out);
}

/* test_body - a body in chunks of `step` bytes (0: split once at
 * `split`), base64 of its digest; *len_r the canonical length */
static void
test_body(enum dkim_canon c, int64_t limit, const char *body, size_t step,
	  size_t split, char out[64], uint64_t *len_r)
{
	struct dkim_canon_body b;
	unsigned char d[32];
	size_t len = strlen(body);

	TMX_CHECK(dkim_canon_body_init(&b, c, limit) == 0);
	if (step == 0) {
		dkim_canon_body_update(&b, (const unsigned char *)body, split);
		dkim_canon_body_update(&b, (const unsigned char *)body + split,
				       len - split);
	} else {
		for (size_t i = 0; i < len; i += step)
			dkim_canon_body_update(&b, (const unsigned char *)body + i,
					       len - i < step ? len - i : step);
	}
	TMX_CHECK(dkim_canon_body_final(&b, d) == 0);
	*len_r = b.length;
	dkim_canon_body_free(&b);
	dkim_canon_body_free(&b);	/* safe twice */
	dkim_tags_base64_encode(d, 32, out);
}

/* Bodies: the canonical text each algorithm must hash. */
static const struct {
	const char *body;
	const char *simple, *relaxed;
} body_cases[] = {
	/* RFC 6376 3.4.6 */
	{ " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n", " C\r\nD E\r\n" },
	/* empty bodies: simple is CRLF, relaxed is empty (errata 1384) */
	{ "", "\r\n", "" },
	{ "\r\n\r\n", "\r\n", "" },
	{ " \t\r\n\r\n", " \t\r\n", "" },
	/* a last line without CRLF gets one */
	{ "abc", "abc\r\n", "abc\r\n" },
	{ "abc \t", "abc \t\r\n", "abc\r\n" },
	/* empty lines inside stay; only those at the end go */
	{ "a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n" },
	/* a bare CR or LF is content, not a line end */
	{ "a\rb\r\n", "a\rb\r\n", "a\rb\r\n" },
	{ "a\nb\r\n", "a\nb\r\n", "a\nb\r\n" },
	{ "a\r", "a\r\r\n", "a\r\r\n" },
	/* leading white space is reduced, not removed */
	{ "  x  y  \r\n", "  x  y  \r\n", " x y\r\n" },
	{ "x\r\n \r\n\t\r\ny\r\n", "x\r\n \r\n\t\r\ny\r\n", "x\r\n\r\n\r\ny\r\n" },
};

/* test_canon - headers and bodies, whole and split */
static void
test_canon(void)
{
	char got[64], want[64];
	enum dkim_canon h, b;
	uint64_t len;

	/* RFC 6376 3.4.6, header fields */
	test_header(DKIM_CANON_RELAXED, "A", " X", true, got);
	test_digest_of("a:X\r\n", 5, want);
	TMX_CHECK_STR(got, want);
	test_header(DKIM_CANON_RELAXED, "B ", " Y\t\r\n\tZ  ", true, got);
	test_digest_of("b:Y Z\r\n", 7, want);
	TMX_CHECK_STR(got, want);
	test_header(DKIM_CANON_SIMPLE, "B ", " Y\t\r\n\tZ  ", true, got);
	test_digest_of("B : Y\t\r\n\tZ  \r\n", 14, want);
	TMX_CHECK_STR(got, want);
	test_header(DKIM_CANON_RELAXED, "Subject", "\t a  b ", false, got);
	test_digest_of("subject:a b", 11, want);
	TMX_CHECK_STR(got, want);

	for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		const char *body = body_cases[i].body;
		size_t blen = strlen(body);

		for (int c = 0; c < 2; c++) {
			const char *canon = c ? body_cases[i].relaxed :
			    body_cases[i].simple;

			test_digest_of(canon, strlen(canon), want);
			/* every split point, then byte by byte */
			for (size_t s = 0; s <= blen; s++) {
				test_body((enum dkim_canon)c, -1, body, 0, s, got,
					  &len);
				TMX_CHECKF(strcmp(got, want) == 0 &&
					   len == strlen(canon),
					   "body %zu canon %d split %zu", i, c, s);
			}
			test_body((enum dkim_canon)c, -1, body, 1, 0, got, &len);
			TMX_CHECKF(strcmp(got, want) == 0, "body %zu canon %d "
				   "bytewise", i, c);
		}
	}
	/* the known empty-body hashes (RFC 4871 errata 1376) */
	test_body(DKIM_CANON_SIMPLE, -1, "", 1, 0, got, &len);
	TMX_CHECK_STR(got, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	test_body(DKIM_CANON_RELAXED, -1, "", 1, 0, got, &len);
	TMX_CHECK_STR(got, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	/* l=: the first bytes of the canonical body; length counts all */
	test_body(DKIM_CANON_RELAXED, 5, " C \r\nD \t E\r\n\r\n", 3, 0, got, &len);
	test_digest_of(" C\r\nD", 5, want);
	TMX_CHECK_STR(got, want);
	TMX_CHECK(len == 9);
	test_body(DKIM_CANON_SIMPLE, 0, "abc\r\n", 1, 0, got, &len);
	test_digest_of("", 0, want);
	TMX_CHECK_STR(got, want);
	/* c= values */
	TMX_CHECK(dkim_canon_parse("relaxed/simple", 14, &h, &b) == 0 &&
		  h == DKIM_CANON_RELAXED && b == DKIM_CANON_SIMPLE);
	TMX_CHECK(dkim_canon_parse("relaxed", 7, &h, &b) == 0 &&
		  h == DKIM_CANON_RELAXED && b == DKIM_CANON_SIMPLE);
	TMX_CHECK(dkim_canon_parse("Simple/Relaxed", 14, &h, &b) == 0 &&
		  h == DKIM_CANON_SIMPLE && b == DKIM_CANON_RELAXED);
	TMX_CHECK(dkim_canon_parse("relaxed/", 8, &h, &b) < 0);
	TMX_CHECK(dkim_canon_parse("loose", 5, &h, &b) < 0);
	TMX_CHECK(dkim_canon_parse("simple/simple/simple", 20, &h, &b) < 0);
}

/* test_spki - the base64 SubjectPublicKeyInfo of a new key */
static char *
test_spki(const char *type, size_t bits)
{
	EVP_PKEY *k = bits ? EVP_PKEY_Q_keygen(NULL, NULL, type, bits) :
	    EVP_PKEY_Q_keygen(NULL, NULL, type, "P-256");
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	char *out = malloc((size_t)n * 2 + 4);

	dkim_tags_base64_encode(der, (size_t)n, out);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return out;
}

/* test_keys - key records */
static void
test_keys(void)
{
	char *rsa = test_spki("RSA", 1024), *weak = test_spki("RSA", 512);
	char *ec = test_spki("EC", 0), rec[2048];
	struct dkim_pubkey key;
	const char *why = NULL;
	const struct {
		const char *pre, *p, *post;	/* the record: pre p post */
		enum dkim_key_status want;
		const char *why;
	} cases[] = {
		{ "v=DKIM1; k=rsa; p=", rsa, "", DKIM_KEY_OK, NULL },
		{ "p=", rsa, "", DKIM_KEY_OK, NULL },
		{ "v=DKIM1; h=sha1:sha256; s=email; t=y; p=", rsa, "", DKIM_KEY_OK,
		  NULL },
		{ "v=DKIM1; k=rsa; p=", "", "", DKIM_KEY_INVALID,
		  "the key is revoked (empty p=)" },
		{ "k=rsa; v=DKIM1; p=", rsa, "", DKIM_KEY_INVALID,
		  "the key record's v= is not DKIM1, first" },
		{ "v=DKIM2; p=", rsa, "", DKIM_KEY_INVALID,
		  "the key record's v= is not DKIM1, first" },
		{ "v=DKIM1; h=sha1; p=", rsa, "", DKIM_KEY_INVALID,
		  "the key does not allow sha256 (h=)" },
		{ "v=DKIM1; s=tlsrpt; p=", rsa, "", DKIM_KEY_INVALID,
		  "the key is not for email (s=)" },
		{ "v=DKIM1; k=dsa; p=", rsa, "", DKIM_KEY_INVALID,
		  "unknown key type (k=)" },
		{ "v=DKIM1; k=rsa", "", "", DKIM_KEY_INVALID,
		  "the key record has no p=" },
		{ "v=DKIM1; p=", weak, "", DKIM_KEY_INVALID,
		  "RSA key shorter than 1024 bits (RFC 8301)" },
		{ "v=DKIM1; p=", ec, "", DKIM_KEY_INVALID,
		  "p= is not an RSA key although k=rsa" },
		{ "v=DKIM1; k=ed25519; p=", rsa, "", DKIM_KEY_INVALID,
		  "an Ed25519 key is not 32 bytes" },
		{ "v=DKIM1; k=ed25519; p=",
		  "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "", DKIM_KEY_OK,
		  NULL },
		{ "v=DKIM1; p=", "AAAA", "", DKIM_KEY_INVALID,
		  "p= is not an RSA public key" },
		{ "v=DKIM1; p=", "!!!!", "", DKIM_KEY_INVALID,
		  "p= is not base64, or too long" },
		{ "v=DKIM1; p=", rsa, "; p=x", DKIM_KEY_INVALID,
		  "the key record is not a tag list" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum dkim_key_status st;

		snprintf(rec, sizeof(rec), "%s%s%s", cases[i].pre, cases[i].p,
			 cases[i].post);
		st = dkim_key_parse(rec, strlen(rec), &key, &why);
		TMX_CHECKF(st == cases[i].want, "key case %zu: %s", i,
			   st == DKIM_KEY_OK ? "ok" : why);
		if (st != DKIM_KEY_OK && cases[i].why != NULL)
			TMX_CHECK_STR(why, cases[i].why);
		if (st == DKIM_KEY_OK)
			TMX_CHECKF(key.pkey != NULL && (key.type == DKIM_KEY_RSA ?
				   key.bits == 1024 : key.bits == 256),
				   "key case %zu", i);
		dkim_key_clear(&key);
	}
	/* the name asked must be a host name */
	TMX_CHECK(dkim_key_fetch("a b", "example.org", &key, &why) ==
		  DKIM_KEY_INVALID);
	TMX_CHECK(dkim_key_fetch("s", "", &key, &why) == DKIM_KEY_INVALID);
	free(rsa);
	free(weak);
	free(ec);
}

int
main(void)
{
	test_tags();
	test_base64();
	test_canon();
	test_keys();
	return TMX_TEST_END();
}
