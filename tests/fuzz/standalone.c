/*
 * Replays inputs through a fuzz target without libFuzzer, so that every
 * target also builds with gcc in a normal build and the saved corpus and
 * crashes run as a regression test (meson test fuzz-regress).
 *
 * Usage: fuzz_TARGET [-option]... FILE|FOLDER...   Each file named, and
 * each regular file directly in each folder named, is fed to
 * LLVMFuzzerTestOneInput in turn; options (libFuzzer's, like -runs=0) are
 * ignored, so that the same command line works with a libFuzzer build.  A
 * missing folder is skipped.  Exits 0 when every input ran; a broken
 * invariant aborts (the name of the input is printed first).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL, *grown;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if (!(grown = realloc(data, cap))) {
				free(data);
				fclose(f);
				fprintf(stderr, "%s: out of memory\n", path);
				return -1;
			}
			data = grown;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "running %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	(*count)++;
	return 0;
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_folder(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, **grown;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(names, cap * sizeof(*names)))) {
				rc = -1;
				break;
			}
			names = grown;
		}
		if (!(names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2))) {
			rc = -1;
			break;
		}
		sprintf(names[n++], "%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), names_cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		if (rc == 0 && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
			rc = run_file(names[i], count);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	struct stat sb;
	int rc = 0;

	for (int i = 1; rc == 0 && i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = run_folder(argv[i], &count);
		else if (stat(argv[i], &sb) == 0)
			rc = run_file(argv[i], &count);
		else if (errno != ENOENT)
			rc = -1;
	}
	printf("%s: %zu inputs ran\n", argc > 0 ? argv[0] : "fuzz", count);
	return rc == 0 ? 0 : 1;
}
