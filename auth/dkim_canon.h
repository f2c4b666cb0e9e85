/*
 * dkim_canon.h - RFC 6376 3.4 canonicalization, straight into a SHA-256
 * digest: header fields one at a time (simple or relaxed), the body as a
 * stream of chunks that may split anywhere, even between CR and LF, with
 * an optional l= length limit.
 */
#ifndef TMX_DKIM_CANON_H
#define TMX_DKIM_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define DKIM_SHA256_LEN 32

enum dkim_canon {
	DKIM_CANON_SIMPLE = 0,
	DKIM_CANON_RELAXED,
};

/*
 * dkim_canon_parse - a c= value, "header[/body]" (a lone algorithm is the
 * header's, the body's is then simple). 0, or -1 for an unknown one.
 */
int dkim_canon_parse(const char *value, size_t len, enum dkim_canon *header_r,
		     enum dkim_canon *body_r);

/* dkim_canon_name - "simple", "relaxed" */
const char *dkim_canon_name(enum dkim_canon canon);

/*
 * dkim_canon_header - one header field into md: name, ':', value (as it
 * follows the colon, folded with CRLF), canonicalized, then CRLF unless
 * !crlf (a signature's own field). 0, or -1 if the digest failed.
 */
int dkim_canon_header(EVP_MD_CTX *md, enum dkim_canon canon, const char *name,
		      const char *value, size_t len, bool crlf);

/* A body being hashed: zero it, then dkim_canon_body_init. */
struct dkim_canon_body {
	EVP_MD_CTX *md;
	enum dkim_canon canon;
	int64_t limit;		/* bytes to hash; -1: all */
	uint64_t length;	/* canonical bytes so far, past limit too */
	uint64_t blank;		/* empty lines held back (maybe the end) */
	bool cr;		/* a CR was the last byte: LF may follow */
	bool in_line;		/* the current line has content */
	bool wsp;		/* relaxed: white space held back */
	bool failed;		/* the digest reported an error */
	size_t buflen;
	unsigned char buf[1024];
};

/* dkim_canon_body_init - start a SHA-256 body hash; 0, or -1 (no memory) */
int dkim_canon_body_init(struct dkim_canon_body *b, enum dkim_canon canon,
			 int64_t limit);

/* dkim_canon_body_update - the next chunk of the body (CRLF lines) */
void dkim_canon_body_update(struct dkim_canon_body *b, const unsigned char *p,
			    size_t len);

/*
 * dkim_canon_body_final - end of body: the digest into out. 0, or -1 when
 * the digest failed. b->length is then the canonical body's length.
 */
int dkim_canon_body_final(struct dkim_canon_body *b,
			  unsigned char out[DKIM_SHA256_LEN]);

/* dkim_canon_body_free - release the digest (safe twice, and after init
 * failed) */
void dkim_canon_body_free(struct dkim_canon_body *b);

#endif
