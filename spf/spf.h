/*
 * spf.h - the SPF layer of trustmx-milter and "trustmx spf check": one
 * long-lived libspf2 server with a DNS cache, shared by all threads, with
 * our own DNS layer (spf_dns.c) and record screening (spf_record.c).
 */
#ifndef TMX_SPF_H
#define TMX_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>

enum spf_outcome {
	SPF_OUT_NONE = 0,
	SPF_OUT_NEUTRAL,
	SPF_OUT_PASS,
	SPF_OUT_FAIL,
	SPF_OUT_SOFTFAIL,
	SPF_OUT_TEMPERROR,
	SPF_OUT_PERMERROR,
};

enum spf_identity {
	SPF_ID_MAILFROM = 0,
	SPF_ID_HELO,
};

struct spf_layer_config {
	const char *receiver;	/* our host name for headers; NULL: hostname */
	unsigned void_limit;	/* RFC 7208 4.6.4; 0 means the default, 2 */
	bool loopback_pass;	/* libspf2's habit: 127/8 and ::1 pass */
	int debug;		/* libspf2 debug level */
};

struct spf_verdict {
	enum spf_outcome result;	/* for the identity below */
	enum spf_identity identity;	/* mailfrom, or helo for MAIL FROM:<> */
	enum spf_outcome helo_result;	/* the HELO check, always recorded */
	char domain[256];		/* the domain checked */
	char comment[512];		/* why, in words (header comment) */
	char explanation[512];		/* exp= text for fail, else empty */
	char received_spf[1536];	/* Received-SPF field value */
};

struct spf_layer;

/* spf_layer_new - build the shared server; NULL with a reason in err */
struct spf_layer *spf_layer_new(const struct spf_layer_config *config,
				char *err, size_t errlen);

void spf_layer_free(struct spf_layer *layer);

/*
 * spf_check - evaluate SPF for one SMTP transaction; thread-safe. helo
 * may be NULL, mail_from NULL or "" for the null sender. Returns 0 with
 * the verdict (temperror included) in *r; -1 (and temperror) only when
 * client is not an IPv4/IPv6 address.
 */
int spf_check(struct spf_layer *layer, const struct tmx_addr *client,
	      const char *helo, const char *mail_from, struct spf_verdict *r);

/* spf_outcome_name - "pass", "fail", ... as RFC 7208 spells them */
const char *spf_outcome_name(enum spf_outcome outcome);

#endif
