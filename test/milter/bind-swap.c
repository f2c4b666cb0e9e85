/*
 * bind-swap.c - an LD_PRELOAD shim for metrics-listen.sh: the moment a
 * unix socket is bound at $TMX_BIND_SWAP it is moved aside and a symlink
 * to $TMX_BIND_SWAP_TARGET takes its place, as a local user who may write
 * the socket's directory can do between bind() and whatever the daemon
 * then does to the path. Deterministic where a racing script is not.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef int bind_swap_fn(int, const struct sockaddr *, socklen_t);

/* bind_swap_is_path - sa is the unix address path */
static int
bind_swap_is_path(const struct sockaddr *sa, const char *path)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;

	return sa->sa_family == AF_UNIX && strcmp(sun->sun_path, path) == 0;
}

/* bind - the real bind(), then the swap when the path is the one */
int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	bind_swap_fn *real = (bind_swap_fn *)dlsym(RTLD_NEXT, "bind");
	const char *path = getenv("TMX_BIND_SWAP");
	const char *target = getenv("TMX_BIND_SWAP_TARGET");
	char aside[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	int rc = real(fd, sa, len);

	if (rc < 0 || path == NULL || target == NULL ||
	    !bind_swap_is_path(sa, path))
		return rc;
	snprintf(aside, sizeof(aside), "%s.aside", path);
	if (rename(path, aside) < 0 || symlink(target, path) < 0)
		perror("bind-swap");
	return rc;
}
