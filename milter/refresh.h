/*
 * refresh.h - the milter process's background thread: reloads passed on
 * by the supervisor (SIGUSR1) and spf: refreshes by TTL, each ending in a
 * new settings snapshot when something changed.
 */
#ifndef TMX_REFRESH_H
#define TMX_REFRESH_H

#include <stddef.h>

#include "spf_source.h"

/*
 * refresh_start - start the thread; from now on it alone uses spf (the
 * store the installed settings were loaded through) and installs new
 * snapshots. SIGUSR1 must be blocked in every thread. 0, or -1 with err.
 */
int refresh_start(const char *path, struct spf_source *spf, char *err,
		  size_t errlen);

#endif
