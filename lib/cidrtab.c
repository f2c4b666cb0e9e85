/*
 * cidrtab.c - Postfix cidr_table(5) files with Postfix's answers, but no
 * scan at lookup time: the rules (first match wins, "!", nested if/endif)
 * are compiled at load time into a prefix set that maps each address range
 * to the first rule matching it. The text is read the way Postfix's
 * readllines() and dict_cidr.c read it, warnings and all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <trustmx/cidrtab.h>

#include "cidrset-private.h"
#include "radix.h"
#include "tmx-private.h"

#define CIDRTAB_NONE	UINT32_MAX	/* "no rule": a value and a link */

enum cidrtab_op {
	CIDRTAB_MATCH,
	CIDRTAB_IF,
	CIDRTAB_ENDIF,
};

struct cidrtab_rule {
	uint8_t op;		/* enum cidrtab_op */
	uint8_t family;		/* 4 or 6; 0 for ENDIF */
	uint8_t len;
	uint8_t negate;		/* "!pattern": matches outside the prefix */
	uint8_t bytes[16];
	uint32_t link;		/* IF: its ENDIF or NONE; ENDIF: its IF */
	uint32_t result;	/* MATCH: offset of the result in results */
	unsigned lineno;
};

struct tmx_cidrtab {
	struct cidrtab_rule *rules;
	size_t nrules, cap_rules;
	char *results;		/* NUL-terminated result texts */
	size_t results_len, cap_results;
	struct tmx_cidrset *set;	/* range -> rule index, or NONE */
};

/* The loader's state: input, logical line, diagnostics. */
struct cidrtab_parser {
	const char *name;
	const char *text;
	size_t len, pos;
	unsigned lineno;	/* physical lines read */
	unsigned first_line;	/* where the current logical line began */
	char *line;		/* the logical line */
	size_t line_len, line_cap;
	unsigned flags;
	tmx_cidrtab_warn_fn *warn;
	void *warn_ctx;
	char *err;
	size_t errlen;
	char reason[512];
	uint32_t *if_stack;	/* open IF rules */
	size_t nesting, cap_stack;
};

/* cidrtab_isspace - Postfix's ISSPACE: ASCII white space only */
static inline bool
cidrtab_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* cidrtab_isalnum - Postfix's ISALNUM: ASCII letters and digits */
static inline bool
cidrtab_isalnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* cidrtab_grow - room for n more elements of size sz in *arr */
static bool
cidrtab_grow(void **arr, size_t *cap, size_t used, size_t n, size_t sz)
{
	size_t ncap = *cap ? *cap : 64;
	void *grown;

	if (used + n <= *cap)
		return true;
	while (ncap < used + n)
		ncap *= 2;
	if (ncap >= UINT32_MAX || (grown = realloc(*arr, ncap * sz)) == NULL)
		return false;
	*arr = grown;
	*cap = ncap;
	return true;
}

/* cidrtab_fail - a fatal load error: "name:line: reason" into err */
static int
cidrtab_fail(struct cidrtab_parser *ps, unsigned lineno, const char *reason)
{
	if (ps->err != NULL && ps->errlen > 0) {
		if (lineno > 0)
			snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->name,
				 lineno, reason);
		else
			snprintf(ps->err, ps->errlen, "%s: %s", ps->name,
				 reason);
	}
	return -1;
}

/*
 * cidrtab_complain - a line Postfix skips with a warning: fatal when
 * strict, else reported through warn (suffix: what Postfix adds).
 */
static int
cidrtab_complain(struct cidrtab_parser *ps, unsigned lineno,
		 const char *reason, const char *suffix)
{
	char msg[700];

	if (ps->flags & TMX_CIDRTAB_STRICT)
		return cidrtab_fail(ps, lineno, reason);
	if (ps->warn != NULL) {
		snprintf(msg, sizeof(msg), "%s:%u: %s%s", ps->name, lineno,
			 reason, suffix);
		ps->warn(ps->warn_ctx, msg);
	}
	return 0;
}

/* cidrtab_line_add - append bytes to the logical line */
static bool
cidrtab_line_add(struct cidrtab_parser *ps, const char *s, size_t n)
{
	if (!cidrtab_grow((void **)&ps->line, &ps->line_cap, ps->line_len,
			  n + 1, 1))
		return false;
	memcpy(ps->line + ps->line_len, s, n);
	ps->line_len += n;
	ps->line[ps->line_len] = 0;
	return true;
}

/*
 * cidrtab_read_line - the next logical line as readllines() builds it:
 * comment and blank lines vanish, even between a line and its
 * continuation; a line that starts with white space continues the
 * previous one. 1 with a line, 0 at the end, -1 out of memory.
 */
static int
cidrtab_read_line(struct cidrtab_parser *ps)
{
	ps->line_len = 0;
	if (!cidrtab_line_add(ps, "", 0))
		return -1;
	for (;;) {
		size_t start = ps->line_len, avail = ps->len - ps->pos, n, cp;
		const char *nl = memchr(ps->text + ps->pos, '\n', avail);
		bool at_eof;

		n = nl != NULL ? (size_t)(nl - (ps->text + ps->pos)) : avail;
		if (!cidrtab_line_add(ps, ps->text + ps->pos, n))
			return -1;
		ps->pos += n + (nl != NULL);
		at_eof = nl == NULL;
		if (nl != NULL || n > 0)
			ps->lineno++;
		for (cp = start; cp < ps->line_len &&
		     cidrtab_isspace((unsigned char)ps->line[cp]); cp++)
			;
		if (cp == ps->line_len || ps->line[cp] == '#') {
			ps->line_len = start;
			ps->line[start] = 0;
		} else if (start == 0) {
			ps->first_line = ps->lineno;
		}
		if (at_eof)
			break;
		if (ps->line_len > 0) {
			int next = ps->pos < ps->len ?
			    (unsigned char)ps->text[ps->pos] : EOF;

			if (next != '#' && !cidrtab_isspace(next))
				break;
		}
	}
	return ps->line_len > 0;
}

/* cidrtab_mask_length - Postfix's atoi() into an unsigned char */
static unsigned
cidrtab_mask_length(const char *digits)
{
	unsigned long long v = 0;

	for (; *digits; digits++) {
		unsigned d = (unsigned)(*digits - '0');

		/* strtol() saturates at LONG_MAX: low bits all ones */
		if (v > ((unsigned long long)LONG_MAX - d) / 10)
			return UCHAR_MAX;
		v = v * 10 + d;
	}
	return (unsigned)(v & UCHAR_MAX);
}

/* cidrtab_alldig - non-empty and only ASCII digits */
static bool
cidrtab_alldig(const char *s)
{
	if (*s == 0)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* cidrtab_host_bits - are bits past len set in bytes */
static bool
cidrtab_host_bits(const uint8_t *bytes, unsigned nbytes, unsigned len)
{
	for (unsigned i = len; i < nbytes * 8; i++)
		if (bytes[i / 8] & (0x80 >> (i % 8)))
			return true;
	return false;
}

/* cidrtab_clear_host_bits - zero bits past len, to suggest a fix */
static void
cidrtab_clear_host_bits(uint8_t *bytes, unsigned nbytes, unsigned len)
{
	for (unsigned i = len; i < nbytes * 8; i++)
		bytes[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/*
 * cidrtab_parse_pattern - "addr", "addr/len", "[addr]", "[addr]/len" or
 * "[addr/len]" into rule, as cidr_match_parse() does (the pattern is
 * destroyed); 0, or -1 with ps->reason.
 */
static int
cidrtab_parse_pattern(struct cidrtab_parser *ps, char *pattern,
		      struct cidrtab_rule *rule)
{
	char *mask_search, *mask, hostaddr[TMX_ADDR_STRLEN];
	unsigned nbytes;
	int af;

	if (*pattern == '[') {
		char *close;

		pattern++;
		if ((close = strchr(pattern, ']')) == NULL) {
			snprintf(ps->reason, sizeof(ps->reason),
				 "missing ']' character after \"[%s\"",
				 pattern);
			return -1;
		}
		*close = 0;
		mask_search = close + 1;
		if (*mask_search != '/') {
			if (*mask_search != 0) {
				snprintf(ps->reason, sizeof(ps->reason),
					 "garbage after \"[%s]\"", pattern);
				return -1;
			}
			mask_search = pattern;
		}
	} else {
		mask_search = pattern;
	}
	if ((mask = strchr(mask_search, '/')) != NULL)
		*mask++ = 0;
	rule->family = strchr(pattern, ':') != NULL ? 6 : 4;
	af = rule->family == 6 ? AF_INET6 : AF_INET;
	nbytes = rule->family == 6 ? 16 : 4;
	memset(rule->bytes, 0, sizeof(rule->bytes));
	if (mask == NULL) {
		if (inet_pton(af, pattern, rule->bytes) != 1) {
			snprintf(ps->reason, sizeof(ps->reason),
				 "bad address pattern: \"%s\"", pattern);
			return -1;
		}
		rule->len = (uint8_t)(nbytes * 8);
		return 0;
	}
	if (!cidrtab_alldig(mask)) {
		snprintf(ps->reason, sizeof(ps->reason),
			 "bad mask value in \"%s/%s\"", pattern, mask);
		return -1;
	}
	if ((rule->len = (uint8_t)cidrtab_mask_length(mask)) > nbytes * 8) {
		snprintf(ps->reason, sizeof(ps->reason),
			 "bad mask length in \"%s/%s\"", pattern, mask);
		return -1;
	}
	if (inet_pton(af, pattern, rule->bytes) != 1) {
		snprintf(ps->reason, sizeof(ps->reason),
			 "bad network value in \"%s/%s\"", pattern, mask);
		return -1;
	}
	if (cidrtab_host_bits(rule->bytes, nbytes, rule->len)) {
		cidrtab_clear_host_bits(rule->bytes, nbytes, rule->len);
		inet_ntop(af, rule->bytes, hostaddr, sizeof(hostaddr));
		snprintf(ps->reason, sizeof(ps->reason),
			 "non-null host address bits in \"%s/%s\", perhaps "
			 "you should use \"%s/%u\" instead", pattern, mask,
			 hostaddr, rule->len);
		return -1;
	}
	return 0;
}

/* cidrtab_skip_negations - step over '!' and white space; toggles *match */
static char *
cidrtab_skip_negations(char *p, bool *match)
{
	for (;; p++) {
		if (*p == '!')
			*match = !*match;
		else if (!cidrtab_isspace((unsigned char)*p))
			return p;
	}
}

/* cidrtab_trim - cut trailing white space */
static void
cidrtab_trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && cidrtab_isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
}

/* cidrtab_parse_if - "IF [!]pattern"; 0, or -1 with ps->reason */
static int
cidrtab_parse_if(struct cidrtab_parser *ps, char *p, struct cidrtab_rule *r)
{
	bool match = true;

	p = cidrtab_skip_negations(p + 2, &match);
	if (*p == 0) {
		snprintf(ps->reason, sizeof(ps->reason), "no address pattern");
		return -1;
	}
	cidrtab_trim(p);
	if (cidrtab_parse_pattern(ps, p, r) < 0)
		return -1;
	r->op = CIDRTAB_IF;
	r->negate = !match;
	r->link = CIDRTAB_NONE;
	return 0;
}

/* cidrtab_parse_endif - "ENDIF" alone; 0, or -1 with ps->reason */
static int
cidrtab_parse_endif(struct cidrtab_parser *ps, char *p,
		    struct cidrtab_rule *r)
{
	for (p += 5; cidrtab_isspace((unsigned char)*p); p++)
		;
	if (*p != 0) {
		snprintf(ps->reason, sizeof(ps->reason), "garbage after ENDIF");
		return -1;
	}
	if (ps->nesting == 0) {
		snprintf(ps->reason, sizeof(ps->reason), "ENDIF without IF");
		return -1;
	}
	r->op = CIDRTAB_ENDIF;
	return 0;
}

/*
 * cidrtab_parse_match - "[!]pattern result"; 0, or -1 with ps->reason.
 * *result_r points into the line.
 */
static int
cidrtab_parse_match(struct cidrtab_parser *ps, char *p,
		    struct cidrtab_rule *r, const char **result_r)
{
	bool match = true;
	char *pattern, *value;

	pattern = p = cidrtab_skip_negations(p, &match);
	while (*p && !cidrtab_isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = 0;
	while (*p && cidrtab_isspace((unsigned char)*p))
		p++;
	value = p;
	cidrtab_trim(value);
	if (*pattern == 0) {
		snprintf(ps->reason, sizeof(ps->reason), "no address pattern");
		return -1;
	}
	if (cidrtab_parse_pattern(ps, pattern, r) < 0)
		return -1;
	if (*value == 0) {
		snprintf(ps->reason, sizeof(ps->reason), "no lookup result");
		return -1;
	}
	r->op = CIDRTAB_MATCH;
	r->negate = !match;
	*result_r = value;
	return 0;
}

/* cidrtab_parse_rule - one logical line into r; -1 with ps->reason */
static int
cidrtab_parse_rule(struct cidrtab_parser *ps, char *p,
		   struct cidrtab_rule *r, const char **result_r)
{
	memset(r, 0, sizeof(*r));
	r->link = CIDRTAB_NONE;
	r->result = CIDRTAB_NONE;
	*result_r = NULL;
	if (strncasecmp(p, "IF", 2) == 0 &&
	    !cidrtab_isalnum((unsigned char)p[2]))
		return cidrtab_parse_if(ps, p, r);
	if (strncasecmp(p, "ENDIF", 5) == 0 &&
	    !cidrtab_isalnum((unsigned char)p[5]))
		return cidrtab_parse_endif(ps, p, r);
	return cidrtab_parse_match(ps, p, r, result_r);
}

/* cidrtab_add_rule - store a parsed rule and keep IF/ENDIF linked */
static bool
cidrtab_add_rule(struct tmx_cidrtab *tab, struct cidrtab_parser *ps,
		 struct cidrtab_rule *r, const char *result)
{
	uint32_t index = (uint32_t)tab->nrules;

	if (result != NULL) {
		size_t n = strlen(result) + 1;

		if (!cidrtab_grow((void **)&tab->results, &tab->cap_results,
				  tab->results_len, n, 1))
			return false;
		memcpy(tab->results + tab->results_len, result, n);
		r->result = (uint32_t)tab->results_len;
		tab->results_len += n;
	}
	if (!cidrtab_grow((void **)&tab->rules, &tab->cap_rules, tab->nrules,
			  1, sizeof(*tab->rules)))
		return false;
	if (r->op == CIDRTAB_IF) {
		if (!cidrtab_grow((void **)&ps->if_stack, &ps->cap_stack,
				  ps->nesting, 1, sizeof(*ps->if_stack)))
			return false;
		ps->if_stack[ps->nesting++] = index;
	} else if (r->op == CIDRTAB_ENDIF) {
		r->link = ps->if_stack[--ps->nesting];
		tab->rules[r->link].link = index;
	}
	tab->rules[tab->nrules++] = *r;
	return true;
}

/* cidrtab_parse_lines - every logical line into rules; 0 or -1 (err) */
static int
cidrtab_parse_lines(struct tmx_cidrtab *tab, struct cidrtab_parser *ps)
{
	struct cidrtab_rule rule;
	const char *result;
	int got;

	while ((got = cidrtab_read_line(ps)) > 0) {
		if (cidrtab_isspace((unsigned char)ps->line[0])) {
			snprintf(ps->reason, sizeof(ps->reason),
				 "logical line must not start with "
				 "whitespace: \"%.30s%s\"", ps->line,
				 ps->line_len > 30 ? "..." : "");
			if (cidrtab_complain(ps, ps->first_line, ps->reason,
					     "") < 0)
				return -1;
			continue;
		}
		if (cidrtab_parse_rule(ps, ps->line, &rule, &result) < 0) {
			if (cidrtab_complain(ps, ps->first_line, ps->reason,
					     ": skipping this rule") < 0)
				return -1;
			continue;
		}
		rule.lineno = ps->first_line;
		if (!cidrtab_add_rule(tab, ps, &rule, result))
			return cidrtab_fail(ps, 0, "out of memory");
	}
	if (got < 0)
		return cidrtab_fail(ps, 0, "out of memory");
	while (ps->nesting > 0) {
		const struct cidrtab_rule *r =
		    &tab->rules[ps->if_stack[--ps->nesting]];

		if (cidrtab_complain(ps, r->lineno, "IF has no matching ENDIF",
				     "") < 0)
			return -1;
	}
	return 0;
}

/*
 * The compiler. A region is a prefix of the address space; for each
 * region we keep the rules that can still decide its addresses, in file
 * order, with IF/ENDIF structure. Rules that treat the whole region alike
 * are decided on the spot; a region whose first remaining rule decides it
 * is emitted; otherwise it is split in two along the next address bit.
 * A rule only survives into regions that strictly contain its prefix, so
 * the work is bounded by rules x address bits, not by rules squared.
 */
enum cidrtab_emit {
	CIDRTAB_EMIT_RULES,	/* longest-prefix map: range -> rule / NONE */
	CIDRTAB_EMIT_COVER,	/* only where some rule matches, one value */
};

enum cidrtab_relation {
	CIDRTAB_OUTSIDE,	/* region and prefix are disjoint */
	CIDRTAB_INSIDE,		/* region lies inside the prefix */
	CIDRTAB_SPLIT,		/* prefix lies strictly inside the region */
};

enum cidrtab_cover {
	CIDRTAB_COVER_NONE,
	CIDRTAB_COVER_FULL,
	CIDRTAB_COVER_SOME,
};

struct cidrtab_region {
	uint8_t bytes[16];
	unsigned len;
	unsigned family;
};

struct cidrtab_compiler {
	const struct tmx_cidrtab *tab;
	uint32_t *arena;	/* rule lists, a stack of regions */
	size_t used, cap;
	uint32_t *open;		/* IF blocks that stay, open during a reduce */
	enum cidrtab_emit mode;
	struct tmx_cidrset_builder *b;
	uint32_t cover_value;
	bool failed;
};

/* cidrtab_relate - how a rule's prefix and a region overlap */
static enum cidrtab_relation
cidrtab_relate(const struct cidrtab_region *reg, const struct cidrtab_rule *r)
{
	if (r->len <= reg->len)
		return radix_bits_equal(reg->bytes, r->bytes, r->len) ?
		    CIDRTAB_INSIDE : CIDRTAB_OUTSIDE;
	return radix_bits_equal(reg->bytes, r->bytes, reg->len) ?
	    CIDRTAB_SPLIT : CIDRTAB_OUTSIDE;
}

/* cidrtab_emit - add region -> value to the builder */
static void
cidrtab_emit(struct cidrtab_compiler *c, const struct cidrtab_region *reg,
	     uint32_t value)
{
	struct tmx_addr addr;

	memset(&addr, 0, sizeof(addr));
	addr.family = (uint8_t)reg->family;
	memcpy(addr.bytes, reg->bytes, sizeof(addr.bytes));
	if (tmx_cidrset_builder_add(c->b, &addr, reg->len, value, NULL) < 0)
		c->failed = true;
}

/* cidrtab_skip_to - index in list of rule `want' at or after i, or n */
static size_t
cidrtab_skip_to(const uint32_t *list, size_t i, size_t n, uint32_t want)
{
	if (want == CIDRTAB_NONE)
		return n;
	while (i < n && list[i] != want)
		i++;
	return i;
}

/*
 * cidrtab_reduce - the rules of in[0..n) that still matter inside reg,
 * written to out; *decided_r when the last one matches every address that
 * reaches it. IF blocks that split reg stay, with their ENDIF; a rule that
 * matches inside such a block ends only that block. Returns the count.
 */
static size_t
cidrtab_reduce(struct cidrtab_compiler *c, const struct cidrtab_region *reg,
	       const uint32_t *in, size_t n, uint32_t *out, bool *decided_r)
{
	const struct cidrtab_rule *rules = c->tab->rules;
	size_t i = 0, m = 0, open = 0;

	*decided_r = false;
	while (i < n) {
		uint32_t idx = in[i++];
		const struct cidrtab_rule *r = &rules[idx];
		enum cidrtab_relation rel = CIDRTAB_OUTSIDE;
		bool hit;

		if (r->op == CIDRTAB_ENDIF) {
			/* Only the ENDIF of a block that stays is kept. */
			if (open == 0 || c->open[open - 1] != r->link)
				continue;
			open--;
			if (m > 0 && out[m - 1] == r->link)
				m--;	/* an empty block: drop it */
			else
				out[m++] = idx;
			continue;
		}
		if (r->family == reg->family)
			rel = cidrtab_relate(reg, r);
		else if (r->op == CIDRTAB_MATCH)
			continue;	/* never across families */
		if (rel == CIDRTAB_SPLIT) {
			if (r->op == CIDRTAB_IF)
				c->open[open++] = idx;
			out[m++] = idx;
			continue;
		}
		/* No cross-family IF is ever entered, negated or not. */
		hit = r->family == reg->family &&
		    (rel == CIDRTAB_INSIDE) != (r->negate != 0);
		if (r->op == CIDRTAB_IF) {
			if (!hit)
				i = cidrtab_skip_to(in, i, n, r->link);
			if (!hit && i < n)
				i++;	/* past its ENDIF */
			continue;	/* a true IF is simply entered */
		}
		if (!hit)
			continue;
		out[m++] = idx;
		if (open == 0) {
			*decided_r = true;
			break;
		}
		/* The rest of the innermost open block is unreachable. */
		i = cidrtab_skip_to(in, i, n, rules[c->open[open - 1]].link);
	}
	return m;
}

/* cidrtab_child - the half of reg whose next bit is bit */
static void
cidrtab_child(const struct cidrtab_region *reg, unsigned bit,
	      struct cidrtab_region *child)
{
	*child = *reg;
	if (bit)
		child->bytes[reg->len / 8] |= (uint8_t)(0x80 >> (reg->len % 8));
	child->len = reg->len + 1;
}

/*
 * cidrtab_region - compile the rules list[off..off+n) for reg; inherited
 * is what longest-prefix lookup already answers there (RULES mode).
 * Returns how much of reg matches (COVER mode).
 */
static enum cidrtab_cover
cidrtab_region(struct cidrtab_compiler *c, const struct cidrtab_region *reg,
	       size_t off, size_t n, uint32_t inherited)
{
	struct cidrtab_region half[2];
	enum cidrtab_cover cover[2];
	size_t out, m;
	bool decided;

	if (c->failed ||
	    !cidrtab_grow((void **)&c->arena, &c->cap, c->used, n,
			  sizeof(*c->arena))) {
		c->failed = true;
		return CIDRTAB_COVER_NONE;
	}
	out = c->used;
	m = cidrtab_reduce(c, reg, c->arena + off, n, c->arena + out, &decided);
	c->used += m;
	if (m == 0 || (decided && m == 1)) {
		uint32_t value = m == 0 ? CIDRTAB_NONE : c->arena[out];

		c->used = out;
		if (c->mode == CIDRTAB_EMIT_COVER)
			return value == CIDRTAB_NONE ? CIDRTAB_COVER_NONE :
			    CIDRTAB_COVER_FULL;
		if (value != inherited)
			cidrtab_emit(c, reg, value);
		return CIDRTAB_COVER_NONE;
	}
	/* Most of reg may fall through to its last rule: say so once. */
	if (c->mode == CIDRTAB_EMIT_RULES && decided &&
	    c->arena[out + m - 1] != inherited) {
		inherited = c->arena[out + m - 1];
		cidrtab_emit(c, reg, inherited);
	}
	for (unsigned bit = 0; bit < 2; bit++) {
		cidrtab_child(reg, bit, &half[bit]);
		cover[bit] = cidrtab_region(c, &half[bit], out, m, inherited);
	}
	c->used = out;
	if (cover[0] == CIDRTAB_COVER_FULL && cover[1] == CIDRTAB_COVER_FULL)
		return CIDRTAB_COVER_FULL;
	for (unsigned bit = 0; bit < 2; bit++)
		if (cover[bit] == CIDRTAB_COVER_FULL)
			cidrtab_emit(c, &half[bit], c->cover_value);
	if (cover[0] == CIDRTAB_COVER_NONE && cover[1] == CIDRTAB_COVER_NONE)
		return CIDRTAB_COVER_NONE;
	return CIDRTAB_COVER_SOME;
}

/* cidrtab_compile - emit both families of tab into b; 0 or -1 (memory) */
static int
cidrtab_compile(const struct tmx_cidrtab *tab, enum cidrtab_emit mode,
		struct tmx_cidrset_builder *b, uint32_t cover_value)
{
	struct cidrtab_compiler c;
	struct cidrtab_region root;
	static const unsigned families[] = { 4, 6 };

	if (tab->nrules == 0)
		return 0;	/* no rule, no range */
	memset(&c, 0, sizeof(c));
	c.tab = tab;
	c.mode = mode;
	c.b = b;
	c.cover_value = cover_value;
	c.open = calloc(tab->nrules, sizeof(*c.open));
	if (c.open == NULL || !cidrtab_grow((void **)&c.arena, &c.cap, 0,
					    tab->nrules, sizeof(*c.arena))) {
		free(c.open);
		free(c.arena);
		return -1;
	}
	for (size_t i = 0; i < tab->nrules; i++)
		c.arena[i] = (uint32_t)i;
	for (size_t f = 0; f < TMX_ARRAY_SIZE(families) && !c.failed; f++) {
		memset(&root, 0, sizeof(root));
		root.family = families[f];
		c.used = tab->nrules;
		if (cidrtab_region(&c, &root, 0, tab->nrules, CIDRTAB_NONE) ==
		    CIDRTAB_COVER_FULL)
			cidrtab_emit(&c, &root, cover_value);
	}
	free(c.open);
	free(c.arena);
	return c.failed ? -1 : 0;
}

/* tmx_cidrtab_free - release a table; NULL is fine */
TMX_EXPORT void
tmx_cidrtab_free(struct tmx_cidrtab *tab)
{
	if (tab == NULL)
		return;
	tmx_cidrset_free(tab->set);
	free(tab->rules);
	free(tab->results);
	free(tab);
}

/* tmx_cidrtab_parse - compile table text into *tab_r; 0, or -1 and err */
TMX_EXPORT int
tmx_cidrtab_parse(const char *name, const char *text, size_t len,
		  unsigned flags, tmx_cidrtab_warn_fn *warn,
		  void *warn_ctx, struct tmx_cidrtab **tab_r,
		  char *err, size_t errlen)
{
	struct cidrtab_parser ps;
	struct tmx_cidrtab *tab;
	struct tmx_cidrset_builder *b = NULL;
	int rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.name = name != NULL ? name : "(cidr table)";
	ps.text = text != NULL ? text : "";
	ps.len = text != NULL ? len : 0;
	ps.flags = flags;
	ps.warn = warn;
	ps.warn_ctx = warn_ctx;
	ps.err = err;
	ps.errlen = errlen;
	*tab_r = NULL;
	if ((tab = calloc(1, sizeof(*tab))) == NULL)
		return cidrtab_fail(&ps, 0, "out of memory");
	if (cidrtab_parse_lines(tab, &ps) < 0)
		goto done;
	if ((b = tmx_cidrset_builder_new()) == NULL ||
	    cidrtab_compile(tab, CIDRTAB_EMIT_RULES, b, 0) < 0) {
		tmx_cidrset_builder_free(b);
		cidrtab_fail(&ps, 0, "out of memory");
		goto done;
	}
	if ((tab->set = tmx_cidrset_build(b)) == NULL) {
		cidrtab_fail(&ps, 0, "out of memory");
		goto done;
	}
	*tab_r = tab;
	tab = NULL;
	rc = 0;
done:
	tmx_cidrtab_free(tab);
	free(ps.line);
	free(ps.if_stack);
	return rc;
}

/* tmx_cidrtab_load - tmx_cidrtab_parse on the contents of path */
TMX_EXPORT int
tmx_cidrtab_load(const char *path, unsigned flags,
		 tmx_cidrtab_warn_fn *warn, void *warn_ctx,
		 struct tmx_cidrtab **tab_r, char *err, size_t errlen)
{
	size_t len;
	char *text;
	int rc;

	*tab_r = NULL;
	if ((text = cidrlist_slurp(path, &len)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = tmx_cidrtab_parse(path, text, len, flags, warn, warn_ctx, tab_r,
			       err, errlen);
	free(text);
	return rc;
}

/* tmx_cidrtab_lookup - the result of the first matching rule, or NULL */
TMX_EXPORT const char *
tmx_cidrtab_lookup(const struct tmx_cidrtab *tab, const struct tmx_addr *addr)
{
	uint32_t rule;

	if (tab == NULL || !tmx_cidrset_lookup(tab->set, addr, &rule) ||
	    rule == CIDRTAB_NONE)
		return NULL;
	return tab->results + tab->rules[rule].result;
}

/* tmx_cidrtab_lookup_key - a postmap -q key: not an address, no match */
TMX_EXPORT const char *
tmx_cidrtab_lookup_key(const struct tmx_cidrtab *tab, const char *key)
{
	struct tmx_addr addr;

	if (key == NULL || tmx_addr_parse(key, &addr) < 0)
		return NULL;
	return tmx_cidrtab_lookup(tab, &addr);
}

/* tmx_cidrtab_add_matches - every range the table answers, into b */
TMX_EXPORT int
tmx_cidrtab_add_matches(const struct tmx_cidrtab *tab,
			struct tmx_cidrset_builder *b, uint32_t value)
{
	size_t mark;

	if (tab == NULL || b == NULL)
		return -1;
	mark = cidrset_builder_mark(b);
	if (cidrtab_compile(tab, CIDRTAB_EMIT_COVER, b, value) < 0) {
		cidrset_builder_rewind(b, mark);
		return -1;
	}
	return 0;
}
