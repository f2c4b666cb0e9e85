/*
 * test-received.c - the Received-line parser against received-corpus.txt:
 * lines of many MTA families, honest and written for hostile HELOs, each
 * read as its own family (pinned) and in auto. An entry says what the
 * relay observed and what the client claimed, or that the line must be
 * refused. A line naming no peer ("addr: none") may also be refused, and
 * so may, in auto, a line of a family trustmx has no layout for: either
 * way no client is recovered. What is never allowed is a wrong client.
 * Prints recovered/refused counts by family.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "received.h"
#include "tmx-test.h"

#define ENTRY_MAX 4096
#define FAMILIES_MAX 32

struct entry {
	unsigned line;			/* where it starts in the corpus */
	char family[32];
	char value[ENTRY_MAX];
	size_t len;
	bool refuse, auto_refuse, hostile, has_expect;
	char addr[64], rdns[300], helo[1024], by[300];
};

struct tally {
	char family[32];
	unsigned entries, hostile, recovered, refused, local;
};

static struct tally tallies[FAMILIES_MAX];
static size_t ntallies;

/* unescape - \r \n \t \\ into bytes */
static size_t
unescape(const char *s, char *out, size_t max)
{
	size_t n = 0;

	for (; *s && n + 1 < max; s++) {
		char c = *s;

		if (c == '\\' && s[1] != '\0') {
			s++;
			c = *s == 'r' ? '\r' : *s == 'n' ? '\n' :
			    *s == 't' ? '\t' : *s;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

/* tally_for - the counters of a family */
static struct tally *
tally_for(const char *family)
{
	for (size_t i = 0; i < ntallies; i++)
		if (strcmp(tallies[i].family, family) == 0)
			return &tallies[i];
	if (ntallies == FAMILIES_MAX)
		abort();
	snprintf(tallies[ntallies].family, sizeof(tallies[0].family), "%s",
		 family);
	return &tallies[ntallies++];
}

/* span_is - the text at a span equals want */
static bool
span_is(const struct entry *e, const struct received_span *s, const char *want)
{
	return s->len == strlen(want) &&
	    memcmp(e->value + s->off, want, s->len) == 0;
}

/* check_reading - one successful reading against the entry */
static void
check_reading(const struct entry *e, const struct received_info *r,
	      const char *how)
{
	char buf[TMX_ADDR_STRLEN];

	if (strcmp(e->addr, "none") == 0) {
		TMX_CHECKF(!r->has_addr, "line %u (%s): an address", e->line, how);
		return;
	}
	TMX_CHECKF(r->has_addr && strcmp(tmx_addr_format(&r->addr, buf,
	    sizeof(buf)), e->addr) == 0, "line %u (%s): address %s, want %s",
	    e->line, how, r->has_addr ? buf : "none", e->addr);
	TMX_CHECKF(span_is(e, &r->helo_at, e->helo),
		   "line %u (%s): HELO \"%.*s\", want \"%s\"", e->line, how,
		   (int)r->helo_at.len, e->value + r->helo_at.off, e->helo);
	TMX_CHECKF(r->helo[0] == '\0' || strcmp(r->helo, e->helo) == 0,
		   "line %u (%s): helo field \"%s\"", e->line, how, r->helo);
	TMX_CHECKF(strcmp(r->by, e->by) == 0, "line %u (%s): by \"%s\", "
		   "want \"%s\"", e->line, how, r->by, e->by);
	/* auto blanks a reverse name two layouts read differently */
	TMX_CHECKF(strcmp(r->rdns, e->rdns) == 0 ||
		   (strcmp(how, "auto") == 0 && r->rdns[0] == '\0'),
		   "line %u (%s): rdns \"%s\", want \"%s\"", e->line, how,
		   r->rdns, e->rdns);
}

/* check_entry - read the entry pinned to its family and in auto */
static void
check_entry(const struct entry *e)
{
	struct tally *t = tally_for(e->family);
	struct received_info r;
	enum received_format f;
	const char *err = NULL;
	bool known = received_format_parse(e->family, &f) == 0;
	bool none = strcmp(e->addr, "none") == 0;
	int rc;

	t->entries++;
	t->hostile += e->hostile;
	if (known) {
		rc = received_parse(e->value, e->len, f, &r, &err);
		if (e->refuse || (none && rc < 0))
			TMX_CHECKF(rc < 0 || !r.has_addr, "line %u (pinned): "
				   "not refused", e->line);
		else if (rc < 0)
			TMX_CHECKF(0, "line %u (pinned %s): refused: %s",
				   e->line, e->family, err);
		else
			check_reading(e, &r, "pinned");
	}
	rc = received_parse(e->value, e->len, RECEIVED_AUTO, &r, &err);
	if (rc < 0)
		t->refused++;
	else if (r.has_addr)
		t->recovered++;
	else
		t->local++;
	if (e->refuse || e->auto_refuse) {
		TMX_CHECKF(rc < 0 || !r.has_addr, "line %u (auto): not refused",
			   e->line);
		return;
	}
	if (rc < 0) {
		TMX_CHECKF(none || !known, "line %u (auto): refused: %s",
			   e->line, err);
		return;
	}
	check_reading(e, &r, "auto");
}

/* entry_field - one "key: value" line into the entry */
static void
entry_field(struct entry *e, const char *key, const char *value)
{
	if (strcmp(key, "family") == 0)
		snprintf(e->family, sizeof(e->family), "%s", value);
	else if (strcmp(key, "line") == 0)
		e->len = unescape(value, e->value, sizeof(e->value));
	else if (strcmp(key, "addr") == 0)
		e->has_expect = snprintf(e->addr, sizeof(e->addr), "%s", value) >= 0;
	else if (strcmp(key, "rdns") == 0)
		snprintf(e->rdns, sizeof(e->rdns), "%s", value);
	else if (strcmp(key, "helo") == 0)
		snprintf(e->helo, sizeof(e->helo), "%s", value);
	else if (strcmp(key, "by") == 0)
		snprintf(e->by, sizeof(e->by), "%s", value);
	else if (strcmp(key, "refuse") == 0)
		e->refuse = true;
	else if (strcmp(key, "auto") == 0)
		e->auto_refuse = strcmp(value, "refuse") == 0;
	else if (strcmp(key, "hostile") == 0)
		e->hostile = strcmp(value, "yes") == 0;
}

/* run_corpus - every entry of the file; the number read */
static unsigned
run_corpus(FILE *fp)
{
	static struct entry e;
	char buf[ENTRY_MAX + 64];
	unsigned lineno = 0, n = 0;
	bool open = false;

	for (;;) {
		char *got = fgets(buf, sizeof(buf), fp), *colon;

		lineno++;
		if (got != NULL)
			buf[strcspn(buf, "\n")] = '\0';
		if (got == NULL || buf[0] == '\0') {
			if (open) {
				TMX_CHECKF(e.family[0] && e.len > 0 &&
					   (e.refuse || e.has_expect),
					   "corpus line %u: incomplete entry",
					   e.line);
				check_entry(&e);
				n++;
			}
			open = false;
			if (got == NULL)
				return n;
			continue;
		}
		if (buf[0] == '#' || (colon = strchr(buf, ':')) == NULL)
			continue;
		if (!open) {
			memset(&e, 0, sizeof(e));
			e.line = lineno;
			open = true;
		}
		*colon = '\0';
		entry_field(&e, buf, colon[1] == ' ' ? colon + 2 : colon + 1);
	}
}

int
main(int argc, char **argv)
{
	unsigned total = 0, recovered = 0, refused = 0, hostile = 0, n;
	FILE *fp;

	if (argc != 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: test-received CORPUS\n");
		return 2;
	}
	n = run_corpus(fp);
	fclose(fp);
	TMX_CHECKF(n >= 100, "only %u corpus entries", n);
	printf("%-12s %7s %7s %9s %7s %5s\n", "family", "lines", "hostile",
	       "recovered", "refused", "local");
	for (size_t i = 0; i < ntallies; i++) {
		const struct tally *t = &tallies[i];

		printf("%-12s %7u %7u %9u %7u %5u\n", t->family, t->entries,
		       t->hostile, t->recovered, t->refused, t->local);
		total += t->entries;
		hostile += t->hostile;
		recovered += t->recovered;
		refused += t->refused;
	}
	printf("%-12s %7u %7u %9u %7u\n", "total", total, hostile, recovered,
	       refused);
	TMX_CHECKF(ntallies >= 12, "only %zu families", ntallies);
	return TMX_TEST_END();
}
