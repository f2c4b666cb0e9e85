/*
 * fuzz-policyd-proto.c - fuzz target for trustmx-policyd's request parsers.
 * The first byte picks socketmap (even) or policy (odd); the rest is a
 * client's byte stream. Besides not crashing, a request must parse the
 * same whether it arrives whole or a byte at a time.
 */
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrset.h>

#include "policy.h"
#include "policyd.h"
#include "socketmap.h"

#define FUZZ_PREFIX_CHECK	4096	/* byte-at-a-time check up to here */

/* fuzz_lists - a small fixed set of lists, built once */
static const struct lists *
fuzz_lists(void)
{
	static char *names[] = { "relay", "proxy", "deny" };
	static struct lists lists;
	static const char *text[] = { "192.0.2.0/24\n2001:db8::/32\n",
				      "198.51.100.1\n", "192.0.2.128/25\n" };
	static const enum list_id ids[] = { LIST_RELAY, LIST_PROXY, LIST_DENY };
	char err[128];
	size_t i;

	if (lists.source_names != NULL)
		return &lists;
	for (i = 0; i < 3; i++) {
		struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();

		if (b == NULL || tmx_cidrset_builder_parse_list(b, "fuzz",
		    text[i], strlen(text[i]), (uint32_t)i, err, sizeof(err)) < 0)
			abort();
		lists.set[ids[i]] = tmx_cidrset_build(b);
	}
	lists.source_names = names;
	lists.nsources = 3;
	return &lists;
}

/* fuzz_socketmap - every netstring of the stream, answered */
static void
fuzz_socketmap(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		struct socketmap_result res;
		const uint8_t *payload;
		size_t plen, n, k;
		const char *why;

		if (socketmap_parse(data + off, size - off, &payload, &plen, &n,
				    &why) != SOCKETMAP_DONE)
			return;
		for (k = 0; k < n && n < FUZZ_PREFIX_CHECK; k++)
			if (socketmap_parse(data + off, k, &payload, &plen,
			    &(size_t){0}, &why) != SOCKETMAP_MORE)
				abort();	/* a prefix of a good request */
		socketmap_parse(data + off, size - off, &payload, &plen, &n, &why);
		socketmap_answer(fuzz_lists(), payload, plen, &res);
		if (res.frame == NULL || res.frame_len < strlen(res.reply) + 3)
			abort();	/* every answer has a frame */
		off += n;
	}
}

/* fuzz_policy - the policy stream whole, then a byte at a time */
static void
fuzz_policy(const uint8_t *data, size_t size)
{
	struct policy_req whole, bytewise;
	enum policy_status a, b = POLICY_MORE;
	size_t n, m = 0, fed = 0, k;
	const char *why;

	policy_reset(&whole);
	a = policy_feed(&whole, data, size, &n, &why);
	if (size > FUZZ_PREFIX_CHECK)
		return;
	policy_reset(&bytewise);
	/* the loop's way: keep unconsumed bytes, add one, feed again */
	for (k = 1; k <= size && b == POLICY_MORE; k++) {
		b = policy_feed(&bytewise, data + fed, k - fed, &m, &why);
		fed += m;
	}
	if (a == POLICY_INVALID)
		return;		/* may also be found only later bytewise */
	if (a != b || (a == POLICY_DONE && fed != n) ||
	    whole.have_client != bytewise.have_client ||
	    (whole.have_client && strcmp(whole.client_address,
					 bytewise.client_address) != 0))
		abort();
}

/* LLVMFuzzerTestOneInput - the entry point for libFuzzer and replay.c */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_socketmap(data + 1, size - 1);
	else
		fuzz_policy(data + 1, size - 1);
	return 0;
}
