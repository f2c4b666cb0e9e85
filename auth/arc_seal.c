/*
 * arc_seal.c - adding our ARC set (RFC 8617 5.1): the AAR over the A-R
 * value we give it, an AMS over a fixed list of header fields and the
 * body hash computed while the body streamed, and an AS over the chain
 * (or, for a chain that failed, over our own set alone, 5.1.2). Values
 * are folded with CRLF+TAB; arc_seal_lf makes them LF+TAB for libmilter.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc_int.h"
#include "dkim_tags.h"

/*
 * The fields our AMS signs, each occurrence present. Not ARC-Seal (RFC
 * 8617 4.1.2), and not Authentication-Results: the milter deletes those
 * claiming its own authserv-id and adds its own only after this hash,
 * and MTAs downstream rewrite them; our AAR carries what we found.
 */
static const char *const arc_seal_signed[] = {
	"from", "to", "cc", "subject", "date", "message-id", "reply-to",
	"mime-version", "content-type", "content-transfer-encoding",
	"in-reply-to", "references", "list-id", "dkim-signature",
};

#define ARC_SEAL_LINE	72	/* fold past this column */

/* A growing string; oom remembers a failed append. */
struct arc_seal_str {
	char *p;
	size_t len, cap, col;
	bool oom;
};

/* arc_seal_str_add - append n bytes */
static void
arc_seal_str_add(struct arc_seal_str *s, const char *p, size_t n)
{
	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		char *grown;

		while (cap < s->len + n + 1)
			cap *= 2;
		if ((grown = realloc(s->p, cap)) == NULL) {
			s->oom = true;
			return;
		}
		s->p = grown;
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
	for (size_t i = 0; i < n; i++)
		s->col = p[i] == '\n' ? 0 : s->col + 1;
}

/* arc_seal_str_addf - append printf-style */
static void __attribute__((format(printf, 2, 3)))
arc_seal_str_addf(struct arc_seal_str *s, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		s->oom = true;
	else
		arc_seal_str_add(s, buf, (size_t)n);
}

/* arc_seal_str_fold - start a new folded line when this one is long */
static void
arc_seal_str_fold(struct arc_seal_str *s, size_t next)
{
	if (s->col + next > ARC_SEAL_LINE)
		arc_seal_str_add(s, "\r\n\t", 3);
}

/* arc_seal_sign - b= for digest, base64, folded into s */
static int
arc_seal_sign(const struct arc_key *key, const unsigned char digest[32],
	      struct arc_seal_str *s)
{
	unsigned char sig[DKIM_SIG_MAX];
	char b64[(DKIM_SIG_MAX + 2) / 3 * 4 + 1];
	size_t siglen = sizeof(sig), len;

	if (arc_key_sign(key, digest, sig, &siglen) < 0)
		return -1;
	dkim_tags_base64_encode(sig, siglen, b64);
	len = strlen(b64);
	for (size_t i = 0; i < len; ) {
		size_t room = ARC_SEAL_LINE > s->col ? ARC_SEAL_LINE - s->col : 0;
		size_t n = len - i < room ? len - i : room;

		if (n == 0) {
			arc_seal_str_add(s, "\r\n\t", 3);
			continue;
		}
		arc_seal_str_add(s, b64 + i, n);
		i += n;
	}
	return 0;
}

/* arc_seal_hostname - what d= and s= may be: letters, digits, - . _ */
static bool
arc_seal_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
		      *s == '_'))
			return false;
	return true;
}

/* arc_seal_aar - "i=N; " and the A-R value, LF folds made CRLF; -1 when
 * authres is not a header value that can be folded safely */
static int
arc_seal_aar(unsigned inst, const char *authres, struct arc_seal_str *s)
{
	while (*authres == ' ' || *authres == '\t')
		authres++;
	if (*authres == '\0' || strlen(authres) > ARC_FIELD_MAX / 2)
		return -1;
	arc_seal_str_addf(s, "i=%u; ", inst);
	for (const char *p = authres; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '\r' && p[1] == '\n')
			continue;	/* the LF adds it back */
		if (ch == '\n') {
			if (p[1] != ' ' && p[1] != '\t')
				return -1;	/* would end the field */
			arc_seal_str_add(s, "\r\n", 2);
			continue;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return -1;
		arc_seal_str_add(s, p, 1);
	}
	return 0;
}

/* arc_seal_h - h=: each listed field as often as it is present; From
 * once more (RFC 6376 8.15: a From added above the signed one breaks
 * the AMS instead of going unnoticed). At most ARC_H_MAX names, as a
 * verifier takes them: past that, the lowest occurrences are signed. */
static void
arc_seal_h(const struct arc_msg *m, struct arc_seal_str *h)
{
	size_t room = ARC_H_MAX;

	for (size_t i = 0; i < sizeof(arc_seal_signed) / sizeof(*arc_seal_signed); i++) {
		size_t count = i == 0 ? 1 : 0;

		for (size_t f = 0; f < m->nfields; f++)
			if (strcasecmp(m->field[f].name, arc_seal_signed[i]) == 0)
				count++;
		for (; count > 0 && room > 0; count--, room--)
			arc_seal_str_addf(h, "%s%s", h->len ? ":" : "",
					  arc_seal_signed[i]);
	}
}

/* arc_seal_ams - the AMS value, signed, into s */
static int
arc_seal_ams(const struct arc_msg *m, const struct arc_key *key,
	     const char *alg, const char *domain, const char *selector,
	     unsigned inst, long long now, struct arc_seal_str *s,
	     const char **error_r)
{
	char bh[DKIM_SHA256_LEN * 2];
	struct arc_seal_str h = { 0 };
	struct arc_hash_item self;
	unsigned char digest[32];
	int rc = -1;

	arc_seal_h(m, &h);
	dkim_tags_base64_encode(m->bh[m->seal_bh].digest, DKIM_SHA256_LEN, bh);
	arc_seal_str_addf(s, "i=%u; a=%s; c=relaxed/relaxed; d=%s; s=%s;\r\n\t"
		     "t=%lld; h=", inst, alg, domain, selector, now);
	for (size_t i = 0; i < h.len && !h.oom; ) {
		const char *colon = memchr(h.p + i, ':', h.len - i);
		size_t n = colon ? (size_t)(colon - h.p) - i + 1 : h.len - i;

		arc_seal_str_fold(s, n);
		arc_seal_str_add(s, h.p + i, n);
		i += n;
	}
	arc_seal_str_addf(s, ";\r\n\tbh=%s;\r\n\tb=", bh);
	*error_r = "out of memory";
	if (!h.oom && !s->oom) {
		self = (struct arc_hash_item){ ARC_AMS_NAME, s->p, s->len };
		if (arc_hash_ams(m, DKIM_CANON_RELAXED, h.p, h.len, &self,
				 s->len, s->len, digest, error_r) == 0) {
			*error_r = "signing failed";
			rc = arc_seal_sign(key, digest, s);
		}
	}
	free(h.p);
	return rc == 0 && !s->oom ? 0 : -1;
}

/* arc_seal_as - the AS value, signed, into s: over the sets 1..N and
 * ours, or ours alone when the chain failed (RFC 8617 5.1.2) */
static int
arc_seal_as(const struct arc_msg *m, const struct arc_key *key,
	    const char *alg, const char *domain, const char *selector,
	    unsigned inst, long long now, enum arc_cv cv,
	    const struct arc_seal_str *aar, const struct arc_seal_str *ams,
	    struct arc_seal_str *s)
{
	struct arc_hash_item items[3 * ARC_MAX_INSTANCE + 3];
	unsigned char digest[32];
	size_t n = 0;

	arc_seal_str_addf(s, "i=%u; a=%s; t=%lld; cv=%s;\r\n\td=%s; s=%s;\r\n\tb=",
		     inst, alg, now, arc_cv_name(cv), domain, selector);
	if (s->oom)
		return -1;
	if (cv != ARC_CV_FAIL)
		n = arc_hash_set_items(m, inst - 1, items);
	items[n++] = (struct arc_hash_item){ ARC_AAR_NAME, aar->p, aar->len };
	items[n++] = (struct arc_hash_item){ ARC_AMS_NAME, ams->p, ams->len };
	items[n++] = (struct arc_hash_item){ ARC_SEAL_NAME, s->p, s->len };
	if (arc_hash_seal(items, n, s->len, s->len, digest) < 0 ||
	    arc_seal_sign(key, digest, s) < 0)
		return -1;
	return s->oom ? -1 : 0;
}

/* arc_seal_refused - why no set may be added to m, or NULL */
static const char *
arc_seal_refused(const struct arc_msg *m, const struct arc_result *r)
{
	const struct arc_set *top = m->nsets ? &m->set[m->nsets - 1] : NULL;

	if (!m->seal || m->seal_bh < 0)
		return "the message was not read for sealing";
	if (m->overflow)
		return "the header is too large to seal";
	if (m->too_many || m->nsets >= ARC_MAX_INSTANCE)
		return "the message has 50 ARC sets: no more may be added";
	if (top != NULL && top->as >= 0 && top->as_sig.error == NULL &&
	    top->as_sig.cv == ARC_CV_FAIL)
		return "the newest ARC-Seal already says cv=fail";
	if (r->temperror)
		return "the chain cannot be judged now (a key lookup failed "
		       "temporarily)";
	if (!m->bh[m->seal_bh].ok)
		return "the body hash could not be computed";
	return NULL;
}

/* arc_msg_seal - see arc.h */
int
arc_msg_seal(struct arc_msg *m, const struct arc_key *key,
	     const char *domain, const char *selector, const char *authres,
	     time_t now, struct arc_seal *out, const char **error_r)
{
	const struct arc_result *r = arc_msg_verify(m);
	struct arc_seal_str aar = { 0 }, ams = { 0 }, as = { 0 };
	const char *alg, *why;
	unsigned inst;
	enum arc_cv cv;

	memset(out, 0, sizeof(*out));
	if ((why = arc_seal_refused(m, r)) != NULL) {
		*error_r = why;
		return -1;
	}
	if (!arc_seal_hostname(domain) || !arc_seal_hostname(selector)) {
		*error_r = "the sealing domain or selector is not a host name";
		return -1;
	}
	inst = m->nsets + 1;
	cv = r->cv == ARC_CV_PASS ? ARC_CV_PASS :
	    r->cv == ARC_CV_NONE ? ARC_CV_NONE : ARC_CV_FAIL;
	alg = key->type == DKIM_KEY_RSA ? "rsa-sha256" : "ed25519-sha256";
	if (arc_seal_aar(inst, authres, &aar) < 0) {
		*error_r = "the Authentication-Results value cannot be sealed "
			   "(empty, too long, or a control character)";
		goto fail;
	}
	if (aar.oom) {
		*error_r = "out of memory";
		goto fail;
	}
	if (arc_seal_ams(m, key, alg, domain, selector, inst, (long long)now,
			 &ams, error_r) < 0)
		goto fail;
	if (arc_seal_as(m, key, alg, domain, selector, inst, (long long)now,
			cv, &aar, &ams, &as) < 0) {
		*error_r = "signing the ARC-Seal failed";
		goto fail;
	}
	out->aar = aar.p;
	out->ams = ams.p;
	out->seal = as.p;
	out->instance = inst;
	return 0;
fail:
	free(aar.p);
	free(ams.p);
	free(as.p);
	return -1;
}

/* arc_seal_clear - see arc.h */
void
arc_seal_clear(struct arc_seal *out)
{
	free(out->seal);
	free(out->ams);
	free(out->aar);
	memset(out, 0, sizeof(*out));
}

/* arc_seal_lf_one - drop the CR of each CRLF, in place */
static void
arc_seal_lf_one(char *s)
{
	char *o = s;

	if (s == NULL)
		return;
	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*o++ = *s;
	*o = '\0';
}

/* arc_seal_lf - see arc.h */
void
arc_seal_lf(struct arc_seal *out)
{
	arc_seal_lf_one(out->seal);
	arc_seal_lf_one(out->ams);
	arc_seal_lf_one(out->aar);
}
