/* common/lists.c - placeholder until the module lands */
typedef int tmx_placeholder_lists;
