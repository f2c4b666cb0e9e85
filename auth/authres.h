/*
 * authres.h - building an RFC 8601 Authentication-Results header value in
 * caller storage. Every value that came from the outside (domain names,
 * selectors, addresses) is written as a token when it is one and as an
 * escaped quoted-string otherwise; comments are escaped; control and 8-bit
 * characters never reach the header. So no domain name can inject text.
 */
#ifndef TMX_AUTHRES_H
#define TMX_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

struct authres {
	char *buf;
	size_t size, len;
	unsigned methods;
	bool overflow;		/* sticky: the value did not fit */
};

/* authres_init - start "authserv-id" in buf (size >= 64) */
void authres_init(struct authres *ar, char *buf, size_t size,
		  const char *authserv_id);

/* authres_method - "; method=result", on a new folded line */
void authres_method(struct authres *ar, const char *method,
		    const char *result);

/* authres_comment - " (text)", escaped */
void authres_comment(struct authres *ar, const char *text);

/* authres_prop - " ptype.property=value", value as token or quoted */
void authres_prop(struct authres *ar, const char *name, const char *value);

/* authres_finish - the header value ("id; none" without methods); NULL on overflow */
const char *authres_finish(struct authres *ar);

/* authres_is_token - true when s can stand unquoted as an RFC 2045 token */
bool authres_is_token(const char *s);

#endif
