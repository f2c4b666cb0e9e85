/*
 * dmarc-ruf-submit.c - hand messages to the failure reports' queue
 * (dmarc_ruf_submit: the queue, worker thread, DNS checks, rate limit and
 * sendmail the milter uses) from lines of key=value words on stdin, for
 * ruf-stack:
 *
 *   qid=ID ip=ADDR mfrom=ADDRESS from=DOMAIN pd=DOMAIN org=DOMAIN
 *   ruf=URIS fo=OPTS psd=0|1 result=pass|fail spfal=0|1 dkimal=0|1
 *   spf=RESULT spfdom=DOMAIN delivery=delivered|spam|policy|reject
 *   sig=DOMAIN/SELECTOR/pass|signature|bodyhash|revoked|other (repeatable)
 *   msg=FILE  (its header fields, as the milter's header callback gets
 *             them; the body after the empty line is never read)
 *   n=COUNT
 *
 * Options: --sendmail "COMMAND WORDS" --sender ADDRESS --rate N
 * --redact yes|no --queue N. '#' starts a comment line. Waits for the
 * worker, then prints its counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_ruf_queue.h"

#define SUBMIT_WORDS_MAX 16

/* submit_headers - the header fields of the message in path into h */
static int
submit_headers(const char *path, struct dmarc_ruf_headers *h)
{
	char line[4096], name[256], *value = NULL, *colon;
	size_t vlen = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	name[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if ((line[0] == ' ' || line[0] == '\t') && value != NULL) {
			value = realloc(value, vlen + strlen(line) + 2);
			vlen += (size_t)sprintf(value + vlen, "\n%s", line);
			continue;
		}
		if (value != NULL)
			dmarc_ruf_headers_add(h, name, value);
		free(value);
		value = NULL;
		if (line[0] == '\0')
			break;	/* the body is not ours to read */
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
		value = strdup(colon + 1);
		vlen = strlen(value);
	}
	if (value != NULL)
		dmarc_ruf_headers_add(h, name, value);
	free(value);
	fclose(fp);
	return 0;
}

/* submit_dkim - a sig= word's result */
static int
submit_dkim(const char *v)
{
	static const char *const names[] = {
		"pass", "signature", "bodyhash", "revoked", "other",
	};

	for (int i = 0; i < 5; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

/* submit_delivery - a delivery= word */
static int
submit_delivery(const char *v)
{
	static const char *const names[] = {
		"delivered", "spam", "policy", "reject", "other",
	};

	for (int i = 0; i < 5; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

#define SUBMIT_SET(field, v) snprintf(field, sizeof(field), "%s", v)

/* submit_pair - one key=value into m; -1 for something unknown */
static int
submit_pair(struct dmarc_ruf_msg *m, char *k, char *v, unsigned long *n)
{
	char *sel, *res;
	int i;

	if (strcmp(k, "qid") == 0) SUBMIT_SET(m->qid, v);
	else if (strcmp(k, "ip") == 0) SUBMIT_SET(m->source_ip, v);
	else if (strcmp(k, "mfrom") == 0) SUBMIT_SET(m->mail_from, v);
	else if (strcmp(k, "from") == 0) SUBMIT_SET(m->from_domain, v);
	else if (strcmp(k, "pd") == 0) SUBMIT_SET(m->policy_domain, v);
	else if (strcmp(k, "org") == 0) SUBMIT_SET(m->org_domain, v);
	else if (strcmp(k, "ruf") == 0) SUBMIT_SET(m->ruf, v);
	else if (strcmp(k, "fo") == 0) SUBMIT_SET(m->fo, v);
	else if (strcmp(k, "psd") == 0) m->psd = strcmp(v, "1") == 0;
	else if (strcmp(k, "result") == 0) SUBMIT_SET(m->dmarc_result, v);
	else if (strcmp(k, "spfal") == 0) m->spf_aligned = strcmp(v, "1") == 0;
	else if (strcmp(k, "dkimal") == 0)
		m->dkim_aligned = strcmp(v, "1") == 0;
	else if (strcmp(k, "spf") == 0) SUBMIT_SET(m->spf_result, v);
	else if (strcmp(k, "spfdom") == 0) SUBMIT_SET(m->spf_domain, v);
	else if (strcmp(k, "n") == 0) *n = strtoul(v, NULL, 10);
	else if (strcmp(k, "msg") == 0)
		return submit_headers(v, &m->headers);
	else if (strcmp(k, "delivery") == 0) {
		if ((i = submit_delivery(v)) < 0)
			return -1;
		m->delivery = (enum dmarc_ruf_delivery)i;
	} else if (strcmp(k, "sig") == 0) {
		if (m->nsigs == DMARC_RUF_SIGS_MAX ||
		    (sel = strchr(v, '/')) == NULL ||
		    (res = strchr(sel + 1, '/')) == NULL)
			return -1;
		*sel++ = '\0';
		*res++ = '\0';
		if ((i = submit_dkim(res)) < 0)
			return -1;
		SUBMIT_SET(m->sig[m->nsigs].domain, v);
		SUBMIT_SET(m->sig[m->nsigs].selector, sel);
		m->sig[m->nsigs++].result = (enum dmarc_ruf_dkim)i;
	} else
		return -1;
	return 0;
}

/* submit_authres - the A-R the milter would have written */
static void
submit_authres(struct dmarc_ruf_msg *m)
{
	size_t n = (size_t)snprintf(m->authres, sizeof(m->authres),
				    "mx.test.example;\n\tspf=%s "
				    "smtp.mailfrom=%s", m->spf_result[0] ?
				    m->spf_result : "none", m->mail_from);

	for (size_t i = 0; i < m->nsigs && n < sizeof(m->authres); i++)
		n += (size_t)snprintf(m->authres + n, sizeof(m->authres) - n,
				      ";\n\tdkim=%s header.d=%s header.s=%s",
				      m->sig[i].result == DMARC_RUF_DKIM_PASS ?
				      "pass" : "fail", m->sig[i].domain,
				      m->sig[i].selector);
	if (n < sizeof(m->authres))
		snprintf(m->authres + n, sizeof(m->authres) - n,
			 ";\n\tdmarc=%s header.from=%s", m->dmarc_result,
			 m->from_domain);
}

/* submit_words - a command line split on blanks (no quoting) */
static char **
submit_words(char *s)
{
	static char *words[SUBMIT_WORDS_MAX + 1];
	size_t n = 0;

	for (char *w = strtok(s, " \t"); w != NULL && n < SUBMIT_WORDS_MAX;
	     w = strtok(NULL, " \t"))
		words[n++] = w;
	words[n] = NULL;
	return words;
}

int
main(int argc, char **argv)
{
	struct dmarc_ruf_config cfg = {
		.sender = "dmarc-failures@test.example", .rate = 10,
		.redact = true,
	};
	char sendmail[512] = "/usr/sbin/sendmail", line[8192], err[512];
	struct dmarc_ruf_queue *q;
	struct dmarc_ruf_stats st;
	struct dmarc_ruf_msg *m = malloc(sizeof(*m));
	unsigned long n, lineno = 0, i;
	int rc = 0, a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--sendmail") == 0)
			snprintf(sendmail, sizeof(sendmail), "%s", argv[a + 1]);
		else if (strcmp(argv[a], "--sender") == 0)
			cfg.sender = argv[a + 1];
		else if (strcmp(argv[a], "--rate") == 0)
			cfg.rate = (unsigned)strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--redact") == 0)
			cfg.redact = strcmp(argv[a + 1], "yes") == 0;
		else if (strcmp(argv[a], "--queue") == 0)
			cfg.queue_max = strtoul(argv[a + 1], NULL, 10);
		else
			break;
	}
	if (a != argc || m == NULL) {
		fprintf(stderr, "usage: dmarc-ruf-submit [--sendmail COMMAND] "
			"[--sender ADDRESS] [--rate N] [--redact yes|no] "
			"[--queue N] <messages\n");
		return 2;
	}
	cfg.sendmail = submit_words(sendmail);
	if ((q = dmarc_ruf_queue_new(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dmarc-ruf-submit: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *save = NULL, *w, *eq;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		memset(m, 0, sizeof(*m));
		n = 1;
		for (w = strtok_r(line, " \t", &save); w != NULL;
		     w = strtok_r(NULL, " \t", &save)) {
			if ((eq = strchr(w, '=')) == NULL)
				eq = w + strlen(w);
			else
				*eq++ = '\0';
			if (submit_pair(m, w, eq, &n) < 0) {
				fprintf(stderr, "line %lu: bad %s\n", lineno, w);
				rc = 1;
			}
		}
		submit_authres(m);
		for (i = 0; i < n; i++) {
			int r = dmarc_ruf_submit(q, m);

			printf("line %lu: %s\n", lineno, r == 0 ? "queued" :
			       r > 0 ? "no report" : "dropped");
		}
	}
	dmarc_ruf_queue_flush(q);
	dmarc_ruf_queue_stats(q, &st);
	printf("queued %llu dropped %llu done %llu sent %llu failed %llu "
	       "limited %llu refused %llu\n", (unsigned long long)st.queued,
	       (unsigned long long)st.dropped, (unsigned long long)st.done,
	       (unsigned long long)st.sent, (unsigned long long)st.failed,
	       (unsigned long long)st.limited,
	       (unsigned long long)st.refused);
	dmarc_ruf_queue_free(q);
	free(m);
	return rc;
}
