/*
 * received.h - reading the "from" part of a Received header by who wrote
 * what. A relay's line mixes what the relay observed (the peer address,
 * the reverse name it looked up) with what the client claimed (its
 * HELO/EHLO). Each MTA family puts these in its own places; only the
 * observed address may become a recovered client. A line that cannot be
 * split with certainty is refused, with a reason. No allocation; output
 * in caller storage.
 */
#ifndef TMX_RECEIVED_H
#define TMX_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>

#define RECEIVED_NAME_MAX 256

/* The MTA families whose lines can be read; AUTO recognises by structure */
enum received_format {
	RECEIVED_AUTO = 0,
	RECEIVED_POSTFIX,
	RECEIVED_SENDMAIL,
	RECEIVED_EXIM,
	RECEIVED_QMAIL,
	RECEIVED_EXCHANGE,
	RECEIVED_HALON,
	RECEIVED_OPENSMTPD,
	RECEIVED_COURIER,
	RECEIVED_COMMUNIGATE,
	RECEIVED_STALWART,
	RECEIVED_HARAKA,
	RECEIVED_GMAIL,
	RECEIVED_FORMAT_COUNT,
};

/* Where a field stood in the parsed value: byte offset and length */
struct received_span {
	size_t off, len;
};

struct received_info {
	enum received_format format;	/* the family the line was read as */
	struct tmx_addr addr;		/* observed: the peer's address */
	bool has_addr;			/* false: a line without a peer (local) */
	char rdns[RECEIVED_NAME_MAX];	/* observed: reverse name, "" unknown */
	char helo[RECEIVED_NAME_MAX];	/* claimed: HELO/EHLO, "" not shown */
	char by[RECEIVED_NAME_MAX];	/* the host that wrote the line */
	struct received_span addr_at;	/* the observed address's text */
	struct received_span helo_at;	/* the claimed HELO's text (len 0: none) */
};

/*
 * received_parse - read one Received value (as a milter sees it, folded
 * or not) as format, or with RECEIVED_AUTO as whichever family's layout
 * it has; a line that two families would read differently is refused.
 * 0 on success (has_addr says whether the relay named a peer), -1 with a
 * static reason: no from part, a layout no family writes, ambiguous.
 */
int received_parse(const char *value, size_t len, enum received_format format,
		   struct received_info *r, const char **error_r);

/* received_format_name - "auto", "postfix", "exim", ... */
const char *received_format_name(enum received_format format);

/* received_format_parse - a name to a format; -1 if no such format */
int received_format_parse(const char *name, enum received_format *format_r);

#endif
