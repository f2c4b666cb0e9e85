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

/* conf_bool, conf_int, conf_time (seconds; accepts 10s, 5m, 1h, 1d) */
bool conf_bool(const struct conf *conf, const char *key);
long conf_int(const struct conf *conf, const char *key);
long conf_time(const struct conf *conf, const char *key);

/* conf_where - "file:line" where key was set, or "default" */
const char *conf_where(const struct conf *conf, const char *key);

/*
 * conf_words - split a value on commas and white space (Postfix style);
 * returns a NULL-terminated array owned by the caller (conf_words_free).
 */
char **conf_words(const char *value);
void conf_words_free(char **words);

#endif
