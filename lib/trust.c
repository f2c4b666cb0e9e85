/*
 * trust.c - whether to believe a PROXY header: only peers in the proxy
 * networks may send one; LOCAL and address-less headers are health probes
 * served with the real endpoints; everything else is a distinct refusal.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "trustmx/addr.h"
#include "trustmx/cidrset.h"
#include "trustmx/proxy.h"
#include "trustmx/trust.h"
#include "tmx-private.h"

/* trust_sockaddr_copy - copy a sockaddr of a known family into storage */
static void
trust_sockaddr_copy(struct sockaddr_storage *to, const struct sockaddr *sa)
{
	size_t len;

	memset(to, 0, sizeof(*to));
	if (sa == NULL)
		return;
	switch (sa->sa_family) {
	case AF_INET:
		len = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		len = sizeof(struct sockaddr_in6);
		break;
	case AF_UNIX:
		len = sizeof(struct sockaddr_un);
		break;
	default:
		len = sizeof(struct sockaddr);
		break;
	}
	memcpy(to, sa, len);
}

/* trust_peer_trusted - is the (unmapped) peer in the proxy networks */
static bool
trust_peer_trusted(const struct tmx_trust_policy *policy,
		   const struct sockaddr *peer)
{
	struct tmx_addr addr;

	if (policy == NULL || policy->proxies == NULL || peer == NULL)
		return false;
	if (tmx_addr_from_sockaddr(peer, &addr) < 0)
		return false;
	tmx_addr_unmap(&addr);
	return tmx_cidrset_lookup(policy->proxies, &addr, NULL);
}

/* trust_set - fill in the outcome and its reason */
static enum tmx_trust_outcome
trust_set(struct tmx_trust_result *result_r, enum tmx_trust_outcome outcome,
	  const char *reason)
{
	result_r->outcome = outcome;
	result_r->reason = reason;
	return outcome;
}

/* trust_real - the outcome is served with the socket's own endpoints */
static enum tmx_trust_outcome
trust_real(struct tmx_trust_result *result_r, enum tmx_trust_outcome outcome,
	   const struct sockaddr *peer, const struct sockaddr *local,
	   const char *reason)
{
	trust_sockaddr_copy(&result_r->src, peer);
	trust_sockaddr_copy(&result_r->dst, local);
	return trust_set(result_r, outcome, reason);
}

/* trust_header - a trusted peer sent a well-formed header */
static enum tmx_trust_outcome
trust_header(const struct tmx_proxy_hdr *hdr, const struct sockaddr *peer,
	     const struct sockaddr *local, struct tmx_trust_result *result_r)
{
	if (hdr == NULL)
		return trust_set(result_r, TMX_TRUST_REFUSE_INVALID,
		    "PROXY header missing");
	if (hdr->command == TMX_PROXY_CMD_LOCAL)
		return trust_real(result_r, TMX_TRUST_PROBE, peer, local,
		    "PROXY LOCAL command (health check)");
	switch (hdr->family) {
	case TMX_PROXY_FAM_UNSPEC:
		return trust_real(result_r, TMX_TRUST_PROBE, peer, local,
		    "PROXY header with UNSPEC family (health check)");
	case TMX_PROXY_FAM_UNKNOWN:
		return trust_real(result_r, TMX_TRUST_PROBE, peer, local,
		    "PROXY UNKNOWN (health check)");
	case TMX_PROXY_FAM_TCP4:
	case TMX_PROXY_FAM_UDP4:
	case TMX_PROXY_FAM_TCP6:
	case TMX_PROXY_FAM_UDP6:
	case TMX_PROXY_FAM_UNIX:
	case TMX_PROXY_FAM_UNIX_DGRAM:
		break;
	default:
		return trust_set(result_r, TMX_TRUST_REFUSE_INVALID,
		    "PROXY header with an unknown family");
	}
	if (hdr->src.ss_family == AF_UNSPEC ||
	    hdr->dst.ss_family == AF_UNSPEC)
		return trust_set(result_r, TMX_TRUST_REFUSE_INVALID,
		    "PROXY header without addresses");
	result_r->src = hdr->src;
	result_r->dst = hdr->dst;
	return trust_set(result_r, TMX_TRUST_PROXIED,
	    "client addresses from PROXY header");
}

/* tmx_trust_refused - true for the TMX_TRUST_REFUSE_* outcomes */
TMX_EXPORT bool
tmx_trust_refused(enum tmx_trust_outcome outcome)
{
	switch (outcome) {
	case TMX_TRUST_PROXIED:
	case TMX_TRUST_PROBE:
	case TMX_TRUST_DIRECT:
		return false;
	default:
		return true;
	}
}

/* tmx_trust_outcome_name - "proxied", "probe", "refuse-untrusted", ... */
TMX_EXPORT const char *
tmx_trust_outcome_name(enum tmx_trust_outcome outcome)
{
	switch (outcome) {
	case TMX_TRUST_PROXIED:
		return "proxied";
	case TMX_TRUST_PROBE:
		return "probe";
	case TMX_TRUST_DIRECT:
		return "direct";
	case TMX_TRUST_REFUSE_UNTRUSTED:
		return "refuse-untrusted";
	case TMX_TRUST_REFUSE_NO_HEADER:
		return "refuse-no-header";
	case TMX_TRUST_REFUSE_INVALID:
		return "refuse-invalid";
	case TMX_TRUST_REFUSE_TIMEOUT:
		return "refuse-timeout";
	}
	return "unknown";
}

/*
 * tmx_trust_judge - decide from the real peer, the proxy networks and what
 * the read gave. Peers that are no IP address (AF_UNIX) are not trusted.
 * result_r->src/dst are zeroed for refusals.
 */
TMX_EXPORT enum tmx_trust_outcome
tmx_trust_judge(const struct tmx_trust_policy *policy,
		const struct sockaddr *peer, const struct sockaddr *local,
		enum tmx_proxy_read_status status,
		const struct tmx_proxy_hdr *hdr,
		struct tmx_trust_result *result_r)
{
	memset(result_r, 0, sizeof(*result_r));
	if (!trust_peer_trusted(policy, peer))
		return trust_set(result_r, TMX_TRUST_REFUSE_UNTRUSTED,
		    "peer not in the proxy networks");
	switch (status) {
	case TMX_PROXY_READ_OK:
		return trust_header(hdr, peer, local, result_r);
	case TMX_PROXY_READ_NONE:
		if (policy->allow_direct)
			return trust_real(result_r, TMX_TRUST_DIRECT, peer,
			    local, "no PROXY header: direct client");
		return trust_set(result_r, TMX_TRUST_REFUSE_NO_HEADER,
		    "no PROXY header from a proxy");
	case TMX_PROXY_READ_INVALID:
		return trust_set(result_r, TMX_TRUST_REFUSE_INVALID,
		    "malformed PROXY header");
	case TMX_PROXY_READ_TIMEOUT:
		return trust_set(result_r, TMX_TRUST_REFUSE_TIMEOUT,
		    "timed out waiting for the PROXY header");
	case TMX_PROXY_READ_EOF:
		return trust_set(result_r, TMX_TRUST_REFUSE_TIMEOUT,
		    "peer closed before a whole PROXY header");
	case TMX_PROXY_READ_ERROR:
		return trust_set(result_r, TMX_TRUST_REFUSE_TIMEOUT,
		    "socket error while reading the PROXY header");
	}
	return trust_set(result_r, TMX_TRUST_REFUSE_INVALID,
	    "unknown read status");
}

/* trust_sockaddr_len - the bytes of a sockaddr worth copying */
static size_t
trust_sockaddr_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return sizeof(sa->sa_family);
	}
}

/*
 * tmx_trust_accept - judge the peer before reading: an untrusted peer's
 * bytes stay unread. For a malformed header the reason is the parser's.
 * A failing getpeername/getsockname is a socket error (errno kept).
 */
TMX_EXPORT enum tmx_trust_outcome
tmx_trust_accept(const struct tmx_trust_policy *policy, int fd,
		 const struct sockaddr *peer_addr, int timeout_ms, unsigned flags, uint8_t *buf, size_t size,
		 struct tmx_proxy_hdr *hdr_r, struct tmx_trust_result *result_r)
{
	struct sockaddr_storage peer, local;
	enum tmx_proxy_read_status status;
	enum tmx_trust_outcome outcome;
	struct tmx_proxy_hdr scratch;
	const char *reason = NULL;
	socklen_t len;

	memset(result_r, 0, sizeof(*result_r));
	memset(&peer, 0, sizeof(peer));
	memset(&local, 0, sizeof(local));
	len = sizeof(peer);
	if (peer_addr != NULL)
		memcpy(&peer, peer_addr, trust_sockaddr_len(peer_addr));
	else if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
		return trust_set(result_r, TMX_TRUST_REFUSE_TIMEOUT,
		    "getpeername failed");
	len = sizeof(local);
	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
		return trust_set(result_r, TMX_TRUST_REFUSE_TIMEOUT,
		    "getsockname failed");
	if (!trust_peer_trusted(policy, (struct sockaddr *)&peer))
		return tmx_trust_judge(policy, (struct sockaddr *)&peer,
		    (struct sockaddr *)&local, TMX_PROXY_READ_NONE, NULL,
		    result_r);
	if (hdr_r == NULL)
		hdr_r = &scratch;
	status = tmx_proxy_read(fd, timeout_ms, flags, buf, size, hdr_r,
	    &reason);
	outcome = tmx_trust_judge(policy, (struct sockaddr *)&peer,
	    (struct sockaddr *)&local, status, hdr_r, result_r);
	if (status == TMX_PROXY_READ_INVALID && reason != NULL)
		result_r->reason = reason;
	return outcome;
}
