/*
 * doctor_tlsrpt.c - SMTP TLS reporting (RFC 8460): a _smtp._tls record
 * with a rua= address, so that senders' TLS failures (an expired MTA-STS
 * certificate, a backup MX without STARTTLS) reach the operator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

/* doctor_tlsrpt_check - see doctor.h */
void
doctor_tlsrpt_check(struct doctor *d)
{
	char name[300], *text;
	struct doctor_finding *f;
	const char *why;
	int n;

	snprintf(name, sizeof(name), "_smtp._tls.%s", d->domain);
	n = doctor_dns_txt(name, "v=TLSRPTv1", &text, &why);
	if (n == 1 && strstr(text, "rua=") != NULL) {
		doctor_add(d, "tls-rpt", DOCTOR_OK, name, "%s", text);
	} else if (n == 0) {
		f = doctor_add(d, "tls-rpt", DOCTOR_WARN, name,
		    "no TLS-RPT record (%s): nobody hears of TLS failures", why);
		doctor_fix(f, "publish \"%s TXT v=TLSRPTv1; "
		    "rua=mailto:tls-reports@%s\"", name, d->domain);
	} else {
		f = doctor_add(d, "tls-rpt", DOCTOR_FAIL, name,
		    n < 0 ? "TXT lookup failed: %s" : n > 1 ?
		    "several v=TLSRPTv1 records: senders use none" :
		    "no rua= in \"%s\"", n < 0 ? why : n > 1 ? "" : text);
		doctor_fix(f, "keep one \"v=TLSRPTv1; rua=mailto:...\" record");
	}
	free(text);
}
