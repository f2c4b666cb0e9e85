/*
 * doctor_mtasts.c - MTA-STS (RFC 8461): when the _mta-sts TXT record is
 * published, the policy host must exist and serve the policy over HTTPS
 * (no redirects), and the policy's mx: patterns must cover every MX host,
 * backups included, or senders in enforce mode will not deliver to them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "dns.h"
#include "doctor.h"

#define DOCTOR_MTASTS_MAX	65536	/* RFC 8461 3.3: policies are small */
#define DOCTOR_MTASTS_PATTERNS	32

/* The policy as fetched and parsed. */
struct doctor_mtasts_policy {
	char body[DOCTOR_MTASTS_MAX + 1];
	size_t len;
	bool truncated;
	char version[16];
	char mode[16];
	char max_age[16];
	char mx[DOCTOR_MTASTS_PATTERNS][256];
	size_t n_mx;
};

/* doctor_mtasts_write - libcurl's body callback: keep what fits */
static size_t
doctor_mtasts_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct doctor_mtasts_policy *pol = arg;
	size_t n = size * nmemb, room = DOCTOR_MTASTS_MAX - pol->len;

	if (n > room) {
		pol->truncated = true;
		return 0;	/* stops the transfer */
	}
	memcpy(pol->body + pol->len, ptr, n);
	pol->len += n;
	pol->body[pol->len] = '\0';
	return n;
}

/* doctor_mtasts_fetch - GET the policy; 0, or -1 with why in err */
static int
doctor_mtasts_fetch(const struct doctor *d, const char *url,
		    struct doctor_mtasts_policy *pol, char *err, size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	char *ctype = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c;

	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl: cannot initialise");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);	/* RFC 8461 3.3 */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, doctor_mtasts_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, pol);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "trustmx-doctor");
	if (d->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, d->ca_file);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", pol->truncated ?
		    "policy larger than 64 KiB" : curl_err[0] != '\0' ?
		    curl_err : curl_easy_strerror(rc));
	else if (code != 200)
		snprintf(err, errlen, "HTTP status %ld (redirects are not "
		    "followed)", code);
	else if (ctype == NULL || strncasecmp(ctype, "text/plain", 10) != 0)
		snprintf(err, errlen, "media type %s, not text/plain",
		    ctype != NULL ? ctype : "missing");
	curl_easy_cleanup(c);
	return rc == CURLE_OK && code == 200 && err[0] == '\0' ? 0 : -1;
}

/* doctor_mtasts_field - one "key: value" line into pol */
static void
doctor_mtasts_field(struct doctor_mtasts_policy *pol, const char *key,
		    const char *value)
{
	if (strcmp(key, "version") == 0)
		snprintf(pol->version, sizeof(pol->version), "%s", value);
	else if (strcmp(key, "mode") == 0)
		snprintf(pol->mode, sizeof(pol->mode), "%s", value);
	else if (strcmp(key, "max_age") == 0)
		snprintf(pol->max_age, sizeof(pol->max_age), "%s", value);
	else if (strcmp(key, "mx") == 0 && pol->n_mx < DOCTOR_MTASTS_PATTERNS)
		snprintf(pol->mx[pol->n_mx++], 256, "%s", value);
}

/* doctor_mtasts_parse - the body's fields (RFC 8461 3.2), in place */
static void
doctor_mtasts_parse(struct doctor_mtasts_policy *pol)
{
	char *save = NULL, *line, *colon, *key, *value, *end;

	for (line = strtok_r(pol->body, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		for (key = line; isspace((unsigned char)*key); key++)
			;
		for (end = colon; end > key && isspace((unsigned char)end[-1]);)
			*--end = '\0';
		for (value = colon + 1; isspace((unsigned char)*value); value++)
			;
		for (end = value + strlen(value);
		    end > value && isspace((unsigned char)end[-1]);)
			*--end = '\0';
		doctor_mtasts_field(pol, key, value);
	}
}

/* doctor_mtasts_match - an mx: pattern covers host (RFC 8461 4.1) */
static bool
doctor_mtasts_match(const char *pattern, const char *host)
{
	const char *dot;

	if (strncmp(pattern, "*.", 2) != 0)
		return dns_name_equal(pattern, host);
	/* the wildcard stands for exactly one leftmost label */
	if ((dot = strchr(host, '.')) == NULL || dot == host)
		return false;
	return dns_name_equal(pattern + 2, dot + 1);
}

/* doctor_mtasts_cover - one host against the patterns */
static void
doctor_mtasts_cover(struct doctor *d, const struct doctor_mtasts_policy *pol,
		    const char *host)
{
	struct doctor_finding *f;
	size_t i;

	for (i = 0; i < pol->n_mx; i++) {
		if (doctor_mtasts_match(pol->mx[i], host)) {
			doctor_add(d, "mta-sts.mx", DOCTOR_OK, host,
			    "covered by mx: %s", pol->mx[i]);
			return;
		}
	}
	f = doctor_add(d, "mta-sts.mx", DOCTOR_FAIL, host,
	    "no mx: pattern covers it: senders enforcing the policy will "
	    "not deliver to it");
	doctor_fix(f, "add \"mx: %s\" to the policy and change the id= of "
	    "the _mta-sts record", host);
}

/* doctor_mtasts_mx - every MX host and every named backup covered */
static void
doctor_mtasts_mx(struct doctor *d, const struct doctor_mtasts_policy *pol)
{
	size_t i, k;

	for (i = 0; i < d->n_mx; i++)
		doctor_mtasts_cover(d, pol, d->mx[i].host);
	for (i = 0; i < d->n_backup; i++) {
		for (k = 0; k < d->n_mx; k++)
			if (dns_name_equal(d->mx[k].host, d->backup_mx[i]))
				break;
		if (k == d->n_mx)	/* not an MX yet: will it work when it is? */
			doctor_mtasts_cover(d, pol, d->backup_mx[i]);
	}
}

/* doctor_mtasts_content - version, mode and mx of a fetched policy */
static void
doctor_mtasts_content(struct doctor *d, const char *host,
		      struct doctor_mtasts_policy *pol)
{
	struct doctor_finding *f;

	doctor_mtasts_parse(pol);
	if (strcmp(pol->version, "STSv1") != 0 || pol->max_age[0] == '\0' ||
	    (strcmp(pol->mode, "enforce") != 0 &&
	    strcmp(pol->mode, "testing") != 0 && strcmp(pol->mode, "none") != 0)) {
		f = doctor_add(d, "mta-sts.policy", DOCTOR_FAIL, host,
		    "invalid policy: version \"%s\", mode \"%s\", max_age \"%s\"",
		    pol->version, pol->mode, pol->max_age);
		doctor_fix(f, "serve \"version: STSv1\", \"mode: enforce\", "
		    "\"mx: ...\" lines and \"max_age: 604800\"");
		return;
	}
	if (strcmp(pol->mode, "enforce") == 0) {
		doctor_add(d, "mta-sts.policy", DOCTOR_OK, host,
		    "mode enforce, %zu mx pattern%s, max_age %s", pol->n_mx,
		    pol->n_mx == 1 ? "" : "s", pol->max_age);
	} else {
		f = doctor_add(d, "mta-sts.policy", DOCTOR_WARN, host,
		    "mode %s: senders still deliver without valid TLS",
		    pol->mode);
		doctor_fix(f, "switch to \"mode: enforce\" once the TLS "
		    "reports are clean (and change the record's id=)");
	}
	if (strcmp(pol->mode, "none") != 0)
		doctor_mtasts_mx(d, pol);
}

/* doctor_mtasts_record - the _mta-sts TXT; false when there is nothing more to check */
static bool
doctor_mtasts_record(struct doctor *d, const char *name)
{
	struct doctor_finding *f;
	const char *why, *id;
	char *text;
	size_t n;
	int count;

	count = doctor_dns_txt(name, "v=STSv1", &text, &why);
	if (count == 0) {
		doctor_add(d, "mta-sts.record", DOCTOR_OK, name,
		    "not published (%s): MTA-STS not in use", why);
		return false;
	}
	if (count < 0 || count > 1) {
		f = doctor_add(d, "mta-sts.record", DOCTOR_FAIL, name,
		    count < 0 ? "TXT lookup failed: %s" :
		    "%s v=STSv1 records: senders ignore them all",
		    count < 0 ? why : "several");
		doctor_fix(f, "keep one \"v=STSv1; id=...\" record");
		free(text);
		return false;
	}
	id = strstr(text, "id=");
	n = id != NULL ? strspn(id + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789") : 0;
	if (n == 0 || n > 32) {
		f = doctor_add(d, "mta-sts.record", DOCTOR_FAIL, name,
		    "no valid id= (1-32 letters and digits): %s", text);
		doctor_fix(f, "publish \"v=STSv1; id=20260101T000000\"");
		free(text);
		return false;
	}
	doctor_add(d, "mta-sts.record", DOCTOR_OK, name, "%s", text);
	free(text);
	return true;
}

/* doctor_mtasts_check - see doctor.h */
void
doctor_mtasts_check(struct doctor *d)
{
	char name[300], host[300], url[400], err[CURL_ERROR_SIZE + 64] = "";
	struct doctor_mtasts_policy *pol;
	struct doctor_finding *f;
	struct tmx_addr addrs[2];
	int n;

	snprintf(name, sizeof(name), "_mta-sts.%s", d->domain);
	if (!doctor_mtasts_record(d, name))
		return;
	snprintf(host, sizeof(host), "mta-sts.%s", d->domain);
	if ((n = doctor_dns_addrs(host, addrs, 2)) <= 0) {
		f = doctor_add(d, "mta-sts.host", DOCTOR_FAIL, host,
		    n < 0 ? "address lookup failed (temporary)" :
		    "the policy host does not exist, but _mta-sts says a "
		    "policy is published");
		doctor_fix(f, "serve the policy at https://%s/.well-known/"
		    "mta-sts.txt, or remove the _mta-sts TXT record", host);
		return;
	}
	doctor_add(d, "mta-sts.host", DOCTOR_OK, host, "resolves");
	snprintf(url, sizeof(url), "https://%s/.well-known/mta-sts.txt", host);
	pol = calloc(1, sizeof(*pol));
	if (pol == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		doctor_add(d, "mta-sts.policy", DOCTOR_FAIL, host,
		    "cannot initialise libcurl");
		free(pol);
		return;
	}
	if (doctor_mtasts_fetch(d, url, pol, err, sizeof(err)) < 0) {
		f = doctor_add(d, "mta-sts.policy", DOCTOR_FAIL, host,
		    "cannot fetch %s: %s", url, err);
		doctor_fix(f, "serve it there over HTTPS with a certificate "
		    "valid for %s, as text/plain", host);
	} else {
		doctor_mtasts_content(d, host, pol);
	}
	free(pol);
	curl_global_cleanup();
}
