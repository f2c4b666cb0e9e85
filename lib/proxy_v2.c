/* proxy_v2.c - placeholder until the module lands */
typedef int tmx_placeholder_proxy_v2;
