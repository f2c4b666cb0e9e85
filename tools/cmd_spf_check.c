/*
 * cmd_spf_check.c - "trustmx spf check --ip IP --helo NAME --from ADDR":
 * runs the milter's own SPF layer (record screening and limits included)
 * and prints the result and its Received-SPF line, as spfquery does.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <trustmx/addr.h>

#include "commands.h"
#include "json.h"
#include "spf.h"

/* cmd_spf_check_usage - the synopsis to fp; the exit status to use */
static int
cmd_spf_check_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: trustmx spf check --ip IP [--helo NAME] "
	    "[--from ADDR] [--json]\n"
	    "\n"
	    "Evaluates SPF exactly as trustmx-milter does (RFC 7208 limits,\n"
	    "record checks, no free pass for loopback) and prints the result\n"
	    "and its Received-SPF line. An empty --from is the null sender:\n"
	    "the HELO identity decides. Exit 0 for any result, 2 for bad usage.\n");
	return status;
}

/* cmd_spf_check_json - the verdict as one JSON object */
static void
cmd_spf_check_json(const struct spf_verdict *v, const char *ip)
{
	struct json_out j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "result", spf_outcome_name(v->result));
	json_kv_string(&j, "identity",
	    v->identity == SPF_ID_HELO ? "helo" : "mailfrom");
	json_kv_string(&j, "domain", v->domain);
	json_kv_string(&j, "client_ip", ip);
	json_kv_string(&j, "helo_result", spf_outcome_name(v->helo_result));
	json_kv_string(&j, "comment", v->comment);
	json_kv_string(&j, "explanation", v->explanation);
	json_kv_string(&j, "received_spf", v->received_spf);
	json_object_end(&j);
	fputc('\n', stdout);
}

/* cmd_spf_check - parse options, evaluate once, print */
int
cmd_spf_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'h' },
		{ "from", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ip = NULL, *helo = NULL, *from = NULL;
	struct spf_layer_config config = { 0 };
	struct spf_verdict v;
	struct spf_layer *layer;
	struct tmx_addr client;
	bool json = false;
	char err[256];
	int c;

	/* argv[0] is "spf", argv[1] "check": options start after them */
	if (argc < 2)
		return cmd_spf_check_usage(stderr, 2);
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ip = optarg;
			break;
		case 'h':
			helo = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'H':
			return cmd_spf_check_usage(stdout, 0);
		default:
			return cmd_spf_check_usage(stderr, 2);
		}
	}
	if (optind != argc || ip == NULL || (helo == NULL && from == NULL))
		return cmd_spf_check_usage(stderr, 2);
	if (tmx_addr_parse(ip, &client) < 0) {
		fprintf(stderr, "trustmx spf check: bad address: %s\n", ip);
		return 2;
	}
	layer = spf_layer_new(&config, err, sizeof(err));
	if (layer == NULL) {
		fprintf(stderr, "trustmx spf check: %s\n", err);
		return 1;
	}
	spf_check(layer, &client, helo, from, &v);
	if (json) {
		cmd_spf_check_json(&v, ip);
	} else {
		printf("%s\n", spf_outcome_name(v.result));
		if (v.explanation[0] != '\0')
			printf("explanation: %s\n", v.explanation);
		printf("Received-SPF: %s\n", v.received_spf);
	}
	spf_layer_free(layer);
	return 0;
}
