/*
 * assess.c - running SPF, relay recovery, DKIM and DMARC for one message.
 * A client in relay_networks is never judged itself: either the client
 * behind it is recovered from its Received line, or SPF says none.
 */
#include <stdio.h>
#include <string.h>

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

/* assess_spf - SPF for the message, on the right client */
static void
assess_spf(struct spf_layer *spf, struct session *s, struct results *res)
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
		assess_relay(spf, s, res);
		return;
	}
	r->source = RESULTS_SPF_DIRECT;
	assess_spf_on(spf, &s->client, s->helo, m, r);
}

/* assess_message - see assess.h */
void
assess_message(struct spf_layer *spf, struct session *s, struct results *res)
{
	struct session_msg *m = &s->msg;

	memset(res, 0, sizeof(*res));
	snprintf(res->qid, sizeof(res->qid), "%s", m->qid);
	assess_spf(spf, s, res);
	dkimv_finish(m->dkim, &res->dkim);
	dmarc_check(m->nfrom, &m->from, m->from_error,
		    res->spf.client[0] ? res->spf.client : s->client_text,
		    res);
}
