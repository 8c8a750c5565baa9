/* spiral: the dispatch table and global options.  What a command needs (a
 * repository, an identity) is declared here, not re-checked in each. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool.h"

#define PHASE_USAGE                                                          \
	"[INQUIRY] [-m TEXT]... [-F FILE|-] [--evidence TEXT]... "              \
	"[--measure NAME=NUMBER]... [--target NAME=NUMBER]... [--tag TAG]... " \
	"[--date DATE]"
#define PHASE_OPTIONS                                                        \
	"  -m, --message TEXT        a paragraph of text (repeat for more)\n"  \
	"  -F, --file FILE           read the text from FILE (- for stdin)\n"  \
	"      --evidence TEXT       an item of evidence (repeatable)\n"       \
	"      --measure NAME=NUMBER a measure (repeatable)\n"                 \
	"      --target NAME=NUMBER  a target for a measure (repeatable)\n"    \
	"      --tag TAG             add a tag (focus area) to the inquiry\n"  \
	"      --date DATE           YYYY-MM-DD, ISO 8601, today, yesterday,\n" \
	"                            3 days ago, 2 weeks ago or last monday\n" \
	"                            (default: now; at most 24 hours ahead)\n"
#define CHECK_OPTIONS                                                        \
	"      --verdict V           enough, partly or not-enough\n"           \
	"      --new-cycle           later entries start the next cycle\n"     \
	"      --close               close the inquiry after this entry\n"

#define READ_OPTIONS                                                           \
	"      --school S       the inquiry's school, in any case\n"             \
	"      --phase P        the phase (list: current phase; log: the entry's)\n" \
	"      --tag T          the inquiry has tag T\n"                          \
	"      --author A       name or email contains A, in any case\n"         \
	"      --status S       active, closed or all\n"                          \
	"      --since DATE     on or after DATE (YYYY-MM-DD, today, yesterday,\n" \
	"                       3 days ago, 2 weeks ago, last monday...)\n"     \
	"      --until DATE     on or before DATE\n"                              \
	"      --stalled DAYS   no entry for DAYS days\n"                         \
	"      --format F       table (default), json, csv or md\n"              \
	"      --color WHEN     auto, always or never\n"                         \
	"      --no-pager       never start a pager\n"                           \
	"\n  --school, --phase, --tag and --author given twice mean either;\n"  \
	"  different filters must all match.\n"
#define LOG_OPTIONS                                                            \
	"  -n, --max-count N    at most N entries, the newest\n" READ_OPTIONS
#define REPORT_OPTIONS                                                         \
	"      --by K           a group per school, phase, tag or author\n"     \
	"      --idle DAYS      stalled: no entry for DAYS days (default 28)\n" \
	"      --digest         only what worked and what was not enough\n"   \
	"  -o, --output FILE    write FILE whole (atomically), print nothing\n" \
	READ_OPTIONS
static int cmd_help(int argc, char **argv, tool_ctx *ctx);

const tool_cmd tool_commands[] = {
	{"init", cmd_init, 0, "[DIR] [--school NAME] [--cluster NAME]",
	 "Create a spiral repository (or adopt a git repository) and commit its "
	 "spiral.ini.",
	 "      --school NAME   the school you log for (kept in .git/config)\n"
	 "      --cluster NAME  the cluster of schools (kept in .git/config)\n"},
	{"config", cmd_config, 0, "[--global] [--unset] [KEY [VALUE]]",
	 "Read or set school, cluster, user.name, user.email or editor.",
	 "      --global        your own settings (~/.gitconfig), for every "
	 "repository\n"
	 "      --unset KEY     remove a setting\n"},
	{"new", cmd_new, NEED_REPO | NEED_IDENTITY | ARGS(1, 1),
	 "TITLE [--learners TEXT] [--tag TAG]... [--team NAME]... "
	 "[--continues INQUIRY] [-q]",
	 "Create an inquiry, make it the current one and print its id.",
	 "      --learners TEXT      the learners in focus, as a group\n"
	 "      --tag TAG            a focus area (repeatable)\n"
	 "      --team NAME          a member of the team (repeatable)\n"
	 "      --continues INQUIRY  the earlier inquiry this one carries on\n"
	 "  -q, --quiet              print the full id alone\n"},
	{"switch", cmd_switch, NEED_REPO | ARGS(1, 1), "INQUIRY",
	 "Make INQUIRY the current one (kept in this clone, not committed).",
	 NULL},
	{"edit", cmd_edit, NEED_REPO | NEED_IDENTITY | ARGS(0, 1),
	 "[INQUIRY] [--title T] [--learners T] [--tag T]... [--untag T]... "
	 "[--team N]... [--unteam N]...",
	 "Change an inquiry's fields; without options, open the editor.",
	 "      --title TEXT     a new title\n"
	 "      --learners TEXT  new learners in focus\n"
	 "      --tag TAG        add a tag        --untag TAG   remove one\n"
	 "      --team NAME      add a member     --unteam NAME remove one\n"},
	{"close", cmd_close, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), "[INQUIRY]",
	 "Close an inquiry.", NULL},
	{"reopen", cmd_reopen, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), "[INQUIRY]",
	 "Reopen a closed inquiry.", NULL},
	{"resolve", cmd_resolve, NEED_REPO | NEED_IDENTITY | ARGS(2, 3), "[INQUIRY] FIELD VALUE",
	 "Settle a conflict: give title, learners or status the value to keep.",
	 NULL},
	{"scan", cmd_phase, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), PHASE_USAGE,
	 NULL, PHASE_OPTIONS},
	{"focus", cmd_phase, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), PHASE_USAGE,
	 NULL, PHASE_OPTIONS},
	{"hunch", cmd_phase, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), PHASE_USAGE,
	 NULL, PHASE_OPTIONS},
	{"learn", cmd_phase, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), PHASE_USAGE,
	 NULL, PHASE_OPTIONS},
	{"act", cmd_phase, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), PHASE_USAGE,
	 NULL, PHASE_OPTIONS},
	{"check", cmd_phase, NEED_REPO | NEED_IDENTITY | ARGS(0, 1),
	 PHASE_USAGE " [--verdict enough|partly|not-enough] [--new-cycle] [--close]",
	 NULL,
	 PHASE_OPTIONS CHECK_OPTIONS},
	{"note", cmd_note, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), "[INQUIRY] -m TEXT [-F FILE|-]",
	 "Add a comment that is not a phase (feedback from a colleague).",
	 "  -m, --message TEXT  a paragraph of text (repeat for more)\n"
	 "  -F, --file FILE     read the text from FILE (- for stdin)\n"},
	{"show", cmd_show, NEED_REPO | ARGS(0, 1),
	 "[INQUIRY] [filters] [--format table|json|csv|md]",
	 "Show an inquiry with every entry and its measures.", READ_OPTIONS},
	{"status", cmd_status, NEED_REPO | ARGS(0, 0), "[filters] [--format table|json|csv|md]",
	 "Where you are: the current inquiry, its phase and what comes next, "
	 "hand edits, conflicts, commits to push or pull.",
	 READ_OPTIONS},
	{"list", cmd_list, NEED_REPO | ARGS(0, 0), "[filters] [--format table|json|csv|md]",
	 "One row per inquiry: id, title, school, phase, cycle, status, last "
	 "activity.",
	 READ_OPTIONS},
	{"log", cmd_log, NEED_REPO | ARGS(0, 1),
	 "[INQUIRY] [-n N] [filters] [--format table|json|csv|md]",
	 "Entries across the repository, newest first.", LOG_OPTIONS},
	{"search", cmd_search, NEED_REPO | ARGS(1, 1),
	 "QUERY [-n N] [filters] [--format table|json|csv|md]",
	 "Find inquiries, entries and notes by their words, best first (case "
	 "and accents ignored).",
	 "  -n, --max-count N    at most N hits, the best\n" READ_OPTIONS},
	{"match", cmd_match, NEED_REPO | ARGS(0, 1),
	 "[INQUIRY] [--schools] [filters] [--format table|json|csv|md]",
	 "Other schools' inquiries with most in common with this one, and why.",
	 "      --schools        rank whole schools against yours\n" READ_OPTIONS},
	{"report", cmd_report, NEED_REPO | ARGS(0, 0),
	 "[filters] [--by school|phase|tag|author] [--idle DAYS] [--digest] "
	 "[--format table|json|csv|md|html] [-o FILE]",
	 "The cluster view: counts per group, stalled inquiries, targets, "
	 "the coherence matrix, data-quality flags.",
	 REPORT_OPTIONS},
	{"clone", cmd_clone, 0, "URL [DIR] [--school NAME] [--cluster NAME]",
	 "Clone a colleague's or the cluster's spiral repository.",
	 "      --school NAME   the school you log for in this clone\n"
	 "      --cluster NAME  the cluster of schools\n"},
	{"remote", cmd_remote, NEED_REPO,
	 "[-v] | add NAME URL | remove NAME | rename OLD NEW",
	 "List, add, remove or rename the repositories you share with.",
	 "  -v, --verbose   also show each remote's URL\n"},
	{"pull", cmd_pull, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), "[REMOTE | --all]",
	 "Fetch and merge a remote's inquiries; never a textual conflict, never a "
	 "lost change.",
	 "      --all           every remote, one after another\n"},
	{"push", cmd_push, NEED_REPO | ARGS(0, 1), "[REMOTE]",
	 "Send your commits to a remote; a rejected push says to pull first.",
	 NULL},
	{"sync", cmd_sync, NEED_REPO | NEED_IDENTITY | ARGS(0, 1), "[REMOTE | --all]",
	 "Pull, then push.",
	 "      --all           pull every remote, then push to the default one\n"},
	{"import", cmd_import, NEED_REPO | NEED_IDENTITY | ARGS(0, 0),
	 "--json FILE | --csv FILE [--layout entries|phases] [--dry-run]",
	 "Bring in inquiries from a spreadsheet (CSV) or from another "
	 "repository's export, in one commit.",
	 "      --json FILE      a document of spiral export (- for stdin)\n"
	 "      --csv FILE       a spreadsheet saved as CSV (- for stdin)\n"
	 "      --layout L       entries (a row per entry) or phases (a row per\n"
	 "                       inquiry, a column per phase); default: from\n"
	 "                       the header\n"
	 "  -n, --dry-run        check and count, write nothing\n"},
	{"export", cmd_export, NEED_REPO | ARGS(0, 0), "[--format json] [-o FILE]",
	 "Every inquiry and every record of the repository as one JSON "
	 "document, for import --json.",
	 "      --format json    the only format (the default)\n"
	 "  -o, --output FILE    write FILE whole (atomically), print nothing\n"},
	{"merge-file", cmd_merge_file, 0, "BASE OURS THEIRS [PATH]",
	 "Three-way merge of one INI file for git (%O %A %B %P): the result goes "
	 "to OURS, both values kept where both sides changed a key.",
	 NULL},
	{"verify-push", cmd_verify_push, 0, "[--install [GIT-DIR]] [--allow-edits] [OLD NEW REF]",
	 "Check a push on a cluster hub (its pre-receive hook): refuse one that "
	 "deletes or rewrites a record or adds a file that does not parse.",
	 "      --install       install the hook into a bare hub repository\n"
	 "      --allow-edits   accept hand edits of records that still parse\n"},
	{"fsck", cmd_fsck, NEED_REPO | ARGS(0, 0), "[-q]",
	 "Check every file of the repository; list each problem with file and "
	 "line.",
	 "  -q, --quiet     say nothing when there is no problem\n"},
	{"help", cmd_help, 0, "[COMMAND]",
	 "List the commands, or show one command's usage and options.", NULL},
	{NULL, NULL, 0, NULL, NULL, NULL},
};

const tool_cmd *tool_find(const char *name)
{
	for (const tool_cmd *c = tool_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* spiral help's groups, in the table's order: each starts at its command. */
static const struct {
	const char *first, *heading;
} help_groups[] = {
	{"init", "Start a repository"},
	{"new", "Inquiries"},
	{"scan", "The six phases of the spiral, and notes"},
	{"show", "Reading"},
	{"report", "Reporting"},
	{"clone", "Sharing"},
	{"import", "Moving inquiries in and out"},
	{"merge-file", "Plumbing and help"},
};

static void main_help(void)
{
	int width = 0;
	size_t group = 0;

	out_puts("usage: spiral [-C DIR] COMMAND [OPTIONS] [ARGS]\n\n"
		 "Collaborative inquiry, the Spiral of Inquiry, kept in git.\n");
	for (const tool_cmd *c = tool_commands; c->name; c++)
		if ((int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	for (const tool_cmd *c = tool_commands; c->name; c++) {
		spiral_buf summary = SPIRAL_BUF_INIT;
		if (c == tool_commands)
			out_puts("\n");
		if (group < sizeof(help_groups) / sizeof(*help_groups) &&
		    strcmp(c->name, help_groups[group].first) == 0)
			out_printf("%s%s:\n", c == tool_commands ? "" : "\n",
				   help_groups[group++].heading);
		tool_summary(c, &summary);
		out_printf("  %-*s  %s\n", width, c->name, summary.ptr ? summary.ptr : "");
		spiral_buf_free(&summary);
	}
	out_puts("\n  -C DIR      run as if started in DIR\n"
		 "  --no-pager  never start a pager (also -P, as git)\n"
		 "  --version   print the version\n"
		 "  --help      this text; 'spiral help COMMAND' for one command\n"
		 "\nSee spiral(1), spiral(5) for the files, spiral(7) for "
		 "workflows.\n");
}

/* Runs man with args; 1 when it ran and said yes (exit 0). */
static int run_man(char *const *args, int quiet)
{
	pid_t pid;
	int status;

	out_flush();
	if ((pid = fork()) < 0)
		return 0;
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
		}
		execvp(args[0], args);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* As git help: on a terminal, the command's man page when man has it;
 * 0 when it was shown. */
static int man_page(const tool_cmd *c)
{
	char page[64];
	char *where[] = {"man", "-w", page, NULL};
	char *show[] = {"man", page, NULL};

	if (!isatty(1))
		return -1;
	snprintf(page, sizeof(page), "spiral-%s", c->name);
	if (!run_man(where, 1))
		return -1;
	return run_man(show, 0) ? 0 : -1;
}

/* spiral help [COMMAND]: the commands, or one command's help. */
static int cmd_help(int argc, char **argv, tool_ctx *ctx)
{
	const tool_cmd *c;
	int opt, code;

	while ((opt = tool_getopt(ctx, argc, argv, "", NULL, &code)) != -1)
		if (opt == TOOL_STOP)
			return code;
	if (argc - optind > 1)
		return tool_usage(ctx, "help takes one command");
	if (optind == argc) {
		main_help();
		return EXIT_OK;
	}
	if (!(c = tool_find(argv[optind])))
		return tool_unknown_command(argv[optind]);
	if (man_page(c) == 0)
		return EXIT_OK;
	return tool_help(c);
}

/* A command started with stdin, stdout or stderr closed would take that
 * number for the next file it opens (the repository's lock, a record) and
 * print into it: give each closed one /dev/null first, as git does. */
static void std_fds_open(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* How a command waiting for our lock names us: "spiral pull origin", each
 * argument cut at 40 bytes (a message is not for the lock file). */
static void name_program(int argc, char **argv)
{
	spiral_buf d = SPIRAL_BUF_INIT;

	spiral_buf_puts(&d, "spiral");
	for (int i = 0; i < argc && d.len < 200; i++) {
		size_t n = strlen(argv[i]);
		if (n > 40) {
			n = 40;
			while (n > 0 && ((unsigned char)argv[i][n] & 0xc0) == 0x80)
				n--; /* not inside a UTF-8 character */
		}
		spiral_buf_putc(&d, ' ');
		spiral_buf_put(&d, argv[i], n);
		if (n < strlen(argv[i]))
			spiral_buf_puts(&d, "...");
	}
	spiral_set_program(d.ptr); /* NULL (out of memory): just "spiral" */
	spiral_buf_free(&d);
}

/* What a command that worked could not finish: said after its output. */
static void repo_warnings(const spiral_repo *repo)
{
	const char *w = spiral_repo_warning(repo);

	while (w && *w) {
		int n = (int)strcspn(w, "\n");
		tool_warn("%.*s", n, w);
		w += n + (w[n] == '\n');
	}
}

static int run(const tool_cmd *cmd, int argc, char **argv)
{
	tool_ctx ctx = {0};
	int rc;

	ctx.cmd = cmd;
	tool_set_color(&ctx, "auto");
	if (cmd->flags & NEED_REPO) {
		/* --help works outside a repository too. */
		for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
			if (strcmp(argv[i], "--help") == 0)
				return tool_help(cmd);
	}
	/* Opened by tool_getopt once the options are read: a usage error is
	 * one outside a repository too. */
	ctx.pending = cmd->flags & (NEED_REPO | NEED_IDENTITY);
	optind = 0; /* GNU getopt: start afresh */
	rc = cmd->fn(argc, argv, &ctx);
	out_flush();
	if (ctx.edited) {
		/* As git keeps COMMIT_EDITMSG: what was typed is not lost. */
		if (rc == EXIT_OK || !ctx.edited_text)
			unlink(ctx.edited);
		else
			fprintf(stderr, "spiral: your text is kept in %s\n", ctx.edited);
		free(ctx.edited);
	}
	repo_warnings(ctx.repo);
	spiral_who_free(&ctx.who);
	spiral_repo_free(ctx.repo);
	return rc;
}

int main(int argc, char **argv)
{
	int i = 1, rc;

	std_fds_open();
	/* A closed pipe is an ordinary end: see out_write(). */
	signal(SIGPIPE, SIG_IGN);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-C") == 0) {
			if (i + 1 >= argc)
				return tool_usage(NULL, "-C needs a folder");
			if (chdir(argv[i + 1]) < 0)
				return tool_fail("cannot change to '%s': %s", argv[i + 1],
						 strerror(errno));
			i++;
		} else if (strncmp(argv[i], "-C", 2) == 0) {
			if (chdir(argv[i] + 2) < 0)
				return tool_fail("cannot change to '%s': %s", argv[i] + 2,
						 strerror(errno));
		} else if (strcmp(argv[i], "--no-pager") == 0 || strcmp(argv[i], "-P") == 0) {
			out_no_pager();
		} else if (strcmp(argv[i], "--version") == 0) {
			spiral_lib_versions v;
			spiral_lib_versions_get(&v);
			out_printf("spiral %s (storage format %d)\n", SPIRAL_VERSION,
				   SPIRAL_FORMAT);
			out_printf("libgit2 %d.%d.%d\ninih %s\nutf8proc %s\n"
				   "storage format %d (spiral(5))\n",
				   v.libgit2_major, v.libgit2_minor, v.libgit2_rev,
				   v.inih, v.utf8proc, SPIRAL_FORMAT);
			out_flush();
			return EXIT_OK;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			main_help();
			out_flush();
			return EXIT_OK;
		} else {
			return tool_usage(NULL, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return tool_usage(NULL, "no command given");
	if (strcmp(argv[i], "__complete") == 0) /* hidden: completions/ */
		return tool_complete(argc - i, argv + i);
	const tool_cmd *cmd = tool_find(argv[i]);
	if (!cmd)
		return tool_unknown_command(argv[i]);
	if (getenv("SPIRAL_DIR") && i > 1)
		unsetenv("SPIRAL_DIR"); /* -C wins, as git's -C does over GIT_DIR */
	name_program(argc - i, argv + i);
	rc = run(cmd, argc - i, argv + i);
	out_pager_wait();
	return rc;
}
