/*
 * cidrlist.c - plain prefix lists: one address or prefix per line, '#'
 * comments, blank lines, IPv6 optionally in [brackets]. Trust lists are
 * strict: one bad line rejects the whole list and the builder is unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrset.h>

#include "cidrset-private.h"
#include "tmx-private.h"

/* Longest token worth parsing: "[" IPv6 "]/128" with room to spare. */
#define CIDRLIST_TOKEN_MAX	64

/* cidrlist_space - the blanks a list line may carry around its token */
static int
cidrlist_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * cidrlist_unbracket - "[addr]" or "[addr]/len" or "[addr/len]" to
 * "addr[/len]" in place; 0, or -1 with a reason.
 */
static int
cidrlist_unbracket(char *token, const char **error_r)
{
	char *close;
	size_t n;

	if (token[0] != '[')
		return 0;
	if ((close = strchr(token, ']')) == NULL) {
		*error_r = "missing ']'";
		return -1;
	}
	if (close[1] != 0 && close[1] != '/') {
		*error_r = "garbage after ']'";
		return -1;
	}
	if (close[1] == '/' && memchr(token, '/', (size_t)(close - token))) {
		*error_r = "two prefix lengths";
		return -1;
	}
	n = (size_t)(close - token - 1);
	memmove(token, token + 1, n);
	memmove(token + n, close + 1, strlen(close + 1) + 1);
	return 0;
}

/* cidrlist_line - parse one line into b; 0 (added or blank) or -1 */
static int
cidrlist_line(struct tmx_cidrset_builder *b, const char *line, size_t len,
	      uint32_t value, const char **error_r)
{
	char token[CIDRLIST_TOKEN_MAX + 1];
	const char *hash;
	struct tmx_addr addr;
	size_t start = 0, end;
	unsigned plen;

	if (memchr(line, 0, len) != NULL) {
		*error_r = "NUL byte in line";
		return -1;
	}
	hash = memchr(line, '#', len);
	end = hash != NULL ? (size_t)(hash - line) : len;
	while (start < end && cidrlist_space(line[start]))
		start++;
	while (end > start && cidrlist_space(line[end - 1]))
		end--;
	if (start == end)
		return 0;
	for (size_t i = start; i < end; i++) {
		if (cidrlist_space(line[i])) {
			*error_r = "more than one address on the line";
			return -1;
		}
	}
	if (end - start > CIDRLIST_TOKEN_MAX) {
		*error_r = "bad address";
		return -1;
	}
	memcpy(token, line + start, end - start);
	token[end - start] = 0;
	if (cidrlist_unbracket(token, error_r) < 0 ||
	    tmx_addr_parse_prefix(token, &addr, &plen, error_r) < 0 ||
	    tmx_cidrset_builder_add(b, &addr, plen, value, error_r) < 0)
		return -1;
	return 0;
}

/* tmx_cidrset_builder_parse_list - a plain list; all or nothing */
TMX_EXPORT int
tmx_cidrset_builder_parse_list(struct tmx_cidrset_builder *b,
			       const char *name, const char *text,
			       size_t len, uint32_t value,
			       char *err, size_t errlen)
{
	size_t mark = cidrset_builder_mark(b), pos = 0;
	unsigned lineno = 0;
	const char *reason;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - (text + pos)) :
		    len - pos;

		lineno++;
		if (cidrlist_line(b, text + pos, llen, value, &reason) < 0) {
			cidrset_builder_rewind(b, mark);
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s:%u: %s: \"%.*s\"",
					 name, lineno, reason,
					 (int)(llen > 60 ? 60 : llen),
					 text + pos);
			return -1;
		}
		pos += llen + (nl != NULL);
	}
	return 0;
}

/* cidrlist_slurp - read a whole file; NULL with errno set */
char *
cidrlist_slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0, n;
	int saved;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((grown = realloc(buf, cap)) == NULL)
				goto fail;
			buf = grown;
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		errno = EIO;
		goto fail;
	}
	fclose(fp);
	*len_r = len;
	return buf;
fail:
	saved = errno;
	fclose(fp);
	free(buf);
	errno = saved;
	return NULL;
}

/* tmx_cidrset_builder_load_list - a plain list read from path */
TMX_EXPORT int
tmx_cidrset_builder_load_list(struct tmx_cidrset_builder *b,
			      const char *path, uint32_t value,
			      char *err, size_t errlen)
{
	size_t len;
	char *text;
	int rc;

	if ((text = cidrlist_slurp(path, &len)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = tmx_cidrset_builder_parse_list(b, path, text, len, value, err,
					    errlen);
	free(text);
	return rc;
}
