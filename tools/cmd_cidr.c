/* cmd_cidr.c - placeholder until the module lands */
typedef int tmx_placeholder_cmd_cidr;
