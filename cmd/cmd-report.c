/* spiral report: the cluster view, for people or for cron (-o FILE). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

enum { OPT_BY = 0x300, OPT_IDLE, OPT_REPORT_FORMAT, OPT_DIGEST };

#define REPORT_MAX_OPTIONS 32

/* The shared reading options, then report's own. */
static int report_longopts(struct option *opts)
{
	static const struct option own[] = {
		{"by", required_argument, NULL, OPT_BY},
		{"idle", required_argument, NULL, OPT_IDLE},
		{"digest", no_argument, NULL, OPT_DIGEST},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const struct option *read = tool_read_longopts;
	size_t n = 0;

	for (; read[n].name && n < REPORT_MAX_OPTIONS - 5; n++) {
		opts[n] = read[n];
		/* report's --format also takes html: its own case. */
		if (strcmp(read[n].name, "format") == 0)
			opts[n].val = OPT_REPORT_FORMAT;
	}
	for (size_t i = 0; i < 5; i++)
		opts[n + i] = own[i];
	return 0;
}

/* Writes data to path whole or not at all: a temporary file beside it,
 * synced, then renamed over it; a reader never sees half a report.  The
 * file gets the mode a new file would (0666 less the umask). */
int tool_write_atomic(const char *path, const char *data, size_t len)
{
	spiral_buf tmp = SPIRAL_BUF_INIT;
	mode_t mask = umask(0);
	int fd, saved;

	umask(mask);
	if (spiral_buf_printf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return tool_fail("out of memory");
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		saved = errno;
		spiral_buf_free(&tmp);
		return tool_fail("cannot write '%s': %s", path, strerror(saved));
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.ptr, path) < 0)
		goto fail;
	spiral_buf_free(&tmp);
	return EXIT_OK;
fail:
	saved = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp.ptr);
	spiral_buf_free(&tmp);
	return tool_fail("cannot write '%s': %s", path, strerror(saved));
}

static int report_option(tool_ctx *ctx, int c, const char *arg,
			 spiral_report_by *by, int *idle, const char **output,
			 spiral_format *format, int *digest_only)
{
	char *end;
	long days;

	switch (c) {
	case OPT_BY:
		if (spiral_report_by_from_name(arg, by) < 0)
			return tool_usage(ctx, "%s", spiral_error_message());
		return 0;
	case OPT_IDLE:
		days = strtol(arg, &end, 10);
		if (!*arg || *end || days < 0 || days > 100000)
			return tool_usage(ctx, "--idle takes a number of days, not '%s'",
					  arg);
		*idle = (int)days;
		return 0;
	case OPT_REPORT_FORMAT:
		return tool_parse_format(ctx, arg, 1, format) ? EXIT_USAGE : 0;
	case OPT_DIGEST:
		*digest_only = 1;
		return 0;
	case 'o':
		if (!*arg)
			return tool_usage(ctx, "-o needs a file name");
		*output = arg;
		return 0;
	}
	return -1; /* one of the shared options */
}

int cmd_report(int argc, char **argv, tool_ctx *ctx)
{
	struct option opts[REPORT_MAX_OPTIONS];
	read_args a = {.format = SPIRAL_FORMAT_TABLE, .max_count = -1};
	spiral_report_by by = SPIRAL_BY_NONE;
	spiral_report report;
	spiral_store st = {0};
	spiral_buf out = SPIRAL_BUF_INIT;
	spiral_style style;
	const char *output = NULL;
	int idle = SPIRAL_REPORT_IDLE, digest_only = 0, c, code, done, rc = -1;

	report_longopts(opts);
	spiral_filter_init(&a.filter, SPIRAL_STATUS_ALL); /* the contract's default */
	while (rc < 0 && (c = tool_getopt(ctx, argc, argv, "o:", opts, &code)) != -1) {
		if (c == TOOL_STOP)
			rc = code;
		else if ((done = report_option(ctx, c, optarg, &by, &idle, &output,
					       &a.format, &digest_only)) >= 0)
			rc = done ? done : -1;
		else if ((done = tool_read_option(ctx, &a, c, optarg)) != 0)
			rc = done;
	}
	if (rc < 0 && optind < argc)
		rc = tool_usage(ctx, "report takes no arguments");
	if (rc >= 0) {
		spiral_filter_free(&a.filter);
		return rc;
	}
	if ((rc = spiral_store_load_repo(&st, ctx->repo, 0)) < 0)
		goto done;
	tool_report_problems(&st);
	style = ctx->style;
	if (output || a.format != SPIRAL_FORMAT_TABLE) {
		/* A file or a format for machines: no colour, no cut cells. */
		style.bold = style.dim = style.warn = style.phase = style.reset = "";
		style.width = 0;
	} else {
		style.width = tool_columns();
	}
	if ((rc = spiral_report_build(&st, &a.filter, by, idle, &report)) < 0)
		goto done;
	report.digest_only = digest_only;
	if (!output)
		tool_read_stream(&a, &out); /* as log: printed as it is made */
	if (a.format == SPIRAL_FORMAT_HTML)
		rc = spiral_emit_report_html(&out, &report, &st,
					     spiral_store_short_len(&st));
	else
		rc = spiral_emit_report(&out, a.format, &report,
					spiral_store_short_len(&st), &style);
	spiral_report_free(&report);
	if (rc < 0)
		goto done;
	if (output) {
		rc = tool_write_atomic(output, out.ptr ? out.ptr : "", out.len);
	} else {
		if (a.format == SPIRAL_FORMAT_TABLE)
			out_pager();
		out_buf(&out);
	}
done:
	spiral_buf_free(&out);
	spiral_store_free(&st);
	spiral_filter_free(&a.filter);
	return rc < 0 ? tool_lib_fail(rc) : rc;
}
