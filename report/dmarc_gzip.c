/*
 * dmarc_gzip.c - deflate with zlib's gzip wrapper (windowBits 15 + 16):
 * a GZIP header with no name and no time, so the same report compresses
 * to the same bytes (a re-sent report is identical).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "dmarc_gzip.h"

/* dmarc_gzip - see dmarc_gzip.h: one deflate call into deflateBound's
 * room, which always suffices for Z_FINISH */
int
dmarc_gzip(const void *data, size_t len, struct dmarc_buf *out)
{
	z_stream z;
	size_t room;
	int rc;

	if (len > UINT_MAX / 2)
		return -1;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	room = deflateBound(&z, (uLong)len) + 64;
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)dmarc_buf_reserve(out, room);
	z.avail_out = (uInt)room;
	rc = deflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END) {
		out->len += room - z.avail_out;
		out->data[out->len] = '\0';
	}
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}
