/*
 * spf_term.c - RFC 7208's record grammar (section 12), with the rules the
 * ABNF leaves to the prose: c, r and t only in exp text (7.2), nonzero
 * transformers (7.3), redirect and exp at most once each (6). Never
 * allocates; the terms go into the caller's array and point into its text.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "spf_term.h"

/* Where a macro-string stands decides what it may hold. */
enum spf_term_context {
	SPF_TERM_IN_SPEC,	/* domain-spec: no c, r, t (7.2) */
	SPF_TERM_IN_MODIFIER,	/* unknown-modifier: any macro-string */
	SPF_TERM_IN_EXPLAIN,	/* explain-string: SP allowed too */
};

/* spf_term_alpha - ALPHA, whatever the locale says */
static bool
spf_term_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* spf_term_digit - DIGIT */
static bool
spf_term_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* spf_term_alphanum - alphanum */
static bool
spf_term_alphanum(char c)
{
	return spf_term_alpha(c) || spf_term_digit(c);
}

/* spf_term_in - c is one of set (never the NUL that ends set) */
static bool
spf_term_in(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/*
 * spf_term_macro_expand - "%{" macro-letter transformers *delimiter "}"
 * from s[*i], the letter; *i ends past the "}". A transformer larger
 * than any name has parts is valid and means "all parts" (7.3).
 */
static int
spf_term_macro_expand(const char *s, size_t len, size_t *i,
		      enum spf_term_context ctx, const char **error_r)
{
	size_t p = *i;
	unsigned value = 0;
	bool digits = false;

	if (p >= len || !spf_term_in(s[p], "slodiphcrtvSLODIPHCRTV")) {
		*error_r = "unknown macro letter";
		return -1;
	}
	if (ctx == SPF_TERM_IN_SPEC && spf_term_in(s[p], "crtCRT")) {
		*error_r = "macro letters c, r and t are for exp text only";
		return -1;
	}
	for (p++; p < len && spf_term_digit(s[p]); p++) {
		digits = true;
		if (value <= SPF_LIMIT_PARTS)	/* saturate */
			value = value * 10 + (unsigned)(s[p] - '0');
	}
	if (digits && value == 0) {
		*error_r = "macro transformer must be nonzero";
		return -1;
	}
	if (p < len && (s[p] == 'r' || s[p] == 'R'))
		p++;
	while (p < len && spf_term_in(s[p], ".-+,/_="))
		p++;
	if (p >= len || s[p] != '}') {
		*error_r = "malformed macro expression";
		return -1;
	}
	*i = p + 1;
	return 0;
}

/*
 * spf_term_macro_string - s is a macro-string (an explain-string in exp
 * text); *tail_r gets the offset where the literals after the last
 * macro-expand begin (len when it ends in one), *macro_r whether any.
 */
static int
spf_term_macro_string(const char *s, size_t len, enum spf_term_context ctx,
		      size_t *tail_r, bool *macro_r, const char **error_r)
{
	size_t i = 0, tail = 0;

	*macro_r = false;
	while (i < len) {
		char c = s[i];

		if (c != '%') {
			if (c == ' ' && ctx != SPF_TERM_IN_EXPLAIN) {
				*error_r = "space inside a term";
				return -1;
			}
			if ((unsigned char)c < 0x20 ||
			    (unsigned char)c > 0x7e) {
				*error_r = "non-ASCII or control character";
				return -1;
			}
			i++;
			continue;
		}
		*macro_r = true;
		c = i + 1 < len ? s[i + 1] : '\0';
		if (c == '%' || c == '_' || c == '-') {
			i += 2;
		} else if (c == '{') {
			i += 2;
			if (spf_term_macro_expand(s, len, &i, ctx, error_r) < 0)
				return -1;
		} else {
			*error_r = "'%' not followed by '{', '%', '-' or '_'";
			return -1;
		}
		tail = i;
	}
	*tail_r = tail;
	return 0;
}

/*
 * spf_term_toplabel - ( *alphanum ALPHA *alphanum ) /
 * ( 1*alphanum "-" *( alphanum / "-" ) alphanum ): letters and digits
 * with a letter, or with inner hyphens ("1-2" is one). No length limit:
 * the ABNF has none, and an over-long name simply does not exist.
 */
static bool
spf_term_toplabel(const char *s, size_t len)
{
	bool alpha = false, hyphen = false;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (spf_term_alpha(s[i]))
			alpha = true;
		else if (s[i] == '-')
			hyphen = true;
		else if (!spf_term_digit(s[i]))
			return false;
	}
	if (hyphen)
		return spf_term_alphanum(s[0]) && spf_term_alphanum(s[len - 1]);
	return alpha;
}

/* spf_term_domain_spec - macro-string domain-end */
static int
spf_term_domain_spec(const char *s, size_t len, bool *macro_r,
		     const char **error_r)
{
	size_t tail, end, dot;

	if (len == 0) {
		*error_r = "empty domain-spec";
		return -1;
	}
	if (spf_term_macro_string(s, len, SPF_TERM_IN_SPEC, &tail, macro_r,
	    error_r) < 0)
		return -1;
	if (tail == len)
		return 0;	/* domain-end = macro-expand */
	/* domain-end = "." toplabel [ "." ], literal, after the last macro */
	end = len;
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > tail && s[dot - 1] != '.'; dot--)
		;
	if (dot == tail || !spf_term_toplabel(s + dot, end - dot)) {
		*error_r = "domain-spec does not end in a valid top label";
		return -1;
	}
	return 0;
}

/* spf_term_number - "0" or digits without a leading zero, at most max */
static int
spf_term_number(const char *s, size_t len, unsigned max, unsigned *value_r)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (!spf_term_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*value_r = v;
	return 0;
}

/* spf_term_cidr_at - length of a "/" 1*DIGIT ending s, 0 when none */
static size_t
spf_term_cidr_at(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && spf_term_digit(s[i - 1]))
		i--;
	if (i == len || i == 0 || s[i - 1] != '/')
		return 0;
	return len - i + 1;
}

/*
 * spf_term_cidr - cut the prefix lengths off the end of arg: a
 * dual-cidr-length (a, mx) or the one length of ip4 or ip6. *len_r
 * shrinks to what precedes them; absent lengths keep their defaults.
 */
static int
spf_term_cidr(const char *arg, size_t *len_r, struct spf_term *t,
	      const char **error_r)
{
	size_t len = *len_r, n = spf_term_cidr_at(arg, len);
	bool dual = t->kind == SPF_TERM_A || t->kind == SPF_TERM_MX;

	if ((dual || t->kind == SPF_TERM_IP6) && n > 0 &&
	    (t->kind == SPF_TERM_IP6 || (len > n && arg[len - n - 1] == '/'))) {
		if (spf_term_number(arg + len - n + 1, n - 1, 128,
		    &t->cidr6) < 0) {
			*error_r = "invalid ip6-cidr-length";
			return -1;
		}
		len -= t->kind == SPF_TERM_IP6 ? n : n + 1;
		n = t->kind == SPF_TERM_IP6 ? 0 : spf_term_cidr_at(arg, len);
	}
	if (n > 0) {
		if (spf_term_number(arg + len - n + 1, n - 1, 32,
		    &t->cidr4) < 0) {
			*error_r = "invalid ip4-cidr-length";
			return -1;
		}
		len -= n;
	}
	*len_r = len;
	return 0;
}

/* spf_term_ip4 - ip4-network: dotted quad of qnum, no leading zeros */
static bool
spf_term_ip4(const char *s, size_t len)
{
	size_t i = 0;
	unsigned v;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;

		while (i < len && spf_term_digit(s[i]))
			i++;
		if (spf_term_number(s + start, i - start, 255, &v) < 0)
			return false;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

/* spf_term_network - ip4-network or ip6-network (RFC 4291 2.2) into addr */
static int
spf_term_network(const char *s, size_t len, struct spf_term *t,
		 const char **error_r)
{
	char buf[64];
	int af = t->kind == SPF_TERM_IP4 ? AF_INET : AF_INET6;

	if (len == 0 || len >= sizeof(buf) ||
	    (af == AF_INET && !spf_term_ip4(s, len)))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&t->addr, 0, sizeof(t->addr));
	t->addr.family = af == AF_INET ? 4 : 6;
	if (inet_pton(af, buf, t->addr.bytes) == 1)
		return 0;
bad:
	*error_r = "invalid address";
	return -1;
}

/* spf_term_name - mechanism or modifier name to kind */
static enum spf_term_kind
spf_term_name(const char *name, size_t len, bool modifier)
{
	static const struct {
		const char *name;
		enum spf_term_kind kind;
	} names[] = {
		{ "all", SPF_TERM_ALL }, { "include", SPF_TERM_INCLUDE },
		{ "a", SPF_TERM_A }, { "mx", SPF_TERM_MX },
		{ "ptr", SPF_TERM_PTR }, { "ip4", SPF_TERM_IP4 },
		{ "ip6", SPF_TERM_IP6 }, { "exists", SPF_TERM_EXISTS },
		{ "redirect", SPF_TERM_REDIRECT }, { "exp", SPF_TERM_EXP },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((names[i].kind >= SPF_TERM_REDIRECT) == modifier &&
		    strlen(names[i].name) == len &&
		    strncasecmp(names[i].name, name, len) == 0)
			return names[i].kind;
	return SPF_TERM_UNKNOWN;
}

/* spf_term_directive - [ qualifier ] mechanism; arg follows the name */
static int
spf_term_directive(struct spf_term *t, char sep, const char *arg,
		   size_t arg_len, const char **error_r)
{
	size_t spec_len = arg_len;

	switch (t->kind) {
	case SPF_TERM_ALL:
		if (sep == '\0')
			return 0;
		*error_r = "all takes no argument";
		return -1;
	case SPF_TERM_PTR:
		if (sep == '\0')
			return 0;
		/* FALLTHROUGH */
	case SPF_TERM_INCLUDE:
	case SPF_TERM_EXISTS:
		if (sep != ':') {
			*error_r = "mechanism needs a domain-spec";
			return -1;
		}
		break;
	case SPF_TERM_A:
	case SPF_TERM_MX:
		if (spf_term_cidr(arg, &spec_len, t, error_r) < 0)
			return -1;
		if (sep == ':')
			break;
		if (spec_len == 0)
			return 0;
		*error_r = "unexpected text after the mechanism";
		return -1;
	case SPF_TERM_IP4:
	case SPF_TERM_IP6:
		if (sep != ':') {
			*error_r = "mechanism needs a network";
			return -1;
		}
		if (spf_term_cidr(arg, &spec_len, t, error_r) < 0)
			return -1;
		return spf_term_network(arg, spec_len, t, error_r);
	default:
		*error_r = "unknown mechanism";
		return -1;
	}
	t->spec = arg;
	t->spec_len = spec_len;
	return spf_term_domain_spec(arg, spec_len, &t->macro, error_r);
}

/* spf_term_modifier - name "=" value; redirect and exp at most once */
static int
spf_term_modifier(struct spf_term *t, const struct spf_term_list *list,
		  const char **error_r)
{
	size_t tail;

	if (t->kind != SPF_TERM_UNKNOWN &&
	    spf_term_find(list, t->kind) != NULL) {
		*error_r = t->kind == SPF_TERM_REDIRECT ?
		    "redirect given twice" : "exp given twice";
		return -1;
	}
	if (t->kind == SPF_TERM_UNKNOWN)
		return spf_term_macro_string(t->spec, t->spec_len,
		    SPF_TERM_IN_MODIFIER, &tail, &t->macro, error_r);
	return spf_term_domain_spec(t->spec, t->spec_len, &t->macro, error_r);
}

/* spf_term_one - one term of len bytes at s (no SP inside) into t */
static int
spf_term_one(const char *s, size_t len, struct spf_term *t,
	     const struct spf_term_list *list, const char **error_r)
{
	size_t i = 0;
	char sep;

	memset(t, 0, sizeof(*t));
	t->text = s;
	t->len = len;
	t->cidr4 = 32;
	t->cidr6 = 128;
	if (spf_term_in(s[0], "+-?~"))
		i++;
	t->name = s + i;
	if (i >= len || !spf_term_alpha(s[i])) {
		*error_r = "term does not start with a name";
		return -1;
	}
	while (i < len && (spf_term_alphanum(s[i]) ||
	    spf_term_in(s[i], "-_.")))
		i++;
	t->name_len = (size_t)(s + i - t->name);
	sep = i < len ? s[i] : '\0';
	if (sep == '=') {
		if (t->name != s) {
			*error_r = "modifier with a qualifier";
			return -1;
		}
		t->kind = spf_term_name(t->name, t->name_len, true);
		t->spec = s + i + 1;
		t->spec_len = len - i - 1;
		return spf_term_modifier(t, list, error_r);
	}
	if (i < len && sep != ':' && sep != '/') {
		*error_r = "unexpected character in term";
		return -1;
	}
	t->qualifier = t->name != s ? s[0] : '+';
	t->kind = spf_term_name(t->name, t->name_len, false);
	if (sep == ':')
		i++;
	return spf_term_directive(t, sep, s + i, len - i, error_r);
}

/* spf_term_version - "v=spf1" then SP or the end (RFC 7208 4.5) */
bool
spf_term_version(const char *txt, size_t len)
{
	return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (len == 6 || txt[6] == ' ');
}

/* spf_term_parse - record = version terms *SP */
int
spf_term_parse(const char *record, size_t len, struct spf_term_list *list,
	       const char **error_r)
{
	size_t pos = 6;

	list->count = 0;
	list->bad = NULL;
	list->bad_len = 0;
	if (!spf_term_version(record, len)) {
		*error_r = "not an SPF record";
		return -1;
	}
	if (len > SPF_LIMIT_RECORD) {
		*error_r = "record too long";
		return -1;
	}
	while (pos < len) {
		size_t n;

		if (record[pos] == ' ') {
			pos++;
			continue;
		}
		for (n = 0; pos + n < len && record[pos + n] != ' '; n++)
			;
		list->bad = record + pos;
		list->bad_len = n;
		if (list->count >= list->max) {
			*error_r = "too many terms";
			return -1;
		}
		if (spf_term_one(record + pos, n, &list->terms[list->count],
		    list, error_r) < 0)
			return -1;
		list->count++;
		pos += n;
	}
	list->bad = NULL;
	list->bad_len = 0;
	return 0;
}

/* spf_term_find - the first term of kind, or NULL */
const struct spf_term *
spf_term_find(const struct spf_term_list *list, enum spf_term_kind kind)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (list->terms[i].kind == kind)
			return &list->terms[i];
	return NULL;
}

/* spf_term_queries - a DNS-querying term (RFC 7208 4.6.4) */
bool
spf_term_queries(enum spf_term_kind kind)
{
	switch (kind) {
	case SPF_TERM_INCLUDE:
	case SPF_TERM_A:
	case SPF_TERM_MX:
	case SPF_TERM_PTR:
	case SPF_TERM_EXISTS:
	case SPF_TERM_REDIRECT:
		return true;
	default:
		return false;
	}
}

/* spf_term_explain - explain-string = *( macro-string / SP ) */
int
spf_term_explain(const char *text, size_t len, const char **error_r)
{
	size_t tail;
	bool macro;

	return spf_term_macro_string(text, len, SPF_TERM_IN_EXPLAIN, &tail,
	    &macro, error_r);
}
