/*
 * settings.c - loading, rebuilding, swapping and reference counting the
 * milter's configuration snapshots. The lock guards only the pointer and
 * the counts; a snapshot itself is read-only once built.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_metrics.h"
#include "conf_dns.h"
#include "log.h"
#include "settings.h"
#include "xalloc.h"

/* What one load read: the file and what is parsed from it, never the lists */
struct settings_file {
	unsigned refs;		/* under the settings lock */
	struct conf *conf;
	struct relay_format *relay_format;	/* how relays' lines read */
	char **arc_trusted;		/* arc_trusted_sealers */
	struct arc_key *arc_key;	/* arc_seal_key, or NULL */
};

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct settings *settings_current;
static unsigned long settings_generation;

/* settings_spf_load - an spf: source at a load: expanded once if due */
static const struct spf_expansion *
settings_spf_load(void *ctx, const char *domain)
{
	return spf_source_load(ctx, domain);
}

/* settings_spf_get - an spf: source at a rebuild: what the store holds */
static const struct spf_expansion *
settings_spf_get(void *ctx, const char *domain)
{
	return spf_source_get(ctx, domain);
}

/* settings_list_warn - lists_build's remarks, logged */
static void
settings_list_warn(void *ctx, const char *message)
{
	log_warnx("%s", message);
}

/* settings_file_free - release what a load read */
static void
settings_file_free(struct settings_file *file)
{
	relay_format_free(file->relay_format);
	conf_words_free(file->arc_trusted);
	arc_key_free(file->arc_key);
	conf_free(file->conf);
	free(file);
}

/*
 * settings_arc_key - arc_seal_key, when sealing is on: all three arc_seal_*
 * keys or none; a key file that only its owner may read (the daemon's
 * user, as it reads the file again at every reload). 0 or -1 with err.
 */
static int
settings_arc_key(struct settings_file *file, char *err, size_t errlen)
{
	const struct conf *c = file->conf;
	const char *path = conf_str(c, "arc_seal_key"), *why = NULL;
	bool dom = conf_str(c, "arc_seal_domain")[0] != '\0';
	bool sel = conf_str(c, "arc_seal_selector")[0] != '\0';
	struct stat st;

	if (!dom && !sel && path[0] == '\0')
		return 0;
	if (!dom || !sel || path[0] == '\0') {
		snprintf(err, errlen, "%s: arc_seal_domain, arc_seal_selector "
			 "and arc_seal_key go together: set all three or none",
			 conf_where(c, path[0] ? "arc_seal_key" : dom ?
				    "arc_seal_domain" : "arc_seal_selector"));
		return -1;
	}
	if (stat(path, &st) < 0)
		why = strerror(errno);
	else if ((st.st_mode & 077) != 0)
		why = "group or others may read it (chmod 600, owned by the "
		      "milter's user)";
	else if ((file->arc_key = arc_key_load(path, &why)) == NULL && !why)
		why = "not a usable private key";
	if (why != NULL) {
		snprintf(err, errlen, "%s: arc_seal_key: %s: %s",
			 conf_where(c, "arc_seal_key"), path, why);
		return -1;
	}
	return 0;
}

/* settings_file_load - read path and its relay_format; one reference */
static struct settings_file *
settings_file_load(const char *path, char *err, size_t errlen)
{
	struct settings_file *file = xcalloc(1, sizeof(*file));
	char why[256];

	file->refs = 1;
	file->conf = conf_load(path, err, errlen);
	if (file->conf == NULL) {
		free(file);
		return NULL;
	}
	conf_set_program(file->conf, "trustmx-milter");
	if (conf_dns_apply(file->conf, err, errlen) < 0) {
		settings_file_free(file);
		return NULL;
	}
	if (relay_format_parse(conf_str(file->conf, "relay_format"),
			       &file->relay_format, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s",
			 conf_where(file->conf, "relay_format"), why);
		settings_file_free(file);
		return NULL;
	}
	file->arc_trusted = conf_words(conf_str(file->conf,
						"arc_trusted_sealers"));
	if (settings_arc_key(file, err, errlen) < 0) {
		settings_file_free(file);
		return NULL;
	}
	return file;
}

/* settings_free - release a snapshot nobody references */
static void
settings_free(struct settings *s)
{
	unsigned left;

	lists_free(s->lists);
	pthread_mutex_lock(&settings_lock);
	left = --s->file->refs;
	pthread_mutex_unlock(&settings_lock);
	if (left == 0)
		settings_file_free(s->file);
	free(s);
}

/*
 * settings_build - a snapshot of file (it takes the caller's reference)
 * with lists whose spf: sources come from lookup; NULL with err (and the
 * reference dropped)
 */
static struct settings *
settings_build(struct settings_file *file, lists_spf_fn *lookup,
	       struct spf_source *spf, lists_warn_fn *warn, char *err,
	       size_t errlen)
{
	struct settings *s = xcalloc(1, sizeof(*s));

	s->file = file;
	s->conf = file->conf;
	s->relay_format = file->relay_format;
	s->lists = lists_build(file->conf, lookup, spf, warn, NULL, err,
			       errlen);
	if (s->lists == NULL) {
		settings_free(s);
		return NULL;
	}
	s->refs = 1;
	s->authserv_id = conf_str(s->conf, "authserv_id");
	s->policy.dmarc_reject = conf_bool(s->conf, "dmarc_reject");
	s->policy.dmarc_quarantine = conf_bool(s->conf, "dmarc_quarantine");
	s->policy.relay_quarantine = conf_bool(s->conf, "relay_quarantine");
	s->policy.dns_tempfail = conf_bool(s->conf, "dns_tempfail");
	s->dmarc_rfc7489 = strcmp(conf_str(s->conf, "dmarc_mode"),
				  "rfc7489") == 0;
	s->arc_verify = conf_bool(s->conf, "arc_verify");
	s->arc_trusted = file->arc_trusted;
	s->arc_key = file->arc_key;
	s->arc_seal_domain = conf_str(s->conf, "arc_seal_domain");
	s->arc_seal_selector = conf_str(s->conf, "arc_seal_selector");
	return s;
}

/* settings_spf_policy - see settings.h */
void
settings_spf_policy(const struct conf *conf, struct spf_source *spf)
{
	struct spf_source_policy policy;

	policy.cache_dir = conf_str(conf, "spf_cache_dir");
	policy.refresh_min = conf_time(conf, "spf_refresh_min");
	policy.refresh_max = conf_time(conf, "spf_refresh_max");
	policy.shrink_limit = conf_int(conf, "spf_shrink_limit");
	spf_source_configure(spf, &policy);
}

/* settings_load - see settings.h */
struct settings *
settings_load(const char *path, struct spf_source *spf, char *err,
	      size_t errlen)
{
	struct settings_file *file = settings_file_load(path, err, errlen);
	struct settings *s;

	if (file == NULL)
		return NULL;
	if (spf == NULL)
		return settings_build(file, NULL, NULL, NULL, err, errlen);
	settings_spf_policy(file->conf, spf);
	s = settings_build(file, settings_spf_load, spf, settings_list_warn,
			   err, errlen);
	if (s != NULL)
		spf_source_retain(spf, s->lists->spf_domains, s->lists->nspf);
	return s;
}

/* settings_rebuild - see settings.h */
struct settings *
settings_rebuild(struct settings *cur, struct spf_source *spf, char *err,
		 size_t errlen)
{
	pthread_mutex_lock(&settings_lock);
	cur->file->refs++;
	pthread_mutex_unlock(&settings_lock);
	return settings_build(cur->file, settings_spf_get, spf,
			      settings_list_warn, err, errlen);
}

/* settings_install - see settings.h */
void
settings_install(struct settings *s)
{
	struct settings *old;

	conf_metrics_lists(s->lists);
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
