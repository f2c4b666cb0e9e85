/*
 * assess.c - running SPF, relay recovery, DKIM and DMARC for one message.
 * A client in relay_networks is never judged itself: either the client
 * behind it is recovered from its Received line, or SPF says none. A
 * client in allow_networks only is judged itself, like any direct client:
 * postscreen's allowlist is no statement about who wrote its Received
 * lines (relay_networks is, so it wins for an address in both).
 */
#include <stdio.h>
#include <string.h>

#include "arcv.h"
#include "assess.h"
#include "dmarc.h"
#include "log.h"
#include "relay.h"

/* assess_spf_on - run SPF for client/helo and record it */
static void
assess_spf_on(struct spf_layer *spf, const struct tmx_addr *client,
	      const char *helo, struct session_msg *m, struct results_spf *r)
{
	tmx_addr_format(client, r->client, sizeof(r->client));
	snprintf(r->helo, sizeof(r->helo), "%s", helo ? helo : "");
	spf_check(spf, client, helo && helo[0] ? helo : NULL, m->mail_from,
		  &r->verdict);
}

/* assess_relay - the client behind trusted relays, then SPF on it */
static void
assess_relay(struct spf_layer *spf, struct session *s, struct results *res)
{
	struct session_msg *m = &s->msg;
	struct relay_peer peer = { s->client, s->helo, s->rdns };
	struct relay_recovery rec;
	struct results_spf *r = &res->spf;

	relay_recover(m->settings->lists->set[LIST_RELAY],
		      m->settings->relay_format, &peer,
		      m->received, m->nreceived, &rec);
	tmx_addr_format(&rec.last_relay, r->relay, sizeof(r->relay));
	if (rec.by_mismatch)
		log_info("%s: relay %s: %s", m->qid, s->client_text, rec.note);
	if (!rec.usable) {
		r->source = RESULTS_SPF_RELAY_UNUSABLE;
		snprintf(r->relay_note, sizeof(r->relay_note), "%s", rec.note);
		r->relay_fallback = (int)rec.fallback;
		snprintf(r->client, sizeof(r->client), "%s", s->client_text);
		snprintf(r->helo, sizeof(r->helo), "%s", s->helo ? s->helo : "");
		log_info("%s: trusted relay %s: no client recovered: %s",
			 m->qid, s->client_text, rec.note);
		return;
	}
	r->source = RESULTS_SPF_RECOVERED;
	r->hops = rec.hops;
	r->layout = received_format_name(rec.format);
	assess_spf_on(spf, &rec.client, rec.helo, m, r);
}

/* assess_sealed - a trusted relay's own seal names its client: true */
static bool
assess_sealed(struct session *s, const struct arc_result *chain,
	      struct results *res)
{
	struct session_msg *m = &s->msg;
	const char *why = NULL;

	if (chain == NULL || chain->nsets == 0)
		return false;
	if (!arcv_relay_evidence(chain, m->settings->arc_trusted, &res->spf,
				 &why)) {
		log_info("%s: relay %s: ARC evidence not used: %s", m->qid,
			 s->client_text, why);
		return false;
	}
	snprintf(res->spf.relay, sizeof(res->spf.relay), "%s",
		 s->client_text);
	return true;
}

/* assess_spf - SPF for the message, on the right client */
static void
assess_spf(struct spf_layer *spf, struct session *s,
	   const struct arc_result *chain, struct results *res)
{
	struct session_msg *m = &s->msg;
	struct results_spf *r = &res->spf;

	snprintf(r->mail_from, sizeof(r->mail_from), "%s", m->mail_from);
	if (!s->has_client) {
		r->source = RESULTS_SPF_SKIPPED_LOCAL;
		res->submission = true;
		return;
	}
	if (m->authenticated) {
		r->source = RESULTS_SPF_SKIPPED_AUTH;
		res->submission = true;
		return;
	}
	res->via_relay = settings_is_relay(m->settings, &s->client);
	if (res->via_relay) {
		if (!assess_sealed(s, chain, res))
			assess_relay(spf, s, res);
		return;
	}
	res->allowlisted = settings_is_allowed(m->settings, &s->client);
	r->source = RESULTS_SPF_DIRECT;
	assess_spf_on(spf, &s->client, s->helo, m, r);
}

/* assess_message - see assess.h */
int
assess_message(struct spf_layer *spf, struct session *s, struct results *res)
{
	struct session_msg *m = &s->msg;
	const struct arc_result *chain = NULL;

	memset(res, 0, sizeof(*res));
	snprintf(res->qid, sizeof(res->qid), "%s", m->qid);
	if (s->has_client)
		snprintf(res->client, sizeof(res->client), "%s",
			 s->client_text);
	/* sealing needs the chain's state even when arc_verify is off, and
	 * our set's AAR states it (arc=, smtp.remote-ip); only a verifying
	 * milter lets trusted sealers act */
	if (m->arc != NULL) {
		chain = arc_msg_verify(m->arc);
		arcv_record(chain, &res->arc);
	}
	if (!m->settings->arc_verify)
		chain = NULL;
	assess_spf(spf, s, chain, res);
	if (dkimv_finish(m->dkim, &res->dkim) < 0)
		return -1;
	dmarc_check(m->nfrom, &m->from, m->from_error,
		    res->spf.client[0] ? res->spf.client : s->client_text,
		    m->settings->dmarc_rfc7489, res);
	if (chain != NULL && res->dmarc.result != NULL &&
	    strcmp(res->dmarc.result, "fail") == 0)
		arcv_override(chain, m->settings->arc_trusted, &res->dmarc,
			      &res->arc);
	return 0;
}
