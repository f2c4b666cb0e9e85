/*
 * doctor_dkim.c - each DKIM selector the operator named: a key record at
 * SEL._domainkey.DOMAIN whose tags parse (RFC 6376 3.6.1) and whose p= key
 * decodes (SubjectPublicKeyInfo for RSA, RFC 8463's raw key for Ed25519).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "doctor.h"
#include "xalloc.h"

#define DOCTOR_DKIM_RSA_MIN	1024	/* RFC 8301: verifiers reject less */
#define DOCTOR_DKIM_RSA_GOOD	2048

/* The tags of a key record that the check reads. */
struct doctor_dkim_key {
	char v[16];
	char k[16];
	char *p;		/* points into the record copy; NULL if absent */
};

/* doctor_dkim_trim - s without surrounding white space, in place */
static char *
doctor_dkim_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* doctor_dkim_tags - split rec (modified) into key; -1 and why if malformed */
static int
doctor_dkim_tags(char *rec, struct doctor_dkim_key *key, const char **why_r)
{
	char *save = NULL, *tag, *eq;
	int first = 1;

	memset(key, 0, sizeof(*key));
	for (tag = strtok_r(rec, ";", &save); tag != NULL;
	    tag = strtok_r(NULL, ";", &save), first = 0) {
		tag = doctor_dkim_trim(tag);
		if (*tag == '\0')
			continue;
		if ((eq = strchr(tag, '=')) == NULL) {
			*why_r = "a tag without \"=\"";
			return -1;
		}
		*eq = '\0';
		tag = doctor_dkim_trim(tag);
		if (strcmp(tag, "v") == 0) {
			if (!first) {
				*why_r = "v= is not the first tag";
				return -1;
			}
			snprintf(key->v, sizeof(key->v), "%s",
			    doctor_dkim_trim(eq + 1));
		} else if (strcmp(tag, "k") == 0) {
			snprintf(key->k, sizeof(key->k), "%s",
			    doctor_dkim_trim(eq + 1));
		} else if (strcmp(tag, "p") == 0) {
			key->p = eq + 1;
		}
	}
	if (key->v[0] != '\0' && strcmp(key->v, "DKIM1") != 0) {
		*why_r = "v= is not DKIM1";
		return -1;
	}
	if (key->p == NULL) {
		*why_r = "no p= tag";
		return -1;
	}
	return 0;
}

/* doctor_dkim_base64 - decode b64 (white space allowed) into new memory */
static unsigned char *
doctor_dkim_base64(const char *b64, size_t *len_r)
{
	size_t n = 0, i, pad = 0;
	unsigned char *out;
	char *clean;
	int got;

	clean = xmalloc(strlen(b64) + 1);
	for (i = 0; b64[i] != '\0'; i++)
		if (!isspace((unsigned char)b64[i]))
			clean[n++] = b64[i];
	clean[n] = '\0';
	if (n == 0 || n % 4 != 0) {
		free(clean);
		return NULL;
	}
	pad = (clean[n - 1] == '=') + (clean[n - 2] == '=');
	out = xmalloc(n / 4 * 3 + 1);
	got = EVP_DecodeBlock(out, (unsigned char *)clean, (int)n);
	free(clean);
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return NULL;
	}
	*len_r = (size_t)got - pad;
	return out;
}

/*
 * doctor_dkim_key - the key's algorithm and size in words into buf; the
 * verdict, or -1 when p= does not decode to a key of type k.
 */
static int
doctor_dkim_key(const struct doctor_dkim_key *key, char *buf, size_t len)
{
	const unsigned char *der;
	unsigned char *bytes;
	EVP_PKEY *pkey;
	size_t n;
	int bits;

	if ((bytes = doctor_dkim_base64(key->p, &n)) == NULL)
		return -1;
	if (strcasecmp(key->k, "ed25519") == 0) {
		free(bytes);
		if (n != 32)
			return -1;
		snprintf(buf, len, "Ed25519 key");
		return DOCTOR_OK;
	}
	der = bytes;
	pkey = d2i_PUBKEY(NULL, &der, (long)n);
	free(bytes);
	if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		return -1;
	}
	bits = EVP_PKEY_get_bits(pkey);
	EVP_PKEY_free(pkey);
	snprintf(buf, len, "RSA key of %d bits", bits);
	return bits < DOCTOR_DKIM_RSA_MIN ? DOCTOR_FAIL :
	    bits < DOCTOR_DKIM_RSA_GOOD ? DOCTOR_WARN : DOCTOR_OK;
}

/* doctor_dkim_selector - one selector's record and key */
static void
doctor_dkim_selector(struct doctor *d, const char *sel)
{
	char name[600], desc[64], *text, *p;
	struct doctor_dkim_key key;
	struct doctor_finding *f;
	const char *why = "";
	int n, v;

	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, d->domain);
	/* a key record need not start with v=DKIM1: take the first TXT */
	n = doctor_dns_txt(name, "", &text, &why);
	if (n <= 0) {
		f = doctor_add(d, "dkim", DOCTOR_FAIL, name,
		    n < 0 ? "TXT lookup failed: %s" : "no key record (%s)", why);
		doctor_fix(f, "publish the selector's public key: \"%s TXT "
		    "v=DKIM1; k=rsa; p=...\"", name);
		return;
	}
	if (doctor_dkim_tags(text, &key, &why) < 0) {
		f = doctor_add(d, "dkim", DOCTOR_FAIL, name,
		    "key record does not parse: %s", why);
		doctor_fix(f, "republish the record as the signer's key tool "
		    "wrote it (opendkim-genkey's .txt)");
	} else if (*(p = doctor_dkim_trim(key.p)) == '\0') {
		f = doctor_add(d, "dkim", DOCTOR_FAIL, name,
		    "empty p=: the key is revoked");
		doctor_fix(f, "sign with a current selector, or publish its key");
	} else if ((v = doctor_dkim_key(&key, desc, sizeof(desc))) < 0) {
		f = doctor_add(d, "dkim", DOCTOR_FAIL, name,
		    "p= is not a valid %s public key",
		    key.k[0] != '\0' ? key.k : "rsa");
		doctor_fix(f, "republish the public key (base64 of the "
		    "SubjectPublicKeyInfo)");
	} else {
		f = doctor_add(d, "dkim", (enum doctor_verdict)v, name, "%s", desc);
		if (v != DOCTOR_OK)
			doctor_fix(f, "generate a 2048-bit key under a new "
			    "selector and switch the signer to it");
	}
	free(text);
}

/* doctor_dkim_check - see doctor.h */
void
doctor_dkim_check(struct doctor *d)
{
	size_t i;

	for (i = 0; i < d->n_selectors; i++)
		doctor_dkim_selector(d, d->selectors[i]);
}
