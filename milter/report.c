/*
 * report.c - one DMARC aggregate report record (RFC 9990) per evaluated
 * message, into this node's store. Who wrote what: the policy fields are
 * the Domain Owner's record as the Tree Walk found it, the source address
 * is the client SPF judged (a relay's recovered client), the results are
 * ours. Nothing else of the message goes in: no local parts, no
 * recipients (RFC 9990 asks for domains only).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "dmarc_store.h"
#include "log.h"
#include "report.h"

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmarc_store *report_store;	/* NULL: reporting off */
static char report_key[1100];	/* path, retention, size it was opened with */

/* report_open_with - the store for st, or NULL (logged) */
static struct dmarc_store *
report_open_with(const struct settings *st, const char *path)
{
	struct dmarc_store_limits lim;
	struct dmarc_store *store;
	char err[512];

	memset(&lim, 0, sizeof(lim));
	lim.retention = (long)conf_time(st->conf, "dmarc_report_retention");
	lim.max_bytes = conf_size(st->conf, "dmarc_report_max_size");
	store = dmarc_store_open(path, &lim, err, sizeof(err));
	if (store == NULL)
		log_warnx("%s: DMARC reports are not recorded: %s",
			  conf_where(st->conf, "dmarc_report_db"), err);
	return store;
}

/* report_sync - see report.h */
void
report_sync(const struct settings *st)
{
	const char *path = conf_str(st->conf, "dmarc_report_db");
	struct dmarc_store *old = NULL;
	char key[sizeof(report_key)];

	snprintf(key, sizeof(key), "%s|%s|%s", path,
		 conf_str(st->conf, "dmarc_report_retention"),
		 conf_str(st->conf, "dmarc_report_max_size"));
	pthread_mutex_lock(&report_lock);
	if (strcmp(key, report_key) != 0 || (path[0] && !report_store)) {
		old = report_store;
		report_store = path[0] != '\0' ? report_open_with(st, path) :
		    NULL;
		snprintf(report_key, sizeof(report_key), "%s", key);
	}
	pthread_mutex_unlock(&report_lock);
	if (old != NULL)
		dmarc_store_close(old);
}

/* report_close - see report.h */
void
report_close(void)
{
	pthread_mutex_lock(&report_lock);
	if (report_store != NULL)
		dmarc_store_close(report_store);
	report_store = NULL;
	report_key[0] = '\0';
	pthread_mutex_unlock(&report_lock);
}

/* report_copy - see report.h */
void
report_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* report_policy - a record's request in the store's terms */
static enum dmarc_rec_policy
report_policy(enum dmarc_request r)
{
	return r == DMARC_REQUEST_NONE ? DMARC_REC_POLICY_NONE :
	    r == DMARC_REQUEST_QUARANTINE ? DMARC_REC_POLICY_QUARANTINE :
	    r == DMARC_REQUEST_REJECT ? DMARC_REC_POLICY_REJECT :
	    DMARC_REC_POLICY_UNSET;
}

/* report_published - policy_published: the record that applied */
static void
report_published(const struct dmarc_published *pub,
		 struct dmarc_rec_policy_published *out)
{
	out->p = report_policy(pub->p);
	out->sp = report_policy(pub->sp);
	out->np = report_policy(pub->np);
	out->adkim = pub->adkim == DMARC_MODE_STRICT ?
	    DMARC_REC_ALIGN_STRICT : DMARC_REC_ALIGN_RELAXED;
	out->aspf = pub->aspf == DMARC_MODE_STRICT ?
	    DMARC_REC_ALIGN_STRICT : DMARC_REC_ALIGN_RELAXED;
	out->testing = pub->testing ? DMARC_REC_FLAG_Y : DMARC_REC_FLAG_N;
	out->psd = pub->psd == DMARC_PSD_Y ? DMARC_REC_FLAG_Y :
	    pub->psd == DMARC_PSD_N ? DMARC_REC_FLAG_N : DMARC_REC_FLAG_U;
	out->discovery = DMARC_REC_DISCOVERY_TREEWALK;
	snprintf(out->fo, sizeof(out->fo), "%s", pub->fo);
	snprintf(out->rua, sizeof(out->rua), "%s", pub->rua);
}

/* report_auth - an SPF or DKIM result word as the store keeps it */
static enum dmarc_rec_auth
report_auth(const char *word)
{
	static const char *const names[] = {
		"none", "pass", "fail", "softfail", "policy", "neutral",
		"temperror", "permerror",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (word != NULL && strcmp(word, names[i]) == 0)
			return (enum dmarc_rec_auth)i;
	return DMARC_REC_AUTH_NONE;
}

/* report_results - the auth_results: every DKIM signature, SPF */
static void
report_results(const struct results *res, struct dmarc_report_rec *r)
{
	const struct results_spf *spf = &res->spf;

	for (size_t i = 0; i < res->dkim.nsigs && r->ndkim < DMARC_REC_DKIM_MAX;
	     i++) {
		const struct results_dkim_sig *sig = &res->dkim.sig[i];

		if (sig->domain[0] == '\0')
			continue;
		report_copy(r->dkim[r->ndkim].domain, DMARC_REC_DOMAIN_MAX,
			    sig->domain);
		report_copy(r->dkim[r->ndkim].selector, DMARC_REC_SELECTOR_MAX,
			    sig->selector);
		r->dkim[r->ndkim++].result = report_auth(sig->result);
	}
	if (!results_spf_judged(spf))
		return;
	report_copy(r->spf.domain, sizeof(r->spf.domain), spf->verdict.domain);
	r->spf.scope = spf->verdict.identity == SPF_ID_HELO ?
	    DMARC_REC_SCOPE_HELO : DMARC_REC_SCOPE_MFROM;
	r->spf.result = report_auth(spf_outcome_name(spf->verdict.result));
}

/* report_reason - one override reason (RFC 9990 policy_evaluated) */
static void
report_reason(struct dmarc_report_rec *r, enum dmarc_rec_override type,
	      const char *comment)
{
	if (r->nreasons == DMARC_REC_REASON_MAX)
		return;
	r->reasons[r->nreasons].type = type;
	snprintf(r->reasons[r->nreasons++].comment, DMARC_REC_COMMENT_MAX,
		 "%s", comment);
}

/* report_disposition - what was done, and why it is not what the policy
 * asked when it is not */
static void
report_disposition(const struct results *res, const struct verdict *v,
		   struct dmarc_report_rec *r)
{
	const struct results_dmarc *dm = &res->dmarc;
	char comment[DMARC_REC_COMMENT_MAX];

	if (strcmp(dm->result, "pass") == 0) {
		r->disposition = DMARC_REC_DISP_PASS;
		return;
	}
	r->disposition = v->action == VERDICT_REJECT ? DMARC_REC_DISP_REJECT :
	    v->action == VERDICT_QUARANTINE ? DMARC_REC_DISP_QUARANTINE :
	    DMARC_REC_DISP_NONE;
	if (res->arc.override) {
		snprintf(comment, sizeof(comment), "ARC set i=%u of %.100s",
			 res->arc.override_instance, res->arc.override_sealer);
		report_reason(r, DMARC_REC_OVERRIDE_TRUSTED_FORWARDER, comment);
	}
	if (dm->testing && dm->disposition != dm->policy)
		report_reason(r, DMARC_REC_OVERRIDE_POLICY_TEST_MODE, "t=y");
	if (res->via_relay && dm->disposition != RESULTS_POLICY_NONE)
		report_reason(r, DMARC_REC_OVERRIDE_LOCAL_POLICY,
			      "relayed by a backup MX: never rejected");
	else if (!res->arc.override && r->disposition == DMARC_REC_DISP_NONE &&
		 dm->disposition != RESULTS_POLICY_NONE)
		report_reason(r, DMARC_REC_OVERRIDE_LOCAL_POLICY,
			      "the receiver records the result only");
}

/* report_build - the record of res; false when it has none to give */
static bool
report_build(const struct results *res, const struct verdict *v,
	     const char *mail_from, struct dmarc_report_rec *r)
{
	const struct results_dmarc *dm = &res->dmarc;
	const char *ip = res->spf.client[0] ? res->spf.client : res->client;
	const char *at = strrchr(mail_from, '@');

	if (!dm->rfc9989 || dm->source == NULL || dm->result == NULL ||
	    res->submission || v->action == VERDICT_TEMPFAIL || ip[0] == '\0')
		return false;
	memset(r, 0, sizeof(*r));
	r->time = time(NULL);
	report_copy(r->source_ip, sizeof(r->source_ip), ip);
	report_copy(r->header_from, sizeof(r->header_from), dm->from_domain);
	report_copy(r->envelope_from, sizeof(r->envelope_from),
		    at != NULL ? at + 1 : mail_from);
	report_copy(r->policy_domain, sizeof(r->policy_domain),
		    dm->policy_domain);
	report_copy(r->org_domain, sizeof(r->org_domain), dm->org_domain);
	report_published(&dm->published, &r->policy);
	r->dkim_aligned = dm->dkim_aligned;
	r->spf_aligned = dm->spf_aligned;
	report_disposition(res, v, r);
	report_results(res, r);
	return true;
}

/* report_add - see report.h */
void
report_add(const struct results *res, const struct verdict *v,
	   const char *mail_from)
{
	struct dmarc_report_rec *r;

	pthread_mutex_lock(&report_lock);
	r = report_store != NULL ? malloc(sizeof(*r)) : NULL;
	pthread_mutex_unlock(&report_lock);
	if (r == NULL)		/* reporting is off (or no memory) */
		return;
	if (report_build(res, v, mail_from ? mail_from : "", r)) {
		pthread_mutex_lock(&report_lock);
		if (report_store != NULL &&
		    dmarc_store_add(report_store, r) < 0)
			log_debug("%s: DMARC report record dropped: the "
				  "store's queue is full", res->qid);
		pthread_mutex_unlock(&report_lock);
	}
	free(r);
}
