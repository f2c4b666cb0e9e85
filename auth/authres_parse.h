/*
 * authres_parse.h - reading an RFC 8601 Authentication-Results value, or
 * the payload of an ARC-Authentication-Results after its "i=N;", into
 * caller storage: the authserv-id and, per method, the result, reason and
 * properties. No allocation, one linear pass, comments skipped without
 * recursion; input off the grammar is refused with a static reason.
 */
#ifndef TMX_AUTHRES_PARSE_H
#define TMX_AUTHRES_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define AUTHRES_PARSE_MAX_RESULTS 32
#define AUTHRES_PARSE_MAX_PROPS 16	/* per result */
#define AUTHRES_PARSE_TEXT_MAX 8192	/* bytes of unquoted text kept */

/*
 * One "ptype.property=value". Microsoft's "action=none" and other dotless
 * "keyword=value" pairs after the result are kept with ptype "".
 */
struct authres_prop {
	const char *ptype;		/* lower case: "smtp", "header", "" */
	const char *property;		/* lower case: "mailfrom", "d" */
	const char *value;		/* unquoted, unescaped, unfolded */
};

struct authres_result {
	const char *method;		/* lower case: "spf", "dkim", "x-foo" */
	const char *version;		/* the "1" of "dkim/1=pass", or NULL */
	const char *result;		/* lower case: "pass", "fail" */
	const char *reason;		/* the reason= value, or NULL */
	unsigned nprops;
	struct authres_prop props[AUTHRES_PARSE_MAX_PROPS];
};

/*
 * A parsed value. Every string points into text[], so the struct must not
 * be copied; it is about 21 KiB, better kept on the heap.
 */
struct authres_parsed {
	const char *authserv_id;	/* unquoted, case kept; "" when the
					 * value starts with a method (M365) */
	const char *version;		/* authres-version digits, or NULL */
	bool none;			/* "authserv-id; none" */
	unsigned nresults;
	struct authres_result result[AUTHRES_PARSE_MAX_RESULTS];
	size_t error_at;		/* after -1: offset where parsing stopped */
	/* private */
	size_t text_len;
	char text[AUTHRES_PARSE_TEXT_MAX];
};

/*
 * authres_parse - parse value[0..len) (no NUL needed; folded with CRLF or
 * bare LF, a final line break allowed) into out. 0, or -1 with a static
 * reason in *error_r, out->error_at set and no results in out.
 */
int authres_parse(const char *value, size_t len, struct authres_parsed *out,
		  const char **error_r);

/*
 * authres_parse_find - the next result for method (case-insensitive) after
 * the result "after" of p (NULL: from the first); NULL when there is none
 */
const struct authres_result *
authres_parse_find(const struct authres_parsed *p, const char *method,
		   const struct authres_result *after);

/* authres_parse_prop - the value of the first ptype.property of r
 * (case-insensitive; ptype "" for dotless ones), or NULL */
const char *authres_parse_prop(const struct authres_result *r,
			       const char *ptype, const char *property);

#endif
