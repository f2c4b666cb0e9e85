/*
 * test-dmarc-store.c - the DMARC report store on real SQLite files in a
 * temporary directory: records checked and normalised, the queue and its
 * writer thread (batches, a flush on close, a full queue that drops
 * instead of waiting while another process holds the lock), rows counted
 * per hour, retention, the size bound, schema versions, the ledger.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dmarc_db.h"
#include "dmarc_store.h"
#include "tmx-test.h"

#define DAY 86400

static char test_dir[64];

/* test_path - a file name in the temporary directory */
static const char *
test_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", test_dir, name);
	return p;
}

/* test_rec - a plausible record: ip and from vary per test */
static void
test_rec(struct dmarc_report_rec *r, const char *ip, const char *from,
	 time_t t)
{
	memset(r, 0, sizeof(*r));
	r->time = t;
	snprintf(r->source_ip, sizeof(r->source_ip), "%s", ip);
	snprintf(r->header_from, sizeof(r->header_from), "%s", from);
	snprintf(r->envelope_from, sizeof(r->envelope_from), "%s", from);
	snprintf(r->policy_domain, sizeof(r->policy_domain), "%s", from);
	r->policy.p = DMARC_REC_POLICY_REJECT;
	r->policy.discovery = DMARC_REC_DISCOVERY_TREEWALK;
	snprintf(r->policy.rua, sizeof(r->policy.rua), "mailto:d@%s", from);
	r->disposition = DMARC_REC_DISP_PASS;
	r->spf_aligned = true;
	snprintf(r->spf.domain, sizeof(r->spf.domain), "%s", from);
	r->spf.result = DMARC_REC_AUTH_PASS;
}

/* test_int - one integer from SQL on the file at path */
static long long
test_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* test_text - one string from SQL on the file at path, into buf */
static const char *
test_text(const char *path, const char *sql, char *buf, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return buf;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0) != NULL)
			snprintf(buf, size, "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return buf;
}

/* Ways to spoil a good record, for test_check's table */
static void bad_ip(struct dmarc_report_rec *r)
{ snprintf(r->source_ip, sizeof(r->source_ip), "192.0.2.300"); }
static void local_part(struct dmarc_report_rec *r)
{ snprintf(r->header_from, sizeof(r->header_from), "user@example.com"); }
static void no_policy_domain(struct dmarc_report_rec *r)
{ r->policy_domain[0] = '\0'; }
static void empty_label(struct dmarc_report_rec *r)
{ snprintf(r->envelope_from, sizeof(r->envelope_from), "a..b"); }
static void dkim_softfail(struct dmarc_report_rec *r)
{
	r->ndkim = 1;
	snprintf(r->dkim[0].domain, sizeof(r->dkim[0].domain), "example.com");
	snprintf(r->dkim[0].selector, sizeof(r->dkim[0].selector), "s");
	r->dkim[0].result = DMARC_REC_AUTH_SOFTFAIL;
}
static void dkim_no_selector(struct dmarc_report_rec *r)
{
	r->ndkim = 1;
	snprintf(r->dkim[0].domain, sizeof(r->dkim[0].domain), "example.com");
}
static void three_reasons(struct dmarc_report_rec *r) { r->nreasons = 3; }
static void nine_dkim(struct dmarc_report_rec *r) { r->ndkim = 9; }
static void bad_disposition(struct dmarc_report_rec *r)
{ r->disposition = (enum dmarc_rec_disposition)9; }
static void bad_testing(struct dmarc_report_rec *r)
{ r->policy.testing = DMARC_REC_FLAG_U; }
static void unterminated(struct dmarc_report_rec *r)
{ memset(r->envelope_to, 'a', sizeof(r->envelope_to)); }
static void space_in_spf(struct dmarc_report_rec *r)
{ snprintf(r->spf.domain, sizeof(r->spf.domain), "exa mple.com"); }

/* test_check - dmarc_rec_check: refusing, normalising */
static void
test_check(void)
{
	static const struct {
		const char *name;
		void (*spoil)(struct dmarc_report_rec *);
	} refused[] = {
		{ "bad ip", bad_ip },
		{ "local part", local_part },
		{ "no policy domain", no_policy_domain },
		{ "empty label", empty_label },
		{ "DKIM softfail", dkim_softfail },
		{ "DKIM without selector", dkim_no_selector },
		{ "three reasons", three_reasons },
		{ "nine DKIM results", nine_dkim },
		{ "disposition 9", bad_disposition },
		{ "t=u", bad_testing },
		{ "unterminated", unterminated },
		{ "space in SPF domain", space_in_spf },
	};
	struct dmarc_report_rec r;
	const char *why = NULL;
	size_t i;

	test_rec(&r, "192.0.2.1", "example.com", 1);
	TMX_CHECKF(dmarc_rec_check(&r, &why) == 0, "good: %s", why);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		test_rec(&r, "192.0.2.1", "example.com", 1);
		refused[i].spoil(&r);
		why = NULL;
		TMX_CHECKF(dmarc_rec_check(&r, &why) < 0 && why != NULL,
			   "%s accepted", refused[i].name);
	}

	/* domains lower-cased, a mapped address unmapped, IPv6 canonical */
	test_rec(&r, "::FFFF:192.0.2.7", "Example.COM", 1);
	snprintf(r.envelope_to, sizeof(r.envelope_to), "Test.Example");
	TMX_CHECK(dmarc_rec_check(&r, &why) == 0);
	TMX_CHECK_STR(r.source_ip, "192.0.2.7");
	TMX_CHECK_STR(r.header_from, "example.com");
	TMX_CHECK_STR(r.envelope_to, "test.example");
	test_rec(&r, "2001:DB8:0:0::1", "example.com", 1);
	TMX_CHECK(dmarc_rec_check(&r, &why) == 0);
	TMX_CHECK_STR(r.source_ip, "2001:db8::1");

	/* DKIM in RFC 9990 3.1.3's order: strict pass, relaxed pass, pass,
	 * the rest */
	test_rec(&r, "192.0.2.1", "mail.example.com", 1);
	snprintf(r.policy_domain, sizeof(r.policy_domain), "example.com");
	r.ndkim = 4;
	snprintf(r.dkim[0].domain, sizeof(r.dkim[0].domain), "fail.example");
	r.dkim[0].result = DMARC_REC_AUTH_FAIL;
	snprintf(r.dkim[1].domain, sizeof(r.dkim[1].domain), "esp.example");
	r.dkim[1].result = DMARC_REC_AUTH_PASS;
	snprintf(r.dkim[2].domain, sizeof(r.dkim[2].domain), "example.com");
	r.dkim[2].result = DMARC_REC_AUTH_PASS;
	snprintf(r.dkim[3].domain, sizeof(r.dkim[3].domain),
		 "mail.example.com");
	r.dkim[3].result = DMARC_REC_AUTH_PASS;
	for (i = 0; i < 4; i++)
		snprintf(r.dkim[i].selector, sizeof(r.dkim[i].selector), "s%zu",
			 i);
	TMX_CHECK(dmarc_rec_check(&r, &why) == 0);
	TMX_CHECK_STR(r.dkim[0].domain, "mail.example.com");
	TMX_CHECK_STR(r.dkim[1].domain, "example.com");
	TMX_CHECK_STR(r.dkim[2].domain, "esp.example");
	TMX_CHECK_STR(r.dkim[3].domain, "fail.example");

	/* a comment keeps no control characters */
	test_rec(&r, "192.0.2.1", "example.com", 1);
	r.nreasons = 1;
	r.reasons[0].type = DMARC_REC_OVERRIDE_OTHER;
	snprintf(r.reasons[0].comment, sizeof(r.reasons[0].comment),
		 "a\nb\tc");
	TMX_CHECK(dmarc_rec_check(&r, &why) == 0);
	TMX_CHECK_STR(r.reasons[0].comment, "a b c");
}

/* test_basic - identical evaluations in one hour share a row; WAL;
 * schema version; every field survives the round trip */
static int
test_row_count(void *arg, const struct dmarc_db_row *row)
{
	unsigned long long *sum = arg;

	sum[0]++;
	sum[1] += row->count;
	if (strcmp(row->rec.source_ip, "2001:db8::5") == 0) {
		TMX_CHECK_STR(row->rec.policy.rua, "mailto:d@b.example");
		TMX_CHECK(row->rec.policy.p == DMARC_REC_POLICY_REJECT);
		TMX_CHECK(row->rec.policy.sp == DMARC_REC_POLICY_UNSET);
		TMX_CHECK(row->rec.policy.aspf == DMARC_REC_ALIGN_STRICT);
		TMX_CHECK(row->rec.policy.testing == DMARC_REC_FLAG_Y);
		TMX_CHECK(row->rec.policy.psd == DMARC_REC_FLAG_U);
		TMX_CHECK(row->rec.disposition == DMARC_REC_DISP_QUARANTINE);
		TMX_CHECK(row->rec.nreasons == 2);
		TMX_CHECK(row->rec.reasons[1].type ==
			  DMARC_REC_OVERRIDE_TRUSTED_FORWARDER);
		TMX_CHECK_STR(row->rec.reasons[1].comment, "arc sealer x");
		TMX_CHECK(row->rec.ndkim == 2);
		TMX_CHECK_STR(row->rec.dkim[1].selector, "sel-2");
		TMX_CHECK(row->rec.dkim[1].result == DMARC_REC_AUTH_TEMPERROR);
		TMX_CHECK(row->rec.spf.scope == DMARC_REC_SCOPE_HELO);
		TMX_CHECK(row->rec.spf.result == DMARC_REC_AUTH_SOFTFAIL);
		TMX_CHECK(row->count == 3);
	}
	return 0;
}

static void
test_basic(void)
{
	const char *path = test_path("basic.db");
	struct dmarc_store_limits lim = { .flush_ms = 20 };
	struct dmarc_report_rec r;
	struct dmarc_store_stats s;
	struct dmarc_store *st;
	struct dmarc_db *db;
	unsigned long long sum[2] = { 0, 0 };
	char err[512], buf[64];
	time_t now = time(NULL), hour = now - now % 3600;
	int i;

	st = dmarc_store_open(path, &lim, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	test_rec(&r, "192.0.2.1", "a.example", hour + 10);
	for (i = 0; i < 100; i++)
		TMX_CHECK(dmarc_store_add(st, &r) == 0);
	r.time = hour + 3599;			/* same hour */
	TMX_CHECK(dmarc_store_add(st, &r) == 0);
	r.time = hour - 1;			/* the hour before */
	TMX_CHECK(dmarc_store_add(st, &r) == 0);
	test_rec(&r, "2001:db8::5", "b.example", hour + 5);
	r.policy.aspf = DMARC_REC_ALIGN_STRICT;
	r.policy.testing = DMARC_REC_FLAG_Y;
	r.policy.psd = DMARC_REC_FLAG_U;
	r.disposition = DMARC_REC_DISP_QUARANTINE;
	r.nreasons = 2;
	r.reasons[0].type = DMARC_REC_OVERRIDE_LOCAL_POLICY;
	r.reasons[1].type = DMARC_REC_OVERRIDE_TRUSTED_FORWARDER;
	snprintf(r.reasons[1].comment, sizeof(r.reasons[1].comment),
		 "arc sealer x");
	r.ndkim = 2;
	snprintf(r.dkim[0].domain, sizeof(r.dkim[0].domain), "b.example");
	snprintf(r.dkim[0].selector, sizeof(r.dkim[0].selector), "sel-1");
	r.dkim[0].result = DMARC_REC_AUTH_PASS;
	snprintf(r.dkim[1].domain, sizeof(r.dkim[1].domain), "esp.example");
	snprintf(r.dkim[1].selector, sizeof(r.dkim[1].selector), "sel-2");
	r.dkim[1].result = DMARC_REC_AUTH_TEMPERROR;
	r.spf.scope = DMARC_REC_SCOPE_HELO;
	r.spf.result = DMARC_REC_AUTH_SOFTFAIL;
	for (i = 0; i < 3; i++)
		TMX_CHECK(dmarc_store_add(st, &r) == 0);
	r.time = 0;				/* "now" */
	snprintf(r.source_ip, sizeof(r.source_ip), "not an address");
	TMX_CHECK(dmarc_store_add(st, &r) == 0);	/* checked later */
	dmarc_store_flush(st);
	dmarc_store_stats(st, &s);
	TMX_CHECK(s.queued == 106 && s.written == 105 && s.invalid == 1);
	TMX_CHECK(s.rows_added == 3 && s.dropped == 0 && s.failed == 0);
	dmarc_store_close(st);

	TMX_CHECK(test_int(path, "PRAGMA user_version") == DMARC_DB_VERSION);
	TMX_CHECK_STR(test_text(path, "PRAGMA journal_mode", buf, sizeof(buf)),
		      "wal");
	TMX_CHECK(test_int(path, "SELECT COUNT(*) FROM rows") == 3);
	TMX_CHECK(test_int(path, "SELECT SUM(count) FROM rows") == 105);
	TMX_CHECK(test_int(path, "SELECT count FROM rows WHERE source_ip = "
			   "'192.0.2.1' ORDER BY bucket DESC") == 101);

	db = dmarc_db_open(path, DMARC_DB_EXISTING, 1000, err, sizeof(err));
	TMX_CHECKF(db != NULL, "%s", err);
	if (db == NULL)
		return;
	TMX_CHECK(dmarc_db_each(db, hour - 3600, hour + 3600, test_row_count,
				sum) == 0);
	TMX_CHECK(sum[0] == 3 && sum[1] == 105);
	sum[0] = sum[1] = 0;
	TMX_CHECK(dmarc_db_each(db, hour, hour + 3600, test_row_count,
				sum) == 0);
	TMX_CHECK(sum[0] == 2 && sum[1] == 104);
	TMX_CHECK(dmarc_db_first_hour(db) == hour - 3600);
	dmarc_db_close(db);
}

/* test_batches - many records, few transactions */
static void
test_batches(void)
{
	struct dmarc_store_limits lim = { .queue_max = 4096, .batch_max = 64,
					  .flush_ms = 200 };
	struct dmarc_report_rec r;
	struct dmarc_store_stats s;
	struct dmarc_store *st;
	char err[512], ip[64];
	int i;

	st = dmarc_store_open(test_path("batch.db"), &lim, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	for (i = 0; i < 2000; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i % 200);
		test_rec(&r, ip, "batch.example", 0);
		TMX_CHECK(dmarc_store_add(st, &r) == 0);
	}
	dmarc_store_flush(st);
	dmarc_store_stats(st, &s);
	TMX_CHECKF(s.written == 2000 && s.rows_added == 200,
		   "written %llu rows %llu", (unsigned long long)s.written,
		   (unsigned long long)s.rows_added);
	TMX_CHECKF(s.batches >= 2000 / 64 && s.batches < 200,
		   "%llu transactions for 2000 records",
		   (unsigned long long)s.batches);
	dmarc_store_close(st);
}

/* test_close_flush - closing writes what waits, however long flush_ms */
static void
test_close_flush(void)
{
	struct dmarc_store_limits lim = { .flush_ms = 60000 };
	const char *path = test_path("close.db");
	struct dmarc_report_rec r;
	struct dmarc_store *st;
	char err[512];
	int i;

	st = dmarc_store_open(path, &lim, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	test_rec(&r, "192.0.2.9", "close.example", 0);
	for (i = 0; i < 10; i++)
		dmarc_store_add(st, &r);
	dmarc_store_close(st);
	TMX_CHECK(test_int(path, "SELECT SUM(count) FROM rows") == 10);
}

/* test_adder - one of test_threads' milter threads */
static void *
test_adder(void *arg)
{
	struct dmarc_store *st = arg;
	struct dmarc_report_rec r;
	char ip[64];
	int i;

	for (i = 0; i < 500; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i % 50);
		test_rec(&r, ip, "threads.example", 0);
		dmarc_store_add(st, &r);
	}
	return NULL;
}

/* test_threads - eight threads add at once (the milter's threads) */
static void
test_threads(void)
{
	struct dmarc_store_limits lim = { .queue_max = 4096, .flush_ms = 5 };
	const char *path = test_path("threads.db");
	struct dmarc_store *st;
	pthread_t t[8];
	char err[512];
	int i;

	st = dmarc_store_open(path, &lim, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, test_adder, st);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	dmarc_store_close(st);
	TMX_CHECK(test_int(path, "SELECT SUM(count) FROM rows") == 4000);
	TMX_CHECK(test_int(path, "SELECT COUNT(*) FROM rows") == 50 ||
		  test_int(path, "SELECT COUNT(*) FROM rows") == 100);
}

/* test_elapsed_ms - milliseconds since t0 */
static double
test_elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	    (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* test_full_queue - another process holds the write lock (a stuck
 * disk, a reporter's long transaction): adds neither wait nor fail the
 * caller; beyond the queue they are dropped and counted */
static void
test_full_queue(void)
{
	struct dmarc_store_limits lim = { .queue_max = 16, .batch_max = 4,
					  .flush_ms = 1, .busy_ms = 5000 };
	const char *path = test_path("full.db");
	struct dmarc_report_rec r;
	struct dmarc_store_stats s;
	struct dmarc_store *st;
	struct timespec t0;
	sqlite3 *locker;
	char err[512];
	int i, dropped = 0;
	double ms;

	st = dmarc_store_open(path, &lim, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	TMX_CHECK(sqlite3_open(path, &locker) == SQLITE_OK);
	TMX_CHECK(sqlite3_exec(locker, "BEGIN EXCLUSIVE", NULL, NULL,
			       NULL) == SQLITE_OK);
	test_rec(&r, "192.0.2.44", "full.example", 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 200; i++) {
		if (dmarc_store_add(st, &r) < 0)
			dropped++;
		if (i == 0)
			usleep(20000);	/* the writer takes a batch, waits */
	}
	ms = test_elapsed_ms(&t0);
	TMX_CHECKF(ms < 1000, "200 adds took %.0f ms while locked", ms);
	dmarc_store_stats(st, &s);
	TMX_CHECKF(dropped > 0 && s.dropped == (unsigned)dropped &&
		   s.queued + s.dropped == 200, "queued %llu dropped %llu",
		   (unsigned long long)s.queued, (unsigned long long)s.dropped);
	TMX_CHECK(s.queued <= lim.queue_max + lim.batch_max + 1);
	TMX_CHECK(s.written == 0);
	sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(locker);
	dmarc_store_flush(st);
	dmarc_store_stats(st, &s);
	TMX_CHECKF(s.written == s.queued && s.failed == 0,
		   "written %llu of %llu, failed %llu",
		   (unsigned long long)s.written, (unsigned long long)s.queued,
		   (unsigned long long)s.failed);
	dmarc_store_close(st);
	TMX_CHECK(test_int(path, "SELECT SUM(count) FROM rows") ==
		  (long long)s.queued);
}

/* test_retention - the writer deletes hours past the retention on open
 * (then hourly); dmarc_db_prune does the same for the reporter */
static void
test_retention(void)
{
	struct dmarc_store_limits keep = { .flush_ms = 10 };
	struct dmarc_store_limits lim = { .flush_ms = 10,
					  .retention = 31 * DAY };
	const char *path = test_path("retention.db");
	struct dmarc_report_rec r;
	struct dmarc_store_stats s;
	struct dmarc_store *st;
	struct dmarc_db *db;
	time_t now = time(NULL);
	char err[512];

	st = dmarc_store_open(path, &keep, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	test_rec(&r, "192.0.2.1", "old.example", now - 40 * DAY);
	dmarc_store_add(st, &r);
	test_rec(&r, "192.0.2.1", "older.example", now - 400 * DAY);
	dmarc_store_add(st, &r);
	test_rec(&r, "192.0.2.1", "edge.example", now - 20 * DAY);
	dmarc_store_add(st, &r);
	test_rec(&r, "192.0.2.1", "new.example", now);
	dmarc_store_add(st, &r);
	dmarc_store_close(st);
	TMX_CHECK(test_int(path, "SELECT COUNT(*) FROM rows") == 4);

	st = dmarc_store_open(path, &lim, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	dmarc_store_stats(st, &s);
	TMX_CHECK(s.pruned == 2);
	dmarc_store_close(st);
	TMX_CHECK(test_int(path, "SELECT COUNT(*) FROM rows") == 2);
	TMX_CHECK(test_int(path, "SELECT COUNT(*) FROM rows WHERE "
			   "policy_domain LIKE 'old%'") == 0);

	db = dmarc_db_open(path, DMARC_DB_EXISTING, 1000, err, sizeof(err));
	TMX_CHECKF(db != NULL, "%s", err);
	if (db == NULL)
		return;
	TMX_CHECK(dmarc_db_ledger_add(db, "edge.example", "a@b.example",
				      now - 30 * DAY, now - 29 * DAY, "x",
				      now) == 0);
	TMX_CHECK(dmarc_db_prune(db, now - 10 * DAY) == 1);
	TMX_CHECK(test_int(path, "SELECT COUNT(*) FROM reported") == 0);
	dmarc_db_close(db);
}

/* test_size_bound - past max_bytes new rows are refused (counted, a
 * warning), existing rows keep counting */
static void
test_size_bound(void)
{
	struct dmarc_store_limits lim = { .flush_ms = 10, .batch_max = 50 };
	const char *path = test_path("size.db");
	struct dmarc_report_rec r;
	struct dmarc_store_stats s;
	struct dmarc_store *st;
	char err[512], ip[64];
	long long before;
	int i;

	/* the empty file's size, plus room for a few dozen rows */
	st = dmarc_store_open(path, NULL, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	dmarc_store_close(st);
	lim.max_bytes = (uint64_t)test_int(path, "PRAGMA page_count") *
	    (uint64_t)test_int(path, "PRAGMA page_size") + 16384;

	st = dmarc_store_open(path, &lim, err, sizeof(err));
	TMX_CHECKF(st != NULL, "%s", err);
	if (st == NULL)
		return;
	for (i = 0; i < 3000; i++) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		test_rec(&r, ip, "size.example", 0);
		dmarc_store_add(st, &r);
		if (i % 50 == 49)
			dmarc_store_flush(st);
	}
	dmarc_store_flush(st);
	dmarc_store_stats(st, &s);
	TMX_CHECKF(s.refused > 0 && s.rows_added > 0 &&
		   s.rows_added + s.refused == 3000,
		   "added %llu refused %llu", (unsigned long long)s.rows_added,
		   (unsigned long long)s.refused);
	/* a row that exists still counts */
	before = (long long)s.written;
	test_rec(&r, "2001:db8::0", "size.example", 0);
	dmarc_store_add(st, &r);
	dmarc_store_flush(st);
	dmarc_store_stats(st, &s);
	TMX_CHECK((long long)s.written == before + 1);
	dmarc_store_close(st);
	TMX_CHECK(test_int(path, "SELECT count FROM rows WHERE source_ip = "
			   "'2001:db8::'") == 2);
}

/* test_versions - a file from a newer trustmx is refused */
static void
test_versions(void)
{
	const char *path = test_path("newer.db");
	struct dmarc_db *db;
	sqlite3 *sql;
	char err[512] = "", buf[32];

	TMX_CHECK(sqlite3_open(path, &sql) == SQLITE_OK);
	sqlite3_exec(sql, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(sql);
	db = dmarc_db_open(path, DMARC_DB_EXISTING, 1000, err, sizeof(err));
	TMX_CHECK(db == NULL);
	TMX_CHECKF(strstr(err, "newer") != NULL, "%s", err);
	dmarc_db_close(db);
	db = dmarc_db_open(test_path("absent.db"), DMARC_DB_EXISTING, 1000,
			   err, sizeof(err));
	TMX_CHECK(db == NULL);
	dmarc_db_close(db);
	/* another program's SQLite database is never turned into a store */
	TMX_CHECK(sqlite3_open(test_path("other.db"), &sql) == SQLITE_OK);
	sqlite3_exec(sql, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(sql);
	db = dmarc_db_open(test_path("other.db"), DMARC_DB_EXISTING, 1000, err,
			   sizeof(err));
	TMX_CHECKF(db == NULL && strstr(err, "other tables") != NULL, "%s",
		   err);
	dmarc_db_close(db);
	TMX_CHECK(test_int(test_path("other.db"), "SELECT COUNT(*) FROM "
			   "sqlite_master") == 1);
	TMX_CHECK_STR(test_text(test_path("other.db"), "PRAGMA journal_mode",
				buf, sizeof(buf)), "delete");
	/* not SQLite at all */
	FILE *fp = fopen(test_path("junk.db"), "w");
	if (fp != NULL) {
		fputs("this is not a database, just text of some length....."
		      "..........................................\n", fp);
		fclose(fp);
	}
	db = dmarc_db_open(test_path("junk.db"), DMARC_DB_EXISTING, 1000, err,
			   sizeof(err));
	TMX_CHECKF(db == NULL, "junk accepted");
	dmarc_db_close(db);
}

/* test_ledger - sent, overlapping, new */
static void
test_ledger(void)
{
	struct dmarc_db *db;
	char err[512], id[DMARC_DB_REPORTER_ID_MAX], id2[sizeof(id)];
	time_t b, e;

	db = dmarc_db_open(test_path("ledger.db"), DMARC_DB_CREATE, 1000, err,
			   sizeof(err));
	TMX_CHECKF(db != NULL, "%s", err);
	if (db == NULL)
		return;
	TMX_CHECK(dmarc_db_ledger_check(db, "a.example", "r@a.example",
					DAY, 2 * DAY, NULL, NULL) ==
		  DMARC_DB_LEDGER_NEW);
	TMX_CHECK(dmarc_db_ledger_add(db, "a.example", "r@a.example", DAY,
				      2 * DAY, "id1", 5) == 0);
	TMX_CHECK(dmarc_db_ledger_check(db, "a.example", "r@a.example",
					DAY, 2 * DAY, NULL, NULL) ==
		  DMARC_DB_LEDGER_SENT);
	TMX_CHECK(dmarc_db_ledger_check(db, "a.example", "r@a.example",
					DAY + 3600, 3 * DAY, &b, &e) ==
		  DMARC_DB_LEDGER_OVERLAP);
	TMX_CHECK(b == DAY && e == 2 * DAY);
	TMX_CHECK(dmarc_db_ledger_check(db, "a.example", "r@a.example",
					2 * DAY, 3 * DAY, NULL, NULL) ==
		  DMARC_DB_LEDGER_NEW);
	TMX_CHECK(dmarc_db_ledger_check(db, "a.example", "other@a.example",
					DAY, 2 * DAY, NULL, NULL) ==
		  DMARC_DB_LEDGER_NEW);
	TMX_CHECK(dmarc_db_reporter_id(db, id, sizeof(id)) == 0);
	TMX_CHECK(strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16);
	TMX_CHECK(dmarc_db_reporter_id(db, id2, sizeof(id2)) == 0);
	TMX_CHECK_STR(id2, id);
	dmarc_db_close(db);
}

/* test_cleanup - remove the temporary directory's files */
static void
test_cleanup(void)
{
	static const char *const names[] = {
		"basic.db", "batch.db", "close.db", "full.db", "retention.db",
		"size.db", "newer.db", "junk.db", "ledger.db", "other.db",
		"threads.db",
	};
	char path[160];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unlink(test_path(names[i]));
		snprintf(path, sizeof(path), "%s-wal", test_path(names[i]));
		unlink(path);
		snprintf(path, sizeof(path), "%s-shm", test_path(names[i]));
		unlink(path);
	}
	rmdir(test_dir);
}

int
main(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/tmx-dmarc-store.XXXXXX");
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_check();
	test_basic();
	test_batches();
	test_close_flush();
	test_threads();
	test_full_queue();
	test_retention();
	test_size_bound();
	test_versions();
	test_ledger();
	test_cleanup();
	return TMX_TEST_END();
}
