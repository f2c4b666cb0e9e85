/*
 * dkim_canon.c - RFC 6376 3.4 canonicalization fed into an EVP digest
 * through a small buffer. The body is a state machine over bytes, so a
 * chunk may end anywhere; empty lines are counted, not stored, until
 * content proves they were not the end of the body.
 */
#include <string.h>
#include <strings.h>

#include "dkim_canon.h"

/* Header output, buffered so a field costs a few digest updates. */
struct dkim_canon_out {
	EVP_MD_CTX *md;
	size_t n;
	bool failed;
	unsigned char buf[512];
};

/* dkim_canon_out_flush - hand the buffered bytes to the digest */
static void
dkim_canon_out_flush(struct dkim_canon_out *o)
{
	if (o->n > 0 && !o->failed && EVP_DigestUpdate(o->md, o->buf, o->n) != 1)
		o->failed = true;
	o->n = 0;
}

/* dkim_canon_out_put - one byte of canonical header text */
static void
dkim_canon_out_put(struct dkim_canon_out *o, unsigned char ch)
{
	if (o->n == sizeof(o->buf))
		dkim_canon_out_flush(o);
	o->buf[o->n++] = ch;
}

/* dkim_canon_wsp - SP or HTAB */
static bool
dkim_canon_wsp(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/* dkim_canon_parse_one - "simple" or "relaxed" */
static int
dkim_canon_parse_one(const char *s, size_t len, enum dkim_canon *c)
{
	if (len == 6 && strncasecmp(s, "simple", 6) == 0)
		*c = DKIM_CANON_SIMPLE;
	else if (len == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*c = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

/* dkim_canon_parse - see dkim_canon.h */
int
dkim_canon_parse(const char *value, size_t len, enum dkim_canon *header_r,
		 enum dkim_canon *body_r)
{
	const char *slash = memchr(value, '/', len);

	*body_r = DKIM_CANON_SIMPLE;
	if (slash == NULL)
		return dkim_canon_parse_one(value, len, header_r);
	if (dkim_canon_parse_one(value, (size_t)(slash - value), header_r) < 0)
		return -1;
	return dkim_canon_parse_one(slash + 1, len - (size_t)(slash - value) - 1,
				    body_r);
}

/* dkim_canon_name - see dkim_canon.h */
const char *
dkim_canon_name(enum dkim_canon canon)
{
	return canon == DKIM_CANON_RELAXED ? "relaxed" : "simple";
}

/* dkim_canon_relaxed_value - unfold, one SP per WSP run, none at the ends */
static void
dkim_canon_relaxed_value(struct dkim_canon_out *o, const char *value,
			 size_t len)
{
	bool started = false, pending = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)value[i];

		if (ch == '\r' && i + 1 < len && value[i + 1] == '\n') {
			i++;		/* unfold: the CRLF goes, WSP follows */
			continue;
		}
		if (dkim_canon_wsp(ch)) {
			pending = true;
			continue;
		}
		if (pending && started)
			dkim_canon_out_put(o, ' ');
		pending = false;
		started = true;
		dkim_canon_out_put(o, ch);
	}
}

/* dkim_canon_header - see dkim_canon.h */
int
dkim_canon_header(EVP_MD_CTX *md, enum dkim_canon canon, const char *name,
		  const char *value, size_t len, bool crlf)
{
	struct dkim_canon_out o = { .md = md };
	size_t nlen = strlen(name), start = 0;

	if (canon == DKIM_CANON_SIMPLE) {
		if (EVP_DigestUpdate(md, name, nlen) != 1 ||
		    EVP_DigestUpdate(md, ":", 1) != 1 ||
		    EVP_DigestUpdate(md, value, len) != 1 ||
		    (crlf && EVP_DigestUpdate(md, "\r\n", 2) != 1))
			return -1;
		return 0;
	}
	while (start < nlen && dkim_canon_wsp((unsigned char)name[start]))
		start++;
	while (nlen > start && dkim_canon_wsp((unsigned char)name[nlen - 1]))
		nlen--;
	for (size_t i = start; i < nlen; i++) {
		unsigned char ch = (unsigned char)name[i];

		dkim_canon_out_put(&o, ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	dkim_canon_out_put(&o, ':');
	dkim_canon_relaxed_value(&o, value, len);
	if (crlf) {
		dkim_canon_out_put(&o, '\r');
		dkim_canon_out_put(&o, '\n');
	}
	dkim_canon_out_flush(&o);
	return o.failed ? -1 : 0;
}

/* dkim_canon_body_init - see dkim_canon.h */
int
dkim_canon_body_init(struct dkim_canon_body *b, enum dkim_canon canon,
		     int64_t limit)
{
	memset(b, 0, offsetof(struct dkim_canon_body, buf));
	b->canon = canon;
	b->limit = limit < 0 ? -1 : limit;
	if ((b->md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(b->md);
		b->md = NULL;
		return -1;
	}
	return 0;
}

/* dkim_canon_body_flush - hand the buffered bytes to the digest */
static void
dkim_canon_body_flush(struct dkim_canon_body *b)
{
	if (b->buflen > 0 && !b->failed &&
	    EVP_DigestUpdate(b->md, b->buf, b->buflen) != 1)
		b->failed = true;
	b->buflen = 0;
}

/* dkim_canon_body_put - one canonical byte; counted always, hashed
 * within the limit */
static inline void
dkim_canon_body_put(struct dkim_canon_body *b, unsigned char ch)
{
	if (b->limit >= 0 && b->length >= (uint64_t)b->limit) {
		b->length++;
		return;
	}
	b->length++;
	b->buf[b->buflen++] = ch;
	if (b->buflen == sizeof(b->buf))
		dkim_canon_body_flush(b);
}

/* dkim_canon_body_content - a byte that is not a line end */
static inline void
dkim_canon_body_content(struct dkim_canon_body *b, unsigned char ch)
{
	if (b->canon == DKIM_CANON_RELAXED && dkim_canon_wsp(ch)) {
		b->wsp = true;
		return;
	}
	if (!b->in_line) {
		/* the empty lines held back were not the end after all */
		for (; b->blank > 0; b->blank--) {
			dkim_canon_body_put(b, '\r');
			dkim_canon_body_put(b, '\n');
		}
		b->in_line = true;
	}
	if (b->wsp) {
		dkim_canon_body_put(b, ' ');
		b->wsp = false;
	}
	dkim_canon_body_put(b, ch);
}

/* dkim_canon_body_eol - a CRLF: end the line, or hold an empty one */
static inline void
dkim_canon_body_eol(struct dkim_canon_body *b)
{
	if (b->in_line) {
		dkim_canon_body_put(b, '\r');
		dkim_canon_body_put(b, '\n');
		b->in_line = false;
	} else {
		b->blank++;
	}
	b->wsp = false;		/* relaxed: white space at a line end goes */
}

/* dkim_canon_body_update - see dkim_canon.h */
void
dkim_canon_body_update(struct dkim_canon_body *b, const unsigned char *p,
		       size_t len)
{
	if (b->md == NULL)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = p[i];

		if (b->cr) {
			b->cr = false;
			if (ch == '\n') {
				dkim_canon_body_eol(b);
				continue;
			}
			dkim_canon_body_content(b, '\r');
		}
		if (ch == '\r')
			b->cr = true;
		else
			dkim_canon_body_content(b, ch);
	}
}

/* dkim_canon_body_final - see dkim_canon.h */
int
dkim_canon_body_final(struct dkim_canon_body *b,
		      unsigned char out[DKIM_SHA256_LEN])
{
	unsigned int n = 0;

	if (b->md == NULL)
		return -1;
	if (b->cr) {
		b->cr = false;
		dkim_canon_body_content(b, '\r');
	}
	/* a last line without CRLF gets one; simple makes an empty body
	 * one CRLF, relaxed leaves it empty (RFC 6376 3.4.3, 3.4.4) */
	if (b->in_line || (b->canon == DKIM_CANON_SIMPLE && b->length == 0)) {
		dkim_canon_body_put(b, '\r');
		dkim_canon_body_put(b, '\n');
		b->in_line = false;
	}
	b->blank = 0;
	b->wsp = false;
	dkim_canon_body_flush(b);
	if (b->failed || EVP_DigestFinal_ex(b->md, out, &n) != 1 ||
	    n != DKIM_SHA256_LEN)
		return -1;
	return 0;
}

/* dkim_canon_body_free - see dkim_canon.h */
void
dkim_canon_body_free(struct dkim_canon_body *b)
{
	EVP_MD_CTX_free(b->md);
	b->md = NULL;
}
