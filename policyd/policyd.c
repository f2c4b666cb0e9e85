/*
 * policyd.c - trustmx-policyd: main. Reads trustmx.conf, builds the trust
 * lists, opens the listeners, drops privileges, starts the refresher
 * thread and runs the event loop. -n checks what the start needs
 * (conf_start.c, which the start calls too) and the lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "conf_metrics.h"
#include "conf_start.h"
#include "daemon.h"
#include "log.h"
#include "metrics_http.h"
#include "metrics_listen.h"
#include "pd_metrics.h"
#include "progname.h"
#include "policyd.h"
#include "xalloc.h"

#define POLICYD_NAME	"trustmx-policyd"
#define POLICYD_CONF	TMX_CONF_FILE	/* from meson: sysconfdir */

/* policyd_usage - the synopsis, then exit */
static void __attribute__((noreturn))
policyd_usage(void)
{
	fprintf(stderr, "usage: %s [-fnvV] [-c config] [--version]\n", POLICYD_NAME);
	exit(2);
}

/* policyd_check - -n: the configuration and lists, then exit */
static int
policyd_check(const char *path)
{
	char err[1024];
	struct pd_config *config = pd_settings_load(path, err, sizeof(err));
	struct pd_refresh *r;
	struct pd_gen *gen;

	if (config == NULL) {
		fprintf(stderr, "%s: %s\n", POLICYD_NAME, err);
		return 1;
	}
	/* the user, sockets and paths, as the start checks them */
	if (conf_start_check(config->conf, path, CONF_START_POLICYD,
			     conf_start_stderr, POLICYD_NAME) > 0) {
		pd_settings_unref(config);
		return 1;
	}
	r = pd_refresh_new(config);
	gen = pd_refresh_build_initial(r, err, sizeof(err));
	pd_settings_unref(config);
	if (gen == NULL) {
		fprintf(stderr, "%s: %s\n", POLICYD_NAME, err);
		pd_refresh_free(r);
		return 1;
	}
	pd_refresh_gen_free(gen);
	pd_refresh_free(r);
	return 0;
}

/* policyd_open - every configured listener; fatal on failure */
static struct listener *
policyd_open(const struct pd_settings *s)
{
	struct listener *l = xcalloc(s->nlisten, sizeof(*l));
	char err[512];
	size_t i;

	for (i = 0; i < s->nlisten; i++) {
		if (listener_open(&s->listen[i], s->socket_mode, &l[i], err, sizeof(err)) < 0)
			fatalx("listen on %s: %s", s->listen[i].spec, err);
		log_info("listening on %s%s (%s)", s->listen[i].spec,
			 s->listen[i].haproxy ? " haproxy" : "",
			 s->listen[i].service == PD_POLICY ? "policy" :
			 "socketmap");
	}
	return l;
}

/* policyd_user - the configured user (NULL: none); fatal if unknown */
static struct passwd *
policyd_user(const struct pd_config *config)
{
	const struct pd_settings *s = &config->settings;
	struct passwd *pw;
	const char *why;

	if (daemon_user(s->user, &pw, &why) < 0)
		fatalx("%s: user %s: %s", conf_where(config->conf, "user"),
		       s->user, why);
	return pw;
}

/*
 * policyd_metrics_open - policyd_metrics_listen's socket, with the other
 * listeners and before root is dropped (a unix one is made as the user);
 * another process there stops the start, since it would answer the
 * scrapers
 */
static void
policyd_metrics_open(const struct pd_config *config,
		     struct metrics_listener *l_r)
{
	const char *listen = conf_str(config->conf, "policyd_metrics_listen");
	const char *error;

	l_r->fd = -1;
	if (listen[0] == '\0')
		return;
	if (metrics_listen_open(listen, policyd_user(config), l_r,
				&error) < 0)
		fatalx("%s: policyd_metrics_listen = %s: %s; not starting",
		       conf_where(config->conf, "policyd_metrics_listen"),
		       listen, error);
}

/* policyd_drop - as root with "user" set: own the sockets, become that user */
static void
policyd_drop(const struct pd_config *config, struct listener *l, size_t n)
{
	struct passwd *pw;
	size_t i;

	if (geteuid() != 0 || (pw = policyd_user(config)) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (listener_chown(&l[i], pw->pw_uid, pw->pw_gid) < 0)
			fatal("chown %s", l[i].spec.path);
	daemon_drop_privileges(pw);
}

/* policyd_signals - block the signals the loop reads through a signalfd */
static int
policyd_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* blocked before the thread starts, so it inherits the mask */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		fatal("sigprocmask");
	if ((fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		fatal("signalfd");
	return fd;
}

/* policyd_load - the configuration and first lists, or exit naming why */
static struct pd_refresh *
policyd_load(const char *path, struct pd_config **config_r,
	     struct pd_gen **gen_r)
{
	struct pd_config *config;
	struct pd_refresh *r;
	char err[1024], *abspath;

	if ((config = pd_settings_load(path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	/* as -n checks it, before any thread: the check forks */
	(void)conf_start_check(config->conf, path, CONF_START_POLICYD,
			       conf_start_log, NULL);
	/* reloads happen after chdir("/"): remember where the file is */
	if ((abspath = realpath(path, NULL)) == NULL)
		fatal("%s", path);
	free(config->path);
	config->path = abspath;
	r = pd_refresh_new(config);
	if ((*gen_r = pd_refresh_build_initial(r, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	conf_metrics_loaded(true, false);
	*config_r = config;
	return r;
}

/*
 * policyd_metrics - the /metrics endpoint on l (its thread takes the
 * blocked signal mask); NULL when off. At the start, so fatal if MHD
 * cannot start.
 */
static struct metrics_http *
policyd_metrics(const struct metrics_listener *l, const char *listen)
{
	struct metrics_http *http;
	const char *error;

	if (l->fd < 0)
		return NULL;
	if ((http = metrics_http_start(l->fd, pd_metrics_render, NULL,
				       &error)) == NULL)
		fatalx("policyd_metrics_listen = %s: %s", listen, error);
	log_info("metrics on %s", listen);
	return http;
}

/* policyd_run - the daemon: listeners, privileges, thread, event loop */
static int
policyd_run(const char *path, int foreground)
{
	struct pd_config *config;
	struct listener *listeners;
	struct metrics_listener metrics;
	struct metrics_http *http;
	struct pd_refresh *r;
	struct pd_gen *gen;
	int handoff[2], sigfd;
	char err[1024], *metrics_listen;
	size_t i, n;
	bool joined;

	conf_metrics_init("policyd");
	r = policyd_load(path, &config, &gen);
	log_init(conf_str(config->conf, "syslog_name"), 1,
		 conf_str(config->conf, "syslog_facility"));
	n = config->settings.nlisten;
	listeners = policyd_open(&config->settings);
	policyd_metrics_open(config, &metrics);
	policyd_drop(config, listeners, n);
	/* errors so far went to the terminal; from here on, to syslog */
	if (!foreground) {
		daemon_detach();
		log_init(conf_str(config->conf, "syslog_name"), 0,
			 conf_str(config->conf, "syslog_facility"));
	}
	metrics_listen = xstrdup(conf_str(config->conf,
					  "policyd_metrics_listen"));
	pd_settings_unref(config);
	sigfd = policyd_signals();
	http = policyd_metrics(&metrics, metrics_listen);
	if (pipe2(handoff, O_CLOEXEC) < 0 || fcntl(handoff[0], F_SETFL,
	    O_NONBLOCK) < 0)
		fatal("pipe");
	if (pd_refresh_run(r, handoff[1], err, sizeof(err)) < 0)
		fatalx("%s", err);
	log_info("started, lists generation %u", gen->serial);
	daemon_ready("answering");
	loop_run(listeners, n, gen, r, handoff[0], sigfd);
	daemon_stopping();
	metrics_http_stop(http);
	metrics_listen_close(&metrics);
	free(metrics_listen);
	joined = pd_refresh_stop(r);
	for (i = 0; i < n; i++)
		listener_close(&listeners[i]);
	free(listeners);
	/* a thread still in DNS keeps its descriptors until exit() */
	if (joined) {
		pd_refresh_free(r);
		close(handoff[0]);
		close(handoff[1]);
	}
	close(sigfd);
	log_info("stopped");
	return 0;
}

/* main - options; -n checks, otherwise the daemon runs */
int
main(int argc, char **argv)
{
	const char *path = POLICYD_CONF;
	int ch, foreground = 0, check = 0, verbose = 0;

	static const struct option longopts[] = { PROG_LONG_OPTIONS };

	while ((ch = getopt_long(argc, argv, "c:fnvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'V':
			prog_version(POLICYD_NAME);
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			policyd_usage();
		}
	}
	if (optind != argc)
		policyd_usage();
	log_init(POLICYD_NAME, 1, NULL);
	log_setverbose(verbose);
	if (check)
		return policyd_check(path);
	return policyd_run(path, foreground);
}
