/*
 * headers.h - the milter's header work: the Authentication-Results value
 * for a message's results (RFC 8601), and recognising incoming
 * Authentication-Results fields that claim to be ours, to delete them.
 */
#ifndef TMX_HEADERS_H
#define TMX_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#include "results.h"

#define HEADERS_AR_NAME "Authentication-Results"

/*
 * headers_authres - the A-R value for res under authserv_id into buf;
 * NULL when it does not fit (the caller then tempfails).
 */
const char *headers_authres(const struct results *res,
			    const char *authserv_id, char *buf, size_t size);

/* headers_is_ours - does an A-R value carry authserv_id (case-insensitive) */
bool headers_is_ours(const char *value, const char *authserv_id);

#endif
