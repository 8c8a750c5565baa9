/*
 * readall: the "read every .ini once" reference of the speed benchmark.
 *
 *   readall [DIR]     (default: inquiries)
 *
 * Walks DIR with opendir/readdir (no stat, unless the file system does not
 * say a name's type) and reads every file whose name ends in ".ini" with
 * open/read/close into one reused buffer; prints the number of files and
 * of bytes.  About the least any program that reads a spiral repository's
 * files can do.  Built by bench/run with `cc -O2`; not part of the meson
 * build.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[1 << 16];
static unsigned long long files, bytes;

static int is_ini(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".ini") == 0;
}

static int read_file(const char *path)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		bytes += (unsigned long long)n;
	close(fd);
	if (n < 0) {
		perror(path);
		return -1;
	}
	files++;
	return 0;
}

static int walk(char *path, size_t len, size_t cap)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		size_t n = strlen(name);
		unsigned char type = e->d_type;

		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		if (len + 1 + n + 1 > cap) {
			fprintf(stderr, "%s/%s: path too long\n", path, name);
			rc = -1;
			continue;
		}
		path[len] = '/';
		memcpy(path + len + 1, name, n + 1);
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (lstat(path, &st) == 0)
				type = S_ISDIR(st.st_mode)   ? DT_DIR
				       : S_ISREG(st.st_mode) ? DT_REG
							     : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			if (walk(path, len + 1 + n, cap) < 0)
				rc = -1;
		} else if (type == DT_REG && is_ini(name)) {
			if (read_file(path) < 0)
				rc = -1;
		}
		path[len] = '\0';
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	char path[4096];
	const char *top = argc > 1 ? argv[1] : "inquiries";
	size_t len = strlen(top);
	int rc;

	if (argc > 2 || len >= sizeof(path)) {
		fprintf(stderr, "usage: readall [DIR]\n");
		return 2;
	}
	memcpy(path, top, len + 1);
	rc = walk(path, len, sizeof(path));
	printf("%llu files, %llu bytes\n", files, bytes);
	return rc < 0 ? 1 : 0;
}
