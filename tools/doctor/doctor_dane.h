/*
 * doctor_dane.h - what the DANE check (doctor_dane.c) and its STARTTLS
 * probe (doctor_starttls.c) share: a TLSA record read from untrusted DNS
 * data, and what one SMTP server presented and matched.
 */
#ifndef TRUSTMX_TOOLS_DOCTOR_DANE_H
#define TRUSTMX_TOOLS_DOCTOR_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <trustmx/addr.h>

#define DOCTOR_TLSA_MAX		16	/* records of one name looked at */
#define DOCTOR_TLSA_DATA_MAX	2048	/* a full certificate (matching 0) */

/* One TLSA record (RFC 6698 2.1), its data pointing into the DNS answer. */
struct doctor_tlsa {
	uint8_t usage, selector, mtype;
	const uint8_t *data;
	size_t len;
	bool usable;			/* DANE-TA/EE, known selector and type */
	char text[96];			/* "3 1 1 0a1b2c...": for the report */
};

enum doctor_starttls_result {
	DOCTOR_STARTTLS_CONNECT = 0,	/* no connection, or no SMTP greeting */
	DOCTOR_STARTTLS_NONE,		/* EHLO did not offer STARTTLS */
	DOCTOR_STARTTLS_TLS,		/* STARTTLS refused, handshake failed */
	DOCTOR_STARTTLS_MATCH,		/* a usable record authenticates it */
	DOCTOR_STARTTLS_NOMATCH,	/* none does */
};

struct doctor_starttls {
	enum doctor_starttls_result result;
	char why[256];			/* what failed, or the verify error */
	int matched;			/* index of the matching record, or -1 */
	int depth;			/* chain depth it matched */
	int rejected;			/* usable records OpenSSL refused */
	char spki_sha256[65];		/* the server certificate's SPKI, hex */
	char subject[256];		/* its subject, one line */
};

/*
 * doctor_starttls_probe - connect to addr port 25 (port), EHLO as helo,
 * STARTTLS with SNI host, and match the presented chain against the
 * usable records of tlsa (RFC 7672: DANE-EE without name checks, DANE-TA
 * with host as reference identifier); QUIT, never a mail. Bounded by a
 * deadline; the server and what it sends are untrusted. Fills *r.
 */
void doctor_starttls_probe(const struct tmx_addr *addr, unsigned port,
			   const char *host, const char *helo,
			   const struct doctor_tlsa *tlsa, size_t n,
			   struct doctor_starttls *r);

#endif
