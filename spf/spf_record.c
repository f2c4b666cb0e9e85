/*
 * spf_record.c - RFC 7208 section 12 ABNF for SPF records, applied before
 * libspf2's compiler sees a record: syntax errors become permerror, and
 * macro strings too large for libspf2's fixed buffers are refused.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spf_record.h"

/*
 * libspf2 1.2.10 compiles each term into a 511-byte area (SPF_MAX_MECH_LEN,
 * SPF_MAX_MOD_LEN) and, without the 2023 fix, underflows its free-space
 * count when a macro leaves less than one 4-byte item of room. We bound
 * the compiled size from above (8 bytes per item plus alignment slack)
 * and refuse anything that comes near the limit.
 */
#define SPF_RECORD_TERM_BUDGET	(511 - 32)
#define SPF_RECORD_ITEM_COST	8

struct spf_term {
	const char *name;	/* mechanism or modifier name */
	size_t name_len;
	const char *arg;	/* after ':' or '=', or the '/' of a cidr */
	size_t arg_len;
	char sep;		/* ':', '=', '/' or 0 after the name */
	char qualifier;		/* 0 when absent */
	bool is_modifier;
};

/* spf_record_letter - a macro letter; exp_only set for c, r, t */
static bool
spf_record_letter(char c, bool *exp_only)
{
	c = (char)tolower((unsigned char)c);
	*exp_only = (c == 'c' || c == 'r' || c == 't');
	return strchr("slodiphcrtv", c) != NULL && c != '\0';
}

/*
 * spf_record_expand - one "%{" letter transformers *delimiter "}" starting
 * at s[*i] (the letter); *i ends past the "}". 0 or -1 with a reason.
 */
static int
spf_record_expand(const char *s, size_t len, size_t *i, bool in_exp,
		  const char **error_r)
{
	size_t p = *i, digits = 0;
	unsigned value = 0;
	bool exp_only;

	if (p >= len || !spf_record_letter(s[p], &exp_only)) {
		*error_r = "unknown macro letter";
		return -1;
	}
	if (exp_only && !in_exp) {
		*error_r = "macro letters c, r and t are for exp text only";
		return -1;
	}
	/* libspf2 keeps the count in an int: bound it before it does */
	for (p++; p < len && isdigit((unsigned char)s[p]); p++) {
		if (++digits > 3) {
			*error_r = "macro transformer too large";
			return -1;
		}
		value = value * 10 + (unsigned)(s[p] - '0');
	}
	if (digits > 0 && (value == 0 || value > 128)) {
		*error_r = "macro transformer must be 1..128";
		return -1;
	}
	if (p < len && (s[p] == 'r' || s[p] == 'R'))
		p++;
	while (p < len && s[p] != '\0' && strchr(".-+,/_=", s[p]) != NULL)
		p++;
	if (p >= len || s[p] != '}') {
		*error_r = "malformed macro expression";
		return -1;
	}
	*i = p + 1;
	return 0;
}

/*
 * spf_record_macro - check a macro-string of len bytes; *tail_r gets the
 * offset where the final run of literals starts (len when the string ends
 * in a macro-expand), *cost_r an upper bound of libspf2's compiled size.
 */
static int
spf_record_macro(const char *s, size_t len, bool in_exp, bool allow_space,
		 size_t *tail_r, size_t *cost_r, const char **error_r)
{
	size_t i = 0, tail = 0, cost = SPF_RECORD_ITEM_COST, run = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c != '%') {
			if (c == ' ' && !allow_space) {
				*error_r = "space inside a term";
				return -1;
			}
			if (c < 0x20 || c > 0x7e) {
				*error_r = "non-ASCII or control character";
				return -1;
			}
			run++;
			i++;
			continue;
		}
		c = i + 1 < len ? (unsigned char)s[i + 1] : 0;
		if (c == '%' || c == '_' || c == '-') {
			run += c == '-' ? 3 : 1;	/* "%-" is "%20" */
			i += 2;
			tail = i;
			continue;
		}
		if (c != '{') {
			*error_r = "'%' not followed by '{', '%', '-' or '_'";
			return -1;
		}
		if (run > 0)
			cost += run + 2 * SPF_RECORD_ITEM_COST;
		run = 0;
		i += 2;
		if (spf_record_expand(s, len, &i, in_exp, error_r) < 0)
			return -1;
		cost += 2 * SPF_RECORD_ITEM_COST;
		tail = i;
	}
	if (run > 0)
		cost += run + 2 * SPF_RECORD_ITEM_COST;
	*tail_r = tail;
	*cost_r = cost;
	return 0;
}

/* spf_record_toplabel - RFC 7208 toplabel: alphanumerics, not all digits */
static bool
spf_record_toplabel(const char *s, size_t len)
{
	bool alpha = false, hyphen = false;
	size_t i;

	if (len == 0 || len > 63)
		return false;
	for (i = 0; i < len; i++) {
		if (isalpha((unsigned char)s[i]))
			alpha = true;
		else if (s[i] == '-')
			hyphen = true;
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	if (s[0] == '-' || s[len - 1] == '-')
		return false;
	return alpha || hyphen;
}

/* spf_record_domain_spec - macro-string domain-end */
static int
spf_record_domain_spec(const char *s, size_t len, const char **error_r)
{
	size_t tail, cost, end, dot;

	if (len == 0) {
		*error_r = "empty domain-spec";
		return -1;
	}
	if (spf_record_macro(s, len, false, false, &tail, &cost, error_r) < 0)
		return -1;
	if (cost > SPF_RECORD_TERM_BUDGET) {
		*error_r = "domain-spec too long";
		return -1;
	}
	if (tail == len)
		return 0;	/* ends in a macro-expand */
	end = len;
	if (s[end - 1] == '.')
		end--;
	/* "." toplabel ["."], all of it literal, after the last macro */
	for (dot = end; dot > tail && s[dot - 1] != '.'; dot--)
		;
	if (dot == tail || !spf_record_toplabel(s + dot, end - dot)) {
		*error_r = "domain-spec does not end in a valid top label";
		return -1;
	}
	return 0;
}

/* spf_record_number - "0" or a number without leading zero, at most max */
static int
spf_record_number(const char *s, size_t len, unsigned max, unsigned *value_r)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*value_r = v;
	return 0;
}

/* spf_record_trailing - length of a trailing "/digits", 0 if none */
static size_t
spf_record_trailing(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && isdigit((unsigned char)s[i - 1]))
		i--;
	if (i == len || i == 0 || s[i - 1] != '/')
		return 0;
	return len - i + 1;
}

/* spf_record_prefix_len - the number after a '/' of n bytes at s */
static int
spf_record_prefix_len(const char *s, size_t n, unsigned max, int *len_r,
		      const char **error_r)
{
	unsigned v;

	if (spf_record_number(s + 1, n - 1, max, &v) < 0) {
		*error_r = "invalid CIDR length";
		return -1;
	}
	*len_r = (int)v;
	return 0;
}

/*
 * spf_record_cidr - take the prefix lengths off the end of an argument:
 * dual "[/n][//m]" (a, mx) or single "/n" up to max (ip4, ip6). Absent
 * lengths are -1; *spec_len_r is what precedes them.
 */
static int
spf_record_cidr(const char *s, size_t len, bool dual, unsigned max,
		size_t *spec_len_r, int *v4_r, int *v6_r, const char **error_r)
{
	size_t n;

	*v4_r = *v6_r = -1;
	n = spf_record_trailing(s, len);
	if (!dual) {
		if (n > 0 && spf_record_prefix_len(s + len - n, n, max, v4_r,
		    error_r) < 0)
			return -1;
		*spec_len_r = len - n;
		return 0;
	}
	if (n > 0 && len - n > 0 && s[len - n - 1] == '/') {
		if (spf_record_prefix_len(s + len - n, n, 128, v6_r,
		    error_r) < 0)
			return -1;
		len -= n + 1;
		n = spf_record_trailing(s, len);
	}
	if (n > 0 && spf_record_prefix_len(s + len - n, n, 32, v4_r,
	    error_r) < 0)
		return -1;
	*spec_len_r = len - n;
	return 0;
}

/* spf_record_ip4 - RFC 7208 ip4-network: dotted quad, no leading zeros */
static bool
spf_record_ip4(const char *s, size_t len)
{
	size_t i = 0;
	int part;
	unsigned v;

	for (part = 0; part < 4; part++) {
		size_t start = i;

		while (i < len && isdigit((unsigned char)s[i]))
			i++;
		if (spf_record_number(s + start, i - start, 255, &v) < 0)
			return false;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

/* spf_record_ip6 - an IPv6 literal as RFC 4291 section 2.2 writes it */
static bool
spf_record_ip6(const char *s, size_t len)
{
	char buf[64];
	struct in6_addr a;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

/* spf_record_name_is - case-insensitive comparison of a term's name */
static bool
spf_record_name_is(const struct spf_term *t, const char *name)
{
	return t->name_len == strlen(name) &&
	    strncasecmp(t->name, name, t->name_len) == 0;
}

/* spf_record_split - break one term into qualifier, name and argument */
static int
spf_record_split(const char *s, size_t len, struct spf_term *t,
		 const char **error_r)
{
	size_t i = 0;

	memset(t, 0, sizeof(*t));
	if (strchr("+-?~", s[0]) != NULL) {
		t->qualifier = s[0];
		i++;
	}
	t->name = s + i;
	if (i >= len || !isalpha((unsigned char)s[i])) {
		*error_r = "term does not start with a name";
		return -1;
	}
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
	    s[i] == '_' || s[i] == '.'))
		i++;
	t->name_len = (size_t)(s + i - t->name);
	t->sep = i < len ? s[i] : 0;
	if (i < len && s[i] == '=') {
		if (t->qualifier != 0) {
			*error_r = "modifier with a qualifier";
			return -1;
		}
		t->is_modifier = true;
		i++;
	} else if (i < len && s[i] == ':') {
		i++;
	} else if (i < len && s[i] != '/') {
		*error_r = "unexpected character in term";
		return -1;
	}
	t->arg = s + i;
	t->arg_len = len - i;
	return 0;
}

/* spf_record_out - append text to the rewritten record; -1 when full */
static int
spf_record_out(char *out, size_t outlen, size_t *pos, const char *s,
	       size_t len)
{
	if (*pos + len + 1 > outlen)
		return -1;
	memcpy(out + *pos, s, len);
	*pos += len;
	out[*pos] = '\0';
	return 0;
}

/* spf_record_any_label - the marker label for a zero prefix, or NULL */
static const char *
spf_record_any_label(int v4, int v6)
{
	if (v4 == 0 && v6 == 0)
		return SPF_RECORD_ANY46;
	if (v4 == 0)
		return SPF_RECORD_ANY4;
	if (v6 == 0)
		return SPF_RECORD_ANY6;
	return NULL;
}

/*
 * spf_record_emit_am - write an a or mx term for libspf2; a zero prefix
 * length becomes a marker label on the looked-up name (see spf_record.h).
 */
static int
spf_record_emit_am(const struct spf_term *t, size_t spec_len, int v4, int v6,
		   char *out, size_t outlen, size_t *pos)
{
	const char *any = spf_record_any_label(v4, v6);
	char cidr[16];
	int n = 0;

	if (t->qualifier != 0 &&
	    spf_record_out(out, outlen, pos, &t->qualifier, 1) < 0)
		return -1;
	if (spf_record_out(out, outlen, pos, t->name, t->name_len) < 0)
		return -1;
	if (any == NULL) {
		/* unchanged: ":" spec and lengths as written */
		return spf_record_out(out, outlen, pos, t->name + t->name_len,
		    (size_t)(t->arg + t->arg_len - t->name) - t->name_len);
	}
	if (spf_record_out(out, outlen, pos, ":", 1) < 0)
		return -1;
	if (spec_len == 0) {
		if (spf_record_out(out, outlen, pos, "%{d}", 4) < 0)
			return -1;
	} else if (spf_record_out(out, outlen, pos, t->arg, spec_len) < 0) {
		return -1;
	}
	if ((spec_len == 0 || t->arg[spec_len - 1] != '.') &&
	    spf_record_out(out, outlen, pos, ".", 1) < 0)
		return -1;
	if (spf_record_out(out, outlen, pos, any, strlen(any)) < 0)
		return -1;
	if (v4 > 0)
		n = snprintf(cidr, sizeof(cidr), "/%d", v4);
	if (v6 > 0)
		n += snprintf(cidr + n, sizeof(cidr) - (size_t)n, "//%d", v6);
	return spf_record_out(out, outlen, pos, cidr, (size_t)n);
}

/* spf_record_emit_ip - ip4/ip6 term; a /0 becomes its two /1 halves */
static int
spf_record_emit_ip(const struct spf_term *t, bool v6, int len, char *out,
		   size_t outlen, size_t *pos)
{
	const char *halves = v6 ? "ip6:::/1 ip6:8000::/1" :
	    "ip4:0.0.0.0/1 ip4:128.0.0.0/1";
	const char *sp;

	if (len != 0) {
		if (t->qualifier != 0 &&
		    spf_record_out(out, outlen, pos, &t->qualifier, 1) < 0)
			return -1;
		if (spf_record_out(out, outlen, pos, t->name, t->name_len) < 0)
			return -1;
		return spf_record_out(out, outlen, pos, t->name + t->name_len,
		    (size_t)(t->arg + t->arg_len - t->name) - t->name_len);
	}
	sp = strchr(halves, ' ');
	if ((t->qualifier != 0 &&
	    spf_record_out(out, outlen, pos, &t->qualifier, 1) < 0) ||
	    spf_record_out(out, outlen, pos, halves, (size_t)(sp - halves) + 1) < 0 ||
	    (t->qualifier != 0 &&
	    spf_record_out(out, outlen, pos, &t->qualifier, 1) < 0))
		return -1;
	return spf_record_out(out, outlen, pos, sp + 1, strlen(sp + 1));
}

/* spf_record_mechanism - check one directive and write it out */
static int
spf_record_mechanism(const struct spf_term *t, char *out, size_t outlen,
		     size_t *pos, const char **error_r)
{
	bool has_spec = t->sep == ':';
	size_t spec_len;
	int v4, v6;

	if (spf_record_name_is(t, "all")) {
		if (t->sep != 0)
			goto syntax;
	} else if (spf_record_name_is(t, "include") ||
	    spf_record_name_is(t, "exists")) {
		if (!has_spec ||
		    spf_record_domain_spec(t->arg, t->arg_len, error_r) < 0)
			goto bad;
	} else if (spf_record_name_is(t, "ptr")) {
		if (t->sep != 0 && (!has_spec ||
		    spf_record_domain_spec(t->arg, t->arg_len, error_r) < 0))
			goto bad;
	} else if (spf_record_name_is(t, "a") || spf_record_name_is(t, "mx")) {
		if (spf_record_cidr(t->arg, t->arg_len, true, 0, &spec_len,
		    &v4, &v6, error_r) < 0)
			return -1;
		if (has_spec ? spf_record_domain_spec(t->arg, spec_len,
		    error_r) < 0 : spec_len != 0)
			goto bad;
		return spf_record_emit_am(t, has_spec ? spec_len : 0, v4, v6,
		    out, outlen, pos);
	} else if (spf_record_name_is(t, "ip4") ||
	    spf_record_name_is(t, "ip6")) {
		bool is6 = t->name[2] == '6';

		if (!has_spec || spf_record_cidr(t->arg, t->arg_len, false,
		    is6 ? 128 : 32, &spec_len, &v4, &v6, error_r) < 0)
			goto bad;
		if (is6 ? !spf_record_ip6(t->arg, spec_len) :
		    !spf_record_ip4(t->arg, spec_len)) {
			*error_r = is6 ? "invalid ip6 network" :
			    "invalid ip4 network";
			return -1;
		}
		return spf_record_emit_ip(t, is6, v4, out, outlen, pos);
	} else {
		*error_r = "unknown mechanism";
		return -1;
	}
	if (t->qualifier != 0 &&
	    spf_record_out(out, outlen, pos, &t->qualifier, 1) < 0)
		goto full;
	return spf_record_out(out, outlen, pos, t->name,
	    (size_t)(t->arg + t->arg_len - t->name));
syntax:
	*error_r = "mechanism does not take an argument";
	return -1;
bad:
	if (*error_r == NULL)
		*error_r = "mechanism needs a valid domain-spec";
	return -1;
full:
	*error_r = "record too long";
	return -1;
}

/* What the pass over a record has seen so far. */
struct spf_record_scan {
	const char *redirect;	/* the redirect term, emitted last */
	size_t redirect_len;
	bool all;		/* an "all" makes redirect moot (RFC 7208 6.1) */
	bool exp;
};

/*
 * spf_record_modifier - check one modifier. exp goes out as written,
 * redirect is kept for the end, and unknown modifiers, which RFC 7208
 * ignores but libspf2 may choke on, are left out.
 */
static int
spf_record_modifier(const struct spf_term *t, struct spf_record_scan *scan,
		    char *out, size_t outlen, size_t *pos, const char **error_r)
{
	size_t tail, cost;

	if (spf_record_name_is(t, "redirect")) {
		if (scan->redirect != NULL) {
			*error_r = "redirect given twice";
			return -1;
		}
		if (spf_record_domain_spec(t->arg, t->arg_len, error_r) < 0)
			return -1;
		scan->redirect = t->name;
		scan->redirect_len = (size_t)(t->arg + t->arg_len - t->name);
		return 0;
	}
	if (spf_record_name_is(t, "exp")) {
		if (scan->exp) {
			*error_r = "exp given twice";
			return -1;
		}
		scan->exp = true;
		if (spf_record_domain_spec(t->arg, t->arg_len, error_r) < 0)
			return -1;
		return spf_record_out(out, outlen, pos, t->name,
		    (size_t)(t->arg + t->arg_len - t->name));
	}
	/* unknown: only its syntax matters (c, r and t do no harm here) */
	if (spf_record_macro(t->arg, t->arg_len, true, false, &tail, &cost,
	    error_r) < 0)
		return -1;
	return 0;
}

/* spf_record_is_spf - a TXT string that selects as SPF (RFC 7208 4.5) */
bool
spf_record_is_spf(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (txt[6] == ' ' || txt[6] == '\0');
}

/* spf_record_check - validate a whole record and rewrite it for libspf2 */
int
spf_record_check(const char *record, char *out, size_t outlen,
		 const char **error_r)
{
	const char *p = record + 6;
	struct spf_record_scan scan = { NULL, 0, false, false };
	size_t pos = 0;

	*error_r = NULL;
	if (!spf_record_is_spf(record)) {
		*error_r = "not an SPF record";
		return -1;
	}
	if (strlen(record) >= SPF_RECORD_MAX) {
		*error_r = "record too long";
		return -1;
	}
	if (spf_record_out(out, outlen, &pos, "v=spf1", 6) < 0)
		goto full;
	while (*p != '\0') {
		struct spf_term t;
		size_t len, before;
		int rc;

		if (*p != ' ') {
			*error_r = "terms must be separated by spaces";
			return -1;
		}
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " ");
		if (spf_record_split(p, len, &t, error_r) < 0)
			return -1;
		if (spf_record_out(out, outlen, &pos, " ", 1) < 0)
			goto full;
		before = pos;
		if (!t.is_modifier && spf_record_name_is(&t, "all"))
			scan.all = true;
		rc = t.is_modifier ?
		    spf_record_modifier(&t, &scan, out, outlen, &pos, error_r) :
		    spf_record_mechanism(&t, out, outlen, &pos, error_r);
		if (rc < 0) {
			if (*error_r == NULL)
				goto full;
			return -1;
		}
		if (pos == before)
			out[--pos] = '\0';	/* the term was left out */
		p += len;
	}
	if (scan.redirect != NULL && !scan.all &&
	    (spf_record_out(out, outlen, &pos, " ", 1) < 0 ||
	    spf_record_out(out, outlen, &pos, scan.redirect,
	    scan.redirect_len) < 0))
		goto full;
	return 0;
full:
	*error_r = "record too long";
	return -1;
}

/* spf_record_value - the value a macro letter stands for, or NULL */
static const char *
spf_record_value(const struct spf_macro_values *mv, char letter)
{
	switch (tolower((unsigned char)letter)) {
	case 'l':
		return mv->l;
	case 's':
		return mv->s;
	case 'o':
		return mv->o;
	case 'd':
		return mv->d;
	case 'i':
		return mv->i;
	case 'h':
		return mv->h;
	case 'v':
		return mv->v;
	default:
		return NULL;	/* p, and exp-only letters: left alone */
	}
}

/* spf_record_parts - how many parts delimiters split value into */
static unsigned
spf_record_parts(const char *value, const char *delims, size_t ndelims)
{
	unsigned parts = 1;

	for (; *value != '\0'; value++)
		if (ndelims == 0 ? *value == '.' :
		    memchr(delims, *value, ndelims) != NULL)
			parts++;
	return parts;
}

/* spf_record_fix_rhs - drop digit transformers that select every part */
void
spf_record_fix_rhs(char *text, const struct spf_macro_values *mv)
{
	char *p = text;

	while ((p = strchr(p, '%')) != NULL) {
		char *digits, *q;
		const char *value;
		unsigned n = 0;
		size_t ndigits;

		if (p[1] != '{') {
			p += p[1] != '\0' ? 2 : 1;	/* %%, %_, %- */
			continue;
		}
		value = spf_record_value(mv, p[2]);
		digits = q = p + 3;
		while (isdigit((unsigned char)*q))
			n = n * 10 + (unsigned)(*q++ - '0');
		ndigits = (size_t)(q - digits);
		if (*q == 'r' || *q == 'R')
			q++;
		if (value != NULL && ndigits > 0 && n >= spf_record_parts(value,
		    q, strcspn(q, "}")))
			memmove(digits, digits + ndigits, strlen(digits + ndigits) + 1);
		p = strchr(p, '}');
		if (p == NULL)
			return;
	}
}

/* spf_record_check_explain - explain-string = *( macro-string / SP ) */
int
spf_record_check_explain(const char *text, const char **error_r)
{
	size_t tail, cost;

	*error_r = NULL;
	if (spf_record_macro(text, strlen(text), true, true, &tail, &cost,
	    error_r) < 0)
		return -1;
	if (cost > SPF_RECORD_TERM_BUDGET) {
		*error_r = "explanation too long";
		return -1;
	}
	return 0;
}
