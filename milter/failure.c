/*
 * failure.c - DMARC failure reports (RFC 9991) from the milter, when
 * dmarc_failure_reports is on: the session keeps the message's header
 * fields (bounded), and after the verdict this fills in the rest and
 * hands it to report/dmarc_ruf_queue.c, whose thread decides by the
 * record's fo=, checks destinations, redacts, rate-limits and runs
 * sendmail(1). Never waits: a full queue drops and counts.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "dmarc_ruf_queue.h"
#include "failure.h"
#include "headers.h"
#include "log.h"
#include "report.h"

static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmarc_ruf_queue *failure_queue;	/* NULL: reports off */

/* failure_sync - see failure.h */
void
failure_sync(const struct settings *st)
{
	struct dmarc_ruf_queue *old = NULL;
	struct dmarc_ruf_config cfg;
	char **words, err[512];

	if (!conf_bool(st->conf, "dmarc_failure_reports")) {
		pthread_mutex_lock(&failure_lock);
		old = failure_queue;
		failure_queue = NULL;
		pthread_mutex_unlock(&failure_lock);
		dmarc_ruf_queue_free(old);
		return;
	}
	words = conf_words(conf_str(st->conf, "dmarc_failure_sendmail"));
	memset(&cfg, 0, sizeof(cfg));
	cfg.sendmail = words;
	cfg.sender = conf_str(st->conf, "dmarc_failure_sender");
	cfg.rate = (unsigned)conf_int(st->conf, "dmarc_failure_rate");
	cfg.redact = conf_bool(st->conf, "dmarc_failure_redact");
	pthread_mutex_lock(&failure_lock);
	if (failure_queue != NULL) {
		if (dmarc_ruf_queue_set(failure_queue, &cfg, err,
					sizeof(err)) < 0)
			log_warnx("%s: DMARC failure reports keep their "
				  "settings: %s", conf_where(st->conf,
				  "dmarc_failure_reports"), err);
	} else if ((failure_queue = dmarc_ruf_queue_new(&cfg, err,
							sizeof(err))) == NULL) {
		log_warnx("%s: DMARC failure reports are not sent: %s",
			  conf_where(st->conf, "dmarc_failure_reports"), err);
	}
	pthread_mutex_unlock(&failure_lock);
	conf_words_free(words);
}

/* failure_close - see failure.h */
void
failure_close(void)
{
	struct dmarc_ruf_queue *q;

	pthread_mutex_lock(&failure_lock);
	q = failure_queue;
	failure_queue = NULL;
	pthread_mutex_unlock(&failure_lock);
	dmarc_ruf_queue_free(q);
}

/* failure_dkim - a signature's outcome in the failure reports' terms */
static enum dmarc_ruf_dkim
failure_dkim(const struct results_dkim_sig *sig)
{
	if (sig->result == NULL)
		return DMARC_RUF_DKIM_OTHER;
	if (strcmp(sig->result, "pass") == 0)
		return DMARC_RUF_DKIM_PASS;
	if (strcmp(sig->result, "fail") != 0)
		return DMARC_RUF_DKIM_OTHER;
	if (strstr(sig->comment, "body hash") != NULL)
		return DMARC_RUF_DKIM_BODYHASH;
	if (strstr(sig->comment, "revoked") != NULL)
		return DMARC_RUF_DKIM_REVOKED;
	return DMARC_RUF_DKIM_SIGNATURE;
}

/* failure_report - see failure.h */
void
failure_report(const struct results *res, const struct verdict *v,
	       const char *mail_from, const char *authserv_id,
	       struct dmarc_ruf_msg *m)
{
	const struct results_dmarc *dm = &res->dmarc;
	const char *ip = res->spf.client[0] ? res->spf.client : res->client;

	if (m == NULL || !dm->rfc9989 || dm->source == NULL ||
	    dm->result == NULL || res->submission ||
	    v->action == VERDICT_TEMPFAIL || dm->published.ruf[0] == '\0')
		return;
	report_copy(m->qid, sizeof(m->qid), res->qid);
	report_copy(m->source_ip, sizeof(m->source_ip), ip);
	report_copy(m->mail_from, sizeof(m->mail_from), mail_from);
	report_copy(m->from_domain, sizeof(m->from_domain), dm->from_domain);
	report_copy(m->policy_domain, sizeof(m->policy_domain),
		    dm->policy_domain);
	report_copy(m->org_domain, sizeof(m->org_domain), dm->org_domain);
	report_copy(m->ruf, sizeof(m->ruf), dm->published.ruf);
	report_copy(m->fo, sizeof(m->fo), dm->published.fo);
	m->psd = dm->published.psd == DMARC_PSD_Y;
	report_copy(m->dmarc_result, sizeof(m->dmarc_result), dm->result);
	m->spf_aligned = dm->spf_aligned;
	m->dkim_aligned = dm->dkim_aligned;
	if (results_spf_judged(&res->spf)) {
		report_copy(m->spf_result, sizeof(m->spf_result),
			    spf_outcome_name(res->spf.verdict.result));
		report_copy(m->spf_domain, sizeof(m->spf_domain),
			    res->spf.verdict.domain);
	}
	for (size_t i = 0; i < res->dkim.nsigs && m->nsigs < DMARC_RUF_SIGS_MAX;
	     i++) {
		const struct results_dkim_sig *sig = &res->dkim.sig[i];
		struct dmarc_ruf_sig *out = &m->sig[m->nsigs++];

		report_copy(out->domain, sizeof(out->domain), sig->domain);
		report_copy(out->selector, sizeof(out->selector),
			    sig->selector);
		out->result = failure_dkim(sig);
	}
	if (headers_authres(res, authserv_id, m->authres,
			    sizeof(m->authres)) == NULL)
		m->authres[0] = '\0';
	m->delivery = v->action == VERDICT_REJECT ? DMARC_RUF_REJECT :
	    v->action == VERDICT_QUARANTINE ? DMARC_RUF_SPAM :
	    DMARC_RUF_DELIVERED;
	pthread_mutex_lock(&failure_lock);
	if (failure_queue != NULL)
		(void)dmarc_ruf_submit(failure_queue, m);
	pthread_mutex_unlock(&failure_lock);
}
