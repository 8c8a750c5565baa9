/* The spiral tool: argument parsing, printing and exit codes.  The work is
 * done by libspiral; nothing here is needed by a second front end. */
#ifndef SPIRAL_TOOL_H
#define SPIRAL_TOOL_H

#include <getopt.h>

#include "spiral.h"

enum {
	NEED_REPO = 1,     /* open the repository before running */
	NEED_IDENTITY = 2, /* a write: name, email and school */
	ARGS_SET = 4,      /* ARGS(lo, hi): how many arguments it takes */
};
/* The number of arguments after the options a command takes (hi 15: any).
 * Outside a repository, a count out of range is a usage error (exit 2)
 * rather than "not in a spiral repository"; inside, the command's own
 * message says what is wrong. */
#define ARGS(lo, hi) (ARGS_SET | (lo) << 8 | (hi) << 12)
#define ARGS_LO(flags) (((flags) >> 8) & 15)
#define ARGS_HI(flags) (((flags) >> 12) & 15)

/* Exit codes of the contract. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct tool_cmd;

/* spiral __complete: tool_getopt hands the command's own options here and
 * stops the command before it does anything (cmd/complete.c). */
typedef struct tool_optlist {
	struct option longs[64]; /* with --help, {NULL}-ended */
	size_t n;
	char shorts[64];         /* as given to getopt: "m:F:" */
} tool_optlist;

typedef struct tool_ctx {
	const struct tool_cmd *cmd;
	spiral_repo *repo;
	spiral_who who;
	int color;   /* colour on stdout */
	spiral_style style;
	unsigned pending; /* NEED_* flags done once the options are read */
	/* The editor's file, kept until the command has worked: a write that
	 * fails after it (a malformed trailer) loses no typing. */
	char *edited;
	int edited_text; /* it holds more than white space */
	tool_optlist *optlist; /* set: only list the options (exit 0) */
} tool_ctx;

typedef int (*tool_fn)(int argc, char **argv, tool_ctx *ctx);

typedef struct tool_cmd {
	const char *name;
	tool_fn fn;
	unsigned flags;
	const char *usage;   /* after "spiral NAME " */
	const char *summary; /* one line */
	const char *options; /* lines of "  -x, --long  what", or NULL */
} tool_cmd;

const tool_cmd *tool_find(const char *name);
extern const tool_cmd tool_commands[];

/* ---- options ------------------------------------------------------------ */

/* getopt_long with --help added and errors turned into usage errors.
 * Returns the option, -1 at the end, or TOOL_STOP with *exit_code set
 * (0 after --help, 2 after a bad option, 1 when the repository or the
 * identity the command needs, opened at the end of the options so that a
 * usage error is one anywhere, is not there). */
#define TOOL_STOP 0x10000
int tool_getopt(tool_ctx *ctx, int argc, char **argv, const char *shortopts,
		const struct option *longopts, int *exit_code);

/* ---- errors: printed once, as "spiral: error: ..." ---------------------- */

int tool_usage(tool_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the library's message; returns the exit code for rc. */
int tool_lib_fail(int rc);
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tool_help(const tool_cmd *cmd);
/* "'NAME' is not a spiral command", the closest commands, the usage line;
 * returns EXIT_USAGE. */
int tool_unknown_command(const char *name);
/* git's weighted Damerau-Levenshtein distance from typed to candidate. */
size_t tool_distance(const char *typed, const char *candidate);
/* The candidates closest to typed, close enough to be what was meant (as
 * git suggests commands): indexes into candidates, best first, ties all
 * kept.  Returns how many (0 to n), stored in best[]. */
size_t tool_similar(const char *typed, const char *const *candidates, size_t n,
		    size_t *best);
/* A command's one-line summary (for the phases, from the phase table). */
void tool_summary(const tool_cmd *cmd, spiral_buf *out);

/* ---- output ------------------------------------------------------------- */

/* Writes to stdout; a closed pipe ends the program quietly with status 0. */
void out_write(const char *data, size_t len);
void out_puts(const char *s);
void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_buf(const spiral_buf *b);
void out_flush(void);
/* A line for people with untrusted text made visible. */
void out_visible(const char *s);
/* Start $PAGER (else less -FRX) when stdout is a terminal. */
void out_pager(void);
/* --no-pager: out_pager() does nothing from now on. */
void out_no_pager(void);
void out_pager_wait(void);

int tool_is_interactive(void); /* stdin and stdout are terminals */
/* The columns a table may fill: the terminal's when stdout is one, else
 * $COLUMNS, else 0 (no limit: a pipe or a file gets whole rows). */
int tool_columns(void);
/* --color=auto|always|never; sets ctx->color and ctx->style. */
int tool_set_color(tool_ctx *ctx, const char *when);

/* ---- shared pieces ------------------------------------------------------ */

int tool_parse_format(tool_ctx *ctx, const char *arg, int allow_html,
		      spiral_format *out);
/* --format's values in spiral_format order (html: report alone), NULL-ended. */
extern const char *const tool_format_names[];

/* The shared filters and --format of the reading commands (cmd-read.c),
 * also taken by search and match (cmd-search.c). */
typedef struct read_args {
	spiral_filter filter;
	spiral_format format;
	long max_count; /* log -n; -1: every entry */
} read_args;

/* Their long options, {NULL}-ended, and one of them, c, with its
 * argument: 0, or the exit code. */
extern const struct option *const tool_read_longopts;
int tool_read_option(tool_ctx *ctx, read_args *a, int c, const char *arg);
/* The end of a reading command: prints out (through the pager for a
 * table), frees out, st and a's filter, and turns rc into the exit code. */
int tool_read_done(read_args *a, spiral_buf *out, spiral_store *st, int rc);
/* Output that is not a table goes out as it is made (a long log takes
 * no memory for itself); a table waits for its widths and the pager. */
void tool_read_stream(const read_args *a, spiral_buf *out);

/* Full id of the inquiry named by prefix, or of the current one. */
int tool_inquiry_id(tool_ctx *ctx, const char *prefix, char **id);
/* Loads one inquiry (prefix or current) into st; *inq points into st. */
int tool_load_one(tool_ctx *ctx, const char *prefix, spiral_store *st,
		  spiral_inquiry **inq);
/* Short length to show an id among all inquiries of the repository. */
int tool_short_len(tool_ctx *ctx, const char *id);
/* Says on stderr that some files could not be read (see fsck). */
void tool_report_problems(const spiral_store *st);

/* Opens the editor on text; returns the edited text (allocated) with '#'
 * lines and leading and trailing blank lines removed, or as saved when raw
 * (a parser that skips comments then names the lines the user sees). */
int tool_edit_text(tool_ctx *ctx, const char *template_text, int raw,
		   char **out);
/* Writes data to path whole or not at all (a temporary beside it, synced,
 * then renamed); prints its error and returns the exit code. */
int tool_write_atomic(const char *path, const char *data, size_t len);
/* Reads a whole file, or standard input for "-". */
int tool_read_file(const char *path, char **out, size_t *len);
/* Commit-message text: control characters dropped, one line. */
void tool_oneline(spiral_buf *out, const char *s, size_t max);

/* Commits t as "VERB(1234abcd): title" with body below. */
int tool_commit(tool_ctx *ctx, spiral_txn *t, const char *verb, const char *id,
		const char *title, const char *body);
/* Takes the lock, then loads the inquiry (prefix or current). */
int tool_begin(tool_ctx *ctx, const char *prefix, spiral_txn **t,
	       spiral_store *st, spiral_inquiry **inq);
/* init and clone: --school and --cluster checked, then kept in the clone's
 * configuration; each prints its error and returns the exit code. */
int tool_check_settings(const char *school, const char *cluster);
int tool_apply_settings(spiral_repo *repo, const char *school, const char *cluster);
/* While the clone has no school, print the command that sets one (init, clone). */
void tool_school_hint(spiral_repo *repo);
/* Fails unless the clone has a school (writes record it). */
int tool_need_school(tool_ctx *ctx);

/* Commands. */
int cmd_init(int argc, char **argv, tool_ctx *ctx);
int cmd_config(int argc, char **argv, tool_ctx *ctx);
int cmd_fsck(int argc, char **argv, tool_ctx *ctx);
int cmd_new(int argc, char **argv, tool_ctx *ctx);
int cmd_switch(int argc, char **argv, tool_ctx *ctx);
int cmd_edit(int argc, char **argv, tool_ctx *ctx);
int cmd_close(int argc, char **argv, tool_ctx *ctx);
int cmd_reopen(int argc, char **argv, tool_ctx *ctx);
int cmd_resolve(int argc, char **argv, tool_ctx *ctx);
int cmd_phase(int argc, char **argv, tool_ctx *ctx);
int cmd_note(int argc, char **argv, tool_ctx *ctx);
int cmd_show(int argc, char **argv, tool_ctx *ctx);
int cmd_list(int argc, char **argv, tool_ctx *ctx);
int cmd_log(int argc, char **argv, tool_ctx *ctx);
int cmd_report(int argc, char **argv, tool_ctx *ctx);
int cmd_status(int argc, char **argv, tool_ctx *ctx);
int cmd_clone(int argc, char **argv, tool_ctx *ctx);
int cmd_remote(int argc, char **argv, tool_ctx *ctx);
int cmd_pull(int argc, char **argv, tool_ctx *ctx);
int cmd_push(int argc, char **argv, tool_ctx *ctx);
int cmd_sync(int argc, char **argv, tool_ctx *ctx);
int cmd_merge_file(int argc, char **argv, tool_ctx *ctx);
int cmd_verify_push(int argc, char **argv, tool_ctx *ctx);
int cmd_search(int argc, char **argv, tool_ctx *ctx);
int cmd_match(int argc, char **argv, tool_ctx *ctx);
int cmd_import(int argc, char **argv, tool_ctx *ctx);
int cmd_export(int argc, char **argv, tool_ctx *ctx);
/* spiral __complete WHAT [ARGS]: hidden, for the completion scripts. */
int tool_complete(int argc, char **argv);

#endif
