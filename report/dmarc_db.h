/*
 * dmarc_db.h - the SQLite file behind a DMARC report store: its schema
 * (versioned with PRAGMA user_version, migrated forward on open), rows
 * aggregated per UTC hour as they are written, the reporter's ledger of
 * what it sent, retention. Used by the store's writer thread and by
 * "trustmx dmarc report"; one struct dmarc_db per thread.
 */
#ifndef TMX_DMARC_DB_H
#define TMX_DMARC_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dmarc_rec.h"

#define DMARC_DB_VERSION	1	/* the schema this code writes */
#define DMARC_DB_BUCKET		3600	/* rows are per UTC hour */
#define DMARC_DB_REPORTER_ID_MAX 33	/* 32 hex digits and the NUL */

struct dmarc_db;
struct sqlite3;
struct sqlite3_stmt;

enum dmarc_db_open_mode {
	DMARC_DB_CREATE,	/* the milter's: created if missing, WAL */
	DMARC_DB_EXISTING,	/* the reporter's: must exist; read-only
				 * when it cannot be written */
	DMARC_DB_MEMORY,	/* a private in-memory copy (merging) */
};

/*
 * dmarc_db_open - open (and create or migrate) the store at path; busy_ms
 * is how long a statement waits for another process's lock. NULL with
 * "path: reason" in err; a file written by a newer schema is refused.
 */
struct dmarc_db *dmarc_db_open(const char *path, enum dmarc_db_open_mode mode,
			       unsigned busy_ms, char *err, size_t errlen);
void dmarc_db_close(struct dmarc_db *db);

/* dmarc_db_readonly - opened without write access */
bool dmarc_db_readonly(const struct dmarc_db *db);

/* dmarc_db_path - the file name it was opened with */
const char *dmarc_db_path(const struct dmarc_db *db);

/* dmarc_db_sqlite - the connection, for the report queries */
struct sqlite3 *dmarc_db_sqlite(struct dmarc_db *db);

/* dmarc_db_errmsg - the last SQLite error of this connection */
const char *dmarc_db_errmsg(struct dmarc_db *db);

/* Transactions around batches: 0 or -1 */
int dmarc_db_begin(struct dmarc_db *db);
int dmarc_db_commit(struct dmarc_db *db);
void dmarc_db_rollback(struct dmarc_db *db);

enum dmarc_db_put_result {
	DMARC_DB_PUT_ADDED,	/* a new row */
	DMARC_DB_PUT_COUNTED,	/* an existing row's count grew */
	DMARC_DB_PUT_REFUSED,	/* new row, but may_add was false */
	DMARC_DB_PUT_ERROR,
};

/*
 * dmarc_db_put - count messages evaluated as rec (checked by
 * dmarc_rec_check) in the row of its hour: added, or counted into the
 * identical row. With may_add false only an existing row is counted (the
 * size bound is reached). first and last are the times seen (rec->time
 * for one message).
 */
enum dmarc_db_put_result dmarc_db_put(struct dmarc_db *db,
				      const struct dmarc_report_rec *rec,
				      uint64_t count, time_t first, time_t last,
				      bool may_add);

/* dmarc_db_used_bytes - pages in use (the free list not counted) */
int64_t dmarc_db_used_bytes(struct dmarc_db *db);

/*
 * dmarc_db_prune - delete the rows of hours before `before`, and ledger
 * entries of periods that ended before it; the number of rows deleted, or
 * -1.
 */
long dmarc_db_prune(struct dmarc_db *db, time_t before);

/* One stored row, as dmarc_db_each hands it over */
struct dmarc_db_row {
	struct dmarc_report_rec rec;	/* rec.time: the hour (bucket) */
	uint64_t count;
	time_t first_seen, last_seen;
};

typedef int dmarc_db_row_fn(void *arg, const struct dmarc_db_row *row);

/*
 * dmarc_db_each - every row of the hours in [begin, end), in no order; fn
 * returning non-zero stops the walk and is returned. -1 on a database
 * error.
 */
int dmarc_db_each(struct dmarc_db *db, time_t begin, time_t end,
		  dmarc_db_row_fn *fn, void *arg);

/*
 * dmarc_db_row_read - a result row of a query that selects the columns of
 * table "rows" in the order dmarc_db_column(0, 1, ...) names them
 */
void dmarc_db_row_read(struct sqlite3_stmt *st, struct dmarc_db_row *row);

/* dmarc_db_column - the name of column i of "rows", NULL past the end */
const char *dmarc_db_column(size_t i);

/* dmarc_db_first_hour - the oldest hour with rows; -1 if none (or error) */
time_t dmarc_db_first_hour(struct dmarc_db *db);

/*
 * dmarc_db_reporter_id - this store's random reporter id (hex), made and
 * kept the first time it is asked (a read-only store: made up, not kept).
 */
int dmarc_db_reporter_id(struct dmarc_db *db, char *id,
			 size_t size);

enum dmarc_db_ledger_state {
	DMARC_DB_LEDGER_NEW,		/* nothing sent that overlaps */
	DMARC_DB_LEDGER_SENT,		/* this very period was sent */
	DMARC_DB_LEDGER_OVERLAP,	/* another period overlapping it was */
	DMARC_DB_LEDGER_ERROR,
};

/*
 * dmarc_db_ledger_check - was a report for policy_domain's [begin, end)
 * sent to destination? *other_begin_r and *other_end_r name the
 * overlapping period (may be NULL).
 */
enum dmarc_db_ledger_state dmarc_db_ledger_check(struct dmarc_db *db,
						 const char *policy_domain,
						 const char *destination,
						 time_t begin, time_t end,
						 time_t *other_begin_r,
						 time_t *other_end_r);

/* dmarc_db_ledger_add - note that it was sent now; 0 or -1 */
int dmarc_db_ledger_add(struct dmarc_db *db, const char *policy_domain,
			const char *destination, time_t begin, time_t end,
			const char *report_id, time_t now);

#endif
