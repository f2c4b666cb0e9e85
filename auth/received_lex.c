/*
 * received_lex.c - cutting a Received value into words and comments. A
 * relay's line has one from clause and one by clause; text that a client
 * managed to smuggle into a field shows up as a second clause, a stray
 * parenthesis or a word where only comments may stand, and is refused.
 */
#include <string.h>
#include <strings.h>

#include "received_lex.h"

/* lex_space - folding white space */
static bool
lex_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* lex_add - append a token; false when the line has too many */
static bool
lex_add(struct received_line *l, enum received_tok_kind kind, unsigned depth,
	const char *s, size_t len)
{
	struct received_tok *t;

	if (l->ntok == RECEIVED_TOKENS_MAX)
		return false;
	t = &l->tok[l->ntok++];
	t->kind = kind;
	t->depth = depth;
	t->s = s;
	t->len = len;
	t->match = 0;
	return true;
}

/*
 * lex_word_end - where the word at p ends. "<path>" is one word whatever
 * it holds (a recipient may contain parentheses); elsewhere white space
 * and parentheses end a word, and ";" does outside comments. Inside a
 * comment a backslash quotes the next character. NULL: no closing '>'.
 */
static const char *
lex_word_end(const char *p, const char *end, unsigned depth)
{
	if (*p == '<') {
		const char *gt = memchr(p, '>', (size_t)(end - p));

		return gt ? gt + 1 : NULL;
	}
	while (p < end && !lex_space(*p) && *p != '(' && *p != ')' &&
	    !(*p == ';' && depth == 0)) {
		if (*p == '\\' && depth > 0 && p + 1 < end)
			p++;
		p++;
	}
	return p;
}

/* lex_tokens - the tokens up to the date; -1 with a reason */
static int
lex_tokens(const char *p, const char *end, struct received_line *l,
	   const char **error_r)
{
	size_t open[RECEIVED_DEPTH_MAX];
	unsigned depth = 0;

	for (;;) {
		while (p < end && lex_space(*p))
			p++;
		if (p == end || (*p == ';' && depth == 0))
			break;
		if (*p == '(') {
			if (depth == RECEIVED_DEPTH_MAX)
				return *error_r = "comments nested too deep", -1;
			open[depth] = l->ntok;
			if (!lex_add(l, RECEIVED_TOK_OPEN, depth++, p++, 1))
				break;
		} else if (*p == ')') {
			if (depth == 0)
				return *error_r = "unbalanced \")\"", -1;
			l->tok[open[--depth]].match = l->ntok;
			if (!lex_add(l, RECEIVED_TOK_CLOSE, depth, p++, 1))
				break;
		} else {
			const char *w = lex_word_end(p, end, depth);

			if (w == NULL)
				return *error_r = "unterminated <path>", -1;
			if (!lex_add(l, RECEIVED_TOK_WORD, depth, p,
				     (size_t)(w - p)))
				break;
			p = w;
		}
	}
	if (l->ntok == RECEIVED_TOKENS_MAX)
		return *error_r = "too many words before the date", -1;
	if (depth > 0)
		return *error_r = "unterminated comment", -1;
	return 0;
}

/* received_lex_is - see received_lex.h */
bool
received_lex_is(const struct received_line *l, size_t i, const char *word)
{
	size_t n = strlen(word);

	return i < l->ntok && l->tok[i].kind == RECEIVED_TOK_WORD &&
	    l->tok[i].len == n && strncasecmp(l->tok[i].s, word, n) == 0;
}

/* lex_top_word - token i is a word outside comments */
static bool
lex_top_word(const struct received_line *l, size_t i)
{
	return i < l->ntok && l->tok[i].kind == RECEIVED_TOK_WORD &&
	    l->tok[i].depth == 0;
}

/* lex_clauses - locate from, its comments, by and for; -1 with a reason */
static int
lex_clauses(struct received_line *l, const char **error_r)
{
	size_t i = 2;

	if (!received_lex_is(l, 0, "from") || l->tok[0].depth != 0)
		return *error_r = "no from part", -1;
	if (!lex_top_word(l, 1))
		return *error_r = "no name after \"from\"", -1;
	l->from_word = 1;
	while (i < l->ntok && l->tok[i].kind == RECEIVED_TOK_OPEN) {
		if (l->ncomments == RECEIVED_COMMENTS_MAX)
			return *error_r = "too many comments in the from part", -1;
		l->comment[l->ncomments++] = i;
		i = l->tok[i].match + 1;
	}
	if (i == l->ntok)
		return *error_r = "no by part", -1;
	if (!received_lex_is(l, i, "by"))
		return *error_r = "a word where the from part should end", -1;
	if (!lex_top_word(l, i + 1))
		return *error_r = "no host after \"by\"", -1;
	l->by_host = i + 1;
	l->by_end = l->ntok;
	for (i += 2; i < l->ntok; i++) {
		if (!lex_top_word(l, i))
			continue;
		if (received_lex_is(l, i, "by") || received_lex_is(l, i, "from"))
			return *error_r = "a second from or by clause", -1;
		if (received_lex_is(l, i, "for") && l->by_end == l->ntok)
			l->by_end = i;
	}
	return 0;
}

/* received_lex - see received_lex.h */
int
received_lex(const char *value, size_t len, struct received_line *l,
	     const char **error_r)
{
	memset(l, 0, sizeof(*l));
	l->value = value;
	if (lex_tokens(value, value + len, l, error_r) < 0)
		return -1;
	return lex_clauses(l, error_r);
}

/* received_lex_items - see received_lex.h */
size_t
received_lex_items(const struct received_line *l, size_t open, size_t *items,
		   size_t max)
{
	size_t n = 0, i = open + 1;

	while (i < l->tok[open].match) {
		if (n == max)
			return max + 1;
		items[n++] = i;
		i = l->tok[i].kind == RECEIVED_TOK_OPEN ? l->tok[i].match + 1 :
		    i + 1;
	}
	return n;
}
