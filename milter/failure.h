/*
 * failure.h - DMARC failure reports (RFC 9991) from the milter: off by
 * default (dmarc_failure_reports); headers only, redacted, rate-limited
 * per destination, sent off the message path.
 */
#ifndef TMX_MILTER_FAILURE_H
#define TMX_MILTER_FAILURE_H

#include "dmarc_ruf.h"
#include "results.h"
#include "settings.h"
#include "verdict.h"

/* failure_sync - start, reconfigure or stop the reports' queue as st
 * says (dmarc_failure_*): at the start and after each reload */
void failure_sync(const struct settings *st);

/*
 * failure_report - the failure reports of one message: m holds its
 * header fields (the session filled it); the rest is filled here from
 * res, v and mail_from, and the queue decides (fo) and sends. Any
 * thread; never waits.
 */
void failure_report(const struct results *res, const struct verdict *v,
		    const char *mail_from, const char *authserv_id,
		    struct dmarc_ruf_msg *m);

/* failure_close - stop the queue (at exit) */
void failure_close(void);

#endif
