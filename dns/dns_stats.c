/*
 * dns_stats.c - counters of the DNS layer for metrics: lookups, answers,
 * estimated cache hits, timeouts, failures and a latency histogram. Plain
 * atomic increments; a reader sees each counter, not one instant of all.
 */
#include <string.h>

#include "dns_int.h"

static struct dns_stats dns_stats;

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

/* dns_stats_add - one more in *counter */
static void
dns_stats_add(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* dns_stats_query - see dns_int.h */
void
dns_stats_query(void)
{
	dns_stats_add(&dns_stats.queries);
}

/* dns_stats_answer - see dns_int.h */
void
dns_stats_answer(const struct dns_answer *ans, int timed_out)
{
	unsigned i;

	for (i = 0; i + 1 < DNS_LATENCY_BUCKETS; i++)
		if (ans->elapsed_us <= dns_bucket_us[i])
			break;
	dns_stats_add(&dns_stats.latency[i]);
	if (timed_out) {
		dns_stats_add(&dns_stats.timeouts);
		return;
	}
	switch (ans->status) {
	case DNS_OK:
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		dns_stats_add(&dns_stats.answers);
		if (ans->elapsed_us <= DNS_CACHE_HIT_US)
			dns_stats_add(&dns_stats.cache_hits);
		break;
	case DNS_TEMPFAIL:
		dns_stats_add(&dns_stats.servfails);
		if (ans->security == DNS_BOGUS)
			dns_stats_add(&dns_stats.bogus);
		break;
	case DNS_BADNAME:	/* never asked: dns_queue_finish skips it */
		break;
	}
}

/* dns_stats_get - see dns.h */
void
dns_stats_get(struct dns_stats *stats_r)
{
	unsigned i;

	memset(stats_r, 0, sizeof(*stats_r));
	stats_r->queries = __atomic_load_n(&dns_stats.queries, __ATOMIC_RELAXED);
	stats_r->answers = __atomic_load_n(&dns_stats.answers, __ATOMIC_RELAXED);
	stats_r->cache_hits = __atomic_load_n(&dns_stats.cache_hits,
	    __ATOMIC_RELAXED);
	stats_r->timeouts = __atomic_load_n(&dns_stats.timeouts,
	    __ATOMIC_RELAXED);
	stats_r->servfails = __atomic_load_n(&dns_stats.servfails,
	    __ATOMIC_RELAXED);
	stats_r->bogus = __atomic_load_n(&dns_stats.bogus, __ATOMIC_RELAXED);
	for (i = 0; i < DNS_LATENCY_BUCKETS; i++)
		stats_r->latency[i] = __atomic_load_n(&dns_stats.latency[i],
		    __ATOMIC_RELAXED);
}
