/*
 * fuzz-received.c - the Received-line parser on arbitrary bytes: it must
 * stay inside the input and only ever return plain host-name characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "received.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_plain - a NUL-terminated name of host-name characters only */
static void
fuzz_plain(const char *s)
{
	size_t n = strnlen(s, RECEIVED_NAME_MAX);

	if (n == RECEIVED_NAME_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-_:[]", s[i]) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct received_info r;
	const char *err = NULL;

	if (received_parse((const char *)data, size, &r, &err) < 0) {
		if (err == NULL)
			abort();
		return 0;
	}
	fuzz_plain(r.helo);
	fuzz_plain(r.rdns);
	fuzz_plain(r.by);
	return 0;
}
