/*
 * doctor_postfix_addr.c - the sockets of "trustmx doctor --postfix":
 * Postfix's client addresses, milter_listen and the daemons' listen
 * addresses parsed alike, and whether the one reaches the other.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "doctor_postfix_addr.h"

/* doctor_postfix_addr_unbracket - host without [ ] in place */
static void
doctor_postfix_addr_unbracket(char *host)
{
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}
}

/* doctor_postfix_addr_endpoint_postfix - see doctor_postfix_addr.h */
bool
doctor_postfix_addr_endpoint_postfix(const char *text,
				     struct doctor_postfix_endpoint *e)
{
	const char *colon;

	memset(e, 0, sizeof(*e));
	if (strncmp(text, "unix:", 5) == 0) {
		e->unix_path = true;
		snprintf(e->path, sizeof(e->path), "%s", text + 5);
		return true;
	}
	if (strncmp(text, "inet:", 5) != 0 ||
	    (colon = strrchr(text + 5, ':')) == NULL)
		return false;
	snprintf(e->host, sizeof(e->host), "%.*s", (int)(colon - text - 5),
	    text + 5);
	doctor_postfix_addr_unbracket(e->host);
	snprintf(e->port, sizeof(e->port), "%s", colon + 1);
	return true;
}

/* doctor_postfix_addr_endpoint_milter - see doctor_postfix_addr.h */
bool
doctor_postfix_addr_endpoint_milter(const char *text,
				    struct doctor_postfix_endpoint *e)
{
	const char *colon = strchr(text, ':'), *at;

	memset(e, 0, sizeof(*e));
	if (colon == NULL)
		return false;
	if (strncmp(text, "unix:", 5) == 0 || strncmp(text, "local:", 6) == 0) {
		e->unix_path = true;
		snprintf(e->path, sizeof(e->path), "%s", colon + 1);
		return true;
	}
	if ((at = strchr(colon, '@')) == NULL) {
		snprintf(e->port, sizeof(e->port), "%s", colon + 1);
		return true;
	}
	snprintf(e->port, sizeof(e->port), "%.*s", (int)(at - colon - 1),
	    colon + 1);
	snprintf(e->host, sizeof(e->host), "%s", at + 1);
	doctor_postfix_addr_unbracket(e->host);
	return true;
}

/* doctor_postfix_addr_endpoint_listen - see doctor_postfix_addr.h */
void
doctor_postfix_addr_endpoint_listen(const struct conf_listen *l,
				    struct doctor_postfix_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	e->unix_path = l->kind == CONF_LISTEN_UNIX;
	if (e->unix_path) {
		snprintf(e->path, sizeof(e->path), "%s", l->path);
		return;
	}
	snprintf(e->host, sizeof(e->host), "%s",
	    l->host != NULL ? l->host : "");
	snprintf(e->port, sizeof(e->port), "%s", l->port);
}

/* doctor_postfix_addr_loopback - a name or address of this host's loopback */
static bool
doctor_postfix_addr_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 ||
	    strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

/* doctor_postfix_addr_same - see doctor_postfix_addr.h */
bool
doctor_postfix_addr_same(const struct doctor_postfix_endpoint *want,
			 const struct doctor_postfix_endpoint *got)
{
	size_t wl, gl;
	const char *g;

	if (want->unix_path != got->unix_path)
		return false;
	if (want->unix_path) {
		g = got->path;
		while (*g == '/')
			g++;
		wl = strlen(want->path);
		gl = strlen(g);
		if (strcmp(want->path, got->path) == 0)
			return true;
		return gl > 0 && wl > gl && want->path[wl - gl - 1] == '/' &&
		    strcmp(want->path + wl - gl, g) == 0;
	}
	if (strcmp(want->port, got->port) != 0)
		return false;
	if (want->host[0] == '\0' || strcmp(want->host, "*") == 0 ||
	    strcmp(want->host, "0.0.0.0") == 0 || strcmp(want->host, "::") == 0)
		return true;
	if (strcasecmp(want->host, got->host) == 0)
		return true;
	return doctor_postfix_addr_loopback(want->host) &&
	    doctor_postfix_addr_loopback(got->host);
}

/* doctor_postfix_addr_listens - see doctor_postfix_addr.h */
bool
doctor_postfix_addr_listens(const struct conf *conf, const char *key,
			    const struct doctor_postfix_endpoint *got)
{
	struct doctor_postfix_endpoint want;
	const struct conf_listen *l;
	size_t i, n;

	l = conf_listen(conf, key, &n);
	for (i = 0; i < n; i++) {
		doctor_postfix_addr_endpoint_listen(&l[i], &want);
		if (doctor_postfix_addr_same(&want, got))
			return true;
	}
	return false;
}

/* doctor_postfix_addr_listen_text - see doctor_postfix_addr.h */
const char *
doctor_postfix_addr_listen_text(const struct conf *conf, const char *key,
				char *buf, size_t size)
{
	const struct conf_listen *l;
	size_t n;

	l = conf_listen(conf, key, &n);
	if (n == 0)
		return "(none)";
	if (l[0].kind == CONF_LISTEN_UNIX)
		snprintf(buf, size, "unix:%s", l[0].path);
	else
		snprintf(buf, size, "inet:%s%s%s:%s",
		    l[0].host != NULL && strchr(l[0].host, ':') != NULL ? "[" :
		    "", l[0].host != NULL ? l[0].host : "127.0.0.1",
		    l[0].host != NULL && strchr(l[0].host, ':') != NULL ? "]" :
		    "", l[0].port);
	return buf;
}

/* doctor_postfix_addr_milter_text - see doctor_postfix_addr.h */
const char *
doctor_postfix_addr_milter_text(const struct doctor_postfix_endpoint *e,
				char *buf, size_t size)
{
	if (e->unix_path)
		snprintf(buf, size, "unix:%s", e->path);
	else if (strchr(e->host, ':') != NULL)
		snprintf(buf, size, "inet:[%s]:%s", e->host, e->port);
	else
		snprintf(buf, size, "inet:%s:%s",
		    e->host[0] != '\0' ? e->host : "127.0.0.1", e->port);
	return buf;
}
