/* common/conf.c - placeholder until the module lands */
typedef int tmx_placeholder_conf;
