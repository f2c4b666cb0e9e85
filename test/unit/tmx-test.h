/*
 * tmx-test.h - the smallest harness that serves table-driven tests: checks
 * count failures and name file:line, main returns non-zero if any failed.
 */
#ifndef TMX_TEST_H
#define TMX_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tmx_test_failures;
static int tmx_test_checks;

/* tmx_test_rand - xorshift64 over *state (not 0): the same numbers from
 * the same seed on every machine, for randomized comparisons */
static inline uint64_t
tmx_test_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#define TMX_CHECK(cond) do { \
	tmx_test_checks++; \
	if (!(cond)) { \
		tmx_test_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", \
			__FILE__, __LINE__, #cond); \
	} \
} while (0)

/* TMX_CHECKF - a check with a printf-style note (the table row's name) */
#define TMX_CHECKF(cond, ...) do { \
	tmx_test_checks++; \
	if (!(cond)) { \
		tmx_test_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s: ", \
			__FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

/* TMX_CHECK_STR - string equality; each argument is evaluated once */
#define TMX_CHECK_STR(a, b) do { \
	const char *tmx_a_ = (a), *tmx_b_ = (b); \
	TMX_CHECKF(tmx_a_ != NULL && strcmp(tmx_a_, tmx_b_) == 0, \
		"\"%s\" != \"%s\"", tmx_a_ ? tmx_a_ : "(null)", tmx_b_); \
} while (0)

/* TMX_TEST_END - summary line and exit status for main() */
#define TMX_TEST_END() ( \
	fprintf(stderr, "%d checks, %d failed\n", tmx_test_checks, \
		tmx_test_failures), tmx_test_failures ? 1 : 0)

#endif
