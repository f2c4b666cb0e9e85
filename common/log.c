/* common/log.c - placeholder until the module lands */
typedef int tmx_placeholder_log;
