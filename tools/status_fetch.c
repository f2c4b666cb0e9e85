/*
 * status_fetch.c - GET a daemon's /metrics with libcurl, over TCP or a
 * unix socket (CURLOPT_UNIX_SOCKET_PATH), with short timeouts, no
 * redirects and a bounded body; and the fetch target for a
 * metrics_listen value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "status.h"

/* The body being received */
struct status_fetch_body {
	char *buf;
	size_t len;
	size_t cap;
	bool too_large;
};

/* status_fetch_write - libcurl's write callback: append, bounded */
static size_t
status_fetch_write(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct status_fetch_body *b = ctx;
	size_t n = size * nmemb;

	if (n > PROM_TEXT_SIZE_MAX - b->len) {
		b->too_large = true;
		return 0;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *grown;

		while (cap < b->len + n)
			cap *= 2;
		if ((grown = realloc(b->buf, cap)) == NULL)
			return 0;
		b->buf = grown;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, ptr, n);
	b->len += n;
	return n;
}

/* status_fetch - GET /metrics from target; see status.h */
int
status_fetch(const char *target, long timeout_ms, char **body_r,
	     size_t *len_r, char *err, size_t errlen)
{
	struct status_fetch_body body = { 0 };
	char curl_err[CURL_ERROR_SIZE] = "";
	const char *ctype = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c;
	bool unix_socket = target[0] == '/';

	*body_r = NULL;
	*len_r = 0;
	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl could not start");
		return -1;
	}
	if (unix_socket) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, target);
		curl_easy_setopt(c, CURLOPT_URL, "http://localhost/metrics");
	} else
		curl_easy_setopt(c, CURLOPT_URL, target);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, status_fetch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "trustmx-status");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
	if (rc == CURLE_COULDNT_CONNECT && unix_socket)
		snprintf(err, errlen, "cannot connect to the unix socket");
	else if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", body.too_large ?
		    "metrics larger than 4 MiB" : curl_err[0] != '\0' ?
		    curl_err : curl_easy_strerror(rc));
	else if (code != 200)
		snprintf(err, errlen, "HTTP status %ld", code);
	else if (ctype == NULL || strncmp(ctype, "text/plain", 10) != 0)
		snprintf(err, errlen, "Content-Type %s, not text/plain",
		    ctype != NULL ? ctype : "missing");
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || code != 200 || err[0] != '\0') {
		free(body.buf);
		return -1;
	}
	*body_r = body.buf != NULL ? body.buf : calloc(1, 1);
	*len_r = body.len;
	return *body_r != NULL ? 0 : -1;
}

/* status_fetch_wild - is host a wildcard that means "every address"? */
static bool
status_fetch_wild(const char *host, size_t len)
{
	return len == 0 || (len == 1 && host[0] == '*') ||
	    (len == 7 && memcmp(host, "0.0.0.0", 7) == 0) ||
	    (len == 4 && memcmp(host, "[::]", 4) == 0);
}

/* status_fetch_target - a fetch target from an address; see status.h */
int
status_fetch_target(const char *value, char *out, size_t outlen)
{
	const char *colon;
	int n;

	if (value[0] == '/' || strncmp(value, "http://", 7) == 0 ||
	    strncmp(value, "https://", 8) == 0)
		n = snprintf(out, outlen, "%s", value);
	else {
		if (value[0] == '[') {
			const char *close = strchr(value, ']');

			if (close == NULL || close[1] != ':')
				return -1;
			colon = close + 1;
		} else if ((colon = strrchr(value, ':')) == NULL)
			return -1;
		if (colon[1] == '\0' || strspn(colon + 1, "0123456789") !=
		    strlen(colon + 1) || strpbrk(value, " \t/?#@") != NULL)
			return -1;
		if (status_fetch_wild(value, (size_t)(colon - value)))
			n = snprintf(out, outlen, "http://%s:%s/metrics",
			    value[0] == '[' ? "[::1]" : "127.0.0.1", colon + 1);
		else
			n = snprintf(out, outlen, "http://%.*s:%s/metrics",
			    (int)(colon - value), value, colon + 1);
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
