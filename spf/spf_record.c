/*
 * spf_record.c - records and exp= text on their way to libspf2 1.2.10:
 * the grammar is spf_term.c's; what is here is what libspf2 needs on top
 * (zero prefixes, redirect last, unknown modifiers left out, transformers
 * and macro-heavy terms kept within its fixed buffers).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

/* spf_record_cost - upper bound of libspf2's compiled size of a macro-string */
static size_t
spf_record_cost(const char *s, size_t len)
{
	size_t i = 0, cost = SPF_RECORD_ITEM_COST, run = 0;

	while (i < len) {
		const char *end;

		if (s[i] != '%') {
			run++;
			i++;
			continue;
		}
		if (i + 1 < len && s[i + 1] != '{') {
			/* %%, %_, and %-, which is "%20" */
			run += s[i + 1] == '-' ? 3 : 1;
			i += 2;
			continue;
		}
		if (run > 0)
			cost += run + 2 * SPF_RECORD_ITEM_COST;
		run = 0;
		cost += 2 * SPF_RECORD_ITEM_COST;
		if ((end = memchr(s + i, '}', len - i)) == NULL)
			break;	/* the grammar lets none by */
		i = (size_t)(end - s) + 1;
	}
	if (run > 0)
		cost += run + 2 * SPF_RECORD_ITEM_COST;
	return cost;
}

/*
 * spf_record_clamp - libspf2 keeps a transformer in an unsigned char:
 * write every digit transformer as its value, at most SPF_LIMIT_PARTS
 * (which already takes every part there is), in place.
 */
static void
spf_record_clamp(char *text)
{
	char *p = text;

	while ((p = strchr(p, '%')) != NULL) {
		char *digits, *q, value[8];
		unsigned n = 0;

		if (p[1] != '{') {
			p += p[1] != '\0' ? 2 : 1;	/* %%, %_, %- */
			continue;
		}
		if (p[2] == '\0')
			return;
		digits = q = p + 3;
		while (isdigit((unsigned char)*q)) {
			if (n <= SPF_LIMIT_PARTS)
				n = n * 10 + (unsigned)(*q - '0');
			q++;
		}
		if (q > digits) {
			/* never longer than what was written */
			size_t len = (size_t)snprintf(value, sizeof(value),
			    "%u", n > SPF_LIMIT_PARTS ? SPF_LIMIT_PARTS : n);

			memcpy(digits, value, len);
			memmove(digits + len, q, strlen(q) + 1);
			q = digits + len;
		}
		p = q;
	}
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

/* spf_record_qualifier - the qualifier as written, if it was */
static int
spf_record_qualifier(const struct spf_term *t, char *out, size_t outlen,
		     size_t *pos)
{
	if (t->name == t->text)
		return 0;
	return spf_record_out(out, outlen, pos, t->text, 1);
}

/* spf_record_any_label - the marker label for a zero prefix, or NULL */
static const char *
spf_record_any_label(const struct spf_term *t)
{
	if (t->cidr4 == 0 && t->cidr6 == 0)
		return SPF_RECORD_ANY46;
	if (t->cidr4 == 0)
		return SPF_RECORD_ANY4;
	if (t->cidr6 == 0)
		return SPF_RECORD_ANY6;
	return NULL;
}

/*
 * spf_record_emit_am - an a or mx term for libspf2; a zero prefix length
 * becomes a marker label on the looked-up name (see spf_record.h).
 */
static int
spf_record_emit_am(const struct spf_term *t, char *out, size_t outlen,
		   size_t *pos)
{
	const char *any = spf_record_any_label(t);
	char cidr[16];
	int n = 0;

	if (any == NULL)
		return spf_record_out(out, outlen, pos, t->text, t->len);
	if (spf_record_qualifier(t, out, outlen, pos) < 0 ||
	    spf_record_out(out, outlen, pos, t->name, t->name_len) < 0 ||
	    spf_record_out(out, outlen, pos, ":", 1) < 0)
		return -1;
	if (t->spec == NULL) {
		if (spf_record_out(out, outlen, pos, "%{d}", 4) < 0)
			return -1;
	} else if (spf_record_out(out, outlen, pos, t->spec, t->spec_len) < 0) {
		return -1;
	}
	if ((t->spec == NULL || t->spec[t->spec_len - 1] != '.') &&
	    spf_record_out(out, outlen, pos, ".", 1) < 0)
		return -1;
	if (spf_record_out(out, outlen, pos, any, strlen(any)) < 0)
		return -1;
	if (t->cidr4 != 0 && t->cidr4 != 32)
		n = snprintf(cidr, sizeof(cidr), "/%u", t->cidr4);
	if (t->cidr6 != 0 && t->cidr6 != 128)
		n += snprintf(cidr + n, sizeof(cidr) - (size_t)n, "//%u",
		    t->cidr6);
	return spf_record_out(out, outlen, pos, cidr, (size_t)n);
}

/* spf_record_emit_ip - ip4/ip6 term; a /0 becomes its two /1 halves */
static int
spf_record_emit_ip(const struct spf_term *t, char *out, size_t outlen,
		   size_t *pos)
{
	bool v6 = t->kind == SPF_TERM_IP6;
	const char *lo = v6 ? "ip6:::/1 " : "ip4:0.0.0.0/1 ";
	const char *hi = v6 ? "ip6:8000::/1" : "ip4:128.0.0.0/1";

	if ((v6 ? t->cidr6 : t->cidr4) != 0)
		return spf_record_out(out, outlen, pos, t->text, t->len);
	if (spf_record_qualifier(t, out, outlen, pos) < 0 ||
	    spf_record_out(out, outlen, pos, lo, strlen(lo)) < 0 ||
	    spf_record_qualifier(t, out, outlen, pos) < 0)
		return -1;
	return spf_record_out(out, outlen, pos, hi, strlen(hi));
}

/*
 * spf_record_emit - one term for libspf2: 1 written, 0 left out (unknown
 * modifiers, which RFC 7208 ignores but libspf2 may choke on, and
 * redirect, which goes last), -1 when out is full.
 */
static int
spf_record_emit(const struct spf_term *t, char *out, size_t outlen,
		size_t *pos)
{
	switch (t->kind) {
	case SPF_TERM_A:
	case SPF_TERM_MX:
		return spf_record_emit_am(t, out, outlen, pos) < 0 ? -1 : 1;
	case SPF_TERM_IP4:
	case SPF_TERM_IP6:
		return spf_record_emit_ip(t, out, outlen, pos) < 0 ? -1 : 1;
	case SPF_TERM_REDIRECT:
	case SPF_TERM_UNKNOWN:
		return 0;
	default:
		return spf_record_out(out, outlen, pos, t->text, t->len) < 0 ?
		    -1 : 1;
	}
}

/* spf_record_check - validate a whole record and rewrite it for libspf2 */
int
spf_record_check(const char *record, struct spf_term_list *list, char *out,
		 size_t outlen, const char **error_r)
{
	const struct spf_term *redirect;
	size_t pos = 0, i;

	if (spf_term_parse(record, strlen(record), list, error_r) < 0)
		return -1;
	/* an "all" makes redirect moot (RFC 7208 6.1) */
	redirect = spf_term_find(list, SPF_TERM_REDIRECT);
	if (spf_term_find(list, SPF_TERM_ALL) != NULL)
		redirect = NULL;
	if (spf_record_out(out, outlen, &pos, "v=spf1", 6) < 0)
		goto full;
	for (i = 0; i < list->count; i++) {
		const struct spf_term *t = &list->terms[i];
		size_t before = pos;
		int rc;

		if (t->spec != NULL && t->kind != SPF_TERM_UNKNOWN &&
		    spf_record_cost(t->spec, t->spec_len) >
		    SPF_RECORD_TERM_BUDGET) {
			*error_r = "domain-spec too long";
			return -1;
		}
		if (spf_record_out(out, outlen, &pos, " ", 1) < 0 ||
		    (rc = spf_record_emit(t, out, outlen, &pos)) < 0)
			goto full;
		if (rc == 0)
			out[pos = before] = '\0';
	}
	if (redirect != NULL &&
	    (spf_record_out(out, outlen, &pos, " ", 1) < 0 ||
	    spf_record_out(out, outlen, &pos, redirect->text,
	    redirect->len) < 0))
		goto full;
	spf_record_clamp(out);
	return 0;
full:
	*error_r = "record too long";
	return -1;
}

/*
 * spf_record_check_explain - explain-string, then libspf2's copy: it
 * turns a bare space into '%', so spaces are handed to it as "%_".
 */
int
spf_record_check_explain(const char *text, char *out, size_t outlen,
			 const char **error_r)
{
	size_t len = strlen(text), pos = 0, i;

	if (spf_term_explain(text, len, error_r) < 0)
		return -1;
	if (outlen == 0 ||
	    spf_record_cost(text, len) > SPF_RECORD_TERM_BUDGET)
		goto too_long;
	out[0] = '\0';
	for (i = 0; i < len; i++)
		if (spf_record_out(out, outlen, &pos, text[i] == ' ' ? "%_" :
		    text + i, text[i] == ' ' ? 2 : 1) < 0)
			goto too_long;
	spf_record_clamp(out);
	return 0;
too_long:
	*error_r = "explanation too long";
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
		for (; isdigit((unsigned char)*q); q++)
			if (n <= SPF_LIMIT_PARTS)
				n = n * 10 + (unsigned)(*q - '0');
		ndigits = (size_t)(q - digits);
		if (*q == 'r' || *q == 'R')
			q++;
		if (value != NULL && ndigits > 0 && n >= spf_record_parts(value,
		    q, strcspn(q, "}")))
			memmove(digits, digits + ndigits,
			    strlen(digits + ndigits) + 1);
		p = strchr(p, '}');
		if (p == NULL)
			return;
	}
}
