/*
 * milter_metrics.c - the trustmx_milter_* families: per-method results
 * as the A-R header words them, relay recoveries by outcome and reason,
 * actions (and both over the last hour), open sessions. Every series
 * exists from the start.
 */
#include <string.h>

#include "arc.h"
#include "conf_metrics.h"
#include "milter_metrics.h"
#include "relay.h"

/* The (method, result) pairs of trustmx_milter_messages_total */
static const struct metrics_snapshot_row mm_result_pairs[] = {
	{ { "spf", "pass" }, 0 }, { { "spf", "fail" }, 0 },
	{ { "spf", "softfail" }, 0 }, { { "spf", "neutral" }, 0 },
	{ { "spf", "none" }, 0 }, { { "spf", "temperror" }, 0 },
	{ { "spf", "permerror" }, 0 },
	{ { "dkim", "pass" }, 0 }, { { "dkim", "fail" }, 0 },
	{ { "dkim", "none" }, 0 }, { { "dkim", "temperror" }, 0 },
	{ { "dkim", "permerror" }, 0 }, { { "dkim", "neutral" }, 0 },
	{ { "dkim", "policy" }, 0 },
	{ { "dmarc", "pass" }, 0 }, { { "dmarc", "fail" }, 0 },
	{ { "dmarc", "none" }, 0 }, { { "dmarc", "temperror" }, 0 },
	{ { "dmarc", "permerror" }, 0 },
	{ { "arc", "pass" }, 0 }, { { "arc", "fail" }, 0 },
	{ { "arc", "none" }, 0 },
};
#define MM_NRESULTS (sizeof(mm_result_pairs) / sizeof(mm_result_pairs[0]))

/* The (outcome, reason) pairs of trustmx_milter_relay_recoveries_total:
 * recovered by evidence, fallback by enum relay_fallback */
enum mm_recovery {
	MM_REC_RECEIVED = 0,
	MM_REC_ARC,
	MM_FB_NO_RECEIVED,
	MM_FB_UNPARSABLE,
	MM_FB_TOO_MANY_HOPS,
	MM_RECOVERIES,
};
static const struct metrics_snapshot_row mm_recovery_pairs[MM_RECOVERIES] = {
	{ { "recovered", "received" }, 0 },
	{ { "recovered", "arc" }, 0 },
	{ { "fallback", "no_received" }, 0 },
	{ { "fallback", "unparsable" }, 0 },
	{ { "fallback", "too_many_hops" }, 0 },
};

static const char *const mm_action_values[MILTER_METRICS_ACTIONS] = {
	"accept", "reject", "quarantine", "tempfail",
};
static const char *const mm_outcome_values[] = { "recovered", "fallback" };

static uint64_t mm_results[MM_NRESULTS];
static uint64_t mm_recoveries[MM_RECOVERIES];
static uint64_t mm_actions[MILTER_METRICS_ACTIONS];
static int64_t mm_sessions[1];
static struct metrics_window mm_actions_hour[MILTER_METRICS_ACTIONS];
static struct metrics_window mm_recoveries_hour[2];

static const struct metrics_family mm_families[] = {
	{ "trustmx_milter_messages_total",
	  "Messages by authentication method and result (the A-R word)",
	  METRICS_COUNTER, { { 0 } },
	  { { "method", NULL, 0 }, { "result", NULL, 0 } }, NULL, 0,
	  mm_results, mm_result_pairs, MM_NRESULTS },
	{ "trustmx_milter_relay_recoveries_total",
	  "Messages from relay_networks: original client recovered (by "
	  "evidence) or SPF fell back to none (by reason)",
	  METRICS_COUNTER, { { 0 } },
	  { { "outcome", NULL, 0 }, { "reason", NULL, 0 } }, NULL, 0,
	  mm_recoveries, mm_recovery_pairs, MM_RECOVERIES },
	{ "trustmx_milter_actions_total", "What was done with each message",
	  METRICS_COUNTER, { { 0 } },
	  { { "action", mm_action_values, MILTER_METRICS_ACTIONS } }, NULL, 0,
	  mm_actions, NULL, 0 },
	{ "trustmx_milter_sessions", "Open milter connections",
	  METRICS_GAUGE, { { 0 } }, { { 0 } }, NULL, 0, mm_sessions, NULL, 0 },
	{ "trustmx_milter_actions_last_hour",
	  "Messages by action in the last 60 minutes", METRICS_WINDOW,
	  { { 0 } },
	  { { "action", mm_action_values, MILTER_METRICS_ACTIONS } }, NULL, 0,
	  mm_actions_hour, NULL, 0 },
	{ "trustmx_milter_relay_recoveries_last_hour",
	  "Relay recoveries by outcome in the last 60 minutes", METRICS_WINDOW,
	  { { 0 } }, { { "outcome", mm_outcome_values, 2 } }, NULL, 0,
	  mm_recoveries_hour, NULL, 0 },
};

#define MM_NFAMILIES (sizeof(mm_families) / sizeof(mm_families[0]))

/* milter_metrics_result - count method's result word (unknown: not at all) */
static void
milter_metrics_result(const char *method, const char *result)
{
	size_t i;

	for (i = 0; i < MM_NRESULTS; i++)
		if (strcmp(mm_result_pairs[i].label[0], method) == 0 &&
		    strcmp(mm_result_pairs[i].label[1], result) == 0) {
			metrics_counter_add(&mm_results[i], 1);
			return;
		}
}

/* milter_metrics_recovery - one relay recovery, recovered or not */
static void
milter_metrics_recovery(enum mm_recovery which)
{
	metrics_counter_add(&mm_recoveries[which], 1);
	metrics_window_add(&mm_recoveries_hour[which <= MM_REC_ARC ? 0 : 1], 1);
}

/* milter_metrics_fallback - the reason label of a relay_fallback */
static enum mm_recovery
milter_metrics_fallback(int fallback)
{
	switch ((enum relay_fallback)fallback) {
	case RELAY_FALLBACK_UNPARSABLE:
		return MM_FB_UNPARSABLE;
	case RELAY_FALLBACK_TOO_MANY_HOPS:
		return MM_FB_TOO_MANY_HOPS;
	case RELAY_FALLBACK_NO_RECEIVED:
	case RELAY_FALLBACK_NONE:
		break;
	}
	return MM_FB_NO_RECEIVED;
}

/* milter_metrics_results - see milter_metrics.h */
void
milter_metrics_results(const struct results *res)
{
	size_t i;

	milter_metrics_result("spf", results_spf_judged(&res->spf) ?
	    spf_outcome_name(res->spf.verdict.result) : "none");
	for (i = 0; i < res->dkim.nsigs; i++)
		milter_metrics_result("dkim", res->dkim.sig[i].result);
	if (res->dkim.nsigs == 0)
		milter_metrics_result("dkim", "none");
	milter_metrics_result("dmarc", res->dmarc.result ? res->dmarc.result :
	    "none");
	if (res->arc.checked)
		milter_metrics_result("arc",
		    arc_cv_name((enum arc_cv)res->arc.cv));
	if (!res->via_relay)
		return;
	if (res->spf.source == RESULTS_SPF_RECOVERED)
		milter_metrics_recovery(MM_REC_RECEIVED);
	else if (res->spf.source == RESULTS_SPF_SEALED)
		milter_metrics_recovery(MM_REC_ARC);
	else if (res->spf.source == RESULTS_SPF_RELAY_UNUSABLE)
		milter_metrics_recovery(milter_metrics_fallback(
		    res->spf.relay_fallback));
}

/* milter_metrics_action - see milter_metrics.h */
void
milter_metrics_action(enum milter_metrics_action action)
{
	metrics_counter_add(&mm_actions[action], 1);
	metrics_window_add(&mm_actions_hour[action], 1);
}

/* milter_metrics_session - see milter_metrics.h */
void
milter_metrics_session(int delta)
{
	metrics_gauge_add(&mm_sessions[0], delta);
}

/* milter_metrics_render - see milter_metrics.h */
void
milter_metrics_render(void *ctx, struct metrics_buf *out)
{
	const struct metrics_family *families[MM_NFAMILIES];
	size_t i;

	for (i = 0; i < MM_NFAMILIES; i++)
		families[i] = &mm_families[i];
	conf_metrics_render(out);
	metrics_render(families, MM_NFAMILIES, out);
}
