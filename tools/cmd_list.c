/* tools/cmd_list.c - placeholder until the module lands */
typedef int tmx_placeholder_cmd_list;
