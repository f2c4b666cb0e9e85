/*
 * fromhdr.c - a bounded scanner for From header values. It tracks quoted
 * strings, comments and angle brackets well enough to find each mailbox's
 * domain; anything it cannot read safely is an error, never a guess.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fromhdr.h"

struct fromhdr_scan {
	const char *p, *end;
	char addr[FROMHDR_DOMAIN_MAX * 2];	/* current mailbox text */
	size_t alen;
	bool angle_seen;	/* the mailbox had <...>: only that counts */
	bool too_long;
};

/* fromhdr_domain_char - characters a plain domain may hold */
static bool
fromhdr_domain_char(unsigned char ch)
{
	return isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
}

/* fromhdr_add - record the domain of the mailbox text collected so far */
static int
fromhdr_add(struct fromhdr_scan *s, struct fromhdr *r, const char **error_r)
{
	const char *at;
	char dom[FROMHDR_DOMAIN_MAX];
	size_t n, i;

	if (s->alen == 0 && !s->angle_seen)
		return 0;		/* empty list element, or a group name */
	if (s->too_long) {
		*error_r = "address too long";
		return -1;
	}
	r->naddrs++;
	s->addr[s->alen] = '\0';
	at = strrchr(s->addr, '@');
	if (at == NULL)
		return 0;		/* no domain: counted, nothing to align */
	n = strlen(at + 1);
	if (n == 0 || n >= sizeof(dom)) {
		*error_r = "empty or overlong domain";
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)at[1 + i];

		if (!fromhdr_domain_char(ch)) {
			*error_r = "domain is not a plain host name";
			return -1;
		}
		dom[i] = (char)tolower(ch);
	}
	dom[n] = '\0';
	if (dom[n - 1] == '.')
		dom[--n] = '\0';
	if (n == 0 || dom[0] == '.' || strstr(dom, "..") != NULL) {
		*error_r = "domain is not a plain host name";
		return -1;
	}
	if (r->ndomains == 0) {
		memcpy(r->domain, dom, sizeof(dom));
		r->ndomains = 1;
	} else if (strcasecmp(r->domain, dom) != 0) {
		r->ndomains++;
	}
	return 0;
}

/* fromhdr_put - append one byte of mailbox text (spaces dropped) */
static void
fromhdr_put(struct fromhdr_scan *s, char ch)
{
	if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
		return;
	if (s->alen + 1 >= sizeof(s->addr)) {
		s->too_long = true;
		return;
	}
	s->addr[s->alen++] = ch;
}

/* fromhdr_skip_comment - skip a (nested) comment; false if unterminated */
static bool
fromhdr_skip_comment(struct fromhdr_scan *s)
{
	int depth = 0;

	do {
		if (*s->p == '\\' && s->p + 1 < s->end)
			s->p++;
		else if (*s->p == '(')
			depth++;
		else if (*s->p == ')')
			depth--;
		s->p++;
	} while (depth > 0 && s->p < s->end);
	return depth == 0;
}

/* fromhdr_skip_quoted - skip a quoted string; false if unterminated */
static bool
fromhdr_skip_quoted(struct fromhdr_scan *s, bool keep)
{
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\' && s->p + 1 < s->end) {
			s->p++;
		} else if (*s->p == '"') {
			s->p++;
			return true;
		}
		if (keep)
			fromhdr_put(s, *s->p);
	}
	return false;
}

/* fromhdr_angle - read "<local@domain>" into the mailbox text */
static bool
fromhdr_angle(struct fromhdr_scan *s)
{
	s->alen = 0;
	s->angle_seen = true;
	for (s->p++; s->p < s->end && *s->p != '>'; s->p++) {
		if (*s->p == '"') {
			if (!fromhdr_skip_quoted(s, true))
				return false;
			s->p--;
		} else if (*s->p == '<') {
			return false;
		} else {
			fromhdr_put(s, *s->p);
		}
	}
	if (s->p >= s->end)
		return false;
	s->p++;
	return true;
}

/* fromhdr_parse - see fromhdr.h */
int
fromhdr_parse(const char *value, size_t len, struct fromhdr *r,
	      const char **error_r)
{
	struct fromhdr_scan s = { .p = value, .end = value + len };

	memset(r, 0, sizeof(*r));
	if (memchr(value, '\0', len) != NULL) {
		*error_r = "NUL byte in the header";
		return -1;
	}
	while (s.p < s.end) {
		char ch = *s.p;

		if (ch == '(') {
			if (!fromhdr_skip_comment(&s))
				goto unbalanced;
		} else if (ch == '"') {
			if (!fromhdr_skip_quoted(&s, !s.angle_seen))
				goto unbalanced;
		} else if (ch == '<') {
			if (!fromhdr_angle(&s))
				goto unbalanced;
		} else if (ch == '>') {
			goto unbalanced;
		} else if (ch == ',' || ch == ';' || ch == ':') {
			/* a list separator, group end, or group name end */
			if (ch != ':' && fromhdr_add(&s, r, error_r) < 0)
				return -1;
			s.alen = 0;
			s.angle_seen = false;
			s.too_long = false;
			s.p++;
		} else {
			if (!s.angle_seen)
				fromhdr_put(&s, ch);
			s.p++;
		}
	}
	return fromhdr_add(&s, r, error_r);
unbalanced:
	*error_r = "unbalanced quotes, comments or angle brackets";
	return -1;
}
