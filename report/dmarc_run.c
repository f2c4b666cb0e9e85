/*
 * dmarc_run.c - build and send the reports of one period. Per policy
 * domain: the merged rows (dmarc_agg), the XML (dmarc_xml), gzip, then
 * for each rua destination that may have it (dmarc_dest) and has not had
 * it (the ledger), a mail through sendmail (dmarc_send). A destination
 * whose mail or DNS check failed is not noted, so the next run tries it
 * again with the same Report-ID and file name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc_agg.h"
#include "dmarc_buf.h"
#include "dmarc_gzip.h"
#include "dmarc_mail.h"
#include "dmarc_run.h"
#include "dmarc_send.h"
#include "dmarc_xml.h"

#define DMARC_RUN_HOUR	3600
#define DMARC_RUN_DAY	86400

/* One report on its way: what every destination's mail shares */
struct dmarc_run_report {
	struct dmarc_agg_report rep;
	char report_id[DMARC_MAIL_ID_MAX];
	char filename[DMARC_MAIL_NAME_MAX];
	struct dmarc_buf gz;
};

/* dmarc_run_when - "2026-05-11T00:00Z" for the operator */
static const char *
dmarc_run_when(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%MZ", &tm);
	return buf;
}

/* dmarc_run_save - the .xml.gz into output_dir (written, then renamed) */
static int
dmarc_run_save(const struct dmarc_run_config *cfg,
	       const struct dmarc_run_report *r)
{
	char path[4096], tmp[4200];
	FILE *fp;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", cfg->output_dir, r->filename);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "we")) == NULL) {
		fprintf(cfg->log, "  cannot write %s: %s\n", tmp,
			strerror(errno));
		return -1;
	}
	ok = fwrite(r->gz.data, 1, r->gz.len, fp) == r->gz.len;
	ok = (fclose(fp) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		fprintf(cfg->log, "  cannot write %s: %s\n", path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	fprintf(cfg->log, "  written to %s\n", path);
	return 0;
}

/* dmarc_run_mail - one destination: ledger, mail, ledger */
static void
dmarc_run_mail(struct dmarc_db *ledger, const struct dmarc_run_config *cfg,
	       const struct dmarc_run_report *r, const struct dmarc_dest *d,
	       struct dmarc_run_totals *t)
{
	struct dmarc_mail_meta m;
	struct dmarc_buf msg = { 0 };
	enum dmarc_db_ledger_state st = DMARC_DB_LEDGER_NEW;
	time_t ob = 0, oe = 0;
	char err[256], w1[32], w2[32];

	if (!cfg->resend)
		st = dmarc_db_ledger_check(ledger, r->rep.policy_domain,
					   d->addr, r->rep.begin, r->rep.end,
					   &ob, &oe);
	switch (st) {
	case DMARC_DB_LEDGER_SENT:
		fprintf(cfg->log, "  %s: already sent\n", d->addr);
		t->already++;
		return;
	case DMARC_DB_LEDGER_OVERLAP:
		fprintf(cfg->log, "  %s: skipped: a report for %s..%s, which "
			"overlaps this period, was sent\n", d->addr,
			dmarc_run_when(ob, w1, sizeof(w1)),
			dmarc_run_when(oe, w2, sizeof(w2)));
		t->skipped++;
		return;
	case DMARC_DB_LEDGER_ERROR:
		fprintf(cfg->log, "  %s: not sent: ledger: %s\n", d->addr,
			dmarc_db_errmsg(ledger));
		t->failed++;
		return;
	case DMARC_DB_LEDGER_NEW:
		break;
	}
	memset(&m, 0, sizeof(m));
	m.org_name = cfg->org_name;
	m.from = cfg->email;
	m.to = d->addr;
	m.receiver = cfg->receiver;
	m.policy_domain = r->rep.policy_domain;
	m.report_id = r->report_id;
	m.filename = r->filename;
	m.begin = r->rep.begin;
	m.end = r->rep.end;
	m.now = cfg->now;
	m.messages = (unsigned long long)r->rep.messages;
	m.records = r->rep.nrows;
	dmarc_mail_build(&m, r->gz.data, r->gz.len, &msg);
	if (dmarc_send(cfg->sendmail, cfg->email, d->addr, msg.data, msg.len,
		       err, sizeof(err)) < 0) {
		fprintf(cfg->log, "  %s: not sent (next run tries again): "
			"%s\n", d->addr, err);
		t->failed++;
	} else if (dmarc_db_ledger_add(ledger, r->rep.policy_domain, d->addr,
				       r->rep.begin, r->rep.end, r->report_id,
				       cfg->now) < 0) {
		fprintf(cfg->log, "  %s: sent, but not noted in the ledger "
			"(%s): the next run sends it again\n", d->addr,
			dmarc_db_errmsg(ledger));
		t->sent++;
	} else {
		fprintf(cfg->log, "  %s: sent%s\n", d->addr,
			d->override ? " (the destination's own rua=)" : "");
		t->sent++;
	}
	dmarc_buf_free(&msg);
}

/* dmarc_run_destinations - check rua, mail every usable destination */
static void
dmarc_run_destinations(struct dmarc_db *ledger,
		       const struct dmarc_run_config *cfg,
		       const struct dmarc_run_report *r,
		       struct dmarc_run_totals *t)
{
	struct dmarc_dest dests[DMARC_DEST_MAX];
	size_t n, i;

	if (r->rep.policy.rua[0] == '\0') {
		fprintf(cfg->log, "  no rua tag: no report requested\n");
		return;
	}
	n = dmarc_dest_resolve(r->rep.policy.rua, r->rep.policy_domain,
			       r->rep.org_domain, cfg->dns, dests,
			       DMARC_DEST_MAX);
	for (i = 0; i < n; i++) {
		const struct dmarc_dest *d = &dests[i];

		switch (d->state) {
		case DMARC_DEST_OK:
			dmarc_run_mail(ledger, cfg, r, d, t);
			break;
		case DMARC_DEST_TEMPFAIL:
			fprintf(cfg->log, "  %s: not sent (next run tries "
				"again): %s\n", d->uri, d->why);
			t->failed++;
			break;
		default:
			fprintf(cfg->log, "  %s: skipped: %s: %s\n", d->uri,
				dmarc_dest_state_str(d->state), d->why);
			t->skipped++;
			break;
		}
	}
}

/* dmarc_run_domain - one policy domain's report of [agg_begin, agg_end) */
static int
dmarc_run_domain(struct dmarc_agg *agg, time_t agg_begin, time_t agg_end,
		 struct dmarc_db *ledger, const char *reporter_id,
		 const struct dmarc_run_config *cfg, const char *domain,
		 struct dmarc_run_totals *t)
{
	struct dmarc_run_report r;
	struct dmarc_xml_meta meta;
	struct dmarc_buf xml = { 0 };
	char err[512], w1[32], w2[32];
	unsigned failed;

	if (!cfg->resend && !cfg->dry_run &&
	    dmarc_db_ledger_check(ledger, domain, "", agg_begin, agg_end,
				  NULL, NULL) == DMARC_DB_LEDGER_SENT) {
		if (cfg->verbose)
			fprintf(cfg->log, "%s %s..%s: already reported\n",
				domain, dmarc_run_when(agg_begin, w1,
				sizeof(w1)), dmarc_run_when(agg_end, w2,
				sizeof(w2)));
		t->already++;
		return 0;
	}
	memset(&r, 0, sizeof(r));
	if (dmarc_agg_report(agg, domain, cfg->envelope_to, &r.rep, err,
			     sizeof(err)) < 0) {
		fprintf(cfg->log, "%s: %s\n", domain, err);
		return -1;
	}
	dmarc_mail_report_id(r.report_id, sizeof(r.report_id), domain,
			     r.rep.begin, r.rep.end, reporter_id);
	dmarc_mail_filename(r.filename, sizeof(r.filename), cfg->receiver,
			    domain, r.rep.begin, r.rep.end, r.report_id);
	meta.org_name = cfg->org_name;
	meta.email = cfg->email;
	meta.report_id = r.report_id;
	meta.generator = cfg->generator;
	dmarc_xml_write(&r.rep, &meta, &xml);
	t->reports++;
	fprintf(cfg->log, "%s %s..%s: %zu records, %llu messages, "
		"Report-ID %s\n", domain,
		dmarc_run_when(r.rep.begin, w1, sizeof(w1)),
		dmarc_run_when(r.rep.end, w2, sizeof(w2)), r.rep.nrows,
		(unsigned long long)r.rep.messages, r.report_id);
	if (cfg->dry_run) {
		fwrite(xml.data, 1, xml.len, cfg->xml_out);
		fprintf(cfg->log, "  rua: %s (dry run: not checked, not "
			"sent)\n", r.rep.policy.rua[0] ? r.rep.policy.rua :
			"none");
	} else if (dmarc_gzip(xml.data, xml.len, &r.gz) < 0) {
		fprintf(cfg->log, "  cannot compress the report\n");
		t->failed++;
	} else {
		failed = t->failed;
		if (cfg->output_dir != NULL)
			(void)dmarc_run_save(cfg, &r);
		dmarc_run_destinations(ledger, cfg, &r, t);
		if (t->failed == failed &&
		    dmarc_db_ledger_add(ledger, domain, "", r.rep.begin,
					r.rep.end, r.report_id, cfg->now) < 0)
			fprintf(cfg->log, "  not noted as done in the ledger: "
				"%s\n", dmarc_db_errmsg(ledger));
	}
	dmarc_buf_free(&xml);
	dmarc_buf_free(&r.gz);
	dmarc_agg_report_free(&r.rep);
	return 0;
}

/* dmarc_run_period - see dmarc_run.h */
int
dmarc_run_period(struct dmarc_db **stores, size_t n,
		 const struct dmarc_run_config *cfg, time_t begin, time_t end,
		 struct dmarc_run_totals *totals)
{
	char err[512], reporter_id[DMARC_DB_REPORTER_ID_MAX];
	struct dmarc_agg *agg;
	char **domains;
	size_t i;
	int rc = 0;

	if (dmarc_db_reporter_id(stores[0], reporter_id,
				 sizeof(reporter_id)) < 0) {
		fprintf(cfg->log, "%s: cannot read or make the reporter id: "
			"%s\n", dmarc_db_path(stores[0]),
			dmarc_db_errmsg(stores[0]));
		return -1;
	}
	if ((agg = dmarc_agg_new(begin, end, err, sizeof(err))) == NULL) {
		fprintf(cfg->log, "%s\n", err);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (dmarc_agg_add_store(agg, stores[i], err,
					sizeof(err)) < 0) {
			fprintf(cfg->log, "%s\n", err);
			dmarc_agg_free(agg);
			return -1;
		}
	domains = dmarc_agg_domains(agg);
	for (i = 0; domains[i] != NULL; i++)
		if (dmarc_run_domain(agg, begin, end, stores[0], reporter_id,
				     cfg, domains[i], totals) < 0)
			rc = -1;
	dmarc_agg_domains_free(domains);
	dmarc_agg_free(agg);
	return rc;
}

/* dmarc_run_time - one end of a period: epoch, YYYY-MM-DD or
 * YYYY-MM-DDTHH:MM[:SS][Z], UTC; -1 if none of these */
static time_t
dmarc_run_time(const char *s, size_t len)
{
	char buf[32], *end;
	struct tm tm;
	long long v;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strspn(buf, "0123456789") == len) {
		v = strtoll(buf, &end, 10);
		return v >= 0 ? (time_t)v : -1;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end + 1, "%H:%M", &tm);
	if (end != NULL && *end == ':')
		end = strptime(end + 1, "%S", &tm);
	if (end != NULL && *end == 'Z')
		end++;
	if (end == NULL || *end != '\0')
		return -1;
	return timegm(&tm);
}

/* dmarc_run_parse_period - see dmarc_run.h */
int
dmarc_run_parse_period(const char *spec, time_t now, time_t *begin_r,
		       time_t *end_r, const char **why)
{
	const char *dots;

	if (strcmp(spec, "yesterday") == 0) {
		*end_r = now - now % DMARC_RUN_DAY;
		*begin_r = *end_r - DMARC_RUN_DAY;
		return 0;
	}
	if ((dots = strstr(spec, "..")) == NULL) {
		*why = "use yesterday, due or START..END";
		return -1;
	}
	*begin_r = dmarc_run_time(spec, (size_t)(dots - spec));
	*end_r = dmarc_run_time(dots + 2, strlen(dots + 2));
	if (*begin_r < 0 || *end_r < 0) {
		*why = "a time is an epoch second, YYYY-MM-DD or "
		       "YYYY-MM-DDTHH:MM (UTC)";
		return -1;
	}
	if (*begin_r % DMARC_RUN_HOUR != 0 || *end_r % DMARC_RUN_HOUR != 0) {
		*why = "the store keeps hours: START and END must be on the "
		       "hour";
		return -1;
	}
	if (*end_r <= *begin_r) {
		*why = "END must come after START";
		return -1;
	}
	if (*end_r > now) {
		*why = "the period is not over yet";
		return -1;
	}
	return 0;
}
