/*
 * dns.h - a small blocking resolver over res_nquery with a fresh res_state
 * per call (so any thread may call it, and resolv.conf is re-read each
 * time): TXT, A, AAAA and MX records with their TTLs, and the answer kinds
 * SPF must tell apart (records, NODATA, NXDOMAIN, temporary failure).
 */
#ifndef TMX_DNS_H
#define TMX_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <trustmx/addr.h>

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
};

enum dns_status {
	DNS_OK = 0,		/* one or more records of the type asked */
	DNS_NODATA,		/* the name exists, no record of that type */
	DNS_NXDOMAIN,		/* no such name */
	DNS_TEMPFAIL,		/* SERVFAIL, REFUSED, timeout, no server, bad answer */
	DNS_BADNAME,		/* the name cannot be asked (syntax, length) */
};

struct dns_record {
	uint32_t ttl;
	uint16_t preference;	/* MX */
	struct tmx_addr addr;	/* A, AAAA */
	char *text;		/* TXT (character-strings joined), MX exchange */
	size_t textlen;		/* TXT may hold NUL bytes; text is NUL-terminated too */
};

struct dns_answer {
	enum dns_status status;
	struct dns_record *records;	/* only with DNS_OK */
	size_t count;
	uint32_t min_ttl;	/* smallest record TTL (DNS_OK) */
	const char *reason;	/* static: why TEMPFAIL or BADNAME */
};

/* dns_lookup - ask for name/type; fills *ans_r, whose status says what came */
enum dns_status dns_lookup(const char *name, enum dns_type type,
			   struct dns_answer *ans_r);

/* dns_answer_free - release what dns_lookup filled (safe on any status) */
void dns_answer_free(struct dns_answer *ans);

/* dns_status_str - "answer", "NODATA", "NXDOMAIN", ... */
const char *dns_status_str(enum dns_status status);

/* dns_type_str - "TXT", "A", "AAAA", "MX" */
const char *dns_type_str(enum dns_type type);

/* dns_name_valid - a name dns_lookup would ask: labels 1-63, total <= 253 */
int dns_name_valid(const char *name);

/* dns_name_equal - the same DNS name, ignoring case and one trailing dot */
bool dns_name_equal(const char *a, const char *b);

#endif
