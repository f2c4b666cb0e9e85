/*
 * pd_metrics.c - the trustmx_policyd_* families: requests by protocol and
 * verdict (and over the last hour), their latency, connections, refusals,
 * evictions and PROXY header outcomes. Every series exists from the start.
 */
#include <time.h>

#include "conf_metrics.h"
#include "pd_metrics.h"

/* Verdict label values; "allow" waits for allow_networks */
enum pd_metrics_verdict {
	PD_MV_RELAY = 0,
	PD_MV_PROXY,
	PD_MV_ALLOW,
	PD_MV_DENY,
	PD_MV_NONE,
	PD_MV_COUNT,
};

static const char *const pd_mv_values[PD_MV_COUNT] = {
	"relay", "proxy", "allow", "deny", "none",
};
static const char *const pd_mp_values[PD_METRICS_PROTOCOLS] = {
	"policy", "socketmap",
};
static const char *const pd_mh_values[PD_METRICS_HEADERS] = {
	"ok", "local", "invalid", "timeout",
};
#define PD_METRICS_NBOUNDS 7
static const uint64_t pd_metrics_bounds_us[PD_METRICS_NBOUNDS] = {
	50, 100, 250, 500, 1000, 5000, 25000,
};

static uint64_t pd_requests[PD_METRICS_PROTOCOLS * PD_MV_COUNT];
static struct metrics_hist pd_duration[PD_METRICS_PROTOCOLS];
static int64_t pd_connections[1];
static uint64_t pd_rejected[1];
static uint64_t pd_evictions[1];
static uint64_t pd_headers[PD_METRICS_HEADERS];
static struct metrics_window pd_last_hour[PD_MV_COUNT];

/* The current loop round's requests (as pd_requests: protocol x verdict)
 * and which of them it has: the loop thread's alone */
static struct {
	uint64_t start_us;
	uint32_t count[PD_METRICS_PROTOCOLS * PD_MV_COUNT];
	uint32_t touched;	/* bit i: count[i] > 0 */
} pd_round;

static const struct metrics_family pd_families[] = {
	{ "trustmx_policyd_requests_total",
	  "Policy and socketmap requests answered, by verdict",
	  METRICS_COUNTER, { { 0 } },
	  { { "protocol", pd_mp_values, PD_METRICS_PROTOCOLS },
	    { "verdict", pd_mv_values, PD_MV_COUNT } }, NULL, 0, pd_requests,
	  NULL, 0 },
	{ "trustmx_policyd_request_duration_seconds",
	  "Time to answer a request: from the start of the event loop round "
	  "that read it to the end of that round's answers",
	  METRICS_HISTOGRAM, { { 0 } },
	  { { "protocol", pd_mp_values, PD_METRICS_PROTOCOLS } },
	  pd_metrics_bounds_us, PD_METRICS_NBOUNDS, pd_duration, NULL, 0 },
	{ "trustmx_policyd_connections", "Open client connections",
	  METRICS_GAUGE, { { 0 } }, { { 0 } }, NULL, 0, pd_connections,
	  NULL, 0 },
	{ "trustmx_policyd_clients_rejected_total",
	  "Clients refused because they are not in policy_clients",
	  METRICS_COUNTER, { { 0 } }, { { 0 } }, NULL, 0, pd_rejected,
	  NULL, 0 },
	{ "trustmx_policyd_evictions_total",
	  "Idle connections closed for a new client at max_clients",
	  METRICS_COUNTER, { { 0 } }, { { 0 } }, NULL, 0, pd_evictions,
	  NULL, 0 },
	{ "trustmx_policyd_proxy_headers_total",
	  "PROXY protocol headers on haproxy listeners, by outcome",
	  METRICS_COUNTER, { { 0 } },
	  { { "outcome", pd_mh_values, PD_METRICS_HEADERS } }, NULL, 0,
	  pd_headers, NULL, 0 },
	{ "trustmx_policyd_requests_last_hour",
	  "Requests answered in the last 60 minutes, by verdict",
	  METRICS_WINDOW, { { 0 } },
	  { { "verdict", pd_mv_values, PD_MV_COUNT } }, NULL, 0, pd_last_hour,
	  NULL, 0 },
};

#define PD_NFAMILIES (sizeof(pd_families) / sizeof(pd_families[0]))

/* pd_metrics_now_us - see pd_metrics.h */
uint64_t
pd_metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* pd_metrics_verdict - the label index of an enum verdict */
static enum pd_metrics_verdict
pd_metrics_verdict(int verdict)
{
	switch ((enum verdict)verdict) {
	case VERDICT_RELAY:
		return PD_MV_RELAY;
	case VERDICT_PROXY:
		return PD_MV_PROXY;
	case VERDICT_DENY:
		return PD_MV_DENY;
	case VERDICT_ALLOW:
		return PD_MV_ALLOW;
	case VERDICT_NONE:
		break;
	}
	return PD_MV_NONE;
}

/* pd_metrics_round_begin - see pd_metrics.h */
void
pd_metrics_round_begin(uint64_t now_us)
{
	pd_round.start_us = now_us;
}

/* pd_metrics_request - see pd_metrics.h */
void
pd_metrics_request(enum pd_metrics_protocol protocol, int verdict)
{
	unsigned k = protocol * PD_MV_COUNT + pd_metrics_verdict(verdict);

	pd_round.count[k]++;
	pd_round.touched |= 1u << k;
}

/* pd_metrics_round_end - see pd_metrics.h */
void
pd_metrics_round_end(void)
{
	uint64_t now, took, per_protocol[PD_METRICS_PROTOCOLS] = { 0 };
	uint32_t touched = pd_round.touched, n;
	unsigned k, p;

	if (touched == 0)
		return;
	now = pd_metrics_now_us();
	took = now > pd_round.start_us ? now - pd_round.start_us : 0;
	for (; touched != 0; touched &= touched - 1) {
		k = (unsigned)__builtin_ctz(touched);
		n = pd_round.count[k];
		pd_round.count[k] = 0;
		metrics_counter_add(&pd_requests[k], n);
		metrics_window_add(&pd_last_hour[k % PD_MV_COUNT], n);
		per_protocol[k / PD_MV_COUNT] += n;
	}
	for (p = 0; p < PD_METRICS_PROTOCOLS; p++)
		if (per_protocol[p] > 0)
			metrics_hist_observe_n(&pd_duration[p],
			    pd_metrics_bounds_us, PD_METRICS_NBOUNDS, took,
			    per_protocol[p]);
	pd_round.touched = 0;
}

/* pd_metrics_connections - see pd_metrics.h */
void
pd_metrics_connections(size_t n)
{
	metrics_gauge_set(&pd_connections[0], (int64_t)n);
}

/* pd_metrics_client_rejected - see pd_metrics.h */
void
pd_metrics_client_rejected(void)
{
	metrics_counter_add(&pd_rejected[0], 1);
}

/* pd_metrics_eviction - see pd_metrics.h */
void
pd_metrics_eviction(void)
{
	metrics_counter_add(&pd_evictions[0], 1);
}

/* pd_metrics_header - see pd_metrics.h */
void
pd_metrics_header(enum pd_metrics_header outcome)
{
	metrics_counter_add(&pd_headers[outcome], 1);
}

/* pd_metrics_render - see pd_metrics.h */
void
pd_metrics_render(void *ctx, struct metrics_buf *out)
{
	const struct metrics_family *families[PD_NFAMILIES];
	size_t i;

	for (i = 0; i < PD_NFAMILIES; i++)
		families[i] = &pd_families[i];
	conf_metrics_render(out);
	metrics_render(families, PD_NFAMILIES, out);
}
