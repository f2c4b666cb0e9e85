/*
 * verdict.c - the milter's policy in one place. Mail from a trusted relay
 * is never rejected: a 5xx there makes the relay bounce to a sender that
 * may be forged, so it is marked (and quarantined when asked) instead.
 */
#include <string.h>

#include "verdict.h"

/* verdict_dns_trouble - did any check end in a temporary DNS failure */
static bool
verdict_dns_trouble(const struct results *res)
{
	const struct results_spf *spf = &res->spf;

	if ((spf->source == RESULTS_SPF_DIRECT ||
	     spf->source == RESULTS_SPF_RECOVERED) &&
	    spf->verdict.result == SPF_OUT_TEMPERROR)
		return true;
	if (res->dkim.temperror)
		return true;
	return res->dmarc.result != NULL &&
	    strcmp(res->dmarc.result, "temperror") == 0;
}

/* verdict_spf_failed - SPF fail for the judged client */
static bool
verdict_spf_failed(const struct results *res)
{
	return results_spf_judged(&res->spf) &&
	    res->spf.verdict.result == SPF_OUT_FAIL;
}

/* verdict_set - fill v */
static void
verdict_set(struct verdict *v, enum verdict_action action, const char *reason)
{
	v->action = action;
	v->reason = reason;
}

/* verdict_relay - mail handed over by a trusted relay: mark, never reject */
static void
verdict_relay(const struct verdict_policy *policy, const struct results *res,
	      bool dmarc_failed, struct verdict *v)
{
	if (policy->relay_quarantine && (dmarc_failed || verdict_spf_failed(res)))
		verdict_set(v, VERDICT_QUARANTINE,
			    "authentication failed for mail from a trusted relay");
}

/*
 * verdict_disposition - what the policy asks for this failing message:
 * RFC 9989's disposition (t=y already lowered it a level); for rfc7489,
 * the policy, or the next one down when pct did not select the message
 * (RFC 7489 6.6.4)
 */
static enum results_policy
verdict_disposition(const struct results_dmarc *dm, unsigned roll)
{
	bool sampled = roll < (unsigned)(dm->pct < 0 ? 0 : dm->pct);

	if (dm->rfc9989)
		return dm->disposition;
	if (dm->policy == RESULTS_POLICY_REJECT)
		return sampled ? RESULTS_POLICY_REJECT :
		    RESULTS_POLICY_QUARANTINE;
	if (dm->policy == RESULTS_POLICY_QUARANTINE && sampled)
		return RESULTS_POLICY_QUARANTINE;
	return RESULTS_POLICY_NONE;
}

/*
 * verdict_dmarc_reason - whose policy says what: the From domain's, its
 * organizational domain's or a public suffix domain's record (RFC 9989
 * 4.10.1), and a t=y record's lowered disposition
 */
static const char *
verdict_dmarc_reason(const struct results_dmarc *dm, bool reject)
{
	static const char *const text[3][3] = {
		{ "DMARC policy of the From domain says reject",
		  "DMARC policy of the From domain says quarantine",
		  "DMARC policy of the From domain says reject, in test "
		  "mode (t=y): quarantine" },
		{ "DMARC policy of the organizational domain says reject",
		  "DMARC policy of the organizational domain says quarantine",
		  "DMARC policy of the organizational domain says reject, in "
		  "test mode (t=y): quarantine" },
		{ "DMARC policy of the public suffix domain says reject",
		  "DMARC policy of the public suffix domain says quarantine",
		  "DMARC policy of the public suffix domain says reject, in "
		  "test mode (t=y): quarantine" },
	};
	int who = dm->source == NULL ? 0 : strcmp(dm->source, "org") == 0 ?
	    1 : strcmp(dm->source, "psd") == 0 ? 2 : 0;

	if (reject)
		return text[who][0];
	return dm->rfc9989 && dm->testing &&
	    dm->policy == RESULTS_POLICY_REJECT ? text[who][2] : text[who][1];
}

/* verdict_decide - see verdict.h */
void
verdict_decide(const struct verdict_policy *policy, const struct results *res,
	       unsigned roll, struct verdict *v)
{
	const struct results_dmarc *dm = &res->dmarc;
	/* a trusted ARC sealer saw it pass upstream: not enforced */
	bool dmarc_failed = dm->result != NULL &&
	    strcmp(dm->result, "fail") == 0 && !res->arc.override;
	enum results_policy disposition;

	verdict_set(v, VERDICT_ACCEPT, "accepted");
	if (res->submission)
		return;
	if (policy->dns_tempfail && verdict_dns_trouble(res)) {
		verdict_set(v, VERDICT_TEMPFAIL,
			    "temporary DNS failure during authentication");
		return;
	}
	if (res->via_relay) {
		verdict_relay(policy, res, dmarc_failed, v);
		return;
	}
	if (!dmarc_failed)
		return;
	disposition = verdict_disposition(dm, roll);
	if (disposition == RESULTS_POLICY_REJECT && policy->dmarc_reject)
		verdict_set(v, VERDICT_REJECT, verdict_dmarc_reason(dm, true));
	else if ((disposition == RESULTS_POLICY_REJECT ||
		  disposition == RESULTS_POLICY_QUARANTINE) &&
		 policy->dmarc_quarantine)
		verdict_set(v, VERDICT_QUARANTINE,
			    verdict_dmarc_reason(dm, false));
}

/* verdict_action_name - see verdict.h */
const char *
verdict_action_name(enum verdict_action action)
{
	switch (action) {
	case VERDICT_ACCEPT:
		return "accept";
	case VERDICT_QUARANTINE:
		return "quarantine";
	case VERDICT_REJECT:
		return "reject";
	case VERDICT_TEMPFAIL:
		return "tempfail";
	}
	return "accept";
}
