/*
 * metrics_listen.h - the listening socket of a daemon's /metrics endpoint,
 * opened once at the start, before root is dropped and before any thread
 * or milter process, and kept until the daemon stops: the address is
 * never free while the daemon runs, and one that another process holds
 * stops the start instead of letting it serve the scrapers.
 */
#ifndef TMX_METRICS_LISTEN_H
#define TMX_METRICS_LISTEN_H

#include <pwd.h>
#include <sys/types.h>

#include "metrics_addr.h"

#define METRICS_LISTEN_SOCKET_MODE	0660	/* a unix socket, as made */

/* An open listener; fd -1 when none */
struct metrics_listener {
	int fd;
	struct metrics_addr addr;
	dev_t dev;		/* unix: the socket file made, which */
	ino_t ino;		/* metrics_listen_close removes */
};

/*
 * metrics_listen_open - a listening socket for text (*_metrics_listen).
 * TCP is bound by this process. A unix socket is made by a child process
 * that first becomes pw (when this one is root and pw is not NULL), so
 * that it belongs to the daemon's user with mode 0660 from the start; a
 * stale socket (nobody listening) is replaced, anything else at the path
 * refused. Forks: call it before any thread starts. 0, or -1 with
 * *error_r (valid until the next call in this thread).
 */
int metrics_listen_open(const char *text, const struct passwd *pw,
			struct metrics_listener *l_r, const char **error_r);

/*
 * metrics_listen_close - close l's socket; a unix one's file is removed
 * if it is still the one that was made. Nothing when l->fd is -1.
 */
void metrics_listen_close(struct metrics_listener *l);

#endif
