/*
 * fuzz-authres.c - what flows into the Authentication-Results writer:
 * arbitrary bytes as authserv-id, property values and comments. The value
 * must stay ASCII, fold only as "\n\t", keep quotes and comments balanced
 * and carry exactly one ';' per method outside quotes and comments.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_check - scan the value as a receiver would; abort on a violation */
static void
fuzz_check(const char *v, unsigned methods)
{
	unsigned semis = 0;
	int depth = 0;
	int quoted = 0;

	for (const char *p = v; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '\n') {
			if (p[1] != '\t' || quoted || depth)
				abort();
			continue;
		}
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			abort();
		if (ch == '\\' && (quoted || depth)) {
			if (*++p == '\0')
				abort();
			continue;
		}
		if (quoted) {
			quoted = ch != '"';
		} else if (ch == '"' && depth == 0) {
			quoted = 1;
		} else if (ch == '(') {
			depth++;
		} else if (ch == ')') {
			if (--depth < 0)
				abort();
		} else if (ch == ';' && depth == 0) {
			semis++;
		}
	}
	if (quoted || depth || semis != (methods ? methods : 1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *field[4] = { "", "", "", "" };
	char buf[2048];
	struct authres ar;
	const char *out;
	size_t n = 0;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	/* fields separated by NUL bytes: id, domain, selector, comment */
	for (char *p = copy; n < 4 && p <= copy + size; p += strlen(p) + 1)
		field[n++] = p;
	authres_init(&ar, buf, sizeof(buf), field[0]);
	authres_method(&ar, "spf", "pass");
	authres_comment(&ar, field[3]);
	authres_prop(&ar, "smtp.mailfrom", field[1]);
	authres_method(&ar, "dkim", "fail");
	authres_prop(&ar, "header.d", field[1]);
	authres_prop(&ar, "header.s", field[2]);
	if ((out = authres_finish(&ar)) != NULL)
		fuzz_check(out, 2);
	free(copy);
	return 0;
}
