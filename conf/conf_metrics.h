/*
 * conf_metrics.h - the metrics both daemons export about themselves: build
 * and start, (re)loads, trust list sizes per source, spf: sources, and
 * the DNS layer. Each series carries daemon="policyd" or "milter".
 */
#ifndef TMX_CONF_METRICS_H
#define TMX_CONF_METRICS_H

#include <stdbool.h>

#include "lists.h"
#include "metrics.h"
#include "spf_source.h"

/* conf_metrics_init - name the daemon ("policyd", "milter"); start time */
void conf_metrics_init(const char *daemon);

/* conf_metrics_loaded - a (re)load attempt ended so; reload: not the start */
void conf_metrics_loaded(bool ok, bool reload);

/* conf_metrics_lists - the live lists: prefixes per list and source */
void conf_metrics_lists(const struct lists *lists);

/* conf_metrics_spf - the spf: store's per-domain state (its own thread) */
void conf_metrics_spf(const struct spf_source *src);

/* conf_metrics_render - append the shared families to out */
void conf_metrics_render(struct metrics_buf *out);

#endif
