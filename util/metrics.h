/*
 * metrics.h - a small registry of Prometheus metrics for the daemons:
 * families declared up front with fixed label values (series are arrays
 * indexed by enums), counters and gauges bumped with relaxed atomics (no
 * lock, no allocation on the mail path), histograms, 60-minute windows,
 * snapshots of series whose labels change on reload, and the renderer to
 * the text exposition format 0.0.4.
 */
#ifndef TMX_METRICS_H
#define TMX_METRICS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define METRICS_DIMS		2	/* enumerated labels per family */
#define METRICS_CONST_LABELS	2	/* fixed labels (daemon, version) */
#define METRICS_HIST_MAX	12	/* buckets incl. +Inf */
#define METRICS_WINDOW_SLOTS	60	/* one-minute slots: the last hour */

enum metrics_kind {
	METRICS_COUNTER = 0,	/* uint64_t per series */
	METRICS_GAUGE,		/* int64_t per series */
	METRICS_HISTOGRAM,	/* struct metrics_hist per series */
	METRICS_WINDOW,		/* struct metrics_window per series: a gauge */
	METRICS_SNAPSHOT,	/* struct metrics_snapshot: labels vary */
};

/* One enumerated label: its name and every value, in enum order */
struct metrics_dim {
	const char *name;
	const char *const *values;
	unsigned count;
};

/* A label fixed for the whole family (daemon="policyd") */
struct metrics_label {
	const char *name;
	const char *value;
};

/* A histogram series: per-bucket counts (not cumulative) and the sum */
struct metrics_hist {
	uint64_t bucket[METRICS_HIST_MAX];
	uint64_t sum_us;
};

/*
 * A window of one-minute slots: each holds (minute << 32 | count) so a
 * slot from an older hour is told apart from this one without a lock.
 */
struct metrics_window {
	uint64_t slot[METRICS_WINDOW_SLOTS];
};

/* One series of a snapshot: label values as strings, and the value */
struct metrics_snapshot_row {
	const char *label[METRICS_DIMS];
	int64_t value;
};

/* Series whose label values come from the configuration (list sources,
 * spf: domains); replaced whole on reload, read under the mutex */
struct metrics_snapshot {
	pthread_mutex_t lock;
	struct metrics_snapshot_row *rows;	/* strings owned here */
	size_t nrows;
	bool counter;		/* TYPE counter rather than gauge */
};

#define METRICS_SNAPSHOT_INIT(is_counter) \
	{ PTHREAD_MUTEX_INITIALIZER, NULL, 0, (is_counter) }

/*
 * One family. series points at an array of the kind's type with one
 * element per combination of dim values (dim[0] major); a snapshot family
 * names its dims but takes values from the snapshot.
 */
struct metrics_family {
	const char *name;
	const char *help;
	enum metrics_kind kind;
	struct metrics_label label[METRICS_CONST_LABELS];	/* name NULL: none */
	struct metrics_dim dim[METRICS_DIMS];	/* name NULL: unused */
	const uint64_t *bounds_us;	/* histogram: upper bounds, µs, */
	unsigned nbounds;		/* without +Inf */
	void *series;
	/* instead of every combination of the dims' values: only these
	 * (labels of series i in pairs[i]; values of dims unused) */
	const struct metrics_snapshot_row *pairs;
	unsigned npairs;
};

/* A growing text buffer; failed says an allocation failed */
struct metrics_buf {
	char *data;
	size_t len, size;
	bool failed;
};

typedef time_t metrics_clock_fn(void);

/* metrics_set_clock - the wall clock windows use (NULL: time()) */
void metrics_set_clock(metrics_clock_fn *clock);

/* metrics_now - that clock's seconds */
time_t metrics_now(void);

/* metrics_counter_add - counter += n (any thread) */
void metrics_counter_add(uint64_t *counter, uint64_t n);

/* metrics_gauge_set, metrics_gauge_add - gauge = v, gauge += delta */
void metrics_gauge_set(int64_t *gauge, int64_t v);
void metrics_gauge_add(int64_t *gauge, int64_t delta);

/* metrics_hist_observe - one observation of us microseconds */
void metrics_hist_observe(struct metrics_hist *h, const uint64_t *bounds_us,
			  unsigned nbounds, uint64_t us);

/* metrics_hist_observe_n - n observations of us microseconds each */
void metrics_hist_observe_n(struct metrics_hist *h, const uint64_t *bounds_us,
			    unsigned nbounds, uint64_t us, uint64_t n);

/* metrics_window_add - n more events in the current minute */
void metrics_window_add(struct metrics_window *w, uint64_t n);

/* metrics_window_sum - the events of the last 60 minutes, this one included */
uint64_t metrics_window_sum(const struct metrics_window *w);

/* metrics_snapshot_replace - the snapshot's series become rows (copied) */
void metrics_snapshot_replace(struct metrics_snapshot *snap,
			      const struct metrics_snapshot_row *rows,
			      size_t nrows);

/* metrics_snapshot_clear - free the snapshot's rows */
void metrics_snapshot_clear(struct metrics_snapshot *snap);

/* metrics_family_nseries - the elements its series array must have */
size_t metrics_family_nseries(const struct metrics_family *f);

/* metrics_render - append families in the text format 0.0.4 to out */
void metrics_render(const struct metrics_family *const *families, size_t n,
		    struct metrics_buf *out);

/* metrics_buf_printf - append formatted text */
void metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* metrics_buf_free - release the buffer's text */
void metrics_buf_free(struct metrics_buf *b);

#endif
