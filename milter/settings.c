/*
 * settings.c - loading, swapping and reference counting the milter's
 * configuration snapshots. The lock guards only the pointer and the
 * counts; a snapshot itself is read-only once built.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "settings.h"
#include "spf_expand.h"
#include "xalloc.h"

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct settings *settings_current;
static unsigned long settings_generation;

/* The spf: expansions made during one load, freed when it is done */
struct settings_spf {
	const char *cache_dir;
	struct spf_expansion *exp;
	size_t count;
};

/* settings_spf_warn - spf_expand's remarks, logged */
static void
settings_spf_warn(void *ctx, const char *message)
{
	log_info("spf: %s", message);
}

/* settings_spf_source - an spf: source: look it up, else the saved copy */
static const struct spf_expansion *
settings_spf_source(void *vctx, const char *domain)
{
	struct settings_spf *ctx = vctx;
	struct spf_expansion exp;
	char err[256];

	memset(&exp, 0, sizeof(exp));
	if (spf_expand(domain, &exp, settings_spf_warn, NULL, err,
		       sizeof(err)) != SPF_EXPAND_OK) {
		log_warnx("spf:%s: %s; trying the saved expansion", domain,
			  err);
		if (spf_cache_load(ctx->cache_dir, domain, &exp, err,
				   sizeof(err)) < 0)
			return NULL;
	}
	ctx->exp = xreallocarray(ctx->exp, ctx->count + 1,
				 sizeof(*ctx->exp));
	ctx->exp[ctx->count] = exp;
	return &ctx->exp[ctx->count++];
}

/* settings_list_warn - lists_build's remarks, logged */
static void
settings_list_warn(void *ctx, const char *message)
{
	log_warnx("%s", message);
}

/* settings_free - release a snapshot nobody references */
static void
settings_free(struct settings *s)
{
	relay_format_free(s->relay_format);
	lists_free(s->lists);
	conf_free(s->conf);
	free(s);
}

/* settings_relay_format - relay_format, with file:line on error */
static int
settings_relay_format(struct settings *s, char *err, size_t errlen)
{
	char why[256];

	if (relay_format_parse(conf_str(s->conf, "relay_format"),
			       &s->relay_format, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", conf_where(s->conf, "relay_format"),
		 why);
	return -1;
}

/* settings_load - see settings.h */
struct settings *
settings_load(const char *path, char *err, size_t errlen)
{
	struct settings *s = xcalloc(1, sizeof(*s));
	struct settings_spf spf = { NULL, NULL, 0 };

	s->conf = conf_load(path, err, errlen);
	if (s->conf == NULL) {
		free(s);
		return NULL;
	}
	conf_set_program(s->conf, "trustmx-milter");
	spf.cache_dir = conf_str(s->conf, "spf_cache_dir");
	s->lists = lists_build(s->conf, settings_spf_source, &spf,
			       settings_list_warn, NULL, err, errlen);
	for (size_t i = 0; i < spf.count; i++)
		spf_expansion_free(&spf.exp[i]);
	free(spf.exp);
	if (s->lists == NULL) {
		conf_free(s->conf);
		free(s);
		return NULL;
	}
	if (settings_relay_format(s, err, errlen) < 0) {
		settings_free(s);
		return NULL;
	}
	s->refs = 1;
	s->authserv_id = conf_str(s->conf, "authserv_id");
	s->policy.dmarc_reject = conf_bool(s->conf, "dmarc_reject");
	s->policy.dmarc_quarantine = conf_bool(s->conf, "dmarc_quarantine");
	s->policy.relay_quarantine = conf_bool(s->conf, "relay_quarantine");
	s->policy.dns_tempfail = conf_bool(s->conf, "dns_tempfail");
	return s;
}

/* settings_install - see settings.h */
void
settings_install(struct settings *s)
{
	struct settings *old;

	pthread_mutex_lock(&settings_lock);
	s->generation = ++settings_generation;
	old = settings_current;
	settings_current = s;
	pthread_mutex_unlock(&settings_lock);
	if (old != NULL)
		settings_release(old);
}

/* settings_acquire - see settings.h */
struct settings *
settings_acquire(void)
{
	struct settings *s;

	pthread_mutex_lock(&settings_lock);
	s = settings_current;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&settings_lock);
	return s;
}

/* settings_release - see settings.h */
void
settings_release(struct settings *s)
{
	unsigned left;

	if (s == NULL)
		return;
	pthread_mutex_lock(&settings_lock);
	left = --s->refs;
	pthread_mutex_unlock(&settings_lock);
	if (left == 0)
		settings_free(s);
}

/* settings_is_relay - see settings.h */
bool
settings_is_relay(const struct settings *s, const struct tmx_addr *addr)
{
	return tmx_cidrset_lookup(s->lists->set[LIST_RELAY], addr, NULL);
}
