/*
 * dkim_tags.c - the RFC 6376 3.2 tag-list grammar, and the base64 that
 * its b=, bh= and p= values carry. Values are slices of the caller's
 * text; what breaks the grammar is refused, never repaired.
 */
#include <string.h>
#include <strings.h>

#include "dkim_tags.h"

/* dkim_tags_wsp - SP or HTAB */
static bool
dkim_tags_wsp(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * dkim_tags_fws - the length of the FWS at buf[pos] (0: none); -1 when a
 * line break is not followed by WSP (the field would have ended there)
 */
static ssize_t
dkim_tags_fws(const char *buf, size_t len, size_t pos)
{
	size_t p = pos;

	for (;;) {
		if (p < len && dkim_tags_wsp((unsigned char)buf[p])) {
			p++;
		} else if (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n') {
			if (p + 2 >= len || !dkim_tags_wsp((unsigned char)buf[p + 2]))
				return -1;
			p += 3;
		} else if (p < len && (buf[p] == '\r' || buf[p] == '\n')) {
			return -1;
		} else {
			break;
		}
	}
	return (ssize_t)(p - pos);
}

/* dkim_tags_alpha - ALPHA */
static bool
dkim_tags_alpha(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* dkim_tags_alnumpunc - ALPHA / DIGIT / "_" */
static bool
dkim_tags_alnumpunc(unsigned char ch)
{
	return dkim_tags_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '_';
}

/* dkim_tags_valchar - VALCHAR: printable ASCII except ';' */
static bool
dkim_tags_valchar(unsigned char ch)
{
	return ch >= 0x21 && ch <= 0x7e && ch != ';';
}

/* dkim_tags_value - scan a tag-value from *pos up to ';' or the end */
static int
dkim_tags_value(const char *buf, size_t len, size_t *pos,
		struct dkim_tag *t, const char **error_r)
{
	size_t p = *pos, vstart, vend;
	ssize_t n;

	if ((n = dkim_tags_fws(buf, len, p)) < 0)
		goto badfws;
	p += (size_t)n;
	vstart = vend = p;
	while (p < len && buf[p] != ';') {
		if (dkim_tags_valchar((unsigned char)buf[p])) {
			vend = ++p;
			continue;
		}
		if ((n = dkim_tags_fws(buf, len, p)) < 0)
			goto badfws;
		if (n == 0) {
			*error_r = "a tag value holds a byte outside VALCHAR";
			return -1;
		}
		p += (size_t)n;
	}
	t->value = buf + vstart;
	t->valuelen = vend - vstart;
	t->raw_end = p;
	*pos = p;
	return 0;
badfws:
	*error_r = "a line break in a tag list is not folding white space";
	return -1;
}

/* dkim_tags_parse - see dkim_tags.h */
int
dkim_tags_parse(const char *buf, size_t len, struct dkim_tags *tags_r,
		const char **error_r)
{
	size_t pos = 0, start;
	ssize_t n;

	tags_r->count = 0;
	for (;;) {
		struct dkim_tag *t;

		if ((n = dkim_tags_fws(buf, len, pos)) < 0)
			goto badfws;
		pos += (size_t)n;
		if (pos == len)
			return 0;	/* empty list, or after a trailing ';' */
		if (!dkim_tags_alpha((unsigned char)buf[pos])) {
			*error_r = buf[pos] == ';' ? "an empty tag-spec" :
			    "a tag name does not start with a letter";
			return -1;
		}
		start = pos;
		while (pos < len && dkim_tags_alnumpunc((unsigned char)buf[pos]))
			pos++;
		if (pos - start > DKIM_TAG_NAME_MAX) {
			*error_r = "a tag name is too long";
			return -1;
		}
		if (tags_r->count == DKIM_TAGS_MAX) {
			*error_r = "too many tags";
			return -1;
		}
		t = &tags_r->tag[tags_r->count];
		t->name = buf + start;
		t->namelen = pos - start;
		if ((n = dkim_tags_fws(buf, len, pos)) < 0)
			goto badfws;
		pos += (size_t)n;
		if (pos == len || buf[pos] != '=') {
			*error_r = "a tag has no '='";
			return -1;
		}
		t->raw_start = ++pos;
		if (dkim_tags_value(buf, len, &pos, t, error_r) < 0)
			return -1;
		for (unsigned i = 0; i < tags_r->count; i++)
			if (tags_r->tag[i].namelen == t->namelen &&
			    memcmp(tags_r->tag[i].name, t->name, t->namelen) == 0) {
				*error_r = "a tag appears twice";
				return -1;
			}
		tags_r->count++;
		if (pos == len)
			return 0;
		pos++;		/* the ';' */
	}
badfws:
	*error_r = "a line break in a tag list is not folding white space";
	return -1;
}

/* dkim_tags_get - see dkim_tags.h */
const struct dkim_tag *
dkim_tags_get(const struct dkim_tags *tags, const char *name)
{
	size_t n = strlen(name);

	for (unsigned i = 0; i < tags->count; i++)
		if (tags->tag[i].namelen == n &&
		    memcmp(tags->tag[i].name, name, n) == 0)
			return &tags->tag[i];
	return NULL;
}

/* dkim_tags_equal - see dkim_tags.h */
bool
dkim_tags_equal(const struct dkim_tag *tag, const char *s)
{
	size_t n = strlen(s);

	return tag->valuelen == n && strncasecmp(tag->value, s, n) == 0;
}

/* dkim_tags_b64val - the 6-bit value of a base64 letter, -1 if none */
static int
dkim_tags_b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* dkim_tags_base64 - see dkim_tags.h */
ssize_t
dkim_tags_base64(const char *value, size_t len, uint8_t *out, size_t size)
{
	uint32_t acc = 0;
	size_t n = 0, olen = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)value[i];
		int v;

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		if (ch == '=') {
			if (++pad > 2)
				return -1;
			n++;
			continue;
		}
		if (pad > 0 || (v = dkim_tags_b64val(ch)) < 0)
			return -1;	/* data after padding, or not base64 */
		acc = (acc << 6) | (uint32_t)v;
		if (++n % 4 == 0) {
			if (olen + 3 > size)
				return -1;
			out[olen++] = (uint8_t)(acc >> 16);
			out[olen++] = (uint8_t)(acc >> 8);
			out[olen++] = (uint8_t)acc;
			acc = 0;
		}
	}
	if (n % 4 != 0)
		return -1;
	if (pad > 0) {
		/* the last quantum: 4 - pad letters, then pad '=' */
		size_t keep = 3 - pad;

		if (pad == 2 && (acc & 0xf) != 0)
			return -1;	/* non-canonical trailing bits */
		if (pad == 1 && (acc & 0x3) != 0)
			return -1;
		acc <<= 6 * pad;
		if (olen + keep > size)
			return -1;
		out[olen++] = (uint8_t)(acc >> 16);
		if (keep == 2)
			out[olen++] = (uint8_t)(acc >> 8);
	}
	return (ssize_t)olen;
}

/* dkim_tags_base64_encode - see dkim_tags.h */
void
dkim_tags_base64_encode(const uint8_t *in, size_t len, char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}
