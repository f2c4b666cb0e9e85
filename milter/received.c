/*
 * received.c - a small tokenizer for RFC 5321 Received lines: the parts a
 * relay writes about the client that connected to it. Everything is bounded
 * by the header's length; names are copied only when they are plain
 * host-name characters, so nothing read here can inject text later.
 */
#include <ctype.h>
#include <string.h>

#include "received.h"

struct rcv_cursor {
	const char *p, *end;
};

/* rcv_skip_space - skip folding white space */
static void
rcv_skip_space(struct rcv_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* rcv_is_name_char - characters a host name or address literal may use */
static int
rcv_is_name_char(int ch)
{
	return isalnum(ch) || ch == '.' || ch == '-' || ch == '_' ||
	    ch == ':' || ch == '[' || ch == ']';
}

/* rcv_word - the next atom (up to space, '(' or ';'); length in *len */
static const char *
rcv_word(struct rcv_cursor *c, size_t *len)
{
	const char *start;

	rcv_skip_space(c);
	start = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\t' &&
	    *c->p != '\r' && *c->p != '\n' && *c->p != '(' && *c->p != ';')
		c->p++;
	*len = (size_t)(c->p - start);
	return start;
}

/* rcv_copy_name - copy a plain host name into dst; false if it is not one */
static bool
rcv_copy_name(char *dst, const char *src, size_t len)
{
	if (len == 0 || len >= RECEIVED_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!rcv_is_name_char((unsigned char)src[i]))
			return false;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

/* rcv_literal - parse "[1.2.3.4]" or "[IPv6:...]" (or bare "[::1]") */
static bool
rcv_literal(const char *s, size_t len, struct tmx_addr *addr)
{
	char text[TMX_ADDR_STRLEN + 8];

	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return false;
	s++;
	len -= 2;
	if (len > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		len -= 5;
	}
	if (len >= sizeof(text))
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	return tmx_addr_parse(text, addr) == 0;
}

/*
 * rcv_exim_helo - Exim writes "from RDNS ([ADDR] helo=HELO)": the name
 * before the comment was the reverse name, the helo= word is the HELO
 */
static void
rcv_exim_helo(struct received_info *r, const char *helo, size_t len)
{
	if (r->rdns[0] == '\0')
		memcpy(r->rdns, r->helo, sizeof(r->rdns));
	if (!rcv_copy_name(r->helo, helo, len))
		r->helo[0] = '\0';
}

/*
 * rcv_comment - read a parenthesised comment (nested comments allowed) and
 * pick out what relays put there: a reverse name, an address literal,
 * "helo=NAME". Returns false when the comment never closes.
 */
static bool
rcv_comment(struct rcv_cursor *c, struct received_info *r)
{
	int depth = 0;

	do {
		if (*c->p == '(') {
			depth++;
			c->p++;
		} else if (*c->p == ')') {
			depth--;
			c->p++;
		} else if (*c->p == '\\' && c->p + 1 < c->end) {
			c->p += 2;
		} else if (rcv_is_name_char((unsigned char)*c->p) ||
		    *c->p == '=') {
			const char *w = c->p;
			size_t n;

			while (c->p < c->end && (rcv_is_name_char(
			    (unsigned char)*c->p) || *c->p == '='))
				c->p++;
			n = (size_t)(c->p - w);
			if (depth != 1)
				continue;
			if (!r->has_addr && rcv_literal(w, n, &r->addr))
				r->has_addr = true;
			else if (n > 5 && strncasecmp(w, "helo=", 5) == 0)
				rcv_exim_helo(r, w + 5, n - 5);
			else if (r->rdns[0] == '\0' && w[0] != '[' &&
			    !(n == 7 && strncasecmp(w, "unknown", 7) == 0))
				rcv_copy_name(r->rdns, w, n);
		} else {
			c->p++;
		}
	} while (depth > 0 && c->p < c->end);
	return depth == 0;
}

/* received_parse - see received.h */
int
received_parse(const char *value, size_t len, struct received_info *r,
	       const char **error_r)
{
	struct rcv_cursor c = { value, value + len };
	const char *w;
	size_t n;

	memset(r, 0, sizeof(*r));
	w = rcv_word(&c, &n);
	if (n != 4 || strncasecmp(w, "from", 4) != 0) {
		*error_r = "no from part";
		return -1;
	}
	w = rcv_word(&c, &n);
	if (n > 0 && w[0] == '[') {
		/* "from [1.2.3.4] (helo=...)": the literal is the client */
		if (!rcv_literal(w, n, &r->addr)) {
			*error_r = "bad address literal in from part";
			return -1;
		}
		r->has_addr = true;
	} else if (!rcv_copy_name(r->helo, w, n)) {
		*error_r = "bad name in from part";
		return -1;
	}
	rcv_skip_space(&c);
	while (c.p < c.end && *c.p == '(') {
		if (!rcv_comment(&c, r)) {
			*error_r = "unterminated comment in from part";
			return -1;
		}
		rcv_skip_space(&c);
	}
	w = rcv_word(&c, &n);
	if (n == 2 && strncasecmp(w, "by", 2) == 0) {
		w = rcv_word(&c, &n);
		rcv_copy_name(r->by, w, n);
	}
	return 0;
}
