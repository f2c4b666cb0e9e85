/*
 * test-arcv.c - the milter's ARC trust policy on hand-built chains (no
 * crypto, no DNS): which sealers are trusted, when a relay's own seal
 * names its client and SPF result, and when a trusted sealer's word lets
 * a DMARC failure go, with the forgeries an attacker would try.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcv.h"
#include "authres_parse.h"
#include "dmarc.h"
#include "tmx-test.h"

#ifndef TEST_PSL
#define TEST_PSL "/usr/share/publicsuffix/public_suffix_list.dat"
#endif
#define TEST_MAX_SETS 3

/* relay.example is the backup MX in relay_networks, lists.example a
 * mailing list; anyone else seals too but is not trusted */
static char *const trusted[] = { "relay.example", "lists.example", NULL };

/* One ARC set as a row writes it; oldest first, domain NULL ends */
struct test_set {
	const char *domain;
	bool above_received;
	const char *aar;
};

#define ABOVE(d, aar) { d, true, aar }
#define BELOW(d, aar) { d, false, aar }

/* test_chain - chain over sets, as arc_msg_verify would leave it */
static void
test_chain(enum arc_cv cv, const struct test_set *sets,
	   struct arc_set_result *storage, struct arc_result *chain)
{
	memset(chain, 0, sizeof(*chain));
	chain->cv = cv;
	chain->reason = cv == ARC_CV_FAIL ? "test: a seal does not verify" :
	    NULL;
	chain->set = storage;
	for (unsigned i = 0; i < TEST_MAX_SETS && sets[i].domain; i++) {
		struct arc_set_result *s = &storage[i];

		memset(s, 0, sizeof(*s));
		s->instance = i + 1;
		s->cv = i == 0 ? ARC_CV_NONE : cv;
		snprintf(s->domain, sizeof(s->domain), "%s", sets[i].domain);
		snprintf(s->selector, sizeof(s->selector), "arc");
		snprintf(s->ams_domain, sizeof(s->ams_domain), "%s",
			 sets[i].domain);
		snprintf(s->ams_selector, sizeof(s->ams_selector), "arc");
		s->ams_pass = s->as_pass = cv == ARC_CV_PASS;
		s->above_received = sets[i].above_received;
		s->aar = sets[i].aar;
		chain->nsets = i + 1;
	}
	if (cv == ARC_CV_PASS)
		chain->oldest_pass = 1;
}

/* --- arcv_trusted --------------------------------------------------- */

struct trusted_case {
	const char *name;
	const char *domain;
	bool want;
};

static const struct trusted_case trusted_cases[] = {
	/* the operator's name as written */
	{ "exact", "lists.example", true },
	{ "second entry", "relay.example", true },
	/* DNS names are case-insensitive */
	{ "case", "LISTS.Example", true },
	/* a subdomain is someone else (a list's customer, a hosted tenant) */
	{ "subdomain", "evil.lists.example", false },
	/* the parent does not inherit trust either */
	{ "parent", "example", false },
	/* no suffix or prefix matching */
	{ "suffix", "evillists.example", false },
	{ "prefix", "lists.example.evil.example", false },
	/* the absolute form is not the configured name: fail closed (the
	 * config refuses a trailing dot, so the list never holds one) */
	{ "trailing dot", "lists.example.", false },
	/* white space is not trimmed */
	{ "leading space", " lists.example", false },
	/* an AS without d= never matches */
	{ "empty", "", false },
};

/* test_trusted - the list lookup, and lists with nothing in them */
static void
test_trusted(void)
{
	static char *const empty[] = { NULL };
	static char *const blank[] = { "", NULL };
	static char *const dotted[] = { "lists.example.", NULL };

	for (size_t i = 0; i < sizeof(trusted_cases) /
	     sizeof(trusted_cases[0]); i++) {
		const struct trusted_case *t = &trusted_cases[i];

		TMX_CHECKF(arcv_trusted(trusted, t->domain) == t->want,
			   "trusted: %s", t->name);
	}
	/* no arc_trusted_sealers: nobody */
	TMX_CHECK(!arcv_trusted(NULL, "lists.example"));
	TMX_CHECK(!arcv_trusted(empty, "lists.example"));
	/* an empty entry does not make an empty d= trusted */
	TMX_CHECK(!arcv_trusted(blank, ""));
	/* a trailing dot in the list does not match the relative name */
	TMX_CHECK(!arcv_trusted(dotted, "lists.example"));
}

/* --- arcv_relay_evidence -------------------------------------------- */

#define ARC_IP " relay.example; arc=none smtp.remote-ip=192.0.2.10"
#define SPF_PASS "spf=pass smtp.mailfrom=a@author.example"

struct relay_case {
	const char *name;
	enum arc_cv cv;
	struct test_set set[TEST_MAX_SETS];
	const char *why;		/* NULL: the seal is taken */
	const char *client;
	enum spf_outcome spf;
	enum spf_identity identity;
	const char *spf_domain;		/* verdict.domain */
	const char *helo;		/* r->helo, HELO identity only */
};

#define TAKEN(client, spf, dom) NULL, client, spf, SPF_ID_MAILFROM, dom, NULL
#define REFUSED(why) why, NULL, SPF_OUT_NONE, SPF_ID_MAILFROM, NULL, NULL

static const struct relay_case relay_cases[] = {
	/* the backup MX's own set, added after its Received line */
	{ "trusted top set", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; " SPF_PASS) },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* the relay's set on top of a list's and a stranger's: instance 3 */
	{ "over older sets", ARC_CV_PASS,
	  { BELOW("other.example", "other.example; spf=fail "
		  "smtp.mailfrom=x@other.example smtp.remote-ip=198.51.100.1"),
	    BELOW("lists.example", "lists.example; spf=pass "
		  "smtp.mailfrom=l@lists.example smtp.remote-ip=198.51.100.2"),
	    ABOVE("relay.example", ARC_IP "; " SPF_PASS) },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* the sealer's spf=fail is reported as it said, not improved */
	{ "spf=fail kept", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=fail "
		  "smtp.mailfrom=a@author.example") },
	  TAKEN("192.0.2.10", SPF_OUT_FAIL, "author.example") },
	/* keywords are case-insensitive; AS d= case does not matter */
	{ "upper case", ARC_CV_PASS,
	  { ABOVE("Relay.EXAMPLE", "relay.example; SPF=Pass "
		  "SMTP.MailFrom=a@author.example SMTP.Remote-IP=192.0.2.10") },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* smtp.remote-ip on the spf= result itself counts too */
	{ "remote-ip on spf", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; " SPF_PASS
		  " smtp.remote-ip=192.0.2.10") },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* iprev's policy.iprev is the fallback for the client */
	{ "policy.iprev", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; iprev=pass "
		  "policy.iprev=192.0.2.11; " SPF_PASS) },
	  TAKEN("192.0.2.11", SPF_OUT_PASS, "author.example") },
	/* smtp.remote-ip wins over policy.iprev, whatever the order */
	{ "remote-ip over iprev", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; iprev=pass "
		  "policy.iprev=192.0.2.11; " SPF_PASS
		  " smtp.remote-ip=192.0.2.10") },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* IPv6, printed back in inet_ntop's form */
	{ "IPv6", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=2001:DB8:0::25; " SPF_PASS) },
	  TAKEN("2001:db8::25", SPF_OUT_PASS, "author.example") },
	/* IPv4-mapped IPv6 is the IPv4 client (as in Received lines) */
	{ "IPv4-mapped", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=::ffff:192.0.2.10; " SPF_PASS) },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* a quoted remote-ip is a legal pvalue and is read */
	{ "quoted address", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=\"192.0.2.10\"; " SPF_PASS) },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* ";" outside quotes ends the value: the address, then a result */
	{ "split at ;", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=192.0.2.10 ; spf=pass "
		  "smtp.mailfrom=a@author.example") },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* two spf= results: which one the sealer meant is unknown */
	{ "two spf results", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=fail "
		  "smtp.mailfrom=a@author.example; spf=pass "
		  "smtp.mailfrom=b@other.example") },
	  REFUSED("its ARC-Authentication-Results have two spf= results") },
	/* a mailfrom without a local-part is its own domain */
	{ "bare domain mailfrom", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=softfail "
		  "smtp.mailfrom=author.example") },
	  TAKEN("192.0.2.10", SPF_OUT_SOFTFAIL, "author.example") },
	/* a quoted local-part with '@' in it: the domain after the last @ */
	{ "quoted local-part", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=pass "
		  "smtp.mailfrom=\"a@evil.example\"@author.example") },
	  TAKEN("192.0.2.10", SPF_OUT_PASS, "author.example") },
	/* MAIL FROM:<>: the HELO identity */
	{ "HELO identity", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=pass "
		  "smtp.helo=mx.author.example") },
	  NULL, "192.0.2.10", SPF_OUT_PASS, SPF_ID_HELO, "mx.author.example",
	  "mx.author.example" },

	/* no set at all */
	{ "no sets", ARC_CV_NONE, { { NULL, false, NULL } },
	  REFUSED("no ARC set") },
	/* anyone can seal: a stranger's set says nothing */
	{ "untrusted top", ARC_CV_PASS,
	  { ABOVE("evil.example", "evil.example; arc=none "
		  "smtp.remote-ip=192.0.2.10; " SPF_PASS) },
	  REFUSED("its ARC set is not by a trusted sealer") },
	/* a stranger sealing after the relay hides the relay's set */
	{ "untrusted over trusted", ARC_CV_PASS,
	  { BELOW("relay.example", ARC_IP "; " SPF_PASS),
	    ABOVE("evil.example", "evil.example; arc=pass "
		  "smtp.remote-ip=192.0.2.10; " SPF_PASS) },
	  REFUSED("its ARC set is not by a trusted sealer") },
	/* a subdomain of a trusted sealer is a stranger */
	{ "trusted subdomain", ARC_CV_PASS,
	  { ABOVE("evil.relay.example", ARC_IP "; " SPF_PASS) },
	  REFUSED("its ARC set is not by a trusted sealer") },
	/* a chain that fails proves nothing of who wrote the AAR */
	{ "cv fail", ARC_CV_FAIL,
	  { ABOVE("relay.example", ARC_IP "; " SPF_PASS) },
	  REFUSED("its ARC chain does not pass") },
	/* a list's set replayed through the relay tells of the list's
	 * client, not the relay's */
	{ "below Received", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; arc=none "
		  "smtp.remote-ip=192.0.2.10; " SPF_PASS) },
	  REFUSED("its newest ARC set is not above its Received line") },
	/* the client must be named */
	{ "no remote-ip", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; " SPF_PASS) },
	  REFUSED("its ARC-Authentication-Results name no smtp.remote-ip") },
	/* the newest set lacks it, an older trusted one has it: refused */
	{ "remote-ip only older", ARC_CV_PASS,
	  { ABOVE("lists.example", "lists.example; arc=none "
		  "smtp.remote-ip=192.0.2.10; " SPF_PASS),
	    ABOVE("relay.example", "relay.example; " SPF_PASS) },
	  REFUSED("its ARC-Authentication-Results name no smtp.remote-ip") },
	/* a comment is not a property */
	{ "remote-ip in comment", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "(smtp.remote-ip=192.0.2.10); " SPF_PASS
		  " (smtp.remote-ip=192.0.2.10)") },
	  REFUSED("its ARC-Authentication-Results name no smtp.remote-ip") },
	/* nor is a quoted string that looks like one (reason=, helo) */
	{ "remote-ip in quotes", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; spf=pass "
		  "reason=\"smtp.remote-ip=192.0.2.10\" "
		  "smtp.mailfrom=a@author.example "
		  "smtp.helo=\"x smtp.remote-ip=192.0.2.10\"") },
	  REFUSED("its ARC-Authentication-Results name no smtp.remote-ip") },
	/* remote-ip under another ptype is not smtp.remote-ip */
	{ "remote-ip other ptype", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "header.remote-ip=192.0.2.10 remote-ip=192.0.2.10; "
		  SPF_PASS) },
	  REFUSED("its ARC-Authentication-Results name no smtp.remote-ip") },
	/* addresses only: no out-of-range octet, no host name */
	{ "octet 300", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=192.0.2.300; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	{ "host name", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=evil.example; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	/* a quoted value smuggling a second result stays one bad value */
	{ "quoted smuggle", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=\"192.0.2.10 ; spf=pass\"; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	/* no prefix, no port, no zone */
	{ "prefix", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=192.0.2.0/24; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	{ "port", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=192.0.2.10:25; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	{ "leading zeros", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=192.0.2.010; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	/* an address literal in brackets, as some writers put IPv6 */
	{ "brackets", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=[2001:db8::25]; " SPF_PASS) },
	  TAKEN("2001:db8::25", SPF_OUT_PASS, "author.example") },
	/* brackets around something else, or only one of them */
	{ "brackets, not an address", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=[relay.example]; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	{ "one bracket", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=[192.0.2.10; " SPF_PASS) },
	  REFUSED("its smtp.remote-ip is not an address") },
	/* an address and nothing to judge it with */
	{ "no spf", ARC_CV_PASS,
	  { ABOVE("relay.example", "relay.example; arc=none "
		  "smtp.remote-ip=192.0.2.10; dkim=pass header.d=a.example") },
	  REFUSED("its ARC-Authentication-Results have no spf= result") },
	/* spf= in a comment is no result */
	{ "spf in comment", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP " (spf=pass "
		  "smtp.mailfrom=a@author.example)") },
	  REFUSED("its ARC-Authentication-Results have no spf= result") },
	/* a result word SPF does not have */
	{ "spf=passed", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=passed "
		  "smtp.mailfrom=a@author.example") },
	  REFUSED("its spf= result is not an SPF result") },
	{ "spf=policy", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=policy "
		  "smtp.mailfrom=a@author.example") },
	  REFUSED("its spf= result is not an SPF result") },
	/* a result without the identity it is for (and r stays untouched) */
	{ "spf without identity", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=pass") },
	  REFUSED("its spf= result names neither smtp.mailfrom nor "
		  "smtp.helo") },
	{ "spf empty identities", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=pass smtp.mailfrom=\"\" "
		  "smtp.helo=\"\"") },
	  REFUSED("its spf= result names neither smtp.mailfrom nor "
		  "smtp.helo") },
	/* an unreadable AAR (absent, cut, bad fold) is no evidence */
	{ "AAR absent", ARC_CV_PASS, { ABOVE("relay.example", "") },
	  REFUSED("its ARC-Authentication-Results cannot be read") },
	{ "AAR unterminated comment", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; " SPF_PASS " (cut") },
	  REFUSED("its ARC-Authentication-Results cannot be read") },
	{ "AAR bare CR", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "\r; " SPF_PASS) },
	  REFUSED("its ARC-Authentication-Results cannot be read") },
	{ "AAR two @", ARC_CV_PASS,
	  { ABOVE("relay.example", ARC_IP "; spf=pass "
		  "smtp.mailfrom=a@b@author.example") },
	  REFUSED("its ARC-Authentication-Results cannot be read") },
};

/* test_relay_row - one chain through arcv_relay_evidence */
static void
test_relay_row(const char *name, const struct arc_result *chain,
	       const struct relay_case *t)
{
	struct results_spf r, before;
	const char *why = NULL;
	bool got;

	/* a used-looking r: what a refusal must leave as it was */
	memset(&r, 0x5a, sizeof(r));
	r.source = RESULTS_SPF_RECOVERED;
	r.client[sizeof(r.client) - 1] = '\0';
	r.sealer[sizeof(r.sealer) - 1] = '\0';
	r.helo[sizeof(r.helo) - 1] = '\0';
	memcpy(&before, &r, sizeof(r));
	got = arcv_relay_evidence(chain, trusted, &r, &why);
	TMX_CHECKF(got == (t->why == NULL), "relay: %s: got %d (%s)", name,
		   got, why ? why : "");
	if (!got) {
		TMX_CHECKF(why != NULL && t->why != NULL &&
			   strcmp(why, t->why) == 0, "relay: %s: why \"%s\"",
			   name, why ? why : "(null)");
		TMX_CHECKF(memcmp(&r, &before, sizeof(r)) == 0,
			   "relay: %s: r changed by a refusal", name);
		return;
	}
	if (t->why != NULL)
		return;
	TMX_CHECKF(r.source == RESULTS_SPF_SEALED, "relay: %s: source",
		   name);
	TMX_CHECKF(strcmp(r.client, t->client) == 0,
		   "relay: %s: client \"%s\"", name, r.client);
	TMX_CHECKF(r.verdict.result == t->spf, "relay: %s: spf %d", name,
		   (int)r.verdict.result);
	TMX_CHECKF(r.verdict.identity == t->identity,
		   "relay: %s: identity %d", name, (int)r.verdict.identity);
	TMX_CHECKF(strcmp(r.verdict.domain, t->spf_domain) == 0,
		   "relay: %s: domain \"%s\"", name, r.verdict.domain);
	TMX_CHECKF(r.verdict.helo_result == SPF_OUT_NONE,
		   "relay: %s: helo_result", name);
	if (t->helo != NULL)
		TMX_CHECKF(strcmp(r.helo, t->helo) == 0,
			   "relay: %s: helo \"%s\"", name, r.helo);
	TMX_CHECKF(r.seal_instance == chain->nsets,
		   "relay: %s: instance %u", name, r.seal_instance);
	TMX_CHECKF(strcmp(r.sealer, chain->set[chain->nsets - 1].domain) == 0,
		   "relay: %s: sealer \"%s\"", name, r.sealer);
}

/* test_relay - the table, then AARs too big to read */
static void
test_relay(void)
{
	struct arc_set_result sets[TEST_MAX_SETS];
	struct arc_result chain;
	static const struct relay_case unreadable = {
		.why = "its ARC-Authentication-Results cannot be read",
	};
	static const struct relay_case taken = {
		.client = "192.0.2.10", .spf = SPF_OUT_PASS,
		.identity = SPF_ID_MAILFROM, .spf_domain = "author.example",
	};
	struct test_set huge[2] = { ABOVE("relay.example", NULL) };
	char *aar;
	size_t n, size = 64 * 1024;

	for (size_t i = 0; i < sizeof(relay_cases) / sizeof(relay_cases[0]);
	     i++) {
		test_chain(relay_cases[i].cv, relay_cases[i].set, sets, &chain);
		test_relay_row(relay_cases[i].name, &chain, &relay_cases[i]);
	}

	if ((aar = malloc(size)) == NULL) {
		TMX_CHECK(aar != NULL);
		return;
	}
	huge[0].aar = aar;
	/* more results than the reader keeps: refused whole, not cut */
	n = (size_t)snprintf(aar, size, "%s; %s", ARC_IP, SPF_PASS);
	for (unsigned i = 0; i < AUTHRES_PARSE_MAX_RESULTS; i++)
		n += (size_t)snprintf(aar + n, size - n, "; x-m%u=pass", i);
	test_chain(ARC_CV_PASS, huge, sets, &chain);
	test_relay_row("too many results", &chain, &unreadable);
	/* the same evidence with a 40 KiB comment: comments are not kept */
	n = (size_t)snprintf(aar, size, "%s; %s (", ARC_IP, SPF_PASS);
	memset(aar + n, 'c', 40 * 1024);
	n += 40 * 1024;
	snprintf(aar + n, size - n, ")");
	test_chain(ARC_CV_PASS, huge, sets, &chain);
	test_relay_row("huge comment", &chain, &taken);
	/* more value text than the reader keeps */
	n = (size_t)snprintf(aar, size, "%s; %s reason=\"", ARC_IP, SPF_PASS);
	memset(aar + n, 'v', 40 * 1024);
	n += 40 * 1024;
	snprintf(aar + n, size - n, "\"");
	test_chain(ARC_CV_PASS, huge, sets, &chain);
	test_relay_row("huge value", &chain, &unreadable);
	/* nested comments deep past any stack, never closed */
	n = (size_t)snprintf(aar, size, "%s; %s ", ARC_IP, SPF_PASS);
	memset(aar + n, '(', size - n - 1);
	aar[size - 1] = '\0';
	test_chain(ARC_CV_PASS, huge, sets, &chain);
	test_relay_row("deep comments", &chain, &unreadable);
	free(aar);
}

/* --- arcv_override -------------------------------------------------- */

struct override_case {
	const char *name;
	enum arc_cv cv;
	struct test_set set[TEST_MAX_SETS];
	const char *from;		/* the From domain DMARC failed for */
	bool strict;			/* adkim=s aspf=s */
	bool psl;			/* needs the public suffix list */
	unsigned instance;		/* 0: no override */
	const char *sealer;
	const char *evidence;
};

#define DMARC_PASS "dmarc=pass header.from=author.example"
#define L_DMARC "lists.example; " DMARC_PASS
#define NONE 0, NULL, NULL

static const struct override_case override_cases[] = {
	/* the list saw DMARC pass for this very author */
	{ "dmarc=pass", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; spf=pass "
		  "smtp.mailfrom=a@author.example; dkim=pass "
		  "header.d=author.example; dmarc=pass "
		  "header.from=author.example") },
	  "author.example", false, false,
	  1, "lists.example", "dmarc=pass header.from=author.example" },
	/* a DKIM pass for the From domain itself */
	{ "dkim=pass exact", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=author.example header.s=sel") },
	  "author.example", true, false,
	  1, "lists.example", "dkim=pass header.d=author.example" },
	/* an SPF pass whose MAIL FROM domain is the From domain */
	{ "spf=pass exact", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; spf=pass "
		  "smtp.mailfrom=bounce@author.example") },
	  "author.example", true, false,
	  1, "lists.example", "spf=pass smtp.mailfrom=bounce@author.example" },
	/* relaxed: a subdomain signature aligns through the org domain */
	{ "dkim relaxed", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=mail.example.com") },
	  "example.com", false, true,
	  1, "lists.example", "dkim=pass header.d=mail.example.com" },
	/* adkim=s: the subdomain does not align */
	{ "dkim strict", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=mail.example.com") },
	  "example.com", true, true, NONE },
	{ "spf relaxed", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; spf=pass "
		  "smtp.mailfrom=b@bounces.example.com") },
	  "example.com", false, true,
	  1, "lists.example", "spf=pass smtp.mailfrom=b@bounces.example.com" },
	{ "spf strict", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; spf=pass "
		  "smtp.mailfrom=b@bounces.example.com") },
	  "example.com", true, true, NONE },
	/* a public suffix is no organization: co.uk neighbours differ */
	{ "dkim neighbour under co.uk", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=evil.co.uk; spf=pass smtp.mailfrom=a@evil.co.uk") },
	  "victim.co.uk", false, true, NONE },
	{ "dkim by the suffix", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=co.uk") },
	  "victim.co.uk", false, true, NONE },
	/* relaxed is upward only by org domain, a sibling org never */
	{ "dkim other org", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=example.net") },
	  "example.com", false, true, NONE },
	/* domain names are case-insensitive: relaxed alignment too */
	{ "dkim relaxed upper case", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=MAIL.Example.COM") },
	  "example.com", false, true,
	  1, "lists.example", "dkim=pass header.d=MAIL.Example.COM" },
	/* equal names align whatever the case, strict or not */
	{ "dkim exact upper case", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.d=AUTHOR.example") },
	  "author.example", true, false,
	  1, "lists.example", "dkim=pass header.d=AUTHOR.example" },
	/* DMARC passed for someone else's From */
	{ "dmarc other From", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=pass "
		  "header.from=other.example") },
	  "author.example", false, false, NONE },
	/* a longer name that starts with the author's */
	{ "dmarc From suffixed", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=pass "
		  "header.from=author.example.evil.example") },
	  "author.example", false, false, NONE },
	/* a subdomain of the author is not the From domain for dmarc= */
	{ "dmarc From subdomain", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=pass "
		  "header.from=evil.author.example") },
	  "author.example", false, false, NONE },
	/* documents: the From domain compares case-insensitively, and the
	 * evidence quotes the sealer's spelling */
	{ "dmarc From case", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=pass "
		  "header.from=Author.EXAMPLE") },
	  "author.example", false, false,
	  1, "lists.example", "dmarc=pass header.from=Author.EXAMPLE" },
	/* documents: a trailing dot is another name */
	{ "dmarc From trailing dot", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=pass "
		  "header.from=author.example.") },
	  "author.example", false, false, NONE },
	/* dmarc=pass that does not say for whom */
	{ "dmarc no header.from", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=pass") },
	  "author.example", false, false, NONE },
	/* failures and non-passes are no vouching */
	{ "fail claims", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; spf=softfail "
		  "smtp.mailfrom=a@author.example; dkim=fail "
		  "header.d=author.example; dkim=neutral "
		  "header.d=author.example; dmarc=fail "
		  "header.from=author.example; dmarc=bestguesspass "
		  "header.from=author.example") },
	  "author.example", false, false, NONE },
	/* the pass is for something else: header.i, smtp.helo, policy */
	{ "pass for other identity", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dkim=pass "
		  "header.i=@author.example; spf=pass "
		  "smtp.helo=author.example; dmarc=pass "
		  "policy.from=author.example") },
	  "author.example", false, false, NONE },
	/* claims in comments or quotes are no results */
	{ "claims in comment", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; arc=none (dmarc=pass "
		  "header.from=author.example); spf=none "
		  "reason=\"dkim=pass header.d=author.example\" "
		  "smtp.mailfrom=a@lists.example") },
	  "author.example", false, false, NONE },
	/* DMARC passed at the list but for a later result: the first pass
	 * for this From among several is the one quoted */
	{ "second dmarc result", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=fail "
		  "header.from=author.example; dmarc=pass "
		  "header.from=author.example") },
	  "author.example", false, false,
	  1, "lists.example", "dmarc=pass header.from=author.example" },
	/* dmarc is preferred over dkim and spf in the evidence */
	{ "evidence order", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; spf=pass "
		  "smtp.mailfrom=a@author.example; dkim=pass "
		  "header.d=author.example; dmarc=pass "
		  "header.from=author.example") },
	  "author.example", true, false,
	  1, "lists.example", "dmarc=pass header.from=author.example" },
	/* dkim before spf when dmarc says nothing */
	{ "dkim before spf", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; spf=pass "
		  "smtp.mailfrom=a@author.example; dkim=pass "
		  "header.d=author.example") },
	  "author.example", true, false,
	  1, "lists.example", "dkim=pass header.d=author.example" },
	/* a stranger can write anything */
	{ "untrusted vouches", ARC_CV_PASS,
	  { BELOW("evil.example", "evil.example; " DMARC_PASS) },
	  "author.example", false, false, NONE },
	/* a stranger above the list could have rewritten the message: the
	 * walk stops there */
	{ "untrusted over trusted", ARC_CV_PASS,
	  { BELOW("lists.example", L_DMARC),
	    BELOW("evil.example", "evil.example; arc=pass") },
	  "author.example", false, false, NONE },
	/* a stranger between two trusted sets stops the walk too */
	{ "untrusted in between", ARC_CV_PASS,
	  { BELOW("lists.example", L_DMARC),
	    BELOW("evil.example", "evil.example; arc=pass"),
	    ABOVE("relay.example", "relay.example; arc=pass") },
	  "author.example", false, false, NONE },
	/* a stranger's claim carried up by a trusted list: the list's own
	 * AAR is its word, the stranger's older one is not */
	{ "trusted over untrusted claim", ARC_CV_PASS,
	  { BELOW("evil.example", "evil.example; " DMARC_PASS),
	    BELOW("lists.example", "lists.example; arc=none; dmarc=fail "
		  "header.from=author.example") },
	  "author.example", false, false, NONE },
	/* a trusted subdomain is a stranger */
	{ "trusted subdomain", ARC_CV_PASS,
	  { BELOW("evil.lists.example", "evil.lists.example; dmarc=pass "
		  "header.from=author.example") },
	  "author.example", false, false, NONE },
	/* trusted over trusted: the older one's word is used */
	{ "older trusted vouches", ARC_CV_PASS,
	  { BELOW("lists.example", L_DMARC),
	    ABOVE("relay.example", "relay.example; arc=pass "
		  "smtp.remote-ip=192.0.2.10; dmarc=fail "
		  "header.from=author.example") },
	  "author.example", false, false,
	  1, "lists.example", "dmarc=pass header.from=author.example" },
	/* both vouch: the newest is named */
	{ "both vouch", ARC_CV_PASS,
	  { BELOW("lists.example", L_DMARC),
	    ABOVE("relay.example", "relay.example; dkim=pass "
		  "header.d=author.example") },
	  "author.example", false, false,
	  2, "relay.example", "dkim=pass header.d=author.example" },
	/* documents: a trusted set whose AAR cannot be read is stepped
	 * over, and the walk goes on to the older trusted one */
	{ "unreadable newest trusted", ARC_CV_PASS,
	  { BELOW("lists.example", L_DMARC),
	    ABOVE("relay.example", "relay.example; spf=pass (cut") },
	  "author.example", false, false,
	  1, "lists.example", "dmarc=pass header.from=author.example" },
	/* a failing chain proves nothing: assess_message calls this on any
	 * DMARC fail whatever cv says, so the function itself refuses */
	{ "cv fail", ARC_CV_FAIL,
	  { BELOW("lists.example", L_DMARC) },
	  "author.example", false, false, NONE },
	{ "cv none", ARC_CV_NONE, { { NULL, false, NULL } },
	  "author.example", false, false, NONE },
	/* no From domain to vouch for, even by an equally empty claim */
	{ "no From domain", ARC_CV_PASS,
	  { BELOW("lists.example", "lists.example; dmarc=pass "
		  "header.from=\"\"") },
	  "", false, false, NONE },
};

/* test_override_row - one chain through arcv_override */
static void
test_override_row(const struct override_case *t)
{
	struct arc_set_result sets[TEST_MAX_SETS];
	struct arc_result chain;
	struct results_dmarc dm;
	struct results_arc r, before;

	test_chain(t->cv, t->set, sets, &chain);
	memset(&dm, 0, sizeof(dm));
	dm.result = "fail";
	dm.policy = RESULTS_POLICY_REJECT;
	dm.pct = 100;
	dm.strict_dkim = dm.strict_spf = t->strict;
	snprintf(dm.from_domain, sizeof(dm.from_domain), "%s", t->from);
	memset(&r, 0, sizeof(r));
	arcv_record(&chain, &r);
	memcpy(&before, &r, sizeof(r));
	arcv_override(&chain, trusted, &dm, &r);
	TMX_CHECKF(r.override == (t->instance != 0),
		   "override: %s: override %d (%u %s: %s)", t->name,
		   r.override, r.override_instance, r.override_sealer,
		   r.override_evidence);
	if (t->instance == 0) {
		TMX_CHECKF(memcmp(&r, &before, sizeof(r)) == 0,
			   "override: %s: r changed without an override",
			   t->name);
		return;
	}
	TMX_CHECKF(r.override_instance == t->instance,
		   "override: %s: instance %u", t->name, r.override_instance);
	TMX_CHECKF(strcmp(r.override_sealer, t->sealer) == 0,
		   "override: %s: sealer \"%s\"", t->name, r.override_sealer);
	TMX_CHECKF(strcmp(r.override_evidence, t->evidence) == 0,
		   "override: %s: evidence \"%s\"", t->name,
		   r.override_evidence);
}

/* test_override - the table; rows needing the PSL only when it is there */
static void
test_override(bool psl)
{
	size_t skipped = 0;

	for (size_t i = 0; i < sizeof(override_cases) /
	     sizeof(override_cases[0]); i++) {
		if (override_cases[i].psl && !psl) {
			skipped++;
			continue;
		}
		test_override_row(&override_cases[i]);
	}
	if (skipped > 0)
		fprintf(stderr, "%zu override rows need %s; skipped\n",
			skipped, TEST_PSL);
}

/* test_no_psl - documents: without a public suffix list relaxed
 * alignment is exact only (libopendmarc knows no org domain) */
static void
test_no_psl(void)
{
	TMX_CHECK(dmarc_aligned("author.example", "Author.Example", false));
	TMX_CHECK(!dmarc_aligned("mail.example.com", "example.com", false));
}

/* --- arcv_record ---------------------------------------------------- */

/* test_record - the chain summary, including one too long to print */
static void
test_record(void)
{
	static struct arc_set_result many[ARC_MAX_INSTANCE];
	static const struct test_set two[] = {
		BELOW("lists.example", "lists.example; arc=none"),
		ABOVE("", "x; arc=pass"),
		{ NULL, false, NULL },
	};
	struct arc_set_result sets[TEST_MAX_SETS];
	struct arc_result chain;
	struct results_arc r;

	test_chain(ARC_CV_PASS, two, sets, &chain);
	chain.temperror = true;
	memset(&r, 0x5a, sizeof(r));
	arcv_record(&chain, &r);
	TMX_CHECK(r.checked);
	TMX_CHECK(r.cv == ARC_CV_PASS);
	TMX_CHECK(r.nsets == 2 && r.oldest_pass == 1 && r.temperror);
	TMX_CHECK_STR(r.reason, "");
	/* an AS without d= is shown as "?" */
	TMX_CHECK_STR(r.sealers, "i=1 lists.example, i=2 ?");

	test_chain(ARC_CV_FAIL, two, sets, &chain);
	arcv_record(&chain, &r);
	TMX_CHECK(r.cv == ARC_CV_FAIL);
	TMX_CHECK_STR(r.reason, "test: a seal does not verify");

	/* 50 sets with 253-byte names: cut, terminated, nothing overrun */
	memset(&chain, 0, sizeof(chain));
	chain.cv = ARC_CV_PASS;
	chain.nsets = ARC_MAX_INSTANCE;
	chain.set = many;
	for (unsigned i = 0; i < ARC_MAX_INSTANCE; i++) {
		many[i].instance = i + 1;
		memset(many[i].domain, 'd', 253);
		many[i].domain[253] = '\0';
		many[i].aar = "";
	}
	memset(&r, 0x5a, sizeof(r));
	r.override = false;
	arcv_record(&chain, &r);
	TMX_CHECK(memchr(r.sealers, '\0', sizeof(r.sealers)) != NULL);
	TMX_CHECK(strlen(r.sealers) == sizeof(r.sealers) - 1);
	TMX_CHECK(strncmp(r.sealers, "i=1 ddd", 7) == 0);
	/* arcv_record says nothing about overrides */
	TMX_CHECK(!r.override);

	memset(&chain, 0, sizeof(chain));
	arcv_record(&chain, &r);
	TMX_CHECK(r.checked && r.cv == ARC_CV_NONE && r.nsets == 0);
	TMX_CHECK_STR(r.sealers, "");
}

int
main(void)
{
	char err[256];
	bool psl = access(TEST_PSL, R_OK) == 0;

	test_trusted();
	test_relay();
	test_record();
	/* first as the milter starts without public_suffix_list */
	TMX_CHECK(dmarc_lib_init(NULL, err, sizeof(err)) == 0);
	test_no_psl();
	if (psl) {
		err[0] = '\0';
		psl = dmarc_lib_init(TEST_PSL, err, sizeof(err)) == 0;
		TMX_CHECKF(psl, "dmarc_lib_init: %s", err);
	}
	test_override(psl);
	return TMX_TEST_END();
}
