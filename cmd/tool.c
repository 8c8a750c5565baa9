/* What every command shares: options, errors, output, the editor. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool.h"

/* ---- errors ------------------------------------------------------------- */

static void vmessage(const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vmessage(const char *kind, const char *fmt, va_list ap)
{
	spiral_buf b = SPIRAL_BUF_INIT, safe = SPIRAL_BUF_INIT;

	/* Messages may quote text from files: keep the terminal safe. */
	if (spiral_buf_vprintf(&b, fmt, ap) < 0 ||
	    spiral_visible(&safe, b.ptr ? b.ptr : "", b.len, 0) < 0)
		fprintf(stderr, "spiral: %s: (out of memory: the message is lost)\n",
			kind);
	else
		fprintf(stderr, "spiral: %s: %s\n", kind, safe.ptr ? safe.ptr : "");
	spiral_buf_free(&safe);
	spiral_buf_free(&b);
}

/* An allocation failed where nothing can be returned: say so, never print
 * part of what was meant. */
static void tool_out_of_memory(void)
{
	fflush(stdout);
	fputs("spiral: error: out of memory\n", stderr);
	exit(EXIT_FAIL);
}

int tool_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

void tool_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning", fmt, ap);
	va_end(ap);
}

/* One short line: the command's usage, cut at a word to fit 80 columns
 * (its --help has the rest). */
static void usage_line(const tool_cmd *cmd)
{
	size_t room = 80 - strlen("usage: spiral  ...") - strlen(cmd->name);
	size_t len = strlen(cmd->usage);

	if (strlen(cmd->name) > 40 || len <= room + 4) {
		fprintf(stderr, "usage: spiral %s %s\n", cmd->name, cmd->usage);
		return;
	}
	for (len = room; len > 0 && cmd->usage[len] != ' '; len--)
		;
	fprintf(stderr, "usage: spiral %s %.*s ...\n", cmd->name, (int)len,
		cmd->usage);
}

int tool_usage(tool_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
	if (ctx && ctx->cmd)
		usage_line(ctx->cmd);
	else
		fputs("usage: spiral [-C DIR] COMMAND [OPTIONS] [ARGS]\n", stderr);
	return EXIT_USAGE;
}

/* ---- suggestions, as git's help.c makes them ---------------------------- */

/* Damerau-Levenshtein with git's weights for a mistyped command: a swap
 * of two neighbours 0, a substitution 2, an insertion 1, a deletion 3.
 * SIZE_MAX when out of memory. */
size_t tool_distance(const char *typed, const char *candidate)
{
	size_t la = strlen(typed), lb = strlen(candidate), d;
	size_t *row0 = calloc(lb + 1, sizeof(size_t));
	size_t *row1 = calloc(lb + 1, sizeof(size_t));
	size_t *row2 = calloc(lb + 1, sizeof(size_t));

	if (!row0 || !row1 || !row2) {
		free(row0);
		free(row1);
		free(row2);
		return SIZE_MAX;
	}
	for (size_t j = 0; j <= lb; j++)
		row1[j] = j;
	for (size_t i = 0; i < la; i++) {
		size_t *spare = row0;

		row2[0] = (i + 1) * 3;
		for (size_t j = 0; j < lb; j++) {
			size_t v = row1[j] + 2 * (typed[i] != candidate[j]);
			if (i > 0 && j > 0 && typed[i - 1] == candidate[j] &&
			    typed[i] == candidate[j - 1] && v > row0[j - 1])
				v = row0[j - 1];
			if (v > row1[j + 1] + 3)
				v = row1[j + 1] + 3;
			if (v > row2[j] + 1)
				v = row2[j] + 1;
			row2[j + 1] = v;
		}
		row0 = row1;
		row1 = row2;
		row2 = spare;
	}
	d = row1[lb];
	free(row0);
	free(row1);
	free(row2);
	return d;
}

size_t tool_similar(const char *typed, const char *const *candidates, size_t n,
		    size_t *best)
{
	size_t len = strlen(typed), least = SIZE_MAX, nbest = 0;

	if (len == 0 || len > 100)
		return 0;
	for (size_t i = 0; i < n; i++) {
		/* git: a prefix is as good as it gets, else distance + 1. */
		size_t score = strncmp(candidates[i], typed, len) == 0 ? 0
			       : tool_distance(typed, candidates[i]);
		if (score && score != SIZE_MAX)
			score++;
		if (score < least) {
			least = score;
			nbest = 0;
		}
		if (score == least)
			best[nbest++] = i;
	}
	return least < 6 ? nbest : 0; /* git's SIMILAR_ENOUGH */
}

int tool_unknown_command(const char *name)
{
	const char *names[64];
	size_t n = 0, best[64], nbest;

	for (const tool_cmd *c = tool_commands; c->name && n < 64; c++)
		names[n++] = c->name;
	nbest = tool_similar(name, names, n, best);
	tool_fail("'%s' is not a spiral command", name);
	if (nbest)
		fprintf(stderr, "The most similar command%s\n",
			nbest == 1 ? " is" : "s are");
	for (size_t i = 0; i < nbest; i++)
		fprintf(stderr, "\t%s\n", names[best[i]]);
	fputs("usage: spiral [-C DIR] COMMAND [OPTIONS] [ARGS]\n", stderr);
	return EXIT_USAGE;
}

int tool_lib_fail(int rc)
{
	const char *msg = spiral_error_message();

	if (rc == SPIRAL_EUSAGE) {
		tool_fail("%s", msg); /* made visible, as every message */
		return EXIT_USAGE;
	}
	if (rc == SPIRAL_EAMBIGUOUS) {
		/* A line per candidate: the library made each title visible. */
		spiral_buf safe = SPIRAL_BUF_INIT;
		if (spiral_visible(&safe, msg, strlen(msg), SPIRAL_VISIBLE_KEEP_NL) < 0 ||
		    !safe.ptr)
			tool_out_of_memory();
		fprintf(stderr, "spiral: error: %s\n", safe.ptr);
		spiral_buf_free(&safe);
		return EXIT_FAIL;
	}
	tool_fail("%s", msg[0] ? msg : "failed");
	return EXIT_FAIL;
}

void tool_summary(const tool_cmd *cmd, spiral_buf *out)
{
	spiral_phase p = spiral_phase_from_name(cmd->name);

	/* The phases' lines come from the one table, never respelled. */
	if (!cmd->summary && p != SPIRAL_PHASE_NONE)
		spiral_buf_printf(out, "Log %s: %s", cmd->name,
				  spiral_phase_get(p)->question);
	else
		spiral_buf_puts(out, cmd->summary ? cmd->summary : "");
}

int tool_help(const tool_cmd *cmd)
{
	spiral_buf summary = SPIRAL_BUF_INIT;
	spiral_phase p = spiral_phase_from_name(cmd->name);

	tool_summary(cmd, &summary);
	if (!summary.ptr)
		tool_out_of_memory();
	out_printf("usage: spiral %s %s\n\n%s\n", cmd->name, cmd->usage,
		   summary.ptr);
	spiral_buf_free(&summary);
	if (!cmd->summary && p != SPIRAL_PHASE_NONE) {
		const spiral_phase_info *ph = spiral_phase_get(p);
		out_puts("\nGuiding questions:\n");
		for (const char *const *q = ph->questions; *q; q++)
			out_printf("  %s\n", *q);
	}
	if (cmd->options)
		out_printf("\n%s", cmd->options);
	if (strcmp(cmd->name, "help") == 0) /* no page of its own */
		out_puts("\nSee spiral(1) for the whole story.\n");
	else
		out_printf("\nSee spiral-%s(1) for the whole story.\n", cmd->name);
	return EXIT_OK;
}

/* ---- options ------------------------------------------------------------ */

/* "unknown option '--shcool'; did you mean --school?" */
static int unknown_long(tool_ctx *ctx, const char *arg, const struct option *all,
			size_t n)
{
	const char *names[64];
	size_t best[64], nbest;
	const char *name = arg + 2 * (strncmp(arg, "--", 2) == 0);
	char *typed = strndup(name, strcspn(name, "="));
	spiral_buf alts = SPIRAL_BUF_INIT;

	if (!typed)
		tool_out_of_memory();
	for (size_t i = 0; i < n && i < 64; i++)
		names[i] = all[i].name;
	nbest = tool_similar(typed, names, n < 64 ? n : 64, best);
	free(typed);
	for (size_t i = 0; i < nbest; i++)
		spiral_buf_printf(&alts, "%s--%s",
				  i == 0 ? "; did you mean "
				  : i + 1 == nbest ? " or "
						   : ", ",
				  names[best[i]]);
	if (nbest && !alts.ptr)
		tool_out_of_memory();
	int code = tool_usage(ctx, "unknown option '%s'%s%s", arg,
			      alts.ptr ? alts.ptr : "", alts.ptr ? "?" : "");
	spiral_buf_free(&alts);
	return code;
}

/* What the command needs (the repository, an identity), once its options
 * are known to be fine: a usage error is one even outside a repository. */
static int setup(tool_ctx *ctx, int nargs)
{
	unsigned need = ctx->pending, flags = ctx->cmd->flags;
	int rc;

	ctx->pending = 0;
	if ((need & NEED_REPO) && (rc = spiral_repo_open(&ctx->repo, NULL)) < 0) {
		if (rc == SPIRAL_ENOTFOUND && (flags & ARGS_SET) &&
		    (nargs < (int)ARGS_LO(flags) || nargs > (int)ARGS_HI(flags))) {
			spiral_error_clear();
			return tool_usage(ctx, nargs > (int)ARGS_HI(flags)
						       ? "too many arguments"
						       : "missing arguments");
		}
		return tool_lib_fail(rc);
	}
	if ((need & NEED_IDENTITY) && (rc = spiral_identity(ctx->repo, &ctx->who)) < 0)
		return tool_lib_fail(rc);
	return EXIT_OK;
}

int tool_getopt(tool_ctx *ctx, int argc, char **argv, const char *shortopts,
		const struct option *longopts, int *exit_code)
{
	static struct option all[64];
	static char shorts[128];
	size_t n = 0;
	int c;

	/* Every command takes --help; errors are ours to print. */
	for (; longopts && longopts[n].name && n < 62; n++)
		all[n] = longopts[n];
	all[n++] = (struct option){"help", no_argument, NULL, 'h' | 0x1000};
	all[n] = (struct option){NULL, 0, NULL, 0};
	snprintf(shorts, sizeof(shorts), ":%s", shortopts);
	if (ctx->optlist) {
		memcpy(ctx->optlist->longs, all, (n + 1) * sizeof(*all));
		ctx->optlist->n = n;
		snprintf(ctx->optlist->shorts, sizeof(ctx->optlist->shorts), "%s",
			 shortopts);
		/* Not 0: some commands read 0 as "go on". */
		*exit_code = EXIT_USAGE;
		return TOOL_STOP;
	}
	opterr = 0;
	c = getopt_long(argc, argv, shorts, all, NULL);
	if (c == ('h' | 0x1000)) {
		*exit_code = tool_help(ctx->cmd);
		return TOOL_STOP;
	}
	if (c == '?') {
		if (optopt && strncmp(argv[optind - 1], "--", 2) == 0)
			*exit_code = tool_usage(ctx, "option '%.*s' takes no value",
						(int)strcspn(argv[optind - 1], "="),
						argv[optind - 1]);
		else if (optopt)
			*exit_code = tool_usage(ctx, "unknown option '-%c'", optopt);
		else
			*exit_code = unknown_long(ctx, argv[optind - 1], all, n);
		return TOOL_STOP;
	}
	if (c == ':') {
		*exit_code = tool_usage(ctx, "option '%s' needs a value",
					argv[optind - 1]);
		return TOOL_STOP;
	}
	if (c == -1 && ctx->pending &&
	    (*exit_code = setup(ctx, argc - optind)) != EXIT_OK)
		return TOOL_STOP;
	return c;
}

/* ---- output ------------------------------------------------------------- */

static void check_stdout(void)
{
	if (ferror(stdout)) {
		if (errno == EPIPE)
			_exit(EXIT_OK); /* the reader has gone: quietly done */
		fprintf(stderr, "spiral: error: cannot write output: %s\n",
			strerror(errno));
		_exit(EXIT_FAIL);
	}
}

void out_write(const char *data, size_t len)
{
	if (len && fwrite(data, 1, len, stdout) != len)
		check_stdout();
}

void out_puts(const char *s) { out_write(s, strlen(s)); }

void out_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(stdout, fmt, ap) < 0)
		check_stdout();
	va_end(ap);
}

void out_buf(const spiral_buf *b)
{
	if (b->ptr)
		out_write(b->ptr, b->len);
}

void out_flush(void)
{
	if (fflush(stdout) != 0)
		check_stdout();
}

void out_visible(const char *s)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	if (spiral_visible(&b, s, strlen(s), 0) < 0)
		tool_out_of_memory();
	out_buf(&b);
	spiral_buf_free(&b);
}

int tool_is_interactive(void) { return isatty(0) && isatty(1); }

int tool_columns(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	char *end;
	long n;

	if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (!env || !*env)
		return 0;
	n = strtol(env, &end, 10);
	return *end || n <= 0 || n > 100000 ? 0 : (int)n;
}

static pid_t pager_pid;
static int pager_off;

void out_no_pager(void) { pager_off = 1; }

void out_pager(void)
{
	const char *pager = getenv("PAGER");
	int fds[2];

	if (pager_off || !isatty(1) || (pager && (!*pager || strcmp(pager, "cat") == 0)))
		return;
	if (!pager) {
		/* As git: less -FRX, but only if there is a less to run. */
		if (access("/usr/bin/less", X_OK) != 0 && access("/bin/less", X_OK) != 0)
			return;
		pager = "less";
	}
	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	pager_pid = fork();
	if (pager_pid < 0) {
		close(fds[0]);
		close(fds[1]);
		pager_pid = 0;
		return;
	}
	if (pager_pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		setenv("LESS", "FRX", 0);
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	dup2(fds[1], 1);
	close(fds[0]);
	close(fds[1]);
}

void out_pager_wait(void)
{
	if (!pager_pid)
		return;
	fflush(stdout);
	close(1);
	waitpid(pager_pid, NULL, 0);
	pager_pid = 0;
}

static const spiral_style plain = {"", "", "", "", "", 0};
static const spiral_style ansi = {"\033[1m", "\033[2m", "\033[31m", "\033[33m",
				  "\033[m", 0};

int tool_set_color(tool_ctx *ctx, const char *when)
{
	const char *no_color = getenv("NO_COLOR");

	if (!when || strcmp(when, "auto") == 0)
		ctx->color = isatty(1) && !(no_color && *no_color);
	else if (strcmp(when, "always") == 0)
		ctx->color = !(no_color && *no_color);
	else if (strcmp(when, "never") == 0)
		ctx->color = 0;
	else
		return tool_usage(ctx, "--color takes auto, always or never, not '%s'",
				  when);
	ctx->style = ctx->color ? ansi : plain;
	return 0;
}

/* ---- shared pieces ------------------------------------------------------ */

const char *const tool_format_names[] = {"table", "json", "csv", "md", "html",
					   NULL};

int tool_parse_format(tool_ctx *ctx, const char *arg, int allow_html,
		      spiral_format *out)
{
	for (int i = 0; i < 5; i++) {
		if (strcmp(arg, tool_format_names[i]) == 0 && (i < 4 || allow_html)) {
			*out = (spiral_format)i;
			return 0;
		}
	}
	return tool_usage(ctx, "--format takes table, json, csv or md%s, not '%s'",
			  allow_html ? " or html" : "", arg);
}

int tool_inquiry_id(tool_ctx *ctx, const char *prefix, char **id)
{
	char *current = NULL;
	int rc;

	if (prefix)
		return spiral_resolve_id(spiral_repo_top(ctx->repo), prefix, id);
	if ((rc = spiral_config_get(ctx->repo, "spiral.current", &current)) < 0)
		return rc;
	if (!current)
		return spiral_error(SPIRAL_ERROR,
				    "no current inquiry: name one, or choose one with "
				    "'spiral switch INQUIRY' (see 'spiral list')");
	rc = spiral_resolve_id(spiral_repo_top(ctx->repo), current, id);
	if (rc == SPIRAL_ENOTFOUND)
		spiral_error(SPIRAL_ERROR,
			     "the current inquiry %.12s is not in this repository; "
			     "choose one with 'spiral switch INQUIRY'",
			     current);
	free(current);
	return rc;
}

int tool_load_one(tool_ctx *ctx, const char *prefix, spiral_store *st,
		  spiral_inquiry **inq)
{
	char *id = NULL;
	int rc = tool_inquiry_id(ctx, prefix, &id);

	if (rc < 0)
		return rc;
	rc = spiral_store_load(st, spiral_repo_top(ctx->repo), id);
	if (rc == 0 && st->ninquiries == 0) {
		/* Its inquiry.ini is unreadable: say why. */
		const spiral_problem *p = st->nproblems ? &st->problems[0] : NULL;
		if (p && p->line)
			rc = spiral_error(SPIRAL_ERROR, "%s:%d: %s", p->path, p->line,
					  p->message);
		else
			rc = spiral_error(SPIRAL_ERROR, "%s: %s", p ? p->path : id,
					  p ? p->message : "cannot read the inquiry");
	} else if (rc == 0) {
		*inq = &st->inquiries[0];
		tool_report_problems(st);
	}
	free(id);
	return rc;
}

int tool_short_len(tool_ctx *ctx, const char *id)
{
	spiral_strv ids = {0};
	size_t len = 8;

	if (spiral_list_fan_ids(spiral_repo_top(ctx->repo), id, &ids) == 0)
		len = spiral_id_short_len(id, (const char *const *)ids.v, ids.n);
	spiral_strv_free(&ids);
	return (int)len;
}

void tool_report_problems(const spiral_store *st)
{
	const spiral_problem *p = st->problems;

	if (st->nproblems == 1 && p->line)
		tool_warn("%s:%d: %s (see 'spiral fsck')", p->path, p->line,
			  p->message);
	else if (st->nproblems == 1)
		tool_warn("%s: %s (see 'spiral fsck')", p->path, p->message);
	else if (st->nproblems > 1)
		tool_warn("%zu files could not be read; 'spiral fsck' lists them",
			  st->nproblems);
}

int tool_read_file(const char *path, char **out, size_t *len)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	char chunk[65536];
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return spiral_error(SPIRAL_ERROR, "cannot read %s: %s", path,
				    strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len > 16 * 1024 * 1024 ||
		    spiral_buf_put(&b, chunk, (size_t)n) < 0) {
			int e = n < 0 ? errno : b.len > 16 * 1024 * 1024 ? EFBIG : ENOMEM;
			if (fd)
				close(fd);
			spiral_buf_free(&b);
			return spiral_error(SPIRAL_ERROR, "cannot read %s: %s", path,
					    strerror(e));
		}
	}
	if (fd)
		close(fd);
	if (spiral_buf_put(&b, "", 0) < 0) {
		spiral_buf_free(&b);
		return spiral_error(SPIRAL_ENOMEM, "cannot read %s: %s", path,
				    strerror(ENOMEM));
	}
	*len = b.len;
	*out = spiral_buf_detach(&b);
	return 0;
}

/* How commit_text treats C0 controls: a subject makes each run of them one
 * space; a body keeps newlines and tabs, drops CR (of CRLF) and shows the
 * rest. */
enum { TEXT_SUBJECT, TEXT_BODY };

/* Text from the user or a file, put into a commit message that git log
 * shows on a terminal: DEL, C1 controls, invisible characters (bidi
 * controls, zero-width ones) and bytes that are not UTF-8 are made visible
 * as spiral_visible does; at most max bytes are added, never cutting a
 * character or an escape in two. */
static int commit_text(spiral_buf *out, const char *s, size_t max, int mode)
{
	size_t len = strlen(s), added = 0;
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0;) {
		unsigned c = (unsigned char)s[i], cp = c;
		char piece[16];
		size_t n = 1, plen;

		if (c < 0x20 && mode == TEXT_SUBJECT) {
			piece[0] = ' ';
			plen = added && out->ptr[out->len - 1] != ' ';
		} else if (c == '\r' || (c < 0x20 && c != '\n' && c != '\t')) {
			plen = c == '\r' ? 0 : (size_t)snprintf(piece, sizeof(piece), "\\x%02x", c);
		} else if (c == 0x7f) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x7f");
		} else if (c < 0x80) {
			piece[0] = (char)c;
			plen = 1;
		} else if ((n = spiral_utf8_next(s + i, len - i, &cp)) == 0) {
			n = 1;
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", c);
		} else if (cp <= 0x9F) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\u%04x", cp);
		} else if (spiral_unicode_invisible(cp)) {
			plen = (size_t)snprintf(piece, sizeof(piece), "<U+%04X>", cp);
		} else {
			memcpy(piece, s + i, n);
			plen = n;
		}
		if (added + plen > max)
			break;
		if (plen)
			rc = spiral_buf_put(out, piece, plen);
		added += plen;
		i += n;
	}
	return rc;
}

void tool_oneline(spiral_buf *out, const char *s, size_t max)
{
	commit_text(out, s, max, TEXT_SUBJECT);
}

/* ---- the editor --------------------------------------------------------- */

static char *editor_command(tool_ctx *ctx)
{
	char *configured = NULL;
	const char *env;

	if (spiral_config_get(ctx->repo, "editor", &configured) == 0 && configured &&
	    *configured)
		return configured;
	free(configured);
	if ((env = getenv("VISUAL")) && *env)
		return strdup(env);
	if ((env = getenv("EDITOR")) && *env)
		return strdup(env);
	return strdup("vi");
}

/* Drops '#' lines, then leading and trailing blank lines.  NULL when out
 * of memory. */
static char *clean_edited(const char *s)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	int rc = 0;

	while (*s && rc == 0) {
		size_t line = strcspn(s, "\n");
		if (s[0] != '#' && (rc = spiral_buf_put(&b, s, line)) == 0)
			rc = spiral_buf_putc(&b, '\n');
		s += line + (s[line] ? 1 : 0);
	}
	if (rc < 0 || spiral_buf_put(&b, "", 0) < 0) {
		spiral_buf_free(&b);
		return NULL;
	}
	char *p = b.ptr;
	while (*p == '\n')
		p++;
	size_t len = strlen(p);
	while (len && (p[len - 1] == '\n' || p[len - 1] == ' ' ||
		       p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	char *result = strndup(p, len);
	spiral_buf_free(&b);
	return result;
}

int tool_edit_text(tool_ctx *ctx, const char *template_text, int raw,
		   char **out)
{
	spiral_buf path = SPIRAL_BUF_INIT, cmd = SPIRAL_BUF_INIT;
	char *editor = editor_command(ctx), *data = NULL;
	size_t len;
	int fd, status, rc = 0;

	if (!editor ||
	    spiral_buf_printf(&path, "%s/.git/SPIRAL_EDIT.ini",
			      spiral_repo_top(ctx->repo)) < 0 ||
	    spiral_buf_printf(&cmd, "%s \"$@\"", editor) < 0) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory; nothing was written");
		goto out;
	}
	fd = open(path.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, template_text, strlen(template_text)) < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", path.ptr,
				  strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd.ptr, editor, path.ptr, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		rc = spiral_error(SPIRAL_ERROR,
				  "the editor '%s' failed; nothing was written", editor);
		goto out;
	}
	ctx->edited_text = 1; /* until it is known to be blank */
	if ((rc = tool_read_file(path.ptr, &data, &len)) < 0)
		goto out;
	if ((rc = spiral_text_check(data, len, "the edited text")) < 0)
		goto out;
	len = spiral_text_unix(data, len); /* an editor that saves CRLF, a BOM */
	*out = raw ? strdup(data) : clean_edited(data);
	if (!*out)
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory; nothing was written");
	else
		ctx->edited_text = !spiral_text_blank(*out, strlen(*out));
out:
	/* Kept until the command has worked (main.c). */
	if (path.ptr && !ctx->edited && rc != SPIRAL_ENOMEM)
		ctx->edited = spiral_buf_detach(&path);
	free(data);
	free(editor);
	spiral_buf_free(&path);
	spiral_buf_free(&cmd);
	return rc;
}

int tool_commit(tool_ctx *ctx, spiral_txn *t, const char *verb, const char *id,
		const char *title, const char *body)
{
	spiral_buf msg = SPIRAL_BUF_INIT;
	int rc;

	if ((rc = spiral_buf_printf(&msg, "%s(%.8s): ", verb, id)) == 0 &&
	    (rc = commit_text(&msg, title, 60, TEXT_SUBJECT)) == 0 && body && *body &&
	    (rc = spiral_buf_puts(&msg, "\n\n")) == 0)
		rc = commit_text(&msg, body, SIZE_MAX, TEXT_BODY);
	if (rc < 0) {
		spiral_buf_free(&msg);
		return spiral_error(SPIRAL_ENOMEM, "out of memory; nothing was written");
	}
	rc = spiral_txn_commit(t, msg.ptr, &ctx->who, NULL);
	spiral_buf_free(&msg);
	return rc;
}

int tool_begin(tool_ctx *ctx, const char *prefix, spiral_txn **t,
	       spiral_store *st, spiral_inquiry **inq)
{
	int rc;

	/* Take the lock before reading, so parents and cycles are current. */
	if ((rc = spiral_txn_begin(ctx->repo, t)) < 0)
		return rc;
	if ((rc = tool_load_one(ctx, prefix, st, inq)) < 0) {
		spiral_txn_free(*t);
		*t = NULL;
	}
	return rc;
}

int tool_need_school(tool_ctx *ctx)
{
	if (ctx->who.school)
		return 0;
	return spiral_error(SPIRAL_ERROR,
			    "no school set for this clone: run 'spiral config "
			    "school \"Your School\"'");
}
