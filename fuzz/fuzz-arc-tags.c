/*
 * fuzz-arc-tags.c - the RFC 6376 3.2 tag-list parser (ARC-Seal, AMS and
 * key records) on arbitrary bytes: every slice it returns must lie in the
 * input and obey the grammar, no tag twice; base64 values must decode and
 * re-encode to the same bytes; a key record must parse without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_key.h"
#include "dkim_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_space - a byte FWS is made of */
static int
fuzz_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* fuzz_check_tag - one tag against the input it came from */
static void
fuzz_check_tag(const char *buf, size_t size, const struct dkim_tag *t)
{
	uint8_t out[1024], again[1024];
	char enc[1400];
	ssize_t n;

	if (t->namelen == 0 || t->namelen > DKIM_TAG_NAME_MAX ||
	    t->name < buf || t->name + t->namelen > buf + size ||
	    !((t->name[0] >= 'a' && t->name[0] <= 'z') ||
	      (t->name[0] >= 'A' && t->name[0] <= 'Z')))
		abort();
	if (t->raw_start > t->raw_end || t->raw_end > size ||
	    t->value < buf + t->raw_start ||
	    t->value + t->valuelen > buf + t->raw_end ||
	    (t->raw_end < size && buf[t->raw_end] != ';'))
		abort();
	if (t->valuelen > 0 && (fuzz_space(t->value[0]) ||
				fuzz_space(t->value[t->valuelen - 1])))
		abort();
	for (size_t i = 0; i < t->valuelen; i++)
		if (t->value[i] == ';' || (unsigned char)t->value[i] >= 0x7f)
			abort();
	n = dkim_tags_base64(t->value, t->valuelen, out, sizeof(out));
	if (n < 0)
		return;
	dkim_tags_base64_encode(out, (size_t)n, enc);
	if (dkim_tags_base64(enc, strlen(enc), again, sizeof(again)) != n ||
	    memcmp(out, again, (size_t)n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *err = NULL;
	struct dkim_tags tags;
	struct dkim_pubkey key;

	if (dkim_tags_parse(buf, size, &tags, &err) < 0) {
		if (err == NULL)
			abort();
	} else {
		if (tags.count > DKIM_TAGS_MAX)
			abort();
		for (unsigned i = 0; i < tags.count; i++) {
			fuzz_check_tag(buf, size, &tags.tag[i]);
			for (unsigned j = 0; j < i; j++)
				if (tags.tag[j].namelen == tags.tag[i].namelen &&
				    memcmp(tags.tag[j].name, tags.tag[i].name,
					   tags.tag[i].namelen) == 0)
					abort();
		}
	}
	err = NULL;
	if (dkim_key_parse(buf, size, &key, &err) == DKIM_KEY_OK) {
		if (key.pkey == NULL)
			abort();
	} else if (err == NULL || key.pkey != NULL) {
		abort();
	}
	dkim_key_clear(&key);
	return 0;
}
