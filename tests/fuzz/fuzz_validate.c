/*
 * fuzz_validate: what a pulled tree may hold (validate_entry, lib/
 * validate.c) and the name checks (spiral_id_valid, spiral_tag_valid,
 * spiral_measure_name_valid), on arbitrary paths, modes and sizes.
 *
 * Input: one byte choosing the mode (one of git's, or the next four bytes
 * as a raw mode), four bytes of size, then the path (up to a NUL).
 *
 * An accepted entry is a regular, non-executable file of at most 1 MiB
 * whose path is relative, has no empty, "." or ".." component, and is one
 * the store knows (spiral_store_add_file does not call it unknown).  The
 * name checks agree with a reference written here and with the INI writer.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "internal.h"
#include "spiral.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       p[3];
}

static int id_reference(const char *s)
{
	size_t n = strlen(s);

	return n == 32 && strspn(s, "0123456789abcdef") == n;
}

static void check_path(const char *path)
{
	const char *c = path;

	FUZZ_CHECK(path[0] != '/' && path[0] != '\0');
	FUZZ_CHECK(strlen(path) <= 255);
	/* Every component: not empty, not . or .., not .git in any case. */
	while (*c) {
		size_t n = strcspn(c, "/");
		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!(n == 1 && c[0] == '.'));
		FUZZ_CHECK(!(n == 2 && c[0] == '.' && c[1] == '.'));
		FUZZ_CHECK(!(n == 4 && strncasecmp(c, ".git", 4) == 0));
		c += n;
		if (*c == '/') {
			c++;
			FUZZ_CHECK(*c != '\0');
		}
	}
	FUZZ_CHECK(spiral_utf8_valid(path, strlen(path)));
	for (c = path; *c; c++)
		FUZZ_CHECK((unsigned char)*c > 0x20 && *c != 0x7f && *c != '\\');
}

static void check_known(const char *path)
{
	spiral_store st = {0};

	if (strcmp(path, "spiral.ini") == 0 || strcmp(path, ".gitattributes") == 0)
		return;
	st.strict = 1;
	if (spiral_store_add_file(&st, path, "", 0) == SPIRAL_ENOMEM)
		abort();
	for (size_t i = 0; i < st.nproblems; i++)
		if (strstr(st.problems[i].message, "not a file spiral knows"))
			fuzz_fail("validate_entry takes '%s', the store does not "
				  "know it", path);
	spiral_store_free(&st);
}

static void check_names(const char *s)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	size_t len = strlen(s);

	FUZZ_CHECK(!spiral_id_valid(s) == !id_reference(s));
	if (spiral_measure_name_valid(s)) {
		FUZZ_CHECK(len >= 1 && len <= SPIRAL_MEASURE_NAME_BYTES &&
			   spiral_utf8_count(s, len) <= SPIRAL_MEASURE_NAME_MAX);
		/* A measure is written as a key of [measures]. */
		FUZZ_CHECK(spiral_ini_value(&b, s, "1", 1) == 0);
	}
	if (spiral_tag_valid(s)) {
		FUZZ_CHECK(len >= 1 && len <= 100);
		FUZZ_CHECK(fuzz_first_control(s, len, 0, 0) == len);
		FUZZ_CHECK(spiral_ini_value(&b, "tag", s, len) == 0);
	}
	spiral_buf_free(&b);
	spiral_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = {
		GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE, GIT_FILEMODE_TREE,
		GIT_FILEMODE_LINK, GIT_FILEMODE_COMMIT, 0};
	unsigned mode;
	size_t used = 5, fsize;
	const char *why;
	char *path;

	if (size < 5)
		return 0;
	if (data[0] < 0xF0) {
		mode = modes[data[0] % (sizeof(modes) / sizeof(*modes))];
	} else {
		if (size < 9)
			return 0;
		mode = get32(data + 5);
		used = 9;
	}
	fsize = get32(data + 1);
	if (data[1] & 0x80)
		fsize &= 0x1fffff; /* mostly near the limit */
	path = fuzz_strndup(data + used, size - used);
	if (!path)
		abort();
	why = validate_entry(path, mode, fsize);
	if (why) {
		FUZZ_CHECK(*why);
	} else {
		FUZZ_CHECK(mode == GIT_FILEMODE_BLOB);
		FUZZ_CHECK(fsize <= SPIRAL_MAX_FILE);
		check_path(path);
		check_known(path);
	}
	check_names(path);
	free(path);
	return 0;
}
