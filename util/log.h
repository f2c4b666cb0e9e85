/*
 * log.h - logging for the daemons and trustmx(1), OpenSMTPD style: to syslog
 * once running, to stderr ("name: warning: ...") in the foreground. Every
 * function may be called from any thread; fatal and fatalx never return.
 */
#ifndef TMX_LOG_H
#define TMX_LOG_H

#include <stdarg.h>

/*
 * log_init - name is the syslog ident and stderr prefix ("trustmx-policyd");
 * facility a syslog facility name ("mail", "local0".."local7", "daemon",
 * "user"; NULL means "mail"). Safe to call again (SIGHUP). Until it is
 * called, messages go to stderr with the prefix "trustmx".
 */
void log_init(const char *name, int foreground, const char *facility);

/* log_setverbose - non-zero lets log_debug through */
void log_setverbose(int verbose);
int log_getverbose(void);

/* log_facility - the LOG_* value for a facility name, or -1 */
int log_facility(const char *name);

/*
 * log_hold - on: this thread's info and debug lines to stderr are gathered
 * and written together by log_flush (or when LOG_HOLD_SIZE fills, or just
 * before any other message of the thread): an event loop calls log_flush
 * when it goes idle instead of writing once per request. Off flushes.
 * Syslog is not held. log_flush - write what this thread gathered.
 * log_pending - this thread holds lines.
 */
void log_hold(int on);
void log_flush(void);
int log_pending(void);

/* log_info, log_notice - routine events (no "warning:" prefix) */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_warn - "warning: <message>: <strerror(errno)>"; log_warnx without */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_debug - only when verbose */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fatal - "fatal: <message>: <strerror(errno)>", exit(1); fatalx without */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* vlog - the primitive: priority is a LOG_* level, prefix may be NULL */
void vlog(int priority, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
