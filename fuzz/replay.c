/*
 * replay.c - a main() for fuzz targets built without a fuzzing engine: run
 * LLVMFuzzerTestOneInput once on every file named, or in a directory named,
 * so the corpus is a regression test in every build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* replay_file - feed one file to the target; -1 when it can't be read */
static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *grown;

			cap = cap ? cap * 2 : 4096;
			if ((grown = realloc(data, cap)) == NULL) {
				free(data);
				fclose(fp);
				return -1;
			}
			data = grown;
		}
		n = fread(data + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	/* An exact-size copy, so ASan sees reads past the end of the input. */
	uint8_t *exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(data);
		return -1;
	}
	if (len)
		memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

/* replay_path - a file, or every regular file in a directory */
static int
replay_path(const char *path, int *count)
{
	struct stat st;
	struct dirent *de;
	DIR *dir;
	int rc = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	if ((dir = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (replay_path(sub, count) < 0)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

int
main(int argc, char **argv)
{
	int count = 0, rc = 0;

	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) < 0)
			rc = 1;
	printf("replayed %d inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no corpus inputs found\n");
		return 1;
	}
	return rc;
}
