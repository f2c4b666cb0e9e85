/*
 * dkim_key.c - reading DKIM key records and checking signatures with
 * them. A record is read strictly (RFC 6376 3.6.1): v= first if present,
 * h= must allow sha256, s= must allow email, an empty p= is a revoked
 * key. RSA keys come as SubjectPublicKeyInfo (or bare RSAPublicKey, which
 * some publish), Ed25519 keys as their 32 raw bytes (RFC 8463).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dkim_key.h"
#include "dkim_tags.h"
#include "dns.h"

#define DKIM_KEY_DER_MAX 2048	/* an 8192-bit SPKI is ~1060 bytes */

/* Set by tests and fuzz targets only, before any lookup. */
static dkim_key_txt_fn *dkim_key_hook;
static void *dkim_key_hook_arg;

/* dkim_key_set_txt_hook - see dkim_key.h */
void
dkim_key_set_txt_hook(dkim_key_txt_fn *fn, void *arg)
{
	dkim_key_hook = fn;
	dkim_key_hook_arg = arg;
}

/* dkim_key_list_has - a colon-separated tag value holds want (any case) */
static bool
dkim_key_list_has(const struct dkim_tag *t, const char *want)
{
	size_t wlen = strlen(want), i = 0;

	while (i <= t->valuelen) {
		size_t start, end;

		while (i < t->valuelen && (t->value[i] == ' ' ||
		       t->value[i] == '\t' || t->value[i] == '\r' ||
		       t->value[i] == '\n'))
			i++;
		start = i;
		while (i < t->valuelen && t->value[i] != ':')
			i++;
		end = i;
		while (end > start && (t->value[end - 1] == ' ' ||
		       t->value[end - 1] == '\t' || t->value[end - 1] == '\n' ||
		       t->value[end - 1] == '\r'))
			end--;
		if (end - start == wlen &&
		    strncasecmp(t->value + start, want, wlen) == 0)
			return true;
		i++;		/* past the ':' (or the end) */
	}
	return false;
}

/* dkim_key_rsa - an RSA key from SubjectPublicKeyInfo or RSAPublicKey DER */
static enum dkim_key_status
dkim_key_rsa(const uint8_t *der, size_t len, struct dkim_pubkey *key_r,
	     const char **reason_r)
{
	const unsigned char *q = der;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &q, (long)len);
	int bits;

	if (pkey == NULL || q != der + len) {
		EVP_PKEY_free(pkey);
		q = der;
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)len);
		if (pkey != NULL && q != der + len) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	ERR_clear_error();
	if (pkey == NULL) {
		*reason_r = "p= is not an RSA public key";
		return DKIM_KEY_INVALID;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		*reason_r = "p= is not an RSA key although k=rsa";
		return DKIM_KEY_INVALID;
	}
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < DKIM_RSA_BITS_MIN || bits > DKIM_RSA_BITS_MAX) {
		EVP_PKEY_free(pkey);
		*reason_r = bits < DKIM_RSA_BITS_MIN ?
		    "RSA key shorter than 1024 bits (RFC 8301)" :
		    "RSA key longer than 8192 bits";
		return DKIM_KEY_INVALID;
	}
	key_r->pkey = pkey;
	key_r->type = DKIM_KEY_RSA;
	key_r->bits = (unsigned)bits;
	return DKIM_KEY_OK;
}

/* dkim_key_ed25519 - an Ed25519 key from its 32 raw bytes */
static enum dkim_key_status
dkim_key_ed25519(const uint8_t *raw, size_t len, struct dkim_pubkey *key_r,
		 const char **reason_r)
{
	EVP_PKEY *pkey;

	if (len != 32) {
		*reason_r = "an Ed25519 key is not 32 bytes";
		return DKIM_KEY_INVALID;
	}
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, len);
	if (pkey == NULL) {
		ERR_clear_error();
		*reason_r = "p= is not an Ed25519 key";
		return DKIM_KEY_INVALID;
	}
	key_r->pkey = pkey;
	key_r->type = DKIM_KEY_ED25519;
	key_r->bits = 256;
	return DKIM_KEY_OK;
}

/* dkim_key_parse - see dkim_key.h */
enum dkim_key_status
dkim_key_parse(const char *txt, size_t len, struct dkim_pubkey *key_r,
	       const char **reason_r)
{
	struct dkim_tags tags;
	const struct dkim_tag *v, *h, *k, *s, *p;
	uint8_t der[DKIM_KEY_DER_MAX];
	const char *err;
	ssize_t n;

	memset(key_r, 0, sizeof(*key_r));
	if (dkim_tags_parse(txt, len, &tags, &err) < 0) {
		*reason_r = "the key record is not a tag list";
		return DKIM_KEY_INVALID;
	}
	v = dkim_tags_get(&tags, "v");
	if (v != NULL && (v != &tags.tag[0] || v->valuelen != 5 ||
			  memcmp(v->value, "DKIM1", 5) != 0)) {
		*reason_r = "the key record's v= is not DKIM1, first";
		return DKIM_KEY_INVALID;
	}
	if ((h = dkim_tags_get(&tags, "h")) != NULL &&
	    !dkim_key_list_has(h, "sha256")) {
		*reason_r = "the key does not allow sha256 (h=)";
		return DKIM_KEY_INVALID;
	}
	if ((s = dkim_tags_get(&tags, "s")) != NULL &&
	    !dkim_key_list_has(s, "*") && !dkim_key_list_has(s, "email")) {
		*reason_r = "the key is not for email (s=)";
		return DKIM_KEY_INVALID;
	}
	if ((p = dkim_tags_get(&tags, "p")) == NULL) {
		*reason_r = "the key record has no p=";
		return DKIM_KEY_INVALID;
	}
	if (p->valuelen == 0) {
		*reason_r = "the key is revoked (empty p=)";
		return DKIM_KEY_INVALID;
	}
	if ((n = dkim_tags_base64(p->value, p->valuelen, der, sizeof(der))) <= 0) {
		*reason_r = "p= is not base64, or too long";
		return DKIM_KEY_INVALID;
	}
	k = dkim_tags_get(&tags, "k");
	if (k == NULL || dkim_tags_equal(k, "rsa"))
		return dkim_key_rsa(der, (size_t)n, key_r, reason_r);
	if (dkim_tags_equal(k, "ed25519"))
		return dkim_key_ed25519(der, (size_t)n, key_r, reason_r);
	*reason_r = "unknown key type (k=)";
	return DKIM_KEY_INVALID;
}

/* dkim_key_name_char - what a selector or domain may hold here */
static bool
dkim_key_name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
}

/* dkim_key_name - selector._domainkey.domain into buf; -1 if unusable */
static int
dkim_key_name(const char *selector, const char *domain, char *buf,
	      size_t size)
{
	const char *parts[2] = { selector, domain };

	for (size_t i = 0; i < 2; i++) {
		if (parts[i][0] == '\0')
			return -1;
		for (const char *c = parts[i]; *c; c++)
			if (!dkim_key_name_char((unsigned char)*c))
				return -1;
	}
	if ((size_t)snprintf(buf, size, "%s._domainkey.%s", selector,
			     domain) >= size)
		return -1;
	return dns_name_valid(buf) ? 0 : -1;
}

/* dkim_key_records - the first usable key among a TXT answer's records */
static enum dkim_key_status
dkim_key_records(const struct dns_answer *ans, struct dkim_pubkey *key_r,
		 const char **reason_r)
{
	enum dkim_key_status st = DKIM_KEY_NOTFOUND;

	*reason_r = "no key record";
	for (size_t i = 0; i < ans->count; i++) {
		const struct dns_record *r = &ans->records[i];

		if (r->text == NULL)
			continue;
		st = dkim_key_parse(r->text, r->textlen, key_r, reason_r);
		if (st == DKIM_KEY_OK)
			break;
	}
	return st;
}

/* dkim_key_fetch - see dkim_key.h */
enum dkim_key_status
dkim_key_fetch(const char *selector, const char *domain,
	       struct dkim_pubkey *key_r, const char **reason_r)
{
	struct dns_answer ans;
	enum dkim_key_status st;
	char name[300], *txt = NULL;

	memset(key_r, 0, sizeof(*key_r));
	if (dkim_key_name(selector, domain, name, sizeof(name)) < 0) {
		*reason_r = "the key's DNS name is not a host name";
		return DKIM_KEY_INVALID;
	}
	if (dkim_key_hook != NULL) {
		st = dkim_key_hook(dkim_key_hook_arg, name, &txt, reason_r);
		if (st == DKIM_KEY_OK) {
			st = dkim_key_parse(txt, strlen(txt), key_r, reason_r);
			free(txt);
		}
		return st;
	}
	switch (dns_lookup(name, DNS_TYPE_TXT, &ans)) {
	case DNS_OK:
		st = dkim_key_records(&ans, key_r, reason_r);
		break;
	case DNS_NXDOMAIN:
		*reason_r = "no key record (NXDOMAIN)";
		st = DKIM_KEY_NOTFOUND;
		break;
	case DNS_NODATA:
		*reason_r = "no key record (NODATA)";
		st = DKIM_KEY_NOTFOUND;
		break;
	case DNS_BADNAME:
		*reason_r = "the key's DNS name cannot be asked";
		st = DKIM_KEY_INVALID;
		break;
	case DNS_TEMPFAIL:
	default:
		*reason_r = ans.reason != NULL && strcmp(ans.reason, "timeout") == 0 ?
		    "the key lookup timed out" :
		    "the key lookup failed temporarily";
		st = DKIM_KEY_TEMPFAIL;
		break;
	}
	dns_answer_free(&ans);
	return st;
}

/* dkim_key_clear - see dkim_key.h */
void
dkim_key_clear(struct dkim_pubkey *key)
{
	EVP_PKEY_free(key->pkey);
	memset(key, 0, sizeof(*key));
}

/* dkim_key_verify - see dkim_key.h */
bool
dkim_key_verify(const struct dkim_pubkey *key, const unsigned char digest[32],
		const unsigned char *sig, size_t siglen)
{
	bool ok = false;

	if (key->pkey == NULL || siglen == 0)
		return false;
	if (key->type == DKIM_KEY_RSA) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key->pkey, NULL);

		ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
		    EVP_PKEY_verify(ctx, sig, siglen, digest, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
	} else if (key->type == DKIM_KEY_ED25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		ok = md != NULL &&
		    EVP_DigestVerifyInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
		    EVP_DigestVerify(md, sig, siglen, digest, 32) == 1;
		EVP_MD_CTX_free(md);
	}
	ERR_clear_error();
	return ok;
}
