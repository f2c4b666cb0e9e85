/* tools/cmd_spf_check.c - placeholder until the module lands */
typedef int tmx_placeholder_cmd_spf_check;
