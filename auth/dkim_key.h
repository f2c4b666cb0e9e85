/*
 * dkim_key.h - DKIM public keys (RFC 6376 3.6.1): the TXT record at
 * selector._domainkey.domain, fetched through the DNS layer and read into
 * an OpenSSL key (RSA of 1024 bits or more per RFC 8301, or Ed25519 per
 * RFC 8463), and the signature check both DKIM and ARC use.
 */
#ifndef TMX_DKIM_KEY_H
#define TMX_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#define DKIM_RSA_BITS_MIN	1024	/* RFC 8301 */
#define DKIM_RSA_BITS_MAX	8192	/* verification cost stays bounded */
#define DKIM_SIG_MAX		(DKIM_RSA_BITS_MAX / 8)	/* signature bytes */

enum dkim_key_type {
	DKIM_KEY_RSA = 1,
	DKIM_KEY_ED25519,
};

enum dkim_key_status {
	DKIM_KEY_OK = 0,
	DKIM_KEY_NOTFOUND,	/* NXDOMAIN, NODATA, no DKIM key record */
	DKIM_KEY_TEMPFAIL,	/* the lookup failed: try again later */
	DKIM_KEY_INVALID,	/* a record that is no usable key: syntax,
				 * revoked, too weak, k= or h= unsupported */
};

struct dkim_pubkey {
	EVP_PKEY *pkey;
	enum dkim_key_type type;
	unsigned bits;
};

/*
 * dkim_key_parse - one key record (TXT strings joined). OK fills key_r
 * (release with dkim_key_clear); else *reason_r says why (static).
 */
enum dkim_key_status dkim_key_parse(const char *txt, size_t len,
				    struct dkim_pubkey *key_r,
				    const char **reason_r);

/*
 * dkim_key_fetch - the key of selector/domain: dns_lookup of the TXT
 * record (blocking, bounded by the DNS layer's deadline), then
 * dkim_key_parse. Several records: the first usable one.
 */
enum dkim_key_status dkim_key_fetch(const char *selector, const char *domain,
				    struct dkim_pubkey *key_r,
				    const char **reason_r);

/* dkim_key_clear - release a key (safe on a zeroed one) */
void dkim_key_clear(struct dkim_pubkey *key);

/*
 * dkim_key_verify - does sig sign the SHA-256 digest? RSA: PKCS#1 v1.5
 * over SHA-256; Ed25519: PureEdDSA over the 32 digest bytes (RFC 8463).
 */
bool dkim_key_verify(const struct dkim_pubkey *key,
		     const unsigned char digest[32], const unsigned char *sig,
		     size_t siglen);

/*
 * A stand-in for DNS, for tests and fuzzing: asked for a name
 * ("sel._domainkey.example.org"), it returns OK with a malloc'd record in
 * *txt_r, or another status with a static reason. Set it before any
 * lookup; NULL restores DNS.
 */
typedef enum dkim_key_status dkim_key_txt_fn(void *arg, const char *name,
					     char **txt_r,
					     const char **reason_r);
void dkim_key_set_txt_hook(dkim_key_txt_fn *fn, void *arg);

#endif
