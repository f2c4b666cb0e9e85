/*
 * cmd_list.c - "trustmx list": show a trust list as trustmx.conf builds it,
 * check that every list builds, or export the lists as a cidr_table(5) for
 * postscreen_access_list. spf: sources are resolved now through
 * spf_source, falling back to the daemons' copies in spf_cache_dir.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf_dns.h"
#include "commands.h"
#include "conf.h"
#include "lists.h"
#include "log.h"
#include "spf_source.h"
#include "xalloc.h"

#define CMD_LIST_CONF	TMX_CONF_FILE	/* from meson: sysconfdir */

/* cmd_list_usage - the synopsis, to fp */
static void
cmd_list_usage(FILE *fp)
{
	fputs("usage: trustmx list show NAME [-s] [-c FILE]\n"
	      "       trustmx list check [-c FILE]\n"
	      "       trustmx list export [-c FILE] OUT\n"
	      "\n"
	      "  show NAME    the prefixes of relay_networks, proxy_networks,\n"
	      "               deny_networks, policy_clients or allow_networks,\n"
	      "               one a line (-s: with the source each came from)\n"
	      "  check        build every list; print their sizes\n"
	      "  export OUT   write a cidr_table(5) for postscreen_access_list:\n"
	      "               deny_networks \"reject\" first, then relay_networks,\n"
	      "               proxy_networks and allow_networks \"permit\"; OUT\n"
	      "               is replaced atomically\n"
	      "  -c FILE      the configuration (default " CMD_LIST_CONF ")\n",
	      fp);
}

/* cmd_list_error - what stops the command, as "trustmx: reason" */
static void __attribute__((format(printf, 1, 2)))
cmd_list_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
}

/* cmd_list_errno - the same with errno explained */
static void __attribute__((format(printf, 1, 2)))
cmd_list_errno(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cmd_list_error("%s: %s", msg, strerror(saved));
}

/* cmd_list_warn - lists_build's warnings, to stderr */
static void
cmd_list_warn(void *ctx, const char *message)
{
	(void)ctx;
	log_warnx("%s", message);
}

/*
 * cmd_list_spf - resolve domain now; when DNS fails, the daemons' last
 * saved expansion; NULL (an empty source) when neither is available
 */
static const struct spf_expansion *
cmd_list_spf(void *ctx, const char *domain)
{
	return spf_source_load(ctx, domain);
}

/*
 * cmd_list_spf_new - a store that reads spf_cache_dir but never writes
 * it, and shows what DNS says now, however much it shrank
 */
static struct spf_source *
cmd_list_spf_new(const struct conf *conf)
{
	struct spf_source_policy policy;

	policy.cache_dir = conf_str(conf, "spf_cache_dir");
	policy.refresh_min = conf_time(conf, "spf_refresh_min");
	policy.refresh_max = conf_time(conf, "spf_refresh_max");
	policy.shrink_limit = 100;
	return spf_source_new(&policy, SPF_SOURCE_QUIET);
}

/* cmd_list_load - see commands.h */
struct lists *
cmd_list_load(const char *path, struct conf **conf_r)
{
	struct spf_source *spf;
	struct lists *lists;
	struct conf *conf;
	char err[1024];

	if ((conf = conf_load(path, err, sizeof(err))) == NULL ||
	    conf_dns_apply(conf, err, sizeof(err)) < 0) {
		cmd_list_error("%s", err);
		conf_free(conf);
		return NULL;
	}
	spf = cmd_list_spf_new(conf);
	lists = lists_build(conf, cmd_list_spf, spf, cmd_list_warn, NULL,
			    err, sizeof(err));
	spf_source_free(spf);
	if (lists == NULL) {
		cmd_list_error("%s", err);
		conf_free(conf);
		return NULL;
	}
	*conf_r = conf;
	return lists;
}

/* What "list show" prints for each prefix */
struct cmd_list_show {
	const struct lists *lists;
	int sources;
};

/* cmd_list_show_one - "prefix/len" or "prefix/len<TAB>source" */
static int
cmd_list_show_one(const struct tmx_addr *prefix, unsigned len,
		  uint32_t value, void *vctx)
{
	struct cmd_list_show *ctx = vctx;
	char text[TMX_ADDR_STRLEN];

	tmx_addr_format(prefix, text, sizeof(text));
	if (ctx->sources)
		printf("%s/%u\t%s\n", text, len,
		       lists_source_name(ctx->lists, value));
	else
		printf("%s/%u\n", text, len);
	return 0;
}

/* cmd_list_show - print one list's prefixes */
static int
cmd_list_show(const char *path, const char *name, int sources)
{
	struct cmd_list_show ctx = { NULL, sources };
	struct lists *lists;
	struct conf *conf;
	int id;

	for (id = 0; id < LIST_COUNT; id++)
		if (strcmp(name, lists_name(id)) == 0)
			break;
	if (id == LIST_COUNT) {
		cmd_list_error("unknown list \"%s\" (use relay_networks, "
			  "proxy_networks, deny_networks, policy_clients or "
			  "allow_networks)", name);
		return 2;
	}
	if ((lists = cmd_list_load(path, &conf)) == NULL)
		return 1;
	ctx.lists = lists;
	tmx_cidrset_walk(lists->set[id], cmd_list_show_one, &ctx);
	lists_free(lists);
	conf_free(conf);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

/* cmd_list_check - build every list and say how big each is */
static int
cmd_list_check(const char *path)
{
	struct lists *lists;
	struct conf *conf;
	int id;

	if ((lists = cmd_list_load(path, &conf)) == NULL)
		return 1;
	for (id = 0; id < LIST_COUNT; id++)
		printf("%s: %zu prefix%s (%s)\n", lists_name(id),
		       tmx_cidrset_count(lists->set[id]),
		       tmx_cidrset_count(lists->set[id]) == 1 ? "" : "es",
		       conf_where(conf, lists_name(id)));
	lists_free(lists);
	conf_free(conf);
	return 0;
}

/* cmd_list_write - the table into the open temporary file fp */
static int
cmd_list_write(const struct lists *lists, const char *path, const char *out,
	       FILE *fp)
{
	char when[64], *header;
	time_t now = time(NULL);
	int rc;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	header = xasprintf("Generated by \"trustmx list export\" from %s\n"
			   "at %s. Do not edit: change %s and export again.\n"
			   "First match wins: deny_networks (reject) come "
			   "before relay_networks,\n"
			   "proxy_networks and allow_networks (permit). Use in "
			   "main.cf:\n"
			   "  postscreen_access_list = permit_mynetworks, "
			   "cidr:%s",
			   path, when, path, out);
	rc = lists_write_postscreen(lists, fp, header);
	free(header);
	if (rc == 0 && fsync(fileno(fp)) < 0)
		rc = -1;
	return rc;
}

/* cmd_list_export - write the postscreen table to a temp file, rename it */
static int
cmd_list_export(const char *path, const char *out)
{
	char *dircopy = xstrdup(out), *basecopy = xstrdup(out);
	char *tmp = xasprintf("%s/.%s.XXXXXX", dirname(dircopy),
			      basename(basecopy));
	struct lists *lists = NULL;
	struct conf *conf = NULL;
	FILE *fp = NULL;
	int fd = -1, rc = 1;

	if ((lists = cmd_list_load(path, &conf)) == NULL)
		goto done;
	if ((fd = mkstemp(tmp)) < 0) {
		cmd_list_errno("%s: cannot create a temporary file", tmp);
		goto done;
	}
	if (fchmod(fd, 0644) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		cmd_list_errno("%s", tmp);
		close(fd);
		unlink(tmp);
		goto done;
	}
	if (cmd_list_write(lists, path, out, fp) < 0) {
		cmd_list_errno("%s: write error", tmp);
		fclose(fp);
		unlink(tmp);
		goto done;
	}
	if (fclose(fp) != 0) {
		cmd_list_errno("%s: write error", tmp);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, out) < 0) {
		cmd_list_errno("cannot rename %s to %s", tmp, out);
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	lists_free(lists);
	conf_free(conf);
	free(tmp);
	free(dircopy);
	free(basecopy);
	return rc;
}

/* cmd_list - "trustmx list show|check|export" */
int
cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sources", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CMD_LIST_CONF, *sub;
	int ch, sources = 0;

	log_init("trustmx", 1, NULL);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:sh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 's':
			sources = 1;
			break;
		case 'h':
			cmd_list_usage(stdout);
			return 0;
		default:
			cmd_list_usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	sub = argc > 0 ? argv[0] : "";
	if (strcmp(sub, "show") == 0 && argc == 2)
		return cmd_list_show(path, argv[1], sources);
	if (strcmp(sub, "check") == 0 && argc == 1)
		return cmd_list_check(path);
	if (strcmp(sub, "export") == 0 && argc == 2)
		return cmd_list_export(path, argv[1]);
	cmd_list_usage(stderr);
	return 2;
}
