/*
 * milter.c - the xxfi callbacks of trustmx-milter. Each one is short: it
 * hands its data to session.c and returns; the end-of-message work is
 * assess.c (checks), verdict.c (decision) and headers.c (the header).
 * Anything unexpected tempfails: the sender retries, no mail is lost.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assess.h"
#include "headers.h"
#include "log.h"
#include "milter.h"
#include "milter_metrics.h"
#include "milter_steps.h"
#include "failure.h"
#include "report.h"
#include "session.h"
#include "verdict.h"

#define MILTER_AR_MAX 32768	/* 16 signatures with 255-byte names fit */

static struct milter_engines milter_engines;

/* milter_session - the connection's state */
static struct session *
milter_session(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* milter_tempfail - 451 4.7.1 with a reason */
static sfsistat
milter_tempfail(SMFICTX *ctx, const char *why)
{
	smfi_setreply(ctx, "451", "4.7.1", (char *)why);
	return SMFIS_TEMPFAIL;
}

/* milter_negotiate - the actions we need, and the protocol steps we skip */
static sfsistat
milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
		 unsigned long f2, unsigned long f3, unsigned long *pf0,
		 unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
	struct session *s = milter_session(ctx);

	(void)f2;
	(void)f3;
	if ((f0 & want) != want)
		return SMFIS_REJECT;	/* libmilter: this MTA can't run us */
	*pf0 = want;
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | MILTER_SKIP | MILTER_NOREPLY);
	*pf2 = 0;
	*pf3 = 0;
	if (s == NULL) {
		s = session_new();
		smfi_setpriv(ctx, s);
		if (s != NULL)
			milter_metrics_session(1);
	}
	s->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	s->noreply = *pf1 & MILTER_NOREPLY;
	return SMFIS_CONTINUE;
}

/* milter_next - go on: without an answer where the MTA agreed to none */
static sfsistat
milter_next(const struct session *s, unsigned long step)
{
	return s != NULL && (s->noreply & step) != 0 ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE;
}

/* milter_connect - new connection state */
static sfsistat
milter_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct session *s = milter_session(ctx);

	if (s == NULL) {
		s = session_new();
		smfi_setpriv(ctx, s);
	}
	session_connect(s, hostname, hostaddr);
	return milter_next(s, SMFIP_NR_CONN);
}

/* milter_helo - remember HELO/EHLO */
static sfsistat
milter_helo(SMFICTX *ctx, char *helo)
{
	struct session *s = milter_session(ctx);

	if (s == NULL)
		return milter_tempfail(ctx, "milter state lost");
	session_set_helo(s, helo);
	return milter_next(s, SMFIP_NR_HELO);
}

/* milter_envfrom - a new message */
static sfsistat
milter_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = milter_session(ctx);
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");

	if (s == NULL)
		return milter_tempfail(ctx, "milter state lost");
	session_msg_start(s, argv[0], auth != NULL && auth[0] != '\0',
			  milter_engines.dkim);
	if (s->msg.internal_error)
		return milter_tempfail(ctx, "authentication checks unavailable");
	return SMFIS_CONTINUE;
}

/* milter_header - one header field */
static sfsistat
milter_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = milter_session(ctx);

	if (s == NULL)
		return milter_tempfail(ctx, "milter state lost");
	session_msg_header(s, name, value);
	return milter_next(s, SMFIP_NR_HDR);
}

/* milter_eoh - end of headers */
static sfsistat
milter_eoh(SMFICTX *ctx)
{
	struct session *s = milter_session(ctx);

	if (s == NULL)
		return milter_tempfail(ctx, "milter state lost");
	dkimv_eoh(s->msg.dkim);
	if (s->msg.arc != NULL)
		arc_msg_eoh(s->msg.arc);
	return milter_next(s, SMFIP_NR_EOH);
}

/* milter_body - a body chunk, for DKIM */
static sfsistat
milter_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	struct session *s = milter_session(ctx);

	if (s == NULL)
		return milter_tempfail(ctx, "milter state lost");
	dkimv_body(s->msg.dkim, buf, len);
	if (s->msg.arc != NULL)
		arc_msg_body(s->msg.arc, buf, len);
	return milter_next(s, SMFIP_NR_BODY);
}

/* milter_insert - a header field on top; the leading space as negotiated */
static int
milter_insert(SMFICTX *ctx, const struct session *s, const char *name,
	      const char *value)
{
	char *spaced = NULL;
	int rc;

	if (!s->leadspc)
		return smfi_insheader(ctx, 0, (char *)name, (char *)value) ==
		    MI_SUCCESS ? 0 : -1;
	if (asprintf(&spaced, " %s", value) < 0)
		return -1;
	rc = smfi_insheader(ctx, 0, (char *)name, spaced) == MI_SUCCESS ?
	    0 : -1;
	free(spaced);
	return rc;
}

/*
 * milter_seal - our ARC set over the A-R value we add, when arc_seal_* is
 * set. A set that may not be added (a chain already failed, 50 sets) is
 * only logged: the message goes on unsealed, as it came.
 */
static int
milter_seal(SMFICTX *ctx, struct session *s, const char *authres,
	    struct results *res)
{
	const struct settings *st = s->msg.settings;
	struct arc_seal seal;
	const char *why = NULL;
	int rc = 0;

	if (st->arc_key == NULL || s->msg.arc == NULL)
		return 0;
	if (arc_msg_seal(s->msg.arc, st->arc_key, st->arc_seal_domain,
			 st->arc_seal_selector, authres, time(NULL), &seal,
			 &why) < 0) {
		log_info("%s: no ARC set added: %s", res->qid, why);
		return 0;
	}
	arc_seal_lf(&seal);
	if (milter_insert(ctx, s, ARC_AAR_NAME, seal.aar) < 0 ||
	    milter_insert(ctx, s, ARC_AMS_NAME, seal.ams) < 0 ||
	    milter_insert(ctx, s, ARC_SEAL_NAME, seal.seal) < 0)
		rc = -1;
	else
		res->arc.sealed = true;
	arc_seal_clear(&seal);
	return rc;
}

/* milter_headers_out - delete A-R fields claiming our id, add ours on top */
static int
milter_headers_out(SMFICTX *ctx, struct session *s, struct results *res)
{
	struct session_msg *m = &s->msg;
	char *buf;
	const char *value;
	int rc = -1;

	for (size_t i = m->nours; i > 0; i--)
		if (smfi_chgheader(ctx, HEADERS_AR_NAME, (int)m->ours[i - 1],
				   NULL) != MI_SUCCESS)
			return -1;
	buf = malloc(MILTER_AR_MAX + 1);
	if (buf == NULL)
		return -1;
	/* with SMFIP_HDR_LEADSPC the MTA adds no space after the colon */
	buf[0] = ' ';
	value = headers_authres(res, m->settings->authserv_id, buf + 1,
				MILTER_AR_MAX);
	if (value != NULL &&
	    smfi_insheader(ctx, 0, HEADERS_AR_NAME,
			   s->leadspc ? buf : buf + 1) == MI_SUCCESS)
		rc = milter_seal(ctx, s, value, res);
	free(buf);
	return rc;
}

/* milter_log - one line per message with every result */
static void
milter_log(const struct session *s, const struct results *res,
	   const struct verdict *v)
{
	char dkim[128] = "none";
	size_t n = 0;

	for (size_t i = 0; i < res->dkim.nsigs && n < sizeof(dkim); i++)
		n += (size_t)snprintf(dkim + n, sizeof(dkim) - n, "%s%s/%s",
				      i ? "," : "", res->dkim.sig[i].result,
				      res->dkim.sig[i].domain);
	bool checked = results_spf_judged(&res->spf);

	log_info("%s: client=%s%s%s%s spf=%s helo=%s dkim=%s dmarc=%s%s%s%s "
		 "arc=%s action=%s (%s)", res->qid, s->client_text,
		 res->allowlisted ? " allow" : "",
		 res->via_relay ? " via-relay original=" : "",
		 res->via_relay ? res->spf.client : "",
		 checked ? spf_outcome_name(res->spf.verdict.result) : "none",
		 checked ? spf_outcome_name(res->spf.verdict.helo_result) :
		 "none", dkim,
		 res->dmarc.result ? res->dmarc.result : "none",
		 res->dmarc.from_domain[0] ? " from=" : "",
		 res->dmarc.from_domain,
		 res->arc.override ? " (arc override)" : "",
		 res->arc.checked ? arc_cv_name((enum arc_cv)res->arc.cv) :
		 "off", verdict_action_name(v->action),
		 v->reason);
}

/* milter_act - carry out the verdict */
static sfsistat
milter_act(SMFICTX *ctx, struct session *s, struct results *res,
	   const struct verdict *v)
{
	char text[640];

	switch (v->action) {
	case VERDICT_REJECT:
		snprintf(text, sizeof(text), "%s (%s)", v->reason,
			 res->dmarc.policy_domain[0] ?
			 res->dmarc.policy_domain : res->dmarc.from_domain);
		smfi_setreply(ctx, "550", "5.7.1", text);
		return SMFIS_REJECT;
	case VERDICT_TEMPFAIL:
		return milter_tempfail(ctx, v->reason);
	case VERDICT_QUARANTINE:
		if (smfi_quarantine(ctx, (char *)v->reason) != MI_SUCCESS)
			return milter_tempfail(ctx, "cannot quarantine");
		break;
	case VERDICT_ACCEPT:
		break;
	}
	if (milter_headers_out(ctx, s, res) < 0) {
		log_warnx("%s: cannot add Authentication-Results", res->qid);
		return milter_tempfail(ctx, "cannot add Authentication-Results");
	}
	return SMFIS_ACCEPT;
}

/* milter_eom - end of message: check, decide, report */
static sfsistat
milter_eom(SMFICTX *ctx)
{
	struct session *s = milter_session(ctx);
	struct results *res;
	struct verdict v;
	const char *qid = smfi_getsymval(ctx, "i");
	sfsistat rc;

	if (s == NULL || s->msg.settings == NULL || s->msg.internal_error) {
		milter_metrics_action(MILTER_METRICS_TEMPFAIL);
		return milter_tempfail(ctx, "authentication checks unavailable");
	}
	if (qid != NULL)
		snprintf(s->msg.qid, sizeof(s->msg.qid), "%s", qid);
	res = calloc(1, sizeof(*res));
	if (res == NULL) {
		milter_metrics_action(MILTER_METRICS_TEMPFAIL);
		return milter_tempfail(ctx, "out of memory");
	}
	if (assess_message(milter_engines.spf, s, res) < 0) {
		results_free(res);
		milter_metrics_action(MILTER_METRICS_TEMPFAIL);
		return milter_tempfail(ctx, "out of memory");
	}
	verdict_decide(&s->msg.settings->policy, res, arc4random_uniform(100),
		       &v);
	milter_log(s, res, &v);
	milter_metrics_results(res);
	rc = milter_act(ctx, s, res, &v);
	milter_metrics_action(rc == SMFIS_REJECT ? MILTER_METRICS_REJECT :
	    rc == SMFIS_TEMPFAIL ? MILTER_METRICS_TEMPFAIL :
	    v.action == VERDICT_QUARANTINE ? MILTER_METRICS_QUARANTINE :
	    MILTER_METRICS_ACCEPT);
	if (rc != SMFIS_TEMPFAIL) {
		report_add(res, &v, s->msg.mail_from);
		failure_report(res, &v, s->msg.mail_from,
			       s->msg.settings->authserv_id, s->msg.ruf);
	}
	results_free(res);
	session_msg_end(s);
	return rc;
}

/* milter_abort - the message was abandoned */
static sfsistat
milter_abort(SMFICTX *ctx)
{
	struct session *s = milter_session(ctx);

	if (s != NULL)
		session_msg_end(s);
	return SMFIS_CONTINUE;
}

/* milter_close - the connection is gone: free its state */
static sfsistat
milter_close(SMFICTX *ctx)
{
	struct session *s = milter_session(ctx);

	if (s != NULL)
		milter_metrics_session(-1);
	session_free(s);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* milter_register - see milter.h */
int
milter_register(const char *name, const struct milter_engines *engines)
{
	static struct smfiDesc desc = {
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
		.xxfi_connect = milter_connect,
		.xxfi_helo = milter_helo,
		.xxfi_envfrom = milter_envfrom,
		.xxfi_header = milter_header,
		.xxfi_eoh = milter_eoh,
		.xxfi_body = milter_body,
		.xxfi_eom = milter_eom,
		.xxfi_abort = milter_abort,
		.xxfi_close = milter_close,
		.xxfi_negotiate = milter_negotiate,
	};

	milter_engines = *engines;
	desc.xxfi_name = (char *)name;
	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}
