/*
 * dkim_tags.h - RFC 6376 3.2 tag=value lists, as DKIM-Signature, key
 * records, ARC-Message-Signature and ARC-Seal carry them. Parsed in place
 * and strictly (a repeated tag, an empty tag-spec or a byte outside the
 * grammar is an error) into storage the caller owns; no allocation.
 */
#ifndef TMX_DKIM_TAGS_H
#define TMX_DKIM_TAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DKIM_TAGS_MAX		32	/* more tags: invalid */
#define DKIM_TAG_NAME_MAX	32	/* a longer tag name: invalid */

/* One tag; the pointers point into the parsed text (not NUL-terminated). */
struct dkim_tag {
	const char *name;
	size_t namelen;
	const char *value;	/* FWS at both ends trimmed */
	size_t valuelen;
	size_t raw_start;	/* offsets in the text: after '=' ... */
	size_t raw_end;		/* ... up to the ';' or the end (the span
				 * "b=" empties, surrounding FWS included) */
};

struct dkim_tags {
	struct dkim_tag tag[DKIM_TAGS_MAX];
	unsigned count;
};

/*
 * dkim_tags_parse - the tag-list in buf/len (FWS is WSP, or CRLF followed
 * by WSP). 0, or -1 with a static reason in *error_r.
 */
int dkim_tags_parse(const char *buf, size_t len, struct dkim_tags *tags_r,
		    const char **error_r);

/* dkim_tags_get - the tag named name (case-sensitive), or NULL */
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *tags,
				     const char *name);

/* dkim_tags_equal - the tag's value is s, ignoring ASCII case */
bool dkim_tags_equal(const struct dkim_tag *tag, const char *s);

/*
 * dkim_tags_base64 - decode a base64 value with FWS (any SP, HTAB, CR,
 * LF) stripped, strictly: the alphabet, padding only at the end, a whole
 * number of quanta. The decoded length, or -1 (bad syntax, or more than
 * size bytes).
 */
ssize_t dkim_tags_base64(const char *value, size_t len, uint8_t *out,
			 size_t size);

/* dkim_tags_base64_encode - out gets the base64 of in/len and a NUL;
 * out must hold 4 * ((len + 2) / 3) + 1 bytes */
void dkim_tags_base64_encode(const uint8_t *in, size_t len, char *out);

#endif
