/*
 * dmarc_xml.h - an aggregate report as RFC 9990 XML (namespace
 * urn:ietf:params:xml:ns:dmarc-2.0, the schema of its Appendix A).
 */
#ifndef TMX_DMARC_XML_H
#define TMX_DMARC_XML_H

#include <time.h>

#include "dmarc_agg.h"
#include "dmarc_buf.h"

#define DMARC_XML_NAMESPACE	"urn:ietf:params:xml:ns:dmarc-2.0"
#define DMARC_XML_VERSION	"1.0"	/* RFC 9990 3.1.1.2 */

/* What the report says about its writer */
struct dmarc_xml_meta {
	const char *org_name;	/* dmarc_report_org_name */
	const char *email;	/* dmarc_report_email */
	const char *report_id;	/* without angle brackets */
	const char *generator;	/* "trustmx 0.1.0" */
};

/*
 * dmarc_xml_write - the whole document, appended to out. date_range is
 * rep->begin and rep->end - 1 (the last second of the period, as in RFC
 * 9990's own sample). Text is escaped, and bytes XML cannot carry are
 * replaced by '?'.
 */
void dmarc_xml_write(const struct dmarc_agg_report *rep,
		     const struct dmarc_xml_meta *meta, struct dmarc_buf *out);

#endif
