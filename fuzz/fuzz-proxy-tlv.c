/*
 * fuzz-proxy-tlv.c - the input is a TLV area: it is wrapped in a valid v2
 * TCP4 header (so the fuzzer spends its time on TLVs), and a CRC32C TLV in
 * it gets the right checksum, so a CRC mismatch is itself a bug here.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy-check.h"

#define TLV_FIXED	(16 + 12)	/* fixed part and TCP4 block */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tlv_fix_crc - fill in the first top-level CRC32C TLV; its offset or 0 */
static size_t
tlv_fix_crc(uint8_t *hdr, size_t len)
{
	size_t pos = TLV_FIXED, vlen;
	uint32_t crc;

	while (len - pos >= 3) {
		vlen = (size_t)hdr[pos + 1] << 8 | hdr[pos + 2];
		if (vlen > len - pos - 3)
			return 0;
		if (hdr[pos] == TMX_PP2_TYPE_CRC32C && vlen == 4) {
			memset(hdr + pos + 3, 0, 4);
			crc = tmx_crc32c(0, hdr, len);
			hdr[pos + 3] = (uint8_t)(crc >> 24);
			hdr[pos + 4] = (uint8_t)(crc >> 16);
			hdr[pos + 5] = (uint8_t)(crc >> 8);
			hdr[pos + 6] = (uint8_t)crc;
			return pos;
		}
		pos += 3 + vlen;
	}
	return 0;
}

/* LLVMFuzzerTestOneInput - wrap, fix the CRC, check */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fixed[TLV_FIXED] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x11, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x00, 0x19,
	};
	struct tmx_proxy_hdr hdr;
	const char *error = NULL;
	size_t len, crc_at, n;
	uint8_t *buf;

	if (size > TMX_PROXY_V2_MAX - TLV_FIXED)
		size = TMX_PROXY_V2_MAX - TLV_FIXED;
	len = TLV_FIXED + size;
	if ((buf = malloc(len)) == NULL)
		return 0;
	memcpy(buf, fixed, TLV_FIXED);
	memcpy(buf + TLV_FIXED, data, size);
	buf[14] = (uint8_t)((len - 16) >> 8);
	buf[15] = (uint8_t)(len - 16);
	crc_at = tlv_fix_crc(buf, len);

	if (tmx_proxy_parse(buf, len, 0, &hdr, &n, &error) == TMX_PROXY_OK) {
		proxy_check_that(n == len);
		proxy_check_that(hdr.tlvs.ptr == (size ? buf + TLV_FIXED :
		    NULL) && hdr.tlvs.len == size);
		proxy_check_that(hdr.crc32c == (crc_at != 0));
	} else
		proxy_check_that(error == NULL ||
		    strstr(error, "CRC32C mismatch") == NULL);
	proxy_check(buf, len, 0);
	free(buf);
	return 0;
}
