/*
 * session.h - trustmx-milter's per-connection state (the client as
 * Postfix saw it) and per-message state (envelope, what the headers said,
 * the DKIM verifier, the settings snapshot the message started with).
 * Allocated at connect, reset after each message, freed at close.
 */
#ifndef TMX_SESSION_H
#define TMX_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <trustmx/addr.h>

#include "dkimv.h"
#include "dmarc_ruf.h"
#include "fromhdr.h"
#include "results.h"
#include "settings.h"

#define SESSION_MAX_RECEIVED 32	/* Received values kept for relay recovery */

struct session_msg {
	struct settings *settings;	/* a reference, taken at MAIL FROM */
	char *mail_from;		/* without <>, "" for the null sender */
	bool authenticated;		/* {auth_authen} was set */
	char qid[32];			/* "NOQUEUE" until known */
	struct dkimv *dkim;
	struct arc_msg *arc;		/* NULL: arc_verify off, no sealing */
	char *received[SESSION_MAX_RECEIVED];
	size_t nreceived;
	unsigned nfrom;			/* From header fields seen */
	struct fromhdr from;		/* the first one */
	const char *from_error;		/* static; why the first was unusable */
	unsigned nar;			/* Authentication-Results seen */
	unsigned *ours;			/* indexes (1-based) of those with our id */
	size_t nours;
	bool internal_error;		/* something failed: tempfail at the end */
	struct dmarc_ruf_msg *ruf;	/* dmarc_failure_reports: the header
					 * fields, for a failure report */
};

struct session {
	bool has_client;		/* false for local (loopback) submissions */
	struct tmx_addr client;
	char client_text[TMX_ADDR_STRLEN];
	char rdns[256];			/* Postfix's name for it, or "unknown" */
	char *helo;
	bool leadspc;			/* header values keep their leading space */
	unsigned long noreply;		/* SMFIP_NR_* steps the MTA expects no answer to */
	struct session_msg msg;
};

/* session_new - state for a new connection, before its client is known */
struct session *session_new(void);

/* session_connect - the client Postfix names (hostaddr may be NULL) */
void session_connect(struct session *s, const char *hostname,
		     const void *hostaddr);

/* session_set_helo - remember the last HELO/EHLO name */
void session_set_helo(struct session *s, const char *helo);

/* session_msg_start - MAIL FROM: take a settings reference, reset the rest */
void session_msg_start(struct session *s, const char *mail_from,
		       bool authenticated, struct dkimv_lib *dkim_lib);

/* session_msg_header - one header field, for every check that reads them */
void session_msg_header(struct session *s, const char *name,
			const char *value);

/* session_msg_end - release everything the message held */
void session_msg_end(struct session *s);

void session_free(struct session *s);

#endif
