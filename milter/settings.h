/*
 * settings.h - trustmx-milter's configuration snapshot: trustmx.conf plus
 * the trust lists built from it. Reloads build a new snapshot and swap a
 * pointer; each message holds a reference to the snapshot it started
 * with, so a reload never changes the rules under a message in flight.
 */
#ifndef TMX_SETTINGS_H
#define TMX_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "lists.h"
#include "relay_format.h"
#include "verdict.h"

struct settings {
	unsigned refs;			/* under the settings lock */
	struct conf *conf;
	struct lists *lists;
	struct relay_format *relay_format;	/* how each relay's lines read */
	const char *authserv_id;	/* owned by conf */
	struct verdict_policy policy;
	unsigned long generation;	/* 1 for the first load */
};

/*
 * settings_load - read path and build the lists (spf: sources are
 * expanded now, or come from spf_cache_dir); NULL with a reason in err.
 */
struct settings *settings_load(const char *path, char *err, size_t errlen);

/* settings_install - make s current (takes the caller's reference) */
void settings_install(struct settings *s);

/* settings_acquire - a reference to the current snapshot (never NULL once installed) */
struct settings *settings_acquire(void);

/* settings_release - drop a reference; the last one frees the snapshot */
void settings_release(struct settings *s);

/* settings_is_relay - is addr in relay_networks */
bool settings_is_relay(const struct settings *s, const struct tmx_addr *addr);

#endif
