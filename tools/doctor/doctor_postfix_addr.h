/*
 * doctor_postfix_addr.h - the sockets of "trustmx doctor --postfix"
 * (doctor_postfix_addr.c): the addresses Postfix is given, held against
 * the ones trustmx-milter and trustmx-policyd listen on.
 */
#ifndef TRUSTMX_TOOLS_DOCTOR_POSTFIX_ADDR_H
#define TRUSTMX_TOOLS_DOCTOR_POSTFIX_ADDR_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct conf_listen;

/* Where a socket is: a unix path, or host and port. */
struct doctor_postfix_endpoint {
	bool unix_path;
	char path[512];
	char host[256];		/* no brackets; "" for every address */
	char port[32];
};

/*
 * doctor_postfix_addr_endpoint_postfix - a Postfix client address
 * ("inet:host:port", "unix:path"); false if it is neither
 */
bool doctor_postfix_addr_endpoint_postfix(const char *text,
					  struct doctor_postfix_endpoint *e);

/* doctor_postfix_addr_endpoint_milter - milter_listen in libmilter's syntax */
bool doctor_postfix_addr_endpoint_milter(const char *text,
					 struct doctor_postfix_endpoint *e);

/* doctor_postfix_addr_endpoint_listen - one policy_listen/socketmap_listen */
void doctor_postfix_addr_endpoint_listen(const struct conf_listen *l,
					 struct doctor_postfix_endpoint *e);

/*
 * doctor_postfix_addr_same - does Postfix's address got reach the socket a
 * daemon listens on (want)? A unix path may be relative to Postfix's
 * queue directory (chroot); a daemon on every address takes any host.
 */
bool doctor_postfix_addr_same(const struct doctor_postfix_endpoint *want,
			      const struct doctor_postfix_endpoint *got);

/*
 * doctor_postfix_addr_listens - does got reach one of key's listen
 * addresses?
 */
bool doctor_postfix_addr_listens(const struct conf *conf, const char *key,
				 const struct doctor_postfix_endpoint *got);

/* doctor_postfix_addr_listen_text - key's first listen address, for a fix */
const char *doctor_postfix_addr_listen_text(const struct conf *conf,
					    const char *key, char *buf,
					    size_t size);

/* doctor_postfix_addr_milter_text - milter_listen as smtpd_milters writes it */
const char *doctor_postfix_addr_milter_text(
    const struct doctor_postfix_endpoint *e, char *buf, size_t size);

#endif
