/*
 * proxy_io.c - read exactly one PROXY header from a connected stream socket
 * before a deadline, and never an application byte: peek to decide, then
 * consume only bytes known to belong to the header.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "trustmx/proxy.h"
#include "trustmx/trust.h"
#include "bytes.h"
#include "tmx-private.h"

#define PROXY_IO_V1_SIGLEN	6	/* "PROXY " */
#define PROXY_IO_NAP_MS		10	/* while only a signature prefix is in */

/* One read in progress: the socket, the deadline, what is consumed. */
struct proxy_io {
	int fd;
	int64_t deadline;	/* CLOCK_MONOTONIC ms; -1: none */
	uint8_t *buf;
	size_t size, have;
	const char *error;
	int saved_errno;
};

/* proxy_io_now - CLOCK_MONOTONIC in milliseconds */
static int64_t
proxy_io_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* proxy_io_left - milliseconds before the deadline; -1 means no deadline */
static int
proxy_io_left(const struct proxy_io *io)
{
	int64_t left;

	if (io->deadline < 0)
		return -1;
	left = io->deadline - proxy_io_now();
	if (left < 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

/* proxy_io_status - record the reason (and errno) for a final status */
static enum tmx_proxy_read_status
proxy_io_status(struct proxy_io *io, enum tmx_proxy_read_status status,
		const char *reason)
{
	if (status == TMX_PROXY_READ_ERROR)
		io->saved_errno = errno;
	io->error = reason;
	return status;
}

/*
 * proxy_io_wait - wait until the socket is readable (or hangs up) or the
 * deadline passes. Returns READ_OK to go on, or a final status.
 */
static enum tmx_proxy_read_status
proxy_io_wait(struct proxy_io *io)
{
	struct pollfd pfd;
	int left, n;

	for (;;) {
		left = proxy_io_left(io);
		if (left == 0)
			return proxy_io_status(io, TMX_PROXY_READ_TIMEOUT,
			    "timed out before a whole PROXY header");
		pfd.fd = io->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return TMX_PROXY_READ_OK;
		if (n < 0 && errno != EINTR)
			return proxy_io_status(io, TMX_PROXY_READ_ERROR,
			    "poll failed");
	}
}

/*
 * proxy_io_nap - the bytes waiting are only a signature prefix, so poll
 * would say "readable" at once: sleep a little instead. When the peer has
 * shut down its side, say so (*closing_r) rather than sleep: the caller
 * peeks once more, since bytes may have come just before the shutdown.
 */
static enum tmx_proxy_read_status
proxy_io_nap(struct proxy_io *io, bool *closing_r)
{
	struct pollfd pfd;
	struct timespec ts;
	int left;

	pfd.fd = io->fd;
	pfd.events = POLLIN | POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP))) {
		*closing_r = true;
		return TMX_PROXY_READ_OK;
	}
	left = proxy_io_left(io);
	if (left == 0)
		return proxy_io_status(io, TMX_PROXY_READ_TIMEOUT,
		    "timed out before a whole PROXY header");
	if (left < 0 || left > PROXY_IO_NAP_MS)
		left = PROXY_IO_NAP_MS;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)left * 1000000;
	nanosleep(&ts, NULL);
	return TMX_PROXY_READ_OK;
}

/*
 * proxy_io_recv - one recv without blocking. Returns the byte count (> 0),
 * 0 when nothing is there yet, or -1 with *status_r final (EOF, error).
 */
static ssize_t
proxy_io_recv(struct proxy_io *io, void *buf, size_t len, int flags,
	      enum tmx_proxy_read_status *status_r)
{
	ssize_t n;

	for (;;) {
		n = recv(io->fd, buf, len, flags | MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0) {
			*status_r = proxy_io_status(io, TMX_PROXY_READ_EOF,
			    "peer closed before a whole PROXY header");
			return -1;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR) {
			*status_r = proxy_io_status(io, TMX_PROXY_READ_ERROR,
			    "recv failed");
			return -1;
		}
	}
}

/* proxy_io_consume - take exactly the next n header bytes into buf */
static enum tmx_proxy_read_status
proxy_io_consume(struct proxy_io *io, size_t n)
{
	enum tmx_proxy_read_status status;
	ssize_t got;

	while (n > 0) {
		got = proxy_io_recv(io, io->buf + io->have, n, 0, &status);
		if (got < 0)
			return status;
		if (got == 0) {
			if ((status = proxy_io_wait(io)) != TMX_PROXY_READ_OK)
				return status;
			continue;
		}
		io->have += (size_t)got;
		n -= (size_t)got;
	}
	return TMX_PROXY_READ_OK;
}

/* proxy_io_too_big - the header does not fit the caller's buffer */
static enum tmx_proxy_read_status
proxy_io_too_big(struct proxy_io *io)
{
	return proxy_io_status(io, TMX_PROXY_READ_INVALID,
	    "PROXY header larger than the buffer");
}

/*
 * proxy_io_sniff - peek until the first bytes are surely a v1 or v2
 * signature (*sniff_r) or surely not one (READ_NONE, nothing consumed).
 * peek holds what was seen, *n_r its length.
 */
static enum tmx_proxy_read_status
proxy_io_sniff(struct proxy_io *io, uint8_t *peek, size_t peeklen,
	       size_t *n_r, enum tmx_proxy_sniff *sniff_r)
{
	enum tmx_proxy_read_status status;
	enum tmx_proxy_sniff sniff;
	bool closing = false;
	ssize_t n;

	for (;;) {
		n = proxy_io_recv(io, peek, peeklen, MSG_PEEK, &status);
		if (n < 0)
			return status;
		if (n == 0) {
			if ((status = proxy_io_wait(io)) != TMX_PROXY_READ_OK)
				return status;
			continue;
		}
		sniff = tmx_proxy_sniff(peek, (size_t)n);
		if (sniff == TMX_PROXY_SNIFF_NONE)
			return proxy_io_status(io, TMX_PROXY_READ_NONE,
			    "no PROXY header");
		/* commit once "PROXY " or the whole v2 fixed part is in */
		if ((sniff == TMX_PROXY_SNIFF_V1 &&
		    (size_t)n >= PROXY_IO_V1_SIGLEN) ||
		    (sniff == TMX_PROXY_SNIFF_V2 &&
		    (size_t)n >= TMX_PROXY_V2_HDRLEN)) {
			*n_r = (size_t)n;
			*sniff_r = sniff;
			return TMX_PROXY_READ_OK;
		}
		if (closing)
			return proxy_io_status(io, TMX_PROXY_READ_EOF,
			    "peer closed before a whole PROXY header");
		if ((status = proxy_io_nap(io, &closing)) != TMX_PROXY_READ_OK)
			return status;
	}
}

/* proxy_io_parse - parse the consumed bytes, which must be one header */
static enum tmx_proxy_read_status
proxy_io_parse(struct proxy_io *io, unsigned flags,
	       struct tmx_proxy_hdr *hdr_r)
{
	enum tmx_proxy_status ps;
	const char *reason = NULL;
	size_t n = 0;

	ps = tmx_proxy_parse(io->buf, io->have, flags, hdr_r, &n, &reason);
	if (ps == TMX_PROXY_OK && n == io->have)
		return proxy_io_status(io, TMX_PROXY_READ_OK,
		    "PROXY header read");
	if (ps == TMX_PROXY_INVALID)
		return proxy_io_status(io, TMX_PROXY_READ_INVALID,
		    reason != NULL ? reason : "malformed PROXY header");
	return proxy_io_status(io, TMX_PROXY_READ_INVALID,
	    "PROXY header length does not match its content");
}

/* proxy_io_check - READ_INVALID if the parser already refuses a prefix */
static enum tmx_proxy_read_status
proxy_io_check(struct proxy_io *io, const uint8_t *bytes, size_t len,
	       unsigned flags, struct tmx_proxy_hdr *hdr_r)
{
	const char *reason = NULL;
	size_t n = 0;

	if (tmx_proxy_parse(bytes, len, flags, hdr_r, &n, &reason) !=
	    TMX_PROXY_INVALID)
		return TMX_PROXY_READ_OK;
	return proxy_io_status(io, TMX_PROXY_READ_INVALID,
	    reason != NULL ? reason : "malformed PROXY header");
}

/* proxy_io_v2 - consume the fixed part, then exactly the announced length */
static enum tmx_proxy_read_status
proxy_io_v2(struct proxy_io *io, const uint8_t *peek, unsigned flags,
	    struct tmx_proxy_hdr *hdr_r)
{
	enum tmx_proxy_read_status status;
	size_t total;

	total = TMX_PROXY_V2_HDRLEN + tmx_get_be16(peek + 14);
	if (total > io->size)
		return proxy_io_too_big(io);
	if ((status = proxy_io_consume(io, total)) != TMX_PROXY_READ_OK)
		return status;
	return proxy_io_parse(io, flags, hdr_r);
}

/*
 * proxy_io_v1 - consume the line up to and including its LF, at most
 * TMX_PROXY_V1_MAX bytes: every byte before the LF belongs to the line.
 */
static enum tmx_proxy_read_status
proxy_io_v1(struct proxy_io *io, unsigned flags, struct tmx_proxy_hdr *hdr_r)
{
	enum tmx_proxy_read_status status;
	size_t room, take;
	const uint8_t *lf;
	ssize_t n;

	for (;;) {
		room = TMX_PROXY_V1_MAX - io->have;
		if (room > io->size - io->have)
			room = io->size - io->have;
		if (room == 0)
			return io->size < TMX_PROXY_V1_MAX ?
			    proxy_io_too_big(io) :
			    proxy_io_status(io, TMX_PROXY_READ_INVALID,
			    "PROXY v1 header without CRLF");
		n = proxy_io_recv(io, io->buf + io->have, room, MSG_PEEK,
				  &status);
		if (n < 0)
			return status;
		if (n == 0) {
			if ((status = proxy_io_wait(io)) != TMX_PROXY_READ_OK)
				return status;
			continue;
		}
		lf = memchr(io->buf + io->have, '\n', (size_t)n);
		take = lf != NULL ? (size_t)(lf - (io->buf + io->have)) + 1 :
		    (size_t)n;
		if ((status = proxy_io_consume(io, take)) != TMX_PROXY_READ_OK)
			return status;
		if (lf != NULL)
			return proxy_io_parse(io, flags, hdr_r);
		/* a line already malformed need not wait for its end */
		if ((status = proxy_io_check(io, io->buf, io->have, flags,
		    hdr_r)) != TMX_PROXY_READ_OK)
			return status;
	}
}

/* proxy_io_run - the whole read: sniff, early verdict, then one version */
static enum tmx_proxy_read_status
proxy_io_run(struct proxy_io *io, unsigned flags, struct tmx_proxy_hdr *hdr_r)
{
	uint8_t peek[TMX_PROXY_V2_HDRLEN];
	enum tmx_proxy_read_status status;
	enum tmx_proxy_sniff sniff;
	size_t n = 0;

	status = proxy_io_sniff(io, peek, sizeof(peek), &n, &sniff);
	if (status != TMX_PROXY_READ_OK)
		return status;
	/* refuse what the parser already refuses, before consuming a byte */
	status = proxy_io_check(io, peek, n, flags, hdr_r);
	if (status != TMX_PROXY_READ_OK)
		return status;
	if (sniff == TMX_PROXY_SNIFF_V2)
		return proxy_io_v2(io, peek, flags, hdr_r);
	return proxy_io_v1(io, flags, hdr_r);
}

/*
 * tmx_proxy_read - wait up to timeout_ms in all (negative: no limit) for
 * one header and consume exactly its bytes. READ_NONE consumes nothing.
 */
TMX_EXPORT enum tmx_proxy_read_status
tmx_proxy_read(int fd, int timeout_ms, unsigned flags, uint8_t *buf,
	       size_t size, struct tmx_proxy_hdr *hdr_r, const char **error_r)
{
	enum tmx_proxy_read_status status;
	struct tmx_proxy_hdr scratch;
	struct proxy_io io;

	if (hdr_r == NULL)
		hdr_r = &scratch;
	memset(&io, 0, sizeof(io));
	io.fd = fd;
	io.deadline = timeout_ms < 0 ? -1 : proxy_io_now() + timeout_ms;
	io.buf = buf;
	io.size = buf != NULL ? size : 0;
	status = proxy_io_run(&io, flags, hdr_r);
	if (error_r != NULL)
		*error_r = io.error;
	if (status == TMX_PROXY_READ_ERROR)
		errno = io.saved_errno;
	return status;
}

/* tmx_proxy_read_status_name - "ok", "none", "invalid", ... */
TMX_EXPORT const char *
tmx_proxy_read_status_name(enum tmx_proxy_read_status status)
{
	switch (status) {
	case TMX_PROXY_READ_OK:
		return "ok";
	case TMX_PROXY_READ_NONE:
		return "none";
	case TMX_PROXY_READ_INVALID:
		return "invalid";
	case TMX_PROXY_READ_TIMEOUT:
		return "timeout";
	case TMX_PROXY_READ_EOF:
		return "eof";
	case TMX_PROXY_READ_ERROR:
		return "error";
	}
	return "unknown";
}
