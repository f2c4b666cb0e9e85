/*
 * dns_queue.c - lookups in flight on the libunbound context. One thread
 * reads libunbound's answers (ub_process) and ends every lookup whose
 * deadline passed (ub_cancel), since libunbound itself may keep trying for
 * minutes. Blocking callers sleep on a condition variable of their own;
 * asynchronous answers wait in a queue for dns_async_process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns_answer.h"
#include "dns_int.h"

#define DNS_CLASS_IN		1
#define DNS_RESCUE_US		2000000	/* a waiter's own check, past deadline */

/* The queue; every field under lock, except running (atomic). */
static struct {
	pthread_mutex_t lock;
	struct ub_ctx *ub;	/* NULL when not running */
	int running;
	bool stopping;
	pthread_t thread;
	int wake[2];		/* anyone -> the thread */
	unsigned timeout_ms;
	uint64_t wake_at;	/* the thread's next deadline check; 0 idle */
	struct dns_pending *head, *tail;	/* in flight, by deadline */
	int next_id;
} dq = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = { -1, -1 },
};

/* dns_now_us - monotonic microseconds */
static uint64_t
dns_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* dns_queue_link - into the in-flight list, kept in deadline order */
static void
dns_queue_link(struct dns_pending *p)
{
	struct dns_pending *at = dq.tail;

	while (at != NULL && at->deadline_us > p->deadline_us)
		at = at->prev;
	p->prev = at;
	p->next = at != NULL ? at->next : dq.head;
	if (p->next != NULL)
		p->next->prev = p;
	else
		dq.tail = p;
	if (at != NULL)
		at->next = p;
	else
		dq.head = p;
	p->linked = true;
}

/* dns_queue_unlink - out of the in-flight list, if in it */
static void
dns_queue_unlink(struct dns_pending *p)
{
	if (!p->linked)
		return;
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		dq.head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		dq.tail = p->prev;
	p->prev = p->next = NULL;
	p->linked = false;
}

/* dns_queue_kick - wake the thread (a full pipe wakes it just as well) */
static void
dns_queue_kick(void)
{
	static const char byte = 1;

	if (dq.wake[1] >= 0)
		(void)!write(dq.wake[1], &byte, 1);
}

/* dns_queue_finish - see dns_int.h */
void
dns_queue_finish(struct dns_pending *p, int timed_out)
{
	dns_queue_unlink(p);
	/* a bad name was never asked: no time, not counted */
	if (p->ans.status != DNS_BADNAME) {
		p->ans.elapsed_us = (uint32_t)(dns_now_us() - p->start_us);
		dns_stats_answer(&p->ans, p->type, timed_out);
	}
	if (p->cond != NULL) {
		p->done = true;
		pthread_cond_signal(p->cond);
		return;
	}
	dns_async_deliver(p);
}

/* dns_queue_answer - libunbound's callback, run by ub_process */
static void
dns_queue_answer(void *arg, int err, struct ub_result *res)
{
	struct dns_pending *p = arg;
	struct dns_answer ans;

	/* p->type never changes and p lives until its answer is handed over */
	memset(&ans, 0, sizeof(ans));
	dns_answer_fill(&ans, p->type, err, res);
	ub_resolve_free(res);
	pthread_mutex_lock(&dq.lock);
	if (p->cancelled) {
		dns_queue_unlink(p);
		pthread_mutex_unlock(&dq.lock);
		dns_answer_free(&ans);
		free(p);
		return;
	}
	p->ans = ans;
	dns_queue_finish(p, 0);
	pthread_mutex_unlock(&dq.lock);
}

/* dns_queue_new_id - see dns_int.h */
int
dns_queue_new_id(void)
{
	if (++dq.next_id <= 0)
		dq.next_id = 1;
	return dq.next_id;
}

/* dns_queue_submit - see dns_int.h */
void
dns_queue_submit(struct dns_pending *p, const char *name, enum dns_type type)
{
	char escaped[DNS_NAME_ESCAPED_MAX];
	int rc;

	p->id = dns_queue_new_id();
	p->type = type;
	p->start_us = dns_now_us();
	p->deadline_us = p->start_us + (uint64_t)dq.timeout_ms * 1000;
	if (dq.ub == NULL) {
		dns_answer_fail(&p->ans, DNS_TEMPFAIL, "resolver shut down");
		dns_queue_finish(p, 0);
		return;
	}
	dns_stats_query(type);
	/* the answer cannot be handled before we unlock: it needs the lock */
	dns_name_escape(name, escaped, sizeof(escaped));
	rc = ub_resolve_async(dq.ub, escaped, (int)type, DNS_CLASS_IN, p,
	    dns_queue_answer, &p->ub_id);
	if (rc != 0) {
		dns_answer_fail(&p->ans, DNS_TEMPFAIL, ub_strerror(rc));
		dns_queue_finish(p, 0);
		return;
	}
	dns_queue_link(p);
	if (dq.wake_at == 0 || p->deadline_us < dq.wake_at) {
		dq.wake_at = p->deadline_us;
		dns_queue_kick();
	}
}

/* dns_queue_expire - end lookups past their deadline; ms to the next */
static int
dns_queue_expire(void)
{
	uint64_t now = dns_now_us();
	struct dns_pending *p, *next;
	int wait_ms = -1;

	pthread_mutex_lock(&dq.lock);
	dq.wake_at = 0;
	for (p = dq.head; p != NULL; p = next) {
		next = p->next;
		if (p->cancel_tried)
			continue;
		if (p->deadline_us > now) {
			dq.wake_at = p->deadline_us;
			wait_ms = (int)((p->deadline_us - now + 999) / 1000);
			break;
		}
		/* UB_NOID: the answer is already in the pipe; it wins */
		if (ub_cancel(dq.ub, p->ub_id) != 0) {
			p->cancel_tried = true;
		} else if (p->cancelled) {
			dns_queue_unlink(p);
			free(p);
		} else {
			dns_answer_fail(&p->ans, DNS_TEMPFAIL, "timeout");
			dns_queue_finish(p, 1);
		}
	}
	pthread_mutex_unlock(&dq.lock);
	return wait_ms;
}

/* dns_queue_drain - empty a non-blocking pipe */
static void
dns_queue_drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		continue;
}

/* dns_queue_run - the thread: answers from libunbound, and deadlines */
static void *
dns_queue_run(void *arg)
{
	struct ub_ctx *ub = arg;
	struct pollfd pfd[2];
	bool stop;

	pfd[0].fd = ub_fd(ub);
	pfd[0].events = POLLIN;
	pfd[1].fd = dq.wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, dns_queue_expire()) < 0 && errno != EINTR)
			pfd[0].fd = -1;
		if (pfd[1].revents != 0) {
			dns_queue_drain(pfd[1].fd);
			pthread_mutex_lock(&dq.lock);
			stop = dq.stopping;
			pthread_mutex_unlock(&dq.lock);
			if (stop)
				break;
		}
		/* a broken pipe to libunbound's thread: only deadlines remain */
		if (pfd[0].revents != 0 && ub_process(ub) != 0)
			pfd[0].fd = -1;
	}
	return NULL;
}

/* dns_queue_warmup_done - the warm-up answer: nothing to do with it */
static void
dns_queue_warmup_done(void *arg, int err, struct ub_result *res)
{
	ub_resolve_free(res);
}

/* dns_queue_threads - libunbound's thread (by a first, local, lookup) and
 * ours, both with every signal blocked: the daemons take theirs elsewhere */
static int
dns_queue_threads(struct ub_ctx *ub, const char **error_r)
{
	sigset_t all, old;
	int rc, id;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* also where libunbound reads its configuration and reports it */
	rc = ub_resolve_async(ub, "localhost.", DNS_TYPE_A, DNS_CLASS_IN,
	    NULL, dns_queue_warmup_done, &id);
	if (rc != 0)
		*error_r = ub_strerror(rc);
	else if ((rc = pthread_create(&dq.thread, NULL, dns_queue_run, ub)) != 0)
		*error_r = "cannot start the resolver thread";
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

/* dns_queue_start - see dns_int.h */
int
dns_queue_start(struct ub_ctx *ub, unsigned timeout_ms, const char **error_r)
{
	int i;

	if (dns_async_start(error_r) < 0) {
		ub_ctx_delete(ub);
		return -1;
	}
	if (pipe2(dq.wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		*error_r = "pipe failed";
		dq.wake[0] = dq.wake[1] = -1;
		ub_ctx_delete(ub);
		return -1;
	}
	pthread_mutex_lock(&dq.lock);
	dq.stopping = false;
	dq.timeout_ms = timeout_ms;
	pthread_mutex_unlock(&dq.lock);
	if (dns_queue_threads(ub, error_r) < 0) {
		ub_ctx_delete(ub);
		for (i = 0; i < 2; i++) {
			close(dq.wake[i]);
			dq.wake[i] = -1;
		}
		return -1;
	}
	pthread_mutex_lock(&dq.lock);
	dq.ub = ub;
	__atomic_store_n(&dq.running, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&dq.lock);
	return 0;
}

/* dns_queue_stop - see dns_int.h */
void
dns_queue_stop(void)
{
	struct ub_ctx *ub;
	struct dns_pending *p;
	int i;

	pthread_mutex_lock(&dq.lock);
	dq.stopping = true;
	dns_queue_kick();
	pthread_mutex_unlock(&dq.lock);
	pthread_join(dq.thread, NULL);

	pthread_mutex_lock(&dq.lock);
	ub = dq.ub;
	dq.ub = NULL;
	__atomic_store_n(&dq.running, 0, __ATOMIC_RELEASE);
	/* no callback comes any more: ub_process only ran in the thread */
	while ((p = dq.head) != NULL) {
		if (p->cancelled) {
			dns_queue_unlink(p);
			free(p);
			continue;
		}
		dns_answer_fail(&p->ans, DNS_TEMPFAIL, "resolver shut down");
		dns_queue_finish(p, 0);
	}
	for (i = 0; i < 2; i++) {
		close(dq.wake[i]);
		dq.wake[i] = -1;
	}
	pthread_mutex_unlock(&dq.lock);
	ub_ctx_delete(ub);
}

/* dns_queue_running - see dns_int.h */
int
dns_queue_running(void)
{
	return __atomic_load_n(&dq.running, __ATOMIC_ACQUIRE);
}

/* dns_queue_lock - see dns_int.h */
void
dns_queue_lock(void)
{
	pthread_mutex_lock(&dq.lock);
}

/* dns_queue_unlock - see dns_int.h */
void
dns_queue_unlock(void)
{
	pthread_mutex_unlock(&dq.lock);
}

/* dns_queue_cancel - see dns_int.h */
int
dns_queue_cancel(int id)
{
	struct dns_pending *p;

	for (p = dq.head; p != NULL; p = p->next) {
		if (p->id != id || p->cond != NULL || p->cancelled)
			continue;
		if (!p->cancel_tried && dq.ub != NULL &&
		    ub_cancel(dq.ub, p->ub_id) == 0) {
			dns_queue_unlink(p);
			free(p);
		} else {
			p->cancelled = true;	/* dns_queue_answer frees it */
		}
		return 0;
	}
	return -1;
}

/* dns_queue_rescue - a waiter long past its deadline ends p itself */
static void
dns_queue_rescue(struct dns_pending *p)
{
	if (p->cancel_tried || dq.ub == NULL || ub_cancel(dq.ub, p->ub_id) != 0)
		return;
	dns_answer_fail(&p->ans, DNS_TEMPFAIL, "timeout");
	dns_queue_finish(p, 1);
}

/* dns_queue_wait - see dns_int.h */
void
dns_queue_wait(struct dns_pending *p)
{
	struct timespec ts;

	while (!p->done) {
		uint64_t until = p->deadline_us + DNS_RESCUE_US;

		ts.tv_sec = (time_t)(until / 1000000);
		ts.tv_nsec = (long)(until % 1000000) * 1000;
		if (pthread_cond_timedwait(p->cond, &dq.lock, &ts) == ETIMEDOUT &&
		    !p->done)
			dns_queue_rescue(p);
	}
}

/* dns_queue_fork_prepare - see dns_int.h */
void
dns_queue_fork_prepare(void)
{
	pthread_mutex_lock(&dq.lock);
}

/* dns_queue_fork_parent - see dns_int.h */
void
dns_queue_fork_parent(void)
{
	pthread_mutex_unlock(&dq.lock);
}

/*
 * dns_queue_fork_child - see dns_int.h. The child has none of the
 * parent's threads: the libunbound context and the lookups in flight are
 * the parent's, abandoned here (not freed: their threads are gone); the
 * next lookup starts a resolver of the child's own.
 */
void
dns_queue_fork_child(void)
{
	int i;

	pthread_mutex_init(&dq.lock, NULL);
	dq.ub = NULL;
	__atomic_store_n(&dq.running, 0, __ATOMIC_RELEASE);
	dq.stopping = false;
	dq.head = dq.tail = NULL;
	dq.wake_at = 0;
	for (i = 0; i < 2; i++) {
		if (dq.wake[i] >= 0)
			close(dq.wake[i]);
		dq.wake[i] = -1;
	}
}
