/*
 * fuzz-prom-text.c - the Prometheus text reader of "trustmx status" on
 * arbitrary bytes: a failure has a reason and a line inside the input;
 * every sample delivered stays within the bounds, with valid names and
 * distinct labels; and the samples, written back canonically, read back
 * the same.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The canonical rewrite of every sample delivered, and what reads back */
static char written[2 * PROM_TEXT_SIZE_MAX];
static size_t written_len;
static size_t nsamples, nreread;
static bool overflow;

/* fuzz_name_ok - a metric (colon) or label name */
static bool
fuzz_name_ok(const char *s, bool colon)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROM_TEXT_NAME_MAX || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' ||
		    (colon && *s == ':')))
			return false;
	return true;
}

/* fuzz_put - append to written, noting overflow */
static void
fuzz_put(const char *s, size_t n)
{
	if (n > sizeof(written) - written_len) {
		overflow = true;
		return;
	}
	memcpy(written + written_len, s, n);
	written_len += n;
}

/* fuzz_value - a value as the format writes it */
static void
fuzz_value(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, "%sInf", v > 0 ? "+" : "-");
	else
		snprintf(buf, len, "%.17g", v);
}

/* fuzz_sample - check one sample and write it back */
static int
fuzz_sample(void *ctx, const struct prom_text_sample *s)
{
	char num[64];

	(void)ctx;
	if (!fuzz_name_ok(s->name, true) || s->nlabels > PROM_TEXT_LABELS_MAX)
		abort();
	for (unsigned i = 0; i < s->nlabels; i++) {
		const char *v = s->label[i].value;

		if (!fuzz_name_ok(s->label[i].name, false) ||
		    strnlen(v, PROM_TEXT_VALUE_MAX + 1) > PROM_TEXT_VALUE_MAX)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (strcmp(s->label[i].name, s->label[j].name) == 0)
				abort();
		if (prom_text_label_get(s, s->label[i].name) != v)
			abort();
	}
	nsamples++;
	fuzz_put(s->name, strlen(s->name));
	fuzz_put("{", 1);
	for (unsigned i = 0; i < s->nlabels; i++) {
		fuzz_put(s->label[i].name, strlen(s->label[i].name));
		fuzz_put("=\"", 2);
		for (const char *p = s->label[i].value; *p; p++)
			if (*p == '\n')
				fuzz_put("\\n", 2);
			else if (*p == '\\' || *p == '"') {
				fuzz_put("\\", 1);
				fuzz_put(p, 1);
			} else
				fuzz_put(p, 1);
		fuzz_put("\",", 2);
	}
	fuzz_value(s->value, num, sizeof(num));
	fuzz_put("} ", 2);
	fuzz_put(num, strlen(num));
	if (s->has_timestamp) {
		snprintf(num, sizeof(num), " %lld", (long long)s->timestamp_ms);
		fuzz_put(num, strlen(num));
	}
	fuzz_put("\n", 1);
	return 0;
}

/* fuzz_reread - count the samples of the canonical text */
static int
fuzz_reread(void *ctx, const struct prom_text_sample *s)
{
	(void)ctx;
	(void)s;
	nreread++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *err;
	unsigned line, lines = 1;

	written_len = 0;
	nsamples = nreread = 0;
	overflow = false;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (prom_text_parse((const char *)data, size, fuzz_sample, NULL, &err,
	    &line) != 0) {
		if (err == NULL || line == 0 || line > lines)
			abort();
		return 0;
	}
	if (err != NULL || line != 0)
		abort();
	/* a canonical line may exceed the line bound: only whole rereads */
	if (overflow || written_len > PROM_TEXT_SIZE_MAX)
		return 0;
	if (prom_text_parse(written, written_len, fuzz_reread, NULL, &err,
	    &line) == 0 && nreread != nsamples)
		abort();
	return 0;
}
