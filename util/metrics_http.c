/*
 * metrics_http.c - the /metrics endpoint on libmicrohttpd. The listening
 * socket is made here (a unix one too: MHD binds only inet) and handed to
 * MHD, which serves it from one internal polling thread with a cap on
 * connections and an idle timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics_http.h"

#define METRICS_HTTP_BACKLOG	16
#define METRICS_HTTP_CONTENT_TYPE	"text/plain; version=0.0.4"

struct metrics_http {
	struct MHD_Daemon *mhd;
	int fd;
	struct metrics_addr addr;
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

/* metrics_http_unix - a listening unix socket at path, stale one removed */
static int
metrics_http_unix(const char *path, const char **error_r)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return metrics_http_fail(error_r, 0,
			    "exists and is not a socket");
		/* in use by a running process: leave it alone */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			return metrics_http_fail(error_r, 0,
			    "in use by another process");
		}
		if (probe >= 0)
			close(probe);
		if (unlink(path) < 0)
			return metrics_http_fail(error_r, errno,
			    "removing the stale socket");
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return metrics_http_fail(error_r, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		metrics_http_fail(error_r, errno, "bind");
		close(fd);
		return -1;
	}
	if (chmod(path, METRICS_HTTP_SOCKET_MODE) < 0 ||
	    listen(fd, METRICS_HTTP_BACKLOG) < 0) {
		metrics_http_fail(error_r, errno, "chmod/listen");
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* metrics_http_inet - a listening TCP socket on host:port */
static int
metrics_http_inet(const struct metrics_addr *a, const char **error_r)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, on = 1, rc, err = 0;
	const char *host = strcmp(a->host, "*") == 0 ? NULL : a->host;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, a->port, &hints, &res)) != 0)
		return metrics_http_fail(error_r, 0, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, METRICS_HTTP_BACKLOG) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return metrics_http_fail(error_r, err, "bind");
	return fd;
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
metrics_http_start(const char *text, metrics_http_render_fn *render,
		   void *ctx, const char **error_r)
{
	struct metrics_http *http;

	if ((http = calloc(1, sizeof(*http))) == NULL) {
		metrics_http_fail(error_r, ENOMEM, "metrics");
		return NULL;
	}
	http->render = render;
	http->ctx = ctx;
	if (metrics_addr_parse(text, &http->addr, error_r) < 0) {
		free(http);
		return NULL;
	}
	http->fd = http->addr.is_unix ?
	    metrics_http_unix(http->addr.path, error_r) :
	    metrics_http_inet(&http->addr, error_r);
	if (http->fd < 0) {
		free(http);
		return NULL;
	}
	http->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_AUTO, 0, NULL, NULL, metrics_http_answer, http,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)http->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_END);
	if (http->mhd == NULL) {
		metrics_http_fail(error_r, 0, "libmicrohttpd did not start");
		close(http->fd);
		if (http->addr.is_unix)
			unlink(http->addr.path);
		free(http);
		return NULL;
	}
	return http;
}

/* metrics_http_stop - see metrics_http.h */
void
metrics_http_stop(struct metrics_http *http)
{
	if (http == NULL)
		return;
	/* MHD closes the listening socket it was given */
	MHD_stop_daemon(http->mhd);
	if (http->addr.is_unix)
		unlink(http->addr.path);
	free(http);
}
