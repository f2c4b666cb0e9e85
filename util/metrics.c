/*
 * metrics.c - the metrics registry's updates (relaxed atomics: a scrape
 * sees each series, not one instant of all) and its renderer to the
 * Prometheus text exposition format 0.0.4.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static metrics_clock_fn *metrics_clock;

/* metrics_set_clock - see metrics.h */
void
metrics_set_clock(metrics_clock_fn *clock)
{
	metrics_clock = clock;
}

/* metrics_now - see metrics.h */
time_t
metrics_now(void)
{
	return metrics_clock != NULL ? metrics_clock() : time(NULL);
}

/* metrics_counter_add - see metrics.h */
void
metrics_counter_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* metrics_gauge_set - see metrics.h */
void
metrics_gauge_set(int64_t *gauge, int64_t v)
{
	__atomic_store_n(gauge, v, __ATOMIC_RELAXED);
}

/* metrics_gauge_add - see metrics.h */
void
metrics_gauge_add(int64_t *gauge, int64_t delta)
{
	__atomic_fetch_add(gauge, delta, __ATOMIC_RELAXED);
}

/* metrics_hist_observe - see metrics.h */
void
metrics_hist_observe(struct metrics_hist *h, const uint64_t *bounds_us,
		     unsigned nbounds, uint64_t us)
{
	metrics_hist_observe_n(h, bounds_us, nbounds, us, 1);
}

/* metrics_hist_observe_n - see metrics.h */
void
metrics_hist_observe_n(struct metrics_hist *h, const uint64_t *bounds_us,
		       unsigned nbounds, uint64_t us, uint64_t n)
{
	unsigned i;

	for (i = 0; i < nbounds && i + 1 < METRICS_HIST_MAX; i++)
		if (us <= bounds_us[i])
			break;
	__atomic_fetch_add(&h->bucket[i], n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->sum_us, us * n, __ATOMIC_RELAXED);
}

/* metrics_minute - the clock's minute number */
static uint64_t
metrics_minute(void)
{
	time_t now = metrics_now();

	return now > 0 ? (uint64_t)now / 60 : 0;
}

/* metrics_window_add - see metrics.h */
void
metrics_window_add(struct metrics_window *w, uint64_t n)
{
	uint64_t minute = metrics_minute() & 0xffffffffu;
	uint64_t *slot = &w->slot[minute % METRICS_WINDOW_SLOTS];
	uint64_t old = __atomic_load_n(slot, __ATOMIC_RELAXED), next;

	/* a slot last used an hour (or more) ago starts again from n */
	do {
		if (old >> 32 == minute)
			next = old + n;
		else
			next = minute << 32 | (n & 0xffffffffu);
	} while (!__atomic_compare_exchange_n(slot, &old, next, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

/* metrics_window_sum - see metrics.h */
uint64_t
metrics_window_sum(const struct metrics_window *w)
{
	uint64_t minute = metrics_minute() & 0xffffffffu, sum = 0;
	unsigned i;

	for (i = 0; i < METRICS_WINDOW_SLOTS; i++) {
		uint64_t v = __atomic_load_n(&w->slot[i], __ATOMIC_RELAXED);
		uint64_t age = (minute - (v >> 32)) & 0xffffffffu;

		if (v != 0 && age < METRICS_WINDOW_SLOTS)
			sum += v & 0xffffffffu;
	}
	return sum;
}

/* metrics_snapshot_free_rows - free rows and their strings */
static void
metrics_snapshot_free_rows(struct metrics_snapshot_row *rows, size_t n)
{
	size_t i;
	unsigned d;

	for (i = 0; i < n; i++)
		for (d = 0; d < METRICS_DIMS; d++)
			free((char *)rows[i].label[d]);
	free(rows);
}

/* metrics_snapshot_replace - see metrics.h */
void
metrics_snapshot_replace(struct metrics_snapshot *snap,
			 const struct metrics_snapshot_row *rows, size_t nrows)
{
	struct metrics_snapshot_row *copy = NULL, *old;
	size_t i, nold;
	unsigned d;

	if (nrows > 0 && (copy = calloc(nrows, sizeof(*copy))) == NULL)
		nrows = 0;	/* no memory: an empty family, never a crash */
	for (i = 0; i < nrows; i++) {
		copy[i].value = rows[i].value;
		for (d = 0; d < METRICS_DIMS; d++)
			if (rows[i].label[d] != NULL)
				copy[i].label[d] = strdup(rows[i].label[d]);
	}
	pthread_mutex_lock(&snap->lock);
	old = snap->rows;
	nold = snap->nrows;
	snap->rows = copy;
	snap->nrows = nrows;
	pthread_mutex_unlock(&snap->lock);
	metrics_snapshot_free_rows(old, nold);
}

/* metrics_snapshot_clear - see metrics.h */
void
metrics_snapshot_clear(struct metrics_snapshot *snap)
{
	metrics_snapshot_replace(snap, NULL, 0);
}

/* metrics_family_nseries - see metrics.h */
size_t
metrics_family_nseries(const struct metrics_family *f)
{
	size_t n = 1;
	unsigned d;

	if (f->pairs != NULL)
		return f->npairs;
	for (d = 0; d < METRICS_DIMS; d++)
		if (f->dim[d].name != NULL)
			n *= f->dim[d].count;
	return n;
}

/* metrics_buf_grow - room for len more bytes and a NUL; false if none */
static bool
metrics_buf_grow(struct metrics_buf *b, size_t len)
{
	char *p;
	size_t size;

	if (b->failed)
		return false;
	if (b->len + len + 1 <= b->size)
		return true;
	size = b->size ? b->size : 4096;
	while (size < b->len + len + 1)
		size *= 2;
	if ((p = realloc(b->data, size)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->size = size;
	return true;
}

/* metrics_buf_add - append len bytes */
static void
metrics_buf_add(struct metrics_buf *b, const char *s, size_t len)
{
	if (!metrics_buf_grow(b, len))
		return;
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* metrics_buf_printf - see metrics.h */
void
metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !metrics_buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* metrics_buf_free - see metrics.h */
void
metrics_buf_free(struct metrics_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* metrics_escape - append s escaped: \ and newline, and " in label values */
static void
metrics_escape(struct metrics_buf *b, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			metrics_buf_add(b, "\\\\", 2);
		else if (*s == '\n')
			metrics_buf_add(b, "\\n", 2);
		else if (*s == '"' && quote)
			metrics_buf_add(b, "\\\"", 2);
		else
			metrics_buf_add(b, s, 1);
	}
}

/* metrics_label - append one name="value" (after a comma unless first) */
static void
metrics_label(struct metrics_buf *b, bool *first, const char *name,
	      const char *value)
{
	metrics_buf_printf(b, "%s%s=\"", *first ? "{" : ",", name);
	metrics_escape(b, value, true);
	metrics_buf_add(b, "\"", 1);
	*first = false;
}

/*
 * metrics_series_name - "name_suffix{labels" for one series: the fixed
 * labels, then the dims (values from idx, or from a snapshot row), then
 * le when given; the brace is closed here too
 */
static void
metrics_series_name(struct metrics_buf *b, const struct metrics_family *f,
		    const char *suffix, const unsigned *idx,
		    const struct metrics_snapshot_row *row, const char *le)
{
	bool first = true;
	unsigned d;

	metrics_buf_printf(b, "%s%s", f->name, suffix);
	for (d = 0; d < METRICS_CONST_LABELS; d++)
		if (f->label[d].name != NULL)
			metrics_label(b, &first, f->label[d].name,
				      f->label[d].value ? f->label[d].value : "");
	for (d = 0; d < METRICS_DIMS; d++) {
		if (f->dim[d].name == NULL)
			continue;
		if (row != NULL)
			metrics_label(b, &first, f->dim[d].name,
				      row->label[d] ? row->label[d] : "");
		else
			metrics_label(b, &first, f->dim[d].name,
				      f->dim[d].values[idx[d]]);
	}
	if (le != NULL)
		metrics_label(b, &first, "le", le);
	if (!first)
		metrics_buf_add(b, "}", 1);
	metrics_buf_add(b, " ", 1);
}

/* metrics_seconds - µs as decimal seconds without trailing zeros */
static void
metrics_seconds(uint64_t us, char *buf, size_t size)
{
	size_t n;

	n = (size_t)snprintf(buf, size, "%llu.%06llu",
			     (unsigned long long)(us / 1000000),
			     (unsigned long long)(us % 1000000));
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/* metrics_render_hist - the _bucket, _sum and _count lines of one series */
static void
metrics_render_hist(struct metrics_buf *b, const struct metrics_family *f,
		    const unsigned *idx, const struct metrics_snapshot_row *row,
		    const struct metrics_hist *h)
{
	uint64_t cumulative = 0;
	char le[32];
	unsigned i, nb = f->nbounds < METRICS_HIST_MAX ? f->nbounds :
	    METRICS_HIST_MAX - 1;

	for (i = 0; i <= nb; i++) {
		cumulative += __atomic_load_n(&h->bucket[i], __ATOMIC_RELAXED);
		if (i < nb)
			metrics_seconds(f->bounds_us[i], le, sizeof(le));
		else
			snprintf(le, sizeof(le), "+Inf");
		metrics_series_name(b, f, "_bucket", idx, row, le);
		metrics_buf_printf(b, "%llu\n", (unsigned long long)cumulative);
	}
	metrics_series_name(b, f, "_sum", idx, row, NULL);
	metrics_seconds(__atomic_load_n(&h->sum_us, __ATOMIC_RELAXED), le,
			sizeof(le));
	metrics_buf_printf(b, "%s\n", le);
	metrics_series_name(b, f, "_count", idx, row, NULL);
	metrics_buf_printf(b, "%llu\n", (unsigned long long)cumulative);
}

/* metrics_render_one - the series of an enumerated family, i-th */
static void
metrics_render_one(struct metrics_buf *b, const struct metrics_family *f,
		   size_t i)
{
	const struct metrics_snapshot_row *row = f->pairs ? &f->pairs[i] : NULL;
	unsigned idx[METRICS_DIMS] = { 0 };
	size_t rest = i;
	int d;

	for (d = METRICS_DIMS - 1; d >= 0 && row == NULL; d--)
		if (f->dim[d].name != NULL && f->dim[d].count > 0) {
			idx[d] = (unsigned)(rest % f->dim[d].count);
			rest /= f->dim[d].count;
		}
	switch (f->kind) {
	case METRICS_COUNTER:
		metrics_series_name(b, f, "", idx, row, NULL);
		metrics_buf_printf(b, "%llu\n", (unsigned long long)
		    __atomic_load_n(&((uint64_t *)f->series)[i],
		    __ATOMIC_RELAXED));
		break;
	case METRICS_GAUGE:
		metrics_series_name(b, f, "", idx, row, NULL);
		metrics_buf_printf(b, "%lld\n", (long long)
		    __atomic_load_n(&((int64_t *)f->series)[i],
		    __ATOMIC_RELAXED));
		break;
	case METRICS_WINDOW:
		metrics_series_name(b, f, "", idx, row, NULL);
		metrics_buf_printf(b, "%llu\n", (unsigned long long)
		    metrics_window_sum(&((struct metrics_window *)f->series)[i]));
		break;
	case METRICS_HISTOGRAM:
		metrics_render_hist(b, f, idx, row,
				    &((struct metrics_hist *)f->series)[i]);
		break;
	case METRICS_SNAPSHOT:
		break;
	}
}

/* metrics_type_name - the TYPE line's word */
static const char *
metrics_type_name(const struct metrics_family *f)
{
	switch (f->kind) {
	case METRICS_COUNTER:
		return "counter";
	case METRICS_HISTOGRAM:
		return "histogram";
	case METRICS_SNAPSHOT:
		return ((struct metrics_snapshot *)f->series)->counter ?
		    "counter" : "gauge";
	case METRICS_GAUGE:
	case METRICS_WINDOW:
		break;
	}
	return "gauge";
}

/* metrics_render_snapshot - every row of a snapshot family */
static void
metrics_render_snapshot(struct metrics_buf *b, const struct metrics_family *f)
{
	struct metrics_snapshot *snap = f->series;
	size_t i;

	pthread_mutex_lock(&snap->lock);
	for (i = 0; i < snap->nrows; i++) {
		metrics_series_name(b, f, "", NULL, &snap->rows[i], NULL);
		metrics_buf_printf(b, "%lld\n", (long long)snap->rows[i].value);
	}
	pthread_mutex_unlock(&snap->lock);
}

/* metrics_render - see metrics.h */
void
metrics_render(const struct metrics_family *const *families, size_t n,
	       struct metrics_buf *out)
{
	size_t i, s, nseries;

	for (i = 0; i < n; i++) {
		const struct metrics_family *f = families[i];

		metrics_buf_printf(out, "# HELP %s ", f->name);
		metrics_escape(out, f->help, false);
		metrics_buf_printf(out, "\n# TYPE %s %s\n", f->name,
				   metrics_type_name(f));
		if (f->kind == METRICS_SNAPSHOT) {
			metrics_render_snapshot(out, f);
			continue;
		}
		nseries = metrics_family_nseries(f);
		for (s = 0; s < nseries; s++)
			metrics_render_one(out, f, s);
	}
}
