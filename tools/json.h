/*
 * json.h - the smallest JSON writer trustmx(1) needs: one object per line,
 * strings from arbitrary bytes (valid UTF-8 passes through, everything else
 * is escaped), so hostile header contents can never break the output.
 */
#ifndef TRUSTMX_TOOLS_JSON_H
#define TRUSTMX_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

/* A writer; zero it with json_init before use. */
struct json_out {
	FILE *fp;
	int depth;
	bool need_comma[JSON_DEPTH_MAX];
	bool after_key;
};

void json_init(struct json_out *j, FILE *fp);

/* Containers; at top level or after json_key */
void json_object_begin(struct json_out *j);
void json_object_end(struct json_out *j);
void json_array_begin(struct json_out *j);
void json_array_end(struct json_out *j);

/* json_key - the name of the next member of the current object */
void json_key(struct json_out *j, const char *name);

/* Values */
void json_string(struct json_out *j, const char *s);
void json_bytes(struct json_out *j, const void *ptr, size_t len);
void json_hex(struct json_out *j, const void *ptr, size_t len);
void json_int(struct json_out *j, long long n);
void json_bool(struct json_out *j, bool b);

/* Members: json_key plus a value */
void json_kv_string(struct json_out *j, const char *name, const char *s);
void json_kv_bytes(struct json_out *j, const char *name, const void *ptr,
		   size_t len);
void json_kv_hex(struct json_out *j, const char *name, const void *ptr,
		 size_t len);
void json_kv_int(struct json_out *j, const char *name, long long n);
void json_kv_bool(struct json_out *j, const char *name, bool b);

/* json_escape - write ptr/len as a quoted JSON string to fp */
void json_escape(FILE *fp, const void *ptr, size_t len);

/* json_utf8_len - length of the valid UTF-8 sequence at p, 0 if none */
size_t json_utf8_len(const uint8_t *p, size_t len);

#endif
