/*
 * pd_metrics.h - trustmx-policyd's own metrics (trustmx_policyd_*): the
 * event loop counts with relaxed atomics, the /metrics thread renders.
 */
#ifndef TMX_PD_METRICS_H
#define TMX_PD_METRICS_H

#include <stdint.h>

#include "metrics.h"
#include "policyd.h"

enum pd_metrics_protocol {
	PD_METRICS_POLICY = 0,
	PD_METRICS_SOCKETMAP,
	PD_METRICS_PROTOCOLS,
};

enum pd_metrics_header {
	PD_METRICS_HEADER_OK = 0,	/* a believed PROXY header */
	PD_METRICS_HEADER_LOCAL,	/* a health check (LOCAL, no address) */
	PD_METRICS_HEADER_INVALID,	/* refused: malformed, untrusted, none */
	PD_METRICS_HEADER_TIMEOUT,	/* none within proxy_timeout */
	PD_METRICS_HEADERS,
};

/* pd_metrics_now_us - a monotonic clock in µs for request latency */
uint64_t pd_metrics_now_us(void);

/*
 * The event loop counts a round's requests in plain variables and
 * publishes them once at the round's end (a few atomics a round, not a
 * few a request); every request of a round took, as far as a client can
 * tell, from the round's start to the end of its writes. Loop thread only.
 */
/* pd_metrics_round_begin - a loop round starts at now_us */
void pd_metrics_round_begin(uint64_t now_us);

/* pd_metrics_request - one request answered in this round */
void pd_metrics_request(enum pd_metrics_protocol protocol, int verdict);

/* pd_metrics_round_end - the round's requests to the shared counters */
void pd_metrics_round_end(void);

/* pd_metrics_connections - the number of open client connections */
void pd_metrics_connections(size_t n);

/* pd_metrics_client_rejected - a client refused by policy_clients */
void pd_metrics_client_rejected(void);

/* pd_metrics_eviction - an idle connection closed at max_clients */
void pd_metrics_eviction(void);

/* pd_metrics_header - one PROXY header stage ended so */
void pd_metrics_header(enum pd_metrics_header outcome);

/* pd_metrics_render - metrics_http_render_fn: shared and own families */
void pd_metrics_render(void *ctx, struct metrics_buf *out);

#endif
