/*
 * status_check.c - the problems "trustmx status" names in a daemon's
 * metrics: unreachable, last reload failed, an spf: source stale (no
 * refresh for 2 x spf_refresh_max, or never) or failing, more relay
 * recovery fallbacks than recoveries in the last hour, DNS failures.
 */
#include <stdio.h>

#include "status.h"

/* status_check_add - one more problem, when there is room */
static struct status_problem *
status_check_add(const struct status_daemon *d, const char *kind,
		 struct status_problem *p, size_t max, size_t *n_r)
{
	struct status_problem *q;

	if (*n_r >= max)
		return NULL;
	q = &p[(*n_r)++];
	q->daemon = d->name;
	q->kind = kind;
	q->text[0] = '\0';
	return q;
}

/* status_check_spf_stale - never refreshed, or not for stale_after seconds */
bool
status_check_spf_stale(const struct status_spf *s, double now,
		       double stale_after)
{
	return s->last_refresh <= 0 || now - s->last_refresh > stale_after;
}

/* status_check - append d's problems; see status.h */
void
status_check(const struct status_daemon *d, double now, double stale_after,
	     struct status_problem *p, size_t max, size_t *n_r)
{
	struct status_problem *q;

	if (!d->configured)
		return;
	if (!d->up) {
		if ((q = status_check_add(d, "unreachable", p, max, n_r)))
			snprintf(q->text, sizeof(q->text),
			    "trustmx-%s unreachable at %s: %s", d->name,
			    d->target, d->error);
		return;
	}
	if (d->reload_success == 0 &&
	    (q = status_check_add(d, "reload_failed", p, max, n_r)))
		snprintf(q->text, sizeof(q->text),
		    "trustmx-%s: the last configuration reload failed "
		    "(%.0f s ago); it runs on the previous configuration",
		    d->name, now - d->reload_time);
	for (size_t i = 0; i < d->nspf; i++) {
		const struct status_spf *s = &d->spf[i];

		if (status_check_spf_stale(s, now, stale_after) &&
		    (q = status_check_add(d, "spf_stale", p, max, n_r))) {
			if (s->last_refresh <= 0)
				snprintf(q->text, sizeof(q->text),
				    "trustmx-%s: spf:%s never refreshed",
				    d->name, s->domain);
			else
				snprintf(q->text, sizeof(q->text),
				    "trustmx-%s: spf:%s stale: last refresh "
				    "%.0f s ago (limit %.0f s)", d->name,
				    s->domain, now - s->last_refresh,
				    stale_after);
		}
		if (s->last_error > 0 && s->last_error >= s->last_refresh &&
		    (q = status_check_add(d, "spf_error", p, max, n_r)))
			snprintf(q->text, sizeof(q->text),
			    "trustmx-%s: spf:%s: the last refresh failed "
			    "(%.0f s ago)", d->name, s->domain,
			    now - s->last_error);
	}
	if (d->recoveries_hour[1] > d->recoveries_hour[0] &&
	    (q = status_check_add(d, "recovery_fallbacks", p, max, n_r)))
		snprintf(q->text, sizeof(q->text),
		    "trustmx-%s: %.0f relay recovery fallbacks and %.0f "
		    "recoveries in the last hour", d->name,
		    d->recoveries_hour[1], d->recoveries_hour[0]);
	if (d->dns_failures_hour > 0 &&
	    (q = status_check_add(d, "dns_failures", p, max, n_r)))
		snprintf(q->text, sizeof(q->text),
		    "trustmx-%s: %.0f DNS failures (SERVFAIL or timeout) in "
		    "the last hour", d->name, d->dns_failures_hour);
}
