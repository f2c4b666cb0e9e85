/*
 * results.h - what trustmx-milter found out about one message: the SPF
 * verdict (possibly for a client recovered behind a trusted relay), every
 * DKIM signature, DMARC. Filled by spf/relay/dkim/dmarc, read by verdict.c
 * and headers.c, which never look at libmilter or the libraries.
 */
#ifndef TMX_RESULTS_H
#define TMX_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>

#include "spf.h"

#define RESULTS_MAX_SIGS 16
#define RESULTS_NAME_MAX 256

/* How the SPF client was chosen */
enum results_spf_source {
	RESULTS_SPF_DIRECT = 0,		/* the connecting client */
	RESULTS_SPF_RECOVERED,		/* from a trusted relay's Received line */
	RESULTS_SPF_RELAY_UNUSABLE,	/* relay without a usable line: none */
	RESULTS_SPF_SKIPPED_AUTH,	/* authenticated submission */
	RESULTS_SPF_SKIPPED_LOCAL,	/* no network client (local submission) */
};

struct results_spf {
	enum results_spf_source source;
	struct spf_verdict verdict;	/* valid unless RELAY_UNUSABLE/AUTH */
	char client[TMX_ADDR_STRLEN];	/* the client judged */
	char relay[TMX_ADDR_STRLEN];	/* the relay that handed it over */
	unsigned hops;			/* trusted relays walked through */
	const char *layout;		/* static: the relay line's family */
	char relay_note[320];		/* why no client was recovered */
	char mail_from[RESULTS_NAME_MAX];	/* envelope sender, "" for <> */
	char helo[RESULTS_NAME_MAX];	/* HELO judged */
};

/* One DKIM signature, reported with header.d and header.s */
struct results_dkim_sig {
	const char *result;		/* "pass", "fail", ... (static) */
	char domain[RESULTS_NAME_MAX];
	char selector[RESULTS_NAME_MAX];
	char comment[128];
};

struct results_dkim {
	struct results_dkim_sig sig[RESULTS_MAX_SIGS];
	size_t nsigs;
	bool temperror;			/* some key lookup failed temporarily */
	char comment[128];		/* when there is no signature to report */
};

enum results_policy {
	RESULTS_POLICY_UNKNOWN = 0,	/* no record (or not evaluated) */
	RESULTS_POLICY_NONE,
	RESULTS_POLICY_QUARANTINE,
	RESULTS_POLICY_REJECT,
};

struct results_dmarc {
	const char *result;	/* "pass", "fail", "none", "temperror", "permerror" */
	char from_domain[RESULTS_NAME_MAX];	/* "" when there is none to name */
	enum results_policy policy;	/* p or sp, whichever applied */
	bool subdomain_policy;		/* sp= applied */
	int pct;			/* 0-100 */
	char comment[160];
};

struct results {
	char qid[32];
	bool via_relay;			/* the client is in relay_networks */
	bool submission;		/* authenticated or local: never refused */
	struct results_spf spf;
	struct results_dkim dkim;
	struct results_dmarc dmarc;
};

#endif
