/*
 * spf.c - SPF evaluation for trustmx-milter and "trustmx spf check": one
 * libspf2 server (our screening layer over dns/, the shared resolver and
 * cache that honours TTLs) shared by all threads; the client is unmapped, loopback gets no free pass, and what
 * libspf2 reports is mapped onto RFC 7208 results and a Received-SPF field.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <spf2/spf.h>

#include "dns_spf2.h"
#include "spf.h"
#include "spf_dns.h"
#include "spf_limits.h"

struct spf_layer {
	SPF_server_t *server;
	SPF_dns_server_t *dns;		/* our screening layer; owns dns/'s */
	char receiver[256];
	unsigned void_limit;
	bool loopback_pass;
};

/* One evaluation of one identity. */
struct spf_eval {
	enum spf_outcome result;
	char comment[512];
	char explanation[512];
};

/* spf_outcome_name - RFC 7208 result names */
const char *
spf_outcome_name(enum spf_outcome outcome)
{
	static const char *const names[] = {
		"none", "neutral", "pass", "fail", "softfail", "temperror",
		"permerror",
	};

	if ((unsigned)outcome >= sizeof(names) / sizeof(names[0]))
		return "temperror";
	return names[outcome];
}

/* spf_layer_new - the shared libspf2 server with our DNS stack */
struct spf_layer *
spf_layer_new(const struct spf_layer_config *config, char *err, size_t errlen)
{
	struct spf_layer *layer = calloc(1, sizeof(*layer));
	SPF_dns_server_t *below;

	if (layer == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* libspf2 logs to stdout/stderr by default; we report, not it */
	SPF_warning_handler = NULL;
	SPF_info_handler = NULL;
	SPF_debug_handler = NULL;
	layer->void_limit = config->void_limit != 0 ? config->void_limit :
	    SPF_LIMIT_VOID;
	layer->loopback_pass = config->loopback_pass;
	if (config->receiver != NULL)
		snprintf(layer->receiver, sizeof(layer->receiver), "%s",
		    config->receiver);
	else if (gethostname(layer->receiver, sizeof(layer->receiver) - 1) < 0)
		snprintf(layer->receiver, sizeof(layer->receiver), "localhost");
	/* our screening -> dns/ (one cache for SPF, DKIM and DMARC) */
	below = dns_spf2_new(config->debug);
	layer->dns = below != NULL ? spf_dns_new(below, config->debug) : NULL;
	if (layer->dns == NULL) {
		if (below != NULL)
			SPF_dns_free(below);
		free(layer);
		snprintf(err, errlen, "cannot create the libspf2 DNS layers");
		return NULL;
	}
	layer->server = SPF_server_new_dns(layer->dns, config->debug);
	/* sanitize: explanations from DNS lose non-printable bytes */
	if (layer->server == NULL ||
	    SPF_server_set_rec_dom(layer->server, layer->receiver) !=
	    SPF_E_SUCCESS ||
	    SPF_server_set_sanitize(layer->server, 1) != SPF_E_SUCCESS) {
		spf_layer_free(layer);
		snprintf(err, errlen, "cannot create the libspf2 server");
		return NULL;
	}
	return layer;
}

/* spf_layer_free - the server, then our DNS stack */
void
spf_layer_free(struct spf_layer *layer)
{
	if (layer == NULL)
		return;
	if (layer->server != NULL)
		SPF_server_free(layer->server);
	if (layer->dns != NULL)
		SPF_dns_free(layer->dns);
	free(layer);
}

/*
 * spf_domain_valid - RFC 7208 4.3: a multi-label name, labels of 1..63
 * letters, digits, '-' or '_' (A-labels; a trailing dot is allowed)
 */
static bool
spf_domain_valid(const char *domain)
{
	size_t len = strlen(domain), label = 0, labels = 0, i;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || domain[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			labels++;
			label = 0;
		} else if (isalnum((unsigned char)domain[i]) ||
		    domain[i] == '-' || domain[i] == '_') {
			label++;
		} else {
			return false;
		}
	}
	return labels >= 2;
}

/* spf_map - libspf2's result onto ours (libspf2 "invalid" is a temperror) */
static enum spf_outcome
spf_map(SPF_result_t result)
{
	switch (result) {
	case SPF_RESULT_NEUTRAL:
		return SPF_OUT_NEUTRAL;
	case SPF_RESULT_PASS:
		return SPF_OUT_PASS;
	case SPF_RESULT_FAIL:
		return SPF_OUT_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return SPF_OUT_SOFTFAIL;
	case SPF_RESULT_NONE:
		return SPF_OUT_NONE;
	case SPF_RESULT_PERMERROR:
		return SPF_OUT_PERMERROR;
	default:
		return SPF_OUT_TEMPERROR;
	}
}

/* spf_request_client - give libspf2 the (already unmapped) client */
static SPF_errcode_t
spf_request_client(SPF_request_t *req, const struct tmx_addr *client)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (client->family == 4) {
		memcpy(&a4, client->bytes, 4);
		return SPF_request_set_ipv4(req, a4);
	}
	memcpy(&a6, client->bytes, 16);
	return SPF_request_set_ipv6(req, a6);
}

/* spf_state_init - per-evaluation DNS state for the calling thread */
static void
spf_state_init(struct spf_layer *layer, struct spf_dns_state *st,
	       const struct tmx_addr *client)
{
	memset(st, 0, sizeof(*st));
	st->void_limit = layer->void_limit;
	st->family = client->family == 4 ? AF_INET : AF_INET6;
	if (client->family == 4)
		memcpy(&st->ipv4, client->bytes, 4);
	else
		memcpy(&st->ipv6, client->bytes, 16);
}

/*
 * spf_run - check_host() through libspf2 without its loopback shortcut:
 * what SPF_request_query_mailfrom does, minus "localhost passes".
 */
static void
spf_run(struct spf_layer *layer, SPF_request_t *req, struct spf_eval *ev,
	struct spf_dns_state *st)
{
	SPF_response_t *resp = SPF_response_new(req);
	SPF_record_t *record = NULL;
	const char *exp;
	SPF_errcode_t err;

	if (resp == NULL) {
		ev->result = SPF_OUT_TEMPERROR;
		snprintf(ev->comment, sizeof(ev->comment), "out of memory");
		return;
	}
	req->cur_dom = req->use_helo ? req->helo_dom : req->env_from_dp;
	spf_dns_begin(st);
	err = SPF_server_get_record(layer->server, req, resp, &record);
	if (err == SPF_E_SUCCESS && record != NULL) {
		resp->spf_record_exp = record;
		SPF_record_interpret(record, req, resp, 0);
	}
	spf_dns_end();
	if (record != NULL)
		SPF_record_free(record);
	ev->result = spf_map(SPF_response_result(resp));
	if (st->aborted)
		ev->result = SPF_OUT_PERMERROR;
	else if (ev->result == SPF_OUT_PERMERROR && st->problem == NULL) {
		st->problem = SPF_strerror(SPF_response_errcode(resp));
	}
	exp = ev->result == SPF_OUT_FAIL ?
	    SPF_response_get_explanation(resp) : NULL;
	if (exp != NULL)
		snprintf(ev->explanation, sizeof(ev->explanation), "%s", exp);
	SPF_response_free(resp);
}

/* spf_comment - the header comment RFC 7208 9.1 suggests, per result */
static void
spf_comment(struct spf_eval *ev, const char *who, const char *ip,
	    const char *problem)
{
	char *c = ev->comment;
	size_t n = sizeof(ev->comment);

	switch (ev->result) {
	case SPF_OUT_PASS:
		snprintf(c, n, "domain of %s designates %s as permitted sender",
		    who, ip);
		break;
	case SPF_OUT_FAIL:
		snprintf(c, n, "domain of %s does not designate %s as "
		    "permitted sender", who, ip);
		break;
	case SPF_OUT_SOFTFAIL:
		snprintf(c, n, "domain of transitioning %s does not designate "
		    "%s as permitted sender", who, ip);
		break;
	case SPF_OUT_NEUTRAL:
		snprintf(c, n, "%s is neither permitted nor denied by domain "
		    "of %s", ip, who);
		break;
	case SPF_OUT_NONE:
		snprintf(c, n, "domain of %s does not publish SPF", who);
		break;
	case SPF_OUT_TEMPERROR:
		snprintf(c, n, "temporary error evaluating SPF for %s", who);
		break;
	case SPF_OUT_PERMERROR:
		snprintf(c, n, "permanent error in SPF for %s: %s", who,
		    problem != NULL ? problem : "invalid record");
		break;
	}
}

/* spf_macro_values - what l, s, o, h, i, v expand to (for spf_dns) */
static void
spf_macro_values(struct spf_dns_state *st, const SPF_request_t *req,
		 const struct tmx_addr *client, char *ipdots)
{
	static const char hex[] = "0123456789abcdef";
	char *p = ipdots;
	int i;

	if (client->family == 4) {
		tmx_addr_format(client, ipdots, 64);
	} else {
		/* %{i} of an IPv6 client: 32 dot-separated nibbles */
		for (i = 0; i < 16; i++) {
			*p++ = hex[client->bytes[i] >> 4];
			*p++ = '.';
			*p++ = hex[client->bytes[i] & 15];
			*p++ = i < 15 ? '.' : '\0';
		}
	}
	st->macros.l = req->env_from_lp;
	st->macros.s = req->env_from;
	st->macros.o = req->env_from_dp;
	st->macros.h = req->helo_dom;
	st->macros.i = ipdots;
	st->macros.v = client->family == 4 ? "in-addr" : "ip6";
}

/*
 * spf_identity_check - check_host() for one identity: sender is
 * "local@domain" (MAIL FROM) or the HELO name (use_helo).
 */
static void
spf_identity_check(struct spf_layer *layer, const struct tmx_addr *client,
		   const char *helo, const char *sender, bool use_helo,
		   struct spf_eval *ev)
{
	const char *at = strrchr(sender, '@');
	const char *domain = at != NULL ? at + 1 : sender;
	char ip[TMX_ADDR_STRLEN], ipdots[64];
	struct spf_dns_state st;
	SPF_request_t *req;

	memset(ev, 0, sizeof(*ev));
	tmx_addr_format(client, ip, sizeof(ip));
	if (!spf_domain_valid(domain)) {
		ev->result = SPF_OUT_NONE;
		snprintf(ev->comment, sizeof(ev->comment),
		    "%s is not a valid domain name", domain);
		return;
	}
	if (layer->loopback_pass && ((client->family == 4 &&
	    client->bytes[0] == 127) || (client->family == 6 &&
	    memcmp(client->bytes, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0))) {
		ev->result = SPF_OUT_PASS;
		snprintf(ev->comment, sizeof(ev->comment),
		    "%s is a loopback address", ip);
		return;
	}
	spf_state_init(layer, &st, client);
	req = SPF_request_new(layer->server);
	if (req == NULL || spf_request_client(req, client) != SPF_E_SUCCESS ||
	    SPF_request_set_helo_dom(req, helo != NULL ? helo : domain) !=
	    SPF_E_SUCCESS ||
	    SPF_request_set_env_from(req, sender) != SPF_E_SUCCESS) {
		if (req != NULL)
			SPF_request_free(req);
		ev->result = SPF_OUT_TEMPERROR;
		snprintf(ev->comment, sizeof(ev->comment), "out of memory");
		return;
	}
	req->use_helo = use_helo;
	spf_macro_values(&st, req, client, ipdots);
	spf_run(layer, req, ev, &st);
	SPF_request_free(req);
	spf_comment(ev, use_helo ? domain : sender, ip, st.problem);
}

/* spf_header_text - s as a header value: dot-atom as is, else quoted */
static void
spf_header_text(char *out, size_t size, const char *s)
{
	size_t i, o = 0;
	bool atom = *s != '\0';

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr(".-_+@", s[i]) == NULL)
			atom = false;
	if (atom) {
		snprintf(out, size, "%s", s);
		return;
	}
	if (size < 3) {
		out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (i = 0; s[i] != '\0' && o + 3 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			continue;
		if (c == '"' || c == '\\')
			out[o++] = '\\';
		out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* spf_header_comment - text for inside "( )": no controls, parens escaped */
static void
spf_header_comment(char *out, size_t size, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e)
			continue;
		if (c == '(' || c == ')' || c == '\\')
			out[o++] = '\\';
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* spf_received - the Received-SPF field value (RFC 7208 9.1) */
static void
spf_received(struct spf_layer *layer, struct spf_verdict *r, const char *ip,
	     const char *helo, const char *mail_from)
{
	char from[300], name[300], comment[600];
	int n;

	spf_header_text(from, sizeof(from), mail_from);
	spf_header_text(name, sizeof(name), helo);
	spf_header_comment(comment, sizeof(comment), r->comment);
	/* a very long address only cuts the header short */
	n = snprintf(r->received_spf, sizeof(r->received_spf),
	    "%s (%s: %s) client-ip=%s; envelope-from=%s; helo=%s; "
	    "receiver=%s; identity=%s;",
	    spf_outcome_name(r->result), layer->receiver, comment, ip,
	    from, name, layer->receiver,
	    r->identity == SPF_ID_HELO ? "helo" : "mailfrom");
	if (n < 0)
		r->received_spf[0] = '\0';
}

/* spf_check - HELO and MAIL FROM identities for one transaction */
int
spf_check(struct spf_layer *layer, const struct tmx_addr *client,
	  const char *helo, const char *mail_from, struct spf_verdict *r)
{
	struct tmx_addr c = *client;
	struct spf_eval helo_ev, from_ev;
	char ip[TMX_ADDR_STRLEN];
	const char *from = mail_from != NULL ? mail_from : "";
	const char *at;

	memset(r, 0, sizeof(*r));
	if (c.family != 4 && c.family != 6) {
		r->result = r->helo_result = SPF_OUT_TEMPERROR;
		snprintf(r->comment, sizeof(r->comment), "no client address");
		return -1;
	}
	tmx_addr_unmap(&c);
	tmx_addr_format(&c, ip, sizeof(ip));
	if (helo != NULL && *helo != '\0')
		spf_identity_check(layer, &c, helo, helo, true, &helo_ev);
	else {
		memset(&helo_ev, 0, sizeof(helo_ev));
		snprintf(helo_ev.comment, sizeof(helo_ev.comment),
		    "no HELO name");
	}
	r->helo_result = helo_ev.result;
	if (*from == '\0') {
		/* null sender: RFC 7208 2.4, the HELO identity decides */
		r->identity = SPF_ID_HELO;
		r->result = helo_ev.result;
		snprintf(r->domain, sizeof(r->domain), "%s",
		    helo != NULL ? helo : "");
		snprintf(r->comment, sizeof(r->comment), "%s", helo_ev.comment);
		snprintf(r->explanation, sizeof(r->explanation), "%s",
		    helo_ev.explanation);
	} else {
		spf_identity_check(layer, &c, helo, from, false, &from_ev);
		at = strrchr(from, '@');
		r->identity = SPF_ID_MAILFROM;
		r->result = from_ev.result;
		snprintf(r->domain, sizeof(r->domain), "%s",
		    at != NULL ? at + 1 : from);
		snprintf(r->comment, sizeof(r->comment), "%s", from_ev.comment);
		snprintf(r->explanation, sizeof(r->explanation), "%s",
		    from_ev.explanation);
	}
	spf_received(layer, r, ip, helo != NULL ? helo : "", from);
	return 0;
}
