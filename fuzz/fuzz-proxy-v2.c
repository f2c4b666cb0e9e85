/*
 * fuzz-proxy-v2.c - whole PROXY v2 headers into tmx_proxy_parse, with v1
 * refused and with both versions and unmapping allowed; proxy-check.h
 * aborts on any broken invariant.
 */
#include <stddef.h>
#include <stdint.h>

#include "proxy-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one input, every flag combination that matters */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	proxy_check(data, size, TMX_PROXY_F_NO_V1);
	proxy_check(data, size, TMX_PROXY_F_UNMAP);
	return 0;
}
