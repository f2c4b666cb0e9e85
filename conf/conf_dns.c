/*
 * conf_dns.c - dns_servers and dns_timeout handed to the DNS layer. Each
 * program calls it after loading trustmx.conf and again on reload; an
 * unchanged configuration keeps the resolver and its warm cache. Without
 * dns_servers the nameservers are resolv.conf's, so an edited resolv.conf
 * is a changed configuration too (a reload picks it up, as a Postfix
 * reload does).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf_dns.h"
#include "dns.h"

#define CONF_DNS_SERVERS_MAX 8

static pthread_mutex_t conf_dns_lock = PTHREAD_MUTEX_INITIALIZER;
static char conf_dns_applied[1024];	/* "timeout servers", "" before any */

#define CONF_DNS_RESOLV_CONF	"/etc/resolv.conf"

/* conf_dns_resolv_hash - FNV-1a of resolv.conf's bytes; 0 if unreadable */
static uint64_t
conf_dns_resolv_hash(void)
{
	uint64_t h = 14695981039346656037ULL;
	FILE *fp = fopen(CONF_DNS_RESOLV_CONF, "re");
	int c;

	if (fp == NULL)
		return 0;
	while ((c = getc(fp)) != EOF)
		h = (h ^ (uint8_t)c) * 1099511628211ULL;
	fclose(fp);
	return h;
}

/* conf_dns_apply - see conf_dns.h */
int
conf_dns_apply(const struct conf *conf, char *err, size_t errlen)
{
	const char *servers[CONF_DNS_SERVERS_MAX + 1] = { NULL };
	struct dns_config cfg;
	char key[sizeof(conf_dns_applied)], **words;
	const char *why = NULL;
	size_t n = 0;
	int rc = 0;

	if (conf_str(conf, "dns_servers")[0] != '\0')
		snprintf(key, sizeof(key), "%ld %s", conf_time(conf,
			 "dns_timeout"), conf_str(conf, "dns_servers"));
	else
		snprintf(key, sizeof(key), "%ld resolv.conf %016llx",
			 conf_time(conf, "dns_timeout"),
			 (unsigned long long)conf_dns_resolv_hash());
	pthread_mutex_lock(&conf_dns_lock);
	if (strcmp(key, conf_dns_applied) == 0)
		goto done;
	words = conf_words(conf_str(conf, "dns_servers"));
	while (words[n] != NULL && n < CONF_DNS_SERVERS_MAX) {
		servers[n] = words[n];
		n++;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.forwarders = n > 0 ? servers : NULL;
	cfg.timeout_ms = (unsigned)conf_time(conf, "dns_timeout") * 1000;
	if (dns_init(&cfg, &why) < 0) {
		snprintf(err, errlen, "%s: dns_servers: %s",
			 conf_where(conf, "dns_servers"), why);
		rc = -1;
	} else {
		memcpy(conf_dns_applied, key, sizeof(key));
	}
	conf_words_free(words);
done:
	pthread_mutex_unlock(&conf_dns_lock);
	return rc;
}
