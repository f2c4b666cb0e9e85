/*
 * test-lists.c - trust lists built from trustmx.conf sources: inline
 * IPv4/IPv6, file:, cidr:, spf: (through a test store), all-or-nothing
 * errors naming file:line, source names by value, deny/trust overlaps, the
 * relay/allow overlap of static sources, and the postscreen export as
 * postmap(1) itself answers it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lists.h"
#include "tmx-test.h"

static char tmpdir[] = "/tmp/test-lists.XXXXXX";
static char warnings[4096];

/* test_warn - collect warnings, one per line */
static void
test_warn(void *ctx, const char *message)
{
	size_t n = strlen(warnings);

	(void)ctx;
	snprintf(warnings + n, sizeof(warnings) - n, "%s\n", message);
}

static struct spf_prefix relay_prefixes[2];
static struct spf_expansion relay_exp = { relay_prefixes, 2, 300, 1, 0, 0 };
static struct spf_prefix big_prefixes[2];
static struct spf_expansion big_exp = { big_prefixes, 2, 300, 3, 0, 0 };

/* test_spf - the test's store of last good expansions */
static const struct spf_expansion *
test_spf(void *ctx, const char *domain)
{
	(void)ctx;
	if (strcmp(domain, "relay.example") == 0)
		return &relay_exp;
	if (strcmp(domain, "_spf.big.example") == 0)
		return &big_exp;
	return NULL;	/* never resolved yet */
}

/* write_file - name under tmpdir with text; returns the path (static) */
static const char *
write_file(const char *name, const char *text)
{
	static char paths[8][256];
	static int next;
	char *path = paths[next++ % 8];
	FILE *fp;

	snprintf(path, 256, "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
	return path;
}

/* build - lists from conf text; NULL and err on failure */
static struct lists *
build(const char *text, char *err, size_t errlen)
{
	struct conf *conf;
	struct lists *lists;

	warnings[0] = '\0';
	err[0] = '\0';
	conf = conf_parse("t.cf", text, strlen(text), err, errlen);
	if (conf == NULL)
		return NULL;
	lists = lists_build(conf, test_spf, NULL, test_warn, NULL, err,
			    errlen);
	conf_free(conf);
	return lists;
}

/* source_of - the source name an address matches in list id, or NULL */
static const char *
source_of(const struct lists *lists, enum list_id id, const char *text)
{
	struct tmx_addr addr;
	uint32_t value;

	if (tmx_addr_parse(text, &addr) < 0)
		return "unparsable test address";
	if (!tmx_cidrset_lookup(lists->set[id], &addr, &value))
		return NULL;
	return lists_source_name(lists, value);
}

/* Lookups that follow a good build: address, list, source name or NULL */
struct expect {
	const char *addr;
	enum list_id id;
	const char *source;
};

/* Configurations that build, and what they answer */
static const struct {
	const char *conf;
	struct expect expect[8];
} good[] = {
	{ "",
	  { { "127.0.0.1", LIST_POLICY_CLIENTS,
	      "policy_clients: 127.0.0.0/8" },
	    { "::1", LIST_POLICY_CLIENTS, "policy_clients: [::1]/128" },
	    { "192.0.2.1", LIST_POLICY_CLIENTS, NULL },
	    { "127.0.0.1", LIST_RELAY, NULL } } },
	{ "relay_networks = 192.0.2.0/24, [2001:db8::]/32 198.51.100.7\n"
	  "\t[2001:db8:1::1]\n"
	  "proxy_networks = 203.0.113.0/24\n",
	  { { "192.0.2.200", LIST_RELAY, "relay_networks: 192.0.2.0/24" },
	    { "2001:db8:ffff::1", LIST_RELAY,
	      "relay_networks: [2001:db8::]/32" },
	    /* the more specific prefix answers */
	    { "2001:db8:1::1", LIST_RELAY,
	      "relay_networks: [2001:db8:1::1]" },
	    { "198.51.100.7", LIST_RELAY, "relay_networks: 198.51.100.7" },
	    { "198.51.100.8", LIST_RELAY, NULL },
	    { "203.0.113.9", LIST_PROXY, "proxy_networks: 203.0.113.0/24" },
	    { "203.0.113.9", LIST_RELAY, NULL },
	    { "2001:db9::1", LIST_RELAY, NULL } } },
	{ "relay_networks = 2001:db8::/48 spf:relay.example spf:new.example\n",
	  { { "2001:db8::5", LIST_RELAY, "relay_networks: 2001:db8::/48" },
	    { "198.51.100.77", LIST_RELAY,
	      "relay_networks: spf:relay.example" },
	    { "2001:db8:beef::1", LIST_RELAY,
	      "relay_networks: spf:relay.example" },
	    { "198.51.100.200", LIST_RELAY, NULL } } },
	{ "deny_networks = 192.0.2.0/24\n"
	  "relay_networks = 192.0.2.128/25 198.51.100.0/24\n",
	  { { "192.0.2.129", LIST_RELAY, "relay_networks: 192.0.2.128/25" },
	    { "192.0.2.129", LIST_DENY, "deny_networks: 192.0.2.0/24" },
	    { "198.51.100.1", LIST_DENY, NULL } } },
	/* allow_networks: its own list, never a relay */
	{ "allow_networks = 203.0.113.0/25, [2001:db8:a11::]/48\n"
	  "  spf:_SPF.big.example\n",
	  { { "203.0.113.5", LIST_ALLOW, "allow_networks: 203.0.113.0/25" },
	    { "203.0.113.5", LIST_RELAY, NULL },
	    { "203.0.113.5", LIST_PROXY, NULL },
	    { "2001:db8:a11::25", LIST_ALLOW,
	      "allow_networks: [2001:db8:a11::]/48" },
	    { "198.51.100.200", LIST_ALLOW,
	      "allow_networks: spf:_SPF.big.example" },
	    { "198.51.100.200", LIST_RELAY, NULL },
	    { "2001:db8:b16::1", LIST_ALLOW,
	      "allow_networks: spf:_SPF.big.example" },
	    { "203.0.113.200", LIST_ALLOW, NULL } } },
};

/* test_good - builds that work answer lookups with the right source */
static void
test_good(void)
{
	char err[1024];
	size_t i, j;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct lists *lists = build(good[i].conf, err, sizeof(err));

		TMX_CHECKF(lists != NULL, "good[%zu]: %s", i, err);
		if (lists == NULL)
			continue;
		for (j = 0; j < 8 && good[i].expect[j].addr != NULL; j++) {
			const struct expect *e = &good[i].expect[j];
			const char *got = source_of(lists, e->id, e->addr);

			if (e->source == NULL)
				TMX_CHECKF(got == NULL, "good[%zu] %s in %s: %s",
					   i, e->addr, lists_name(e->id), got);
			else
				TMX_CHECK_STR(got, e->source);
		}
		lists_free(lists);
	}
}

/* test_spf_sources - warnings for unresolved spf:, domains for the refresher */
static void
test_spf_sources(void)
{
	char err[1024];
	struct lists *lists;

	lists = build("relay_networks = spf:relay.example spf:new.example\n"
		      "proxy_networks = spf:RELAY.example\n", err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECKF(strstr(warnings, "relay_networks: spf:new.example: no "
			  "expansion yet") != NULL, "%s", warnings);
	TMX_CHECKF(strstr(warnings, "spf:relay.example: no") == NULL, "%s",
		   warnings);
	TMX_CHECK(lists->nspf == 2);
	if (lists->nspf == 2) {
		TMX_CHECK_STR(lists->spf_domains[0], "relay.example");
		TMX_CHECK_STR(lists->spf_domains[1], "new.example");
	}
	TMX_CHECK_STR(source_of(lists, LIST_PROXY, "198.51.100.70"),
		      "proxy_networks: spf:RELAY.example");
	TMX_CHECK(lists->nsources >= 3);
	lists_free(lists);

	/* a zero-length prefix is allowed, but said out loud */
	lists = build("deny_networks = ::/0\n", err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	TMX_CHECKF(strstr(warnings, "t.cf:1: deny_networks: \"::/0\" covers "
			  "every IPv6 address") != NULL, "%s", warnings);
	lists_free(lists);
}

/* count_lines - how many warnings were collected */
static int
count_lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* test_overlap - deny and trusting lists meeting are reported once each way */
static void
test_overlap(void)
{
	char err[1024];
	struct lists *lists;

	lists = build("deny_networks = 192.0.2.0/24 2001:db8:5::/48\n"
		      "relay_networks = 192.0.2.128/25 198.51.100.0/24\n"
		      "proxy_networks = 2001:db8::/32\n", err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECKF(strstr(warnings, "192.0.2.128/25 (relay_networks: "
			  "192.0.2.128/25) overlaps deny_networks "
			  "(deny_networks: 192.0.2.0/24)") != NULL, "%s",
		   warnings);
	TMX_CHECKF(strstr(warnings, "2001:db8:5::/48 (deny_networks: "
			  "2001:db8:5::/48) overlaps proxy_networks") != NULL,
		   "%s", warnings);
	TMX_CHECKF(strstr(warnings, "198.51.100") == NULL, "%s", warnings);
	TMX_CHECKF(count_lines(warnings) == 2, "%s", warnings);
	lists_free(lists);

	/* equal prefixes: reported once; a wider deny holding a relay too */
	lists = build("deny_networks = 192.0.2.0/24 10.0.0.0/8\n"
		      "relay_networks = 192.0.2.0/24 10.1.0.0/16 10.2.0.0/16\n",
		      err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECKF(count_lines(warnings) == 3, "%s", warnings);
	TMX_CHECKF(strstr(warnings, "10.2.0.0/16 (relay_networks: "
			  "10.2.0.0/16) overlaps deny_networks "
			  "(deny_networks: 10.0.0.0/8)") != NULL, "%s",
		   warnings);
	lists_free(lists);

	/* exact: one line for prefixes that start at the same address, none
	 * for a narrower prefix next to a wider one's neighbour */
	lists = build("deny_networks = 192.0.2.0/28 198.51.100.0/29\n"
		      "relay_networks = 192.0.2.0/25\n"
		      "proxy_networks = 198.51.100.0/30 198.51.100.16/28\n",
		      err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECKF(strstr(warnings, "192.0.2.0/28 (deny_networks: "
			  "192.0.2.0/28) overlaps relay_networks "
			  "(relay_networks: 192.0.2.0/25)") != NULL, "%s",
		   warnings);
	TMX_CHECKF(strstr(warnings, "198.51.100.0/30 (proxy_networks: "
			  "198.51.100.0/30) overlaps deny_networks") != NULL,
		   "%s", warnings);
	TMX_CHECKF(count_lines(warnings) == 2, "%s", warnings);
	lists_free(lists);

	/* more than five: the rest summed up */
	lists = build("deny_networks = 10.0.0.0/8\n"
		      "relay_networks = 10.1.0.0/16 10.2.0.0/16 10.3.0.0/16\n"
		      "  10.4.0.0/16 10.5.0.0/16 10.6.0.0/16 10.7.0.0/16\n",
		      err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECKF(count_lines(warnings) == 6, "%s", warnings);
	TMX_CHECKF(strstr(warnings, "2 more overlaps of relay_networks and "
			  "deny_networks") != NULL, "%s", warnings);
	lists_free(lists);
}

/* test_allow - allow_networks: refreshed spf: domains, overlaps with relay
 * and deny lists (static sources only for relay), found exactly */
static void
test_allow(void)
{
	char err[1024];
	struct lists *lists;

	lists = build("relay_networks = spf:relay.example\n"
		      "allow_networks = spf:_spf.big.example "
		      "spf:relay.example\n", err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECK(lists->nspf == 2);
	if (lists->nspf == 2)
		TMX_CHECK_STR(lists->spf_domains[1], "_spf.big.example");
	/* the same spf: domain in both lists: not a static overlap */
	TMX_CHECKF(count_lines(warnings) == 0, "%s", warnings);
	lists_free(lists);

	/* a static relay prefix inside a static allow prefix, which hides
	 * behind a more specific spf: prefix of the same list */
	lists = build("relay_networks = 192.0.2.0/28 198.51.100.130\n"
		      "  spf:relay.example\n"
		      "allow_networks = spf:_spf.big.example 192.0.2.0/24\n"
		      "  198.51.100.0/24\n", err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECKF(strstr(warnings, "192.0.2.0/28 (relay_networks: "
			  "192.0.2.0/28) overlaps allow_networks "
			  "(allow_networks: 192.0.2.0/24); relay_networks wins "
			  "in trustmx-milter") != NULL, "%s", warnings);
	TMX_CHECKF(strstr(warnings, "198.51.100.130/32 (relay_networks: "
			  "198.51.100.130) overlaps allow_networks "
			  "(allow_networks: 198.51.100.0/24)") != NULL, "%s",
		   warnings);
	/* spf:relay.example (198.51.100.64/26) inside 198.51.100.0/24:
	 * follows DNS, not warned */
	TMX_CHECKF(strstr(warnings, "spf:") == NULL, "%s", warnings);
	TMX_CHECKF(count_lines(warnings) == 2, "%s", warnings);
	/* the lookup still names the most specific source */
	TMX_CHECK_STR(source_of(lists, LIST_ALLOW, "198.51.100.130"),
		      "allow_networks: spf:_spf.big.example");
	TMX_CHECK_STR(source_of(lists, LIST_ALLOW, "198.51.100.5"),
		      "allow_networks: 198.51.100.0/24");
	lists_free(lists);

	/* an spf: prefix equal to a static one keeps the static name */
	lists = build("allow_networks = spf:_spf.big.example "
		      "198.51.100.128/25\n", err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECK_STR(source_of(lists, LIST_ALLOW, "198.51.100.200"),
		      "allow_networks: 198.51.100.128/25");
	lists_free(lists);

	/* deny_networks inside allow_networks: deny wins, said so */
	lists = build("deny_networks = 203.0.113.64/26\n"
		      "allow_networks = 203.0.113.0/24\n", err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	TMX_CHECKF(strstr(warnings, "203.0.113.64/26 (deny_networks: "
			  "203.0.113.64/26) overlaps allow_networks "
			  "(allow_networks: 203.0.113.0/24); deny_networks "
			  "wins") != NULL, "%s", warnings);
	TMX_CHECKF(count_lines(warnings) == 1, "%s", warnings);
	lists_free(lists);
}

/* test_files - file: and cidr: sources */
static void
test_files(void)
{
	char conf[1024], err[1024];
	struct lists *lists;
	const char *plain, *table, *slash;

	plain = write_file("plain", "# relays\n192.0.2.0/25\n\n"
			   "2001:db8:aa::/48\n");
	slash = write_file("slash", "203.0.113.64/26\n");
	table = write_file("table.cidr",
			   "# Postfix cidr_table\n"
			   "198.51.100.16/28\tOK\n"
			   "if 198.51.100.0/24\n"
			   "!198.51.100.128/25\tlower half\n"
			   "endif\n"
			   "2001:db8:cc::/48 relay\n");
	snprintf(conf, sizeof(conf), "relay_networks = file:%s,\n"
		 " cidr:%s %s\n", plain, table, slash);
	lists = build(conf, err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	snprintf(conf, sizeof(conf), "relay_networks: file:%s", plain);
	TMX_CHECK_STR(source_of(lists, LIST_RELAY, "192.0.2.100"), conf);
	TMX_CHECK_STR(source_of(lists, LIST_RELAY, "2001:db8:aa::9"), conf);
	TMX_CHECK(source_of(lists, LIST_RELAY, "192.0.2.200") == NULL);
	snprintf(conf, sizeof(conf), "relay_networks: cidr:%s", table);
	TMX_CHECK_STR(source_of(lists, LIST_RELAY, "198.51.100.20"), conf);
	/* "if" + "!": the lower half of 198.51.100.0/24, not the upper */
	TMX_CHECK_STR(source_of(lists, LIST_RELAY, "198.51.100.100"), conf);
	TMX_CHECK(source_of(lists, LIST_RELAY, "198.51.100.200") == NULL);
	TMX_CHECK_STR(source_of(lists, LIST_RELAY, "2001:db8:cc::1"), conf);
	snprintf(conf, sizeof(conf), "relay_networks: %s", slash);
	TMX_CHECK_STR(source_of(lists, LIST_RELAY, "203.0.113.65"), conf);
	lists_free(lists);
}

/* subst_dir - copy tmpl to buf with each '@' replaced by the scratch dir */
static void
subst_dir(const char *tmpl, char *buf, size_t size)
{
	size_t n = 0;

	for (; *tmpl != '\0' && n + sizeof(tmpdir) < size; tmpl++) {
		if (*tmpl == '@')
			n += snprintf(buf + n, size - n, "%s", tmpdir);
		else
			buf[n++] = *tmpl;
	}
	buf[n] = '\0';
}

/* Sources that fail the whole build, and the start of the message */
static const struct {
	const char *conf;	/* @: the scratch directory */
	const char *error;	/* @: the scratch directory */
} bad[] = {
	{ "relay_networks = 192.0.2.0/24 garbage\n",
	  "t.cf:1: relay_networks: \"garbage\": " },
	{ "\nproxy_networks = 192.0.2.1/24\n",
	  "t.cf:2: proxy_networks: \"192.0.2.1/24\": " },
	{ "deny_networks = 2001:db8::1/32\n",
	  "t.cf:1: deny_networks: \"2001:db8::1/32\": " },
	{ "relay_networks = 192.0.2.0/33\n",
	  "t.cf:1: relay_networks: \"192.0.2.0/33\": " },
	{ "relay_networks = [192.0.2.0/24\n",
	  "t.cf:1: relay_networks: \"[192.0.2.0/24\": bad address" },
	{ "relay_networks = hash:/etc/postfix/relays\n",
	  "t.cf:1: relay_networks: \"hash:/etc/postfix/relays\": unsupported" },
	{ "relay_networks = spf:bad..example\n",
	  "t.cf:1: relay_networks: spf:bad..example: bad domain" },
	{ "relay_networks = spf:\n", "t.cf:1: relay_networks: spf:: bad" },
	{ "relay_networks = file:relative\n",
	  "t.cf:1: relay_networks: file:relative: the path must be absolute" },
	{ "relay_networks = 192.0.2.0/24 file:@/missing\n",
	  "@/missing: " },
	{ "relay_networks = file:@/badfile\n", "@/badfile:3: " },
	{ "relay_networks = file:@/hostbits\n", "@/hostbits:2: " },
	{ "policy_clients = cidr:@/bad.cidr\n", "@/bad.cidr:2: " },
	/* an error in a later list still fails the whole build */
	{ "relay_networks = 192.0.2.0/24\ndeny_networks = 10.0.0.0/8 x.y\n",
	  "t.cf:2: deny_networks: \"x.y\": " },
	{ "relay_networks = ::ffff:192.0.2.0/120\n",
	  "t.cf:1: relay_networks: \"::ffff:192.0.2.0/120\": IPv4-mapped" },
	{ "policy_clients = !192.0.2.0/24\n",
	  "t.cf:1: policy_clients: \"!192.0.2.0/24\": " },
	{ "\n\nallow_networks = 192.0.2.1/24\n",
	  "t.cf:3: allow_networks: \"192.0.2.1/24\": " },
	{ "allow_networks = spf:_spf.big.example file:relative\n",
	  "t.cf:1: allow_networks: file:relative: the path must be absolute" },
	{ "allow_networks = spf:_spf.big.example file:@/badfile\n",
	  "@/badfile:3: " },
	{ "allow_networks = mysql:/etc/postfix/big.cf\n",
	  "t.cf:1: allow_networks: \"mysql:/etc/postfix/big.cf\": unsupported" },
	{ "relay_networks = 192.0.2.0/24\nallow_networks = 10.0.0.0/8 x.y\n",
	  "t.cf:2: allow_networks: \"x.y\": " },
};

/* test_bad - every bad source fails the build and names file:line */
static void
test_bad(void)
{
	char conf[1024], want[1024], err[1024];
	struct lists *lists;
	size_t i;

	write_file("badfile", "192.0.2.0/24\n# fine so far\nnot-an-address\n");
	write_file("hostbits", "192.0.2.0/24\n192.0.2.1/24\n");
	write_file("bad.cidr", "192.0.2.0/24 OK\n192.0.2.1/24 OK\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		subst_dir(bad[i].conf, conf, sizeof(conf));
		subst_dir(bad[i].error, want, sizeof(want));
		lists = build(conf, err, sizeof(err));
		TMX_CHECKF(lists == NULL, "bad[%zu] built", i);
		lists_free(lists);
		TMX_CHECKF(strncmp(err, want, strlen(want)) == 0,
			   "bad[%zu]: got \"%s\", want \"%s...\"", i, err,
			   want);
	}
}

/* postmap_query - what "postmap -q key cidr:path" answers ("" for none) */
static const char *
postmap_query(const char *path, const char *key, char *buf, size_t size)
{
	char cmd[1024];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "PATH=$PATH:/usr/sbin:/sbin postmap -c %s "
		 "-q '%s' cidr:%s 2>/dev/null", tmpdir, key, path);
	buf[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return "popen failed";
	n = fread(buf, 1, size - 1, p);
	buf[n] = '\0';
	pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* What postscreen should decide for each client address */
static const struct {
	const char *addr;
	const char *result;
} verdicts[] = {
	{ "192.0.2.130", "reject" },	/* in deny and relay: deny wins */
	{ "192.0.2.5", "reject" },
	{ "2001:db8:5::1", "reject" },	/* deny inside a proxy network */
	{ "2001:db8:6::1", "permit" },
	{ "198.51.100.9", "permit" },
	{ "198.51.100.77", "permit" },	/* from spf:relay.example */
	{ "203.0.113.1", "permit" },	/* allow_networks */
	{ "203.0.113.70", "reject" },	/* deny inside allow_networks */
	{ "198.51.100.200", "permit" },	/* from spf:_spf.big.example */
	{ "2001:db8:b16::1", "permit" },
	{ "203.0.113.200", "" },
	{ "127.0.0.1", "" },		/* policy_clients are not exported */
};

/* test_export - the postscreen table, as postmap(1) reads it */
static void
test_export(void)
{
	char err[1024], path[512], got[256];
	struct lists *lists;
	size_t i;
	FILE *fp;

	if (system("PATH=$PATH:/usr/sbin:/sbin command -v postmap "
		   ">/dev/null") != 0) {
		fprintf(stderr, "postmap not installed: export not checked\n");
		return;
	}
	write_file("main.cf", "");
	lists = build("deny_networks = 192.0.2.0/24 2001:db8:5::/48\n"
		      "  203.0.113.64/26\n"
		      "relay_networks = 192.0.2.128/25 198.51.100.0/25\n"
		      "  spf:relay.example\n"
		      "proxy_networks = 2001:db8::/32\n"
		      "allow_networks = 203.0.113.0/25 spf:_spf.big.example\n",
		      err, sizeof(err));
	TMX_CHECKF(lists != NULL, "%s", err);
	if (lists == NULL)
		return;
	snprintf(path, sizeof(path), "%s/postscreen.cidr", tmpdir);
	fp = fopen(path, "w");
	TMX_CHECK(fp != NULL);
	if (fp == NULL) {
		lists_free(lists);
		return;
	}
	TMX_CHECK(lists_write_postscreen(lists, fp, "test export\nline two")
		  == 0);
	fclose(fp);
	lists_free(lists);
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		TMX_CHECK_STR(postmap_query(path, verdicts[i].addr, got,
					    sizeof(got)), verdicts[i].result);
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	tmx_addr_parse("198.51.100.64", &relay_prefixes[0].addr);
	relay_prefixes[0].len = 26;
	tmx_addr_parse("2001:db8:beef::", &relay_prefixes[1].addr);
	relay_prefixes[1].len = 48;
	tmx_addr_parse("198.51.100.128", &big_prefixes[0].addr);
	big_prefixes[0].len = 25;
	tmx_addr_parse("2001:db8:b16::", &big_prefixes[1].addr);
	big_prefixes[1].len = 48;

	test_good();
	test_spf_sources();
	test_overlap();
	test_allow();
	test_files();
	test_bad();
	test_export();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return TMX_TEST_END();
}
