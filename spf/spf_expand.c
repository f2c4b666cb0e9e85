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
#include <strings.h>

#include "dns.h"
#include "spf_expand.h"

#define SPF_MAX_LOOKUPS 10	/* RFC 7208 4.6.4: DNS-querying terms */
#define SPF_MAX_VOID 2		/* RFC 7208 4.6.4: void lookups */
#define SPF_MAX_MX 10		/* RFC 7208 4.6.4: MX names per mx term */
#define SPF_MAX_DEPTH (SPF_MAX_LOOKUPS + 1)
#define SPF_MAX_PREFIXES 65536
#define SPF_TTL_FLOOR 60	/* don't refresh more often than this */
#define SPF_TTL_CEILING 86400	/* nor less often */
#define SPF_MIN_LEN4 8		/* wider than this is the Internet, not a relay */
#define SPF_MIN_LEN6 16

enum spf_mech {
	SPF_MECH_ALL,
	SPF_MECH_INCLUDE,
	SPF_MECH_A,
	SPF_MECH_MX,
	SPF_MECH_PTR,
	SPF_MECH_IP4,
	SPF_MECH_IP6,
	SPF_MECH_EXISTS,
};

struct spf_term {
	const char *text;	/* as written, for messages */
	char qualifier;		/* '+', '-', '~', '?' */
	enum spf_mech mech;
	const char *domain;	/* domain-spec; NULL: the record's own domain */
	bool macro;		/* domain-spec holds a macro */
	unsigned cidr4, cidr6;
	struct tmx_addr addr;	/* ip4, ip6 */
	unsigned len;
};

struct spf_record {
	char *text;		/* tokenised copy: term texts */
	char *work;		/* tokenised copy the parser cuts up */
	struct spf_term *terms;	/* mechanisms, in order */
	size_t nterms;
	const char *redirect;	/* redirect= target, or NULL */
	const char *redirect_text;
	bool redirect_macro;
	bool has_exp;
	bool has_all;
};

/* One expansion in progress: everything lives here, nothing is global. */
struct spf_walk {
	struct spf_prefix *prefixes;
	size_t count, alloc;
	uint32_t ttl;
	bool have_ttl;
	unsigned lookups, void_lookups;
	const char *active[SPF_MAX_DEPTH + 1];	/* include/redirect chain */
	unsigned depth;
	spf_warn_fn *warn;
	void *warn_ctx;
	char *err;
	size_t errlen;
};

static enum spf_expand_status spf_walk_domain(struct spf_walk *w,
					      const char *domain,
					      const char *from, const char *term);

/* spf_fail - record the first error as "domain: term: reason" */
static enum spf_expand_status __attribute__((format(printf, 5, 6)))
spf_fail(struct spf_walk *w, enum spf_expand_status status, const char *domain,
	 const char *term, const char *fmt, ...)
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

/* spf_warnf - tell the caller about something skipped or adjusted */
static void __attribute__((format(printf, 4, 5)))
spf_warnf(struct spf_walk *w, const char *domain, const char *term,
	  const char *fmt, ...)
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

/* spf_ttl_use - remember the smallest TTL among the answers used */
static void
spf_ttl_use(struct spf_walk *w, uint32_t ttl)
{
	if (!w->have_ttl || ttl < w->ttl)
		w->ttl = ttl;
	w->have_ttl = true;
}

/* spf_mask - clear the host bits beyond len; true when some were set */
static bool
spf_mask(struct tmx_addr *addr, unsigned len)
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

/* spf_add - append one prefix (host bits already clear) */
static enum spf_expand_status
spf_add(struct spf_walk *w, const char *domain, const char *term,
	const struct tmx_addr *addr, unsigned len)
{
	if (len < (addr->family == 4 ? SPF_MIN_LEN4 : SPF_MIN_LEN6))
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, term,
				"authorises /%u, too wide for a trust list", len);
	if (w->count == w->alloc) {
		size_t n = w->alloc ? w->alloc * 2 : 16;
		struct spf_prefix *p;

		if (n > SPF_MAX_PREFIXES)
			return spf_fail(w, SPF_EXPAND_PERMERROR, domain, term,
					"more than %d prefixes", SPF_MAX_PREFIXES);
		if ((p = realloc(w->prefixes, n * sizeof(*p))) == NULL)
			return spf_fail(w, SPF_EXPAND_TEMPERROR, domain, term,
					"out of memory");
		w->prefixes = p;
		w->alloc = n;
	}
	w->prefixes[w->count].addr = *addr;
	w->prefixes[w->count].len = len;
	w->count++;
	return SPF_EXPAND_OK;
}

/* spf_parse_number - a cidr length: no leading zero, at most max */
static int
spf_parse_number(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* spf_digits_tail - where a run of digits ending s starts (s + len if none) */
static size_t
spf_digits_tail(const char *s, size_t len)
{
	while (len > 0 && s[len - 1] >= '0' && s[len - 1] <= '9')
		len--;
	return len;
}

/* spf_parse_dual_cidr - cut "/24//64" off the end of arg into the term */
static int
spf_parse_dual_cidr(char *arg, struct spf_term *t, const char **why_r)
{
	size_t len = strlen(arg), d;

	t->cidr4 = 32;
	t->cidr6 = 128;
	d = spf_digits_tail(arg, len);
	if (d < len && d >= 2 && arg[d - 1] == '/' && arg[d - 2] == '/') {
		if (spf_parse_number(arg + d, 128, &t->cidr6) < 0) {
			*why_r = "invalid ip6-cidr-length";
			return -1;
		}
		len = d - 2;
		arg[len] = '\0';
		d = spf_digits_tail(arg, len);
	}
	if (d < len && d >= 1 && arg[d - 1] == '/') {
		if (spf_parse_number(arg + d, 32, &t->cidr4) < 0) {
			*why_r = "invalid ip4-cidr-length";
			return -1;
		}
		arg[d - 1] = '\0';
	}
	return 0;
}

/* spf_check_macros - %{x...}, %%, %_ and %- are the only macro forms */
static int
spf_check_macros(const char *s, bool *macro_r)
{
	for (; *s != '\0'; s++) {
		if (*s != '%')
			continue;
		*macro_r = true;
		s++;
		if (*s == '%' || *s == '_' || *s == '-')
			continue;
		if (*s != '{' || s[1] == '\0' ||
		    strchr("slodiphcrtvSLODIPHCRTV", s[1]) == NULL ||
		    (s = strchr(s, '}')) == NULL)
			return -1;
	}
	return 0;
}

/* spf_toplabel_ok - RFC 7208 toplabel: alphanumerics and inner '-', not all digits */
static bool
spf_toplabel_ok(const char *label, size_t len)
{
	bool alpha = false;
	size_t i;

	if (len == 0 || label[0] == '-' || label[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		char c = label[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha = true;
		else if (!(c >= '0' && c <= '9') && c != '-')
			return false;
	}
	return alpha;
}

/* spf_check_domain_spec - macro syntax, or a multi-label name with a toplabel */
static int
spf_check_domain_spec(const char *spec, bool *macro_r, const char **why_r)
{
	const char *dot;
	size_t len = strlen(spec);

	*macro_r = false;
	if (spf_check_macros(spec, macro_r) < 0) {
		*why_r = "invalid macro";
		return -1;
	}
	if (*macro_r)
		return 0;
	if (len > 0 && spec[len - 1] == '.')
		len--;
	dot = len > 0 ? memrchr(spec, '.', len) : NULL;
	if (dot == NULL || !dns_name_valid(spec) ||
	    !spf_toplabel_ok(dot + 1, len - (size_t)(dot + 1 - spec))) {
		*why_r = "invalid domain name";
		return -1;
	}
	return 0;
}

/* spf_parse_ip - ip4:/ip6: network and optional length */
static int
spf_parse_ip(char *arg, struct spf_term *t, const char **why_r)
{
	int af = t->mech == SPF_MECH_IP4 ? AF_INET : AF_INET6;
	unsigned bits = af == AF_INET ? 32 : 128;
	char *slash;

	if (*arg++ != ':') {
		*why_r = "missing address";
		return -1;
	}
	t->len = bits;
	if ((slash = strchr(arg, '/')) != NULL) {
		*slash = '\0';
		if (spf_parse_number(slash + 1, bits, &t->len) < 0) {
			*why_r = "invalid prefix length";
			return -1;
		}
	}
	memset(&t->addr, 0, sizeof(t->addr));
	t->addr.family = af == AF_INET ? 4 : 6;
	if (inet_pton(af, arg, t->addr.bytes) != 1) {
		*why_r = "invalid address";
		return -1;
	}
	return 0;
}

/* spf_parse_target - optional (or required) ":domain-spec" after the name */
static int
spf_parse_target(char *arg, bool required, struct spf_term *t,
		 const char **why_r)
{
	if (*arg == '\0' && !required)
		return 0;
	if (*arg != ':' || arg[1] == '\0') {
		*why_r = "missing domain";
		return -1;
	}
	t->domain = arg + 1;
	return spf_check_domain_spec(t->domain, &t->macro, why_r);
}

/* spf_mech_lookup - mechanism name to kind; -1 if unknown */
static int
spf_mech_lookup(const char *name, size_t len)
{
	static const struct {
		const char *name;
		enum spf_mech mech;
	} mechs[] = {
		{ "all", SPF_MECH_ALL }, { "include", SPF_MECH_INCLUDE },
		{ "a", SPF_MECH_A }, { "mx", SPF_MECH_MX },
		{ "ptr", SPF_MECH_PTR }, { "ip4", SPF_MECH_IP4 },
		{ "ip6", SPF_MECH_IP6 }, { "exists", SPF_MECH_EXISTS },
	};
	size_t i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == len &&
		    strncasecmp(mechs[i].name, name, len) == 0)
			return (int)mechs[i].mech;
	return -1;
}

/* spf_parse_mechanism - one directive: [qualifier] name [arguments] */
static int
spf_parse_mechanism(char *s, struct spf_term *t, const char **why_r)
{
	size_t len;
	int mech;

	t->qualifier = '+';
	if (*s != '\0' && strchr("+-~?", *s) != NULL)
		t->qualifier = *s++;
	len = strcspn(s, ":/");
	if ((mech = spf_mech_lookup(s, len)) < 0) {
		*why_r = "unknown mechanism";
		return -1;
	}
	t->mech = (enum spf_mech)mech;
	s += len;
	switch (t->mech) {
	case SPF_MECH_ALL:
		if (*s != '\0') {
			*why_r = "\"all\" takes no argument";
			return -1;
		}
		return 0;
	case SPF_MECH_INCLUDE:
	case SPF_MECH_EXISTS:
		return spf_parse_target(s, true, t, why_r);
	case SPF_MECH_PTR:
		return spf_parse_target(s, false, t, why_r);
	case SPF_MECH_A:
	case SPF_MECH_MX:
		if (spf_parse_dual_cidr(s, t, why_r) < 0)
			return -1;
		return spf_parse_target(s, false, t, why_r);
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		return spf_parse_ip(s, t, why_r);
	}
	return -1;
}

/* spf_modifier_name - length of "name" when s is "name=value", else 0 */
static size_t
spf_modifier_name(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while (s[i] != '\0' && s[i] != '=' &&
	       strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_.", s[i]) != NULL)
		i++;
	return s[i] == '=' ? i : 0;
}

/* spf_parse_modifier - redirect= and exp= once each; others are ignored */
static int
spf_parse_modifier(char *s, size_t namelen, const char *text,
		   struct spf_record *rec, const char **why_r)
{
	bool macro;

	if (namelen == 3 && strncasecmp(s, "exp", 3) == 0) {
		if (rec->has_exp) {
			*why_r = "exp given twice";
			return -1;
		}
		rec->has_exp = true;	/* explanations are for rejections: unused */
		return 0;
	}
	if (namelen != 8 || strncasecmp(s, "redirect", 8) != 0)
		return 0;
	if (rec->redirect != NULL) {
		*why_r = "redirect given twice";
		return -1;
	}
	if (spf_check_domain_spec(s + namelen + 1, &macro, why_r) < 0)
		return -1;
	rec->redirect = s + namelen + 1;
	rec->redirect_text = text;
	rec->redirect_macro = macro;
	return 0;
}

/* spf_record_free - release a parsed record */
static void
spf_record_free(struct spf_record *rec)
{
	free(rec->text);
	free(rec->work);
	free(rec->terms);
	memset(rec, 0, sizeof(*rec));
}

/* spf_record_parse - every term of "v=spf1 ..." before any is evaluated */
static enum spf_expand_status
spf_record_parse(struct spf_walk *w, const char *domain, const char *record,
		 struct spf_record *rec)
{
	size_t len = strlen(record), pos, nexp = 0;
	const char *why = NULL;

	memset(rec, 0, sizeof(*rec));
	rec->text = strdup(record);
	rec->work = strdup(record);
	rec->terms = calloc(len / 2 + 1, sizeof(*rec->terms));
	if (rec->text == NULL || rec->work == NULL || rec->terms == NULL)
		return spf_fail(w, SPF_EXPAND_TEMPERROR, domain, NULL,
				"out of memory");
	for (pos = 0; pos < len; pos++)
		if (record[pos] == ' ')
			rec->text[pos] = rec->work[pos] = '\0';
	/* "v=spf1" is term 0 and was checked by the caller */
	for (pos = 6; pos < len; pos++) {
		char *s = rec->work + pos;
		const char *text = rec->text + pos;
		size_t namelen;

		if (*s == '\0')
			continue;
		pos += strlen(s);
		if ((namelen = spf_modifier_name(s)) > 0) {
			if (spf_parse_modifier(s, namelen, text, rec, &why) < 0)
				return spf_fail(w, SPF_EXPAND_PERMERROR, domain,
						text, "%s", why);
			continue;
		}
		rec->terms[nexp].text = text;
		if (spf_parse_mechanism(s, &rec->terms[nexp], &why) < 0)
			return spf_fail(w, SPF_EXPAND_PERMERROR, domain, text,
					"%s", why);
		if (rec->terms[nexp].mech == SPF_MECH_ALL)
			rec->has_all = true;
		nexp++;
	}
	rec->nterms = nexp;
	return SPF_EXPAND_OK;
}

/* spf_is_spf1 - "v=spf1" followed by a space or the end */
static bool
spf_is_spf1(const char *text, size_t len)
{
	return len >= 6 && strncasecmp(text, "v=spf1", 6) == 0 &&
		(len == 6 || text[6] == ' ');
}

/*
 * spf_fetch - the one SPF record of domain, copied into *record_r; errors
 * name the term that led here (from: term), or domain itself at the top
 */
static enum spf_expand_status
spf_fetch(struct spf_walk *w, const char *domain, const char *from,
	  const char *term, char **record_r)
{
	struct dns_answer ans;
	const struct dns_record *found = NULL;
	size_t i, n = 0;

	switch (dns_lookup(domain, DNS_TYPE_TXT, &ans)) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		return spf_fail(w, SPF_EXPAND_PERMERROR, from, term,
				"no SPF record at %s (%s)", domain, ans.reason);
	case DNS_TEMPFAIL:
		return spf_fail(w, SPF_EXPAND_TEMPERROR, from, term,
				"%s TXT lookup: %s", domain, ans.reason);
	case DNS_BADNAME:
		return spf_fail(w, SPF_EXPAND_PERMERROR, from, term,
				"%s: %s", domain, ans.reason);
	}
	for (i = 0; i < ans.count; i++) {
		if (spf_is_spf1(ans.records[i].text, ans.records[i].textlen)) {
			found = &ans.records[i];
			n++;
		}
	}
	if (n != 1 || strlen(found->text) != found->textlen) {
		dns_answer_free(&ans);
		return spf_fail(w, SPF_EXPAND_PERMERROR, from, term, "%s %s",
				n == 0 ? "no SPF record at" : n > 1 ?
				"more than one SPF record at" :
				"NUL byte in the SPF record of", domain);
	}
	spf_ttl_use(w, found->ttl);
	*record_r = strdup(found->text);
	dns_answer_free(&ans);
	if (*record_r == NULL)
		return spf_fail(w, SPF_EXPAND_TEMPERROR, from, term,
				"out of memory");
	return SPF_EXPAND_OK;
}

/* spf_count_lookup - one more DNS-querying term, within the limit */
static enum spf_expand_status
spf_count_lookup(struct spf_walk *w, const char *domain, const char *term)
{
	if (++w->lookups > SPF_MAX_LOOKUPS)
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, term,
				"more than %d DNS-querying terms (RFC 7208 4.6.4)",
				SPF_MAX_LOOKUPS);
	return SPF_EXPAND_OK;
}

/* spf_count_void - one more lookup that found nothing, within the limit */
static enum spf_expand_status
spf_count_void(struct spf_walk *w, const char *domain, const char *term)
{
	if (++w->void_lookups > SPF_MAX_VOID)
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, term,
				"more than %d void lookups (RFC 7208 4.6.4)",
				SPF_MAX_VOID);
	return SPF_EXPAND_OK;
}

/* spf_address_query - A or AAAA of host, each address widened to len */
static enum spf_expand_status
spf_address_query(struct spf_walk *w, const char *domain, const char *term,
		  const char *host, enum dns_type type, unsigned len,
		  enum dns_status *status_r)
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
		return SPF_EXPAND_OK;
	case DNS_TEMPFAIL:
		return spf_fail(w, SPF_EXPAND_TEMPERROR, domain, term,
				"%s %s lookup: %s", host, dns_type_str(type),
				ans.reason);
	case DNS_BADNAME:
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, term,
				"%s: %s", host, ans.reason);
	}
	spf_ttl_use(w, ans.min_ttl);
	for (i = 0; i < ans.count && st == SPF_EXPAND_OK; i++) {
		struct tmx_addr addr = ans.records[i].addr;

		spf_mask(&addr, len);
		st = spf_add(w, domain, term, &addr, len);
	}
	dns_answer_free(&ans);
	return st;
}

/* spf_host_addresses - A and AAAA of host; *void_r when neither exists */
static enum spf_expand_status
spf_host_addresses(struct spf_walk *w, const char *domain, const char *term,
		   const char *host, unsigned cidr4, unsigned cidr6, bool *void_r)
{
	enum spf_expand_status st;
	enum dns_status s4, s6 = DNS_NXDOMAIN;

	st = spf_address_query(w, domain, term, host, DNS_TYPE_A, cidr4, &s4);
	if (st == SPF_EXPAND_OK && s4 != DNS_NXDOMAIN)
		st = spf_address_query(w, domain, term, host, DNS_TYPE_AAAA,
				       cidr6, &s6);
	*void_r = s4 != DNS_OK && s6 != DNS_OK;
	return st;
}

/* spf_eval_a - "a": the target's own addresses */
static enum spf_expand_status
spf_eval_a(struct spf_walk *w, const char *domain, const struct spf_term *t)
{
	const char *host = t->domain ? t->domain : domain;
	enum spf_expand_status st;
	bool empty;

	st = spf_host_addresses(w, domain, t->text, host, t->cidr4, t->cidr6,
				&empty);
	if (st == SPF_EXPAND_OK && empty)
		st = spf_count_void(w, domain, t->text);
	return st;
}

/* spf_eval_mx - "mx": the addresses of at most 10 mail exchangers */
static enum spf_expand_status
spf_eval_mx(struct spf_walk *w, const char *domain, const struct spf_term *t)
{
	const char *target = t->domain ? t->domain : domain;
	enum spf_expand_status st = SPF_EXPAND_OK;
	struct dns_answer ans;
	size_t i;

	switch (dns_lookup(target, DNS_TYPE_MX, &ans)) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		return spf_count_void(w, domain, t->text);
	case DNS_TEMPFAIL:
		return spf_fail(w, SPF_EXPAND_TEMPERROR, domain, t->text,
				"%s MX lookup: %s", target, ans.reason);
	case DNS_BADNAME:
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, t->text,
				"%s: %s", target, ans.reason);
	}
	if (ans.count > SPF_MAX_MX) {
		dns_answer_free(&ans);
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, t->text,
				"more than %d MX records (RFC 7208 4.6.4)",
				SPF_MAX_MX);
	}
	spf_ttl_use(w, ans.min_ttl);
	for (i = 0; i < ans.count && st == SPF_EXPAND_OK; i++) {
		const char *host = ans.records[i].text;
		bool empty;

		if (host[0] == '\0')	/* null MX, RFC 7505 */
			continue;
		st = spf_host_addresses(w, domain, t->text, host, t->cidr4,
					t->cidr6, &empty);
		if (st == SPF_EXPAND_OK && empty)
			spf_warnf(w, domain, t->text,
				  "MX host %s has no address", host);
	}
	dns_answer_free(&ans);
	return st;
}

/* spf_eval_ip - "ip4"/"ip6": the network as written, host bits cleared */
static enum spf_expand_status
spf_eval_ip(struct spf_walk *w, const char *domain, const struct spf_term *t)
{
	struct tmx_addr addr = t->addr;
	char buf[INET6_ADDRSTRLEN];

	if (spf_mask(&addr, t->len))
		spf_warnf(w, domain, t->text,
			  "host bits set; using %s/%u as SPF evaluators do",
			  inet_ntop(addr.family == 4 ? AF_INET : AF_INET6,
				    addr.bytes, buf, sizeof(buf)), t->len);
	return spf_add(w, domain, t->text, &addr, t->len);
}

/* spf_follow - include or redirect: another record, unless that loops */
static enum spf_expand_status
spf_follow(struct spf_walk *w, const char *domain, const char *term,
	   const char *target)
{
	unsigned i;

	for (i = 0; i < w->depth; i++)
		if (dns_name_equal(w->active[i], target))
			return spf_fail(w, SPF_EXPAND_PERMERROR, domain, term,
					"loop: %s is already being expanded",
					target);
	if (w->depth >= SPF_MAX_DEPTH)
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, term,
				"nested too deep");
	return spf_walk_domain(w, target, domain, term);
}

/* spf_skip_reason - why a term yields no addresses, or NULL if it can */
static const char *
spf_skip_reason(const struct spf_term *t)
{
	if (t->mech == SPF_MECH_PTR)
		return "ptr cannot be expanded into addresses; skipped";
	if (t->mech == SPF_MECH_EXISTS)
		return "exists cannot be expanded into addresses; skipped";
	if (t->macro)
		return "macros depend on the client; skipped";
	return NULL;
}

/* spf_eval_term - one mechanism; lookups are counted even when skipped */
static enum spf_expand_status
spf_eval_term(struct spf_walk *w, const char *domain, const struct spf_term *t)
{
	enum spf_expand_status st;
	const char *skip;

	switch (t->mech) {
	case SPF_MECH_INCLUDE:
	case SPF_MECH_A:
	case SPF_MECH_MX:
	case SPF_MECH_PTR:
	case SPF_MECH_EXISTS:
		if ((st = spf_count_lookup(w, domain, t->text)) != SPF_EXPAND_OK)
			return st;
		break;
	default:
		break;
	}
	/* -, ~ and ? say who does not pass: no authorisation to collect */
	if (t->qualifier != '+')
		return SPF_EXPAND_OK;
	if ((skip = spf_skip_reason(t)) != NULL) {
		spf_warnf(w, domain, t->text, "%s", skip);
		return SPF_EXPAND_OK;
	}
	switch (t->mech) {
	case SPF_MECH_ALL:
		return spf_fail(w, SPF_EXPAND_PERMERROR, domain, t->text,
				"authorises every address; not usable as a trust list");
	case SPF_MECH_INCLUDE:
		return spf_follow(w, domain, t->text, t->domain);
	case SPF_MECH_A:
		return spf_eval_a(w, domain, t);
	case SPF_MECH_MX:
		return spf_eval_mx(w, domain, t);
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		return spf_eval_ip(w, domain, t);
	default:
		return SPF_EXPAND_OK;
	}
}

/* spf_eval_record - mechanisms in order up to "all", then redirect= */
static enum spf_expand_status
spf_eval_record(struct spf_walk *w, const char *domain,
		const struct spf_record *rec)
{
	enum spf_expand_status st;
	size_t i;

	for (i = 0; i < rec->nterms; i++) {
		const struct spf_term *t = &rec->terms[i];

		if ((st = spf_eval_term(w, domain, t)) != SPF_EXPAND_OK)
			return st;
		if (t->mech == SPF_MECH_ALL)
			return SPF_EXPAND_OK;	/* nothing after it is reached */
	}
	if (rec->redirect == NULL || rec->has_all)
		return SPF_EXPAND_OK;
	st = spf_count_lookup(w, domain, rec->redirect_text);
	if (st != SPF_EXPAND_OK)
		return st;
	if (rec->redirect_macro) {
		spf_warnf(w, domain, rec->redirect_text,
			  "macros depend on the client; skipped");
		return SPF_EXPAND_OK;
	}
	return spf_follow(w, domain, rec->redirect_text, rec->redirect);
}

/* spf_walk_domain - fetch, parse and evaluate one domain's record */
static enum spf_expand_status
spf_walk_domain(struct spf_walk *w, const char *domain, const char *from,
		const char *term)
{
	enum spf_expand_status st;
	struct spf_record rec;
	char *record;

	st = spf_fetch(w, domain, from, term, &record);
	if (st != SPF_EXPAND_OK)
		return st;
	st = spf_record_parse(w, domain, record, &rec);
	if (st == SPF_EXPAND_OK) {
		w->active[w->depth++] = domain;
		st = spf_eval_record(w, domain, &rec);
		w->depth--;
	}
	spf_record_free(&rec);
	free(record);
	return st;
}

/* spf_prefix_cmp - IPv4 before IPv6, then by address, then shorter first */
static int
spf_prefix_cmp(const void *a, const void *b)
{
	const struct spf_prefix *pa = a, *pb = b;
	int c;

	if (pa->addr.family != pb->addr.family)
		return pa->addr.family < pb->addr.family ? -1 : 1;
	if ((c = memcmp(pa->addr.bytes, pb->addr.bytes, 16)) != 0)
		return c;
	return pa->len < pb->len ? -1 : pa->len > pb->len;
}

/* spf_prefix_covers - outer contains inner */
static bool
spf_prefix_covers(const struct spf_prefix *outer, const struct spf_prefix *inner)
{
	struct tmx_addr a = inner->addr;

	if (outer->addr.family != a.family || outer->len > inner->len)
		return false;
	spf_mask(&a, outer->len);
	return memcmp(a.bytes, outer->addr.bytes, 16) == 0;
}

/* spf_prefixes_normalise - sort; drop duplicates and prefixes inside another */
static void
spf_prefixes_normalise(struct spf_walk *w)
{
	size_t i, kept = 0;

	if (w->count == 0)
		return;
	qsort(w->prefixes, w->count, sizeof(*w->prefixes), spf_prefix_cmp);
	/* sorted, a prefix's container comes before it: compare with the last kept */
	for (i = 1; i < w->count; i++) {
		if (spf_prefix_covers(&w->prefixes[kept], &w->prefixes[i]))
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
	struct spf_walk w;
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
		return spf_fail(&w, SPF_EXPAND_PERMERROR, domain, NULL,
				"invalid domain name");
	st = spf_walk_domain(&w, domain, domain, NULL);
	if (st != SPF_EXPAND_OK) {
		free(w.prefixes);
		return st;
	}
	spf_prefixes_normalise(&w);
	exp_r->prefixes = w.prefixes;
	exp_r->count = w.count;
	exp_r->ttl = w.ttl < SPF_TTL_FLOOR ? SPF_TTL_FLOOR :
		w.ttl > SPF_TTL_CEILING ? SPF_TTL_CEILING : w.ttl;
	exp_r->lookups = w.lookups;
	exp_r->void_lookups = w.void_lookups;
	exp_r->resolved_at = time(NULL);
	return SPF_EXPAND_OK;
}
