/*
 * tmx-test-dmarc.h - a DNS zone in a table for the DMARC tests: the hook
 * answers from it (a name not in it, and with nothing below it, is
 * NXDOMAIN; a name with records of other types only, or with names below
 * it, is NODATA, as RFC 8020 has it) and logs every query, so a test can
 * check the exact names a Tree Walk asked.
 */
#ifndef TMX_TEST_DMARC_H
#define TMX_TEST_DMARC_H

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc_dns.h"

#define TZ_LOG_MAX 128

/* One record: TXT text (len 0: strlen), or a status for the name/type. */
struct tz_rr {
	const char *name;
	enum dns_type type;
	enum dns_status status;		/* DNS_OK: the record exists */
	const char *txt;
	size_t len;
};

static const struct tz_rr *tz_zone;
static size_t tz_zone_count;
static char tz_log[TZ_LOG_MAX][300];
static size_t tz_nlog;

/* tz_below - name is a proper subdomain of parent (no case) */
static int
tz_below(const char *name, const char *parent)
{
	size_t nl = strlen(name), pl = strlen(parent);

	return nl > pl && name[nl - pl - 1] == '.' &&
	    strcasecmp(name + nl - pl, parent) == 0;
}

/* tz_hook - the dmarc_dns hook: answers from tz_zone, logs the query */
static void
tz_hook(void *arg, const char *name, enum dns_type type,
	struct dmarc_dns_reply *r)
{
	int exists = 0;

	(void)arg;
	if (tz_nlog < TZ_LOG_MAX)
		snprintf(tz_log[tz_nlog++], sizeof(tz_log[0]), "%s %s",
		    dns_type_str(type), name);
	r->status = DNS_NXDOMAIN;
	r->count = 0;
	for (size_t i = 0; i < tz_zone_count; i++) {
		const struct tz_rr *rr = &tz_zone[i];

		if (tz_below(rr->name, name))
			exists = 1;
		if (strcasecmp(rr->name, name) != 0)
			continue;
		exists = 1;
		if (rr->type != type)
			continue;
		if (rr->status != DNS_OK) {
			r->status = rr->status;
			r->count = 0;
			return;
		}
		r->status = DNS_OK;
		if (rr->txt != NULL && r->count < DMARC_DNS_TXT_MAX) {
			r->txt[r->count] = rr->txt;
			r->len[r->count] = rr->len != 0 ? rr->len :
			    strlen(rr->txt);
			r->count++;
		}
	}
	if (r->status == DNS_NXDOMAIN && exists)
		r->status = DNS_NODATA;
}

/* tz_use - answer from zone (n records) from now on, with an empty log */
static void
tz_use(const struct tz_rr *zone, size_t n)
{
	tz_zone = zone;
	tz_zone_count = n;
	tz_nlog = 0;
	dmarc_dns_set_hook(tz_hook, NULL);
}

/* tz_log_is - the log is exactly want (NULL-terminated) */
static int
tz_log_is(const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++)
		if (i >= tz_nlog || strcmp(tz_log[i], want[i]) != 0)
			return 0;
	return i == tz_nlog;
}

/* tz_log_dump - the log to stderr (after a failed check) */
static void
tz_log_dump(void)
{
	for (size_t i = 0; i < tz_nlog; i++)
		fprintf(stderr, "    asked: %s\n", tz_log[i]);
}

#endif
