/*
 * dns-auth-probe.c - test driver for the adapters in dns/: libspf2 and
 * libopendkim resolving through the DNS layer and nothing else.
 *
 * usage: dns-auth-probe spf CLIENT-IP SENDER [HELO]
 *        dns-auth-probe sign DOMAIN SELECTOR KEYFILE < msg > signed
 *        dns-auth-probe verify [N] < signed    (N verifications, default 1)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>
#include <spf2/spf.h>

#include "dns.h"
#include "dns_dkim.h"
#include "dns_spf2.h"

#define AUTH_MSG_MAX	(256 * 1024)

/* auth_spf - check_host() for the sender through a server on our layer */
static int
auth_spf(const char *ip, const char *sender, const char *helo)
{
	SPF_dns_server_t *dns = dns_spf2_new(0);
	SPF_server_t *server;
	SPF_request_t *req;
	SPF_response_t *resp = NULL;
	struct in_addr a4;

	SPF_warning_handler = NULL;
	SPF_info_handler = NULL;
	SPF_debug_handler = NULL;
	if (dns == NULL || (server = SPF_server_new_dns(dns, 0)) == NULL)
		return 1;
	req = SPF_request_new(server);
	if (inet_pton(AF_INET, ip, &a4) != 1 ||
	    SPF_request_set_ipv4(req, a4) != SPF_E_SUCCESS ||
	    SPF_request_set_helo_dom(req, helo) != SPF_E_SUCCESS ||
	    SPF_request_set_env_from(req, sender) != SPF_E_SUCCESS)
		return 1;
	SPF_request_query_mailfrom(req, &resp);
	printf("spf: %s %s -> %s\n", ip, sender,
	    SPF_strresult(SPF_response_result(resp)));
	SPF_response_free(resp);
	SPF_request_free(req);
	SPF_server_free(server);
	SPF_dns_free(dns);		/* the server does not own it */
	return 0;
}

/* auth_read - stdin into memory, NUL-terminated */
static char *
auth_read(void)
{
	char *buf = malloc(AUTH_MSG_MAX + 1);
	size_t n;

	if (buf == NULL)
		exit(1);
	n = fread(buf, 1, AUTH_MSG_MAX, stdin);
	buf[n] = '\0';
	return buf;
}

/* auth_feed - a copy of msg: header fields (folded lines joined) and body
 * lines, with CRLF, then end of message */
static DKIM_STAT
auth_feed(DKIM *dkim, const char *msg)
{
	char *copy = strdup(msg), *body, *line, *next;
	char field[8192], crlf[8192];
	size_t flen = 0;
	DKIM_STAT st = DKIM_STAT_INTERNAL;

	if (copy == NULL || (body = strstr(copy, "\n\n")) == NULL)
		goto out;
	*body = '\0';
	body += 2;
	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((line[0] == ' ' || line[0] == '\t') && flen > 0) {
			flen += (size_t)snprintf(field + flen,
			    sizeof(field) - flen, "\r\n%s", line);
			continue;
		}
		if (flen > 0 && dkim_header(dkim, (u_char *)field, flen) !=
		    DKIM_STAT_OK)
			goto out;
		flen = (size_t)snprintf(field, sizeof(field), "%s", line);
	}
	if (flen > 0 && dkim_header(dkim, (u_char *)field, flen) != DKIM_STAT_OK)
		goto out;
	if ((st = dkim_eoh(dkim)) != DKIM_STAT_OK)
		goto out;
	for (line = body; *line != '\0'; line = next) {
		int n;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		n = snprintf(crlf, sizeof(crlf), "%s\r\n", line);
		if (dkim_body(dkim, (u_char *)crlf, (size_t)n) != DKIM_STAT_OK)
			goto out;
	}
	st = dkim_eom(dkim, NULL);
out:
	free(copy);
	return st;
}

/* auth_sign - print the message on stdin with a DKIM-Signature on top */
static int
auth_sign(const char *domain, const char *selector, const char *keyfile)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	unsigned char hdr[4096];
	char key[8192], *msg = auth_read();
	DKIM_STAT st;
	DKIM *dkim;
	size_t klen;
	FILE *fp = fopen(keyfile, "r");

	if (fp == NULL || lib == NULL)
		return 1;
	klen = fread(key, 1, sizeof(key) - 1, fp);
	key[klen] = '\0';
	fclose(fp);
	dkim = dkim_sign(lib, (u_char *)"probe", NULL, (u_char *)key,
	    (u_char *)selector, (u_char *)domain, DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	if (dkim == NULL || auth_feed(dkim, msg) != DKIM_STAT_OK ||
	    dkim_getsighdr(dkim, hdr, sizeof(hdr),
	    strlen("DKIM-Signature: ")) != DKIM_STAT_OK)
		return 1;
	printf("DKIM-Signature: %s\n%s", hdr, msg);
	dkim_free(dkim);
	dkim_close(lib);
	free(msg);
	return 0;
}

/* auth_verify - verify n times through the layer; one line each */
static int
auth_verify(int n)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	char *msg = auth_read();
	DKIM_SIGINFO *sig;
	DKIM_STAT st;
	DKIM *dkim;
	int i;

	if (lib == NULL || dns_dkim_install(lib) < 0)
		return 1;
	for (i = 0; i < n; i++) {
		dkim = dkim_verify(lib, (u_char *)"probe", NULL, &st);
		if (dkim == NULL)
			return 1;
		st = auth_feed(dkim, msg);
		sig = dkim_getsignature(dkim);
		printf("dkim: %s (%s)\n", dkim_getresultstr(st),
		    sig != NULL ? dkim_sig_geterrorstr(dkim_sig_geterror(sig)) :
		    "no signature");
		dkim_free(dkim);
	}
	dkim_close(lib);
	free(msg);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && strcmp(argv[1], "spf") == 0)
		rc = auth_spf(argv[2], argv[3], argc > 4 ? argv[4] : "helo.test");
	else if (argc == 5 && strcmp(argv[1], "sign") == 0)
		rc = auth_sign(argv[2], argv[3], argv[4]);
	else if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		rc = auth_verify(argc > 2 ? atoi(argv[2]) : 1);
	else
		fprintf(stderr, "usage: see dns-auth-probe.c\n");
	dns_shutdown();
	return rc;
}
