/*
 * socketmap.h - the socketmap_table(5) protocol: netstring requests
 * "name key", netstring replies "OK value", "NOTFOUND ", "PERM reason".
 * Parsing does no I/O and keeps pointers into the caller's buffer.
 */
#ifndef TMX_POLICYD_SOCKETMAP_H
#define TMX_POLICYD_SOCKETMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lists.h"

#define SOCKETMAP_MAX		100000	/* Postfix's socketmap max reply */
#define SOCKETMAP_FRAME_MAX	(SOCKETMAP_MAX + 8)	/* "100000:" + ',' */

enum socketmap_status {
	SOCKETMAP_MORE = 0,	/* a prefix of a valid netstring */
	SOCKETMAP_DONE,		/* one netstring, *consumed_r bytes */
	SOCKETMAP_INVALID,	/* *error_r says why */
};

/* socketmap_parse - one netstring at the start of buf */
enum socketmap_status socketmap_parse(const uint8_t *buf, size_t len,
				      const uint8_t **payload_r,
				      size_t *payload_len_r,
				      size_t *consumed_r,
				      const char **error_r);

enum socketmap_reply {
	SOCKETMAP_NOTFOUND,
	SOCKETMAP_PERMIT,
	SOCKETMAP_REJECT,
	SOCKETMAP_PERM_MAP,	/* "PERM unknown map" */
};

struct socketmap_result {
	enum socketmap_reply which;
	const char *reply;	/* "OK permit", "NOTFOUND ", ... (static) */
	const char *frame;	/* reply as a netstring (static) */
	size_t frame_len;
	int verdict;		/* enum verdict */
	const char *source;	/* list source that matched, or NULL */
	const uint8_t *key;	/* the key (the whole payload for an unknown
				 * map), in the caller's buffer */
	size_t key_len;
};

/* socketmap_answer - the reply for one request payload */
void socketmap_answer(const struct lists *lists, const uint8_t *payload,
		      size_t len, struct socketmap_result *res_r);

/* socketmap_key_text - res's key as a C string for logs, shortened, no
 * NULs or control bytes; out */
const char *socketmap_key_text(const struct socketmap_result *res, char *out,
			       size_t size);

#endif
