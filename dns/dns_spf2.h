/*
 * dns_spf2.h - a libspf2 DNS layer that answers from dns_lookup: the
 * bottom of libspf2's stack in place of SPF_dns_resolv, SPF_dns_cache and
 * spf_dns_txt, so SPF shares the process's cache and deadline.
 */
#ifndef TMX_DNS_SPF2_H
#define TMX_DNS_SPF2_H

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <spf2/spf.h>

/*
 * dns_spf2_new - the layer (layer_below NULL); NULL without memory.
 * SPF_dns_free frees it, alone or as the bottom of a stack freed from its
 * top; SPF_server_new_dns does not take it over (free it after the server).
 */
SPF_dns_server_t *dns_spf2_new(int debug);

#endif
