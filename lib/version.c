/*
 * version.c - the version of the library that is actually loaded.
 */
#include <trustmx/version.h>

#include "tmx-private.h"

/* tmx_version - TMX_VERSION_STRING as compiled into the library */
TMX_EXPORT const char *
tmx_version(void)
{
	return TMX_VERSION_STRING;
}
