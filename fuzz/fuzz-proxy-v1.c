/*
 * fuzz-proxy-v1.c - PROXY v1 lines into tmx_proxy_parse, with v2 refused
 * and with both versions and unmapping allowed; proxy-check.h aborts on
 * any broken invariant.
 */
#include <stddef.h>
#include <stdint.h>

#include "proxy-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one input, every flag combination that matters */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	proxy_check(data, size, TMX_PROXY_F_NO_V2);
	proxy_check(data, size, TMX_PROXY_F_UNMAP);
	return 0;
}
