/*
 * arc_int.h - what the files of the ARC module share: the message as
 * kept (header fields in order, the body hashes being computed), the ARC
 * sets found in it, and the hashing that verifying and sealing both do.
 * Private to auth/.
 */
#ifndef TMX_ARC_INT_H
#define TMX_ARC_INT_H

#include <stdint.h>
#include <time.h>

#include "arc.h"
#include "dkim_canon.h"
#include "dkim_key.h"

#define ARC_HEADER_BYTES_MAX	(4u << 20)	/* all header values kept */
#define ARC_BODYHASH_MAX	8	/* distinct AMS body hashes computed */
#define ARC_H_MAX		128	/* names in an AMS h= */
#define ARC_H_NAME_MAX		128	/* bytes in one of them */
#define ARC_KEYS_MAX		(2 * ARC_MAX_INSTANCE)
#define ARC_LOOKUP_BUDGET_MS	10000	/* key lookups of one verification:
					 * none starts after this */

/* The sealer's private key. */
struct arc_key {
	EVP_PKEY *pkey;
	enum dkim_key_type type;
};

/* One header field as fed: name trimmed, value with CRLF folds. */
struct arc_field {
	char *name;
	char *value;		/* NUL-terminated */
	size_t len;
};

enum arc_kind {
	ARC_KIND_NONE = 0,
	ARC_KIND_AAR,
	ARC_KIND_AMS,
	ARC_KIND_AS,
};

enum arc_alg {
	ARC_ALG_NONE = 0,
	ARC_ALG_RSA_SHA256,
	ARC_ALG_ED25519_SHA256,
};

/* An AMS or AS as parsed: slices of its field's value. */
struct arc_sig {
	const char *error;	/* static: why it is unusable; NULL: usable */
	enum arc_alg alg;
	enum dkim_canon hcanon, bcanon;
	int64_t limit;		/* AMS l=; -1: none */
	enum arc_cv cv;		/* AS cv= */
	const char *d, *s, *h, *bh, *b;
	size_t dlen, slen, hlen, bhlen, blen;
	size_t braw_start, braw_end;	/* what "b=" empties */
};

/* One instance's three fields. */
struct arc_set {
	int aar, ams, as;	/* indexes into arc_msg.field; -1: none */
	struct arc_sig ams_sig, as_sig;
	int bh;			/* the AMS's body hash slot; -1: none */
	char *aar_text;		/* the AAR payload, unfolded (malloc) */
};

struct arc_bodyhash {
	struct dkim_canon_body body;
	unsigned char digest[DKIM_SHA256_LEN];
	bool done;		/* final: digest (or failed) known */
	bool ok;		/* the digest is good */
};

/* A key looked up for this message (sealers reuse theirs). */
struct arc_keyslot {
	char *selector, *domain;
	enum dkim_key_status status;
	const char *reason;
	struct dkim_pubkey key;
};

struct arc_msg {
	bool seal;		/* hash the body for our own set too */
	bool eoh;		/* arc_msg_eoh ran */
	bool verified;		/* result holds the answer */
	bool overflow;		/* header fields were dropped: no sealing */
	bool too_many;		/* an instance past 50 */
	const char *fail;	/* static: the chain fails, seen while reading */
	struct arc_field *field;
	size_t nfields, cap, bytes;
	unsigned nsets;		/* highest instance seen (<= 50) */
	/* grown as instances and body hashes turn up: most messages have
	 * none, and a fixed 50 sets and 9 hashes were 25 KiB per message */
	struct arc_set *set;	/* setcap entries, unseen ones empty */
	unsigned setcap;
	struct arc_bodyhash *bh;	/* nbh entries (<= ARC_BODYHASH_MAX + 1) */
	unsigned nbh;
	int seal_bh;		/* our relaxed body hash slot; -1: none */
	struct arc_keyslot *keys;
	unsigned nkeys;
	struct timespec verify_start;	/* for the lookup budget: */
	unsigned lookup_budget_ms;	/* ARC_LOOKUP_BUDGET_MS */
	struct arc_set_result *setres;
	struct arc_result result;
};

/* A header field to hash by name and value. */
struct arc_hash_item {
	const char *name;
	const char *value;
	size_t len;
};

/* arc_parse.c */
enum arc_kind arc_parse_kind(const char *name);
void arc_parse_sets(struct arc_msg *m);
void arc_parse_plan(struct arc_msg *m);

/* arc_hash.c */
int arc_hash_ams(const struct arc_msg *m, enum dkim_canon hcanon,
		 const char *h, size_t hlen, const struct arc_hash_item *self,
		 size_t bstart, size_t bend, unsigned char digest[32],
		 const char **error_r);
int arc_hash_seal(const struct arc_hash_item *items, size_t n,
		  size_t bstart, size_t bend, unsigned char digest[32]);
size_t arc_hash_set_items(const struct arc_msg *m, unsigned upto,
			  struct arc_hash_item *items);

/* arc_key.c: sign a SHA-256 digest; *siglen_r: room in, length out */
int arc_key_sign(const struct arc_key *key, const unsigned char digest[32],
		 unsigned char *sig, size_t *siglen_r);

/* arc_verify.c */
const struct arc_keyslot *arc_verify_key(struct arc_msg *m, const char *d,
					 size_t dlen, const char *s,
					 size_t slen);

#endif
