/*
 * dmarc_gzip.h - a report compressed as one GZIP member (RFC 1952), the
 * form RFC 9990 3.5.2 recommends for the attachment (zlib).
 */
#ifndef TMX_DMARC_GZIP_H
#define TMX_DMARC_GZIP_H

#include <stddef.h>

#include "dmarc_buf.h"

/* dmarc_gzip - compress len bytes at data, appended to out; 0 or -1 */
int dmarc_gzip(const void *data, size_t len, struct dmarc_buf *out);

#endif
