/*
 * dmarc_xml.c - the RFC 9990 XML document of one report. Elements come in
 * the order of RFC 9990's tables (3.1.1.2 to 3.1.1.14): the schema wants
 * sequences in <feedback>, <record>, <policy_evaluated> and
 * <auth_results>. Values the record did not publish are written with
 * their defaults (3.1.1.5: "Unspecified tags have their default values").
 */
#include <stdio.h>
#include <string.h>

#include "dmarc_xml.h"

/* dmarc_xml_utf8_len - length of the valid UTF-8 sequence at s, or 0 */
static size_t
dmarc_xml_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* dmarc_xml_text - s escaped as XML character data */
static void
dmarc_xml_text(struct dmarc_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		switch (*p) {
		case '&': dmarc_buf_str(out, "&amp;"); p++; continue;
		case '<': dmarc_buf_str(out, "&lt;"); p++; continue;
		case '>': dmarc_buf_str(out, "&gt;"); p++; continue;
		case '"': dmarc_buf_str(out, "&quot;"); p++; continue;
		default: break;
		}
		n = dmarc_xml_utf8_len(p);
		if (n == 0 || (*p < 0x20 && *p != '\t' && *p != '\n') ||
		    *p == 0x7f) {
			dmarc_buf_add(out, "?", 1);
			p++;
			continue;
		}
		dmarc_buf_add(out, p, n);
		p += n;
	}
}

/* dmarc_xml_elem - <name>text</name> on a line of its own */
static void
dmarc_xml_elem(struct dmarc_buf *out, int depth, const char *name,
	       const char *text)
{
	dmarc_buf_printf(out, "%*s<%s>", 2 * depth, "", name);
	dmarc_xml_text(out, text);
	dmarc_buf_printf(out, "</%s>\n", name);
}

/* dmarc_xml_open, dmarc_xml_close - a container element's tags */
static void
dmarc_xml_open(struct dmarc_buf *out, int depth, const char *name)
{
	dmarc_buf_printf(out, "%*s<%s>\n", 2 * depth, "", name);
}

static void
dmarc_xml_close(struct dmarc_buf *out, int depth, const char *name)
{
	dmarc_buf_printf(out, "%*s</%s>\n", 2 * depth, "", name);
}

/* dmarc_xml_metadata - <report_metadata> (3.1.1.3, 3.1.1.4) */
static void
dmarc_xml_metadata(struct dmarc_buf *out, const struct dmarc_agg_report *rep,
		   const struct dmarc_xml_meta *meta)
{
	char num[32];

	dmarc_xml_open(out, 1, "report_metadata");
	dmarc_xml_elem(out, 2, "org_name", meta->org_name);
	dmarc_xml_elem(out, 2, "email", meta->email);
	dmarc_xml_elem(out, 2, "report_id", meta->report_id);
	dmarc_xml_open(out, 2, "date_range");
	snprintf(num, sizeof(num), "%lld", (long long)rep->begin);
	dmarc_xml_elem(out, 3, "begin", num);
	snprintf(num, sizeof(num), "%lld", (long long)rep->end - 1);
	dmarc_xml_elem(out, 3, "end", num);
	dmarc_xml_close(out, 2, "date_range");
	if (meta->generator != NULL)
		dmarc_xml_elem(out, 2, "generator", meta->generator);
	dmarc_xml_close(out, 1, "report_metadata");
}

/* dmarc_xml_policy - <policy_published> (3.1.1.5) with the defaults of
 * RFC 9989 for what was not published: sp = p, np = sp, r, r, n, 0 */
static void
dmarc_xml_policy(struct dmarc_buf *out, const struct dmarc_agg_report *rep)
{
	const struct dmarc_rec_policy_published *pp = &rep->policy;
	enum dmarc_rec_policy p, sp, np;
	const char *w;

	p = pp->p != DMARC_REC_POLICY_UNSET ? pp->p : DMARC_REC_POLICY_NONE;
	sp = pp->sp != DMARC_REC_POLICY_UNSET ? pp->sp : p;
	np = pp->np != DMARC_REC_POLICY_UNSET ? pp->np : sp;
	dmarc_xml_open(out, 1, "policy_published");
	dmarc_xml_elem(out, 2, "domain", rep->policy_domain);
	if ((w = dmarc_rec_discovery_str(pp->discovery)) != NULL)
		dmarc_xml_elem(out, 2, "discovery_method", w);
	dmarc_xml_elem(out, 2, "p", dmarc_rec_policy_str(p));
	dmarc_xml_elem(out, 2, "sp", dmarc_rec_policy_str(sp));
	dmarc_xml_elem(out, 2, "np", dmarc_rec_policy_str(np));
	dmarc_xml_elem(out, 2, "fo", pp->fo[0] ? pp->fo : "0");
	w = dmarc_rec_align_str(pp->adkim);
	dmarc_xml_elem(out, 2, "adkim", w != NULL ? w : "r");
	w = dmarc_rec_align_str(pp->aspf);
	dmarc_xml_elem(out, 2, "aspf", w != NULL ? w : "r");
	w = pp->testing == DMARC_REC_FLAG_Y ? "y" : "n";
	dmarc_xml_elem(out, 2, "testing", w);
	dmarc_xml_close(out, 1, "policy_published");
}

/* dmarc_xml_row - <row> (3.1.1.8, 3.1.1.9, 3.1.1.14) */
static void
dmarc_xml_row(struct dmarc_buf *out, const struct dmarc_agg_row *row)
{
	const struct dmarc_report_rec *rec = &row->rec;
	char num[32];
	unsigned i;

	dmarc_xml_open(out, 2, "row");
	dmarc_xml_elem(out, 3, "source_ip", rec->source_ip);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)row->count);
	dmarc_xml_elem(out, 3, "count", num);
	dmarc_xml_open(out, 3, "policy_evaluated");
	dmarc_xml_elem(out, 4, "disposition",
		       dmarc_rec_disposition_str(rec->disposition));
	dmarc_xml_elem(out, 4, "dkim", rec->dkim_aligned ? "pass" : "fail");
	dmarc_xml_elem(out, 4, "spf", rec->spf_aligned ? "pass" : "fail");
	for (i = 0; i < rec->nreasons; i++) {
		dmarc_xml_open(out, 4, "reason");
		dmarc_xml_elem(out, 5, "type",
			       dmarc_rec_override_str(rec->reasons[i].type));
		if (rec->reasons[i].comment[0] != '\0')
			dmarc_xml_elem(out, 5, "comment",
				       rec->reasons[i].comment);
		dmarc_xml_close(out, 4, "reason");
	}
	dmarc_xml_close(out, 3, "policy_evaluated");
	dmarc_xml_close(out, 2, "row");
}

/* dmarc_xml_identifiers - <identifiers> (3.1.1.10); envelope_from is
 * there, empty, for a null reverse-path */
static void
dmarc_xml_identifiers(struct dmarc_buf *out, const struct dmarc_report_rec *rec)
{
	dmarc_xml_open(out, 2, "identifiers");
	dmarc_xml_elem(out, 3, "header_from", rec->header_from);
	dmarc_xml_elem(out, 3, "envelope_from", rec->envelope_from);
	if (rec->envelope_to[0] != '\0')
		dmarc_xml_elem(out, 3, "envelope_to", rec->envelope_to);
	dmarc_xml_close(out, 2, "identifiers");
}

/* dmarc_xml_auth - <auth_results> (3.1.1.11-13): the DKIM results in the
 * order dmarc_rec_check gave them (3.1.3), SPF only for MAIL FROM */
static void
dmarc_xml_auth(struct dmarc_buf *out, const struct dmarc_report_rec *rec)
{
	unsigned i;

	dmarc_xml_open(out, 2, "auth_results");
	for (i = 0; i < rec->ndkim; i++) {
		dmarc_xml_open(out, 3, "dkim");
		dmarc_xml_elem(out, 4, "domain", rec->dkim[i].domain);
		dmarc_xml_elem(out, 4, "selector", rec->dkim[i].selector);
		dmarc_xml_elem(out, 4, "result",
			       dmarc_rec_auth_str(rec->dkim[i].result));
		dmarc_xml_close(out, 3, "dkim");
	}
	if (rec->spf.domain[0] != '\0' &&
	    rec->spf.scope == DMARC_REC_SCOPE_MFROM) {
		dmarc_xml_open(out, 3, "spf");
		dmarc_xml_elem(out, 4, "domain", rec->spf.domain);
		dmarc_xml_elem(out, 4, "scope", "mfrom");
		dmarc_xml_elem(out, 4, "result",
			       dmarc_rec_auth_str(rec->spf.result));
		dmarc_xml_close(out, 3, "spf");
	}
	dmarc_xml_close(out, 2, "auth_results");
}

/* dmarc_xml_write - see dmarc_xml.h */
void
dmarc_xml_write(const struct dmarc_agg_report *rep,
		const struct dmarc_xml_meta *meta, struct dmarc_buf *out)
{
	size_t i;

	dmarc_buf_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	dmarc_buf_str(out, "<feedback xmlns=\"" DMARC_XML_NAMESPACE "\">\n");
	dmarc_xml_elem(out, 1, "version", DMARC_XML_VERSION);
	dmarc_xml_metadata(out, rep, meta);
	dmarc_xml_policy(out, rep);
	for (i = 0; i < rep->nrows; i++) {
		dmarc_xml_open(out, 1, "record");
		dmarc_xml_row(out, &rep->rows[i]);
		dmarc_xml_identifiers(out, &rep->rows[i].rec);
		dmarc_xml_auth(out, &rep->rows[i].rec);
		dmarc_xml_close(out, 1, "record");
	}
	dmarc_buf_str(out, "</feedback>\n");
}
