/*
 * policy.c - reading Postfix policy delegation requests line by line, so a
 * request of any number of attributes needs one line of buffer, not the
 * whole request. Unknown attributes are skipped; only client_address counts.
 */
#include <string.h>

#include "policy.h"

/* bytes past the current line searched for a NUL at a time: a whole
 * Postfix request in one memchr, and not all of a pipelined buffer */
#define POLICY_NUL_AHEAD	2048

/* policy_reset - ready for the next request */
void
policy_reset(struct policy_req *req)
{
	memset(req, 0, sizeof(*req));
}

/*
 * policy_attr - take one "name=value" line; -1 with *error_r when
 * malformed. nul is the first NUL byte at or after line, or NULL: the
 * caller looks for one once per buffer, not once per line.
 */
static int
policy_attr(struct policy_req *req, const uint8_t *line, size_t len,
	    const uint8_t *nul, const char **error_r)
{
	const uint8_t *eq = memchr(line, '=', len);
	size_t namelen, vallen;

	if (eq == NULL) {
		*error_r = "attribute without '='";
		return -1;
	}
	namelen = (size_t)(eq - line);
	vallen = len - namelen - 1;
	if (namelen == 0 || namelen > POLICY_NAME_MAX) {
		*error_r = "bad attribute name";
		return -1;
	}
	if (vallen > POLICY_VALUE_MAX) {
		*error_r = "attribute value longer than 8192 bytes";
		return -1;
	}
	if (nul != NULL && nul < line + len) {
		*error_r = "NUL byte in attribute";
		return -1;
	}
	if (++req->nattrs > POLICY_ATTRS_MAX) {
		*error_r = "too many attributes";
		return -1;
	}
	if (namelen == strlen("client_address") &&
	    memcmp(line, "client_address", namelen) == 0) {
		req->have_client = vallen < sizeof(req->client_address);
		if (req->have_client) {
			memcpy(req->client_address, eq + 1, vallen);
			req->client_address[vallen] = '\0';
		}
	}
	return 0;
}

/* policy_feed - consume complete lines; stop after the request's end */
enum policy_status
policy_feed(struct policy_req *req, const uint8_t *buf, size_t len,
	    size_t *consumed_r, const char **error_r)
{
	const uint8_t *nul = NULL;	/* the first NUL byte, if seen yet */
	size_t nul_to = 0;		/* bytes searched for it so far */
	size_t off = 0;

	*consumed_r = 0;
	while (off < len) {
		const uint8_t *line = buf + off;
		const uint8_t *nl = memchr(line, '\n', len - off);
		size_t linelen;

		if (nl == NULL) {
			/* room for the longest line and its '\r' */
			if (len - off > POLICY_LINE_MAX) {
				*error_r = "attribute line too long";
				return POLICY_INVALID;
			}
			break;
		}
		linelen = (size_t)(nl - line);
		off += linelen + 1;
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		if (linelen >= POLICY_LINE_MAX) {
			*error_r = "attribute line too long";
			return POLICY_INVALID;
		}
		*consumed_r = off;
		if (linelen == 0)
			return POLICY_DONE;
		if (nul == NULL && nul_to < off) {
			size_t to = len - off > POLICY_NUL_AHEAD ?
			    off + POLICY_NUL_AHEAD : len;

			nul = memchr(buf + nul_to, '\0', to - nul_to);
			nul_to = to;
		}
		if (policy_attr(req, line, linelen, nul, error_r) < 0)
			return POLICY_INVALID;
	}
	return POLICY_MORE;
}
