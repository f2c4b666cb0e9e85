/*
 * crc32c.h - the two CRC32C (Castagnoli) implementations behind tmx_crc32c:
 * a portable table-driven one and one using the SSE4.2 crc32 instruction.
 * Both take and return the finished CRC value (see tmx_crc32c in proxy.h),
 * so tmx_crc32c_sw(0, ...) == tmx_crc32c_hw(0, ...) for every input.
 */
#ifndef TMX_CRC32C_H
#define TMX_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* tmx_crc32c_sw - CRC32C with a 256-entry table (any CPU) */
uint32_t tmx_crc32c_sw(uint32_t crc, const void *buf, size_t len);

/*
 * tmx_crc32c_hw - CRC32C with the SSE4.2 crc32 instruction. Only call when
 * tmx_crc32c_hw_available() is true; elsewhere it is the table version.
 */
uint32_t tmx_crc32c_hw(uint32_t crc, const void *buf, size_t len);

/* tmx_crc32c_hw_available - the CPU (and this build) has the instruction */
bool tmx_crc32c_hw_available(void);

#endif
