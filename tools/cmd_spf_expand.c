/*
 * cmd_spf_expand.c - "trustmx spf expand DOMAIN": the address ranges an spf:
 * source would put into a trust list, one per line, so an admin can see what
 * a relay's SPF record allows before trusting it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "spf_expand.h"

/* cmd_spf_expand_warn - warnings go to stderr, the list stays clean */
static void
cmd_spf_expand_warn(void *ctx, const char *message)
{
	fprintf(stderr, "trustmx: warning: %s\n", message);
}

/* cmd_spf_expand_print - one "address/length" line per prefix */
static void
cmd_spf_expand_print(const struct spf_expansion *exp)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < exp->count; i++) {
		const struct spf_prefix *p = &exp->prefixes[i];

		if (inet_ntop(p->addr.family == 4 ? AF_INET : AF_INET6,
			      p->addr.bytes, buf, sizeof(buf)) != NULL)
			printf("%s/%u\n", buf, p->len);
	}
}

/* cmd_spf_expand_usage - what the command takes and what it prints */
static void
cmd_spf_expand_usage(FILE *fp)
{
	fputs("usage: trustmx spf expand DOMAIN\n"
	      "Print the networks DOMAIN's SPF record authorises (ip4, ip6, a, mx,\n"
	      "include, redirect), one per line, as an spf: source would load them.\n"
	      "Exit 0 when expanded, 1 on permerror, 2 on temperror.\n", fp);
}

/* cmd_spf_expand - exit 0 expanded, 1 permerror, 2 temperror or usage */
int
cmd_spf_expand(int argc, char **argv)
{
	struct spf_expansion exp;
	enum spf_expand_status st;
	char err[512];

	if (argc == 3 && (strcmp(argv[2], "--help") == 0 ||
			  strcmp(argv[2], "-h") == 0)) {
		cmd_spf_expand_usage(stdout);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "expand") != 0 || argv[2][0] == '-') {
		cmd_spf_expand_usage(stderr);
		return 2;
	}
	st = spf_expand(argv[2], &exp, cmd_spf_expand_warn, NULL, err,
			sizeof(err));
	if (st != SPF_EXPAND_OK) {
		fprintf(stderr, "trustmx: spf expand %s: %s: %s\n", argv[2],
			st == SPF_EXPAND_TEMPERROR ? "temperror" : "permerror",
			err);
		return st == SPF_EXPAND_TEMPERROR ? 2 : 1;
	}
	cmd_spf_expand_print(&exp);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		spf_expansion_free(&exp);
		perror("trustmx: stdout");
		return 2;
	}
	fprintf(stderr, "%s: %zu prefixes, ttl %us, %u DNS lookups, "
		"%u void lookups\n", argv[2], exp.count, (unsigned)exp.ttl,
		exp.lookups, exp.void_lookups);
	spf_expansion_free(&exp);
	return 0;
}
