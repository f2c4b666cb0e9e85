/*
 * dkim-sign.c - test helper: sign the message on stdin (LF or CRLF lines)
 * with libopendkim and print it with its DKIM-Signature on top.
 * usage: milter-dkim-sign DOMAIN SELECTOR KEYFILE < message
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#define SIGN_MAX (1024 * 1024)

/* sign_read - stdin into memory, NUL-terminated */
static char *
sign_read(size_t *len_r)
{
	char *buf = malloc(SIGN_MAX + 1);
	size_t n;

	if (buf == NULL)
		exit(1);
	n = fread(buf, 1, SIGN_MAX, stdin);
	buf[n] = '\0';
	*len_r = n;
	return buf;
}

/* sign_feed - headers (unfolded lines joined) and body, with CRLF */
static int
sign_feed(DKIM *dkim, char *msg)
{
	char *body = strstr(msg, "\n\n"), *line, *next;
	char field[65536];
	size_t flen = 0;

	if (body == NULL)
		return -1;
	*body = '\0';
	body += 2;
	for (line = msg; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if ((line[0] == ' ' || line[0] == '\t') && flen > 0) {
			flen += (size_t)snprintf(field + flen, sizeof(field) - flen,
						 "\r\n%s", line);
			continue;
		}
		if (flen > 0 && dkim_header(dkim, (u_char *)field, flen) != DKIM_STAT_OK)
			return -1;
		flen = (size_t)snprintf(field, sizeof(field), "%s", line);
	}
	if (flen > 0 && dkim_header(dkim, (u_char *)field, flen) != DKIM_STAT_OK)
		return -1;
	if (dkim_eoh(dkim) != DKIM_STAT_OK)
		return -1;
	for (line = body; *line != '\0'; line = next) {
		char crlf[65536];
		int n;

		next = strchr(line, '\n');
		if (next == NULL)
			next = line + strlen(line);
		else
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		n = snprintf(crlf, sizeof(crlf), "%s\r\n", line);
		if (dkim_body(dkim, (u_char *)crlf, (size_t)n) != DKIM_STAT_OK)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	DKIM_LIB *lib;
	DKIM *dkim;
	DKIM_STAT st;
	char *msg, *copy, key[8192];
	unsigned char hdr[8192];
	size_t len, klen;
	FILE *fp;

	if (argc != 4) {
		fprintf(stderr, "usage: %s domain selector keyfile\n", argv[0]);
		return 2;
	}
	fp = fopen(argv[3], "r");
	if (fp == NULL)
		return 1;
	klen = fread(key, 1, sizeof(key) - 1, fp);
	key[klen] = '\0';
	fclose(fp);
	msg = sign_read(&len);
	copy = strdup(msg);
	lib = dkim_init(NULL, NULL);
	dkim = dkim_sign(lib, (u_char *)"test", NULL, (u_char *)key,
			 (u_char *)argv[2], (u_char *)argv[1],
			 DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
			 DKIM_SIGN_RSASHA256, -1, &st);
	if (dkim == NULL || sign_feed(dkim, copy) < 0 ||
	    dkim_eom(dkim, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr(dkim, hdr, sizeof(hdr),
			   strlen("DKIM-Signature: ")) != DKIM_STAT_OK) {
		fprintf(stderr, "%s: signing failed\n", argv[0]);
		return 1;
	}
	printf("DKIM-Signature: %s\n%s", hdr, msg);
	dkim_free(dkim);
	dkim_close(lib);
	free(copy);
	free(msg);
	return 0;
}
