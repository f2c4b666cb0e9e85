/*
 * loop.c - the single-threaded epoll loop that answers every request: it
 * accepts clients, drives their connections, expires them at their
 * deadlines, turns signals into reloads or a stop, and swaps in the lists
 * the refresher thread hands over. Nothing here waits on DNS or disk.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <trustmx/addr.h>

#include "conn.h"
#include "log.h"
#include "pd_metrics.h"
#include "xalloc.h"

#define LOOP_EVENTS		128
#define LOOP_ACCEPTS		64	/* per wake-up and listener */
#define LOOP_FULL_WARN_MS	10000
#define LOOP_PAUSE_MS		100	/* no descriptors left: retry after */
#define LOOP_EVICT_SCAN		64	/* connections looked at for an idle one */
#define LOOP_LOG_DELAY_MS	100	/* held log lines wait at most this long
					 * while the loop stays busy */

/* loop_now - monotonic milliseconds */
uint64_t
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* loop_unlink - take c off its timeout list */
static void
loop_unlink(struct loop *lp, struct conn *c, struct conn_list *list)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		list->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		list->tail = c->prev;
	c->prev = c->next = NULL;
}

/*
 * loop_arm - c has just finished something: its timeout starts again from
 * the round's time (one clock read per round, not per answer). Appending
 * keeps each list in order of c->active, so its head times out first
 * whatever timeout a reload brings.
 */
void
loop_arm(struct loop *lp, struct conn *c)
{
	struct conn_list *list;

	if (c->waiting >= 0)
		loop_unlink(lp, c, &lp->waiting[c->waiting]);
	c->waiting = (int)c->stage;
	list = &lp->waiting[c->stage];
	c->active = lp->now;
	c->prev = list->tail;
	c->next = NULL;
	if (list->tail)
		list->tail->next = c;
	else
		list->head = c;
	list->tail = c;
}

/* loop_events - what epoll should wait for on c */
void
loop_events(struct loop *lp, struct conn *c, bool in, bool out)
{
	struct epoll_event ev;

	if (c->reading == in && c->writing == out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = (in ? EPOLLIN : 0) | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(lp->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		log_warn("epoll_ctl");
	c->reading = in;
	c->writing = out;
}

/* loop_forget - take c off the loop: its timeout list, epoll, the count */
void
loop_forget(struct loop *lp, struct conn *c)
{
	if (c->waiting >= 0)
		loop_unlink(lp, c, &lp->waiting[c->waiting]);
	c->waiting = -1;
	(void)epoll_ctl(lp->ep, EPOLL_CTL_DEL, c->fd, NULL);
	lp->nconns--;
	pd_metrics_connections(lp->nconns);
}

/* loop_add - watch fd for input with data */
static int
loop_add(struct loop *lp, int fd, void *data)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = data;
	return epoll_ctl(lp->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* loop_peer - the peer as text and, for inet, binary; -1 when not inet */
static int
loop_peer(const struct sockaddr_storage *ss, char *text, size_t size,
	  struct tmx_addr *addr_r)
{
	if (tmx_addr_from_sockaddr((const struct sockaddr *)ss, addr_r) < 0) {
		snprintf(text, size, "unix");
		return -1;
	}
	tmx_addr_unmap(addr_r);
	tmx_addr_format(addr_r, text, size);
	return 0;
}

/* loop_listen - watch (on) or ignore (off) every listener */
static void
loop_listen(struct loop *lp, bool on)
{
	size_t i;

	for (i = 0; i < lp->nlisteners; i++) {
		if (on && loop_add(lp, lp->listeners[i].fd, &lp->tags[i]) < 0)
			log_warn("epoll_ctl");
		if (!on)
			(void)epoll_ctl(lp->ep, EPOLL_CTL_DEL,
					lp->listeners[i].fd, NULL);
	}
}

/*
 * loop_pause - out of file descriptors: a level-triggered listener would
 * spin, so stop accepting for a moment (the kernel queues new clients)
 */
static void
loop_pause(struct loop *lp)
{
	uint64_t now = loop_now();

	if (lp->paused_until != 0)
		return;
	if (now - lp->full_warned > LOOP_FULL_WARN_MS) {
		log_warn("accept: pausing for %dms", LOOP_PAUSE_MS);
		lp->full_warned = now;
	}
	loop_listen(lp, false);
	lp->paused_until = now + LOOP_PAUSE_MS;
}

/* loop_resume - accept again once the pause is over; ms left, or -1 */
static int
loop_resume(struct loop *lp)
{
	uint64_t now;

	if (lp->paused_until == 0)
		return -1;
	now = loop_now();
	if (now < lp->paused_until)
		return (int)(lp->paused_until - now);
	lp->paused_until = 0;
	loop_listen(lp, true);
	return -1;
}

/*
 * loop_peer_allowed - an inet peer may talk to l: a client in
 * policy_clients, or on a "haproxy" listener a proxy in proxy_networks
 * (refused before a byte is read; the header's client is checked later)
 */
static bool
loop_peer_allowed(struct loop *lp, const struct listener *l,
		  const struct tmx_addr *addr, const char *peer)
{
	if (l->spec.haproxy) {
		if (pd_verdict_in_list(lp->gen->lists, LIST_PROXY, addr))
			return true;
		log_warnx("%s: %s is not in proxy_networks; closing",
			  l->spec.spec, peer);
		return false;
	}
	if (conn_client_allowed(lp->gen->lists, addr))
		return true;
	pd_metrics_client_rejected();
	log_warnx("%s: client %s not in policy_clients; closing",
		  l->spec.spec, peer);
	return false;
}

/* loop_timeout - the timeout in force for the waiting list of stage */
static uint64_t
loop_timeout(const struct loop *lp, int stage)
{
	const struct pd_settings *s = &lp->gen->config->settings;

	return (uint64_t)(stage == CONN_HEADER ? s->proxy_timeout_ms :
			  s->client_timeout_ms);
}

/*
 * loop_idlest - the connection that has waited longest since it last
 * finished something: the first one with nothing half-read or unsent
 * among the oldest LOOP_EVICT_SCAN of each stage, else the oldest of all
 * (a half-sent request that old is a slow or broken client)
 */
static struct conn *
loop_idlest(struct loop *lp)
{
	struct conn *best = NULL, *oldest = NULL, *c;
	int i, n;

	for (i = 0; i < 2; i++) {
		c = lp->waiting[i].head;
		if (c != NULL && (oldest == NULL || c->active < oldest->active))
			oldest = c;
		for (n = 0; c != NULL && n < LOOP_EVICT_SCAN; c = c->next, n++)
			if (c->inlen == 0 && c->outoff == c->outlen)
				break;
		if (c != NULL && n < LOOP_EVICT_SCAN &&
		    (best == NULL || c->active < best->active))
			best = c;
	}
	return best != NULL ? best : oldest;
}

/*
 * loop_evict - at max_clients, make room for a new client by closing the
 * longest-idle one (Postfix reconnects when it next asks); logged at most
 * every LOOP_FULL_WARN_MS with the count. false: nothing to close.
 */
static bool
loop_evict(struct loop *lp, const struct pd_settings *s)
{
	struct conn *c = loop_idlest(lp);
	uint64_t now = loop_now();

	if (c == NULL)
		return false;
	lp->evicted++;
	pd_metrics_eviction();
	if (now - lp->full_warned > LOOP_FULL_WARN_MS) {
		log_warnx("max_clients = %zu reached: closed %s, idle %llums%s, "
			  "for a new client (%llu closed so far)",
			  s->max_clients, c->peer,
			  (unsigned long long)(now - c->active), c->inlen > 0 ?
			  " in a half-sent request" : "",
			  (unsigned long long)lp->evicted);
		lp->full_warned = now;
	}
	conn_close(lp, c);
	return true;
}

/* loop_accept_one - a new client on l, unless refused; -1 when none left */
static int
loop_accept_one(struct loop *lp, struct listener *l)
{
	const struct pd_settings *s = &lp->gen->config->settings;
	char peer[TMX_ADDR_STRLEN + 8];
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct tmx_addr addr;
	struct conn *c;
	int fd;

	memset(&ss, 0, sizeof(ss));
	fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			loop_pause(lp);
		else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			 errno != EINTR && errno != ECONNABORTED)
			log_warn("%s: accept", l->spec.spec);
		return -1;
	}
	if (loop_peer(&ss, peer, sizeof(peer), &addr) == 0 &&
	    !loop_peer_allowed(lp, l, &addr, peer)) {
		close(fd);
		return 0;
	}
	if (lp->nconns >= s->max_clients && !loop_evict(lp, s)) {
		close(fd);
		return 0;
	}
	c = conn_new(lp, fd, l, &ss, peer);
	if (loop_add(lp, fd, c) < 0) {
		log_warn("epoll_ctl");
		close(fd);
		free(c->in);
		free(c);
		return 0;
	}
	c->reading = true;
	lp->nconns++;
	pd_metrics_connections(lp->nconns);
	loop_arm(lp, c);
	return 0;
}

/* loop_accept - take the clients waiting on listener l */
static void
loop_accept(struct loop *lp, struct listener *l)
{
	int i;

	for (i = 0; i < LOOP_ACCEPTS && lp->paused_until == 0; i++)
		if (loop_accept_one(lp, l) < 0)
			break;
}

/* loop_swap - the refresher's new generations become the live one */
static void
loop_swap(struct loop *lp)
{
	struct pd_gen *gen;
	ssize_t n;

	while ((n = read(lp->handoff_fd, &gen, sizeof(gen))) == sizeof(gen)) {
		if (!pd_settings_same_listeners(&lp->gen->config->settings,
		    &gen->config->settings))
			log_warnx("%s: policy_listen/socketmap_listen changed; "
				  "restart to apply, still listening as before",
				  gen->config->path);
		if (strcmp(conf_str(lp->gen->config->conf,
		    "policyd_metrics_listen"), conf_str(gen->config->conf,
		    "policyd_metrics_listen")) != 0)
			log_warnx("%s: policyd_metrics_listen changed; restart "
				  "to apply, metrics still served as before",
				  gen->config->path);
		pd_refresh_gen_free(lp->gen);
		lp->gen = gen;
		log_debug("now answering from lists generation %u", gen->serial);
	}
	if (n > 0)
		log_warnx("hand-off pipe: short read");
}

/* loop_signal - SIGHUP reloads, SIGTERM and SIGINT stop */
static void
loop_signal(struct loop *lp)
{
	struct signalfd_siginfo si;

	while (read(lp->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading %s", lp->gen->config->path);
			pd_refresh_request_reload(lp->refresher);
		} else {
			log_info("signal %u: stopping", si.ssi_signo);
			lp->quit = true;
		}
	}
}

/*
 * loop_expire - close connections idle for longer than the timeout in
 * force now (a lowered one applies to those already waiting); ms to the
 * next expiry, or -1
 */
static int
loop_expire(struct loop *lp)
{
	uint64_t now = loop_now(), next = 0;
	int i;

	for (i = 0; i < 2; i++) {
		uint64_t timeout = loop_timeout(lp, i);
		struct conn *c;

		while ((c = lp->waiting[i].head) != NULL &&
		       c->active + timeout <= now) {
			if (c->stage == CONN_HEADER) {
				pd_metrics_header(PD_METRICS_HEADER_TIMEOUT);
				log_warnx("%s: no PROXY header within "
					  "proxy_timeout; closing", c->peer);
			} else if (c->inlen > 0 || c->req.nattrs > 0)
				log_warnx("%s: request not finished within "
					  "client_timeout; closing", c->peer);
			else
				log_debug("%s: idle; closing", c->peer);
			conn_close(lp, c);
		}
		if (c != NULL && (next == 0 || c->active + timeout < next))
			next = c->active + timeout;
	}
	if (next == 0)
		return -1;
	return (int)(next - now);
}

/* loop_dispatch - one epoll event */
static void
loop_dispatch(struct loop *lp, struct epoll_event *ev)
{
	enum loop_kind kind = *(enum loop_kind *)ev->data.ptr;
	struct loop_tag *tag = ev->data.ptr;
	struct conn *c = ev->data.ptr;

	switch (kind) {
	case LOOP_LISTENER:
		loop_accept(lp, &lp->listeners[tag->index]);
		break;
	case LOOP_SIGNAL:
		loop_signal(lp);
		break;
	case LOOP_HANDOFF:
		loop_swap(lp);
		break;
	case LOOP_CONN:
		if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_readable(lp, c);
		else if (ev->events & EPOLLOUT)
			conn_writable(lp, c);
		break;
	}
}

/* loop_close_all - stop: every connection closed */
static void
loop_close_all(struct loop *lp)
{
	int i;

	for (i = 0; i < 2; i++)
		while (lp->waiting[i].head != NULL)
			conn_close(lp, lp->waiting[i].head);
}

/* loop_log - write the held log lines when the loop found nothing to do
 * (n == 0: true, go round again with the real timeout) or when they have
 * waited LOOP_LOG_DELAY_MS; a busy loop writes them when the buffer fills */
static bool
loop_log(struct loop *lp, int n)
{
	if (!log_pending()) {
		lp->log_since = 0;
		return false;
	}
	if (lp->log_since == 0)
		lp->log_since = lp->now;
	if (n > 0 && lp->now - lp->log_since < LOOP_LOG_DELAY_MS)
		return false;
	log_flush();
	lp->log_since = 0;
	return n == 0;
}

/*
 * loop_run - serve until SIGTERM/SIGINT. signal_fd reads the blocked
 * signals; handoff_fd (non-blocking) brings new generations. Owns gen.
 */
int
loop_run(struct listener *listeners, size_t nlisteners, struct pd_gen *gen,
	 struct pd_refresh *refresher, int handoff_fd, int signal_fd)
{
	struct loop_tag *tags = xcalloc(nlisteners + 2, sizeof(*tags));
	struct epoll_event events[LOOP_EVENTS];
	struct loop lp;
	uint64_t now_us;
	size_t i;
	int n;

	memset(&lp, 0, sizeof(lp));
	lp.listeners = listeners;
	lp.nlisteners = nlisteners;
	lp.gen = gen;
	lp.refresher = refresher;
	lp.handoff_fd = handoff_fd;
	lp.signal_fd = signal_fd;
	lp.tags = tags;
	if ((lp.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatal("epoll_create1");
	for (i = 0; i < nlisteners; i++) {
		tags[i].kind = LOOP_LISTENER;
		tags[i].index = i;
		if (loop_add(&lp, listeners[i].fd, &tags[i]) < 0)
			fatal("epoll_ctl");
	}
	tags[nlisteners].kind = LOOP_SIGNAL;
	tags[nlisteners + 1].kind = LOOP_HANDOFF;
	if (loop_add(&lp, signal_fd, &tags[nlisteners]) < 0 ||
	    loop_add(&lp, handoff_fd, &tags[nlisteners + 1]) < 0)
		fatal("epoll_ctl");
	/* decisions are logged after their answers, in one write when the
	 * loop has nothing else to do (at most LOOP_LOG_DELAY_MS late) */
	log_hold(1);
	while (!lp.quit) {
		int wait = loop_expire(&lp), pause = loop_resume(&lp);

		if (pause >= 0 && (wait < 0 || pause < wait))
			wait = pause;
		n = epoll_wait(lp.ep, events, LOOP_EVENTS,
			       log_pending() ? 0 : wait);
		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		now_us = pd_metrics_now_us();
		lp.now = now_us / 1000;
		if (loop_log(&lp, n))
			continue;
		pd_metrics_round_begin(now_us);
		for (i = 0; n > 0 && i < (size_t)n; i++)
			loop_dispatch(&lp, &events[i]);
		pd_metrics_round_end();
	}
	log_hold(0);
	loop_close_all(&lp);
	close(lp.ep);
	free(tags);
	pd_refresh_gen_free(lp.gen);
	return 0;
}
