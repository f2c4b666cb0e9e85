/*
 * cmd_dmarc.c - "trustmx dmarc check --from DOMAIN [--spf R:D]
 * [--dkim R:D[:S]]... [--json]": DMARC by RFC 9989 (auth/dmarc_eval.h,
 * the code the milter's dmarc_mode = rfc9989 runs) for SPF and DKIM
 * results given on the command line, with records looked up through the
 * DNS layer (resolv.conf's servers and timeout): the applicable record and
 * where the Tree Walk found it, the Organizational Domain, the alignment
 * of each identifier, the result and the disposition.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dmarc_eval.h"
#include "dns.h"
#include "json.h"

#define CMD_DMARC_DKIM_MAX	(DMARC_EVAL_DKIM_MAX * 2)
#define CMD_DMARC_LOG_MAX	64

/* Exit statuses, one per result (and 2 for usage). */
enum cmd_dmarc_exit {
	CMD_DMARC_PASS = 0,
	CMD_DMARC_FAIL = 1,
	CMD_DMARC_USAGE = 2,
	CMD_DMARC_NONE = 3,
	CMD_DMARC_TEMPERROR = 4,
	CMD_DMARC_PERMERROR = 5,
};

/* The queries one evaluation made, for the output. */
struct cmd_dmarc_log {
	size_t count;
	struct {
		char name[DMARC_DOMAIN_MAX + 8];
		enum dns_type type;
		enum dns_status status;
	} q[CMD_DMARC_LOG_MAX];
};

/* An identifier as given: "RESULT:DOMAIN[:SELECTOR]", split in place. */
struct cmd_dmarc_id {
	enum dmarc_auth result;
	char *domain;
	char *selector;
};

/* cmd_dmarc_usage - the synopsis to fp; the exit status to use */
static int
cmd_dmarc_usage(FILE *fp, int status)
{
	fputs("usage: trustmx dmarc check --from DOMAIN [--spf RESULT:DOMAIN]\n"
	    "           [--spf-helo] [--dkim RESULT:DOMAIN[:SELECTOR]]... "
	    "[--json]\n"
	    "\n"
	    "Evaluates DMARC by RFC 9989 as trustmx-milter does with\n"
	    "dmarc_mode = rfc9989: finds the record by the DNS Tree Walk,\n"
	    "aligns the SPF (MAIL FROM identity; --spf-helo: the HELO name of\n"
	    "a null sender) and DKIM results given, and prints the policy\n"
	    "domain, the Organizational Domain, the alignment, the result and\n"
	    "the disposition. RESULT is pass, fail, softfail, neutral, none,\n"
	    "temperror or permerror. Records are looked up with\n"
	    "/etc/resolv.conf's servers and timeout.\n"
	    "Exit 0: pass, 1: fail, 3: none, 4: temperror, 5: permerror,\n"
	    "2: usage.\n", fp);
	return status;
}

/* cmd_dmarc_id - parse one --spf or --dkim argument (modified in place) */
static int
cmd_dmarc_id(char *arg, bool selector_ok, struct cmd_dmarc_id *id)
{
	char *colon = strchr(arg, ':');

	if (colon == NULL)
		return -1;
	*colon = '\0';
	id->domain = colon + 1;
	id->selector = NULL;
	if ((colon = strchr(id->domain, ':')) != NULL) {
		if (!selector_ok)
			return -1;
		*colon = '\0';
		id->selector = colon + 1;
	}
	return dmarc_eval_auth_parse(arg, &id->result);
}

/* cmd_dmarc_logged - on_query: keep each query for the output */
static void
cmd_dmarc_logged(void *arg, const char *name, enum dns_type type,
		 enum dns_status status)
{
	struct cmd_dmarc_log *log = arg;

	if (log->count == CMD_DMARC_LOG_MAX)
		return;
	snprintf(log->q[log->count].name, sizeof(log->q[0].name), "%s", name);
	log->q[log->count].type = type;
	log->q[log->count].status = status;
	log->count++;
}

/* cmd_dmarc_tags - the names of DMARC_TAG_* bits, comma-separated */
static void
cmd_dmarc_tags(unsigned bits, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned bit = 1; bit != 0 && bit <= bits; bit <<= 1) {
		if ((bits & bit) == 0 || used >= size)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		    used > 0 ? "," : "", dmarc_record_tag_name(bit));
	}
}

/* cmd_dmarc_json_tags - the names of DMARC_TAG_* bits as an array */
static void
cmd_dmarc_json_tags(struct json_out *j, const char *key, unsigned bits)
{
	json_key(j, key);
	json_array_begin(j);
	for (unsigned bit = 1; bit != 0 && bit <= bits; bit <<= 1)
		if ((bits & bit) != 0)
			json_string(j, dmarc_record_tag_name(bit));
	json_array_end(j);
}

/* cmd_dmarc_json_ident - one identifier as an object */
static void
cmd_dmarc_json_ident(struct json_out *j, const struct dmarc_ident *id,
		     bool dkim, bool helo)
{
	json_object_begin(j);
	json_kv_string(j, "result", dmarc_eval_auth_name(id->result));
	json_kv_string(j, "domain", id->domain);
	if (dkim)
		json_kv_string(j, "selector", id->selector);
	else
		json_kv_string(j, "scope", helo ? "helo" : "mfrom");
	json_kv_string(j, "mode", id->mode == DMARC_MODE_STRICT ? "s" : "r");
	json_kv_string(j, "align", dmarc_eval_align_name(id->align));
	json_kv_string(j, "org", id->org);
	json_object_end(j);
}

/* cmd_dmarc_json_published - policy_published, as a report has it */
static void
cmd_dmarc_json_published(struct json_out *j, const struct dmarc_published *p)
{
	json_key(j, "policy_published");
	json_object_begin(j);
	json_kv_string(j, "domain", p->domain);
	json_kv_string(j, "discovery_method", p->discovery_method);
	json_kv_string(j, "p", dmarc_record_request_name(p->p));
	json_kv_string(j, "sp", dmarc_record_request_name(p->sp));
	json_kv_string(j, "np", dmarc_record_request_name(p->np));
	json_kv_string(j, "adkim", p->adkim == DMARC_MODE_STRICT ? "s" : "r");
	json_kv_string(j, "aspf", p->aspf == DMARC_MODE_STRICT ? "s" : "r");
	json_kv_string(j, "psd", p->psd == DMARC_PSD_Y ? "y" :
	    p->psd == DMARC_PSD_N ? "n" : "u");
	json_kv_string(j, "testing", p->testing ? "y" : "n");
	json_kv_string(j, "fo", p->fo);
	json_object_end(j);
}

/* cmd_dmarc_json - the verdict as one JSON object */
static void
cmd_dmarc_json(const struct dmarc_verdict *v, const struct cmd_dmarc_log *log,
	       const char *from)
{
	struct json_out j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "result", dmarc_eval_result_name(v->result));
	json_kv_string(&j, "reason", v->reason);
	json_kv_string(&j, "from", from);
	json_kv_string(&j, "author", v->author);
	json_kv_string(&j, "source", dmarc_walk_source_name(v->source));
	json_kv_string(&j, "policy_domain", v->policy_domain);
	json_kv_string(&j, "org_domain", v->org_domain);
	json_kv_string(&j, "org_rule", v->org_domain[0] == '\0' ? "" :
	    dmarc_walk_rule_name(v->org_rule));
	json_kv_string(&j, "applied", dmarc_eval_applied_name(v->applied));
	json_kv_string(&j, "policy", dmarc_record_request_name(v->policy));
	json_kv_string(&j, "disposition",
	    dmarc_record_request_name(v->disposition));
	json_kv_bool(&j, "testing", v->testing);
	json_kv_bool(&j, "recovered", v->recovered);
	json_kv_string(&j, "author_exists", v->author_exists < 0 ? "unknown" :
	    v->author_exists ? "yes" : "no");
	json_kv_bool(&j, "spf_aligned", v->spf_aligned);
	json_kv_bool(&j, "dkim_aligned", v->dkim_aligned);
	if (v->has_spf) {
		json_key(&j, "spf");
		cmd_dmarc_json_ident(&j, &v->spf, false, v->spf_helo);
	}
	json_key(&j, "dkim");
	json_array_begin(&j);
	for (size_t i = 0; i < v->ndkim; i++)
		cmd_dmarc_json_ident(&j, &v->dkim[i], true, false);
	json_array_end(&j);
	json_kv_int(&j, "dkim_ignored", (long long)v->dkim_ignored);
	json_kv_int(&j, "dns_queries", v->queries);
	json_key(&j, "queries");
	json_array_begin(&j);
	for (size_t i = 0; i < log->count; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "name", log->q[i].name);
		json_kv_string(&j, "type", dns_type_str(log->q[i].type));
		json_kv_string(&j, "status", dns_status_str(log->q[i].status));
		json_object_end(&j);
	}
	json_array_end(&j);
	cmd_dmarc_json_tags(&j, "removed_tags", v->removed_tags);
	cmd_dmarc_json_tags(&j, "ignored_tags", v->ignored_tags);
	if (v->published.domain[0] != '\0')
		cmd_dmarc_json_published(&j, &v->published);
	json_object_end(&j);
	fputc('\n', stdout);
}

/* cmd_dmarc_text_ident - one identifier as a line */
static void
cmd_dmarc_text_ident(const char *what, const struct dmarc_ident *id,
		     const char *extra)
{
	bool org = id->org[0] != '\0';

	printf("%s: %s %s%s%s: %s%s%s%s\n", what,
	    dmarc_eval_auth_name(id->result),
	    id->domain[0] != '\0' ? id->domain : "(no usable domain)",
	    extra, id->mode == DMARC_MODE_STRICT ? " (strict)" : "",
	    dmarc_eval_align_name(id->align), org ? " (org " : "", id->org,
	    org ? ")" : "");
}

/* cmd_dmarc_text - the verdict for people */
static void
cmd_dmarc_text(const struct dmarc_verdict *v, const char *from)
{
	char tags[128], sel[DMARC_SELECTOR_MAX + 8];

	printf("dmarc=%s\n", dmarc_eval_result_name(v->result));
	printf("reason: %s\n", v->reason);
	if (v->author[0] != '\0')
		printf("author domain: %s\n", v->author);
	else
		printf("author domain: unusable: \"%s\"\n", from);
	printf("policy domain: %s (%s)\n", v->policy_domain[0] != '\0' ?
	    v->policy_domain : "-", dmarc_walk_source_name(v->source));
	printf("organizational domain: %s%s%s%s\n", v->org_domain[0] != '\0' ?
	    v->org_domain : "-", v->org_domain[0] != '\0' ? " (" : "",
	    v->org_domain[0] != '\0' ? dmarc_walk_rule_name(v->org_rule) : "",
	    v->org_domain[0] != '\0' ? ")" : "");
	if (v->applied != DMARC_APPLIED_NONE)
		printf("policy: %s=%s%s%s, disposition %s\n",
		    dmarc_eval_applied_name(v->applied),
		    dmarc_record_request_name(v->policy),
		    v->testing ? ", t=y" : "",
		    v->recovered ? " (recovered: rua=, 4.10.1)" : "",
		    dmarc_record_request_name(v->disposition));
	if (v->has_spf)
		cmd_dmarc_text_ident("spf", &v->spf, v->spf_helo ? " (helo)" :
		    " (mfrom)");
	for (size_t i = 0; i < v->ndkim; i++) {
		snprintf(sel, sizeof(sel), " s=%s", v->dkim[i].selector);
		cmd_dmarc_text_ident("dkim", &v->dkim[i],
		    v->dkim[i].selector[0] != '\0' ? sel : "");
	}
	if (v->dkim_ignored > 0)
		printf("dkim: %zu more signatures ignored\n", v->dkim_ignored);
	printf("dns queries: %u\n", v->queries);
	if (v->removed_tags != 0) {
		cmd_dmarc_tags(v->removed_tags, tags, sizeof(tags));
		printf("removed tags (RFC 7489, ignored): %s\n", tags);
	}
	if (v->ignored_tags != 0) {
		cmd_dmarc_tags(v->ignored_tags, tags, sizeof(tags));
		printf("invalid tags (ignored): %s\n", tags);
	}
}

/* cmd_dmarc_exit - the exit status of a result */
static int
cmd_dmarc_exit(enum dmarc_result r)
{
	switch (r) {
	case DMARC_RESULT_PASS:
		return CMD_DMARC_PASS;
	case DMARC_RESULT_FAIL:
		return CMD_DMARC_FAIL;
	case DMARC_RESULT_TEMPERROR:
		return CMD_DMARC_TEMPERROR;
	case DMARC_RESULT_PERMERROR:
		return CMD_DMARC_PERMERROR;
	default:
		return CMD_DMARC_NONE;
	}
}

/* cmd_dmarc_check - parse options, evaluate once, print */
int
cmd_dmarc_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "spf", required_argument, NULL, 's' },
		{ "spf-helo", no_argument, NULL, 'e' },
		{ "dkim", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct dmarc_verdict v;
	static struct cmd_dmarc_log log;
	struct dmarc_dkim_input dkim[CMD_DMARC_DKIM_MAX];
	struct cmd_dmarc_id spf = { 0 }, id;
	struct dmarc_input in = { 0 };
	const char *from = NULL, *at, *why = NULL;
	bool json = false, helo = false;
	int c;

	/* argv[0] is "dmarc", argv[1] "check": options start after them */
	if (argc < 2)
		return cmd_dmarc_usage(stderr, CMD_DMARC_USAGE);
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 's':
			if (cmd_dmarc_id(optarg, false, &spf) < 0)
				return cmd_dmarc_usage(stderr, CMD_DMARC_USAGE);
			break;
		case 'e':
			helo = true;
			break;
		case 'd':
			if (in.ndkim == CMD_DMARC_DKIM_MAX ||
			    cmd_dmarc_id(optarg, true, &id) < 0)
				return cmd_dmarc_usage(stderr, CMD_DMARC_USAGE);
			dkim[in.ndkim].domain = id.domain;
			dkim[in.ndkim].selector = id.selector;
			dkim[in.ndkim++].result = id.result;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return cmd_dmarc_usage(stdout, 0);
		default:
			return cmd_dmarc_usage(stderr, CMD_DMARC_USAGE);
		}
	}
	if (optind != argc || from == NULL)
		return cmd_dmarc_usage(stderr, CMD_DMARC_USAGE);
	/* an address will do: its domain is what follows the last '@' */
	if ((at = strrchr(from, '@')) != NULL)
		from = at + 1;
	if (dns_init(NULL, &why) < 0) {
		fprintf(stderr, "trustmx dmarc check: DNS: %s\n", why);
		return CMD_DMARC_USAGE;
	}
	in.author = from;
	in.spf = spf.result;
	in.spf_domain = spf.domain;
	in.spf_helo = helo;
	in.dkim = dkim;
	in.want_org = true;
	in.on_query = cmd_dmarc_logged;
	in.arg = &log;
	dmarc_eval_message(&in, &v);
	if (json)
		cmd_dmarc_json(&v, &log, from);
	else
		cmd_dmarc_text(&v, from);
	if (fflush(stdout) != 0 || ferror(stdout))
		return CMD_DMARC_USAGE;
	return cmd_dmarc_exit(v.result);
}
