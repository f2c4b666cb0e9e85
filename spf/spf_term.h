/*
 * spf_term.h - the one RFC 7208 grammar in trustmx (section 12 ABNF with
 * the rules of sections 4.5, 4.6, 5, 6 and 7): a record's terms parsed
 * into storage the caller owns, for the libspf2 screen (spf_record.c), the
 * expansion of spf: sources (spf_expand.c) and trustmx doctor.
 */
#ifndef TMX_SPF_TERM_H
#define TMX_SPF_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>

#include "spf_limits.h"

enum spf_term_kind {
	/* mechanisms (section 5) */
	SPF_TERM_ALL,
	SPF_TERM_INCLUDE,
	SPF_TERM_A,
	SPF_TERM_MX,
	SPF_TERM_PTR,
	SPF_TERM_IP4,
	SPF_TERM_IP6,
	SPF_TERM_EXISTS,
	/* modifiers (section 6) */
	SPF_TERM_REDIRECT,
	SPF_TERM_EXP,
	SPF_TERM_UNKNOWN,	/* unknown-modifier: valid syntax, no effect */
};

/* One directive or modifier; its pointers point into the parsed record. */
struct spf_term {
	const char *text;	/* the term as written, qualifier included */
	size_t len;
	enum spf_term_kind kind;
	char qualifier;		/* '+' (also when not written), '-', '~',
				   '?'; 0 for a modifier */
	const char *name;	/* as written; name > text: a qualifier was */
	size_t name_len;
	const char *spec;	/* domain-spec, or an unknown modifier's
				   macro-string; NULL when none was written */
	size_t spec_len;
	bool macro;		/* spec holds a macro-expand ('%'): it means
				   something only for one message (7) */
	unsigned cidr4;		/* ip4-cidr-length; 32 if not written */
	unsigned cidr6;		/* ip6-cidr-length; 128 if not written */
	struct tmx_addr addr;	/* ip4, ip6: the network as written */
};

/* A parsed record: the caller sets terms and max, the parser the rest. */
struct spf_term_list {
	struct spf_term *terms;
	size_t max;		/* SPF_TERM_MAX(len) is always enough */
	size_t count;		/* terms, in record order */
	const char *bad;	/* on error: the term at fault, or NULL */
	size_t bad_len;
};

/* SPF_TERM_MAX - the most terms a record of len bytes can hold */
#define SPF_TERM_MAX(len)	((len) / 2 + 1)

/* spf_term_version - txt selects as an SPF record: "v=spf1", then SP or end */
bool spf_term_version(const char *txt, size_t len);

/*
 * spf_term_parse - check record (len bytes, "v=spf1 ...", at most
 * SPF_LIMIT_RECORD) against the grammar and fill list. 0, or -1 with a
 * static reason in *error_r and list->bad naming the term at fault.
 */
int spf_term_parse(const char *record, size_t len, struct spf_term_list *list,
		   const char **error_r);

/* spf_term_find - the first term of kind in list, or NULL */
const struct spf_term *spf_term_find(const struct spf_term_list *list,
				     enum spf_term_kind kind);

/* spf_term_queries - kind counts against SPF_LIMIT_DNS_TERMS (4.6.4) */
bool spf_term_queries(enum spf_term_kind kind);

/*
 * spf_term_explain - check the TXT text an exp= names: explain-string
 * (section 6.2), where macro letters c, r and t are allowed. 0 or -1.
 */
int spf_term_explain(const char *text, size_t len, const char **error_r);

#endif
