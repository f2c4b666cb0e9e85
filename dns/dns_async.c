/*
 * dns_async.c - the DNS layer for an event loop: lookups started without
 * waiting, answers queued as they come, an eventfd that turns readable
 * while any wait, and callbacks run only by dns_async_process.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dns_answer.h"
#include "dns_int.h"

/* Answered asynchronous lookups (under the queue lock), and the eventfd. */
static struct dns_pending *dns_done_head, *dns_done_tail;
static int dns_notify_fd = -1;

/* dns_async_start - see dns_int.h; it outlives dns_shutdown, so a loop
 * may keep watching it across a re-init */
int
dns_async_start(const char **error_r)
{
	if (dns_notify_fd >= 0)
		return 0;
	if ((dns_notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		*error_r = "eventfd failed";
		return -1;
	}
	return 0;
}

/* dns_async_notify - make the descriptor readable */
static void
dns_async_notify(void)
{
	uint64_t one = 1;

	(void)!write(dns_notify_fd, &one, sizeof(one));
}

/* dns_async_deliver - see dns_int.h */
void
dns_async_deliver(struct dns_pending *p)
{
	p->next = NULL;
	if (dns_done_tail != NULL)
		dns_done_tail->next = p;
	else
		dns_done_head = p;
	dns_done_tail = p;
	dns_async_notify();
}

/* dns_async_fd - see dns.h */
int
dns_async_fd(void)
{
	const char *error;

	(void)dns_ensure(&error);
	return dns_notify_fd;
}

/* dns_lookup_async - see dns.h */
int
dns_lookup_async(const char *name, enum dns_type type, dns_callback_fn *cb,
		 void *arg, int *id_r)
{
	struct dns_pending *p;
	const char *error;

	if (dns_ensure(&error) < 0 || (p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->cb = cb;
	p->arg = arg;
	dns_queue_lock();
	if (dns_name_valid(name)) {
		dns_queue_submit(p, name, type);
	} else {
		p->id = dns_queue_new_id();
		dns_answer_fail(&p->ans, DNS_BADNAME, "invalid domain name");
		dns_queue_finish(p, 0);
	}
	/* p may be freed by another thread's dns_async_process once unlocked */
	if (id_r != NULL)
		*id_r = p->id;
	dns_queue_unlock();
	return 0;
}

/*
 * dns_async_process - see dns.h. Only the answers there when it started:
 * a callback that asks again (a bad name, answered at once) cannot keep
 * it looping.
 */
int
dns_async_process(void)
{
	struct dns_pending *p, *last;
	uint64_t count;
	int n = 0;

	if (dns_notify_fd < 0)
		return 0;
	(void)!read(dns_notify_fd, &count, sizeof(count));
	dns_queue_lock();
	last = dns_done_tail;
	while (last != NULL && (p = dns_done_head) != NULL) {
		bool was_last = p == last;

		dns_done_head = p->next;
		if (dns_done_head == NULL)
			dns_done_tail = NULL;
		dns_queue_unlock();
		p->cb(p->arg, &p->ans);
		free(p);
		n++;
		dns_queue_lock();
		if (was_last)
			break;
	}
	/* answers that came meanwhile: keep the descriptor readable */
	if (dns_done_head != NULL)
		dns_async_notify();
	dns_queue_unlock();
	return n;
}

/* dns_lookup_cancel - see dns.h */
int
dns_lookup_cancel(int id)
{
	struct dns_pending *p, *prev = NULL;

	dns_queue_lock();
	if (dns_queue_cancel(id) == 0) {
		dns_queue_unlock();
		return 0;
	}
	for (p = dns_done_head; p != NULL; prev = p, p = p->next) {
		if (p->id != id)
			continue;
		if (prev != NULL)
			prev->next = p->next;
		else
			dns_done_head = p->next;
		if (dns_done_tail == p)
			dns_done_tail = prev;
		dns_queue_unlock();
		dns_answer_free(&p->ans);
		free(p);
		return 0;
	}
	dns_queue_unlock();
	return -1;
}

/* dns_async_fork_child - see dns_int.h: the parent's answers stay there */
void
dns_async_fork_child(void)
{
	dns_done_head = dns_done_tail = NULL;
	if (dns_notify_fd >= 0)
		close(dns_notify_fd);
	dns_notify_fd = -1;
}
