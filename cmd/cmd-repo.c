/* Repository commands: init, config, fsck. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

int tool_check_settings(const char *school, const char *cluster)
{
	int rc = 0;

	/* As 'spiral config' would refuse them (a blank one: exit 2). */
	if ((school && (rc = spiral_config_check("school", school)) < 0) ||
	    (cluster && (rc = spiral_config_check("cluster", cluster)) < 0))
		return tool_lib_fail(rc);
	return EXIT_OK;
}

int tool_apply_settings(spiral_repo *repo, const char *school, const char *cluster)
{
	int rc = 0;

	if ((school && (rc = spiral_config_set(repo, "school", school)) < 0) ||
	    (cluster && (rc = spiral_config_set(repo, "cluster", cluster)) < 0))
		return tool_lib_fail(rc);
	return EXIT_OK;
}

int cmd_init(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"school", required_argument, NULL, 's'},
		{"cluster", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *school = NULL, *cluster = NULL, *dir = ".";
	spiral_repo *repo = NULL;
	int c, code, created, rc;

	while ((c = tool_getopt(ctx, argc, argv, "", longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			return code;
		if (c == 's')
			school = optarg;
		else if (c == 'c')
			cluster = optarg;
	}
	if (argc - optind > 1)
		return tool_usage(ctx, "too many arguments");
	if (optind < argc)
		dir = argv[optind];
	if ((rc = tool_check_settings(school, cluster)) != EXIT_OK)
		return rc;
	if ((rc = spiral_repo_init(&repo, dir, &created)) < 0)
		return tool_lib_fail(rc);
	if ((rc = tool_apply_settings(repo, school, cluster)) != EXIT_OK) {
		spiral_repo_free(repo);
		return rc;
	}
	if (created)
		out_printf("Started a spiral repository in %s\n", spiral_repo_top(repo));
	else
		out_printf("%s is already a spiral repository%s\n",
			   spiral_repo_top(repo),
			   school || cluster ? "; settings updated" : "");
	ctx->repo = repo; /* freed by main, after any warning it has */
	return EXIT_OK;
}

static int config_list(tool_ctx *ctx)
{
	for (const spiral_config_key *k = spiral_config_keys; k->name; k++) {
		char *value = NULL;
		if (spiral_config_get(ctx->repo, k->name, &value) < 0)
			return tool_lib_fail(SPIRAL_ERROR);
		if (value) {
			out_printf("%s=", k->name);
			out_visible(value);
			out_puts("\n");
		}
		free(value);
	}
	return EXIT_OK;
}

static int unknown_key(tool_ctx *ctx, const char *key)
{
	spiral_buf keys = SPIRAL_BUF_INIT;
	int rc;

	for (const spiral_config_key *k = spiral_config_keys; k->name; k++)
		spiral_buf_printf(&keys, "%s%s", keys.len ? ", " : "", k->name);
	rc = tool_usage(ctx, "'%s' is not a setting (%s)", key,
			keys.ptr ? keys.ptr : "see spiral help config");
	spiral_buf_free(&keys);
	return rc;
}

int cmd_config(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"unset", no_argument, NULL, 'u'},
		{"global", no_argument, NULL, 'g'},
		{NULL, 0, NULL, 0},
	};
	const spiral_config_key *key;
	char *value = NULL;
	int c, code, unset = 0, global = 0, rc;

	while ((c = tool_getopt(ctx, argc, argv, "", longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			return code;
		if (c == 'u')
			unset = 1;
		else
			global = 1;
	}
	/* --global is the user's own git configuration: no repository needed,
	 * so a new user can say who they are before the first init. */
	if (!global && (rc = spiral_repo_open(&ctx->repo, NULL)) < 0)
		return tool_lib_fail(rc);
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return unset ? tool_usage(ctx, "--unset needs a KEY") : config_list(ctx);
	if (argc > 2 || (unset && argc != 1))
		return tool_usage(ctx, "too many arguments");
	if (!(key = spiral_config_key_find(argv[0])))
		return unknown_key(ctx, argv[0]);
	if (unset || argc == 2) {
		const char *v = unset ? NULL : argv[1];
		rc = global ? spiral_config_set_global(key->name, v)
			    : spiral_config_set(ctx->repo, key->name, v);
		return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
	}
	if (spiral_config_get(ctx->repo, key->name, &value) < 0)
		return tool_lib_fail(SPIRAL_ERROR);
	if (!value)
		return EXIT_FAIL; /* as git config: unset is status 1, silently */
	out_visible(value);
	out_puts("\n");
	free(value);
	return EXIT_OK;
}

int cmd_fsck(int argc, char **argv, tool_ctx *ctx)
{
	spiral_store st = {0};
	size_t entries = 0;
	int c, code, rc;

	while ((c = tool_getopt(ctx, argc, argv, "", NULL, &code)) != -1)
		if (c == TOOL_STOP)
			return code;
	if (optind < argc)
		return tool_usage(ctx, "fsck takes no arguments");
	st.strict = 1;
	if ((rc = spiral_store_load(&st, spiral_repo_top(ctx->repo), NULL)) < 0) {
		spiral_store_free(&st);
		return tool_lib_fail(rc);
	}
	for (size_t i = 0; i < st.nproblems; i++) {
		const spiral_problem *p = &st.problems[i];
		out_visible(p->path);
		if (p->line)
			out_printf(":%d", p->line);
		out_puts(": ");
		out_visible(p->message);
		out_puts("\n");
	}
	for (size_t i = 0; i < st.ninquiries; i++)
		entries += st.inquiries[i].nentries;
	rc = st.nproblems ? EXIT_FAIL : EXIT_OK;
	if (!st.nproblems)
		out_printf("no problems in %zu inquiries and %zu entries\n",
			   st.ninquiries, entries);
	spiral_store_free(&st);
	return rc;
}
