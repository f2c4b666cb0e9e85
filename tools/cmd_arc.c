/*
 * cmd_arc.c - "trustmx arc verify" and "trustmx arc seal": the milter's
 * own ARC code (auth/arc.h) on one message read from stdin, with key
 * records looked up through the DNS layer (resolv.conf's servers and
 * timeout), so a chain can be checked or extended by hand.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arc.h"
#include "commands.h"
#include "dns.h"
#include "json.h"

#define ARC_CLI_INPUT_MAX	(64u << 20)

/* cmd_arc_usage - the synopsis of both subcommands to fp; the status */
static int
cmd_arc_usage(FILE *fp, int status)
{
	fputs("usage: trustmx arc verify [--json] < MESSAGE\n"
	      "       trustmx arc seal --domain D --selector S --key FILE\n"
	      "                        --authserv-id ID [--authres TEXT] "
	      "< MESSAGE\n"
	      "\n"
	      "verify validates the message's ARC chain (RFC 8617 5.2) and\n"
	      "prints cv=pass, cv=fail or cv=none; --json adds oldest-pass,\n"
	      "the reason and each set. Exit 0: pass or none; 1: fail.\n"
	      "\n"
	      "seal validates the chain, then writes the message with a new\n"
	      "ARC set on top, signed for D with the PEM key FILE (RSA of\n"
	      "1024 bits or more, or Ed25519) published at S._domainkey.D. Its\n"
	      "ARC-Authentication-Results say \"ID; TEXT\" (default TEXT:\n"
	      "arc=<cv>). Exit 1 when no set may be added (the chain already\n"
	      "says cv=fail, 50 sets, a key lookup failed for now).\n"
	      "\n"
	      "Key records are looked up with /etc/resolv.conf's servers and\n"
	      "timeout. Exit 2: usage, input or key file errors.\n", fp);
	return status;
}

/* cmd_arc_read - all of stdin, NUL-terminated; NULL after saying why */
static char *
cmd_arc_read(const char *cmd, size_t *len_r)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1), *grown;

	while (buf != NULL) {
		len += fread(buf + len, 1, cap - len, stdin);
		if (ferror(stdin)) {
			fprintf(stderr, "trustmx arc %s: reading stdin failed\n",
				cmd);
			break;
		}
		if (feof(stdin)) {
			buf[len] = '\0';
			*len_r = len;
			return buf;
		}
		if (cap >= ARC_CLI_INPUT_MAX) {
			fprintf(stderr, "trustmx arc %s: message larger than "
				"%u MiB\n", cmd, ARC_CLI_INPUT_MAX >> 20);
			break;
		}
		cap *= 2;
		if ((grown = realloc(buf, cap + 1)) == NULL)
			break;
		buf = grown;
	}
	if (buf == NULL || !ferror(stdin))
		fprintf(stderr, "trustmx arc %s: out of memory\n", cmd);
	free(buf);
	return NULL;
}

/* cmd_arc_load - a message from stdin into a new arc_msg; NULL after
 * saying why. *msg_r keeps the bytes (for seal's output). */
static struct arc_msg *
cmd_arc_load(const char *cmd, bool seal, char **msg_r, size_t *len_r)
{
	const char *why = NULL;
	struct arc_msg *m;

	/* resolv.conf's nameservers and its timeout x attempts */
	if (dns_init(NULL, &why) < 0) {
		fprintf(stderr, "trustmx arc %s: DNS: %s\n", cmd, why);
		return NULL;
	}
	if ((*msg_r = cmd_arc_read(cmd, len_r)) == NULL)
		return NULL;
	if ((m = arc_msg_new(seal)) == NULL) {
		fprintf(stderr, "trustmx arc %s: out of memory\n", cmd);
	} else if (arc_msg_feed(m, *msg_r, *len_r) < 0) {
		fprintf(stderr, "trustmx arc %s: not a message (no empty line "
			"ends the header), or out of memory\n", cmd);
		arc_msg_free(m);
		m = NULL;
	}
	if (m == NULL) {
		free(*msg_r);
		*msg_r = NULL;
	}
	return m;
}

/* cmd_arc_json - the result as one JSON object */
static void
cmd_arc_json(const struct arc_result *r)
{
	struct json_out j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "cv", arc_cv_name(r->cv));
	json_kv_int(&j, "nsets", r->nsets);
	json_kv_int(&j, "oldest_pass", r->oldest_pass);
	json_kv_bool(&j, "temperror", r->temperror);
	json_kv_string(&j, "reason", r->reason ? r->reason : "");
	json_key(&j, "sets");
	json_array_begin(&j);
	for (unsigned i = 0; i < r->nsets; i++) {
		const struct arc_set_result *s = &r->set[i];

		json_object_begin(&j);
		json_kv_int(&j, "instance", s->instance);
		json_kv_string(&j, "cv", arc_cv_name(s->cv));
		json_kv_string(&j, "domain", s->domain);
		json_kv_string(&j, "selector", s->selector);
		json_kv_string(&j, "ams_domain", s->ams_domain);
		json_kv_string(&j, "ams_selector", s->ams_selector);
		json_kv_bool(&j, "ams_pass", s->ams_pass);
		json_kv_bool(&j, "as_pass", s->as_pass);
		json_kv_string(&j, "reason", s->reason ? s->reason : "");
		json_kv_string(&j, "aar", s->aar);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	fputc('\n', stdout);
}

/* cmd_arc_verify - "trustmx arc verify [--json]" */
int
cmd_arc_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct arc_result *r;
	struct arc_msg *m;
	bool json = false;
	size_t len;
	char *msg;
	int c, status;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else
			return cmd_arc_usage(c == 'h' ? stdout : stderr,
					     c == 'h' ? 0 : 2);
	}
	if (optind != argc - 1)
		return cmd_arc_usage(stderr, 2);
	if ((m = cmd_arc_load("verify", false, &msg, &len)) == NULL)
		return 2;
	r = arc_msg_verify(m);
	if (json)
		cmd_arc_json(r);
	else
		printf("cv=%s\n", arc_cv_name(r->cv));
	if (!json && r->reason != NULL)
		fprintf(stderr, "trustmx arc verify: %s%s\n", r->reason,
			r->temperror ? " (temporary)" : "");
	status = r->cv == ARC_CV_FAIL ? 1 : 0;
	arc_msg_free(m);
	free(msg);
	return fflush(stdout) == 0 ? status : 2;
}

/* cmd_arc_token - an authserv-id: printable, no white space or ';' */
static bool
cmd_arc_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == ';' || *s == '(' ||
		    *s == ')' || *s == '"')
			return false;
	return true;
}

/* cmd_arc_write - the new set, then the message as read; the new fields
 * end lines as the message's first line does (CRLF or LF) */
static int
cmd_arc_write(struct arc_seal *seal, const char *msg, size_t len)
{
	const char *nl = memchr(msg, '\n', len);
	const char *eol = nl != NULL && nl > msg && nl[-1] == '\r' ? "\r\n" :
	    "\n";

	if (eol[0] == '\n')
		arc_seal_lf(seal);
	printf("%s: %s%s%s: %s%s%s: %s%s", ARC_SEAL_NAME, seal->seal, eol,
	       ARC_AMS_NAME, seal->ams, eol, ARC_AAR_NAME, seal->aar, eol);
	fwrite(msg, 1, len, stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

/* cmd_arc_seal - "trustmx arc seal --domain D --selector S --key FILE
 * --authserv-id ID [--authres TEXT]" */
int
cmd_arc_seal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "authserv-id", required_argument, NULL, 'i' },
		{ "authres", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *domain = NULL, *selector = NULL, *keyfile = NULL;
	const char *id = NULL, *text = NULL, *why = NULL;
	const struct arc_result *r;
	struct arc_seal seal;
	struct arc_key *key;
	struct arc_msg *m;
	char *msg = NULL, *authres = NULL;
	size_t len;
	int c, status = 2;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': domain = optarg; break;
		case 's': selector = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'i': id = optarg; break;
		case 'a': text = optarg; break;
		case 'h': return cmd_arc_usage(stdout, 0);
		default: return cmd_arc_usage(stderr, 2);
		}
	}
	if (optind != argc - 1 || domain == NULL || selector == NULL ||
	    keyfile == NULL || id == NULL)
		return cmd_arc_usage(stderr, 2);
	if (!cmd_arc_token(id)) {
		fprintf(stderr, "trustmx arc seal: bad --authserv-id: %s\n", id);
		return 2;
	}
	for (const char *p = text ? text : ""; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f) {
			fprintf(stderr, "trustmx arc seal: --authres holds a "
				"control character\n");
			return 2;
		}
	if ((key = arc_key_load(keyfile, &why)) == NULL) {
		fprintf(stderr, "trustmx arc seal: %s: %s\n", keyfile, why);
		return 2;
	}
	if ((m = cmd_arc_load("seal", true, &msg, &len)) == NULL) {
		arc_key_free(key);
		return 2;
	}
	r = arc_msg_verify(m);
	if (asprintf(&authres, "%s; %s%s", id, text ? "" : "arc=",
		     text ? text : arc_cv_name(r->cv)) < 0) {
		authres = NULL;
		fprintf(stderr, "trustmx arc seal: out of memory\n");
	} else if (arc_msg_seal(m, key, domain, selector, authres, time(NULL),
				&seal, &why) < 0) {
		fprintf(stderr, "trustmx arc seal: no ARC set added: %s\n", why);
		status = 1;
	} else {
		status = cmd_arc_write(&seal, msg, len) < 0 ? 2 : 0;
		arc_seal_clear(&seal);
	}
	free(authres);
	arc_msg_free(m);
	arc_key_free(key);
	free(msg);
	return status;
}
