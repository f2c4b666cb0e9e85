/*
 * dns_stats.c - counters of the DNS layer for metrics: lookups and their
 * latency by record type, how each ended, estimated cache hits, and the
 * failures of the last hour. Plain atomic increments; a reader sees each
 * counter, not one instant of all.
 */
#include <string.h>

#include "dns_int.h"
#include "metrics.h"

static struct dns_stats dns_stats;
_Static_assert(sizeof(struct dns_stats) % sizeof(uint64_t) == 0,
	       "dns_stats_get reads struct dns_stats as an array of uint64_t");
static struct metrics_window dns_stats_failures;

/* Upper bounds of the latency buckets, µs; the last one catches the rest. */
static const uint32_t dns_bucket_us[DNS_LATENCY_BUCKETS] = {
	100, 1000, 5000, 25000, 100000, 500000, 2000000, UINT32_MAX,
};

/* dns_latency_bucket_us - see dns.h */
uint32_t
dns_latency_bucket_us(unsigned i)
{
	return i < DNS_LATENCY_BUCKETS ? dns_bucket_us[i] : UINT32_MAX;
}

/* dns_stats_type_index - see dns.h */
enum dns_stats_type
dns_stats_type_index(enum dns_type type)
{
	switch (type) {
	case DNS_TYPE_A:
		return DNS_STATS_A;
	case DNS_TYPE_AAAA:
		return DNS_STATS_AAAA;
	case DNS_TYPE_MX:
		return DNS_STATS_MX;
	case DNS_TYPE_TXT:
		return DNS_STATS_TXT;
	case DNS_TYPE_PTR:
		return DNS_STATS_PTR;
	case DNS_TYPE_TLSA:
		return DNS_STATS_TLSA;
	default:
		return DNS_STATS_OTHER;
	}
}

/* dns_stats_add - n more in *counter */
static void
dns_stats_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* dns_stats_query - see dns_int.h */
void
dns_stats_query(enum dns_type type)
{
	dns_stats_add(&dns_stats.queries, 1);
	dns_stats_add(&dns_stats.type_queries[dns_stats_type_index(type)], 1);
}

/* dns_stats_failure - one SERVFAIL or timeout, for the last hour too */
static void
dns_stats_failure(uint64_t *counter, enum dns_stats_status status)
{
	dns_stats_add(counter, 1);
	dns_stats_add(&dns_stats.status[status], 1);
	metrics_window_add(&dns_stats_failures, 1);
}

/* dns_stats_answer - see dns_int.h */
void
dns_stats_answer(const struct dns_answer *ans, enum dns_type type,
		 int timed_out)
{
	enum dns_stats_type t = dns_stats_type_index(type);
	unsigned i;

	for (i = 0; i + 1 < DNS_LATENCY_BUCKETS; i++)
		if (ans->elapsed_us <= dns_bucket_us[i])
			break;
	dns_stats_add(&dns_stats.latency[i], 1);
	dns_stats_add(&dns_stats.type_latency[t][i], 1);
	dns_stats_add(&dns_stats.type_sum_us[t], ans->elapsed_us);
	if (timed_out) {
		dns_stats_failure(&dns_stats.timeouts, DNS_STATS_TIMEOUT);
		return;
	}
	switch (ans->status) {
	case DNS_OK:
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		dns_stats_add(&dns_stats.answers, 1);
		dns_stats_add(&dns_stats.status[ans->status == DNS_OK ?
		    DNS_STATS_ANSWER : ans->status == DNS_NODATA ?
		    DNS_STATS_NODATA : DNS_STATS_NXDOMAIN], 1);
		if (ans->elapsed_us <= DNS_CACHE_HIT_US)
			dns_stats_add(&dns_stats.cache_hits, 1);
		break;
	case DNS_TEMPFAIL:
		dns_stats_failure(&dns_stats.servfails, DNS_STATS_SERVFAIL);
		if (ans->security == DNS_BOGUS)
			dns_stats_add(&dns_stats.bogus, 1);
		break;
	case DNS_BADNAME:	/* never asked: dns_queue_finish skips it */
		break;
	}
}

/* dns_stats_load - *dst = *src, read atomically */
static void
dns_stats_load(uint64_t *dst, const uint64_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* dns_stats_get - see dns.h */
void
dns_stats_get(struct dns_stats *stats_r)
{
	memset(stats_r, 0, sizeof(*stats_r));
	/* every field is a uint64_t: read them as one array */
	dns_stats_load((uint64_t *)stats_r, (const uint64_t *)&dns_stats,
		       sizeof(dns_stats) / sizeof(uint64_t));
	stats_r->failures_last_hour = metrics_window_sum(&dns_stats_failures);
}
