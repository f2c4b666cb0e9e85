/*
 * refresh.c - the milter's one background thread, so that nothing that
 * waits on DNS or disk runs in libmilter's threads: it sleeps in
 * sigtimedwait until the supervisor passes a reload on (SIGUSR1) or the
 * next spf: source is due, and installs a new settings snapshot when the
 * file or a list changed. Messages in flight keep the snapshot they hold.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf_metrics.h"
#include "log.h"
#include "refresh.h"
#include "failure.h"
#include "report.h"
#include "settings.h"

static const char *refresh_path;
static struct spf_source *refresh_spf;
static pthread_t refresh_thread;

/* refresh_restart_keys - what a reload cannot change; say so when it differs */
static void
refresh_restart_keys(const struct settings *old, const struct settings *new)
{
	static const char *const keys[] = {
		"milter_listen", "milter_metrics_listen", "user", "socket_mode",
		"public_suffix_list",
		"milter_timeout", "syslog_name", "syslog_facility",
	};

	if (old == NULL)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(conf_str(old->conf, keys[i]),
			   conf_str(new->conf, keys[i])) != 0)
			log_warnx("%s changed: it takes effect at the next "
				  "restart", keys[i]);
}

/*
 * refresh_reload - SIGUSR1: held-back shrinks are accepted and every spf:
 * domain is expanded again, once, while the file loads
 */
static void
refresh_reload(void)
{
	struct settings *s, *old;
	char err[1024];

	spf_source_accept_held(refresh_spf);
	spf_source_expire(refresh_spf);
	s = settings_load(refresh_path, refresh_spf, err, sizeof(err));
	old = settings_acquire();
	if (s == NULL) {
		log_warnx("reload failed, keeping the running configuration: "
			  "%s", err);
		conf_metrics_loaded(false, true);
		conf_metrics_spf(refresh_spf);
		settings_spf_policy(old->conf, refresh_spf);
		settings_release(old);
		return;
	}
	refresh_restart_keys(old, s);
	settings_release(old);
	report_sync(s);
	failure_sync(s);
	settings_install(s);
	conf_metrics_loaded(true, true);
	conf_metrics_spf(refresh_spf);
	log_info("configuration reloaded from %s", refresh_path);
}

/* refresh_due - refresh the due spf: domains; new lists when one changed */
static void
refresh_due(void)
{
	bool changed = spf_source_refresh_due(refresh_spf);
	struct settings *s, *cur;
	char err[1024];

	/* a refresh that failed or changed nothing has news too */
	conf_metrics_spf(refresh_spf);
	if (!changed)
		return;
	cur = settings_acquire();
	s = settings_rebuild(cur, refresh_spf, err, sizeof(err));
	settings_release(cur);
	if (s == NULL) {
		log_warnx("rebuilding the lists after an spf: change failed: "
			  "%s; keeping the running lists", err);
		return;
	}
	log_info("trust lists rebuilt after an spf: change");
	settings_install(s);
}

/* refresh_wait - the next SIGUSR1, or 0 once the next domain is due */
static int
refresh_wait(const sigset_t *set)
{
	time_t next = spf_source_next_due(refresh_spf);
	time_t now = spf_source_now(refresh_spf);
	struct timespec ts = { 0, 0 };
	int sig;

	if (next == 0)
		return sigwait(set, &sig) == 0 ? sig : -1;
	if (next > now)
		ts.tv_sec = next - now;
	sig = sigtimedwait(set, NULL, &ts);
	if (sig < 0 && errno == EAGAIN)
		return 0;
	return sig;
}

/* refresh_main - the thread */
static void *
refresh_main(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	for (;;) {
		sig = refresh_wait(&set);
		if (sig == SIGUSR1)
			refresh_reload();
		else if (sig == SIGUSR2)	/* the supervisor refused one */
			conf_metrics_loaded(false, true);
		else if (sig == 0)
			refresh_due();
	}
	return NULL;
}

/* refresh_start - see refresh.h */
int
refresh_start(const char *path, struct spf_source *spf, char *err,
	      size_t errlen)
{
	int rc;

	refresh_path = path;
	refresh_spf = spf;
	rc = pthread_create(&refresh_thread, NULL, refresh_main, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		return -1;
	}
	return 0;
}
