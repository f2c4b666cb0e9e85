/* proxy_v1.c - placeholder until the module lands */
typedef int tmx_placeholder_proxy_v1;
