/*
 * arc.c - one message's ARC state as it streams in: header fields kept
 * in order (bounded, LF folds made CRLF), the sets found at the end of
 * the header, and the body hashes they need fed chunk by chunk. The
 * chain is judged in arc_verify.c, a new set made in arc_seal.c.
 */
#include <stdlib.h>
#include <string.h>

#include "arc_int.h"

/* arc_msg_new - see arc.h */
struct arc_msg *
arc_msg_new(bool seal)
{
	struct arc_msg *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->seal = seal;
	m->seal_bh = -1;
	m->lookup_budget_ms = ARC_LOOKUP_BUDGET_MS;
	return m;
}

/* arc_msg_failed - remember the first reason the chain must fail */
static void
arc_msg_failed(struct arc_msg *m, const char *reason)
{
	if (m->fail == NULL)
		m->fail = reason;
}

/* arc_msg_copy_value - value with bare LF made CRLF, no line end at the
 * end; malloc'd, its length in *len_r */
static char *
arc_msg_copy_value(const char *value, size_t vlen, size_t *len_r)
{
	size_t extra = 0, o = 0;
	char *out;

	while (vlen > 0 && (value[vlen - 1] == '\n' || value[vlen - 1] == '\r'))
		vlen--;
	for (size_t i = 0; i < vlen; i++)
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			extra++;
	if ((out = malloc(vlen + extra + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < vlen; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = value[i];
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* arc_msg_copy_name - name without surrounding white space; malloc'd */
static char *
arc_msg_copy_name(const char *name)
{
	size_t len;
	char *out;

	while (*name == ' ' || *name == '\t')
		name++;
	len = strlen(name);
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(out, name, len);
	out[len] = '\0';
	return out;
}

/* arc_msg_header - see arc.h */
int
arc_msg_header(struct arc_msg *m, const char *name, const char *value)
{
	struct arc_field *f;
	size_t vlen = strlen(value), nlen = strlen(name);

	if (m->eoh)
		return 0;
	if (m->nfields == ARC_HEADERS_MAX ||
	    m->bytes + vlen + nlen > ARC_HEADER_BYTES_MAX) {
		m->overflow = true;
		arc_msg_failed(m, "too many or too large header fields to "
			       "check ARC");
		return 0;
	}
	if (arc_parse_kind(name) != ARC_KIND_NONE && vlen > ARC_FIELD_MAX) {
		/* not kept: no AMS of ours signs ARC fields */
		arc_msg_failed(m, "an ARC header field is too long");
		return 0;
	}
	if (m->nfields == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;

		if (cap > ARC_HEADERS_MAX)
			cap = ARC_HEADERS_MAX;
		if ((f = realloc(m->field, cap * sizeof(*f))) == NULL)
			return -1;
		m->field = f;
		m->cap = cap;
	}
	f = &m->field[m->nfields];
	if ((f->name = arc_msg_copy_name(name)) == NULL)
		return -1;
	if ((f->value = arc_msg_copy_value(value, vlen, &f->len)) == NULL) {
		free(f->name);
		return -1;
	}
	m->nfields++;
	m->bytes += vlen + nlen;
	return 0;
}

/* arc_msg_eoh - see arc.h */
void
arc_msg_eoh(struct arc_msg *m)
{
	if (m->eoh)
		return;
	m->eoh = true;
	arc_parse_sets(m);
	arc_parse_plan(m);
}

/* arc_msg_body - see arc.h */
void
arc_msg_body(struct arc_msg *m, const unsigned char *buf, size_t len)
{
	if (!m->eoh)
		arc_msg_eoh(m);
	if (m->verified)
		return;
	for (unsigned i = 0; i < m->nbh; i++)
		dkim_canon_body_update(&m->bh[i].body, buf, len);
}

/* arc_msg_feed_body - the body with bare LF line ends made CRLF */
static void
arc_msg_feed_body(struct arc_msg *m, const char *p, size_t len)
{
	unsigned char buf[8192];
	size_t n = 0;
	char prev = '\0';

	for (size_t i = 0; i < len; i++) {
		if (n + 2 > sizeof(buf)) {
			arc_msg_body(m, buf, n);
			n = 0;
		}
		if (p[i] == '\n' && prev != '\r')
			buf[n++] = '\r';
		buf[n++] = (unsigned char)p[i];
		prev = p[i];
	}
	arc_msg_body(m, buf, n);
}

/* arc_msg_feed_field - one field of a whole message: "name: value" with
 * its folds, without the last line end */
static int
arc_msg_feed_field(struct arc_msg *m, const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len);
	char *name, *value;
	int rc;

	if (colon == NULL)
		return 0;	/* not a field (an mbox "From " line) */
	name = strndup(p, (size_t)(colon - p));
	value = strndup(colon + 1, len - (size_t)(colon - p) - 1);
	rc = name != NULL && value != NULL ?
	    arc_msg_header(m, name, value) : -1;
	free(name);
	free(value);
	return rc;
}

/* arc_msg_feed - see arc.h */
int
arc_msg_feed(struct arc_msg *m, const char *msg, size_t len)
{
	size_t pos = 0;

	for (;;) {
		size_t start = pos, end;
		const char *nl;

		if (pos >= len)
			return -1;	/* no empty line: no body found */
		if (msg[pos] == '\n' ||
		    (msg[pos] == '\r' && pos + 1 < len && msg[pos + 1] == '\n')) {
			pos += msg[pos] == '\n' ? 1 : 2;
			break;
		}
		/* the field's lines: this one and those starting with WSP */
		for (;;) {
			nl = memchr(msg + pos, '\n', len - pos);
			if (nl == NULL)
				return -1;
			pos = (size_t)(nl - msg) + 1;
			if (pos >= len || (msg[pos] != ' ' && msg[pos] != '\t'))
				break;
		}
		end = pos - 1;
		if (end > start && msg[end - 1] == '\r')
			end--;
		if (arc_msg_feed_field(m, msg + start, end - start) < 0)
			return -1;
	}
	arc_msg_eoh(m);
	arc_msg_feed_body(m, msg + pos, len - pos);
	return 0;
}

/* arc_msg_free - see arc.h */
void
arc_msg_free(struct arc_msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nfields; i++) {
		free(m->field[i].name);
		free(m->field[i].value);
	}
	free(m->field);
	for (unsigned i = 0; i < m->setcap; i++)
		free(m->set[i].aar_text);
	free(m->set);
	for (unsigned i = 0; i < m->nbh; i++)
		dkim_canon_body_free(&m->bh[i].body);
	free(m->bh);
	for (unsigned i = 0; i < m->nkeys; i++) {
		free(m->keys[i].selector);
		free(m->keys[i].domain);
		dkim_key_clear(&m->keys[i].key);
	}
	free(m->keys);
	free(m->setres);
	free(m);
}

/* arc_cv_name - see arc.h */
const char *
arc_cv_name(enum arc_cv cv)
{
	switch (cv) {
	case ARC_CV_PASS:
		return "pass";
	case ARC_CV_FAIL:
		return "fail";
	case ARC_CV_NONE:
		break;
	}
	return "none";
}
