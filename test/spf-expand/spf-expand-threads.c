/*
 * spf-threads.c - spf-expand.sh's helper: expand one domain from several
 * threads at once, as a daemon's refresher may while trustmx(1) runs, and
 * check every thread got the answer a lone call got (no shared resolver state).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spf_expand.h"

#define THREADS 8
#define ROUNDS 25

struct spf_threads_job {
	const char *domain;
	const struct spf_expansion *want;
	time_t started;		/* when the wanted expansion was made */
	int mismatches;
};

/*
 * spf_threads_same - the prefixes and counters two expansions report;
 * the TTL of b (a later expansion, from caches that count down) may be
 * smaller than a's by the seconds the run has taken, never larger
 */
static int
spf_threads_same(const struct spf_expansion *a, const struct spf_expansion *b,
		 time_t elapsed)
{
	size_t i;

	if (a->count != b->count || b->ttl > a->ttl ||
	    (time_t)(a->ttl - b->ttl) > elapsed + 1 ||
	    a->lookups != b->lookups || a->void_lookups != b->void_lookups) {
		fprintf(stderr, "count %zu/%zu ttl %u/%u lookups %u/%u "
		    "void %u/%u\n", a->count, b->count, (unsigned)a->ttl,
		    (unsigned)b->ttl, (unsigned)a->lookups,
		    (unsigned)b->lookups, (unsigned)a->void_lookups,
		    (unsigned)b->void_lookups);
		return 0;
	}
	for (i = 0; i < a->count; i++) {
		const struct spf_prefix *pa = &a->prefixes[i], *pb = &b->prefixes[i];

		if (pa->len != pb->len || pa->addr.family != pb->addr.family ||
		    memcmp(pa->addr.bytes, pb->addr.bytes, 16) != 0)
			return 0;
	}
	return 1;
}

/* spf_threads_run - one thread's rounds */
static void *
spf_threads_run(void *arg)
{
	struct spf_threads_job *job = arg;
	struct spf_expansion exp;
	char err[512];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		if (spf_expand(job->domain, &exp, NULL, NULL, err, sizeof(err)) !=
		    SPF_EXPAND_OK) {
			fprintf(stderr, "round %d: %s\n", i, err);
			job->mismatches++;
			continue;
		}
		if (!spf_threads_same(job->want, &exp,
		    time(NULL) - job->started))
			job->mismatches++;
		spf_expansion_free(&exp);
	}
	return NULL;
}

/* main - spf-threads DOMAIN: exit 0 when every concurrent result agreed */
int
main(int argc, char **argv)
{
	struct spf_threads_job jobs[THREADS];
	pthread_t tid[THREADS];
	struct spf_expansion want;
	char err[512];
	time_t started;
	int i, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: spf-threads DOMAIN\n");
		return 2;
	}
	memset(&want, 0, sizeof(want));
	started = time(NULL);
	if (spf_expand(argv[1], &want, NULL, NULL, err, sizeof(err)) != SPF_EXPAND_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 1;
	}
	for (i = 0; i < THREADS; i++) {
		jobs[i] = (struct spf_threads_job){ argv[1], &want, started, 0 };
		if (pthread_create(&tid[i], NULL, spf_threads_run, &jobs[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		bad += jobs[i].mismatches;
	}
	printf("%d threads x %d rounds, %d mismatches, %zu prefixes each\n",
	       THREADS, ROUNDS, bad, want.count);
	spf_expansion_free(&want);
	return bad == 0 ? 0 : 1;
}
