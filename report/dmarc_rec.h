/*
 * dmarc_rec.h - one DMARC evaluation as the aggregate report (RFC 9990)
 * needs it: what the milter hands to dmarc_store_add() for every message
 * it evaluated. Domains only, never a local part; the values are the
 * report's own vocabulary (RFC 9990 section 3.1.1, Appendix A).
 */
#ifndef TMX_DMARC_REC_H
#define TMX_DMARC_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define DMARC_REC_DOMAIN_MAX	254	/* 253 characters and the NUL */
#define DMARC_REC_IP_MAX	46	/* INET6_ADDRSTRLEN */
#define DMARC_REC_SELECTOR_MAX	128
#define DMARC_REC_FO_MAX	16
#define DMARC_REC_RUA_MAX	512
#define DMARC_REC_COMMENT_MAX	128
#define DMARC_REC_DKIM_MAX	8	/* signatures kept per message */
#define DMARC_REC_REASON_MAX	2	/* override reasons per message */

/* p=, sp=, np= (UNSET: not published; the report shows the default) */
enum dmarc_rec_policy {
	DMARC_REC_POLICY_UNSET = 0,
	DMARC_REC_POLICY_NONE,
	DMARC_REC_POLICY_QUARANTINE,
	DMARC_REC_POLICY_REJECT,
};

/* adkim=, aspf= */
enum dmarc_rec_align {
	DMARC_REC_ALIGN_UNSET = 0,	/* relaxed, the default */
	DMARC_REC_ALIGN_RELAXED,
	DMARC_REC_ALIGN_STRICT,
};

/* t= and psd= (psd also has "u"; t= only y and n) */
enum dmarc_rec_flag {
	DMARC_REC_FLAG_UNSET = 0,
	DMARC_REC_FLAG_N,
	DMARC_REC_FLAG_Y,
	DMARC_REC_FLAG_U,
};

/* How the DMARC Policy Record was found (RFC 9990 3.1.1.5) */
enum dmarc_rec_discovery {
	DMARC_REC_DISCOVERY_UNSET = 0,
	DMARC_REC_DISCOVERY_TREEWALK,	/* RFC 9989 */
	DMARC_REC_DISCOVERY_PSL,	/* RFC 7489 */
};

/* The disposition applied (ActionDispositionType) */
enum dmarc_rec_disposition {
	DMARC_REC_DISP_NONE = 0,	/* failed, no action taken */
	DMARC_REC_DISP_PASS,		/* passed DMARC */
	DMARC_REC_DISP_QUARANTINE,
	DMARC_REC_DISP_REJECT,
};

/* Why the disposition differs from the policy (RFC 9990 3.1.6) */
enum dmarc_rec_override {
	DMARC_REC_OVERRIDE_LOCAL_POLICY = 0,
	DMARC_REC_OVERRIDE_MAILING_LIST,
	DMARC_REC_OVERRIDE_OTHER,
	DMARC_REC_OVERRIDE_POLICY_TEST_MODE,
	DMARC_REC_OVERRIDE_TRUSTED_FORWARDER,
};

/* A DKIM or SPF result (RFC 8601 2.7.1, 2.7.2; softfail is SPF's only) */
enum dmarc_rec_auth {
	DMARC_REC_AUTH_NONE = 0,
	DMARC_REC_AUTH_PASS,
	DMARC_REC_AUTH_FAIL,
	DMARC_REC_AUTH_SOFTFAIL,
	DMARC_REC_AUTH_POLICY,
	DMARC_REC_AUTH_NEUTRAL,
	DMARC_REC_AUTH_TEMPERROR,
	DMARC_REC_AUTH_PERMERROR,
};

/* Which identity SPF checked; reports carry only mfrom (RFC 9990 3.1.1.13) */
enum dmarc_rec_spf_scope {
	DMARC_REC_SCOPE_MFROM = 0,
	DMARC_REC_SCOPE_HELO,
};

/* The DMARC Policy Record in force (published values, UNSET if absent) */
struct dmarc_rec_policy_published {
	enum dmarc_rec_policy p, sp, np;
	enum dmarc_rec_align adkim, aspf;
	enum dmarc_rec_flag testing;	/* t= */
	enum dmarc_rec_flag psd;	/* psd= (kept, not in the XML schema) */
	enum dmarc_rec_discovery discovery;
	char fo[DMARC_REC_FO_MAX];	/* "" if not published */
	char rua[DMARC_REC_RUA_MAX];	/* rua as published; "" if none */
};

struct dmarc_rec_reason {
	enum dmarc_rec_override type;
	/* "" for none; free text that goes into the report as it is: no
	 * addresses, no local parts */
	char comment[DMARC_REC_COMMENT_MAX];
};

struct dmarc_rec_dkim {
	char domain[DMARC_REC_DOMAIN_MAX];	/* d= */
	char selector[DMARC_REC_SELECTOR_MAX];	/* s= */
	enum dmarc_rec_auth result;
};

struct dmarc_rec_spf {
	char domain[DMARC_REC_DOMAIN_MAX];	/* "" when SPF was not run */
	enum dmarc_rec_spf_scope scope;
	enum dmarc_rec_auth result;
};

/*
 * One message's DMARC evaluation. Zero it, fill what is known; strings are
 * NUL-terminated domain names in ASCII (A-labels). dmarc_rec_check()
 * lower-cases them and refuses anything that is not a plain host name.
 */
struct dmarc_report_rec {
	time_t time;				/* when it was evaluated */
	char source_ip[DMARC_REC_IP_MAX];	/* the client SPF judged */
	char header_from[DMARC_REC_DOMAIN_MAX];	/* the Author Domain */
	char envelope_from[DMARC_REC_DOMAIN_MAX];	/* "" for <> */
	char envelope_to[DMARC_REC_DOMAIN_MAX];	/* "": not known */
	/* the DMARC Policy Domain: where the record in force was found */
	char policy_domain[DMARC_REC_DOMAIN_MAX];
	/* its Organizational Domain as the evaluation found it ("": the
	 * policy domain); decides which rua destinations are external */
	char org_domain[DMARC_REC_DOMAIN_MAX];
	struct dmarc_rec_policy_published policy;
	enum dmarc_rec_disposition disposition;
	bool dkim_aligned;		/* DMARC-aligned DKIM pass */
	bool spf_aligned;		/* DMARC-aligned SPF pass */
	unsigned nreasons;
	struct dmarc_rec_reason reasons[DMARC_REC_REASON_MAX];
	unsigned ndkim;
	struct dmarc_rec_dkim dkim[DMARC_REC_DKIM_MAX];
	struct dmarc_rec_spf spf;
};

/*
 * dmarc_rec_check - make rec storable: domains lower-cased and checked
 * (a plain host name, no '@'), the address parsed and written again in
 * its canonical text (IPv4-mapped IPv6 as IPv4), DKIM results in RFC 9990
 * 3.1.3's order, comments stripped of control characters. 0, or -1 with a
 * static reason; rec is changed in place either way.
 */
int dmarc_rec_check(struct dmarc_report_rec *rec, const char **error_r);

/*
 * The report's words for each value ("quarantine", "r", "treewalk",
 * "trusted_forwarder", "softfail", "mfrom", ...); NULL for UNSET. The
 * *_parse functions take those words back (the store keeps the words);
 * -1 for a word not known.
 */
const char *dmarc_rec_policy_str(enum dmarc_rec_policy p);
const char *dmarc_rec_align_str(enum dmarc_rec_align a);
const char *dmarc_rec_flag_str(enum dmarc_rec_flag f);
const char *dmarc_rec_discovery_str(enum dmarc_rec_discovery d);
const char *dmarc_rec_disposition_str(enum dmarc_rec_disposition d);
const char *dmarc_rec_override_str(enum dmarc_rec_override o);
const char *dmarc_rec_auth_str(enum dmarc_rec_auth r);
const char *dmarc_rec_scope_str(enum dmarc_rec_spf_scope s);

int dmarc_rec_override_parse(const char *word);

/* dmarc_rec_domain_ok - a plain host name: LDH labels (and '_'), <= 253 */
bool dmarc_rec_domain_ok(const char *name);

/* dmarc_rec_under - name is domain or a name below it (case-insensitive) */
bool dmarc_rec_under(const char *name, const char *domain);

#endif
