/*
 * verdict.h - what trustmx-milter does with a message once the results are
 * in: accept, quarantine, reject (only direct DMARC p=reject failures, and
 * only when dmarc_reject is on) or tempfail. Pure policy: no I/O.
 */
#ifndef TMX_VERDICT_H
#define TMX_VERDICT_H

#include <stdbool.h>

#include "results.h"

enum verdict_action {
	VERDICT_ACCEPT = 0,
	VERDICT_QUARANTINE,
	VERDICT_REJECT,
	VERDICT_TEMPFAIL,
};

struct verdict_policy {
	bool dmarc_reject;
	bool dmarc_quarantine;
	bool relay_quarantine;
	bool dns_tempfail;
};

struct verdict {
	enum verdict_action action;
	const char *reason;	/* for the log, the quarantine and the reply */
};

/*
 * verdict_decide - the action for res. roll is a number in [0, 100) drawn
 * per message; DMARC's pct applies when roll < pct (dmarc_mode = rfc7489;
 * RFC 9989 has no pct).
 */
void verdict_decide(const struct verdict_policy *policy,
		    const struct results *res, unsigned roll,
		    struct verdict *v);

/* verdict_action_name - "accept", "quarantine", "reject", "tempfail" */
const char *verdict_action_name(enum verdict_action action);

#endif
