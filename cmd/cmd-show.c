/* show: one inquiry with every entry and its measures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static int show_csv(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_log_row *rows = calloc(inq->nentries + 1, sizeof(*rows));
	int rc;

	if (!rows)
		return SPIRAL_ENOMEM;
	for (size_t i = 0; i < inq->nentries; i++) {
		rows[i].inquiry = inq;
		rows[i].entry = &inq->entries[i];
	}
	rc = spiral_emit_log(out, SPIRAL_FORMAT_CSV, rows, inq->nentries, 8, NULL);
	free(rows);
	return rc;
}

int cmd_show(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"color", optional_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	spiral_format format = SPIRAL_FORMAT_TABLE;
	spiral_store st = {0};
	spiral_inquiry *inq;
	spiral_buf out = SPIRAL_BUF_INIT;
	int c, code, rc;

	while ((c = tool_getopt(ctx, argc, argv, "", longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			return code;
		if (c == 'f' && tool_parse_format(ctx, optarg, 0, &format))
			return EXIT_USAGE;
		if (c == 'c' && tool_set_color(ctx, optarg ? optarg : "always"))
			return EXIT_USAGE;
	}
	if (argc - optind > 1)
		return tool_usage(ctx, "too many arguments");
	if ((rc = tool_load_one(ctx, optind < argc ? argv[optind] : NULL, &st, &inq)) < 0) {
		spiral_store_free(&st);
		return tool_lib_fail(rc);
	}
	switch (format) {
	case SPIRAL_FORMAT_JSON:
		rc = spiral_json_show(&out, inq);
		spiral_buf_putc(&out, '\n');
		break;
	case SPIRAL_FORMAT_CSV:
		/* One row an entry, as log writes them. */
		rc = show_csv(&out, inq);
		break;
	case SPIRAL_FORMAT_MD:
		rc = spiral_md_show(&out, inq);
		break;
	default:
		rc = spiral_text_show(&out, inq, tool_short_len(ctx, inq->id), &ctx->style);
		out_pager();
		break;
	}
	if (rc == 0)
		out_buf(&out);
	spiral_buf_free(&out);
	spiral_store_free(&st);
	return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
}
