/*
 * doctor_postfix.c - "trustmx doctor --postfix DIR": every smtpd service
 * runs trustmx-milter (tempfail) and asks trustmx-policyd, every postscreen
 * asks its socketmap, PROXY listeners let HAProxy's health checks through;
 * the addresses come from --config's trustmx.conf, else its defaults.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "doctor.h"
#include "doctor_postconf.h"
#include "doctor_postfix_addr.h"
#include "lists.h"

/* The restriction lists check_policy_service may sit in. */
static const char *const doctor_postfix_restrictions[] = {
	"smtpd_client_restrictions", "smtpd_helo_restrictions",
	"smtpd_sender_restrictions", "smtpd_relay_restrictions",
	"smtpd_recipient_restrictions", "smtpd_data_restrictions",
	"smtpd_end_of_data_restrictions", NULL,
};

/* What the checks share. */
struct doctor_postfix_ctx {
	struct doctor *d;
	struct doctor_postconf pf;
	const struct conf *conf;	/* --config's, else the defaults */
	enum doctor_verdict missing;	/* not wired in: fail with --config */
};

/* doctor_postfix_action_why - what milter_default_action=value does */
static const char *
doctor_postfix_action_why(const char *value)
{
	if (strcasecmp(value, "accept") == 0)
		return "mail passes unchecked when the milter is down";
	if (strcasecmp(value, "reject") == 0)
		return "mail is bounced (5xx) when the milter is down";
	if (strcasecmp(value, "quarantine") == 0)
		return "mail is held unchecked when the milter is down";
	return "mail is not tempfailed when the milter is down";
}

/* doctor_postfix_milter - one smtpd service: trustmx-milter, tempfail */
static void
doctor_postfix_milter(struct doctor_postfix_ctx *c,
		      const struct doctor_postconf_service *svc)
{
	struct doctor_postfix_endpoint want, got;
	const char *milters, *action, *where, *awhere, *p;
	char tok[1024], addr[1024], own[64], text[600];
	struct doctor_finding *f;
	bool group, found = false;

	milters = doctor_postconf_get(&c->pf, svc, "smtpd_milters", &where);
	action = doctor_postconf_get(&c->pf, svc, "milter_default_action",
	    &awhere);
	doctor_postfix_addr_endpoint_milter(conf_str(c->conf, "milter_listen"),
	    &want);
	doctor_postfix_addr_milter_text(&want, text, sizeof(text));
	own[0] = '\0';
	for (p = milters; doctor_postconf_token(&p, tok, sizeof(tok), &group);) {
		if (group)
			doctor_postconf_first(tok, addr, sizeof(addr));
		else
			snprintf(addr, sizeof(addr), "%s", tok);
		if (!doctor_postfix_addr_endpoint_postfix(addr, &got) ||
		    !doctor_postfix_addr_same(&want, &got))
			continue;
		found = true;
		if (group && doctor_postconf_option(tok, "default_action", own,
		    sizeof(own)))
			break;
		own[0] = '\0';
		break;
	}
	if (!found) {
		f = doctor_add(c->d, "postfix.milter", DOCTOR_FAIL, svc->id,
		    "smtpd_milters (%s) lacks trustmx-milter (%s): mail is "
		    "accepted without SPF, DKIM or DMARC", where, text);
		doctor_fix(f, "add %s to smtpd_milters", text);
	} else {
		doctor_add(c->d, "postfix.milter", DOCTOR_OK, svc->id,
		    "smtpd_milters (%s) has %s", where, addr);
	}
	if (own[0] != '\0' && strcasecmp(own, "tempfail") != 0) {
		f = doctor_add(c->d, "postfix.tempfail", DOCTOR_FAIL,
		    svc->id, "default_action=%s in smtpd_milters' { %s }: %s",
		    own, addr, doctor_postfix_action_why(own));
		doctor_fix(f, "write default_action=tempfail there (or drop "
		    "it and set milter_default_action = tempfail)");
	} else if (own[0] == '\0' && strcasecmp(action, "tempfail") != 0) {
		f = doctor_add(c->d, "postfix.tempfail", DOCTOR_FAIL,
		    svc->id, "milter_default_action = %s (%s): %s", action,
		    awhere, doctor_postfix_action_why(action));
		doctor_fix(f, "milter_default_action = tempfail (senders retry "
		    "until the milter is back)");
	} else {
		doctor_add(c->d, "postfix.tempfail", DOCTOR_OK, svc->id,
		    "tempfail: senders retry while the milter is down");
	}
}

/* doctor_postfix_policy - one smtpd service asks trustmx-policyd */
static void
doctor_postfix_policy(struct doctor_postfix_ctx *c,
		      const struct doctor_postconf_service *svc)
{
	struct doctor_postfix_endpoint got;
	char tok[1024], addr[1024], text[600];
	const char *value, *p;
	struct doctor_finding *f;
	bool group, next = false;
	size_t i;

	for (i = 0; doctor_postfix_restrictions[i] != NULL; i++) {
		value = doctor_postconf_get(&c->pf, svc,
		    doctor_postfix_restrictions[i], NULL);
		for (p = value; doctor_postconf_token(&p, tok, sizeof(tok),
		    &group);) {
			if (!next) {
				next = !group && strcasecmp(tok,
				    "check_policy_service") == 0;
				continue;
			}
			next = false;
			if (group)
				doctor_postconf_first(tok, addr, sizeof(addr));
			else
				snprintf(addr, sizeof(addr), "%s", tok);
			if (doctor_postfix_addr_endpoint_postfix(addr, &got) &&
			    doctor_postfix_addr_listens(c->conf,
			    "policy_listen", &got)) {
				doctor_add(c->d, "postfix.policy", DOCTOR_OK,
				    svc->id, "%s: check_policy_service %s",
				    doctor_postfix_restrictions[i], addr);
				return;
			}
		}
	}
	doctor_postfix_addr_listen_text(c->conf, "policy_listen", text,
	    sizeof(text));
	f = doctor_add(c->d, "postfix.policy", c->missing, svc->id,
	    "no check_policy_service %s in smtpd_*_restrictions: "
	    "deny_networks are not refused here", text);
	doctor_fix(f, "smtpd_client_restrictions = check_policy_service %s",
	    text);
}

/*
 * doctor_postfix_socketmap - does access hold trustmx's socketmap
 * ("socketmap:ADDR:postscreen" on a socketmap_listen address)? The entry
 * into found, or "".
 */
static bool
doctor_postfix_socketmap(const struct doctor_postfix_ctx *c,
			 const char *access, char *found, size_t size)
{
	static const char suffix[] = ":postscreen";
	struct doctor_postfix_endpoint got;
	char tok[1024], addr[1024];
	const char *p;
	size_t len;
	bool group;

	found[0] = '\0';
	for (p = access; doctor_postconf_token(&p, tok, sizeof(tok), &group);) {
		len = strlen(tok);
		if (group || strncmp(tok, "socketmap:", 10) != 0 ||
		    len < 10 + sizeof(suffix) ||
		    strcmp(tok + len - sizeof(suffix) + 1, suffix) != 0)
			continue;
		snprintf(addr, sizeof(addr), "%.*s",
		    (int)(len - 10 - (sizeof(suffix) - 1)), tok + 10);
		if (doctor_postfix_addr_endpoint_postfix(addr, &got) &&
		    doctor_postfix_addr_listens(c->conf, "socketmap_listen",
		    &got)) {
			snprintf(found, size, "%s", tok);
			return true;
		}
	}
	return false;
}

/* doctor_postfix_postscreen - one postscreen asks trustmx's socketmap */
static void
doctor_postfix_postscreen(struct doctor_postfix_ctx *c,
			  const struct doctor_postconf_service *svc)
{
	char found[1024], text[600];
	const char *access, *where;
	struct doctor_finding *f;

	access = doctor_postconf_get(&c->pf, svc, "postscreen_access_list",
	    &where);
	if (doctor_postfix_socketmap(c, access, found, sizeof(found))) {
		doctor_add(c->d, "postfix.socketmap", DOCTOR_OK, svc->id,
		    "postscreen_access_list (%s) has %s", where, found);
		return;
	}
	doctor_postfix_addr_listen_text(c->conf, "socketmap_listen", text,
	    sizeof(text));
	f = doctor_add(c->d, "postfix.socketmap", c->missing, svc->id,
	    "postscreen_access_list (%s) does not ask trustmx-policyd "
	    "(socketmap:%s:postscreen): deny_networks are not dropped, relay "
	    "and proxy networks get postscreen's tests", where, text);
	doctor_fix(f, "postscreen_access_list = permit_mynetworks, "
	    "socketmap:%s:postscreen", text);
}

/*
 * doctor_postfix_proxy - does svc (postscreen or smtpd, inet) expect a
 * PROXY header? Then HAProxy's health checks must be let through.
 * true for a PROXY listener.
 */
static bool
doctor_postfix_proxy(struct doctor_postfix_ctx *c,
		     const struct doctor_postconf_service *svc, bool postscreen)
{
	const char *proto, *where, *access;
	struct doctor_finding *f;
	char found[1024], text[600];

	proto = doctor_postconf_get(&c->pf, svc, postscreen ?
	    "postscreen_upstream_proxy_protocol" :
	    "smtpd_upstream_proxy_protocol", &where);
	if (strcasecmp(proto, "haproxy") != 0)
		return false;
	if (!postscreen) {
		doctor_add(c->d, "postfix.proxy", DOCTOR_OK, svc->id,
		    "smtpd expects PROXY headers (%s)", where);
		return true;
	}
	access = doctor_postconf_get(&c->pf, svc, "postscreen_access_list",
	    NULL);
	if (doctor_postfix_socketmap(c, access, found, sizeof(found))) {
		doctor_add(c->d, "postfix.proxy", DOCTOR_OK, svc->id,
		    "postscreen expects PROXY headers (%s); HAProxy's checks "
		    "are permitted through %s", where, found);
		return true;
	}
	doctor_postfix_addr_listen_text(c->conf, "socketmap_listen", text,
	    sizeof(text));
	f = doctor_add(c->d, "postfix.proxy", DOCTOR_FAIL, svc->id,
	    "postscreen expects PROXY headers (%s), but its access list does "
	    "not permit the proxy (no trustmx socketmap): \"postscreen greets "
	    "clients it does not know with a multi-line 220- banner\", so "
	    "HAProxy's SMTP health check marks it DOWN (L7RSP) and port 25 "
	    "gets no traffic", where);
	doctor_fix(f, "add socketmap:%s:postscreen to postscreen_access_list "
	    "and list HAProxy's address in proxy_networks", text);
	return true;
}

/* doctor_postfix_checks - every service against trustmx */
static void
doctor_postfix_checks(struct doctor_postfix_ctx *c)
{
	char listeners[256] = "";
	struct doctor_finding *f;
	size_t i, len = 0;
	bool postscreen, smtpd;

	for (i = 0; i < c->pf.n_services; i++) {
		const struct doctor_postconf_service *svc = &c->pf.services[i];
		bool inet = strcmp(svc->type, "inet") == 0;

		postscreen = strcmp(svc->command, "postscreen") == 0 && inet;
		smtpd = strcmp(svc->command, "smtpd") == 0 &&
		    (inet || strcmp(svc->type, "pass") == 0);
		if (smtpd) {
			doctor_postfix_milter(c, svc);
			doctor_postfix_policy(c, svc);
		}
		if (postscreen)
			doctor_postfix_postscreen(c, svc);
		if (((postscreen || (smtpd && inet)) &&
		    doctor_postfix_proxy(c, svc, postscreen)) &&
		    len < sizeof(listeners))
			len += (size_t)snprintf(listeners + len,
			    sizeof(listeners) - len, "%s%s",
			    len > 0 ? ", " : "", svc->id);
	}
	if (c->d->lists == NULL || len == 0 ||
	    doctor_config_count(c->d, LIST_PROXY) > 0)
		return;
	f = doctor_add(c->d, "config.lists", DOCTOR_FAIL, "proxy_networks",
	    "empty, but Postfix expects PROXY headers on %s: HAProxy's "
	    "health checks are not permitted and postscreen marks the "
	    "server DOWN (L7RSP)", listeners);
	doctor_fix(f, "list HAProxy's address (as Postfix sees it) in "
	    "proxy_networks in %s", c->d->config);
}

/* doctor_postfix_check - see doctor.h */
void
doctor_postfix_check(struct doctor *d)
{
	struct doctor_postfix_ctx c;
	struct conf *defaults = NULL;
	struct doctor_finding *f;
	char err[1024];

	memset(&c, 0, sizeof(c));
	c.d = d;
	c.missing = d->conf != NULL ? DOCTOR_FAIL : DOCTOR_WARN;
	if (doctor_postconf_read(d->postfix, &c.pf, err, sizeof(err)) < 0) {
		f = doctor_add(d, "postfix.read", DOCTOR_FAIL, d->postfix,
		    "%s", err);
		doctor_fix(f, "point --postfix at the directory holding "
		    "main.cf and master.cf (postconf config_directory)");
		doctor_postconf_free(&c.pf);
		return;
	}
	if ((c.conf = d->conf) == NULL) {
		/* no --config: trustmx's defaults say where the daemons are */
		defaults = conf_parse("defaults", "", 0, err, sizeof(err));
		if (defaults == NULL) {
			doctor_add(d, "postfix.read", DOCTOR_FAIL, "defaults",
			    "%s", err);
			doctor_postconf_free(&c.pf);
			return;
		}
		c.conf = defaults;
	}
	doctor_add(d, "postfix.read", DOCTOR_OK, d->postfix,
	    "%zu master.cf services", c.pf.n_services);
	doctor_postfix_checks(&c);
	conf_free(defaults);
	doctor_postconf_free(&c.pf);
}
