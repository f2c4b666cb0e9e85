/*
 * fuzz-fromhdr.c - the From header scanner on arbitrary bytes: it must stay
 * inside the input, and any domain it reports must be a lower-case plain
 * host name, never more distinct domains than addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fromhdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fromhdr r;
	const char *err = NULL;
	size_t n;

	if (fromhdr_parse((const char *)data, size, &r, &err) < 0) {
		if (err == NULL)
			abort();
		return 0;
	}
	if (r.ndomains > r.naddrs)
		abort();
	n = strnlen(r.domain, FROMHDR_DOMAIN_MAX);
	if (n == FROMHDR_DOMAIN_MAX || (r.ndomains > 0) != (n > 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789.-_",
		    r.domain[i]) == NULL)
			abort();
	return 0;
}
