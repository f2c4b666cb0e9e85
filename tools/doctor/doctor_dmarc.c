/*
 * doctor_dmarc.c - the _dmarc record: one, parsed by libopendmarc, its
 * policy, its report addresses, and for reports sent to another domain
 * that domain's consent record (RFC 7489 7.1), without which they are lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendmarc/dmarc.h>

#include "dns.h"
#include "doctor.h"

/* doctor_dmarc_internal - target is the domain, a parent or a child of it */
static bool
doctor_dmarc_internal(const char *domain, const char *target)
{
	size_t ld = strlen(domain), lt = strlen(target);

	if (dns_name_equal(domain, target))
		return true;
	if (lt > ld && target[lt - ld - 1] == '.' &&
	    strcasecmp(target + lt - ld, domain) == 0)
		return true;
	return ld > lt && domain[ld - lt - 1] == '.' &&
	    strcasecmp(domain + ld - lt, target) == 0;
}

/* doctor_dmarc_target - the domain of a mailto: URI into buf; false if none */
static bool
doctor_dmarc_target(const char *uri, char *buf, size_t len)
{
	const char *at;
	size_t n;

	if (strncasecmp(uri, "mailto:", 7) != 0 ||
	    (at = strrchr(uri, '@')) == NULL)
		return false;
	n = strcspn(at + 1, "!?> ");
	if (n == 0 || n >= len)
		return false;
	snprintf(buf, len, "%.*s", (int)n, at + 1);
	return true;
}

/* doctor_dmarc_consent - an external report target agrees to take them */
static void
doctor_dmarc_consent(struct doctor *d, const char *tag, const char *uri)
{
	char target[256], name[600];
	struct doctor_finding *f;
	const char *why;
	char *text;
	int n;

	if (!doctor_dmarc_target(uri, target, sizeof(target)) ||
	    doctor_dmarc_internal(d->domain, target))
		return;
	snprintf(name, sizeof(name), "%s._report._dmarc.%s", d->domain, target);
	n = doctor_dns_txt(name, "v=DMARC1", &text, &why);
	free(text);
	if (n > 0) {
		doctor_add(d, "dmarc.report-auth", DOCTOR_OK, target,
		    "%s accepts %s reports for %s", target, tag, d->domain);
		return;
	}
	f = doctor_add(d, "dmarc.report-auth", DOCTOR_FAIL, target,
	    "%s=%s, but %s has no v=DMARC1 at %s (%s): reports are dropped",
	    tag, uri, target, name, n < 0 ? why : "absent");
	doctor_fix(f, "have %s publish \"%s TXT v=DMARC1\"", target, name);
}

/* doctor_dmarc_reports - rua and ruf present, and accepted where sent */
static void
doctor_dmarc_reports(struct doctor *d, DMARC_POLICY_T *pctx)
{
	u_char **rua, **ruf;
	struct doctor_finding *f;
	size_t i;

	rua = opendmarc_policy_fetch_rua(pctx, NULL, 0, 1);
	ruf = opendmarc_policy_fetch_ruf(pctx, NULL, 0, 1);
	if (rua == NULL || rua[0] == NULL) {
		f = doctor_add(d, "dmarc.rua", DOCTOR_WARN, d->domain,
		    "no rua=: nobody sees the aggregate reports");
		doctor_fix(f, "add rua=mailto:dmarc-reports@%s", d->domain);
	} else {
		doctor_add(d, "dmarc.rua", DOCTOR_OK, d->domain, "rua=%s%s",
		    (char *)rua[0], rua[1] != NULL ? ", ..." : "");
	}
	for (i = 0; rua != NULL && rua[i] != NULL; i++)
		doctor_dmarc_consent(d, "rua", (char *)rua[i]);
	for (i = 0; ruf != NULL && ruf[i] != NULL; i++)
		doctor_dmarc_consent(d, "ruf", (char *)ruf[i]);
}

/* doctor_dmarc_policy - p= and pct= */
static void
doctor_dmarc_policy(struct doctor *d, DMARC_POLICY_T *pctx)
{
	struct doctor_finding *f;
	int p = 0, pct = 100;

	opendmarc_policy_fetch_p(pctx, &p);
	opendmarc_policy_fetch_pct(pctx, &pct);
	if (p == DMARC_RECORD_P_NONE) {
		f = doctor_add(d, "dmarc.policy", DOCTOR_WARN, d->domain,
		    "p=none: monitoring only, spoofed mail is delivered");
		doctor_fix(f, "once the reports show only your own mail "
		    "passing, move to p=quarantine, then p=reject");
	} else if (pct < 100) {
		f = doctor_add(d, "dmarc.policy", DOCTOR_WARN, d->domain,
		    "p=%s applies to %d%% of failing mail",
		    p == DMARC_RECORD_P_REJECT ? "reject" : "quarantine", pct);
		doctor_fix(f, "remove pct= (100%%) when the rollout is done");
	} else {
		doctor_add(d, "dmarc.policy", DOCTOR_OK, d->domain, "p=%s",
		    p == DMARC_RECORD_P_REJECT ? "reject" : "quarantine");
	}
}

/* doctor_dmarc_check - see doctor.h */
void
doctor_dmarc_check(struct doctor *d)
{
	char name[300], *record;
	struct doctor_finding *f;
	OPENDMARC_STATUS_T st;
	DMARC_POLICY_T *pctx;
	const char *why;
	int n;

	snprintf(name, sizeof(name), "_dmarc.%s", d->domain);
	n = doctor_dns_txt(name, "v=DMARC1", &record, &why);
	if (n != 1) {
		f = doctor_add(d, "dmarc.record", DOCTOR_FAIL, name,
		    n < 0 ? "TXT lookup failed: %s" : n == 0 ?
		    "no DMARC record (%s)" : "%s DMARC records: none applies",
		    n > 1 ? "several" : why);
		doctor_fix(f, n > 1 ? "keep exactly one v=DMARC1 record" :
		    "publish \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" and "
		    "tighten it later", d->domain);
		free(record);
		return;
	}
	if ((pctx = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 0)) ==
	    NULL) {
		doctor_add(d, "dmarc.record", DOCTOR_FAIL, name,
		    "libopendmarc: out of memory");
		free(record);
		return;
	}
	st = opendmarc_policy_parse_dmarc(pctx, (u_char *)d->domain,
	    (u_char *)record);
	if (st != DMARC_PARSE_OKAY) {
		f = doctor_add(d, "dmarc.record", DOCTOR_FAIL, name,
		    "does not parse (%s): %s", opendmarc_policy_status_to_str(st),
		    record);
		doctor_fix(f, "correct the record (RFC 7489 6.4): "
		    "\"v=DMARC1; p=reject; rua=mailto:...\"");
	} else {
		doctor_add(d, "dmarc.record", DOCTOR_OK, name, "%s", record);
		doctor_dmarc_policy(d, pctx);
		doctor_dmarc_reports(d, pctx);
	}
	opendmarc_policy_connect_shutdown(pctx);
	free(record);
}
