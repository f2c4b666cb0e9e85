/*
 * lists.c - build the trust lists from their trustmx.conf sources (inline
 * prefixes, file:, cidr:, spf:) into immutable CIDR sets. All or nothing:
 * the first bad source fails the whole build, so a caller keeps its last
 * good lists rather than running with half a list.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <trustmx/cidrtab.h>

#include "lists.h"
#include "xalloc.h"

/* How many deny/trust overlaps to report before summing up the rest */
#define LISTS_OVERLAP_REPORT 5

static const char *const lists_names[LIST_COUNT] = {
	[LIST_RELAY] = "relay_networks",
	[LIST_PROXY] = "proxy_networks",
	[LIST_DENY] = "deny_networks",
	[LIST_POLICY_CLIENTS] = "policy_clients",
	[LIST_ALLOW] = "allow_networks",
};

/* Everything one build needs to hand around */
struct lists_ctx {
	struct lists *lists;
	lists_spf_fn *spf;
	void *spf_ctx;
	lists_warn_fn *warn;
	void *warn_ctx;
	char *err;
	size_t errlen;
};

/* lists_name - the trustmx.conf key of a list */
const char *
lists_name(enum list_id id)
{
	return (unsigned)id < LIST_COUNT ? lists_names[id] : "unknown list";
}

/* lists_source_name - "relay_networks: spf:relay.example" for a value */
const char *
lists_source_name(const struct lists *lists, uint32_t value)
{
	if (lists == NULL || value >= lists->nsources)
		return "unknown source";
	return lists->source_names[value];
}

/* lists_warnf - format a warning and pass it to the caller's callback */
static void __attribute__((format(printf, 2, 3)))
lists_warnf(struct lists_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ctx->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->warn(ctx->warn_ctx, msg);
}

/* lists_fail - format the build's error; returns -1 */
static int __attribute__((format(printf, 2, 3)))
lists_fail(struct lists_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* lists_cidrtab_warn - pass cidr_table warnings on */
static void
lists_cidrtab_warn(void *vctx, const char *message)
{
	lists_warnf(vctx, "%s", message);
}

/* lists_add_source - register "list: word"; returns its value */
static uint32_t
lists_add_source(struct lists *lists, enum list_id id, const char *word)
{
	lists->source_names = xreallocarray(lists->source_names,
					    lists->nsources + 1,
					    sizeof(*lists->source_names));
	lists->source_names[lists->nsources] =
		xasprintf("%s: %s", lists_name(id), word);
	return (uint32_t)lists->nsources++;
}

/* lists_add_spf_domain - remember a domain for the refresher, once */
static void
lists_add_spf_domain(struct lists *lists, const char *domain)
{
	size_t i;

	for (i = 0; i < lists->nspf; i++)
		if (strcasecmp(lists->spf_domains[i], domain) == 0)
			return;
	lists->spf_domains = xreallocarray(lists->spf_domains, lists->nspf + 1,
					   sizeof(*lists->spf_domains));
	lists->spf_domains[lists->nspf++] = xstrdup(domain);
}

/* lists_domain_ok - a plausible DNS name for an spf: source */
static bool
lists_domain_ok(const char *domain)
{
	const char *p;

	if (*domain == '\0' || strlen(domain) > 253 || *domain == '.')
		return false;
	for (p = domain; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-._", *p))
			return false;
	return strstr(domain, "..") == NULL;
}

/* lists_load_file - a file: source (a plain list, one prefix a line) */
static int
lists_load_file(struct lists_ctx *ctx, struct tmx_cidrset_builder *b,
		const char *key, const char *where, const char *path,
		uint32_t value)
{
	char e[1024];

	if (*path != '/')
		return lists_fail(ctx, "%s: %s: file:%s: the path must be "
				  "absolute", where, key, path);
	if (tmx_cidrset_builder_load_list(b, path, value, e, sizeof(e)) < 0)
		return lists_fail(ctx, "%s (%s, set at %s)", e, key, where);
	return 0;
}

/* lists_load_cidr - a cidr: source: every range the table answers for */
static int
lists_load_cidr(struct lists_ctx *ctx, struct tmx_cidrset_builder *b,
		const char *key, const char *where, const char *path,
		uint32_t value)
{
	struct tmx_cidrtab *tab = NULL;
	char e[1024];
	int rc;

	if (*path != '/')
		return lists_fail(ctx, "%s: %s: cidr:%s: the path must be "
				  "absolute", where, key, path);
	if (tmx_cidrtab_load(path, TMX_CIDRTAB_STRICT, lists_cidrtab_warn, ctx,
			     &tab, e, sizeof(e)) < 0)
		return lists_fail(ctx, "%s (%s, set at %s)", e, key, where);
	rc = tmx_cidrtab_add_matches(tab, b, value);
	tmx_cidrtab_free(tab);
	if (rc < 0)
		return lists_fail(ctx, "%s: %s: cidr:%s: cannot add the "
				  "table's ranges", where, key, path);
	return 0;
}

/* lists_load_spf - an spf: source from the caller's last good expansion */
static int
lists_load_spf(struct lists_ctx *ctx, struct tmx_cidrset_builder *b,
	       const char *key, const char *where, const char *domain,
	       uint32_t value)
{
	const struct spf_expansion *exp;
	char text[TMX_ADDR_STRLEN], lower[256];
	const char *reason;
	size_t i;

	if (!lists_domain_ok(domain))
		return lists_fail(ctx, "%s: %s: spf:%s: bad domain name",
				  where, key, domain);
	/* one spelling for the store and the refresher: DNS ignores case */
	for (i = 0; domain[i] != '\0'; i++)
		lower[i] = tolower((unsigned char)domain[i]);
	lower[i] = '\0';
	lists_add_spf_domain(ctx->lists, lower);
	exp = ctx->spf ? ctx->spf(ctx->spf_ctx, lower) : NULL;
	if (exp == NULL) {
		lists_warnf(ctx, "%s: spf:%s: no expansion yet; the source is "
			    "empty until the first successful lookup",
			    key, domain);
		return 0;
	}
	for (i = 0; i < exp->count; i++) {
		reason = "bad prefix";
		if (tmx_cidrset_builder_add(b, &exp->prefixes[i].addr,
					    exp->prefixes[i].len, value,
					    &reason) < 0)
			return lists_fail(ctx, "%s: %s: spf:%s: %s/%u: %s",
					  where, key, domain,
					  tmx_addr_format(&exp->prefixes[i].addr,
							  text, sizeof(text)),
					  exp->prefixes[i].len, reason);
	}
	return 0;
}

/*
 * lists_strip_brackets - "[2001:db8::]/32" or "[::1]" to the bare form in
 * buf, as Postfix writes IPv6 in mynetworks; NULL on a lone bracket.
 */
static const char *
lists_strip_brackets(const char *word, char *buf, size_t size)
{
	const char *close;

	if (word[0] != '[')
		return strchr(word, '[') || strchr(word, ']') ? NULL : word;
	close = strchr(word, ']');
	if (close == NULL || (close[1] != '\0' && close[1] != '/') ||
	    strchr(close + 1, ']') != NULL)
		return NULL;
	snprintf(buf, size, "%.*s%s", (int)(close - word - 1), word + 1,
		 close + 1);
	return buf;
}

/* lists_looks_typed - "hash:/x", "mysql:/x": a table type we do not read */
static bool
lists_looks_typed(const char *word)
{
	size_t n = strspn(word, "abcdefghijklmnopqrstuvwxyz");
	size_t hex = strspn(word, "abcdef0123456789");

	return n > 0 && word[n] == ':' && hex < n;
}

/* lists_is_mapped - a prefix inside ::ffff:0:0/96 */
static bool
lists_is_mapped(const struct tmx_addr *addr, unsigned len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return addr->family == 6 && len >= 96 &&
	       memcmp(addr->bytes, mapped, sizeof(mapped)) == 0;
}

/* lists_load_inline - an address or prefix written in the list itself */
static int
lists_load_inline(struct lists_ctx *ctx, struct tmx_cidrset_builder *b,
		  const char *key, const char *where, const char *word,
		  uint32_t value)
{
	char buf[128];
	const char *text, *reason = "bad address";
	struct tmx_addr addr;
	unsigned len;

	if (lists_looks_typed(word))
		return lists_fail(ctx, "%s: %s: \"%s\": unsupported source "
				  "type (use an address, file:, cidr: or "
				  "spf:)", where, key, word);
	text = lists_strip_brackets(word, buf, sizeof(buf));
	if (text == NULL || strlen(word) >= sizeof(buf))
		return lists_fail(ctx, "%s: %s: \"%s\": bad address", where,
				  key, word);
	if (tmx_addr_parse_prefix(text, &addr, &len, &reason) < 0)
		return lists_fail(ctx, "%s: %s: \"%s\": %s", where, key, word,
				  reason ? reason : "bad address");
	if (lists_is_mapped(&addr, len))
		return lists_fail(ctx, "%s: %s: \"%s\": IPv4-mapped IPv6 never "
				  "matches (clients are unmapped); write the "
				  "IPv4 prefix", where, key, word);
	if (tmx_cidrset_builder_add(b, &addr, len, value, &reason) < 0)
		return lists_fail(ctx, "%s: %s: \"%s\": %s", where, key, word,
				  reason ? reason : "bad address");
	if (len == 0)
		lists_warnf(ctx, "%s: %s: \"%s\" covers every IPv%u address",
			    where, key, word, addr.family);
	return 0;
}

/* lists_load_source - one word of a list value */
static int
lists_load_source(struct lists_ctx *ctx, struct tmx_cidrset_builder *b,
		  enum list_id id, const char *where, const char *word)
{
	const char *key = lists_name(id);
	uint32_t value = lists_add_source(ctx->lists, id, word);

	if (strncmp(word, "file:", 5) == 0)
		return lists_load_file(ctx, b, key, where, word + 5, value);
	if (word[0] == '/')
		return lists_load_file(ctx, b, key, where, word, value);
	if (strncmp(word, "cidr:", 5) == 0)
		return lists_load_cidr(ctx, b, key, where, word + 5, value);
	if (strncmp(word, "spf:", 4) == 0)
		return lists_load_spf(ctx, b, key, where, word + 4, value);
	return lists_load_inline(ctx, b, key, where, word, value);
}

/* lists_is_spf - an spf: word, whose prefixes change with DNS */
static bool
lists_is_spf(const char *word)
{
	return strncmp(word, "spf:", 4) == 0;
}

/*
 * lists_keep_fixed - build the static sources of list id into its fixed
 * set (consuming fb) and add them to b; -1 with the build's error
 */
static int
lists_keep_fixed(struct lists_ctx *ctx, struct tmx_cidrset_builder *fb,
		 struct tmx_cidrset_builder *b, enum list_id id,
		 const char *where)
{
	struct tmx_cidrset *fixed = tmx_cidrset_build(fb);

	ctx->lists->fixed[id] = fixed;
	if (fixed == NULL || tmx_cidrset_builder_add_set(b, fixed) < 0)
		return lists_fail(ctx, "%s: %s: out of memory", where,
				  lists_name(id));
	return 0;
}

/*
 * lists_build_one - every source of one list into its set. Static sources
 * go first (an identical spf: prefix keeps the static source's name);
 * relay_networks and allow_networks keep them apart as well, in fixed[].
 */
static int
lists_build_one(struct lists_ctx *ctx, const struct conf *conf,
		enum list_id id)
{
	const char *key = lists_name(id);
	const char *where = conf_where(conf, key);
	struct tmx_cidrset_builder *b, *fb = NULL;
	char **words;
	size_t i;
	int rc = 0;

	if ((b = tmx_cidrset_builder_new()) == NULL ||
	    ((id == LIST_RELAY || id == LIST_ALLOW) &&
	     (fb = tmx_cidrset_builder_new()) == NULL)) {
		tmx_cidrset_builder_free(b);
		return lists_fail(ctx, "%s: %s: out of memory", where, key);
	}
	words = conf_words(conf_str(conf, key));
	for (i = 0; words[i] != NULL && rc == 0; i++)
		if (!lists_is_spf(words[i]))
			rc = lists_load_source(ctx, fb ? fb : b, id, where,
					       words[i]);
	if (fb != NULL && rc == 0)
		rc = lists_keep_fixed(ctx, fb, b, id, where);
	else
		tmx_cidrset_builder_free(fb);
	for (i = 0; words[i] != NULL && rc == 0; i++)
		if (lists_is_spf(words[i]))
			rc = lists_load_source(ctx, b, id, where, words[i]);
	conf_words_free(words);
	if (rc < 0) {
		tmx_cidrset_builder_free(b);
		return -1;
	}
	ctx->lists->set[id] = tmx_cidrset_build(b);
	if (ctx->lists->set[id] == NULL)
		return lists_fail(ctx, "%s: %s: out of memory", where, key);
	return 0;
}

/* One prefix of either list in an overlap sweep */
struct lists_item {
	struct tmx_addr prefix;
	unsigned len;
	uint32_t value;
	unsigned side;		/* 0: list a, 1: list b */
};

/* The prefixes of both lists of an overlap check */
struct lists_items {
	struct lists_item *item;
	size_t count;
	unsigned side;		/* while collecting */
};

/* lists_collect_one - walk callback: append a prefix to the sweep */
static int
lists_collect_one(const struct tmx_addr *prefix, unsigned len,
		  uint32_t value, void *vitems)
{
	struct lists_items *items = vitems;
	struct lists_item *it = &items->item[items->count++];

	it->prefix = *prefix;
	it->len = len;
	it->value = value;
	it->side = items->side;
	return 0;
}

/*
 * lists_item_compare - family, address, then the wider prefix first, so an
 * enclosing prefix comes before what it holds; for equal prefixes list b
 * first, so the one overlap is said of a's prefix
 */
static int
lists_item_compare(const void *va, const void *vb)
{
	const struct lists_item *a = va, *b = vb;
	int cmp;

	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	if ((cmp = memcmp(a->prefix.bytes, b->prefix.bytes,
			  sizeof(a->prefix.bytes))) != 0)
		return cmp;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->side > b->side ? -1 : a->side < b->side;
}

/* lists_item_holds - does outer's prefix contain inner's (or equal it) */
static bool
lists_item_holds(const struct lists_item *outer,
		 const struct lists_item *inner)
{
	unsigned full = outer->len / 8, rest = outer->len % 8;

	if (outer->prefix.family != inner->prefix.family ||
	    outer->len > inner->len)
		return false;
	if (memcmp(outer->prefix.bytes, inner->prefix.bytes, full) != 0)
		return false;
	return rest == 0 || ((outer->prefix.bytes[full] ^
			      inner->prefix.bytes[full]) &
			     (0xff00 >> rest)) == 0;
}

/*
 * lists_check_overlap - warn where the sets a and b (of lists a_id and
 * b_id) meet. Two prefixes overlap only when one holds the other: in
 * address order, wider first, the prefixes enclosing one form a stack, and
 * each prefix with an enclosing (or equal) prefix of the other list is
 * said once, naming the nearest. Exact, and n log n.
 */
static void
lists_check_overlap(struct lists_ctx *ctx, enum list_id a_id,
		    const struct tmx_cidrset *a, enum list_id b_id,
		    const struct tmx_cidrset *b, const char *outcome)
{
	const struct lists_item *stack[2 * 129], *it, *outer;
	const enum list_id ids[2] = { a_id, b_id };
	struct lists_items items = { NULL, 0, 0 };
	const struct lists *lists = ctx->lists;
	char text[TMX_ADDR_STRLEN];
	size_t depth = 0, i, j;
	unsigned found = 0;

	if (a == NULL || b == NULL || tmx_cidrset_count(a) == 0 ||
	    tmx_cidrset_count(b) == 0)
		return;
	items.item = xreallocarray(NULL, tmx_cidrset_count(a) +
				   tmx_cidrset_count(b), sizeof(*items.item));
	tmx_cidrset_walk(a, lists_collect_one, &items);
	items.side = 1;
	tmx_cidrset_walk(b, lists_collect_one, &items);
	qsort(items.item, items.count, sizeof(*items.item),
	      lists_item_compare);
	for (i = 0; i < items.count; i++) {
		it = &items.item[i];
		while (depth > 0 && !lists_item_holds(stack[depth - 1], it))
			depth--;
		for (outer = NULL, j = depth; j > 0 && outer == NULL; j--)
			if (stack[j - 1]->side != it->side)
				outer = stack[j - 1];
		if (outer != NULL && found++ < LISTS_OVERLAP_REPORT)
			lists_warnf(ctx, "%s/%u (%s) overlaps %s (%s); %s",
				    tmx_addr_format(&it->prefix, text,
						    sizeof(text)), it->len,
				    lists_source_name(lists, it->value),
				    lists_name(ids[outer->side]),
				    lists_source_name(lists, outer->value),
				    outcome);
		stack[depth++] = it;	/* nested: 129 lengths, 2 lists */
	}
	if (found > LISTS_OVERLAP_REPORT)
		lists_warnf(ctx, "%u more overlaps of %s and %s",
			    found - LISTS_OVERLAP_REPORT, lists_name(a_id),
			    lists_name(b_id));
	free(items.item);
}

/*
 * lists_build - every list from conf, all or nothing. Overlaps are
 * warnings: deny_networks against each permitting list, and the static
 * sources of relay_networks against allow_networks' (the milter reads a
 * relay's Received lines; spf: ranges are left out: they follow other
 * people's DNS, so such a warning would come and go with their records).
 */
struct lists *
lists_build(const struct conf *conf, lists_spf_fn *spf, void *spf_ctx,
	    lists_warn_fn *warn, void *warn_ctx, char *err, size_t errlen)
{
	struct lists_ctx ctx = { NULL, spf, spf_ctx, warn, warn_ctx, err,
				 errlen };
	struct lists *l;
	int id;

	ctx.lists = l = xcalloc(1, sizeof(*ctx.lists));
	for (id = 0; id < LIST_COUNT; id++) {
		if (lists_build_one(&ctx, conf, id) < 0) {
			lists_free(ctx.lists);
			return NULL;
		}
	}
	lists_check_overlap(&ctx, LIST_RELAY, l->set[LIST_RELAY], LIST_DENY,
			    l->set[LIST_DENY], "deny_networks wins");
	lists_check_overlap(&ctx, LIST_PROXY, l->set[LIST_PROXY], LIST_DENY,
			    l->set[LIST_DENY], "deny_networks wins");
	lists_check_overlap(&ctx, LIST_ALLOW, l->set[LIST_ALLOW], LIST_DENY,
			    l->set[LIST_DENY], "deny_networks wins");
	lists_check_overlap(&ctx, LIST_RELAY, l->fixed[LIST_RELAY], LIST_ALLOW,
			    l->fixed[LIST_ALLOW], "relay_networks wins in "
			    "trustmx-milter (relay recovery)");
	return ctx.lists;
}

/* lists_free - release sets and names; NULL is fine */
void
lists_free(struct lists *lists)
{
	size_t i;

	if (lists == NULL)
		return;
	for (i = 0; i < LIST_COUNT; i++) {
		tmx_cidrset_free(lists->set[i]);
		tmx_cidrset_free(lists->fixed[i]);
	}
	tmx_cidrset_free(lists->verdict);
	for (i = 0; i < lists->nsources; i++)
		free(lists->source_names[i]);
	free(lists->source_names);
	for (i = 0; i < lists->nspf; i++)
		free(lists->spf_domains[i]);
	free(lists->spf_domains);
	free(lists);
}

/* What a postscreen export walk writes, and where */
struct lists_export {
	FILE *fp;
	const char *result;
};

/* lists_export_one - one "prefix/len result" rule */
static int
lists_export_one(const struct tmx_addr *prefix, unsigned len, uint32_t value,
		 void *vex)
{
	struct lists_export *ex = vex;
	char text[TMX_ADDR_STRLEN];

	fprintf(ex->fp, "%s/%u\t%s\n",
		tmx_addr_format(prefix, text, sizeof(text)), len, ex->result);
	return 0;
}

/* lists_write_postscreen - deny rules first, then the permitted ones */
int
lists_write_postscreen(const struct lists *lists, FILE *fp,
		       const char *header)
{
	static const struct {
		enum list_id id;
		const char *result;
	} order[] = {
		{ LIST_DENY, "reject" },
		{ LIST_RELAY, "permit" },
		{ LIST_PROXY, "permit" },
		{ LIST_ALLOW, "permit" },
	};
	struct lists_export ex = { fp, NULL };
	const char *line, *nl;
	size_t i;

	for (line = header; line != NULL && *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line) - 1;
		fprintf(fp, "# %.*s\n", (int)(nl - line + (*nl != '\n')),
			line);
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		size_t n = tmx_cidrset_count(lists->set[order[i].id]);

		fprintf(fp, "\n# %s: %zu prefix%s, %s\n",
			lists_name(order[i].id), n, n == 1 ? "" : "es",
			order[i].result);
		ex.result = order[i].result;
		tmx_cidrset_walk(lists->set[order[i].id], lists_export_one,
				 &ex);
	}
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}
