/*
 * proxy-check.h - invariants the PROXY fuzz targets hold tmx_proxy_parse
 * to, on every input: the three answers are consistent with each other and
 * with every prefix, and everything parsed points inside the header.
 * A violation aborts, which is what a fuzzer reports.
 */
#ifndef FUZZ_PROXY_CHECK_H
#define FUZZ_PROXY_CHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trustmx/proxy.h"

/* Full prefix sweeps up to this size; sampled above it. */
#define PROXY_CHECK_SWEEP	512

/* proxy_check_that - abort when an invariant does not hold */
#define proxy_check_that(cond) do { \
	if (!(cond)) \
		abort(); \
} while (0)

/* proxy_check_inside - a parsed byte string lies within [base, base+n) */
static void
proxy_check_inside(struct tmx_proxy_bytes b, const uint8_t *base, size_t n)
{
	if (b.ptr == NULL) {
		proxy_check_that(b.len == 0);
		return;
	}
	proxy_check_that(b.ptr >= base && b.ptr <= base + n);
	proxy_check_that(b.len <= (size_t)(base + n - b.ptr));
}

/*
 * proxy_check_area - walk a TLV area with tmx_proxy_tlv_next: every TLV
 * stays inside it and the walk ends exactly at its end. Returns the count.
 */
static size_t
proxy_check_area(struct tmx_proxy_bytes area, int depth)
{
	struct tmx_proxy_tlv tlv;
	size_t pos = 0, count = 0;

	while (tmx_proxy_tlv_next(area, &pos, &tlv)) {
		proxy_check_that(tlv.value >= area.ptr + 3);
		proxy_check_that(tlv.value + tlv.len <= area.ptr + area.len);
		proxy_check_that(pos <= area.len);
		if (depth == 0 && tlv.type == TMX_PP2_TYPE_SSL) {
			struct tmx_proxy_bytes sub = {
				tlv.value + 5, (size_t)tlv.len - 5
			};

			proxy_check_that(tlv.len >= 5);
			proxy_check_area(sub, 1);
		}
		count++;
	}
	proxy_check_that(pos == area.len);
	return count;
}

/* proxy_check_hdr - what an accepted header holds is sane and in bounds */
static void
proxy_check_hdr(const struct tmx_proxy_hdr *h, const uint8_t *data, size_t n)
{
	const struct tmx_proxy_ssl *s = &h->ssl;
	bool verified = s->present && s->verify == 0 &&
	    (s->client & (TMX_PP2_CLIENT_CERT_CONN | TMX_PP2_CLIENT_CERT_SESS));

	proxy_check_that(h->version == 1 || h->version == 2);
	proxy_check_that(h->command == TMX_PROXY_CMD_LOCAL ||
	    h->command == TMX_PROXY_CMD_PROXY);
	proxy_check_that(h->family <= TMX_PROXY_FAM_UNKNOWN);
	proxy_check_that(strcmp(tmx_proxy_family_name(h->family),
	    "INVALID") != 0);
	if (h->version == 1) {
		proxy_check_that(n <= TMX_PROXY_V1_MAX);
		proxy_check_that(data[n - 2] == '\r' && data[n - 1] == '\n');
		proxy_check_that(h->command == TMX_PROXY_CMD_PROXY);
		proxy_check_that(h->family == TMX_PROXY_FAM_TCP4 ||
		    h->family == TMX_PROXY_FAM_TCP6 ||
		    h->family == TMX_PROXY_FAM_UNKNOWN);
		proxy_check_that(h->tlvs.ptr == NULL && !s->present &&
		    !h->crc32c);
	} else {
		proxy_check_that(n >= TMX_PROXY_V2_HDRLEN &&
		    n <= TMX_PROXY_V2_MAX);
		proxy_check_that(h->family != TMX_PROXY_FAM_UNKNOWN);
	}
	proxy_check_inside(h->tlvs, data, n);
	proxy_check_inside(h->alpn, data, n);
	proxy_check_inside(h->authority, data, n);
	proxy_check_inside(h->unique_id, data, n);
	proxy_check_inside(h->netns, data, n);
	proxy_check_that(h->authority.len <= TMX_PP2_AUTHORITY_MAX);
	proxy_check_that(h->unique_id.len <= TMX_PP2_UNIQUE_ID_MAX);
	proxy_check_inside(s->version, data, n);
	proxy_check_inside(s->cn, data, n);
	proxy_check_inside(s->cipher, data, n);
	proxy_check_inside(s->sig_alg, data, n);
	proxy_check_inside(s->key_alg, data, n);
	proxy_check_inside(s->group, data, n);
	proxy_check_inside(s->sig_scheme, data, n);
	proxy_check_inside(s->client_cert, data, n);
	proxy_check_that(tmx_proxy_ssl_verified(s) == verified);
	if (h->tlvs.ptr != NULL)
		proxy_check_that(proxy_check_area(h->tlvs, 0) > 0);
}

/* proxy_check_same - two parses of the same header agree */
static void
proxy_check_same(const struct tmx_proxy_hdr *a, const struct tmx_proxy_hdr *b)
{
	proxy_check_that(a->version == b->version &&
	    a->command == b->command && a->family == b->family &&
	    a->crc32c == b->crc32c);
	proxy_check_that(memcmp(&a->src, &b->src, sizeof(a->src)) == 0 &&
	    memcmp(&a->dst, &b->dst, sizeof(a->dst)) == 0);
	proxy_check_that(a->tlvs.ptr == b->tlvs.ptr &&
	    a->tlvs.len == b->tlvs.len && a->alpn.ptr == b->alpn.ptr &&
	    a->authority.ptr == b->authority.ptr &&
	    a->unique_id.ptr == b->unique_id.ptr &&
	    a->netns.ptr == b->netns.ptr);
	proxy_check_that(a->ssl.present == b->ssl.present &&
	    a->ssl.client == b->ssl.client && a->ssl.verify == b->ssl.verify &&
	    a->ssl.cn.ptr == b->ssl.cn.ptr &&
	    a->ssl.version.ptr == b->ssl.version.ptr);
}

/*
 * proxy_check_prefix - the answer for the first cut bytes of an input
 * whose full answer is (status, n): a prefix of an accepted header is
 * INCOMPLETE; once invalid, every longer prefix stays invalid.
 */
static void
proxy_check_prefix(const uint8_t *data, size_t cut, unsigned flags,
		   enum tmx_proxy_status status, size_t n, bool *invalid)
{
	enum tmx_proxy_status st;
	const char *error = NULL;
	size_t need = 0;

	st = tmx_proxy_parse(data, cut, flags, NULL, &need, &error);
	if (*invalid)
		proxy_check_that(st == TMX_PROXY_INVALID);
	if (st == TMX_PROXY_INVALID) {
		proxy_check_that(status == TMX_PROXY_INVALID);
		proxy_check_that(error != NULL && *error != '\0');
		*invalid = true;
		return;
	}
	proxy_check_that(error == NULL);
	if (status == TMX_PROXY_OK && cut >= n) {
		proxy_check_that(st == TMX_PROXY_OK && need == n);
		return;
	}
	proxy_check_that(st == TMX_PROXY_INCOMPLETE && need >= 1);
	if (status == TMX_PROXY_OK) {
		proxy_check_that(need <= n - cut);
		if (cut > 0 && data[0] == '\r')	/* v2: exact */
			proxy_check_that(cut < 16 ? need == 16 - cut :
			    need == n - cut);
	}
}

/* proxy_check - parse data with flags and hold the answer to everything */
static void
proxy_check(const uint8_t *data, size_t size, unsigned flags)
{
	struct tmx_proxy_hdr hdr, again;
	enum tmx_proxy_status st;
	const char *error = NULL;
	size_t n = 0, step;
	bool invalid = false;

	st = tmx_proxy_parse(data, size, flags, &hdr, &n, &error);
	switch (st) {
	case TMX_PROXY_OK:
		proxy_check_that(error == NULL && n >= 1 && n <= size);
		proxy_check_hdr(&hdr, data, n);
		proxy_check_that(tmx_proxy_parse(data, n, flags, &again, &step,
		    &error) == TMX_PROXY_OK && step == n);
		proxy_check_same(&hdr, &again);
		break;
	case TMX_PROXY_INCOMPLETE:
		proxy_check_that(error == NULL && n >= 1);
		if (size >= 16 && data[0] == '\r')
			proxy_check_that(n == 16 + (size_t)(data[14] << 8 |
			    data[15]) - size);
		break;
	case TMX_PROXY_INVALID:
		proxy_check_that(error != NULL && *error != '\0' && n == 0);
		break;
	default:
		abort();
	}
	/* Every prefix (sampled on big inputs) agrees with the answer. */
	step = size <= PROXY_CHECK_SWEEP ? 1 : size / 64;
	for (size_t cut = 0; cut < size; cut += step)
		proxy_check_prefix(data, cut, flags, st, n, &invalid);
}

#endif
