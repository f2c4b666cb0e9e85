/*
 * test-spf-cache.c - the on-disk store of last good spf: expansions: round
 * trips, atomic replacement, every kind of damage rejected, and domain
 * names that cannot steer a file out of the cache directory.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spf_expand.h"
#include "tmx-test.h"

static char test_root[64];	/* mkdtemp: holds cache/ and nothing else */
static char test_dir[96];	/* the cache directory under test */

/* test_prefix - one prefix from text (test data is always valid) */
static struct spf_prefix
test_prefix(const char *addr, unsigned len)
{
	struct spf_prefix p;

	memset(&p, 0, sizeof(p));
	if (inet_pton(AF_INET, addr, p.addr.bytes) == 1)
		p.addr.family = 4;
	else if (inet_pton(AF_INET6, addr, p.addr.bytes) == 1)
		p.addr.family = 6;
	p.len = len;
	return p;
}

/* test_sample - a sorted, unique expansion with both families */
static void
test_sample(struct spf_expansion *exp, struct spf_prefix *storage)
{
	storage[0] = test_prefix("192.0.2.0", 24);
	storage[1] = test_prefix("198.51.100.7", 32);
	storage[2] = test_prefix("203.0.113.64", 26);
	storage[3] = test_prefix("2001:db8::", 32);
	storage[4] = test_prefix("2001:db8:1:2::5", 128);
	memset(exp, 0, sizeof(*exp));
	exp->prefixes = storage;
	exp->count = 5;
	exp->ttl = 3600;
	exp->lookups = 4;
	exp->void_lookups = 1;
	exp->resolved_at = 1700000000;
}

/* test_same - two expansions hold the same data */
static bool
test_same(const struct spf_expansion *a, const struct spf_expansion *b)
{
	size_t i;

	if (a->count != b->count || a->ttl != b->ttl ||
	    a->lookups != b->lookups || a->void_lookups != b->void_lookups ||
	    a->resolved_at != b->resolved_at)
		return false;
	for (i = 0; i < a->count; i++)
		if (a->prefixes[i].len != b->prefixes[i].len ||
		    a->prefixes[i].addr.family != b->prefixes[i].addr.family ||
		    memcmp(a->prefixes[i].addr.bytes, b->prefixes[i].addr.bytes, 16))
			return false;
	return true;
}

/* test_read_file - a whole file into a static buffer; its length or -1 */
static long
test_read_file(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		return -1;
	n = fread(buf, 1, size - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return (long)n;
}

/* test_write_file - replace path with len bytes of data */
static void
test_write_file(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	TMX_CHECK(fp != NULL);
	if (fp == NULL)
		return;
	TMX_CHECK(fwrite(data, 1, len, fp) == len);
	fclose(fp);
}

/* test_dir_entries - names in dir other than . and .., joined by spaces */
static void
test_dir_entries(const char *dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (out[0] != '\0')
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, de->d_name, size - strlen(out) - 1);
	}
	closedir(d);
}

/* test_fnv - the checksum the cache writes, to forge well-summed files */
static uint64_t
test_fnv(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* test_round_trip - what is saved loads back equal, both families */
static void
test_round_trip(void)
{
	struct spf_prefix storage[5];
	struct spf_expansion exp, got, empty;
	char err[256];

	test_sample(&exp, storage);
	TMX_CHECK(spf_cache_save(test_dir, "relay.example", &exp, err,
				 sizeof(err)) == 0);
	TMX_CHECK(spf_cache_load(test_dir, "relay.example", &got, err,
				 sizeof(err)) == 0);
	TMX_CHECK(test_same(&exp, &got));
	spf_expansion_free(&got);
	/* case and a trailing dot name the same domain */
	TMX_CHECK(spf_cache_load(test_dir, "Relay.EXAMPLE.", &got, err,
				 sizeof(err)) == 0);
	TMX_CHECK(test_same(&exp, &got));
	spf_expansion_free(&got);
	/* "v=spf1 -all" expands to nothing, and that is a result too */
	memset(&empty, 0, sizeof(empty));
	empty.ttl = 60;
	empty.resolved_at = 1700000000;
	TMX_CHECK(spf_cache_save(test_dir, "none.example", &empty, err,
				 sizeof(err)) == 0);
	TMX_CHECK(spf_cache_load(test_dir, "none.example", &got, err,
				 sizeof(err)) == 0);
	TMX_CHECK(got.count == 0 && got.ttl == 60);
	spf_expansion_free(&got);
	/* nothing saved: -1 and a reason */
	TMX_CHECK(spf_cache_load(test_dir, "never.example", &got, err,
				 sizeof(err)) == -1);
	TMX_CHECK(err[0] != '\0');
	TMX_CHECK(spf_cache_load("/nonexistent-trustmx-dir", "relay.example",
				 &got, err, sizeof(err)) == -1);
	TMX_CHECK(spf_cache_save("/nonexistent-trustmx-dir", "relay.example",
				 &exp, err, sizeof(err)) == -1);
}

/* test_atomic_replace - a new save is a new file renamed over the old one */
static void
test_atomic_replace(void)
{
	struct spf_prefix storage[5];
	struct spf_expansion exp, got;
	char path[160], before[4096], after[4096], names[1024], err[256];
	long n1, n2;
	int fd;

	test_sample(&exp, storage);
	TMX_CHECK(spf_cache_save(test_dir, "swap.example", &exp, err,
				 sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/swap.example", test_dir);
	n1 = test_read_file(path, before, sizeof(before));
	TMX_CHECK(n1 > 0);
	/* a reader holding the old file keeps reading the old, whole file */
	fd = open(path, O_RDONLY);
	TMX_CHECK(fd >= 0);
	exp.count = 2;
	exp.ttl = 300;
	TMX_CHECK(spf_cache_save(test_dir, "swap.example", &exp, err,
				 sizeof(err)) == 0);
	n2 = pread(fd, after, sizeof(after) - 1, 0);
	TMX_CHECK(n2 == n1 && memcmp(before, after, (size_t)n1) == 0);
	close(fd);
	TMX_CHECK(spf_cache_load(test_dir, "swap.example", &got, err,
				 sizeof(err)) == 0);
	TMX_CHECK(got.count == 2 && got.ttl == 300);
	spf_expansion_free(&got);
	/* no temporary file is left behind */
	test_dir_entries(test_dir, names, sizeof(names));
	TMX_CHECKF(strstr(names, ".tmp") == NULL, "%s", names);
	/* an expansion the loader would reject is not written at all */
	storage[0] = test_prefix("2001:db8::", 32);	/* out of order */
	exp.count = 5;
	TMX_CHECK(spf_cache_save(test_dir, "swap.example", &exp, err,
				 sizeof(err)) == -1);
	TMX_CHECK(spf_cache_load(test_dir, "swap.example", &got, err,
				 sizeof(err)) == 0);
	TMX_CHECK(got.count == 2);
	spf_expansion_free(&got);
	test_dir_entries(test_dir, names, sizeof(names));
	TMX_CHECKF(strstr(names, ".tmp") == NULL, "%s", names);
}

/* test_truncated - every proper prefix of a good file is rejected */
static void
test_truncated(void)
{
	struct spf_prefix storage[5];
	struct spf_expansion exp, got;
	char path[160], good[4096], err[256];
	long len, cut;

	test_sample(&exp, storage);
	TMX_CHECK(spf_cache_save(test_dir, "cut.example", &exp, err,
				 sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/cut.example", test_dir);
	len = test_read_file(path, good, sizeof(good));
	TMX_CHECK(len > 0);
	for (cut = 0; cut < len; cut++) {
		test_write_file(path, good, (size_t)cut);
		TMX_CHECKF(spf_cache_load(test_dir, "cut.example", &got, err,
					  sizeof(err)) == -1, "cut at %ld", cut);
		TMX_CHECK(got.prefixes == NULL && got.count == 0);
	}
	/* and a single flipped bit anywhere */
	for (cut = 0; cut < len; cut++) {
		good[cut] ^= 0x01;
		test_write_file(path, good, (size_t)len);
		TMX_CHECKF(spf_cache_load(test_dir, "cut.example", &got, err,
					  sizeof(err)) == -1, "bit flip at %ld", cut);
		good[cut] ^= 0x01;
	}
	test_write_file(path, good, (size_t)len);
	TMX_CHECK(spf_cache_load(test_dir, "cut.example", &got, err,
				 sizeof(err)) == 0);
	spf_expansion_free(&got);
}

/* A well-summed file whose content is wrong: the loader must read it all. */
static const struct {
	const char *name;
	const char *body;	/* the checksum line is added */
	bool ok;
} test_forged[] = {
	{ "baseline", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 2\n"
	  "192.0.2.0/24\n2001:db8::/32\n", true },
	{ "version 2", "trustmx-spf-cache 2 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "other domain", "trustmx-spf-cache 1 other.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "bad magic", "trustmx-spf-cachf 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "count too high", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 3\n"
	  "192.0.2.0/24\n2001:db8::/32\n", false },
	{ "count too low", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/24\n2001:db8::/32\n", false },
	{ "host bits", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.1/24\n", false },
	{ "length 33", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/33\n", false },
	{ "no length", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0\n", false },
	{ "not canonical", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "2001:0db8::/32\n", false },
	{ "leading zero", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/024\n", false },
	{ "unsorted", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 2\n"
	  "2001:db8::/32\n192.0.2.0/24\n", false },
	{ "duplicate", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 2\n"
	  "192.0.2.0/24\n192.0.2.0/24\n", false },
	{ "ttl zero", "trustmx-spf-cache 1 forge.example 1700000000 0 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "ttl overflow", "trustmx-spf-cache 1 forge.example 1700000000 4294967296 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "11 lookups", "trustmx-spf-cache 1 forge.example 1700000000 300 11 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "3 void", "trustmx-spf-cache 1 forge.example 1700000000 300 1 3 1\n"
	  "192.0.2.0/24\n", false },
	{ "from the future", "trustmx-spf-cache 1 forge.example 99999999999 300 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "negative time", "trustmx-spf-cache 1 forge.example -5 300 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "extra field", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1 x\n"
	  "192.0.2.0/24\n", false },
	{ "double space", "trustmx-spf-cache 1 forge.example  1700000000 300 1 0 1\n"
	  "192.0.2.0/24\n", false },
	{ "crlf", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\r\n"
	  "192.0.2.0/24\r\n", false },
	{ "trailing space", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/24 \n", false },
	{ "extra line", "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	  "192.0.2.0/24\n\n", false },
};

/* test_forged_files - header and prefix checks behind the checksum */
static void
test_forged_files(void)
{
	struct spf_expansion got;
	char path[160], data[1024], err[256];
	size_t i;
	int n;

	snprintf(path, sizeof(path), "%s/forge.example", test_dir);
	for (i = 0; i < sizeof(test_forged) / sizeof(test_forged[0]); i++) {
		const char *body = test_forged[i].body;

		n = snprintf(data, sizeof(data), "%send %016" PRIx64 "\n", body,
			     test_fnv(body, strlen(body)));
		test_write_file(path, data, (size_t)n);
		TMX_CHECKF((spf_cache_load(test_dir, "forge.example", &got, err,
					   sizeof(err)) == 0) == test_forged[i].ok,
			   "%s: %s", test_forged[i].name, err);
		spf_expansion_free(&got);
	}
	/* a NUL byte, even one the checksum covers */
	memcpy(data, "trustmx-spf-cache 1 forge.example 1700000000 300 1 0 1\n"
	       "192.0.2.0/24\0\n", 70);
	n = snprintf(data + 70, sizeof(data) - 70, "end %016" PRIx64 "\n",
		     test_fnv(data, 70));
	test_write_file(path, data, 70 + (size_t)n);
	TMX_CHECK(spf_cache_load(test_dir, "forge.example", &got, err,
				 sizeof(err)) == -1);
	/* a symlink is not followed, a directory is not a cache file */
	unlink(path);
	TMX_CHECK(symlink("/etc/passwd", path) == 0);
	TMX_CHECK(spf_cache_load(test_dir, "forge.example", &got, err,
				 sizeof(err)) == -1);
	unlink(path);
	TMX_CHECK(mkdir(path, 0700) == 0);
	TMX_CHECK(spf_cache_load(test_dir, "forge.example", &got, err,
				 sizeof(err)) == -1);
	rmdir(path);
}

/* Names a configuration could hold; none may leave the directory. */
static const char *const test_odd_names[] = {
	"../escape.example",
	"../../escape.example",
	"..",
	".hidden.example",
	"a/b.example",
	"/etc/passwd",
	"new\nline.example",
	"space name.example",
	"-dash.example",
	"=3d3d.example",
	"%{d}.example",
	"a..b.example",
	"_spf.example",
};

/* test_odd_domains - saved inside dir, loaded back, distinct from each other */
static void
test_odd_domains(void)
{
	struct spf_prefix storage[5];
	struct spf_expansion exp, got;
	char names[4096], path[160], err[256], longname[300];
	struct stat sb;
	size_t i, n;

	test_sample(&exp, storage);
	for (i = 0; i < sizeof(test_odd_names) / sizeof(test_odd_names[0]); i++) {
		exp.ttl = (uint32_t)(100 + i);
		TMX_CHECKF(spf_cache_save(test_dir, test_odd_names[i], &exp, err,
					  sizeof(err)) == 0,
			   "%s: %s", test_odd_names[i], err);
	}
	for (i = 0; i < sizeof(test_odd_names) / sizeof(test_odd_names[0]); i++) {
		TMX_CHECKF(spf_cache_load(test_dir, test_odd_names[i], &got, err,
					  sizeof(err)) == 0 &&
			   got.ttl == 100 + i, "%s: %s", test_odd_names[i], err);
		spf_expansion_free(&got);
	}
	/* nothing was written beside the cache directory */
	test_dir_entries(test_root, names, sizeof(names));
	TMX_CHECK_STR(names, "cache");
	snprintf(path, sizeof(path), "%s/../escape.example", test_root);
	TMX_CHECK(stat(path, &sb) == -1);
	/* every odd name got a plain file of its own */
	test_dir_entries(test_dir, names, sizeof(names));
	TMX_CHECKF(strchr(names, '\n') == NULL, "%s", names);
	TMX_CHECK(strstr(names, "_spf.example") != NULL);
	TMX_CHECK(strstr(names, "=2e2e2f657363617065") != NULL);
	/* the empty name and an overlong odd one are refused, not truncated */
	TMX_CHECK(spf_cache_save(test_dir, "", &exp, err, sizeof(err)) == -1);
	TMX_CHECK(spf_cache_save(test_dir, ".", &exp, err, sizeof(err)) == -1);
	n = sizeof(longname) - 1;
	memset(longname, '/', n);
	longname[n] = '\0';
	TMX_CHECK(spf_cache_save(test_dir, longname, &exp, err, sizeof(err)) == -1);
}

/* test_cleanup - remove the scratch tree */
static void
test_cleanup(void)
{
	char names[8192], path[512], *name, *save = NULL;

	test_dir_entries(test_dir, names, sizeof(names));
	/* odd names hold no space: their files are hex */
	for (name = strtok_r(names, " ", &save); name != NULL;
	     name = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s", test_dir, name);
		unlink(path);
	}
	rmdir(test_dir);
	rmdir(test_root);
}

/* main - each part in a fresh scratch directory under $TMPDIR or /tmp */
int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(test_root, sizeof(test_root), "%s/tmx-spf-cache.XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(test_root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(test_dir, sizeof(test_dir), "%s/cache", test_root);
	if (mkdir(test_dir, 0700) < 0) {
		perror(test_dir);
		return 1;
	}
	test_round_trip();
	test_atomic_replace();
	test_truncated();
	test_forged_files();
	test_odd_domains();
	test_cleanup();
	return TMX_TEST_END();
}
