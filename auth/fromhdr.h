/*
 * fromhdr.h - the author domains of a From header field (RFC 5322
 * mailbox-list: display names, quoted strings, comments, angle addresses,
 * groups), for DMARC. No allocation; never reads past the value.
 */
#ifndef TMX_FROMHDR_H
#define TMX_FROMHDR_H

#include <stddef.h>

#define FROMHDR_DOMAIN_MAX 256

struct fromhdr {
	unsigned naddrs;		/* mailboxes seen (with or without a domain) */
	unsigned ndomains;		/* distinct domains (case-insensitive) */
	char domain[FROMHDR_DOMAIN_MAX];	/* the first domain, lower case */
};

/*
 * fromhdr_parse - count the mailboxes of value and their distinct domains;
 * 0, or -1 with a static reason (unbalanced quotes or brackets, a domain
 * that is not a plain host name, 8-bit bytes in a domain).
 */
int fromhdr_parse(const char *value, size_t len, struct fromhdr *r,
		  const char **error_r);

#endif
