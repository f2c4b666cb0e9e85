/* common/spf_expand.c - placeholder until the module lands */
typedef int tmx_placeholder_spf_expand;
