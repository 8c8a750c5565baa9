/* verify-push: a cluster hub's pre-receive hook (spiral-verify-push(1)).
 * The checks are the library's (spiral_hub_check); this file reads git's
 * lines, prints one line per problem (git shows them to the pusher as
 * "remote: ...") and exits 1 to refuse the push. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

/* This program's own absolute path, for the hook to run. */
static char *self_path(void)
{
	size_t size = 256;

	for (;;) {
		char *buf = malloc(size);
		ssize_t n;
		if (!buf)
			return NULL;
		n = readlink("/proc/self/exe", buf, size);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
		size *= 2;
	}
}

static int install(tool_ctx *ctx, const char *git_dir, int allow_edits)
{
	spiral_hub *hub = NULL;
	char *program, *hook = NULL;
	int rc;

	(void)ctx;
	if (!(program = self_path()))
		return tool_fail("cannot find this program's own path "
				 "(/proc/self/exe): %s", strerror(errno));
	if ((rc = spiral_hub_open(&hub, git_dir ? git_dir : ".")) == 0)
		rc = spiral_hub_install(hub, program, allow_edits, &hook);
	free(program);
	spiral_hub_free(hub);
	if (rc < 0)
		return tool_lib_fail(rc);
	out_printf("Installed %s: pushes that delete or %s records, or add "
		   "files spiral cannot read, are refused.\n",
		   hook, allow_edits ? "break" : "rewrite");
	free(hook);
	return EXIT_OK;
}

/* Splits "OLD NEW REF" (git's pre-receive line) in place. */
static int split_line(char *line, char **old, char **new_id, char **ref)
{
	size_t len = strlen(line);

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	*old = line;
	if (!(*new_id = strchr(line, ' ')))
		return -1;
	*(*new_id)++ = '\0';
	if (!(*ref = strchr(*new_id, ' ')))
		return -1;
	*(*ref)++ = '\0';
	return **ref ? 0 : -1;
}

static int check_one(spiral_hub *hub, const char *old, const char *new_id,
		     const char *ref, int allow_edits, spiral_strv *problems)
{
	int rc = spiral_hub_check(hub, old, new_id, ref, allow_edits, problems);

	if (rc == SPIRAL_EUSAGE) {
		tool_fail("%s", spiral_error_message());
		return EXIT_USAGE;
	}
	return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
}

static int from_stdin(spiral_hub *hub, int allow_edits, spiral_strv *problems)
{
	char *line = NULL, *old, *new_id, *ref;
	size_t cap = 0;
	int rc = EXIT_OK;

	while (rc == EXIT_OK && getline(&line, &cap, stdin) > 0) {
		if (split_line(line, &old, &new_id, &ref) < 0) {
			spiral_buf shown = SPIRAL_BUF_INIT;
			spiral_visible(&shown, line, strlen(line), 0);
			rc = tool_fail("not a pre-receive line (OLD NEW REF "
				       "expected): %.200s",
				       shown.ptr ? shown.ptr : "");
			spiral_buf_free(&shown);
			break;
		}
		rc = check_one(hub, old, new_id, ref, allow_edits, problems);
	}
	free(line);
	return rc;
}

int cmd_verify_push(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option opts[] = {
		{"install", no_argument, NULL, 'i'},
		{"allow-edits", no_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	spiral_hub *hub = NULL;
	spiral_strv problems = {0};
	int opt, code, do_install = 0, allow_edits = 0, rc;

	while ((opt = tool_getopt(ctx, argc, argv, "", opts, &code)) != -1) {
		if (opt == TOOL_STOP)
			return code;
		if (opt == 'i')
			do_install = 1;
		else if (opt == 'e')
			allow_edits = 1;
	}
	argc -= optind;
	argv += optind;
	if (do_install) {
		if (argc > 1)
			return tool_usage(ctx, "--install takes one GIT-DIR at most");
		return install(ctx, argc ? argv[0] : NULL, allow_edits);
	}
	if (argc != 0 && argc != 3)
		return tool_usage(ctx, "give OLD NEW REF, or none to read git's "
				       "pre-receive lines from standard input");
	if ((rc = spiral_hub_open(&hub, NULL)) < 0)
		return tool_lib_fail(rc);
	if (!allow_edits && (rc = spiral_hub_allow_edits(hub, &allow_edits)) < 0) {
		spiral_hub_free(hub);
		return tool_lib_fail(rc);
	}
	if (argc == 3)
		code = check_one(hub, argv[0], argv[1], argv[2], allow_edits,
				 &problems);
	else
		code = from_stdin(hub, allow_edits, &problems);
	spiral_hub_free(hub);
	for (size_t i = 0; i < problems.n; i++) {
		spiral_buf line = SPIRAL_BUF_INIT;
		spiral_visible(&line, problems.v[i], strlen(problems.v[i]), 0);
		fprintf(stderr, "spiral: refused: %s\n", line.ptr ? line.ptr : "");
		spiral_buf_free(&line);
	}
	if (code == EXIT_OK && problems.n)
		code = tool_fail("push refused: this hub takes only additions "
				 "of records spiral can read (see "
				 "spiral-verify-push(1))");
	spiral_strv_free(&problems);
	return code;
}
