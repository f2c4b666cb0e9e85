/*
 * prom_text.c - the Prometheus text format 0.0.4 read line by line into a
 * caller-owned sample: "# HELP name text", "# TYPE name kind", other
 * comments, blank lines, and samples name{label="value",...} value [ts].
 * Anything else, or anything over a bound, is an error naming the line.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom_text.h"

/* The state of one line being read */
struct prom_text_cursor {
	const char *p;
	const char *end;
};

/* prom_text_name_start - may c begin a metric name (colon allowed)? */
static int
prom_text_name_start(int c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (colon && c == ':');
}

/* prom_text_name_char - may c continue a name? */
static int
prom_text_name_char(int c, int colon)
{
	return prom_text_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* prom_text_blank - skip spaces and tabs; the number skipped */
static size_t
prom_text_blank(struct prom_text_cursor *c)
{
	const char *from = c->p;

	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	return (size_t)(c->p - from);
}

/* prom_text_name - a metric (colon) or label name into out; -1 if none */
static int
prom_text_name(struct prom_text_cursor *c, int colon, char *out,
	       const char **error_r)
{
	size_t n = 0;

	if (c->p >= c->end || !prom_text_name_start((unsigned char)*c->p,
	    colon)) {
		*error_r = colon ? "expected a metric name" :
		    "expected a label name";
		return -1;
	}
	while (c->p < c->end && prom_text_name_char((unsigned char)*c->p,
	    colon)) {
		if (n == PROM_TEXT_NAME_MAX) {
			*error_r = "name too long";
			return -1;
		}
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return 0;
}

/* prom_text_quoted - a "label value" with \\ \" \n escapes into out */
static int
prom_text_quoted(struct prom_text_cursor *c, char *out, const char **error_r)
{
	size_t n = 0;

	if (c->p >= c->end || *c->p != '"') {
		*error_r = "expected a quoted label value";
		return -1;
	}
	c->p++;
	for (;;) {
		char ch;

		if (c->p >= c->end) {
			*error_r = "unterminated label value";
			return -1;
		}
		ch = *c->p++;
		if (ch == '"')
			break;
		if (ch == '\0') {
			*error_r = "NUL byte in a label value";
			return -1;
		}
		if (ch == '\\') {
			if (c->p >= c->end) {
				*error_r = "unterminated label value";
				return -1;
			}
			ch = *c->p++;
			if (ch == 'n')
				ch = '\n';
			else if (ch != '\\' && ch != '"') {
				*error_r = "invalid escape in a label value";
				return -1;
			}
		}
		if (n == PROM_TEXT_VALUE_MAX) {
			*error_r = "label value too long";
			return -1;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	return 0;
}

/* prom_text_labels - {name="value",...}; at most PROM_TEXT_LABELS_MAX */
static int
prom_text_labels(struct prom_text_cursor *c, struct prom_text_sample *s,
		 const char **error_r)
{
	c->p++;		/* '{' */
	for (;;) {
		struct prom_text_label *l;

		prom_text_blank(c);
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return 0;
		}
		if (s->nlabels == PROM_TEXT_LABELS_MAX) {
			*error_r = "too many labels";
			return -1;
		}
		l = &s->label[s->nlabels];
		if (prom_text_name(c, 0, l->name, error_r) < 0)
			return -1;
		for (unsigned i = 0; i < s->nlabels; i++)
			if (strcmp(s->label[i].name, l->name) == 0) {
				*error_r = "duplicate label name";
				return -1;
			}
		prom_text_blank(c);
		if (c->p >= c->end || *c->p != '=') {
			*error_r = "expected '=' after a label name";
			return -1;
		}
		c->p++;
		prom_text_blank(c);
		if (prom_text_quoted(c, l->value, error_r) < 0)
			return -1;
		s->nlabels++;
		prom_text_blank(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return 0;
		}
		*error_r = "expected ',' or '}' after a label";
		return -1;
	}
}

/* prom_text_token - the next run of non-blank bytes, at most max; its length */
static size_t
prom_text_token(struct prom_text_cursor *c, char *out, size_t max)
{
	size_t n = 0;

	while (c->p < c->end && *c->p != ' ' && *c->p != '\t') {
		if (n == max)
			return max + 1;
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return n;
}

/* prom_text_float - a Go ParseFloat-style value, decimal only; -1 if not */
static int
prom_text_float(const char *t, double *value_r)
{
	const char *p = t;
	char *end;
	int digits = 0;

	if (strcmp(t, "NaN") == 0) {
		*value_r = NAN;
		return 0;
	}
	if (strcmp(t, "+Inf") == 0 || strcmp(t, "Inf") == 0) {
		*value_r = INFINITY;
		return 0;
	}
	if (strcmp(t, "-Inf") == 0) {
		*value_r = -INFINITY;
		return 0;
	}
	/* [+-]digits[.digits][e[+-]digits]: no hex, no "inf"/"nan" words */
	if (*p == '+' || *p == '-')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	}
	if (digits == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return -1;
	errno = 0;
	*value_r = strtod(t, &end);
	if (*end != '\0')
		return -1;
	return 0;	/* overflow gives +-HUGE_VAL = Inf, as Go does */
}

/* prom_text_timestamp - an optional integer of milliseconds */
static int
prom_text_timestamp(const char *t, int64_t *ts_r)
{
	const char *p = t;
	char *end;
	long long v;

	if (*p == '-')
		p++;
	if (*p == '\0')
		return -1;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	v = strtoll(t, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return -1;
	*ts_r = v;
	return 0;
}

/* prom_text_sample_line - a sample line into s */
static int
prom_text_sample_line(struct prom_text_cursor *c, struct prom_text_sample *s,
		      const char **error_r)
{
	char tok[64];
	size_t n, blanks;

	s->nlabels = 0;
	s->has_timestamp = false;
	s->timestamp_ms = 0;
	if (prom_text_name(c, 1, s->name, error_r) < 0)
		return -1;
	blanks = prom_text_blank(c);
	if (c->p < c->end && *c->p == '{') {
		if (prom_text_labels(c, s, error_r) < 0)
			return -1;
		blanks = prom_text_blank(c);
	}
	if (blanks == 0 && c->p < c->end) {
		*error_r = "expected a blank before the value";
		return -1;
	}
	n = prom_text_token(c, tok, sizeof(tok) - 1);
	if (n == 0) {
		*error_r = "missing value";
		return -1;
	}
	if (n >= sizeof(tok) || prom_text_float(tok, &s->value) < 0) {
		*error_r = "invalid value";
		return -1;
	}
	prom_text_blank(c);
	if (c->p == c->end)
		return 0;
	n = prom_text_token(c, tok, sizeof(tok) - 1);
	if (n >= sizeof(tok) || prom_text_timestamp(tok, &s->timestamp_ms) < 0) {
		*error_r = "invalid timestamp";
		return -1;
	}
	s->has_timestamp = true;
	prom_text_blank(c);
	if (c->p != c->end) {
		*error_r = "text after the timestamp";
		return -1;
	}
	return 0;
}

/* prom_text_type_word - a TYPE line's kind; -1 if not one */
static int
prom_text_type_word(const char *w, size_t len)
{
	static const char *const kinds[] = {
		[PROM_TEXT_UNTYPED] = "untyped",
		[PROM_TEXT_COUNTER] = "counter",
		[PROM_TEXT_GAUGE] = "gauge",
		[PROM_TEXT_HISTOGRAM] = "histogram",
		[PROM_TEXT_SUMMARY] = "summary",
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i]) == len && memcmp(kinds[i], w, len) == 0)
			return (int)i;
	return -1;
}

/* prom_text_comment - "# HELP name text", "# TYPE name kind" or other */
static int
prom_text_comment(struct prom_text_cursor *c, struct prom_text_sample *s,
		  const char **error_r)
{
	const char *kw;
	size_t kwlen;

	c->p++;		/* '#' */
	prom_text_blank(c);
	kw = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
		c->p++;
	kwlen = (size_t)(c->p - kw);
	if (kwlen == 4 && memcmp(kw, "HELP", 4) == 0) {
		if (prom_text_blank(c) == 0 ||
		    prom_text_name(c, 1, s->name, error_r) < 0) {
			*error_r = "HELP without a metric name";
			return -1;
		}
		/* the docstring: \\ and \n are the only escapes */
		if (c->p < c->end && prom_text_blank(c) == 0) {
			*error_r = "HELP name not followed by a blank";
			return -1;
		}
		for (const char *p = c->p; p < c->end; p++)
			if (*p == '\\' && (p + 1 == c->end ||
			    (p[1] != '\\' && p[1] != 'n'))) {
				*error_r = "invalid escape in HELP text";
				return -1;
			} else if (*p == '\\')
				p++;
		return 0;
	}
	if (kwlen == 4 && memcmp(kw, "TYPE", 4) == 0) {
		const char *w;

		if (prom_text_blank(c) == 0 ||
		    prom_text_name(c, 1, s->name, error_r) < 0 ||
		    prom_text_blank(c) == 0) {
			*error_r = "TYPE without a metric name and a kind";
			return -1;
		}
		w = c->p;
		while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
			c->p++;
		if (prom_text_type_word(w, (size_t)(c->p - w)) < 0) {
			*error_r = "unknown TYPE";
			return -1;
		}
		prom_text_blank(c);
		if (c->p != c->end) {
			*error_r = "text after the TYPE";
			return -1;
		}
		return 0;
	}
	return 0;	/* any other comment */
}

/* prom_text_parse - every line of buf; see prom_text.h */
int
prom_text_parse(const char *buf, size_t len, prom_text_sample_fn *fn,
		void *ctx, const char **error_r, unsigned *line_r)
{
	struct prom_text_sample s;
	const char *p = buf, *end = buf + len;
	unsigned line = 0;

	*error_r = NULL;
	*line_r = 0;
	if (len > PROM_TEXT_SIZE_MAX) {
		*error_r = "scrape too large";
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		struct prom_text_cursor c = { p, eol };
		int rc;

		*line_r = ++line;
		if ((size_t)(eol - p) > PROM_TEXT_LINE_MAX) {
			*error_r = "line too long";
			return -1;
		}
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL) {
			*error_r = "NUL byte";
			return -1;
		}
		if (memchr(p, '\r', (size_t)(eol - p)) != NULL) {
			*error_r = "carriage return";
			return -1;
		}
		p = nl != NULL ? nl + 1 : end;
		prom_text_blank(&c);
		if (c.p == c.end)
			continue;
		if (*c.p == '#') {
			if (prom_text_comment(&c, &s, error_r) < 0)
				return -1;
			continue;
		}
		if (prom_text_sample_line(&c, &s, error_r) < 0)
			return -1;
		s.line = line;
		if ((rc = fn(ctx, &s)) != 0)
			return rc;
	}
	*line_r = 0;
	return 0;
}

/* prom_text_label_get - a label's value by name */
const char *
prom_text_label_get(const struct prom_text_sample *s, const char *name)
{
	for (unsigned i = 0; i < s->nlabels; i++)
		if (strcmp(s->label[i].name, name) == 0)
			return s->label[i].value;
	return NULL;
}
