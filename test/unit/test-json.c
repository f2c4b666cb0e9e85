/*
 * test-json.c - the JSON writer of trustmx(1): string escaping of arbitrary
 * bytes (what a hostile PROXY header can carry) and the commas and nesting
 * of objects and arrays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tmx-test.h"

struct escape_case {
	const char *name;
	const char *in;
	size_t len;
	const char *want;
};

#define S(lit) lit, sizeof(lit) - 1

static const struct escape_case escape_cases[] = {
	{ "empty", S(""), "\"\"" },
	{ "plain", S("smtp"), "\"smtp\"" },
	{ "quote and backslash", S("a\"b\\c"), "\"a\\\"b\\\\c\"" },
	{ "short escapes", S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"" },
	{ "other controls", S("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"" },
	{ "NUL inside", S("a\0b"), "\"a\\u0000b\"" },
	{ "slash kept", S("/run/x.sock"), "\"/run/x.sock\"" },
	{ "2-byte UTF-8 kept", S("\xc3\xa9"), "\"\xc3\xa9\"" },
	{ "3-byte UTF-8 kept", S("\xe2\x82\xac"), "\"\xe2\x82\xac\"" },
	{ "4-byte UTF-8 kept", S("\xf0\x9f\x93\xa7"), "\"\xf0\x9f\x93\xa7\"" },
	{ "U+10FFFF kept", S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"" },
	{ "lone continuation", S("\x80"), "\"\\u0080\"" },
	{ "0xff", S("\xff"), "\"\\u00ff\"" },
	{ "overlong NUL", S("\xc0\x80"), "\"\\u00c0\\u0080\"" },
	{ "overlong 3-byte", S("\xe0\x80\xaf"), "\"\\u00e0\\u0080\\u00af\"" },
	{ "surrogate", S("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"" },
	{ "above U+10FFFF", S("\xf4\x90\x80\x80"),
	  "\"\\u00f4\\u0090\\u0080\\u0080\"" },
	{ "truncated at end", S("a\xe2\x82"), "\"a\\u00e2\\u0082\"" },
	{ "bad then good", S("\xc3(\xc3\xa9"), "\"\\u00c3(\xc3\xa9\"" },
};

/* escaped - json_escape of in/len as a new string */
static char *
escaped(const char *in, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);

	if (fp == NULL)
		return NULL;
	json_escape(fp, in, len);
	fclose(fp);
	return buf;
}

/* test_escape - every row of escape_cases */
static void
test_escape(void)
{
	size_t i;

	for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		const struct escape_case *c = &escape_cases[i];
		char *got = escaped(c->in, c->len);

		TMX_CHECKF(got != NULL && strcmp(got, c->want) == 0,
		    "%s: got %s, want %s", c->name, got ? got : "(null)",
		    c->want);
		free(got);
	}
}

/* test_structure - members, nesting, arrays of objects, hex, numbers */
static void
test_structure(void)
{
	static const unsigned char id[] = { 0x0b, 0xad, 0xc0, 0xde };
	struct json_out j;
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);

	TMX_CHECK(fp != NULL);
	if (fp == NULL)
		return;
	json_init(&j, fp);
	json_object_begin(&j);
	json_kv_string(&j, "status", "ok");
	json_kv_int(&j, "version", 2);
	json_kv_int(&j, "big", 4294967295LL);
	json_kv_bool(&j, "t", true);
	json_kv_bool(&j, "f", false);
	json_kv_hex(&j, "unique_id", id, sizeof(id));
	json_kv_bytes(&j, "raw", "a\0", 2);
	json_key(&j, "empty");
	json_array_begin(&j);
	json_array_end(&j);
	json_key(&j, "tlvs");
	json_array_begin(&j);
	json_object_begin(&j);
	json_kv_int(&j, "type", 1);
	json_kv_int(&j, "len", 4);
	json_object_end(&j);
	json_object_begin(&j);
	json_kv_int(&j, "type", 32);
	json_object_end(&j);
	json_array_end(&j);
	json_kv_string(&j, "after", "x");
	json_object_end(&j);
	fclose(fp);
	TMX_CHECK_STR(buf, "{\"status\":\"ok\",\"version\":2,"
	    "\"big\":4294967295,\"t\":true,\"f\":false,"
	    "\"unique_id\":\"0badc0de\",\"raw\":\"a\\u0000\",\"empty\":[],"
	    "\"tlvs\":[{\"type\":1,\"len\":4},{\"type\":32}],\"after\":\"x\"}");
	free(buf);
}

/* main - both tables; non-zero when a check failed */
int
main(void)
{
	test_escape();
	test_structure();
	return TMX_TEST_END();
}
