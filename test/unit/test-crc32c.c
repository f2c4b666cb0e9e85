/*
 * test-crc32c.c - CRC32C: known vectors (RFC 3720 B.4, the "123456789"
 * check value), chaining, and the SSE4.2 and table versions agreeing on
 * many random lengths and alignments.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustmx/proxy.h"
#include "crc32c.h"
#include "tmx-private.h"
#include "tmx-test.h"

/* The implementations under test, so each vector runs through all. */
static const struct {
	const char *name;
	uint32_t (*fn)(uint32_t, const void *, size_t);
} impls[] = {
	{ "public", tmx_crc32c },
	{ "table", tmx_crc32c_sw },
	{ "sse4.2", tmx_crc32c_hw },
};

/* test_vectors - published check values */
static void
test_vectors(void)
{
	static uint8_t zeros[32], ones[32], incr[32], decr[32];
	static const struct {
		const char *name;
		const uint8_t *data;
		size_t len;
		uint32_t crc;
	} rows[] = {
		{ "empty", (const uint8_t *)"", 0, 0x00000000 },
		{ "check 123456789", (const uint8_t *)"123456789", 9,
		    0xe3069283 },
		{ "a", (const uint8_t *)"a", 1, 0xc1d04330 },
		/* RFC 3720 appendix B.4 */
		{ "32 zeros", zeros, 32, 0x8a9136aa },
		{ "32 0xff", ones, 32, 0x62a8ab43 },
		{ "0..31", incr, 32, 0x46dd794e },
		{ "31..0", decr, 32, 0x113fdb5c },
	};
	bool hw = tmx_crc32c_hw_available();

	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++) {
		incr[i] = (uint8_t)i;
		decr[i] = (uint8_t)(31 - i);
	}
	for (size_t r = 0; r < TMX_ARRAY_SIZE(rows); r++)
		for (size_t i = 0; i < TMX_ARRAY_SIZE(impls); i++) {
			uint32_t got;

			if (impls[i].fn == tmx_crc32c_hw && !hw)
				continue;
			got = impls[i].fn(0, rows[r].data, rows[r].len);
			TMX_CHECKF(got == rows[r].crc, "%s %s: %08x != %08x",
			    impls[i].name, rows[r].name, got, rows[r].crc);
		}
}

/* test_chaining - the crc argument continues an earlier computation */
static void
test_chaining(void)
{
	static const char text[] = "The quick brown fox jumps over the lazy dog";
	size_t len = strlen(text);
	uint32_t whole = tmx_crc32c(0, text, len);

	TMX_CHECKF(whole == 0x22620404, "fox: %08x", whole);
	for (size_t cut = 0; cut <= len; cut++) {
		uint32_t crc = tmx_crc32c(0, text, cut);

		crc = tmx_crc32c(crc, text + cut, len - cut);
		TMX_CHECKF(crc == whole, "split at %zu", cut);
		crc = tmx_crc32c_sw(tmx_crc32c_sw(0, text, cut), text + cut,
		    len - cut);
		TMX_CHECKF(crc == whole, "table split at %zu", cut);
	}
}

/* test_hw_matches_sw - same answers on random data, lengths, alignments */
static void
test_hw_matches_sw(void)
{
	static uint8_t data[4096 + 16];
	unsigned seed = 12345;
	int mismatches = 0, runs = 0;

	if (!tmx_crc32c_hw_available()) {
		fprintf(stderr, "no SSE4.2 here: table version only\n");
		return;
	}
	for (size_t i = 0; i < sizeof(data); i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = (uint8_t)(seed >> 16);
	}
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= 300; len++) {
			uint32_t init = (uint32_t)(off * 0x9e3779b9u + len);

			runs++;
			if (tmx_crc32c_hw(0, data + off, len) !=
			    tmx_crc32c_sw(0, data + off, len) ||
			    tmx_crc32c_hw(init, data + off, len) !=
			    tmx_crc32c_sw(init, data + off, len))
				mismatches++;
		}
	for (int i = 0; i < 2000; i++) {
		size_t off, len;

		seed = seed * 1103515245u + 12345u;
		off = (seed >> 8) % 16;
		len = (seed >> 12) % 4096;
		runs++;
		if (tmx_crc32c_hw(0, data + off, len) !=
		    tmx_crc32c_sw(0, data + off, len))
			mismatches++;
	}
	TMX_CHECKF(mismatches == 0, "%d of %d runs differ", mismatches, runs);
}

int
main(void)
{
	test_vectors();
	test_chaining();
	test_hw_matches_sw();
	return TMX_TEST_END();
}
