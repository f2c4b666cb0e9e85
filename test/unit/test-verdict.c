/*
 * test-verdict.c - the milter's policy table: direct DMARC failures are
 * rejected only under p=reject with dmarc_reject and within pct (rfc7489)
 * or by RFC 9989's disposition (pct ignored, t=y a level lower), relayed
 * mail is never rejected, nor mail a trusted ARC sealer vouched for, DNS
 * trouble never rejects, submissions pass.
 */
#include <string.h>

#include "verdict.h"
#include "tmx-test.h"

struct verdict_case {
	const char *name;
	struct verdict_policy policy;
	bool via_relay, submission;
	enum spf_outcome spf;
	const char *dmarc;
	enum results_policy p;
	int pct;
	unsigned roll;
	bool dkim_temp;
	enum verdict_action want;
};

#define ON_REJECT { true, false, false, false }
#define ON_ALL { true, true, true, false }
#define ON_TEMP { true, true, true, true }
#define OFF { false, false, false, false }

static const struct verdict_case cases[] = {
	{ "direct p=reject fail", ON_REJECT, false, false, SPF_OUT_FAIL,
	  "fail", RESULTS_POLICY_REJECT, 100, 99, false, VERDICT_REJECT },
	{ "dmarc_reject off", OFF, false, false, SPF_OUT_FAIL,
	  "fail", RESULTS_POLICY_REJECT, 100, 0, false, VERDICT_ACCEPT },
	{ "pct not selected: quarantine instead", ON_ALL, false, false,
	  SPF_OUT_FAIL, "fail", RESULTS_POLICY_REJECT, 10, 50, false,
	  VERDICT_QUARANTINE },
	{ "pct not selected, no quarantine", ON_REJECT, false, false,
	  SPF_OUT_FAIL, "fail", RESULTS_POLICY_REJECT, 10, 10, false,
	  VERDICT_ACCEPT },
	{ "pct=0", ON_REJECT, false, false, SPF_OUT_FAIL,
	  "fail", RESULTS_POLICY_REJECT, 0, 0, false, VERDICT_ACCEPT },
	{ "p=quarantine", ON_ALL, false, false, SPF_OUT_FAIL,
	  "fail", RESULTS_POLICY_QUARANTINE, 100, 3, false, VERDICT_QUARANTINE },
	{ "p=quarantine, pct not selected", ON_ALL, false, false, SPF_OUT_FAIL,
	  "fail", RESULTS_POLICY_QUARANTINE, 50, 60, false, VERDICT_ACCEPT },
	{ "p=none", ON_ALL, false, false, SPF_OUT_FAIL,
	  "fail", RESULTS_POLICY_NONE, 100, 0, false, VERDICT_ACCEPT },
	{ "pass", ON_ALL, false, false, SPF_OUT_PASS,
	  "pass", RESULTS_POLICY_REJECT, 100, 0, false, VERDICT_ACCEPT },
	{ "relay p=reject fail: never rejected", ON_REJECT, true, false,
	  SPF_OUT_FAIL, "fail", RESULTS_POLICY_REJECT, 100, 0, false,
	  VERDICT_ACCEPT },
	{ "relay with relay_quarantine", ON_ALL, true, false, SPF_OUT_FAIL,
	  "fail", RESULTS_POLICY_REJECT, 100, 0, false, VERDICT_QUARANTINE },
	{ "relay SPF fail alone, relay_quarantine", ON_ALL, true, false,
	  SPF_OUT_FAIL, "none", RESULTS_POLICY_UNKNOWN, 100, 0, false,
	  VERDICT_QUARANTINE },
	{ "relay SPF softfail", ON_ALL, true, false, SPF_OUT_SOFTFAIL,
	  "none", RESULTS_POLICY_UNKNOWN, 100, 0, false, VERDICT_ACCEPT },
	{ "temperror, dns_tempfail off", ON_ALL, false, false,
	  SPF_OUT_TEMPERROR, "temperror", RESULTS_POLICY_UNKNOWN, 100, 0,
	  false, VERDICT_ACCEPT },
	{ "temperror, dns_tempfail on", ON_TEMP, false, false,
	  SPF_OUT_TEMPERROR, "none", RESULTS_POLICY_UNKNOWN, 100, 0, false,
	  VERDICT_TEMPFAIL },
	{ "DKIM key temperror, dns_tempfail on", ON_TEMP, false, false,
	  SPF_OUT_PASS, "pass", RESULTS_POLICY_NONE, 100, 0, true,
	  VERDICT_TEMPFAIL },
	{ "permerror never rejects", ON_ALL, false, false, SPF_OUT_FAIL,
	  "permerror", RESULTS_POLICY_REJECT, 100, 0, false, VERDICT_ACCEPT },
	{ "authenticated submission", ON_ALL, false, true, SPF_OUT_NONE,
	  "fail", RESULTS_POLICY_REJECT, 100, 0, false, VERDICT_ACCEPT },
};

/* RFC 9989: the disposition decides; pct is 0 in every row (ignored) */
struct rfc9989_case {
	const char *name;
	struct verdict_policy policy;
	bool via_relay, arc_override;
	enum results_policy p, disposition;
	enum verdict_action want;
};

static const struct rfc9989_case rfc9989_cases[] = {
	{ "9989 p=reject, pct=0 ignored", ON_REJECT, false, false,
	  RESULTS_POLICY_REJECT, RESULTS_POLICY_REJECT, VERDICT_REJECT },
	{ "9989 p=reject t=y: quarantine", ON_ALL, false, false,
	  RESULTS_POLICY_REJECT, RESULTS_POLICY_QUARANTINE,
	  VERDICT_QUARANTINE },
	{ "9989 p=reject t=y, no dmarc_quarantine", ON_REJECT, false, false,
	  RESULTS_POLICY_REJECT, RESULTS_POLICY_QUARANTINE, VERDICT_ACCEPT },
	{ "9989 p=quarantine t=y: none", ON_ALL, false, false,
	  RESULTS_POLICY_QUARANTINE, RESULTS_POLICY_NONE, VERDICT_ACCEPT },
	{ "9989 relayed: never rejected", ON_REJECT, true, false,
	  RESULTS_POLICY_REJECT, RESULTS_POLICY_REJECT, VERDICT_ACCEPT },
	{ "9989 trusted ARC sealer vouched", ON_ALL, false, true,
	  RESULTS_POLICY_REJECT, RESULTS_POLICY_REJECT, VERDICT_ACCEPT },
};

/* test_rfc9989 - the disposition rows */
static void
test_rfc9989(void)
{
	for (size_t i = 0; i < sizeof(rfc9989_cases) /
	     sizeof(rfc9989_cases[0]); i++) {
		const struct rfc9989_case *t = &rfc9989_cases[i];
		struct results res;
		struct verdict v;

		memset(&res, 0, sizeof(res));
		res.via_relay = t->via_relay;
		res.spf.source = t->via_relay ? RESULTS_SPF_RECOVERED :
		    RESULTS_SPF_DIRECT;
		res.spf.verdict.result = SPF_OUT_FAIL;
		res.arc.override = t->arc_override;
		res.dmarc.result = "fail";
		res.dmarc.rfc9989 = true;
		res.dmarc.policy = t->p;
		res.dmarc.disposition = t->disposition;
		res.dmarc.pct = 0;
		verdict_decide(&t->policy, &res, 99, &v);
		TMX_CHECKF(v.action == t->want, "%s: got %s", t->name,
			   verdict_action_name(v.action));
	}
}

int
main(void)
{
	test_rfc9989();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct verdict_case *t = &cases[i];
		struct results res;
		struct verdict v;

		memset(&res, 0, sizeof(res));
		res.via_relay = t->via_relay;
		res.submission = t->submission;
		res.spf.source = t->via_relay ? RESULTS_SPF_RECOVERED :
		    RESULTS_SPF_DIRECT;
		res.spf.verdict.result = t->spf;
		res.dkim.temperror = t->dkim_temp;
		res.dmarc.result = t->dmarc;
		res.dmarc.policy = t->p;
		res.dmarc.pct = t->pct;
		verdict_decide(&t->policy, &res, t->roll, &v);
		TMX_CHECKF(v.action == t->want, "%s: got %s", t->name,
			   verdict_action_name(v.action));
		TMX_CHECKF(v.reason != NULL, "%s: no reason", t->name);
	}
	return TMX_TEST_END();
}
