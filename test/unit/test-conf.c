/*
 * test-conf.c - trustmx.conf parsing: main.cf syntax (continuations,
 * comments, $references), typed values, bounds, defaults, listen addresses,
 * and errors that name file:line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "tmx-test.h"

/* conf_text - parse a NUL-terminated text named "t.cf" */
static struct conf *
conf_text(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return conf_parse("t.cf", text, strlen(text), err, errlen);
}

/* Texts that load, and one key's resulting value and origin */
static const struct {
	const char *text;
	const char *key;
	const char *value;
	const char *where;
} good[] = {
	{ "", "relay_networks", "", "default" },
	{ "", "policy_clients", "127.0.0.0/8 [::1]/128", "default" },
	{ "", "spf_cache_dir", "/var/lib/trustmx", "default" },
	{ "", "syslog_facility", "mail", "default" },
	{ "", "relay_policy_action", "OK", "default" },
	{ "", "deny_policy_action",
	  "REJECT 5.7.1 Client address is on the deny list", "default" },
	{ "", "public_suffix_list",
	  "/usr/share/publicsuffix/public_suffix_list.dat", "default" },
	{ "relay_networks = 192.0.2.0/24\n", "relay_networks",
	  "192.0.2.0/24", "t.cf:1" },
	{ "  \n# comment\n\nrelay_networks=192.0.2.0/24   \n",
	  "relay_networks", "192.0.2.0/24", "t.cf:4" },
	/* continuation lines, with a comment inside the logical line */
	{ "relay_networks = 192.0.2.0/24,\n"
	  "\t198.51.100.0/24\n"
	  "# between\n"
	  "    2001:db8::/32\n"
	  "user = nobody\n", "relay_networks",
	  "192.0.2.0/24, 198.51.100.0/24 2001:db8::/32", "t.cf:1" },
	{ "relay_networks = a\n  b\nuser = nobody\n", "user", "nobody",
	  "t.cf:3" },
	/* '#' only starts a comment at the start of a line */
	{ "deny_policy_action = REJECT no #1\n", "deny_policy_action",
	  "REJECT no #1", "t.cf:1" },
	/* CRLF line ends */
	{ "user = mail\r\nsyslog_name = tmx\r\n", "syslog_name", "tmx",
	  "t.cf:2" },
	/* $references: either order, braces, parentheses, $$ */
	{ "relay_networks = $proxy_networks 192.0.2.1\n"
	  "proxy_networks = 198.51.100.0/24\n", "relay_networks",
	  "198.51.100.0/24 192.0.2.1", "t.cf:1" },
	{ "relay_networks = ${proxy_networks},$(deny_networks)\n"
	  "proxy_networks = 198.51.100.0/24\n"
	  "deny_networks = 203.0.113.0/24\n", "relay_networks",
	  "198.51.100.0/24,203.0.113.0/24", "t.cf:1" },
	{ "my_relays = 192.0.2.0/24\nrelay_networks = $my_relays\n",
	  "relay_networks", "192.0.2.0/24", "t.cf:2" },
	{ "relay_networks = $policy_clients\n", "relay_networks",
	  "127.0.0.0/8 [::1]/128", "t.cf:1" },
	{ "deny_policy_action = REJECT costs $$5\n", "deny_policy_action",
	  "REJECT costs $5", "t.cf:1" },
	{ "a = x\nb = $a$a\nsyslog_name = t$b\n", "syslog_name", "txx",
	  "t.cf:3" },
	{ "dmarc_reject = YES\n", "dmarc_reject", "YES", "t.cf:1" },
	{ "client_timeout = 10m\n", "client_timeout", "10m", "t.cf:1" },
	{ "milter_listen = unix:/run/trustmx/milter.sock\n", "milter_listen",
	  "unix:/run/trustmx/milter.sock", "t.cf:1" },
	{ "milter_listen = inet6:8895@[::1]\n", "milter_listen",
	  "inet6:8895@[::1]", "t.cf:1" },
	{ "relay_networks =\n", "relay_networks", "", "t.cf:1" },
	{ "policyd_metrics_listen = [::1]:9120\n", "policyd_metrics_listen",
	  "[::1]:9120", "t.cf:1" },
	{ "milter_metrics_listen = /run/trustmx/m.sock\n",
	  "milter_metrics_listen", "/run/trustmx/m.sock", "t.cf:1" },
};

/* Texts that fail, and the start of the error */
static const struct {
	const char *text;
	const char *error;
} bad[] = {
	{ "relay_netwroks = 192.0.2.1\n",
	  "t.cf:1: unknown parameter \"relay_netwroks\"" },
	{ "\n\nuser = x\nnonsense = 1\n",
	  "t.cf:4: unknown parameter \"nonsense\"" },
	{ "relay_networks 192.0.2.1\n",
	  "t.cf:1: missing '=' after parameter name" },
	{ "= 192.0.2.1\n", "t.cf:1: missing parameter name" },
	{ "relay networks = 1\n", "t.cf:1: bad parameter name" },
	{ "  relay_networks = 192.0.2.1\n",
	  "t.cf:1: continuation line without" },
	{ "user = a\n\nuser = b\n", "t.cf:3: user: already set at t.cf:1" },
	{ "dmarc_reject = maybe\n",
	  "t.cf:1: dmarc_reject: bad boolean value \"maybe\"" },
	{ "dns_tempfail = 1\n", "t.cf:1: dns_tempfail: bad boolean" },
	{ "max_clients = many\n", "t.cf:1: max_clients: bad numerical" },
	{ "max_clients = 0\n",
	  "t.cf:1: max_clients: value \"0\" out of range (1..65536)" },
	{ "max_clients = 99999999999999999999999\n",
	  "t.cf:1: max_clients: bad numerical" },
	{ "spf_shrink_limit = 101\n",
	  "t.cf:1: spf_shrink_limit: value \"101\" out of range (0..100)" },
	{ "spf_shrink_limit = -1\n", "t.cf:1: spf_shrink_limit: bad" },
	{ "user = x\n\nclient_timeout = 5x\n",
	  "t.cf:3: client_timeout: bad time value \"5x\"" },
	{ "client_timeout = 5mm\n", "t.cf:1: client_timeout: bad time" },
	{ "client_timeout = m\n", "t.cf:1: client_timeout: bad time" },
	{ "client_timeout = 2d\n",
	  "t.cf:1: client_timeout: value \"2d\" out of range (1s..1d)" },
	{ "client_timeout = 0\n", "t.cf:1: client_timeout: value \"0\" out" },
	{ "spf_refresh_max = 1m\nspf_refresh_min = 2m\n",
	  "t.cf:2: spf_refresh_min (2m) is larger than spf_refresh_max" },
	{ "\nspf_refresh_max = 1m\n",
	  "t.cf:2: spf_refresh_min (5m) is larger than spf_refresh_max (1m)" },
	{ "socket_mode = 0689\n", "t.cf:1: socket_mode: bad octal" },
	{ "syslog_facility = kern7\n", "t.cf:1: syslog_facility: \"kern7\"" },
	{ "spf_cache_dir = var/lib\n", "t.cf:1: spf_cache_dir: \"var/lib\" must" },
	{ "relay_policy_action =\n", "t.cf:1: relay_policy_action: \"\" must" },
	{ "syslog_name = a b\n", "t.cf:1: syslog_name: \"a b\" must be one" },
	{ "user = root;x\n", "t.cf:1: user: \"root;x\" is not" },
	{ "relay_networks = $nothere\n",
	  "t.cf:1: relay_networks: undefined parameter $nothere" },
	{ "relay_networks = ${proxy_networks\n",
	  "t.cf:1: relay_networks: bad $ reference" },
	{ "relay_networks = 1 $\n", "t.cf:1: relay_networks: bad $" },
	{ "relay_networks = $proxy_networks\nproxy_networks = $relay_networks\n",
	  "t.cf:1: relay_networks: $ references form a loop" },
	{ "policy_listen = tcp:1.2.3.4:5\n",
	  "t.cf:1: policy_listen: tcp:1.2.3.4:5: use unix:/path" },
	{ "policy_listen = unix:run/x\n",
	  "t.cf:1: policy_listen: unix:run/x: unix socket path must" },
	{ "policy_listen = inet:127.0.0.1:70000\n",
	  "t.cf:1: policy_listen: inet:127.0.0.1:70000: bad port" },
	{ "policy_listen = inet:::1:25\n",
	  "t.cf:1: policy_listen: inet:::1:25: an IPv6 address needs" },
	{ "socketmap_listen = inet:[::1:25\n",
	  "t.cf:1: socketmap_listen: inet:[::1:25: use inet:[" },
	{ "socketmap_listen = inet:[zz]:25\n",
	  "t.cf:1: socketmap_listen: inet:[zz]:25: bad IPv6" },
	{ "socketmap_listen = haproxy unix:/x\n",
	  "t.cf:1: socketmap_listen: \"haproxy\" must follow" },
	{ "socketmap_listen = unix:/x haproxy haproxy\n",
	  "t.cf:1: socketmap_listen: \"haproxy\" must follow" },
	{ "milter_listen = inet:@localhost\n",
	  "t.cf:1: milter_listen: \"inet:@localhost\" bad port" },
	{ "milter_listen = /run/milter\n", "t.cf:1: milter_listen: " },
	{ "\npolicyd_metrics_listen = 127.0.0.1\n",
	  "t.cf:2: policyd_metrics_listen: " },
	{ "milter_metrics_listen = ::1:9121\n",
	  "t.cf:1: milter_metrics_listen: " },
	{ "milter_metrics_listen = inet:127.0.0.1:9121\n",
	  "t.cf:1: milter_metrics_listen: " },
	{ "a0 = 0123456789abcdef\n"
	  "a1 = $a0$a0\na2 = $a1$a1\na3 = $a2$a2\na4 = $a3$a3\n"
	  "a5 = $a4$a4\na6 = $a5$a5\na7 = $a6$a6\na8 = $a7$a7\n"
	  "a9 = $a8$a8\nb0 = $a9$a9\nb1 = $b0$b0\nb2 = $b1$b1\n"
	  "b3 = $b2$b2\nb4 = $b3$b3\nb5 = $b4$b4\nb6 = $b5$b5\n"
	  "b7 = $b6$b6\nb8 = $b7$b7\nb9 = $b8$b8\nc0 = $b9$b9\n"
	  "relay_networks = $a1 $a9 $b9 $c0\n",
	  "t.cf:18: b7: value longer than 1048576 bytes" },
	{ "user = a\nus\0er = b\n", "t.cf:2: NUL character" },
};

/* test_good - every good text loads and gives the expected value */
static void
test_good(void)
{
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct conf *conf = conf_text(good[i].text, err, sizeof(err));

		TMX_CHECKF(conf != NULL, "good[%zu]: %s", i, err);
		if (conf == NULL)
			continue;
		TMX_CHECK_STR(conf_str(conf, good[i].key), good[i].value);
		TMX_CHECK_STR(conf_where(conf, good[i].key), good[i].where);
		conf_free(conf);
	}
}

/* test_bad - every bad text fails with the expected file:line message */
static void
test_bad(void)
{
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *text = bad[i].text;
		size_t len = strlen(text);
		struct conf *conf;

		/* the NUL row: the text goes on after the NUL */
		if (strcmp(bad[i].error, "t.cf:2: NUL character") == 0)
			len = sizeof("user = a\nus\0er = b\n") - 1;
		err[0] = '\0';
		conf = conf_parse("t.cf", text, len, err, sizeof(err));
		TMX_CHECKF(conf == NULL, "bad[%zu] loaded", i);
		conf_free(conf);
		TMX_CHECKF(strncmp(err, bad[i].error, strlen(bad[i].error)) == 0,
			   "bad[%zu]: got \"%s\", want \"%s...\"", i, err,
			   bad[i].error);
	}
}

/* test_types - typed accessors and their defaults */
static void
test_types(void)
{
	char err[512];
	struct conf *conf;

	conf = conf_text("", err, sizeof(err));
	TMX_CHECK(conf != NULL);
	if (conf == NULL)
		return;
	TMX_CHECK(conf_time(conf, "client_timeout") == 300);
	TMX_CHECK(conf_time(conf, "proxy_timeout") == 5);
	TMX_CHECK(conf_time(conf, "spf_refresh_min") == 300);
	TMX_CHECK(conf_time(conf, "spf_refresh_max") == 86400);
	TMX_CHECK(conf_int(conf, "spf_shrink_limit") == 50);
	TMX_CHECK(conf_int(conf, "max_clients") == 1024);
	TMX_CHECK(conf_int(conf, "socket_mode") == 0660);
	TMX_CHECK(!conf_bool(conf, "dmarc_reject"));
	TMX_CHECK(!conf_bool(conf, "dmarc_quarantine"));
	TMX_CHECK(!conf_bool(conf, "relay_quarantine"));
	TMX_CHECK(!conf_bool(conf, "dns_tempfail"));
	TMX_CHECK_STR(conf_str(conf, "user"), "");
	TMX_CHECK_STR(conf_str(conf, "syslog_name"), "trustmx");
	conf_set_program(conf, "trustmx-policyd");
	TMX_CHECK_STR(conf_str(conf, "syslog_name"), "trustmx-policyd");
	{
		char host[256] = "";

		gethostname(host, sizeof(host));
		if (host[0] != '\0')
			TMX_CHECK_STR(conf_str(conf, "authserv_id"), host);
	}
	conf_free(conf);

	conf = conf_text("client_timeout = 90\nproxy_timeout = 2m\n"
			 "spf_refresh_min = 1h\nspf_refresh_max = 2w\n"
			 "max_clients = 7\nsocket_mode = 0666\n"
			 "dmarc_reject = yes\ndmarc_quarantine = No\n"
			 "syslog_name = mx1\n", err, sizeof(err));
	TMX_CHECKF(conf != NULL, "%s", err);
	if (conf == NULL)
		return;
	TMX_CHECK(conf_time(conf, "client_timeout") == 90);
	TMX_CHECK(conf_time(conf, "proxy_timeout") == 120);
	TMX_CHECK(conf_time(conf, "spf_refresh_min") == 3600);
	TMX_CHECK(conf_time(conf, "spf_refresh_max") == 14 * 86400);
	TMX_CHECK(conf_int(conf, "max_clients") == 7);
	TMX_CHECK(conf_int(conf, "socket_mode") == 0666);
	TMX_CHECK(conf_bool(conf, "dmarc_reject"));
	TMX_CHECK(!conf_bool(conf, "dmarc_quarantine"));
	conf_set_program(conf, "trustmx-milter");
	TMX_CHECK_STR(conf_str(conf, "syslog_name"), "mx1");
	conf_free(conf);
}

/* Listen values and what they parse into */
static const struct {
	const char *value;
	size_t count;
	struct {
		enum conf_listen_kind kind;
		const char *path, *host, *port;
		bool haproxy;
	} l[3];
} listens[] = {
	{ "unix:/run/trustmx/policy", 1,
	  { { CONF_LISTEN_UNIX, "/run/trustmx/policy", NULL, NULL, false } } },
	{ "inet:127.0.0.1:10040, inet:[::1]:10040 haproxy unix:/s", 3,
	  { { CONF_LISTEN_INET, NULL, "127.0.0.1", "10040", false },
	    { CONF_LISTEN_INET, NULL, "::1", "10040", true },
	    { CONF_LISTEN_UNIX, "/s", NULL, NULL, false } } },
	{ "inet:10041 haproxy,inet:*:10042", 2,
	  { { CONF_LISTEN_INET, NULL, NULL, "10041", true },
	    { CONF_LISTEN_INET, NULL, NULL, "10042", false } } },
	{ "inet:mx.example:10040", 1,
	  { { CONF_LISTEN_INET, NULL, "mx.example", "10040", false } } },
	{ "", 0, { { 0 } } },
};

/* str_eq - equal strings, both NULL included */
static bool
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* test_listen - several addresses per key, haproxy marks */
static void
test_listen(void)
{
	char text[512], err[512];
	size_t i, j, n;

	for (i = 0; i < sizeof(listens) / sizeof(listens[0]); i++) {
		const struct conf_listen *l;
		struct conf *conf;

		snprintf(text, sizeof(text), "socketmap_listen = %s\n",
			 listens[i].value);
		conf = conf_text(text, err, sizeof(err));
		TMX_CHECKF(conf != NULL, "listens[%zu]: %s", i, err);
		if (conf == NULL)
			continue;
		l = conf_listen(conf, "socketmap_listen", &n);
		TMX_CHECKF(n == listens[i].count, "listens[%zu]: %zu", i, n);
		for (j = 0; j < n && j < listens[i].count; j++) {
			TMX_CHECKF(l[j].kind == listens[i].l[j].kind &&
				   str_eq(l[j].path, listens[i].l[j].path) &&
				   str_eq(l[j].host, listens[i].l[j].host) &&
				   str_eq(l[j].port, listens[i].l[j].port) &&
				   l[j].haproxy == listens[i].l[j].haproxy,
				   "listens[%zu][%zu] %s", i, j, l[j].text);
		}
		/* the default of the other listen key is one loopback port */
		l = conf_listen(conf, "policy_listen", &n);
		TMX_CHECK(n == 1 && l[0].kind == CONF_LISTEN_INET &&
			  str_eq(l[0].host, "127.0.0.1"));
		conf_free(conf);
	}
}

/* Values and the words conf_words splits them into */
static const struct {
	const char *value;
	const char *words[5];
} words[] = {
	{ "", { NULL } },
	{ " ,, \t", { NULL } },
	{ "a", { "a", NULL } },
	{ "a,b c\t d\n,e", { "a", "b", "c", "d", "e" } },
	{ ", [::1]/128 ,file:/x,", { "[::1]/128", "file:/x", NULL } },
};

/* test_words - Postfix-style list splitting */
static void
test_words(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char **w = conf_words(words[i].value);

		for (j = 0; j < 5 && words[i].words[j] != NULL; j++)
			TMX_CHECK_STR(w[j], words[i].words[j]);
		if (j < 5)
			TMX_CHECKF(w[j] == NULL, "words[%zu] too many", i);
		conf_words_free(w);
	}
}

/* test_load - a file on disk; a missing file names itself */
static void
test_load(void)
{
	char path[] = "/tmp/test-conf.XXXXXX";
	char err[512], want[600];
	struct conf *conf;
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	TMX_CHECK(fd >= 0);
	if (fd < 0)
		return;
	fp = fdopen(fd, "w");
	fputs("# sample\nrelay_networks = 192.0.2.0/24\n\tfile:/etc/x\n"
	      "max_clients = 100000000\n", fp);
	fclose(fp);
	conf = conf_load(path, err, sizeof(err));
	TMX_CHECK(conf == NULL);
	snprintf(want, sizeof(want), "%s:4: max_clients: value", path);
	TMX_CHECKF(strncmp(err, want, strlen(want)) == 0, "%s", err);
	unlink(path);
	conf = conf_load(path, err, sizeof(err));
	TMX_CHECK(conf == NULL);
	snprintf(want, sizeof(want), "%s: No such file", path);
	TMX_CHECKF(strncmp(err, want, strlen(want)) == 0, "%s", err);
}

/* read_source - a file of the source tree into new memory, or NULL */
static char *
read_source(const char *rel)
{
	const char *roots[3] = { getenv("TMX_SRCDIR"), NULL, NULL };
	char root[1024], path[1200];
	char *text = NULL;
	size_t i, n;
	FILE *fp;

	/* __FILE__ is this file as the compiler was given it */
	snprintf(root, sizeof(root), "%s", __FILE__);
	if (strstr(root, "test/unit/test-conf.c") != NULL) {
		*strstr(root, "test/unit/test-conf.c") = '\0';
		roots[1] = root[0] ? root : ".";
	}
	for (i = 0; i < 2 && text == NULL; i++) {
		if (roots[i] == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", roots[i], rel);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		text = calloc(1, 256 * 1024);
		n = fread(text, 1, 256 * 1024 - 1, fp);
		text[n] = '\0';
		fclose(fp);
	}
	return text;
}

/*
 * test_docs - the sample config shows every key with its real default,
 * uncommented it still loads, and trustmx.conf(5) describes every key.
 */
static void
test_docs(void)
{
	char *sample = read_source("etc/trustmx.conf");
	char *man = read_source("man/trustmx.conf.5");
	char *text, *line, *save = NULL, err[512], pat[128];
	const char *name, *def;
	struct conf *conf;
	size_t i, used = 0;

	TMX_CHECKF(sample != NULL && man != NULL,
		   "etc/trustmx.conf or man/trustmx.conf.5 not found");
	if (sample == NULL || man == NULL) {
		free(sample);
		free(man);
		return;
	}
	/* the first "#key = value" of each key, uncommented */
	text = calloc(1, strlen(sample) + 1);
	for (line = strtok_r(sample, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t klen = strcspn(line + 1, " =");

		if (line[0] != '#' || klen == 0 || line[1 + klen] != ' ')
			continue;
		snprintf(pat, sizeof(pat), "\n%.*s =", (int)klen, line + 1);
		for (i = 0; (name = conf_key(i, NULL)) != NULL; i++)
			if (strlen(name) == klen &&
			    strncmp(name, line + 1, klen) == 0)
				break;
		if (name == NULL || strstr(text, pat) != NULL)
			continue;
		used += sprintf(text + used, "\n%s", line + 1);
	}
	conf = conf_parse("sample", text, strlen(text), err, sizeof(err));
	TMX_CHECKF(conf != NULL, "uncommented sample: %s", err);
	for (i = 0; conf != NULL && (name = conf_key(i, &def)) != NULL; i++) {
		snprintf(pat, sizeof(pat), "\n%s =", name);
		TMX_CHECKF(strstr(text, pat) != NULL, "sample lacks %s", name);
		if (def != NULL && strstr(text, pat) != NULL)
			TMX_CHECKF(strcmp(conf_str(conf, name), def) == 0,
				   "sample shows %s = %s, default is %s", name,
				   conf_str(conf, name), def);
		snprintf(pat, sizeof(pat), "\n.BR %s \"", name);
		TMX_CHECKF(strstr(man, pat) != NULL,
			   "trustmx.conf(5) lacks \".BR %s\"", name);
	}
	conf_free(conf);
	free(text);
	free(sample);
	free(man);
}

int
main(void)
{
	test_good();
	test_bad();
	test_types();
	test_listen();
	test_words();
	test_load();
	test_docs();
	return TMX_TEST_END();
}
