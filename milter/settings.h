/*
 * settings.h - trustmx-milter's configuration snapshot: trustmx.conf plus
 * the trust lists built from it. Reloads and spf: refreshes build a new
 * snapshot and swap a pointer; each message holds a reference to the
 * snapshot it started with, so neither changes the rules under a message
 * in flight.
 */
#ifndef TMX_SETTINGS_H
#define TMX_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "arc.h"
#include "conf.h"
#include "lists.h"
#include "relay_format.h"
#include "spf_source.h"
#include "verdict.h"

/* What one load read from the file; shared by the snapshots built from it */
struct settings_file;

struct settings {
	unsigned refs;			/* under the settings lock */
	struct settings_file *file;	/* one reference */
	const struct conf *conf;	/* owned by file */
	struct lists *lists;
	const struct relay_format *relay_format;	/* owned by file */
	const char *authserv_id;	/* owned by conf */
	struct verdict_policy policy;
	bool dmarc_rfc7489;		/* dmarc_mode = rfc7489 */
	bool arc_verify;		/* arc_verify */
	char *const *arc_trusted;	/* arc_trusted_sealers, owned by file */
	const struct arc_key *arc_key;	/* NULL: no sealing; owned by file */
	const char *arc_seal_domain, *arc_seal_selector;
	unsigned long generation;	/* 1 for the first load */
};

/*
 * settings_load - read path and build the lists, each spf: domain through
 * spf (expanded once if due, else its last good or saved copy; spf takes
 * the file's spf_* keys). spf NULL: the spf: sources stay empty and no DNS
 * is asked (a quick check that the file loads). NULL with a reason in err.
 */
struct settings *settings_load(const char *path, struct spf_source *spf,
			       char *err, size_t errlen);

/*
 * settings_rebuild - a snapshot with cur's file and lists built anew from
 * spf's current expansions (no DNS); NULL with a reason in err.
 */
struct settings *settings_rebuild(struct settings *cur,
				  struct spf_source *spf,
				  char *err, size_t errlen);

/* settings_spf_policy - point spf at conf's spf_cache_dir and spf_* keys */
void settings_spf_policy(const struct conf *conf, struct spf_source *spf);

/* settings_install - make s current (takes the caller's reference) */
void settings_install(struct settings *s);

/* settings_acquire - a reference to the current snapshot (never NULL once installed) */
struct settings *settings_acquire(void);

/* settings_release - drop a reference; the last one frees the snapshot */
void settings_release(struct settings *s);

/* settings_is_relay - is addr in relay_networks */
bool settings_is_relay(const struct settings *s, const struct tmx_addr *addr);

/* settings_is_allowed - is addr in allow_networks */
bool settings_is_allowed(const struct settings *s, const struct tmx_addr *addr);

#endif
