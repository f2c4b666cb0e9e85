/*
 * status.h - "trustmx status": what one daemon's /metrics said, as the
 * command reads it (status_read.c), how it is fetched (status_fetch.c),
 * and the problems found in it (status_check.c). cmd_status.c prints it.
 */
#ifndef TRUSTMX_TOOLS_STATUS_H
#define TRUSTMX_TOOLS_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "prom_text.h"

#define STATUS_LISTS_MAX	64	/* (list, source) pairs kept */
#define STATUS_SPF_MAX		64	/* spf: domains kept */
#define STATUS_URL_MAX		512
#define STATUS_ERROR_MAX	256

/* The fixed enumerations of the metrics contract, in print order */
enum { STATUS_VERDICTS = 5, STATUS_ACTIONS = 4, STATUS_OUTCOMES = 2 };
extern const char *const status_verdicts[STATUS_VERDICTS];
extern const char *const status_actions[STATUS_ACTIONS];
extern const char *const status_outcomes[STATUS_OUTCOMES];

/* One list source's size: trustmx_list_entries{list,source} */
struct status_list {
	char list[PROM_TEXT_VALUE_MAX + 1];
	char source[PROM_TEXT_VALUE_MAX + 1];
	double entries;
};

/* One spf: source's refresh state */
struct status_spf {
	char domain[PROM_TEXT_VALUE_MAX + 1];
	double last_refresh;	/* unix time, 0 = never */
	double last_error;	/* unix time, 0 = never */
	double shrinks_held;
};

/* What one daemon's scrape said */
struct status_daemon {
	const char *name;		/* "policyd" or "milter" */
	char target[STATUS_URL_MAX];	/* URL, or unix socket path */
	bool configured;		/* an address is known */
	bool up;			/* fetched and parsed */
	char error[STATUS_ERROR_MAX];	/* why not up */
	char version[PROM_TEXT_VALUE_MAX + 1];
	double start_time;
	double reload_time;
	int reload_success;		/* 1, 0, or -1 not reported */
	double reloads_ok;
	double reloads_error;
	struct status_list list[STATUS_LISTS_MAX];
	size_t nlists;
	struct status_spf spf[STATUS_SPF_MAX];
	size_t nspf;
	size_t dropped;			/* lists/spf rows over the bounds */
	double verdicts_hour[STATUS_VERDICTS];	/* policyd */
	double actions_hour[STATUS_ACTIONS];	/* milter */
	double recoveries_hour[STATUS_OUTCOMES];	/* milter */
	double dns_failures_hour;
	size_t samples;			/* of this daemon */
};

/*
 * status_read - d from a scrape's text (d->name set, the rest zeroed);
 * -1 with "line N: reason" in d->error when the text is not valid
 */
int status_read(struct status_daemon *d, const char *text, size_t len);

/*
 * status_fetch - GET target (http:// URL, or a unix socket path for
 * /metrics) into a malloc'd buffer; -1 with the reason in err
 */
int status_fetch(const char *target, long timeout_ms, char **body_r,
		 size_t *len_r, char *err, size_t errlen);

/*
 * status_fetch_target - the fetch target for a metrics_listen value or a
 * --policyd/--milter argument: host:port and [v6]:port become
 * http://host:port/metrics (a wildcard host becomes loopback), http(s)
 * URLs and /paths stay; -1 when the value is none of these
 */
int status_fetch_target(const char *value, char *out, size_t outlen);

/* One problem found: for the list at the end of the report */
struct status_problem {
	const char *daemon;
	const char *kind;	/* "unreachable", "reload_failed", ... */
	char text[STATUS_URL_MAX + STATUS_ERROR_MAX + PROM_TEXT_VALUE_MAX];
};

/*
 * The most status_check can find: per daemon a failed reload, two per
 * spf: domain (stale, failing), recovery fallbacks, DNS failures
 */
#define STATUS_PROBLEMS_DAEMON_MAX	(2 * STATUS_SPF_MAX + 3)
#define STATUS_PROBLEMS_MAX	(2 * STATUS_PROBLEMS_DAEMON_MAX)

/*
 * status_check - the problems in d as of now; appended to p (count in
 * *n_r, at most max). stale_after is 2 x spf_refresh_max in seconds.
 */
void status_check(const struct status_daemon *d, double now,
		  double stale_after, struct status_problem *p, size_t max,
		  size_t *n_r);

/* status_check_spf_stale - is this spf: source stale as of now? */
bool status_check_spf_stale(const struct status_spf *s, double now,
			    double stale_after);

#endif
