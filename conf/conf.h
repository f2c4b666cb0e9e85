/*
 * conf.h - trustmx.conf, shared by trustmx-policyd, trustmx-milter and
 * trustmx(1). Postfix main.cf syntax: "key = value", '#' comments, a line
 * starting with whitespace continues the previous one. One declarative
 * table (conf.c) lists every key of every program with its type, default
 * and bounds; a key nobody knows is an error naming file:line. Each
 * program reads only its own keys.
 */
#ifndef TMX_CONF_H
#define TMX_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct conf;

/* conf_load - parse and validate path; NULL with "file:line: reason" in err */
struct conf *conf_load(const char *path, char *err, size_t errlen);

/* conf_parse - the same from text in memory (tests, fuzzing) */
struct conf *conf_parse(const char *name, const char *text, size_t len,
			char *err, size_t errlen);

void conf_free(struct conf *conf);

/* conf_str - a key's value, or its default (never NULL for known keys) */
const char *conf_str(const struct conf *conf, const char *key);

/*
 * conf_bool, conf_int (socket_mode too, written in octal), conf_time
 * (seconds; accepts 10s, 5m, 1h, 1d, 1w). Asking for a key that is not in
 * the table, or with the wrong type, is a programming error: fatalx().
 */
bool conf_bool(const struct conf *conf, const char *key);
long conf_int(const struct conf *conf, const char *key);
long conf_time(const struct conf *conf, const char *key);

/* conf_size - a size key in bytes (accepts 4096, 64k, 512m, 2g) */
long conf_size(const struct conf *conf, const char *key);

/* conf_where - "file:line" where key was set, or "default" */
const char *conf_where(const struct conf *conf, const char *key);

/*
 * conf_key - the i-th parameter of the table, NULL past the end; its
 * default in *default_r (NULL when computed: syslog_name, authserv_id).
 */
const char *conf_key(size_t i, const char **default_r);

/* conf_set_program - name the reading program; syslog_name defaults to it */
void conf_set_program(struct conf *conf, const char *program);

/*
 * A listen address of policy_listen or socketmap_listen: "unix:/path" or
 * "inet:host:port" ("inet:port" or "inet:*:port" for every address,
 * "inet:[::1]:port" for IPv6), optionally followed by the word "haproxy"
 * when the clients arrive through a PROXY protocol hop. Validated when the
 * file is loaded; the strings are owned by the conf.
 */
enum conf_listen_kind {
	CONF_LISTEN_UNIX,
	CONF_LISTEN_INET,
};

struct conf_listen {
	enum conf_listen_kind kind;
	const char *path;	/* unix: the socket path */
	const char *host;	/* inet: address or name; NULL for every address */
	const char *port;	/* inet: a number or a service name */
	bool haproxy;		/* a PROXY protocol header precedes each client */
	const char *text;	/* as written, for logs: "inet:127.0.0.1:10040" */
};

/* conf_listen - the listen addresses of key; count in *count_r (may be 0) */
const struct conf_listen *conf_listen(const struct conf *conf,
				      const char *key, size_t *count_r);

/*
 * conf_words - split a value on commas and white space (Postfix style);
 * returns a NULL-terminated array owned by the caller (conf_words_free).
 */
char **conf_words(const char *value);
void conf_words_free(char **words);

#endif
