/*
 * dmarc_buf.c - growing bytes for the report builders (see dmarc_buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_buf.h"
#include "xalloc.h"

/* dmarc_buf_reserve - at least n more bytes (and the NUL) after len */
char *
dmarc_buf_reserve(struct dmarc_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if (b->cap < 256)
			b->cap = 256;
		b->data = xrealloc(b->data, b->cap);
	}
	return b->data + b->len;
}

/* dmarc_buf_add - append n bytes and keep a NUL after them */
void
dmarc_buf_add(struct dmarc_buf *b, const void *data, size_t n)
{
	memcpy(dmarc_buf_reserve(b, n), data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* dmarc_buf_str - append a string */
void
dmarc_buf_str(struct dmarc_buf *b, const char *s)
{
	dmarc_buf_add(b, s, strlen(s));
}

/* dmarc_buf_printf - append formatted text */
void
dmarc_buf_printf(struct dmarc_buf *b, const char *fmt, ...)
{
	va_list ap;
	char probe[1];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(probe, sizeof(probe), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	dmarc_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* dmarc_buf_free - release the bytes */
void
dmarc_buf_free(struct dmarc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
