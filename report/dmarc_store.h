/*
 * dmarc_store.h - the milter's side of DMARC aggregate reporting (RFC
 * 9990): each evaluation goes into a bounded in-memory queue that a writer
 * thread drains into this node's SQLite store (dmarc_report_db) in
 * batched transactions. dmarc_store_add never touches the disk and never
 * waits for the writer: when the queue is full the record is counted and
 * dropped, so a slow or stuck disk costs reports, never mail.
 * "trustmx dmarc report" reads the stores of every node (dmarc_db.h).
 */
#ifndef TMX_DMARC_STORE_H
#define TMX_DMARC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dmarc_rec.h"

struct dmarc_store;

/* Bounds of a store; a zero field takes its default */
struct dmarc_store_limits {
	size_t queue_max;	/* records waiting for the writer; 1024 */
	size_t batch_max;	/* records per transaction; 256 */
	unsigned flush_ms;	/* longest a record waits; 1000 */
	unsigned busy_ms;	/* waiting for the reporter's lock; 5000 */
	long retention;		/* seconds of rows kept; 0: the writer
				 * deletes nothing */
	uint64_t max_bytes;	/* dmarc_report_max_size; 0: unbounded */
};

#define DMARC_STORE_QUEUE_DEFAULT	1024
#define DMARC_STORE_BATCH_DEFAULT	256
#define DMARC_STORE_FLUSH_MS_DEFAULT	1000
#define DMARC_STORE_BUSY_MS_DEFAULT	5000

/* Counters since the store was opened */
struct dmarc_store_stats {
	uint64_t queued;	/* taken by dmarc_store_add */
	uint64_t dropped;	/* the queue was full: lost */
	uint64_t invalid;	/* refused by dmarc_rec_check: lost */
	uint64_t written;	/* counted into the file */
	uint64_t rows_added;	/* of which started a new row */
	uint64_t refused;	/* new rows refused: max_bytes reached */
	uint64_t failed;	/* lost to database errors */
	uint64_t batches;	/* transactions committed */
	uint64_t pruned;	/* rows deleted for retention */
};

/*
 * dmarc_store_open - open or create the store at path (WAL mode, schema
 * created or migrated) and start its writer thread. Call it in the
 * process that adds records, after any fork. NULL with the reason in err.
 */
struct dmarc_store *dmarc_store_open(const char *path,
				     const struct dmarc_store_limits *limits,
				     char *err, size_t errlen);

/*
 * dmarc_store_add - queue a copy of rec (checked later, by the writer);
 * rec->time 0 means now. Any thread. 0, or -1 when the queue was full and
 * the record was dropped (counted; a warning at most once a minute).
 */
int dmarc_store_add(struct dmarc_store *store,
		    const struct dmarc_report_rec *rec);

/* dmarc_store_flush - wait until what was queued before the call is
 * written (or lost); for tests and an orderly reload */
void dmarc_store_flush(struct dmarc_store *store);

/* dmarc_store_stats - a copy of the counters */
void dmarc_store_stats(struct dmarc_store *store,
		       struct dmarc_store_stats *stats_r);

/* dmarc_store_close - write what is queued, stop the writer, close; NULL
 * is fine */
void dmarc_store_close(struct dmarc_store *store);

#endif
