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

/* Every write needs the clone's school: say how to set it while it is not. */
void tool_school_hint(spiral_repo *repo)
{
	char *school = NULL;

	if (spiral_config_get(repo, "school", &school) == 0 && !school)
		out_puts("Set the school you log for: spiral config school "
			 "\"Your School\"\n");
	free(school);
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
	tool_school_hint(repo);
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

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* How many files the problems are in. */
static size_t problem_files(const spiral_store *st)
{
	const char **paths = malloc(st->nproblems * sizeof(*paths) + 1);
	size_t files = 0;

	if (!paths)
		return 0;
	for (size_t i = 0; i < st->nproblems; i++)
		paths[i] = st->problems[i].path;
	qsort(paths, st->nproblems, sizeof(*paths), cmp_path);
	for (size_t i = 0; i < st->nproblems; i++)
		files += i == 0 || strcmp(paths[i - 1], paths[i]) != 0;
	free(paths);
	return files;
}

/* A file's problems in the order of its lines (a value is checked when
 * the next key starts, after a bad line between them); those of the file
 * as a whole (line 0) last.  The problems of one file are together. */
static void sort_by_line(spiral_store *st)
{
	spiral_problem *p = st->problems;

	for (size_t i = 1; i < st->nproblems; i++) {
		unsigned line = (unsigned)p[i].line - 1; /* 0 sorts last */
		size_t j = i;
		spiral_problem moved = p[i];

		while (j > 0 && strcmp(p[j - 1].path, moved.path) == 0 &&
		       (unsigned)p[j - 1].line - 1 > line) {
			p[j] = p[j - 1];
			j--;
		}
		p[j] = moved;
	}
}

int cmd_fsck(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	spiral_store st = {0};
	size_t entries = 0, files;
	int c, code, rc, quiet = 0;

	while ((c = tool_getopt(ctx, argc, argv, "q", longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			return code;
		quiet = 1;
	}
	if (optind < argc)
		return tool_usage(ctx, "fsck takes no arguments");
	st.strict = 1;
	if ((rc = spiral_store_load(&st, spiral_repo_top(ctx->repo), NULL)) < 0) {
		spiral_store_free(&st);
		return tool_lib_fail(rc);
	}
	sort_by_line(&st);
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
	if (st.nproblems && (files = problem_files(&st)) > 0)
		out_printf("%zu problem%s in %zu file%s\n", st.nproblems,
			   st.nproblems == 1 ? "" : "s", files, files == 1 ? "" : "s");
	else if (!st.nproblems && !quiet)
		out_printf("no problems in %zu inquiries and %zu entries\n",
			   st.ninquiries, entries);
	spiral_store_free(&st);
	return rc;
}
