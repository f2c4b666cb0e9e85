/*
 * tmx-private.h - what every libtrustmx source file shares and no user of
 * the library sees: the export marker. Public functions are defined with
 * TMX_EXPORT; everything else stays hidden (and the version script agrees).
 */
#ifndef TMX_PRIVATE_H
#define TMX_PRIVATE_H

#define TMX_EXPORT __attribute__((visibility("default")))

#define TMX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
