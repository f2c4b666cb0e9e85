/*
 * conf.c - trustmx.conf: Postfix main.cf syntax read into one declarative
 * table of every key of every program (type, default, bounds, readers).
 * Values are $name-expanded and validated at load time, so a program that
 * got a struct conf never meets a bad value later.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include <trustmx/addr.h>

#include "conf.h"
#include "log.h"
#include "metrics_addr.h"
#include "xalloc.h"

/* Who reads a key: for the documentation and for the reader's own checks */
#define P_POLICYD	0x01
#define P_MILTER	0x02
#define P_CLI		0x04
#define P_ALL		(P_POLICYD | P_MILTER | P_CLI)

#define CONF_MINUTE	60L
#define CONF_HOUR	(60L * CONF_MINUTE)
#define CONF_DAY	(24L * CONF_HOUR)

#define CONF_EXPAND_DEPTH 20
#define CONF_VALUE_MAX	(1024 * 1024)	/* after expansion: no $a$a blowup */
#define CONF_SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)
#define CONF_SIZE_MAX	(1L << 40)	/* 1 TB */

enum conf_type {
	CT_STR,		/* free text, optionally screened by check */
	CT_BOOL,	/* yes or no */
	CT_INT,		/* decimal within [min, max] */
	CT_TIME,	/* number and unit s, m, h, d or w; seconds in [min, max] */
	CT_MODE,	/* octal file mode */
	CT_SIZE,	/* number and unit k, m or g; bytes in [min, max] */
	CT_LIST,	/* trust list sources (lists.c builds them) */
	CT_LISTEN,	/* unix:/path or inet:host:port [haproxy], several */
};

typedef int conf_check_fn(const char *value, const char **reason_r);

struct conf_key {
	const char *name;
	enum conf_type type;
	const char *def;	/* NULL: computed when the conf is made */
	long min;
	long max;
	unsigned readers;
	conf_check_fn *check;
};

static conf_check_fn conf_check_path;
static conf_check_fn conf_check_facility;
static conf_check_fn conf_check_user;
static conf_check_fn conf_check_action;
static conf_check_fn conf_check_dmarc_mode;
static conf_check_fn conf_check_milter_socket;
static conf_check_fn conf_check_word;
static conf_check_fn conf_check_addresses;
static conf_check_fn conf_check_domains;
static conf_check_fn conf_check_domain;
static conf_check_fn conf_check_opt_path;
static conf_check_fn conf_check_opt_address;
static conf_check_fn conf_check_metrics_listen;

/* Every key of every program; trustmx.conf(5) documents each row. */
static const struct conf_key conf_keys[] = {
	/* Shared by every program */
	{ "relay_networks", CT_LIST, "", 0, 0, P_ALL, NULL },
	{ "proxy_networks", CT_LIST, "", 0, 0, P_ALL, NULL },
	{ "deny_networks", CT_LIST, "", 0, 0, P_ALL, NULL },
	{ "allow_networks", CT_LIST, "", 0, 0, P_ALL, NULL },
	{ "policy_clients", CT_LIST, "127.0.0.0/8 [::1]/128", 0, 0, P_ALL,
	  NULL },
	{ "dns_servers", CT_STR, "", 0, 0, P_ALL, conf_check_addresses },
	{ "dns_timeout", CT_TIME, "5s", 1, CONF_MINUTE, P_ALL, NULL },
	{ "spf_cache_dir", CT_STR, "/var/lib/trustmx", 0, 0, P_ALL,
	  conf_check_path },
	{ "syslog_facility", CT_STR, "mail", 0, 0, P_ALL,
	  conf_check_facility },
	{ "syslog_name", CT_STR, NULL, 0, 0, P_ALL, conf_check_word },
	{ "user", CT_STR, "", 0, 0, P_POLICYD | P_MILTER, conf_check_user },
	{ "socket_mode", CT_MODE, "0660", 0, 07777, P_POLICYD | P_MILTER,
	  NULL },
	{ "spf_refresh_min", CT_TIME, "5m", 10, CONF_DAY, P_POLICYD | P_MILTER,
	  NULL },
	{ "spf_refresh_max", CT_TIME, "1d", CONF_MINUTE, 30 * CONF_DAY,
	  P_POLICYD | P_MILTER, NULL },
	{ "spf_shrink_limit", CT_INT, "50", 0, 100, P_POLICYD | P_MILTER,
	  NULL },

	/* trustmx-policyd */
	{ "policy_listen", CT_LISTEN, "inet:127.0.0.1:10040", 0, 0,
	  P_POLICYD, NULL },
	{ "socketmap_listen", CT_LISTEN, "inet:127.0.0.1:10041", 0, 0,
	  P_POLICYD, NULL },
	{ "relay_policy_action", CT_STR, "OK", 0, 0, P_POLICYD,
	  conf_check_action },
	{ "deny_policy_action", CT_STR,
	  "REJECT 5.7.1 Client address is on the deny list", 0, 0, P_POLICYD,
	  conf_check_action },
	{ "allow_policy_action", CT_STR, "DUNNO", 0, 0, P_POLICYD,
	  conf_check_action },
	{ "client_timeout", CT_TIME, "300s", 1, CONF_DAY, P_POLICYD, NULL },
	{ "proxy_timeout", CT_TIME, "5s", 1, CONF_HOUR, P_POLICYD, NULL },
	{ "max_clients", CT_INT, "1024", 1, 65536, P_POLICYD, NULL },
	{ "policyd_metrics_listen", CT_STR, "", 0, 0, P_POLICYD | P_CLI,
	  conf_check_metrics_listen },

	/* trustmx-milter */
	{ "milter_listen", CT_STR, "inet:8895@127.0.0.1", 0, 0, P_MILTER,
	  conf_check_milter_socket },
	{ "milter_metrics_listen", CT_STR, "", 0, 0, P_MILTER | P_CLI,
	  conf_check_metrics_listen },
	{ "milter_timeout", CT_TIME, "7210s", 1, CONF_DAY, P_MILTER, NULL },
	{ "authserv_id", CT_STR, NULL, 0, 0, P_MILTER, conf_check_word },
	{ "dmarc_reject", CT_BOOL, "no", 0, 0, P_MILTER, NULL },
	{ "dmarc_quarantine", CT_BOOL, "no", 0, 0, P_MILTER, NULL },
	{ "relay_quarantine", CT_BOOL, "no", 0, 0, P_MILTER, NULL },
	{ "dns_tempfail", CT_BOOL, "no", 0, 0, P_MILTER, NULL },
	{ "relay_format", CT_STR, "auto", 0, 0, P_MILTER | P_CLI, NULL },
	{ "public_suffix_list", CT_STR,
	  "/usr/share/publicsuffix/public_suffix_list.dat", 0, 0, P_MILTER,
	  conf_check_path },
	{ "dmarc_mode", CT_STR, "rfc9989", 0, 0, P_MILTER,
	  conf_check_dmarc_mode },
	{ "arc_verify", CT_BOOL, "yes", 0, 0, P_MILTER, NULL },
	{ "arc_trusted_sealers", CT_STR, "", 0, 0, P_MILTER,
	  conf_check_domains },
	{ "arc_seal_domain", CT_STR, "", 0, 0, P_MILTER, conf_check_domain },
	{ "arc_seal_selector", CT_STR, "", 0, 0, P_MILTER, conf_check_domain },
	{ "arc_seal_key", CT_STR, "", 0, 0, P_MILTER, conf_check_opt_path },

	/* DMARC aggregate reports (RFC 9990): the milter's store, and
	 * "trustmx dmarc report" */
	{ "dmarc_report_db", CT_STR, "", 0, 0, P_MILTER | P_CLI,
	  conf_check_opt_path },
	{ "dmarc_report_retention", CT_TIME, "31d", CONF_DAY,
	  366 * CONF_DAY, P_MILTER | P_CLI, NULL },
	{ "dmarc_report_max_size", CT_SIZE, "512m", 0, CONF_SIZE_MAX,
	  P_MILTER, NULL },
	{ "dmarc_report_org_name", CT_STR, "", 0, 0, P_CLI, NULL },
	{ "dmarc_report_email", CT_STR, "", 0, 0, P_CLI,
	  conf_check_opt_address },
	{ "dmarc_report_envelope_to", CT_BOOL, "no", 0, 0, P_CLI, NULL },

	/* DMARC failure reports (RFC 9991), sent by the milter */
	{ "dmarc_failure_reports", CT_BOOL, "no", 0, 0, P_MILTER, NULL },
	{ "dmarc_failure_sender", CT_STR, "", 0, 0, P_MILTER,
	  conf_check_opt_address },
	{ "dmarc_failure_rate", CT_INT, "10", 1, 1000, P_MILTER, NULL },
	{ "dmarc_failure_redact", CT_BOOL, "yes", 0, 0, P_MILTER, NULL },
	{ "dmarc_failure_sendmail", CT_STR, "/usr/sbin/sendmail", 0, 0,
	  P_MILTER, NULL },
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* One parameter: a table key, or a user-defined one only $referenced */
struct conf_value {
	char *name;		/* user-defined parameters only */
	char *raw;		/* as written; NULL when defaulted */
	char *value;		/* expanded */
	char *where;		/* "file:line" or "default" */
	unsigned line;
	int state;		/* 0 unexpanded, 1 expanding, 2 done */
	bool referenced;
	bool flag;
	long num;
	struct conf_listen *listen;
	size_t nlisten;
};

struct conf {
	char *file;
	struct conf_value known[CONF_NKEYS];
	struct conf_value *extra;
	size_t nextra;
};

/* Growing text for the parser and the expander */
struct conf_buf {
	char *s;
	size_t len;
	size_t cap;
};

/* conf_buf_add - append n bytes */
static void
conf_buf_add(struct conf_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* conf_buf_take - the text, now owned by the caller ("" when empty) */
static char *
conf_buf_take(struct conf_buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* conf_key_index - the table row of name, or -1 */
static int
conf_key_index(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strlen(conf_keys[i].name) == len &&
		    memcmp(conf_keys[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* conf_lookup - the value slot of a table key or user-defined parameter */
static struct conf_value *
conf_lookup(struct conf *conf, const char *name, size_t len)
{
	int i = conf_key_index(name, len);
	size_t j;

	if (i >= 0)
		return &conf->known[i];
	for (j = 0; j < conf->nextra; j++)
		if (strlen(conf->extra[j].name) == len &&
		    memcmp(conf->extra[j].name, name, len) == 0)
			return &conf->extra[j];
	return NULL;
}

/* conf_value_name - the parameter's name */
static const char *
conf_value_name(const struct conf *conf, const struct conf_value *v)
{
	if (v >= conf->known && v < conf->known + CONF_NKEYS)
		return conf_keys[v - conf->known].name;
	return v->name;
}

/* conf_fail - format "where: message" into err; returns -1 */
static int __attribute__((format(printf, 4, 5)))
conf_fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", where, msg);
	return -1;
}

/* conf_is_name_char - may c appear in a parameter name */
static bool
conf_is_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* conf_expand - fill v->value from v->raw, expanding $name references */
static int
conf_expand(struct conf *conf, struct conf_value *v, int depth,
	    char *err, size_t errlen)
{
	struct conf_buf out = { 0 };
	const char *p, *name, *close;
	struct conf_value *ref;
	size_t nlen;

	if (v->state == 2)
		return 0;
	if (v->state == 1 || depth > CONF_EXPAND_DEPTH)
		return conf_fail(err, errlen, v->where,
				 "%s: $ references form a loop",
				 conf_value_name(conf, v));
	v->state = 1;
	for (p = v->raw; *p != '\0'; p++) {
		if (*p != '$') {
			conf_buf_add(&out, p, 1);
			continue;
		}
		p++;
		if (*p == '$') {
			conf_buf_add(&out, "$", 1);
			continue;
		}
		if (*p == '{' || *p == '(') {
			close = strchr(p, *p == '{' ? '}' : ')');
			name = p + 1;
			nlen = close ? (size_t)(close - name) : 0;
		} else {
			name = p;
			for (nlen = 0; conf_is_name_char(name[nlen]); nlen++)
				;
			close = name + nlen - 1;
		}
		for (size_t i = 0; i < nlen; i++)
			if (!conf_is_name_char(name[i]))
				nlen = 0;
		if (close == NULL || nlen == 0) {
			free(out.s);
			return conf_fail(err, errlen, v->where,
					 "%s: bad $ reference (use $name, "
					 "${name} or $$ for a dollar sign)",
					 conf_value_name(conf, v));
		}
		ref = conf_lookup(conf, name, nlen);
		if (ref == NULL) {
			free(out.s);
			return conf_fail(err, errlen, v->where,
					 "%s: undefined parameter $%.*s",
					 conf_value_name(conf, v), (int)nlen,
					 name);
		}
		ref->referenced = true;
		if (conf_expand(conf, ref, depth + 1, err, errlen) < 0) {
			free(out.s);
			return -1;
		}
		if (out.len + strlen(ref->value) > CONF_VALUE_MAX) {
			free(out.s);
			return conf_fail(err, errlen, v->where,
					 "%s: value longer than %d bytes after "
					 "$ expansion",
					 conf_value_name(conf, v),
					 CONF_VALUE_MAX);
		}
		conf_buf_add(&out, ref->value, strlen(ref->value));
		p = close;
	}
	free(v->value);
	v->value = conf_buf_take(&out);
	v->state = 2;
	return 0;
}

/* conf_parse_time - "300", "300s", "5m", "1h", "1d", "1w" to seconds */
static int
conf_parse_time(const char *text, long *secs_r)
{
	char *end;
	long n, unit;

	errno = 0;
	if (!isdigit((unsigned char)*text))
		return -1;
	n = strtol(text, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': case 's': unit = 1; break;
	case 'm': unit = CONF_MINUTE; break;
	case 'h': unit = CONF_HOUR; break;
	case 'd': unit = CONF_DAY; break;
	case 'w': unit = 7 * CONF_DAY; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (n > LONG_MAX / unit)
		return -1;
	*secs_r = n * unit;
	return 0;
}

/* conf_fmt_time - seconds in the largest exact unit, for messages */
static const char *
conf_fmt_time(long secs, char *buf, size_t size)
{
	if (secs != 0 && secs % CONF_DAY == 0)
		snprintf(buf, size, "%ldd", secs / CONF_DAY);
	else if (secs != 0 && secs % CONF_HOUR == 0)
		snprintf(buf, size, "%ldh", secs / CONF_HOUR);
	else if (secs != 0 && secs % CONF_MINUTE == 0)
		snprintf(buf, size, "%ldm", secs / CONF_MINUTE);
	else
		snprintf(buf, size, "%lds", secs);
	return buf;
}

/* conf_parse_size - "1048576", "64k", "512m", "2g" (1024-based) to bytes */
static int
conf_parse_size(const char *text, long *bytes_r)
{
	char *end;
	long n, unit;

	errno = 0;
	if (!isdigit((unsigned char)*text))
		return -1;
	n = strtol(text, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0': unit = 1; break;
	case 'k': unit = 1L << 10; break;
	case 'm': unit = 1L << 20; break;
	case 'g': unit = 1L << 30; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (n > LONG_MAX / unit)
		return -1;
	*bytes_r = n * unit;
	return 0;
}

/* conf_parse_long - a whole decimal (or octal with base 8) number */
static int
conf_parse_long(const char *text, int base, long *num_r)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*text))
		return -1;
	*num_r = strtol(text, &end, base);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* conf_check_path - an absolute path */
static int
conf_check_path(const char *value, const char **reason_r)
{
	if (value[0] != '/') {
		*reason_r = "must be an absolute path";
		return -1;
	}
	return 0;
}

/* conf_check_opt_path - empty, or an absolute path */
static int
conf_check_opt_path(const char *value, const char **reason_r)
{
	return value[0] == '\0' ? 0 : conf_check_path(value, reason_r);
}

/* conf_check_domain - empty, or a domain name (or selector) in ASCII */
static int
conf_check_domain(const char *value, const char **reason_r)
{
	const char *p, *label = value;

	for (p = value; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63) {
				*reason_r = p == label ? "empty label in a "
				    "domain name" : "label longer than 63 "
				    "characters";
				return value[0] == '\0' ? 0 : -1;
			}
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-' &&
			   *p != '_') {
			*reason_r = "not a domain name";
			return -1;
		}
	}
	if (p - value > 253) {
		*reason_r = "domain name longer than 253 characters";
		return -1;
	}
	return 0;
}

/* conf_check_opt_address - empty, or local@domain (no display name) */
static int
conf_check_opt_address(const char *value, const char **reason_r)
{
	const char *at = strrchr(value, '@'), *p;

	if (value[0] == '\0')
		return 0;
	*reason_r = "is not an address (local-part@domain)";
	if (at == NULL || at == value || at - value > 64)
		return -1;
	for (p = value; p < at; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[]\\,;:\"@", *p) != NULL)
			return -1;
	return conf_check_domain(at + 1, reason_r) < 0 || at[1] == '\0' ?
	    -1 : 0;
}

/* conf_check_metrics_listen - empty, host:port, [v6]:port or /path */
static int
conf_check_metrics_listen(const char *value, const char **reason_r)
{
	struct metrics_addr addr;

	if (value[0] == '\0')
		return 0;
	return metrics_addr_parse(value, &addr, reason_r);
}

/* conf_check_domains - domain names separated by commas or blanks */
static int
conf_check_domains(const char *value, const char **reason_r)
{
	char **words = conf_words(value);
	int rc = 0;

	for (size_t i = 0; words[i] != NULL && rc == 0; i++)
		rc = conf_check_domain(words[i], reason_r);
	conf_words_free(words);
	return rc;
}

/* conf_check_facility - a syslog facility name */
static int
conf_check_facility(const char *value, const char **reason_r)
{
	if (log_facility(value) < 0) {
		*reason_r = "unknown syslog facility (use mail, daemon, user "
			    "or local0..local7)";
		return -1;
	}
	return 0;
}

/* conf_check_word - one non-empty word without white space */
static int
conf_check_word(const char *value, const char **reason_r)
{
	const char *p;

	if (*value == '\0') {
		*reason_r = "must not be empty";
		return -1;
	}
	for (p = value; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			*reason_r = "must be one word";
			return -1;
		}
	return 0;
}

/* conf_check_addresses - IPv4/IPv6 addresses, by commas or spaces */
static int
conf_check_addresses(const char *value, const char **reason_r)
{
	char **words = conf_words(value);
	struct tmx_addr a;
	int rc = 0;

	for (size_t i = 0; words[i] != NULL && rc == 0; i++)
		if (tmx_addr_parse(words[i], &a) < 0) {
			*reason_r = "not an IP address";
			rc = -1;
		}
	conf_words_free(words);
	return rc;
}

/* conf_check_user - empty, or something that can be a login name */
static int
conf_check_user(const char *value, const char **reason_r)
{
	const char *p;

	for (p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p)) {
			*reason_r = "is not a user name";
			return -1;
		}
	return 0;
}

/* conf_check_action - a non-empty Postfix access(5) action */
static int
conf_check_action(const char *value, const char **reason_r)
{
	if (*value == '\0') {
		*reason_r = "must not be empty (use DUNNO for no opinion)";
		return -1;
	}
	if (!isalnum((unsigned char)*value)) {
		*reason_r = "is not an access(5) action";
		return -1;
	}
	return 0;
}

/* conf_check_dmarc_mode - rfc9989 or rfc7489 */
static int
conf_check_dmarc_mode(const char *value, const char **reason_r)
{
	if (strcmp(value, "rfc9989") == 0 || strcmp(value, "rfc7489") == 0)
		return 0;
	*reason_r = "must be rfc9989 or rfc7489";
	return -1;
}

/* conf_check_port - a port number 1..65535 */
static bool
conf_check_port(const char *text, size_t len)
{
	long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)text[i]))
			return false;
		n = n * 10 + (text[i] - '0');
	}
	return n >= 1 && n <= 65535;
}

/* conf_check_milter_socket - libmilter's unix:/path or inet:port@host */
static int
conf_check_milter_socket(const char *value, const char **reason_r)
{
	const char *at, *port;

	*reason_r = "use unix:/path, inet:port@host or inet6:port@host";
	if (strncmp(value, "unix:", 5) == 0 || strncmp(value, "local:", 6) == 0)
		return strchr(value, ':')[1] == '/' ? 0 : -1;
	if (strncmp(value, "inet:", 5) == 0)
		port = value + 5;
	else if (strncmp(value, "inet6:", 6) == 0)
		port = value + 6;
	else
		return -1;
	at = strchr(port, '@');
	if (!conf_check_port(port, at ? (size_t)(at - port) : strlen(port))) {
		*reason_r = "bad port (use inet:port@host)";
		return -1;
	}
	if (at != NULL && at[1] == '\0')
		return -1;
	return 0;
}

/* conf_listen_parse_one - fill l from "unix:/path" or "inet:host:port" */
static int
conf_listen_parse_one(const char *word, struct conf_listen *l,
		      const char **reason_r)
{
	const char *rest, *colon, *port;
	struct in6_addr a6;
	char *host;

	memset(l, 0, sizeof(*l));
	l->text = xstrdup(word);
	if (strncmp(word, "unix:", 5) == 0) {
		l->kind = CONF_LISTEN_UNIX;
		l->path = xstrdup(word + 5);
		if (word[5] != '/') {
			*reason_r = "unix socket path must be absolute";
			return -1;
		}
		if (strlen(l->path) >= CONF_SUN_PATH_MAX) {
			*reason_r = "unix socket path is too long";
			return -1;
		}
		return 0;
	}
	if (strncmp(word, "inet:", 5) != 0) {
		*reason_r = "use unix:/path or inet:host:port";
		return -1;
	}
	l->kind = CONF_LISTEN_INET;
	rest = word + 5;
	if (*rest == '[') {
		colon = strchr(rest, ']');
		if (colon == NULL || colon[1] != ':') {
			*reason_r = "use inet:[ipv6-address]:port";
			return -1;
		}
		host = xstrndup(rest + 1, colon - rest - 1);
		l->host = host;
		if (inet_pton(AF_INET6, host, &a6) != 1) {
			*reason_r = "bad IPv6 address";
			return -1;
		}
		port = colon + 2;
	} else if ((colon = strchr(rest, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL) {
			*reason_r = "an IPv6 address needs brackets: "
				    "inet:[2001:db8::1]:port";
			return -1;
		}
		if (colon == rest) {
			*reason_r = "empty host (use inet:port or inet:*:port)";
			return -1;
		}
		if (!(colon - rest == 1 && *rest == '*'))
			l->host = xstrndup(rest, colon - rest);
		port = colon + 1;
	} else {
		port = rest;
	}
	l->port = xstrdup(port);
	if (!conf_check_port(port, strlen(port))) {
		*reason_r = "bad port (1..65535)";
		return -1;
	}
	return 0;
}

/* conf_listen_clear - release parsed listen addresses */
static void
conf_listen_clear(struct conf_value *v)
{
	size_t i;

	for (i = 0; i < v->nlisten; i++) {
		free((char *)v->listen[i].path);
		free((char *)v->listen[i].host);
		free((char *)v->listen[i].port);
		free((char *)v->listen[i].text);
	}
	free(v->listen);
	v->listen = NULL;
	v->nlisten = 0;
}

/* conf_listen_parse - words of a listen key; "haproxy" marks the one before */
static int
conf_listen_parse(struct conf_value *v, const char *name, char *err,
		  size_t errlen)
{
	char **words = conf_words(v->value);
	const char *reason;
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; words[i] != NULL; i++)
		n++;
	v->listen = xcalloc(n, sizeof(*v->listen));
	for (i = 0; words[i] != NULL && rc == 0; i++) {
		if (strcasecmp(words[i], "haproxy") == 0) {
			if (v->nlisten == 0 || v->listen[v->nlisten - 1].haproxy)
				rc = conf_fail(err, errlen, v->where,
					       "%s: \"haproxy\" must follow a "
					       "listen address", name);
			else
				v->listen[v->nlisten - 1].haproxy = true;
			continue;
		}
		if (conf_listen_parse_one(words[i], &v->listen[v->nlisten++],
					  &reason) < 0)
			rc = conf_fail(err, errlen, v->where, "%s: %s: %s",
				       name, words[i], reason);
	}
	conf_words_free(words);
	return rc;
}

/* conf_validate - check a table key's expanded value against its type */
static int
conf_validate(struct conf_value *v, const struct conf_key *k, char *err,
	      size_t errlen)
{
	const char *reason = NULL;
	char lo[32], hi[32];

	switch (k->type) {
	case CT_STR:
		if (k->check != NULL && k->check(v->value, &reason) < 0)
			return conf_fail(err, errlen, v->where, "%s: \"%s\" %s",
					 k->name, v->value, reason);
		return 0;
	case CT_BOOL:
		if (strcasecmp(v->value, "yes") == 0)
			v->flag = true;
		else if (strcasecmp(v->value, "no") == 0)
			v->flag = false;
		else
			return conf_fail(err, errlen, v->where,
					 "%s: bad boolean value \"%s\" "
					 "(use yes or no)", k->name, v->value);
		return 0;
	case CT_INT:
	case CT_MODE:
		if (conf_parse_long(v->value, k->type == CT_MODE ? 8 : 10,
				    &v->num) < 0)
			return conf_fail(err, errlen, v->where,
					 "%s: bad %s value \"%s\"", k->name,
					 k->type == CT_MODE ? "octal" :
					 "numerical", v->value);
		if (v->num < k->min || v->num > k->max)
			return conf_fail(err, errlen, v->where,
					 k->type == CT_MODE ?
					 "%s: value \"%s\" out of range "
					 "(%lo..%lo)" :
					 "%s: value \"%s\" out of range "
					 "(%ld..%ld)", k->name, v->value,
					 k->min, k->max);
		return 0;
	case CT_TIME:
		if (conf_parse_time(v->value, &v->num) < 0)
			return conf_fail(err, errlen, v->where,
					 "%s: bad time value \"%s\" (use a "
					 "number with unit s, m, h, d or w)",
					 k->name, v->value);
		if (v->num < k->min || v->num > k->max)
			return conf_fail(err, errlen, v->where,
					 "%s: value \"%s\" out of range "
					 "(%s..%s)", k->name, v->value,
					 conf_fmt_time(k->min, lo, sizeof(lo)),
					 conf_fmt_time(k->max, hi, sizeof(hi)));
		return 0;
	case CT_SIZE:
		if (conf_parse_size(v->value, &v->num) < 0)
			return conf_fail(err, errlen, v->where,
					 "%s: bad size \"%s\" (use a number "
					 "of bytes, or with unit k, m or g)",
					 k->name, v->value);
		if (v->num < k->min || v->num > k->max)
			return conf_fail(err, errlen, v->where,
					 "%s: value \"%s\" out of range "
					 "(%ld..%ld bytes)", k->name, v->value,
					 k->min, k->max);
		return 0;
	case CT_LISTEN:
		return conf_listen_parse(v, k->name, err, errlen);
	case CT_LIST:
		return 0;	/* lists_build parses the sources */
	}
	return 0;
}

/* conf_new - a conf with every key at its default */
static struct conf *
conf_new(const char *file)
{
	struct conf *conf = xcalloc(1, sizeof(*conf));
	char host[256];
	size_t i;

	conf->file = xstrdup(file);
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; i < CONF_NKEYS; i++) {
		struct conf_value *v = &conf->known[i];

		if (conf_keys[i].def != NULL)
			v->raw = xstrdup(conf_keys[i].def);
		else if (strcmp(conf_keys[i].name, "authserv_id") == 0)
			v->raw = xstrdup(host);
		else
			v->raw = xstrdup("trustmx");
		v->where = xstrdup("default");
	}
	return conf;
}

/* conf_assign - record "name = value" from line of the file */
static int
conf_assign(struct conf *conf, const char *name, size_t nlen,
	    const char *value, unsigned line, char *err, size_t errlen)
{
	struct conf_value *v = conf_lookup(conf, name, nlen);
	char where[PATH_MAX + 32];

	snprintf(where, sizeof(where), "%s:%u", conf->file, line);
	if (v != NULL && v->line != 0)
		return conf_fail(err, errlen, where, "%.*s: already set at %s",
				 (int)nlen, name, v->where);
	if (v == NULL) {
		conf->extra = xreallocarray(conf->extra, conf->nextra + 1,
					    sizeof(*conf->extra));
		v = &conf->extra[conf->nextra++];
		memset(v, 0, sizeof(*v));
		v->name = xstrndup(name, nlen);
	}
	free(v->raw);
	free(v->where);
	v->raw = xstrdup(value);
	v->where = xstrdup(where);
	v->line = line;
	return 0;
}

/* conf_logical_line - split "key = value" and assign it */
static int
conf_logical_line(struct conf *conf, char *text, unsigned line, char *err,
		  size_t errlen)
{
	char where[PATH_MAX + 32];
	char *eq, *end, *value;
	size_t nlen;

	snprintf(where, sizeof(where), "%s:%u", conf->file, line);
	eq = strchr(text, '=');
	if (eq == NULL)
		return conf_fail(err, errlen, where,
				 "missing '=' after parameter name");
	for (end = eq; end > text && isspace((unsigned char)end[-1]); end--)
		;
	nlen = end - text;
	if (nlen == 0)
		return conf_fail(err, errlen, where, "missing parameter name");
	for (size_t i = 0; i < nlen; i++)
		if (!conf_is_name_char(text[i]))
			return conf_fail(err, errlen, where,
					 "bad parameter name \"%.*s\"",
					 (int)nlen, text);
	for (value = eq + 1; isspace((unsigned char)*value); value++)
		;
	for (end = value + strlen(value);
	     end > value && isspace((unsigned char)end[-1]); end--)
		;
	*end = '\0';
	return conf_assign(conf, text, nlen, value, line, err, errlen);
}

/* conf_read_lines - join continuation lines, skip comments, assign */
static int
conf_read_lines(struct conf *conf, const char *text, size_t len, char *err,
		size_t errlen)
{
	struct conf_buf logical = { 0 };
	unsigned lineno = 0, start = 0;
	const char *p = text, *nl, *q, *line_end, *end = text + len;
	char where[PATH_MAX + 32];
	int rc = 0;

	while (p < end && rc == 0) {
		nl = memchr(p, '\n', end - p);
		if (nl == NULL)
			nl = end;
		lineno++;
		if (memchr(p, '\0', nl - p) != NULL) {
			snprintf(where, sizeof(where), "%s:%u", conf->file,
				 lineno);
			rc = conf_fail(err, errlen, where, "NUL character");
			break;
		}
		for (q = p; q < nl && isspace((unsigned char)*q); q++)
			;
		for (line_end = nl; line_end > q &&
		     isspace((unsigned char)line_end[-1]); line_end--)
			;
		if (q == nl || *q == '#') {
			/* blank and comment lines do not end a logical line */
		} else if (q != p) {
			if (start == 0) {
				snprintf(where, sizeof(where), "%s:%u",
					 conf->file, lineno);
				rc = conf_fail(err, errlen, where,
					       "continuation line without a "
					       "parameter before it");
				break;
			}
			conf_buf_add(&logical, " ", 1);
			conf_buf_add(&logical, q, line_end - q);
		} else {
			if (start != 0)
				rc = conf_logical_line(conf, logical.s, start,
						       err, errlen);
			logical.len = 0;
			conf_buf_add(&logical, p, line_end - p);
			start = lineno;
		}
		p = nl + 1;
	}
	if (rc == 0 && start != 0)
		rc = conf_logical_line(conf, logical.s, start, err, errlen);
	free(logical.s);
	return rc;
}

/* conf_finish - expand, validate and cross-check every key */
static int
conf_finish(struct conf *conf, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_expand(conf, &conf->known[i], 0, err, errlen) < 0)
			return -1;
	for (i = 0; i < conf->nextra; i++)
		if (!conf->extra[i].referenced)
			return conf_fail(err, errlen, conf->extra[i].where,
					 "unknown parameter \"%s\"",
					 conf->extra[i].name);
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_validate(&conf->known[i], &conf_keys[i], err,
				  errlen) < 0)
			return -1;
	if (conf_time(conf, "spf_refresh_min") > conf_time(conf,
							   "spf_refresh_max"))
		return conf_fail(err, errlen,
				 conf_where(conf, strcmp(conf_where(conf,
				 "spf_refresh_min"), "default") != 0 ?
				 "spf_refresh_min" : "spf_refresh_max"),
				 "spf_refresh_min (%s) is larger than "
				 "spf_refresh_max (%s)",
				 conf_str(conf, "spf_refresh_min"),
				 conf_str(conf, "spf_refresh_max"));
	return 0;
}

/* conf_parse - read text in main.cf syntax; name is used in messages */
struct conf *
conf_parse(const char *name, const char *text, size_t len, char *err,
	   size_t errlen)
{
	struct conf *conf = conf_new(name);

	if (conf_read_lines(conf, text, len, err, errlen) < 0 ||
	    conf_finish(conf, err, errlen) < 0) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

/* conf_load - read and parse the file at path */
struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct conf_buf text = { 0 };
	struct conf *conf;
	char chunk[8192];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		conf_buf_add(&text, chunk, n);
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error: %s", path,
			 strerror(errno));
		fclose(fp);
		free(text.s);
		return NULL;
	}
	fclose(fp);
	conf = conf_parse(path, text.s ? text.s : "", text.len, err, errlen);
	free(text.s);
	return conf;
}

/* conf_value_free - release one parameter's strings */
static void
conf_value_free(struct conf_value *v)
{
	free(v->name);
	free(v->raw);
	free(v->value);
	free(v->where);
	conf_listen_clear(v);
}

/* conf_free - release everything; NULL is fine */
void
conf_free(struct conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < CONF_NKEYS; i++)
		conf_value_free(&conf->known[i]);
	for (i = 0; i < conf->nextra; i++)
		conf_value_free(&conf->extra[i]);
	free(conf->extra);
	free(conf->file);
	free(conf);
}

/* conf_get - a table key's slot; asking for a key not in the table is a bug */
static const struct conf_value *
conf_get(const struct conf *conf, const char *key, enum conf_type type,
	 bool typed)
{
	int i = conf_key_index(key, strlen(key));

	if (i < 0)
		fatalx("conf: \"%s\" is not a trustmx.conf parameter", key);
	if (typed && conf_keys[i].type != type)
		fatalx("conf: \"%s\" is not of the type asked for", key);
	return &conf->known[i];
}

/* conf_str - the expanded value */
const char *
conf_str(const struct conf *conf, const char *key)
{
	return conf_get(conf, key, CT_STR, false)->value;
}

/* conf_bool - a yes/no key */
bool
conf_bool(const struct conf *conf, const char *key)
{
	return conf_get(conf, key, CT_BOOL, true)->flag;
}

/* conf_int - a numerical key (socket_mode too) */
long
conf_int(const struct conf *conf, const char *key)
{
	int i = conf_key_index(key, strlen(key));

	if (i >= 0 && conf_keys[i].type == CT_MODE)
		return conf->known[i].num;
	return conf_get(conf, key, CT_INT, true)->num;
}

/* conf_time - a time key in seconds */
long
conf_time(const struct conf *conf, const char *key)
{
	return conf_get(conf, key, CT_TIME, true)->num;
}

/* conf_size - a size key in bytes */
long
conf_size(const struct conf *conf, const char *key)
{
	return conf_get(conf, key, CT_SIZE, true)->num;
}

/* conf_where - where the key was set */
const char *
conf_where(const struct conf *conf, const char *key)
{
	return conf_get(conf, key, CT_STR, false)->where;
}

/* conf_set_program - syslog_name follows the program unless set */
void
conf_set_program(struct conf *conf, const char *program)
{
	int i = conf_key_index("syslog_name", strlen("syslog_name"));
	struct conf_value *v = &conf->known[i];

	if (v->line != 0 || program == NULL || *program == '\0')
		return;
	free(v->value);
	v->value = xstrdup(program);
}

/* conf_listen - the parsed listen addresses */
const struct conf_listen *
conf_listen(const struct conf *conf, const char *key, size_t *count_r)
{
	const struct conf_value *v = conf_get(conf, key, CT_LISTEN, true);

	*count_r = v->nlisten;
	return v->listen;
}

/* conf_key - walk the table (documentation checks, postconf -d style) */
const char *
conf_key(size_t i, const char **default_r)
{
	if (i >= CONF_NKEYS)
		return NULL;
	if (default_r != NULL)
		*default_r = conf_keys[i].def;
	return conf_keys[i].name;
}

/* conf_words - split on commas and white space */
char **
conf_words(const char *value)
{
	static const char sep[] = ", \t\r\n";
	char **words = NULL;
	size_t n = 0, len;
	const char *p = value;

	for (;;) {
		p += strspn(p, sep);
		if (*p == '\0')
			break;
		len = strcspn(p, sep);
		words = xreallocarray(words, n + 2, sizeof(*words));
		words[n++] = xstrndup(p, len);
		p += len;
	}
	if (words == NULL)
		words = xcalloc(1, sizeof(*words));
	words[n] = NULL;
	return words;
}

/* conf_words_free - release conf_words' result; NULL is fine */
void
conf_words_free(char **words)
{
	size_t i;

	if (words == NULL)
		return;
	for (i = 0; words[i] != NULL; i++)
		free(words[i]);
	free(words);
}
