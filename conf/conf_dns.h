/*
 * conf_dns.h - the DNS layer configured from trustmx.conf: dns_servers
 * (forwarders; empty: resolv.conf's nameservers) and dns_timeout.
 */
#ifndef TMX_CONF_DNS_H
#define TMX_CONF_DNS_H

#include "conf.h"

/*
 * conf_dns_apply - (re)configure dns/ when the values differ from those
 * applied last (a new resolver starts with an empty cache); 0, or -1 with
 * a reason in err.
 */
int conf_dns_apply(const struct conf *conf, char *err, size_t errlen);

#endif
