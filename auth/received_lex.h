/*
 * received_lex.h - a Received value cut into words and comments, and its
 * clauses located: "from WORD (COMMENT)... by HOST ...". The family
 * grammars in received.c read this structure; nothing here decides who
 * wrote what. No allocation: tokens point into the caller's value.
 */
#ifndef TMX_RECEIVED_LEX_H
#define TMX_RECEIVED_LEX_H

#include <stdbool.h>
#include <stddef.h>

#define RECEIVED_TOKENS_MAX	128	/* words and parentheses up to the date */
#define RECEIVED_COMMENTS_MAX	8	/* comments between "from WORD" and "by" */
#define RECEIVED_DEPTH_MAX	8	/* comment nesting */

enum received_tok_kind {
	RECEIVED_TOK_WORD,
	RECEIVED_TOK_OPEN,
	RECEIVED_TOK_CLOSE,
};

struct received_tok {
	enum received_tok_kind kind;
	unsigned depth;		/* 0 outside comments; "(" and ")" stand outside theirs */
	const char *s;
	size_t len;
	size_t match;		/* OPEN: the index of its CLOSE */
};

struct received_line {
	const char *value;	/* what the offsets of spans count from */
	struct received_tok tok[RECEIVED_TOKENS_MAX];
	size_t ntok;
	size_t from_word;	/* the word after "from" */
	size_t comment[RECEIVED_COMMENTS_MAX];	/* OPEN of each from-part comment */
	size_t ncomments;
	size_t by_host;		/* the word after "by" */
	size_t by_end;		/* first token of "for ...", or ntok */
};

/*
 * received_lex - cut value into tokens up to the ";" before the date and
 * find the clauses. -1 with a static reason when the line has no from
 * part, unbalanced comments, words between the from part's comments and
 * "by", or a second "from" or "by" clause (text injected into a field).
 */
int received_lex(const char *value, size_t len, struct received_line *l,
		 const char **error_r);

/* received_lex_is - is token i a word equal to word (ASCII case-insensitive) */
bool received_lex_is(const struct received_line *l, size_t i,
		     const char *word);

/*
 * received_lex_items - the items directly inside the comment that opens
 * at token open: each a WORD index or the OPEN index of a nested comment.
 * Returns their number, or max + 1 when there are more than max.
 */
size_t received_lex_items(const struct received_line *l, size_t open,
			  size_t *items, size_t max);

#endif
