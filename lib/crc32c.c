/* crc32c.c - placeholder until the module lands */
typedef int tmx_placeholder_crc32c;
