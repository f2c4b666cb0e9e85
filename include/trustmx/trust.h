/*
 * trustmx/trust.h - reading a PROXY header from a socket, and deciding
 * whether to believe it.
 *
 * tmx_proxy_read reads exactly one header and never an application byte.
 * tmx_trust_judge turns (real peer, trusted proxy networks, what the read
 * gave) into one of a few distinct outcomes; a health probe is an outcome,
 * never an error, so callers have no reason to crash or exit on one.
 */
#ifndef TRUSTMX_TRUST_H
#define TRUSTMX_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <trustmx/cidrset.h>
#include <trustmx/proxy.h>

enum tmx_proxy_read_status {
	TMX_PROXY_READ_OK = 0,	/* one header consumed and parsed */
	TMX_PROXY_READ_NONE,	/* the first bytes are no header; none consumed */
	TMX_PROXY_READ_INVALID,	/* malformed header (or larger than buf) */
	TMX_PROXY_READ_TIMEOUT,	/* deadline passed before a whole header */
	TMX_PROXY_READ_EOF,	/* peer closed before a whole header */
	TMX_PROXY_READ_ERROR,	/* socket error; errno is set */
};

/*
 * tmx_proxy_read - wait up to timeout_ms (total, not per read) for one
 * header on a connected stream socket and consume exactly its bytes.
 * hdr_r points into buf, which must outlive it; size should be at least
 * TMX_PROXY_V2_MAX to accept any v2 header. *error_r: static reason.
 */
enum tmx_proxy_read_status tmx_proxy_read(int fd, int timeout_ms,
					  unsigned flags, uint8_t *buf,
					  size_t size,
					  struct tmx_proxy_hdr *hdr_r,
					  const char **error_r);

/* tmx_proxy_read_status_name - "ok", "none", "invalid", ... */
const char *tmx_proxy_read_status_name(enum tmx_proxy_read_status status);

enum tmx_trust_outcome {
	TMX_TRUST_PROXIED = 0,	/* believe the header's addresses */
	TMX_TRUST_PROBE,	/* LOCAL, v2 UNSPEC, v1 UNKNOWN: real endpoints */
	TMX_TRUST_DIRECT,	/* trusted peer, no header, allowed: real endpoints */
	TMX_TRUST_REFUSE_UNTRUSTED,	/* peer not in the proxy networks */
	TMX_TRUST_REFUSE_NO_HEADER,	/* header required but absent */
	TMX_TRUST_REFUSE_INVALID,	/* malformed header */
	TMX_TRUST_REFUSE_TIMEOUT,	/* timeout, EOF or socket error */
};

struct tmx_trust_policy {
	const struct tmx_cidrset *proxies;	/* who may send headers; NULL: nobody */
	/*
	 * A trusted peer that sends no header is treated as a direct client.
	 * Only meaningful for client-speaks-first protocols: an SMTP client
	 * waits for the banner, so it would time out instead.
	 */
	bool allow_direct;
};

struct tmx_trust_result {
	enum tmx_trust_outcome outcome;
	/* effective endpoints, when the outcome is not a refusal */
	struct sockaddr_storage src, dst;
	const char *reason;	/* static text for logs */
};

/* tmx_trust_refused - true for the TMX_TRUST_REFUSE_* outcomes */
bool tmx_trust_refused(enum tmx_trust_outcome outcome);

/* tmx_trust_outcome_name - "proxied", "probe", "refuse-untrusted", ... */
const char *tmx_trust_outcome_name(enum tmx_trust_outcome outcome);

/*
 * tmx_trust_judge - decide. peer and local are the socket's real endpoints;
 * hdr is read only when status is TMX_PROXY_READ_OK. IPv4-mapped peers are
 * unmapped before the proxy networks are consulted.
 */
enum tmx_trust_outcome tmx_trust_judge(const struct tmx_trust_policy *policy,
				       const struct sockaddr *peer,
				       const struct sockaddr *local,
				       enum tmx_proxy_read_status status,
				       const struct tmx_proxy_hdr *hdr,
				       struct tmx_trust_result *result_r);

/*
 * tmx_trust_accept - refuse untrusted peers without reading, else
 * tmx_proxy_read and tmx_trust_judge. peer is the address accept()
 * returned: pass it, because a health probe may send its header and reset
 * at once (HAProxy does), after which getpeername() fails; NULL asks
 * getpeername().
 */
enum tmx_trust_outcome tmx_trust_accept(const struct tmx_trust_policy *policy,
					int fd, const struct sockaddr *peer,
					int timeout_ms,
					unsigned flags, uint8_t *buf,
					size_t size,
					struct tmx_proxy_hdr *hdr_r,
					struct tmx_trust_result *result_r);

#endif
