/*
 * test-conf-start.c - what -n and the start check beyond a valid file
 * (conf_start.c): the user, socket directories and addresses, the list
 * files, spf_cache_dir, public_suffix_list; each finding names file:line.
 * Rows marked root run the checks as user nobody and need root.
 */
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_start.h"
#include "tmx-test.h"

/* What one check reported */
struct findings {
	unsigned errors;
	unsigned warnings;
	char first[4096];	/* the first message */
};

/* In the texts, "@/" stands for the scratch directory and a slash */
static const struct {
	const char *name;
	enum conf_start_program program;
	bool root;		/* as user nobody: needs root */
	const char *text;
	unsigned errors;
	unsigned warnings;
	const char *first;	/* NULL: nothing reported */
} rows[] = {
	{ "good milter", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/m.sock\n"
	  "relay_networks = file:@/list cidr:@/list spf:example.org\n"
	  "spf_cache_dir = @/cache\n", 0, 0, NULL },
	{ "good policyd", CONF_START_POLICYD, false,
	  "policy_listen = unix:@/run/p.sock\n"
	  "socketmap_listen = inet:127.0.0.1:10049\n"
	  "deny_networks = @/list\n", 0, 0, NULL },
	{ "missing user", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/m.sock\n"
	  "user = no-such-tmx-user\n", 1, 0,
	  "@/t.cf:2: user no-such-tmx-user: no such user" },
	{ "missing socket directory", CONF_START_MILTER, false,
	  "milter_listen = unix:@/nowhere/m.sock\n", 1, 0,
	  "@/t.cf:1: milter_listen: directory @/nowhere: No such file or "
	  "directory" },
	{ "socket directory is a file", CONF_START_MILTER, false,
	  "milter_listen = local:@/list/m.sock\n", 1, 0,
	  "@/t.cf:1: milter_listen: @/list is not a directory" },
	{ "a file where the socket goes", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/file\n", 1, 0,
	  "@/t.cf:1: milter_listen: @/run/file exists and is not a socket" },
	{ "policyd socket directory", CONF_START_POLICYD, false,
	  "socketmap_listen = unix:@/run/s.sock\n"
	  "policy_listen = unix:@/run/p.sock unix:@/nowhere/p.sock\n", 1, 0,
	  "@/t.cf:2: policy_listen: unix:@/nowhere/p.sock: directory "
	  "@/nowhere: No such file or directory" },
	{ "policyd address not here", CONF_START_POLICYD, false,
	  "socketmap_listen =\n"
	  "policy_listen = inet:192.0.2.254:10040\n", 1, 0,
	  "@/t.cf:2: policy_listen: inet:192.0.2.254:10040: cannot bind "
	  "192.0.2.254 port 10040: Cannot assign requested address" },
	{ "milter address not here", CONF_START_MILTER, false,
	  "milter_listen = inet:8895@192.0.2.254\n", 1, 0,
	  "@/t.cf:1: milter_listen: cannot bind 192.0.2.254 port 8895: "
	  "Cannot assign requested address" },
	{ "missing public_suffix_list", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/m.sock\n"
	  "public_suffix_list = @/nopsl\n", 1, 0,
	  "@/t.cf:2: public_suffix_list: @/nopsl: No such file or "
	  "directory" },
	{ "missing list file", CONF_START_POLICYD, false,
	  "policy_listen = unix:@/run/p.sock\nsocketmap_listen =\n"
	  "relay_networks = 192.0.2.0/24\n"
	  "  file:@/nolist\n", 1, 0,
	  "@/t.cf:3: relay_networks: file:@/nolist: No such file or "
	  "directory" },
	{ "a directory as a list", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/m.sock\n"
	  "proxy_networks = cidr:@/run\n", 1, 0,
	  "@/t.cf:2: proxy_networks: cidr:@/run: Is a directory" },
	{ "spf: with a missing spf_cache_dir", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/m.sock\n"
	  "relay_networks = spf:example.org\n"
	  "spf_cache_dir = @/nocache\n", 1, 0,
	  "@/t.cf:3: spf_cache_dir: @/nocache: No such file or directory" },
	{ "spf_cache_dir is a file", CONF_START_POLICYD, false,
	  "policy_listen = unix:@/run/p.sock\nsocketmap_listen =\n"
	  "spf_cache_dir = @/list\n"
	  "policy_clients = spf:example.org\n", 1, 0,
	  "@/t.cf:3: spf_cache_dir: @/list: not a directory" },
	{ "no spf: source, no spf_cache_dir needed", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/m.sock\n"
	  "spf_cache_dir = @/nocache\n", 0, 0, NULL },
	{ "a list anyone may change", CONF_START_MILTER, false,
	  "milter_listen = unix:@/run/m.sock\n"
	  "relay_networks = file:@/list666\n", 0, 1,
	  "@/t.cf:2: relay_networks: file:@/list666: writable by every user "
	  "(mode 0666)" },
	{ "several at once", CONF_START_POLICYD, false,
	  "policy_listen = unix:@/nowhere/p.sock\nsocketmap_listen =\n"
	  "relay_networks = file:@/nolist\n", 2, 0,
	  "@/t.cf:1: policy_listen: unix:@/nowhere/p.sock: directory "
	  "@/nowhere: No such file or directory" },
	/* as user nobody */
	{ "good as nobody", CONF_START_MILTER, true,
	  "milter_listen = unix:@/run/m.sock\nuser = nobody\n"
	  "relay_networks = file:@/list spf:example.org\n"
	  "spf_cache_dir = @/cache\n", 0, 0, NULL },
	{ "list only root may read", CONF_START_POLICYD, true,
	  "policy_listen = unix:@/run/p.sock\nsocketmap_listen =\n"
	  "user = nobody\ndeny_networks = file:@/list600\n", 1, 0,
	  "@/t.cf:4: deny_networks: file:@/list600: user nobody cannot read "
	  "it: Permission denied" },
	{ "spf_cache_dir only root may write", CONF_START_MILTER, true,
	  "milter_listen = unix:@/run/m.sock\nuser = nobody\n"
	  "relay_networks = spf:example.org\n"
	  "spf_cache_dir = @/rootdir\n", 1, 0,
	  "@/t.cf:4: spf_cache_dir: @/rootdir: user nobody cannot create "
	  "files in it: Permission denied" },
	{ "a file only root may read", CONF_START_POLICYD, true,
	  "policy_listen = unix:@/run/p.sock\nsocketmap_listen =\n"
	  "user = nobody\n#600\n", 1, 0,
	  "@/t.cf: user nobody cannot read it, and reloads do: Permission "
	  "denied" },
	{ "a directory on the way only root may enter", CONF_START_MILTER,
	  true,
	  "milter_listen = unix:@/run/m.sock\nuser = nobody\n"
	  "relay_networks = file:@/rootdir/closed/list\n", 1, 0,
	  "@/t.cf:3: relay_networks: file:@/rootdir/closed/list: user nobody "
	  "cannot read it: Permission denied" },
	{ "user root cannot be dropped to", CONF_START_MILTER, true,
	  "milter_listen = unix:@/run/m.sock\nuser = root\n", 1, 0,
	  "@/t.cf:2: user: cannot become root: privileges could be regained "
	  "after dropping them (Operation not permitted)" },
};

/* test_report - conf_start's callback: count and keep the first */
static void
test_report(void *ctx, bool error, const char *message)
{
	struct findings *f = ctx;

	if (f->errors + f->warnings == 0)
		snprintf(f->first, sizeof(f->first), "%s", message);
	if (error)
		f->errors++;
	else
		f->warnings++;
}

/* test_subst - text with each "@/" made dir/ (caller frees) */
static char *
test_subst(const char *text, const char *dir)
{
	size_t n = 1;
	const char *p;
	char *out, *o;

	for (p = text; *p; p++)
		n += p[0] == '@' && p[1] == '/' ? strlen(dir) : 1;
	out = o = malloc(n);
	if (out == NULL)
		abort();
	for (p = text; *p; p++) {
		if (p[0] == '@' && p[1] == '/') {
			memcpy(o, dir, strlen(dir));
			o += strlen(dir);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* test_file - write text to dir/name with mode; 0 or -1 */
static int
test_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, fp);
	if (fclose(fp) != 0)
		return -1;
	return chmod(path, mode);
}

/* test_scratch - the files and directories the rows name */
static int
test_scratch(const char *dir, bool root)
{
	char path[4096];
	struct passwd *nobody = getpwnam("nobody");

	if (chmod(dir, 0755) < 0 ||
	    test_file(dir, "list", "192.0.2.0/24\n", 0644) < 0 ||
	    test_file(dir, "list600", "192.0.2.0/24\n", 0600) < 0 ||
	    test_file(dir, "list666", "192.0.2.0/24\n", 0666) < 0 ||
	    test_file(dir, "psl", "com\n", 0644) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/run", dir);
	if (mkdir(path, 0755) < 0 || test_file(path, "file", "", 0644) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cache", dir);
	if (mkdir(path, 0755) < 0)
		return -1;
	if (root && (nobody == NULL || chown(path, nobody->pw_uid, 0) < 0))
		return -1;
	snprintf(path, sizeof(path), "%s/rootdir", dir);
	if (mkdir(path, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/rootdir/closed", dir);
	if (mkdir(path, 0700) < 0)
		return -1;
	return test_file(path, "list", "192.0.2.0/24\n", 0644);
}

/* test_row - one row: write t.cf, parse, check, compare */
static void
test_row(size_t i, const char *dir)
{
	struct findings f = { 0, 0, "" };
	char err[1024], path[4096], *text, *want = NULL;
	struct conf *conf;
	size_t len;

	text = test_subst(rows[i].text, dir);
	len = strlen(text);
	/* every row has a public suffix list, unless it names one itself */
	if (strstr(text, "public_suffix_list") == NULL) {
		char *more = test_subst("public_suffix_list = @/psl\n", dir);

		text = realloc(text, len + strlen(more) + 1);
		if (text == NULL)
			abort();
		memcpy(text + len, more, strlen(more) + 1);
		len += strlen(more);
		free(more);
	}
	TMX_CHECKF(test_file(dir, "t.cf", text, strstr(text, "#600") ?
			     0600 : 0644) == 0, "%s: t.cf", rows[i].name);
	snprintf(path, sizeof(path), "%s/t.cf", dir);
	conf = conf_parse(path, text, len, err, sizeof(err));
	TMX_CHECKF(conf != NULL, "%s: %s", rows[i].name, err);
	if (conf != NULL) {
		TMX_CHECKF(conf_start_check(conf, path, rows[i].program,
					    test_report, &f) == f.errors,
			   "%s: the count returned", rows[i].name);
		conf_free(conf);
	}
	TMX_CHECKF(f.errors == rows[i].errors, "%s: %u errors, want %u (%s)",
		   rows[i].name, f.errors, rows[i].errors, f.first);
	TMX_CHECKF(f.warnings == rows[i].warnings,
		   "%s: %u warnings, want %u (%s)", rows[i].name, f.warnings,
		   rows[i].warnings, f.first);
	if (rows[i].first != NULL)
		want = test_subst(rows[i].first, dir);
	TMX_CHECKF(strcmp(f.first, want ? want : "") == 0,
		   "%s: \"%s\", want \"%s\"", rows[i].name, f.first,
		   want ? want : "");
	free(want);
	free(text);
}

int
main(void)
{
	char dir[] = "/tmp/test-conf-start.XXXXXX", cmd[128];
	bool root = geteuid() == 0;
	size_t i, skipped = 0;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	TMX_CHECK(test_scratch(dir, root) == 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].root && !root) {
			skipped++;
			continue;
		}
		test_row(i, dir);
	}
	if (skipped > 0)
		fprintf(stderr, "%zu rows need root (user nobody); skipped\n",
			skipped);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return TMX_TEST_END();
}
