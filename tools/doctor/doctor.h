/*
 * doctor.h - "trustmx doctor": one report of a mail domain's live DNS
 * setup. Each check lives in its own doctor_*.c and adds findings (an
 * id, a verdict, what was looked at, what was seen, the fix) to it.
 */
#ifndef TRUSTMX_TOOLS_DOCTOR_H
#define TRUSTMX_TOOLS_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>

enum doctor_verdict {
	DOCTOR_OK = 0,
	DOCTOR_WARN,
	DOCTOR_FAIL,
};

struct doctor_finding {
	const char *check;		/* static id: "mx.backup", "spf.all", ... */
	enum doctor_verdict verdict;
	char subject[256];		/* the host, address, selector looked at */
	char detail[512];		/* what was seen */
	char fix[512];			/* one line; empty when ok */
};

/* An MX record of the domain, as the MX check found it. */
struct doctor_mx {
	char host[256];			/* lower case, no trailing dot */
	unsigned preference;
	bool backup;			/* named by --backup-mx */
};

/* One DNS query the DMARC check made, for the report (RFC 9989 4.10). */
struct doctor_dmarc_query {
	char name[264];			/* "_dmarc." and a domain, or a domain */
	const char *type;		/* "TXT", "A" */
	const char *status;		/* dns_status_str: "answer", "NXDOMAIN" */
	int dmarc_records;		/* TXT: DMARC records there; A: -1 */
};

#define DOCTOR_DMARC_QUERIES_MAX	16	/* two walks of eight, shared */

/* The DNS Tree Walk the DMARC check made, and what it found. */
struct doctor_dmarc_walk {
	bool done;			/* the walk ran: report it */
	char domain[256];		/* normalized: where the walk started */
	struct doctor_dmarc_query queries[DOCTOR_DMARC_QUERIES_MAX];
	size_t n_queries;
	const char *source;		/* "author", "org", "psd", "none" */
	char policy_domain[256];	/* where the applied record is, or "" */
	char org_domain[256];		/* "" when the walk failed */
	const char *org_rule;		/* dmarc_walk_rule_name, or "" */
};

struct conf;
struct lists;

struct doctor {
	/* what the operator asked */
	const char *domain;		/* NULL: only the local checks */
	const char *config;		/* --config: trustmx.conf, or NULL */
	const char *postfix;		/* --postfix: Postfix's config dir */
	const char **egress_ips;
	size_t n_egress;
	const char **backup_mx;
	size_t n_backup;
	const char *helo;
	const char **selectors;
	size_t n_selectors;
	const char *ca_file;		/* MTA-STS: trust this CA (private or test PKI) */
	const char *trust_anchor;	/* DNSSEC anchors (--trust-anchor), or NULL */
	/* what the MX check learned, for the checks after it */
	struct doctor_mx *mx;
	size_t n_mx;
	/* what --config loaded (doctor_config.c), for the Postfix check */
	struct conf *conf;
	struct lists *lists;
	/* what the DNSSEC check learned, for the DANE check */
	bool dnssec_validating;		/* the resolver validates for d->domain */
	int dnssec_mx;			/* enum dns_security of the MX RRset */
	/* what the DMARC check's Tree Walk asked and found */
	struct doctor_dmarc_walk dmarc_walk;
	/* the report */
	struct doctor_finding *findings;
	size_t n_findings;
};

/* doctor_add - a new finding; detail from fmt; returns it for doctor_fix */
struct doctor_finding *doctor_add(struct doctor *d, const char *check,
				  enum doctor_verdict verdict,
				  const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* doctor_fix - the one-line fix of finding f */
void doctor_fix(struct doctor_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* doctor_verdict_name - "ok", "warn", "fail" */
const char *doctor_verdict_name(enum doctor_verdict v);

/* doctor_worst - the worst verdict of the report */
enum doctor_verdict doctor_worst(const struct doctor *d);


/* The checks (doctor_mx.c, ...), in the order the report lists them. */
void doctor_mx_check(struct doctor *d);
void doctor_fcrdns_check(struct doctor *d);
void doctor_spf_check(struct doctor *d);
void doctor_dmarc_check(struct doctor *d);
void doctor_dkim_check(struct doctor *d);
void doctor_mtasts_check(struct doctor *d);
void doctor_tlsrpt_check(struct doctor *d);
void doctor_dnssec_check(struct doctor *d);	/* doctor_dnssec.c */
void doctor_dane_check(struct doctor *d);	/* doctor_dane.c */

/* The local setup: --config (doctor_config.c), --postfix (doctor_postfix.c) */
void doctor_config_check(struct doctor *d);
void doctor_postfix_check(struct doctor *d);

/* doctor_config_count - prefixes in list (enum list_id); 0 without lists */
size_t doctor_config_count(const struct doctor *d, int list);

/* doctor_config_free - the conf and lists doctor_config_check loaded */
void doctor_config_free(struct doctor *d);

/* Output (doctor_report.c) */
void doctor_report_table(const struct doctor *d, bool colour);
void doctor_report_json(const struct doctor *d);

/*
 * Lookups (doctor_dns.c). doctor_dns_txt returns how many TXT records
 * at name start with prefix (case-insensitive, then space, ';' or end),
 * the first in new memory in *text_r; -1 on a temporary failure, with a
 * reason in *why_r (also set, to "NXDOMAIN" or "NODATA", when 0).
 */
int doctor_dns_txt(const char *name, const char *prefix, char **text_r,
		   const char **why_r);

/* doctor_dns_addrs - A and AAAA of host (at most max); count or -1 (tempfail) */
int doctor_dns_addrs(const char *host, struct tmx_addr *addrs, size_t max);

/* doctor_dns_ptr - PTR names of addr (lower case, no dot); count or -1 */
int doctor_dns_ptr(const struct tmx_addr *addr, char names[][256], size_t max);


#endif
