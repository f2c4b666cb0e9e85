/*
 * fuzz-conf.c - trustmx.conf text from anywhere: conf_parse must either
 * fail with a "name:line: reason" message or give values every accessor
 * can read, and never crash, leak or loop on $references.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_conf_read - read every key back the way the programs do */
static void
fuzz_conf_read(const struct conf *conf)
{
	const struct conf_listen *l;
	const char *name;
	size_t i, n;

	for (i = 0; (name = conf_key(i, NULL)) != NULL; i++) {
		char **words = conf_words(conf_str(conf, name));

		if (conf_where(conf, name) == NULL)
			abort();
		conf_words_free(words);
	}
	l = conf_listen(conf, "policy_listen", &n);
	for (i = 0; i < n; i++)
		if (l[i].text == NULL)
			abort();
	if (conf_time(conf, "spf_refresh_min") >
	    conf_time(conf, "spf_refresh_max"))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct conf *conf;

	conf = conf_parse("fuzz.cf", (const char *)data, size, err,
			  sizeof(err));
	if (conf == NULL) {
		if (strncmp(err, "fuzz.cf:", 8) != 0)
			abort();	/* every error names the file */
		return 0;
	}
	fuzz_conf_read(conf);
	conf_free(conf);
	return 0;
}
