/*
 * relay.h - backup-MX relay recovery: for mail handed over by a client in
 * relay_networks, find the client that really connected to the relay by
 * reading the relay's own Received line (and the next one down while that
 * client is itself a trusted relay), so SPF judges the right address.
 */
#ifndef TMX_RELAY_H
#define TMX_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>
#include <trustmx/cidrset.h>

#include "received.h"
#include "relay_format.h"

#define RELAY_MAX_HOPS 8

/* The relay that connected to us, as Postfix told us about it */
struct relay_peer {
	struct tmx_addr addr;
	const char *helo;	/* may be NULL */
	const char *rdns;	/* may be NULL or "unknown" */
};

/* Why no client was recovered (a fixed set: metrics count by it) */
enum relay_fallback {
	RELAY_FALLBACK_NONE = 0,	/* recovered */
	RELAY_FALLBACK_NO_RECEIVED,	/* no Received line by the relay */
	RELAY_FALLBACK_UNPARSABLE,	/* its line could not be read */
	RELAY_FALLBACK_TOO_MANY_HOPS,	/* RELAY_MAX_HOPS trusted relays */
};

struct relay_recovery {
	bool usable;			/* a client was recovered */
	enum relay_fallback fallback;	/* why not */
	struct tmx_addr client;		/* the original client (observed) */
	char helo[RECEIVED_NAME_MAX];	/* the HELO it gave the relay (claimed) */
	char rdns[RECEIVED_NAME_MAX];	/* the relay's reverse name for it */
	enum received_format format;	/* the layout its line was read as */
	unsigned line;			/* that line, 1 = topmost the milter saw */
	struct tmx_addr last_relay;	/* the trusted relay it connected to */
	unsigned hops;			/* trusted relays walked (>= 1) */
	unsigned skipped;		/* lines skipped as our own MTA's */
	bool by_mismatch;		/* a "by" part named another host */
	char note[320];			/* why unusable, or the by mismatch */
};

/*
 * relay_recover - walk the Received values (topmost first, as the milter
 * saw them) starting from peer. relays is relay_networks; formats says
 * how each relay's lines are read (NULL: auto). Fills *r; never fails:
 * r->usable says whether a client was found, r->note why not.
 */
void relay_recover(const struct tmx_cidrset *relays,
		   const struct relay_format *formats,
		   const struct relay_peer *peer,
		   char *const *received, size_t nreceived,
		   struct relay_recovery *r);

#endif
