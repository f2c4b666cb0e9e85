/*
 * fuzz-spf-record.c - the SPF record screen on arbitrary bytes: a record it
 * accepts must come out as one it accepts again (the rewrite is stable;
 * zero-prefix markers are deliberately not valid top labels, so those are
 * left out), and the macro fix-up must never lengthen the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one input as a record and as exp= text */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct spf_macro_values mv = {
		.l = "a-b.c", .s = "a-b.c@example.net", .o = "example.net",
		.d = "example.net", .i = "192.0.2.1", .h = "mx.example.net",
		.v = "in-addr",
	};
	char in[SPF_RECORD_MAX], out[SPF_RECORD_MAX * 2];
	char again[SPF_RECORD_MAX * 2];
	const char *why = NULL;
	size_t len;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	(void)spf_record_check_explain(in, &why);
	if (spf_record_check(in, out, sizeof(out), &why) < 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (strlen(out) < SPF_RECORD_MAX && strstr(out, "._tmx-any") == NULL &&
	    spf_record_check(out, again, sizeof(again), &why) < 0)
		abort();
	len = strlen(out);
	spf_record_fix_rhs(out, &mv);
	if (strlen(out) > len)
		abort();
	return 0;
}
