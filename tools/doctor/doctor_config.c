/*
 * doctor_config.c - "trustmx doctor --config FILE": trustmx.conf loaded and
 * its trust lists built as the daemons build them (conf/, conf/lists),
 * with every spf: source expanded now, then held against DNS: each backup
 * MX address must be in relay_networks, and before its MX record is live.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_dns.h"
#include "dns.h"
#include "doctor.h"
#include "lists.h"
#include "spf_expand.h"
#include "xalloc.h"

#define DOCTOR_CONFIG_ADDRS	16	/* addresses looked at per host */

/* One spf: source's expansion, made while the lists were built. */
struct doctor_config_spf {
	char domain[256];
	enum spf_expand_status status;
	char error[256];
	struct spf_expansion exp;	/* filled when status is OK */
	unsigned skipped;		/* terms spf_expand could not use */
	char first_skipped[256];
};

/* What the spf: callback keeps between calls. */
struct doctor_config_spf_ctx {
	struct doctor_config_spf *spf;
	size_t n;
	struct doctor_config_spf *current;	/* the one being expanded */
};

/* doctor_config_spf_warn - a term spf_expand skipped (exists, ptr, macros) */
static void
doctor_config_spf_warn(void *vctx, const char *message)
{
	struct doctor_config_spf_ctx *ctx = vctx;
	struct doctor_config_spf *s = ctx->current;

	if (s == NULL)
		return;
	if (s->skipped++ == 0)
		snprintf(s->first_skipped, sizeof(s->first_skipped), "%s",
		    message);
}

/* doctor_config_spf_expand - lists_spf_fn: expand domain now, once */
static const struct spf_expansion *
doctor_config_spf_expand(void *vctx, const char *domain)
{
	struct doctor_config_spf_ctx *ctx = vctx;
	struct doctor_config_spf *s;
	size_t i;

	for (i = 0; i < ctx->n; i++)
		if (strcasecmp(ctx->spf[i].domain, domain) == 0)
			return ctx->spf[i].status == SPF_EXPAND_OK ?
			    &ctx->spf[i].exp : NULL;
	ctx->spf = xreallocarray(ctx->spf, ctx->n + 1, sizeof(*ctx->spf));
	s = &ctx->spf[ctx->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->domain, sizeof(s->domain), "%s", domain);
	ctx->current = s;
	s->status = spf_expand(domain, &s->exp, doctor_config_spf_warn, ctx,
	    s->error, sizeof(s->error));
	ctx->current = NULL;
	return s->status == SPF_EXPAND_OK ? &s->exp : NULL;
}

/* doctor_config_spf_report - one config.spf finding per spf: source */
static void
doctor_config_spf_report(struct doctor *d,
			 const struct doctor_config_spf_ctx *ctx)
{
	struct doctor_finding *f;
	char subject[260];
	size_t i;

	for (i = 0; i < ctx->n; i++) {
		const struct doctor_config_spf *s = &ctx->spf[i];

		snprintf(subject, sizeof(subject), "spf:%s", s->domain);
		if (s->status == SPF_EXPAND_PERMERROR) {
			f = doctor_add(d, "config.spf", DOCTOR_FAIL, subject,
			    "does not expand: %s; the daemons keep their last "
			    "good copy, without one the source is empty",
			    s->error);
			doctor_fix(f, "fix %s's SPF record (\"trustmx spf "
			    "expand %s\" shows the same), or list the relay's "
			    "addresses instead", s->domain, s->domain);
		} else if (s->status == SPF_EXPAND_TEMPERROR) {
			f = doctor_add(d, "config.spf", DOCTOR_WARN, subject,
			    "DNS failed: %s; the daemons keep their last good "
			    "copy", s->error);
			doctor_fix(f, "check that %s's name servers answer",
			    s->domain);
		} else if (s->exp.count == 0) {
			f = doctor_add(d, "config.spf", DOCTOR_WARN, subject,
			    "expands to no prefixes (%u DNS lookups)",
			    s->exp.lookups);
			doctor_fix(f, "list the relay's addresses instead of "
			    "spf:%s", s->domain);
		} else if (s->skipped > 0) {
			f = doctor_add(d, "config.spf", DOCTOR_WARN, subject,
			    "%zu prefix%s, %u DNS lookups; %u term%s skipped, "
			    "first: %s", s->exp.count,
			    s->exp.count == 1 ? "" : "es", s->exp.lookups,
			    s->skipped, s->skipped == 1 ? "" : "s",
			    s->first_skipped);
			doctor_fix(f, "list the addresses those terms stand for "
			    "as well");
		} else {
			doctor_add(d, "config.spf", DOCTOR_OK, subject,
			    "%zu prefix%s, %u DNS lookup%s, %u void",
			    s->exp.count, s->exp.count == 1 ? "" : "es",
			    s->exp.lookups, s->exp.lookups == 1 ? "" : "s",
			    s->exp.void_lookups);
		}
	}
}

/* doctor_config_spf_free - the expansions the callback made */
static void
doctor_config_spf_free(struct doctor_config_spf_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->n; i++)
		if (ctx->spf[i].status == SPF_EXPAND_OK)
			spf_expansion_free(&ctx->spf[i].exp);
	free(ctx->spf);
}

/*
 * doctor_config_lists_warn - lists_build's warnings (a list covering every
 * address, overlaps with deny_networks) as config.lists warnings; spf:
 * sources without an expansion are config.spf's
 */
static void
doctor_config_lists_warn(void *vctx, const char *message)
{
	struct doctor *d = vctx;
	struct doctor_finding *f;

	if (strstr(message, ": no expansion yet;") != NULL)
		return;
	f = doctor_add(d, "config.lists", DOCTOR_WARN, d->config, "%s",
	    message);
	doctor_fix(f, "check the lists in %s (trustmx list check shows the "
	    "same)", d->config);
}

/* doctor_config_load - conf and lists into d; false (and a fail) if not */
static bool
doctor_config_load(struct doctor *d, struct doctor_config_spf_ctx *spf)
{
	struct doctor_finding *f;
	char err[1024];

	if ((d->conf = conf_load(d->config, err, sizeof(err))) == NULL ||
	    conf_dns_apply(d->conf, err, sizeof(err)) < 0) {
		f = doctor_add(d, "config.load", DOCTOR_FAIL, d->config, "%s",
		    err);
		doctor_fix(f, "correct the file; the daemons refuse it too "
		    "(trustmx-policyd -n, trustmx-milter -n)");
		return false;
	}
	d->lists = lists_build(d->conf, doctor_config_spf_expand, spf,
	    doctor_config_lists_warn, d, err, sizeof(err));
	if (d->lists == NULL) {
		f = doctor_add(d, "config.load", DOCTOR_FAIL, d->config,
		    "%s", err);
		doctor_fix(f, "correct the list; the daemons refuse the "
		    "whole file (and keep their last good lists on reload)");
		return false;
	}
	doctor_add(d, "config.load", DOCTOR_OK, d->config,
	    "relay_networks %zu, proxy_networks %zu, deny_networks %zu "
	    "prefixes", doctor_config_count(d, LIST_RELAY),
	    doctor_config_count(d, LIST_PROXY),
	    doctor_config_count(d, LIST_DENY));
	return true;
}

/* doctor_config_count - see doctor.h */
size_t
doctor_config_count(const struct doctor *d, int list)
{
	return d->lists != NULL ?
	    tmx_cidrset_count(d->lists->set[list]) : 0;
}

/* doctor_config_primary - lowest preference of a non-backup MX, or -1 */
static long
doctor_config_primary(const struct doctor *d)
{
	size_t i;

	for (i = 0; i < d->n_mx; i++)
		if (!d->mx[i].backup)
			return d->mx[i].preference;	/* sorted */
	return -1;
}

/* doctor_config_live - host is in the domain's MX set (as the MX check saw) */
static bool
doctor_config_live(const struct doctor *d, const char *host)
{
	size_t i;

	for (i = 0; i < d->n_mx; i++)
		if (dns_name_equal(d->mx[i].host, host))
			return true;
	return false;
}

/*
 * doctor_config_backups - the backup MX hosts: each --backup-mx, then the
 * MX hosts less preferred than the primary; NULL-free array in new memory
 */
static const char **
doctor_config_backups(const struct doctor *d, size_t *n_r)
{
	long primary = doctor_config_primary(d);
	const char **hosts;
	size_t i, j, n = 0;

	hosts = xcalloc(d->n_backup + d->n_mx + 1, sizeof(*hosts));
	for (i = 0; i < d->n_backup; i++)
		hosts[n++] = d->backup_mx[i];
	for (i = 0; i < d->n_mx; i++) {
		if (d->mx[i].backup || primary < 0 ||
		    d->mx[i].preference <= (unsigned long)primary)
			continue;
		for (j = 0; j < n; j++)
			if (dns_name_equal(hosts[j], d->mx[i].host))
				break;
		if (j == n)
			hosts[n++] = d->mx[i].host;
	}
	*n_r = n;
	return hosts;
}

/* doctor_config_relay_host - each address of host against relay_networks */
static void
doctor_config_relay_host(struct doctor *d, const char *host)
{
	struct tmx_addr addrs[DOCTOR_CONFIG_ADDRS];
	char text[TMX_ADDR_STRLEN], missing[256] = "";
	bool live = doctor_config_live(d, host);
	struct doctor_finding *f;
	size_t len = 0;
	uint32_t value;
	int i, n, uncovered = 0;

	n = doctor_dns_addrs(host, addrs, DOCTOR_CONFIG_ADDRS);
	if (n <= 0) {
		f = doctor_add(d, "config.relay", DOCTOR_WARN, host,
		    n < 0 ? "address lookup failed (temporary): cannot check "
		    "relay_networks" : "no A or AAAA record: cannot check "
		    "relay_networks");
		doctor_fix(f, "make sure relay_networks lists the address "
		    "%s delivers from", host);
		return;
	}
	for (i = 0; i < n; i++) {
		tmx_addr_format(&addrs[i], text, sizeof(text));
		if (tmx_cidrset_lookup(d->lists->set[LIST_RELAY], &addrs[i],
		    &value)) {
			doctor_add(d, "config.relay", DOCTOR_OK, text,
			    "%s: in relay_networks (%s)", host,
			    lists_source_name(d->lists, value));
			continue;
		}
		uncovered++;
		if (len < sizeof(missing))
			len += (size_t)snprintf(missing + len,
			    sizeof(missing) - len, "%s%s",
			    len > 0 ? " " : "", text);
		f = doctor_add(d, "config.relay", live ? DOCTOR_FAIL :
		    DOCTOR_WARN, text, "%s: not in relay_networks: mail it "
		    "relays is judged on its own address (SPF fails)%s", host,
		    live ? "" : " once its MX record is live");
		doctor_fix(f, "add %s to relay_networks in %s (then "
		    "SIGHUP both daemons)", text, d->config);
	}
	if (d->domain == NULL || d->n_mx == 0)
		return;		/* the MX set is unknown */
	if (live && uncovered > 0) {
		f = doctor_add(d, "config.relay-order", DOCTOR_FAIL, host,
		    "its MX record is live but relay_networks lacks %s: the "
		    "allowlist must be in place before the MX goes live",
		    missing);
		doctor_fix(f, "add %s to relay_networks now (or withdraw the "
		    "MX record until it is)", missing);
	} else if (!live && uncovered > 0) {
		f = doctor_add(d, "config.relay-order", DOCTOR_WARN, host,
		    "not in the MX set yet, and relay_networks lacks %s",
		    missing);
		doctor_fix(f, "add %s to relay_networks first, then publish "
		    "the MX record", missing);
	} else {
		doctor_add(d, "config.relay-order", DOCTOR_OK, host,
		    live ? "in relay_networks and in the MX set" :
		    "in relay_networks: its MX record may go live");
	}
}

/* doctor_config_relay - relay_networks against every backup MX */
static void
doctor_config_relay(struct doctor *d)
{
	struct doctor_finding *f;
	const char **hosts;
	size_t i, n;

	hosts = doctor_config_backups(d, &n);
	if (n > 0 && doctor_config_count(d, LIST_RELAY) == 0) {
		f = doctor_add(d, "config.lists", DOCTOR_FAIL,
		    "relay_networks", "empty, but %s is a backup MX: its "
		    "deliveries are judged as if it sent the mail", hosts[0]);
		doctor_fix(f, "list the backup MX addresses in "
		    "relay_networks in %s", d->config);
	}
	for (i = 0; i < n; i++)
		doctor_config_relay_host(d, hosts[i]);
	free(hosts);
}

/* doctor_config_check - see doctor.h */
void
doctor_config_check(struct doctor *d)
{
	struct doctor_config_spf_ctx spf;

	memset(&spf, 0, sizeof(spf));
	if (doctor_config_load(d, &spf)) {
		doctor_config_spf_report(d, &spf);
		doctor_config_relay(d);
	} else {
		doctor_config_spf_report(d, &spf);
	}
	doctor_config_spf_free(&spf);
}

/* doctor_config_free - see doctor.h */
void
doctor_config_free(struct doctor *d)
{
	lists_free(d->lists);
	conf_free(d->conf);
	d->lists = NULL;
	d->conf = NULL;
}
