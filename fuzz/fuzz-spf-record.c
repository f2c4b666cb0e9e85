/*
 * fuzz-spf-record.c - the SPF grammar (spf_term.c) and the libspf2 screen
 * above it (spf_record.c) on arbitrary bytes: every term the grammar
 * returns lies inside the input and within its bounds; the screen accepts
 * exactly what the grammar accepts, up to its libspf2 budget; a record it
 * accepts comes out as one it accepts again (zero-prefix markers are
 * deliberately not valid top labels, so those are left out); the macro
 * fix-up never lengthens the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf_record.h"
#include "spf_term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct spf_term fuzz_terms[SPF_TERM_MAX(SPF_LIMIT_RECORD)];

/* fuzz_inside - [p, p + n) lies within [base, base + len) */
static int
fuzz_inside(const char *p, size_t n, const char *base, size_t len)
{
	return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

/* fuzz_check_term - what the grammar promises of one term */
static void
fuzz_check_term(const struct spf_term *t, const char *in, size_t len)
{
	if (!fuzz_inside(t->text, t->len, in, len) || t->len == 0 ||
	    memchr(t->text, ' ', t->len) != NULL ||
	    !fuzz_inside(t->name, t->name_len, t->text, t->len) ||
	    t->name_len == 0 || t->kind > SPF_TERM_UNKNOWN ||
	    t->cidr4 > 32 || t->cidr6 > 128)
		abort();
	if (t->spec != NULL && !fuzz_inside(t->spec, t->spec_len, t->text,
	    t->len))
		abort();
	if (t->macro != (t->spec != NULL &&
	    memchr(t->spec, '%', t->spec_len) != NULL))
		abort();
	if (t->kind >= SPF_TERM_REDIRECT ? t->qualifier != 0 :
	    strchr("+-~?", t->qualifier) == NULL || t->qualifier == 0)
		abort();
	if ((t->kind == SPF_TERM_IP4 && t->addr.family != 4) ||
	    (t->kind == SPF_TERM_IP6 && t->addr.family != 6))
		abort();
}

/* fuzz_grammar - the raw bytes, NULs and all; 0 when they parse */
static int
fuzz_grammar(const char *in, size_t len)
{
	struct spf_term_list list = { fuzz_terms, SPF_TERM_MAX(len), 0,
	    NULL, 0 };
	const char *why = NULL;
	size_t i;

	if (spf_term_parse(in, len, &list, &why) < 0) {
		if (why == NULL || (list.bad != NULL &&
		    !fuzz_inside(list.bad, list.bad_len, in, len)))
			abort();
		return -1;
	}
	if (list.count > list.max)
		abort();
	for (i = 0; i < list.count; i++)
		fuzz_check_term(&list.terms[i], in, len);
	return 0;
}

/* LLVMFuzzerTestOneInput - one input as a record and as exp= text */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct spf_macro_values mv = {
		.l = "a-b.c", .s = "a-b.c@example.net", .o = "example.net",
		.d = "example.net", .i = "192.0.2.1", .h = "mx.example.net",
		.v = "in-addr",
	};
	static char in[SPF_LIMIT_RECORD + 1], out[SPF_RECORD_OUT];
	static char again[SPF_RECORD_OUT], text[1024];
	struct spf_term_list list = { fuzz_terms, 0, 0, NULL, 0 };
	const char *why = NULL;
	size_t len;
	int parsed;

	if (size > SPF_LIMIT_RECORD)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	(void)fuzz_grammar(in, size);
	len = strlen(in);
	parsed = fuzz_grammar(in, len);

	if (spf_record_check_explain(in, text, sizeof(text), &why) == 0 &&
	    spf_term_explain(in, len, &why) < 0)
		abort();
	list.max = SPF_TERM_MAX(len);
	if (spf_record_check(in, &list, out, sizeof(out), &why) < 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (parsed < 0)
		abort();	/* the screen let by what the grammar refused */
	len = strlen(out);
	list.max = SPF_TERM_MAX(len);
	if (len <= SPF_LIMIT_RECORD && strstr(out, "._tmx-any") == NULL &&
	    spf_record_check(out, &list, again, sizeof(again), &why) < 0)
		abort();
	spf_record_fix_rhs(out, &mv);
	if (strlen(out) > len)
		abort();
	return 0;
}
