/*
 * bench-cidr.c - lookups per second in CIDR sets of 10, 10k and 1M random
 * prefixes (IPv4 and IPv6), with build time and memory; and a Postfix
 * cidr_table of N rules (specific networks, /20 to /32, so that most keys
 * outside them make a first-match scan read every rule) answered in-process. "bench-cidr table N DIR"
 * also writes DIR/table.cidr and DIR/keys so bench/run can time
 * postmap -q - cidr: against trustmx cidr lookup on the same keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <trustmx/cidrset.h>
#include <trustmx/cidrtab.h>

#define BENCH_KEYS 4000000

static uint64_t bench_rng = 0x9e3779b97f4a7c15ULL;

/* bench_rand - xorshift64*, fixed seed: every run sees the same data */
static uint64_t
bench_rand(void)
{
	bench_rng ^= bench_rng >> 12;
	bench_rng ^= bench_rng << 25;
	bench_rng ^= bench_rng >> 27;
	return bench_rng * 2685821657736338717ULL;
}

/* bench_now - monotonic seconds */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* bench_rss_mb - resident set size now, MiB */
static double
bench_rss_mb(void)
{
	long pages = 0, rss = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp != NULL) {
		if (fscanf(fp, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(fp);
	}
	return rss * (double)sysconf(_SC_PAGESIZE) / (1 << 20);
}

/* bench_mask - clear the host bits of a after len */
static void
bench_mask(struct tmx_addr *a, unsigned len)
{
	for (unsigned i = len; i < (a->family == 4 ? 32u : 128u); i++)
		a->bytes[i / 8] &= ~(0x80 >> (i % 8));
}

/* bench_random_prefix - a random prefix of the family, host bits cleared */
static void
bench_random_prefix(int family, struct tmx_addr *a, unsigned *len)
{
	uint64_t r[2] = { bench_rand(), bench_rand() };

	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->bytes, r, family == 4 ? 4 : 16);
	if (family == 6)
		a->bytes[0] = 0x20;	/* global unicast, like real lists */
	*len = family == 4 ? 8 + bench_rand() % 25 : 16 + bench_rand() % 113;
	bench_mask(a, *len);
}

/* bench_keys - keys, half inside the given prefixes, half anywhere */
static struct tmx_addr *
bench_keys(int family, const struct tmx_addr *pfx, size_t npfx)
{
	struct tmx_addr *keys = malloc(BENCH_KEYS * sizeof(*keys));
	unsigned len;

	if (keys == NULL)
		abort();
	for (size_t i = 0; i < BENCH_KEYS; i++) {
		bench_random_prefix(family, &keys[i], &len);
		if (i % 2 == 0) {
			const struct tmx_addr *p = &pfx[bench_rand() % npfx];
			for (unsigned b = 0; b < 16; b++)
				keys[i].bytes[b] = p->bytes[b] ^
				    (keys[i].bytes[b] & 0x01);
		}
	}
	return keys;
}

/* bench_set - build a set of n prefixes, time lookups, print one row */
static void
bench_set(int family, size_t n)
{
	struct tmx_cidrset_builder *b = tmx_cidrset_builder_new();
	struct tmx_addr *pfx = malloc(n * sizeof(*pfx));
	double rss0 = bench_rss_mb(), t0, t_build, t_look;
	size_t hits = 0;
	unsigned len;

	if (b == NULL || pfx == NULL)
		abort();
	t0 = bench_now();
	for (size_t i = 0; i < n; i++) {
		bench_random_prefix(family, &pfx[i], &len);
		tmx_cidrset_builder_add(b, &pfx[i], len, (uint32_t)i, NULL);
	}
	struct tmx_cidrset *set = tmx_cidrset_build(b);
	t_build = bench_now() - t0;
	if (set == NULL)
		abort();
	double mem = bench_rss_mb() - rss0;
	struct tmx_addr *keys = bench_keys(family, pfx, n);

	t0 = bench_now();
	for (size_t i = 0; i < BENCH_KEYS; i++)
		hits += tmx_cidrset_lookup(set, &keys[i], NULL);
	t_look = bench_now() - t0;
	printf("| IPv%d set | %zu prefixes | %.2f s build | %.0f MiB | "
	    "%.1f M lookups/s | %.0f ns/lookup | %zu%% hits |\n", family, n,
	    t_build, mem, BENCH_KEYS / t_look / 1e6, t_look / BENCH_KEYS * 1e9,
	    hits * 100 / BENCH_KEYS);
	tmx_cidrset_free(set);
	free(keys);
	free(pfx);
}

/* bench_table - a cidr_table of n rules (some negated, some in if blocks) */
static int
bench_table(size_t n, const char *dir)
{
	char path[4096];
	size_t cap = n * 64 + 64, len = 0;
	char *text = malloc(cap), buf[TMX_ADDR_STRLEN];
	struct tmx_addr *pfx = malloc(n * sizeof(*pfx));
	unsigned plen;

	if (text == NULL || pfx == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		/* an allowlist of specific networks, /20 to /32, as sites keep */
		bench_random_prefix(4, &pfx[i], &plen);
		plen = 20 + bench_rand() % 13;
		bench_mask(&pfx[i], plen);
		tmx_addr_format(&pfx[i], buf, sizeof(buf));
		if (i % 100 == 50)
			len += snprintf(text + len, cap - len, "if %s/%u\n",
			    buf, plen);
		len += snprintf(text + len, cap - len, "%s%s/%u rule%zu\n",
		    i % 100 == 55 ? "!" : "", buf, plen, i);
		if (i % 100 == 60)
			len += snprintf(text + len, cap - len, "endif\n");
	}
	snprintf(path, sizeof(path), "%s/table.cidr", dir);
	FILE *fp = fopen(path, "w");
	if (fp == NULL || fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		return 1;
	}

	struct tmx_cidrtab *tab;
	char err[256];
	double t0 = bench_now();
	if (tmx_cidrtab_parse(path, text, len, 0, NULL, NULL, &tab, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double t_build = bench_now() - t0;
	struct tmx_addr *keys = bench_keys(4, pfx, n);
	size_t hits = 0;

	t0 = bench_now();
	for (size_t i = 0; i < BENCH_KEYS; i++)
		hits += tmx_cidrtab_lookup(tab, &keys[i]) != NULL;
	double t_look = bench_now() - t0;
	printf("| cidr_table in-process | %zu rules | %.2f s build | - | "
	    "%.1f M lookups/s | %.0f ns/lookup | %zu%% hits |\n", n, t_build,
	    BENCH_KEYS / t_look / 1e6, t_look / BENCH_KEYS * 1e9,
	    hits * 100 / BENCH_KEYS);

	/* the first 200k keys, as text, for the postmap comparison */
	snprintf(path, sizeof(path), "%s/keys", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	for (size_t i = 0; i < 200000; i++)
		fprintf(fp, "%s\n", tmx_addr_format(&keys[i], buf, sizeof(buf)));
	fclose(fp);
	tmx_cidrtab_free(tab);
	free(keys);
	free(pfx);
	free(text);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "table") == 0)
		return bench_table(strtoul(argv[2], NULL, 10), argv[3]);
	if (argc != 1) {
		fprintf(stderr, "usage: bench-cidr [table N DIR]\n");
		return 2;
	}
	bench_set(4, 10);
	bench_set(4, 10000);
	bench_set(4, 1000000);
	bench_set(6, 10);
	bench_set(6, 10000);
	bench_set(6, 1000000);
	return 0;
}
