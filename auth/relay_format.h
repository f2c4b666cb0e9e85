/*
 * relay_format.h - which Received layout each trusted relay writes, from
 * trustmx.conf's relay_format: "auto" (recognise by structure, refuse
 * ambiguity), one family name for every relay, and FORMAT:PREFIX words
 * for relays that differ, e.g. "auto, exim:198.51.100.0/24".
 */
#ifndef TMX_RELAY_FORMAT_H
#define TMX_RELAY_FORMAT_H

#include <stddef.h>

#include <trustmx/addr.h>

#include "received.h"

struct relay_format;

/*
 * relay_format_parse - compile a relay_format value; 0 and *rf_r, or -1
 * with a reason in err (an unknown family, a bad prefix, host bits set,
 * two defaults).
 */
int relay_format_parse(const char *value, struct relay_format **rf_r,
		       char *err, size_t errlen);

void relay_format_free(struct relay_format *rf);

/* relay_format_for - the layout to read relay's lines as (NULL rf: auto) */
enum received_format relay_format_for(const struct relay_format *rf,
				      const struct tmx_addr *relay);

#endif
