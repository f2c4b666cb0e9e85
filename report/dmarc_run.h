/*
 * dmarc_run.h - one run of "trustmx dmarc report" over one reporting
 * period: the stores merged, a report per policy domain built, checked
 * destinations mailed, what was sent written in the first store's ledger
 * so that a second run sends nothing twice.
 */
#ifndef TMX_DMARC_RUN_H
#define TMX_DMARC_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "dmarc_db.h"
#include "dmarc_dest.h"

struct dmarc_run_config {
	const char *org_name;	/* dmarc_report_org_name */
	const char *email;	/* dmarc_report_email: From, sender */
	const char *receiver;	/* the reporter's domain (email's) */
	const char *generator;	/* "trustmx 0.1.0" */
	bool envelope_to;	/* dmarc_report_envelope_to */
	char **sendmail;	/* the command's words, NULL-terminated */
	const char *output_dir;	/* also write the .xml.gz files; NULL */
	bool dry_run;		/* XML to xml_out; nothing sent or noted */
	bool resend;		/* ignore the ledger (same Report-ID) */
	bool verbose;		/* also name the reports sent before */
	time_t now;
	FILE *xml_out;		/* dry run */
	FILE *log;		/* what happened, a few lines per domain */
	const struct dmarc_dest_dns *dns;	/* NULL: the DNS layer */
};

struct dmarc_run_totals {
	unsigned reports;	/* built */
	unsigned sent;		/* mails sendmail accepted */
	unsigned already;	/* sent by an earlier run */
	unsigned skipped;	/* destinations not usable (said why) */
	unsigned failed;	/* to try again: sendmail or DNS failed */
};

/*
 * dmarc_run_period - report [begin, end) from stores[0..n); the ledger is
 * kept in stores[0]: a line per destination mailed, and one with an empty
 * destination once a domain's report is done (every destination mailed or
 * refused for good), after which later runs pass the domain by. 0, or -1
 * when a store could not be read (said on cfg->log); totals are added to.
 */
int dmarc_run_period(struct dmarc_db **stores, size_t n,
		     const struct dmarc_run_config *cfg, time_t begin,
		     time_t end, struct dmarc_run_totals *totals);

/*
 * dmarc_run_parse_period - "yesterday" (the last complete UTC day) or
 * "START..END", each an epoch second, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]
 * (UTC), on hour boundaries, over by now. 0, or -1 with a reason.
 */
int dmarc_run_parse_period(const char *spec, time_t now, time_t *begin_r,
			   time_t *end_r, const char **why);

#endif
