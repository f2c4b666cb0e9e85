/*
 * supervise.c - trustmx-milter's supervisor process. libmilter's own
 * signal thread stops the milter on SIGHUP, so this small process owns the
 * signals: SIGHUP is checked here and passed to the milter process as
 * SIGUSR1; SIGTERM and SIGINT stop both. A milter process that dies is
 * started again, after 1s, 2s, 4s ... at most SUPERVISE_BACKOFF_MAX, the
 * count reset once one has run SUPERVISE_STABLE seconds; the log says how
 * it died. Only a first milter process that exits before it ever listened
 * (a configuration it cannot start with) ends the supervisor, with an
 * error, so that the service manager sees it.
 *
 * Started as root with a user set, the supervisor drops root itself when a
 * milter process could start as that user: a child probe becomes the user
 * and loads the configuration and checks the socket. If it cannot (a port
 * below 1024, a socket directory only root may write), the supervisor
 * keeps root to start the next milter process, and says why.
 *
 * What main.c opened before (the metrics listener) stays open here while
 * milter processes come and go, so its address is never free for another
 * process to take; at_end closes it when the supervisor ends.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "settings.h"
#include "supervise.h"

#define SUPERVISE_BACKOFF_MAX	30	/* seconds between two starts, at most */
#define SUPERVISE_STABLE	60	/* a process that ran this long resets it */

/* supervise_listen_why - why the user could not open milter_listen, or "" */
static void
supervise_listen_why(const char *listen, char *why, size_t size)
{
	char dir[1024];
	const char *path = NULL, *port;
	long n;

	if (strncmp(listen, "unix:", 5) == 0)
		path = listen + 5;
	else if (strncmp(listen, "local:", 6) == 0)
		path = listen + 6;
	if (path != NULL) {
		snprintf(dir, sizeof(dir), "%s", path);
		if (access(dirname(dir), W_OK | X_OK) < 0)
			snprintf(why, size, "cannot create milter_listen's "
				 "socket in %.900s: %s", dir, strerror(errno));
		return;
	}
	if ((port = strchr(listen, ':')) == NULL)
		return;
	n = strtol(port + 1, NULL, 10);
	if (n > 0 && n < 1024)
		snprintf(why, size, "milter_listen's port %ld needs root", n);
}

/* supervise_probe_child - as pw: would a milter process start? */
static void __attribute__((noreturn))
supervise_probe_child(const char *conf_path, const struct passwd *pw, int fd)
{
	struct settings *s;
	const char *w, *psl;
	char why[1536] = "", err[1024];

	if (daemon_become(pw, &w) < 0) {
		snprintf(why, sizeof(why), "cannot become %s: %s", pw->pw_name,
			 w);
	} else if ((s = settings_load(conf_path, NULL, err, sizeof(err))) ==
		   NULL) {
		snprintf(why, sizeof(why), "as %s: %s", pw->pw_name, err);
	} else {
		supervise_listen_why(conf_str(s->conf, "milter_listen"), why,
				     sizeof(why));
		psl = conf_str(s->conf, "public_suffix_list");
		if (why[0] == '\0' && psl[0] != '\0' && access(psl, R_OK) < 0)
			snprintf(why, sizeof(why), "cannot read %s: %s", psl,
				 strerror(errno));
	}
	if (why[0] != '\0' && write(fd, why, strlen(why)) < 0)
		_exit(2);
	_exit(why[0] == '\0' ? 0 : 1);
}

/* supervise_probe - "" when a milter process could start as pw, else why */
static void
supervise_probe(const char *conf_path, const struct passwd *pw, char *why,
		size_t size)
{
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	snprintf(why, size, "the probe could not run");
	if (pipe(p) < 0)
		return;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		supervise_probe_child(conf_path, pw, p[1]);
	}
	close(p[1]);
	while ((size_t)got < size - 1 &&
	       (n = read(p[0], why + got, size - 1 - (size_t)got)) > 0)
		got += n;
	why[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		why[0] = '\0';
	else if (why[0] == '\0')
		snprintf(why, size, "the probe failed");
}

/* supervise_privileges - see supervise.h */
void
supervise_privileges(const char *conf_path)
{
	struct settings *s;
	struct passwd *pw;
	const char *user, *w;
	char err[1024], why[1536];

	if (geteuid() != 0)
		return;
	if ((s = settings_load(conf_path, NULL, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	user = conf_str(s->conf, "user");
	if (daemon_user(user, &pw, &w) < 0)
		fatalx("%s: user %s: %s", conf_where(s->conf, "user"), user, w);
	settings_release(s);
	if (pw == NULL)
		return;
	supervise_probe(conf_path, pw, why, sizeof(why));
	if (why[0] != '\0') {
		log_info("supervisor keeps root to start milter processes: %s",
			 why);
		return;
	}
	daemon_drop_privileges(pw);
}

/* supervise_spawn - start the milter process; its pid */
static pid_t
supervise_spawn(void (*worker)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		sigset_t set;

		/* SIGUSR2 stays blocked: from us it says a reload was
		 * refused (the refresh thread waits for it) */
		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		worker();
		_exit(1);
	}
	return pid;
}

/* supervise_listening - see supervise.h */
void
supervise_listening(void)
{
	kill(getppid(), SIGUSR2);
}

/*
 * supervise_validate - SIGHUP: does the new file load (lists too, but no
 * DNS: the milter process expands the spf: sources when it reloads)
 */
static bool
supervise_validate(const char *conf_path)
{
	struct settings *s;
	char err[1024];

	s = settings_load(conf_path, NULL, err, sizeof(err));
	if (s == NULL) {
		log_warnx("not reloading: %s", err);
		return false;
	}
	settings_release(s);
	return true;
}

/* supervise_death - how a wait status ended a process, as text */
static void
supervise_death(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %d (%s)%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, size, "ended with wait status %#x", status);
}

/* The supervisor's state between signals. */
struct supervise_state {
	pid_t child;		/* 0 while waiting to start the next one */
	time_t started;		/* when child started */
	time_t restart_at;	/* with child 0: when to start the next */
	bool listened;		/* some milter process has listened */
	unsigned deaths;	/* quick deaths in a row */
	void (*at_end)(void);	/* supervise_run's, or NULL */
};

/* supervise_end - what must happen whenever the supervisor ends */
static void
supervise_end(const struct supervise_state *st)
{
	if (st->at_end != NULL)
		st->at_end();
}

/* supervise_stop - pass a stop on to the milter process and wait for it */
static void __attribute__((noreturn))
supervise_stop(const struct supervise_state *st)
{
	int status;

	daemon_stopping();
	if (st->child > 0) {
		kill(st->child, SIGTERM);
		while (waitpid(st->child, &status, 0) < 0 && errno == EINTR)
			;
	}
	supervise_end(st);
	log_info("supervisor stopped");
	exit(0);
}

/* supervise_ended - the milter process ended with status: when to restart */
static void
supervise_ended(struct supervise_state *st, int status)
{
	time_t now = time(NULL), lived = now - st->started;
	unsigned delay;
	char how[128];

	supervise_death(status, how, sizeof(how));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_info("milter process %ld stopped; supervisor stopping",
			 (long)st->child);
		supervise_end(st);
		exit(0);
	}
	if (!st->listened && WIFEXITED(status)) {
		supervise_end(st);
		fatalx("the milter process could not start: it %s before it "
		       "listened (see above)", how);
	}
	st->deaths = lived >= SUPERVISE_STABLE ? 1 : st->deaths + 1;
	delay = st->deaths > 6 ? SUPERVISE_BACKOFF_MAX : 1u << (st->deaths - 1);
	if (delay > SUPERVISE_BACKOFF_MAX)
		delay = SUPERVISE_BACKOFF_MAX;
	log_warnx("milter process %ld %s after %lds; starting another in %us",
		  (long)st->child, how, (long)lived, delay);
	st->child = 0;
	st->restart_at = now + delay;
}

/* supervise_wait - the next signal; with no child, 0 when it is time */
static int
supervise_wait(const struct supervise_state *st, const sigset_t *set,
	       siginfo_t *si)
{
	struct timespec ts = { 0, 0 };
	time_t now;
	int sig;

	if (st->child > 0)
		return sigwaitinfo(set, si);
	now = time(NULL);
	if (now >= st->restart_at)
		return 0;
	ts.tv_sec = st->restart_at - now;
	sig = sigtimedwait(set, si, &ts);
	return sig < 0 && errno == EAGAIN ? 0 : sig;
}

/* supervise_run - see supervise.h */
void
supervise_run(const char *conf_path, void (*worker)(void),
	      void (*at_end)(void))
{
	struct supervise_state st = { .at_end = at_end };
	sigset_t set;
	siginfo_t si;
	int sig, status;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR2);
	/* blocked before the fork, so an early reload waits for its thread */
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGUSR1);
	st.child = supervise_spawn(worker);
	st.started = time(NULL);
	for (;;) {
		sig = supervise_wait(&st, &set, &si);
		if (sig == 0) {
			st.child = supervise_spawn(worker);
			st.started = time(NULL);
		} else if (sig == SIGTERM || sig == SIGINT) {
			supervise_stop(&st);
		} else if (sig == SIGHUP) {
			if (supervise_validate(conf_path) && st.child > 0) {
				log_info("reloading %s", conf_path);
				kill(st.child, SIGUSR1);
			} else if (st.child > 0) {
				/* its metrics count the failed attempt */
				kill(st.child, SIGUSR2);
			}
		} else if (sig == SIGUSR2 && si.si_pid == st.child) {
			st.listened = true;
		} else if (sig == SIGCHLD && st.child > 0 &&
			   waitpid(st.child, &status, WNOHANG) == st.child) {
			supervise_ended(&st, status);
		}
	}
}
