/*
 * test-prom-text.c - the Prometheus text reader of "trustmx status": what
 * each valid line gives (names, unescaped label values, NaN/Inf, optional
 * timestamps) and the exact reason and line for each hostile one (bounds
 * on lines, names, label values and counts; escapes; NUL and CR; values).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_text.h"
#include "tmx-test.h"

struct prom_case {
	const char *name;
	const char *in;		/* NULL: built by the test (long inputs) */
	int rc;			/* 0 or -1 */
	const char *error;	/* the reason when -1 */
	unsigned line;		/* the line when -1 */
	const char *want;	/* the samples, rendered by test_render */
};

/* What the callback saw, rendered "name{a=v,...} value [@ts];" */
static char rendered[8192];

/* test_value - a value as the test writes it */
static void
test_value(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, "%sInf", v > 0 ? "+" : "-");
	else
		snprintf(buf, len, "%.17g", v);
}

/* test_render - prom_text_parse's callback: append the sample */
static int
test_render(void *ctx, const struct prom_text_sample *s)
{
	size_t n = strlen(rendered);
	char v[64];

	(void)ctx;
	n += (size_t)snprintf(rendered + n, sizeof(rendered) - n, "%s",
	    s->name);
	if (s->nlabels) {
		for (unsigned i = 0; i < s->nlabels; i++)
			n += (size_t)snprintf(rendered + n, sizeof(rendered) - n,
			    "%c%s=%s", i ? ',' : '{', s->label[i].name,
			    s->label[i].value);
		n += (size_t)snprintf(rendered + n, sizeof(rendered) - n, "}");
	}
	test_value(v, sizeof(v), s->value);
	n += (size_t)snprintf(rendered + n, sizeof(rendered) - n, " %s", v);
	if (s->has_timestamp)
		n += (size_t)snprintf(rendered + n, sizeof(rendered) - n,
		    " @%lld", (long long)s->timestamp_ms);
	snprintf(rendered + n, sizeof(rendered) - n, ";");
	return 0;
}

static const struct prom_case cases[] = {
	/* valid */
	{ "empty", "", 0, NULL, 0, "" },
	{ "blank lines and comments", "\n  \n# just a comment\n#\n", 0, NULL,
	  0, "" },
	{ "plain sample", "up 1\n", 0, NULL, 0, "up 1;" },
	{ "no final newline", "up 1", 0, NULL, 0, "up 1;" },
	{ "colon in metric name", "job:up:sum 2\n", 0, NULL, 0,
	  "job:up:sum 2;" },
	{ "labels", "m{a=\"x\",b=\"y\"} 3\n", 0, NULL, 0, "m{a=x,b=y} 3;" },
	{ "trailing comma", "m{a=\"x\",} 3\n", 0, NULL, 0, "m{a=x} 3;" },
	{ "empty labels", "m{} 3\n", 0, NULL, 0, "m 3;" },
	{ "blanks around labels", "m { a = \"x\" , b=\"\" } 3\n", 0, NULL, 0,
	  "m{a=x,b=} 3;" },
	{ "escapes", "m{a=\"q\\\"b\\\\n\\n\"} 1\n", 0, NULL, 0,
	  "m{a=q\"b\\n\n} 1;" },
	{ "braces and # in values", "m{a=\"}{#,=\"} 1\n", 0, NULL, 0,
	  "m{a=}{#,=} 1;" },
	{ "UTF-8 value", "m{a=\"\xc3\xa9\"} 1\n", 0, NULL, 0,
	  "m{a=\xc3\xa9} 1;" },
	{ "NaN", "m NaN\n", 0, NULL, 0, "m NaN;" },
	{ "+Inf", "m +Inf\n", 0, NULL, 0, "m +Inf;" },
	{ "Inf", "m Inf\n", 0, NULL, 0, "m +Inf;" },
	{ "-Inf", "m -Inf\n", 0, NULL, 0, "m -Inf;" },
	{ "le=+Inf bucket", "h_bucket{le=\"+Inf\"} 7\n", 0, NULL, 0,
	  "h_bucket{le=+Inf} 7;" },
	{ "exponent", "m 1.5e3\n", 0, NULL, 0, "m 1500;" },
	{ "negative fraction", "m -.25\n", 0, NULL, 0, "m -0.25;" },
	{ "huge is Inf", "m 1e999\n", 0, NULL, 0, "m +Inf;" },
	{ "timestamp", "m 1 1700000000000\n", 0, NULL, 0,
	  "m 1 @1700000000000;" },
	{ "negative timestamp", "m 1 -5\n", 0, NULL, 0, "m 1 @-5;" },
	{ "tabs", "m\t2\t3\n", 0, NULL, 0, "m 2 @3;" },
	{ "HELP and TYPE", "# HELP m Some \\\\ help\\n.\n# TYPE m counter\n"
	  "m 1\n", 0, NULL, 0, "m 1;" },
	{ "HELP without text", "# HELP m\n", 0, NULL, 0, "" },
	{ "every TYPE", "# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram"
	  "\n# TYPE d summary\n# TYPE e untyped\n", 0, NULL, 0, "" },
	{ "several", "a 1\nb{x=\"1\"} 2\n\nc 3\n", 0, NULL, 0,
	  "a 1;b{x=1} 2;c 3;" },

	/* hostile */
	{ "no value", "m\n", -1, "missing value", 1, "" },
	{ "no value after labels", "m{a=\"b\"}\n", -1, "missing value", 1,
	  "" },
	{ "no blank before value", "m{a=\"b\"}1\n", -1,
	  "expected a blank before the value", 1, "" },
	{ "digit first", "1m 1\n", -1, "expected a metric name", 1, "" },
	{ "dash in name", "a-b 1\n", -1, "expected a blank before the value",
	  1, "" },
	{ "colon in label name", "m{a:b=\"x\"} 1\n", -1,
	  "expected '=' after a label name", 1, "" },
	{ "unquoted label value", "m{a=x} 1\n", -1,
	  "expected a quoted label value", 1, "" },
	{ "single quotes", "m{a='x'} 1\n", -1,
	  "expected a quoted label value", 1, "" },
	{ "unterminated value", "m{a=\"x} 1\n", -1,
	  "unterminated label value", 1, "" },
	{ "unterminated labels", "m{a=\"x\" 1\n", -1,
	  "expected ',' or '}' after a label", 1, "" },
	{ "bad escape", "m{a=\"\\t\"} 1\n", -1,
	  "invalid escape in a label value", 1, "" },
	{ "backslash at end", "m{a=\"\\", -1, "unterminated label value", 1,
	  "" },
	{ "duplicate label", "m{a=\"1\",a=\"2\"} 1\n", -1,
	  "duplicate label name", 1, "" },
	{ "double comma", "m{a=\"1\",,} 1\n", -1, "expected a label name", 1,
	  "" },
	{ "hex value", "m 0x10\n", -1, "invalid value", 1, "" },
	{ "word value", "m one\n", -1, "invalid value", 1, "" },
	{ "nan lower case", "m nan\n", -1, "invalid value", 1, "" },
	{ "infinity word", "m Infinity\n", -1, "invalid value", 1, "" },
	{ "sign only", "m -\n", -1, "invalid value", 1, "" },
	{ "bad exponent", "m 1e\n", -1, "invalid value", 1, "" },
	{ "float timestamp", "m 1 1.5\n", -1, "invalid timestamp", 1, "" },
	{ "timestamp overflow", "m 1 99999999999999999999\n", -1,
	  "invalid timestamp", 1, "" },
	{ "text after timestamp", "m 1 2 3\n", -1, "text after the timestamp",
	  1, "" },
	{ "CR line ending", "m 1\r\n", -1, "carriage return", 1, "" },
	{ "error on line 3", "a 1\n\nb{ 2\n", -1, "expected a label name", 3,
	  "a 1;" },
	{ "unknown TYPE", "# TYPE m countr\n", -1, "unknown TYPE", 1, "" },
	{ "TYPE without kind", "# TYPE m\n", -1,
	  "TYPE without a metric name and a kind", 1, "" },
	{ "TYPE trailing text", "# TYPE m gauge x\n", -1,
	  "text after the TYPE", 1, "" },
	{ "TYPE bad name", "# TYPE 9m gauge\n", -1,
	  "TYPE without a metric name and a kind", 1, "" },
	{ "HELP bad escape", "# HELP m a \\t b\n", -1,
	  "invalid escape in HELP text", 1, "" },
	{ "HELP name glued", "# HELP m-x help\n", -1,
	  "HELP name not followed by a blank", 1, "" },
	/* built below: bounds */
	{ "line too long", NULL, -1, "line too long", 1, "" },
	{ "name too long", NULL, -1, "name too long", 1, "" },
	{ "label value too long", NULL, -1, "label value too long", 1, "" },
	{ "too many labels", NULL, -1, "too many labels", 1, "" },
	{ "label value at the bound", NULL, 0, NULL, 0, NULL },
	{ "NUL byte", NULL, -1, "NUL byte", 2, "a 1;" },
};

/* test_build - the inputs too long to write out */
static size_t
test_build(const char *name, char *buf, size_t cap)
{
	size_t n = 0;

	if (strcmp(name, "line too long") == 0) {
		n = (size_t)snprintf(buf, cap, "m{a=\"");
		while (n < PROM_TEXT_LINE_MAX)
			buf[n++] = 'x';
		n += (size_t)snprintf(buf + n, cap - n, "\"} 1\n");
	} else if (strcmp(name, "name too long") == 0) {
		while (n < PROM_TEXT_NAME_MAX + 1)
			buf[n++] = 'm';
		n += (size_t)snprintf(buf + n, cap - n, " 1\n");
	} else if (strcmp(name, "label value too long") == 0 ||
	    strcmp(name, "label value at the bound") == 0) {
		size_t len = PROM_TEXT_VALUE_MAX +
		    (strcmp(name, "label value too long") == 0);

		n = (size_t)snprintf(buf, cap, "m{a=\"");
		for (size_t i = 0; i < len; i++)
			buf[n++] = 'v';
		n += (size_t)snprintf(buf + n, cap - n, "\"} 1\n");
	} else if (strcmp(name, "too many labels") == 0) {
		n = (size_t)snprintf(buf, cap, "m{");
		for (int i = 0; i <= PROM_TEXT_LABELS_MAX; i++)
			n += (size_t)snprintf(buf + n, cap - n, "l%d=\"x\",", i);
		n += (size_t)snprintf(buf + n, cap - n, "} 1\n");
	} else if (strcmp(name, "NUL byte") == 0) {
		memcpy(buf, "a 1\nb\0 2\n", 9);
		n = 9;
	}
	return n;
}

/* test_stop - a callback that stops the parse at the second sample */
static int
test_stop(void *ctx, const struct prom_text_sample *s)
{
	int *count = ctx;

	(void)s;
	return ++*count == 2 ? 7 : 0;
}

int
main(void)
{
	static char buf[2 * PROM_TEXT_LINE_MAX];
	const char *error;
	unsigned line;
	int count = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct prom_case *c = &cases[i];
		const char *in = c->in;
		size_t len = in != NULL ? strlen(in) : 0;
		int rc;

		if (in == NULL) {
			len = test_build(c->name, buf, sizeof(buf));
			in = buf;
		}
		rendered[0] = '\0';
		rc = prom_text_parse(in, len, test_render, NULL, &error, &line);
		TMX_CHECKF(rc == c->rc, "%s: rc %d", c->name, rc);
		if (c->rc == 0) {
			TMX_CHECKF(error == NULL && line == 0, "%s: %s", c->name,
			    error ? error : "");
		} else {
			TMX_CHECKF(error != NULL &&
			    strcmp(error, c->error) == 0, "%s: error \"%s\"",
			    c->name, error ? error : "(null)");
			TMX_CHECKF(line == c->line, "%s: line %u", c->name,
			    line);
		}
		if (c->want != NULL)
			TMX_CHECKF(strcmp(rendered, c->want) == 0,
			    "%s: got \"%s\"", c->name, rendered);
	}

	/* the value at the bound arrives whole */
	rendered[0] = '\0';
	TMX_CHECK(prom_text_parse(buf, test_build("label value at the bound",
	    buf, sizeof(buf)), test_render, NULL, &error, &line) == 0);
	TMX_CHECK(strlen(rendered) == strlen("m{a=} 1;") +
	    PROM_TEXT_VALUE_MAX);

	/* a callback's non-zero return stops the parse and is returned */
	TMX_CHECK(prom_text_parse("a 1\nb 2\nc 3\n", 12, test_stop, &count,
	    &error, &line) == 7);
	TMX_CHECK(count == 2);

	/* the whole-scrape bound comes before any line is read */
	TMX_CHECK(prom_text_parse("a 1\n", PROM_TEXT_SIZE_MAX + 1,
	    test_render, NULL, &error, &line) == -1);
	TMX_CHECK_STR(error, "scrape too large");

	/* label lookup */
	{
		struct prom_text_sample s = { .nlabels = 2 };

		strcpy(s.label[0].name, "daemon");
		strcpy(s.label[0].value, "milter");
		strcpy(s.label[1].name, "le");
		strcpy(s.label[1].value, "+Inf");
		TMX_CHECK_STR(prom_text_label_get(&s, "le"), "+Inf");
		TMX_CHECK(prom_text_label_get(&s, "dae") == NULL);
	}
	return TMX_TEST_END();
}
