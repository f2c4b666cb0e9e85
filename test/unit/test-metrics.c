/*
 * test-metrics.c - util/metrics.c and util/metrics_addr.c: the renderer's
 * exact text for counters, gauges, histograms, pairs and snapshots, label
 * and HELP escaping, windows across minute boundaries on an injected
 * clock, and the syntax of *_metrics_listen.
 */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_addr.h"
#include "tmx-test.h"

static time_t test_clock_now;

/* test_clock - the injected wall clock */
static time_t
test_clock(void)
{
	return test_clock_now;
}

/* test_render_one - f rendered alone; the caller frees */
static char *
test_render_one(const struct metrics_family *f)
{
	struct metrics_buf out = { 0 };

	metrics_render(&f, 1, &out);
	TMX_CHECK(!out.failed);
	return out.data != NULL ? out.data : calloc(1, 1);
}

/* test_expect - f renders exactly as want */
static void
test_expect(const struct metrics_family *f, const char *want)
{
	char *got = test_render_one(f);

	TMX_CHECK_STR(got, want);
	free(got);
}

static const char *const test_proto[] = { "policy", "socketmap" };
static const char *const test_verdict[] = { "relay", "deny", "none" };

/* test_counters - no labels, fixed labels, two dims in enum order */
static void
test_counters(void)
{
	static uint64_t plain[1];
	static uint64_t grid[2 * 3];
	const struct metrics_family f_plain = {
		"t_evictions_total", "Evictions", METRICS_COUNTER,
		{ { 0 } }, { { 0 } }, NULL, 0, plain, NULL, 0,
	};
	const struct metrics_family f_grid = {
		"t_requests_total", "Requests", METRICS_COUNTER,
		{ { "daemon", "policyd" } },
		{ { "protocol", test_proto, 2 },
		  { "verdict", test_verdict, 3 } }, NULL, 0, grid, NULL, 0,
	};

	test_expect(&f_plain, "# HELP t_evictions_total Evictions\n"
		    "# TYPE t_evictions_total counter\n"
		    "t_evictions_total 0\n");
	metrics_counter_add(&plain[0], 3);
	metrics_counter_add(&grid[1 * 3 + 1], 2);	/* socketmap deny */
	metrics_counter_add(&grid[0 * 3 + 0], 1);	/* policy relay */
	test_expect(&f_plain, "# HELP t_evictions_total Evictions\n"
		    "# TYPE t_evictions_total counter\n"
		    "t_evictions_total 3\n");
	test_expect(&f_grid, "# HELP t_requests_total Requests\n"
	    "# TYPE t_requests_total counter\n"
	    "t_requests_total{daemon=\"policyd\",protocol=\"policy\",verdict=\"relay\"} 1\n"
	    "t_requests_total{daemon=\"policyd\",protocol=\"policy\",verdict=\"deny\"} 0\n"
	    "t_requests_total{daemon=\"policyd\",protocol=\"policy\",verdict=\"none\"} 0\n"
	    "t_requests_total{daemon=\"policyd\",protocol=\"socketmap\",verdict=\"relay\"} 0\n"
	    "t_requests_total{daemon=\"policyd\",protocol=\"socketmap\",verdict=\"deny\"} 2\n"
	    "t_requests_total{daemon=\"policyd\",protocol=\"socketmap\",verdict=\"none\"} 0\n");
}

/* test_gauges - set, add below zero, two fixed labels */
static void
test_gauges(void)
{
	static int64_t g[1];
	const struct metrics_family f = {
		"t_build_info", "Build", METRICS_GAUGE,
		{ { "daemon", "milter" }, { "version", "1.2.3" } },
		{ { 0 } }, NULL, 0, g, NULL, 0,
	};

	metrics_gauge_set(&g[0], 2);
	metrics_gauge_add(&g[0], -5);
	test_expect(&f, "# HELP t_build_info Build\n"
		    "# TYPE t_build_info gauge\n"
		    "t_build_info{daemon=\"milter\",version=\"1.2.3\"} -3\n");
}

/* test_histogram - cumulative buckets, +Inf, sum in seconds, count */
static void
test_histogram(void)
{
	static const uint64_t bounds[] = { 50, 100, 2000000 };
	static struct metrics_hist h[2];
	const struct metrics_family f = {
		"t_duration_seconds", "Latency", METRICS_HISTOGRAM,
		{ { 0 } }, { { "protocol", test_proto, 2 } }, bounds, 3, h,
		NULL, 0,
	};

	metrics_hist_observe(&h[0], bounds, 3, 10);
	metrics_hist_observe(&h[0], bounds, 3, 60);
	metrics_hist_observe(&h[0], bounds, 3, 100);	/* le is inclusive */
	metrics_hist_observe(&h[0], bounds, 3, 3000000);	/* +Inf */
	test_expect(&f, "# HELP t_duration_seconds Latency\n"
	    "# TYPE t_duration_seconds histogram\n"
	    "t_duration_seconds_bucket{protocol=\"policy\",le=\"0.00005\"} 1\n"
	    "t_duration_seconds_bucket{protocol=\"policy\",le=\"0.0001\"} 3\n"
	    "t_duration_seconds_bucket{protocol=\"policy\",le=\"2\"} 3\n"
	    "t_duration_seconds_bucket{protocol=\"policy\",le=\"+Inf\"} 4\n"
	    "t_duration_seconds_sum{protocol=\"policy\"} 3.00017\n"
	    "t_duration_seconds_count{protocol=\"policy\"} 4\n"
	    "t_duration_seconds_bucket{protocol=\"socketmap\",le=\"0.00005\"} 0\n"
	    "t_duration_seconds_bucket{protocol=\"socketmap\",le=\"0.0001\"} 0\n"
	    "t_duration_seconds_bucket{protocol=\"socketmap\",le=\"2\"} 0\n"
	    "t_duration_seconds_bucket{protocol=\"socketmap\",le=\"+Inf\"} 0\n"
	    "t_duration_seconds_sum{protocol=\"socketmap\"} 0\n"
	    "t_duration_seconds_count{protocol=\"socketmap\"} 0\n");
}

/* test_escaping - label values: \ " newline; HELP: \ and newline only */
static void
test_escaping(void)
{
	static const char *const odd[] = { "a\\b\"c\nd" };
	static uint64_t c[1];
	const struct metrics_family f = {
		"t_odd_total", "Back\\slash \"quoted\"\nnext", METRICS_COUNTER,
		{ { "source", "file:/etc/x\"y" } }, { { "v", odd, 1 } }, NULL, 0,
		c, NULL, 0,
	};

	test_expect(&f, "# HELP t_odd_total Back\\\\slash \"quoted\"\\nnext\n"
	    "# TYPE t_odd_total counter\n"
	    "t_odd_total{source=\"file:/etc/x\\\"y\",v=\"a\\\\b\\\"c\\nd\"} 0\n");
}

/* test_pairs - only the listed label combinations, in their order */
static void
test_pairs(void)
{
	static const struct metrics_snapshot_row pairs[] = {
		{ { "spf", "softfail" }, 0 }, { { "arc", "pass" }, 0 },
	};
	static uint64_t c[2];
	const struct metrics_family f = {
		"t_messages_total", "Messages", METRICS_COUNTER, { { 0 } },
		{ { "method", NULL, 0 }, { "result", NULL, 0 } }, NULL, 0, c,
		pairs, 2,
	};

	metrics_counter_add(&c[1], 7);
	TMX_CHECK(metrics_family_nseries(&f) == 2);
	test_expect(&f, "# HELP t_messages_total Messages\n"
	    "# TYPE t_messages_total counter\n"
	    "t_messages_total{method=\"spf\",result=\"softfail\"} 0\n"
	    "t_messages_total{method=\"arc\",result=\"pass\"} 7\n");
}

/* test_snapshot - replaced whole; empty: the HELP and TYPE lines only */
static void
test_snapshot(void)
{
	static struct metrics_snapshot snap = METRICS_SNAPSHOT_INIT(false);
	static struct metrics_snapshot held = METRICS_SNAPSHOT_INIT(true);
	const struct metrics_family f = {
		"t_list_entries", "Prefixes", METRICS_SNAPSHOT,
		{ { "daemon", "policyd" } },
		{ { "list", NULL, 0 }, { "source", NULL, 0 } }, NULL, 0, &snap,
		NULL, 0,
	};
	const struct metrics_family fh = {
		"t_held_total", "Held", METRICS_SNAPSHOT, { { 0 } },
		{ { "domain", NULL, 0 } }, NULL, 0, &held, NULL, 0,
	};
	struct metrics_snapshot_row rows[2] = {
		{ { "relay_networks", "spf:relays.example" }, 12 },
		{ { "deny_networks", "inline" }, 1 },
	};
	char label[32];

	test_expect(&f, "# HELP t_list_entries Prefixes\n"
		    "# TYPE t_list_entries gauge\n");
	/* the snapshot copies: the caller's strings may go away */
	snprintf(label, sizeof(label), "spf:relays.example");
	rows[0].label[1] = label;
	metrics_snapshot_replace(&snap, rows, 2);
	memset(label, 'x', sizeof(label) - 1);
	test_expect(&f, "# HELP t_list_entries Prefixes\n"
	    "# TYPE t_list_entries gauge\n"
	    "t_list_entries{daemon=\"policyd\",list=\"relay_networks\",source=\"spf:relays.example\"} 12\n"
	    "t_list_entries{daemon=\"policyd\",list=\"deny_networks\",source=\"inline\"} 1\n");
	metrics_snapshot_replace(&snap, &rows[1], 1);
	test_expect(&f, "# HELP t_list_entries Prefixes\n"
	    "# TYPE t_list_entries gauge\n"
	    "t_list_entries{daemon=\"policyd\",list=\"deny_networks\",source=\"inline\"} 1\n");
	rows[0].label[0] = "relays.example";
	rows[0].label[1] = NULL;
	rows[0].value = 3;
	metrics_snapshot_replace(&held, rows, 1);
	test_expect(&fh, "# HELP t_held_total Held\n"
	    "# TYPE t_held_total counter\n"
	    "t_held_total{domain=\"relays.example\"} 3\n");
	metrics_snapshot_clear(&snap);
	metrics_snapshot_clear(&held);
	test_expect(&f, "# HELP t_list_entries Prefixes\n"
		    "# TYPE t_list_entries gauge\n");
}

/* The window's sum after each step of a clock that only moves forward */
struct test_window_step {
	time_t at;		/* seconds after the start */
	uint64_t add;		/* events at that time */
	uint64_t want;		/* the sum then */
};

/* test_windows - the last 60 minutes across boundaries and idle hours */
static void
test_windows(void)
{
	static const struct test_window_step steps[] = {
		{ 0, 3, 3 },			/* minute 0 */
		{ 59, 2, 5 },			/* still minute 0 */
		{ 60, 1, 6 },			/* minute 1 */
		{ 59 * 60 + 59, 0, 6 },		/* minute 59: all in */
		{ 60 * 60, 0, 1 },		/* minute 60: minute 0 out */
		{ 60 * 60 + 1, 4, 5 },		/* minute 0's slot, reused */
		{ 61 * 60, 0, 4 },		/* minute 1 out */
		{ 3 * 3600, 0, 0 },		/* two idle hours: nothing */
		{ 3 * 3600 + 30, 1, 1 },	/* a slot two hours old */
		{ 5 * 3600 + 59 * 60, 0, 0 },
	};
	static struct metrics_window w[1];
	static const char *const one[] = { "deny" };
	const struct metrics_family f = {
		"t_last_hour", "Last hour", METRICS_WINDOW, { { 0 } },
		{ { "verdict", one, 1 } }, NULL, 0, w, NULL, 0,
	};
	const time_t start = 1800000000;	/* a whole minute */
	char want[256];
	size_t i;

	metrics_set_clock(test_clock);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		test_clock_now = start + steps[i].at;
		if (steps[i].add > 0)
			metrics_window_add(&w[0], steps[i].add);
		TMX_CHECKF(metrics_window_sum(&w[0]) == steps[i].want,
			   "step %zu: %llu, want %llu", i,
			   (unsigned long long)metrics_window_sum(&w[0]),
			   (unsigned long long)steps[i].want);
	}
	test_clock_now = start + 3600 * 24;
	metrics_window_add(&w[0], 2);
	snprintf(want, sizeof(want), "# HELP t_last_hour Last hour\n"
		 "# TYPE t_last_hour gauge\n"
		 "t_last_hour{verdict=\"deny\"} 2\n");
	test_expect(&f, want);
	metrics_set_clock(NULL);
}

/* One *_metrics_listen value and what parsing it gives */
struct test_addr_case {
	const char *text;
	int rc;
	int is_unix;
	const char *host, *port;
};

/* test_addr - the syntax: host:port, [v6]:port, /path; nothing else */
static void
test_addr(void)
{
	static const struct test_addr_case cases[] = {
		{ "127.0.0.1:9120", 0, 0, "127.0.0.1", "9120" },
		{ "localhost:9120", 0, 0, "localhost", "9120" },
		{ "*:9120", 0, 0, "*", "9120" },
		{ "[::1]:9121", 0, 0, "::1", "9121" },
		{ "[2001:db8::1]:65535", 0, 0, "2001:db8::1", "65535" },
		{ "/run/trustmx/policyd-metrics.sock", 0, 1, NULL, NULL },
		{ "::1:9120", -1, 0, NULL, NULL },	/* v6 needs brackets */
		{ "[::1]9120", -1, 0, NULL, NULL },
		{ "[nothost]:9120", -1, 0, NULL, NULL },
		{ "127.0.0.1", -1, 0, NULL, NULL },
		{ "127.0.0.1:", -1, 0, NULL, NULL },
		{ "127.0.0.1:0", -1, 0, NULL, NULL },
		{ "127.0.0.1:65536", -1, 0, NULL, NULL },
		{ "127.0.0.1:http", -1, 0, NULL, NULL },
		{ ":9120", -1, 0, NULL, NULL },
		{ "bad host:9120", -1, 0, NULL, NULL },
		{ "run/relative.sock", -1, 0, NULL, NULL },
		{ "unix:/run/x.sock", -1, 0, NULL, NULL },
	};
	struct metrics_addr a;
	const char *error;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct test_addr_case *c = &cases[i];
		int rc;

		error = NULL;
		rc = metrics_addr_parse(c->text, &a, &error);
		TMX_CHECKF(rc == c->rc, "%s: rc %d", c->text, rc);
		if (rc < 0) {
			TMX_CHECKF(error != NULL, "%s: no reason", c->text);
			continue;
		}
		TMX_CHECKF(a.is_unix == (c->is_unix != 0), "%s", c->text);
		if (c->is_unix)
			TMX_CHECK_STR(a.path, c->text);
		else {
			TMX_CHECK_STR(a.host, c->host);
			TMX_CHECK_STR(a.port, c->port);
		}
	}
}

/* test_order - several families: each HELP/TYPE once, in order */
static void
test_order(void)
{
	static uint64_t a[1], b[1];
	const struct metrics_family fa = {
		"t_a_total", "A", METRICS_COUNTER, { { 0 } }, { { 0 } }, NULL,
		0, a, NULL, 0,
	};
	const struct metrics_family fb = {
		"t_b_total", "B", METRICS_COUNTER, { { 0 } }, { { 0 } }, NULL,
		0, b, NULL, 0,
	};
	const struct metrics_family *both[] = { &fa, &fb };
	struct metrics_buf out = { 0 };

	metrics_render(both, 2, &out);
	TMX_CHECK_STR(out.data, "# HELP t_a_total A\n# TYPE t_a_total counter\n"
		      "t_a_total 0\n# HELP t_b_total B\n"
		      "# TYPE t_b_total counter\nt_b_total 0\n");
	TMX_CHECK(out.len == strlen(out.data));
	metrics_buf_free(&out);
}

int
main(void)
{
	test_counters();
	test_gauges();
	test_histogram();
	test_escaping();
	test_pairs();
	test_snapshot();
	test_windows();
	test_addr();
	test_order();
	return TMX_TEST_END();
}
