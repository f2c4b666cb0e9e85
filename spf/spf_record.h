/*
 * spf_record.h - an SPF record, and exp= text, as libspf2 1.2.10 is given
 * them: checked by the one grammar (spf_term.h), so syntax errors are
 * permerror, then rewritten where libspf2 would misread them or overrun
 * its fixed buffers (CVE-2023-42118).
 */
#ifndef TMX_SPF_RECORD_H
#define TMX_SPF_RECORD_H

#include <stddef.h>

#include "spf_term.h"

/*
 * libspf2 cannot express a zero CIDR length (it reads /0 as "none"), so
 * a/0, mx/0 and friends are rewritten to name a lookup with this label
 * appended; the DNS layer strips it and answers with the client address.
 */
#define SPF_RECORD_ANY4		"_tmx-any4"	/* IPv4 prefix /0 */
#define SPF_RECORD_ANY6		"_tmx-any6"	/* IPv6 prefix /0 */
#define SPF_RECORD_ANY46	"_tmx-any46"	/* both */

#define SPF_RECORD_OUT		(2 * SPF_LIMIT_RECORD)	/* rewrite room */

/*
 * spf_record_check - parse record into list (caller's storage for
 * SPF_TERM_MAX(strlen(record)) terms) and write the text libspf2 is to
 * compile into out: 0, else -1 and a static reason.
 */
int spf_record_check(const char *record, struct spf_term_list *list,
		     char *out, size_t outlen, const char **error_r);

/*
 * spf_record_check_explain - an exp= TXT string (explain-string) and the
 * text libspf2 is to expand into out: 0, or -1 when there is to be no
 * explanation (RFC 7208 6.2).
 */
int spf_record_check_explain(const char *text, char *out, size_t outlen,
			     const char **error_r);

/* What the macro letters expand to in one evaluation (NULL: unknown). */
struct spf_macro_values {
	const char *l, *s, *o, *d, *i, *h, *v;
};

/*
 * spf_record_fix_rhs - libspf2 1.2.10 drops the first character when a
 * macro's digit transformer asks for at least as many parts as the value
 * has (%{d2} of "example.com" gives "xample.com"). Asking for all parts is
 * the same as not asking, so such digits are removed from text, in place.
 */
void spf_record_fix_rhs(char *text, const struct spf_macro_values *mv);

#endif
