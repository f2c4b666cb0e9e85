/*
 * fuzz-arc-msg.c - a whole message through ARC: header fields and sets
 * collected, the chain validated and a set sealed, never touching DNS
 * (dkim_key's hook answers for one selector, fuzz._domainkey.fuzz.example,
 * whose Ed25519 key is fixed here so a corpus can hold passing chains).
 * The result must be coherent, a sealed set well formed; and a message
 * without ARC fields, once sealed, must verify: cv=pass.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "arc.h"
#include "arc_int.h"
#include "dkim_key.h"
#include "dkim_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed Ed25519 seed (RFC 8032 test 1's), and what it makes. */
static const unsigned char fuzz_seed[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
};
static struct arc_key *fuzz_key;
static char fuzz_record[128];

/* fuzz_txt - the key lookup: our record, nothing else */
static enum dkim_key_status
fuzz_txt(void *arg, const char *name, char **txt_r, const char **reason_r)
{
	if (strcmp(name, "fuzz._domainkey.fuzz.example") != 0) {
		*reason_r = "no key record (NXDOMAIN)";
		return DKIM_KEY_NOTFOUND;
	}
	*txt_r = strdup(fuzz_record);
	return *txt_r != NULL ? DKIM_KEY_OK : DKIM_KEY_TEMPFAIL;
}

/* fuzz_init - the key (through a memfd, as arc_key_load reads a file)
 * and its record, once */
static void
fuzz_init(void)
{
	EVP_PKEY *pkey;
	unsigned char pub[32];
	char b64[64], path[64];
	const char *why;
	size_t len = sizeof(pub);
	FILE *fp;
	int fd;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, fuzz_seed,
					    sizeof(fuzz_seed));
	if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1)
		abort();
	dkim_tags_base64_encode(pub, len, b64);
	snprintf(fuzz_record, sizeof(fuzz_record), "v=DKIM1; k=ed25519; p=%s",
		 b64);
	if ((fd = memfd_create("fuzz-arc-key", 0)) < 0 ||
	    (fp = fdopen(dup(fd), "w")) == NULL ||
	    PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL) != 1)
		abort();
	fclose(fp);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((fuzz_key = arc_key_load(path, &why)) == NULL)
		abort();
	close(fd);
	EVP_PKEY_free(pkey);
	dkim_key_set_txt_hook(fuzz_txt, NULL);
}

/* fuzz_check_result - what any verdict must look like */
static void
fuzz_check_result(const struct arc_result *r)
{
	if (r->nsets > ARC_MAX_INSTANCE || (r->nsets > 0) != (r->set != NULL))
		abort();
	switch (r->cv) {
	case ARC_CV_NONE:
		if (r->nsets != 0 || r->reason != NULL || r->temperror)
			abort();
		break;
	case ARC_CV_FAIL:
		if (r->reason == NULL || r->temperror)	/* no DNS, no tempfail */
			abort();
		break;
	case ARC_CV_PASS:
		if (r->nsets == 0 || r->reason != NULL || r->oldest_pass == 1 ||
		    r->oldest_pass > r->nsets || !r->set[r->nsets - 1].ams_pass)
			abort();
		for (unsigned i = 0; i < r->nsets; i++)
			if (!r->set[i].as_pass ||
			    r->set[i].cv != (i ? ARC_CV_PASS : ARC_CV_NONE))
				abort();
		break;
	default:
		abort();
	}
	for (unsigned i = 0; i < r->nsets; i++) {
		const struct arc_set_result *s = &r->set[i];

		if (s->instance != i + 1 || s->aar == NULL ||
		    strnlen(s->domain, sizeof(s->domain)) == sizeof(s->domain) ||
		    strnlen(s->ams_domain, sizeof(s->ams_domain)) ==
		    sizeof(s->ams_domain))
			abort();
	}
}

/* fuzz_check_value - a sealed value: starts "i=N;", folds CRLF+TAB */
static void
fuzz_check_value(const char *v, unsigned inst)
{
	char want[16];

	snprintf(want, sizeof(want), "i=%u;", inst);
	if (strncmp(v, want, strlen(want)) != 0)
		abort();
	for (const char *p = v; *p; p++)
		if ((*p == '\n' && (p == v || p[-1] != '\r' || p[1] != '\t')) ||
		    (*p == '\r' && p[1] != '\n'))
			abort();
}

/* fuzz_roundtrip - the sealed message must pass */
static void
fuzz_roundtrip(const struct arc_seal *s, const uint8_t *data, size_t size)
{
	size_t hlen = strlen(s->seal) + strlen(s->ams) + strlen(s->aar) + 100;
	char *msg = malloc(hlen + size);
	struct arc_msg *m = arc_msg_new(false);
	int n;

	if (msg == NULL || m == NULL)
		abort();
	n = snprintf(msg, hlen, "ARC-Seal: %s\r\nARC-Message-Signature: %s\r\n"
		     "ARC-Authentication-Results: %s\r\n", s->seal, s->ams,
		     s->aar);
	memcpy(msg + n, data, size);
	if (arc_msg_feed(m, msg, (size_t)n + size) < 0 ||
	    arc_msg_verify(m)->cv != ARC_CV_PASS)
		abort();
	arc_msg_free(m);
	free(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct arc_result *r;
	const char *why = NULL;
	struct arc_seal s;
	struct arc_msg *m;
	bool plain;

	if (fuzz_key == NULL)
		fuzz_init();
	if ((m = arc_msg_new(true)) == NULL)
		return 0;
	if (arc_msg_feed(m, (const char *)data, size) < 0) {
		arc_msg_free(m);
		return 0;
	}
	r = arc_msg_verify(m);
	fuzz_check_result(r);
	/* no ARC field at all, all fields kept, room for three more, and
	 * no continuation line that would join our last field */
	plain = r->cv == ARC_CV_NONE && !m->overflow &&
	    m->nfields + 3 <= ARC_HEADERS_MAX &&
	    m->bytes + 3 * ARC_FIELD_MAX < ARC_HEADER_BYTES_MAX &&
	    size > 0 && data[0] != ' ' && data[0] != '\t';
	if (arc_msg_seal(m, fuzz_key, "fuzz.example", "fuzz",
			 "fuzz.example; arc=none", 1764842400, &s, &why) == 0) {
		if (s.instance < 1 || s.instance > ARC_MAX_INSTANCE)
			abort();
		fuzz_check_value(s.seal, s.instance);
		fuzz_check_value(s.ams, s.instance);
		fuzz_check_value(s.aar, s.instance);
		if (plain)
			fuzz_roundtrip(&s, data, size);
		arc_seal_clear(&s);
	} else if (why == NULL || s.seal != NULL || plain) {
		abort();
	}
	arc_msg_free(m);
	return 0;
}
