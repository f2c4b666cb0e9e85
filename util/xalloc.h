/*
 * xalloc.h - allocation that cannot fail: on out-of-memory the daemon logs
 * "fatal: out of memory" and exits. For daemons and trustmx(1) only; the
 * library (lib/) never calls these.
 */
#ifndef TMX_XALLOC_H
#define TMX_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);

/* xrealloc - realloc(ptr, size); xreallocarray checks nmemb * size */
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);

char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* xasprintf - the formatted string in new memory (the caller frees it) */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
