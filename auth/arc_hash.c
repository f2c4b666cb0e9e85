/*
 * arc_hash.c - the two header hashes of ARC. An AMS hashes the fields
 * its h= names, chosen from the bottom up as DKIM does (RFC 6376 5.4.2),
 * then itself with b= emptied. An AS hashes the ARC sets 1..i in
 * increasing order, each as AAR, AMS, AS, relaxed, the last (its own)
 * with b= emptied and without a CRLF (RFC 8617 5.1.1).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc_int.h"

/* arc_hash_begin - a SHA-256 context; NULL without memory */
static EVP_MD_CTX *
arc_hash_begin(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return md;
}

/* arc_hash_end - the digest into out, the context freed; 0 or -1 */
static int
arc_hash_end(EVP_MD_CTX *md, int rc, unsigned char out[32])
{
	unsigned int n = 0;

	if (rc == 0 && (EVP_DigestFinal_ex(md, out, &n) != 1 || n != 32))
		rc = -1;
	EVP_MD_CTX_free(md);
	return rc;
}

/* arc_hash_unsigned - a signature field with [bstart, bend) of its value
 * cut out (the b= value), canonicalized, without CRLF */
static int
arc_hash_unsigned(EVP_MD_CTX *md, enum dkim_canon canon, const char *name,
		  const char *value, size_t len, size_t bstart, size_t bend)
{
	size_t n;
	char *copy;
	int rc;

	if (bstart > bend || bend > len)
		return -1;
	n = len - (bend - bstart);
	if ((copy = malloc(n + 1)) == NULL)
		return -1;
	memcpy(copy, value, bstart);
	memcpy(copy + bstart, value + bend, len - bend);
	copy[n] = '\0';
	rc = dkim_canon_header(md, canon, name, copy, n, false);
	free(copy);
	return rc;
}

/* arc_hash_ftext - a byte a field name may hold */
static bool
arc_hash_ftext(unsigned char ch)
{
	return ch >= 33 && ch <= 126 && ch != ':';
}

/* arc_hash_h_names - h= split at ':' with FWS trimmed; how many, or -1 */
static int
arc_hash_h_names(const char *h, size_t hlen, const char **names,
		 size_t *lens, const char **error_r)
{
	size_t i = 0;
	int n = 0;

	while (i <= hlen) {
		size_t start, end;

		while (i < hlen && (h[i] == ' ' || h[i] == '\t' ||
				    h[i] == '\r' || h[i] == '\n'))
			i++;
		start = i;
		while (i < hlen && arc_hash_ftext((unsigned char)h[i]))
			i++;
		end = i;
		while (i < hlen && (h[i] == ' ' || h[i] == '\t' ||
				    h[i] == '\r' || h[i] == '\n'))
			i++;
		if (end == start || end - start > ARC_H_NAME_MAX ||
		    (i < hlen && h[i] != ':')) {
			*error_r = "h= is not a list of header field names";
			return -1;
		}
		if (n == ARC_H_MAX) {
			*error_r = "h= names too many header fields";
			return -1;
		}
		names[n] = h + start;
		lens[n++] = end - start;
		i++;		/* past the ':' (or the end) */
	}
	return n;
}

/* arc_hash_named - the field's name is name/len, any case */
static bool
arc_hash_named(const struct arc_field *f, const char *name, size_t len)
{
	return strlen(f->name) == len && strncasecmp(f->name, name, len) == 0;
}

/* arc_hash_ams - see arc_int.h: the AMS hash over the fields h= names
 * and the AMS field self (b= at [bstart, bend) of its value) */
int
arc_hash_ams(const struct arc_msg *m, enum dkim_canon hcanon,
	     const char *h, size_t hlen, const struct arc_hash_item *self,
	     size_t bstart, size_t bend, unsigned char digest[32],
	     const char **error_r)
{
	const char *names[ARC_H_MAX];
	size_t lens[ARC_H_MAX];
	EVP_MD_CTX *md;
	int n, rc = 0;

	if ((n = arc_hash_h_names(h, hlen, names, lens, error_r)) < 0)
		return -1;
	for (int k = 0; k < n; k++)
		if (lens[k] == strlen(ARC_SEAL_NAME) &&
		    strncasecmp(names[k], ARC_SEAL_NAME, lens[k]) == 0) {
			*error_r = "an ARC-Message-Signature signs ARC-Seal";
			return -1;
		}
	if ((md = arc_hash_begin()) == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	for (int k = 0; k < n && rc == 0; k++) {
		size_t skip = 0, f;

		/* the k-th use of a name takes the next field up */
		for (int j = 0; j < k; j++)
			if (lens[j] == lens[k] &&
			    strncasecmp(names[j], names[k], lens[k]) == 0)
				skip++;
		for (f = m->nfields; f > 0; f--)
			if (arc_hash_named(&m->field[f - 1], names[k], lens[k]) &&
			    skip-- == 0)
				break;
		if (f > 0)
			rc = dkim_canon_header(md, hcanon, m->field[f - 1].name,
					       m->field[f - 1].value,
					       m->field[f - 1].len, true);
	}
	if (rc == 0)
		rc = arc_hash_unsigned(md, hcanon, self->name, self->value,
				       self->len, bstart, bend);
	if (arc_hash_end(md, rc, digest) < 0) {
		*error_r = "the header hash failed";
		return -1;
	}
	return 0;
}

/* arc_hash_set_items - the fields of sets 1..upto, in the AS's order */
size_t
arc_hash_set_items(const struct arc_msg *m, unsigned upto,
		   struct arc_hash_item *items)
{
	size_t n = 0;

	for (unsigned i = 0; i < upto; i++) {
		int idx[3] = { m->set[i].aar, m->set[i].ams, m->set[i].as };

		for (size_t k = 0; k < 3; k++) {
			const struct arc_field *f = &m->field[idx[k]];

			items[n].name = f->name;
			items[n].value = f->value;
			items[n++].len = f->len;
		}
	}
	return n;
}

/* arc_hash_seal - see arc_int.h: items relaxed, each with CRLF but the
 * last, whose [bstart, bend) is cut out */
int
arc_hash_seal(const struct arc_hash_item *items, size_t n, size_t bstart,
	      size_t bend, unsigned char digest[32])
{
	EVP_MD_CTX *md;
	int rc = 0;

	if (n == 0 || (md = arc_hash_begin()) == NULL)
		return -1;
	for (size_t i = 0; i + 1 < n && rc == 0; i++)
		rc = dkim_canon_header(md, DKIM_CANON_RELAXED, items[i].name,
				       items[i].value, items[i].len, true);
	if (rc == 0)
		rc = arc_hash_unsigned(md, DKIM_CANON_RELAXED, items[n - 1].name,
				       items[n - 1].value, items[n - 1].len,
				       bstart, bend);
	return arc_hash_end(md, rc, digest);
}
