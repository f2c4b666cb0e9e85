/*
 * metrics_http.h - the /metrics endpoint of a daemon: libmicrohttpd with
 * its own polling thread (never a mail-path thread), on the listener
 * metrics_listen_open made; GET /metrics only, few connections, short
 * timeouts, so that a slow or broken scraper costs nothing else.
 */
#ifndef TMX_METRICS_HTTP_H
#define TMX_METRICS_HTTP_H

#include <stdbool.h>
#include <sys/types.h>

#include "metrics.h"

#define METRICS_HTTP_CONNECTIONS	16	/* at once; more wait in the
						 * kernel's backlog */
#define METRICS_HTTP_TIMEOUT		10	/* seconds a connection may idle */

/* What the endpoint serves: the daemon appends its families to out */
typedef void metrics_http_render_fn(void *ctx, struct metrics_buf *out);

struct metrics_http;

/*
 * metrics_http_start - serve render's output on the listening socket fd
 * from a thread of its own (start it with the daemon's signals blocked:
 * the thread inherits the mask). fd stays the caller's: MHD serves a
 * copy. NULL with *error_r (valid until the next call in this thread).
 */
struct metrics_http *metrics_http_start(int fd,
					metrics_http_render_fn *render,
					void *ctx, const char **error_r);

/* metrics_http_stop - stop serving; the caller's socket stays open */
void metrics_http_stop(struct metrics_http *http);

#endif
