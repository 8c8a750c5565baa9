/* What a tree pulled from a colleague may hold (spiral(5), INCOMING FILES).
 *
 * A pulled repository is data, never code: only regular files at the paths
 * of the layout are taken, each at most SPIRAL_MAX_FILE bytes.  Links,
 * submodules, executables and anything outside the layout are left out
 * (and reported), whatever they are called. */
#include <string.h>
#include <strings.h>

#include "internal.h"

static int is_hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* A record's file name: letters, digits, '-', '_' and '.', ending in .ini,
 * not starting with a dot, at most 128 bytes.  (The loader checks the
 * parts: stamp, phase or field, ID.) */
static int record_file_name(const char *name)
{
	size_t len = strlen(name);

	if (len < 5 || len > 128 || name[0] == '.' ||
	    strcmp(name + len - 4, ".ini") != 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return strstr(name, "..") == NULL;
}

static const char *layout_reason(const char *path)
{
	const char *id, *rest, *slash;

	if (strcmp(path, "spiral.ini") == 0 || strcmp(path, ".gitattributes") == 0)
		return NULL;
	if (strncmp(path, "inquiries/", 10) != 0)
		return "outside spiral's layout (only spiral.ini, .gitattributes "
		       "and inquiries/ are taken)";
	/* inquiries/xx/<id>/... */
	id = path + 13;
	if (strlen(path) < 13 || !is_hex_lower(path + 10, 2) || path[12] != '/' ||
	    strlen(id) < SPIRAL_ID_LEN + 1 || !is_hex_lower(id, SPIRAL_ID_LEN) ||
	    id[SPIRAL_ID_LEN] != '/' || strncmp(id, path + 10, 2) != 0)
		return "not under inquiries/XX/ID/ with a well-formed ID";
	rest = id + SPIRAL_ID_LEN + 1;
	if (strcmp(rest, "inquiry.ini") == 0)
		return NULL;
	slash = strchr(rest, '/');
	if (!slash || strchr(slash + 1, '/'))
		return "outside spiral's layout (an inquiry holds inquiry.ini, "
		       "entries/, notes/ and changes/)";
	if (!((slash - rest == 7 && strncmp(rest, "entries", 7) == 0) ||
	      (slash - rest == 5 && strncmp(rest, "notes", 5) == 0) ||
	      (slash - rest == 7 && strncmp(rest, "changes", 7) == 0)))
		return "outside spiral's layout (an inquiry holds inquiry.ini, "
		       "entries/, notes/ and changes/)";
	if (!record_file_name(slash + 1))
		return "not a record file name";
	return NULL;
}

const char *validate_entry(const char *path, unsigned mode, size_t size)
{
	const char *why;

	if (mode == GIT_FILEMODE_LINK)
		return "a symbolic link";
	if (mode == GIT_FILEMODE_COMMIT)
		return "a submodule";
	if (mode == GIT_FILEMODE_BLOB_EXECUTABLE)
		return "an executable file";
	if (mode != GIT_FILEMODE_BLOB)
		return "not a regular file";
	if (strlen(path) > 255)
		return "a path longer than 255 bytes";
	if ((why = layout_reason(path)))
		return why;
	if (size > SPIRAL_MAX_FILE)
		return "larger than 1 MiB";
	return NULL;
}

/* One component of a path in a tree, as stock git's fsck judges it (a
 * history holding one fails `git fsck` in every clone that takes it):
 * "", ".", "..", ".git" in any case (also with trailing dots or spaces,
 * and the short name "git~1", which NTFS treats as .git). */
const char *validate_tree_name(const char *name, size_t len)
{
	size_t n = len;

	if (len == 0)
		return "an empty name";
	if ((len == 1 && name[0] == '.') || (len == 2 && memcmp(name, "..", 2) == 0))
		return "a '.' or '..' name";
	while (n > 4 && (name[n - 1] == '.' || name[n - 1] == ' '))
		n--;
	if ((n == 4 && strncasecmp(name, ".git", 4) == 0) ||
	    (len == 5 && strncasecmp(name, "git~1", 5) == 0))
		return "a '.git' name";
	return NULL;
}
