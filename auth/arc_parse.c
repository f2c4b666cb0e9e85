/*
 * arc_parse.c - finding the ARC sets in a message's header: each ARC
 * field's instance, each AMS and AS read as a tag list (RFC 8617 4.1),
 * each AAR's payload; and which body hashes the AMSs need, decided
 * before the body arrives. Whatever is malformed is recorded as the
 * reason the chain fails; nothing is guessed.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc_int.h"
#include "dkim_tags.h"

/* arc_parse_kind - which ARC field name is this (any case, WSP around) */
enum arc_kind
arc_parse_kind(const char *name)
{
	static const struct {
		const char *name;
		enum arc_kind kind;
	} kinds[] = {
		{ ARC_SEAL_NAME, ARC_KIND_AS },
		{ ARC_AMS_NAME, ARC_KIND_AMS },
		{ ARC_AAR_NAME, ARC_KIND_AAR },
	};
	size_t len;

	while (*name == ' ' || *name == '\t')
		name++;
	len = strlen(name);
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].name) == len &&
		    strncasecmp(kinds[i].name, name, len) == 0)
			return kinds[i].kind;
	return ARC_KIND_NONE;
}

/* arc_parse_number - 1 to 3 digits, no leading zero: the value, or -1 */
static int
arc_parse_number(const char *v, size_t len)
{
	int n = 0;

	if (len == 0 || len > 3 || v[0] == '0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

/* arc_parse_skip_fws - past SP, HTAB and CRLF folds */
static size_t
arc_parse_skip_fws(const char *v, size_t len, size_t p)
{
	while (p < len && (v[p] == ' ' || v[p] == '\t' || v[p] == '\r' ||
			   v[p] == '\n'))
		p++;
	return p;
}

/* arc_parse_aar - an AAR's "i=N;" prefix: the instance (or -1), and
 * where the A-R payload starts */
static int
arc_parse_aar(const char *v, size_t len, size_t *payload_r)
{
	size_t p = arc_parse_skip_fws(v, len, 0), start;
	int n;

	if (p == len || (v[p] != 'i' && v[p] != 'I'))
		return -1;
	p = arc_parse_skip_fws(v, len, p + 1);
	if (p == len || v[p] != '=')
		return -1;
	start = p = arc_parse_skip_fws(v, len, p + 1);
	while (p < len && v[p] >= '0' && v[p] <= '9')
		p++;
	if ((n = arc_parse_number(v + start, p - start)) < 0)
		return -1;
	p = arc_parse_skip_fws(v, len, p);
	if (p == len || v[p] != ';')
		return -1;
	*payload_r = p + 1;
	return n;
}

/* arc_parse_unfold - the AAR payload without line breaks or white space
 * at its ends; malloc'd */
static char *
arc_parse_unfold(const char *v, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (v[i] != '\r' && v[i] != '\n' &&
		    (o > 0 || (v[i] != ' ' && v[i] != '\t')))
			out[o++] = v[i];
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o] = '\0';
	return out;
}

/* arc_parse_need - a required tag into value/len; NULL if absent */
static const struct dkim_tag *
arc_parse_need(const struct dkim_tags *tags, const char *name,
	       const char **v, size_t *len)
{
	const struct dkim_tag *t = dkim_tags_get(tags, name);

	if (t != NULL) {
		*v = t->value;
		*len = t->valuelen;
	}
	return t;
}

/* arc_parse_alg - a= */
static enum arc_alg
arc_parse_alg(const struct dkim_tag *a)
{
	if (dkim_tags_equal(a, "rsa-sha256"))
		return ARC_ALG_RSA_SHA256;
	if (dkim_tags_equal(a, "ed25519-sha256"))
		return ARC_ALG_ED25519_SHA256;
	return ARC_ALG_NONE;
}

/* arc_parse_ams_tags - the tags only an AMS has: c=, l=, h=, bh= */
static const char *
arc_parse_ams_tags(const struct dkim_tags *tags, struct arc_sig *sig)
{
	const struct dkim_tag *c = dkim_tags_get(tags, "c");
	const struct dkim_tag *l = dkim_tags_get(tags, "l");

	if (!arc_parse_need(tags, "h", &sig->h, &sig->hlen) || sig->hlen == 0)
		return "an ARC-Message-Signature has no h=";
	if (!arc_parse_need(tags, "bh", &sig->bh, &sig->bhlen))
		return "an ARC-Message-Signature has no bh=";
	if (c != NULL && dkim_canon_parse(c->value, c->valuelen, &sig->hcanon,
					  &sig->bcanon) < 0)
		return "an ARC-Message-Signature has an unknown c=";
	if (l != NULL) {
		if (l->valuelen == 0 || l->valuelen > 18)
			return "an ARC-Message-Signature has a bad l=";
		sig->limit = 0;
		for (size_t i = 0; i < l->valuelen; i++) {
			if (l->value[i] < '0' || l->value[i] > '9')
				return "an ARC-Message-Signature has a bad l=";
			sig->limit = sig->limit * 10 + (l->value[i] - '0');
		}
	}
	return NULL;
}

/* arc_parse_as_tags - the tags only an AS has: cv=, and no h= */
static const char *
arc_parse_as_tags(const struct dkim_tags *tags, struct arc_sig *sig)
{
	const struct dkim_tag *cv = dkim_tags_get(tags, "cv");

	sig->hcanon = sig->bcanon = DKIM_CANON_RELAXED;
	if (dkim_tags_get(tags, "h") != NULL)
		return "an ARC-Seal has an h= tag";
	if (cv == NULL)
		return "an ARC-Seal has no cv=";
	if (dkim_tags_equal(cv, "none"))
		sig->cv = ARC_CV_NONE;
	else if (dkim_tags_equal(cv, "pass"))
		sig->cv = ARC_CV_PASS;
	else if (dkim_tags_equal(cv, "fail"))
		sig->cv = ARC_CV_FAIL;
	else
		return "an ARC-Seal has an unknown cv=";
	return NULL;
}

/* arc_parse_sig_tags - the tags of an AMS or AS into sig; the error */
static const char *
arc_parse_sig_tags(const struct dkim_tags *tags, enum arc_kind kind,
		   struct arc_sig *sig)
{
	const struct dkim_tag *a = dkim_tags_get(tags, "a"), *b;

	if (a == NULL || (sig->alg = arc_parse_alg(a)) == ARC_ALG_NONE)
		return "a= is missing or not rsa-sha256 or ed25519-sha256";
	if (!arc_parse_need(tags, "d", &sig->d, &sig->dlen) ||
	    !arc_parse_need(tags, "s", &sig->s, &sig->slen) ||
	    sig->dlen == 0 || sig->slen == 0)
		return "d= or s= is missing";
	if (sig->dlen > 253 || sig->slen > 253)
		return "d= or s= is too long";
	if ((b = arc_parse_need(tags, "b", &sig->b, &sig->blen)) == NULL ||
	    sig->blen == 0)
		return "b= is missing";
	sig->braw_start = b->raw_start;
	sig->braw_end = b->raw_end;
	return kind == ARC_KIND_AMS ? arc_parse_ams_tags(tags, sig) :
	    arc_parse_as_tags(tags, sig);
}

/* arc_parse_sig - an AMS or AS value: its instance (-1: no i= to read,
 * -2: not a tag list) and, in sig, its tags or why they are unusable */
static int
arc_parse_sig(const char *value, size_t len, enum arc_kind kind,
	      struct arc_sig *sig)
{
	struct dkim_tags tags;
	const struct dkim_tag *i;
	const char *err;
	int n;

	memset(sig, 0, sizeof(*sig));
	sig->limit = -1;
	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	if (dkim_tags_parse(value, len, &tags, &err) < 0)
		return -2;
	if ((i = dkim_tags_get(&tags, "i")) == NULL ||
	    (n = arc_parse_number(i->value, i->valuelen)) < 0)
		return -1;
	sig->error = arc_parse_sig_tags(&tags, kind, sig);
	return n;
}

/* arc_parse_sets_grow - room for instances 1..n (n <= ARC_MAX_INSTANCE),
 * new ones empty; -1 when out of memory */
static int
arc_parse_sets_grow(struct arc_msg *m, unsigned n)
{
	struct arc_set *set;

	if (n <= m->setcap)
		return 0;
	if ((set = realloc(m->set, n * sizeof(*set))) == NULL)
		return -1;
	memset(&set[m->setcap], 0, (n - m->setcap) * sizeof(*set));
	for (unsigned i = m->setcap; i < n; i++)
		set[i].aar = set[i].ams = set[i].as = set[i].bh = -1;
	m->set = set;
	m->setcap = n;
	return 0;
}

/* arc_parse_field - place one ARC field in its set */
static void
arc_parse_field(struct arc_msg *m, size_t idx, enum arc_kind kind)
{
	const struct arc_field *f = &m->field[idx];
	struct arc_sig sig = { .error = NULL };
	struct arc_set *set;
	size_t payload = 0;
	int n, *slot;

	n = kind == ARC_KIND_AAR ? arc_parse_aar(f->value, f->len, &payload) :
	    arc_parse_sig(f->value, f->len, kind, &sig);
	if (n <= 0) {
		m->fail = m->fail ? m->fail : n == -2 ?
		    "an ARC-Seal or ARC-Message-Signature is not a tag list" :
		    "an ARC header field has no readable i= tag";
		return;
	}
	if (n > ARC_MAX_INSTANCE) {
		m->too_many = true;
		m->fail = m->fail ? m->fail : "more than 50 ARC sets";
		return;
	}
	if (arc_parse_sets_grow(m, (unsigned)n) < 0) {
		m->fail = m->fail ? m->fail : "out of memory";
		return;
	}
	set = &m->set[n - 1];
	slot = kind == ARC_KIND_AAR ? &set->aar :
	    kind == ARC_KIND_AMS ? &set->ams : &set->as;
	if (*slot >= 0) {
		m->fail = m->fail ? m->fail :
		    "two ARC header fields of one kind share an instance";
		return;
	}
	*slot = (int)idx;
	if (kind == ARC_KIND_AMS)
		set->ams_sig = sig;
	else if (kind == ARC_KIND_AS)
		set->as_sig = sig;
	else if ((set->aar_text = arc_parse_unfold(f->value + payload,
						   f->len - payload)) == NULL)
		m->fail = m->fail ? m->fail : "out of memory";
	if ((unsigned)n > m->nsets)
		m->nsets = (unsigned)n;
}

/* arc_parse_sets - find every ARC set (RFC 8617 5.2 steps 1 and 3) */
void
arc_parse_sets(struct arc_msg *m)
{
	for (size_t i = 0; i < m->nfields; i++) {
		enum arc_kind kind = arc_parse_kind(m->field[i].name);

		if (kind != ARC_KIND_NONE)
			arc_parse_field(m, i, kind);
	}
	for (unsigned i = 0; i < m->nsets; i++) {
		const struct arc_set *set = &m->set[i];

		if (set->aar < 0 || set->ams < 0 || set->as < 0) {
			m->fail = m->fail ? m->fail :
			    "an ARC set is missing or incomplete";
			break;
		}
	}
}

/* arc_parse_slot - the body hash slot for (canon, limit), added if there
 * is room; -1 when there is none */
static int
arc_parse_slot(struct arc_msg *m, enum dkim_canon canon, int64_t limit,
	       unsigned max)
{
	struct arc_bodyhash *bh;

	for (unsigned i = 0; i < m->nbh; i++)
		if (m->bh[i].body.canon == canon && m->bh[i].body.limit == limit)
			return (int)i;
	if (m->nbh >= max)
		return -1;
	/* before the body: nothing points into the array yet */
	if ((bh = realloc(m->bh, (m->nbh + 1) * sizeof(*bh))) == NULL) {
		m->fail = m->fail ? m->fail : "out of memory";
		return -1;
	}
	m->bh = bh;
	memset(&bh[m->nbh], 0, sizeof(*bh));
	if (dkim_canon_body_init(&m->bh[m->nbh].body, canon, limit) < 0) {
		dkim_canon_body_free(&m->bh[m->nbh].body);
		m->fail = m->fail ? m->fail : "out of memory";
		return -1;
	}
	return (int)m->nbh++;
}

/* arc_parse_plan - which body hashes to compute: the newest AMS's first,
 * then older ones for oldest-pass (distinct ones bounded), and ours */
void
arc_parse_plan(struct arc_msg *m)
{
	if (m->fail == NULL) {
		for (unsigned i = m->nsets; i > 0; i--) {
			struct arc_set *set = &m->set[i - 1];

			if (set->ams_sig.error == NULL)
				set->bh = arc_parse_slot(m, set->ams_sig.bcanon,
							 set->ams_sig.limit,
							 ARC_BODYHASH_MAX);
		}
	}
	if (m->seal)
		m->seal_bh = arc_parse_slot(m, DKIM_CANON_RELAXED, -1,
					    ARC_BODYHASH_MAX + 1);
}
