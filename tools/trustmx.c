/*
 * trustmx.c - trustmx(1), the operator's command-line tool. main() handles
 * only the global options and hands each subcommand the arguments from its
 * first word on; the subcommands live in cmd_*.c (see commands.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <trustmx/version.h>

#include "commands.h"

/* One subcommand: its one or two words and the function that runs it. */
struct trustmx_cmd {
	const char *word1;
	const char *word2;	/* NULL: one word is enough */
	int (*run)(int argc, char **argv);
};

static const struct trustmx_cmd trustmx_cmds[] = {
	{ "proxy", NULL, cmd_proxy },
	{ "cidr", NULL, cmd_cidr },
	{ "list", NULL, cmd_list },
	{ "spf", "expand", cmd_spf_expand },
	{ "spf", "check", cmd_spf_check },
	{ "doctor", NULL, cmd_doctor },
	{ "relay", NULL, cmd_relay },
	{ "arc", "verify", cmd_arc_verify },
	{ "arc", "seal", cmd_arc_seal },
	{ "dmarc", "check", cmd_dmarc_check },
	{ "dmarc", "report", cmd_dmarc_report },
	{ "status", NULL, cmd_status },
};

/* trustmx_usage - the command summary, to fp */
static void
trustmx_usage(FILE *fp)
{
	fputs("usage: trustmx COMMAND [ARGS...]\n"
	    "       trustmx -V | --version\n"
	    "       trustmx -h | --help\n"
	    "\n"
	    "commands:\n"
	    "  proxy decode [--unmap]             PROXY header on stdin -> JSON\n"
	    "  proxy encode --version 1|2 ...     write a PROXY header to stdout\n"
	    "  proxy accept ADDR:PORT [options]   show what a load balancer sends\n"
	    "  cidr lookup TABLE [KEY...]         answer as postmap -q cidr:TABLE\n"
	    "  list show NAME [-s] [-c FILE]      a trust list from trustmx.conf\n"
	    "  list check [-c FILE]               build every list, print sizes\n"
	    "  list export [-c FILE] OUT          the lists as a cidr_table\n"
	    "  spf expand DOMAIN                  the networks an SPF record allows\n"
	    "  spf check --ip IP [--helo NAME] [--from ADDR] [--json]\n"
	    "                                     evaluate SPF as the milter does\n"
	    "  doctor DOMAIN [options]            check a mail domain's live DNS\n"
	    "  relay check [-c FILE] < MESSAGE    how the milter reads its Received\n"
	    "                                     lines: observed, claimed, client\n"
	    "  arc verify [--json] < MESSAGE      validate its ARC chain (RFC 8617)\n"
	    "  arc seal --domain D --selector S --key FILE --authserv-id ID\n"
	    "           [--authres TEXT] < MESSAGE  add an ARC set on top\n"
	    "  dmarc check --from DOMAIN [--spf R:D] [--dkim R:D[:S]]... [--json]\n"
	    "                                     DMARC by RFC 9989 (DNS Tree Walk)\n"
	    "  dmarc report [-c FILE] [--db FILE]... [--period P] [--dry-run]\n"
	    "                                     DMARC aggregate reports (RFC 9990)\n"
	    "  status [-c FILE] [--json] [--policyd URL] [--milter URL]\n"
	    "                                     both daemons' health from /metrics\n"
	    "\n"
	    "\"trustmx COMMAND --help\" describes one command; see trustmx(1).\n",
	    fp);
}

/* trustmx_version - the tool's and the linked library's versions */
static int
trustmx_version(void)
{
	printf("trustmx %s (libtrustmx %s)\n", TMX_VERSION_STRING,
	    tmx_version());
	return 0;
}

/* trustmx_find - the table entry for argv, or NULL */
static const struct trustmx_cmd *
trustmx_find(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(trustmx_cmds) / sizeof(trustmx_cmds[0]); i++) {
		const struct trustmx_cmd *c = &trustmx_cmds[i];

		if (strcmp(argv[0], c->word1) != 0)
			continue;
		if (c->word2 == NULL ||
		    (argc > 1 && strcmp(argv[1], c->word2) == 0))
			return c;
	}
	return NULL;
}

/* trustmx_two_words - a command whose second word names it too */
static bool
trustmx_two_words(const char *word1)
{
	return strcmp(word1, "spf") == 0 || strcmp(word1, "arc") == 0 ||
	    strcmp(word1, "dmarc") == 0;
}

/* main - global options, then the subcommand's own exit status */
int
main(int argc, char **argv)
{
	const struct trustmx_cmd *c;

	if (argc < 2) {
		trustmx_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		trustmx_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return trustmx_version();
	c = trustmx_find(argc - 1, argv + 1);
	if (c == NULL) {
		fprintf(stderr, "trustmx: unknown command \"%s%s%s\"\n",
		    argv[1], argc > 2 && trustmx_two_words(argv[1]) ? " " : "",
		    argc > 2 && trustmx_two_words(argv[1]) ? argv[2] : "");
		trustmx_usage(stderr);
		return 2;
	}
	return c->run(argc - 1, argv + 1);
}
