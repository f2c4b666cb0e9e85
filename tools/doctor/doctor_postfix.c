/*
 * doctor_postfix.c - "trustmx doctor --postfix DIR": Postfix's main.cf and
 * master.cf as Postfix reads them (postconf -c DIR, spawned without a
 * shell), held against trustmx: every smtpd service runs trustmx-milter
 * with milter_default_action = tempfail and asks trustmx-policyd; every
 * postscreen asks its socketmap, and PROXY listeners let HAProxy's health
 * checks through. With --config the addresses come from trustmx.conf,
 * else from its defaults.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "doctor.h"
#include "lists.h"
#include "xalloc.h"

extern char **environ;

#define DOCTOR_POSTFIX_OUT_MAX	(4 * 1024 * 1024)	/* postconf's output */

/* The main.cf parameters the checks read (postconf -x NAME...). */
static const char *const doctor_postfix_names[] = {
	"milter_default_action",
	"smtpd_milters",
	"postscreen_upstream_proxy_protocol",
	"smtpd_upstream_proxy_protocol",
	"postscreen_access_list",
	"smtpd_client_restrictions",
	"smtpd_helo_restrictions",
	"smtpd_sender_restrictions",
	"smtpd_relay_restrictions",
	"smtpd_recipient_restrictions",
	"smtpd_data_restrictions",
	"smtpd_end_of_data_restrictions",
	NULL,
};

/* The restriction lists check_policy_service may sit in. */
static const char *const doctor_postfix_restrictions[] = {
	"smtpd_client_restrictions", "smtpd_helo_restrictions",
	"smtpd_sender_restrictions", "smtpd_relay_restrictions",
	"smtpd_recipient_restrictions", "smtpd_data_restrictions",
	"smtpd_end_of_data_restrictions", NULL,
};

/* One "name = value": main.cf (service NULL) or a master.cf -o override. */
struct doctor_postfix_param {
	char *service;		/* "submission/inet"; NULL: main.cf */
	char *name;
	char *value;
};

/* One master.cf service. */
struct doctor_postfix_service {
	char *id;		/* "name/type", as postconf -P writes it */
	char *type;
	char *command;
};

/* Postfix's configuration, as postconf printed it. */
struct doctor_postfix {
	struct doctor_postfix_param *params;
	size_t n_params;
	struct doctor_postfix_service *services;
	size_t n_services;
};

/* Where a socket is: a unix path, or host and port. */
struct doctor_postfix_endpoint {
	bool unix_path;
	char path[512];
	char host[256];		/* no brackets; "" for every address */
	char port[32];
};

/* doctor_postfix_spawn - postconf -c dir args; stdout in *out_r; 0 or -1 */
static int
doctor_postfix_spawn(const char *dir, const char *const *args, char **out_r,
		     char *err, size_t errlen)
{
	const char *argv[40], *what = args[0];
	posix_spawn_file_actions_t fa;
	size_t n = 0, len = 0, size = 4096;
	int out[2], status, rc;
	FILE *errfp;
	char *buf;
	ssize_t got;
	pid_t pid;

	argv[n++] = "postconf";
	argv[n++] = "-c";
	argv[n++] = dir;	/* one argument: no shell sees it */
	while (*args != NULL && n < sizeof(argv) / sizeof(argv[0]) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	if ((errfp = tmpfile()) == NULL) {
		snprintf(err, errlen, "tmpfile: %s", strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		fclose(errfp);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(errfp), 2);
	rc = posix_spawnp(&pid, "postconf", &fa, NULL, (char *const *)argv,
	    environ);
	if (rc == ENOENT)	/* not on PATH (a user's shell): Debian's place */
		rc = posix_spawn(&pid, "/usr/sbin/postconf", &fa, NULL,
		    (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run postconf: %s", strerror(rc));
		close(out[0]);
		fclose(errfp);
		return -1;
	}
	buf = xmalloc(size);
	for (;;) {
		char drain[4096];

		if (len + 1 >= size && size < DOCTOR_POSTFIX_OUT_MAX)
			buf = xrealloc(buf, size *= 2);
		if (len + 1 < size)
			got = read(out[0], buf + len, size - len - 1);
		else	/* past the cap: read on, so postconf can finish */
			got = read(out[0], drain, sizeof(drain));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (len + 1 < size)
			len += (size_t)got;
	}
	buf[len] = '\0';
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char line[512] = "";

		rewind(errfp);
		if (fgets(line, sizeof(line), errfp) != NULL)
			line[strcspn(line, "\n")] = '\0';
		snprintf(err, errlen, "postconf -c %s %s failed: %s", dir,
		    what, line[0] != '\0' ? line : "no reason given");
		fclose(errfp);
		free(buf);
		return -1;
	}
	fclose(errfp);
	*out_r = buf;
	return 0;
}

/* doctor_postfix_add - remember one parameter (service NULL: main.cf) */
static void
doctor_postfix_add(struct doctor_postfix *pf, const char *service,
		   size_t service_len, const char *name, size_t name_len,
		   const char *value)
{
	struct doctor_postfix_param *p;

	pf->params = xreallocarray(pf->params, pf->n_params + 1,
	    sizeof(*pf->params));
	p = &pf->params[pf->n_params++];
	p->service = service != NULL ? xstrndup(service, service_len) : NULL;
	p->name = xstrndup(name, name_len);
	p->value = xstrdup(value);
}

/*
 * doctor_postfix_parse_params - "name = value" lines (main.cf), or with
 * overrides "service/type/name = value" lines (postconf -P)
 */
static void
doctor_postfix_parse_params(struct doctor_postfix *pf, char *text,
			    bool overrides)
{
	char *line, *next, *eq, *slash;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strstr(line, " = ")) == NULL) {
			if ((eq = strstr(line, " =")) == NULL || eq[2] != '\0')
				continue;	/* not a parameter line */
		}
		eq[0] = '\0';
		if (!overrides) {
			doctor_postfix_add(pf, NULL, 0, line, strlen(line),
			    eq[2] == '\0' ? "" : eq + 3);
			continue;
		}
		/* the name has no '/', nor has the type */
		if ((slash = strrchr(line, '/')) == NULL || slash == line)
			continue;
		doctor_postfix_add(pf, line, (size_t)(slash - line), slash + 1,
		    strlen(slash + 1), eq[2] == '\0' ? "" : eq + 3);
	}
}

/*
 * doctor_postfix_parse_services - postconf -F lines of each command:
 * "name/type/command = command args" (-F names the field, so no
 * column counting as with -M)
 */
static void
doctor_postfix_parse_services(struct doctor_postfix *pf, char *text)
{
	static const char field[] = "/command = ";
	char *line, *next, *eq, *type;
	struct doctor_postfix_service *s;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strstr(line, field)) == NULL)
			continue;
		*eq = '\0';
		if ((type = strrchr(line, '/')) == NULL || type == line)
			continue;
		pf->services = xreallocarray(pf->services, pf->n_services + 1,
		    sizeof(*pf->services));
		s = &pf->services[pf->n_services++];
		s->id = xstrdup(line);
		s->type = xstrdup(type + 1);
		eq += sizeof(field) - 1;
		s->command = xstrndup(eq, strcspn(eq, " \t"));
	}
}

/* doctor_postfix_free - what the parsers allocated */
static void
doctor_postfix_free(struct doctor_postfix *pf)
{
	size_t i;

	for (i = 0; i < pf->n_params; i++) {
		free(pf->params[i].service);
		free(pf->params[i].name);
		free(pf->params[i].value);
	}
	for (i = 0; i < pf->n_services; i++) {
		free(pf->services[i].id);
		free(pf->services[i].type);
		free(pf->services[i].command);
	}
	free(pf->params);
	free(pf->services);
}

/* doctor_postfix_read - main.cf, master.cf and its -o overrides; 0 or -1 */
static int
doctor_postfix_read(const char *dir, struct doctor_postfix *pf, char *err,
		    size_t errlen)
{
	static const char *const services[] = { "-F", "*/*/command", NULL };
	static const char *const overrides[] = { "-xP", NULL };
	const char *names[sizeof(doctor_postfix_names) /
	    sizeof(doctor_postfix_names[0]) + 1];
	char *out;
	size_t i;

	names[0] = "-x";
	for (i = 0; doctor_postfix_names[i] != NULL; i++)
		names[i + 1] = doctor_postfix_names[i];
	names[i + 1] = NULL;
	if (doctor_postfix_spawn(dir, names, &out, err, errlen) < 0)
		return -1;
	doctor_postfix_parse_params(pf, out, false);
	free(out);
	if (doctor_postfix_spawn(dir, services, &out, err, errlen) < 0)
		return -1;
	doctor_postfix_parse_services(pf, out);
	free(out);
	if (doctor_postfix_spawn(dir, overrides, &out, err, errlen) < 0)
		return -1;
	doctor_postfix_parse_params(pf, out, true);
	free(out);
	return 0;
}

/*
 * doctor_postfix_get - name's value for service (its -o override, else
 * main.cf's); *where_r says which. "" when postconf did not print it.
 */
static const char *
doctor_postfix_get(const struct doctor_postfix *pf,
		   const struct doctor_postfix_service *svc, const char *name,
		   const char **where_r)
{
	const char *main_value = "";
	size_t i;

	for (i = 0; i < pf->n_params; i++) {
		const struct doctor_postfix_param *p = &pf->params[i];

		if (strcmp(p->name, name) != 0)
			continue;
		if (p->service == NULL) {
			main_value = p->value;
		} else if (svc != NULL && strcmp(p->service, svc->id) == 0) {
			if (where_r != NULL)
				*where_r = "master.cf -o";
			return p->value;
		}
	}
	if (where_r != NULL)
		*where_r = "main.cf";
	return main_value;
}

/*
 * doctor_postfix_token - the next item of a Postfix list after *pp into
 * tok: a word, or what a { ... } group holds (without the braces, then
 * *group_r). false at the end.
 */
static bool
doctor_postfix_token(const char **pp, char *tok, size_t size, bool *group_r)
{
	const char *p = *pp, *start;
	int depth;

	while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n')
		p++;
	if (*p == '\0')
		return false;
	*group_r = *p == '{';
	if (*group_r) {
		start = ++p;
		for (depth = 1; *p != '\0'; p++) {
			if (*p == '{')
				depth++;
			else if (*p == '}' && --depth == 0)
				break;
		}
		snprintf(tok, size, "%.*s", (int)(p - start), start);
		if (*p == '}')
			p++;
	} else {
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',' &&
		    *p != '\n')
			p++;
		snprintf(tok, size, "%.*s", (int)(p - start), start);
	}
	*pp = p;
	return true;
}

/* doctor_postfix_first - the first word of a group into word */
static void
doctor_postfix_first(const char *group, char *word, size_t size)
{
	bool inner;

	if (!doctor_postfix_token(&group, word, size, &inner))
		word[0] = '\0';
}

/* doctor_postfix_option - "key=value" in a group: value into out, or false */
static bool
doctor_postfix_option(const char *group, const char *key, char *out,
		      size_t size)
{
	size_t klen = strlen(key);
	char tok[512];
	bool inner;

	while (doctor_postfix_token(&group, tok, sizeof(tok), &inner)) {
		char *eq = strchr(tok, '='), *v;

		if (eq == NULL)
			continue;
		for (v = eq; v > tok && (v[-1] == ' ' || v[-1] == '\t'); v--)
			;
		if ((size_t)(v - tok) != klen || strncmp(tok, key, klen) != 0)
			continue;
		for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
			;
		snprintf(out, size, "%s", v);
		return true;
	}
	return false;
}

/* doctor_postfix_unbracket - host without [ ] in place */
static void
doctor_postfix_unbracket(char *host)
{
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}
}

/*
 * doctor_postfix_endpoint_postfix - a Postfix client address
 * ("inet:host:port", "unix:path"); false if it is neither
 */
static bool
doctor_postfix_endpoint_postfix(const char *text,
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
	doctor_postfix_unbracket(e->host);
	snprintf(e->port, sizeof(e->port), "%s", colon + 1);
	return true;
}

/* doctor_postfix_endpoint_milter - milter_listen in libmilter's syntax */
static bool
doctor_postfix_endpoint_milter(const char *text,
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
	doctor_postfix_unbracket(e->host);
	return true;
}

/* doctor_postfix_endpoint_listen - one policy_listen/socketmap_listen */
static void
doctor_postfix_endpoint_listen(const struct conf_listen *l,
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

/* doctor_postfix_loopback - a name or address of this host's loopback */
static bool
doctor_postfix_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 ||
	    strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

/*
 * doctor_postfix_same - does Postfix's address got reach the socket a
 * daemon listens on (want)? A unix path may be relative to Postfix's
 * queue directory (chroot); a daemon on every address takes any host.
 */
static bool
doctor_postfix_same(const struct doctor_postfix_endpoint *want,
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
	return doctor_postfix_loopback(want->host) &&
	    doctor_postfix_loopback(got->host);
}

/* doctor_postfix_listens - does got reach one of key's listen addresses? */
static bool
doctor_postfix_listens(const struct conf *conf, const char *key,
		       const struct doctor_postfix_endpoint *got)
{
	struct doctor_postfix_endpoint want;
	const struct conf_listen *l;
	size_t i, n;

	l = conf_listen(conf, key, &n);
	for (i = 0; i < n; i++) {
		doctor_postfix_endpoint_listen(&l[i], &want);
		if (doctor_postfix_same(&want, got))
			return true;
	}
	return false;
}

/* doctor_postfix_listen_text - key's first listen address, for a fix */
static const char *
doctor_postfix_listen_text(const struct conf *conf, const char *key,
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

/* doctor_postfix_milter_text - milter_listen as smtpd_milters writes it */
static const char *
doctor_postfix_milter_text(const struct doctor_postfix_endpoint *e,
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

/* What the checks share. */
struct doctor_postfix_ctx {
	struct doctor *d;
	struct doctor_postfix pf;
	const struct conf *conf;	/* --config's, else the defaults */
	enum doctor_verdict missing;	/* not wired in: fail with --config */
};

/* doctor_postfix_action_why - what milter_default_action=value does */
static const char *
doctor_postfix_action_why(const char *value)
{
	if (strcasecmp(value, "accept") == 0)
		return "mail passes unchecked when the milter is down";
	if (strcasecmp(value, "reject") == 0)
		return "mail is bounced (5xx) when the milter is down";
	if (strcasecmp(value, "quarantine") == 0)
		return "mail is held unchecked when the milter is down";
	return "mail is not tempfailed when the milter is down";
}

/* doctor_postfix_milter - one smtpd service: trustmx-milter, tempfail */
static void
doctor_postfix_milter(struct doctor_postfix_ctx *c,
		      const struct doctor_postfix_service *svc)
{
	struct doctor_postfix_endpoint want, got;
	const char *milters, *action, *where, *awhere, *p;
	char tok[1024], addr[1024], own[64], text[600];
	struct doctor_finding *f;
	bool group, found = false;

	milters = doctor_postfix_get(&c->pf, svc, "smtpd_milters", &where);
	action = doctor_postfix_get(&c->pf, svc, "milter_default_action",
	    &awhere);
	doctor_postfix_endpoint_milter(conf_str(c->conf, "milter_listen"),
	    &want);
	doctor_postfix_milter_text(&want, text, sizeof(text));
	own[0] = '\0';
	for (p = milters; doctor_postfix_token(&p, tok, sizeof(tok), &group);) {
		if (group)
			doctor_postfix_first(tok, addr, sizeof(addr));
		else
			snprintf(addr, sizeof(addr), "%s", tok);
		if (!doctor_postfix_endpoint_postfix(addr, &got) ||
		    !doctor_postfix_same(&want, &got))
			continue;
		found = true;
		if (group && doctor_postfix_option(tok, "default_action", own,
		    sizeof(own)))
			break;
		own[0] = '\0';
		break;
	}
	if (!found) {
		f = doctor_add(c->d, "postfix.milter", DOCTOR_FAIL, svc->id,
		    "smtpd_milters (%s) lacks trustmx-milter (%s): mail is "
		    "accepted without SPF, DKIM or DMARC", where, text);
		doctor_fix(f, "add %s to smtpd_milters", text);
	} else {
		doctor_add(c->d, "postfix.milter", DOCTOR_OK, svc->id,
		    "smtpd_milters (%s) has %s", where, addr);
	}
	if (own[0] != '\0' && strcasecmp(own, "tempfail") != 0) {
		f = doctor_add(c->d, "postfix.tempfail", DOCTOR_FAIL,
		    svc->id, "default_action=%s in smtpd_milters' { %s }: %s",
		    own, addr, doctor_postfix_action_why(own));
		doctor_fix(f, "write default_action=tempfail there (or drop "
		    "it and set milter_default_action = tempfail)");
	} else if (own[0] == '\0' && strcasecmp(action, "tempfail") != 0) {
		f = doctor_add(c->d, "postfix.tempfail", DOCTOR_FAIL,
		    svc->id, "milter_default_action = %s (%s): %s", action,
		    awhere, doctor_postfix_action_why(action));
		doctor_fix(f, "milter_default_action = tempfail (senders retry "
		    "until the milter is back)");
	} else {
		doctor_add(c->d, "postfix.tempfail", DOCTOR_OK, svc->id,
		    "tempfail: senders retry while the milter is down");
	}
}

/* doctor_postfix_policy - one smtpd service asks trustmx-policyd */
static void
doctor_postfix_policy(struct doctor_postfix_ctx *c,
		      const struct doctor_postfix_service *svc)
{
	struct doctor_postfix_endpoint got;
	char tok[1024], addr[1024], text[600];
	const char *value, *p;
	struct doctor_finding *f;
	bool group, next = false;
	size_t i;

	for (i = 0; doctor_postfix_restrictions[i] != NULL; i++) {
		value = doctor_postfix_get(&c->pf, svc,
		    doctor_postfix_restrictions[i], NULL);
		for (p = value; doctor_postfix_token(&p, tok, sizeof(tok),
		    &group);) {
			if (!next) {
				next = !group && strcasecmp(tok,
				    "check_policy_service") == 0;
				continue;
			}
			next = false;
			if (group)
				doctor_postfix_first(tok, addr, sizeof(addr));
			else
				snprintf(addr, sizeof(addr), "%s", tok);
			if (doctor_postfix_endpoint_postfix(addr, &got) &&
			    doctor_postfix_listens(c->conf, "policy_listen",
			    &got)) {
				doctor_add(c->d, "postfix.policy", DOCTOR_OK,
				    svc->id, "%s: check_policy_service %s",
				    doctor_postfix_restrictions[i], addr);
				return;
			}
		}
	}
	doctor_postfix_listen_text(c->conf, "policy_listen", text,
	    sizeof(text));
	f = doctor_add(c->d, "postfix.policy", c->missing, svc->id,
	    "no check_policy_service %s in smtpd_*_restrictions: "
	    "deny_networks are not refused here", text);
	doctor_fix(f, "smtpd_client_restrictions = check_policy_service %s",
	    text);
}

/*
 * doctor_postfix_socketmap - does access hold trustmx's socketmap
 * ("socketmap:ADDR:postscreen" on a socketmap_listen address)? The entry
 * into found, or "".
 */
static bool
doctor_postfix_socketmap(const struct doctor_postfix_ctx *c,
			 const char *access, char *found, size_t size)
{
	static const char suffix[] = ":postscreen";
	struct doctor_postfix_endpoint got;
	char tok[1024], addr[1024];
	const char *p;
	size_t len;
	bool group;

	found[0] = '\0';
	for (p = access; doctor_postfix_token(&p, tok, sizeof(tok), &group);) {
		len = strlen(tok);
		if (group || strncmp(tok, "socketmap:", 10) != 0 ||
		    len < 10 + sizeof(suffix) ||
		    strcmp(tok + len - sizeof(suffix) + 1, suffix) != 0)
			continue;
		snprintf(addr, sizeof(addr), "%.*s",
		    (int)(len - 10 - (sizeof(suffix) - 1)), tok + 10);
		if (doctor_postfix_endpoint_postfix(addr, &got) &&
		    doctor_postfix_listens(c->conf, "socketmap_listen", &got)) {
			snprintf(found, size, "%s", tok);
			return true;
		}
	}
	return false;
}

/* doctor_postfix_postscreen - one postscreen asks trustmx's socketmap */
static void
doctor_postfix_postscreen(struct doctor_postfix_ctx *c,
			  const struct doctor_postfix_service *svc)
{
	char found[1024], text[600];
	const char *access, *where;
	struct doctor_finding *f;

	access = doctor_postfix_get(&c->pf, svc, "postscreen_access_list",
	    &where);
	if (doctor_postfix_socketmap(c, access, found, sizeof(found))) {
		doctor_add(c->d, "postfix.socketmap", DOCTOR_OK, svc->id,
		    "postscreen_access_list (%s) has %s", where, found);
		return;
	}
	doctor_postfix_listen_text(c->conf, "socketmap_listen", text,
	    sizeof(text));
	f = doctor_add(c->d, "postfix.socketmap", c->missing, svc->id,
	    "postscreen_access_list (%s) does not ask trustmx-policyd "
	    "(socketmap:%s:postscreen): deny_networks are not dropped, relay "
	    "and proxy networks get postscreen's tests", where, text);
	doctor_fix(f, "postscreen_access_list = permit_mynetworks, "
	    "socketmap:%s:postscreen", text);
}

/*
 * doctor_postfix_proxy - does svc (postscreen or smtpd, inet) expect a
 * PROXY header? Then HAProxy's health checks must be let through.
 * true for a PROXY listener.
 */
static bool
doctor_postfix_proxy(struct doctor_postfix_ctx *c,
		     const struct doctor_postfix_service *svc, bool postscreen)
{
	const char *proto, *where, *access;
	struct doctor_finding *f;
	char found[1024], text[600];

	proto = doctor_postfix_get(&c->pf, svc, postscreen ?
	    "postscreen_upstream_proxy_protocol" :
	    "smtpd_upstream_proxy_protocol", &where);
	if (strcasecmp(proto, "haproxy") != 0)
		return false;
	if (!postscreen) {
		doctor_add(c->d, "postfix.proxy", DOCTOR_OK, svc->id,
		    "smtpd expects PROXY headers (%s)", where);
		return true;
	}
	access = doctor_postfix_get(&c->pf, svc, "postscreen_access_list",
	    NULL);
	if (doctor_postfix_socketmap(c, access, found, sizeof(found))) {
		doctor_add(c->d, "postfix.proxy", DOCTOR_OK, svc->id,
		    "postscreen expects PROXY headers (%s); HAProxy's checks "
		    "are permitted through %s", where, found);
		return true;
	}
	doctor_postfix_listen_text(c->conf, "socketmap_listen", text,
	    sizeof(text));
	f = doctor_add(c->d, "postfix.proxy", DOCTOR_FAIL, svc->id,
	    "postscreen expects PROXY headers (%s), but its access list does "
	    "not permit the proxy (no trustmx socketmap): \"postscreen greets "
	    "clients it does not know with a multi-line 220- banner\", so "
	    "HAProxy's SMTP health check marks it DOWN (L7RSP) and port 25 "
	    "gets no traffic", where);
	doctor_fix(f, "add socketmap:%s:postscreen to postscreen_access_list "
	    "and list HAProxy's address in proxy_networks", text);
	return true;
}

/* doctor_postfix_checks - every service against trustmx */
static void
doctor_postfix_checks(struct doctor_postfix_ctx *c)
{
	char listeners[256] = "";
	struct doctor_finding *f;
	size_t i, len = 0;
	bool postscreen, smtpd;

	for (i = 0; i < c->pf.n_services; i++) {
		const struct doctor_postfix_service *svc = &c->pf.services[i];
		bool inet = strcmp(svc->type, "inet") == 0;

		postscreen = strcmp(svc->command, "postscreen") == 0 && inet;
		smtpd = strcmp(svc->command, "smtpd") == 0 &&
		    (inet || strcmp(svc->type, "pass") == 0);
		if (smtpd) {
			doctor_postfix_milter(c, svc);
			doctor_postfix_policy(c, svc);
		}
		if (postscreen)
			doctor_postfix_postscreen(c, svc);
		if (((postscreen || (smtpd && inet)) &&
		    doctor_postfix_proxy(c, svc, postscreen)) &&
		    len < sizeof(listeners))
			len += (size_t)snprintf(listeners + len,
			    sizeof(listeners) - len, "%s%s",
			    len > 0 ? ", " : "", svc->id);
	}
	if (c->d->lists == NULL || len == 0 ||
	    doctor_config_count(c->d, LIST_PROXY) > 0)
		return;
	f = doctor_add(c->d, "config.lists", DOCTOR_FAIL, "proxy_networks",
	    "empty, but Postfix expects PROXY headers on %s: HAProxy's "
	    "health checks are not permitted and postscreen marks the "
	    "server DOWN (L7RSP)", listeners);
	doctor_fix(f, "list HAProxy's address (as Postfix sees it) in "
	    "proxy_networks in %s", c->d->config);
}

/* doctor_postfix_check - see doctor.h */
void
doctor_postfix_check(struct doctor *d)
{
	struct doctor_postfix_ctx c;
	struct conf *defaults = NULL;
	struct doctor_finding *f;
	char err[1024];

	memset(&c, 0, sizeof(c));
	c.d = d;
	c.missing = d->conf != NULL ? DOCTOR_FAIL : DOCTOR_WARN;
	if (doctor_postfix_read(d->postfix, &c.pf, err, sizeof(err)) < 0) {
		f = doctor_add(d, "postfix.read", DOCTOR_FAIL, d->postfix,
		    "%s", err);
		doctor_fix(f, "point --postfix at the directory holding "
		    "main.cf and master.cf (postconf config_directory)");
		doctor_postfix_free(&c.pf);
		return;
	}
	if ((c.conf = d->conf) == NULL) {
		/* no --config: trustmx's defaults say where the daemons are */
		defaults = conf_parse("defaults", "", 0, err, sizeof(err));
		if (defaults == NULL) {
			doctor_add(d, "postfix.read", DOCTOR_FAIL, "defaults",
			    "%s", err);
			doctor_postfix_free(&c.pf);
			return;
		}
		c.conf = defaults;
	}
	doctor_add(d, "postfix.read", DOCTOR_OK, d->postfix,
	    "%zu master.cf services", c.pf.n_services);
	doctor_postfix_checks(&c);
	conf_free(defaults);
	doctor_postfix_free(&c.pf);
}
