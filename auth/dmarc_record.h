/*
 * dmarc_record.h - one DMARC Policy Record as RFC 9989 reads it (4.7 the
 * tags, 4.8 the grammar): v=DMARC1 first or the text is no DMARC record
 * at all; after that a tag that breaks its rule is ignored (its default
 * holds), unknown tags are ignored, and pct, rf and ri (RFC 7489, removed)
 * are noted but never used. No allocation: rua and ruf point into the
 * caller's text.
 */
#ifndef TMX_DMARC_RECORD_H
#define TMX_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A Domain Owner Assessment Policy (p, sp, np: ABNF dmarc-request). Not
 * DMARC_POLICY_*: libopendmarc's dmarc.h defines those as macros.
 */
enum dmarc_request {
	DMARC_REQUEST_UNSET = 0,	/* absent, or outside the rule */
	DMARC_REQUEST_NONE,
	DMARC_REQUEST_QUARANTINE,
	DMARC_REQUEST_REJECT,
};

/* Identifier Alignment mode (adkim, aspf); relaxed is the default. */
enum dmarc_mode {
	DMARC_MODE_RELAXED = 0,
	DMARC_MODE_STRICT,
};

/* The psd tag; "u" is the default. */
enum dmarc_psd {
	DMARC_PSD_U = 0,
	DMARC_PSD_Y,
	DMARC_PSD_N,
};

/* One bit per tag of the DMARC Tags registry (RFC 9989 9.3). */
#define DMARC_TAG_V	(1u << 0)
#define DMARC_TAG_P	(1u << 1)
#define DMARC_TAG_SP	(1u << 2)
#define DMARC_TAG_NP	(1u << 3)
#define DMARC_TAG_PSD	(1u << 4)
#define DMARC_TAG_T	(1u << 5)
#define DMARC_TAG_ADKIM	(1u << 6)
#define DMARC_TAG_ASPF	(1u << 7)
#define DMARC_TAG_RUA	(1u << 8)
#define DMARC_TAG_RUF	(1u << 9)
#define DMARC_TAG_FO	(1u << 10)
#define DMARC_TAG_PCT	(1u << 11)	/* historic: RFC 7489 only */
#define DMARC_TAG_RF	(1u << 12)	/* historic */
#define DMARC_TAG_RI	(1u << 13)	/* historic */
#define DMARC_TAGS_REMOVED	(DMARC_TAG_PCT | DMARC_TAG_RF | DMARC_TAG_RI)

/* fo= options (0 when fo is absent or invalid: its default is "0") */
#define DMARC_FO_0	(1u << 0)
#define DMARC_FO_1	(1u << 1)
#define DMARC_FO_D	(1u << 2)
#define DMARC_FO_S	(1u << 3)

struct dmarc_record {
	enum dmarc_request p, sp, np;
	enum dmarc_mode adkim, aspf;
	enum dmarc_psd psd;
	bool testing;			/* t=y */
	unsigned fo;			/* DMARC_FO_* */
	const char *rua, *ruf;		/* the values as published, or NULL */
	size_t rua_len, ruf_len;
	unsigned rua_valid, ruf_valid;	/* syntactically valid URIs in them */
	unsigned seen;			/* DMARC_TAG_*: present */
	unsigned invalid;		/* outside its rule: ignored */
	unsigned duplicate;		/* again: the later ones ignored */
	unsigned unknown;		/* tags not in the registry: ignored */
	unsigned malformed;		/* parts that are no tag=value */
};

/* dmarc_record_is_dmarc - txt starts with "v=DMARC1" as a tag of its own */
bool dmarc_record_is_dmarc(const char *txt, size_t len);

/*
 * dmarc_record_parse - read one TXT record (its strings joined, NUL bytes
 * and all). 0 fills rec_r; -1 (rec_r zeroed, *reason_r static) when txt
 * is no DMARC record: it does not start with a v tag whose value is
 * exactly DMARC1 (RFC 9989 4.7: such a record MUST be ignored).
 */
int dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *rec_r,
		       const char **reason_r);

/* How a record's policy may be used (RFC 9989 4.10.1). */
enum dmarc_usable {
	DMARC_USABLE_OK = 0,	/* a valid p; sp and np valid or absent */
	DMARC_USABLE_RECOVERED,	/* p absent or invalid, or sp/np invalid, and
				 * rua holds a valid URI: act as p=none */
	DMARC_USABLE_NO_POLICY,	/* no p, nothing invalid, no valid rua: no
				 * DMARC processing */
	DMARC_USABLE_BROKEN,	/* p, sp or np invalid, no valid rua: no DMARC
				 * processing, and the record is at fault */
};

/* The policies a record asks for, defaults applied. */
struct dmarc_policies {
	enum dmarc_request p;
	enum dmarc_request sp;	/* sp, else p */
	enum dmarc_request np;	/* np, else sp, else p */
	bool sp_set, np_set;	/* published (and valid) */
};

/*
 * dmarc_record_usable - whether rec's policy applies, and which policies
 * (with USABLE_OK and USABLE_RECOVERED; recovered: p=none, an invalid sp
 * or np dropped, a valid one kept)
 */
enum dmarc_usable dmarc_record_usable(const struct dmarc_record *rec,
				      struct dmarc_policies *pol_r);

/* dmarc_record_uri_valid - one dmarc-uri (RFC 9989 4.8, "!size" allowed) */
bool dmarc_record_uri_valid(const char *uri, size_t len);

/* dmarc_record_request_name - "none", "quarantine", "reject", "" for UNSET */
const char *dmarc_record_request_name(enum dmarc_request p);

/* dmarc_record_fo - fo as text ("0", "1:d", ...), into buf */
void dmarc_record_fo(unsigned fo, char *buf, size_t size);

/* dmarc_record_tag_name - the name of one DMARC_TAG_* bit ("pct"), or "?" */
const char *dmarc_record_tag_name(unsigned bit);

#endif
