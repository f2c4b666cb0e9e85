/*
 * prom_text.h - a strict reader of the Prometheus text exposition format
 * 0.0.4, for "trustmx status". It never allocates and never trusts its
 * input: lines, names, label values and label counts are bounded, escapes
 * are checked, and every sample lands in storage the caller owns.
 */
#ifndef TRUSTMX_TOOLS_PROM_TEXT_H
#define TRUSTMX_TOOLS_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_TEXT_LINE_MAX	4096	/* bytes of one line, newline excluded */
#define PROM_TEXT_NAME_MAX	128	/* metric and label names */
#define PROM_TEXT_VALUE_MAX	512	/* a label value after unescaping */
#define PROM_TEXT_LABELS_MAX	8	/* labels of one sample */
#define PROM_TEXT_SIZE_MAX	(4u * 1024 * 1024)	/* a whole scrape */

/* One label of a sample, unescaped and NUL-terminated */
struct prom_text_label {
	char name[PROM_TEXT_NAME_MAX + 1];
	char value[PROM_TEXT_VALUE_MAX + 1];
};

/* One sample line: name{labels} value [timestamp] */
struct prom_text_sample {
	char name[PROM_TEXT_NAME_MAX + 1];
	struct prom_text_label label[PROM_TEXT_LABELS_MAX];
	unsigned nlabels;
	double value;		/* NaN and +-Inf as written */
	bool has_timestamp;
	int64_t timestamp_ms;
	unsigned line;		/* 1-based, for messages */
};

/* The kinds a "# TYPE" line may declare */
enum prom_text_type {
	PROM_TEXT_UNTYPED,
	PROM_TEXT_COUNTER,
	PROM_TEXT_GAUGE,
	PROM_TEXT_HISTOGRAM,
	PROM_TEXT_SUMMARY,
};

/*
 * prom_text_sample_fn - called once per sample, in order; the sample is
 * only valid during the call. A non-zero return stops the parse and is
 * returned by prom_text_parse.
 */
typedef int prom_text_sample_fn(void *ctx, const struct prom_text_sample *s);

/*
 * prom_text_parse - read a whole scrape. 0 when every line was valid and
 * every sample was delivered; -1 with a static reason in *error_r and the
 * line in *line_r at the first invalid line (samples before it have been
 * delivered); or the callback's non-zero return.
 */
int prom_text_parse(const char *buf, size_t len, prom_text_sample_fn *fn,
		    void *ctx, const char **error_r, unsigned *line_r);

/* prom_text_label_get - the value of a sample's label, NULL if absent */
const char *prom_text_label_get(const struct prom_text_sample *s,
				const char *name);

#endif
