/*
 * fuzz-authres-parse.c - the Authentication-Results reader on arbitrary
 * bytes: a failure has a reason, a success stays within its limits with
 * every string NUL-terminated inside the struct's text, keywords lower
 * case, and what our own writer makes of the result parses back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "authres_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct authres_parsed parsed, reparsed;
static char written[64 * 1024];

/* fuzz_text - s points into p's text and ends there; abort otherwise */
static void
fuzz_text(const struct authres_parsed *p, const char *s)
{
	if (s == NULL || s < p->text || s >= p->text + p->text_len ||
	    memchr(s, '\0', (size_t)(p->text + p->text_len - s)) == NULL)
		abort();
}

/* fuzz_keyword - a non-empty lower-case keyword inside p's text */
static void
fuzz_keyword(const struct authres_parsed *p, const char *s, bool empty_ok)
{
	fuzz_text(p, s);
	if (*s == '\0' && !empty_ok)
		abort();
	for (; *s; s++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-_", *s) == NULL)
			abort();
}

/* fuzz_check - the invariants of a successful parse */
static void
fuzz_check(const struct authres_parsed *p)
{
	if (p->nresults > AUTHRES_PARSE_MAX_RESULTS ||
	    p->text_len > AUTHRES_PARSE_TEXT_MAX || (p->none && p->nresults))
		abort();
	if (!p->none && p->nresults == 0)
		abort();
	fuzz_text(p, p->authserv_id);
	if (p->version != NULL)
		fuzz_text(p, p->version);
	for (unsigned i = 0; i < p->nresults; i++) {
		const struct authres_result *r = &p->result[i];

		fuzz_keyword(p, r->method, false);
		fuzz_keyword(p, r->result, false);
		if (r->version != NULL)
			fuzz_text(p, r->version);
		if (r->reason != NULL)
			fuzz_text(p, r->reason);
		if (r->nprops > AUTHRES_PARSE_MAX_PROPS)
			abort();
		for (unsigned j = 0; j < r->nprops; j++) {
			fuzz_keyword(p, r->props[j].ptype, true);
			fuzz_keyword(p, r->props[j].property, false);
			fuzz_text(p, r->props[j].value);
			if (authres_parse_prop(r, r->props[j].ptype,
			    r->props[j].property) == NULL)
				abort();
		}
		/* find walks to this result, and from it past it */
		const struct authres_result *f = NULL;
		while ((f = authres_parse_find(p, r->method, f)) != NULL &&
		    f < r)
			;
		if (f != r)
			abort();
	}
}

/* fuzz_same - the writer maps bytes it can't write to '?'; compare so */
static bool
fuzz_same(const char *orig, const char *back)
{
	for (; *orig; orig++, back++) {
		unsigned char ch = (unsigned char)*orig;

		if (*back != (ch >= 0x20 && ch < 0x7f ? (char)ch : '?'))
			return false;
	}
	return *back == '\0';
}

/* fuzz_roundtrip - write p with the writer and read it back */
static void
fuzz_roundtrip(const struct authres_parsed *p)
{
	struct authres ar;
	const char *v, *err;
	char name[2 * AUTHRES_PARSE_TEXT_MAX];

	authres_init(&ar, written, sizeof(written), p->authserv_id);
	for (unsigned i = 0; i < p->nresults; i++) {
		const struct authres_result *r = &p->result[i];

		authres_method(&ar, r->method, r->result);
		authres_comment(&ar, "(\\)");
		if (r->reason != NULL)
			authres_prop(&ar, "reason", r->reason);
		for (unsigned j = 0; j < r->nprops; j++) {
			const struct authres_prop *pr = &r->props[j];

			if (*pr->ptype)
				snprintf(name, sizeof(name), "%s.%s",
				    pr->ptype, pr->property);
			else
				snprintf(name, sizeof(name), "%s", pr->property);
			authres_prop(&ar, name, pr->value);
		}
	}
	if ((v = authres_finish(&ar)) == NULL)
		return;
	if (authres_parse(v, strlen(v), &reparsed, &err) < 0)
		abort();
	if (reparsed.nresults != p->nresults || reparsed.none != p->none ||
	    !fuzz_same(p->authserv_id, reparsed.authserv_id))
		abort();
	for (unsigned i = 0; i < p->nresults; i++) {
		const struct authres_result *a = &p->result[i];
		const struct authres_result *b = &reparsed.result[i];

		if (strcmp(a->method, b->method) != 0 ||
		    strcmp(a->result, b->result) != 0 ||
		    (a->reason == NULL) != (b->reason == NULL) ||
		    (a->reason && !fuzz_same(a->reason, b->reason)) ||
		    a->nprops != b->nprops)
			abort();
		for (unsigned j = 0; j < a->nprops; j++)
			if (strcmp(a->props[j].ptype, b->props[j].ptype) != 0 ||
			    strcmp(a->props[j].property,
			    b->props[j].property) != 0 ||
			    !fuzz_same(a->props[j].value, b->props[j].value))
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *err = NULL;

	if (authres_parse((const char *)data, size, &parsed, &err) < 0) {
		if (err == NULL || parsed.error_at > size || parsed.nresults ||
		    parsed.authserv_id != NULL)
			abort();
		return 0;
	}
	fuzz_check(&parsed);
	fuzz_roundtrip(&parsed);
	return 0;
}
