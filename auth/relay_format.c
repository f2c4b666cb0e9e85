/*
 * relay_format.c - relay_format compiled into a prefix set whose values
 * are Received families; the most specific prefix answers, as for the
 * trust lists, and a relay no prefix names gets the default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrset.h>

#include "conf.h"
#include "log.h"
#include "relay_format.h"
#include "xalloc.h"

struct relay_format {
	enum received_format fallback;
	struct tmx_cidrset *set;	/* values: enum received_format */
};

/* relay_format_family - a family name; -1 with a reason */
static int
relay_format_family(const char *name, size_t len, enum received_format *f_r,
		    char *err, size_t errlen)
{
	char buf[32];

	if (len < sizeof(buf)) {
		memcpy(buf, name, len);
		buf[len] = '\0';
		if (received_format_parse(buf, f_r) == 0)
			return 0;
	}
	snprintf(err, errlen, "relay_format: unknown relay format \"%.*s\" "
		 "(auto, postfix, sendmail, exim, qmail, exchange, halon, "
		 "opensmtpd, courier, communigate, stalwart, haraka, gmail)",
		 (int)(len > 64 ? 64 : len), name);
	return -1;
}

/* relay_format_word - one FORMAT or FORMAT:PREFIX word into rf and b */
static int
relay_format_word(const char *word, struct relay_format *rf, bool *seen,
		  struct tmx_cidrset_builder *b, char *err, size_t errlen)
{
	const char *colon = strchr(word, ':'), *close, *why;
	enum received_format f;
	struct tmx_addr prefix;
	unsigned len;
	char text[TMX_ADDR_STRLEN + 8];

	if (relay_format_family(word, colon ? (size_t)(colon - word) :
				strlen(word), &f, err, errlen) < 0)
		return -1;
	if (colon == NULL) {
		if (*seen) {
			snprintf(err, errlen, "relay_format: two formats "
				 "without a network (\"%s\")", word);
			return -1;
		}
		*seen = true;
		rf->fallback = f;
		return 0;
	}
	/* "[2001:db8::]/32" as in the trust lists */
	if (colon[1] == '[' && (close = strchr(colon, ']')) != NULL)
		snprintf(text, sizeof(text), "%.*s%s",
			 (int)(close - colon - 2), colon + 2, close + 1);
	else
		snprintf(text, sizeof(text), "%s", colon + 1);
	if (tmx_addr_parse_prefix(text, &prefix, &len, &why) < 0 ||
	    tmx_cidrset_builder_add(b, &prefix, len, f, &why) < 0) {
		snprintf(err, errlen, "relay_format: \"%s\": %s", word, why);
		return -1;
	}
	return 0;
}

/* relay_format_parse - see relay_format.h */
int
relay_format_parse(const char *value, struct relay_format **rf_r, char *err,
		   size_t errlen)
{
	struct relay_format *rf = xcalloc(1, sizeof(*rf));
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	char **words = conf_words(value);
	bool seen = false;
	int rc = 0;

	if (b == NULL)
		fatalx("out of memory");
	rf->fallback = RECEIVED_AUTO;
	for (size_t i = 0; words[i] != NULL && rc == 0; i++)
		rc = relay_format_word(words[i], rf, &seen, b, err, errlen);
	conf_words_free(words);
	rf->set = tmx_cidrset_build(b);
	if (rf->set == NULL)
		fatalx("out of memory");
	if (rc < 0) {
		relay_format_free(rf);
		return -1;
	}
	*rf_r = rf;
	return 0;
}

/* relay_format_free - see relay_format.h */
void
relay_format_free(struct relay_format *rf)
{
	if (rf == NULL)
		return;
	tmx_cidrset_free(rf->set);
	free(rf);
}

/* relay_format_for - see relay_format.h */
enum received_format
relay_format_for(const struct relay_format *rf, const struct tmx_addr *relay)
{
	uint32_t value;

	if (rf == NULL)
		return RECEIVED_AUTO;
	if (tmx_cidrset_lookup(rf->set, relay, &value))
		return (enum received_format)value;
	return rf->fallback;
}
