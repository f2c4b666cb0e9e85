/* tools/cmd_spf_expand.c - placeholder until the module lands */
typedef int tmx_placeholder_cmd_spf_expand;
