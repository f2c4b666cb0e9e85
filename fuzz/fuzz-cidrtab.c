/*
 * fuzz-cidrtab.c - fuzz target for the cidr_table loader and compiler:
 * any bytes load leniently (or fail cleanly), and the compiled answers must
 * agree with themselves: strict vs lenient loads, lookup vs lookup_key, and
 * lookup vs the coverage set from tmx_cidrtab_add_matches().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrtab.h>

#define FUZZ_MAX_KEYS	64

/* fuzz_warn - count warnings; nothing else to do with them */
static void
fuzz_warn(void *ctx, const char *message)
{
	(void)message;
	(*(unsigned *)ctx)++;
}

/* fuzz_check - an invariant; abort so the fuzzer reports it */
static void
fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-cidrtab: %s\n", what);
		abort();
	}
}

/* fuzz_same - two answers are the same answer */
static int
fuzz_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* fuzz_probe - one address through every path that must agree */
static void
fuzz_probe(const struct tmx_cidrtab *tab, const struct tmx_cidrtab *strict,
	   const struct tmx_cidrset *cover, const struct tmx_addr *a)
{
	char text[TMX_ADDR_STRLEN];
	const char *got = tmx_cidrtab_lookup(tab, a);

	fuzz_check(tmx_cidrset_lookup(cover, a, NULL) == (got != NULL),
		   "add_matches disagrees with lookup");
	if (strict != NULL)
		fuzz_check(fuzz_same(got, tmx_cidrtab_lookup(strict, a)),
			   "strict and lenient loads disagree");
	if (tmx_addr_format(a, text, sizeof(text)) != NULL)
		fuzz_check(fuzz_same(got, tmx_cidrtab_lookup_key(tab, text)),
			   "lookup_key disagrees with lookup");
}

/* fuzz_keys - addresses from the input: text lines and raw bytes */
static size_t
fuzz_keys(const uint8_t *data, size_t size, struct tmx_addr *keys)
{
	size_t n = 0, pos = 0;

	while (pos < size && n < FUZZ_MAX_KEYS / 2) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		char line[64];
		const char *word;

		/* the pattern of a rule line, up to '/' or blank */
		snprintf(line, sizeof(line), "%.*s", (int)(len < 63 ? len : 63),
			 (const char *)data + pos);
		line[strcspn(line, "/ \t]")] = 0;
		word = line + strspn(line, "![ \t");
		if (tmx_addr_parse(word, &keys[n]) == 0)
			n++;
		pos += len + 1;
	}
	for (pos = 0; pos + 17 <= size && n < FUZZ_MAX_KEYS; pos += 17) {
		memset(&keys[n], 0, sizeof(keys[n]));
		keys[n].family = data[pos] & 1 ? 6 : 4;
		memcpy(keys[n].bytes, data + pos + 1,
		       keys[n].family == 6 ? 16 : 4);
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmx_cidrtab *tab = NULL, *strict = NULL;
	struct tmx_cidrset_builder *b;
	struct tmx_cidrset *cover;
	struct tmx_addr keys[FUZZ_MAX_KEYS];
	unsigned warnings = 0;
	char err[256];
	size_t n;

	if (tmx_cidrtab_parse("fuzz", (const char *)data, size, 0, fuzz_warn,
			      &warnings, &tab, err, sizeof(err)) < 0)
		return 0;	/* out of memory only */
	if (tmx_cidrtab_parse("fuzz", (const char *)data, size,
			      TMX_CIDRTAB_STRICT, NULL, NULL, &strict, err,
			      sizeof(err)) == 0)
		fuzz_check(warnings == 0, "strict load took a warned table");
	else
		fuzz_check(warnings > 0 || strstr(err, "memory"),
			   "strict load refused a clean table");
	if ((b = tmx_cidrset_builder_new()) == NULL)
		goto out;
	if (tmx_cidrtab_add_matches(tab, b, 1) < 0) {
		tmx_cidrset_builder_free(b);
		goto out;
	}
	if ((cover = tmx_cidrset_build(b)) == NULL)	/* b is consumed */
		goto out;
	n = fuzz_keys(data, size, keys);
	for (size_t i = 0; i < n; i++)
		fuzz_probe(tab, strict, cover, &keys[i]);
	tmx_cidrset_free(cover);
out:
	tmx_cidrtab_free(tab);
	tmx_cidrtab_free(strict);
	return 0;
}
