/*
 * fuzz-dmarc-record.c - DMARC Policy Records (RFC 9989 4.8) on arbitrary
 * bytes, NULs and all: the parser says "DMARC record" exactly when the
 * text starts with v=DMARC1, every value it keeps lies inside the input
 * and within its enum, and a record it accepts never turns usable without
 * a valid p= or a valid rua=. The same bytes then serve as the record at
 * every _dmarc name of a whole evaluation (the DNS hook), and as a domain
 * for the Tree Walk's label arithmetic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_text;
static size_t fuzz_len;

/* fuzz_inside - [p, p + n) lies within the input */
static bool
fuzz_inside(const char *p, size_t n)
{
	return p >= fuzz_text && n <= fuzz_len &&
	    (size_t)(p - fuzz_text) <= fuzz_len - n;
}

/* fuzz_hook - every _dmarc name holds the input; nothing else exists */
static void
fuzz_hook(void *arg, const char *name, enum dns_type type,
	  struct dmarc_dns_reply *r)
{
	(void)arg;
	if (type != DNS_TYPE_TXT || strncmp(name, "_dmarc.", 7) != 0) {
		r->status = DNS_NXDOMAIN;
		return;
	}
	r->status = DNS_OK;
	r->count = 1;
	r->txt[0] = fuzz_text;
	r->len[0] = fuzz_len;
}

/* fuzz_record - the parser's promises */
static void
fuzz_record(void)
{
	struct dmarc_record rec;
	struct dmarc_policies pol;
	const char *why = NULL;
	char fo[16];

	if (dmarc_record_parse(fuzz_text, fuzz_len, &rec, &why) < 0) {
		if (why == NULL || dmarc_record_is_dmarc(fuzz_text, fuzz_len))
			abort();
		return;
	}
	if (!dmarc_record_is_dmarc(fuzz_text, fuzz_len) ||
	    rec.p > DMARC_REQUEST_REJECT || rec.sp > DMARC_REQUEST_REJECT ||
	    rec.np > DMARC_REQUEST_REJECT || rec.psd > DMARC_PSD_N ||
	    rec.adkim > DMARC_MODE_STRICT || rec.aspf > DMARC_MODE_STRICT)
		abort();
	if ((rec.rua != NULL && !fuzz_inside(rec.rua, rec.rua_len)) ||
	    (rec.ruf != NULL && !fuzz_inside(rec.ruf, rec.ruf_len)))
		abort();
	if ((rec.invalid & ~rec.seen) != 0 || (rec.duplicate & ~rec.seen) != 0)
		abort();
	switch (dmarc_record_usable(&rec, &pol)) {
	case DMARC_USABLE_OK:
		if (rec.p == DMARC_REQUEST_UNSET || pol.p != rec.p)
			abort();
		break;
	case DMARC_USABLE_RECOVERED:
		if (rec.rua_valid == 0 || pol.p != DMARC_REQUEST_NONE)
			abort();
		break;
	default:
		if (rec.rua_valid != 0)
			abort();
		return;
	}
	if (pol.sp == DMARC_REQUEST_UNSET || pol.np == DMARC_REQUEST_UNSET)
		abort();
	dmarc_record_fo(rec.fo, fo, sizeof(fo));
	if (strlen(fo) > 7)
		abort();
}

/* fuzz_domain - the input as a domain: a walk's names shrink to one label */
static void
fuzz_domain(void)
{
	char in[300], dom[DMARC_DOMAIN_MAX + 1];
	size_t offs[DMARC_WALK_QUERIES_MAX], n, labels = 0;
	const char *why;

	if (fuzz_len >= sizeof(in))
		return;
	memcpy(in, fuzz_text, fuzz_len);
	in[fuzz_len] = '\0';
	if (dmarc_walk_normalize(in, dom, &why) < 0)
		return;
	n = dmarc_walk_targets(dom, offs);
	if (n == 0 || n > DMARC_WALK_QUERIES_MAX || offs[0] != 0 ||
	    dmarc_walk_labels(dom + offs[n - 1]) != 1)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t l = dmarc_walk_labels(dom + offs[i]);

		if ((i > 0 && l >= labels) || (i > 0 && l > 7) ||
		    !dmarc_walk_under(dom, dom + offs[i]))
			abort();
		labels = l;
	}
}

/* fuzz_eval - a whole evaluation where every _dmarc name holds the input */
static void
fuzz_eval(void)
{
	static const struct dmarc_dkim_input dkim[] = {
		{ "mail.a.example.com", "s", DMARC_AUTH_PASS },
		{ "example.com", "s", DMARC_AUTH_TEMPERROR },
	};
	struct dmarc_input in = {
		.author = "x.a.example.com", .spf = DMARC_AUTH_PASS,
		.spf_domain = "b.example.com", .dkim = dkim, .ndkim = 2,
		.want_org = true,
	};
	static struct dmarc_verdict v;

	dmarc_eval_message(&in, &v);
	if (v.reason == NULL || v.result > DMARC_RESULT_PERMERROR ||
	    v.queries > 3 * DMARC_WALK_QUERIES_MAX + 1)
		abort();
	if (v.result != DMARC_RESULT_FAIL &&
	    v.disposition != DMARC_REQUEST_NONE)
		abort();
}

/* LLVMFuzzerTestOneInput - one input as a record, a domain, a zone */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_text = size > 0 ? (const char *)data : "";
	fuzz_len = size;
	fuzz_record();
	fuzz_domain();
	dmarc_dns_set_hook(fuzz_hook, NULL);
	fuzz_eval();
	return 0;
}
