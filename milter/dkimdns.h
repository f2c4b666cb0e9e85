/*
 * dkimdns.h - libopendkim's DNS queries through a resolver state of their
 * own per query. Debian's libopendkim 2.11 default resolver shares one
 * res_state between threads, which glibc does not allow: under concurrent
 * sessions key lookups then fail as temperror (measured: 132 of 900
 * messages at 20 sessions, bench/milter-run).
 */
#ifndef TMX_DKIMDNS_H
#define TMX_DKIMDNS_H

#include <opendkim/dkim.h>

/* dkimdns_install - make lib resolve through dkimdns.c; 0 or -1 */
int dkimdns_install(DKIM_LIB *lib);

#endif
