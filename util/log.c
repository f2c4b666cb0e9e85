/*
 * log.c - syslog or stderr logging shared by the daemons and trustmx(1).
 * A message is formatted into one buffer and written with one call, so
 * lines from different threads never interleave. An event loop may hold
 * its routine lines (log_hold) and write them together once per round.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	2048
#define LOG_HOLD_SIZE	16384	/* held lines are written when this fills */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_name[64] = "trustmx";	/* openlog keeps the pointer */
static int log_foreground = 1;
static int log_verbose;

/* log_hold: this thread's gathered foreground lines */
static __thread char *log_held;
static __thread size_t log_held_len;
static __thread int log_holding;

static const struct {
	const char *name;
	int facility;
} log_facilities[] = {
	{ "mail", LOG_MAIL },
	{ "daemon", LOG_DAEMON },
	{ "user", LOG_USER },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

/* log_facility - map a facility name to its LOG_* value */
int
log_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (strcasecmp(name, log_facilities[i].name) == 0)
			return log_facilities[i].facility;
	return -1;
}

/* log_write_all - write len bytes to stderr; nowhere to report a failure */
static void
log_write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* log_flush_locked - write this thread's held lines; log_lock is held */
static void
log_flush_locked(void)
{
	if (log_held_len > 0)
		log_write_all(log_held, log_held_len);
	log_held_len = 0;
}

/* log_init - choose the destination, ident and facility */
void
log_init(const char *name, int foreground, const char *facility)
{
	int fac = facility ? log_facility(facility) : LOG_MAIL;

	if (fac < 0)
		fac = LOG_MAIL;
	pthread_mutex_lock(&log_lock);
	log_flush_locked();
	if (!log_foreground)
		closelog();
	if (name != NULL)
		snprintf(log_name, sizeof(log_name), "%s", name);
	log_foreground = foreground;
	if (!foreground)
		openlog(log_name, LOG_PID | LOG_NDELAY, fac);
	pthread_mutex_unlock(&log_lock);
}

/* log_setverbose - enable or disable log_debug */
void
log_setverbose(int verbose)
{
	__atomic_store_n(&log_verbose, verbose, __ATOMIC_RELAXED);
}

/* log_getverbose - is log_debug enabled */
int
log_getverbose(void)
{
	return __atomic_load_n(&log_verbose, __ATOMIC_RELAXED);
}

/* log_hold - gather (on) or stop gathering (off: flush, free the buffer) */
void
log_hold(int on)
{
	if (!on) {
		log_flush();
		free(log_held);
		log_held = NULL;
	} else if (log_held == NULL &&
		   (log_held = malloc(LOG_HOLD_SIZE)) == NULL)
		return;		/* write each line as it comes */
	log_holding = on;
}

/* log_pending - see log.h */
int
log_pending(void)
{
	return log_held_len > 0;
}

/* log_fit - how much of len more bytes fit after n, one byte kept free */
static size_t
log_fit(size_t len, size_t n, size_t size)
{
	return len < size - 1 - n ? len : size - 1 - n;
}

/*
 * log_format_plain - vsnprintf for the formats the busy paths use, whose
 * only conversions are %s and %%: up to size - 1 bytes into out, no NUL;
 * the bytes written, or -1 (nothing taken from ap) for any other
 * conversion before the cut (one after it changes nothing written).
 * About a quarter of vsnprintf's instructions; glibc's output, "(null)"
 * for a NULL string included (test-log compares the two).
 */
static int
log_format_plain(char *out, size_t size, const char *fmt, va_list ap)
{
	const char *f, *arg;
	size_t n = 0, len;
	va_list aq;

	/* aq, not ap: a conversion found late leaves ap whole for vsnprintf */
	va_copy(aq, ap);
	for (f = fmt; n + 1 < size; f += 2) {
		arg = f;		/* the text up to the next conversion */
		f = strchrnul(f, '%');
		len = log_fit((size_t)(f - arg), n, size);
		memcpy(out + n, arg, len);
		n += len;
		if (*f == '\0')
			break;
		if (f[1] == '%') {
			arg = "%";
		} else if (f[1] != 's') {
			va_end(aq);
			return -1;
		} else if ((arg = va_arg(aq, const char *)) == NULL) {
			arg = "(null)";
		}
		len = log_fit(strlen(arg), n, size);
		memcpy(out + n, arg, len);
		n += len;
	}
	va_end(aq);
	return (int)n;
}

/*
 * log_hold_line - format "name: [prefix: ]message\n" once, straight into
 * this thread's held lines (no lock: only the thread's own buffer is
 * touched, unless it must be flushed first). The message is cut at
 * LOG_LINE_MAX - 1 bytes, as vlog cuts it.
 */
static void
log_hold_line(const char *prefix, const char *fmt, va_list ap)
{
	size_t namelen = strlen(log_name);
	size_t prelen = prefix ? strlen(prefix) : 0;
	size_t head = namelen + 2 + (prefix ? prelen + 2 : 0);
	char *p;
	int n;

	if (LOG_HOLD_SIZE - log_held_len < head + LOG_LINE_MAX)
		log_flush();
	p = log_held + log_held_len;
	memcpy(p, log_name, namelen);
	memcpy(p + namelen, ": ", 2);
	p += namelen + 2;
	if (prefix) {
		memcpy(p, prefix, prelen);
		memcpy(p + prelen, ": ", 2);
		p += prelen + 2;
	}
	if ((n = log_format_plain(p, LOG_LINE_MAX, fmt, ap)) < 0)
		n = vsnprintf(p, LOG_LINE_MAX, fmt, ap);
	if (n < 0)
		n = 0;
	else if (n > LOG_LINE_MAX - 1)
		n = LOG_LINE_MAX - 1;
	p[n] = '\n';
	log_held_len += head + (size_t)n + 1;
}

/* log_flush - write what this thread holds */
void
log_flush(void)
{
	if (log_held_len == 0)
		return;
	pthread_mutex_lock(&log_lock);
	log_flush_locked();
	pthread_mutex_unlock(&log_lock);
}

/* vlog - format "prefix: message" and send it where log_init said */
void
vlog(int priority, const char *prefix, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 128];
	int n;

	if (log_foreground && log_holding && priority >= LOG_INFO) {
		log_hold_line(prefix, fmt, ap);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pthread_mutex_lock(&log_lock);
	if (log_foreground) {
		n = snprintf(line, sizeof(line), "%s: %s%s%s\n", log_name,
			     prefix ? prefix : "", prefix ? ": " : "", msg);
		if (n > (int)sizeof(line) - 1)
			n = sizeof(line) - 1;
		/* what was held came first; warnings are not held */
		log_flush_locked();
		log_write_all(line, (size_t)n);
	} else {
		syslog(priority, "%s%s%s", prefix ? prefix : "",
		       prefix ? ": " : "", msg);
	}
	pthread_mutex_unlock(&log_lock);
}

/* log_info - an informational message */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* log_notice - a noteworthy but normal event */
void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, NULL, fmt, ap);
	va_end(ap);
}

/* log_emit - vlog with variadic arguments */
static void __attribute__((format(printf, 3, 4)))
log_emit(int priority, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, prefix, fmt, ap);
	va_end(ap);
}

/* log_verrno - log fmt followed by ": strerror(saved errno)" */
static void __attribute__((format(printf, 4, 0)))
log_verrno(int priority, const char *prefix, int saved, const char *fmt,
	   va_list ap)
{
	char msg[LOG_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_emit(priority, prefix, "%s: %s", msg, strerror(saved));
}

/* log_warn - a warning with the current errno explained */
void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_verrno(LOG_WARNING, "warning", saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* log_warnx - a warning without errno */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

/* log_debug - a message for -v only */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_getverbose())
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* fatal - log with errno and exit */
void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_verrno(LOG_CRIT, "fatal", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* fatalx - log and exit */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal", fmt, ap);
	va_end(ap);
	exit(1);
}
