/*
 * conf_metrics.c - the families both daemons export (trustmx_build_info,
 * reloads, trustmx_list_entries, spf: sources, trustmx_dns_*). List and
 * spf: series are snapshots replaced when the lists or the store change;
 * the DNS ones are copied from dns_stats at each scrape.
 */
#include <stdlib.h>
#include <string.h>

#include <trustmx/version.h>

#include "conf_metrics.h"
#include "dns.h"

#define CM_DAEMON(f)	{ { "daemon", NULL }, f }
#define CM_NDNS_BOUNDS	(DNS_LATENCY_BUCKETS - 1)

static const char *const cm_result_values[] = { "ok", "error" };
static const char *const cm_type_values[DNS_STATS_TYPES] = {
	"A", "AAAA", "MX", "TXT", "PTR", "TLSA", "other",
};
static const char *const cm_status_values[DNS_STATS_STATUSES] = {
	"answer", "nodata", "nxdomain", "servfail", "timeout",
};
static const uint64_t cm_dns_bounds_us[CM_NDNS_BOUNDS] = {
	100, 1000, 5000, 25000, 100000, 500000, 2000000,
};

static int64_t cm_build_info[1] = { 1 };
static int64_t cm_start_time[1];
static int64_t cm_reload_time[1];
static int64_t cm_reload_success[1];
static uint64_t cm_reloads[2];
static struct metrics_snapshot cm_list_entries = METRICS_SNAPSHOT_INIT(false);
static struct metrics_snapshot cm_spf_refresh = METRICS_SNAPSHOT_INIT(false);
static struct metrics_snapshot cm_spf_error = METRICS_SNAPSHOT_INIT(false);
static struct metrics_snapshot cm_spf_held = METRICS_SNAPSHOT_INIT(true);
static uint64_t cm_dns_queries[DNS_STATS_TYPES];
static struct metrics_hist cm_dns_duration[DNS_STATS_TYPES];
static uint64_t cm_dns_answers[DNS_STATS_STATUSES];
static uint64_t cm_dns_cache_hits[1];
static int64_t cm_dns_failures[1];
static pthread_mutex_t cm_dns_lock = PTHREAD_MUTEX_INITIALIZER;

static struct metrics_family cm_families[] = {
	{ "trustmx_build_info", "Version of this daemon (always 1)",
	  METRICS_GAUGE, { { "daemon", NULL }, { "version",
	  TMX_VERSION_STRING } }, { { 0 } }, NULL, 0, cm_build_info },
	{ "trustmx_start_time_seconds", "Unix time the daemon started",
	  METRICS_GAUGE, CM_DAEMON({ 0 }), { { 0 } }, NULL, 0, cm_start_time },
	{ "trustmx_config_reload_timestamp_seconds",
	  "Unix time of the last configuration (re)load attempt, start included",
	  METRICS_GAUGE, CM_DAEMON({ 0 }), { { 0 } }, NULL, 0, cm_reload_time },
	{ "trustmx_config_reload_success",
	  "1 if the last configuration (re)load attempt succeeded",
	  METRICS_GAUGE, CM_DAEMON({ 0 }), { { 0 } }, NULL, 0,
	  cm_reload_success },
	{ "trustmx_config_reloads_total",
	  "Configuration reloads (SIGHUP) by result", METRICS_COUNTER,
	  CM_DAEMON({ 0 }), { { "result", cm_result_values, 2 } }, NULL, 0,
	  cm_reloads },
	{ "trustmx_list_entries",
	  "Prefixes in each trust list by source, as written in trustmx.conf",
	  METRICS_SNAPSHOT, CM_DAEMON({ 0 }), { { "list", NULL, 0 },
	  { "source", NULL, 0 } }, NULL, 0, &cm_list_entries },
	{ "trustmx_spf_source_last_refresh_timestamp_seconds",
	  "Unix time an spf: source last got a result in use (0 = never)",
	  METRICS_SNAPSHOT, CM_DAEMON({ 0 }), { { "domain", NULL, 0 } }, NULL,
	  0, &cm_spf_refresh },
	{ "trustmx_spf_source_last_error_timestamp_seconds",
	  "Unix time an spf: source last failed to expand (0 = never)",
	  METRICS_SNAPSHOT, CM_DAEMON({ 0 }), { { "domain", NULL, 0 } }, NULL,
	  0, &cm_spf_error },
	{ "trustmx_spf_source_shrinks_held_total",
	  "Refreshes of an spf: source held back as a shrink beyond "
	  "spf_shrink_limit", METRICS_SNAPSHOT, CM_DAEMON({ 0 }),
	  { { "domain", NULL, 0 } }, NULL, 0, &cm_spf_held },
	{ "trustmx_dns_queries_total", "DNS lookups by record type",
	  METRICS_COUNTER, CM_DAEMON({ 0 }),
	  { { "type", cm_type_values, DNS_STATS_TYPES } }, NULL, 0,
	  cm_dns_queries },
	{ "trustmx_dns_query_duration_seconds",
	  "Time from asking to answer of DNS lookups by record type",
	  METRICS_HISTOGRAM, CM_DAEMON({ 0 }),
	  { { "type", cm_type_values, DNS_STATS_TYPES } }, cm_dns_bounds_us,
	  CM_NDNS_BOUNDS, cm_dns_duration },
	{ "trustmx_dns_answers_total", "DNS lookups by how they ended",
	  METRICS_COUNTER, CM_DAEMON({ 0 }),
	  { { "status", cm_status_values, DNS_STATS_STATUSES } }, NULL, 0,
	  cm_dns_answers },
	{ "trustmx_dns_cache_hits_total",
	  "DNS answers estimated to come from the resolver's cache",
	  METRICS_COUNTER, CM_DAEMON({ 0 }), { { 0 } }, NULL, 0,
	  cm_dns_cache_hits },
	{ "trustmx_dns_failures_last_hour",
	  "DNS lookups that failed (SERVFAIL or timeout) in the last 60 minutes",
	  METRICS_GAUGE, CM_DAEMON({ 0 }), { { 0 } }, NULL, 0,
	  cm_dns_failures },
};

#define CM_NFAMILIES (sizeof(cm_families) / sizeof(cm_families[0]))

/* conf_metrics_init - see conf_metrics.h */
void
conf_metrics_init(const char *daemon)
{
	size_t i;

	for (i = 0; i < CM_NFAMILIES; i++)
		cm_families[i].label[0].value = daemon;
	metrics_gauge_set(&cm_start_time[0], (int64_t)metrics_now());
}

/* conf_metrics_loaded - see conf_metrics.h */
void
conf_metrics_loaded(bool ok, bool reload)
{
	metrics_gauge_set(&cm_reload_time[0], (int64_t)metrics_now());
	metrics_gauge_set(&cm_reload_success[0], ok ? 1 : 0);
	if (reload)
		metrics_counter_add(&cm_reloads[ok ? 0 : 1], 1);
}

/* What a walk of one list counts: prefixes by source value */
struct cm_count {
	int64_t *count;
	size_t n;
};

/* conf_metrics_count_one - tmx_cidrset_walk: one prefix of source value */
static int
conf_metrics_count_one(const struct tmx_addr *prefix, unsigned len,
		       uint32_t value, void *ctx)
{
	struct cm_count *c = ctx;

	if (value < c->n)
		c->count[value]++;
	return 0;
}

/* conf_metrics_lists - see conf_metrics.h */
void
conf_metrics_lists(const struct lists *lists)
{
	struct metrics_snapshot_row *rows;
	struct cm_count c;
	char **names;
	size_t i;
	int id;

	if (lists == NULL || lists->nsources == 0) {
		metrics_snapshot_clear(&cm_list_entries);
		return;
	}
	rows = calloc(lists->nsources, sizeof(*rows));
	names = calloc(lists->nsources, sizeof(*names));
	c.count = calloc(lists->nsources, sizeof(*c.count));
	c.n = lists->nsources;
	if (rows == NULL || names == NULL || c.count == NULL)
		goto out;
	for (id = 0; id < LIST_COUNT; id++)
		if (lists->set[id] != NULL)
			tmx_cidrset_walk(lists->set[id], conf_metrics_count_one,
					 &c);
	/* a source is named "list: source as written" */
	for (i = 0; i < lists->nsources; i++) {
		char *sep;

		if ((names[i] = strdup(lists->source_names[i])) == NULL)
			goto out;
		sep = strstr(names[i], ": ");
		rows[i].label[0] = names[i];
		rows[i].label[1] = "";
		if (sep != NULL) {
			*sep = '\0';
			rows[i].label[1] = sep + 2;
		}
		rows[i].value = c.count[i];
	}
	metrics_snapshot_replace(&cm_list_entries, rows, lists->nsources);
out:
	for (i = 0; names != NULL && i < lists->nsources; i++)
		free(names[i]);
	free(names);
	free(rows);
	free(c.count);
}

/* conf_metrics_spf - see conf_metrics.h */
void
conf_metrics_spf(const struct spf_source *src)
{
	size_t i, n = src != NULL ? spf_source_count(src) : 0;
	struct metrics_snapshot_row *rows[3];
	struct spf_source_info info;
	size_t k = 0;

	rows[0] = calloc(n + 1, sizeof(*rows[0]));
	rows[1] = calloc(n + 1, sizeof(*rows[1]));
	rows[2] = calloc(n + 1, sizeof(*rows[2]));
	if (rows[0] != NULL && rows[1] != NULL && rows[2] != NULL) {
		for (i = 0; i < n; i++) {
			if (spf_source_info(src, i, &info) < 0)
				break;
			rows[0][k].label[0] = rows[1][k].label[0] =
			    rows[2][k].label[0] = info.domain;
			rows[0][k].value = (int64_t)info.last_refresh;
			rows[1][k].value = (int64_t)info.last_error;
			rows[2][k].value = (int64_t)info.shrinks_held;
			k++;
		}
		metrics_snapshot_replace(&cm_spf_refresh, rows[0], k);
		metrics_snapshot_replace(&cm_spf_error, rows[1], k);
		metrics_snapshot_replace(&cm_spf_held, rows[2], k);
	}
	free(rows[0]);
	free(rows[1]);
	free(rows[2]);
}

/* conf_metrics_collect - copy the DNS layer's counters into the families */
static void
conf_metrics_collect(void)
{
	struct dns_stats st;
	unsigned t, b;

	dns_stats_get(&st);
	for (t = 0; t < DNS_STATS_TYPES; t++) {
		cm_dns_queries[t] = st.type_queries[t];
		for (b = 0; b < DNS_LATENCY_BUCKETS; b++)
			cm_dns_duration[t].bucket[b] = st.type_latency[t][b];
		cm_dns_duration[t].sum_us = st.type_sum_us[t];
	}
	for (t = 0; t < DNS_STATS_STATUSES; t++)
		cm_dns_answers[t] = st.status[t];
	cm_dns_cache_hits[0] = st.cache_hits;
	cm_dns_failures[0] = (int64_t)st.failures_last_hour;
}

/* conf_metrics_render - see conf_metrics.h */
void
conf_metrics_render(struct metrics_buf *out)
{
	const struct metrics_family *families[CM_NFAMILIES];
	size_t i;

	for (i = 0; i < CM_NFAMILIES; i++)
		families[i] = &cm_families[i];
	/* two scrapes at once must not interleave their copies */
	pthread_mutex_lock(&cm_dns_lock);
	conf_metrics_collect();
	metrics_render(families, CM_NFAMILIES, out);
	pthread_mutex_unlock(&cm_dns_lock);
}
