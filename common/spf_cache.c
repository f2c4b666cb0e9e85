/* common/spf_cache.c - placeholder until the module lands */
typedef int tmx_placeholder_spf_cache;
