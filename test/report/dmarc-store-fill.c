/*
 * dmarc-store-fill.c - fill a DMARC report store through the store's own
 * API (dmarc_store_add: the queue and writer thread the milter uses) from
 * lines of key=value words on stdin, for the report tests:
 *
 *   time=EPOCH ip=ADDR from=DOMAIN mfrom=DOMAIN rcpt=DOMAIN pd=DOMAIN
 *   org=DOMAIN p= sp= np= adkim= aspf= testing= psd= disc= fo= rua=
 *   disp=none|pass|quarantine|reject dkimal=0|1 spfal=0|1
 *   reason=TYPE[:COMMENT]  dkim=DOMAIN/SELECTOR/RESULT  (repeatable)
 *   spf=DOMAIN/SCOPE/RESULT  n=COUNT
 *
 * A '+' in a reason's comment is a space; '#' starts a comment line.
 * Prints the store's counters when done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_rec.h"
#include "dmarc_store.h"

/* fill_word - the index of word in the words str() gives, or -1 */
static int
fill_word(const char *word, const char *(*str)(int), int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (str(i) != NULL && strcmp(str(i), word) == 0)
			return i;
	return -1;
}

static const char *fill_policy(int i) { return dmarc_rec_policy_str(i); }
static const char *fill_align(int i) { return dmarc_rec_align_str(i); }
static const char *fill_flag(int i) { return dmarc_rec_flag_str(i); }
static const char *fill_disc(int i) { return dmarc_rec_discovery_str(i); }
static const char *fill_disp(int i) { return dmarc_rec_disposition_str(i); }
static const char *fill_auth(int i) { return dmarc_rec_auth_str(i); }
static const char *fill_scope(int i) { return dmarc_rec_scope_str(i); }

/* fill_enum - the value of word v (empty: 0, unset); -1 if unknown */
static int
fill_enum(const char *v, const char *(*str)(int), int n)
{
	return v[0] == '\0' ? 0 : fill_word(v, str, n);
}

/* fill_triple - "a/b/c" into its three parts; -1 if not three */
static int
fill_triple(char *v, char **a, char **b, char **c)
{
	*a = v;
	if ((*b = strchr(v, '/')) == NULL)
		return -1;
	*(*b)++ = '\0';
	if ((*c = strchr(*b, '/')) == NULL)
		return -1;
	*(*c)++ = '\0';
	return 0;
}

#define FILL_SET(field, v) snprintf(field, sizeof(field), "%s", v)
#define FILL_ENUM(name, str, n, field) \
	else if (strcmp(k, name) == 0) { \
		if ((i = fill_enum(v, str, n)) < 0) \
			return -1; \
		field = i; \
	}

/* fill_pair - one key=value into r; -1 for something unknown */
static int
fill_pair(struct dmarc_report_rec *r, char *k, char *v, unsigned long *n)
{
	struct dmarc_rec_policy_published *pp = &r->policy;
	char *a, *b, *c, *p;
	int i, j;

	if (strcmp(k, "time") == 0) r->time = strtoll(v, NULL, 10);
	else if (strcmp(k, "n") == 0) *n = strtoul(v, NULL, 10);
	else if (strcmp(k, "ip") == 0) FILL_SET(r->source_ip, v);
	else if (strcmp(k, "from") == 0) FILL_SET(r->header_from, v);
	else if (strcmp(k, "mfrom") == 0) FILL_SET(r->envelope_from, v);
	else if (strcmp(k, "rcpt") == 0) FILL_SET(r->envelope_to, v);
	else if (strcmp(k, "pd") == 0) FILL_SET(r->policy_domain, v);
	else if (strcmp(k, "org") == 0) FILL_SET(r->org_domain, v);
	else if (strcmp(k, "fo") == 0) FILL_SET(pp->fo, v);
	else if (strcmp(k, "rua") == 0) FILL_SET(pp->rua, v);
	else if (strcmp(k, "dkimal") == 0) r->dkim_aligned = atoi(v) != 0;
	else if (strcmp(k, "spfal") == 0) r->spf_aligned = atoi(v) != 0;
	FILL_ENUM("p", fill_policy, 4, pp->p)
	FILL_ENUM("sp", fill_policy, 4, pp->sp)
	FILL_ENUM("np", fill_policy, 4, pp->np)
	FILL_ENUM("adkim", fill_align, 3, pp->adkim)
	FILL_ENUM("aspf", fill_align, 3, pp->aspf)
	FILL_ENUM("testing", fill_flag, 3, pp->testing)
	FILL_ENUM("psd", fill_flag, 4, pp->psd)
	FILL_ENUM("disc", fill_disc, 3, pp->discovery)
	FILL_ENUM("disp", fill_disp, 4, r->disposition)
	else if (strcmp(k, "reason") == 0 && r->nreasons < DMARC_REC_REASON_MAX) {
		struct dmarc_rec_reason *rs = &r->reasons[r->nreasons++];

		if ((p = strchr(v, ':')) != NULL) {
			*p++ = '\0';
			FILL_SET(rs->comment, p);
			for (p = rs->comment; *p; p++)
				if (*p == '+')
					*p = ' ';
		}
		if ((i = dmarc_rec_override_parse(v)) < 0)
			return -1;
		rs->type = i;
	} else if (strcmp(k, "dkim") == 0 && r->ndkim < DMARC_REC_DKIM_MAX) {
		struct dmarc_rec_dkim *d = &r->dkim[r->ndkim++];

		if (fill_triple(v, &a, &b, &c) < 0 ||
		    (i = fill_word(c, fill_auth, 8)) < 0)
			return -1;
		FILL_SET(d->domain, a);
		FILL_SET(d->selector, b);
		d->result = i;
	} else if (strcmp(k, "spf") == 0) {
		if (fill_triple(v, &a, &b, &c) < 0 ||
		    (i = fill_word(c, fill_auth, 8)) < 0 ||
		    (j = fill_word(b, fill_scope, 2)) < 0)
			return -1;
		FILL_SET(r->spf.domain, a);
		r->spf.scope = j;
		r->spf.result = i;
	} else {
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct dmarc_store_limits lim = { .flush_ms = 50 };
	struct dmarc_report_rec r;
	struct dmarc_store_stats s;
	struct dmarc_store *store;
	char line[4096], err[512], *save, *w, *eq;
	unsigned long n, i, lineno = 0;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: dmarc-store-fill DB < records\n");
		return 2;
	}
	store = dmarc_store_open(argv[1], &lim, err, sizeof(err));
	if (store == NULL) {
		fprintf(stderr, "dmarc-store-fill: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[strspn(line, " \t")] == '#' ||
		    line[strspn(line, " \t")] == '\0')
			continue;
		memset(&r, 0, sizeof(r));
		n = 1;
		for (w = strtok_r(line, " \t", &save); w != NULL;
		     w = strtok_r(NULL, " \t", &save)) {
			if ((eq = strchr(w, '=')) == NULL) {
				bad = 1;
				break;
			}
			*eq = '\0';
			if (fill_pair(&r, w, eq + 1, &n) < 0) {
				fprintf(stderr, "dmarc-store-fill: line %lu: "
					"bad %s=%s\n", lineno, w, eq + 1);
				bad = 1;
			}
		}
		for (i = 0; i < n; i++) {
			dmarc_store_add(store, &r);
			if (i % 512 == 511)	/* stay within the queue */
				dmarc_store_flush(store);
		}
	}
	dmarc_store_flush(store);
	dmarc_store_stats(store, &s);
	dmarc_store_close(store);
	printf("queued %llu written %llu rows %llu invalid %llu dropped %llu\n",
	       (unsigned long long)s.queued, (unsigned long long)s.written,
	       (unsigned long long)s.rows_added, (unsigned long long)s.invalid,
	       (unsigned long long)s.dropped);
	return bad || s.invalid || s.dropped ? 1 : 0;
}
