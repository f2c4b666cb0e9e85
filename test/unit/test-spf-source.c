/*
 * test-spf-source.c - the store of spf: sources with a scripted expander
 * and clock instead of DNS: TTLs clamped to the refresh bounds, the retry
 * after a failure, the saved copy as fallback, shrinks held back at the
 * limit, and the cache written only for results that were accepted.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spf_source.h"
#include "tmx-test.h"

#define TEST_PREFIXES_MAX 16

/* What the fake expander answers next */
struct test_answer {
	enum spf_expand_status status;
	const char *prefixes;	/* "192.0.2.0/24 2001:db8::/32" */
	uint32_t ttl;
	unsigned calls;		/* how often it was asked */
};

static struct test_answer test_dns;
static time_t test_clock_now = 1000;
static char test_dir[64];

/* test_clock - the store's clock: moves only when a test says so */
static time_t
test_clock(void)
{
	return test_clock_now;
}

/* test_prefix_cmp - the order spf_expand keeps */
static int
test_prefix_cmp(const void *a, const void *b)
{
	const struct spf_prefix *pa = a, *pb = b;
	int c;

	if (pa->addr.family != pb->addr.family)
		return pa->addr.family < pb->addr.family ? -1 : 1;
	if ((c = memcmp(pa->addr.bytes, pb->addr.bytes, 16)) != 0)
		return c;
	return pa->len < pb->len ? -1 : pa->len > pb->len;
}

/* test_parse - "a/len a/len ..." into exp (test data is always valid) */
static void
test_parse(const char *text, struct spf_expansion *exp)
{
	char buf[512], *word, *slash, *save = NULL;
	struct spf_prefix *p;

	exp->prefixes = calloc(TEST_PREFIXES_MAX, sizeof(*exp->prefixes));
	exp->count = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	for (word = strtok_r(buf, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save)) {
		p = &exp->prefixes[exp->count++];
		slash = strchr(word, '/');
		*slash = '\0';
		p->len = (unsigned)atoi(slash + 1);
		if (inet_pton(AF_INET, word, p->addr.bytes) == 1)
			p->addr.family = 4;
		else if (inet_pton(AF_INET6, word, p->addr.bytes) == 1)
			p->addr.family = 6;
	}
	qsort(exp->prefixes, exp->count, sizeof(*exp->prefixes),
	      test_prefix_cmp);
}

/* test_expand - the fake spf_expand: answers what test_dns says */
static enum spf_expand_status
test_expand(void *ctx, const char *domain, struct spf_expansion *exp_r,
	    spf_warn_fn *warn, void *warn_ctx, char *err, size_t errlen)
{
	test_dns.calls++;
	memset(exp_r, 0, sizeof(*exp_r));
	if (test_dns.status != SPF_EXPAND_OK) {
		snprintf(err, errlen, "%s: scripted failure", domain);
		return test_dns.status;
	}
	test_parse(test_dns.prefixes, exp_r);
	exp_r->ttl = test_dns.ttl;
	exp_r->resolved_at = time(NULL);
	return SPF_EXPAND_OK;
}

/* test_serve - script the next answers */
static void
test_serve(enum spf_expand_status status, const char *prefixes, uint32_t ttl)
{
	test_dns.status = status;
	test_dns.prefixes = prefixes;
	test_dns.ttl = ttl;
}

/* test_store - a store on the fake expander and clock */
static struct spf_source *
test_store(long min, long max, long limit, unsigned flags)
{
	struct spf_source_policy policy = { test_dir, min, max, limit };
	struct spf_source_hooks hooks = { test_expand, NULL, test_clock };
	struct spf_source *src = spf_source_new(&policy, flags);

	spf_source_set_hooks(src, &hooks);
	return src;
}

/* test_info - the info of domain (the store's only one in most tests) */
static struct spf_source_info
test_info(const struct spf_source *src, const char *domain)
{
	struct spf_source_info info;
	size_t i;

	for (i = 0; spf_source_info(src, i, &info) == 0; i++)
		if (strcmp(info.domain, domain) == 0)
			return info;
	memset(&info, 0, sizeof(info));
	return info;
}

/* test_text - an expansion as "a/len a/len", for comparisons */
static const char *
test_text(const struct spf_expansion *exp, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	size_t i, used = 0;

	buf[0] = '\0';
	if (exp == NULL)
		return "(none)";
	for (i = 0; i < exp->count && used < size; i++) {
		inet_ntop(exp->prefixes[i].addr.family == 4 ? AF_INET :
			  AF_INET6, exp->prefixes[i].addr.bytes, addr,
			  sizeof(addr));
		used += (size_t)snprintf(buf + used, size - used, "%s%s/%u",
					 i ? " " : "", addr,
					 exp->prefixes[i].len);
	}
	return buf;
}

/* test_saved - the saved copy of domain as text, "(none)" without one */
static const char *
test_saved(const char *domain, char *buf, size_t size)
{
	struct spf_expansion exp;
	char err[256];

	if (spf_cache_load(test_dir, domain, &exp, err, sizeof(err)) < 0)
		return "(none)";
	test_text(&exp, buf, size);
	spf_expansion_free(&exp);
	return buf;
}

/* test_forget - remove domain's saved copy */
static void
test_forget(const char *domain)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", test_dir, domain);
	unlink(path);
}

/* The next refresh after a good answer: the TTL within [min, max] */
static const struct {
	long min, max;
	uint32_t ttl;
	long want;
} test_ttls[] = {
	{ 300, 86400, 60, 300 },	/* below min: min */
	{ 300, 86400, 300, 300 },
	{ 300, 86400, 3600, 3600 },	/* within: the TTL */
	{ 300, 86400, 86400, 86400 },
	{ 300, 86400, 604800, 86400 },	/* above max: max */
	{ 10, 60, 5, 10 },
	{ 10, 60, 30, 30 },
	{ 10, 60, 600, 60 },
	{ 60, 60, 1, 60 },		/* min = max: always that */
};

/* test_ttl_clamp - each row's due time after one good refresh */
static void
test_ttl_clamp(void)
{
	struct spf_source_info info;
	struct spf_source *src;
	size_t i;

	for (i = 0; i < sizeof(test_ttls) / sizeof(test_ttls[0]); i++) {
		src = test_store(test_ttls[i].min, test_ttls[i].max, 50, 0);
		test_serve(SPF_EXPAND_OK, "192.0.2.0/24", test_ttls[i].ttl);
		TMX_CHECKF(spf_source_refresh(src, "ttl.example") ==
			   SPF_SOURCE_CHANGED, "row %zu", i);
		info = test_info(src, "ttl.example");
		TMX_CHECKF(info.due - test_clock_now == test_ttls[i].want,
			   "row %zu: ttl %u in [%ld, %ld]: next in %lld, want "
			   "%ld", i, test_ttls[i].ttl, test_ttls[i].min,
			   test_ttls[i].max,
			   (long long)(info.due - test_clock_now),
			   test_ttls[i].want);
		TMX_CHECK(spf_source_next_due(src) == info.due);
		spf_source_free(src);
	}
}

/* test_retry - a failure retries after refresh_min and keeps what was */
static void
test_retry(void)
{
	struct spf_source *src = test_store(30, 3600, 50, 0);
	struct spf_source_info info;
	char buf[256];

	/* no result yet: the source stays empty, retried after min */
	test_serve(SPF_EXPAND_TEMPERROR, NULL, 0);
	TMX_CHECK(spf_source_refresh(src, "retry.example") ==
		  SPF_SOURCE_FAILED);
	info = test_info(src, "retry.example");
	TMX_CHECK(!info.have && info.errors == 1 && info.last_error != 0);
	TMX_CHECK(info.due == test_clock_now + 30);
	TMX_CHECK(spf_source_get(src, "retry.example") == NULL);
	/* not due yet: nothing to do */
	test_clock_now += 29;
	test_dns.calls = 0;
	TMX_CHECK(!spf_source_refresh_due(src));
	TMX_CHECK(test_dns.calls == 0);
	/* due: a good answer is a change, scheduled by its TTL */
	test_clock_now += 1;
	test_serve(SPF_EXPAND_OK, "192.0.2.0/24", 600);
	TMX_CHECK(spf_source_refresh_due(src));
	TMX_CHECK(test_dns.calls == 1);
	info = test_info(src, "retry.example");
	TMX_CHECK(info.have && info.refreshes == 1 && info.prefixes == 1);
	TMX_CHECK(info.due == test_clock_now + 600);
	/* a permanent error later: the good list stays, retry after min */
	test_clock_now += 600;
	test_serve(SPF_EXPAND_PERMERROR, NULL, 0);
	TMX_CHECK(!spf_source_refresh_due(src));
	info = test_info(src, "retry.example");
	TMX_CHECK(info.have && info.errors == 2);
	TMX_CHECK(info.due == test_clock_now + 30);
	TMX_CHECK_STR(test_text(spf_source_get(src, "retry.example"), buf,
				sizeof(buf)), "192.0.2.0/24");
	/* the same answer again: unchanged, no rebuild wanted */
	test_serve(SPF_EXPAND_OK, "192.0.2.0/24", 600);
	TMX_CHECK(spf_source_refresh(src, "retry.example") ==
		  SPF_SOURCE_UNCHANGED);
	spf_source_free(src);
	test_forget("retry.example");
}

/* test_fallback - after a restart, the saved copy when DNS fails */
static void
test_fallback(void)
{
	struct spf_source *src = test_store(60, 3600, 50, SPF_SOURCE_SAVE);
	const struct spf_expansion *exp;
	struct spf_source_info info;
	char buf[256];

	test_serve(SPF_EXPAND_OK, "192.0.2.0/24 2001:db8::/32", 300);
	TMX_CHECK(spf_source_load(src, "disk.example") != NULL);
	spf_source_free(src);
	TMX_CHECK_STR(test_saved("disk.example", buf, sizeof(buf)),
		      "192.0.2.0/24 2001:db8::/32");

	/* restarted in a DNS outage: the saved copy, retried after min */
	src = test_store(60, 3600, 50, SPF_SOURCE_SAVE);
	test_serve(SPF_EXPAND_TEMPERROR, NULL, 0);
	test_dns.calls = 0;
	exp = spf_source_load(src, "disk.example");
	TMX_CHECK(test_dns.calls == 1);
	TMX_CHECK_STR(test_text(exp, buf, sizeof(buf)),
		      "192.0.2.0/24 2001:db8::/32");
	info = test_info(src, "disk.example");
	TMX_CHECK(info.have && info.errors == 1 && info.refreshes == 0);
	TMX_CHECK(info.due == test_clock_now + 60);
	TMX_CHECK_STR(test_saved("disk.example", buf, sizeof(buf)),
		      "192.0.2.0/24 2001:db8::/32");
	/* a good answer replaces it, in use and on disk */
	test_serve(SPF_EXPAND_OK, "192.0.2.0/24 198.51.100.0/24 2001:db8::/32",
		   300);
	TMX_CHECK(spf_source_refresh(src, "disk.example") ==
		  SPF_SOURCE_CHANGED);
	TMX_CHECK_STR(test_saved("disk.example", buf, sizeof(buf)),
		      "192.0.2.0/24 198.51.100.0/24 2001:db8::/32");
	test_dns.calls = 1;
	test_serve(SPF_EXPAND_TEMPERROR, NULL, 0);
	/* a load expands a domain once: not again until it is due */
	TMX_CHECK(spf_source_load(src, "disk.example") != NULL);
	TMX_CHECK(test_dns.calls == 1);
	spf_source_expire(src);
	TMX_CHECK(spf_source_load(src, "disk.example") != NULL);
	TMX_CHECK(test_dns.calls == 2);
	spf_source_free(src);

	/* without a saved copy, a failure leaves the source empty */
	src = test_store(60, 3600, 50, SPF_SOURCE_SAVE);
	TMX_CHECK(spf_source_load(src, "never.example") == NULL);
	/* a store without SAVE reads copies but never writes one */
	test_serve(SPF_EXPAND_OK, "198.51.100.0/24", 300);
	spf_source_free(src);
	src = test_store(60, 3600, 50, 0);
	TMX_CHECK(spf_source_load(src, "never.example") != NULL);
	TMX_CHECK_STR(test_saved("never.example", buf, sizeof(buf)), "(none)");
	spf_source_free(src);
	test_forget("disk.example");
}

/* Shrinks: what the old and new answers are, and whether it is held */
static const struct {
	const char *name;
	long limit;
	const char *before, *after;
	bool held;
} test_shrinks[] = {
	{ "49% lost (131 of 256 stay)", 50, "192.0.2.0/24",
	  "192.0.2.0/25 192.0.2.128/31 192.0.2.130/32", false },
	{ "exactly 50% lost", 50, "192.0.2.0/24", "192.0.2.0/25", false },
	{ "51% lost (125 of 256 stay)", 50, "192.0.2.0/24",
	  "192.0.2.0/26 192.0.2.64/27 192.0.2.96/28 192.0.2.112/29 "
	  "192.0.2.120/30 192.0.2.124/32", true },
	{ "all lost", 50, "192.0.2.0/24", "", true },
	{ "growth, limit 0", 0, "192.0.2.0/25", "192.0.2.0/24", false },
	{ "growth to other ranges", 0, "192.0.2.0/24",
	  "192.0.2.0/24 198.51.100.0/24", false },
	/* the guard counts addresses, not which: renumbering is no shrink */
	{ "moved, same size, limit 0", 0, "192.0.2.0/24", "198.51.100.0/24",
	  false },
	{ "one address lost, limit 0", 0, "192.0.2.0/31", "192.0.2.0/32",
	  true },
	{ "IPv6 collapse hidden by IPv4 growth", 50,
	  "192.0.2.0/24 2001:db8::/32",
	  "192.0.2.0/23 2001:db8::/48", true },
	{ "IPv4 /24 lost beside a large IPv6 range", 50,
	  "192.0.2.0/24 198.51.100.0/24 2001:db8::/32",
	  "198.51.100.0/24 2001:db8::/32", false },
	{ "IPv4 gone beside IPv6", 50,
	  "192.0.2.0/24 2001:db8::/32", "2001:db8::/32", true },
	{ "limit 100 takes anything", 100, "192.0.2.0/24", "", false },
};

/* test_shrink - held at the limit; the held copy is never saved */
static void
test_shrink(void)
{
	struct spf_expansion exp;
	struct spf_source_info info;
	struct spf_source *src;
	char buf[256], want[256];
	enum spf_source_result res;
	size_t i;

	for (i = 0; i < sizeof(test_shrinks) / sizeof(test_shrinks[0]); i++) {
		const char *name = test_shrinks[i].name;

		test_forget("shrink.example");
		src = test_store(60, 3600, test_shrinks[i].limit,
				 SPF_SOURCE_SAVE);
		test_serve(SPF_EXPAND_OK, test_shrinks[i].before, 300);
		TMX_CHECKF(spf_source_refresh(src, "shrink.example") ==
			   SPF_SOURCE_CHANGED, "%s: first", name);
		test_text(spf_source_get(src, "shrink.example"), want,
			  sizeof(want));
		test_serve(SPF_EXPAND_OK, test_shrinks[i].after, 300);
		res = spf_source_refresh(src, "shrink.example");
		info = test_info(src, "shrink.example");
		if (test_shrinks[i].held) {
			TMX_CHECKF(res == SPF_SOURCE_HELD, "%s: result %d",
				   name, res);
			TMX_CHECKF(info.held && info.shrinks_held == 1, "%s",
				   name);
		} else {
			TMX_CHECKF(res == SPF_SOURCE_CHANGED, "%s: result %d",
				   name, res);
			TMX_CHECKF(!info.held && info.shrinks_held == 0, "%s",
				   name);
			test_parse(test_shrinks[i].after, &exp);
			test_text(&exp, want, sizeof(want));
			spf_expansion_free(&exp);
		}
		/* in use and on disk: the old list when held, else the new */
		TMX_CHECKF(strcmp(test_text(spf_source_get(src,
			   "shrink.example"), buf, sizeof(buf)), want) == 0,
			   "%s: in use %s, want %s", name, buf, want);
		TMX_CHECKF(strcmp(test_saved("shrink.example", buf,
			   sizeof(buf)), want) == 0, "%s: saved %s, want %s",
			   name, buf, want);
		TMX_CHECKF(info.due == test_clock_now + 300, "%s: due", name);
		if (test_shrinks[i].held) {
			/* a reload accepts it: in use and saved */
			spf_source_accept_held(src);
			info = test_info(src, "shrink.example");
			TMX_CHECKF(!info.held, "%s: still held", name);
			test_text(spf_source_get(src, "shrink.example"), want,
				  sizeof(want));
			TMX_CHECKF(strcmp(test_saved("shrink.example", buf,
				   sizeof(buf)), want) == 0,
				   "%s: accepted but saved %s", name, buf);
		}
		spf_source_free(src);
	}
	test_forget("shrink.example");
}

/* test_held_then_back - a held shrink is dropped when the record recovers */
static void
test_held_then_back(void)
{
	struct spf_source *src = test_store(60, 3600, 50, SPF_SOURCE_SAVE);
	struct spf_source_info info;
	char buf[256];

	test_serve(SPF_EXPAND_OK, "192.0.2.0/24 198.51.100.0/24", 300);
	spf_source_refresh(src, "back.example");
	test_serve(SPF_EXPAND_OK, "192.0.2.0/30", 300);
	TMX_CHECK(spf_source_refresh(src, "back.example") == SPF_SOURCE_HELD);
	TMX_CHECK(spf_source_refresh(src, "back.example") == SPF_SOURCE_HELD);
	TMX_CHECK(test_info(src, "back.example").shrinks_held == 2);
	test_serve(SPF_EXPAND_OK, "192.0.2.0/24 198.51.100.0/24", 300);
	TMX_CHECK(spf_source_refresh(src, "back.example") ==
		  SPF_SOURCE_UNCHANGED);
	info = test_info(src, "back.example");
	TMX_CHECK(!info.held && info.prefixes == 2);
	/* nothing held: a reload has nothing to accept */
	spf_source_accept_held(src);
	TMX_CHECK_STR(test_text(spf_source_get(src, "back.example"), buf,
				sizeof(buf)), "192.0.2.0/24 198.51.100.0/24");
	spf_source_free(src);
	test_forget("back.example");
}

/* test_domains - iteration, earliest due, retain, case-blind names */
static void
test_domains(void)
{
	struct spf_source *src = test_store(60, 3600, 50, 0);
	char *keep[] = { "b.example", "C.example" };
	struct spf_source_info info;

	TMX_CHECK(spf_source_next_due(src) == 0);
	TMX_CHECK(spf_source_count(src) == 0);
	test_serve(SPF_EXPAND_OK, "192.0.2.0/24", 3600);
	spf_source_refresh(src, "a.example");
	test_serve(SPF_EXPAND_OK, "192.0.2.0/24", 600);
	spf_source_refresh(src, "b.example");
	/* a domain asked for is added, due now */
	TMX_CHECK(spf_source_get(src, "c.example") == NULL);
	TMX_CHECK(spf_source_count(src) == 3);
	TMX_CHECK(spf_source_next_due(src) == test_clock_now);
	TMX_CHECK(spf_source_get(src, "A.EXAMPLE") != NULL);
	TMX_CHECK(spf_source_count(src) == 3);
	spf_source_retain(src, keep, 2);
	TMX_CHECK(spf_source_count(src) == 2);
	TMX_CHECK(test_info(src, "a.example").domain == NULL);
	TMX_CHECK(spf_source_next_due(src) == test_clock_now);
	test_serve(SPF_EXPAND_OK, "198.51.100.0/24", 3600);
	TMX_CHECK(spf_source_refresh_due(src));
	TMX_CHECK(spf_source_next_due(src) == test_clock_now + 600);
	TMX_CHECK(spf_source_info(src, 2, &info) == -1);
	spf_source_retain(src, NULL, 0);
	TMX_CHECK(spf_source_count(src) == 0);
	spf_source_free(src);
	spf_source_free(NULL);
}

/* main - in a scratch cache directory under /tmp */
int
main(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/test-spf-source.XXXXXX");
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_ttl_clamp();
	test_retry();
	test_fallback();
	test_shrink();
	test_held_then_back();
	test_domains();
	test_forget("never.example");
	rmdir(test_dir);
	return TMX_TEST_END();
}
