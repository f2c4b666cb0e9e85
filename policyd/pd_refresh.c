/*
 * pd_refresh.c - the daemon's one background thread. It does everything that
 * may wait on DNS or disk: it refreshes spf: sources when spf_source says
 * they are due (the policy lives there) and reloads trustmx.conf on
 * SIGHUP. Each new set of lists becomes a generation (settings + lists)
 * that it writes, as a pointer, into the hand-off pipe; the event loop
 * swaps it in. The spf store belongs to this thread alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf_metrics.h"
#include "log.h"
#include "policyd.h"
#include "spf_source.h"
#include "xalloc.h"

#define PD_REFRESH_STOP_GRACE	2	/* seconds to wait for the thread */

struct pd_refresh {
	struct pd_config *config;	/* one reference: what lists are built from */
	struct spf_source *spf;		/* the last good expansions */
	int wake[2];		/* loop -> thread: 'r' reload, 'q' quit */
	int handoff_fd;		/* thread -> loop: struct pd_gen pointers */
	pthread_t thread;
	bool started;
	unsigned serial;
};

/* pd_refresh_policy - point the spf store at config's spf_* settings */
static void
pd_refresh_policy(struct pd_refresh *r, const struct pd_config *config)
{
	struct spf_source_policy policy;

	policy.cache_dir = config->settings.spf_cache_dir;
	policy.refresh_min = config->settings.spf_refresh_min;
	policy.refresh_max = config->settings.spf_refresh_max;
	policy.shrink_limit = config->settings.spf_shrink_limit;
	spf_source_configure(r->spf, &policy);
}

/* pd_refresh_spf_lookup - lists_build's source of spf: prefixes: no DNS */
static const struct spf_expansion *
pd_refresh_spf_lookup(void *ctx, const char *domain)
{
	struct pd_refresh *r = ctx;

	return spf_source_get(r->spf, domain);
}

/* pd_refresh_list_warn - lists_build's warnings go to the log */
static void
pd_refresh_list_warn(void *ctx, const char *message)
{
	log_warnx("%s", message);
}

/* pd_refresh_build - lists from config and the spf store; NULL with err */
static struct pd_gen *
pd_refresh_build(struct pd_refresh *r, struct pd_config *config, char *err,
		 size_t errlen)
{
	struct pd_gen *gen;
	struct lists *lists;

	pd_refresh_policy(r, config);
	lists = lists_build(config->conf, pd_refresh_spf_lookup, r,
			    pd_refresh_list_warn, NULL, err, errlen);
	if (lists == NULL) {
		pd_refresh_policy(r, r->config);
		return NULL;
	}
	spf_source_retain(r->spf, lists->spf_domains, lists->nspf);
	pd_verdict_build(lists);
	/* counted here, not in the event loop (the walk is O(entries)); the
	 * blocking hand-off that follows fails only once the loop is gone */
	conf_metrics_lists(lists);
	conf_metrics_spf(r->spf);
	gen = xcalloc(1, sizeof(*gen));
	gen->config = pd_settings_ref(config);
	gen->lists = lists;
	gen->serial = ++r->serial;
	return gen;
}
/* pd_refresh_gen_free - release a generation the loop no longer answers from */
void
pd_refresh_gen_free(struct pd_gen *gen)
{
	if (gen == NULL)
		return;
	lists_free(gen->lists);
	pd_settings_unref(gen->config);
	free(gen);
}

/* pd_refresh_new - a refresher for config (it takes its own reference) */
struct pd_refresh *
pd_refresh_new(struct pd_config *config)
{
	struct pd_refresh *r = xcalloc(1, sizeof(*r));

	r->config = pd_settings_ref(config);
	r->spf = spf_source_new(NULL, SPF_SOURCE_SAVE);
	pd_refresh_policy(r, config);
	r->wake[0] = r->wake[1] = -1;
	return r;
}

/* pd_refresh_build_initial - the first generation, from the cache, no DNS */
struct pd_gen *
pd_refresh_build_initial(struct pd_refresh *r, char *err, size_t errlen)
{
	return pd_refresh_build(r, r->config, err, errlen);
}

/* pd_refresh_handoff - give a new generation to the event loop */
static void
pd_refresh_handoff(struct pd_refresh *r, struct pd_gen *gen)
{
	ssize_t n;

	do
		n = write(r->handoff_fd, &gen, sizeof(gen));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(gen)) {
		log_warn("hand-off to the event loop");
		pd_refresh_gen_free(gen);
	}
}

/* pd_refresh_rebuild - new lists after an spf: change */
static void
pd_refresh_rebuild(struct pd_refresh *r)
{
	char err[1024];
	struct pd_gen *gen = pd_refresh_build(r, r->config, err, sizeof(err));

	if (gen == NULL) {
		log_warnx("rebuilding the lists failed: %s; keeping the running "
			  "lists", err);
		return;
	}
	pd_refresh_handoff(r, gen);
}

/* pd_refresh_reload - SIGHUP: a new config and lists, or keep the old ones */
static void
pd_refresh_reload(struct pd_refresh *r)
{
	char err[1024];
	struct pd_config *config = pd_settings_load(r->config->path, err,
						    sizeof(err));
	struct pd_gen *gen;

	if (config == NULL) {
		log_warnx("reload failed: %s; keeping the running configuration",
			  err);
		conf_metrics_loaded(false, true);
		return;
	}
	spf_source_accept_held(r->spf);
	gen = pd_refresh_build(r, config, err, sizeof(err));
	if (gen == NULL) {
		log_warnx("reload failed: %s; keeping the running configuration",
			  err);
		conf_metrics_loaded(false, true);
		pd_settings_unref(config);
		return;
	}
	pd_settings_unref(r->config);
	r->config = config;
	log_info("reloaded %s", config->path);
	conf_metrics_loaded(true, true);
	pd_refresh_handoff(r, gen);
	/* a reload re-reads everything: DNS too, right away */
	spf_source_expire(r->spf);
}

/* pd_refresh_due_all - refresh what is due, rebuild on change; next due */
static time_t
pd_refresh_due_all(struct pd_refresh *r)
{
	bool changed = spf_source_refresh_due(r->spf);

	/* a refresh that failed or changed nothing has news too */
	conf_metrics_spf(r->spf);
	if (changed)
		pd_refresh_rebuild(r);
	return spf_source_next_due(r->spf);
}

/* pd_refresh_main - the thread: refresh when due, reload when asked */
static void *
pd_refresh_main(void *arg)
{
	struct pd_refresh *r = arg;
	struct pollfd pfd;
	char cmd[16];
	ssize_t n, i;

	for (;;) {
		time_t next = pd_refresh_due_all(r);
		time_t now = spf_source_now(r->spf);
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
				pd_refresh_reload(r);
		}
	}
}

/* pd_refresh_run - start the thread; it hands generations to handoff_fd */
int
pd_refresh_run(struct pd_refresh *r, int handoff_fd, char *err, size_t errlen)
{
	int rc;

	if (pipe2(r->wake, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	r->handoff_fd = handoff_fd;
	rc = pthread_create(&r->thread, NULL, pd_refresh_main, r);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		return -1;
	}
	r->started = true;
	return 0;
}

/* pd_refresh_wake - send the thread one command byte */
static void
pd_refresh_wake(struct pd_refresh *r, char cmd)
{
	if (r->wake[1] >= 0 && write(r->wake[1], &cmd, 1) != 1)
		log_warn("waking the refresher");
}

/* pd_refresh_request_reload - ask the thread to reload (SIGHUP) */
void
pd_refresh_request_reload(struct pd_refresh *r)
{
	pd_refresh_wake(r, 'r');
}

/*
 * pd_refresh_stop - stop and join the thread; false when it is still stuck
 * in a DNS lookup after a grace period (the caller exits without it: its
 * cache files are written by rename, never half)
 */
bool
pd_refresh_stop(struct pd_refresh *r)
{
	struct timespec deadline;

	if (!r->started)
		return true;
	pd_refresh_wake(r, 'q');
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PD_REFRESH_STOP_GRACE;
	if (pthread_timedjoin_np(r->thread, NULL, &deadline) != 0) {
		log_warnx("the spf refresher is still waiting for DNS; "
			  "exiting without it");
		return false;
	}
	r->started = false;
	return true;
}

/* pd_refresh_free - release the refresher (stopped) and its store */
void
pd_refresh_free(struct pd_refresh *r)
{
	if (r == NULL)
		return;
	spf_source_free(r->spf);
	if (r->wake[0] >= 0)
		close(r->wake[0]);
	if (r->wake[1] >= 0)
		close(r->wake[1]);
	pd_settings_unref(r->config);
	free(r);
}
