/*
 * dmarc_mail.c - the report mail of RFC 9990 3.5.2. The Report-ID doubles
 * as the file name's unique-id and the Message-ID's left part, and is
 * derived from the period and the reporter, so a re-sent report carries
 * the same names (3.5.2: "MUST use the same filename").
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dmarc_mail.h"

/* dmarc_mail_report_id - see dmarc_mail.h; FNV-1a of the domain */
void
dmarc_mail_report_id(char *id, size_t size, const char *policy_domain,
		     time_t begin, time_t end, const char *reporter_id)
{
	uint32_t h = 2166136261u;
	const char *p;
	struct tm tm;
	char hour[16];

	for (p = policy_domain; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	gmtime_r(&begin, &tm);
	strftime(hour, sizeof(hour), "%Y%m%d%H", &tm);
	snprintf(id, size, "%sh%lldr%sd%08x", hour,
		 (long long)((end - begin) / 3600), reporter_id, h);
}

/* dmarc_mail_filename - see dmarc_mail.h */
void
dmarc_mail_filename(char *name, size_t size, const char *receiver,
		    const char *policy_domain, time_t begin, time_t end,
		    const char *report_id)
{
	snprintf(name, size, "%s!%s!%lld!%lld!%s.xml.gz", receiver,
		 policy_domain, (long long)begin, (long long)end - 1,
		 report_id);
}

/* dmarc_mail_ascii - only printable ASCII */
static bool
dmarc_mail_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* dmarc_mail_base64 - len bytes as base64, 76 characters a line */
static void
dmarc_mail_base64(struct dmarc_buf *out, const unsigned char *p, size_t len)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char quad[4];
	size_t i, col = 0;
	unsigned v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		quad[0] = abc[(v >> 18) & 63];
		quad[1] = abc[(v >> 12) & 63];
		quad[2] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < len ? abc[v & 63] : '=';
		dmarc_buf_add(out, quad, 4);
		if ((col += 4) == 76) {
			dmarc_buf_add(out, "\n", 1);
			col = 0;
		}
	}
	if (col != 0)
		dmarc_buf_add(out, "\n", 1);
}

/* dmarc_mail_display_name - org_name as a quoted-string, or as RFC 2047
 * encoded-words (UTF-8, base64, cut between characters, one per folded
 * line) when it is not plain ASCII */
static void
dmarc_mail_display_name(struct dmarc_buf *out, const char *name)
{
	const char *p;
	size_t len = strlen(name), n;

	if (!dmarc_mail_ascii(name)) {
		for (p = name; p < name + len; p += n) {
			n = name + len - p > 42 ? 42 : (size_t)(name + len - p);
			while (n > 0 && n < (size_t)(name + len - p) &&
			       ((unsigned char)p[n] & 0xc0) == 0x80)
				n--;
			if (n == 0)
				n = 1;
			dmarc_buf_str(out, p == name ? "=?UTF-8?B?" :
				      "\n =?UTF-8?B?");
			/* one base64 line of at most 56 characters */
			dmarc_mail_base64(out, (const unsigned char *)p, n);
			out->len--;
			dmarc_buf_str(out, "?=");
		}
		return;
	}
	dmarc_buf_add(out, "\"", 1);
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			dmarc_buf_add(out, "\\", 1);
		dmarc_buf_add(out, p, 1);
	}
	dmarc_buf_add(out, "\"", 1);
}

/* dmarc_mail_subject - 3.5.2's dmarc-subject, folded where it is long */
static void
dmarc_mail_subject(struct dmarc_buf *out, const struct dmarc_mail_meta *m)
{
	size_t start = out->len;

	dmarc_buf_printf(out, "Subject: Report Domain: %s", m->policy_domain);
	if (out->len - start + strlen(m->receiver) + 12 > 78) {
		dmarc_buf_str(out, "\n");
		start = out->len;
	}
	dmarc_buf_printf(out, " Submitter: %s", m->receiver);
	if (out->len - start + strlen(m->report_id) + 14 > 78)
		dmarc_buf_str(out, "\n");
	dmarc_buf_printf(out, " Report-ID: <%s>\n", m->report_id);
}

/* dmarc_mail_build - see dmarc_mail.h */
void
dmarc_mail_build(const struct dmarc_mail_meta *m, const void *gz,
		 size_t gzlen, struct dmarc_buf *out)
{
	char date[64], from[32], until[32];
	struct tm tm;

	gmtime_r(&m->now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	gmtime_r(&m->begin, &tm);
	strftime(from, sizeof(from), "%Y-%m-%d %H:%M:%S", &tm);
	gmtime_r(&m->end, &tm);
	strftime(until, sizeof(until), "%Y-%m-%d %H:%M:%S", &tm);

	dmarc_buf_str(out, "From: ");
	if (m->org_name[0] != '\0') {
		dmarc_mail_display_name(out, m->org_name);
		dmarc_buf_str(out, " ");
	}
	dmarc_buf_printf(out, "<%s>\n", m->from);
	dmarc_buf_printf(out, "To: <%s>\n", m->to);
	dmarc_buf_printf(out, "Date: %s\n", date);
	dmarc_mail_subject(out, m);
	dmarc_buf_printf(out, "Message-ID: <%s@%s>\n", m->report_id,
			 m->receiver);
	dmarc_buf_str(out, "Auto-Submitted: auto-generated\n");
	dmarc_buf_str(out, "MIME-Version: 1.0\n");
	dmarc_buf_printf(out, "Content-Type: multipart/mixed; "
			 "boundary=\"=_trustmx_%s\"\n\n", m->report_id);
	dmarc_buf_str(out, "This is a DMARC aggregate report in MIME "
		      "format.\n\n");
	dmarc_buf_printf(out, "--=_trustmx_%s\n", m->report_id);
	dmarc_buf_str(out, "Content-Type: text/plain; charset=us-ascii\n"
		      "Content-Transfer-Encoding: 7bit\n\n");
	dmarc_buf_printf(out, "DMARC aggregate report (RFC 9990) for %s\n"
			 "from %s, for %s to %s UTC:\n"
			 "%llu messages in %zu records.\n\n",
			 m->policy_domain, m->receiver, from, until,
			 m->messages, m->records);
	dmarc_buf_printf(out, "--=_trustmx_%s\n", m->report_id);
	dmarc_buf_printf(out, "Content-Type: application/gzip; "
			 "name=\"%s\"\n", m->filename);
	dmarc_buf_printf(out, "Content-Disposition: attachment; "
			 "filename=\"%s\"\n", m->filename);
	dmarc_buf_str(out, "Content-Transfer-Encoding: base64\n\n");
	dmarc_mail_base64(out, gz, gzlen);
	dmarc_buf_printf(out, "\n--=_trustmx_%s--\n", m->report_id);
}
