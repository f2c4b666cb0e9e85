/*
 * fuzz-received.c - the Received-line parser on arbitrary bytes, in every
 * relay layout and in auto: it stays inside the input, returns only plain
 * host-name characters, and the address it recovers stands in the line
 * outside the HELO's place: a client-claimed address is never the client.
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

/* fuzz_span - a span inside the input */
static void
fuzz_span(const struct received_span *s, size_t size)
{
	if (s->off > size || s->len > size - s->off)
		abort();
}

/*
 * fuzz_addr_text - the address text at the span, as the relay wrote it:
 * brackets, "IPv6:", ":port" and "info@" stripped; parsed again it must
 * be the recovered address
 */
static void
fuzz_addr_text(const char *p, size_t n, const struct tmx_addr *want)
{
	char text[TMX_ADDR_STRLEN + 8];
	struct tmx_addr a;
	const char *close;

	if (n > 0 && p[0] == '[') {
		close = memchr(p, ']', n);
		if (close == NULL)
			abort();
		n = (size_t)(close - p) - 1;
		p++;
		if (n > 5 && strncasecmp(p, "IPv6:", 5) == 0) {
			p += 5;
			n -= 5;
		}
	}
	if (n == 0 || n >= sizeof(text))
		abort();
	memcpy(text, p, n);
	text[n] = '\0';
	if (tmx_addr_parse(text, &a) < 0)
		abort();
	tmx_addr_unmap(&a);
	if (memcmp(&a, want, sizeof(a)) != 0)
		abort();
}

/* fuzz_check - the properties of one successful reading */
static void
fuzz_check(const uint8_t *data, size_t size, const struct received_info *r)
{
	fuzz_plain(r->helo);
	fuzz_plain(r->rdns);
	fuzz_plain(r->by);
	fuzz_span(&r->helo_at, size);
	if (!r->has_addr)
		return;
	fuzz_span(&r->addr_at, size);
	/* the observed address never stands inside the claimed HELO */
	if (r->helo_at.len > 0 && r->addr_at.off < r->helo_at.off +
	    r->helo_at.len && r->helo_at.off < r->addr_at.off + r->addr_at.len)
		abort();
	fuzz_addr_text((const char *)data + r->addr_at.off, r->addr_at.len,
		       &r->addr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct received_info r;

	for (int f = 0; f < RECEIVED_FORMAT_COUNT; f++) {
		const char *err = NULL;

		if (received_parse((const char *)data, size,
				   (enum received_format)f, &r, &err) < 0) {
			if (err == NULL)
				abort();
			continue;
		}
		fuzz_check(data, size, &r);
	}
	return 0;
}
