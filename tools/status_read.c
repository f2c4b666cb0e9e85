/*
 * status_read.c - one daemon's scrape into a struct status_daemon: the
 * families of the metrics contract (trustmx.conf(5), README "Metrics")
 * that "trustmx status" reports, filtered by the daemon label. Other
 * families are parsed (the text must be valid) and ignored.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

#define STATUS_READ_VALUE_MAX	9007199254740992.0	/* 2^53 */

const char *const status_verdicts[STATUS_VERDICTS] = {
	"relay", "proxy", "allow", "deny", "none",
};
const char *const status_actions[STATUS_ACTIONS] = {
	"accept", "reject", "quarantine", "tempfail",
};
const char *const status_outcomes[STATUS_OUTCOMES] = {
	"recovered", "fallback",
};

/* status_read_index - the position of word in a table, -1 if absent */
static int
status_read_index(const char *const *table, int n, const char *word)
{
	if (word == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(table[i], word) == 0)
			return i;
	return -1;
}

/*
 * status_read_finite - a gauge value, NaN and Inf read as 0; clamped to
 * +-2^53 so that a hostile 1e300 converts to an integer without UB
 */
static double
status_read_finite(double v)
{
	if (!isfinite(v))
		return 0;
	if (v > STATUS_READ_VALUE_MAX)
		return STATUS_READ_VALUE_MAX;
	if (v < -STATUS_READ_VALUE_MAX)
		return -STATUS_READ_VALUE_MAX;
	return v;
}

/* status_read_spf - the row for domain, added if new; NULL when full */
static struct status_spf *
status_read_spf(struct status_daemon *d, const char *domain)
{
	for (size_t i = 0; i < d->nspf; i++)
		if (strcmp(d->spf[i].domain, domain) == 0)
			return &d->spf[i];
	if (d->nspf == STATUS_SPF_MAX) {
		d->dropped++;
		return NULL;
	}
	snprintf(d->spf[d->nspf].domain, sizeof(d->spf[0].domain), "%s",
	    domain);
	return &d->spf[d->nspf++];
}

/* status_read_list - record one trustmx_list_entries sample */
static void
status_read_list(struct status_daemon *d, const struct prom_text_sample *s)
{
	const char *list = prom_text_label_get(s, "list");
	const char *source = prom_text_label_get(s, "source");
	struct status_list *l;

	if (list == NULL || source == NULL)
		return;
	for (size_t i = 0; i < d->nlists; i++)
		if (strcmp(d->list[i].list, list) == 0 &&
		    strcmp(d->list[i].source, source) == 0) {
			d->list[i].entries = status_read_finite(s->value);
			return;
		}
	if (d->nlists == STATUS_LISTS_MAX) {
		d->dropped++;
		return;
	}
	l = &d->list[d->nlists++];
	snprintf(l->list, sizeof(l->list), "%s", list);
	snprintf(l->source, sizeof(l->source), "%s", source);
	l->entries = status_read_finite(s->value);
}

/* status_read_spf_sample - one of the three spf_source families */
static void
status_read_spf_sample(struct status_daemon *d,
		       const struct prom_text_sample *s, const char *family)
{
	const char *domain = prom_text_label_get(s, "domain");
	struct status_spf *spf;

	if (domain == NULL || (spf = status_read_spf(d, domain)) == NULL)
		return;
	if (strcmp(family, "last_refresh_timestamp_seconds") == 0)
		spf->last_refresh = status_read_finite(s->value);
	else if (strcmp(family, "last_error_timestamp_seconds") == 0)
		spf->last_error = status_read_finite(s->value);
	else if (strcmp(family, "shrinks_held_total") == 0)
		spf->shrinks_held = status_read_finite(s->value);
}

/* status_read_sample - prom_text_parse's callback: one sample into d */
static int
status_read_sample(void *ctx, const struct prom_text_sample *s)
{
	struct status_daemon *d = ctx;
	const char *daemon = prom_text_label_get(s, "daemon");
	const char *n = s->name;
	double v = status_read_finite(s->value);
	int i;

	/* families with a daemon label count only for this daemon */
	if (daemon != NULL && strcmp(daemon, d->name) != 0)
		return 0;
	if (strncmp(n, "trustmx_", 8) != 0)
		return 0;
	n += 8;
	d->samples++;
	if (strcmp(n, "build_info") == 0) {
		const char *version = prom_text_label_get(s, "version");

		if (version != NULL)
			snprintf(d->version, sizeof(d->version), "%s", version);
	} else if (strcmp(n, "start_time_seconds") == 0)
		d->start_time = v;
	else if (strcmp(n, "config_reload_timestamp_seconds") == 0)
		d->reload_time = v;
	else if (strcmp(n, "config_reload_success") == 0)
		d->reload_success = v != 0;
	else if (strcmp(n, "config_reloads_total") == 0) {
		const char *result = prom_text_label_get(s, "result");

		if (result != NULL && strcmp(result, "ok") == 0)
			d->reloads_ok = v;
		else if (result != NULL && strcmp(result, "error") == 0)
			d->reloads_error = v;
	} else if (strcmp(n, "list_entries") == 0)
		status_read_list(d, s);
	else if (strncmp(n, "spf_source_", 11) == 0)
		status_read_spf_sample(d, s, n + 11);
	else if (strcmp(n, "policyd_requests_last_hour") == 0 &&
	    strcmp(d->name, "policyd") == 0) {
		if ((i = status_read_index(status_verdicts, STATUS_VERDICTS,
		    prom_text_label_get(s, "verdict"))) >= 0)
			d->verdicts_hour[i] = v;
	} else if (strcmp(n, "milter_actions_last_hour") == 0 &&
	    strcmp(d->name, "milter") == 0) {
		if ((i = status_read_index(status_actions, STATUS_ACTIONS,
		    prom_text_label_get(s, "action"))) >= 0)
			d->actions_hour[i] = v;
	} else if (strcmp(n, "milter_relay_recoveries_last_hour") == 0 &&
	    strcmp(d->name, "milter") == 0) {
		if ((i = status_read_index(status_outcomes, STATUS_OUTCOMES,
		    prom_text_label_get(s, "outcome"))) >= 0)
			d->recoveries_hour[i] = v;
	} else if (strcmp(n, "dns_failures_last_hour") == 0)
		d->dns_failures_hour = v;
	return 0;
}

/* status_read - a scrape into d; see status.h */
int
status_read(struct status_daemon *d, const char *text, size_t len)
{
	const char *error;
	unsigned line;

	d->reload_success = -1;
	if (prom_text_parse(text, len, status_read_sample, d, &error,
	    &line) != 0) {
		snprintf(d->error, sizeof(d->error),
		    "invalid metrics, line %u: %s", line, error);
		return -1;
	}
	if (d->samples == 0) {
		snprintf(d->error, sizeof(d->error),
		    "no trustmx metrics for daemon=\"%s\"", d->name);
		return -1;
	}
	return 0;
}
