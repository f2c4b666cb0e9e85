/*
 * session.c - connection and message state for trustmx-milter. Header
 * fields are sorted here to the checks that want them: Received for relay
 * recovery, From for DMARC, Authentication-Results for deletion, all of
 * them for DKIM.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "headers.h"
#include "session.h"
#include "xalloc.h"

/* session_new - see session.h */
struct session *
session_new(void)
{
	struct session *s = xcalloc(1, sizeof(*s));

	snprintf(s->client_text, sizeof(s->client_text), "local");
	snprintf(s->msg.qid, sizeof(s->msg.qid), "NOQUEUE");
	return s;
}

/* session_is_loopback - 127.0.0.0/8 or ::1: mail submitted on this host */
static bool
session_is_loopback(const struct tmx_addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (a->family == 4)
		return a->bytes[0] == 127;
	return memcmp(a->bytes, v6_loopback, sizeof(v6_loopback)) == 0;
}

/* session_connect - see session.h */
void
session_connect(struct session *s, const char *hostname, const void *hostaddr)
{
	const struct sockaddr *sa = hostaddr;

	snprintf(s->rdns, sizeof(s->rdns), "%s",
		 hostname ? hostname : "unknown");
	if (sa != NULL && tmx_addr_from_sockaddr(sa, &s->client) == 0) {
		tmx_addr_unmap(&s->client);
		/* Postfix shows non_smtpd_milters local mail as 127.0.0.1 */
		s->has_client = !session_is_loopback(&s->client);
		tmx_addr_format(&s->client, s->client_text,
				sizeof(s->client_text));
	} else {
		s->has_client = false;
		snprintf(s->client_text, sizeof(s->client_text), "local");
	}
}

/* session_set_helo - see session.h */
void
session_set_helo(struct session *s, const char *helo)
{
	free(s->helo);
	s->helo = helo ? xstrdup(helo) : NULL;
}

/* session_strip_brackets - "<a@b>" as "a@b"; "<>" as "" */
static char *
session_strip_brackets(const char *addr)
{
	size_t n;

	if (addr == NULL)
		return xstrdup("");
	n = strlen(addr);
	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>')
		return xstrndup(addr + 1, n - 2);
	return xstrdup(addr);
}

/* session_msg_start - see session.h */
void
session_msg_start(struct session *s, const char *mail_from,
		  bool authenticated, struct dkimv_lib *dkim_lib)
{
	session_msg_end(s);
	s->msg.settings = settings_acquire();
	s->msg.mail_from = session_strip_brackets(mail_from);
	s->msg.authenticated = authenticated;
	s->msg.dkim = dkimv_new(dkim_lib, s->msg.qid);
	if (s->msg.dkim == NULL || s->msg.settings == NULL) {
		s->msg.internal_error = true;
		return;
	}
	if (conf_bool(s->msg.settings->conf, "dmarc_failure_reports"))
		s->msg.ruf = xcalloc(1, sizeof(*s->msg.ruf));
	if ((s->msg.settings->arc_verify || s->msg.settings->arc_key) &&
	    (s->msg.arc = arc_msg_new(s->msg.settings->arc_key != NULL)) ==
	    NULL)
		s->msg.internal_error = true;
}

/* session_value - a header value without the leading space */
static const char *
session_value(const char *value)
{
	while (*value == ' ' || *value == '\t')
		value++;
	return value;
}

/* session_from - a From field: count it, read the first one's domains */
static void
session_from(struct session_msg *m, const char *value)
{
	const char *why = NULL;

	if (m->nfrom++ > 0)
		return;
	if (fromhdr_parse(value, strlen(value), &m->from, &why) < 0)
		m->from_error = why;
}

/* session_authres - an A-R field: note its index when it claims our id */
static void
session_authres(struct session_msg *m, const char *value)
{
	m->nar++;
	if (m->settings == NULL ||
	    !headers_is_ours(value, m->settings->authserv_id))
		return;
	m->ours = xreallocarray(m->ours, m->nours + 1, sizeof(*m->ours));
	m->ours[m->nours++] = m->nar;
}

/* session_msg_header - see session.h */
void
session_msg_header(struct session *s, const char *name, const char *value)
{
	struct session_msg *m = &s->msg;

	if (strcasecmp(name, "Received") == 0) {
		if (m->nreceived < SESSION_MAX_RECEIVED)
			m->received[m->nreceived++] =
			    xstrdup(session_value(value));
	} else if (strcasecmp(name, "From") == 0) {
		session_from(m, value);
	} else if (strcasecmp(name, HEADERS_AR_NAME) == 0) {
		session_authres(m, value);
	}
	if (m->ruf != NULL)
		dmarc_ruf_headers_add(&m->ruf->headers, name, value);
	if (m->arc != NULL && arc_msg_header(m->arc, name, value) < 0)
		m->internal_error = true;
	if (s->leadspc) {
		dkimv_header(m->dkim, name, value);
	} else {
		char *spaced = xasprintf(" %s", value);

		dkimv_header(m->dkim, name, spaced);
		free(spaced);
	}
}

/* session_msg_end - see session.h */
void
session_msg_end(struct session *s)
{
	struct session_msg *m = &s->msg;

	settings_release(m->settings);
	free(m->mail_from);
	dkimv_free(m->dkim);
	arc_msg_free(m->arc);
	for (size_t i = 0; i < m->nreceived; i++)
		free(m->received[i]);
	free(m->ours);
	free(m->ruf);
	memset(m, 0, sizeof(*m));
	snprintf(m->qid, sizeof(m->qid), "NOQUEUE");
}

/* session_free - see session.h */
void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	session_msg_end(s);
	free(s->helo);
	free(s);
}
