/*
 * metrics_http.c - the /metrics endpoint on libmicrohttpd: MHD serves a
 * copy of a listening socket the daemon opened at its start
 * (metrics_listen.c) from one internal polling thread, with a cap on
 * connections and an idle timeout. The socket may be shared with other
 * processes (the milter's supervisor holds it while a milter process is
 * replaced), so MHD is made to give it back before it stops, never to
 * shut it down.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics_http.h"

#define METRICS_HTTP_CONTENT_TYPE	"text/plain; version=0.0.4"

struct metrics_http {
	struct MHD_Daemon *mhd;
	metrics_http_render_fn *render;
	void *ctx;
};

static __thread char metrics_http_error[256];

/* metrics_http_fail - *error_r = formatted text (with errno when > 0) */
static int
metrics_http_fail(const char **error_r, int err, const char *what)
{
	if (err > 0)
		snprintf(metrics_http_error, sizeof(metrics_http_error),
			 "%s: %s", what, strerror(err));
	else
		snprintf(metrics_http_error, sizeof(metrics_http_error), "%s",
			 what);
	*error_r = metrics_http_error;
	return -1;
}

/* metrics_http_reply - queue a fixed short answer with status */
static enum MHD_Result
metrics_http_reply(struct MHD_Connection *conn, unsigned status,
		   const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* metrics_http_answer - MHD's request handler: GET /metrics, else 404/405 */
static enum MHD_Result
metrics_http_answer(void *cls, struct MHD_Connection *conn, const char *url,
		    const char *method, const char *version,
		    const char *upload_data, size_t *upload_data_size,
		    void **con_cls)
{
	struct metrics_http *http = cls;
	struct metrics_buf out = { 0 };
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if (strcmp(url, "/metrics") != 0)
		return metrics_http_reply(conn, MHD_HTTP_NOT_FOUND,
					  "not found: try /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return metrics_http_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
					  "method not allowed: GET only\n");
	http->render(http->ctx, &out);
	if (out.failed || out.data == NULL) {
		metrics_buf_free(&out);
		return metrics_http_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "out of memory\n");
	}
	/* MHD frees out.data with free() once sent */
	resp = MHD_create_response_from_buffer(out.len, out.data,
					       MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		metrics_buf_free(&out);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				METRICS_HTTP_CONTENT_TYPE);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* metrics_http_start - see metrics_http.h */
struct metrics_http *
metrics_http_start(int fd, metrics_http_render_fn *render, void *ctx,
		   const char **error_r)
{
	struct metrics_http *http;
	int copy;

	if ((http = calloc(1, sizeof(*http))) == NULL) {
		metrics_http_fail(error_r, ENOMEM, "metrics");
		return NULL;
	}
	http->render = render;
	http->ctx = ctx;
	if ((copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		metrics_http_fail(error_r, errno, "dup");
		free(http);
		return NULL;
	}
	/* the copy is MHD's from here on, also when it cannot start;
	 * MHD_USE_ITC wakes its thread at the stop without a shutdown() */
	http->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_AUTO | MHD_USE_ITC, 0, NULL, NULL, metrics_http_answer,
	    http, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)copy,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_END);
	if (http->mhd == NULL) {
		metrics_http_fail(error_r, 0, "libmicrohttpd did not start");
		free(http);
		return NULL;
	}
	return http;
}

/* metrics_http_stop - see metrics_http.h */
void
metrics_http_stop(struct metrics_http *http)
{
	MHD_socket copy;

	if (http == NULL)
		return;
	/* the socket back first: a shutdown() would end it for every
	 * process that shares it */
	copy = MHD_quiesce_daemon(http->mhd);
	MHD_stop_daemon(http->mhd);
	if (copy != MHD_INVALID_SOCKET)
		close(copy);
	free(http);
}
