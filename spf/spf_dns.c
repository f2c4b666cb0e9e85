/*
 * spf_dns.c - the libspf2 DNS layer trustmx puts above SPF_dns_cache and
 * SPF_dns_resolv: it selects and screens SPF records itself (RFC 7208 4.5,
 * section 12), counts void lookups, and keeps libspf2 away from TXT text
 * whose macros its 1.2.10 compiler would mishandle.
 */
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_dns.h"
#include "spf_record.h"

#define SPF_DNS_TOO_MANY_TERMS \
	"more than " SPF_LIMIT_STR(SPF_LIMIT_DNS_TERMS) " DNS-querying terms"

/* The evaluation this thread is running; NULL outside spf_check. */
static __thread struct spf_dns_state *spf_dns_current;

/* spf_dns_begin - make st the calling thread's state */
void
spf_dns_begin(struct spf_dns_state *st)
{
	spf_dns_current = st;
}

/* spf_dns_end - forget the calling thread's state */
void
spf_dns_end(void)
{
	spf_dns_current = NULL;
}

/* spf_dns_is_void - NXDOMAIN or an empty answer (RFC 7208 4.6.4) */
static bool
spf_dns_is_void(const SPF_dns_rr_t *rr)
{
	return rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA ||
	    (rr->herrno == NETDB_SUCCESS && rr->num_rr == 0);
}

/* spf_dns_strip_marker - remove a zero-prefix label; *any_r says which */
static void
spf_dns_strip_marker(const char *domain, char *name, size_t size,
		     const char **any_r)
{
	static const char *const markers[] = {
		SPF_RECORD_ANY46, SPF_RECORD_ANY4, SPF_RECORD_ANY6,
	};
	size_t len = strlen(domain), i;

	*any_r = NULL;
	snprintf(name, size, "%s", domain);
	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		size_t mlen = strlen(markers[i]);

		if (len > mlen + 1 && strcasecmp(domain + len - mlen,
		    markers[i]) == 0 && domain[len - mlen - 1] == '.') {
			*any_r = markers[i];
			if (len - mlen - 1 < size)
				name[len - mlen - 1] = '\0';
			return;
		}
	}
}

/*
 * spf_dns_secondary - is this the address lookup of a target of the last
 * MX or PTR answer? Each target is used up by its lookup, so a later term
 * naming the same host still counts as a term.
 */
static bool
spf_dns_secondary(struct spf_dns_state *st, const char *name)
{
	unsigned i;

	for (i = 0; i < st->nsecondary; i++) {
		if (strcasecmp(st->secondary[i], name) == 0) {
			st->nsecondary--;
			if (i != st->nsecondary)
				memcpy(st->secondary[i],
				    st->secondary[st->nsecondary],
				    sizeof(st->secondary[i]));
			return true;
		}
	}
	return false;
}

/* spf_dns_note_targets - the targets of this MX/PTR answer, to come */
static void
spf_dns_note_targets(struct spf_dns_state *st, const SPF_dns_rr_t *rr)
{
	int i;

	st->nsecondary = 0;
	st->secondary_ptr = rr->rr_type == ns_t_ptr;
	for (i = 0; i < rr->num_rr; i++) {
		const char *t = rr->rr_type == ns_t_mx ? rr->rr[i]->mx :
		    rr->rr[i]->ptr;

		if (st->nsecondary >= SPF_LIMIT_MX_PTR)
			return;
		snprintf(st->secondary[st->nsecondary++],
		    sizeof(st->secondary[0]), "%s", t);
	}
}

/* spf_dns_answer - a fresh answer for domain carrying rr_type records */
static SPF_dns_rr_t *
spf_dns_answer(SPF_dns_server_t *self, const char *domain, ns_type rr_type,
	       SPF_dns_stat_t herrno)
{
	return SPF_dns_rr_new_init(self, domain, rr_type, 0, herrno);
}

/* spf_dns_client_answer - the client's own address, for a zero prefix */
static SPF_dns_rr_t *
spf_dns_client_answer(SPF_dns_server_t *self, SPF_dns_rr_t *rr,
		      const struct spf_dns_state *st)
{
	SPF_dns_rr_t *out;

	if (rr->herrno != NETDB_SUCCESS || rr->num_rr == 0)
		return rr;
	out = spf_dns_answer(self, rr->domain, rr->rr_type, NETDB_SUCCESS);
	if (out == NULL)
		return rr;
	if (SPF_dns_rr_buf_realloc(out, 0, sizeof(struct in6_addr)) !=
	    SPF_E_SUCCESS) {
		SPF_dns_rr_free(out);
		return rr;
	}
	if (rr->rr_type == ns_t_a)
		out->rr[0]->a = st->ipv4;
	else
		out->rr[0]->aaaa = st->ipv6;
	out->num_rr = 1;
	SPF_dns_rr_free(rr);
	return out;
}

/* spf_dns_mark_targets - carry a zero-prefix marker onto MX targets */
static SPF_dns_rr_t *
spf_dns_mark_targets(SPF_dns_rr_t *rr, const char *any)
{
	int i;

	for (i = 0; i < rr->num_rr; i++) {
		size_t len = strlen(rr->rr[i]->mx) + strlen(any) + 2;

		if (SPF_dns_rr_buf_realloc(rr, i, len) != SPF_E_SUCCESS)
			return rr;
		strcat(rr->rr[i]->mx, ".");
		strcat(rr->rr[i]->mx, any);
	}
	return rr;
}

/*
 * spf_dns_screen_txt - TXT looked up through us is exp= text (records go
 * through spf_dns_get_spf). RFC 7208 6.2: exactly one record with a valid
 * explain-string, else no explanation; libspf2 gets it rewritten.
 */
static SPF_dns_rr_t *
spf_dns_screen_txt(SPF_dns_server_t *self, SPF_dns_rr_t *rr)
{
	char text[1024];
	const char *why;

	if (rr->herrno != NETDB_SUCCESS || rr->num_rr == 0)
		return rr;
	if (rr->num_rr != 1 || spf_record_check_explain(rr->rr[0]->txt, text,
	    sizeof(text), &why) < 0)
		goto none;
	if (SPF_dns_rr_buf_realloc(rr, 0, strlen(text) + 1) != SPF_E_SUCCESS)
		goto none;
	memcpy(rr->rr[0]->txt, text, strlen(text) + 1);
	return rr;
none:
	{
		SPF_dns_rr_t *out = spf_dns_answer(self, rr->domain, ns_t_txt,
		    NO_DATA);

		if (out == NULL) {
			rr->num_rr = 0;
			return rr;
		}
		SPF_dns_rr_free(rr);
		return out;
	}
}

/* spf_dns_abort - stop libspf2 where a limit is exceeded: permerror */
static SPF_dns_rr_t *
spf_dns_abort(SPF_dns_server_t *self, struct spf_dns_state *st,
	      SPF_dns_rr_t *rr, const char *name, ns_type rr_type,
	      const char *problem)
{
	st->aborted = true;
	if (st->problem == NULL)
		st->problem = problem;
	if (rr != NULL)
		SPF_dns_rr_free(rr);
	return spf_dns_answer(self, name, rr_type, TRY_AGAIN);
}

/*
 * spf_dns_error - a lookup that failed (timeout, SERVFAIL, REFUSED, or a
 * name the resolver would not send). RFC 7208 5.5: a failed PTR lookup
 * just does not match, and a failed address lookup of a PTR name skips
 * that name; libspf2 would make both temperror. Other failures keep
 * libspf2's reading: TRY_AGAIN is temperror, the rest no match.
 */
static SPF_dns_rr_t *
spf_dns_error(SPF_dns_server_t *self, const struct spf_dns_state *st,
	      SPF_dns_rr_t *rr, const char *name, ns_type rr_type, bool term)
{
	SPF_dns_rr_t *out;

	if (rr_type != ns_t_ptr && (term || !st->secondary_ptr))
		return rr;
	out = spf_dns_answer(self, name, rr_type, NO_DATA);
	if (out == NULL) {
		rr->herrno = NO_DATA;
		rr->num_rr = 0;
		return rr;
	}
	SPF_dns_rr_free(rr);
	return out;
}

/* spf_dns_lookup - libspf2's lookup, with RFC 7208 limits and markers */
static SPF_dns_rr_t *
spf_dns_lookup(SPF_dns_server_t *self, const char *domain, ns_type rr_type,
	       int should_cache)
{
	struct spf_dns_state *st = spf_dns_current;
	char name[1024];
	const char *any;
	SPF_dns_rr_t *rr;
	bool term;

	spf_dns_strip_marker(domain, name, sizeof(name), &any);
	if (st == NULL)
		return SPF_dns_lookup(self->layer_below, name, rr_type,
		    should_cache);
	if (st->aborted)
		return spf_dns_abort(self, st, NULL, name, rr_type, NULL);
	/* address lookups of MX and PTR targets belong to their term */
	term = rr_type != ns_t_txt && !((rr_type == ns_t_a ||
	    rr_type == ns_t_aaaa) && spf_dns_secondary(st, name));
	if (term && ++st->terms > SPF_LIMIT_DNS_TERMS)
		return spf_dns_abort(self, st, NULL, name, rr_type,
		    SPF_DNS_TOO_MANY_TERMS);
	rr = SPF_dns_lookup(self->layer_below, name, rr_type, should_cache);
	if (rr == NULL)
		return rr;
	if (rr_type == ns_t_txt)
		return spf_dns_screen_txt(self, rr);
	if (!spf_dns_is_void(rr) && rr->herrno != NETDB_SUCCESS)
		return spf_dns_error(self, st, rr, name, rr_type, term);
	if (term && spf_dns_is_void(rr) && ++st->voids > st->void_limit)
		return spf_dns_abort(self, st, rr, name, rr_type,
		    "void lookup limit exceeded");
	if (rr_type == ns_t_mx && rr->num_rr > SPF_LIMIT_MX_PTR)
		return spf_dns_abort(self, st, rr, name, rr_type,
		    "more than " SPF_LIMIT_STR(SPF_LIMIT_MX_PTR) " MX records");
	if (rr_type == ns_t_ptr && rr->num_rr > SPF_LIMIT_MX_PTR)
		rr->num_rr = SPF_LIMIT_MX_PTR;	/* RFC 7208 5.5: use 10 */
	if (rr_type == ns_t_mx || rr_type == ns_t_ptr)
		spf_dns_note_targets(st, rr);
	if (any == NULL)
		return rr;
	if (rr_type == ns_t_mx)
		return spf_dns_mark_targets(rr, any);
	if ((rr_type == ns_t_a && strcmp(any, SPF_RECORD_ANY6) != 0 &&
	    st->family == AF_INET) ||
	    (rr_type == ns_t_aaaa && strcmp(any, SPF_RECORD_ANY4) != 0 &&
	    st->family == AF_INET6))
		return spf_dns_client_answer(self, rr, st);
	return rr;
}

/* spf_dns_fail - set the response's result and add the error */
static SPF_errcode_t
spf_dns_fail(SPF_response_t *resp, SPF_result_t result, SPF_errcode_t code,
	     const char *domain, const char *why)
{
	resp->result = result;
	resp->reason = SPF_REASON_FAILURE;
	SPF_response_add_error(resp, code, "%s: %s", domain, why);
	return code;
}

/* spf_dns_select - the one SPF record among TXT answers, or an error */
static SPF_errcode_t
spf_dns_select(SPF_response_t *resp, const char *domain,
	       const SPF_dns_rr_t *rr, const char **record_r)
{
	int i, found = 0;

	switch (rr->herrno) {
	case NETDB_SUCCESS:
		break;
	case HOST_NOT_FOUND:
	case NO_DATA:
		return spf_dns_fail(resp, SPF_RESULT_NONE, SPF_E_NOT_SPF,
		    domain, "no SPF record");
	default:
		return spf_dns_fail(resp, SPF_RESULT_TEMPERROR,
		    SPF_E_DNS_ERROR, domain, "DNS lookup failed");
	}
	for (i = 0; i < rr->num_rr; i++) {
		if (spf_term_version(rr->rr[i]->txt, strlen(rr->rr[i]->txt))) {
			found++;
			*record_r = rr->rr[i]->txt;
		}
	}
	if (found == 0)
		return spf_dns_fail(resp, SPF_RESULT_NONE, SPF_E_NOT_SPF,
		    domain, "no SPF record");
	if (found > 1)
		return spf_dns_fail(resp, SPF_RESULT_PERMERROR,
		    SPF_E_MULTIPLE_RECORDS, domain, "multiple SPF records");
	return SPF_E_SUCCESS;
}

/* spf_dns_get_spf - fetch, select, screen and compile cur_dom's record */
static SPF_errcode_t
spf_dns_get_spf(SPF_server_t *server, SPF_request_t *req,
		SPF_response_t *resp, SPF_record_t **recordp)
{
	SPF_dns_server_t *self = server->resolver;
	struct spf_dns_state *st = spf_dns_current;
	const char *domain = req->cur_dom, *record = NULL, *why;
	struct spf_term_list list;
	size_t len;
	char *text;
	SPF_dns_rr_t *rr;
	SPF_errcode_t err;

	*recordp = NULL;
	if (st != NULL && st->aborted)
		return spf_dns_fail(resp, SPF_RESULT_PERMERROR, SPF_E_BIG_DNS,
		    domain, st->problem);
	/* include and redirect are DNS-querying terms too */
	if (st != NULL && ++st->records > 1 &&
	    ++st->terms > SPF_LIMIT_DNS_TERMS) {
		st->aborted = true;
		st->problem = SPF_DNS_TOO_MANY_TERMS;
		return spf_dns_fail(resp, SPF_RESULT_PERMERROR, SPF_E_BIG_DNS,
		    domain, st->problem);
	}
	rr = SPF_dns_lookup(self->layer_below, domain, ns_t_txt, 1);
	if (rr == NULL)
		return spf_dns_fail(resp, SPF_RESULT_TEMPERROR, SPF_E_NO_MEMORY,
		    domain, "out of memory");
	err = spf_dns_select(resp, domain, rr, &record);
	if (err != SPF_E_SUCCESS) {
		SPF_dns_rr_free(rr);
		return err;
	}
	/* one block: the rewrite, then the parser's terms */
	if ((len = strlen(record)) > SPF_LIMIT_RECORD)
		len = SPF_LIMIT_RECORD;	/* the parser refuses it */
	text = malloc(SPF_RECORD_OUT + SPF_TERM_MAX(len) * sizeof(*list.terms));
	if (text == NULL) {
		SPF_dns_rr_free(rr);
		return spf_dns_fail(resp, SPF_RESULT_TEMPERROR, SPF_E_NO_MEMORY,
		    domain, "out of memory");
	}
	list.terms = (struct spf_term *)(void *)(text + SPF_RECORD_OUT);
	list.max = SPF_TERM_MAX(len);
	if (spf_record_check(record, &list, text, SPF_RECORD_OUT, &why) < 0) {
		if (st != NULL)
			st->problem = why;
		SPF_dns_rr_free(rr);
		free(text);
		return spf_dns_fail(resp, SPF_RESULT_PERMERROR, SPF_E_SYNTAX,
		    domain, why);
	}
	SPF_dns_rr_free(rr);
	if (st != NULL) {
		st->macros.d = domain;
		spf_record_fix_rhs(text, &st->macros);
	}
	err = SPF_record_compile(server, resp, recordp, text);
	free(text);
	if (err != SPF_E_SUCCESS) {
		if (*recordp != NULL)
			SPF_record_free(*recordp);
		*recordp = NULL;
		if (st != NULL)
			st->problem = "record rejected by libspf2";
		return spf_dns_fail(resp, SPF_RESULT_PERMERROR, err, domain,
		    SPF_strerror(err));
	}
	return SPF_E_SUCCESS;
}

/* spf_dns_destroy - free our layer (SPF_dns_free then frees below) */
static void
spf_dns_destroy(SPF_dns_server_t *self)
{
	free(self);
}

/* spf_dns_new - our layer above below */
SPF_dns_server_t *
spf_dns_new(SPF_dns_server_t *below, int debug)
{
	SPF_dns_server_t *self = calloc(1, sizeof(*self));

	if (self == NULL)
		return NULL;
	self->destroy = spf_dns_destroy;
	self->lookup = spf_dns_lookup;
	self->get_spf = spf_dns_get_spf;
	self->layer_below = below;
	self->name = "trustmx";
	self->debug = debug;
	return self;
}
