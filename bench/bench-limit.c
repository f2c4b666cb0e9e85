/*
 * bench-limit.c - the "no-parse limit" for bench/policyd-run: a server with
 * trustmx-policyd's I/O model (one thread, level-triggered epoll,
 * non-blocking unix and TCP sockets, one read per readiness into a
 * per-connection buffer, every complete request answered into an output
 * buffer, one write to flush it) that finds where each request ends and
 * answers a fixed reply of the right format, parsing and looking up nothing.
 * What trustmx-policyd does beyond this is its cost of answering.
 *
 *   bench-limit [-p unix:PATH | -p inet:HOST:PORT]... [-s LISTEN]...
 *
 * -p listeners speak the policy protocol (the end is the empty line; reply
 * "action=DUNNO"), -s listeners socketmap (the end follows from the
 * netstring length; reply "NOTFOUND "). Stops on SIGTERM or SIGINT.
 * bench-policyd -F checks only the framing of these answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LIMIT_MAX_LISTENERS	8
#define LIMIT_EVENTS		128	/* as trustmx-policyd's loop */
#define LIMIT_BUF_START		1024	/* as policyd/conn.c */
#define LIMIT_BUF_MAX		(100000 + 8)
#define LIMIT_OUT_HIGH		65536	/* stop reading while this much is unsent */
#define LIMIT_POLICY_REPLY	"action=DUNNO\n\n"
#define LIMIT_SOCKETMAP_REPLY	"9:NOTFOUND ,"

enum limit_kind {
	LIMIT_LISTENER = 1,
	LIMIT_SIGNAL,
	LIMIT_CONN,
};

struct limit_listener {
	enum limit_kind kind;	/* first: epoll data points here */
	int fd;
	bool policy;
};

struct limit_conn {
	enum limit_kind kind;	/* first: epoll data points here */
	int fd;
	bool policy;
	char *in;
	size_t inlen, insize;
	size_t scanned;		/* policy: bytes already searched for the end */
	char *out;
	size_t outlen, outoff, outsize;
	bool reading, writing;	/* EPOLLIN, EPOLLOUT on */
};

/* limit_die - report and exit: the benchmark has no limit row without us */
static void
limit_die(const char *what)
{
	fprintf(stderr, "bench-limit: %s: %s\n", what,
		errno ? strerror(errno) : "failed");
	exit(2);
}

/* limit_listen - a non-blocking listener for "unix:PATH" or "inet:HOST:PORT" */
static int
limit_listen(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", spec + 5);
		(void)unlink(sun->sun_path);
		len = sizeof(*sun);
	} else if (strncmp(spec, "inet:", 5) == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		const char *colon = strrchr(spec + 5, ':');
		char host[64];

		if (colon == NULL)
			limit_die("inet: wants HOST:PORT");
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec - 5),
			 spec + 5);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			limit_die("inet: wants an IPv4 address");
		len = sizeof(*sin);
	} else {
		errno = 0;
		limit_die(spec);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		limit_die("socket");
	if (ss.ss_family == AF_INET)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0)
		limit_die(spec);
	return fd;
}

/* limit_events - what epoll waits for on c (one epoll_ctl when it changes) */
static void
limit_events(int ep, struct limit_conn *c, bool in, bool out)
{
	struct epoll_event ev;

	if (c->reading == in && c->writing == out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = (in ? EPOLLIN : 0) | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->reading = in;
	c->writing = out;
}

/* limit_close - forget c */
static void
limit_close(int ep, struct limit_conn *c)
{
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* limit_accept - every client waiting on l */
static void
limit_accept(int ep, struct limit_listener *l)
{
	struct epoll_event ev;
	int fd, i;

	for (i = 0; i < 64; i++) {
		struct limit_conn *c;

		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if ((c = calloc(1, sizeof(*c))) == NULL ||
		    (c->in = malloc(LIMIT_BUF_START)) == NULL)
			limit_die("malloc");
		c->kind = LIMIT_CONN;
		c->fd = fd;
		c->policy = l->policy;
		c->insize = LIMIT_BUF_START;
		c->reading = true;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			limit_die("epoll_ctl");
	}
}

/* limit_send - queue one reply */
static void
limit_send(struct limit_conn *c, const char *data, size_t len)
{
	if (c->outlen + len > c->outsize) {
		c->outsize = (c->outlen + len) * 2;
		if ((c->out = realloc(c->out, c->outsize)) == NULL)
			limit_die("realloc");
	}
	memcpy(c->out + c->outlen, data, len);
	c->outlen += len;
}

/* limit_flush - write what is queued; -1 when the connection is dead */
static int
limit_flush(struct limit_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

/* limit_request_end - bytes of the first whole request in c->in; 0 when
 * more is needed, -1 when it can never end (a malformed netstring) */
static long
limit_request_end(struct limit_conn *c, size_t off)
{
	const char *buf = c->in + off;
	size_t len = c->inlen - off;

	if (c->policy) {
		/* the empty line: "\n\n", or a lone "\n" opening the request */
		size_t from = c->scanned > 0 ? c->scanned - 1 : 0;
		const char *end;

		if (len > 0 && buf[0] == '\n')
			return 1;
		end = memmem(buf + from, len - from, "\n\n", 2);
		if (end == NULL) {
			c->scanned = len;
			return 0;
		}
		c->scanned = 0;
		return end + 2 - buf;
	} else {
		size_t i, n = 0;

		for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9' && i < 7; i++)
			n = n * 10 + (size_t)(buf[i] - '0');
		if (i == len)
			return 0;
		if (i == 0 || buf[i] != ':')
			return -1;
		return len < i + 1 + n + 1 ? 0 : (long)(i + 1 + n + 1);
	}
}

/* limit_process - answer every whole request, then flush; -1 closes */
static int
limit_process(int ep, struct limit_conn *c)
{
	size_t off = 0;
	long n = 0;

	while (off < c->inlen && c->outlen < LIMIT_OUT_HIGH &&
	    (n = limit_request_end(c, off)) > 0) {
		if (c->policy)
			limit_send(c, LIMIT_POLICY_REPLY, strlen(LIMIT_POLICY_REPLY));
		else
			limit_send(c, LIMIT_SOCKETMAP_REPLY,
				   strlen(LIMIT_SOCKETMAP_REPLY));
		off += (size_t)n;
	}
	if (n < 0)
		return -1;
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	if (limit_flush(c) < 0)
		return -1;
	limit_events(ep, c, c->outlen < LIMIT_OUT_HIGH, c->outlen > 0);
	return 0;
}

/* limit_readable - one read, then answer what is whole */
static int
limit_readable(int ep, struct limit_conn *c)
{
	ssize_t n;

	if (c->inlen == c->insize) {
		if (c->insize >= LIMIT_BUF_MAX)
			return -1;
		c->insize = c->insize * 2 > LIMIT_BUF_MAX ? LIMIT_BUF_MAX :
		    c->insize * 2;
		if ((c->in = realloc(c->in, c->insize)) == NULL)
			limit_die("realloc");
	}
	n = read(c->fd, c->in + c->inlen, c->insize - c->inlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	c->inlen += (size_t)n;
	return limit_process(ep, c);
}

/* main - listen, then serve until SIGTERM or SIGINT */
int
main(int argc, char **argv)
{
	struct limit_listener listeners[LIMIT_MAX_LISTENERS];
	struct epoll_event ev, events[LIMIT_EVENTS];
	enum limit_kind signal_tag = LIMIT_SIGNAL;
	size_t nlisteners = 0, i;
	sigset_t set;
	int ep, sfd, ch, n;
	bool quit = false;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "p:s:")) != -1) {
		if ((ch != 'p' && ch != 's') || nlisteners == LIMIT_MAX_LISTENERS) {
			fprintf(stderr, "usage: bench-limit [-p LISTEN]... [-s LISTEN]...\n");
			return 2;
		}
		listeners[nlisteners].kind = LIMIT_LISTENER;
		listeners[nlisteners].policy = ch == 'p';
		listeners[nlisteners].fd = limit_listen(optarg);
		nlisteners++;
	}
	if (nlisteners == 0 || optind != argc) {
		fprintf(stderr, "usage: bench-limit [-p LISTEN]... [-s LISTEN]...\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		limit_die("signalfd/epoll");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &signal_tag;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0)
		limit_die("epoll_ctl");
	for (i = 0; i < nlisteners; i++) {
		ev.data.ptr = &listeners[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, listeners[i].fd, &ev) < 0)
			limit_die("epoll_ctl");
	}
	printf("bench-limit: listening\n");
	fflush(stdout);
	while (!quit) {
		n = epoll_wait(ep, events, LIMIT_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			limit_die("epoll_wait");
		for (i = 0; n > 0 && i < (size_t)n; i++) {
			enum limit_kind kind = *(enum limit_kind *)events[i].data.ptr;
			struct limit_conn *c = events[i].data.ptr;
			int rc = 0;

			if (kind == LIMIT_SIGNAL) {
				quit = true;
			} else if (kind == LIMIT_LISTENER) {
				limit_accept(ep, events[i].data.ptr);
			} else {
				if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					rc = limit_readable(ep, c);
				else if (events[i].events & EPOLLOUT)
					rc = limit_flush(c) < 0 ? -1 :
					    limit_process(ep, c);
				if (rc < 0)
					limit_close(ep, c);
			}
		}
	}
	for (i = 0; i < nlisteners; i++)
		close(listeners[i].fd);
	return 0;
}
