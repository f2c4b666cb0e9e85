/*
 * test-policy-scan.c - policy_feed, which finds lines, '=' and NUL bytes
 * 16 bytes at a time, against a reference that reads a byte at a time:
 * random streams of short and long lines, '\r', NUL bytes, lines without
 * '=', oversized names and values, cut at every length, fed whole and
 * one byte more at a time as the daemon's loop does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tmx-test.h"

#define T_STREAM_MAX	(3 * POLICY_LINE_MAX)

/* The reference's answer: what policy_feed must say of the same bytes. */
struct t_answer {
	enum policy_status status;
	size_t consumed;
	const char *error;
	struct policy_req req;
};

/* t_ref_attr - one "name=value" line by the protocol's rules */
static int
t_ref_attr(struct policy_req *req, const uint8_t *line, size_t len,
	   const char **error_r)
{
	size_t eq = 0, i;

	while (eq < len && line[eq] != '=')
		eq++;
	if (eq == len) {
		*error_r = "attribute without '='";
		return -1;
	}
	if (eq == 0 || eq > POLICY_NAME_MAX) {
		*error_r = "bad attribute name";
		return -1;
	}
	if (len - eq - 1 > POLICY_VALUE_MAX) {
		*error_r = "attribute value longer than 8192 bytes";
		return -1;
	}
	for (i = 0; i < len; i++)
		if (line[i] == '\0') {
			*error_r = "NUL byte in attribute";
			return -1;
		}
	if (++req->nattrs > POLICY_ATTRS_MAX) {
		*error_r = "too many attributes";
		return -1;
	}
	if (eq == 14 && memcmp(line, "client_address", 14) == 0) {
		req->have_client = len - eq - 1 < sizeof(req->client_address);
		if (req->have_client) {
			memcpy(req->client_address, line + eq + 1, len - eq - 1);
			req->client_address[len - eq - 1] = '\0';
		}
	}
	return 0;
}

/* t_ref_feed - policy_feed's contract, a byte at a time */
static void
t_ref_feed(struct policy_req *req, const uint8_t *buf, size_t len,
	   struct t_answer *a)
{
	size_t off = 0, nl, linelen;

	a->consumed = 0;
	a->error = NULL;
	a->status = POLICY_MORE;
	while (off < len) {
		for (nl = off; nl < len && buf[nl] != '\n'; nl++)
			;
		if (nl == len) {
			if (len - off > POLICY_LINE_MAX) {
				a->error = "attribute line too long";
				a->status = POLICY_INVALID;
			}
			return;
		}
		linelen = nl - off;
		if (linelen > 0 && buf[nl - 1] == '\r')
			linelen--;
		if (linelen >= POLICY_LINE_MAX) {
			a->error = "attribute line too long";
			a->status = POLICY_INVALID;
			return;
		}
		a->consumed = nl + 1;
		if (linelen == 0) {
			a->status = POLICY_DONE;
			return;
		}
		if (t_ref_attr(req, buf + off, linelen, &a->error) < 0) {
			a->status = POLICY_INVALID;
			return;
		}
		off = nl + 1;
	}
}

static uint64_t t_rng = 0x2545f4914f6cdd1dULL;

/* t_rand - the next of this test's fixed sequence */
static uint64_t
t_rand(void)
{
	return tmx_test_rand(&t_rng);
}

/* t_text - n bytes of plain name or value text */
static size_t
t_text(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)('a' + t_rand() % 26);
	return n;
}

/* t_line - one line at p (at most room bytes), mostly well formed */
static size_t
t_line(uint8_t *p, size_t room)
{
	static const size_t names[] = { 1, 7, 14, 15, 16, 31, 255, 256 };
	static const size_t values[] = { 0, 1, 9, 15, 16, 17, 40, 8192, 8193 };
	size_t n = 0, nl = names[t_rand() % 8], vl = values[t_rand() % 9];

	if ((nl > 14 ? nl : 14) + vl + 3 > room)
		return 0;
	if (t_rand() % 4 == 0) {
		memcpy(p, "client_address", 14);
		n = 14;
	} else {
		n = t_text(p, nl);
	}
	if (t_rand() % 16 != 0)		/* now and then no '=' */
		p[n++] = '=';
	n += t_text(p + n, vl);
	if (n > 0 && t_rand() % 8 == 0)	/* a NUL, an '=' or a '\r' inside */
		p[t_rand() % n] = "\0=\r"[t_rand() % 3];
	if (t_rand() % 4 == 0)
		p[n++] = '\r';
	p[n++] = '\n';
	return n;
}

/* t_stream - a few requests' worth of lines and empty lines */
static size_t
t_stream(uint8_t *buf, size_t size)
{
	size_t len = 0, lines = 1 + t_rand() % 40, n;

	for (size_t i = 0; i < lines; i++) {
		if (t_rand() % 12 == 0 && len + 2 < size) {
			if (t_rand() % 2)
				buf[len++] = '\r';
			buf[len++] = '\n';
			continue;
		}
		if ((n = t_line(buf + len, size - len)) == 0)
			break;
		len += n;
	}
	return len;
}

/* t_same - policy_feed and the reference agree on buf[0..len) */
static int
t_same(const uint8_t *buf, size_t len)
{
	struct policy_req got, want;
	struct t_answer ref;
	const char *why = NULL;
	size_t used = 0;
	enum policy_status st;

	policy_reset(&got);
	policy_reset(&want);
	st = policy_feed(&got, buf, len, &used, &why);
	t_ref_feed(&want, buf, len, &ref);
	if (st != ref.status)
		return 0;
	if (st == POLICY_INVALID)
		return strcmp(why, ref.error) == 0;
	return used == ref.consumed && got.nattrs == want.nattrs &&
	    got.have_client == want.have_client &&
	    (!got.have_client ||
	     strcmp(got.client_address, want.client_address) == 0);
}

int
main(void)
{
	uint8_t *buf = malloc(T_STREAM_MAX);
	size_t streams = 0, cuts = 0, bad = 0, invalid = 0, done = 0;

	for (int i = 0; i < 4000; i++) {
		size_t len = t_stream(buf, T_STREAM_MAX);
		struct policy_req r;
		const char *why;
		size_t used;

		streams++;
		/* every cut of short streams, about 200 of long ones */
		for (size_t cut = 0; cut <= len;
		     cut += len < 300 ? 1 : 1 + t_rand() % (len / 100)) {
			cuts++;
			if (!t_same(buf, cut) && bad++ < 5)
				fprintf(stderr, "stream %d cut %zu differs\n", i,
					cut);
		}
		policy_reset(&r);
		switch (policy_feed(&r, buf, len, &used, &why)) {
		case POLICY_INVALID: invalid++; break;
		case POLICY_DONE: done++; break;
		default: break;
		}
	}
	TMX_CHECKF(bad == 0, "%zu of %zu cuts differ from the reference", bad,
		   cuts);
	/* the streams must reach all three answers often enough to count */
	TMX_CHECKF(invalid > streams / 10 && done > streams / 10,
		   "weak streams: %zu invalid, %zu done of %zu", invalid, done,
		   streams);
	printf("%zu streams, %zu cuts compared\n", streams, cuts);
	free(buf);
	return TMX_TEST_END();
}
