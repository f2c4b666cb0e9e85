/*
 * pd_settings.c - trustmx-policyd's keys of trustmx.conf, read and checked
 * once per (re)load into struct pd_settings; errors name file:line. The
 * result is shared, reference counted, between the loop and the refresher.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "conf_dns.h"
#include "log.h"
#include "policyd.h"
#include "xalloc.h"

/* pd_settings_resolve - the bind address of an inet listener; -1 with reason */
static int
pd_settings_resolve(const struct conf_listen *cl, struct pd_listen *l,
		    const char **error_r)
{
	struct addrinfo hints, *res;
	const char *host = cl->host;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (host == NULL) {
		/* every address: "::" takes IPv4 too (IPV6_V6ONLY off) */
		host = "::";
		hints.ai_flags |= AI_NUMERICHOST;
	}
	if (getaddrinfo(host, cl->port, &hints, &res) != 0) {
		*error_r = "address does not resolve";
		return -1;
	}
	memcpy(&l->ss, res->ai_addr, res->ai_addrlen);
	l->sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* pd_settings_free_listen - release an array of listener specs */
void
pd_settings_free_listen(struct pd_listen *listen, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(listen[i].spec);
		free(listen[i].path);
	}
	free(listen);
}

/* pd_settings_listen - append the listeners of key; -1 with err */
static int
pd_settings_listen(const struct conf *conf, const char *key,
		   enum pd_service service, struct pd_settings *s, char *err,
		   size_t errlen)
{
	size_t i, n = 0;
	const struct conf_listen *cl = conf_listen(conf, key, &n);
	const char *why;

	for (i = 0; i < n; i++) {
		struct pd_listen *l;

		s->listen = xreallocarray(s->listen, s->nlisten + 1,
					  sizeof(*s->listen));
		l = &s->listen[s->nlisten];
		memset(l, 0, sizeof(*l));
		l->service = service;
		l->haproxy = cl[i].haproxy;
		l->is_unix = cl[i].kind == CONF_LISTEN_UNIX;
		if (l->is_unix)
			l->path = xstrdup(cl[i].path);
		else if (pd_settings_resolve(&cl[i], l, &why) < 0) {
			snprintf(err, errlen, "%s: %s: %s: %s",
				 conf_where(conf, key), key, cl[i].text, why);
			return -1;
		}
		l->spec = xstrdup(cl[i].text);
		s->nlisten++;
	}
	return 0;
}

/* pd_settings_same_listeners - would b listen exactly where a does */
bool
pd_settings_same_listeners(const struct pd_settings *a,
			   const struct pd_settings *b)
{
	size_t i;

	if (a->nlisten != b->nlisten)
		return false;
	for (i = 0; i < a->nlisten; i++)
		if (a->listen[i].service != b->listen[i].service ||
		    a->listen[i].haproxy != b->listen[i].haproxy ||
		    strcmp(a->listen[i].spec, b->listen[i].spec) != 0)
			return false;
	return true;
}

/* pd_settings_fill - settings from a parsed (validated) conf; -1 with err */
static int
pd_settings_fill(const struct conf *conf, struct pd_settings *s, char *err,
		 size_t errlen)
{
	s->relay_action = xstrdup(conf_str(conf, "relay_policy_action"));
	s->deny_action = xstrdup(conf_str(conf, "deny_policy_action"));
	s->allow_action = xstrdup(conf_str(conf, "allow_policy_action"));
	s->spf_cache_dir = xstrdup(conf_str(conf, "spf_cache_dir"));
	s->user = xstrdup(conf_str(conf, "user"));
	s->spf_refresh_min = conf_time(conf, "spf_refresh_min");
	s->spf_refresh_max = conf_time(conf, "spf_refresh_max");
	s->spf_shrink_limit = conf_int(conf, "spf_shrink_limit");
	s->client_timeout_ms = (int)conf_time(conf, "client_timeout") * 1000;
	s->proxy_timeout_ms = (int)conf_time(conf, "proxy_timeout") * 1000;
	s->max_clients = (size_t)conf_int(conf, "max_clients");
	s->socket_mode = (mode_t)conf_int(conf, "socket_mode");
	if (pd_settings_listen(conf, "policy_listen", PD_POLICY, s, err,
	    errlen) < 0 || pd_settings_listen(conf, "socketmap_listen",
	    PD_SOCKETMAP, s, err, errlen) < 0)
		return -1;
	if (s->nlisten == 0) {
		snprintf(err, errlen, "%s: neither policy_listen nor "
			 "socketmap_listen is set", conf_where(conf,
			 "policy_listen"));
		return -1;
	}
	return 0;
}

/* pd_settings_clear - release what pd_settings_fill allocated */
static void
pd_settings_clear(struct pd_settings *s)
{
	pd_settings_free_listen(s->listen, s->nlisten);
	free(s->relay_action);
	free(s->deny_action);
	free(s->allow_action);
	free(s->spf_cache_dir);
	free(s->user);
	memset(s, 0, sizeof(*s));
}

/* pd_settings_load - conf_load and the policyd settings; NULL with err */
struct pd_config *
pd_settings_load(const char *path, char *err, size_t errlen)
{
	struct pd_config *config;
	struct conf *conf = conf_load(path, err, errlen);

	if (conf == NULL)
		return NULL;
	config = xcalloc(1, sizeof(*config));
	conf_set_program(conf, "trustmx-policyd");
	config->conf = conf;
	config->path = xstrdup(path);
	atomic_init(&config->refs, 1);
	if (conf_dns_apply(conf, err, errlen) < 0 ||
	    pd_settings_fill(conf, &config->settings, err, errlen) < 0) {
		pd_settings_unref(config);
		return NULL;
	}
	return config;
}

/* pd_settings_ref - one more holder of config */
struct pd_config *
pd_settings_ref(struct pd_config *config)
{
	atomic_fetch_add(&config->refs, 1);
	return config;
}

/* pd_settings_unref - drop a holder; the last one frees */
void
pd_settings_unref(struct pd_config *config)
{
	if (config == NULL || atomic_fetch_sub(&config->refs, 1) != 1)
		return;
	pd_settings_clear(&config->settings);
	conf_free(config->conf);
	free(config->path);
	free(config);
}
