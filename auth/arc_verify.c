/*
 * arc_verify.c - RFC 8617 5.2 chain validation once the body is in: the
 * structure first (no lookups for a chain that cannot pass), then the
 * newest AMS, every AS from N down to 1, and last, for a passing chain,
 * the older AMSs for oldest-pass. The first failure stops the walk, so a
 * hostile chain costs at most one key lookup past its first bad set; a
 * key lookup that fails temporarily fails the chain with temperror.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc_int.h"
#include "dkim_tags.h"

/* What a lookup would have found when the budget is spent. */
static const struct arc_keyslot arc_verify_late = {
	.status = DKIM_KEY_TEMPFAIL,
	.reason = "the key lookups took too long",
};

/* arc_verify_elapsed_ms - time since arc_msg_verify began */
static long long
arc_verify_elapsed_ms(const struct arc_msg *m)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - m->verify_start.tv_sec) * 1000 +
	    (now.tv_nsec - m->verify_start.tv_nsec) / 1000000;
}

/* arc_verify_key - see arc_int.h: the key of s/d, looked up once per
 * message; after ARC_LOOKUP_BUDGET_MS no new lookup starts (each is
 * bounded by the DNS layer, a chain of slow ones is bounded here); NULL
 * without memory */
const struct arc_keyslot *
arc_verify_key(struct arc_msg *m, const char *d, size_t dlen, const char *s,
	       size_t slen)
{
	struct arc_keyslot *slot;

	for (unsigned i = 0; i < m->nkeys; i++) {
		slot = &m->keys[i];
		if (strlen(slot->domain) == dlen &&
		    strncasecmp(slot->domain, d, dlen) == 0 &&
		    strlen(slot->selector) == slen &&
		    strncasecmp(slot->selector, s, slen) == 0)
			return slot;
	}
	if (m->keys == NULL &&
	    (m->keys = calloc(ARC_KEYS_MAX, sizeof(*m->keys))) == NULL)
		return NULL;
	if (m->nkeys == ARC_KEYS_MAX)
		return NULL;	/* two per set at most: cannot happen */
	if (arc_verify_elapsed_ms(m) > m->lookup_budget_ms)
		return &arc_verify_late;
	slot = &m->keys[m->nkeys];
	slot->domain = strndup(d, dlen);
	slot->selector = strndup(s, slen);
	if (slot->domain == NULL || slot->selector == NULL) {
		free(slot->domain);
		free(slot->selector);
		slot->domain = slot->selector = NULL;
		return NULL;
	}
	m->nkeys++;
	slot->status = dkim_key_fetch(slot->selector, slot->domain, &slot->key,
				      &slot->reason);
	return slot;
}

/* arc_verify_signature - does sig's b= sign digest with its key? 0, or
 * -1 with *reason_r (and *temp_r when the key lookup failed for now) */
static int
arc_verify_signature(struct arc_msg *m, const struct arc_sig *sig,
		     const unsigned char digest[32], const char *bad,
		     const char **reason_r, bool *temp_r)
{
	unsigned char b[DKIM_SIG_MAX];
	const struct arc_keyslot *slot;
	ssize_t n;

	if ((n = dkim_tags_base64(sig->b, sig->blen, b, sizeof(b))) <= 0) {
		*reason_r = "b= is not base64, or too long";
		return -1;
	}
	if ((slot = arc_verify_key(m, sig->d, sig->dlen, sig->s,
				   sig->slen)) == NULL) {
		*reason_r = "out of memory";
		return -1;
	}
	if (slot->status != DKIM_KEY_OK) {
		*reason_r = slot->reason;
		*temp_r = slot->status == DKIM_KEY_TEMPFAIL;
		return -1;
	}
	if ((sig->alg == ARC_ALG_RSA_SHA256) != (slot->key.type == DKIM_KEY_RSA)) {
		*reason_r = "the key's type does not match a=";
		return -1;
	}
	if (!dkim_key_verify(&slot->key, digest, b, (size_t)n)) {
		*reason_r = bad;
		return -1;
	}
	return 0;
}

/* arc_verify_ams - does the AMS of instance i verify? */
static bool
arc_verify_ams(struct arc_msg *m, unsigned i, const char **reason_r,
	       bool *temp_r)
{
	const struct arc_set *set = &m->set[i - 1];
	const struct arc_sig *sig = &set->ams_sig;
	const struct arc_field *f = &m->field[set->ams];
	const struct arc_hash_item self = { f->name, f->value, f->len };
	const struct arc_bodyhash *bh;
	unsigned char want[DKIM_SHA256_LEN + 1], digest[32];

	if (sig->error != NULL) {
		*reason_r = sig->error;
		return false;
	}
	if (set->bh < 0) {
		*reason_r = "not checked: too many distinct body hashes";
		return false;
	}
	bh = &m->bh[set->bh];
	if (!bh->ok) {
		*reason_r = "the body hash could not be computed";
		return false;
	}
	if (sig->limit >= 0 && (uint64_t)sig->limit > bh->body.length) {
		*reason_r = "the ARC-Message-Signature's l= exceeds the body";
		return false;
	}
	if (dkim_tags_base64(sig->bh, sig->bhlen, want, sizeof(want)) !=
	    DKIM_SHA256_LEN) {
		*reason_r = "bh= is not a SHA-256 digest";
		return false;
	}
	if (memcmp(want, bh->digest, DKIM_SHA256_LEN) != 0) {
		*reason_r = "the body hash does not match the "
			    "ARC-Message-Signature (bh=)";
		return false;
	}
	if (arc_hash_ams(m, sig->hcanon, sig->h, sig->hlen, &self,
			 sig->braw_start, sig->braw_end, digest, reason_r) < 0)
		return false;
	return arc_verify_signature(m, sig, digest, "the ARC-Message-Signature "
				    "does not verify", reason_r, temp_r) == 0;
}

/* arc_verify_as - does the AS of instance i verify? */
static bool
arc_verify_as(struct arc_msg *m, unsigned i, const char **reason_r,
	      bool *temp_r)
{
	struct arc_hash_item items[3 * ARC_MAX_INSTANCE];
	const struct arc_sig *sig = &m->set[i - 1].as_sig;
	unsigned char digest[32];
	size_t n;

	if (sig->error != NULL) {
		*reason_r = sig->error;
		return false;
	}
	n = arc_hash_set_items(m, i, items);
	if (arc_hash_seal(items, n, sig->braw_start, sig->braw_end, digest) < 0) {
		*reason_r = "the header hash failed";
		return false;
	}
	return arc_verify_signature(m, sig, digest, "the ARC-Seal does not "
				    "verify", reason_r, temp_r) == 0;
}

/* arc_verify_copy - a tag value slice into a result's string */
static void
arc_verify_copy(char *dst, size_t size, const char *v, size_t len)
{
	if (v == NULL)
		len = 0;
	if (len >= size)
		len = size - 1;
	memcpy(dst, v ? v : "", len);
	dst[len] = '\0';
}

/* arc_verify_first_received - the index of the topmost Received field,
 * or -1 when the header has none */
static int
arc_verify_first_received(const struct arc_msg *m)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (strcasecmp(m->field[i].name, "Received") == 0)
			return (int)i;
	return -1;
}

/* arc_verify_describe - each set as found, for the result */
static void
arc_verify_describe(struct arc_msg *m)
{
	int received = arc_verify_first_received(m);

	for (unsigned i = 0; i < m->nsets; i++) {
		const struct arc_set *set = &m->set[i];
		struct arc_set_result *r = &m->setres[i];

		r->instance = i + 1;
		r->above_received = received >= 0 && set->aar >= 0 &&
		    set->ams >= 0 && set->as >= 0 && set->aar < received &&
		    set->ams < received && set->as < received;
		r->aar = set->aar_text != NULL ? set->aar_text : "";
		r->cv = ARC_CV_FAIL;
		if (set->as >= 0) {
			if (set->as_sig.error == NULL)
				r->cv = set->as_sig.cv;
			arc_verify_copy(r->domain, sizeof(r->domain),
					set->as_sig.d, set->as_sig.dlen);
			arc_verify_copy(r->selector, sizeof(r->selector),
					set->as_sig.s, set->as_sig.slen);
		}
		if (set->ams >= 0) {
			arc_verify_copy(r->ams_domain, sizeof(r->ams_domain),
					set->ams_sig.d, set->ams_sig.dlen);
			arc_verify_copy(r->ams_selector, sizeof(r->ams_selector),
					set->ams_sig.s, set->ams_sig.slen);
		}
		if (set->aar < 0 || set->ams < 0 || set->as < 0)
			r->reason = "this ARC set is missing or incomplete";
		else if (set->ams_sig.error != NULL)
			r->reason = set->ams_sig.error;
		else if (set->as_sig.error != NULL)
			r->reason = set->as_sig.error;
	}
}

/* arc_verify_structure - RFC 8617 5.2 steps 1-3; NULL when sound, else
 * why the chain fails */
static const char *
arc_verify_structure(const struct arc_msg *m)
{
	const struct arc_set *top = &m->set[m->nsets - 1];

	if (m->too_many)
		return "more than 50 ARC sets";
	if (top->as >= 0 && top->as_sig.error == NULL &&
	    top->as_sig.cv == ARC_CV_FAIL)
		return "the newest ARC-Seal says cv=fail";
	if (m->fail != NULL)
		return m->fail;
	for (unsigned i = 0; i < m->nsets; i++) {
		const struct arc_set *set = &m->set[i];

		if (set->ams_sig.error != NULL || set->as_sig.error != NULL)
			return "an ARC set is malformed";
		if (set->as_sig.cv != (i == 0 ? ARC_CV_NONE : ARC_CV_PASS))
			return "an ARC-Seal's cv= breaks the chain (i=1 must "
			       "say none, later ones pass)";
	}
	return NULL;
}

/* arc_verify_fail - the chain fails: why, and whether only for now */
static const struct arc_result *
arc_verify_fail(struct arc_msg *m, const char *reason, bool temp)
{
	m->result.cv = ARC_CV_FAIL;
	m->result.reason = reason;
	m->result.temperror = temp;
	m->result.oldest_pass = 0;
	return &m->result;
}

/* arc_verify_bodies - finish every body hash */
static void
arc_verify_bodies(struct arc_msg *m)
{
	for (unsigned i = 0; i < m->nbh; i++) {
		if (m->bh[i].done)
			continue;
		m->bh[i].ok = dkim_canon_body_final(&m->bh[i].body,
						    m->bh[i].digest) == 0;
		m->bh[i].done = true;
	}
}

/* arc_msg_verify - see arc.h */
const struct arc_result *
arc_msg_verify(struct arc_msg *m)
{
	const char *reason = NULL;
	bool temp = false;
	unsigned n;

	if (m->verified)
		return &m->result;
	arc_msg_eoh(m);
	m->verified = true;
	clock_gettime(CLOCK_MONOTONIC, &m->verify_start);
	arc_verify_bodies(m);
	n = m->nsets;
	m->result.cv = ARC_CV_NONE;
	if (n > 0) {
		if ((m->setres = calloc(n, sizeof(*m->setres))) == NULL)
			return arc_verify_fail(m, "out of memory", false);
		arc_verify_describe(m);
		m->result.nsets = n;
		m->result.set = m->setres;
	}
	if (n == 0)
		return m->fail != NULL ? arc_verify_fail(m, m->fail, false) :
		    &m->result;
	if ((reason = arc_verify_structure(m)) != NULL)
		return arc_verify_fail(m, reason, false);
	/* step 4: the newest AMS */
	if (!arc_verify_ams(m, n, &reason, &temp)) {
		m->setres[n - 1].reason = reason;
		return arc_verify_fail(m, reason, temp);
	}
	m->setres[n - 1].ams_pass = true;
	/* step 6 (before the optional step 5: a failing chain needs none
	 * of its lookups): every AS, newest first */
	for (unsigned i = n; i > 0; i--) {
		if (!arc_verify_as(m, i, &reason, &temp)) {
			m->setres[i - 1].reason = reason;
			return arc_verify_fail(m, reason, temp);
		}
		m->setres[i - 1].as_pass = true;
	}
	/* step 5: oldest-pass, the oldest instance from which every AMS
	 * still verifies; 0 when all of them do */
	for (unsigned i = n - 1; i > 0; i--) {
		bool t = false;

		if (!arc_verify_ams(m, i, &reason, &t)) {
			m->setres[i - 1].reason = reason;
			m->result.oldest_pass = i + 1;
			break;
		}
		m->setres[i - 1].ams_pass = true;
	}
	m->result.cv = ARC_CV_PASS;
	return &m->result;
}
