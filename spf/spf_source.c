/*
 * spf_source.c - the policy for spf: sources, in one place for every
 * program: expand, fall back to the saved copy, save what is accepted,
 * schedule by TTL, hold back a refresh that loses too much, log changes.
 * Callers decide when to build lists from it; it never builds any.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "spf_source.h"
#include "xalloc.h"

#define SPF_SOURCE_MIN_WAIT	1	/* seconds: never a busy loop */

/* The last good expansion of one spf: domain and what became of it */
struct spf_source_entry {
	char *domain;
	struct spf_expansion exp;	/* in use */
	bool have;
	bool from_disk;		/* exp is the saved copy, unrefreshed */
	bool disk_tried;
	struct spf_expansion held;	/* a shrink, held back */
	bool have_held;
	time_t due;
	time_t last_refresh, last_error;
	unsigned long refreshes, errors, shrinks_held;
};

struct spf_source {
	char *cache_dir;	/* "" for none */
	long refresh_min, refresh_max, shrink_limit;
	unsigned flags;
	struct spf_source_hooks hooks;
	struct spf_source_entry **entries;	/* pointers: they stay put */
	size_t count;
};

/* spf_source_expand_default - the real expander */
static enum spf_expand_status
spf_source_expand_default(void *ctx, const char *domain,
			  struct spf_expansion *exp_r, spf_warn_fn *warn,
			  void *warn_ctx, char *err, size_t errlen)
{
	return spf_expand(domain, exp_r, warn, warn_ctx, err, errlen);
}

/* spf_source_clock_default - monotonic seconds */
static time_t
spf_source_clock_default(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* spf_source_new - see spf_source.h */
struct spf_source *
spf_source_new(const struct spf_source_policy *policy, unsigned flags)
{
	static const struct spf_source_policy defaults = {
		NULL, 300, 86400, 50,	/* as trustmx.conf's defaults */
	};
	struct spf_source *src = xcalloc(1, sizeof(*src));

	src->flags = flags;
	spf_source_set_hooks(src, NULL);
	spf_source_configure(src, policy != NULL ? policy : &defaults);
	return src;
}

/* spf_source_configure - see spf_source.h */
void
spf_source_configure(struct spf_source *src,
		     const struct spf_source_policy *policy)
{
	free(src->cache_dir);
	src->cache_dir = xstrdup(policy->cache_dir ? policy->cache_dir : "");
	src->refresh_min = policy->refresh_min;
	src->refresh_max = policy->refresh_max;
	src->shrink_limit = policy->shrink_limit;
}

/* spf_source_set_hooks - see spf_source.h */
void
spf_source_set_hooks(struct spf_source *src,
		     const struct spf_source_hooks *hooks)
{
	src->hooks.expand = spf_source_expand_default;
	src->hooks.expand_ctx = NULL;
	src->hooks.clock = spf_source_clock_default;
	if (hooks == NULL)
		return;
	if (hooks->expand != NULL) {
		src->hooks.expand = hooks->expand;
		src->hooks.expand_ctx = hooks->expand_ctx;
	}
	if (hooks->clock != NULL)
		src->hooks.clock = hooks->clock;
}

/* spf_source_entry_free - one domain's memory */
static void
spf_source_entry_free(struct spf_source_entry *e)
{
	if (e->have)
		spf_expansion_free(&e->exp);
	if (e->have_held)
		spf_expansion_free(&e->held);
	free(e->domain);
	free(e);
}

/* spf_source_free - see spf_source.h */
void
spf_source_free(struct spf_source *src)
{
	size_t i;

	if (src == NULL)
		return;
	for (i = 0; i < src->count; i++)
		spf_source_entry_free(src->entries[i]);
	free(src->entries);
	free(src->cache_dir);
	free(src);
}

/* spf_source_now - see spf_source.h */
time_t
spf_source_now(const struct spf_source *src)
{
	return src->hooks.clock();
}

/* spf_source_routine - an event worth a line in a daemon's log */
static void __attribute__((format(printf, 2, 3)))
spf_source_routine(const struct spf_source *src, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (src->flags & SPF_SOURCE_QUIET)
		log_debug("%s", msg);
	else
		log_info("%s", msg);
}

/* spf_source_find - domain's entry, or NULL */
static struct spf_source_entry *
spf_source_find(const struct spf_source *src, const char *domain)
{
	size_t i;

	for (i = 0; i < src->count; i++)
		if (strcasecmp(src->entries[i]->domain, domain) == 0)
			return src->entries[i];
	return NULL;
}

/* spf_source_add - domain's entry, made (due now) when absent */
static struct spf_source_entry *
spf_source_add(struct spf_source *src, const char *domain)
{
	struct spf_source_entry *e = spf_source_find(src, domain);

	if (e != NULL)
		return e;
	e = xcalloc(1, sizeof(*e));
	e->domain = xstrdup(domain);
	e->due = spf_source_now(src);
	src->entries = xreallocarray(src->entries, src->count + 1,
				     sizeof(*src->entries));
	src->entries[src->count++] = e;
	return e;
}

/* spf_source_when - a wall-clock time for logs */
static const char *
spf_source_when(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
	return buf;
}

/* spf_source_load_disk - the saved copy as the result in use, once */
static void
spf_source_load_disk(struct spf_source *src, struct spf_source_entry *e)
{
	char err[512], when[64];

	if (e->have || e->disk_tried || src->cache_dir[0] == '\0')
		return;
	e->disk_tried = true;
	if (spf_cache_load(src->cache_dir, e->domain, &e->exp, err,
			   sizeof(err)) < 0) {
		log_debug("spf:%s: no saved copy: %s", e->domain, err);
		return;
	}
	e->have = true;
	e->from_disk = true;
	spf_source_routine(src, "spf:%s: %zu prefixes from the cache in %s "
			   "(resolved at %s)", e->domain, e->exp.count,
			   src->cache_dir, spf_source_when(e->exp.resolved_at,
			   when, sizeof(when)));
}

/* spf_source_get - see spf_source.h */
const struct spf_expansion *
spf_source_get(struct spf_source *src, const char *domain)
{
	struct spf_source_entry *e = spf_source_add(src, domain);

	spf_source_load_disk(src, e);
	return e->have ? &e->exp : NULL;
}

/* spf_source_interval - seconds to the next refresh after a good ttl */
static long
spf_source_interval(const struct spf_source *src, uint32_t ttl)
{
	long wait = (long)ttl;

	if (wait > src->refresh_max)
		wait = src->refresh_max;
	if (wait < src->refresh_min)
		wait = src->refresh_min;
	return wait < SPF_SOURCE_MIN_WAIT ? SPF_SOURCE_MIN_WAIT : wait;
}

/* spf_source_retry - seconds to the next try after a failure */
static long
spf_source_retry(const struct spf_source *src)
{
	return src->refresh_min < SPF_SOURCE_MIN_WAIT ? SPF_SOURCE_MIN_WAIT :
	    src->refresh_min;
}

/* spf_source_cmp - the order spf_expand and spf_cache keep prefixes in */
static int
spf_source_cmp(const struct spf_prefix *a, const struct spf_prefix *b)
{
	int c;

	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	if ((c = memcmp(a->addr.bytes, b->addr.bytes,
			sizeof(a->addr.bytes))) != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* spf_source_diff - prefixes in new only (*added_r) and in old only */
static void
spf_source_diff(const struct spf_expansion *old,
		const struct spf_expansion *new, size_t *added_r,
		size_t *removed_r)
{
	size_t i = 0, j = 0;
	int c;

	*added_r = *removed_r = 0;
	while (i < old->count || j < new->count) {
		if (i == old->count)
			c = 1;
		else if (j == new->count)
			c = -1;
		else
			c = spf_source_cmp(&old->prefixes[i],
					   &new->prefixes[j]);
		if (c < 0) {
			(*removed_r)++;
			i++;
		} else if (c > 0) {
			(*added_r)++;
			j++;
		} else {
			i++;
			j++;
		}
	}
}

/* spf_source_addresses - how many addresses of family exp covers */
static double
spf_source_addresses(const struct spf_expansion *exp, int family)
{
	double sum = 0, n;
	unsigned bits;
	size_t i;

	for (i = 0; i < exp->count; i++) {
		if (exp->prefixes[i].addr.family != family)
			continue;
		bits = (family == 4 ? 32 : 128) - exp->prefixes[i].len;
		for (n = 1; bits > 0; bits--)
			n *= 2;
		sum += n;
	}
	return sum;
}

/*
 * spf_source_shrinks - would new lose more than shrink_limit percent of
 * old's addresses in either family (IPv4 and IPv6 apart, or a /32 of
 * IPv6 would hide every IPv4 range); *loss_r = the larger loss, percent
 */
static bool
spf_source_shrinks(const struct spf_source *src,
		   const struct spf_expansion *old,
		   const struct spf_expansion *new, double *loss_r)
{
	static const int families[] = { 4, 6 };
	double before, after;
	size_t i;

	*loss_r = 0;
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		before = spf_source_addresses(old, families[i]);
		after = spf_source_addresses(new, families[i]);
		if (before > 0 && after < before &&
		    (before - after) * 100 / before > *loss_r)
			*loss_r = (before - after) * 100 / before;
	}
	return *loss_r > (double)src->shrink_limit;
}

/* spf_source_accept - make exp the result in use and save it */
static void
spf_source_accept(struct spf_source *src, struct spf_source_entry *e,
		  struct spf_expansion *exp)
{
	char err[512];

	if (e->have)
		spf_expansion_free(&e->exp);
	e->exp = *exp;
	memset(exp, 0, sizeof(*exp));
	e->have = true;
	e->from_disk = false;
	e->refreshes++;
	e->last_refresh = time(NULL);
	if ((src->flags & SPF_SOURCE_SAVE) && src->cache_dir[0] != '\0' &&
	    spf_cache_save(src->cache_dir, e->domain, &e->exp, err,
			   sizeof(err)) < 0)
		log_warnx("spf:%s: cache not saved: %s", e->domain, err);
}

/* spf_source_warn - spf_expand's remarks: news the first time only */
static void
spf_source_warn(void *ctx, const char *message)
{
	const struct spf_source_entry *e = ctx;

	if (e->have)
		log_debug("spf:%s: %s", e->domain, message);
	else
		log_warnx("spf:%s: %s", e->domain, message);
}

/* spf_source_failed - a failed expansion: retry sooner, say what stays */
static enum spf_source_result
spf_source_failed(struct spf_source *src, struct spf_source_entry *e,
		  enum spf_expand_status st, const char *err)
{
	const char *kind = st == SPF_EXPAND_TEMPERROR ? "temporary error" :
	    "permanent error";
	char when[64];

	e->due = spf_source_now(src) + spf_source_retry(src);
	e->errors++;
	e->last_error = time(NULL);
	if (!e->have)
		log_warnx("spf:%s: %s: %s; no saved copy%s%s either, the "
			  "source is empty", e->domain, kind, err,
			  src->cache_dir[0] != '\0' ? " in " : "",
			  src->cache_dir);
	else if (e->from_disk)
		log_warnx("spf:%s: %s: %s; using the copy saved in %s, "
			  "resolved at %s (%zu prefixes)", e->domain, kind, err,
			  src->cache_dir, spf_source_when(e->exp.resolved_at,
			  when, sizeof(when)), e->exp.count);
	else
		log_warnx("spf:%s: %s: %s; keeping the last good list (%zu "
			  "prefixes)", e->domain, kind, err, e->exp.count);
	return SPF_SOURCE_FAILED;
}

/* spf_source_hold - keep a refresh that shrinks too much aside */
static enum spf_source_result
spf_source_hold(struct spf_source *src, struct spf_source_entry *e,
		struct spf_expansion *exp, double loss)
{
	log_warnx("spf:%s: would shrink from %zu to %zu prefixes, losing "
		  "%.0f%% of its addresses, more than spf_shrink_limit = "
		  "%ld%%; keeping the old list (a reload accepts the new one)",
		  e->domain, e->exp.count, exp->count, loss,
		  src->shrink_limit);
	if (e->have_held)
		spf_expansion_free(&e->held);
	e->held = *exp;
	memset(exp, 0, sizeof(*exp));
	e->have_held = true;
	e->shrinks_held++;
	return SPF_SOURCE_HELD;
}

/* spf_source_refresh_entry - expand, then accept, hold back or keep */
static enum spf_source_result
spf_source_refresh_entry(struct spf_source *src, struct spf_source_entry *e)
{
	struct spf_expansion exp;
	enum spf_expand_status st;
	size_t added = 0, removed = 0, before;
	bool had;
	double loss;
	char err[512];
	long wait;

	spf_source_load_disk(src, e);	/* the baseline across restarts */
	memset(&exp, 0, sizeof(exp));
	err[0] = '\0';
	st = src->hooks.expand(src->hooks.expand_ctx, e->domain, &exp,
			       spf_source_warn, e, err, sizeof(err));
	if (st != SPF_EXPAND_OK)
		return spf_source_failed(src, e, st, err);
	wait = spf_source_interval(src, exp.ttl);
	e->due = spf_source_now(src) + wait;
	if (e->have && spf_source_shrinks(src, &e->exp, &exp, &loss))
		return spf_source_hold(src, e, &exp, loss);
	if (e->have_held) {
		spf_expansion_free(&e->held);
		e->have_held = false;
	}
	had = e->have;
	before = had ? e->exp.count : 0;
	if (had)
		spf_source_diff(&e->exp, &exp, &added, &removed);
	spf_source_accept(src, e, &exp);
	if (had && added == 0 && removed == 0)
		return SPF_SOURCE_UNCHANGED;
	if (had)
		spf_source_routine(src, "spf:%s: %zu prefixes (was %zu: %zu "
				   "added, %zu removed), ttl %u, next refresh "
				   "in %lds", e->domain, e->exp.count, before,
				   added, removed, e->exp.ttl, wait);
	else
		spf_source_routine(src, "spf:%s: %zu prefixes, ttl %u, next "
				   "refresh in %lds", e->domain, e->exp.count,
				   e->exp.ttl, wait);
	return SPF_SOURCE_CHANGED;
}

/* spf_source_refresh - see spf_source.h */
enum spf_source_result
spf_source_refresh(struct spf_source *src, const char *domain)
{
	return spf_source_refresh_entry(src, spf_source_add(src, domain));
}

/* spf_source_load - see spf_source.h */
const struct spf_expansion *
spf_source_load(struct spf_source *src, const char *domain)
{
	struct spf_source_entry *e = spf_source_add(src, domain);

	if (e->due <= spf_source_now(src))
		spf_source_refresh_entry(src, e);
	spf_source_load_disk(src, e);
	return e->have ? &e->exp : NULL;
}

/* spf_source_refresh_due - see spf_source.h */
bool
spf_source_refresh_due(struct spf_source *src)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < src->count; i++)
		if (src->entries[i]->due <= spf_source_now(src) &&
		    spf_source_refresh_entry(src, src->entries[i]) ==
		    SPF_SOURCE_CHANGED)
			changed = true;
	return changed;
}

/* spf_source_next_due - see spf_source.h */
time_t
spf_source_next_due(const struct spf_source *src)
{
	time_t next = 0;
	size_t i;

	for (i = 0; i < src->count; i++)
		if (next == 0 || src->entries[i]->due < next)
			next = src->entries[i]->due;
	return next;
}

/* spf_source_expire - see spf_source.h */
void
spf_source_expire(struct spf_source *src)
{
	time_t now = spf_source_now(src);
	size_t i;

	for (i = 0; i < src->count; i++)
		src->entries[i]->due = now;
}

/* spf_source_accept_held - see spf_source.h */
void
spf_source_accept_held(struct spf_source *src)
{
	struct spf_source_entry *e;
	size_t i;

	for (i = 0; i < src->count; i++) {
		e = src->entries[i];
		if (!e->have_held)
			continue;
		log_info("spf:%s: reload accepts the shrink from %zu to %zu "
			 "prefixes", e->domain, e->have ? e->exp.count : 0,
			 e->held.count);
		e->have_held = false;
		spf_source_accept(src, e, &e->held);
	}
}

/* spf_source_retain - see spf_source.h */
void
spf_source_retain(struct spf_source *src, char *const *domains, size_t n)
{
	size_t i = 0, j;

	while (i < src->count) {
		for (j = 0; j < n; j++)
			if (strcasecmp(src->entries[i]->domain,
				       domains[j]) == 0)
				break;
		if (j < n) {
			i++;
			continue;
		}
		spf_source_entry_free(src->entries[i]);
		src->entries[i] = src->entries[--src->count];
	}
}

/* spf_source_count - see spf_source.h */
size_t
spf_source_count(const struct spf_source *src)
{
	return src->count;
}

/* spf_source_info - see spf_source.h */
int
spf_source_info(const struct spf_source *src, size_t i,
		struct spf_source_info *info_r)
{
	const struct spf_source_entry *e;

	if (i >= src->count)
		return -1;
	e = src->entries[i];
	memset(info_r, 0, sizeof(*info_r));
	info_r->domain = e->domain;
	info_r->have = e->have;
	info_r->held = e->have_held;
	info_r->prefixes = e->have ? e->exp.count : 0;
	info_r->ttl = e->have ? e->exp.ttl : 0;
	info_r->due = e->due;
	info_r->last_refresh = e->last_refresh;
	info_r->last_error = e->last_error;
	info_r->refreshes = e->refreshes;
	info_r->errors = e->errors;
	info_r->shrinks_held = e->shrinks_held;
	return 0;
}
