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
#include <stdlib.h>

#include <trustmx/addr.h>

#include "dmarc_eval.h"
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
	RESULTS_SPF_SEALED,		/* a trusted relay's own ARC seal said */
};

struct results_spf {
	enum results_spf_source source;
	struct spf_verdict verdict;	/* valid unless RELAY_UNUSABLE/AUTH */
	char client[TMX_ADDR_STRLEN];	/* the client judged */
	char relay[TMX_ADDR_STRLEN];	/* the relay that handed it over */
	unsigned hops;			/* trusted relays walked through */
	const char *layout;		/* static: the relay line's family */
	char relay_note[320];		/* why no client was recovered */
	int relay_fallback;		/* enum relay_fallback: the same */
	char sealer[RESULTS_NAME_MAX];	/* SEALED: the relay's ARC domain */
	unsigned seal_instance;		/* SEALED: its set's i= */
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
	/* nsigs of them (at most RESULTS_MAX_SIGS), malloc'd to measure:
	 * 16 fixed ones were 10 KiB of every message's results */
	struct results_dkim_sig *sig;
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
	enum results_policy policy;	/* p, sp (or np), whichever applied */
	bool subdomain_policy;		/* sp= (or np=) applied */
	int pct;			/* 0-100 (rfc7489 only) */
	bool strict_dkim, strict_spf;	/* adkim=s, aspf=s */
	char comment[160];
	/* RFC 9989 (dmarc_mode = rfc9989) */
	bool rfc9989;
	enum results_policy disposition;	/* on fail: policy, a level
						 * lower with t=y */
	bool testing;			/* t=y */
	const char *applied;		/* "p", "sp", "np" (static) */
	const char *source;		/* "author", "org", "psd" (static) */
	char policy_domain[RESULTS_NAME_MAX];	/* where the record is */
	char org_domain[RESULTS_NAME_MAX];	/* the author's, "" unknown */
	enum results_policy published_p;	/* the record's p= */
	bool spf_aligned, dkim_aligned;	/* an aligned pass of each */
	bool removed_tags;		/* pct, rf or ri published */
	struct dmarc_published published;	/* the record, for reports */
};

/* ARC: the chain, and what a trusted sealer's word changed */
struct results_arc {
	bool checked;			/* arc_verify on: verified */
	int cv;				/* enum arc_cv */
	unsigned nsets, oldest_pass;
	bool temperror;
	char reason[96];		/* why fail */
	char sealers[512];		/* "i=1 a.example, i=2 b.example" */
	bool override;			/* DMARC fail not enforced */
	unsigned override_instance;
	char override_sealer[RESULTS_NAME_MAX];
	char override_evidence[192];	/* what the sealer's AAR said */
	bool sealed;			/* we added our own set */
};

struct results {
	char qid[32];
	char client[TMX_ADDR_STRLEN];	/* the connecting client, "" if local */
	bool via_relay;			/* the client is in relay_networks */
	bool allowlisted;		/* a direct client in allow_networks */
	bool submission;		/* authenticated or local: never refused */
	struct results_spf spf;
	struct results_dkim dkim;
	struct results_dmarc dmarc;
	struct results_arc arc;
};

/* results_spf_judged - did an SPF verdict come out (ours or a sealer's) */
static inline bool
results_spf_judged(const struct results_spf *spf)
{
	return spf->source == RESULTS_SPF_DIRECT ||
	    spf->source == RESULTS_SPF_RECOVERED ||
	    spf->source == RESULTS_SPF_SEALED;
}

/* results_free - a heap struct results and what it points to */
static inline void
results_free(struct results *res)
{
	if (res != NULL)
		free(res->dkim.sig);
	free(res);
}

#endif
