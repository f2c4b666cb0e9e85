/*
 * doctor_starttls.c - the DANE check's SMTP client: greeting, EHLO,
 * STARTTLS, a TLS handshake with OpenSSL's DANE verifier loaded with the
 * domain's TLSA records, QUIT. It never sends mail. Everything the server
 * sends is untrusted: replies are read a bounded line at a time under one
 * deadline, bytes after the 220 to STARTTLS are an injection, and the
 * certificate chain it presents is bounded in size.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "doctor_dane.h"

#define DOCTOR_STARTTLS_TIMEOUT_MS	10000	/* the whole dialogue */
#define DOCTOR_STARTTLS_LINE_MAX	1000	/* RFC 5321 4.5.3.1.5, and more */
#define DOCTOR_STARTTLS_LINES_MAX	64	/* lines of one reply */
#define DOCTOR_STARTTLS_CERTS_MAX	(64 * 1024)	/* chain bytes */

/* The connection: a socket, its deadline and what was read ahead. */
struct doctor_starttls_conn {
	int fd;
	struct timespec deadline;
	char buf[4096];
	size_t len;
};

/* doctor_starttls_left - milliseconds until the deadline (0 when past) */
static int
doctor_starttls_left(const struct doctor_starttls_conn *c)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (c->deadline.tv_sec - now.tv_sec) * 1000 +
	    (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* doctor_starttls_wait - fd ready for events before the deadline */
static bool
doctor_starttls_wait(struct doctor_starttls_conn *c, short events)
{
	struct pollfd p = { .fd = c->fd, .events = events };
	int ms, rc;

	do {
		if ((ms = doctor_starttls_left(c)) == 0)
			return false;
		rc = poll(&p, 1, ms);
	} while (rc < 0 && errno == EINTR);
	return rc > 0;
}

/* doctor_starttls_connect - a TCP connection to addr:port; -1, why set */
static int
doctor_starttls_connect(struct doctor_starttls_conn *c,
			const struct tmx_addr *addr, unsigned port,
			struct doctor_starttls *r)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int err = 0;
	socklen_t elen = sizeof(err);

	memset(&ss, 0, sizeof(ss));
	if (addr->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, addr->bytes, 4);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, addr->bytes, 16);
		sslen = sizeof(*sin6);
	}
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (c->fd < 0) {
		snprintf(r->why, sizeof(r->why), "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(c->fd, (struct sockaddr *)&ss, sslen) < 0) {
		if (errno != EINPROGRESS) {
			snprintf(r->why, sizeof(r->why), "connect: %s",
			    strerror(errno));
			return -1;
		}
		if (!doctor_starttls_wait(c, POLLOUT)) {
			snprintf(r->why, sizeof(r->why), "connect: timeout");
			return -1;
		}
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 ||
		    err != 0) {
			snprintf(r->why, sizeof(r->why), "connect: %s",
			    strerror(err != 0 ? err : errno));
			return -1;
		}
	}
	return 0;
}

/* doctor_starttls_write - all of s before the deadline; -1 on failure */
static int
doctor_starttls_write(struct doctor_starttls_conn *c, const char *s)
{
	size_t len = strlen(s), off = 0;
	ssize_t n;

	while (off < len) {
		if (!doctor_starttls_wait(c, POLLOUT))
			return -1;
		n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* doctor_starttls_line - one reply line (CRLF removed) into line; -1 */
static int
doctor_starttls_line(struct doctor_starttls_conn *c, char *line, size_t size)
{
	char *nl;
	size_t k;
	ssize_t n;

	while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len >= DOCTOR_STARTTLS_LINE_MAX ||
		    c->len >= sizeof(c->buf) - 1)
			return -1;	/* a line longer than any reply's */
		if (!doctor_starttls_wait(c, POLLIN))
			return -1;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
	k = (size_t)(nl - c->buf);
	if (k > 0 && c->buf[k - 1] == '\r')
		k--;
	if (k >= size)
		k = size - 1;
	memcpy(line, c->buf, k);
	line[k] = '\0';
	k = (size_t)(nl - c->buf) + 1;
	memmove(c->buf, c->buf + k, c->len - k);
	c->len -= k;
	return 0;
}

/*
 * doctor_starttls_reply - read one reply, maybe of several lines; its code
 * (or -1); *starttls_r (may be NULL) set when a line offers STARTTLS;
 * the last line's text in last (for a report)
 */
static int
doctor_starttls_reply(struct doctor_starttls_conn *c, bool *starttls_r,
		      char *last, size_t lastlen)
{
	char line[DOCTOR_STARTTLS_LINE_MAX + 1];
	int code = -1, i;

	for (i = 0; i < DOCTOR_STARTTLS_LINES_MAX; i++) {
		if (doctor_starttls_line(c, line, sizeof(line)) < 0)
			return -1;
		if (strlen(line) < 3 || line[0] < '1' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (line[3] != '\0' && line[3] != ' ' &&
		    line[3] != '-'))
			return -1;
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (starttls_r != NULL && line[3] != '\0' &&
		    strncasecmp(line + 4, "STARTTLS", 8) == 0 &&
		    (line[12] == '\0' || line[12] == ' '))
			*starttls_r = true;
		if (line[3] != '-') {
			/* printable only: it lands in a report */
			for (char *p = line; *p != '\0'; p++)
				if ((unsigned char)*p < 0x20 ||
				    (unsigned char)*p > 0x7e)
					*p = '?';
			snprintf(last, lastlen, "%s", line);
			return code;
		}
	}
	return -1;	/* an endless reply */
}

/* doctor_starttls_hex - len bytes as lower-case hex into out */
static void
doctor_starttls_hex(const uint8_t *b, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len && 2 * i + 2 < size; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0x0f];
	}
	out[2 * i] = '\0';
}

/* doctor_starttls_leaf - the server certificate's SPKI SHA-256 and subject */
static void
doctor_starttls_leaf(SSL *ssl, struct doctor_starttls *r)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned mdlen = 0;
	X509 *cert;
	int len;

	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(),
	    NULL) == 1)
		doctor_starttls_hex(md, mdlen, r->spki_sha256,
		    sizeof(r->spki_sha256));
	OPENSSL_free(der);
	X509_NAME_oneline(X509_get_subject_name(cert), r->subject,
	    sizeof(r->subject));
	X509_free(cert);
}

/* doctor_starttls_matched - which of our records OpenSSL's DANE matched */
static void
doctor_starttls_matched(SSL *ssl, const struct doctor_tlsa *tlsa, size_t n,
			struct doctor_starttls *r)
{
	uint8_t usage, selector, mtype;
	const unsigned char *data;
	size_t dlen, i;

	r->depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data,
	    &dlen);
	if (r->depth < 0)
		return;
	for (i = 0; i < n; i++)
		if (tlsa[i].usable && tlsa[i].usage == usage &&
		    tlsa[i].selector == selector && tlsa[i].mtype == mtype &&
		    tlsa[i].len == dlen && memcmp(tlsa[i].data, data, dlen) == 0)
			r->matched = (int)i;
}

/*
 * doctor_starttls_handshake - SSL_connect on the non-blocking socket,
 * waiting under the deadline (a server that drips bytes cannot stretch
 * it); 0, or -1 with why set
 */
static int
doctor_starttls_handshake(struct doctor_starttls_conn *c, SSL *ssl,
			  struct doctor_starttls *r)
{
	unsigned long e;
	int rc, err;

	ERR_clear_error();
	while ((rc = SSL_connect(ssl)) != 1) {
		err = SSL_get_error(ssl, rc);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			if (doctor_starttls_wait(c, err == SSL_ERROR_WANT_READ ?
			    POLLIN : POLLOUT))
				continue;
			snprintf(r->why, sizeof(r->why), "TLS handshake: "
			    "timeout");
			return -1;
		}
		e = ERR_peek_last_error();
		snprintf(r->why, sizeof(r->why), "TLS handshake failed: %s",
		    e != 0 && ERR_reason_error_string(e) != NULL ?
		    ERR_reason_error_string(e) : err == SSL_ERROR_SYSCALL ||
		    err == SSL_ERROR_ZERO_RETURN ? "connection closed" :
		    "error");
		return -1;
	}
	return 0;
}

/* doctor_starttls_tls - the handshake on c->fd and the DANE verdict */
static void
doctor_starttls_tls(struct doctor_starttls_conn *c, const char *host,
		    const struct doctor_tlsa *tlsa, size_t n,
		    struct doctor_starttls *r)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	long verify;
	size_t i;

	r->result = DOCTOR_STARTTLS_TLS;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_dane_enable(ctx) <= 0 ||
	    (ssl = SSL_new(ctx)) == NULL ||
	    SSL_dane_enable(ssl, host) <= 0) {
		snprintf(r->why, sizeof(r->why), "OpenSSL: cannot set up DANE");
		goto done;
	}
	SSL_CTX_set_max_cert_list(ctx, DOCTOR_STARTTLS_CERTS_MAX);
	SSL_set_max_cert_list(ssl, DOCTOR_STARTTLS_CERTS_MAX);
	/* RFC 7672 3.1.1: DANE-EE binds the key, not a name */
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	/* the verdict is read after the handshake, which must finish */
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_tlsext_host_name(ssl, host);
	for (i = 0; i < n; i++)
		if (tlsa[i].usable && SSL_dane_tlsa_add(ssl, tlsa[i].usage,
		    tlsa[i].selector, tlsa[i].mtype, tlsa[i].data,
		    tlsa[i].len) <= 0)
			r->rejected++;	/* e.g. full data that is no DER */
	ERR_clear_error();
	SSL_set_fd(ssl, c->fd);
	if (doctor_starttls_handshake(c, ssl, r) < 0)
		goto done;
	doctor_starttls_leaf(ssl, r);
	verify = SSL_get_verify_result(ssl);
	doctor_starttls_matched(ssl, tlsa, n, r);
	if (verify == X509_V_OK && r->matched >= 0) {
		r->result = DOCTOR_STARTTLS_MATCH;
	} else {
		r->result = DOCTOR_STARTTLS_NOMATCH;
		r->matched = -1;
		snprintf(r->why, sizeof(r->why), "%s%s",
		    X509_verify_cert_error_string(verify), r->rejected > 0 ?
		    "; OpenSSL refused some records' data as malformed" : "");
	}
	/* non-blocking: a server that does not read loses its QUIT */
	(void)SSL_write(ssl, "QUIT\r\n", 6);
	(void)SSL_shutdown(ssl);
done:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

/* doctor_starttls_probe - see doctor_dane.h */
void
doctor_starttls_probe(const struct tmx_addr *addr, unsigned port,
		      const char *host, const char *helo,
		      const struct doctor_tlsa *tlsa, size_t n,
		      struct doctor_starttls *r)
{
	struct doctor_starttls_conn c;
	char cmd[300], last[128];
	bool starttls = false;
	int code;

	memset(r, 0, sizeof(*r));
	r->result = DOCTOR_STARTTLS_CONNECT;
	r->matched = -1;
	r->depth = -1;
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &c.deadline);
	c.deadline.tv_sec += DOCTOR_STARTTLS_TIMEOUT_MS / 1000;
	if (doctor_starttls_connect(&c, addr, port, r) < 0)
		goto done;
	if ((code = doctor_starttls_reply(&c, NULL, last, sizeof(last))) != 220) {
		snprintf(r->why, sizeof(r->why), code < 0 ? "no SMTP greeting "
		    "(closed, timed out or malformed)" : "greeting: %s", last);
		goto done;
	}
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", helo);
	if (doctor_starttls_write(&c, cmd) < 0 ||
	    (code = doctor_starttls_reply(&c, &starttls, last,
	    sizeof(last))) != 250) {
		snprintf(r->why, sizeof(r->why), code < 0 ? "no EHLO reply" :
		    "EHLO: %s", last);
		goto done;
	}
	if (!starttls) {
		r->result = DOCTOR_STARTTLS_NONE;
		snprintf(r->why, sizeof(r->why), "EHLO reply has no STARTTLS");
		(void)doctor_starttls_write(&c, "QUIT\r\n");
		goto done;
	}
	r->result = DOCTOR_STARTTLS_TLS;
	if (doctor_starttls_write(&c, "STARTTLS\r\n") < 0 ||
	    (code = doctor_starttls_reply(&c, NULL, last,
	    sizeof(last))) != 220) {
		snprintf(r->why, sizeof(r->why), code < 0 ? "no STARTTLS reply" :
		    "STARTTLS: %s", last);
		goto done;
	}
	if (c.len > 0) {
		/* CVE-2011-0411's kind: plaintext that would pass as TLS data */
		snprintf(r->why, sizeof(r->why), "the server sent %zu bytes "
		    "after its 220 to STARTTLS (command injection)", c.len);
		goto done;
	}
	doctor_starttls_tls(&c, host, tlsa, n, r);
done:
	if (c.fd >= 0)
		close(c.fd);
}
