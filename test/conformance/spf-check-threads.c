/*
 * spf-threads.c - the milter's use of the SPF layer: one layer, many
 * threads at once. Each thread evaluates every case many times; any result
 * that differs from the expected one (a shared-state bug) fails the run.
 *
 *   spf-threads THREADS ROUNDS IP HELO FROM RESULT [IP HELO FROM RESULT...]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf.h"

struct threads_case {
	struct tmx_addr client;
	const char *helo, *from, *result;
};

struct threads_run {
	struct spf_layer *layer;
	struct threads_case *cases;
	int ncases, rounds;
	int mismatches;		/* per thread */
};

/* threads_worker - every case, ROUNDS times, in this thread */
static void *
threads_worker(void *arg)
{
	struct threads_run *run = arg;
	struct spf_verdict v;
	int r, i;

	for (r = 0; r < run->rounds; r++) {
		for (i = 0; i < run->ncases; i++) {
			const struct threads_case *c = &run->cases[i];

			spf_check(run->layer, &c->client, c->helo, c->from, &v);
			if (strcmp(spf_outcome_name(v.result), c->result) != 0) {
				fprintf(stderr, "%s: expected %s, got %s\n",
				    c->from, c->result,
				    spf_outcome_name(v.result));
				run->mismatches++;
			}
		}
	}
	return NULL;
}

/* main - parse the cases, run the threads, count mismatches */
int
main(int argc, char **argv)
{
	struct spf_layer_config config = { 0 };
	struct threads_run *runs;
	struct threads_case *cases;
	pthread_t *tids;
	int nthreads, rounds, ncases, i, bad = 0;
	char err[256];

	if (argc < 7 || (argc - 3) % 4 != 0) {
		fprintf(stderr, "usage: spf-threads THREADS ROUNDS "
		    "IP HELO FROM RESULT...\n");
		return 2;
	}
	nthreads = atoi(argv[1]);
	rounds = atoi(argv[2]);
	ncases = (argc - 3) / 4;
	cases = calloc((size_t)ncases, sizeof(*cases));
	runs = calloc((size_t)nthreads, sizeof(*runs));
	tids = calloc((size_t)nthreads, sizeof(*tids));
	if (cases == NULL || runs == NULL || tids == NULL || nthreads < 1)
		return 2;
	for (i = 0; i < ncases; i++) {
		char **a = argv + 3 + 4 * i;

		if (tmx_addr_parse(a[0], &cases[i].client) < 0)
			return 2;
		cases[i].helo = a[1];
		cases[i].from = a[2];
		cases[i].result = a[3];
	}
	config.receiver = "mx.example.org";
	runs[0].layer = spf_layer_new(&config, err, sizeof(err));
	if (runs[0].layer == NULL) {
		fprintf(stderr, "spf_layer_new: %s\n", err);
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		runs[i].layer = runs[0].layer;
		runs[i].cases = cases;
		runs[i].ncases = ncases;
		runs[i].rounds = rounds;
		if (pthread_create(&tids[i], NULL, threads_worker, &runs[i]) != 0)
			return 1;
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(tids[i], NULL);
		bad += runs[i].mismatches;
	}
	spf_layer_free(runs[0].layer);
	printf("%d threads x %d rounds x %d cases: %d mismatches\n",
	    nthreads, rounds, ncases, bad);
	free(cases);
	free(runs);
	free(tids);
	return bad == 0 ? 0 : 1;
}
