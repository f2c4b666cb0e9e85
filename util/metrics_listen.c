/*
 * metrics_listen.c - opening the /metrics listener. Whatever already
 * holds the address is a reason to stop, not to run without metrics: a
 * local user who got there first would otherwise answer the scrapers.
 * A unix socket is made by a child process as the daemon's user, under a
 * umask that gives it its mode at bind(), and passed back over a socket
 * pair: nothing is ever done to the path after bind(), so a symlink
 * swapped in by whoever may write the directory is never followed.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "metrics_listen.h"

#define METRICS_LISTEN_BACKLOG	16

/* What the child that makes a unix socket sends back with it */
struct metrics_listen_made {
	int ok;
	dev_t dev;
	ino_t ino;
	char error[224];
};

static __thread char metrics_listen_error[512];

/* metrics_listen_say - buf = what (": " strerror(err) when err > 0); -1 */
static int
metrics_listen_say(char *buf, size_t size, int err, const char *what)
{
	if (err > 0)
		snprintf(buf, size, "%s: %s", what, strerror(err));
	else
		snprintf(buf, size, "%s", what);
	return -1;
}

/*
 * metrics_listen_unix_free - the path is free to bind: nothing there, or
 * a stale socket, removed. A socket is stale only when a connection to it
 * is refused (nobody listens); one that accepts, or would but for a full
 * backlog, is in use, and one that cannot be asked (EACCES: another
 * user's) is left alone too.
 */
static int
metrics_listen_unix_free(const struct sockaddr_un *sun,
			 struct metrics_listen_made *m)
{
	const char *path = sun->sun_path;
	struct stat st;
	int probe, rc, err;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : metrics_listen_say(m->error,
		    sizeof(m->error), errno, "lstat");
	if (!S_ISSOCK(st.st_mode))
		return metrics_listen_say(m->error, sizeof(m->error), 0,
		    "exists and is not a socket");
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return metrics_listen_say(m->error, sizeof(m->error), errno,
		    "socket");
	rc = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
	err = errno;
	close(probe);
	if (rc == 0 || err == EINPROGRESS || err == EAGAIN)
		return metrics_listen_say(m->error, sizeof(m->error), 0,
		    "in use by another process");
	if (err == ENOENT)	/* gone since lstat */
		return 0;
	if (err != ECONNREFUSED)
		return metrics_listen_say(m->error, sizeof(m->error), err,
		    "a socket this user cannot probe is there; left alone");
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return metrics_listen_say(m->error, sizeof(m->error), 0,
		    "changed while it was probed; left alone");
	if (unlink(path) < 0)
		return metrics_listen_say(m->error, sizeof(m->error), errno,
		    "removing the stale socket");
	return 0;
}

/*
 * metrics_listen_unix_make - in the child: a listening socket at path,
 * mode METRICS_LISTEN_SOCKET_MODE; -1 with m->error
 */
static int
metrics_listen_unix_make(const char *path, struct metrics_listen_made *m)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (metrics_listen_unix_free(&sun, m) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return metrics_listen_say(m->error, sizeof(m->error), errno,
		    "socket");
	/* umask is the process's: this child has one thread and exits once
	 * the socket is passed on, so nothing else is made with this one */
	umask(~(mode_t)METRICS_LISTEN_SOCKET_MODE & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, METRICS_LISTEN_BACKLOG) < 0) {
		metrics_listen_say(m->error, sizeof(m->error), errno, "bind");
		close(fd);
		return -1;
	}
	/* the file to remove at the end; refused if it is not ours already */
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(fd);
		return metrics_listen_say(m->error, sizeof(m->error), 0,
		    "replaced by something else right after it was made");
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	m->ok = 1;
	return fd;
}

/* metrics_listen_send - m, and fd when >= 0, to the parent over sock */
static void
metrics_listen_send(int sock, const struct metrics_listen_made *m, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* metrics_listen_receive - m and the descriptor with it (-1: none) */
static int
metrics_listen_receive(int sock, struct metrics_listen_made *m)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd = -1;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 &&
	       errno == EINTR)
		;
	cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET &&
	    cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	if (n != (ssize_t)sizeof(*m) || !m->ok || fd < 0) {
		if (n != (ssize_t)sizeof(*m))
			metrics_listen_say(m->error, sizeof(m->error), 0,
			    "the process making the socket failed");
		if (fd >= 0)
			close(fd);
		m->ok = 0;
		return -1;
	}
	return fd;
}

/* metrics_listen_child - become pw, make the socket, send it: never returns */
static void __attribute__((noreturn))
metrics_listen_child(const char *path, const struct passwd *pw, int sock)
{
	struct metrics_listen_made m = { 0 };
	const char *why;
	char what[160];
	int fd = -1;

	if (daemon_become(pw, &why) < 0) {
		snprintf(what, sizeof(what), "cannot become %s: %s",
			 pw->pw_name, why);
		metrics_listen_say(m.error, sizeof(m.error), errno, what);
	} else {
		fd = metrics_listen_unix_make(path, &m);
	}
	metrics_listen_send(sock, &m, fd);
	_exit(0);
}

/* metrics_listen_unix - l_r's socket at its path, made by a child as pw */
static int
metrics_listen_unix(const struct passwd *pw, struct metrics_listener *l_r)
{
	struct metrics_listen_made m = { 0 };
	int sv[2], status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return metrics_listen_say(metrics_listen_error,
		    sizeof(metrics_listen_error), errno, "socketpair");
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return metrics_listen_say(metrics_listen_error,
		    sizeof(metrics_listen_error), errno, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		metrics_listen_child(l_r->addr.path, pw, sv[1]);
	}
	close(sv[1]);
	l_r->fd = metrics_listen_receive(sv[0], &m);
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (l_r->fd < 0)
		return metrics_listen_say(metrics_listen_error,
		    sizeof(metrics_listen_error), 0, m.error);
	l_r->dev = m.dev;
	l_r->ino = m.ino;
	return 0;
}

/*
 * metrics_listen_inet - l_r's TCP socket. Every address a name gives is
 * tried until one binds, but one that is in use stops it: whoever holds
 * it would get the scrapes that go there.
 */
static int
metrics_listen_inet(struct metrics_listener *l_r)
{
	const struct metrics_addr *a = &l_r->addr;
	const char *host = strcmp(a->host, "*") == 0 ? NULL : a->host;
	struct addrinfo hints, *res, *ai;
	int fd = -1, on = 1, rc, err = 0;
	char what[320];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, a->port, &hints, &res)) != 0)
		return metrics_listen_say(metrics_listen_error,
		    sizeof(metrics_listen_error), 0, gai_strerror(rc));
	for (ai = res; ai != NULL && err != EADDRINUSE; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, METRICS_LISTEN_BACKLOG) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		l_r->fd = fd;
		return 0;
	}
	snprintf(what, sizeof(what), "cannot listen on %s port %s%s",
		 host != NULL ? host : "*", a->port, err == EADDRINUSE ?
		 " (in use by another process)" : "");
	return metrics_listen_say(metrics_listen_error,
	    sizeof(metrics_listen_error), err, what);
}

/* metrics_listen_open - see metrics_listen.h */
int
metrics_listen_open(const char *text, const struct passwd *pw,
		    struct metrics_listener *l_r, const char **error_r)
{
	int rc;

	memset(l_r, 0, sizeof(*l_r));
	l_r->fd = -1;
	if (metrics_addr_parse(text, &l_r->addr, error_r) < 0)
		return -1;
	rc = l_r->addr.is_unix ? metrics_listen_unix(pw, l_r) :
	    metrics_listen_inet(l_r);
	if (rc < 0)
		*error_r = metrics_listen_error;
	return rc;
}

/* metrics_listen_close - see metrics_listen.h */
void
metrics_listen_close(struct metrics_listener *l)
{
	struct stat st;

	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	if (l->addr.is_unix && lstat(l->addr.path, &st) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->addr.path);
}
