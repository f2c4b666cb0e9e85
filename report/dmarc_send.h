/*
 * dmarc_send.h - handing a report mail to the local MTA through its
 * sendmail(1) interface: "sendmail -oi -f SENDER -- RECIPIENT".
 */
#ifndef TMX_DMARC_SEND_H
#define TMX_DMARC_SEND_H

#include <stddef.h>

#define DMARC_SEND_SENDMAIL	"/usr/sbin/sendmail"

/*
 * dmarc_send - run command (argv-style words: the program and any options
 * of its own, e.g. {"sendmail", "-C", "/etc/postfix-out", NULL}) with
 * -oi -f sender -- rcpt, the message on its standard input. 0 when it
 * exits 0; -1 with the reason (its exit status, or why it did not run)
 * in err.
 */
int dmarc_send(char *const command[], const char *sender, const char *rcpt,
	       const void *msg, size_t len, char *err, size_t errlen);

#endif
