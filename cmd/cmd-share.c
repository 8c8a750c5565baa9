/* Sharing: clone, remote, pull, push, sync.  The work is in lib/remote.c
 * and lib/pull.c; here are the prompt, the progress line and the words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tool.h"

/* ---- what the library borrows: a prompt and a progress line ------------- */

/* Asks on the terminal; the answer is read without echo when !echo.  Echo
 * goes off before the question shows, so that nothing typed after seeing it
 * is echoed, and nothing typed is thrown away. */
static char *tty_ask(FILE *tty, const char *question, const char *url, int echo)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int restore = 0;

	if (!echo && tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(tty), TCSANOW, &quiet) == 0;
	}
	fprintf(tty, "%s for %s: ", question, url);
	fflush(tty);
	n = getline(&line, &cap, tty);
	if (restore) {
		tcsetattr(fileno(tty), TCSANOW, &old);
		fputc('\n', tty);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int prompt_login(void *user, const char *url, const char *username,
			char **out_user, char **out_pass)
{
	FILE *tty = fopen("/dev/tty", "r+");
	spiral_buf shown = SPIRAL_BUF_INIT;
	const char *where;

	(void)user;
	if (!tty)
		return -1;
	spiral_visible(&shown, url, strlen(url), 0);
	where = shown.ptr ? shown.ptr : "";
	if (username && *username)
		*out_user = strdup(username);
	else
		*out_user = tty_ask(tty, "Username", where, 1);
	if (*out_user)
		*out_pass = tty_ask(tty, "Password", where, 0);
	spiral_buf_free(&shown);
	fclose(tty);
	return *out_user && *out_pass ? 0 : -1;
}

static void show_progress(void *user, size_t received, size_t total, size_t bytes)
{
	(void)user;
	fprintf(stderr, "\rReceiving objects: %zu/%zu (%zu KiB)%s", received, total,
		bytes / 1024, received == total ? "\n" : "");
}

/* What the remote said (a hub's hook's reasons), as git shows it. */
static void show_remote_says(void *user, const char *line)
{
	spiral_buf shown = SPIRAL_BUF_INIT;

	(void)user;
	spiral_visible(&shown, line, strlen(line), SPIRAL_VISIBLE_KEEP_TAB);
	fprintf(stderr, "remote: %s\n", shown.ptr ? shown.ptr : "");
	spiral_buf_free(&shown);
}

/* Prompts and progress only at a terminal: cron never waits. */
static spiral_remote_cb remote_callbacks(void)
{
	spiral_remote_cb cb = {NULL, NULL, NULL, show_remote_says};

	if (tool_is_interactive())
		cb.prompt = prompt_login;
	if (isatty(2))
		cb.progress = show_progress;
	return cb;
}

/* ---- what a pull says ---------------------------------------------------- */

static void count(spiral_buf *b, size_t n, const char *one, const char *many)
{
	if (n)
		spiral_buf_printf(b, "%s%zu %s", b->len ? ", " : "", n,
				  n == 1 ? one : many);
}

/* One warning per file, made visible; a flood of them (a hostile
 * repository of 20,000 tiny files) is cut after the first WARN_FILES_MAX,
 * with a count of the rest. */
#define WARN_FILES_MAX 100
static void warn_files(const char *remote, const spiral_strv *files,
		       const char *before, const char *after, const char *what)
{
	for (size_t i = 0; i < files->n && i < WARN_FILES_MAX; i++) {
		spiral_buf line = SPIRAL_BUF_INIT;
		spiral_visible(&line, files->v[i], strlen(files->v[i]), 0);
		tool_warn("%s%s%s%s", remote, before, line.ptr ? line.ptr : "", after);
		spiral_buf_free(&line);
	}
	if (files->n > WARN_FILES_MAX)
		tool_warn("%s: and %zu more files %s", remote,
			  files->n - WARN_FILES_MAX, what);
}

static void print_pull(const char *remote, const spiral_pull_result *res)
{
	out_puts("From ");
	out_visible(res->url ? res->url : remote);
	out_puts("\n");
	warn_files(remote, &res->skipped, ": skipped ", "", "left out");
	warn_files(remote, &res->kept, " deleted ",
		   "; kept here (records are never removed)",
		   "deleted there, kept here");
	if (res->empty) {
		out_puts("Already up to date (the remote is empty).\n");
		return;
	}
	if (res->up_to_date) {
		out_puts("Already up to date.\n");
		return;
	}
	for (size_t i = 0; i < res->narrivals; i++) {
		const spiral_arrival *a = &res->arrivals[i];
		spiral_buf b = SPIRAL_BUF_INIT;
		count(&b, a->inquiries, "new inquiry", "new inquiries");
		count(&b, a->entries, "entry", "entries");
		count(&b, a->notes, "note", "notes");
		count(&b, a->changes, "change", "changes");
		out_puts("  ");
		out_visible(*a->school ? a->school : "(no school)");
		out_printf(": %s\n", b.ptr ? b.ptr : "");
		spiral_buf_free(&b);
	}
	if (!res->narrivals)
		out_puts("  nothing new to read\n");
	for (size_t i = 0; i < res->merged.n; i++) {
		out_puts("  merged by key (changed on both sides): ");
		out_visible(res->merged.v[i]);
		out_puts("\n");
	}
	for (size_t i = 0; i < res->nconflicts; i++) {
		const spiral_new_conflict *c = &res->conflicts[i];
		const char *field = spiral_field_name(c->field);
		out_printf("conflict: %.8s ", c->id);
		out_visible(c->title ? c->title : "");
		out_printf(": %s is ", field);
		for (size_t v = 0; v < c->values.n; v++) {
			out_puts(v ? " or '" : "'");
			out_visible(c->values.v[v]);
			out_puts("'");
		}
		out_printf(" (spiral resolve %.8s %s VALUE)\n", c->id, field);
	}
}

/* ---- commands ------------------------------------------------------------ */

/* The folder a clone of url goes to, as git names it: *dir allocated, or
 * NULL when the URL names none (0), or -1 when out of memory. */
static int default_dir(const char *url, char **dir)
{
	size_t len = strlen(url);
	const char *start;

	*dir = NULL;
	while (len && url[len - 1] == '/')
		len--;
	start = url + len;
	while (start > url && start[-1] != '/' && start[-1] != ':')
		start--;
	len -= (size_t)(start - url);
	if (len > 4 && strncmp(start + len - 4, ".git", 4) == 0)
		len -= 4;
	if (len == 0 || (len == 1 && *start == '.') ||
	    (len == 2 && strncmp(start, "..", 2) == 0))
		return 0;
	*dir = strndup(start, len);
	return *dir ? 0 : -1;
}

int cmd_clone(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"school", required_argument, NULL, 's'},
		{"cluster", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *school = NULL, *cluster = NULL;
	spiral_remote_cb cb = remote_callbacks();
	spiral_pull_result res;
	spiral_repo *repo = NULL;
	spiral_store st = {0};
	char *dir;
	int c, code, rc;

	while ((c = tool_getopt(ctx, argc, argv, "", longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			return code;
		if (c == 's')
			school = optarg;
		else if (c == 'c')
			cluster = optarg;
	}
	if (optind >= argc)
		return tool_usage(ctx, "which repository? give its URL");
	if (argc - optind > 2)
		return tool_usage(ctx, "too many arguments");
	if ((rc = tool_check_settings(school, cluster)) != EXIT_OK)
		return rc;
	if (optind + 1 < argc ? !(dir = strdup(argv[optind + 1]))
			      : default_dir(argv[optind], &dir) < 0)
		return tool_fail("out of memory");
	if (!dir)
		return tool_usage(ctx, "cannot name a folder after '%s': give DIR",
				  argv[optind]);
	rc = spiral_clone(argv[optind], dir, &cb, &repo, &res);
	rc = rc < 0 ? tool_lib_fail(rc) : tool_apply_settings(repo, school, cluster);
	if (rc != EXIT_OK) {
		spiral_pull_result_free(&res);
		spiral_repo_free(repo);
		free(dir);
		return rc;
	}
	warn_files("origin", &res.skipped, ": skipped ", "", "left out");
	spiral_store_load(&st, spiral_repo_top(repo), NULL);
	out_puts("Cloned ");
	out_visible(res.url ? res.url : "");
	out_puts(" into ");
	out_visible(dir);
	out_printf(": %zu %s.\n", st.ninquiries,
		   st.ninquiries == 1 ? "inquiry" : "inquiries");
	if (!school)
		tool_school_hint(repo);
	spiral_store_free(&st);
	spiral_pull_result_free(&res);
	ctx->repo = repo; /* freed by main, after any warning it has */
	free(dir);
	return EXIT_OK;
}

int cmd_remote(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const char *sub;
	int c, code, verbose = 0, rc = 0, nargs;

	while ((c = tool_getopt(ctx, argc, argv, "v", longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			return code;
		if (c == 'v')
			verbose = 1;
	}
	if (optind >= argc) {
		spiral_strv names = {0}, urls = {0};
		if ((rc = spiral_remote_list(ctx->repo, &names, &urls)) < 0)
			return tool_lib_fail(rc);
		for (size_t i = 0; i < names.n; i++) {
			out_visible(names.v[i]);
			if (verbose) {
				for (int k = 0; k < 2; k++) {
					if (k) {
						out_puts("\n");
						out_visible(names.v[i]);
					}
					char *shown = spiral_url_shown(urls.v[i]);
					out_puts("\t");
					out_visible(shown ? shown : "");
					free(shown);
					out_puts(k ? " (push)" : " (fetch)");
				}
			}
			out_puts("\n");
		}
		spiral_strv_free(&names);
		spiral_strv_free(&urls);
		return EXIT_OK;
	}
	sub = argv[optind];
	nargs = argc - optind - 1;
	if (strcmp(sub, "add") == 0) {
		if (nargs != 2)
			return tool_usage(ctx, "usage: spiral remote add NAME URL");
		rc = spiral_remote_add(ctx->repo, argv[optind + 1], argv[optind + 2]);
	} else if (strcmp(sub, "remove") == 0 || strcmp(sub, "rm") == 0) {
		if (nargs != 1)
			return tool_usage(ctx, "usage: spiral remote remove NAME");
		rc = spiral_remote_remove(ctx->repo, argv[optind + 1]);
	} else if (strcmp(sub, "rename") == 0) {
		if (nargs != 2)
			return tool_usage(ctx, "usage: spiral remote rename OLD NEW");
		rc = spiral_remote_rename(ctx->repo, argv[optind + 1], argv[optind + 2]);
	} else {
		return tool_usage(ctx, "'%s' is not a remote command (add, remove, "
				       "rename)",
				  sub);
	}
	return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
}

/* Pulls one remote and says what came; 0 or the library's code. */
static int pull_one(tool_ctx *ctx, const char *remote)
{
	spiral_remote_cb cb = remote_callbacks();
	spiral_pull_result res;
	int rc = spiral_pull(ctx->repo, remote, &ctx->who, &cb, &res);

	if (rc == 0)
		print_pull(remote, &res);
	spiral_pull_result_free(&res);
	return rc;
}

/* pull and sync: REMOTE, --all, or the default remote. */
static int pull_args(tool_ctx *ctx, int argc, char **argv, int *all,
		     char **remote)
{
	static const struct option longopts[] = {
		{"all", no_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	int c, code, rc;

	*all = 0;
	*remote = NULL;
	while ((c = tool_getopt(ctx, argc, argv, "", longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			return code;
		if (c == 'a')
			*all = 1;
	}
	if (argc - optind > 1)
		return tool_usage(ctx, "too many arguments");
	if (*all && optind < argc)
		return tool_usage(ctx, "give a remote or --all, not both");
	if (optind < argc) {
		if (!(*remote = strdup(argv[optind])))
			return tool_fail("out of memory");
	} else if (!*all && (rc = spiral_remote_default(ctx->repo, remote)) < 0) {
		return tool_lib_fail(rc);
	}
	return -1;
}

static int pull_all(tool_ctx *ctx)
{
	spiral_strv names = {0};
	int rc, failed = 0;

	if ((rc = spiral_remote_list(ctx->repo, &names, NULL)) < 0)
		return tool_lib_fail(rc);
	if (names.n == 0) {
		spiral_strv_free(&names);
		return tool_fail("no remote to pull from: add one with 'spiral "
				 "remote add NAME URL'");
	}
	for (size_t i = 0; i < names.n; i++) {
		if (pull_one(ctx, names.v[i]) < 0) {
			tool_lib_fail(SPIRAL_ERROR);
			failed++;
		}
		out_flush();
	}
	spiral_strv_free(&names);
	return failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_pull(int argc, char **argv, tool_ctx *ctx)
{
	char *remote = NULL;
	int all, rc = pull_args(ctx, argc, argv, &all, &remote);

	if (rc >= 0)
		return rc;
	if (all)
		return pull_all(ctx);
	rc = pull_one(ctx, remote);
	free(remote);
	return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
}

static int push_one(tool_ctx *ctx, const char *remote)
{
	spiral_remote_cb cb = remote_callbacks();
	spiral_push_result res;
	int rc = spiral_push(ctx->repo, remote, &cb, &res);

	if (rc == 0) {
		out_puts(res.up_to_date ? "Everything up to date in " : "Pushed to ");
		out_visible(res.url ? res.url : remote);
		out_puts(".\n");
		if (res.upstream_set)
			out_printf("Your branch now tracks %s.\n", remote);
	}
	spiral_push_result_free(&res);
	return rc;
}

int cmd_push(int argc, char **argv, tool_ctx *ctx)
{
	char *remote = NULL;
	int c, code, rc;

	while ((c = tool_getopt(ctx, argc, argv, "", NULL, &code)) != -1)
		if (c == TOOL_STOP)
			return code;
	if (argc - optind > 1)
		return tool_usage(ctx, "too many arguments");
	if (optind < argc)
		remote = strdup(argv[optind]);
	else if ((rc = spiral_remote_default(ctx->repo, &remote)) < 0)
		return tool_lib_fail(rc);
	if (!remote)
		return tool_fail("out of memory");
	rc = push_one(ctx, remote);
	free(remote);
	return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
}

int cmd_sync(int argc, char **argv, tool_ctx *ctx)
{
	char *remote = NULL;
	int all, rc = pull_args(ctx, argc, argv, &all, &remote);

	if (rc >= 0)
		return rc;
	if (all) {
		/* One unreachable school does not keep the others' work from
		 * the hub: push what was merged, then report the failure. */
		int pulled = pull_all(ctx);
		if ((rc = spiral_remote_default(ctx->repo, &remote)) < 0)
			return tool_lib_fail(rc);
		rc = push_one(ctx, remote);
		free(remote);
		if (rc < 0)
			return tool_lib_fail(rc);
		return pulled;
	}
	if ((rc = pull_one(ctx, remote)) < 0) {
		free(remote);
		return tool_lib_fail(rc);
	}
	rc = push_one(ctx, remote);
	free(remote);
	return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
}
