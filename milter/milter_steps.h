/*
 * milter_steps.h - the milter protocol steps trustmx-milter negotiates
 * away (shared with bench/bench-nullmilter.c, which must negotiate the
 * same to be its limit).
 *
 * MILTER_NOREPLY: steps whose answer Postfix need not wait for
 * (SMFIP_NR_*): none of these callbacks decides anything, so each saves a
 * round trip per connection or per header field; a failure there is kept
 * and answered at end of message. MILTER_SKIP: events not sent at all
 * (there is no RCPT, DATA or unknown-command callback).
 */
#ifndef TMX_MILTER_STEPS_H
#define TMX_MILTER_STEPS_H

#include <libmilter/mfapi.h>

#define MILTER_NOREPLY	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | \
			 SMFIP_NR_EOH | SMFIP_NR_BODY)
#define MILTER_SKIP	(SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOUNKNOWN)

#endif
