/*
 * dmarc_db.c - the SQLite file of a DMARC report store. Messages evaluated
 * alike in the same UTC hour share one row and a count, so the file grows
 * with the variety of senders, not with the volume of mail. The rows keep
 * the report's own words ("quarantine", "pass", ...), readable with
 * sqlite3(1). Each schema version is a step in dmarc_db_migrations; a file
 * from a newer trustmx is refused, never downgraded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dmarc_db.h"
#include "xalloc.h"

/*
 * The columns of table "rows", in parameter order (?1 is bucket). The
 * first DMARC_DB_KEY_COLS make a row's identity (the unique index); the
 * last three are what is counted.
 */
static const char *const dmarc_db_cols[] = {
	"bucket", "policy_domain", "org_domain", "p", "sp", "np", "adkim",
	"aspf", "testing", "psd", "discovery", "fo", "rua", "source_ip",
	"header_from", "envelope_from", "envelope_to", "disposition",
	"dkim_aligned", "spf_aligned", "reason1", "comment1", "reason2",
	"comment2", "dkim", "spf_domain", "spf_scope", "spf_result",
	"count", "first_seen", "last_seen",
};

#define DMARC_DB_NCOLS	(sizeof(dmarc_db_cols) / sizeof(dmarc_db_cols[0]))
#define DMARC_DB_KEY_COLS 28
#define DMARC_DB_P_COUNT 29
#define DMARC_DB_P_FIRST 30
#define DMARC_DB_P_LAST	31

/* Schema steps: dmarc_db_migrations[i] takes user_version i to i + 1 */
static const char *const dmarc_db_migrations[] = {
	/* 0 -> 1: rows per hour, the reporter's id, its ledger */
	"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE rows (bucket INTEGER NOT NULL,"
	"  policy_domain TEXT NOT NULL, org_domain TEXT NOT NULL,"
	"  p TEXT NOT NULL, sp TEXT NOT NULL, np TEXT NOT NULL,"
	"  adkim TEXT NOT NULL, aspf TEXT NOT NULL, testing TEXT NOT NULL,"
	"  psd TEXT NOT NULL, discovery TEXT NOT NULL, fo TEXT NOT NULL,"
	"  rua TEXT NOT NULL, source_ip TEXT NOT NULL,"
	"  header_from TEXT NOT NULL, envelope_from TEXT NOT NULL,"
	"  envelope_to TEXT NOT NULL, disposition TEXT NOT NULL,"
	"  dkim_aligned INTEGER NOT NULL, spf_aligned INTEGER NOT NULL,"
	"  reason1 TEXT NOT NULL, comment1 TEXT NOT NULL,"
	"  reason2 TEXT NOT NULL, comment2 TEXT NOT NULL,"
	"  dkim TEXT NOT NULL, spf_domain TEXT NOT NULL,"
	"  spf_scope TEXT NOT NULL, spf_result TEXT NOT NULL,"
	"  count INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX rows_key ON rows (bucket, policy_domain,"
	"  org_domain, p, sp, np, adkim, aspf, testing, psd, discovery, fo,"
	"  rua, source_ip, header_from, envelope_from, envelope_to,"
	"  disposition, dkim_aligned, spf_aligned, reason1, comment1,"
	"  reason2, comment2, dkim, spf_domain, spf_scope, spf_result);"
	"CREATE TABLE reported (policy_domain TEXT NOT NULL,"
	"  destination TEXT NOT NULL, begin INTEGER NOT NULL,"
	"  end INTEGER NOT NULL, report_id TEXT NOT NULL,"
	"  sent INTEGER NOT NULL,"
	"  PRIMARY KEY (policy_domain, destination, begin));",
};

#define DMARC_DB_NMIGRATIONS \
	(sizeof(dmarc_db_migrations) / sizeof(dmarc_db_migrations[0]))

struct dmarc_db {
	sqlite3 *sql;
	char *path;
	bool readonly;
	sqlite3_stmt *upsert;	/* insert, or count into the same row */
	sqlite3_stmt *update;	/* count into an existing row only */
};

/* dmarc_db_fail - "path: what: sqlite's message" into err; NULL */
static struct dmarc_db *
dmarc_db_fail(struct dmarc_db *db, const char *what, char *err,
	      size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", db->path, what,
		 db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
	dmarc_db_close(db);
	return NULL;
}

/* dmarc_db_exec - run SQL without results; 0 or -1 */
static int
dmarc_db_exec(struct dmarc_db *db, const char *sql)
{
	return sqlite3_exec(db->sql, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

/* dmarc_db_int - the one integer a query returns; -1 on error */
static int64_t
dmarc_db_int(struct dmarc_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* dmarc_db_migrate - check that the file is a store (or empty), switch
 * it to WAL (wal: the reporter reads while the milter writes), bring
 * user_version up to DMARC_DB_VERSION. Nothing is written to a file that
 * is not a store. */
static int
dmarc_db_migrate(struct dmarc_db *db, bool wal, char *err, size_t errlen)
{
	int64_t v = dmarc_db_int(db, "PRAGMA user_version");
	char sql[64];

	if (v < 0) {
		snprintf(err, errlen, "%s: not a DMARC report store: %s",
			 db->path, sqlite3_errmsg(db->sql));
		return -1;
	}
	if (v > DMARC_DB_VERSION) {
		snprintf(err, errlen, "%s: schema version %" PRId64 " is newer "
			 "than this trustmx's (%d)", db->path, v,
			 DMARC_DB_VERSION);
		return -1;
	}
	/* version 0 is a new, empty file: never another program's database */
	if (v == 0 && dmarc_db_int(db, "SELECT COUNT(*) FROM sqlite_master") !=
	    0) {
		snprintf(err, errlen, "%s: not a DMARC report store (a SQLite "
			 "database with other tables)", db->path);
		return -1;
	}
	if (wal && (dmarc_db_exec(db, "PRAGMA journal_mode = WAL") < 0 ||
		    dmarc_db_exec(db, "PRAGMA synchronous = NORMAL") < 0)) {
		snprintf(err, errlen, "%s: cannot use WAL: %s", db->path,
			 sqlite3_errmsg(db->sql));
		return -1;
	}
	if (v == DMARC_DB_VERSION)
		return 0;
	if (db->readonly) {
		snprintf(err, errlen, "%s: schema version %" PRId64 " needs an "
			 "upgrade to %d, and the file is read-only", db->path,
			 v, DMARC_DB_VERSION);
		return -1;
	}
	/* Two processes may open a new store at once: one migrates */
	if (dmarc_db_exec(db, "BEGIN IMMEDIATE") < 0)
		goto fail;
	v = dmarc_db_int(db, "PRAGMA user_version");
	for (; v >= 0 && v < DMARC_DB_VERSION; v++) {
		if (dmarc_db_exec(db, dmarc_db_migrations[v]) < 0) {
			dmarc_db_rollback(db);
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 DMARC_DB_VERSION);
	if (dmarc_db_exec(db, sql) < 0 || dmarc_db_exec(db, "COMMIT") < 0) {
		dmarc_db_rollback(db);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: cannot create or upgrade the schema: %s",
		 db->path, sqlite3_errmsg(db->sql));
	return -1;
}

/* dmarc_db_prepare_put - the two statements dmarc_db_put uses */
static int
dmarc_db_prepare_put(struct dmarc_db *db)
{
	char sql[4096], *p = sql, *end = sql + sizeof(sql);
	size_t i;
	int rc;

	p += snprintf(p, end - p, "INSERT INTO rows (");
	for (i = 0; i < DMARC_DB_NCOLS; i++)
		p += snprintf(p, end - p, "%s%s", i ? "," : "",
			      dmarc_db_cols[i]);
	p += snprintf(p, end - p, ") VALUES (");
	for (i = 0; i < DMARC_DB_NCOLS; i++)
		p += snprintf(p, end - p, "%s?%zu", i ? "," : "", i + 1);
	p += snprintf(p, end - p, ") ON CONFLICT (");
	for (i = 0; i < DMARC_DB_KEY_COLS; i++)
		p += snprintf(p, end - p, "%s%s", i ? "," : "",
			      dmarc_db_cols[i]);
	snprintf(p, end - p, ") DO UPDATE SET count = count + excluded.count,"
		 " first_seen = min(first_seen, excluded.first_seen),"
		 " last_seen = max(last_seen, excluded.last_seen)");
	rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&db->upsert, NULL);
	if (rc != SQLITE_OK)
		return -1;

	p = sql;
	p += snprintf(p, end - p, "UPDATE rows SET count = count + ?%d,"
		      " first_seen = min(first_seen, ?%d),"
		      " last_seen = max(last_seen, ?%d) WHERE ",
		      DMARC_DB_P_COUNT, DMARC_DB_P_FIRST, DMARC_DB_P_LAST);
	for (i = 0; i < DMARC_DB_KEY_COLS; i++)
		p += snprintf(p, end - p, "%s%s = ?%zu", i ? " AND " : "",
			      dmarc_db_cols[i], i + 1);
	rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&db->update, NULL);
	return rc == SQLITE_OK ? 0 : -1;
}

/* dmarc_db_open - see dmarc_db.h */
struct dmarc_db *
dmarc_db_open(const char *path, enum dmarc_db_open_mode mode,
	      unsigned busy_ms, char *err, size_t errlen)
{
	struct dmarc_db *db = xcalloc(1, sizeof(*db));
	int flags, rc;

	db->path = xstrdup(mode == DMARC_DB_MEMORY ? ":memory:" : path);
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (mode != DMARC_DB_EXISTING)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(db->path, &db->sql, flags, NULL);
	if (rc != SQLITE_OK && mode == DMARC_DB_EXISTING &&
	    access(path, F_OK) == 0) {
		sqlite3_close(db->sql);
		db->sql = NULL;
		db->readonly = true;
		rc = sqlite3_open_v2(db->path, &db->sql,
				     SQLITE_OPEN_READONLY |
				     SQLITE_OPEN_NOMUTEX, NULL);
	}
	if (rc != SQLITE_OK)
		return dmarc_db_fail(db, "cannot open", err, errlen);
	if (sqlite3_db_readonly(db->sql, "main") == 1)
		db->readonly = true;
	sqlite3_busy_timeout(db->sql, (int)busy_ms);
	sqlite3_extended_result_codes(db->sql, 1);
	if (dmarc_db_migrate(db, !db->readonly && mode != DMARC_DB_MEMORY,
			     err, errlen) < 0) {
		dmarc_db_close(db);
		return NULL;
	}
	if (!db->readonly && dmarc_db_prepare_put(db) < 0)
		return dmarc_db_fail(db, "cannot prepare", err, errlen);
	return db;
}

/* dmarc_db_close - finalize, close, free; NULL is fine */
void
dmarc_db_close(struct dmarc_db *db)
{
	if (db == NULL)
		return;
	sqlite3_finalize(db->upsert);
	sqlite3_finalize(db->update);
	sqlite3_close(db->sql);
	free(db->path);
	free(db);
}

/* dmarc_db_readonly - opened without write access */
bool
dmarc_db_readonly(const struct dmarc_db *db)
{
	return db->readonly;
}

/* dmarc_db_path - the file name */
const char *
dmarc_db_path(const struct dmarc_db *db)
{
	return db->path;
}

/* dmarc_db_sqlite - the connection */
struct sqlite3 *
dmarc_db_sqlite(struct dmarc_db *db)
{
	return db->sql;
}

/* dmarc_db_errmsg - the connection's last error */
const char *
dmarc_db_errmsg(struct dmarc_db *db)
{
	return sqlite3_errmsg(db->sql);
}

/* dmarc_db_begin - BEGIN IMMEDIATE: take the write lock now, waiting at
 * most the busy timeout */
int
dmarc_db_begin(struct dmarc_db *db)
{
	return dmarc_db_exec(db, "BEGIN IMMEDIATE");
}

/* dmarc_db_commit - COMMIT */
int
dmarc_db_commit(struct dmarc_db *db)
{
	return dmarc_db_exec(db, "COMMIT");
}

/* dmarc_db_rollback - ROLLBACK, if a transaction is open */
void
dmarc_db_rollback(struct dmarc_db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		(void)dmarc_db_exec(db, "ROLLBACK");
}

/* dmarc_db_word - an enum's word, "" for unset */
static const char *
dmarc_db_word(const char *w)
{
	return w != NULL ? w : "";
}

/* dmarc_db_dkim_text - "domain/selector/result ..." in stored order */
static void
dmarc_db_dkim_text(const struct dmarc_report_rec *rec, char *buf,
		   size_t size)
{
	size_t used = 0;
	unsigned i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < rec->ndkim && used < size; i++) {
		n = snprintf(buf + used, size - used, "%s%s/%s/%s",
			     i ? " " : "", rec->dkim[i].domain,
			     rec->dkim[i].selector,
			     dmarc_rec_auth_str(rec->dkim[i].result));
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* dmarc_db_bind - the row parameters of rec into st */
static void
dmarc_db_bind(sqlite3_stmt *st, const struct dmarc_report_rec *rec,
	      uint64_t count, time_t first, time_t last)
{
	const struct dmarc_rec_policy_published *pp = &rec->policy;
	char dkim[DMARC_REC_DKIM_MAX * (DMARC_REC_DOMAIN_MAX +
	    DMARC_REC_SELECTOR_MAX + 16)];
	const char *text[DMARC_DB_KEY_COLS + 1];
	int i;

	dmarc_db_dkim_text(rec, dkim, sizeof(dkim));
	text[2] = rec->policy_domain;
	text[3] = rec->org_domain[0] ? rec->org_domain : rec->policy_domain;
	text[4] = dmarc_db_word(dmarc_rec_policy_str(pp->p));
	text[5] = dmarc_db_word(dmarc_rec_policy_str(pp->sp));
	text[6] = dmarc_db_word(dmarc_rec_policy_str(pp->np));
	text[7] = dmarc_db_word(dmarc_rec_align_str(pp->adkim));
	text[8] = dmarc_db_word(dmarc_rec_align_str(pp->aspf));
	text[9] = dmarc_db_word(dmarc_rec_flag_str(pp->testing));
	text[10] = dmarc_db_word(dmarc_rec_flag_str(pp->psd));
	text[11] = dmarc_db_word(dmarc_rec_discovery_str(pp->discovery));
	text[12] = pp->fo;
	text[13] = pp->rua;
	text[14] = rec->source_ip;
	text[15] = rec->header_from;
	text[16] = rec->envelope_from;
	text[17] = rec->envelope_to;
	text[18] = dmarc_rec_disposition_str(rec->disposition);
	text[21] = rec->nreasons > 0 ?
	    dmarc_rec_override_str(rec->reasons[0].type) : "";
	text[22] = rec->nreasons > 0 ? rec->reasons[0].comment : "";
	text[23] = rec->nreasons > 1 ?
	    dmarc_rec_override_str(rec->reasons[1].type) : "";
	text[24] = rec->nreasons > 1 ? rec->reasons[1].comment : "";
	text[25] = dkim;
	text[26] = rec->spf.domain;
	text[27] = rec->spf.domain[0] ? dmarc_rec_scope_str(rec->spf.scope) :
	    "";
	text[28] = rec->spf.domain[0] ? dmarc_rec_auth_str(rec->spf.result) :
	    "";
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(rec->time -
	    rec->time % DMARC_DB_BUCKET));
	for (i = 2; i <= DMARC_DB_KEY_COLS; i++)
		if (i != 19 && i != 20)
			sqlite3_bind_text(st, i, text[i], -1,
					  SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 19, rec->dkim_aligned);
	sqlite3_bind_int(st, 20, rec->spf_aligned);
	sqlite3_bind_int64(st, DMARC_DB_P_COUNT, (sqlite3_int64)count);
	sqlite3_bind_int64(st, DMARC_DB_P_FIRST, (sqlite3_int64)first);
	sqlite3_bind_int64(st, DMARC_DB_P_LAST, (sqlite3_int64)last);
}

/* dmarc_db_put - see dmarc_db.h; an UPDATE first, since the store is
 * mostly counting into rows it has */
enum dmarc_db_put_result
dmarc_db_put(struct dmarc_db *db, const struct dmarc_report_rec *rec,
	     uint64_t count, time_t first, time_t last, bool may_add)
{
	int rc;

	if (db->update == NULL)
		return DMARC_DB_PUT_ERROR;
	dmarc_db_bind(db->update, rec, count, first, last);
	rc = sqlite3_step(db->update);
	sqlite3_reset(db->update);
	if (rc != SQLITE_DONE)
		return DMARC_DB_PUT_ERROR;
	if (sqlite3_changes(db->sql) > 0)
		return DMARC_DB_PUT_COUNTED;
	if (!may_add)
		return DMARC_DB_PUT_REFUSED;
	dmarc_db_bind(db->upsert, rec, count, first, last);
	rc = sqlite3_step(db->upsert);
	sqlite3_reset(db->upsert);
	return rc == SQLITE_DONE ? DMARC_DB_PUT_ADDED : DMARC_DB_PUT_ERROR;
}

/* dmarc_db_used_bytes - (page_count - freelist_count) * page_size */
int64_t
dmarc_db_used_bytes(struct dmarc_db *db)
{
	int64_t pages = dmarc_db_int(db, "PRAGMA page_count");
	int64_t free_pages = dmarc_db_int(db, "PRAGMA freelist_count");
	int64_t size = dmarc_db_int(db, "PRAGMA page_size");

	if (pages < 0 || free_pages < 0 || size < 0)
		return -1;
	return (pages - free_pages) * size;
}

/* dmarc_db_prune - old hours and old ledger entries */
long
dmarc_db_prune(struct dmarc_db *db, time_t before)
{
	sqlite3_stmt *st;
	long n = -1;

	if (db->readonly)
		return 0;
	if (sqlite3_prepare_v2(db->sql, "DELETE FROM rows WHERE bucket < ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db->sql);
	sqlite3_finalize(st);
	if (n < 0)
		return -1;
	if (sqlite3_prepare_v2(db->sql, "DELETE FROM reported WHERE end < ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	if (sqlite3_step(st) != SQLITE_DONE)
		n = -1;
	sqlite3_finalize(st);
	return n;
}

/* dmarc_db_col - column i as text ("" for NULL) */
static const char *
dmarc_db_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

/* dmarc_db_copy - column i into a fixed buffer (always terminated) */
static void
dmarc_db_copy(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	snprintf(buf, size, "%s", dmarc_db_col(st, i));
}

/* dmarc_db_lookup - the index of word in words[0..n), or def */
static int
dmarc_db_lookup(const char *word, const char *(*str)(int), int n, int def)
{
	int i;

	for (i = 0; i < n; i++)
		if (str(i) != NULL && strcmp(str(i), word) == 0)
			return i;
	return def;
}

/* Typed adapters for dmarc_db_lookup */
static const char *dmarc_db_s_policy(int i) { return dmarc_rec_policy_str(i); }
static const char *dmarc_db_s_align(int i) { return dmarc_rec_align_str(i); }
static const char *dmarc_db_s_flag(int i) { return dmarc_rec_flag_str(i); }
static const char *dmarc_db_s_disc(int i) { return dmarc_rec_discovery_str(i); }
static const char *dmarc_db_s_disp(int i)
{ return dmarc_rec_disposition_str(i); }
static const char *dmarc_db_s_auth(int i) { return dmarc_rec_auth_str(i); }
static const char *dmarc_db_s_scope(int i) { return dmarc_rec_scope_str(i); }

/* dmarc_db_dkim_parse - "domain/selector/result ..." back into rec */
static void
dmarc_db_dkim_parse(const char *text, struct dmarc_report_rec *rec)
{
	char buf[DMARC_REC_DKIM_MAX * (DMARC_REC_DOMAIN_MAX +
	    DMARC_REC_SELECTOR_MAX + 16)];
	char *save = NULL, *word, *s1, *s2;

	snprintf(buf, sizeof(buf), "%s", text);
	rec->ndkim = 0;
	for (word = strtok_r(buf, " ", &save);
	     word != NULL && rec->ndkim < DMARC_REC_DKIM_MAX;
	     word = strtok_r(NULL, " ", &save)) {
		struct dmarc_rec_dkim *d = &rec->dkim[rec->ndkim];

		if ((s1 = strchr(word, '/')) == NULL ||
		    (s2 = strchr(s1 + 1, '/')) == NULL)
			continue;
		*s1 = *s2 = '\0';
		snprintf(d->domain, sizeof(d->domain), "%s", word);
		snprintf(d->selector, sizeof(d->selector), "%s", s1 + 1);
		d->result = dmarc_db_lookup(s2 + 1, dmarc_db_s_auth,
					    DMARC_REC_AUTH_PERMERROR + 1,
					    DMARC_REC_AUTH_NONE);
		rec->ndkim++;
	}
}

/* dmarc_db_column - the name of column i */
const char *
dmarc_db_column(size_t i)
{
	return i < DMARC_DB_NCOLS ? dmarc_db_cols[i] : NULL;
}

/* dmarc_db_row_read - the current result row into row */
void
dmarc_db_row_read(sqlite3_stmt *st, struct dmarc_db_row *row)
{
	struct dmarc_report_rec *rec = &row->rec;
	struct dmarc_rec_policy_published *pp = &rec->policy;
	int r;

	memset(row, 0, sizeof(*row));
	rec->time = (time_t)sqlite3_column_int64(st, 0);
	dmarc_db_copy(st, 1, rec->policy_domain, sizeof(rec->policy_domain));
	dmarc_db_copy(st, 2, rec->org_domain, sizeof(rec->org_domain));
	pp->p = dmarc_db_lookup(dmarc_db_col(st, 3), dmarc_db_s_policy, 4, 0);
	pp->sp = dmarc_db_lookup(dmarc_db_col(st, 4), dmarc_db_s_policy, 4, 0);
	pp->np = dmarc_db_lookup(dmarc_db_col(st, 5), dmarc_db_s_policy, 4, 0);
	pp->adkim = dmarc_db_lookup(dmarc_db_col(st, 6), dmarc_db_s_align,
				    3, 0);
	pp->aspf = dmarc_db_lookup(dmarc_db_col(st, 7), dmarc_db_s_align,
				   3, 0);
	pp->testing = dmarc_db_lookup(dmarc_db_col(st, 8), dmarc_db_s_flag,
				      4, 0);
	pp->psd = dmarc_db_lookup(dmarc_db_col(st, 9), dmarc_db_s_flag, 4, 0);
	pp->discovery = dmarc_db_lookup(dmarc_db_col(st, 10),
					dmarc_db_s_disc, 3, 0);
	dmarc_db_copy(st, 11, pp->fo, sizeof(pp->fo));
	dmarc_db_copy(st, 12, pp->rua, sizeof(pp->rua));
	dmarc_db_copy(st, 13, rec->source_ip, sizeof(rec->source_ip));
	dmarc_db_copy(st, 14, rec->header_from, sizeof(rec->header_from));
	dmarc_db_copy(st, 15, rec->envelope_from, sizeof(rec->envelope_from));
	dmarc_db_copy(st, 16, rec->envelope_to, sizeof(rec->envelope_to));
	rec->disposition = dmarc_db_lookup(dmarc_db_col(st, 17),
					   dmarc_db_s_disp, 4, 0);
	rec->dkim_aligned = sqlite3_column_int(st, 18) != 0;
	rec->spf_aligned = sqlite3_column_int(st, 19) != 0;
	for (r = 0; r < DMARC_REC_REASON_MAX; r++) {
		int type = dmarc_rec_override_parse(dmarc_db_col(st,
							   20 + 2 * r));

		if (type < 0)
			break;
		rec->reasons[r].type = type;
		dmarc_db_copy(st, 21 + 2 * r, rec->reasons[r].comment,
			      sizeof(rec->reasons[r].comment));
		rec->nreasons++;
	}
	dmarc_db_dkim_parse(dmarc_db_col(st, 24), rec);
	dmarc_db_copy(st, 25, rec->spf.domain, sizeof(rec->spf.domain));
	rec->spf.scope = dmarc_db_lookup(dmarc_db_col(st, 26),
					 dmarc_db_s_scope, 2, 0);
	rec->spf.result = dmarc_db_lookup(dmarc_db_col(st, 27),
					  dmarc_db_s_auth,
					  DMARC_REC_AUTH_PERMERROR + 1, 0);
	row->count = (uint64_t)sqlite3_column_int64(st, 28);
	row->first_seen = (time_t)sqlite3_column_int64(st, 29);
	row->last_seen = (time_t)sqlite3_column_int64(st, 30);
}

/* dmarc_db_each - see dmarc_db.h */
int
dmarc_db_each(struct dmarc_db *db, time_t begin, time_t end,
	      dmarc_db_row_fn *fn, void *arg)
{
	char sql[1024], *p = sql, *e = sql + sizeof(sql);
	struct dmarc_db_row row;
	sqlite3_stmt *st;
	size_t i;
	int rc, stop = 0;

	p += snprintf(p, e - p, "SELECT ");
	for (i = 0; i < DMARC_DB_NCOLS; i++)
		p += snprintf(p, e - p, "%s%s", i ? "," : "", dmarc_db_cols[i]);
	snprintf(p, e - p, " FROM rows WHERE bucket >= ?1 AND bucket < ?2");
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)begin);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)end);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		dmarc_db_row_read(st, &row);
		if ((stop = fn(arg, &row)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* dmarc_db_first_hour - MIN(bucket) */
time_t
dmarc_db_first_hour(struct dmarc_db *db)
{
	sqlite3_stmt *st;
	time_t t = -1;

	if (sqlite3_prepare_v2(db->sql, "SELECT MIN(bucket) FROM rows", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

/* dmarc_db_reporter_id - meta "reporter_id", made once */
int
dmarc_db_reporter_id(struct dmarc_db *db, char *id, size_t size)
{
	unsigned char raw[8];
	sqlite3_stmt *st;
	size_t i;
	int rc = -1;

	if (size < 2 * sizeof(raw) + 1)
		return -1;
	if (sqlite3_prepare_v2(db->sql, "SELECT value FROM meta WHERE key = "
			       "'reporter_id'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, size, "%s", dmarc_db_col(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return 0;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	if (db->readonly)
		return 0;
	if (sqlite3_prepare_v2(db->sql, "INSERT OR IGNORE INTO meta (key, "
			       "value) VALUES ('reporter_id', ?1)", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	/* a concurrent first run may have won: read back what is kept */
	return rc == 0 ? dmarc_db_reporter_id(db, id, size) : -1;
}

/* dmarc_db_ledger_check - see dmarc_db.h */
enum dmarc_db_ledger_state
dmarc_db_ledger_check(struct dmarc_db *db, const char *policy_domain,
		      const char *destination, time_t begin, time_t end,
		      time_t *other_begin_r, time_t *other_end_r)
{
	enum dmarc_db_ledger_state state = DMARC_DB_LEDGER_NEW;
	sqlite3_stmt *st;
	time_t b, e;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "SELECT begin, end FROM reported "
			       "WHERE policy_domain = ?1 AND destination = ?2"
			       " AND begin < ?4 AND end > ?3 ORDER BY begin",
			       -1, &st, NULL) != SQLITE_OK)
		return DMARC_DB_LEDGER_ERROR;
	sqlite3_bind_text(st, 1, policy_domain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, destination, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)begin);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)end);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = (time_t)sqlite3_column_int64(st, 0);
		e = (time_t)sqlite3_column_int64(st, 1);
		if (other_begin_r != NULL)
			*other_begin_r = b;
		if (other_end_r != NULL)
			*other_end_r = e;
		state = b == begin && e == end ? DMARC_DB_LEDGER_SENT :
		    DMARC_DB_LEDGER_OVERLAP;
		if (state == DMARC_DB_LEDGER_SENT)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		state = DMARC_DB_LEDGER_ERROR;
	sqlite3_finalize(st);
	return state;
}

/* dmarc_db_ledger_add - see dmarc_db.h */
int
dmarc_db_ledger_add(struct dmarc_db *db, const char *policy_domain,
		    const char *destination, time_t begin, time_t end,
		    const char *report_id, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO reported "
			       "(policy_domain, destination, begin, end, "
			       "report_id, sent) VALUES (?1, ?2, ?3, ?4, ?5, "
			       "?6)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, policy_domain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, destination, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)begin);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)end);
	sqlite3_bind_text(st, 5, report_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}
