/*
 * dmarc_record.c - reading DMARC Policy Records by RFC 9989's grammar
 * (4.8): the text splits at ';' into tags; the first must be v=DMARC1
 * (the value case-sensitive), every other one is "name = value" with a
 * name of letters and a value of printable bytes. A tag whose value
 * breaks its rule is ignored and its default holds ("syntax errors in the
 * remainder of the record MUST be discarded in favor of default values"),
 * so one bad tag never costs the rest of the record.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc_record.h"

/* The registry's tags (RFC 9989 9.3); names compare without case. */
static const struct {
	const char *name;
	unsigned bit;
} dmarc_record_tags[] = {
	{ "v", DMARC_TAG_V },
	{ "p", DMARC_TAG_P },
	{ "sp", DMARC_TAG_SP },
	{ "np", DMARC_TAG_NP },
	{ "psd", DMARC_TAG_PSD },
	{ "t", DMARC_TAG_T },
	{ "adkim", DMARC_TAG_ADKIM },
	{ "aspf", DMARC_TAG_ASPF },
	{ "rua", DMARC_TAG_RUA },
	{ "ruf", DMARC_TAG_RUF },
	{ "fo", DMARC_TAG_FO },
	{ "pct", DMARC_TAG_PCT },
	{ "rf", DMARC_TAG_RF },
	{ "ri", DMARC_TAG_RI },
};

#define DMARC_RECORD_NTAGS \
	(sizeof(dmarc_record_tags) / sizeof(dmarc_record_tags[0]))

/* One "name = value" between two ';' (both trimmed of WSP). */
struct dmarc_record_tag {
	const char *name, *value;
	size_t name_len, value_len;
};

/* dmarc_record_wsp - WSP of RFC 5234: space or horizontal tab */
static bool
dmarc_record_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* dmarc_record_alpha - ALPHA */
static bool
dmarc_record_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * dmarc_record_split - one part between separators as name and value;
 * -1 when it is no dmarc-tag (no name of letters, no '=', no value).
 * Leading WSP belongs to the separator before it, except in the first
 * part, which must start with the v tag itself.
 */
static int
dmarc_record_split(const char *s, size_t len, bool first,
		   struct dmarc_record_tag *tag)
{
	size_t i = 0, end = len;

	while (!first && i < len && dmarc_record_wsp(s[i]))
		i++;
	tag->name = s + i;
	while (i < len && dmarc_record_alpha(s[i]))
		i++;
	tag->name_len = (size_t)(s + i - tag->name);
	while (i < len && dmarc_record_wsp(s[i]))
		i++;
	if (tag->name_len == 0 || i == len || s[i] != '=')
		return -1;
	i++;
	while (i < len && dmarc_record_wsp(s[i]))
		i++;
	while (end > i && dmarc_record_wsp(s[end - 1]))
		end--;
	tag->value = s + i;
	tag->value_len = end - i;
	return tag->value_len == 0 ? -1 : 0;
}

/* dmarc_record_printable - every byte a dmarc-value (%x20-3A / %x3C-7E) */
static bool
dmarc_record_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == ';')
			return false;
	return true;
}

/* dmarc_record_is - the value is word, compared without case */
static bool
dmarc_record_is(const struct dmarc_record_tag *tag, const char *word)
{
	return tag->value_len == strlen(word) &&
	    strncasecmp(tag->value, word, tag->value_len) == 0;
}

/* dmarc_record_first_len - the length of the first part (up to ';') */
static size_t
dmarc_record_first_len(const char *txt, size_t len)
{
	const char *semi = memchr(txt, ';', len);

	return semi == NULL ? len : (size_t)(semi - txt);
}

/* dmarc_record_is_dmarc - see dmarc_record.h */
bool
dmarc_record_is_dmarc(const char *txt, size_t len)
{
	struct dmarc_record_tag tag;

	return dmarc_record_split(txt, dmarc_record_first_len(txt, len), true,
	    &tag) == 0 && tag.name_len == 1 &&
	    (tag.name[0] == 'v' || tag.name[0] == 'V') &&
	    tag.value_len == 6 && memcmp(tag.value, "DMARC1", 6) == 0;
}

/* dmarc_record_policy - dmarc-request: none, quarantine, reject */
static enum dmarc_request
dmarc_record_policy(const struct dmarc_record_tag *tag)
{
	if (dmarc_record_is(tag, "none"))
		return DMARC_REQUEST_NONE;
	if (dmarc_record_is(tag, "quarantine"))
		return DMARC_REQUEST_QUARANTINE;
	if (dmarc_record_is(tag, "reject"))
		return DMARC_REQUEST_REJECT;
	return DMARC_REQUEST_UNSET;
}

/*
 * dmarc_record_fo_parse - dmarc-fo: colon-separated 0, 1, d, s, each at
 * most once and not both 0 and 1 (every order the ABNF's three branches
 * allow); 0 when the value breaks that
 */
static unsigned
dmarc_record_fo_parse(const struct dmarc_record_tag *tag)
{
	unsigned fo = 0, bit;
	size_t i;

	for (i = 0; i < tag->value_len; i += 2) {
		switch (tag->value[i]) {
		case '0':
			bit = DMARC_FO_0;
			break;
		case '1':
			bit = DMARC_FO_1;
			break;
		case 'd':
		case 'D':
			bit = DMARC_FO_D;
			break;
		case 's':
		case 'S':
			bit = DMARC_FO_S;
			break;
		default:
			return 0;
		}
		if ((fo & bit) != 0 ||
		    (i + 1 < tag->value_len && tag->value[i + 1] != ':') ||
		    i + 1 == tag->value_len - 1)	/* a trailing ':' */
			return 0;
		fo |= bit;
	}
	if ((fo & DMARC_FO_0) && (fo & DMARC_FO_1))
		return 0;
	return fo;
}

/* dmarc_record_uri_byte - a byte a dmarc-uri may hold unencoded */
static bool
dmarc_record_uri_byte(char c)
{
	return dmarc_record_alpha(c) || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("-._~:/?#[]@$&'()*+;=", c) != NULL);
}

/* dmarc_record_hex - HEXDIG */
static bool
dmarc_record_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* dmarc_record_uri_valid - see dmarc_record.h */
bool
dmarc_record_uri_valid(const char *uri, size_t len)
{
	const char *bang = memchr(uri, '!', len);
	size_t i, end = len;

	if (bang != NULL) {
		/* obs-dmarc-report-size: "!" 1*DIGIT [ k / m / g / t ] */
		end = (size_t)(bang - uri);
		i = end + 1;
		if (i == len || uri[i] < '0' || uri[i] > '9')
			return false;
		while (i < len && uri[i] >= '0' && uri[i] <= '9')
			i++;
		if (i < len && uri[i] != '\0' &&
		    strchr("kmgtKMGT", uri[i]) != NULL)
			i++;
		if (i != len)
			return false;
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':' */
	if (end == 0 || !dmarc_record_alpha(uri[0]))
		return false;
	for (i = 1; i < end && uri[i] != ':'; i++)
		if (!dmarc_record_alpha(uri[i]) &&
		    !(uri[i] >= '0' && uri[i] <= '9') &&
		    uri[i] != '+' && uri[i] != '-' && uri[i] != '.')
			return false;
	if (i >= end - 1)	/* no ':', or nothing after it */
		return false;
	for (i++; i < end; i++) {
		if (uri[i] == '%') {
			if (i + 2 >= end || !dmarc_record_hex(uri[i + 1]) ||
			    !dmarc_record_hex(uri[i + 2]))
				return false;
			i += 2;
		} else if (!dmarc_record_uri_byte(uri[i])) {
			return false;
		}
	}
	return true;
}

/* dmarc_record_urilist - count the URIs of a dmarc-urilist, and the valid */
static unsigned
dmarc_record_urilist(const struct dmarc_record_tag *tag)
{
	const char *s = tag->value, *end = tag->value + tag->value_len;
	unsigned valid = 0;

	while (s <= end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma != NULL ? comma : end;
		const char *b = s;

		while (b < e && dmarc_record_wsp(*b))
			b++;
		while (e > b && dmarc_record_wsp(e[-1]))
			e--;
		if (dmarc_record_uri_valid(b, (size_t)(e - b)))
			valid++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return valid;
}

/* dmarc_record_flag - one of two letters (y/n, r/s, ...); -1 otherwise */
static int
dmarc_record_flag(const struct dmarc_record_tag *tag, const char *letters)
{
	const char *hit;

	if (tag->value_len != 1 || tag->value[0] == '\0')
		return -1;
	hit = strchr(letters, tag->value[0] | 0x20);
	return hit == NULL ? -1 : (int)(hit - letters);
}

/* dmarc_record_value - one known tag's value into rec; false if invalid */
static bool
dmarc_record_value(struct dmarc_record *rec, unsigned bit,
		   const struct dmarc_record_tag *tag)
{
	int f;

	switch (bit) {
	case DMARC_TAG_P:
		rec->p = dmarc_record_policy(tag);
		return rec->p != DMARC_REQUEST_UNSET;
	case DMARC_TAG_SP:
		rec->sp = dmarc_record_policy(tag);
		return rec->sp != DMARC_REQUEST_UNSET;
	case DMARC_TAG_NP:
		rec->np = dmarc_record_policy(tag);
		return rec->np != DMARC_REQUEST_UNSET;
	case DMARC_TAG_PSD:
		if ((f = dmarc_record_flag(tag, "uyn")) < 0)
			return false;
		rec->psd = (enum dmarc_psd)f;
		return true;
	case DMARC_TAG_T:
		if ((f = dmarc_record_flag(tag, "ny")) < 0)
			return false;
		rec->testing = f == 1;
		return true;
	case DMARC_TAG_ADKIM:
	case DMARC_TAG_ASPF:
		if ((f = dmarc_record_flag(tag, "rs")) < 0)
			return false;
		if (bit == DMARC_TAG_ADKIM)
			rec->adkim = (enum dmarc_mode)f;
		else
			rec->aspf = (enum dmarc_mode)f;
		return true;
	case DMARC_TAG_RUA:
		rec->rua = tag->value;
		rec->rua_len = tag->value_len;
		return (rec->rua_valid = dmarc_record_urilist(tag)) > 0;
	case DMARC_TAG_RUF:
		rec->ruf = tag->value;
		rec->ruf_len = tag->value_len;
		return (rec->ruf_valid = dmarc_record_urilist(tag)) > 0;
	case DMARC_TAG_FO:
		return (rec->fo = dmarc_record_fo_parse(tag)) != 0;
	default:
		return true;	/* v again, or pct, rf, ri: noted only */
	}
}

/* dmarc_record_lookup - the DMARC_TAG_* bit of a tag name, 0 if unknown */
static unsigned
dmarc_record_lookup(const struct dmarc_record_tag *tag)
{
	size_t i;

	for (i = 0; i < DMARC_RECORD_NTAGS; i++)
		if (strlen(dmarc_record_tags[i].name) == tag->name_len &&
		    strncasecmp(dmarc_record_tags[i].name, tag->name,
		    tag->name_len) == 0)
			return dmarc_record_tags[i].bit;
	return 0;
}

/* dmarc_record_parse - see dmarc_record.h */
int
dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *rec_r,
		   const char **reason_r)
{
	size_t pos = dmarc_record_first_len(txt, len);
	struct dmarc_record_tag tag;

	memset(rec_r, 0, sizeof(*rec_r));
	if (!dmarc_record_is_dmarc(txt, len)) {
		*reason_r = "does not start with v=DMARC1";
		return -1;
	}
	rec_r->seen = DMARC_TAG_V;
	while (pos < len) {
		const char *part = txt + pos + 1;	/* past the ';' */
		size_t plen = dmarc_record_first_len(part, len - pos - 1);
		unsigned bit;

		pos += plen + 1;
		if (dmarc_record_split(part, plen, false, &tag) < 0) {
			/* a last, empty part is the optional final dmarc-sep */
			size_t k = 0;

			while (k < plen && dmarc_record_wsp(part[k]))
				k++;
			if (k < plen || pos < len)
				rec_r->malformed++;
			continue;
		}
		if ((bit = dmarc_record_lookup(&tag)) == 0) {
			rec_r->unknown++;
			continue;
		}
		if ((rec_r->seen & bit) != 0) {
			rec_r->duplicate |= bit;
			continue;
		}
		rec_r->seen |= bit;
		if (!dmarc_record_printable(tag.value, tag.value_len) ||
		    !dmarc_record_value(rec_r, bit, &tag))
			rec_r->invalid |= bit;
	}
	return 0;
}

/* dmarc_record_usable - see dmarc_record.h */
enum dmarc_usable
dmarc_record_usable(const struct dmarc_record *rec,
		    struct dmarc_policies *pol_r)
{
	unsigned bad = rec->invalid & (DMARC_TAG_P | DMARC_TAG_SP |
	    DMARC_TAG_NP);
	bool intact = rec->p != DMARC_REQUEST_UNSET && bad == 0;

	memset(pol_r, 0, sizeof(*pol_r));
	if (!intact && rec->rua_valid == 0)
		return bad != 0 ? DMARC_USABLE_BROKEN : DMARC_USABLE_NO_POLICY;
	pol_r->p = intact ? rec->p : DMARC_REQUEST_NONE;
	pol_r->sp_set = rec->sp != DMARC_REQUEST_UNSET;
	pol_r->np_set = rec->np != DMARC_REQUEST_UNSET;
	pol_r->sp = pol_r->sp_set ? rec->sp : pol_r->p;
	pol_r->np = pol_r->np_set ? rec->np : pol_r->sp;
	return intact ? DMARC_USABLE_OK : DMARC_USABLE_RECOVERED;
}

/* dmarc_record_request_name - see dmarc_record.h */
const char *
dmarc_record_request_name(enum dmarc_request p)
{
	switch (p) {
	case DMARC_REQUEST_NONE:
		return "none";
	case DMARC_REQUEST_QUARANTINE:
		return "quarantine";
	case DMARC_REQUEST_REJECT:
		return "reject";
	default:
		return "";
	}
}

/* dmarc_record_fo - see dmarc_record.h */
void
dmarc_record_fo(unsigned fo, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *text;
	} opts[] = {
		{ DMARC_FO_0, "0" }, { DMARC_FO_1, "1" },
		{ DMARC_FO_D, "d" }, { DMARC_FO_S, "s" },
	};
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (fo == 0)
		fo = DMARC_FO_0;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if ((fo & opts[i].bit) == 0)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		    used > 0 ? ":" : "", opts[i].text);
		if (used >= size)
			break;
	}
}

/* dmarc_record_tag_name - see dmarc_record.h */
const char *
dmarc_record_tag_name(unsigned bit)
{
	for (size_t i = 0; i < DMARC_RECORD_NTAGS; i++)
		if (dmarc_record_tags[i].bit == bit)
			return dmarc_record_tags[i].name;
	return "?";
}
