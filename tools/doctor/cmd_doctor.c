/*
 * cmd_doctor.c - "trustmx doctor DOMAIN": runs every check of a mail
 * domain's live DNS setup (doctor_*.c), and with --config and --postfix
 * those of the local trustmx.conf and Postfix, and prints one report, a
 * table or JSON; the exit status is the worst verdict (0 ok, 1 warn, 2 fail).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "dns.h"
#include "doctor.h"
#include "xalloc.h"

/* cmd_doctor_usage - the synopsis to fp; the exit status to use */
static int
cmd_doctor_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: trustmx doctor DOMAIN [--egress-ip IP]... "
	    "[--backup-mx HOST]...\n"
	    "                      [--helo NAME] [--dkim-selector SEL]... "
	    "[--json]\n"
	    "                      [--ca-file PEM] [--trust-anchor FILE]\n"
	    "                      [--config FILE] [--postfix DIR]\n"
	    "       trustmx doctor [--config FILE] [--postfix DIR] "
	    "[--backup-mx HOST]... [--json]\n"
	    "\n"
	    "Checks a mail domain's live DNS: MX set and backups, forward and\n"
	    "reverse DNS of MX hosts and egress addresses, SPF, DMARC, DKIM\n"
	    "keys, MTA-STS and TLS-RPT. Each finding is ok, warn or fail with\n"
	    "a one-line fix. Exit 0 all ok, 1 warnings, 2 failures or bad usage.\n"
	    "--ca-file trusts PEM for the MTA-STS policy host (a private or\n"
	    "test CA) instead of the system's CAs. --trust-anchor names the\n"
	    "DNSSEC anchors for the DNSSEC and DANE checks (default\n"
	    "/usr/share/dns/root.key when present).\n"
	    "--config checks trustmx.conf: its lists build, spf: sources\n"
	    "expand, relay_networks covers every backup MX address. --postfix\n"
	    "checks Postfix's main.cf and master.cf in DIR (through postconf):\n"
	    "milter_default_action, the milter, the socketmap, the policy\n"
	    "service and PROXY listeners. Without DOMAIN only these run.\n");
	return status;
}

/* cmd_doctor_push - append s to a list of options */
static void
cmd_doctor_push(const char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

/* cmd_doctor_options - fill d from argv; -1 on bad usage, 1 for --help */
static int
cmd_doctor_options(struct doctor *d, int argc, char **argv, bool *json_r)
{
	static const struct option opts[] = {
		{ "egress-ip", required_argument, NULL, 'e' },
		{ "backup-mx", required_argument, NULL, 'b' },
		{ "helo", required_argument, NULL, 'h' },
		{ "dkim-selector", required_argument, NULL, 's' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, 'C' },
		{ "postfix", required_argument, NULL, 'P' },
		{ "trust-anchor", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct tmx_addr a;
	size_t len;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (tmx_addr_parse(optarg, &a) < 0) {
				fprintf(stderr, "trustmx doctor: bad address: "
				    "%s\n", optarg);
				return -1;
			}
			cmd_doctor_push(&d->egress_ips, &d->n_egress, optarg);
			break;
		case 'b':
			cmd_doctor_push(&d->backup_mx, &d->n_backup, optarg);
			break;
		case 'h':
			d->helo = optarg;
			break;
		case 's':
			cmd_doctor_push(&d->selectors, &d->n_selectors, optarg);
			break;
		case 'c':
			d->ca_file = optarg;
			break;
		case 'C':
			d->config = optarg;
			break;
		case 'P':
			d->postfix = optarg;
			break;
		case 't':
			d->trust_anchor = optarg;
			break;
		case 'j':
			*json_r = true;
			break;
		case 'H':
			return 1;
		default:
			return -1;
		}
	}
	if (optind == argc && (d->config != NULL || d->postfix != NULL))
		return 0;	/* the local setup only */
	if (optind != argc - 1)
		return -1;
	d->domain = argv[optind];
	len = strlen(argv[optind]);
	if (len > 1 && argv[optind][len - 1] == '.')
		argv[optind][len - 1] = '\0';	/* names are built on it */
	if (!dns_name_valid(d->domain)) {
		fprintf(stderr, "trustmx doctor: bad domain: %s\n", d->domain);
		return -1;
	}
	return 0;
}

/* cmd_doctor_free - what the options and the checks allocated */
static void
cmd_doctor_free(struct doctor *d)
{
	free(d->egress_ips);
	free(d->backup_mx);
	free(d->selectors);
	free(d->mx);
	free(d->findings);
	doctor_config_free(d);
}

/* cmd_doctor - parse options, run the checks in order, report */
int
cmd_doctor(int argc, char **argv)
{
	struct doctor d;
	bool json = false;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = cmd_doctor_options(&d, argc, argv, &json);
	if (rc != 0) {
		cmd_doctor_free(&d);
		return rc > 0 ? cmd_doctor_usage(stdout, 0) :
		    cmd_doctor_usage(stderr, 2);
	}
	if (d.domain != NULL) {
		doctor_mx_check(&d);
		doctor_fcrdns_check(&d);
		doctor_spf_check(&d);
		doctor_dmarc_check(&d);
		doctor_dkim_check(&d);
		doctor_mtasts_check(&d);
		doctor_tlsrpt_check(&d);
		doctor_dnssec_check(&d);
		doctor_dane_check(&d);
	}
	if (d.config != NULL)
		doctor_config_check(&d);
	if (d.postfix != NULL)
		doctor_postfix_check(&d);
	if (json)
		doctor_report_json(&d);
	else
		doctor_report_table(&d, isatty(STDOUT_FILENO) &&
		    getenv("NO_COLOR") == NULL);
	rc = (int)doctor_worst(&d);
	cmd_doctor_free(&d);
	return rc;
}
