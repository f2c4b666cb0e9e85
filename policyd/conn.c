/*
 * conn.c - what the event loop does with one client connection: buffer
 * what arrives, take the PROXY v2 header on listeners marked "haproxy",
 * answer every complete socketmap or policy request, and close on
 * malformed input. Never blocks: reads and writes are non-blocking.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <trustmx/proxy.h>
#include <trustmx/trust.h>

#include "conn.h"
#include "log.h"
#include "pd_metrics.h"
#include "socketmap.h"
#include "xalloc.h"

#define CONN_BUF_START	1024
#define CONN_OUT_HIGH	65536	/* stop reading while this much is unsent */
#define CONN_HEADER_MAX	(TMX_PROXY_V2_MAX)

/*
 * conn_read, conn_write - read(2) and write(2) without glibc's cancellation
 * bookkeeping, which a process with threads pays on every call (an
 * enable/disable pair, ~90 instructions a request); no thread here is
 * ever cancelled
 */
static ssize_t
conn_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static ssize_t
conn_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

/* conn_new - a connection for an accepted fd (the loop arms it) */
struct conn *
conn_new(struct loop *lp, int fd, const struct listener *l,
	 const struct sockaddr_storage *peer, const char *peer_text)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	socklen_t len = sizeof(c->local_ss);

	c->kind = LOOP_CONN;
	c->fd = fd;
	c->listener = l;
	c->stage = l->spec.haproxy ? CONN_HEADER : CONN_REQUEST;
	c->peer_ss = *peer;
	if (getsockname(fd, (struct sockaddr *)&c->local_ss, &len) < 0)
		c->local_ss.ss_family = AF_UNSPEC;
	snprintf(c->addr, sizeof(c->addr), "%s", peer_text);
	snprintf(c->peer, sizeof(c->peer), "%s", c->addr);
	c->waiting = -1;
	c->insize = CONN_BUF_START;
	c->in = xmalloc(c->insize);
	policy_reset(&c->req);
	return c;
}

/* conn_close - the loop forgets c; close and free it */
void
conn_close(struct loop *lp, struct conn *c)
{
	loop_forget(lp, c);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* conn_settings - the live settings */
static const struct pd_settings *
conn_settings(const struct loop *lp)
{
	return &lp->gen->config->settings;
}

/* conn_buf_max - how large the input buffer may grow in this stage */
static size_t
conn_buf_max(const struct conn *c)
{
	if (c->stage == CONN_HEADER)
		return CONN_HEADER_MAX;
	return c->listener->spec.service == PD_SOCKETMAP ?
	    SOCKETMAP_FRAME_MAX : POLICY_LINE_MAX + 1;
}

/* conn_reserve - room for len more bytes of output; where they go */
static char *
conn_reserve(struct conn *c, size_t len)
{
	if (c->outlen + len > c->outsize) {
		c->outsize = (c->outlen + len) * 2;
		c->out = xrealloc(c->out, c->outsize);
	}
	return c->out + c->outlen;
}

/* conn_send - queue bytes for the client */
static void
conn_send(struct conn *c, const char *data, size_t len)
{
	memcpy(conn_reserve(c, len), data, len);
	c->outlen += len;
}

/* conn_send_action - queue the policy reply "action=ACTION\n\n" (no
 * formatting or allocation per answer) */
static void
conn_send_action(struct conn *c, const char *action)
{
	static const char head[] = "action=", tail[] = "\n\n";
	size_t hlen = sizeof(head) - 1, len = strlen(action);
	size_t total = hlen + len + sizeof(tail) - 1;
	char *p = conn_reserve(c, total);

	memcpy(p, head, hlen);
	memcpy(p + hlen, action, len);
	memcpy(p + hlen + len, tail, sizeof(tail) - 1);
	c->outlen += total;
}

/* conn_flush - write what is queued; -1 when the connection is dead */
static int
conn_flush(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = conn_write(c->fd, c->out + c->outoff,
				  c->outlen - c->outoff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			log_debug("%s: write: %s", c->peer, strerror(errno));
			return -1;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

/* conn_client_allowed - may this address use an inet listener */
bool
conn_client_allowed(const struct lists *lists, const struct tmx_addr *addr)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (lists->set[LIST_POLICY_CLIENTS] != NULL)
		return pd_verdict_in_list(lists, LIST_POLICY_CLIENTS, addr);
	/* no list at all: loopback only */
	if (addr->family == 4)
		return addr->bytes[0] == 127;
	return memcmp(addr->bytes, v6_loopback, 16) == 0;
}

/* conn_judge_unix - a header over a unix socket: the file mode is the trust */
static enum tmx_trust_outcome
conn_judge_unix(enum tmx_proxy_read_status status,
		const struct tmx_proxy_hdr *hdr, struct tmx_trust_result *res)
{
	memset(res, 0, sizeof(*res));
	res->reason = "";
	if (status != TMX_PROXY_READ_OK)
		res->outcome = status == TMX_PROXY_READ_NONE ?
		    TMX_TRUST_REFUSE_NO_HEADER : TMX_TRUST_REFUSE_INVALID;
	else if (hdr->command == TMX_PROXY_CMD_LOCAL ||
		 hdr->src.ss_family == AF_UNSPEC)
		res->outcome = TMX_TRUST_PROBE;
	else if (hdr->src.ss_family == AF_INET || hdr->src.ss_family == AF_INET6) {
		res->outcome = TMX_TRUST_PROXIED;
		res->src = hdr->src;
		res->dst = hdr->dst;
	} else {
		res->outcome = TMX_TRUST_REFUSE_INVALID;
		res->reason = "no inet source address";
	}
	return res->outcome;
}

/* conn_judge - the trust policy on what the header stage saw */
static enum tmx_trust_outcome
conn_judge(struct loop *lp, struct conn *c, enum tmx_proxy_read_status status,
	   const struct tmx_proxy_hdr *hdr, struct tmx_trust_result *res)
{
	struct tmx_trust_policy policy;

	if (c->listener->spec.is_unix)
		return conn_judge_unix(status, hdr, res);
	/* the addresses accept() gave: a probe may be gone already */
	policy.proxies = lp->gen->lists->set[LIST_PROXY];
	policy.allow_direct = false;
	return tmx_trust_judge(&policy, (struct sockaddr *)&c->peer_ss,
			       (struct sockaddr *)&c->local_ss, status, hdr, res);
}

/* conn_proxied - a believed header: check the real client, go to requests */
static int
conn_proxied(struct loop *lp, struct conn *c, const struct tmx_trust_result *res)
{
	struct tmx_addr addr;
	char text[TMX_ADDR_STRLEN];

	if (tmx_addr_from_sockaddr((const struct sockaddr *)&res->src, &addr) < 0) {
		log_warnx("%s: PROXY header without an inet source", c->peer);
		return -1;
	}
	tmx_addr_unmap(&addr);
	tmx_addr_format(&addr, text, sizeof(text));
	snprintf(c->peer, sizeof(c->peer), "%s via %s", text, c->addr);
	if (!conn_client_allowed(lp->gen->lists, &addr)) {
		pd_metrics_client_rejected();
		log_warnx("%s: client not in policy_clients; closing", c->peer);
		return -1;
	}
	c->stage = CONN_REQUEST;
	loop_arm(lp, c);
	return 0;
}

/* conn_header - take the PROXY header; -1 closes, 0 wait or go on */
static int
conn_header(struct loop *lp, struct conn *c, bool eof)
{
	struct tmx_proxy_hdr hdr;
	struct tmx_trust_result res;
	enum tmx_proxy_read_status status = TMX_PROXY_READ_OK;
	enum tmx_proxy_sniff sniff = tmx_proxy_sniff(c->in, c->inlen);
	const char *why = "";
	size_t n = 0;

	memset(&hdr, 0, sizeof(hdr));
	if (sniff == TMX_PROXY_SNIFF_NONE)
		status = TMX_PROXY_READ_NONE;
	else if (sniff == TMX_PROXY_SNIFF_MORE)
		status = TMX_PROXY_READ_EOF;
	else
		switch (tmx_proxy_parse(c->in, c->inlen, TMX_PROXY_F_NO_V1 |
		    TMX_PROXY_F_UNMAP, &hdr, &n, &why)) {
		case TMX_PROXY_OK:
			break;
		case TMX_PROXY_INCOMPLETE:
			status = TMX_PROXY_READ_EOF;
			break;
		default:
			status = TMX_PROXY_READ_INVALID;
			break;
		}
	if (status == TMX_PROXY_READ_EOF && !eof)
		return 0;	/* wait for the rest */
	switch (conn_judge(lp, c, status, &hdr, &res)) {
	case TMX_TRUST_PROXIED:
		pd_metrics_header(PD_METRICS_HEADER_OK);
		break;
	case TMX_TRUST_PROBE:
		pd_metrics_header(PD_METRICS_HEADER_LOCAL);
		log_debug("%s: health check (PROXY LOCAL); closing", c->peer);
		return -1;
	default:
		pd_metrics_header(PD_METRICS_HEADER_INVALID);
		log_warnx("%s: %s: %s%s%s; closing", c->peer,
			  tmx_trust_outcome_name(res.outcome),
			  res.reason ? res.reason : "", why && *why ? ": " : "",
			  why ? why : "");
		return -1;
	}
	if (conn_proxied(lp, c, &res) < 0)
		return -1;
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	return 0;
}

/* conn_socketmap - answer one netstring; 1 done, 0 need more, -1 close */
static int
conn_socketmap(struct loop *lp, struct conn *c, size_t *off)
{
	struct socketmap_result res;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	char key[64];

	switch (socketmap_parse(c->in + *off, c->inlen - *off, &payload, &plen,
				&n, &why)) {
	case SOCKETMAP_MORE:
		return 0;
	case SOCKETMAP_INVALID:
		log_warnx("%s: socketmap: %s; closing", c->peer, why);
		return -1;
	default:
		break;
	}
	socketmap_answer(lp->gen->lists, payload, plen, &res);
	conn_send(c, res.frame, res.frame_len);
	pd_metrics_request(PD_METRICS_SOCKETMAP, res.verdict);
	if (res.which == SOCKETMAP_PERM_MAP)
		log_warnx("%s: socketmap: unknown map in \"%s\"", c->peer,
			  socketmap_key_text(&res, key, sizeof(key)));
	else if (log_getverbose())
		log_debug("%s: socketmap %s: %s%s%s", c->peer,
			  socketmap_key_text(&res, key, sizeof(key)),
			  res.reply, res.source ? " via " : "",
			  res.source ? res.source : "");
	*off += n;
	return 1;
}

/* conn_policy_action - the action for one finished policy request */
static const char *
conn_policy_action(struct loop *lp, struct conn *c, enum verdict *verdict_r)
{
	const struct pd_settings *s = conn_settings(lp);
	const char *source = NULL;
	enum verdict v = VERDICT_NONE;

	if (c->req.have_client)
		v = pd_verdict_lookup_text(lp->gen->lists,
					    c->req.client_address, &source);
	*verdict_r = v;
	switch (v) {
	case VERDICT_DENY:
		log_info("%s: client_address=%s: %s: %s", c->peer,
			 c->req.client_address, source, s->deny_action);
		return s->deny_action;
	case VERDICT_RELAY:
		log_info("%s: client_address=%s: %s: %s", c->peer,
			 c->req.client_address, source, s->relay_action);
		return s->relay_action;
	case VERDICT_ALLOW:
		log_info("%s: client_address=%s: allow: %s: %s", c->peer,
			 c->req.client_address, source, s->allow_action);
		return s->allow_action;
	default:
		log_debug("%s: client_address=%s: DUNNO", c->peer,
			  c->req.have_client ? c->req.client_address : "(none)");
		return "DUNNO";
	}
}

/* conn_policy - read policy lines; 1 answered, 0 need more, -1 close */
static int
conn_policy(struct loop *lp, struct conn *c, size_t *off)
{
	enum verdict v;
	const char *why;
	size_t n;

	switch (policy_feed(&c->req, c->in + *off, c->inlen - *off, &n, &why)) {
	case POLICY_MORE:
		*off += n;
		return 0;
	case POLICY_INVALID:
		log_warnx("%s: policy: %s; closing", c->peer, why);
		return -1;
	default:
		break;
	}
	*off += n;
	conn_send_action(c, conn_policy_action(lp, c, &v));
	pd_metrics_request(PD_METRICS_POLICY, v);
	policy_reset(&c->req);
	return 1;
}

/* conn_requests - answer what is buffered; -1 closes */
static int
conn_requests(struct loop *lp, struct conn *c)
{
	size_t off = 0;
	int rc = 1;
	bool answered = false;

	while (rc == 1 && off < c->inlen && c->outlen < CONN_OUT_HIGH) {
		if (c->listener->spec.service == PD_SOCKETMAP)
			rc = conn_socketmap(lp, c, &off);
		else
			rc = conn_policy(lp, c, &off);
		answered |= rc == 1;
	}
	/* the idle timeout starts after the last answer of this batch */
	if (answered)
		loop_arm(lp, c);
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	return rc < 0 ? -1 : 0;
}

/* conn_process - everything buffered; then flush; -1 closes */
static int
conn_process(struct loop *lp, struct conn *c, bool eof)
{
	if (c->stage == CONN_HEADER && conn_header(lp, c, eof) < 0)
		return -1;
	if (c->stage == CONN_REQUEST && conn_requests(lp, c) < 0) {
		(void)conn_flush(c);	/* answers before the bad request */
		return -1;
	}
	if (conn_flush(c) < 0)
		return -1;
	loop_events(lp, c, c->outlen < CONN_OUT_HIGH, c->outlen > 0);
	return 0;
}

/* conn_grow - room for more input; -1 when the stage's limit is reached */
static int
conn_grow(struct conn *c)
{
	size_t max = conn_buf_max(c);

	if (c->inlen < c->insize)
		return 0;
	if (c->insize >= max)
		return -1;
	c->insize = c->insize * 2 > max ? max : c->insize * 2;
	c->in = xrealloc(c->in, c->insize);
	return 0;
}

/* conn_readable - read what the client sent and answer it */
void
conn_readable(struct loop *lp, struct conn *c)
{
	ssize_t n;

	if (conn_grow(c) < 0) {
		log_warnx("%s: request larger than %zu bytes; closing", c->peer,
			  conn_buf_max(c));
		conn_close(lp, c);
		return;
	}
	n = conn_read(c->fd, c->in + c->inlen, c->insize - c->inlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0) {
		log_debug("%s: read: %s", c->peer, strerror(errno));
		conn_close(lp, c);
		return;
	}
	if (n == 0) {
		if (c->stage == CONN_HEADER)
			(void)conn_header(lp, c, true);
		else if (c->inlen > 0 || c->req.nattrs > 0)
			log_info("%s: disconnected in the middle of a request",
				 c->peer);
		conn_close(lp, c);
		return;
	}
	c->inlen += (size_t)n;
	if (conn_process(lp, c, false) < 0)
		conn_close(lp, c);
}

/* conn_writable - send what is queued, then serve what waited for that */
void
conn_writable(struct loop *lp, struct conn *c)
{
	if (conn_flush(c) < 0 || conn_process(lp, c, false) < 0)
		conn_close(lp, c);
}
