/*
 * spf_expand.c - turn a domain's SPF record into the address ranges it lets
 * pass, for spf: sources in trust lists. Follows include and redirect within
 * RFC 7208's limits; what cannot become an address range is warned about.
 * A record that passes everyone ("+all", ip4:0.0.0.0/0) is a permerror: a
 * trust list must never grow to the whole Internet because of one DNS edit.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "spf_expand.h"
#include "spf_limits.h"
#include "spf_term.h"

#define SPF_EXPAND_TTL_FLOOR	60	/* refresh no more often than this */
#define SPF_EXPAND_TTL_CEILING	86400	/* nor less often */
#define SPF_EXPAND_MIN_LEN4	8	/* wider is the Internet, not a relay */
#define SPF_EXPAND_MIN_LEN6	16

/* A fetched record and its terms (spf_term.h), with two cut-up copies. */
struct spf_expand_record {
	char *record;		/* as fetched; the terms point into it */
	char *texts;		/* every SP a NUL: each term's text */
	char *names;		/* texts, domain-specs ended: lookup names */
	struct spf_term_list list;
};

/* One mechanism as the walk sees it. */
struct spf_expand_term {
	const struct spf_term *t;
	const char *text;	/* as written, for messages */
	const char *target;	/* domain-spec, or the record's own domain */
};

/* One expansion in progress: everything lives here, nothing is global. */
struct spf_expand_walk {
	struct spf_prefix *prefixes;
	size_t count, alloc;
	uint32_t ttl;
	bool have_ttl;
	unsigned lookups, void_lookups;
	const char *active[SPF_LIMIT_NESTING + 1];	/* include/redirect */
	unsigned depth;
	spf_warn_fn *warn;
	void *warn_ctx;
	char *err;
	size_t errlen;
};

static enum spf_expand_status spf_expand_domain(struct spf_expand_walk *w,
						const char *domain,
						const char *from,
						const char *term);

/* spf_expand_fail - record the first error as "domain: term: reason" */
static enum spf_expand_status __attribute__((format(printf, 5, 6)))
spf_expand_fail(struct spf_expand_walk *w, enum spf_expand_status status,
		const char *domain, const char *term, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->errlen == 0 || w->err[0] != '\0')
		return status;
	n = term ? snprintf(w->err, w->errlen, "%s: %s: ", domain, term) :
	    snprintf(w->err, w->errlen, "%s: ", domain);
	if (n < 0 || (size_t)n >= w->errlen)
		return status;
	va_start(ap, fmt);
	vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return status;
}

/* spf_expand_warn - tell the caller about something skipped or adjusted */
static void __attribute__((format(printf, 4, 5)))
spf_expand_warn(struct spf_expand_walk *w, const char *domain,
		const char *term, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (w->warn == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "%s: %s: ", domain, term);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	w->warn(w->warn_ctx, msg);
}

/* spf_expand_ttl - remember the smallest TTL among the answers used */
static void
spf_expand_ttl(struct spf_expand_walk *w, uint32_t ttl)
{
	if (!w->have_ttl || ttl < w->ttl)
		w->ttl = ttl;
	w->have_ttl = true;
}

/* spf_expand_mask - clear the host bits beyond len; true if some were set */
static bool
spf_expand_mask(struct tmx_addr *addr, unsigned len)
{
	unsigned bits = addr->family == 4 ? 32 : 128;
	bool changed = false;
	unsigned i;

	for (i = len; i < bits; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		if (addr->bytes[i / 8] & bit) {
			addr->bytes[i / 8] &= (uint8_t)~bit;
			changed = true;
		}
	}
	return changed;
}

/* spf_expand_add - append one prefix (host bits already clear) */
static enum spf_expand_status
spf_expand_add(struct spf_expand_walk *w, const char *domain,
	       const char *term, const struct tmx_addr *addr, unsigned len)
{
	if (len < (addr->family == 4 ? SPF_EXPAND_MIN_LEN4 :
	    SPF_EXPAND_MIN_LEN6))
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain, term,
		    "authorises /%u, too wide for a trust list", len);
	if (w->count == w->alloc) {
		size_t n = w->alloc ? w->alloc * 2 : 16;
		struct spf_prefix *p;

		if (n > SPF_LIMIT_PREFIXES)
			return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain,
			    term, "more than %d prefixes", SPF_LIMIT_PREFIXES);
		if ((p = realloc(w->prefixes, n * sizeof(*p))) == NULL)
			return spf_expand_fail(w, SPF_EXPAND_TEMPERROR, domain,
			    term, "out of memory");
		w->prefixes = p;
		w->alloc = n;
	}
	w->prefixes[w->count].addr = *addr;
	w->prefixes[w->count].len = len;
	w->count++;
	return SPF_EXPAND_OK;
}

/* spf_expand_at - the copy's counterpart of p, a pointer into the record */
static char *
spf_expand_at(const struct spf_expand_record *rec, char *copy, const char *p)
{
	return copy + (p - rec->record);
}

/* spf_expand_record_free - release a fetched record */
static void
spf_expand_record_free(struct spf_expand_record *rec)
{
	free(rec->record);
	free(rec->texts);
	free(rec->names);
	free(rec->list.terms);
	memset(rec, 0, sizeof(*rec));
}

/*
 * spf_expand_parse - every term of rec->record before any is evaluated;
 * a lookup name written out must be one dns_lookup would ask
 */
static enum spf_expand_status
spf_expand_parse(struct spf_expand_walk *w, const char *domain,
		 struct spf_expand_record *rec)
{
	size_t len = strlen(rec->record), i;
	const char *why;

	rec->texts = strdup(rec->record);
	rec->names = strdup(rec->record);
	rec->list.max = SPF_TERM_MAX(len > SPF_LIMIT_RECORD ?
	    SPF_LIMIT_RECORD : len);
	rec->list.terms = calloc(rec->list.max, sizeof(*rec->list.terms));
	if (rec->texts == NULL || rec->names == NULL || rec->list.terms == NULL)
		return spf_expand_fail(w, SPF_EXPAND_TEMPERROR, domain, NULL,
		    "out of memory");
	for (i = 0; i < len; i++)
		if (rec->record[i] == ' ')
			rec->texts[i] = rec->names[i] = '\0';
	if (spf_term_parse(rec->record, len, &rec->list, &why) < 0)
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain,
		    rec->list.bad == NULL ? NULL :
		    spf_expand_at(rec, rec->texts, rec->list.bad), "%s", why);
	for (i = 0; i < rec->list.count; i++) {
		const struct spf_term *t = &rec->list.terms[i];
		char *name;

		if (t->spec == NULL || t->kind == SPF_TERM_EXP ||
		    t->kind == SPF_TERM_UNKNOWN)
			continue;
		name = spf_expand_at(rec, rec->names, t->spec);
		name[t->spec_len] = '\0';	/* where a cidr-length began */
		if (!t->macro && !dns_name_valid(name))
			return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain,
			    spf_expand_at(rec, rec->texts, t->text),
			    "invalid domain name");
	}
	return SPF_EXPAND_OK;
}

/* spf_expand_locate - what the walk needs of term t of rec */
static struct spf_expand_term
spf_expand_locate(const struct spf_expand_record *rec,
		  const struct spf_term *t, const char *domain)
{
	struct spf_expand_term et;

	et.t = t;
	et.text = spf_expand_at(rec, rec->texts, t->text);
	et.target = t->spec == NULL ? domain :
	    spf_expand_at(rec, rec->names, t->spec);
	return et;
}

/*
 * spf_expand_fetch - the one SPF record of domain, copied into *record_r;
 * errors name the term that led here (from: term), or domain at the top
 */
static enum spf_expand_status
spf_expand_fetch(struct spf_expand_walk *w, const char *domain,
		 const char *from, const char *term, char **record_r)
{
	struct dns_answer ans;
	const struct dns_record *found = NULL;
	enum spf_expand_status st;
	size_t i, n = 0;

	switch (dns_lookup(domain, DNS_TYPE_TXT, &ans)) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		st = spf_expand_fail(w, SPF_EXPAND_PERMERROR, from, term,
		    "no SPF record at %s (%s)", domain, ans.reason);
		dns_answer_free(&ans);
		return st;
	case DNS_TEMPFAIL:
		st = spf_expand_fail(w, SPF_EXPAND_TEMPERROR, from, term,
		    "%s TXT lookup: %s", domain, ans.reason);
		dns_answer_free(&ans);
		return st;
	case DNS_BADNAME:
		st = spf_expand_fail(w, SPF_EXPAND_PERMERROR, from, term,
		    "%s: %s", domain, ans.reason);
		dns_answer_free(&ans);
		return st;
	}
	for (i = 0; i < ans.count; i++) {
		if (spf_term_version(ans.records[i].text,
		    ans.records[i].textlen)) {
			found = &ans.records[i];
			n++;
		}
	}
	if (n != 1 || strlen(found->text) != found->textlen) {
		dns_answer_free(&ans);
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, from, term,
		    "%s %s", n == 0 ? "no SPF record at" : n > 1 ?
		    "more than one SPF record at" :
		    "NUL byte in the SPF record of", domain);
	}
	spf_expand_ttl(w, found->ttl);
	*record_r = strdup(found->text);
	dns_answer_free(&ans);
	if (*record_r == NULL)
		return spf_expand_fail(w, SPF_EXPAND_TEMPERROR, from, term,
		    "out of memory");
	return SPF_EXPAND_OK;
}

/* spf_expand_count - one more DNS-querying term, within the limit */
static enum spf_expand_status
spf_expand_count(struct spf_expand_walk *w, const char *domain,
		 const char *term)
{
	if (++w->lookups > SPF_LIMIT_DNS_TERMS)
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain, term,
		    "more than %d DNS-querying terms (RFC 7208 4.6.4)",
		    SPF_LIMIT_DNS_TERMS);
	return SPF_EXPAND_OK;
}

/* spf_expand_void - one more lookup that found nothing, within the limit */
static enum spf_expand_status
spf_expand_void(struct spf_expand_walk *w, const char *domain,
		const char *term)
{
	if (++w->void_lookups > SPF_LIMIT_VOID)
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain, term,
		    "more than %d void lookups (RFC 7208 4.6.4)",
		    SPF_LIMIT_VOID);
	return SPF_EXPAND_OK;
}

/* spf_expand_query - A or AAAA of host, each address widened to len */
static enum spf_expand_status
spf_expand_query(struct spf_expand_walk *w, const char *domain,
		 const char *term, const char *host, enum dns_type type,
		 unsigned len, enum dns_status *status_r)
{
	enum spf_expand_status st = SPF_EXPAND_OK;
	struct dns_answer ans;
	size_t i;

	*status_r = dns_lookup(host, type, &ans);
	switch (*status_r) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		break;
	case DNS_TEMPFAIL:
		st = spf_expand_fail(w, SPF_EXPAND_TEMPERROR, domain, term,
		    "%s %s lookup: %s", host, dns_type_str(type), ans.reason);
		break;
	case DNS_BADNAME:
		st = spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain, term,
		    "%s: %s", host, ans.reason);
		break;
	}
	if (*status_r != DNS_OK) {
		dns_answer_free(&ans);
		return st;
	}
	spf_expand_ttl(w, ans.min_ttl);
	for (i = 0; i < ans.count && st == SPF_EXPAND_OK; i++) {
		struct tmx_addr addr = ans.records[i].addr;

		spf_expand_mask(&addr, len);
		st = spf_expand_add(w, domain, term, &addr, len);
	}
	dns_answer_free(&ans);
	return st;
}

/* spf_expand_host - A and AAAA of host; *void_r when neither exists */
static enum spf_expand_status
spf_expand_host(struct spf_expand_walk *w, const char *domain,
		const char *term, const char *host, const struct spf_term *t,
		bool *void_r)
{
	enum spf_expand_status st;
	enum dns_status s4, s6 = DNS_NXDOMAIN;

	st = spf_expand_query(w, domain, term, host, DNS_TYPE_A, t->cidr4,
	    &s4);
	if (st == SPF_EXPAND_OK && s4 != DNS_NXDOMAIN)
		st = spf_expand_query(w, domain, term, host, DNS_TYPE_AAAA,
		    t->cidr6, &s6);
	*void_r = s4 != DNS_OK && s6 != DNS_OK;
	return st;
}

/* spf_expand_a - "a": the target's own addresses */
static enum spf_expand_status
spf_expand_a(struct spf_expand_walk *w, const char *domain,
	     const struct spf_expand_term *et)
{
	enum spf_expand_status st;
	bool empty;

	st = spf_expand_host(w, domain, et->text, et->target, et->t, &empty);
	if (st == SPF_EXPAND_OK && empty)
		st = spf_expand_void(w, domain, et->text);
	return st;
}

/* spf_expand_mx - "mx": the addresses of at most 10 mail exchangers */
static enum spf_expand_status
spf_expand_mx(struct spf_expand_walk *w, const char *domain,
	      const struct spf_expand_term *et)
{
	enum spf_expand_status st = SPF_EXPAND_OK;
	struct dns_answer ans;
	size_t i;

	switch (dns_lookup(et->target, DNS_TYPE_MX, &ans)) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		st = spf_expand_void(w, domain, et->text);
		break;
	case DNS_TEMPFAIL:
		st = spf_expand_fail(w, SPF_EXPAND_TEMPERROR, domain,
		    et->text, "%s MX lookup: %s", et->target, ans.reason);
		break;
	case DNS_BADNAME:
		st = spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain,
		    et->text, "%s: %s", et->target, ans.reason);
		break;
	}
	if (ans.status != DNS_OK) {
		dns_answer_free(&ans);
		return st;
	}
	if (ans.count > SPF_LIMIT_MX_PTR) {
		dns_answer_free(&ans);
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain,
		    et->text, "more than %d MX records (RFC 7208 4.6.4)",
		    SPF_LIMIT_MX_PTR);
	}
	spf_expand_ttl(w, ans.min_ttl);
	for (i = 0; i < ans.count && st == SPF_EXPAND_OK; i++) {
		const char *host = ans.records[i].text;
		bool empty;

		if (host[0] == '\0')	/* null MX, RFC 7505 */
			continue;
		st = spf_expand_host(w, domain, et->text, host, et->t, &empty);
		if (st == SPF_EXPAND_OK && empty)
			spf_expand_warn(w, domain, et->text,
			    "MX host %s has no address", host);
	}
	dns_answer_free(&ans);
	return st;
}

/* spf_expand_ip - "ip4"/"ip6": the network as written, host bits cleared */
static enum spf_expand_status
spf_expand_ip(struct spf_expand_walk *w, const char *domain,
	      const struct spf_expand_term *et)
{
	struct tmx_addr addr = et->t->addr;
	unsigned len = addr.family == 4 ? et->t->cidr4 : et->t->cidr6;
	char buf[INET6_ADDRSTRLEN];

	if (spf_expand_mask(&addr, len))
		spf_expand_warn(w, domain, et->text,
		    "host bits set; using %s/%u as SPF evaluators do",
		    inet_ntop(addr.family == 4 ? AF_INET : AF_INET6,
		    addr.bytes, buf, sizeof(buf)), len);
	return spf_expand_add(w, domain, et->text, &addr, len);
}

/* spf_expand_follow - include or redirect: another record, unless a loop */
static enum spf_expand_status
spf_expand_follow(struct spf_expand_walk *w, const char *domain,
		  const char *term, const char *target)
{
	unsigned i;

	for (i = 0; i < w->depth; i++)
		if (dns_name_equal(w->active[i], target))
			return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain,
			    term, "loop: %s is already being expanded", target);
	if (w->depth >= SPF_LIMIT_NESTING)
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain, term,
		    "nested too deep");
	return spf_expand_domain(w, target, domain, term);
}

/* spf_expand_skip_reason - why a term yields no addresses, or NULL */
static const char *
spf_expand_skip_reason(const struct spf_term *t)
{
	if (t->kind == SPF_TERM_PTR)
		return "ptr cannot be expanded into addresses; skipped";
	if (t->kind == SPF_TERM_EXISTS)
		return "exists cannot be expanded into addresses; skipped";
	if (t->macro)
		return "macros depend on the client; skipped";
	return NULL;
}

/* spf_expand_mechanism - one; its lookup is counted even when skipped */
static enum spf_expand_status
spf_expand_mechanism(struct spf_expand_walk *w, const char *domain,
		     const struct spf_expand_term *et)
{
	enum spf_expand_status st;
	const char *skip;

	if (spf_term_queries(et->t->kind) &&
	    (st = spf_expand_count(w, domain, et->text)) != SPF_EXPAND_OK)
		return st;
	/* -, ~ and ? say who does not pass: no authorisation to collect */
	if (et->t->qualifier != '+')
		return SPF_EXPAND_OK;
	if ((skip = spf_expand_skip_reason(et->t)) != NULL) {
		spf_expand_warn(w, domain, et->text, "%s", skip);
		return SPF_EXPAND_OK;
	}
	switch (et->t->kind) {
	case SPF_TERM_ALL:
		return spf_expand_fail(w, SPF_EXPAND_PERMERROR, domain,
		    et->text, "authorises every address; "
		    "not usable as a trust list");
	case SPF_TERM_INCLUDE:
		return spf_expand_follow(w, domain, et->text, et->target);
	case SPF_TERM_A:
		return spf_expand_a(w, domain, et);
	case SPF_TERM_MX:
		return spf_expand_mx(w, domain, et);
	case SPF_TERM_IP4:
	case SPF_TERM_IP6:
		return spf_expand_ip(w, domain, et);
	default:
		return SPF_EXPAND_OK;
	}
}

/* spf_expand_record - mechanisms in order up to "all", then redirect= */
static enum spf_expand_status
spf_expand_record(struct spf_expand_walk *w, const char *domain,
		  const struct spf_expand_record *rec)
{
	const struct spf_term *redirect;
	struct spf_expand_term et;
	enum spf_expand_status st;
	size_t i;

	for (i = 0; i < rec->list.count; i++) {
		const struct spf_term *t = &rec->list.terms[i];

		if (t->kind >= SPF_TERM_REDIRECT)
			continue;	/* modifiers */
		et = spf_expand_locate(rec, t, domain);
		if ((st = spf_expand_mechanism(w, domain, &et)) !=
		    SPF_EXPAND_OK)
			return st;
		if (t->kind == SPF_TERM_ALL)
			return SPF_EXPAND_OK;	/* nothing after it counts */
	}
	/* an "all" anywhere makes redirect moot (RFC 7208 6.1) */
	redirect = spf_term_find(&rec->list, SPF_TERM_REDIRECT);
	if (redirect == NULL || spf_term_find(&rec->list, SPF_TERM_ALL) != NULL)
		return SPF_EXPAND_OK;
	et = spf_expand_locate(rec, redirect, domain);
	if ((st = spf_expand_count(w, domain, et.text)) != SPF_EXPAND_OK)
		return st;
	if (redirect->macro) {
		spf_expand_warn(w, domain, et.text,
		    "macros depend on the client; skipped");
		return SPF_EXPAND_OK;
	}
	return spf_expand_follow(w, domain, et.text, et.target);
}

/* spf_expand_domain - fetch, parse and evaluate one domain's record */
static enum spf_expand_status
spf_expand_domain(struct spf_expand_walk *w, const char *domain,
		  const char *from, const char *term)
{
	struct spf_expand_record rec;
	enum spf_expand_status st;

	memset(&rec, 0, sizeof(rec));
	st = spf_expand_fetch(w, domain, from, term, &rec.record);
	if (st != SPF_EXPAND_OK)
		return st;
	st = spf_expand_parse(w, domain, &rec);
	if (st == SPF_EXPAND_OK) {
		w->active[w->depth++] = domain;
		st = spf_expand_record(w, domain, &rec);
		w->depth--;
	}
	spf_expand_record_free(&rec);
	return st;
}

/* spf_expand_prefix_cmp - IPv4 first, then by address, then shorter first */
static int
spf_expand_prefix_cmp(const void *a, const void *b)
{
	const struct spf_prefix *pa = a, *pb = b;
	int c;

	if (pa->addr.family != pb->addr.family)
		return pa->addr.family < pb->addr.family ? -1 : 1;
	if ((c = memcmp(pa->addr.bytes, pb->addr.bytes, 16)) != 0)
		return c;
	return pa->len < pb->len ? -1 : pa->len > pb->len;
}

/* spf_expand_covers - outer contains inner */
static bool
spf_expand_covers(const struct spf_prefix *outer,
		  const struct spf_prefix *inner)
{
	struct tmx_addr a = inner->addr;

	if (outer->addr.family != a.family || outer->len > inner->len)
		return false;
	spf_expand_mask(&a, outer->len);
	return memcmp(a.bytes, outer->addr.bytes, 16) == 0;
}

/* spf_expand_normalise - sort; drop duplicates and prefixes inside another */
static void
spf_expand_normalise(struct spf_expand_walk *w)
{
	size_t i, kept = 0;

	if (w->count == 0)
		return;
	qsort(w->prefixes, w->count, sizeof(*w->prefixes),
	    spf_expand_prefix_cmp);
	/* sorted, a container comes before its prefixes: check the last kept */
	for (i = 1; i < w->count; i++) {
		if (spf_expand_covers(&w->prefixes[kept], &w->prefixes[i]))
			continue;
		w->prefixes[++kept] = w->prefixes[i];
	}
	w->count = kept + 1;
}

/* spf_expansion_free - release what spf_expand or spf_cache_load filled */
void
spf_expansion_free(struct spf_expansion *exp)
{
	free(exp->prefixes);
	memset(exp, 0, sizeof(*exp));
}

/* spf_expand - resolve domain; on OK *exp_r owns new memory */
enum spf_expand_status
spf_expand(const char *domain, struct spf_expansion *exp_r,
	   spf_warn_fn *warn, void *warn_ctx, char *err, size_t errlen)
{
	struct spf_expand_walk w;
	enum spf_expand_status st;

	memset(exp_r, 0, sizeof(*exp_r));
	memset(&w, 0, sizeof(w));
	w.warn = warn;
	w.warn_ctx = warn_ctx;
	w.err = err;
	w.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (!dns_name_valid(domain))
		return spf_expand_fail(&w, SPF_EXPAND_PERMERROR, domain, NULL,
		    "invalid domain name");
	st = spf_expand_domain(&w, domain, domain, NULL);
	if (st != SPF_EXPAND_OK) {
		free(w.prefixes);
		return st;
	}
	spf_expand_normalise(&w);
	exp_r->prefixes = w.prefixes;
	exp_r->count = w.count;
	exp_r->ttl = w.ttl < SPF_EXPAND_TTL_FLOOR ? SPF_EXPAND_TTL_FLOOR :
	    w.ttl > SPF_EXPAND_TTL_CEILING ? SPF_EXPAND_TTL_CEILING : w.ttl;
	exp_r->lookups = w.lookups;
	exp_r->void_lookups = w.void_lookups;
	exp_r->resolved_at = time(NULL);
	return SPF_EXPAND_OK;
}
