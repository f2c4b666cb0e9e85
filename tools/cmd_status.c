/*
 * cmd_status.c - "trustmx status": fetch both daemons' /metrics (the
 * addresses from policyd_metrics_listen and milter_metrics_listen, or
 * --policyd/--milter), and tell a Postfix admin in a screenful whether
 * they are up, what they loaded, how the last hour went and what is wrong.
 * Exit 0 when nothing is, 1 when something is, 2 on usage or config errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "commands.h"
#include "conf.h"
#include "json.h"
#include "status.h"

#define CMD_STATUS_CONF		TMX_CONF_FILE	/* from meson: sysconfdir */
#define CMD_STATUS_TIMEOUT_MS	3000L
#define CMD_STATUS_STALE_DEFAULT (2.0 * 86400)	/* 2 x spf_refresh_max's 1d */

/* cmd_status_usage - the synopsis, to fp */
static void
cmd_status_usage(FILE *fp)
{
	fputs("usage: trustmx status [-c FILE] [--json] [--policyd URL] "
	      "[--milter URL]\n"
	      "\n"
	      "  Both daemons' health from their /metrics: up or down,\n"
	      "  version, uptime, last reload, list sizes per source, spf:\n"
	      "  source ages, the last hour's verdicts, actions, relay\n"
	      "  recoveries and DNS failures, then one line per problem.\n"
	      "  -c FILE        the configuration (default " CMD_STATUS_CONF
	      ")\n"
	      "  --json         the same as one JSON object\n"
	      "  --policyd URL  instead of policyd_metrics_listen: host:port,\n"
	      "                 http://host:port/metrics or a socket path\n"
	      "  --milter URL   instead of milter_metrics_listen\n"
	      "Exit status: 0 nothing wrong, 1 a problem, 2 usage or config.\n",
	      fp);
}

/* cmd_status_when - unix time t as "2026-12-05T12:00:00Z", into buf */
static const char *
cmd_status_when(double t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "never");
	return buf;
}

/* cmd_status_ago - a duration in seconds as "3d 4h", "5m 2s", into buf */
static const char *
cmd_status_ago(double secs, char *buf, size_t len)
{
	long long s = secs < 0 ? 0 : (long long)secs;

	if (s >= 86400)
		snprintf(buf, len, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

/*
 * cmd_status_safe - text from a scrape for the terminal: control bytes
 * (a label value may hold a newline) become '?', into buf
 */
static const char *
cmd_status_safe(const char *text, char *buf, size_t len)
{
	size_t i;

	for (i = 0; text[i] != '\0' && i + 1 < len; i++)
		buf[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ?
		    '?' : text[i];
	buf[i] = '\0';
	return buf;
}

/* cmd_status_collect - fetch and read one daemon */
static void
cmd_status_collect(struct status_daemon *d)
{
	char *body;
	size_t len;

	if (!d->configured)
		return;
	if (status_fetch(d->target, CMD_STATUS_TIMEOUT_MS, &body, &len,
	    d->error, sizeof(d->error)) < 0)
		return;
	d->up = status_read(d, body, len) == 0;
	free(body);
}

/* cmd_status_print_daemon - one daemon in text */
static void
cmd_status_print_daemon(const struct status_daemon *d, double now,
			double stale_after)
{
	char w[64], a[64], s1[PROM_TEXT_VALUE_MAX + 1];
	char s2[PROM_TEXT_VALUE_MAX + 1], e[STATUS_ERROR_MAX];

	if (!d->configured) {
		printf("trustmx-%s: not configured (%s_metrics_listen is "
		    "empty)\n", d->name, d->name);
		return;
	}
	if (!d->up) {
		/* the error may quote the server (its Content-Type) */
		printf("trustmx-%s: DOWN at %s: %s\n", d->name, d->target,
		    cmd_status_safe(d->error, e, sizeof(e)));
		return;
	}
	printf("trustmx-%s: up at %s\n", d->name, d->target);
	printf("  version %s, up %s (since %s)\n",
	    d->version[0] ? cmd_status_safe(d->version, s1, sizeof(s1)) :
	    "unknown",
	    cmd_status_ago(now - d->start_time, a, sizeof(a)),
	    cmd_status_when(d->start_time, w, sizeof(w)));
	printf("  last reload %s %s ago (%s); %.0f ok, %.0f failed\n",
	    d->reload_success == 1 ? "ok" : d->reload_success == 0 ?
	    "FAILED" : "unknown",
	    cmd_status_ago(now - d->reload_time, a, sizeof(a)),
	    cmd_status_when(d->reload_time, w, sizeof(w)), d->reloads_ok,
	    d->reloads_error);
	for (size_t i = 0; i < d->nlists; i++)
		printf("  list %s source %s: %.0f\n",
		    cmd_status_safe(d->list[i].list, s1, sizeof(s1)),
		    cmd_status_safe(d->list[i].source, s2, sizeof(s2)),
		    d->list[i].entries);
	for (size_t i = 0; i < d->nspf; i++) {
		const struct status_spf *s = &d->spf[i];

		printf("  spf:%s refreshed %s%s, last error %s%s%s\n",
		    cmd_status_safe(s->domain, s1, sizeof(s1)),
		    s->last_refresh > 0 ?
		    cmd_status_ago(now - s->last_refresh, a, sizeof(a)) :
		    "never", s->last_refresh > 0 ? " ago" : "",
		    cmd_status_when(s->last_error, w, sizeof(w)),
		    status_check_spf_stale(s, now, stale_after) ? " STALE" : "",
		    s->last_error > 0 && s->last_error >= s->last_refresh ?
		    " FAILING" : "");
	}
	if (strcmp(d->name, "policyd") == 0) {
		printf("  last hour verdicts:");
		for (int i = 0; i < STATUS_VERDICTS; i++)
			printf(" %s %.0f", status_verdicts[i],
			    d->verdicts_hour[i]);
		printf("\n");
	} else {
		printf("  last hour actions:");
		for (int i = 0; i < STATUS_ACTIONS; i++)
			printf(" %s %.0f", status_actions[i],
			    d->actions_hour[i]);
		printf("\n  last hour relay recoveries: recovered %.0f "
		    "fallback %.0f\n", d->recoveries_hour[0],
		    d->recoveries_hour[1]);
	}
	printf("  last hour DNS failures: %.0f\n", d->dns_failures_hour);
	if (d->dropped > 0)
		printf("  (%zu more list or spf: rows not shown)\n",
		    d->dropped);
}

/* cmd_status_json_daemon - one daemon as a member of "daemons" */
static void
cmd_status_json_daemon(struct json_out *j, const struct status_daemon *d,
		       double now, double stale_after)
{
	json_key(j, d->name);
	json_object_begin(j);
	json_kv_bool(j, "configured", d->configured);
	if (d->configured)
		json_kv_string(j, "target", d->target);
	json_kv_bool(j, "up", d->up);
	if (!d->up) {
		if (d->configured)
			json_kv_string(j, "error", d->error);
		json_object_end(j);
		return;
	}
	json_kv_string(j, "version", d->version);
	json_kv_int(j, "start_time", (long long)d->start_time);
	json_kv_int(j, "uptime_seconds", (long long)(now - d->start_time));
	json_key(j, "reload");
	json_object_begin(j);
	json_kv_int(j, "time", (long long)d->reload_time);
	json_kv_int(j, "ago_seconds", (long long)(now - d->reload_time));
	json_key(j, "success");
	if (d->reload_success < 0)
		json_string(j, "unknown");
	else
		json_bool(j, d->reload_success == 1);
	json_kv_int(j, "ok_total", (long long)d->reloads_ok);
	json_kv_int(j, "error_total", (long long)d->reloads_error);
	json_object_end(j);
	json_key(j, "lists");
	json_array_begin(j);
	for (size_t i = 0; i < d->nlists; i++) {
		json_object_begin(j);
		json_kv_string(j, "list", d->list[i].list);
		json_kv_string(j, "source", d->list[i].source);
		json_kv_int(j, "entries", (long long)d->list[i].entries);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "spf_sources");
	json_array_begin(j);
	for (size_t i = 0; i < d->nspf; i++) {
		const struct status_spf *s = &d->spf[i];

		json_object_begin(j);
		json_kv_string(j, "domain", s->domain);
		json_kv_int(j, "last_refresh", (long long)s->last_refresh);
		if (s->last_refresh > 0)
			json_kv_int(j, "age_seconds",
			    (long long)(now - s->last_refresh));
		json_kv_int(j, "last_error", (long long)s->last_error);
		json_kv_int(j, "shrinks_held", (long long)s->shrinks_held);
		json_kv_bool(j, "stale", status_check_spf_stale(s, now,
		    stale_after));
		json_kv_bool(j, "failing", s->last_error > 0 &&
		    s->last_error >= s->last_refresh);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "last_hour");
	json_object_begin(j);
	if (strcmp(d->name, "policyd") == 0) {
		json_key(j, "verdicts");
		json_object_begin(j);
		for (int i = 0; i < STATUS_VERDICTS; i++)
			json_kv_int(j, status_verdicts[i],
			    (long long)d->verdicts_hour[i]);
		json_object_end(j);
	} else {
		json_key(j, "actions");
		json_object_begin(j);
		for (int i = 0; i < STATUS_ACTIONS; i++)
			json_kv_int(j, status_actions[i],
			    (long long)d->actions_hour[i]);
		json_object_end(j);
		json_key(j, "relay_recoveries");
		json_object_begin(j);
		for (int i = 0; i < STATUS_OUTCOMES; i++)
			json_kv_int(j, status_outcomes[i],
			    (long long)d->recoveries_hour[i]);
		json_object_end(j);
	}
	json_kv_int(j, "dns_failures", (long long)d->dns_failures_hour);
	json_object_end(j);
	if (d->dropped > 0)
		json_kv_int(j, "rows_not_shown", (long long)d->dropped);
	json_object_end(j);
}

/* cmd_status_target - d's fetch target from an option or the config */
static int
cmd_status_target(struct status_daemon *d, const char *option,
		  const struct conf *conf)
{
	char key[64];
	const char *value = option;

	snprintf(key, sizeof(key), "%s_metrics_listen", d->name);
	if (value == NULL && conf != NULL)
		value = conf_str(conf, key);
	if (value == NULL || value[0] == '\0')
		return 0;
	if (status_fetch_target(value, d->target, sizeof(d->target)) < 0) {
		fprintf(stderr, "trustmx: status: %s%s: \"%s\" is not "
		    "host:port, [address]:port, an http URL or a socket "
		    "path\n", option != NULL ? "--" : "",
		    option != NULL ? d->name : key, value);
		return -1;
	}
	d->configured = true;
	return 0;
}

/* cmd_status_conf - load the config; NULL and *fatal when it must exist */
static struct conf *
cmd_status_conf(const char *path, bool explicit, bool have_both,
		bool *fatal_r)
{
	char err[1024];
	struct conf *conf;

	*fatal_r = false;
	if (!explicit && have_both && access(path, F_OK) != 0)
		return NULL;
	if ((conf = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "trustmx: status: %s\n", err);
		*fatal_r = true;
	}
	return conf;
}

/* cmd_status - trustmx status [-c FILE] [--json] [--policyd/--milter URL] */
int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "policyd", required_argument, NULL, 'p' },
		{ "milter", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct status_daemon daemons[2];
	static struct status_problem problems[STATUS_PROBLEMS_MAX];
	const char *path = CMD_STATUS_CONF, *opt_policyd = NULL;
	const char *opt_milter = NULL;
	bool json = false, explicit = false, fatal;
	double now, stale_after = CMD_STATUS_STALE_DEFAULT;
	struct conf *conf;
	size_t nproblems = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			explicit = true;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			opt_policyd = optarg;
			break;
		case 'm':
			opt_milter = optarg;
			break;
		case 'h':
			cmd_status_usage(stdout);
			return 0;
		default:
			cmd_status_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		cmd_status_usage(stderr);
		return 2;
	}
	conf = cmd_status_conf(path, explicit, opt_policyd != NULL &&
	    opt_milter != NULL, &fatal);
	if (fatal)
		return 2;
	if (conf != NULL)
		stale_after = 2.0 * (double)conf_time(conf, "spf_refresh_max");
	memset(daemons, 0, sizeof(daemons));
	daemons[0].name = "policyd";
	daemons[1].name = "milter";
	if (cmd_status_target(&daemons[0], opt_policyd, conf) < 0 ||
	    cmd_status_target(&daemons[1], opt_milter, conf) < 0) {
		conf_free(conf);
		return 2;
	}
	conf_free(conf);
	if (!daemons[0].configured && !daemons[1].configured) {
		fprintf(stderr, "trustmx: status: no metrics address: set "
		    "policyd_metrics_listen and milter_metrics_listen in %s, "
		    "or give --policyd and --milter\n", path);
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "trustmx: status: libcurl could not start\n");
		return 2;
	}
	for (int i = 0; i < 2; i++)
		cmd_status_collect(&daemons[i]);
	curl_global_cleanup();
	now = (double)time(NULL);
	for (int i = 0; i < 2; i++)
		status_check(&daemons[i], now, stale_after, problems,
		    STATUS_PROBLEMS_MAX, &nproblems);
	if (json) {
		struct json_out j;

		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_bool(&j, "ok", nproblems == 0);
		json_kv_int(&j, "time", (long long)now);
		json_kv_int(&j, "spf_stale_after", (long long)stale_after);
		json_key(&j, "daemons");
		json_object_begin(&j);
		for (int i = 0; i < 2; i++)
			cmd_status_json_daemon(&j, &daemons[i], now,
			    stale_after);
		json_object_end(&j);
		json_key(&j, "problems");
		json_array_begin(&j);
		for (size_t i = 0; i < nproblems; i++) {
			json_object_begin(&j);
			json_kv_string(&j, "daemon", problems[i].daemon);
			json_kv_string(&j, "kind", problems[i].kind);
			json_kv_string(&j, "text", problems[i].text);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		fputc('\n', stdout);
	} else {
		for (int i = 0; i < 2; i++)
			cmd_status_print_daemon(&daemons[i], now,
			    stale_after);
		if (nproblems == 0)
			printf("problems: none\n");
		else
			printf("problems: %zu\n", nproblems);
		for (size_t i = 0; i < nproblems; i++)
			printf("  PROBLEM %s\n", cmd_status_safe(
			    problems[i].text, problems[i].text,
			    sizeof(problems[i].text)));
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "trustmx: status: writing: %s\n",
		    strerror(errno));
		return 2;
	}
	return nproblems > 0 ? 1 : 0;
}
