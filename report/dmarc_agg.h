/*
 * dmarc_agg.h - the rows of one reporting period gathered from the stores
 * of every node, and cut into RFC 9990 reports: one per DMARC Policy
 * Domain (3.1.2), its published policy the last one seen (3.1), its
 * records one per (source_ip, policy_evaluated, identifiers,
 * auth_results) with the summed count (3.1.1.7).
 */
#ifndef TMX_DMARC_AGG_H
#define TMX_DMARC_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dmarc_db.h"
#include "dmarc_rec.h"

struct dmarc_agg;

/* One <record>: the grouping fields of rec (rec.time unused) and a count */
struct dmarc_agg_row {
	struct dmarc_report_rec rec;
	uint64_t count;
};

struct dmarc_agg_report {
	char policy_domain[DMARC_REC_DOMAIN_MAX];
	char org_domain[DMARC_REC_DOMAIN_MAX];
	struct dmarc_rec_policy_published policy;	/* the last seen */
	time_t begin, end;				/* [begin, end) */
	struct dmarc_agg_row *rows;
	size_t nrows;
	uint64_t messages;				/* sum of counts */
};

/* dmarc_agg_new - an empty period [begin, end); NULL with err */
struct dmarc_agg *dmarc_agg_new(time_t begin, time_t end, char *err,
				size_t errlen);
void dmarc_agg_free(struct dmarc_agg *agg);

/* dmarc_agg_add_store - add the period's rows of one store; 0 or -1 */
int dmarc_agg_add_store(struct dmarc_agg *agg, struct dmarc_db *db,
			char *err, size_t errlen);

/*
 * dmarc_agg_domains - the policy domains with rows, sorted; a
 * NULL-terminated array the caller frees with dmarc_agg_domains_free
 */
char **dmarc_agg_domains(struct dmarc_agg *agg);
void dmarc_agg_domains_free(char **domains);

/*
 * dmarc_agg_report - the report of policy_domain; envelope_to false
 * leaves the recipient domain out of the records (and of the grouping).
 * 0, or -1 with err; release with dmarc_agg_report_free.
 */
int dmarc_agg_report(struct dmarc_agg *agg, const char *policy_domain,
		     bool envelope_to, struct dmarc_agg_report *rep_r,
		     char *err, size_t errlen);
void dmarc_agg_report_free(struct dmarc_agg_report *rep);

#endif
