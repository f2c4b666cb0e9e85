/*
 * dns_int.h - private to dns/: how the configuration (dns.c), the lookups
 * in flight and their thread (dns_queue.c), the blocking and event-loop
 * interfaces (dns_lookup.c, dns_async.c) and the counters (dns_stats.c)
 * meet.
 */
#ifndef TMX_DNS_INT_H
#define TMX_DNS_INT_H

#include <pthread.h>
#include <unbound.h>

#include "dns.h"

/* One lookup, from submission until its answer is handed over. */
struct dns_pending {
	int id;			/* ours, for dns_lookup_cancel */
	int ub_id;		/* libunbound's, for ub_cancel */
	enum dns_type type;
	bool linked;		/* in the in-flight list */
	bool cancel_tried;	/* ub_cancel said the answer is on its way */
	bool cancelled;		/* the caller gave up: drop the answer */
	bool done;		/* blocking: ans is ready */
	uint64_t start_us;
	uint64_t deadline_us;
	struct dns_answer ans;
	pthread_cond_t *cond;	/* blocking caller's; NULL when async */
	dns_callback_fn *cb;
	void *arg;
	struct dns_pending *prev, *next;	/* in flight, or answered */
};

/* dns_ensure - dns_init with the defaults unless done; 0 or -1 */
int dns_ensure(const char **error_r);

/*
 * dns_queue_start - take over ub (configured, not yet used): start the
 * thread that reads its answers and enforces timeout_ms. Threads start
 * with every signal blocked: the daemons take theirs elsewhere.
 */
int dns_queue_start(struct ub_ctx *ub, unsigned timeout_ms,
		    const char **error_r);

/* dns_queue_stop - fail what is waiting, stop the thread, delete ub */
void dns_queue_stop(void);

/* dns_queue_running - has dns_queue_start succeeded (and not stopped)? */
int dns_queue_running(void);

/* dns_queue_lock, dns_queue_unlock - the one lock of lookups in flight */
void dns_queue_lock(void);
void dns_queue_unlock(void);

/* With the lock held: */

/* dns_queue_new_id - a fresh lookup id (positive) */
int dns_queue_new_id(void);

/* dns_queue_submit - ask libunbound for p; a failure finishes p at once */
void dns_queue_submit(struct dns_pending *p, const char *name,
		      enum dns_type type);

/* dns_queue_finish - hand p->ans over: wake its caller, or deliver it */
void dns_queue_finish(struct dns_pending *p, int timed_out);

/* dns_queue_wait - sleep on p->cond until p is done (the thread ends it
 * by its deadline; past that, the waiter tries ub_cancel itself) */
void dns_queue_wait(struct dns_pending *p);

/* dns_queue_cancel - drop async lookup id if in flight; 0, or -1 */
int dns_queue_cancel(int id);

/* dns_async_start - the descriptor of dns_async_fd, made once; 0 or -1 */
int dns_async_start(const char **error_r);

/* dns_async_deliver - queue p's answer for dns_async_process */
void dns_async_deliver(struct dns_pending *p);

/*
 * Around fork(): the prepare and parent halves hold and release the
 * queue lock; the child forgets the parent's resolver (its threads did
 * not come along) so that its first lookup starts its own.
 */
void dns_queue_fork_prepare(void);
void dns_queue_fork_parent(void);
void dns_queue_fork_child(void);
void dns_async_fork_child(void);

/*
 * dns_name_escape - a valid name as libunbound reads it: bytes other than
 * letters, digits, '-', '_', '*' and the dots as \DDD. size >= 4 * 254.
 */
#define DNS_NAME_ESCAPED_MAX	(4 * 254 + 1)
void dns_name_escape(const char *name, char *out, size_t size);


/*
 * dns_memo.c: answers kept for blocking lookups. dns_memo_get fills
 * *ans_r (the caller's to free) when name/type is held and fresh;
 * dns_memo_put keeps a copy of an answer, NODATA or NXDOMAIN for its TTL;
 * dns_memo_clear empties it (a new resolver) and sets the negative cap.
 */
bool dns_memo_get(const char *name, enum dns_type type,
		  struct dns_answer *ans_r);
void dns_memo_put(const char *name, enum dns_type type,
		  const struct dns_answer *ans);
void dns_memo_clear(uint32_t max_negative_ttl);
void dns_memo_fork_prepare(void);
void dns_memo_fork_parent(void);
void dns_memo_fork_child(void);

/* dns_stats_query - one lookup of type was asked */
void dns_stats_query(enum dns_type type);

/* dns_stats_answer - one lookup of type ended so (timed_out: by our
 * deadline) */
void dns_stats_answer(const struct dns_answer *ans, enum dns_type type,
		      int timed_out);

#endif
