/* milter/spf.c - placeholder until the module lands */
typedef int tmx_placeholder_spf;
