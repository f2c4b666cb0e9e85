/*
 * milter_metrics.h - trustmx-milter's own metrics (trustmx_milter_*):
 * libmilter's threads count with relaxed atomics, the /metrics thread
 * renders.
 */
#ifndef TMX_MILTER_METRICS_H
#define TMX_MILTER_METRICS_H

#include "metrics.h"
#include "results.h"

enum milter_metrics_action {
	MILTER_METRICS_ACCEPT = 0,
	MILTER_METRICS_REJECT,
	MILTER_METRICS_QUARANTINE,
	MILTER_METRICS_TEMPFAIL,
	MILTER_METRICS_ACTIONS,
};

/* milter_metrics_results - one message's SPF, DKIM, DMARC, ARC and relay
 * recovery results */
void milter_metrics_results(const struct results *res);

/* milter_metrics_action - what was done with one message */
void milter_metrics_action(enum milter_metrics_action action);

/* milter_metrics_session - a milter connection opened (+1) or closed (-1) */
void milter_metrics_session(int delta);

/* milter_metrics_render - metrics_http_render_fn: shared and own families */
void milter_metrics_render(void *ctx, struct metrics_buf *out);

#endif
