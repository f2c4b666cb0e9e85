/*
 * dns_dkim.h - libopendkim's key lookups through the DNS layer, so they
 * share the process's cache and deadline and carry DNSSEC's verdict.
 */
#ifndef TMX_DNS_DKIM_H
#define TMX_DNS_DKIM_H

#include <opendkim/dkim.h>

/* dns_dkim_install - make lib resolve through dns_lookup; 0 or -1 */
int dns_dkim_install(DKIM_LIB *lib);

#endif
