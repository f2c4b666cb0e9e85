/*
 * bench-nullmilter.c - bench/milter-run's limit: a libmilter milter that
 * negotiates the protocol steps trustmx-milter does (no answers to
 * connect, HELO, headers, end of headers and body; no RCPT or DATA
 * events) and adds one fixed Authentication-Results field, checking
 * nothing. What Postfix's milter client and libmilter cost on their own:
 * no milter can be faster than this on the same machine.
 *
 *   bench-nullmilter SOCKET     (e.g. unix:/run/null.sock; foreground)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "milter_steps.h"

/* nullmilter_negotiate - the same steps as trustmx-milter's */
static sfsistat
nullmilter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
		     unsigned long f2, unsigned long f3, unsigned long *pf0,
		     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	if ((f0 & SMFIF_ADDHDRS) == 0)
		return SMFIS_REJECT;
	*pf0 = SMFIF_ADDHDRS;
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | MILTER_SKIP | MILTER_NOREPLY);
	*pf2 = 0;
	*pf3 = 0;
	smfi_setpriv(ctx, (void *)(*pf1 & MILTER_NOREPLY));
	return SMFIS_CONTINUE;
}

/* nullmilter_next - no answer where the MTA agreed to none */
static sfsistat
nullmilter_next(SMFICTX *ctx, unsigned long step)
{
	return ((unsigned long)smfi_getpriv(ctx) & step) != 0 ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE;
}

/* nullmilter_connect, _helo, _header, _eoh, _body - nothing to keep */
static sfsistat
nullmilter_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)host;
	(void)addr;
	return nullmilter_next(ctx, SMFIP_NR_CONN);
}

static sfsistat
nullmilter_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	return nullmilter_next(ctx, SMFIP_NR_HELO);
}

static sfsistat
nullmilter_header(SMFICTX *ctx, char *name, char *value)
{
	(void)name;
	(void)value;
	return nullmilter_next(ctx, SMFIP_NR_HDR);
}

static sfsistat
nullmilter_eoh(SMFICTX *ctx)
{
	return nullmilter_next(ctx, SMFIP_NR_EOH);
}

static sfsistat
nullmilter_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return nullmilter_next(ctx, SMFIP_NR_BODY);
}

/* nullmilter_envfrom - answered, as trustmx-milter's is */
static sfsistat
nullmilter_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

/* nullmilter_eom - one fixed header field, as trustmx-milter adds one */
static sfsistat
nullmilter_eom(SMFICTX *ctx)
{
	if (smfi_insheader(ctx, 0, "Authentication-Results",
	    " mx.test.example; none") != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_ACCEPT;
}

/* main - serve SOCKET until killed */
int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "bench-nullmilter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS,
		.xxfi_connect = nullmilter_connect,
		.xxfi_helo = nullmilter_helo,
		.xxfi_envfrom = nullmilter_envfrom,
		.xxfi_header = nullmilter_header,
		.xxfi_eoh = nullmilter_eoh,
		.xxfi_body = nullmilter_body,
		.xxfi_eom = nullmilter_eom,
		.xxfi_negotiate = nullmilter_negotiate,
	};

	if (argc != 2) {
		fprintf(stderr, "usage: bench-nullmilter SOCKET\n");
		return 2;
	}
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "bench-nullmilter: cannot listen on %s\n",
		    argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
