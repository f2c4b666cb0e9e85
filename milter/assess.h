/*
 * assess.h - the checks at end of message: SPF on the right client (the
 * connecting one, or the one recovered behind trusted relays), DKIM,
 * DMARC. Fills a struct results; deciding and reporting are elsewhere.
 */
#ifndef TMX_ASSESS_H
#define TMX_ASSESS_H

#include "results.h"
#include "session.h"
#include "spf.h"

/* assess_message - every check for the message s is finishing; -1 when
 * one could not finish for lack of memory (res is still freed with
 * results_free; the message must be tempfailed) */
int assess_message(struct spf_layer *spf, struct session *s,
		    struct results *res);

#endif
