/* merge-file BASE OURS THEIRS [PATH]: git's merge driver for spiral's INI
 * files (%O %A %B %P).  The merged file replaces OURS whole or not at all;
 * a failure leaves OURS as it was and exits 1, which git reports as a
 * conflict. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

/* The largest file merged, as the largest file spiral reads. */
#define MERGE_MAX_FILE (1024 * 1024)

/* Reads a whole regular file of at most MERGE_MAX_FILE bytes into *data
 * (allocated, NUL-ended); *st is what it was when read.  Prints the error. */
static int read_side(const char *path, int flags, char **data, size_t *len,
		     struct stat *st)
{
	char *buf;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);

	if (fd < 0)
		return tool_fail("cannot read %s: %s", path,
				 errno == ELOOP ? "it is a symbolic link"
						: strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return tool_fail("%s is not a regular file", path);
	}
	if (st->st_size > MERGE_MAX_FILE) {
		close(fd);
		return tool_fail("%s is larger than 1 MiB (%lld bytes); not merged",
				 path, (long long)st->st_size);
	}
	if (!(buf = malloc((size_t)st->st_size + 1))) {
		close(fd);
		return tool_fail("out of memory");
	}
	while (got < (size_t)st->st_size) {
		n = read(fd, buf + got, (size_t)st->st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tool_fail("cannot read %s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return EXIT_FAIL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return EXIT_OK;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replaces path with data: a temporary file beside it, with its mode, then
 * rename, so that a reader sees the old file or the new one. */
static int replace_file(const char *path, const struct stat *st,
			const spiral_buf *data)
{
	spiral_buf tmp = SPIRAL_BUF_INIT;
	int fd, err;

	if (spiral_buf_printf(&tmp, "%s.spiral-XXXXXX", path) < 0)
		return tool_fail("out of memory");
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		err = errno;
		spiral_buf_free(&tmp);
		return tool_fail("cannot write beside %s: %s", path, strerror(err));
	}
	if (fchmod(fd, st->st_mode & 07777) < 0 ||
	    write_all(fd, data->ptr ? data->ptr : "", data->len) < 0 ||
	    fsync(fd) < 0) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp.ptr, path) < 0) {
		err = errno;
		goto fail;
	}
	spiral_buf_free(&tmp);
	return EXIT_OK;
fail:
	unlink(tmp.ptr);
	spiral_buf_free(&tmp);
	return tool_fail("cannot write %s: %s", path, strerror(err));
}

/* One warning per key kept twice: the merge marks each with a comment. */
static void warn_both_changed(const char *name, const spiral_buf *merged)
{
	static const char note[] = SPIRAL_MERGE_NOTE;
	const char *s = merged->ptr, *end = s + merged->len, *key, *nl;

	for (; s && s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		if (strncmp(s, note, sizeof(note) - 1) != 0)
			continue;
		key = s + sizeof(note) - 1;
		tool_warn("%s: %.*s changed on both sides; both values kept", name,
			  (int)strcspn(key, " \n"), key);
	}
}

int cmd_merge_file(int argc, char **argv, tool_ctx *ctx)
{
	char *data[3] = {NULL, NULL, NULL};
	size_t len[3] = {0, 0, 0}, both = 0;
	struct stat st[3];
	spiral_buf merged = SPIRAL_BUF_INIT;
	const char *name;
	int c, code, rc = EXIT_FAIL;

	while ((c = tool_getopt(ctx, argc, argv, "", NULL, &code)) != -1)
		if (c == TOOL_STOP)
			return code;
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc > 4)
		return tool_usage(ctx, "give the BASE, OURS and THEIRS files "
				       "(git's %%O %%A %%B), and optionally the "
				       "PATH (%%P)");
	for (int i = 0; i < 3; i++)
		if (!*argv[i])
			return tool_usage(ctx, "an empty file name");
	name = argc == 4 && *argv[3] ? argv[3] : argv[1];
	/* OURS is replaced: never through a symbolic link. */
	for (int i = 0; i < 3; i++)
		if (read_side(argv[i], i == 1 ? O_NOFOLLOW : 0, &data[i], &len[i],
			      &st[i]) != EXIT_OK)
			goto done;
	code = spiral_ini_merge3(data[0], len[0], data[1], len[1], data[2],
				 len[2], &merged, &both);
	if (code == SPIRAL_EFORMAT) {
		tool_fail("%s: %s; not merged", name, spiral_error_message());
		goto done;
	}
	if (code < 0) {
		tool_lib_fail(code);
		goto done;
	}
	if (replace_file(argv[1], &st[1], &merged) != EXIT_OK)
		goto done;
	if (both)
		warn_both_changed(name, &merged);
	rc = EXIT_OK;
done:
	for (int i = 0; i < 3; i++)
		free(data[i]);
	spiral_buf_free(&merged);
	return rc;
}
