/*
 * dmarc_store.c - the queue between the milter's threads and the store's
 * SQLite file. Adding copies a record into a preallocated ring under a
 * mutex held for a memcpy; one writer thread takes up to batch_max
 * records at a time and writes them in one transaction, outside the lock.
 * The writer also deletes rows past the retention (hourly) and stops
 * adding rows once the file reaches max_bytes (existing rows still count).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarc_db.h"
#include "dmarc_store.h"
#include "log.h"
#include "xalloc.h"

#define DMARC_STORE_LOG_EVERY	60	/* s between like warnings */
#define DMARC_STORE_PRUNE_EVERY	3600	/* s between prunings */

struct dmarc_store {
	struct dmarc_db *db;
	struct dmarc_store_limits limits;

	pthread_mutex_t lock;
	pthread_cond_t wake;		/* to the writer: work to do */
	pthread_cond_t done;		/* from it: a batch is written */
	struct dmarc_report_rec *ring;	/* queue_max slots */
	size_t head, count;
	uint64_t seq_in, seq_done;	/* records queued / written or lost */
	uint64_t flush_wanted;		/* write now, up to this seq */
	struct timespec first_at;	/* the oldest waiting record's
					 * arrival, CLOCK_MONOTONIC */
	bool stop;
	struct dmarc_store_stats stats;
	time_t dropped_logged_at;
	uint64_t dropped_logged;

	struct dmarc_report_rec *batch;	/* the writer's own copy */
	time_t pruned_at;
	time_t refused_logged_at, failed_logged_at, invalid_logged_at;
	uint64_t refused_logged, failed_logged, invalid_logged;
	pthread_t writer;
};

/* dmarc_store_limits_fill - defaults for the zero fields */
static void
dmarc_store_limits_fill(struct dmarc_store_limits *l)
{
	if (l->queue_max == 0)
		l->queue_max = DMARC_STORE_QUEUE_DEFAULT;
	if (l->batch_max == 0)
		l->batch_max = DMARC_STORE_BATCH_DEFAULT;
	if (l->batch_max > l->queue_max)
		l->batch_max = l->queue_max;
	if (l->flush_ms == 0)
		l->flush_ms = DMARC_STORE_FLUSH_MS_DEFAULT;
	if (l->busy_ms == 0)
		l->busy_ms = DMARC_STORE_BUSY_MS_DEFAULT;
}

/* dmarc_store_log_due - true, and the count since the last warning in
 * *n_r, when a warning about *total is due (once a minute) */
static bool
dmarc_store_log_due(time_t *at, uint64_t *logged, uint64_t total,
		    uint64_t *n_r)
{
	time_t now = time(NULL);

	if (total == *logged || now - *at < DMARC_STORE_LOG_EVERY)
		return false;
	*n_r = total - *logged;
	*logged = total;
	*at = now;
	return true;
}

/* dmarc_store_deadline - the monotonic time ms after t */
static struct timespec
dmarc_store_deadline(struct timespec t, unsigned ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* dmarc_store_prune - delete rows past the retention, hourly */
static void
dmarc_store_prune(struct dmarc_store *store, time_t now)
{
	long n;

	if (store->limits.retention <= 0 ||
	    now - store->pruned_at < DMARC_STORE_PRUNE_EVERY)
		return;
	store->pruned_at = now;
	n = dmarc_db_prune(store->db, now - store->limits.retention);
	if (n < 0) {
		log_warnx("dmarc report store %s: deleting old rows: %s",
			  dmarc_db_path(store->db),
			  dmarc_db_errmsg(store->db));
		return;
	}
	pthread_mutex_lock(&store->lock);
	store->stats.pruned += (uint64_t)n;
	pthread_mutex_unlock(&store->lock);
}

/* dmarc_store_warn - the writer's losses, each kind once a minute */
static void
dmarc_store_warn(struct dmarc_store *store, const struct dmarc_store_stats *s,
		 const char *why)
{
	const char *path = dmarc_db_path(store->db);
	uint64_t n;

	if (dmarc_store_log_due(&store->refused_logged_at,
				&store->refused_logged, s->refused, &n))
		log_warnx("dmarc report store %s: dmarc_report_max_size "
			  "reached: %llu new report rows refused (messages "
			  "of rows already stored are still counted)", path,
			  (unsigned long long)n);
	if (dmarc_store_log_due(&store->failed_logged_at,
				&store->failed_logged, s->failed, &n))
		log_warnx("dmarc report store %s: %llu records lost: %s", path,
			  (unsigned long long)n, dmarc_db_errmsg(store->db));
	if (dmarc_store_log_due(&store->invalid_logged_at,
				&store->invalid_logged, s->invalid, &n))
		log_warnx("dmarc report store %s: %llu records refused: %s",
			  path, (unsigned long long)n,
			  why != NULL ? why : "invalid");
}

/* dmarc_store_write - one batch in one transaction; counters updated */
static void
dmarc_store_write(struct dmarc_store *store, size_t n)
{
	struct dmarc_store_stats s = { 0 };
	const char *why = NULL;
	bool may_add = true;
	int64_t used;
	size_t i;

	if (store->limits.max_bytes > 0) {
		used = dmarc_db_used_bytes(store->db);
		may_add = used >= 0 && (uint64_t)used < store->limits.max_bytes;
	}
	if (dmarc_db_begin(store->db) < 0) {
		s.failed = n;
		goto done;
	}
	for (i = 0; i < n; i++) {
		struct dmarc_report_rec *rec = &store->batch[i];

		if (dmarc_rec_check(rec, &why) < 0) {
			s.invalid++;
			continue;
		}
		switch (dmarc_db_put(store->db, rec, 1, rec->time, rec->time,
				     may_add)) {
		case DMARC_DB_PUT_ADDED:
			s.rows_added++;
			s.written++;
			break;
		case DMARC_DB_PUT_COUNTED:
			s.written++;
			break;
		case DMARC_DB_PUT_REFUSED:
			s.refused++;
			break;
		case DMARC_DB_PUT_ERROR:
			s.failed++;
			break;
		}
	}
	if (dmarc_db_commit(store->db) < 0) {
		dmarc_db_rollback(store->db);
		s.failed += s.written + s.refused;
		s.written = s.rows_added = s.refused = 0;
	} else {
		s.batches = 1;
	}
done:
	pthread_mutex_lock(&store->lock);
	store->stats.written += s.written;
	store->stats.rows_added += s.rows_added;
	store->stats.refused += s.refused;
	store->stats.failed += s.failed;
	store->stats.invalid += s.invalid;
	store->stats.batches += s.batches;
	s = store->stats;
	pthread_mutex_unlock(&store->lock);
	dmarc_store_warn(store, &s, why);
}

/* dmarc_store_take - wait for work; move up to batch_max records into
 * the batch. Called and returns with the lock held; 0 when stopping */
static size_t
dmarc_store_take(struct dmarc_store *store)
{
	struct timespec until;
	size_t n, i;

	for (;;) {
		if (store->count >= store->limits.batch_max || store->stop ||
		    (store->count > 0 &&
		     store->flush_wanted > store->seq_done))
			break;
		if (store->count == 0) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += 60;	/* for the hourly pruning */
			if (pthread_cond_timedwait(&store->wake, &store->lock,
						   &until) == ETIMEDOUT)
				return SIZE_MAX;
			continue;
		}
		until = dmarc_store_deadline(store->first_at,
					     store->limits.flush_ms);
		if (pthread_cond_timedwait(&store->wake, &store->lock,
					   &until) == ETIMEDOUT)
			break;
	}
	n = store->count < store->limits.batch_max ? store->count :
	    store->limits.batch_max;
	for (i = 0; i < n; i++) {
		store->batch[i] = store->ring[store->head];
		store->head = (store->head + 1) % store->limits.queue_max;
	}
	store->count -= n;
	if (store->count > 0)
		clock_gettime(CLOCK_MONOTONIC, &store->first_at);
	return n;
}

/* dmarc_store_writer - the thread: batches until stopped and drained */
static void *
dmarc_store_writer(void *arg)
{
	struct dmarc_store *store = arg;
	size_t n;

	pthread_mutex_lock(&store->lock);
	for (;;) {
		n = dmarc_store_take(store);
		if (n == 0 && store->stop)
			break;
		pthread_mutex_unlock(&store->lock);
		if (n != SIZE_MAX && n > 0)
			dmarc_store_write(store, n);
		dmarc_store_prune(store, time(NULL));
		pthread_mutex_lock(&store->lock);
		if (n != SIZE_MAX)
			store->seq_done += n;
		pthread_cond_broadcast(&store->done);
	}
	pthread_cond_broadcast(&store->done);
	pthread_mutex_unlock(&store->lock);
	return NULL;
}

/* dmarc_store_open - see dmarc_store.h */
struct dmarc_store *
dmarc_store_open(const char *path, const struct dmarc_store_limits *limits,
		 char *err, size_t errlen)
{
	struct dmarc_store *store = xcalloc(1, sizeof(*store));
	pthread_condattr_t monotonic;
	sigset_t all, old;
	int rc;

	if (limits != NULL)
		store->limits = *limits;
	dmarc_store_limits_fill(&store->limits);
	store->db = dmarc_db_open(path, DMARC_DB_CREATE, store->limits.busy_ms,
				  err, errlen);
	if (store->db == NULL) {
		free(store);
		return NULL;
	}
	store->ring = xcalloc(store->limits.queue_max, sizeof(*store->ring));
	store->batch = xcalloc(store->limits.batch_max, sizeof(*store->batch));
	pthread_mutex_init(&store->lock, NULL);
	/* the writer's deadlines do not move with the wall clock */
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&store->wake, &monotonic);
	pthread_condattr_destroy(&monotonic);
	pthread_cond_init(&store->done, NULL);
	dmarc_store_prune(store, time(NULL));
	/* signals stay with the program's own threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&store->writer, NULL, dmarc_store_writer, store);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot start the writer thread: %s",
			 path, strerror(rc));
		dmarc_db_close(store->db);
		free(store->ring);
		free(store->batch);
		free(store);
		return NULL;
	}
	return store;
}

/* dmarc_store_add - see dmarc_store.h: a memcpy under the lock */
int
dmarc_store_add(struct dmarc_store *store, const struct dmarc_report_rec *rec)
{
	struct dmarc_report_rec *slot;
	bool warn;
	uint64_t n = 0, total;

	pthread_mutex_lock(&store->lock);
	if (store->count == store->limits.queue_max || store->stop) {
		total = ++store->stats.dropped;
		warn = dmarc_store_log_due(&store->dropped_logged_at,
					   &store->dropped_logged, total, &n);
		pthread_mutex_unlock(&store->lock);
		if (warn)
			log_warnx("dmarc report store: queue full (%zu "
				  "records): %llu records dropped; the disk "
				  "is too slow for the mail rate",
				  store->limits.queue_max,
				  (unsigned long long)n);
		return -1;
	}
	slot = &store->ring[(store->head + store->count) %
	    store->limits.queue_max];
	memcpy(slot, rec, sizeof(*slot));
	if (slot->time == 0)
		slot->time = time(NULL);
	if (store->count++ == 0)
		clock_gettime(CLOCK_MONOTONIC, &store->first_at);
	store->seq_in++;
	store->stats.queued++;
	if (store->count == 1 || store->count == store->limits.batch_max)
		pthread_cond_signal(&store->wake);
	pthread_mutex_unlock(&store->lock);
	return 0;
}

/* dmarc_store_flush - wake the writer and wait for it to catch up */
void
dmarc_store_flush(struct dmarc_store *store)
{
	uint64_t want;

	pthread_mutex_lock(&store->lock);
	want = store->seq_in;
	store->flush_wanted = want;
	pthread_cond_signal(&store->wake);
	while (store->seq_done < want && !store->stop)
		pthread_cond_wait(&store->done, &store->lock);
	pthread_mutex_unlock(&store->lock);
}

/* dmarc_store_stats - a copy of the counters */
void
dmarc_store_stats(struct dmarc_store *store, struct dmarc_store_stats *stats_r)
{
	pthread_mutex_lock(&store->lock);
	*stats_r = store->stats;
	pthread_mutex_unlock(&store->lock);
}

/* dmarc_store_close - drain, join, close */
void
dmarc_store_close(struct dmarc_store *store)
{
	if (store == NULL)
		return;
	pthread_mutex_lock(&store->lock);
	store->stop = true;
	pthread_cond_signal(&store->wake);
	pthread_mutex_unlock(&store->lock);
	pthread_join(store->writer, NULL);
	dmarc_db_close(store->db);
	pthread_mutex_destroy(&store->lock);
	pthread_cond_destroy(&store->wake);
	pthread_cond_destroy(&store->done);
	free(store->ring);
	free(store->batch);
	free(store);
}
