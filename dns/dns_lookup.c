/*
 * dns_lookup.c - the blocking lookup: any thread, concurrently, at most
 * the configured timeout. The thread sleeps on a condition variable of
 * its own until the queue's thread hands it the answer; answers it has
 * had before, still fresh, come from dns_memo.c at once.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_answer.h"
#include "dns_int.h"

/* dns_lookup - see dns.h */
enum dns_status
dns_lookup(const char *name, enum dns_type type, struct dns_answer *ans_r)
{
	struct dns_pending p;
	pthread_condattr_t attr;
	pthread_cond_t cond;
	const char *error;

	memset(ans_r, 0, sizeof(*ans_r));
	if (!dns_name_valid(name))
		return dns_answer_fail(ans_r, DNS_BADNAME, "invalid domain name");
	if (dns_memo_get(name, type, ans_r)) {
		dns_stats_query(type);
		dns_stats_answer(ans_r, type, 0);
		return ans_r->status;
	}
	if (dns_ensure(&error) < 0) {
		/* error lives in a buffer the next init rewrites: copy it */
		ans_r->reason_buf = strdup(error);
		return dns_answer_fail(ans_r, DNS_TEMPFAIL, ans_r->reason_buf ?
		    ans_r->reason_buf : "resolver initialisation failed");
	}
	memset(&p, 0, sizeof(p));
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &attr);
	pthread_condattr_destroy(&attr);
	p.cond = &cond;
	dns_queue_lock();
	dns_queue_submit(&p, name, type);
	dns_queue_wait(&p);
	dns_queue_unlock();
	pthread_cond_destroy(&cond);
	*ans_r = p.ans;
	dns_memo_put(name, type, ans_r);
	return ans_r->status;
}
