/*
 * authres_parse.c - the Authentication-Results reader (RFC 8601 2.2 with
 * RFC 5322 CFWS). Text that matters is copied, lower-cased where it is a
 * keyword, into the caller's struct; comments nest to any depth with a
 * counter, never the stack. Where real signers leave the grammar the
 * leniency is deliberate and listed here, everything else is an error:
 *  - a value may start with a method, no authserv-id (Microsoft 365 A-R);
 *  - a trailing ';' after the last result (Microsoft 365);
 *  - dotless "keyword=value" after the result (Microsoft's action=none,
 *    a late reason=) is kept as a property with ptype "";
 *  - unquoted values may hold '/', '=', '?', ':', '[', ']', '@' (at most
 *    one) and 8-bit bytes besides token characters: base64 header.b,
 *    SRS local-parts, IPv6 smtp.remote-ip, address-literal smtp.helo and
 *    RFC 8616 UTF-8 addresses; not '<', '>' or ',' (smtp.mailfrom=<>
 *    is an error);
 *  - keywords may hold '_'; comments and quoted strings 8-bit bytes;
 *  - one line break (CRLF or bare LF) may end the value.
 */
#include <string.h>
#include <strings.h>

#include "authres_parse.h"

struct arp_scan {
	const char *p, *end;
	struct authres_parsed *out;
	const char *error;	/* the first failure's reason */
};

/* arp_fail - record why parsing stopped; always false */
static bool
arp_fail(struct arp_scan *s, const char *reason)
{
	if (s->error == NULL)
		s->error = reason;
	return false;
}

/* arp_wsp - space or horizontal tab */
static bool
arp_wsp(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/* arp_ctl - a control character other than HTAB (CR and LF included) */
static bool
arp_ctl(unsigned char ch)
{
	return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

/* arp_keyword_char - what a method, result, ptype or property holds */
static bool
arp_keyword_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/* arp_token_char - RFC 2045 token: visible ASCII minus tspecials */
static bool
arp_token_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

/* arp_value_char - an unquoted value: token plus the leniency above */
static bool
arp_value_char(unsigned char ch)
{
	return ch >= 0x80 ||
	    (ch > 0x20 && ch < 0x7f && strchr("()<>,;\\\"", ch) == NULL);
}

/* arp_lower - ASCII lower case, whatever the locale */
static char
arp_lower(unsigned char ch)
{
	return (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
}

/* arp_put - one byte of text into the caller's storage */
static bool
arp_put(struct arp_scan *s, char ch)
{
	struct authres_parsed *out = s->out;

	if (out->text_len >= sizeof(out->text))
		return arp_fail(s, "too much text");
	out->text[out->text_len++] = ch;
	return true;
}

/* arp_store - copy n bytes and a NUL, lower case if asked; NULL if full */
static const char *
arp_store(struct arp_scan *s, const char *src, size_t n, bool lower)
{
	struct authres_parsed *out = s->out;
	char *dst = out->text + out->text_len;

	if (n >= sizeof(out->text) - out->text_len) {
		arp_fail(s, "too much text");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		dst[i] = lower ? arp_lower((unsigned char)src[i]) : src[i];
	dst[n] = '\0';
	out->text_len += n + 1;
	return dst;
}

/*
 * arp_fold - at CR or LF: step over a line break that folds (CRLF or bare
 * LF, then WSP), or one that ends the input; anything else is an error
 */
static bool
arp_fold(struct arp_scan *s)
{
	const char *q = s->p;

	if (*q == '\r' && (++q == s->end || *q != '\n'))
		return arp_fail(s, "bad line break");
	q++;
	if (q < s->end && !arp_wsp((unsigned char)*q))
		return arp_fail(s, "bad line break");
	s->p = q;
	return true;
}

/*
 * arp_quoted_pair - at '\': step over it and the byte it quotes (VCHAR,
 * WSP or 8-bit); a '\' that ends the input is left to the caller's
 * "unterminated" error
 */
static bool
arp_quoted_pair(struct arp_scan *s)
{
	if (s->p + 1 == s->end) {
		s->p = s->end;
		return true;
	}
	if (arp_ctl((unsigned char)s->p[1]))
		return arp_fail(s, "bad quoted-pair");
	s->p += 2;
	return true;
}

/* arp_comment - at '(': skip a comment with its nested ones */
static bool
arp_comment(struct arp_scan *s)
{
	const char *open = s->p;
	size_t depth = 0;

	while (s->p < s->end) {
		unsigned char ch = (unsigned char)*s->p;

		if (ch == '\\') {
			if (!arp_quoted_pair(s))
				return false;
		} else if (ch == '\r' || ch == '\n') {
			if (!arp_fold(s))
				return false;
		} else if (arp_ctl(ch)) {
			return arp_fail(s, "control character");
		} else {
			s->p++;
			if (ch == '(')
				depth++;
			else if (ch == ')' && --depth == 0)
				return true;
		}
	}
	s->p = open;
	return arp_fail(s, "unterminated comment");
}

/* arp_cfws - skip white space, folds and comments, if any */
static bool
arp_cfws(struct arp_scan *s)
{
	while (s->p < s->end) {
		unsigned char ch = (unsigned char)*s->p;

		if (arp_wsp(ch))
			s->p++;
		else if (ch == '\r' || ch == '\n') {
			if (!arp_fold(s))
				return false;
		} else if (ch == '(') {
			if (!arp_comment(s))
				return false;
		} else
			break;
	}
	return true;
}

/* arp_at - true when the next byte is ch */
static bool
arp_at(const struct arp_scan *s, char ch)
{
	return s->p < s->end && *s->p == ch;
}

/* arp_quoted - at '"': append the unescaped, unfolded content (no NUL) */
static bool
arp_quoted(struct arp_scan *s)
{
	const char *open = s->p++;

	while (s->p < s->end) {
		unsigned char ch = (unsigned char)*s->p;

		if (ch == '"') {
			s->p++;
			return true;
		}
		if (ch == '\\') {
			if (!arp_quoted_pair(s))
				return false;
			if (s->p < s->end && !arp_put(s, s->p[-1]))
				return false;
		} else if (ch == '\r' || ch == '\n') {
			if (!arp_fold(s))
				return false;	/* the WSP after it is kept */
		} else if (arp_ctl(ch)) {
			return arp_fail(s, "control character");
		} else {
			if (!arp_put(s, (char)ch))
				return false;
			s->p++;
		}
	}
	s->p = open;
	return arp_fail(s, "unterminated quoted string");
}

/* arp_keyword - a keyword, stored lower case; NULL with reason "what" */
static const char *
arp_keyword(struct arp_scan *s, const char *what)
{
	const char *b = s->p;

	while (s->p < s->end && arp_keyword_char((unsigned char)*s->p))
		s->p++;
	if (s->p == b || s->p[-1] == '-') {
		s->p = b;
		arp_fail(s, what);
		return NULL;
	}
	return arp_store(s, b, (size_t)(s->p - b), true);
}

/* arp_digits - 1*DIGIT, stored; NULL with reason "what" */
static const char *
arp_digits(struct arp_scan *s, const char *what)
{
	const char *b = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	if (s->p == b) {
		arp_fail(s, what);
		return NULL;
	}
	return arp_store(s, b, (size_t)(s->p - b), false);
}

/*
 * arp_value - a value or pvalue: quoted-string, quoted local-part "@"
 * domain, or an unquoted run with at most one '@' and, if it has one, a
 * non-empty domain after it. Stored; NULL with reason "what".
 */
static const char *
arp_value(struct arp_scan *s, const char *what)
{
	struct authres_parsed *out = s->out;
	size_t start = out->text_len;
	const char *b;
	unsigned ats = 0;

	/* a quoted-string, unless an '@' makes it a quoted local-part */
	if (arp_at(s, '"') && (!arp_quoted(s) || !arp_at(s, '@')))
		goto done;
	b = s->p;
	while (s->p < s->end && arp_value_char((unsigned char)*s->p)) {
		if (*s->p == '@')
			ats++;
		if (!arp_put(s, *s->p++))
			return NULL;
	}
	if (s->p == b || ats > 1 || (ats == 1 && s->p[-1] == '@')) {
		s->p = b;
		arp_fail(s, what);
		return NULL;
	}
done:
	if (s->error != NULL || !arp_put(s, '\0'))
		return NULL;
	return out->text + start;
}

/*
 * arp_props - after the result: an optional reason=, then properties, up
 * to the ';' that ends this resinfo or the end of the value
 */
static bool
arp_props(struct arp_scan *s, struct authres_result *r)
{
	for (bool first = true;; first = false) {
		const char *ptype, *property, *value;
		bool reason;

		if (!arp_cfws(s))
			return false;
		if (s->p == s->end || *s->p == ';')
			return true;
		if ((ptype = arp_keyword(s, "bad property")) == NULL ||
		    !arp_cfws(s))
			return false;
		if (arp_at(s, '.')) {
			s->p++;
			if (!arp_cfws(s) ||
			    (property = arp_keyword(s, "bad property")) == NULL ||
			    !arp_cfws(s))
				return false;
		} else {
			property = ptype;
			ptype = s->out->text;	/* the "" at text[0] */
		}
		if (!arp_at(s, '='))
			return arp_fail(s, "bad property");
		s->p++;
		reason = first && *ptype == '\0' && strcmp(property, "reason") == 0;
		if (!arp_cfws(s) || (value = arp_value(s, reason ?
		    "bad reason" : "bad property value")) == NULL)
			return false;
		if (reason) {
			r->reason = value;
			continue;
		}
		if (r->nprops == AUTHRES_PARSE_MAX_PROPS)
			return arp_fail(s, "too many properties");
		r->props[r->nprops].ptype = ptype;
		r->props[r->nprops].property = property;
		r->props[r->nprops].value = value;
		r->nprops++;
	}
}

/* arp_resinfo - "method[/version]=result ..." up to its ';' or the end */
static bool
arp_resinfo(struct arp_scan *s)
{
	struct authres_parsed *out = s->out;
	struct authres_result *r;

	if (out->nresults == AUTHRES_PARSE_MAX_RESULTS)
		return arp_fail(s, "too many results");
	r = &out->result[out->nresults];
	if ((r->method = arp_keyword(s, "bad method")) == NULL ||
	    !arp_cfws(s))
		return false;
	if (arp_at(s, '/')) {
		s->p++;
		if (!arp_cfws(s) ||
		    (r->version = arp_digits(s, "bad method version")) == NULL ||
		    !arp_cfws(s))
			return false;
	}
	if (!arp_at(s, '='))
		return arp_fail(s, "bad method");
	s->p++;
	if (!arp_cfws(s) || (r->result = arp_keyword(s, "bad result")) == NULL)
		return false;
	if (s->p < s->end && !arp_wsp((unsigned char)*s->p) &&
	    strchr("\r\n(;", *s->p) == NULL)
		return arp_fail(s, "bad result");
	out->nresults++;
	return arp_props(s, r);
}

/* arp_results - resinfo after resinfo, ';'-separated, to the end */
static bool
arp_results(struct arp_scan *s)
{
	for (;;) {
		if (!arp_cfws(s))
			return false;
		if (s->p == s->end)
			return s->out->nresults > 0 || arp_fail(s, "no result");
		if (*s->p == ';')
			return arp_fail(s, "empty result");
		if (!arp_resinfo(s))
			return false;
		if (s->p == s->end)
			return true;
		s->p++;		/* the ';' arp_props stopped at */
	}
}

/*
 * arp_none - after "authserv-id [version] ;": true when it goes on with
 * "none" and nothing else; false (no error) when it's a method
 */
static bool
arp_none(struct arp_scan *s)
{
	const char *b = s->p;

	while (s->p < s->end && arp_keyword_char((unsigned char)*s->p))
		s->p++;
	if (s->p - b != 4 || strncasecmp(b, "none", 4) != 0 || !arp_cfws(s) ||
	    arp_at(s, '=') || arp_at(s, '/')) {
		if (s->error == NULL)
			s->p = b;
		return false;
	}
	s->out->none = true;
	if (arp_at(s, ';')) {	/* as after the last result */
		s->p++;
		if (!arp_cfws(s))
			return false;
	}
	if (s->p < s->end)
		return arp_fail(s, "text after none");
	return true;
}

/* arp_payload - [CFWS] authserv-id [CFWS version] ; (none / results) */
static bool
arp_payload(struct arp_scan *s)
{
	struct authres_parsed *out = s->out;
	const char *id, *b;
	bool quoted_id;

	if (!arp_cfws(s))
		return false;
	id = b = s->p;
	if ((quoted_id = arp_at(s, '"'))) {
		size_t start = out->text_len;

		if (!arp_quoted(s) || !arp_put(s, '\0'))
			return false;
		out->authserv_id = out->text + start;
	} else {
		while (s->p < s->end && arp_token_char((unsigned char)*s->p))
			s->p++;
		if (s->p == b)
			return arp_fail(s, s->p == s->end ?
			    "no authserv-id" : "bad authserv-id");
		if ((out->authserv_id = arp_store(s, b, (size_t)(s->p - b),
		    false)) == NULL)
			return false;
	}
	b = s->p;
	if (!arp_cfws(s))
		return false;
	if (!quoted_id && (arp_at(s, '=') || arp_at(s, '/'))) {
		/* "spf=pass ...": a method where the authserv-id belongs */
		out->text_len = 1;
		out->authserv_id = out->text;
		s->p = id;
		return arp_results(s);
	}
	if (s->p > b && s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		if ((out->version = arp_digits(s, "bad version")) == NULL)
			return false;
		b = s->p;
		if (!arp_cfws(s))
			return false;
		if (s->p == b && s->p < s->end && *s->p != ';')
			return arp_fail(s, "bad version");
	}
	if (!arp_at(s, ';'))
		return arp_fail(s, "no ';' after the authserv-id");
	s->p++;
	if (!arp_cfws(s))
		return false;
	if (arp_none(s))
		return true;
	return s->error == NULL && arp_results(s);
}

/* authres_parse - see authres_parse.h */
int
authres_parse(const char *value, size_t len, struct authres_parsed *out,
	      const char **error_r)
{
	struct arp_scan s = { .out = out };

	if (value == NULL) {
		value = "";
		len = 0;
	}
	s.p = value;
	s.end = value + len;
	memset(out, 0, offsetof(struct authres_parsed, text));
	out->text[0] = '\0';		/* the shared "" */
	out->text_len = 1;
	if (len > 0 && memchr(value, '\0', len) != NULL) {
		s.p = memchr(value, '\0', len);
		arp_fail(&s, "NUL byte");
	} else if (arp_payload(&s)) {
		return 0;
	}
	memset(out, 0, offsetof(struct authres_parsed, text));
	out->error_at = (size_t)(s.p - value);
	*error_r = s.error;
	return -1;
}

/* authres_parse_find - see authres_parse.h */
const struct authres_result *
authres_parse_find(const struct authres_parsed *p, const char *method,
		   const struct authres_result *after)
{
	size_t i = after == NULL ? 0 : (size_t)(after - p->result) + 1;

	for (; i < p->nresults; i++)
		if (strcasecmp(p->result[i].method, method) == 0)
			return &p->result[i];
	return NULL;
}

/* authres_parse_prop - see authres_parse.h */
const char *
authres_parse_prop(const struct authres_result *r, const char *ptype,
		   const char *property)
{
	for (unsigned i = 0; i < r->nprops; i++)
		if (strcasecmp(r->props[i].ptype, ptype) == 0 &&
		    strcasecmp(r->props[i].property, property) == 0)
			return r->props[i].value;
	return NULL;
}
