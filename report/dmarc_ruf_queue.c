/*
 * dmarc_ruf_queue.c - the queue between the milter's threads and the
 * failure reports' worker. Submitting copies a message into the heap and
 * pushes its pointer under a mutex; the worker takes one message at a
 * time and does all the slow parts outside the lock: DNS (destinations),
 * the rate limit (its own table), building, sendmail (posix_spawn, a
 * timeout, the child's output kept for the log).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <trustmx/version.h>

#include "dmarc_ruf_queue.h"
#include "log.h"
#include "xalloc.h"

#define DMARC_RUF_LOG_EVERY	60	/* s between like warnings */
#define DMARC_RUF_HOUR		3600
#define DMARC_RUF_POLL_MS	50	/* looking whether sendmail exited */

/* A configuration as the queue keeps it: its own copies */
struct dmarc_ruf_cfg {
	char **sendmail;
	char *sender;
	char *user_agent;
	unsigned rate;
	bool redact;
	unsigned timeout_ms;
	struct dmarc_dest_dns dns;
	bool has_dns;
};

/* One destination's recent reports: the send times of the last hour */
struct dmarc_ruf_limit {
	char addr[DMARC_DEST_ADDR_MAX];
	time_t *at;			/* a ring of cap times, oldest first */
	unsigned cap, head, n;
};

struct dmarc_ruf_queue {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* to the worker: a message, or stop */
	pthread_cond_t done;		/* from it: a message finished */
	struct dmarc_ruf_msg **ring;	/* max pointers */
	size_t max, head, count;
	uint64_t seq_in, seq_done;
	bool stop;
	struct dmarc_ruf_cfg cfg;	/* the latest; gen counts the changes */
	unsigned gen;
	struct dmarc_ruf_stats stats;
	time_t dropped_logged_at;
	uint64_t dropped_logged;

	/* the worker's own */
	struct dmarc_ruf_cfg wcfg;
	unsigned wgen;
	struct dmarc_ruf_redactor redactor;
	struct dmarc_ruf_limit limits[DMARC_RUF_DESTS_MAX];
	size_t nlimits;
	uint64_t ids;
	time_t limited_logged_at, failed_logged_at;
	uint64_t limited_logged, failed_logged;
	pthread_t worker;
};

/* dmarc_ruf_cfg_clear - free a kept configuration */
static void
dmarc_ruf_cfg_clear(struct dmarc_ruf_cfg *c)
{
	for (size_t i = 0; c->sendmail != NULL && c->sendmail[i] != NULL; i++)
		free(c->sendmail[i]);
	free(c->sendmail);
	free(c->sender);
	free(c->user_agent);
	memset(c, 0, sizeof(*c));
}

/* dmarc_ruf_cfg_copy - src into dst (cleared first) */
static void
dmarc_ruf_cfg_copy(struct dmarc_ruf_cfg *dst, const struct dmarc_ruf_cfg *src)
{
	size_t n = 0;

	dmarc_ruf_cfg_clear(dst);
	*dst = *src;
	while (src->sendmail[n] != NULL)
		n++;
	dst->sendmail = xcalloc(n + 1, sizeof(*dst->sendmail));
	for (size_t i = 0; i < n; i++)
		dst->sendmail[i] = xstrdup(src->sendmail[i]);
	dst->sender = xstrdup(src->sender);
	dst->user_agent = xstrdup(src->user_agent);
}

/* dmarc_ruf_cfg_take - cfg checked and kept in c; 0, or -1 (err) */
static int
dmarc_ruf_cfg_take(struct dmarc_ruf_cfg *c, const struct dmarc_ruf_config *cfg,
		   char *err, size_t errlen)
{
	struct dmarc_ruf_cfg tmp;

	if (cfg->sendmail == NULL || cfg->sendmail[0] == NULL ||
	    cfg->sendmail[0][0] == '\0') {
		snprintf(err, errlen, "no sendmail command");
		return -1;
	}
	if (cfg->sender == NULL || strchr(cfg->sender, '@') == NULL) {
		snprintf(err, errlen, "no sender address for the reports");
		return -1;
	}
	if (cfg->rate == 0 || cfg->rate > DMARC_RUF_RATE_MAX) {
		snprintf(err, errlen, "rate %u: not in 1..%d", cfg->rate,
			 DMARC_RUF_RATE_MAX);
		return -1;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.sendmail = (char **)cfg->sendmail;
	tmp.sender = (char *)cfg->sender;
	tmp.user_agent = (char *)(cfg->user_agent != NULL ? cfg->user_agent :
				  "trustmx/" TMX_VERSION_STRING);
	tmp.rate = cfg->rate;
	tmp.redact = cfg->redact;
	tmp.timeout_ms = cfg->timeout_ms ? cfg->timeout_ms :
	    DMARC_RUF_TIMEOUT_MS_DEFAULT;
	if (cfg->dns != NULL) {
		tmp.dns = *cfg->dns;
		tmp.has_dns = true;
	}
	dmarc_ruf_cfg_copy(c, &tmp);
	return 0;
}

/* dmarc_ruf_log_due - true, and the count since the last warning in
 * *n_r, when a warning about *total is due (once a minute) */
static bool
dmarc_ruf_log_due(time_t *at, uint64_t *logged, uint64_t total, uint64_t *n_r)
{
	time_t now = time(NULL);

	if (total == *logged || now - *at < DMARC_RUF_LOG_EVERY)
		return false;
	*n_r = total - *logged;
	*logged = total;
	*at = now;
	return true;
}

/* dmarc_ruf_limit_find - addr's entry, a new one, or NULL when every
 * entry still limits a destination (the table bounds destinations) */
static struct dmarc_ruf_limit *
dmarc_ruf_limit_find(struct dmarc_ruf_queue *q, const char *addr, time_t now)
{
	struct dmarc_ruf_limit *e, *free_e = NULL;
	size_t i;

	for (i = 0; i < q->nlimits; i++) {
		e = &q->limits[i];
		if (strcmp(e->addr, addr) == 0)
			return e;
		if (free_e == NULL && (e->n == 0 ||
		    e->at[(e->head + e->n - 1) % e->cap] <= now -
		    DMARC_RUF_HOUR))
			free_e = e;
	}
	if (free_e == NULL && q->nlimits < DMARC_RUF_DESTS_MAX)
		free_e = &q->limits[q->nlimits++];
	if (free_e == NULL)
		return NULL;
	snprintf(free_e->addr, sizeof(free_e->addr), "%s", addr);
	free_e->head = free_e->n = 0;
	return free_e;
}

/* dmarc_ruf_limit_resize - e's ring to cap times, the newest kept */
static void
dmarc_ruf_limit_resize(struct dmarc_ruf_limit *e, unsigned cap)
{
	time_t *at = xcalloc(cap, sizeof(*at));
	unsigned keep = e->n < cap ? e->n : cap, i;

	for (i = 0; i < keep; i++)
		at[i] = e->at[(e->head + e->n - keep + i) % e->cap];
	free(e->at);
	e->at = at;
	e->cap = cap;
	e->head = 0;
	e->n = keep;
}

/*
 * dmarc_ruf_limit_allow - may addr have one more report now: fewer than
 * rate in the last hour (a sliding window: exact, rate times per
 * destination). Noted when it may.
 */
static bool
dmarc_ruf_limit_allow(struct dmarc_ruf_queue *q, const char *addr,
		      unsigned rate, time_t now)
{
	struct dmarc_ruf_limit *e = dmarc_ruf_limit_find(q, addr, now);

	if (e == NULL)
		return false;
	if (e->cap != rate)
		dmarc_ruf_limit_resize(e, rate);
	while (e->n > 0 && e->at[e->head] <= now - DMARC_RUF_HOUR) {
		e->head = (e->head + 1) % e->cap;
		e->n--;
	}
	if (e->n >= rate)
		return false;
	e->at[(e->head + e->n) % e->cap] = now;
	e->n++;
	return true;
}

/* dmarc_ruf_argv - command's words, then -oi -f sender -- rcpt */
static char **
dmarc_ruf_argv(char *const *command, const char *sender, const char *rcpt)
{
	size_t n = 0, i;
	char **argv;

	while (command[n] != NULL)
		n++;
	argv = xcalloc(n + 6, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[i] = command[i];
	argv[n++] = (char *)"-oi";
	argv[n++] = (char *)"-f";
	argv[n++] = (char *)sender;
	argv[n++] = (char *)"--";
	argv[n++] = (char *)rcpt;
	return argv;
}

/* dmarc_ruf_spawn - start argv with its input from in, output and
 * errors to out, signals as a fresh process has them; 0 or an errno */
static int
dmarc_ruf_spawn(char **argv, int in, int out, pid_t *pid_r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out, STDERR_FILENO);
	/* not the milter's sockets: they are not close-on-exec */
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGCHLD);
	sigaddset(&dflt, SIGHUP);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGUSR1);
	sigaddset(&dflt, SIGUSR2);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	rc = strchr(argv[0], '/') != NULL ?
	    posix_spawn(pid_r, argv[0], &fa, &attr, argv, environ) :
	    posix_spawnp(pid_r, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/* dmarc_ruf_ms_left - milliseconds from now until deadline */
static long
dmarc_ruf_ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000L +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000L;
}

/* dmarc_ruf_drain - what the child said, into out (its first line kept) */
static void
dmarc_ruf_drain(int fd, char *out, size_t size, size_t *got)
{
	char buf[512];
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if (*got + 1 < size) {
			size_t n = (size_t)r < size - 1 - *got ? (size_t)r :
			    size - 1 - *got;

			memcpy(out + *got, buf, n);
			*got += n;
			out[*got] = '\0';
		}
}

/*
 * dmarc_ruf_sendmail - run command -oi -f sender -- rcpt with msg on its
 * input, within timeout_ms (then SIGKILL). 0 when it took the message
 * (exit 0); -1 with why in err (the exit status and its first words).
 */
static int
dmarc_ruf_sendmail(char *const *command, const char *sender, const char *rcpt,
		   const char *msg, size_t len, unsigned timeout_ms, char *err,
		   size_t errlen)
{
	char **argv = dmarc_ruf_argv(command, sender, rcpt);
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status = 0, werr = 0;
	char said[256] = "";
	size_t sent = 0, got = 0;
	struct timespec deadline;
	struct pollfd pfd[2];
	bool exited = false, timedout = false;
	pid_t pid = -1;
	ssize_t w;
	int rc;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (out[i] >= 0)
				close(out[i]);
		}
		free(argv);
		return -1;
	}
	rc = dmarc_ruf_spawn(argv, in[0], out[1], &pid);
	free(argv);
	close(in[0]);
	close(out[1]);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run %s: %s", command[0],
			 strerror(rc));
		close(in[1]);
		close(out[0]);
		return -1;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if (len == 0) {
		close(in[1]);
		in[1] = -1;
	}
	while (!exited) {
		long left = dmarc_ruf_ms_left(&deadline);
		nfds_t n = 0;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		if (left <= 0) {
			timedout = true;
			kill(pid, SIGKILL);
			break;
		}
		if (in[1] >= 0)
			pfd[n++] = (struct pollfd){ .fd = in[1],
						    .events = POLLOUT };
		pfd[n++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (poll(pfd, n, left < DMARC_RUF_POLL_MS ? (int)left :
			 DMARC_RUF_POLL_MS) <= 0)
			continue;
		if (in[1] >= 0 && pfd[0].revents != 0) {
			w = write(in[1], msg + sent, len - sent);
			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				werr = errno;
			if (sent == len || werr != 0) {
				close(in[1]);
				in[1] = -1;
			}
		}
		dmarc_ruf_drain(out[0], said, sizeof(said), &got);
	}
	if (in[1] >= 0) {
		close(in[1]);
		if (werr == 0 && sent < len)
			werr = EPIPE;
	}
	while (!exited && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	dmarc_ruf_drain(out[0], said, sizeof(said), &got);
	close(out[0]);
	said[strcspn(said, "\r\n")] = '\0';
	if (timedout) {
		snprintf(err, errlen, "%s killed after %u ms", command[0],
			 timeout_ms);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && werr == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(err, errlen, "%s exited with status %d%s%.200s",
			 command[0], WEXITSTATUS(status), said[0] ? ": " : "",
			 said);
	else if (WIFSIGNALED(status))
		snprintf(err, errlen, "%s killed by signal %d", command[0],
			 WTERMSIG(status));
	else
		snprintf(err, errlen, "writing to %s: %s", command[0],
			 strerror(werr));
	return -1;
}

/* dmarc_ruf_quiet_sigpipe - forget a SIGPIPE a write to a gone sendmail
 * left pending on this thread (the worker blocks every signal) */
static void
dmarc_ruf_quiet_sigpipe(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, pending;

	sigpending(&pending);
	if (!sigismember(&pending, SIGPIPE))
		return;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	(void)sigtimedwait(&pipe_set, NULL, &zero);
}

/* dmarc_ruf_kind_name - "DMARC", "DKIM", "SPF" */
static const char *
dmarc_ruf_kind_name(unsigned kind)
{
	return kind == DMARC_RUF_WANT_DKIM ? "DKIM" :
	    kind == DMARC_RUF_WANT_SPF ? "SPF" : "DMARC";
}

/* dmarc_ruf_count - add to one of the counters (under the lock) */
static void
dmarc_ruf_count(struct dmarc_ruf_queue *q, uint64_t *counter)
{
	pthread_mutex_lock(&q->lock);
	(*counter)++;
	pthread_mutex_unlock(&q->lock);
}

/* dmarc_ruf_one - one report of m to d, if its rate allows */
static void
dmarc_ruf_one(struct dmarc_ruf_queue *q, const struct dmarc_ruf_msg *m,
	      const struct dmarc_dest *d, unsigned kind, size_t sig)
{
	const char *qid = m->qid[0] ? m->qid : "-";
	struct dmarc_buf msg = { 0 };
	struct dmarc_ruf_meta meta;
	char id[64], err[512];
	time_t now = time(NULL);
	uint64_t n, total;

	if (!dmarc_ruf_limit_allow(q, d->addr, q->wcfg.rate, now)) {
		pthread_mutex_lock(&q->lock);
		total = ++q->stats.limited;
		pthread_mutex_unlock(&q->lock);
		if (dmarc_ruf_log_due(&q->limited_logged_at,
				      &q->limited_logged, total, &n))
			log_info("%s: failure report to %s not sent: over "
				 "dmarc_failure_rate (%u an hour to one "
				 "destination; %llu such since the last note)",
				 qid, d->addr, q->wcfg.rate,
				 (unsigned long long)n);
		return;
	}
	snprintf(id, sizeof(id), "%lld.%llu.%08x", (long long)now,
		 (unsigned long long)++q->ids, arc4random());
	memset(&meta, 0, sizeof(meta));
	meta.from = q->wcfg.sender;
	meta.to = d->addr;
	meta.id = id;
	meta.user_agent = q->wcfg.user_agent;
	meta.now = now;
	meta.redact = q->wcfg.redact ? &q->redactor : NULL;
	dmarc_ruf_build(m, kind, sig, &meta, &msg);
	if (dmarc_ruf_sendmail(q->wcfg.sendmail, q->wcfg.sender, d->addr,
			       msg.data, msg.len, q->wcfg.timeout_ms, err,
			       sizeof(err)) == 0) {
		dmarc_ruf_count(q, &q->stats.sent);
		log_info("%s: %s failure report for %s sent to %s", qid,
			 dmarc_ruf_kind_name(kind), m->from_domain, d->addr);
	} else {
		pthread_mutex_lock(&q->lock);
		total = ++q->stats.failed;
		pthread_mutex_unlock(&q->lock);
		if (dmarc_ruf_log_due(&q->failed_logged_at, &q->failed_logged,
				      total, &n))
			log_warnx("%s: %s failure report to %s not sent: %s "
				  "(%llu failed since the last warning)", qid,
				  dmarc_ruf_kind_name(kind), d->addr, err,
				  (unsigned long long)n);
	}
	dmarc_ruf_quiet_sigpipe();
	dmarc_buf_free(&msg);
}

/* dmarc_ruf_work - the reports of one message to each usable ruf
 * destination: DMARC, then one per failed DKIM signature, then SPF */
static void
dmarc_ruf_work(struct dmarc_ruf_queue *q, const struct dmarc_ruf_msg *m)
{
	struct dmarc_dest dests[DMARC_DEST_MAX];
	unsigned want = dmarc_ruf_wanted(m);
	size_t n, i, j;

	if (want == 0)
		return;
	n = dmarc_dest_resolve_ruf(m->ruf, m->policy_domain, m->org_domain,
				   q->wcfg.has_dns ? &q->wcfg.dns : NULL,
				   dests, DMARC_DEST_MAX);
	for (i = 0; i < n; i++) {
		const struct dmarc_dest *d = &dests[i];

		if (d->state != DMARC_DEST_OK) {
			dmarc_ruf_count(q, &q->stats.refused);
			log_debug("%s: no failure report to %s: %s: %s",
				  m->qid[0] ? m->qid : "-", d->uri,
				  dmarc_dest_state_str(d->state), d->why);
			continue;
		}
		if (want & DMARC_RUF_WANT_DMARC)
			dmarc_ruf_one(q, m, d, DMARC_RUF_WANT_DMARC, 0);
		for (j = 0; (want & DMARC_RUF_WANT_DKIM) && j < m->nsigs &&
		     j < DMARC_RUF_SIGS_MAX; j++)
			if (m->sig[j].result == DMARC_RUF_DKIM_SIGNATURE ||
			    m->sig[j].result == DMARC_RUF_DKIM_BODYHASH ||
			    m->sig[j].result == DMARC_RUF_DKIM_REVOKED)
				dmarc_ruf_one(q, m, d, DMARC_RUF_WANT_DKIM, j);
		if (want & DMARC_RUF_WANT_SPF)
			dmarc_ruf_one(q, m, d, DMARC_RUF_WANT_SPF, 0);
	}
}

/* dmarc_ruf_worker - the thread: one message at a time until stopped */
static void *
dmarc_ruf_worker(void *arg)
{
	struct dmarc_ruf_queue *q = arg;
	struct dmarc_ruf_msg *m;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->count == 0 && !q->stop)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stop)
			break;
		m = q->ring[q->head];
		q->head = (q->head + 1) % q->max;
		q->count--;
		if (q->wgen != q->gen) {
			dmarc_ruf_cfg_copy(&q->wcfg, &q->cfg);
			q->wgen = q->gen;
		}
		pthread_mutex_unlock(&q->lock);
		dmarc_ruf_work(q, m);
		free(m);
		pthread_mutex_lock(&q->lock);
		q->seq_done++;
		q->stats.done++;
		pthread_cond_broadcast(&q->done);
	}
	/* stopping: what still waits is dropped */
	while (q->count > 0) {
		free(q->ring[q->head]);
		q->head = (q->head + 1) % q->max;
		q->count--;
		q->stats.dropped++;
		q->seq_done++;
	}
	pthread_cond_broadcast(&q->done);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* dmarc_ruf_queue_new - see dmarc_ruf_queue.h */
struct dmarc_ruf_queue *
dmarc_ruf_queue_new(const struct dmarc_ruf_config *cfg, char *err,
		    size_t errlen)
{
	struct dmarc_ruf_queue *q = xcalloc(1, sizeof(*q));
	sigset_t all, old;
	int rc;

	if (dmarc_ruf_cfg_take(&q->cfg, cfg, err, errlen) < 0) {
		free(q);
		return NULL;
	}
	q->gen = 1;
	q->max = cfg->queue_max ? cfg->queue_max : DMARC_RUF_QUEUE_DEFAULT;
	q->ring = xcalloc(q->max, sizeof(*q->ring));
	q->redactor.keylen = sizeof(q->redactor.key);
	arc4random_buf(q->redactor.key, q->redactor.keylen);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	pthread_cond_init(&q->done, NULL);
	/* signals stay with the program's own threads; SIGPIPE too */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&q->worker, NULL, dmarc_ruf_worker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the failure reports' "
			 "thread: %s", strerror(rc));
		dmarc_ruf_cfg_clear(&q->cfg);
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->wake);
		pthread_cond_destroy(&q->done);
		free(q->ring);
		free(q);
		return NULL;
	}
	return q;
}

/* dmarc_ruf_queue_set - see dmarc_ruf_queue.h */
int
dmarc_ruf_queue_set(struct dmarc_ruf_queue *q,
		    const struct dmarc_ruf_config *cfg, char *err,
		    size_t errlen)
{
	struct dmarc_ruf_cfg c;

	memset(&c, 0, sizeof(c));
	if (dmarc_ruf_cfg_take(&c, cfg, err, errlen) < 0)
		return -1;
	pthread_mutex_lock(&q->lock);
	dmarc_ruf_cfg_clear(&q->cfg);
	q->cfg = c;
	q->gen++;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* dmarc_ruf_submit - see dmarc_ruf_queue.h: the copy is made outside
 * the lock, only its pointer is pushed under it */
int
dmarc_ruf_submit(struct dmarc_ruf_queue *q, const struct dmarc_ruf_msg *m)
{
	struct dmarc_ruf_msg *copy = NULL;
	uint64_t n = 0, total;
	bool full, warn;

	if (dmarc_ruf_wanted(m) == 0)
		return 1;
	pthread_mutex_lock(&q->lock);
	full = q->count == q->max || q->stop;
	pthread_mutex_unlock(&q->lock);
	if (!full && (copy = malloc(sizeof(*copy))) != NULL) {
		memcpy(copy, m, sizeof(*copy));
		dmarc_ruf_msg_bound(copy);
		if (copy->arrival == 0)
			copy->arrival = time(NULL);
	}
	pthread_mutex_lock(&q->lock);
	if (copy == NULL || q->count == q->max || q->stop) {
		total = ++q->stats.dropped;
		warn = dmarc_ruf_log_due(&q->dropped_logged_at,
					 &q->dropped_logged, total, &n);
		pthread_mutex_unlock(&q->lock);
		free(copy);
		if (warn)
			log_warnx("DMARC failure reports: the queue is full "
				  "(%zu messages): %llu dropped without a "
				  "report since the last warning; sendmail "
				  "is slower than the failures come",
				  q->max, (unsigned long long)n);
		return -1;
	}
	q->ring[(q->head + q->count) % q->max] = copy;
	q->count++;
	q->seq_in++;
	q->stats.queued++;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* dmarc_ruf_queue_flush - see dmarc_ruf_queue.h */
void
dmarc_ruf_queue_flush(struct dmarc_ruf_queue *q)
{
	uint64_t want;

	pthread_mutex_lock(&q->lock);
	want = q->seq_in;
	while (q->seq_done < want && !q->stop)
		pthread_cond_wait(&q->done, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

/* dmarc_ruf_queue_stats - see dmarc_ruf_queue.h */
void
dmarc_ruf_queue_stats(struct dmarc_ruf_queue *q,
		      struct dmarc_ruf_stats *stats_r)
{
	pthread_mutex_lock(&q->lock);
	*stats_r = q->stats;
	pthread_mutex_unlock(&q->lock);
}

/* dmarc_ruf_queue_free - see dmarc_ruf_queue.h */
void
dmarc_ruf_queue_free(struct dmarc_ruf_queue *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->worker, NULL);
	for (size_t i = 0; i < q->nlimits; i++)
		free(q->limits[i].at);
	dmarc_ruf_cfg_clear(&q->cfg);
	dmarc_ruf_cfg_clear(&q->wcfg);
	explicit_bzero(&q->redactor, sizeof(q->redactor));
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	pthread_cond_destroy(&q->done);
	free(q->ring);
	free(q);
}
