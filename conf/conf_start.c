/*
 * conf_start.c - what a daemon's start needs beyond a valid trustmx.conf,
 * checked by -n and by the start through this one function: "user" exists
 * and can be become; the sockets can be made by whoever starts the daemon
 * (they are made before root is dropped; a unix metrics socket as
 * "user", in a directory it may write); and what the daemon opens once
 * it runs as "user" - the file itself and the trust lists' files on every
 * reload, spf_cache_dir when an spf: source saves there - is open to it.
 *
 * Those last are asked of the kernel, not worked out from mode bits: a
 * child process becomes the user exactly as the daemon does
 * (daemon_become: initgroups, setgid, setuid) and opens each file, or
 * asks faccessat(AT_EACCESS) about each directory. ACLs, supplementary
 * groups, read-only mounts and search permission on every directory on
 * the way then count as they will for the daemon; mode bits miss all four.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf_start.h"
#include "daemon.h"
#include "lists.h"
#include "log.h"
#include "metrics_addr.h"
#include "xalloc.h"

/* A result beyond errno: the path is there but of the wrong kind */
#define CONF_START_NOT_FILE	(-1)

/* What the daemon does with a path once it runs as "user" */
enum conf_start_test {
	CONF_START_READ,	/* opens a regular file for reading */
	CONF_START_DIR,		/* creates files in a directory */
};

/* One path to try as the daemon's user */
struct conf_start_item {
	enum conf_start_test test;
	const char *key;	/* NULL: the configuration file itself */
	char *label;		/* as the file writes it: "file:/etc/x" */
	char *path;
	int result;		/* 0, an errno value or CONF_START_NOT_FILE */
};

/* One check's state */
struct conf_start_ctx {
	const struct conf *conf;
	const char *path;
	conf_start_report_fn *report;
	void *report_ctx;
	unsigned errors;
	struct conf_start_item *items;
	size_t nitems;
	char who[300];		/* "user trustmx", for messages */
};

/* conf_start_reportf - format one finding and pass it on */
static void __attribute__((format(printf, 3, 4)))
conf_start_reportf(struct conf_start_ctx *ctx, bool error,
		   const char *fmt, ...)
{
	char msg[2 * PATH_MAX + 1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (error)
		ctx->errors++;
	ctx->report(ctx->report_ctx, error, msg);
}

/* conf_start_where - "file:line: key", or "file: key (default)" */
static const char *
conf_start_where(const struct conf_start_ctx *ctx, const char *key,
		 char *buf, size_t size)
{
	const char *where = conf_where(ctx->conf, key);

	if (strcmp(where, "default") == 0)
		snprintf(buf, size, "%s: %s (default)", ctx->path, key);
	else
		snprintf(buf, size, "%s: %s", where, key);
	return buf;
}

/* conf_start_strerror - a result code in words */
static const char *
conf_start_strerror(enum conf_start_test test, int result)
{
	if (result == CONF_START_NOT_FILE)
		return test == CONF_START_DIR ? "not a directory" :
		    "not a regular file";
	return strerror(result);
}

/* conf_start_try - what the daemon would meet doing test on path */
static int
conf_start_try(enum conf_start_test test, const char *path)
{
	struct stat st;
	int fd, rc = 0;

	if (test == CONF_START_DIR) {
		if (stat(path, &st) < 0)
			return errno;
		if (!S_ISDIR(st.st_mode))
			return CONF_START_NOT_FILE;
		return faccessat(AT_FDCWD, path, W_OK | X_OK, AT_EACCESS) < 0 ?
		    errno : 0;
	}
	/* O_NONBLOCK: a FIFO must not hang the check */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0)
		rc = errno;
	else if (!S_ISREG(st.st_mode))
		rc = S_ISDIR(st.st_mode) ? EISDIR : CONF_START_NOT_FILE;
	close(fd);
	return rc;
}

/* conf_start_add - a path to try as the user */
static void
conf_start_add(struct conf_start_ctx *ctx, enum conf_start_test test,
	       const char *key, const char *label, const char *path)
{
	struct conf_start_item *item;

	ctx->items = xreallocarray(ctx->items, ctx->nitems + 1,
				   sizeof(*ctx->items));
	item = &ctx->items[ctx->nitems++];
	item->test = test;
	item->key = key;
	item->label = xstrdup(label);
	item->path = xstrdup(path);
	item->result = 0;
}

/* conf_start_write_all - the whole buffer to fd; -1 on error */
static int
conf_start_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What the child says first: did it become the user, and if not, why */
struct conf_start_became {
	int ok;
	char why[128];
};

/* conf_start_child - become pw, try every item, write the results to fd */
static void __attribute__((noreturn))
conf_start_child(const struct conf_start_ctx *ctx, const struct passwd *pw,
		 int fd)
{
	struct conf_start_became became = { 1, "" };
	const char *why;
	int result;
	size_t i;

	if (daemon_become(pw, &why) < 0) {
		became.ok = 0;
		snprintf(became.why, sizeof(became.why), "%s (%s)", why,
			 strerror(errno));
	}
	if (conf_start_write_all(fd, &became, sizeof(became)) < 0)
		_exit(2);
	for (i = 0; became.ok && i < ctx->nitems; i++) {
		result = conf_start_try(ctx->items[i].test,
					ctx->items[i].path);
		if (conf_start_write_all(fd, &result, sizeof(result)) < 0)
			_exit(2);
	}
	_exit(0);
}

/* conf_start_read_all - up to len bytes from fd; how many came */
static size_t
conf_start_read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/*
 * conf_start_probe - every item tried as pw (NULL: as this process); 0,
 * or -1 with the reason when the child could not do it
 */
static int
conf_start_probe(struct conf_start_ctx *ctx, const struct passwd *pw,
		 char *why, size_t size)
{
	struct conf_start_became became;
	size_t i, want = sizeof(int) * ctx->nitems;
	int p[2], status, *results;
	pid_t pid;

	if (pw == NULL) {
		for (i = 0; i < ctx->nitems; i++)
			ctx->items[i].result = conf_start_try(ctx->items[i].test,
							      ctx->items[i].path);
		return 0;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, size, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(why, size, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		conf_start_child(ctx, pw, p[1]);
	}
	close(p[1]);
	results = xcalloc(ctx->nitems + 1, sizeof(int));
	memset(&became, 0, sizeof(became));
	if (conf_start_read_all(p[0], &became, sizeof(became)) !=
	    sizeof(became)) {
		snprintf(why, size, "the check as %s did not run",
			 pw->pw_name);
		became.ok = -1;
	} else if (!became.ok) {
		became.why[sizeof(became.why) - 1] = '\0';
		snprintf(why, size, "cannot become %s: %s", pw->pw_name,
			 became.why);
	} else if (conf_start_read_all(p[0], results, want) != want) {
		snprintf(why, size, "the check as %s did not finish",
			 pw->pw_name);
		became.ok = -1;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (became.ok == 1)
		for (i = 0; i < ctx->nitems; i++)
			ctx->items[i].result = results[i];
	free(results);
	return became.ok == 1 ? 0 : -1;
}

/* conf_start_user - look up "user": who the daemon runs as, or -1 */
static int
conf_start_user(struct conf_start_ctx *ctx, struct passwd *as,
		bool *drops_r)
{
	const char *user = conf_str(ctx->conf, "user"), *why;
	struct passwd *pw;
	char where[PATH_MAX + 64];

	*drops_r = false;
	if (daemon_user(user, &pw, &why) < 0) {
		conf_start_reportf(ctx, true, "%s: user %s: %s",
				   conf_where(ctx->conf, "user"), user, why);
		return -1;
	}
	if (pw != NULL) {
		as->pw_uid = pw->pw_uid;
		as->pw_gid = pw->pw_gid;
		as->pw_name = xstrdup(pw->pw_name);
		errno = 0;
		if (getgrgid(as->pw_gid) == NULL)
			conf_start_reportf(ctx, false, "%s: user %s: its "
					   "group %lu is not in the group "
					   "database",
					   conf_start_where(ctx, "user", where,
							    sizeof(where)),
					   user, (unsigned long)as->pw_gid);
	}
	/* the daemons become "user" only when started as root */
	if (pw != NULL && geteuid() == 0) {
		snprintf(ctx->who, sizeof(ctx->who), "user %s", as->pw_name);
		*drops_r = true;
	} else if ((pw = getpwuid(geteuid())) != NULL) {
		snprintf(ctx->who, sizeof(ctx->who), "user %s", pw->pw_name);
	} else {
		snprintf(ctx->who, sizeof(ctx->who), "uid %lu",
			 (unsigned long)geteuid());
	}
	return 0;
}

/*
 * conf_start_lists - each list's file: and cidr: files, read again on
 * every reload; spf_cache_dir when an spf: source saves its copies there
 */
static void
conf_start_lists(struct conf_start_ctx *ctx)
{
	bool spf = false;
	char **words;
	const char *key;
	size_t i;
	int id;

	for (id = 0; id < LIST_COUNT; id++) {
		key = lists_name(id);
		words = conf_words(conf_str(ctx->conf, key));
		for (i = 0; words[i] != NULL; i++) {
			if (strncmp(words[i], "file:", 5) == 0 ||
			    strncmp(words[i], "cidr:", 5) == 0)
				conf_start_add(ctx, CONF_START_READ, key,
					       words[i], words[i] + 5);
			else if (words[i][0] == '/')
				conf_start_add(ctx, CONF_START_READ, key,
					       words[i], words[i]);
			else if (strncmp(words[i], "spf:", 4) == 0)
				spf = true;
		}
		conf_words_free(words);
	}
	if (spf)
		conf_start_add(ctx, CONF_START_DIR, "spf_cache_dir",
			       conf_str(ctx->conf, "spf_cache_dir"),
			       conf_str(ctx->conf, "spf_cache_dir"));
}

/*
 * conf_start_report_db - dmarc_report_db's directory, where SQLite makes
 * the database and its -wal and -shm files, as the user
 */
static void
conf_start_report_db(struct conf_start_ctx *ctx)
{
	const char *db = conf_str(ctx->conf, "dmarc_report_db");
	const char *slash = strrchr(db, '/');
	char dir[PATH_MAX];

	if (db[0] == '\0' || slash == NULL ||
	    (size_t)(slash - db) >= sizeof(dir))
		return;
	if (slash == db)
		slash++;		/* "/x.db": the root */
	memcpy(dir, db, (size_t)(slash - db));
	dir[slash - db] = '\0';
	conf_start_add(ctx, CONF_START_DIR, "dmarc_report_db", db, dir);
}

/* conf_start_item_report - an item's outcome, and a warning if it is open */
static void
conf_start_item_report(struct conf_start_ctx *ctx,
		       const struct conf_start_item *item)
{
	char where[PATH_MAX + 64];
	const char *verb = item->test == CONF_START_DIR ?
	    "cannot create files in it" : "cannot read it";
	struct stat st;
	int r = item->result;

	where[0] = '\0';
	if (item->key == NULL && r != 0) {
		conf_start_reportf(ctx, true, "%s: %s %s, and reloads do: %s",
				   ctx->path, ctx->who, verb,
				   conf_start_strerror(item->test, r));
		return;
	}
	if (item->key != NULL)
		conf_start_where(ctx, item->key, where, sizeof(where));
	if (r == EACCES || r == EPERM || r == EROFS) {
		conf_start_reportf(ctx, true, "%s: %s: %s %s: %s", where,
				   item->label, ctx->who, verb,
				   conf_start_strerror(item->test, r));
		return;
	}
	if (r != 0) {
		conf_start_reportf(ctx, true, "%s: %s: %s", where, item->label,
				   conf_start_strerror(item->test, r));
		return;
	}
	/* what every local user may change decides what the daemon trusts */
	if (stat(item->path, &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))
		conf_start_reportf(ctx, false, "%s: %s: writable by every "
				   "user (mode %04o)",
				   item->key != NULL ? where : ctx->path,
				   item->label,
				   (unsigned)(st.st_mode & 07777));
}

/*
 * conf_start_socket_dir - can this process make a unix socket at path
 * (wk names the key): its directory exists and is writable, and nothing
 * but an old socket is in the way
 */
static void
conf_start_socket_dir(struct conf_start_ctx *ctx, const char *wk,
		      const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	if (strlen(path) >= sizeof(dir)) {
		conf_start_reportf(ctx, true, "%s: socket path too long", wk);
		return;
	}
	memcpy(dir, path, strlen(path) + 1);
	dirname(dir);
	if (stat(dir, &st) < 0) {
		conf_start_reportf(ctx, true, "%s: directory %s: %s", wk, dir,
				   strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		conf_start_reportf(ctx, true, "%s: %s is not a directory", wk,
				   dir);
		return;
	}
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0) {
		conf_start_reportf(ctx, true, "%s: directory %s: %s cannot "
				   "create the socket there: %s", wk, dir,
				   ctx->who, strerror(errno));
		return;
	}
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		conf_start_reportf(ctx, true, "%s: %s exists and is not a "
				   "socket", wk, path);
}

/*
 * conf_start_bind - can this process bind host:port (host NULL: every
 * address). In use is fine: that is the running daemon when a reload
 * runs -n first, and a start meets it anyway.
 */
static void
conf_start_bind(struct conf_start_ctx *ctx, const char *wk, int family,
		const char *host, const char *port)
{
	struct addrinfo hints, *res;
	int fd, rc, one = 1, saved;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		conf_start_reportf(ctx, true, "%s: %s: does not resolve: %s",
				   wk, host != NULL ? host : "*",
				   gai_strerror(rc));
		return;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
		    res->ai_protocol);
	if (fd < 0) {
		conf_start_reportf(ctx, true, "%s: socket: %s", wk,
				   strerror(errno));
		freeaddrinfo(res);
		return;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(fd, res->ai_addr, res->ai_addrlen);
	saved = errno;
	close(fd);
	freeaddrinfo(res);
	if (rc == 0 || saved == EADDRINUSE)
		return;
	if (saved == EACCES)
		conf_start_reportf(ctx, true, "%s: port %s needs root or "
				   "CAP_NET_BIND_SERVICE (%s: %s)", wk, port,
				   ctx->who, strerror(saved));
	else
		conf_start_reportf(ctx, true, "%s: cannot bind %s port %s: %s",
				   wk, host != NULL ? host : "*", port,
				   strerror(saved));
}

/* conf_start_milter_listen - milter_listen as libmilter reads it */
static void
conf_start_milter_listen(struct conf_start_ctx *ctx)
{
	const char *listen = conf_str(ctx->conf, "milter_listen");
	const char *colon = strchr(listen, ':'), *at;
	char wk[PATH_MAX + 64], port[8], host[256];
	int family = strncmp(listen, "inet6:", 6) == 0 ? AF_INET6 : AF_INET;
	size_t len;

	conf_start_where(ctx, "milter_listen", wk, sizeof(wk));
	if (colon == NULL)
		return;
	if (strncmp(listen, "unix:", 5) == 0 ||
	    strncmp(listen, "local:", 6) == 0) {
		conf_start_socket_dir(ctx, wk, colon + 1);
		return;
	}
	/* inet:port@host, inet6:port@host; no host: every address */
	at = strchr(colon, '@');
	len = at != NULL ? (size_t)(at - colon - 1) : strlen(colon + 1);
	snprintf(port, sizeof(port), "%.*s", (int)len, colon + 1);
	if (at == NULL) {
		conf_start_bind(ctx, wk, family, NULL, port);
		return;
	}
	snprintf(host, sizeof(host), "%s", at + 1);
	len = strlen(host);
	if (host[0] == '[' && len > 1 && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}
	conf_start_bind(ctx, wk, family, host, port);
}

/* conf_start_policyd_listen - the unix: and inet: addresses of key */
static void
conf_start_policyd_listen(struct conf_start_ctx *ctx, const char *key)
{
	const struct conf_listen *l;
	char where[PATH_MAX + 64], wk[2 * PATH_MAX + 64];
	size_t i, n;

	l = conf_listen(ctx->conf, key, &n);
	conf_start_where(ctx, key, where, sizeof(where));
	for (i = 0; i < n; i++) {
		snprintf(wk, sizeof(wk), "%s: %s", where, l[i].text);
		if (l[i].kind == CONF_LISTEN_UNIX)
			conf_start_socket_dir(ctx, wk, l[i].path);
		else if (l[i].host == NULL)	/* "::" takes IPv4 too */
			conf_start_bind(ctx, wk, AF_INET6, "::", l[i].port);
		else
			conf_start_bind(ctx, wk, AF_UNSPEC, l[i].host,
					l[i].port);
	}
}

/*
 * conf_start_metrics - key (*_metrics_listen), opened at the start before
 * root is dropped: a port as the other listeners (in use is fine, as
 * there); a unix socket is made as the user, in a directory it may write,
 * where nothing but an old socket may be
 */
static void
conf_start_metrics(struct conf_start_ctx *ctx, const char *key)
{
	const char *text = conf_str(ctx->conf, key), *why;
	char wk[PATH_MAX + 64], dir[sizeof(((struct metrics_addr *)0)->path)];
	struct metrics_addr a;
	struct stat st;
	const char *d;

	/* conf.c checks the syntax */
	if (text[0] == '\0' || metrics_addr_parse(text, &a, &why) < 0)
		return;
	conf_start_where(ctx, key, wk, sizeof(wk));
	if (!a.is_unix) {
		conf_start_bind(ctx, wk, AF_UNSPEC, strcmp(a.host, "*") == 0 ?
				NULL : a.host, a.port);
		return;
	}
	if (lstat(a.path, &st) == 0 && !S_ISSOCK(st.st_mode))
		conf_start_reportf(ctx, true, "%s: %s exists and is not a "
				   "socket", wk, a.path);
	memcpy(dir, a.path, sizeof(dir));
	d = dirname(dir);
	conf_start_add(ctx, CONF_START_DIR, key, d, d);
}

/* conf_start_public_suffix - the milter reads it before it drops root */
static void
conf_start_public_suffix(struct conf_start_ctx *ctx)
{
	const char *psl = conf_str(ctx->conf, "public_suffix_list");
	char wk[PATH_MAX + 64];
	int r;

	if (psl[0] == '\0' || (r = conf_start_try(CONF_START_READ, psl)) == 0)
		return;
	conf_start_reportf(ctx, true, "%s: %s: %s",
			   conf_start_where(ctx, "public_suffix_list", wk,
					    sizeof(wk)), psl,
			   conf_start_strerror(CONF_START_READ, r));
}

/* conf_start_check - see conf_start.h */
unsigned
conf_start_check(const struct conf *conf, const char *path,
		 enum conf_start_program program,
		 conf_start_report_fn *report, void *report_ctx)
{
	struct conf_start_ctx ctx = { conf, path, report, report_ctx, 0, NULL,
				      0, "" };
	struct passwd as = { 0 };
	char why[PATH_MAX + 64], where[PATH_MAX + 64];
	bool user_ok, drops;
	size_t i;

	/* made before root is dropped: by whoever starts the daemon */
	user_ok = conf_start_user(&ctx, &as, &drops) == 0;
	if (program == CONF_START_MILTER) {
		conf_start_milter_listen(&ctx);
		conf_start_public_suffix(&ctx);
	} else {
		conf_start_policyd_listen(&ctx, "policy_listen");
		conf_start_policyd_listen(&ctx, "socketmap_listen");
	}
	if (!user_ok)
		return ctx.errors;
	conf_start_metrics(&ctx, program == CONF_START_MILTER ?
			   "milter_metrics_listen" : "policyd_metrics_listen");
	/* opened later, as the user */
	conf_start_add(&ctx, CONF_START_READ, NULL, path, path);
	conf_start_lists(&ctx);
	if (program == CONF_START_MILTER &&
	    conf_str(conf, "arc_seal_key")[0] != '\0')
		conf_start_add(&ctx, CONF_START_READ, "arc_seal_key",
			       conf_str(conf, "arc_seal_key"),
			       conf_str(conf, "arc_seal_key"));
	if (program == CONF_START_MILTER)
		conf_start_report_db(&ctx);
	if (conf_start_probe(&ctx, drops ? &as : NULL, why, sizeof(why)) < 0)
		conf_start_reportf(&ctx, true, "%s: %s",
				   conf_start_where(&ctx, "user", where,
						    sizeof(where)), why);
	else
		for (i = 0; i < ctx.nitems; i++)
			conf_start_item_report(&ctx, &ctx.items[i]);
	for (i = 0; i < ctx.nitems; i++) {
		free(ctx.items[i].label);
		free(ctx.items[i].path);
	}
	free(ctx.items);
	free(as.pw_name);
	return ctx.errors;
}

/* conf_start_stderr - see conf_start.h */
void
conf_start_stderr(void *ctx, bool error, const char *message)
{
	fprintf(stderr, "%s: %s%s\n", (const char *)ctx,
		error ? "" : "warning: ", message);
}

/* conf_start_log - see conf_start.h */
void
conf_start_log(void *ctx, bool error, const char *message)
{
	(void)ctx;
	if (error)
		fatalx("%s", message);
	log_warnx("%s", message);
}
