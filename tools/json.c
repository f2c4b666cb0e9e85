/*
 * json.c - a tiny JSON writer for trustmx(1). Strings come from the wire,
 * so every byte is judged: valid UTF-8 is copied, quotes, backslashes and
 * control characters are escaped, and any other byte becomes \u00XX.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"

/* json_init - a writer for fp, before any value */
void
json_init(struct json_out *j, FILE *fp)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
}

/* json_sep - the comma between members or elements, unless after a key */
static void
json_sep(struct json_out *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->fp);
	j->need_comma[j->depth] = true;
}

/* json_open - start a container with character c */
static void
json_open(struct json_out *j, int c)
{
	json_sep(j);
	fputc(c, j->fp);
	if (j->depth < JSON_DEPTH_MAX - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

/* json_close - end a container with character c */
static void
json_close(struct json_out *j, int c)
{
	fputc(c, j->fp);
	if (j->depth > 0)
		j->depth--;
}

/* json_object_begin - "{" */
void
json_object_begin(struct json_out *j)
{
	json_open(j, '{');
}

/* json_object_end - "}" */
void
json_object_end(struct json_out *j)
{
	json_close(j, '}');
}

/* json_array_begin - "[" */
void
json_array_begin(struct json_out *j)
{
	json_open(j, '[');
}

/* json_array_end - "]" */
void
json_array_end(struct json_out *j)
{
	json_close(j, ']');
}

/* json_key - "name": the next value belongs to it */
void
json_key(struct json_out *j, const char *name)
{
	json_sep(j);
	json_escape(j->fp, name, strlen(name));
	fputc(':', j->fp);
	j->after_key = true;
}

/* json_utf8_len - length of the valid UTF-8 sequence at p, 0 if none */
size_t
json_utf8_len(const uint8_t *p, size_t len)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (len == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4;
	else
		return 0;	/* continuation byte, overlong lead, or > U+10FFFF */
	/* RFC 3629: the second byte's range excludes overlongs and surrogates */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (len < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

/* json_escape_byte - one byte that cannot appear as itself */
static void
json_escape_byte(FILE *fp, uint8_t c)
{
	switch (c) {
	case '"':
		fputs("\\\"", fp);
		break;
	case '\\':
		fputs("\\\\", fp);
		break;
	case '\b':
		fputs("\\b", fp);
		break;
	case '\f':
		fputs("\\f", fp);
		break;
	case '\n':
		fputs("\\n", fp);
		break;
	case '\r':
		fputs("\\r", fp);
		break;
	case '\t':
		fputs("\\t", fp);
		break;
	default:
		fprintf(fp, "\\u%04x", c);
		break;
	}
}

/* json_escape - write ptr/len as a quoted JSON string to fp */
void
json_escape(FILE *fp, const void *ptr, size_t len)
{
	const uint8_t *p = ptr;
	size_t i = 0, n;

	fputc('"', fp);
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
			fputc(p[i], fp);
			i++;
		} else if (p[i] >= 0x80 && (n = json_utf8_len(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, fp);
			i += n;
		} else {
			json_escape_byte(fp, p[i]);
			i++;
		}
	}
	fputc('"', fp);
}

/* json_string - a NUL-terminated string value */
void
json_string(struct json_out *j, const char *s)
{
	json_bytes(j, s, strlen(s));
}

/* json_bytes - a string value from arbitrary bytes */
void
json_bytes(struct json_out *j, const void *ptr, size_t len)
{
	json_sep(j);
	json_escape(j->fp, ptr, len);
}

/* json_hex - bytes as a lowercase hex string value */
void
json_hex(struct json_out *j, const void *ptr, size_t len)
{
	const uint8_t *p = ptr;
	size_t i;

	json_sep(j);
	fputc('"', j->fp);
	for (i = 0; i < len; i++)
		fprintf(j->fp, "%02x", p[i]);
	fputc('"', j->fp);
}

/* json_int - a number value */
void
json_int(struct json_out *j, long long n)
{
	json_sep(j);
	fprintf(j->fp, "%lld", n);
}

/* json_bool - true or false */
void
json_bool(struct json_out *j, bool b)
{
	json_sep(j);
	fputs(b ? "true" : "false", j->fp);
}

/* json_kv_string - "name":"s" */
void
json_kv_string(struct json_out *j, const char *name, const char *s)
{
	json_key(j, name);
	json_string(j, s);
}

/* json_kv_bytes - "name":"bytes, escaped" */
void
json_kv_bytes(struct json_out *j, const char *name, const void *ptr,
	      size_t len)
{
	json_key(j, name);
	json_bytes(j, ptr, len);
}

/* json_kv_hex - "name":"hex" */
void
json_kv_hex(struct json_out *j, const char *name, const void *ptr,
	    size_t len)
{
	json_key(j, name);
	json_hex(j, ptr, len);
}

/* json_kv_int - "name":n */
void
json_kv_int(struct json_out *j, const char *name, long long n)
{
	json_key(j, name);
	json_int(j, n);
}

/* json_kv_bool - "name":true|false */
void
json_kv_bool(struct json_out *j, const char *name, bool b)
{
	json_key(j, name);
	json_bool(j, b);
}
