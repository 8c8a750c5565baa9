/* merge-file BASE OURS THEIRS [PATH]: git's merge driver for spiral's INI
 * files (%O %A %B %P).  The merged file replaces OURS whole or not at all;
 * a failure leaves OURS as it was and exits 1, which git reports as a
 * conflict. */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

int cmd_merge_file(int argc, char **argv, tool_ctx *ctx)
{
	spiral_strv both = {0};
	const char *name;
	int c, code, rc;

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
	rc = spiral_merge_files(argv[0], argv[1], argv[2], &both);
	if (rc == SPIRAL_EFORMAT)
		return tool_fail("%s: %s; not merged", name, spiral_error_message());
	if (rc < 0)
		return tool_lib_fail(rc);
	for (size_t i = 0; i < both.n; i++)
		tool_warn("%s: %s changed on both sides; both values kept", name,
			  both.v[i]);
	spiral_strv_free(&both);
	return EXIT_OK;
}
