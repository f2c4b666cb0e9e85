/*
 * socketmap.c - socketmap_table(5) for postscreen_access_list: netstring
 * framing, and the answer for map "postscreen": deny_networks reject,
 * relay_networks, proxy_networks and allow_networks permit, anything else
 * NOTFOUND.
 */
#include <string.h>

#include <trustmx/addr.h>

#include "policyd.h"
#include "socketmap.h"

#define SOCKETMAP_MAP_NAME	"postscreen"

/* socketmap_parse - one netstring at the start of buf */
enum socketmap_status
socketmap_parse(const uint8_t *buf, size_t len, const uint8_t **payload_r,
		size_t *payload_len_r, size_t *consumed_r,
		const char **error_r)
{
	size_t i, n = 0;

	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		n = n * 10 + (size_t)(buf[i] - '0');
		if (n > SOCKETMAP_MAX) {
			*error_r = "netstring longer than 100000 bytes";
			return SOCKETMAP_INVALID;
		}
	}
	if (i == len)
		return SOCKETMAP_MORE;
	if (i == 0 || buf[i] != ':') {
		*error_r = "malformed netstring length";
		return SOCKETMAP_INVALID;
	}
	i++;
	if (len - i < n + 1)
		return SOCKETMAP_MORE;
	if (buf[i + n] != ',') {
		*error_r = "netstring without trailing comma";
		return SOCKETMAP_INVALID;
	}
	*payload_r = buf + i;
	*payload_len_r = n;
	*consumed_r = i + n + 1;
	return SOCKETMAP_DONE;
}

/* socketmap_key_text - the key as a C string for logs, shortened, no NULs;
 * only made when a line is logged */
const char *
socketmap_key_text(const struct socketmap_result *res, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < res->key_len && i + 1 < size; i++)
		out[i] = (res->key[i] >= 0x20 && res->key[i] < 0x7f) ?
		    (char)res->key[i] : '?';
	out[i] = '\0';
	return out;
}

/* a reply and its netstring, whose length the compiler counts */
#define SOCKETMAP_REPLY(text, frame) { text, frame, sizeof(frame) - 1 }

/* socketmap_reply - res's reply and its netstring, from a fixed table: an
 * answer is a copy of a frame made before the daemon ran */
static void
socketmap_reply(struct socketmap_result *res, enum socketmap_reply which)
{
	static const struct {
		const char *reply;
		const char *frame;
		size_t frame_len;
	} replies[] = {
		[SOCKETMAP_NOTFOUND] = SOCKETMAP_REPLY("NOTFOUND ", "9:NOTFOUND ,"),
		[SOCKETMAP_PERMIT] = SOCKETMAP_REPLY("OK permit", "9:OK permit,"),
		[SOCKETMAP_REJECT] = SOCKETMAP_REPLY("OK reject", "9:OK reject,"),
		[SOCKETMAP_PERM_MAP] = SOCKETMAP_REPLY("PERM unknown map",
		    "16:PERM unknown map,"),
	};

	res->which = which;
	res->reply = replies[which].reply;
	res->frame = replies[which].frame;
	res->frame_len = replies[which].frame_len;
}

/* socketmap_answer - the reply for one request payload */
void
socketmap_answer(const struct lists *lists, const uint8_t *payload,
		 size_t len, struct socketmap_result *res_r)
{
	const uint8_t *sp = memchr(payload, ' ', len);
	char key[TMX_ADDR_STRLEN + 1];
	struct tmx_addr addr;
	size_t keylen;

	res_r->verdict = VERDICT_NONE;
	res_r->source = NULL;
	if (sp == NULL || (size_t)(sp - payload) != strlen(SOCKETMAP_MAP_NAME) ||
	    memcmp(payload, SOCKETMAP_MAP_NAME, strlen(SOCKETMAP_MAP_NAME)) != 0) {
		res_r->key = payload;
		res_r->key_len = len;
		socketmap_reply(res_r, SOCKETMAP_PERM_MAP);
		return;
	}
	keylen = len - (size_t)(sp + 1 - payload);
	res_r->key = sp + 1;
	res_r->key_len = keylen;
	socketmap_reply(res_r, SOCKETMAP_NOTFOUND);
	/* hostnames, "unknown" and overlong keys are no addresses: NOTFOUND */
	if (keylen == 0 || keylen >= sizeof(key) || memchr(sp + 1, '\0', keylen))
		return;
	memcpy(key, sp + 1, keylen);
	key[keylen] = '\0';
	if (tmx_addr_parse(key, &addr) < 0)
		return;
	tmx_addr_unmap(&addr);
	res_r->verdict = pd_verdict_lookup(lists, &addr, &res_r->source);
	switch (res_r->verdict) {
	case VERDICT_DENY:
		socketmap_reply(res_r, SOCKETMAP_REJECT);
		break;
	case VERDICT_RELAY:
	case VERDICT_PROXY:
	case VERDICT_ALLOW:
		socketmap_reply(res_r, SOCKETMAP_PERMIT);
		break;
	default:
		break;
	}
}
