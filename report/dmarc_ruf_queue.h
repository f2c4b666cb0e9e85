/*
 * dmarc_ruf_queue.h - DMARC failure reports (RFC 9991) off the message
 * path. dmarc_ruf_submit, called by the milter for each evaluated
 * message, decides from the record's fo whether the message calls for a
 * report and, if it does, copies it into a bounded queue without waiting
 * for anything. One worker thread takes the messages in turn: the ruf
 * destinations, an external one only with its _report._dmarc agreement
 * (RFC 9991 section 5, dmarc_dest.h), the per-destination rate limit
 * (section 2), the report (dmarc_ruf.h), and "sendmail -oi -f SENDER --
 * RCPT" for each, bounded by a timeout. A full queue drops the message,
 * counted and logged at most once a minute: mail is never delayed.
 */
#ifndef TMX_DMARC_RUF_QUEUE_H
#define TMX_DMARC_RUF_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmarc_dest.h"
#include "dmarc_ruf.h"

#define DMARC_RUF_QUEUE_DEFAULT		64	/* messages waiting */
#define DMARC_RUF_TIMEOUT_MS_DEFAULT	60000	/* one sendmail run */
#define DMARC_RUF_RATE_MAX		1000	/* reports a destination an hour */
#define DMARC_RUF_DESTS_MAX		256	/* destinations limited at once */

struct dmarc_ruf_queue;

/* How reports are sent; copied by dmarc_ruf_queue_new and _set */
struct dmarc_ruf_config {
	char *const *sendmail;		/* the command's words, NULL-ended:
					 * {"/usr/sbin/sendmail", NULL} */
	const char *sender;		/* envelope sender and From: */
	unsigned rate;			/* reports per destination in any
					 * hour, 1..DMARC_RUF_RATE_MAX */
	bool redact;			/* local parts of addresses */
	size_t queue_max;		/* 0: DMARC_RUF_QUEUE_DEFAULT */
	unsigned timeout_ms;		/* 0: DMARC_RUF_TIMEOUT_MS_DEFAULT */
	const struct dmarc_dest_dns *dns;	/* NULL: the DNS layer */
	const char *user_agent;		/* NULL: "trustmx/<version>" */
};

/* Counters since the queue was made */
struct dmarc_ruf_stats {
	uint64_t queued;	/* messages taken by dmarc_ruf_submit */
	uint64_t dropped;	/* the queue was full (or closing): lost */
	uint64_t done;		/* messages the worker finished */
	uint64_t sent;		/* reports sendmail took */
	uint64_t failed;	/* reports sendmail refused or did not run */
	uint64_t limited;	/* reports over a destination's rate */
	uint64_t refused;	/* destinations not used: not authorised,
				 * malformed, not mailto:, DNS failure */
};

/*
 * dmarc_ruf_queue_new - a queue and its worker thread (start it in the
 * process that submits, after any fork). The redaction key is drawn here
 * and lives as long as the queue. NULL with the reason in err when cfg
 * is unusable (no sender, no command, rate out of bounds).
 */
struct dmarc_ruf_queue *dmarc_ruf_queue_new(const struct dmarc_ruf_config *cfg,
					    char *err, size_t errlen);

/*
 * dmarc_ruf_queue_set - a new configuration (a reload) for the messages
 * the worker takes from now on; the rate limits and the redaction key
 * carry over, queue_max does not change. 0, or -1 (err) as _new.
 */
int dmarc_ruf_queue_set(struct dmarc_ruf_queue *q,
			const struct dmarc_ruf_config *cfg, char *err,
			size_t errlen);

/*
 * dmarc_ruf_submit - hand over one evaluated message; any thread, never
 * waits (a mutex held for a pointer's push). m is copied: the caller keeps
 * it. 1: it calls for no report (dmarc_ruf_wanted); 0: queued; -1: the
 * queue was full and it was dropped (counted; a warning at most once a
 * minute).
 */
int dmarc_ruf_submit(struct dmarc_ruf_queue *q, const struct dmarc_ruf_msg *m);

/* dmarc_ruf_queue_flush - wait until every message queued before the call
 * is finished (reports sent or not); for tests and tools */
void dmarc_ruf_queue_flush(struct dmarc_ruf_queue *q);

/* dmarc_ruf_queue_stats - a copy of the counters */
void dmarc_ruf_queue_stats(struct dmarc_ruf_queue *q,
			   struct dmarc_ruf_stats *stats_r);

/*
 * dmarc_ruf_queue_free - stop: the message in hand is finished (bounded
 * by the timeout), those still waiting are dropped and counted, the worker
 * is joined. NULL is fine.
 */
void dmarc_ruf_queue_free(struct dmarc_ruf_queue *q);

#endif
