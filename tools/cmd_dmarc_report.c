/*
 * cmd_dmarc_report.c - "trustmx dmarc report": DMARC aggregate reports
 * (RFC 9990) from the stores trustmx-milter fills (dmarc_report_db), one
 * per node, merged. Run daily (trustmx-dmarc-report.timer); by default it
 * reports every complete UTC day with data that was not reported yet.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <trustmx/version.h>

#include "commands.h"
#include "conf.h"
#include "conf_dns.h"
#include "dmarc_db.h"
#include "dmarc_run.h"
#include "dmarc_send.h"

#define CMD_DMARC_DAY		86400
#define CMD_DMARC_STORES_MAX	64
#define CMD_DMARC_BUSY_MS	10000

/* The command line */
struct cmd_dmarc_opts {
	const char *conf_path;
	const char *db[CMD_DMARC_STORES_MAX];
	size_t ndb;
	const char *period;	/* NULL: due */
	const char *sendmail;
	const char *output_dir;
	bool dry_run, resend, verbose;
};

/* cmd_dmarc_report_usage - the synopsis to fp; the exit status to use */
static int
cmd_dmarc_report_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: trustmx dmarc report [-c FILE] [--db FILE]... "
	    "[--period due|yesterday|START..END]\n"
	    "                            [--dry-run] [--sendmail COMMAND] "
	    "[--output-dir DIR]\n"
	    "                            [--resend] [-v]\n"
	    "\n"
	    "Builds DMARC aggregate reports (RFC 9990) from the stores that\n"
	    "trustmx-milter fills (dmarc_report_db; several --db merge the\n"
	    "stores of several nodes), one per policy domain and period, and\n"
	    "mails each to the rua destinations that may have it through\n"
	    "sendmail(1). The default period, due, is every complete UTC day\n"
	    "not reported yet. --dry-run prints the XML and sends nothing.\n"
	    "Exit 0: done; 1: something to try again (the next run does);\n"
	    "2: usage or configuration.\n");
	return status;
}

/* cmd_dmarc_parse - the options into o; -1 usage error, 1 help, 0 */
static int
cmd_dmarc_parse(int argc, char **argv, struct cmd_dmarc_opts *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "period", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "sendmail", required_argument, NULL, 's' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "resend", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->conf_path = TMX_CONF_FILE;
	o->sendmail = DMARC_SEND_SENDMAIL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:v", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf_path = optarg; break;
		case 'd':
			if (o->ndb == CMD_DMARC_STORES_MAX)
				return -1;
			o->db[o->ndb++] = optarg;
			break;
		case 'p': o->period = optarg; break;
		case 'n': o->dry_run = true; break;
		case 's': o->sendmail = optarg; break;
		case 'o': o->output_dir = optarg; break;
		case 'r': o->resend = true; break;
		case 'v': o->verbose = true; break;
		case 'h': return 1;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* cmd_dmarc_open - the stores; -1 said why, 1 nothing to report */
static int
cmd_dmarc_open(const struct cmd_dmarc_opts *o, const struct conf *conf,
	       struct dmarc_db **stores, size_t *n)
{
	const char *path = conf_str(conf, "dmarc_report_db");
	char err[1024];
	size_t i;

	*n = 0;
	if (o->ndb == 0) {
		if (path[0] == '\0') {
			printf("dmarc_report_db is empty in %s: DMARC "
			       "reporting is off\n", o->conf_path);
			return 1;
		}
		if (access(path, F_OK) != 0) {
			printf("%s does not exist yet: nothing to report\n",
			       path);
			return 1;
		}
	}
	for (i = 0; i < (o->ndb ? o->ndb : 1); i++) {
		stores[i] = dmarc_db_open(o->ndb ? o->db[i] : path,
					  DMARC_DB_EXISTING, CMD_DMARC_BUSY_MS,
					  err, sizeof(err));
		if (stores[i] == NULL) {
			fprintf(stderr, "trustmx dmarc report: %s\n", err);
			return -1;
		}
		(*n)++;
	}
	if (!o->dry_run && dmarc_db_readonly(stores[0])) {
		fprintf(stderr, "trustmx dmarc report: %s is read-only: the "
			"ledger of reports sent is kept there\n",
			dmarc_db_path(stores[0]));
		return -1;
	}
	return 0;
}

/* cmd_dmarc_first_day - midnight of the oldest hour stored, or -1 */
static time_t
cmd_dmarc_first_day(struct dmarc_db **stores, size_t n)
{
	time_t first = -1, t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = dmarc_db_first_hour(stores[i]);
		if (t >= 0 && (first < 0 || t < first))
			first = t;
	}
	return first < 0 ? -1 : first - first % CMD_DMARC_DAY;
}

/* cmd_dmarc_periods - report each period the options ask for; 0, 1 (a
 * destination to try again), 2 (bad period) or -1 (a store failed) */
static int
cmd_dmarc_periods(const struct cmd_dmarc_opts *o, struct dmarc_db **stores,
		  size_t n, struct dmarc_run_config *cfg, long retention)
{
	struct dmarc_run_totals t = { 0 };
	time_t begin, end, day, today = cfg->now - cfg->now % CMD_DMARC_DAY;
	const char *why;
	int rc = 0;

	if (o->period != NULL && strcmp(o->period, "due") != 0) {
		if (dmarc_run_parse_period(o->period, cfg->now, &begin, &end,
					   &why) < 0) {
			fprintf(stderr, "trustmx dmarc report: --period %s: "
				"%s\n", o->period, why);
			return 2;
		}
		cfg->verbose = true;
		rc = dmarc_run_period(stores, n, cfg, begin, end, &t);
	} else if ((day = cmd_dmarc_first_day(stores, n)) >= 0) {
		/* whole days only: rows older than the retention are gone */
		if (day < today - retention / CMD_DMARC_DAY * CMD_DMARC_DAY)
			day = today - retention / CMD_DMARC_DAY * CMD_DMARC_DAY;
		for (; day < today && rc == 0; day += CMD_DMARC_DAY)
			rc = dmarc_run_period(stores, n, cfg, day,
					      day + CMD_DMARC_DAY, &t);
	}
	fprintf(cfg->log, "%u reports: %u mails sent, %u destinations "
		"skipped, %u to try again, %u sent before\n", t.reports,
		t.sent, t.skipped, t.failed, t.already);
	if (rc < 0)
		return -1;
	return t.failed > 0 ? 1 : 0;
}

/* cmd_dmarc_prune - retention: delete old rows of every writable store */
static void
cmd_dmarc_prune(struct dmarc_db **stores, size_t n, time_t before)
{
	long deleted;
	size_t i;

	for (i = 0; i < n; i++) {
		if (dmarc_db_readonly(stores[i]))
			continue;
		deleted = dmarc_db_prune(stores[i], before);
		if (deleted < 0)
			fprintf(stderr, "trustmx dmarc report: %s: deleting "
				"old rows: %s\n", dmarc_db_path(stores[i]),
				dmarc_db_errmsg(stores[i]));
		else if (deleted > 0)
			printf("%s: %ld rows past dmarc_report_retention "
			       "deleted\n", dmarc_db_path(stores[i]), deleted);
	}
}

/* cmd_dmarc_config - the run's settings from conf and options; -1 if the
 * configuration lacks something */
static int
cmd_dmarc_config(const struct cmd_dmarc_opts *o, const struct conf *conf,
		 struct dmarc_run_config *cfg, char **sendmail)
{
	const char *email = conf_str(conf, "dmarc_report_email");

	memset(cfg, 0, sizeof(*cfg));
	if (email[0] == '\0' ||
	    conf_str(conf, "dmarc_report_org_name")[0] == '\0') {
		fprintf(stderr, "trustmx dmarc report: %s: set "
			"dmarc_report_org_name and dmarc_report_email\n",
			o->conf_path);
		return -1;
	}
	cfg->org_name = conf_str(conf, "dmarc_report_org_name");
	cfg->email = email;
	cfg->receiver = strrchr(email, '@') + 1;
	cfg->generator = "trustmx " TMX_VERSION_STRING;
	cfg->envelope_to = conf_bool(conf, "dmarc_report_envelope_to");
	cfg->sendmail = sendmail;
	cfg->output_dir = o->output_dir;
	cfg->dry_run = o->dry_run;
	cfg->resend = o->resend;
	cfg->verbose = o->verbose;
	cfg->now = time(NULL);
	cfg->xml_out = stdout;
	cfg->log = o->dry_run ? stderr : stdout;
	return 0;
}

/* cmd_dmarc_report - parse options, load, report, prune */
int
cmd_dmarc_report(int argc, char **argv)
{
	struct dmarc_db *stores[CMD_DMARC_STORES_MAX];
	struct dmarc_run_config cfg;
	struct cmd_dmarc_opts o;
	struct conf *conf;
	char err[1024], **sendmail = NULL;
	size_t n = 0, i;
	long retention;
	int rc;

	/* argv[0] is "dmarc", argv[1] "report": options start after them */
	if (argc < 2)
		return cmd_dmarc_report_usage(stderr, 2);
	rc = cmd_dmarc_parse(argc - 1, argv + 1, &o);
	if (rc != 0)
		return cmd_dmarc_report_usage(rc > 0 ? stdout : stderr,
					      rc > 0 ? 0 : 2);
	if ((conf = conf_load(o.conf_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "trustmx dmarc report: %s\n", err);
		return 2;
	}
	sendmail = conf_words(o.sendmail);
	retention = conf_time(conf, "dmarc_report_retention");
	rc = cmd_dmarc_open(&o, conf, stores, &n);
	if (rc != 0) {
		rc = rc > 0 ? 0 : 1;
		goto out;
	}
	if (sendmail[0] == NULL || cmd_dmarc_config(&o, conf, &cfg,
						    sendmail) < 0) {
		rc = 2;
		goto out;
	}
	if (!o.dry_run && conf_dns_apply(conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "trustmx dmarc report: %s\n", err);
		rc = 2;
		goto out;
	}
	rc = cmd_dmarc_periods(&o, stores, n, &cfg, retention);
	if (rc < 0)
		rc = 1;
	else if (!o.dry_run && rc != 2)
		cmd_dmarc_prune(stores, n, cfg.now - retention);
out:
	for (i = 0; i < n; i++)
		dmarc_db_close(stores[i]);
	conf_words_free(sendmail);
	conf_free(conf);
	return rc;
}
