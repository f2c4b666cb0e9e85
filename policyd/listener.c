/*
 * listener.c - the daemon's listening sockets: unix sockets created mode
 * 0660 after removing a stale socket (never another kind of file), inet
 * sockets with SO_REUSEADDR. Every socket is non-blocking and close-on-exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "policyd.h"
#include "xalloc.h"

#define LISTENER_BACKLOG	1024

/* listener_in_use - does something accept connections on the socket */
static bool
listener_in_use(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	/* refused: nobody listens, the socket is stale */
	return rc == 0 || (errno != ECONNREFUSED && errno != ENOENT);
}

/* listener_unlink_stale - remove an old socket at path; -1 if not a socket */
static int
listener_unlink_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if (listener_in_use(path)) {
		snprintf(err, errlen, "%s is in use by a running process", path);
		return -1;
	}
	if (unlink(path) < 0) {
		snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* listener_bind_unix - socket, bind with mode (0660 by default), listen */
static int
listener_bind_unix(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, rc;

	if (listener_unlink_stale(path, err, errlen) < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* the umask decides the mode bind gives the socket: no window at 0777 */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || chmod(path, mode) < 0 || listen(fd, LISTENER_BACKLOG) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* listener_bind_inet - socket, bind, listen on an inet address */
static int
listener_bind_inet(const struct pd_listen *spec, char *err, size_t errlen)
{
	int fd, on = 1;

	fd = socket(spec->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", spec->spec, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (spec->ss.ss_family == AF_INET6) {
		int off = 0;

		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	}
	if (bind(fd, (const struct sockaddr *)&spec->ss, spec->sslen) < 0 ||
	    listen(fd, LISTENER_BACKLOG) < 0) {
		snprintf(err, errlen, "%s: %s", spec->spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* listener_open - open one listener; the spec is copied into *l_r */
int
listener_open(const struct pd_listen *spec, mode_t mode, struct listener *l_r,
	      char *err, size_t errlen)
{
	int fd = spec->is_unix ? listener_bind_unix(spec->path, mode, err,
						    errlen) :
	    listener_bind_inet(spec, err, errlen);

	if (fd < 0)
		return -1;
	l_r->fd = fd;
	l_r->spec = *spec;
	l_r->spec.spec = xstrdup(spec->spec);
	l_r->spec.path = spec->path ? xstrdup(spec->path) : NULL;
	return 0;
}

/* listener_chown - give a unix socket to the user the daemon becomes */
int
listener_chown(const struct listener *l, uid_t uid, gid_t gid)
{
	if (!l->spec.is_unix)
		return 0;
	return chown(l->spec.path, uid, gid);
}

/* listener_close - close, and remove a unix socket we made */
void
listener_close(struct listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->spec.is_unix && l->spec.path != NULL)
		(void)unlink(l->spec.path);
	free(l->spec.spec);
	free(l->spec.path);
	l->spec.spec = l->spec.path = NULL;
}
