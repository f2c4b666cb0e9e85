/*
 * refresh.c - the daemon's one background thread. It does everything that
 * may wait on DNS or disk: it expands spf: sources (refresh by TTL, keep
 * the last good result, persist it, hold back suspicious shrinks), and it
 * reloads trustmx.conf on SIGHUP. Each good result becomes a new generation
 * (settings + lists) that it writes, as a pointer, into the hand-off pipe;
 * the event loop swaps it in. The spf store belongs to this thread alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policyd.h"
#include "xalloc.h"

#define REFRESH_STOP_GRACE	2	/* seconds to wait for the thread */

/* The last good expansion of one spf: domain, and when to ask again. */
struct refresh_spf {
	char *domain;
	struct spf_expansion exp;
	bool have;		/* exp holds a good result */
	bool cache_tried;	/* spf_cache_load was attempted */
	struct spf_expansion held;	/* a shrink held back */
	bool have_held;
	time_t due;		/* monotonic seconds */
	bool wanted;		/* named by the current lists */
};

struct refresh {
	struct pd_config *config;	/* one reference: what lists are built from */
	struct pd_config *building;	/* the config lists_build is working on */
	struct refresh_spf *spf;
	size_t nspf;
	int wake[2];		/* loop -> thread: 'r' reload, 'q' quit */
	int handoff_fd;		/* thread -> loop: struct pd_gen pointers */
	pthread_t thread;
	bool started;
	unsigned serial;
};

/* refresh_now - monotonic seconds */
static time_t
refresh_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* refresh_find - the store entry for domain, made (due now) if absent */
static struct refresh_spf *
refresh_find(struct refresh *r, const char *domain)
{
	struct refresh_spf *e;
	size_t i;

	for (i = 0; i < r->nspf; i++)
		if (strcmp(r->spf[i].domain, domain) == 0)
			return &r->spf[i];
	r->spf = xreallocarray(r->spf, r->nspf + 1, sizeof(*r->spf));
	e = &r->spf[r->nspf++];
	memset(e, 0, sizeof(*e));
	e->domain = xstrdup(domain);
	e->due = refresh_now();
	return e;
}

/* refresh_spf_lookup - lists_build's source of spf: prefixes (lazy cache) */
static const struct spf_expansion *
refresh_spf_lookup(void *ctx, const char *domain)
{
	struct refresh *r = ctx;
	struct refresh_spf *e = refresh_find(r, domain);
	const char *dir = r->building->settings.spf_cache_dir;
	char err[512];

	e->wanted = true;
	if (!e->have && !e->cache_tried && *dir != '\0') {
		e->cache_tried = true;
		if (spf_cache_load(dir, domain, &e->exp, err, sizeof(err)) == 0) {
			e->have = true;
			log_info("spf:%s: %zu prefixes from the cache in %s",
				 domain, e->exp.count, dir);
		} else {
			log_debug("spf:%s: no cache: %s", domain, err);
		}
	}
	return e->have ? &e->exp : NULL;
}

/* refresh_list_warn - lists_build's warnings go to the log */
static void
refresh_list_warn(void *ctx, const char *message)
{
	log_warnx("%s", message);
}

/* refresh_prune - forget domains the current lists no longer name */
static void
refresh_prune(struct refresh *r)
{
	size_t i = 0;

	while (i < r->nspf) {
		struct refresh_spf *e = &r->spf[i];

		if (e->wanted) {
			e->wanted = false;
			i++;
			continue;
		}
		free(e->domain);
		if (e->have)
			spf_expansion_free(&e->exp);
		if (e->have_held)
			spf_expansion_free(&e->held);
		r->spf[i] = r->spf[--r->nspf];
	}
}

/* refresh_build - lists from config and the spf store; NULL with err */
static struct pd_gen *
refresh_build(struct refresh *r, struct pd_config *config, char *err,
	      size_t errlen)
{
	struct pd_gen *gen;
	struct lists *lists;
	size_t i;

	for (i = 0; i < r->nspf; i++)
		r->spf[i].wanted = false;
	r->building = config;
	lists = lists_build(config->conf, refresh_spf_lookup, r,
			    refresh_list_warn, NULL, err, errlen);
	r->building = NULL;
	if (lists == NULL)
		return NULL;
	refresh_prune(r);
	gen = xcalloc(1, sizeof(*gen));
	gen->config = settings_ref(config);
	gen->lists = lists;
	gen->serial = ++r->serial;
	return gen;
}

/* refresh_gen_free - release a generation the loop no longer answers from */
void
refresh_gen_free(struct pd_gen *gen)
{
	if (gen == NULL)
		return;
	lists_free(gen->lists);
	settings_unref(gen->config);
	free(gen);
}

/* refresh_new - a refresher for config (it takes its own reference) */
struct refresh *
refresh_new(struct pd_config *config)
{
	struct refresh *r = xcalloc(1, sizeof(*r));

	r->config = settings_ref(config);
	r->wake[0] = r->wake[1] = -1;
	return r;
}

/* refresh_build_initial - the first generation, from the cache, no DNS */
struct pd_gen *
refresh_build_initial(struct refresh *r, char *err, size_t errlen)
{
	return refresh_build(r, r->config, err, errlen);
}

/* refresh_handoff - give a new generation to the event loop */
static void
refresh_handoff(struct refresh *r, struct pd_gen *gen)
{
	ssize_t n;

	do
		n = write(r->handoff_fd, &gen, sizeof(gen));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(gen)) {
		log_warn("hand-off to the event loop");
		refresh_gen_free(gen);
	}
}

/* refresh_rebuild - new lists after an spf: change */
static void
refresh_rebuild(struct refresh *r)
{
	char err[1024];
	struct pd_gen *gen = refresh_build(r, r->config, err, sizeof(err));

	if (gen == NULL) {
		log_warnx("rebuilding the lists failed: %s; keeping the running "
			  "lists", err);
		return;
	}
	refresh_handoff(r, gen);
}

/* refresh_interval - the next refresh after a good answer with ttl */
static time_t
refresh_interval(const struct refresh *r, uint32_t ttl)
{
	const struct pd_settings *s = &r->config->settings;

	if ((long)ttl < s->spf_refresh_min)
		return s->spf_refresh_min;
	if ((long)ttl > s->spf_refresh_max)
		return s->spf_refresh_max;
	return ttl;
}

/* refresh_same - do two expansions hold the same prefixes */
static bool
refresh_same(const struct spf_expansion *a, const struct spf_expansion *b)
{
	size_t i;

	if (a->count != b->count)
		return false;
	for (i = 0; i < a->count; i++)
		if (a->prefixes[i].len != b->prefixes[i].len ||
		    a->prefixes[i].addr.family != b->prefixes[i].addr.family ||
		    memcmp(a->prefixes[i].addr.bytes, b->prefixes[i].addr.bytes,
			   sizeof(a->prefixes[i].addr.bytes)) != 0)
			return false;
	return true;
}

/* refresh_addresses - how many addresses of family exp covers (nested
 * prefixes counted twice: a bound, good enough to spot a collapse) */
static double
refresh_addresses(const struct spf_expansion *exp, int family)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < exp->count; i++)
		if (exp->prefixes[i].addr.family == family)
			sum += ldexp(1.0, (int)((family == 4 ? 32 : 128) -
						exp->prefixes[i].len));
	return sum;
}

/*
 * refresh_shrinks - would new lose more than spf_shrink_limit percent of
 * old's addresses in either family; *loss_r = the larger loss, percent
 */
static bool
refresh_shrinks(const struct refresh *r, const struct spf_expansion *old,
		const struct spf_expansion *new, double *loss_r)
{
	long limit = r->config->settings.spf_shrink_limit;
	int families[2] = { 4, 6 };
	size_t i;

	*loss_r = 0;
	for (i = 0; i < 2; i++) {
		double before = refresh_addresses(old, families[i]);
		double after = refresh_addresses(new, families[i]);

		if (before > 0 && after < before &&
		    (before - after) * 100 / before > *loss_r)
			*loss_r = (before - after) * 100 / before;
	}
	return *loss_r > (double)limit;
}

/* refresh_store - make exp the domain's good result and persist it */
static void
refresh_store(struct refresh *r, struct refresh_spf *e,
	      struct spf_expansion *exp)
{
	const char *dir = r->config->settings.spf_cache_dir;
	char err[512];

	if (e->have)
		spf_expansion_free(&e->exp);
	e->exp = *exp;
	e->have = true;
	if (*dir != '\0' && spf_cache_save(dir, e->domain, &e->exp, err,
	    sizeof(err)) < 0)
		log_warnx("spf:%s: cache not saved: %s", e->domain, err);
}

/* refresh_spf_warn - spf_expand's warnings */
static void
refresh_spf_warn(void *ctx, const char *message)
{
	const struct refresh_spf *e = ctx;

	if (e->have)
		log_debug("spf:%s: %s", e->domain, message);
	else
		log_warnx("spf:%s: %s", e->domain, message);
}

/* refresh_one - expand one domain; true when its prefixes changed */
static bool
refresh_one(struct refresh *r, struct refresh_spf *e)
{
	struct spf_expansion exp;
	enum spf_expand_status st;
	char err[512];
	bool changed;
	double loss;

	memset(&exp, 0, sizeof(exp));
	st = spf_expand(e->domain, &exp, refresh_spf_warn, e, err, sizeof(err));
	if (st != SPF_EXPAND_OK) {
		e->due = refresh_now() + r->config->settings.spf_refresh_min;
		log_warnx("spf:%s: %s: %s; keeping the last good list (%zu "
			  "prefixes)", e->domain, st == SPF_EXPAND_TEMPERROR ?
			  "temporary error" : "permanent error", err,
			  e->have ? e->exp.count : (size_t)0);
		return false;
	}
	e->due = refresh_now() + refresh_interval(r, exp.ttl);
	if (e->have && refresh_shrinks(r, &e->exp, &exp, &loss)) {
		log_warnx("spf:%s: would shrink from %zu to %zu prefixes, "
			  "losing %.0f%% of its addresses, more than "
			  "spf_shrink_limit = %ld%%; keeping the old list (a "
			  "reload accepts the new one)", e->domain,
			  e->exp.count, exp.count, loss,
			  r->config->settings.spf_shrink_limit);
		if (e->have_held)
			spf_expansion_free(&e->held);
		e->held = exp;
		e->have_held = true;
		return false;
	}
	if (e->have_held) {
		spf_expansion_free(&e->held);
		e->have_held = false;
	}
	changed = !e->have || !refresh_same(&e->exp, &exp);
	if (changed)
		log_info("spf:%s: %zu prefixes, ttl %u, next refresh in %lds",
			 e->domain, exp.count, exp.ttl,
			 (long)(e->due - refresh_now()));
	refresh_store(r, e, &exp);
	return changed;
}

/* refresh_accept_held - a reload accepts the shrinks held back so far */
static void
refresh_accept_held(struct refresh *r)
{
	size_t i;

	for (i = 0; i < r->nspf; i++) {
		struct refresh_spf *e = &r->spf[i];

		if (!e->have_held)
			continue;
		log_info("spf:%s: reload accepts the shrink from %zu to %zu "
			 "prefixes", e->domain, e->have ? e->exp.count : 0,
			 e->held.count);
		refresh_store(r, e, &e->held);
		e->have_held = false;
	}
}

/* refresh_reload - SIGHUP: a new config and lists, or keep the old ones */
static void
refresh_reload(struct refresh *r)
{
	char err[1024];
	struct pd_config *config = settings_load(r->config->path, err,
						 sizeof(err));
	struct pd_gen *gen;
	size_t i;

	if (config == NULL) {
		log_warnx("reload failed: %s; keeping the running configuration",
			  err);
		return;
	}
	refresh_accept_held(r);
	gen = refresh_build(r, config, err, sizeof(err));
	if (gen == NULL) {
		log_warnx("reload failed: %s; keeping the running configuration",
			  err);
		settings_unref(config);
		return;
	}
	settings_unref(r->config);
	r->config = config;
	log_info("reloaded %s", config->path);
	refresh_handoff(r, gen);
	/* a reload re-reads everything: DNS too, right away */
	for (i = 0; i < r->nspf; i++)
		r->spf[i].due = refresh_now();
}

/* refresh_due_all - expand every domain that is due; rebuild on change */
static time_t
refresh_due_all(struct refresh *r)
{
	time_t now = refresh_now(), next = 0;
	bool changed = false;
	size_t i;

	for (i = 0; i < r->nspf; i++)
		if (r->spf[i].due <= now)
			changed |= refresh_one(r, &r->spf[i]);
	if (changed)
		refresh_rebuild(r);
	for (i = 0; i < r->nspf; i++)
		if (next == 0 || r->spf[i].due < next)
			next = r->spf[i].due;
	return next;
}

/* refresh_main - the thread: refresh when due, reload when asked */
static void *
refresh_main(void *arg)
{
	struct refresh *r = arg;
	struct pollfd pfd;
	char cmd[16];
	ssize_t n, i;

	for (;;) {
		time_t next = refresh_due_all(r), now = refresh_now();
		int timeout = next == 0 ? -1 :
		    next <= now ? 0 : (int)((next - now) * 1000);

		pfd.fd = r->wake[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout) <= 0)
			continue;
		n = read(r->wake[0], cmd, sizeof(cmd));
		for (i = 0; i < n; i++) {
			if (cmd[i] == 'q')
				return NULL;
			if (cmd[i] == 'r')
				refresh_reload(r);
		}
	}
}

/* refresh_run - start the thread; it hands generations to handoff_fd */
int
refresh_run(struct refresh *r, int handoff_fd, char *err, size_t errlen)
{
	int rc;

	if (pipe2(r->wake, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	r->handoff_fd = handoff_fd;
	rc = pthread_create(&r->thread, NULL, refresh_main, r);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		return -1;
	}
	r->started = true;
	return 0;
}

/* refresh_wake - send the thread one command byte */
static void
refresh_wake(struct refresh *r, char cmd)
{
	if (r->wake[1] >= 0 && write(r->wake[1], &cmd, 1) != 1)
		log_warn("waking the refresher");
}

/* refresh_request_reload - ask the thread to reload (SIGHUP) */
void
refresh_request_reload(struct refresh *r)
{
	refresh_wake(r, 'r');
}

/*
 * refresh_stop - stop and join the thread; false when it is still stuck
 * in a DNS lookup after a grace period (the caller exits without it: its
 * cache files are written by rename, never half)
 */
bool
refresh_stop(struct refresh *r)
{
	struct timespec deadline;

	if (!r->started)
		return true;
	refresh_wake(r, 'q');
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += REFRESH_STOP_GRACE;
	if (pthread_timedjoin_np(r->thread, NULL, &deadline) != 0) {
		log_warnx("the spf refresher is still waiting for DNS; "
			  "exiting without it");
		return false;
	}
	r->started = false;
	return true;
}

/* refresh_free - release the refresher (stopped) and its store */
void
refresh_free(struct refresh *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nspf; i++)
		r->spf[i].wanted = false;
	refresh_prune(r);
	free(r->spf);
	if (r->wake[0] >= 0)
		close(r->wake[0]);
	if (r->wake[1] >= 0)
		close(r->wake[1]);
	settings_unref(r->config);
	free(r);
}
