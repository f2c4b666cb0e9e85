/*
 * dns-probe.c - test driver for dns/: each command exercises the API the
 * way a daemon would and prints one line per thing it measured, for
 * test/dns/dns-layer.sh to check.
 *
 * usage: dns-probe [-s] [-t ms] [-f addr]... [-r resolv.conf] [-a anchor]
 *                  [-N max-negative-ttl] [-R retry-s] command args...
 *   lookup NAME TYPE [N [MS]]   N lookups (default 1), MS apart: the
 *                               answers, the first (cold) and later
 *                               latencies
 *   threads T N NAME=ADDR...    T threads x N A lookups, all checked
 *   async NAME...               from a poll loop; the first one cancelled
 *   outage DIR NAME-PREFIX      fail during an outage, then time recovery
 *   mem N PREFIX                RSS before, after init, after N lookups
 *   reinit NAME                 answers across dns_init again (a reload)
 *                               and across dns_shutdown (lazy restart)
 *   fork NAME                   answers in parent and child after a fork
 *                               of a process that has looked up
 *   stats                       the counters, after the command before it
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dns.h"

#define PROBE_FWD_MAX	4

struct probe_thread {
	pthread_t tid;
	int n;
	int nnames;
	char **names;		/* "name=addr" */
	int ok, bad;
};

static struct dns_config probe_cfg;

/* probe_now_us - monotonic microseconds */
static uint64_t
probe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* probe_type - a type name or number */
static enum dns_type
probe_type(const char *s)
{
	static const enum dns_type known[] = {
		DNS_TYPE_A, DNS_TYPE_NS, DNS_TYPE_CNAME, DNS_TYPE_SOA,
		DNS_TYPE_PTR, DNS_TYPE_MX, DNS_TYPE_TXT, DNS_TYPE_AAAA,
		DNS_TYPE_TLSA,
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(s, dns_type_str(known[i])) == 0)
			return known[i];
	return (enum dns_type)atoi(s);
}

/* probe_record - one record as "rr: TYPE ttl=N value" */
static void
probe_record(enum dns_type type, const struct dns_record *rec)
{
	char addr[TMX_ADDR_STRLEN];
	size_t i;

	printf("rr: %s ttl=%u ", dns_type_str(type), rec->ttl);
	switch (type) {
	case DNS_TYPE_A:
	case DNS_TYPE_AAAA:
		tmx_addr_format(&rec->addr, addr, sizeof(addr));
		printf("%s\n", addr);
		return;
	case DNS_TYPE_MX:
		printf("%u %s\n", rec->preference, rec->text);
		return;
	default:
		break;
	}
	if (rec->text != NULL) {
		printf("%s\n", rec->text);
		return;
	}
	for (i = 0; i < rec->rdlen; i++)
		printf("%02x", rec->rdata[i]);
	printf("\n");
}

/* probe_answer - the status line and the records */
static void
probe_answer(const char *name, enum dns_type type, const struct dns_answer *a)
{
	size_t i;

	printf("%s %s: status=%s security=%s ttl=%u negttl=%u elapsed_us=%u "
	    "packet=%zu canon=%s reason=%s\n", name, dns_type_str(type),
	    dns_status_str(a->status), dns_security_str(a->security),
	    a->min_ttl, a->negative_ttl, a->elapsed_us, a->packetlen,
	    a->canonname != NULL ? a->canonname : "-",
	    a->reason != NULL ? a->reason : "-");
	for (i = 0; i < a->count; i++)
		probe_record(type, &a->records[i]);
}

/* probe_lookup - n lookups of one name, ms apart; cold and cached
 * latencies (the first and the rest) */
static int
probe_lookup(const char *name, const char *tname, int n, int ms)
{
	enum dns_type type = probe_type(tname);
	struct dns_answer a;
	uint64_t t0, first = 0, rest = 0, best = UINT64_MAX;
	int i;

	for (i = 0; i < n; i++) {
		if (i > 0 && ms > 0)
			usleep((useconds_t)ms * 1000);
		t0 = probe_now_us();
		dns_lookup(name, type, &a);
		t0 = probe_now_us() - t0;
		if (i == 0 || ms > 0)
			probe_answer(name, type, &a);
		if (i == 0) {
			first = t0;
		} else {
			rest += t0;
			if (t0 < best)
				best = t0;
		}
		dns_answer_free(&a);
	}
	if (n > 1)
		printf("latency: cold_us=%llu cached_avg_us=%llu "
		    "cached_min_us=%llu\n", (unsigned long long)first,
		    (unsigned long long)(rest / (uint64_t)(n - 1)),
		    (unsigned long long)best);
	return 0;
}

/* probe_thread_run - n lookups over the names, each answer checked */
static void *
probe_thread_run(void *arg)
{
	struct probe_thread *t = arg;
	char addr[TMX_ADDR_STRLEN], name[256];
	struct dns_answer a;
	int i;

	for (i = 0; i < t->n; i++) {
		const char *pair = t->names[i % t->nnames];
		const char *eq = strchr(pair, '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - pair), pair);
		dns_lookup(name, DNS_TYPE_A, &a);
		if (a.status == DNS_OK && a.count == 1) {
			tmx_addr_format(&a.records[0].addr, addr, sizeof(addr));
			if (strcmp(addr, eq + 1) == 0)
				t->ok++;
			else
				t->bad++;
		} else {
			t->bad++;
		}
		dns_answer_free(&a);
	}
	return NULL;
}

/* probe_threads - nthreads x n lookups at once */
static int
probe_threads(int nthreads, int n, int nnames, char **names)
{
	struct probe_thread *t = calloc((size_t)nthreads, sizeof(*t));
	uint64_t t0 = probe_now_us();
	int i, ok = 0, bad = 0;

	for (i = 0; i < nnames; i++)
		if (strchr(names[i], '=') == NULL)
			return 2;
	for (i = 0; i < nthreads; i++) {
		t[i].n = n;
		t[i].nnames = nnames;
		t[i].names = names;
		pthread_create(&t[i].tid, NULL, probe_thread_run, &t[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i].tid, NULL);
		ok += t[i].ok;
		bad += t[i].bad;
	}
	printf("threads: %d x %d lookups: ok=%d bad=%d wall_ms=%llu\n",
	    nthreads, n, ok, bad,
	    (unsigned long long)((probe_now_us() - t0) / 1000));
	free(t);
	return bad == 0 ? 0 : 1;
}

/* probe_async_done - an async callback: print, free, count */
static void
probe_async_done(void *arg, struct dns_answer *a)
{
	int *left = arg;

	printf("async: status=%s count=%zu elapsed_us=%u\n",
	    dns_status_str(a->status), a->count, a->elapsed_us);
	dns_answer_free(a);
	(*left)--;
}

/* probe_async - every name at once from a poll loop; the first is
 * cancelled and its callback must not run */
static int
probe_async(int nnames, char **names)
{
	struct pollfd pfd;
	int left = nnames - 1, id, i, rounds = 0;

	pfd.fd = dns_async_fd();
	pfd.events = POLLIN;
	if (pfd.fd < 0)
		return 1;
	for (i = 0; i < nnames; i++) {
		if (dns_lookup_async(names[i], DNS_TYPE_A, probe_async_done,
		    &left, &id) < 0)
			return 1;
		if (i == 0)
			printf("async: cancel=%d\n", dns_lookup_cancel(id));
	}
	while (left > 0 && rounds++ < 100) {
		if (poll(&pfd, 1, 1000) > 0)
			dns_async_process();
	}
	/* the cancelled one must not come even if we wait a little longer */
	if (poll(&pfd, 1, 300) > 0)
		dns_async_process();
	printf("async: outstanding=%d\n", left);
	return left == 0 ? 0 : 1;
}

/* probe_wait_file - until path exists (the shell's half of the dance) */
static int
probe_wait_file(const char *dir, const char *file)
{
	char path[512];
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	for (i = 0; i < 600; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

/* probe_touch - create dir/file */
static void
probe_touch(const char *dir, const char *file)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fp = fopen(path, "w")) != NULL)
		fclose(fp);
}

/* probe_fresh - a name under prefix never asked before (cache cannot help) */
static enum dns_status
probe_fresh(const char *prefix, int *seq, struct dns_answer *a)
{
	char name[256];

	snprintf(name, sizeof(name), "n%d.%s", ++*seq, prefix);
	return dns_lookup(name, DNS_TYPE_A, a);
}

/*
 * probe_outage - ok while up; the shell stops the server ("down"); every
 * lookup fails within the timeout; the shell restarts it ("up"); how
 * long until a lookup succeeds again.
 */
static int
probe_outage(const char *dir, const char *prefix, int down_s)
{
	struct dns_answer a;
	uint64_t t0, worst = 0, fast = 0;
	int seq = 0, fails = 0, tries = 0, down_tries;

	if (probe_fresh(prefix, &seq, &a) != DNS_OK) {
		printf("outage: not answered before the outage: %s\n",
		    dns_status_str(a.status));
		return 1;
	}
	dns_answer_free(&a);
	probe_touch(dir, "stop");
	if (probe_wait_file(dir, "stopped") < 0)
		return 1;
	t0 = probe_now_us();
	while (probe_now_us() - t0 < (uint64_t)down_s * 1000000) {
		tries++;
		if (probe_fresh(prefix, &seq, &a) == DNS_TEMPFAIL) {
			fails++;
			/* the first failure without waiting: marked down */
			if (fast == 0 && a.elapsed_us < 100000)
				fast = probe_now_us() - t0;
		}
		if (a.elapsed_us > worst)
			worst = a.elapsed_us;
		dns_answer_free(&a);
		usleep(200000);
	}
	printf("outage: down %ds: %d of %d lookups failed, slowest %llu ms, "
	    "failing fast after %.1f s\n", down_s, fails, tries,
	    (unsigned long long)(worst / 1000), (double)fast / 1e6);
	down_tries = tries;
	probe_touch(dir, "start");
	if (probe_wait_file(dir, "started") < 0)
		return 1;
	t0 = probe_now_us();
	for (tries = 1; probe_now_us() - t0 < 120000000; tries++) {
		if (probe_fresh(prefix, &seq, &a) == DNS_OK) {
			printf("outage: recovered after %.1f s (%d lookups)\n",
			    (double)(probe_now_us() - t0) / 1e6, tries);
			dns_answer_free(&a);
			return fails == down_tries ? 0 : 1;
		}
		dns_answer_free(&a);
		usleep(200000);
	}
	printf("outage: not recovered after 120 s\n");
	return 1;
}

/* probe_rss_kb - this process's resident set, from /proc */
static long
probe_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *fp = fopen("/proc/self/status", "r");

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* probe_mem - what the context costs */
static int
probe_mem(int n, const char *prefix)
{
	long before = probe_rss_kb(), init, after;
	uint64_t t0;
	const char *error;
	struct dns_answer a;
	int seq = 0, i;

	if (dns_init(&probe_cfg, &error) < 0) {
		printf("mem: init failed: %s\n", error);
		return 1;
	}
	init = probe_rss_kb();
	t0 = probe_now_us();
	for (i = 0; i < n; i++) {
		probe_fresh(prefix, &seq, &a);
		dns_answer_free(&a);
	}
	t0 = probe_now_us() - t0;
	after = probe_rss_kb();
	printf("mem: rss_kb before=%ld after_init=%ld (+%ld) after_%d_names="
	    "%ld (+%ld); uncached lookups avg %llu us\n", before, init,
	    init - before, n, after, after - init,
	    (unsigned long long)(n > 0 ? t0 / (uint64_t)n : 0));
	return 0;
}

/* probe_reinit - the resolver replaced, then shut down: NAME answers
 * before, after the second dns_init, and after the lazy restart */
static int
probe_reinit(const char *name)
{
	const char *error;
	struct dns_answer a;
	int i, ok = 0;

	for (i = 0; i < 3; i++) {
		if (i == 1 && dns_init(&probe_cfg, &error) < 0) {
			printf("reinit: %s\n", error);
			return 1;
		}
		if (i == 2)
			dns_shutdown();
		if (dns_lookup(name, DNS_TYPE_A, &a) == DNS_OK)
			ok++;
		printf("reinit: %s %s after %s\n", name,
		    dns_status_str(a.status),
		    i == 0 ? "dns_init" : i == 1 ? "dns_init again" :
		    "dns_shutdown");
		dns_answer_free(&a);
	}
	return ok == 3 ? 0 : 1;
}

/*
 * probe_fork - as a daemon does: configured (dns_init) and looked up in
 * (the resolver running), then fork; parent and child each look NAME up
 * again (the child's AAAA through a resolver of its own, from the same
 * settings)
 */
static int
probe_fork(const char *name)
{
	struct dns_answer a;
	int status = 1;
	pid_t pid;

	dns_lookup(name, DNS_TYPE_A, &a);
	dns_answer_free(&a);
	if ((pid = fork()) < 0)
		return 1;
	if (pid == 0) {
		/* AAAA: not in the memo the child inherited, so asked */
		alarm(20);
		dns_lookup(name, DNS_TYPE_AAAA, &a);
		printf("fork: child %s\n", dns_status_str(a.status));
		_exit(a.status == DNS_OK ? 0 : 1);
	}
	dns_lookup(name, DNS_TYPE_A, &a);
	printf("fork: parent %s\n", dns_status_str(a.status));
	dns_answer_free(&a);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* probe_stats - the counters */
static void
probe_stats(void)
{
	struct dns_stats s;
	unsigned i;

	dns_stats_get(&s);
	printf("stats: queries=%llu answers=%llu cache_hits=%llu timeouts=%llu "
	    "servfails=%llu bogus=%llu latency=",
	    (unsigned long long)s.queries, (unsigned long long)s.answers,
	    (unsigned long long)s.cache_hits, (unsigned long long)s.timeouts,
	    (unsigned long long)s.servfails, (unsigned long long)s.bogus);
	for (i = 0; i < DNS_LATENCY_BUCKETS; i++)
		printf("%s%llu", i ? "/" : "",
		    (unsigned long long)s.latency[i]);
	printf("\n");
}

/* probe_run - one command; its exit status */
static int
probe_run(int argc, char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "lookup") == 0 && argc >= 3)
		return probe_lookup(argv[1], argv[2], argc > 3 ? atoi(argv[3]) : 1,
		    argc > 4 ? atoi(argv[4]) : 0);
	if (strcmp(cmd, "threads") == 0 && argc >= 4)
		return probe_threads(atoi(argv[1]), atoi(argv[2]), argc - 3,
		    argv + 3);
	if (strcmp(cmd, "async") == 0 && argc >= 2)
		return probe_async(argc - 1, argv + 1);
	if (strcmp(cmd, "outage") == 0 && argc >= 4)
		return probe_outage(argv[1], argv[2], atoi(argv[3]));
	if (strcmp(cmd, "reinit") == 0 && argc >= 2)
		return probe_reinit(argv[1]);
	if (strcmp(cmd, "fork") == 0 && argc >= 2)
		return probe_fork(argv[1]);
	if (strcmp(cmd, "mem") == 0 && argc >= 3)
		return probe_mem(atoi(argv[1]), argv[2]);
	fprintf(stderr, "dns-probe: bad command %s\n", cmd);
	return 2;
}

int
main(int argc, char **argv)
{
	const char *fwd[PROBE_FWD_MAX + 1] = { NULL };
	const char *error;
	int c, nfwd = 0, rc;
	bool stats = false, lazy = true;

	while ((c = getopt(argc, argv, "t:f:r:a:N:R:s")) != -1) {
		switch (c) {
		case 't':
			probe_cfg.timeout_ms = (unsigned)atoi(optarg);
			break;
		case 'f':
			if (nfwd < PROBE_FWD_MAX)
				fwd[nfwd++] = optarg;
			probe_cfg.forwarders = fwd;
			break;
		case 'r':
			probe_cfg.resolv_conf = optarg;
			break;
		case 'a':
			probe_cfg.trust_anchor_file = optarg;
			break;
		case 'N':
			probe_cfg.max_negative_ttl = (unsigned)atoi(optarg);
			break;
		case 'R':
			probe_cfg.server_ttl_s = (unsigned)atoi(optarg);
			break;
		case 's':
			stats = true;
			break;
		default:
			return 2;
		}
		if (c != 's')
			lazy = false;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (optind >= argc)
		return 2;
	/* with no option at all, the first lookup initialises (as the CLI) */
	if (!lazy && strcmp(argv[optind], "mem") != 0 &&
	    dns_init(&probe_cfg, &error) < 0) {
		printf("init failed: %s\n", error);
		return 1;
	}
	rc = probe_run(argc - optind, argv + optind);
	if (stats)
		probe_stats();
	dns_shutdown();
	return rc;
}
