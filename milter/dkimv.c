/*
 * dkimv.c - libopendkim behind a small interface. Once libopendkim says a
 * message is beyond saving (no signature, bad syntax) we stop feeding it;
 * the outcome is still read from its signature list at the end.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "dns_dkim.h"
#include "dkimv.h"
#include "xalloc.h"

struct dkimv_lib {
	DKIM_LIB *lib;
};

struct dkimv {
	DKIM *dkim;
	DKIM_STAT stat;		/* the first non-OK status while feeding */
	bool done;		/* stop feeding: nothing more to learn */
};

/* dkimv_lib_new - see dkimv.h */
struct dkimv_lib *
dkimv_lib_new(char *err, size_t errlen)
{
	struct dkimv_lib *l = xcalloc(1, sizeof(*l));
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;

	l->lib = dkim_init(NULL, NULL);
	if (l->lib == NULL) {
		snprintf(err, errlen, "libopendkim: dkim_init failed");
		free(l);
		return NULL;
	}
	dns_dkim_install(l->lib);
	if (dkim_options(l->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
			 sizeof(flags)) != DKIM_STAT_OK) {
		snprintf(err, errlen, "libopendkim: cannot set flags");
		dkim_close(l->lib);
		free(l);
		return NULL;
	}
	return l;
}

/* dkimv_lib_free - see dkimv.h */
void
dkimv_lib_free(struct dkimv_lib *l)
{
	if (l == NULL)
		return;
	dkim_close(l->lib);
	free(l);
}

/* dkimv_new - see dkimv.h */
struct dkimv *
dkimv_new(struct dkimv_lib *l, const char *id)
{
	struct dkimv *v = xcalloc(1, sizeof(*v));
	DKIM_STAT st = DKIM_STAT_OK;

	v->dkim = dkim_verify(l->lib, (const unsigned char *)id, NULL, &st);
	if (v->dkim == NULL) {
		free(v);
		return NULL;
	}
	v->stat = DKIM_STAT_OK;
	return v;
}

/*
 * dkimv_note - remember the first failure; after one at the end of the
 * headers or in the body there is nothing more to feed. A header field
 * libopendkim dislikes (8-bit junk) only costs that field.
 */
static void
dkimv_note(struct dkimv *v, DKIM_STAT st, bool final)
{
	if (st == DKIM_STAT_OK)
		return;
	if (v->stat == DKIM_STAT_OK)
		v->stat = st;
	if (final)
		v->done = true;
}

/*
 * dkimv_field - "Name:value" with every line break as CRLF: Postfix hands
 * milters folded values with bare LF, and libopendkim's tag parser then
 * misreads the b= value of a folded signature.
 */
static char *
dkimv_field(const char *name, const char *value, size_t *len_r)
{
	size_t nlen = strlen(name), vlen = strlen(value), n = 0;
	char *field = xmalloc(nlen + 1 + 2 * vlen + 1);

	memcpy(field, name, nlen);
	n = nlen;
	field[n++] = ':';
	for (size_t i = 0; i < vlen; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			field[n++] = '\r';
		field[n++] = value[i];
	}
	field[n] = '\0';
	*len_r = n;
	return field;
}

/* dkimv_header - see dkimv.h */
void
dkimv_header(struct dkimv *v, const char *name, const char *value)
{
	char *field;
	size_t len;

	if (v == NULL || v->done)
		return;
	field = dkimv_field(name, value, &len);
	dkimv_note(v, dkim_header(v->dkim, (unsigned char *)field, len), false);
	free(field);
}

/* dkimv_eoh - see dkimv.h */
void
dkimv_eoh(struct dkimv *v)
{
	if (v == NULL || v->done)
		return;
	dkimv_note(v, dkim_eoh(v->dkim), true);
}

/* dkimv_body - see dkimv.h */
void
dkimv_body(struct dkimv *v, const unsigned char *buf, size_t len)
{
	if (v == NULL || v->done)
		return;
	dkimv_note(v, dkim_body(v->dkim, (unsigned char *)buf, len), true);
}

/* dkimv_sig_result - the RFC 8601 result of one processed signature */
static const char *
dkimv_sig_result(DKIM_SIGINFO *sig, bool *temp_r)
{
	unsigned int flags = dkim_sig_getflags(sig);
	int error = dkim_sig_geterror(sig);

	if ((flags & DKIM_SIGFLAG_PASSED) != 0 &&
	    dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH)
		return "pass";
	switch (error) {
	case DKIM_SIGERROR_KEYFAIL:
		*temp_r = true;
		return "temperror";
	case DKIM_SIGERROR_BADSIG:
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_EXPIRED:
	case DKIM_SIGERROR_FUTURE:
	case DKIM_SIGERROR_KEYREVOKED:
		return "fail";
	default:
		return "permerror";
	}
}

/* dkimv_comment - a few words on why a signature failed */
static void
dkimv_comment(DKIM_SIGINFO *sig, const char *result,
	      struct results_dkim_sig *out)
{
	int error = dkim_sig_geterror(sig);
	const char *text;

	out->comment[0] = '\0';
	if (strcmp(result, "pass") == 0) {
		if (dkim_sig_getflags(sig) & DKIM_SIGFLAG_TESTKEY)
			snprintf(out->comment, sizeof(out->comment),
				 "test key");
		return;
	}
	if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) {
		snprintf(out->comment, sizeof(out->comment),
			 "body hash did not verify");
		return;
	}
	text = dkim_sig_geterrorstr(error);
	snprintf(out->comment, sizeof(out->comment), "%s",
		 text ? text : "verification failed");
}

/* dkimv_copy - a signature's d= or s= into out, "" when missing */
static void
dkimv_copy(char *out, size_t size, const unsigned char *value)
{
	snprintf(out, size, "%s", value ? (const char *)value : "");
}

/* dkimv_finish - see dkimv.h */
int
dkimv_finish(struct dkimv *v, struct results_dkim *r)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;
	_Bool testkey = 0;

	memset(r, 0, sizeof(*r));
	if (v == NULL) {
		snprintf(r->comment, sizeof(r->comment), "internal error");
		return 0;
	}
	if (!v->done)
		dkimv_note(v, dkim_eom(v->dkim, &testkey), true);
	if (dkim_getsiglist(v->dkim, &sigs, &nsigs) != DKIM_STAT_OK ||
	    nsigs <= 0) {
		snprintf(r->comment, sizeof(r->comment), "%s",
			 v->stat == DKIM_STAT_NOSIG || v->stat == DKIM_STAT_OK ?
			 "message not signed" : dkim_getresultstr(v->stat));
		return 0;
	}
	if ((r->sig = calloc(nsigs < RESULTS_MAX_SIGS ? (size_t)nsigs :
			     RESULTS_MAX_SIGS, sizeof(*r->sig))) == NULL)
		return -1;
	for (int i = 0; i < nsigs && r->nsigs < RESULTS_MAX_SIGS; i++) {
		struct results_dkim_sig *out = &r->sig[r->nsigs];
		unsigned int flags = dkim_sig_getflags(sigs[i]);

		if ((flags & DKIM_SIGFLAG_IGNORE) != 0)
			continue;
		if ((flags & DKIM_SIGFLAG_PROCESSED) == 0 &&
		    dkim_sig_geterror(sigs[i]) == DKIM_SIGERROR_OK)
			dkim_sig_process(v->dkim, sigs[i]);
		out->result = dkimv_sig_result(sigs[i], &r->temperror);
		dkimv_comment(sigs[i], out->result, out);
		dkimv_copy(out->domain, sizeof(out->domain),
			   dkim_sig_getdomain(sigs[i]));
		dkimv_copy(out->selector, sizeof(out->selector),
			   dkim_sig_getselector(sigs[i]));
		r->nsigs++;
	}
	return 0;
}

/* dkimv_free - see dkimv.h */
void
dkimv_free(struct dkimv *v)
{
	if (v == NULL)
		return;
	dkim_free(v->dkim);
	free(v);
}
