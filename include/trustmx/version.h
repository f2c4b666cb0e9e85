/*
 * trustmx/version.h - library version and shared-object version.
 *
 * meson.build reads TMX_SOVERSION and TMX_VERSION_STRING from this file, so
 * the soname and the package version have one source of truth.
 */
#ifndef TRUSTMX_VERSION_H
#define TRUSTMX_VERSION_H

#define TMX_VERSION_MAJOR 0
#define TMX_VERSION_MINOR 1
#define TMX_VERSION_PATCH 0
#define TMX_VERSION_STRING "0.1.0"
#define TMX_SOVERSION 0

/* tmx_version - the version of the library actually linked at run time */
const char *tmx_version(void);

#endif
