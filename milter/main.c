/*
 * main.c - trustmx-milter: options, configuration check (-n), the metrics
 * listener (opened once, before the supervisor starts a milter process),
 * and the milter process: engines, socket, privilege drop, libmilter's
 * loop. The supervisor (supervise.c) starts it and passes reloads on as
 * SIGUSR1, which our refresh thread (refresh.c) sigwaits for.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <trustmx/version.h>

#include "conf_metrics.h"
#include "conf_start.h"
#include "daemon.h"
#include "dmarc.h"
#include "log.h"
#include "metrics_http.h"
#include "metrics_listen.h"
#include "milter_metrics.h"
#include "progname.h"
#include "milter.h"
#include "refresh.h"
#include "failure.h"
#include "report.h"
#include "settings.h"
#include "supervise.h"
#include "xalloc.h"

#define MAIN_NAME "trustmx-milter"
#define MAIN_DEFAULT_CONF TMX_CONF_FILE	/* from meson: sysconfdir */

static const char *main_conf_path = MAIN_DEFAULT_CONF;

/* milter_metrics_listen's socket and the value it was opened for, made
 * by the supervisor and inherited by every milter process (fd -1: off) */
static struct metrics_listener main_metrics_listener = { .fd = -1 };
static char *main_metrics_text;

/* main_usage - the synopsis, then exit */
static void __attribute__((noreturn))
main_usage(void)
{
	fprintf(stderr, "usage: %s [-fnvV] [-c config] [--version]\n", MAIN_NAME);
	exit(2);
}

/* main_load - the settings through spf, or fatal with the reason (startup) */
static struct settings *
main_load(struct spf_source *spf)
{
	struct settings *s;
	char err[1024];

	s = settings_load(main_conf_path, spf, err, sizeof(err));
	if (s == NULL)
		fatalx("%s", err);
	return s;
}

/* main_socket_path - the file of a unix:/local: milter_listen, or NULL */
static const char *
main_socket_path(const char *listen)
{
	if (strncmp(listen, "unix:", 5) == 0)
		return listen + 5;
	if (strncmp(listen, "local:", 6) == 0)
		return listen + 6;
	return NULL;
}

/*
 * main_check - -n: what the start checks (the file and lists without DNS,
 * then the user, socket and paths: conf_start), then the spf: sources
 */
static int
main_check(void)
{
	struct spf_source *spf;
	struct settings *s;
	char err[1024];

	if ((s = settings_load(main_conf_path, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", MAIN_NAME, err);
		return 1;
	}
	/* before any lookup: the check forks */
	if (conf_start_check(s->conf, main_conf_path, CONF_START_MILTER,
			     conf_start_stderr, MAIN_NAME) > 0) {
		settings_release(s);
		return 1;
	}
	settings_release(s);
	/* spf: sources resolve (or come from the cache); nothing is saved */
	spf = spf_source_new(NULL, SPF_SOURCE_QUIET);
	s = settings_load(main_conf_path, spf, err, sizeof(err));
	spf_source_free(spf);
	if (s == NULL) {
		fprintf(stderr, "%s: %s\n", MAIN_NAME, err);
		return 1;
	}
	printf("%s: %s: configuration OK (listen %s, authserv_id %s)\n",
	       MAIN_NAME, main_conf_path, conf_str(s->conf, "milter_listen"),
	       s->authserv_id);
	settings_release(s);
	return 0;
}

/* main_lookup_user - the configured user, or NULL when none is set */
static const struct passwd *
main_lookup_user(const struct settings *s)
{
	const char *user = conf_str(s->conf, "user"), *why;
	struct passwd *pw;

	if (daemon_user(user, &pw, &why) < 0)
		fatalx("%s: user %s: %s", conf_where(s->conf, "user"), user,
		       why);
	if (pw == NULL && geteuid() == 0)
		log_warnx("running as root: set \"user\" in %s",
			  main_conf_path);
	return pw;
}

/* main_open_socket - the listening socket, owned and moded as configured */
static void
main_open_socket(const struct settings *s, const struct passwd *pw)
{
	const char *listen = conf_str(s->conf, "milter_listen");
	const char *path = main_socket_path(listen);

	if (smfi_setconn((char *)listen) != MI_SUCCESS)
		fatalx("milter_listen %s: rejected by libmilter", listen);
	if (smfi_opensocket(true) != MI_SUCCESS)
		fatalx("milter_listen %s: cannot listen (see the libmilter "
		       "message above)", listen);
	if (path == NULL)
		return;
	if (pw != NULL && geteuid() == 0 &&
	    chown(path, pw->pw_uid, pw->pw_gid) < 0)
		fatal("chown %s", path);
	if (chmod(path, (mode_t)conf_int(s->conf, "socket_mode")) < 0)
		fatal("chmod %s", path);
}

/* main_engines - SPF, DKIM and DMARC, built once before any thread */
static void
main_engines(const struct settings *s, struct milter_engines *e)
{
	struct spf_layer_config spf = { 0 };
	char err[512];

	spf.receiver = s->authserv_id;
	e->spf = spf_layer_new(&spf, err, sizeof(err));
	if (e->spf == NULL)
		fatalx("SPF: %s", err);
	e->dkim = dkimv_lib_new(err, sizeof(err));
	if (e->dkim == NULL)
		fatalx("DKIM: %s", err);
	if (dmarc_lib_init(conf_str(s->conf, "public_suffix_list"), err,
			   sizeof(err)) < 0)
		fatalx("DMARC: %s", err);
}

/*
 * Malloc arenas for the milter process. libmilter runs a thread per SMTP
 * session, and glibc gives threads their own arenas (up to 8 per core),
 * each keeping the pages it touched: bench/milter-run measured 119 KiB
 * per concurrent session with the default, 58 KiB with two. The
 * callbacks allocate little, so two arenas are not contended.
 */
#define MAIN_MALLOC_ARENAS	2

/*
 * main_metrics - this milter process's /metrics endpoint on the listener
 * the supervisor opened (after privileges are dropped: MHD needs none);
 * without it when MHD cannot start: mail goes on, and the supervisor
 * still holds the address
 */
static struct metrics_http *
main_metrics(const struct settings *s)
{
	const char *listen = conf_str(s->conf, "milter_metrics_listen");
	struct metrics_http *http;
	const char *error;

	if (strcmp(listen, main_metrics_text != NULL ? main_metrics_text :
		   "") != 0)
		log_warnx("milter_metrics_listen changed: it takes effect at "
			  "the next restart");
	if (main_metrics_listener.fd < 0)
		return NULL;
	if ((http = metrics_http_start(main_metrics_listener.fd,
				       milter_metrics_render, NULL,
				       &error)) == NULL)
		log_warnx("milter_metrics_listen = %s: %s; this milter process "
			  "runs without metrics", main_metrics_text, error);
	else
		log_info("metrics on %s", main_metrics_text);
	return http;
}

/* main_milter - the milter process: never returns */
static void
main_milter(void)
{
	struct settings *s;
	struct spf_source *spf;
	const struct passwd *pw;
	struct milter_engines engines;
	struct metrics_http *http;
	sigset_t set;
	char err[256];

	/* SIGHUP/TERM/INT stay blocked for libmilter's thread; USR1 (reload)
	 * and USR2 (a reload the supervisor refused) are the refresh thread's */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	mallopt(M_ARENA_MAX, MAIN_MALLOC_ARENAS);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	setpgid(0, 0);
	/* the refresh thread's from its start: each spf: domain once, here */
	spf = spf_source_new(NULL, SPF_SOURCE_SAVE);
	conf_metrics_init("milter");
	s = main_load(spf);
	conf_metrics_loaded(true, false);
	conf_metrics_spf(spf);
	pw = main_lookup_user(s);
	main_engines(s, &engines);
	if (milter_register(MAIN_NAME, &engines) < 0)
		fatalx("smfi_register failed");
	main_open_socket(s, pw);
	daemon_drop_privileges(pw);
	http = main_metrics(s);
	smfi_settimeout((int)conf_time(s->conf, "milter_timeout"));
	settings_install(s);
	report_sync(s);
	failure_sync(s);
	if (refresh_start(main_conf_path, spf, err, sizeof(err)) < 0)
		fatalx("cannot start the refresh thread: %s", err);
	log_info("%s %s listening on %s", MAIN_NAME, TMX_VERSION_STRING,
		 conf_str(s->conf, "milter_listen"));
	daemon_ready("listening");
	supervise_listening();
	if (smfi_main() != MI_SUCCESS)
		fatalx("libmilter stopped with an error");
	metrics_http_stop(http);
	report_close();
	failure_close();
	log_info("stopped");
	exit(0);
}

/*
 * main_metrics_open - milter_metrics_listen's socket, opened once, here in
 * the supervisor-to-be: every milter process serves it, and while one is
 * replaced the supervisor still holds the address. Another process there
 * stops the start (it would answer the scrapers), before the service is
 * ready.
 */
static void
main_metrics_open(const struct settings *s)
{
	const char *listen = conf_str(s->conf, "milter_metrics_listen");
	const char *user = conf_str(s->conf, "user"), *error;
	struct passwd *pw;

	if (listen[0] == '\0')
		return;
	if (daemon_user(user, &pw, &error) < 0)
		fatalx("%s: user %s: %s", conf_where(s->conf, "user"), user,
		       error);
	if (metrics_listen_open(listen, pw, &main_metrics_listener,
				&error) < 0)
		fatalx("%s: milter_metrics_listen = %s: %s; not starting",
		       conf_where(s->conf, "milter_metrics_listen"), listen,
		       error);
	main_metrics_text = xstrdup(listen);
}

/* main_metrics_close - when the supervisor ends: the socket goes too */
static void
main_metrics_close(void)
{
	metrics_listen_close(&main_metrics_listener);
}

/*
 * main_start - syslog_name and syslog_facility from the file, checked
 * whole but without DNS, and what the start needs (conf_start, as -n
 * checks it), so that a bad file, list, user or path stops the start
 * here, on the terminal (the milter process expands spf: sources); then
 * the metrics listener
 */
static void
main_start(bool foreground)
{
	struct settings *s;
	char err[1024];

	if ((s = settings_load(main_conf_path, NULL, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	(void)conf_start_check(s->conf, main_conf_path, CONF_START_MILTER,
			       conf_start_log, NULL);
	main_metrics_open(s);
	log_init(conf_str(s->conf, "syslog_name"), foreground,
		 conf_str(s->conf, "syslog_facility"));
	settings_release(s);
}

/* main - options; -n checks, otherwise supervise the milter process */
int
main(int argc, char **argv)
{
	bool foreground = false, check = false;
	int ch;

	static const struct option longopts[] = { PROG_LONG_OPTIONS };

	while ((ch = getopt_long(argc, argv, "c:fnvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'V':
			prog_version(MAIN_NAME);
		case 'c':
			main_conf_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			log_setverbose(log_getverbose() + 1);
			break;
		default:
			main_usage();
		}
	}
	if (optind != argc)
		main_usage();
	log_init(MAIN_NAME, 1, NULL);	/* -n's warnings name us too */
	if (check)
		return main_check();
	main_start(foreground);
	if (!foreground)
		daemon_detach();
	supervise_privileges(main_conf_path);
	supervise_run(main_conf_path, main_milter, main_metrics_close);
}
