/*
 * dmarc_agg.c - one reporting period of several stores, merged in a
 * private in-memory store (the same schema, so identical rows of two
 * nodes add up on the way in) and grouped per policy domain with SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dmarc_agg.h"
#include "xalloc.h"

struct dmarc_agg {
	struct dmarc_db *mem;
	time_t begin, end;
};

/* The grouping of a report's records: every column that is reported */
#define DMARC_AGG_GROUP "source_ip, header_from, envelope_from, eto," \
	" disposition, dkim_aligned, spf_aligned, reason1, comment1," \
	" reason2, comment2, dkim, spf_domain, spf_scope, spf_result"

/* dmarc_agg_new - see dmarc_agg.h */
struct dmarc_agg *
dmarc_agg_new(time_t begin, time_t end, char *err, size_t errlen)
{
	struct dmarc_agg *agg = xcalloc(1, sizeof(*agg));

	agg->mem = dmarc_db_open(NULL, DMARC_DB_MEMORY, 0, err, errlen);
	if (agg->mem == NULL) {
		free(agg);
		return NULL;
	}
	agg->begin = begin;
	agg->end = end;
	return agg;
}

/* dmarc_agg_free - NULL is fine */
void
dmarc_agg_free(struct dmarc_agg *agg)
{
	if (agg == NULL)
		return;
	dmarc_db_close(agg->mem);
	free(agg);
}

/* dmarc_agg_copy_row - dmarc_db_each's callback: into the memory store */
static int
dmarc_agg_copy_row(void *arg, const struct dmarc_db_row *row)
{
	struct dmarc_agg *agg = arg;

	return dmarc_db_put(agg->mem, &row->rec, row->count, row->first_seen,
			    row->last_seen, true) == DMARC_DB_PUT_ERROR ?
	    -2 : 0;
}

/* dmarc_agg_add_store - see dmarc_agg.h */
int
dmarc_agg_add_store(struct dmarc_agg *agg, struct dmarc_db *db, char *err,
		    size_t errlen)
{
	int rc;

	if (dmarc_db_begin(agg->mem) < 0) {
		snprintf(err, errlen, "merging: %s", dmarc_db_errmsg(agg->mem));
		return -1;
	}
	rc = dmarc_db_each(db, agg->begin, agg->end, dmarc_agg_copy_row, agg);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", rc == -2 ? "merging" :
			 dmarc_db_path(db), rc == -2 ?
			 dmarc_db_errmsg(agg->mem) : dmarc_db_errmsg(db));
		dmarc_db_rollback(agg->mem);
		return -1;
	}
	if (dmarc_db_commit(agg->mem) < 0) {
		snprintf(err, errlen, "merging: %s", dmarc_db_errmsg(agg->mem));
		dmarc_db_rollback(agg->mem);
		return -1;
	}
	return 0;
}

/* dmarc_agg_domains - SELECT DISTINCT policy_domain */
char **
dmarc_agg_domains(struct dmarc_agg *agg)
{
	sqlite3_stmt *st;
	char **list = xcalloc(1, sizeof(*list));
	size_t n = 0;

	if (sqlite3_prepare_v2(dmarc_db_sqlite(agg->mem), "SELECT DISTINCT "
			       "policy_domain FROM rows ORDER BY policy_domain",
			       -1, &st, NULL) != SQLITE_OK)
		return list;
	while (sqlite3_step(st) == SQLITE_ROW) {
		list = xreallocarray(list, n + 2, sizeof(*list));
		list[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		list[n] = NULL;
	}
	sqlite3_finalize(st);
	return list;
}

/* dmarc_agg_domains_free - the list and its strings */
void
dmarc_agg_domains_free(char **domains)
{
	size_t i;

	if (domains == NULL)
		return;
	for (i = 0; domains[i] != NULL; i++)
		free(domains[i]);
	free(domains);
}

/* dmarc_agg_policy - the policy of the row seen last */
static int
dmarc_agg_policy(struct dmarc_agg *agg, struct dmarc_agg_report *rep)
{
	char sql[1024], *p = sql, *e = sql + sizeof(sql);
	struct dmarc_db_row row;
	sqlite3_stmt *st;
	const char *col;
	size_t i;
	int rc;

	p += snprintf(p, e - p, "SELECT ");
	for (i = 0; (col = dmarc_db_column(i)) != NULL; i++)
		p += snprintf(p, e - p, "%s%s", i ? "," : "", col);
	snprintf(p, e - p, " FROM rows WHERE policy_domain = ?1 ORDER BY "
		 "last_seen DESC, bucket DESC LIMIT 1");
	if (sqlite3_prepare_v2(dmarc_db_sqlite(agg->mem), sql, -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, rep->policy_domain, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		dmarc_db_row_read(st, &row);
		rep->policy = row.rec.policy;
		memcpy(rep->org_domain, row.rec.org_domain,
		       sizeof(rep->org_domain));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* dmarc_agg_rows - the grouped records; the select list is the rows
 * table's own columns so that dmarc_db_row_read can read them */
static int
dmarc_agg_rows(struct dmarc_agg *agg, struct dmarc_agg_report *rep,
	       bool envelope_to)
{
	static const char sql[] =
	    "SELECT MIN(bucket), policy_domain, '', '', '', '', '', '', '',"
	    " '', '', '', '', source_ip, header_from, envelope_from,"
	    " CASE WHEN ?2 THEN envelope_to ELSE '' END AS eto, disposition,"
	    " dkim_aligned, spf_aligned, reason1, comment1, reason2,"
	    " comment2, dkim, spf_domain, spf_scope, spf_result, SUM(count),"
	    " MIN(first_seen), MAX(last_seen)"
	    " FROM rows WHERE policy_domain = ?1"
	    " GROUP BY " DMARC_AGG_GROUP
	    " ORDER BY header_from, source_ip, " DMARC_AGG_GROUP;
	struct dmarc_db_row row;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(dmarc_db_sqlite(agg->mem), sql, -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, rep->policy_domain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, envelope_to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		dmarc_db_row_read(st, &row);
		if (rep->nrows == cap) {
			cap = cap ? 2 * cap : 16;
			rep->rows = xreallocarray(rep->rows, cap,
						  sizeof(*rep->rows));
		}
		rep->rows[rep->nrows].rec = row.rec;
		rep->rows[rep->nrows].rec.time = 0;
		rep->rows[rep->nrows].count = row.count;
		rep->messages += row.count;
		rep->nrows++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* dmarc_agg_report - see dmarc_agg.h */
int
dmarc_agg_report(struct dmarc_agg *agg, const char *policy_domain,
		 bool envelope_to, struct dmarc_agg_report *rep_r, char *err,
		 size_t errlen)
{
	memset(rep_r, 0, sizeof(*rep_r));
	snprintf(rep_r->policy_domain, sizeof(rep_r->policy_domain), "%s",
		 policy_domain);
	rep_r->begin = agg->begin;
	rep_r->end = agg->end;
	if (dmarc_agg_policy(agg, rep_r) < 0 ||
	    dmarc_agg_rows(agg, rep_r, envelope_to) < 0 ||
	    rep_r->nrows == 0) {
		snprintf(err, errlen, "%s: no records: %s", policy_domain,
			 dmarc_db_errmsg(agg->mem));
		dmarc_agg_report_free(rep_r);
		return -1;
	}
	return 0;
}

/* dmarc_agg_report_free - the rows */
void
dmarc_agg_report_free(struct dmarc_agg_report *rep)
{
	free(rep->rows);
	rep->rows = NULL;
	rep->nrows = 0;
}
