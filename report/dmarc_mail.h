/*
 * dmarc_mail.h - the mail that carries an aggregate report (RFC 9990
 * 3.5.1, 3.5.2): its Report-ID, the attachment's file name, the Subject,
 * and the whole MIME message with the gzip file attached.
 */
#ifndef TMX_DMARC_MAIL_H
#define TMX_DMARC_MAIL_H

#include <stddef.h>
#include <time.h>

#include "dmarc_buf.h"

#define DMARC_MAIL_ID_MAX	64
#define DMARC_MAIL_NAME_MAX	640

/*
 * dmarc_mail_report_id - the Report-ID, also the file name's unique-id
 * (3.1.4: they MUST be identical), so letters and digits only: the UTC
 * hour the period begins, its length in hours, the reporter's id, and a
 * hash of the policy domain, so that no two reports share one
 * ("2026051100h24r0123456789abcdefd1a2b3c4d"). The same for a re-sent
 * report.
 */
void dmarc_mail_report_id(char *id, size_t size, const char *policy_domain,
			  time_t begin, time_t end, const char *reporter_id);

/*
 * dmarc_mail_filename - receiver!policy-domain!begin!end!unique-id.xml.gz
 * (3.5.2), end being the period's last second as in date_range.
 */
void dmarc_mail_filename(char *name, size_t size, const char *receiver,
			 const char *policy_domain, time_t begin, time_t end,
			 const char *report_id);

/* What the message says besides the attachment */
struct dmarc_mail_meta {
	const char *org_name;		/* From's display name */
	const char *from;		/* dmarc_report_email */
	const char *to;			/* the rua address */
	const char *receiver;		/* Submitter: the reporter */
	const char *policy_domain;
	const char *report_id;
	const char *filename;
	time_t begin, end;		/* [begin, end) */
	time_t now;			/* Date: */
	unsigned long long messages;	/* for the human-readable part */
	size_t records;
};

/*
 * dmarc_mail_build - the RFC 5322 message (LF line ends, for sendmail):
 * headers with the 3.5.2 Subject, a text/plain part, and the report as an
 * application/gzip attachment in base64, appended to out.
 */
void dmarc_mail_build(const struct dmarc_mail_meta *m, const void *gz,
		      size_t gzlen, struct dmarc_buf *out);

#endif
