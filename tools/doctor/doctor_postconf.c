/*
 * doctor_postconf.c - Postfix's configuration for "trustmx doctor
 * --postfix": main.cf parameters, master.cf services and their -o
 * overrides as postconf -c DIR prints them (spawned without a shell).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor_postconf.h"
#include "xalloc.h"

extern char **environ;

#define DOCTOR_POSTCONF_OUT_MAX	(4 * 1024 * 1024)	/* postconf's output */

/* The main.cf parameters the checks read (postconf -x NAME...). */
static const char *const doctor_postconf_names[] = {
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

/* doctor_postconf_collect - fd to EOF into *buf_r; true if over the cap */
static bool
doctor_postconf_collect(int fd, char **buf_r)
{
	size_t len = 0, size = 4096;
	char *buf = xmalloc(size), drain[4096];
	bool too_large = false;
	ssize_t got;

	for (;;) {
		if (len + 1 >= size && size < DOCTOR_POSTCONF_OUT_MAX)
			buf = xrealloc(buf, size *= 2);
		if (len + 1 < size)
			got = read(fd, buf + len, size - len - 1);
		else	/* past the cap: read on, so postconf can finish */
			got = read(fd, drain, sizeof(drain));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (len + 1 < size)
			len += (size_t)got;
		else
			too_large = true;
	}
	buf[len] = '\0';
	*buf_r = buf;
	return too_large;
}

/* doctor_postconf_start - postconf with stdout to *fd_r, stderr to errfp */
static int
doctor_postconf_start(const char *const *argv, FILE *errfp, pid_t *pid_r,
		      int *fd_r, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	int out[2], rc;

	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(errfp), 2);
	rc = posix_spawnp(pid_r, "postconf", &fa, NULL, (char *const *)argv,
	    environ);
	if (rc == ENOENT)	/* not on PATH (a user's shell): Debian's place */
		rc = posix_spawn(pid_r, "/usr/sbin/postconf", &fa, NULL,
		    (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run postconf: %s", strerror(rc));
		close(out[0]);
		return -1;
	}
	*fd_r = out[0];
	return 0;
}

/* doctor_postconf_status - why postconf's run is unusable, or 0 if it is */
static int
doctor_postconf_status(const char *dir, const char *what, pid_t pid,
		       bool too_large, FILE *errfp, char *err, size_t errlen)
{
	char line[512] = "";
	int status, rc;

	while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		snprintf(err, errlen, "postconf -c %s %s: waitpid: %s", dir,
		    what, strerror(errno));
		return -1;
	}
	if (too_large) {	/* a cut line would be read as a setting */
		snprintf(err, errlen, "postconf -c %s %s: output larger than "
		    "%d MiB", dir, what, DOCTOR_POSTCONF_OUT_MAX >> 20);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	rewind(errfp);
	if (fgets(line, sizeof(line), errfp) != NULL)
		line[strcspn(line, "\n")] = '\0';
	snprintf(err, errlen, "postconf -c %s %s failed: %s", dir, what,
	    line[0] != '\0' ? line : "no reason given");
	return -1;
}

/* doctor_postconf_spawn - postconf -c dir args; stdout in *out_r; 0 or -1 */
static int
doctor_postconf_spawn(const char *dir, const char *const *args, char **out_r,
		     char *err, size_t errlen)
{
	const char *argv[40], *what = args[0];
	size_t n = 0;
	bool too_large;
	FILE *errfp;
	char *buf;
	pid_t pid;
	int fd;

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
	if (doctor_postconf_start(argv, errfp, &pid, &fd, err, errlen) < 0) {
		fclose(errfp);
		return -1;
	}
	too_large = doctor_postconf_collect(fd, &buf);
	close(fd);
	if (doctor_postconf_status(dir, what, pid, too_large, errfp, err,
	    errlen) < 0) {
		fclose(errfp);
		free(buf);
		return -1;
	}
	fclose(errfp);
	*out_r = buf;
	return 0;
}

/* doctor_postconf_add - remember one parameter (service NULL: main.cf) */
static void
doctor_postconf_add(struct doctor_postconf *pf, const char *service,
		   size_t service_len, const char *name, size_t name_len,
		   const char *value)
{
	struct doctor_postconf_param *p;

	pf->params = xreallocarray(pf->params, pf->n_params + 1,
	    sizeof(*pf->params));
	p = &pf->params[pf->n_params++];
	p->service = service != NULL ? xstrndup(service, service_len) : NULL;
	p->name = xstrndup(name, name_len);
	p->value = xstrdup(value);
}

/*
 * doctor_postconf_parse_params - "name = value" lines (main.cf), or with
 * overrides "service/type/name = value" lines (postconf -P)
 */
static void
doctor_postconf_parse_params(struct doctor_postconf *pf, char *text,
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
			doctor_postconf_add(pf, NULL, 0, line, strlen(line),
			    eq[2] == '\0' ? "" : eq + 3);
			continue;
		}
		/* the name has no '/', nor has the type */
		if ((slash = strrchr(line, '/')) == NULL || slash == line)
			continue;
		doctor_postconf_add(pf, line, (size_t)(slash - line), slash + 1,
		    strlen(slash + 1), eq[2] == '\0' ? "" : eq + 3);
	}
}

/*
 * doctor_postconf_parse_services - postconf -F lines of each command:
 * "name/type/command = command args" (-F names the field, so no
 * column counting as with -M)
 */
static void
doctor_postconf_parse_services(struct doctor_postconf *pf, char *text)
{
	static const char field[] = "/command = ";
	char *line, *next, *eq, *type;
	struct doctor_postconf_service *s;

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

/* doctor_postconf_free - see doctor_postconf.h */
void
doctor_postconf_free(struct doctor_postconf *pf)
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

/* doctor_postconf_read - see doctor_postconf.h */
int
doctor_postconf_read(const char *dir, struct doctor_postconf *pf, char *err,
		    size_t errlen)
{
	static const char *const services[] = { "-F", "*/*/command", NULL };
	static const char *const overrides[] = { "-xP", NULL };
	const char *names[sizeof(doctor_postconf_names) /
	    sizeof(doctor_postconf_names[0]) + 1];
	char *out;
	size_t i;

	names[0] = "-x";
	for (i = 0; doctor_postconf_names[i] != NULL; i++)
		names[i + 1] = doctor_postconf_names[i];
	names[i + 1] = NULL;
	if (doctor_postconf_spawn(dir, names, &out, err, errlen) < 0)
		return -1;
	doctor_postconf_parse_params(pf, out, false);
	free(out);
	if (doctor_postconf_spawn(dir, services, &out, err, errlen) < 0)
		return -1;
	doctor_postconf_parse_services(pf, out);
	free(out);
	if (doctor_postconf_spawn(dir, overrides, &out, err, errlen) < 0)
		return -1;
	doctor_postconf_parse_params(pf, out, true);
	free(out);
	return 0;
}

/* doctor_postconf_get - see doctor_postconf.h */
const char *
doctor_postconf_get(const struct doctor_postconf *pf,
		   const struct doctor_postconf_service *svc, const char *name,
		   const char **where_r)
{
	const char *main_value = "";
	size_t i;

	for (i = 0; i < pf->n_params; i++) {
		const struct doctor_postconf_param *p = &pf->params[i];

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

/* doctor_postconf_token - see doctor_postconf.h */
bool
doctor_postconf_token(const char **pp, char *tok, size_t size, bool *group_r)
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

/* doctor_postconf_first - see doctor_postconf.h */
void
doctor_postconf_first(const char *group, char *word, size_t size)
{
	bool inner;

	if (!doctor_postconf_token(&group, word, size, &inner))
		word[0] = '\0';
}

/* doctor_postconf_option - see doctor_postconf.h */
bool
doctor_postconf_option(const char *group, const char *key, char *out,
		      size_t size)
{
	size_t klen = strlen(key);
	char tok[512];
	bool inner;

	while (doctor_postconf_token(&group, tok, sizeof(tok), &inner)) {
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
