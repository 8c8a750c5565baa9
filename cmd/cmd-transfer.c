/* spiral export and spiral import: the whole repository as one JSON
 * document, and inquiries brought in from that document or a spreadsheet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

enum { OPT_FORMAT = 0x400, OPT_JSON, OPT_CSV, OPT_LAYOUT };

int cmd_export(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, OPT_FORMAT},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	spiral_store st = {0};
	spiral_buf out = SPIRAL_BUF_INIT;
	const char *output = NULL;
	int c, code, rc = -1;

	while (rc < 0 && (c = tool_getopt(ctx, argc, argv, "o:", opts, &code)) != -1) {
		if (c == TOOL_STOP)
			rc = code;
		else if (c == OPT_FORMAT && strcmp(optarg, "json") != 0)
			rc = tool_usage(ctx, "export writes json only, not '%s'", optarg);
		else if (c == 'o' && !*optarg)
			rc = tool_usage(ctx, "-o needs a file name");
		else if (c == 'o')
			output = optarg;
	}
	if (rc < 0 && optind < argc)
		rc = tool_usage(ctx, "export takes no arguments");
	if (rc >= 0)
		return rc;
	if ((rc = spiral_store_load_repo(&st, ctx->repo, 0)) == 0) {
		tool_report_problems(&st);
		rc = spiral_export_json(&out, &st);
	}
	if (rc == 0 && output)
		rc = tool_write_atomic(output, out.ptr, out.len);
	else if (rc == 0)
		out_buf(&out);
	else
		rc = tool_lib_fail(rc);
	spiral_buf_free(&out);
	spiral_store_free(&st);
	return rc;
}

static void say_counts(spiral_buf *b, const spiral_import_result *res)
{
	spiral_buf_printf(b, "%zu inquir%s, %zu entr%s, %zu note%s, %zu change%s",
			  res->inquiries, res->inquiries == 1 ? "y" : "ies",
			  res->entries, res->entries == 1 ? "y" : "ies", res->notes,
			  res->notes == 1 ? "" : "s", res->changes,
			  res->changes == 1 ? "" : "s");
}

static int import_commit(tool_ctx *ctx, spiral_txn *t, const char *kind,
			 const char *file, const spiral_import_result *res)
{
	spiral_buf msg = SPIRAL_BUF_INIT;
	int rc;

	spiral_buf_printf(&msg, "import(%s): ", kind);
	say_counts(&msg, res);
	spiral_buf_puts(&msg, "\n\nFrom ");
	tool_oneline(&msg, file, 200);
	spiral_buf_puts(&msg, "\n");
	if (msg.failed) {
		spiral_buf_free(&msg);
		return spiral_error(SPIRAL_ENOMEM, "out of memory; nothing was written");
	}
	rc = spiral_txn_commit(t, msg.ptr, &ctx->who, NULL);
	spiral_buf_free(&msg);
	return rc;
}

int cmd_import(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option opts[] = {
		{"json", required_argument, NULL, OPT_JSON},
		{"csv", required_argument, NULL, OPT_CSV},
		{"layout", required_argument, NULL, OPT_LAYOUT},
		{"dry-run", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	spiral_csv_layout layout = SPIRAL_LAYOUT_AUTO;
	spiral_import_result res = {0};
	spiral_store st = {0};
	spiral_strv problems = {0};
	spiral_buf said = SPIRAL_BUF_INIT;
	spiral_txn *t = NULL;
	const char *json = NULL, *csv = NULL, *file;
	char *data = NULL;
	size_t len = 0;
	int c, code, dry = 0, rc = -1;

	while (rc < 0 && (c = tool_getopt(ctx, argc, argv, "n", opts, &code)) != -1) {
		if (c == TOOL_STOP)
			rc = code;
		else if (c == OPT_JSON)
			json = optarg;
		else if (c == OPT_CSV)
			csv = optarg;
		else if (c == OPT_LAYOUT && spiral_csv_layout_from_name(optarg, &layout) < 0)
			rc = tool_usage(ctx, "%s", spiral_error_message());
		else if (c == 'n')
			dry = 1;
	}
	if (rc < 0 && optind < argc)
		rc = tool_usage(ctx, "import takes no arguments: give --json FILE or "
				     "--csv FILE");
	if (rc < 0 && !json == !csv)
		rc = tool_usage(ctx, "give one of --json FILE and --csv FILE");
	if (rc < 0 && json && layout != SPIRAL_LAYOUT_AUTO)
		rc = tool_usage(ctx, "--layout is for --csv");
	if (rc >= 0)
		return rc;
	file = json ? json : csv;
	if ((rc = tool_read_file(file, &data, &len)) < 0)
		return tool_lib_fail(rc);
	/* Under the lock from reading to committing: ids checked against the
	 * repository as it is when the records are added. */
	if (!dry && (rc = spiral_txn_begin(ctx->repo, &t)) < 0)
		goto out;
	if ((rc = spiral_store_load(&st, spiral_repo_top(ctx->repo), NULL)) < 0)
		goto out;
	if (json)
		rc = spiral_import_json(t, &st, data, len, &res);
	else
		rc = spiral_import_csv(t, &st, data, len, layout, &ctx->who,
				       &problems, &res);
	if (rc < 0)
		goto out;
	say_counts(&said, &res);
	if (said.failed) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (!res.inquiries && !res.entries && !res.notes && !res.changes) {
		out_printf("Nothing to import: %zu record%s already here.\n",
			   res.skipped, res.skipped == 1 ? " is" : "s are");
	} else if (dry) {
		out_printf("Would import %s (%zu already here); nothing written.\n",
			   said.ptr, res.skipped);
	} else if ((rc = import_commit(ctx, t, json ? "json" : "csv", file, &res)) == 0) {
		out_printf("Imported %s (%zu already here).\n", said.ptr, res.skipped);
	}
out:
	if (rc < 0 && problems.n) {
		for (size_t i = 0; i < problems.n; i++)
			tool_fail("%s: %s", file, problems.v[i]);
		rc = EXIT_FAIL;
	} else if (rc < 0) {
		spiral_buf msg = SPIRAL_BUF_INIT;
		spiral_buf_printf(&msg, "%s: %s", file, spiral_error_message());
		spiral_error(rc, "%s; nothing was imported",
			     msg.ptr ? msg.ptr : "out of memory");
		spiral_buf_free(&msg);
		rc = tool_lib_fail(rc);
	}
	spiral_txn_free(t);
	spiral_store_free(&st);
	spiral_strv_free(&problems);
	spiral_buf_free(&said);
	free(data);
	return rc;
}
