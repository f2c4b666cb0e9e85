/*
 * arcv.h - ARC as trustmx-milter reads it: the chain a message carries
 * (verified by auth/arc.c), and the operator's arc_trusted_sealers, whose
 * ARC-Authentication-Results in a passing chain count as the sealer's
 * own word: for a relay's client (relay evidence) and for authentication
 * upstream (a DMARC failure not enforced). No other sealer changes a
 * verdict.
 */
#ifndef TMX_ARCV_H
#define TMX_ARCV_H

#include <stdbool.h>

#include "arc.h"
#include "results.h"

/* arcv_record - the chain's outcome, for the A-R and the log */
void arcv_record(const struct arc_result *chain, struct results_arc *r);

/* arcv_trusted - is domain one of trusted (a NULL-terminated list of
 * domain names, exact and case-insensitive) */
bool arcv_trusted(char *const *trusted, const char *domain);

/*
 * arcv_relay_evidence - mail from a client in relay_networks: when the
 * newest ARC set of a passing chain is by a trusted sealer, lies above
 * the topmost Received field (the relay added it after writing its own
 * Received line; a set below came with the message from an earlier hop)
 * and its AAR names the client it saw (smtp.remote-ip) and an SPF
 * result, fill r
 * (source RESULTS_SPF_SEALED) and return true. false (r untouched, the
 * reason in *why_r) sends the caller to the Received lines.
 */
bool arcv_relay_evidence(const struct arc_result *chain,
			 char *const *trusted, struct results_spf *r,
			 const char **why_r);

/*
 * arcv_override - DMARC failed and the chain passes: walk the sets from
 * the newest down while their sealers are trusted (an untrusted set above
 * a trusted one could have rewritten the message, so the walk stops
 * there); the first whose AAR says DMARC passed for this From domain, or
 * DKIM or SPF passed aligned with it, marks r->override.
 */
void arcv_override(const struct arc_result *chain, char *const *trusted,
		   const struct results_dmarc *dm, struct results_arc *r);

#endif
