/*
 * dmarc_ruf.h - DMARC failure reports (RFC 9991): which reports a message
 * calls for (the record's fo tag, RFC 9989 4.7), and the report itself:
 * an ARF message (RFC 5965) of the auth-failure type (RFC 6591, as RFC
 * 9991 section 4 updates it) that carries the message's header fields,
 * never its body, with the local parts of addresses redacted (RFC 6590
 * style) unless told otherwise. The milter fills a dmarc_ruf_msg (flat,
 * bounded, no pointers) and hands it to dmarc_ruf_queue.h, whose worker
 * thread builds and sends the reports off the message path.
 */
#ifndef TMX_DMARC_RUF_H
#define TMX_DMARC_RUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dmarc_buf.h"

#define DMARC_RUF_FIELDS_MAX	64	/* header fields kept of a message */
#define DMARC_RUF_HEADER_MAX	32768	/* their names and values, bytes */
#define DMARC_RUF_SIGS_MAX	8	/* DKIM signatures kept */
#define DMARC_RUF_DOMAIN_MAX	254	/* 253 characters and the NUL */
#define DMARC_RUF_ADDR_MAX	320
#define DMARC_RUF_IP_MAX	46	/* INET6_ADDRSTRLEN */
#define DMARC_RUF_URIS_MAX	512	/* the ruf tag as published */
#define DMARC_RUF_AR_MAX	2048	/* our Authentication-Results value */
#define DMARC_RUF_TXT_MAX	512	/* an SPF record, for SPF-DNS */
#define DMARC_RUF_TOKEN_LEN	12	/* a redacted local part */

/*
 * The header fields of a message in the order they came, names and
 * values NUL-terminated in text. Filled field by field from the milter's
 * header callback; what does not fit is left out and counted.
 */
struct dmarc_ruf_headers {
	struct {
		uint16_t name;		/* offsets into text */
		uint16_t value;
	} field[DMARC_RUF_FIELDS_MAX];
	size_t nfields;
	size_t used;			/* bytes of text */
	unsigned dropped;		/* fields that did not fit */
	char text[DMARC_RUF_HEADER_MAX];
};

/* What was done with the message (RFC 6591 Delivery-Result) */
enum dmarc_ruf_delivery {
	DMARC_RUF_DELIVERED = 0,	/* accepted */
	DMARC_RUF_SPAM,			/* quarantined */
	DMARC_RUF_POLICY,		/* dropped by local policy */
	DMARC_RUF_REJECT,		/* refused in the SMTP session */
	DMARC_RUF_OTHER,
};

/* A DKIM signature's outcome in RFC 6591's terms (Auth-Failure) */
enum dmarc_ruf_dkim {
	DMARC_RUF_DKIM_PASS = 0,
	DMARC_RUF_DKIM_SIGNATURE,	/* fail: the signature did not verify
					 * (also expired, or dated ahead) */
	DMARC_RUF_DKIM_BODYHASH,	/* fail: the body hash did not match */
	DMARC_RUF_DKIM_REVOKED,		/* fail: the key record is revoked */
	DMARC_RUF_DKIM_OTHER,		/* neutral, policy, temperror,
					 * permerror: not a failed signature */
};

/* One DKIM signature */
struct dmarc_ruf_sig {
	char domain[DMARC_RUF_DOMAIN_MAX];	/* d= */
	char selector[DMARC_RUF_DOMAIN_MAX];	/* s= */
	char identity[DMARC_RUF_ADDR_MAX];	/* i=, "" when absent (@d) */
	enum dmarc_ruf_dkim result;
	bool aligned;			/* d= aligned with the From domain */
};

/*
 * One message that DMARC evaluated, as a failure report needs it. Every
 * member is copied text: the struct may be reused as soon as
 * dmarc_ruf_submit returns. Strings are NUL-terminated; "" is unknown.
 */
struct dmarc_ruf_msg {
	char qid[32];			/* the MTA's queue id: logs and
					 * Original-Envelope-Id */
	time_t arrival;			/* 0: now */
	char source_ip[DMARC_RUF_IP_MAX];	/* the client SPF judged */
	char mail_from[DMARC_RUF_ADDR_MAX];	/* envelope sender, "" <> */
	char from_domain[DMARC_RUF_DOMAIN_MAX];	/* RFC5322.From domain */
	char policy_domain[DMARC_RUF_DOMAIN_MAX];	/* the record's */
	char org_domain[DMARC_RUF_DOMAIN_MAX];	/* its Organizational
						 * Domain, "" unknown */
	char ruf[DMARC_RUF_URIS_MAX];	/* the record's ruf, as published */
	char fo[8];			/* its fo ("0", "1:d", ...; "" is 0) */
	bool psd;			/* the record has psd=y */
	char dmarc_result[16];		/* "pass", "fail", "temperror", ... */
	bool spf_aligned, dkim_aligned;	/* an aligned pass of each */
	char spf_result[16];		/* "pass", "fail", "softfail", ...;
					 * "" not judged */
	char spf_domain[DMARC_RUF_DOMAIN_MAX];	/* the identity SPF judged */
	char spf_dns[DMARC_RUF_TXT_MAX];	/* its SPF record, if known */
	struct dmarc_ruf_sig sig[DMARC_RUF_SIGS_MAX];
	size_t nsigs;
	char authres[DMARC_RUF_AR_MAX];	/* our A-R value (without the
					 * field name), folded or not */
	enum dmarc_ruf_delivery delivery;
	struct dmarc_ruf_headers headers;
};

/* The kinds of report a message may call for */
#define DMARC_RUF_WANT_DMARC	(1u << 0)	/* fo=0 or fo=1 */
#define DMARC_RUF_WANT_DKIM	(1u << 1)	/* fo=d: per failed signature */
#define DMARC_RUF_WANT_SPF	(1u << 2)	/* fo=s */

/*
 * dmarc_ruf_headers_add - one header field of the message (the value as
 * the MTA gave it; leading white space is dropped). 0, or -1 when it did
 * not fit (counted in dropped; later, smaller fields may still fit).
 */
int dmarc_ruf_headers_add(struct dmarc_ruf_headers *h, const char *name,
			  const char *value);

/*
 * dmarc_ruf_msg_bound - every string of m NUL-terminated, every count and
 * header offset within its array (dmarc_ruf_submit does this to its copy,
 * so that a mistake in filling m cannot make the worker read past it)
 */
void dmarc_ruf_msg_bound(struct dmarc_ruf_msg *m);

/*
 * dmarc_ruf_wanted - the DMARC_RUF_WANT_* reports m calls for; 0 for none:
 * no ruf, a psd=y record (RFC 9991 section 2), DMARC not evaluated to a
 * result, nothing failed the way fo asks, or m is itself a feedback report
 * (never a report on a report: RFC 9991 5.1's loops). fo=0 (the default):
 * DMARC failed, neither SPF nor DKIM gave an aligned pass; fo=1: either
 * gave none; d: a signature failed to verify, aligned or not; s: SPF
 * failed (fail or softfail), aligned or not (RFC 9989 4.7).
 */
unsigned dmarc_ruf_wanted(const struct dmarc_ruf_msg *m);

/* The key that makes redaction tokens; the same key, the same tokens */
struct dmarc_ruf_redactor {
	unsigned char key[32];
	size_t keylen;			/* 0: redaction off */
};

/*
 * dmarc_ruf_redact - value of the header field name as reported, appended
 * to out: with r, every local part of an address becomes a token (HMAC-
 * SHA-256 under r's key, DMARC_RUF_TOKEN_LEN characters of base64url),
 * recipient fields (To, Cc, Delivered-To, ...) keep only their addresses,
 * message identifiers (Message-ID, References, ...) are kept as they are;
 * with or without r, "http" in a URI becomes "hxxp" (RFC 9991 7.3).
 */
void dmarc_ruf_redact(const char *name, const char *value,
		      const struct dmarc_ruf_redactor *r, struct dmarc_buf *out);

/* What the report mail says besides the message's own data */
struct dmarc_ruf_meta {
	const char *from;		/* dmarc_failure_sender */
	const char *to;			/* the destination's address */
	const char *id;			/* unique: Message-ID's left part and
					 * the MIME boundary ([A-Za-z0-9.]) */
	const char *user_agent;		/* "trustmx/0.1.0" */
	time_t now;			/* Date: */
	const struct dmarc_ruf_redactor *redact;	/* NULL: none */
};

/*
 * dmarc_ruf_build - one report on m into out (LF line ends, for
 * sendmail): kind is one DMARC_RUF_WANT_* bit; for DMARC_RUF_WANT_DKIM,
 * sig is the index of the failed signature it is about. A multipart/
 * report (report-type=feedback-report) of a text/plain part, the
 * message/feedback-report (Feedback-Type: auth-failure, Auth-Failure:
 * dmarc, signature, bodyhash, revoked or spf) and the text/rfc822-headers.
 */
void dmarc_ruf_build(const struct dmarc_ruf_msg *m, unsigned kind, size_t sig,
		     const struct dmarc_ruf_meta *meta, struct dmarc_buf *out);

#endif
