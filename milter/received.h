/*
 * received.h - reading the "from" and "by" parts of a Received header, so
 * that mail relayed by a trusted backup MX can be judged by the client that
 * really connected to the relay. No allocation; output in caller storage.
 */
#ifndef TMX_RECEIVED_H
#define TMX_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>

#define RECEIVED_NAME_MAX 256

struct received_info {
	char helo[RECEIVED_NAME_MAX];	/* the name the client gave (HELO/EHLO) */
	char rdns[RECEIVED_NAME_MAX];	/* its reverse name, "" when unknown */
	char by[RECEIVED_NAME_MAX];	/* the host that wrote the line */
	struct tmx_addr addr;		/* the connecting client's address */
	bool has_addr;
};

/*
 * received_parse - parse one Received header value (as a milter sees it,
 * folded or not). Understands Postfix/Sendmail "from HELO (RDNS [ADDR])"
 * and Exim "from RDNS ([ADDR] helo=HELO)" forms, "[IPv6:...]" literals
 * and nested comments. 0 on success (has_addr says whether an address
 * was found), -1 with a static reason when there is no usable from part.
 */
int received_parse(const char *value, size_t len, struct received_info *r,
		   const char **error_r);

#endif
