/*
 * cmd_cidr.c - "trustmx cidr lookup TABLE [KEY...]": answer keys from a
 * Postfix cidr_table(5) exactly as "postmap -q - cidr:TABLE" does, same
 * input and output, so the two can be diffed; warnings go to stderr.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trustmx/cidrtab.h>

#include "commands.h"

/* cmd_cidr_usage - the command's synopsis, to fp; returns status */
static int
cmd_cidr_usage(FILE *fp, int status)
{
	fputs("usage: trustmx cidr lookup [--strict] TABLE [KEY...]\n"
	    "\n"
	    "Look KEYs up (one per line on stdin when none are given) in the\n"
	    "Postfix cidr_table TABLE and print \"key<TAB>result\" for each\n"
	    "match, as \"postmap -q - cidr:TABLE\" does. --strict rejects a\n"
	    "table with any line Postfix would skip. Exit status: 0 when a\n"
	    "key matched, 1 when none did, 2 on a usage or table error.\n",
	    fp);
	return status;
}

/* cmd_cidr_warn - a table warning, to stderr */
static void
cmd_cidr_warn(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "trustmx: warning: %s\n", message);
}

/* cmd_cidr_answer - print key and its result if it matches; true if so */
static bool
cmd_cidr_answer(const struct tmx_cidrtab *tab, const char *key)
{
	const char *result = tmx_cidrtab_lookup_key(tab, key);

	if (result == NULL)
		return false;
	printf("%s\t%s\n", key, result);
	return true;
}

/* cmd_cidr_stdin - one key per line, as postmap reads them */
static bool
cmd_cidr_stdin(const struct tmx_cidrtab *tab)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool found = false;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = 0;
		if (cmd_cidr_answer(tab, line))
			found = true;
	}
	free(line);
	return found;
}

/* cmd_cidr_lookup - "lookup [--strict] TABLE [KEY...]" */
static int
cmd_cidr_lookup(int argc, char **argv)
{
	struct tmx_cidrtab *tab;
	unsigned flags = 0;
	char err[512];
	bool found = false;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--strict") == 0) {
		flags |= TMX_CIDRTAB_STRICT;
		i++;
	}
	if (i >= argc || argv[i][0] == '-')
		return cmd_cidr_usage(stderr, 2);
	if (tmx_cidrtab_load(argv[i], flags, cmd_cidr_warn, NULL, &tab, err,
			     sizeof(err)) < 0) {
		fprintf(stderr, "trustmx: %s\n", err);
		return 2;
	}
	if (++i == argc)
		found = cmd_cidr_stdin(tab);
	for (; i < argc; i++)
		if (cmd_cidr_answer(tab, argv[i]))
			found = true;
	tmx_cidrtab_free(tab);
	if (fflush(stdout) != 0) {
		perror("trustmx: stdout");
		return 2;
	}
	return found ? 0 : 1;
}

/* cmd_cidr - "cidr lookup ..." */
int
cmd_cidr(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0))
		return cmd_cidr_usage(stdout, 0);
	if (argc >= 2 && strcmp(argv[1], "lookup") == 0) {
		if (argc >= 3 && strcmp(argv[2], "--help") == 0)
			return cmd_cidr_usage(stdout, 0);
		return cmd_cidr_lookup(argc - 1, argv + 1);
	}
	return cmd_cidr_usage(stderr, 2);
}
