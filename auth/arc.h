/*
 * arc.h - ARC (RFC 8617) for one message: the ARC sets it carries are
 * parsed and the chain validated (AMS and AS signatures, rsa-sha256 and
 * ed25519-sha256 per RFC 8463, keys fetched through the DNS layer), and a
 * new set can be added over our own Authentication-Results. Header fields
 * and body are fed as they arrive, like DKIM. Nothing here trusts a
 * sealer: which sealers count is the caller's policy.
 */
#ifndef TMX_ARC_H
#define TMX_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define ARC_MAX_INSTANCE	50	/* RFC 8617 4.2.1: i=1..50 */
#define ARC_FIELD_MAX		16384	/* a longer ARC field fails the chain */
#define ARC_HEADERS_MAX		1000	/* header fields kept for h= */

enum arc_cv {
	ARC_CV_NONE = 0,	/* no ARC set at all */
	ARC_CV_PASS,
	ARC_CV_FAIL,
};

/* One ARC set as found, index instance-1 of arc_result.set */
struct arc_set_result {
	unsigned instance;
	enum arc_cv cv;			/* the AS's own cv= tag */
	char domain[256];		/* AS d=: the sealer */
	char selector[256];		/* AS s= */
	char ams_domain[256];		/* AMS d= */
	char ams_selector[256];		/* AMS s= */
	bool ams_pass;			/* its AMS verified (false: not or failed) */
	bool as_pass;			/* its AS verified */
	bool above_received;		/* its three fields lie above the
					 * topmost Received field: the hop
					 * that handed us the message added
					 * it after its own Received line */
	const char *aar;		/* the AAR value after "i=N;", unfolded,
					 * owned by the arc_msg; "" if absent */
	const char *reason;		/* static: why this set failed, or NULL */
};

struct arc_result {
	enum arc_cv cv;			/* the chain, RFC 8617 5.2 */
	unsigned nsets;			/* highest instance (0: none) */
	unsigned oldest_pass;		/* RFC 8617 5.2 step 5 (0 if none) */
	bool temperror;			/* a key lookup failed temporarily:
					 * cv is then FAIL */
	const char *reason;		/* static: why FAIL, else NULL */
	const struct arc_set_result *set;	/* nsets entries, owned by
						 * the arc_msg */
};

struct arc_msg;
struct arc_key;

/* arc_msg_new - state for one message; seal: also hash the body as our
 * own set will (relaxed). NULL when out of memory. */
struct arc_msg *arc_msg_new(bool seal);

/*
 * arc_msg_header - one header field in message order: name without the
 * colon, value as the MTA hands it (with or without the leading space,
 * folded with CRLF or bare LF). Fields past ARC_HEADERS_MAX, or an ARC
 * field over ARC_FIELD_MAX, make the chain fail. -1 when out of memory.
 */
int arc_msg_header(struct arc_msg *m, const char *name, const char *value);

/* arc_msg_eoh - the header is complete (the body hashes it needs are
 * decided here) */
void arc_msg_eoh(struct arc_msg *m);

/* arc_msg_body - a body chunk, lines ending in CRLF as SMTP carries them */
void arc_msg_body(struct arc_msg *m, const unsigned char *buf, size_t len);

/*
 * arc_msg_feed - a whole RFC 5322 message (CRLF or LF line ends): header
 * fields, end of header and body, as the four calls above. -1 when out of
 * memory or when there is no header/body separation to find.
 */
int arc_msg_feed(struct arc_msg *m, const char *msg, size_t len);

/*
 * arc_msg_verify - validate the chain once the body is in. Key lookups
 * block, through dns_lookup (shared cache, deadline); none starts once
 * 10 s have gone into them (temperror). The result lives in m until
 * arc_msg_free; a second call returns the same result.
 */
const struct arc_result *arc_msg_verify(struct arc_msg *m);

/* arc_key_load - a PEM private key (RSA >= 1024 bits, or Ed25519) */
struct arc_key *arc_key_load(const char *path, const char **error_r);
void arc_key_free(struct arc_key *key);

/* A new ARC set: the three header values (no name, no colon), folded */
struct arc_seal {
	char *seal;		/* ARC-Seal */
	char *ams;		/* ARC-Message-Signature */
	char *aar;		/* ARC-Authentication-Results */
	unsigned instance;
};

#define ARC_SEAL_NAME	"ARC-Seal"
#define ARC_AMS_NAME	"ARC-Message-Signature"
#define ARC_AAR_NAME	"ARC-Authentication-Results"

/*
 * arc_msg_seal - a set i=N+1 over the message as fed (arc_msg_new with
 * seal, arc_msg_verify already run), carrying authres (an A-R value,
 * "authserv-id; method=result ..."), with cv from the verification,
 * signed for domain/selector with key at time now. Sealing follows
 * RFC 8617 5.1: no set past instance 50, none over a chain that already
 * says cv=fail. 0, or -1 with *error_r (static); out's strings are
 * malloc'd, freed by arc_seal_clear.
 */
int arc_msg_seal(struct arc_msg *m, const struct arc_key *key,
		 const char *domain, const char *selector, const char *authres,
		 time_t now, struct arc_seal *out, const char **error_r);
void arc_seal_clear(struct arc_seal *out);

/*
 * arc_seal_lf - out's folds become LF+TAB instead of CRLF+TAB, as
 * libmilter wants line breaks in a value given to smfi_insheader (LF
 * alone; the MTA adds the CR). The signatures stay valid: ARC seals
 * with relaxed header canonicalization, which removes the line breaks.
 */
void arc_seal_lf(struct arc_seal *out);

void arc_msg_free(struct arc_msg *m);

/* arc_cv_name - "none", "pass", "fail" */
const char *arc_cv_name(enum arc_cv cv);

#endif
