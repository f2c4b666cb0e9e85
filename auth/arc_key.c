/*
 * arc_key.c - the sealer's private key: read once from a PEM file (RSA of
 * 1024 to 8192 bits, or Ed25519; a passphrase is refused, never asked
 * for), then used to sign SHA-256 digests as DKIM does: RSA with PKCS#1
 * v1.5, Ed25519 over the 32 digest bytes (RFC 8463).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "arc_int.h"

/* arc_key_no_password - the PEM passphrase callback: there is none */
static int
arc_key_no_password(char *buf, int size, int rwflag, void *arg)
{
	return 0;
}

/* arc_key_load - see arc.h */
struct arc_key *
arc_key_load(const char *path, const char **error_r)
{
	struct arc_key *key;
	EVP_PKEY *pkey;
	FILE *fp;
	int bits;

	if ((fp = fopen(path, "re")) == NULL) {
		*error_r = strerror(errno);
		return NULL;
	}
	pkey = PEM_read_PrivateKey(fp, NULL, arc_key_no_password, NULL);
	fclose(fp);
	ERR_clear_error();
	if (pkey == NULL) {
		*error_r = "not a PEM private key (or one with a passphrase)";
		return NULL;
	}
	if ((key = calloc(1, sizeof(*key))) == NULL) {
		EVP_PKEY_free(pkey);
		*error_r = "out of memory";
		return NULL;
	}
	key->pkey = pkey;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		key->type = DKIM_KEY_RSA;
		bits = EVP_PKEY_get_bits(pkey);
		if (bits >= DKIM_RSA_BITS_MIN && bits <= DKIM_RSA_BITS_MAX)
			return key;
		*error_r = bits < DKIM_RSA_BITS_MIN ?
		    "an RSA key shorter than 1024 bits (RFC 8301)" :
		    "an RSA key longer than 8192 bits";
		break;
	case EVP_PKEY_ED25519:
		key->type = DKIM_KEY_ED25519;
		return key;
	default:
		*error_r = "neither an RSA nor an Ed25519 key";
		break;
	}
	arc_key_free(key);
	return NULL;
}

/* arc_key_free - see arc.h */
void
arc_key_free(struct arc_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

/* arc_key_sign - see arc_int.h */
int
arc_key_sign(const struct arc_key *key, const unsigned char digest[32],
	     unsigned char *sig, size_t *siglen_r)
{
	bool ok = false;

	if (key->type == DKIM_KEY_RSA) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key->pkey, NULL);

		ok = ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
		    EVP_PKEY_sign(ctx, sig, siglen_r, digest, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
	} else if (key->type == DKIM_KEY_ED25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		ok = md != NULL &&
		    EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
		    EVP_DigestSign(md, sig, siglen_r, digest, 32) == 1;
		EVP_MD_CTX_free(md);
	}
	ERR_clear_error();
	return ok ? 0 : -1;
}
