/*
 * bytes.h - big-endian (network order) reads and writes of wire fields.
 * Wire formats are read byte by byte with these, never by casting a buffer
 * to a packed struct: no alignment or aliasing assumptions.
 */
#ifndef TMX_BYTES_H
#define TMX_BYTES_H

#include <stdint.h>

/* tmx_get_be16 - the 16-bit big-endian value at p */
static inline uint16_t
tmx_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | (unsigned)p[1]);
}

/* tmx_get_be32 - the 32-bit big-endian value at p */
static inline uint32_t
tmx_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* tmx_put_be16 - store v at p, big-endian */
static inline void
tmx_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* tmx_put_be32 - store v at p, big-endian */
static inline void
tmx_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
