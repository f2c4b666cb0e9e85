/*
 * dmarc_buf.h - growing bytes for building a report: its XML, the gzip
 * stream, the MIME message. For trustmx(1) only: allocation failure is
 * fatal (xalloc).
 */
#ifndef TMX_DMARC_BUF_H
#define TMX_DMARC_BUF_H

#include <stddef.h>

struct dmarc_buf {
	char *data;	/* NUL-terminated after every append (not counted) */
	size_t len;
	size_t cap;
};

/* dmarc_buf_add - append n bytes */
void dmarc_buf_add(struct dmarc_buf *b, const void *data, size_t n);

/* dmarc_buf_str - append a string */
void dmarc_buf_str(struct dmarc_buf *b, const char *s);

/* dmarc_buf_printf - append formatted text */
void dmarc_buf_printf(struct dmarc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* dmarc_buf_reserve - room for n more bytes; where they go */
char *dmarc_buf_reserve(struct dmarc_buf *b, size_t n);

/* dmarc_buf_free - release and empty (the struct may be reused) */
void dmarc_buf_free(struct dmarc_buf *b);

#endif
