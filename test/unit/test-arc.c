/*
 * test-arc.c - ARC sealing and validation round trips with keys made
 * here and published through dkim_key's lookup hook (no DNS): chains of
 * 1 to 50 sets with RSA and Ed25519, streaming in any chunks, LF and
 * milter-style input, and every way a chain must fail or a seal be
 * refused, each with its reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "arc.h"
#include "arc_int.h"
#include "dkim_key.h"
#include "dkim_tags.h"
#include "tmx-test.h"

#define T_NOW 1764842400

/* The published keys: name -> record. */
static struct {
	char name[128];
	char record[1024];
} test_zone[16];
static size_t test_nzone;

static char test_dir[] = "/tmp/test-arc.XXXXXX";
static struct arc_key *key_rsa, *key_ed;

static unsigned test_lookups;	/* lookups the hook answered */

/* test_txt - the lookup hook: the zone, a slow domain, else NXDOMAIN;
 * each lookup takes 2 ms */
static enum dkim_key_status
test_txt(void *arg, const char *name, char **txt_r, const char **reason_r)
{
	test_lookups++;
	usleep(2000);
	if (strstr(name, ".slow.example") != NULL) {
		*reason_r = "the key lookup timed out";
		return DKIM_KEY_TEMPFAIL;
	}
	for (size_t i = 0; i < test_nzone; i++)
		if (strcmp(test_zone[i].name, name) == 0) {
			*txt_r = strdup(test_zone[i].record);
			return DKIM_KEY_OK;
		}
	*reason_r = "no key record (NXDOMAIN)";
	return DKIM_KEY_NOTFOUND;
}

/* test_publish - a zone entry for sel._domainkey.dom */
static void
test_publish(const char *sel, const char *dom, const char *record)
{
	snprintf(test_zone[test_nzone].name, sizeof(test_zone[0].name),
		 "%s._domainkey.%s", sel, dom);
	snprintf(test_zone[test_nzone].record, sizeof(test_zone[0].record),
		 "%s", record);
	test_nzone++;
}

/* test_record - the key record of pkey */
static void
test_record(EVP_PKEY *pkey, char *out, size_t size)
{
	unsigned char raw[32], *der = NULL;
	char b64[800];
	size_t rlen = sizeof(raw);
	int n;

	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		EVP_PKEY_get_raw_public_key(pkey, raw, &rlen);
		dkim_tags_base64_encode(raw, rlen, b64);
		snprintf(out, size, "v=DKIM1; k=ed25519; p=%s", b64);
		return;
	}
	n = i2d_PUBKEY(pkey, &der);
	dkim_tags_base64_encode(der, (size_t)n, b64);
	OPENSSL_free(der);
	snprintf(out, size, "v=DKIM1; k=rsa; p=%s", b64);
}

/* test_pem - pkey written as PEM to test_dir/name (encrypted: with a
 * passphrase); the path */
static const char *
test_pem(EVP_PKEY *pkey, const char *name, bool encrypted)
{
	static char path[4][256];
	static int n;
	char *p = path[n++ % 4];
	FILE *fp;

	snprintf(p, sizeof(path[0]), "%s/%s", test_dir, name);
	fp = fopen(p, "w");
	PEM_write_PrivateKey(fp, pkey, encrypted ? EVP_aes_128_cbc() : NULL,
			     encrypted ? (unsigned char *)"secret" : NULL,
			     encrypted ? 6 : 0, NULL, NULL);
	fclose(fp);
	return p;
}

/* test_keys - make the keys, publish them, load them back */
static void
test_keys(void)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	const char *why = NULL;
	char rec[1024], edrec[1024];
	FILE *fp;

	test_record(rsa, rec, sizeof(rec));
	test_record(ed, edrec, sizeof(edrec));
	for (const char *d = "a\0b\0c\0d\0"; *d; d += 2) {
		char dom[32];

		snprintf(dom, sizeof(dom), "%s.example", d);
		test_publish("rsa", dom, rec);
		test_publish("ed", dom, edrec);
	}
	test_publish("mismatch", "a.example", edrec);	/* RSA signs */
	dkim_key_set_txt_hook(test_txt, NULL);

	key_rsa = arc_key_load(test_pem(rsa, "rsa.pem", false), &why);
	key_ed = arc_key_load(test_pem(ed, "ed.pem", false), &why);
	TMX_CHECK(key_rsa != NULL && key_ed != NULL);
	TMX_CHECK(arc_key_load(test_pem(weak, "weak.pem", false), &why) == NULL);
	TMX_CHECK_STR(why, "an RSA key shorter than 1024 bits (RFC 8301)");
	TMX_CHECK(arc_key_load(test_pem(ec, "ec.pem", false), &why) == NULL);
	TMX_CHECK_STR(why, "neither an RSA nor an Ed25519 key");
	/* a passphrase is refused, never asked for on a terminal */
	TMX_CHECK(arc_key_load(test_pem(rsa, "enc.pem", true), &why) == NULL);
	TMX_CHECK_STR(why, "not a PEM private key (or one with a passphrase)");
	TMX_CHECK(arc_key_load("/nonexistent/key.pem", &why) == NULL);
	TMX_CHECK_STR(why, "No such file or directory");
	snprintf(rec, sizeof(rec), "%s/garbage.pem", test_dir);
	fp = fopen(rec, "w");
	fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", fp);
	fclose(fp);
	TMX_CHECK(arc_key_load(rec, &why) == NULL);
	TMX_CHECK_STR(why, "not a PEM private key (or one with a passphrase)");
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(weak);
	EVP_PKEY_free(ec);
}

/* What a verification said, copied before the arc_msg goes. */
struct test_verdict {
	enum arc_cv cv;
	unsigned nsets, oldest_pass;
	bool temperror;
	const char *reason;
	char cvs[64];		/* each set's cv, e.g. "none pass fail" */
	char domains[128];	/* each set's sealer */
	char aar1[128];		/* set 1's AAR */
	char passes[128];	/* each set's "ams/as" pass flags, e.g. "11 01" */
};

/* test_append - add to a string, truncating at its size */
static void __attribute__((format(printf, 3, 4)))
test_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* test_verify_m - fill v from an arc_msg already fed */
static void
test_verify_m(struct arc_msg *m, struct test_verdict *v)
{
	const struct arc_result *r = arc_msg_verify(m);

	memset(v, 0, sizeof(*v));
	v->cv = r->cv;
	v->nsets = r->nsets;
	v->oldest_pass = r->oldest_pass;
	v->temperror = r->temperror;
	v->reason = r->reason;
	TMX_CHECK(arc_msg_verify(m) == r);	/* the same answer again */
	for (unsigned i = 0; i < r->nsets; i++) {
		TMX_CHECK(r->set[i].instance == i + 1);
		test_append(v->cvs, sizeof(v->cvs), "%s%s", i ? " " : "",
			    arc_cv_name(r->set[i].cv));
		test_append(v->domains, sizeof(v->domains), "%s%s",
			    i ? " " : "", r->set[i].domain);
		test_append(v->passes, sizeof(v->passes), "%s%d%d",
			    i ? " " : "", r->set[i].ams_pass, r->set[i].as_pass);
	}
	if (r->nsets > 0)
		snprintf(v->aar1, sizeof(v->aar1), "%s", r->set[0].aar);
}

/* test_verify - the verdict on a whole message */
static void
test_verify(const char *msg, struct test_verdict *v)
{
	struct arc_msg *m = arc_msg_new(false);

	TMX_CHECK(arc_msg_feed(m, msg, strlen(msg)) == 0);
	test_verify_m(m, v);
	arc_msg_free(m);
}

/* test_prepend - a new message: the set's fields, then msg (malloc) */
static char *
test_prepend(const struct arc_seal *s, const char *msg, const char *eol)
{
	char *out;

	TMX_CHECK(asprintf(&out, "ARC-Seal: %s%sARC-Message-Signature: %s%s"
			   "ARC-Authentication-Results: %s%s%s", s->seal, eol,
			   s->ams, eol, s->aar, eol, msg) > 0);
	return out;
}

/* test_seal - msg with a set by dom/sel added (malloc), or NULL with
 * *why_r; authres NULL: "mx.DOM; arc=<cv>" */
static char *
test_seal(const char *msg, const struct arc_key *key, const char *dom,
	  const char *sel, const char **why_r)
{
	struct arc_msg *m = arc_msg_new(true);
	const struct arc_result *r;
	struct arc_seal s;
	char authres[128], *out = NULL;

	TMX_CHECK(arc_msg_feed(m, msg, strlen(msg)) == 0);
	r = arc_msg_verify(m);
	snprintf(authres, sizeof(authres), "mx.%s; arc=%s", dom,
		 arc_cv_name(r->cv));
	if (arc_msg_seal(m, key, dom, sel, authres, T_NOW, &s, why_r) == 0) {
		TMX_CHECK(s.instance == r->nsets + 1 || r->cv == ARC_CV_FAIL);
		out = test_prepend(&s, msg, "\r\n");
		arc_seal_clear(&s);
	}
	arc_msg_free(m);
	return out;
}

static const char test_base[] =
	"From: Alice <alice@origin.example>\r\n"
	"To: bob@dest.example\r\n"
	"Subject: ARC unit\r\n"
	"\ttest\r\n"
	"Date: Thu, 04 Dec 2025 10:00:00 +0000\r\n"
	"Message-ID: <unit@origin.example>\r\n"
	"\r\n"
	"Hello,  world.  \r\n"
	"\ttabs\tand  spaces\t\r\n"
	"\r\n"
	"\r\n";

/* test_replace - msg with the first `from` replaced by `to` (malloc) */
static char *
test_replace(const char *msg, const char *from, const char *to)
{
	const char *p = strstr(msg, from);
	char *out;

	TMX_CHECK(p != NULL);
	if (p == NULL)
		return strdup(msg);
	TMX_CHECK(asprintf(&out, "%.*s%s%s", (int)(p - msg), msg, to,
			   p + strlen(from)) > 0);
	return out;
}

/* test_chains - 1 to 3 hops, mixed keys, then tampering */
static void
test_chains(void)
{
	struct test_verdict v;
	const char *why = NULL;
	char *m1, *m2, *m3, *bad, *f;

	test_verify(test_base, &v);
	TMX_CHECK(v.cv == ARC_CV_NONE && v.nsets == 0 && v.reason == NULL);

	m1 = test_seal(test_base, key_rsa, "a.example", "rsa", &why);
	TMX_CHECK(m1 != NULL);
	test_verify(m1, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS && v.nsets == 1 && v.oldest_pass == 0);
	TMX_CHECK_STR(v.cvs, "none");
	TMX_CHECK_STR(v.aar1, "mx.a.example; arc=none");
	TMX_CHECK_STR(v.passes, "11");
	m2 = test_seal(m1, key_ed, "b.example", "ed", &why);
	m3 = test_seal(m2, key_rsa, "c.example", "rsa", &why);
	test_verify(m3, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS && v.nsets == 3 && v.oldest_pass == 0);
	TMX_CHECK_STR(v.cvs, "none pass pass");
	TMX_CHECK_STR(v.domains, "a.example b.example c.example");
	TMX_CHECK_STR(v.passes, "11 11 11");

	/* a field nobody signed may be added; a signed one may not change */
	f = test_replace(m3, "To: bob", "X-Added: yes\r\nTo: bob");
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS);
	free(f);
	bad = test_replace(m3, "Subject: ARC unit", "Subject: ARC Unit");
	test_verify(bad, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL && !v.temperror);
	TMX_CHECK_STR(v.reason, "the ARC-Message-Signature does not verify");
	free(bad);
	/* a From added: h= names From once more than there was one */
	bad = test_replace(m3, "From: Alice", "From: Mallory <m@evil.example>\r\n"
			   "From: Alice");
	test_verify(bad, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL);
	TMX_CHECK_STR(v.reason, "the ARC-Message-Signature does not verify");
	free(bad);
	bad = test_replace(m3, "Hello,  world", "Hello,  World");
	test_verify(bad, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL);
	TMX_CHECK_STR(v.reason, "the body hash does not match the "
		      "ARC-Message-Signature (bh=)");
	/* relaxed body: white space changes within lines do not count */
	f = test_replace(m3, "Hello,  world.  ", "Hello, \t world.");
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS);
	free(f);
	/* an older AS's signature broken: the ARC-Seal i=1 b= altered */
	f = test_replace(m3, "cv=none;", "cv=none; ");
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS);	/* relaxed: one SP either way */
	free(f);
	f = test_replace(m3, "arc=none", "arc=pass");	/* AAR i=1 */
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL);
	TMX_CHECK_STR(v.reason, "the ARC-Seal does not verify");
	free(f);

	/* sealing over a broken chain: cv=fail, and then nothing more */
	f = test_seal(bad, key_ed, "d.example", "ed", &why);
	TMX_CHECK(f != NULL);
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL && v.nsets == 4);
	TMX_CHECK_STR(v.cvs, "none pass pass fail");
	TMX_CHECK_STR(v.reason, "the newest ARC-Seal says cv=fail");
	TMX_CHECK(test_seal(f, key_ed, "d.example", "ed", &why) == NULL);
	TMX_CHECK_STR(why, "the newest ARC-Seal already says cv=fail");
	free(f);
	free(bad);
	free(m1);
	free(m2);
	free(m3);
}

/* test_streaming - the body in two chunks split anywhere (CR|LF too),
 * header fields as a milter hands them (no leading space, LF folds) */
static void
test_streaming(void)
{
	struct test_verdict v;
	const char *why = NULL, *body, *hdr_end;
	char *m2, *lf, *out, *p;
	struct arc_seal s;
	struct arc_msg *m;
	size_t hlen, blen;

	m2 = test_seal(test_base, key_ed, "a.example", "ed", &why);
	out = test_seal(m2, key_rsa, "b.example", "rsa", &why);
	free(m2);
	hdr_end = strstr(out, "\r\n\r\n");
	hlen = (size_t)(hdr_end - out) + 4;
	body = out + hlen;
	blen = strlen(body);
	for (size_t split = 0; split <= blen; split++) {
		m = arc_msg_new(false);
		TMX_CHECK(arc_msg_feed(m, out, hlen) == 0);	/* empty body */
		arc_msg_body(m, (const unsigned char *)body, split);
		arc_msg_body(m, (const unsigned char *)body + split, blen - split);
		test_verify_m(m, &v);
		TMX_CHECKF(v.cv == ARC_CV_PASS, "split at %zu", split);
		arc_msg_free(m);
	}
	/* the same message with LF line ends */
	lf = strdup(out);
	for (p = lf; (p = strstr(p, "\r\n")) != NULL; )
		memmove(p, p + 1, strlen(p));
	test_verify(lf, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS && v.nsets == 2);
	free(lf);
	free(out);

	/* a milter's view: values without the leading space, LF folds;
	 * the set made LF-folded (arc_seal_lf), as smfi_insheader wants */
	m = arc_msg_new(true);
	TMX_CHECK(arc_msg_header(m, "From", "Alice <alice@origin.example>") == 0);
	TMX_CHECK(arc_msg_header(m, "Subject", "folded\n\tsubject") == 0);
	TMX_CHECK(arc_msg_header(m, "To", "bob@dest.example") == 0);
	arc_msg_eoh(m);
	arc_msg_body(m, (const unsigned char *)"line  1 \r\n\r", 11);
	arc_msg_body(m, (const unsigned char *)"\nline 2\r\n", 9);
	TMX_CHECK(arc_msg_seal(m, key_rsa, "a.example", "rsa",
			       "mx.a.example;\n\tspf=pass smtp.mailfrom=origin.example",
			       T_NOW, &s, &why) == 0);
	arc_msg_free(m);
	TMX_CHECK(strstr(s.aar, "\r\n\tspf=pass") != NULL);
	arc_seal_lf(&s);
	TMX_CHECK(strchr(s.seal, '\r') == NULL && strchr(s.ams, '\r') == NULL &&
		  strchr(s.aar, '\r') == NULL && strstr(s.ams, "\n\t") != NULL);
	out = test_prepend(&s, "From: Alice <alice@origin.example>\n"
			   "Subject: folded\n\tsubject\nTo: bob@dest.example\n\n"
			   "line  1 \n\nline 2\n", "\n");
	arc_seal_clear(&s);
	test_verify(out, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS);
	TMX_CHECK_STR(v.aar1, "mx.a.example;\tspf=pass smtp.mailfrom=origin.example");
	free(out);
}

/* test_structure - sets missing, doubled, misnumbered or malformed */
static void
test_structure(void)
{
	struct test_verdict v;
	const char *why = NULL;
	char *m1, *m2, *f;

	m1 = test_seal(test_base, key_rsa, "a.example", "rsa", &why);
	m2 = test_seal(m1, key_rsa, "b.example", "rsa", &why);
	/* set 1 without its AAR */
	f = test_replace(m2, "ARC-Authentication-Results: i=1;", "X-Was-AAR: i=1;");
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL);
	TMX_CHECK_STR(v.reason, "an ARC set is missing or incomplete");
	free(f);
	/* two AAR i=2 */
	f = test_replace(m2, "ARC-Authentication-Results: i=2;",
			 "ARC-Authentication-Results: i=2; x\r\n"
			 "ARC-Authentication-Results: i=2;");
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "two ARC header fields of one kind share an instance");
	free(f);
	/* instances that cannot be: 0, 51, leading zero, none */
	static const struct {
		const char *i, *why;
	} bad_i[] = {
		{ "i=0;", "an ARC header field has no readable i= tag" },
		{ "i=51;", "more than 50 ARC sets" },
		{ "i=01;", "an ARC header field has no readable i= tag" },
		{ "x=2;", "an ARC header field has no readable i= tag" },
	};
	for (size_t i = 0; i < sizeof(bad_i) / sizeof(bad_i[0]); i++) {
		TMX_CHECK(asprintf(&f, "ARC-Authentication-Results: %s mx; none\r\n%s",
				   bad_i[i].i, m1) > 0);
		test_verify(f, &v);
		TMX_CHECKF(v.cv == ARC_CV_FAIL && v.reason != NULL &&
			   strcmp(v.reason, bad_i[i].why) == 0, "instance %s: %s",
			   bad_i[i].i, v.reason);
		free(f);
	}
	/* cv= out of order: set 1 must say none */
	f = test_replace(m1, "cv=none;", "cv=pass;");
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "an ARC-Seal's cv= breaks the chain (i=1 must "
		      "say none, later ones pass)");
	free(f);
	/* an AMS that signs ARC-Seal, an AS with h=, an unknown a= */
	f = test_replace(m2, "h=from:", "h=arc-seal:from:");
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "an ARC-Message-Signature signs ARC-Seal");
	free(f);
	f = test_replace(m2, "cv=pass;", "cv=pass; h=from;");
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "an ARC set is malformed");
	free(f);
	f = test_replace(m2, "a=rsa-sha256", "a=rsa-sha1");
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "an ARC set is malformed");
	free(f);
	/* not a tag list at all */
	f = test_replace(m2, "ARC-Seal: i=2;", "ARC-Seal: i=2;; =;");
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "an ARC-Seal or ARC-Message-Signature is not a tag list");
	free(f);
	/* an AMS newer than its body's l= claims */
	f = test_replace(m2, "c=relaxed/relaxed;", "c=relaxed/relaxed; l=99999;");
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "the ARC-Message-Signature's l= exceeds the body");
	free(f);
	free(m1);
	free(m2);
}

/* test_keys_dns - keys missing, unreachable, of the wrong type */
static void
test_keys_dns(void)
{
	struct test_verdict v;
	struct arc_msg *m;
	const char *why = NULL;
	char *f, *g;

	f = test_seal(test_base, key_rsa, "a.example", "gone", &why);
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL && !v.temperror);
	TMX_CHECK_STR(v.reason, "no key record (NXDOMAIN)");
	free(f);
	f = test_seal(test_base, key_rsa, "a.example", "mismatch", &why);
	test_verify(f, &v);
	TMX_CHECK_STR(v.reason, "the key's type does not match a=");
	free(f);
	/* the budget of all lookups: none starts after it is spent */
	f = test_seal(test_base, key_rsa, "a.example", "rsa", &why);
	g = test_seal(f, key_ed, "b.example", "ed", &why);
	free(f);
	m = arc_msg_new(false);
	TMX_CHECK(arc_msg_feed(m, g, strlen(g)) == 0);
	m->lookup_budget_ms = 1;
	test_lookups = 0;
	test_verify_m(m, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL && v.temperror && test_lookups == 1);
	TMX_CHECK_STR(v.reason, "the key lookups took too long");
	arc_msg_free(m);
	test_lookups = 0;
	test_verify(g, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS && test_lookups == 2);	/* cached */
	free(g);

	f = test_seal(test_base, key_rsa, "x.slow.example", "rsa", &why);
	test_verify(f, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL && v.temperror);
	TMX_CHECK_STR(v.reason, "the key lookup timed out");
	g = test_seal(f, key_rsa, "a.example", "rsa", &why);
	TMX_CHECK(g == NULL);
	TMX_CHECK_STR(why, "the chain cannot be judged now (a key lookup "
		      "failed temporarily)");
	free(f);
}

/* test_limits - 50 sets and no more, too many fields, long fields, the
 * body hashes bound, refused seals */
static void
test_limits(void)
{
	struct test_verdict v;
	struct arc_seal s;
	struct arc_msg *m;
	const char *why = NULL;
	char *cur = strdup(test_base), *next, *big;

	for (int i = 1; i <= ARC_MAX_INSTANCE; i++) {
		next = test_seal(cur, key_ed, i % 2 ? "a.example" : "b.example",
				 "ed", &why);
		TMX_CHECKF(next != NULL, "set %d: %s", i, why);
		if (next == NULL)
			break;
		free(cur);
		cur = next;
	}
	test_verify(cur, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS && v.nsets == 50);
	TMX_CHECK(test_seal(cur, key_ed, "a.example", "ed", &why) == NULL);
	TMX_CHECK_STR(why, "the message has 50 ARC sets: no more may be added");
	free(cur);

	/* more signed fields than a verifier reads from h=: the lowest
	 * ARC_H_MAX are signed, and the chain verifies */
	big = malloc(200 * 32 + sizeof(test_base));
	big[0] = '\0';
	for (int i = 0; i < 200; i++)
		test_append(big, 200 * 32 + sizeof(test_base), "To: r%d@dest.example\r\n", i);
	test_append(big, 200 * 32 + sizeof(test_base), "%s", test_base);
	next = test_seal(big, key_ed, "a.example", "ed", &why);
	TMX_CHECK(next != NULL);
	if (next != NULL) {
		test_verify(next, &v);
		TMX_CHECK(v.cv == ARC_CV_PASS);
	}
	free(next);
	free(big);

	/* more than ARC_HEADERS_MAX fields: fail, and no seal */
	m = arc_msg_new(true);
	for (int i = 0; i <= ARC_HEADERS_MAX; i++)
		TMX_CHECK(arc_msg_header(m, "X-Filler", "x") == 0);
	test_verify_m(m, &v);
	TMX_CHECK(v.cv == ARC_CV_FAIL);
	TMX_CHECK(arc_msg_seal(m, key_ed, "a.example", "ed", "mx; none", T_NOW,
			       &s, &why) < 0);
	TMX_CHECK_STR(why, "the header is too large to seal");
	arc_msg_free(m);

	/* an ARC field past ARC_FIELD_MAX */
	big = malloc(ARC_FIELD_MAX + 100);
	memset(big, 'x', ARC_FIELD_MAX + 99);
	memcpy(big, "i=1; ", 5);
	big[ARC_FIELD_MAX + 99] = '\0';
	m = arc_msg_new(false);
	TMX_CHECK(arc_msg_header(m, "ARC-Authentication-Results", big) == 0);
	test_verify_m(m, &v);
	TMX_CHECK_STR(v.reason, "an ARC header field is too long");
	arc_msg_free(m);
	free(big);

	/* ten sets whose AMSs have distinct l=: the newest eight get body
	 * hashes, ours one more */
	m = arc_msg_new(true);
	for (int i = 10; i >= 1; i--) {
		char v1[160];

		snprintf(v1, sizeof(v1), "i=%d; a=rsa-sha256; cv=pass; "
			 "d=a.example; s=rsa; b=AAAA", i);
		TMX_CHECK(arc_msg_header(m, "ARC-Seal", v1) == 0);
		snprintf(v1, sizeof(v1), "i=%d; a=rsa-sha256; c=relaxed/simple; "
			 "l=%d; d=a.example; s=rsa; h=from; bh=AAAA; b=AAAA", i, i);
		TMX_CHECK(arc_msg_header(m, "ARC-Message-Signature", v1) == 0);
		snprintf(v1, sizeof(v1), "i=%d; mx; none", i);
		TMX_CHECK(arc_msg_header(m, "ARC-Authentication-Results", v1) == 0);
	}
	arc_msg_eoh(m);
	TMX_CHECK(m->nbh == ARC_BODYHASH_MAX + 1);	/* and our own */
	TMX_CHECK(m->set[9].bh == 0 && m->set[2].bh >= 0 &&
		  m->set[1].bh == -1 && m->set[0].bh == -1 && m->seal_bh == 8);
	arc_msg_free(m);

	/* refused: not read for sealing, bad names, bad A-R values */
	m = arc_msg_new(false);
	TMX_CHECK(arc_msg_feed(m, test_base, strlen(test_base)) == 0);
	TMX_CHECK(arc_msg_seal(m, key_ed, "a.example", "ed", "mx; none", T_NOW,
			       &s, &why) < 0);
	TMX_CHECK_STR(why, "the message was not read for sealing");
	arc_msg_free(m);
	static const char *const bad[][3] = {
		{ "a example", "ed", "mx; none" },
		{ "a.example", "e;d", "mx; none" },
		{ "a.example", "ed", "" },
		{ "a.example", "ed", "mx;\nnone" },
		{ "a.example", "ed", "mx; \x01" },
		{ "a.example", "ed", "mx;\r none" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = arc_msg_new(true);
		TMX_CHECK(arc_msg_feed(m, test_base, strlen(test_base)) == 0);
		TMX_CHECKF(arc_msg_seal(m, key_ed, bad[i][0], bad[i][1], bad[i][2],
					T_NOW, &s, &why) < 0, "bad seal %zu", i);
		TMX_CHECK(s.seal == NULL && s.ams == NULL && s.aar == NULL);
		arc_msg_free(m);
	}
	/* no end of header: not a message */
	m = arc_msg_new(false);
	TMX_CHECK(arc_msg_feed(m, "From: a\r\nTo: b\r\n", 16) < 0);
	arc_msg_free(m);
}

/* test_oldest_pass - a list checks the chain, then changes the body and
 * seals (cv=pass): set 1's AMS no longer verifies, the chain still does */
static void
test_oldest_pass(void)
{
	struct test_verdict v;
	const char *why = NULL;
	struct arc_seal s;
	struct arc_msg *m;
	char *m1, *changed, *out;

	m1 = test_seal(test_base, key_rsa, "a.example", "rsa", &why);
	changed = test_replace(m1, "Hello,", "[list] Hello,");
	m = arc_msg_new(true);
	TMX_CHECK(arc_msg_feed(m, changed, strlen(changed)) == 0);
	TMX_CHECK(arc_msg_verify(m)->cv == ARC_CV_FAIL);
	m->result.cv = ARC_CV_PASS;	/* what it found before its change */
	TMX_CHECK(arc_msg_seal(m, key_ed, "b.example", "ed", "mx.b.example; "
			       "arc=pass", T_NOW, &s, &why) == 0);
	arc_msg_free(m);
	out = test_prepend(&s, changed, "\r\n");
	arc_seal_clear(&s);
	test_verify(out, &v);
	TMX_CHECK(v.cv == ARC_CV_PASS && v.oldest_pass == 2);
	TMX_CHECK_STR(v.passes, "01 11");
	free(out);
	free(changed);
	free(m1);
}

/* test_cleanup - the key files */
static void
test_cleanup(void)
{
	static const char *const files[] = { "rsa.pem", "ed.pem", "weak.pem",
		"ec.pem", "enc.pem", "garbage.pem" };
	char path[300];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", test_dir, files[i]);
		unlink(path);
	}
	rmdir(test_dir);
}

int
main(void)
{
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_keys();
	if (key_rsa != NULL && key_ed != NULL) {
		test_chains();
		test_streaming();
		test_structure();
		test_keys_dns();
		test_limits();
		test_oldest_pass();
	}
	arc_key_free(key_rsa);
	arc_key_free(key_ed);
	dkim_key_set_txt_hook(NULL, NULL);
	test_cleanup();
	return TMX_TEST_END();
}
