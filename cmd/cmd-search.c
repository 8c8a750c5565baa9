/* search and match: the cluster's inquiries by what they say, and those of
 * other schools with most in common with one of ours. */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

enum { OPT_SCHOOLS = 0x300 };

static const struct option search_option = {"max-count", required_argument,
					    NULL, 'n'};
static const struct option match_option = {"schools", no_argument, NULL,
					   OPT_SCHOOLS};

/* Reads the options; -1 to go on (free a->filter then), else the exit
 * code.  Both search every inquiry, closed ones too, unless told. */
static int parse(tool_ctx *ctx, int argc, char **argv, read_args *a,
		 const struct option *own, int *schools)
{
	struct option *longopts;
	size_t n = 0;
	int c, code, rc = -1;

	/* The reading options, then the command's own. */
	while (tool_read_longopts[n].name)
		n++;
	if (!(longopts = calloc(n + 2, sizeof(*longopts))))
		return tool_fail("out of memory");
	memcpy(longopts, tool_read_longopts, n * sizeof(*longopts));
	longopts[n] = *own;
	spiral_filter_init(&a->filter, SPIRAL_STATUS_ALL);
	a->format = SPIRAL_FORMAT_TABLE;
	a->max_count = -1;
	while (rc < 0 && (c = tool_getopt(ctx, argc, argv, schools ? "" : "n:",
					  longopts, &code)) != -1) {
		if (c == TOOL_STOP)
			rc = code;
		else if (c == OPT_SCHOOLS)
			*schools = 1;
		else if ((c = tool_read_option(ctx, a, c, optarg)) != 0)
			rc = c;
	}
	free(longopts);
	if (rc >= 0)
		spiral_filter_free(&a->filter);
	return rc;
}

int cmd_search(int argc, char **argv, tool_ctx *ctx)
{
	read_args a;
	spiral_store st = {0};
	spiral_buf out = SPIRAL_BUF_INIT;
	spiral_hit *hits = NULL;
	spiral_style style;
	size_t n = 0, shown;
	int rc;

	if ((rc = parse(ctx, argc, argv, &a, &search_option, NULL)) >= 0)
		return rc;
	if (argc - optind != 1 || !*argv[optind]) {
		spiral_filter_free(&a.filter);
		return tool_usage(ctx, argc - optind > 1 ? "search takes one QUERY (quote "
							   "a query of several words)"
							 : "search needs a QUERY");
	}
	if ((rc = spiral_store_load_repo(&st, ctx->repo, 0)) < 0)
		return tool_read_done(&a, &out, &st, rc);
	tool_report_problems(&st);
	style = ctx->style; /* on a terminal, tables fit its width */
	style.width = tool_columns();
	tool_read_stream(&a, &out);
	if ((rc = spiral_search(&st, &a.filter, argv[optind], &hits, &n)) == 0) {
		shown = a.max_count >= 0 && n > (size_t)a.max_count ? (size_t)a.max_count : n;
		rc = spiral_emit_search(&out, a.format, hits, shown,
					spiral_store_short_len(&st), &style);
	}
	spiral_hits_free(hits, n);
	return tool_read_done(&a, &out, &st, rc);
}

/* The school whose schools are ranked: INQUIRY's, else the clone's, else
 * the current inquiry's.  *school is allocated. */
static int our_school(tool_ctx *ctx, spiral_store *st, const char *prefix,
		      char **school)
{
	spiral_inquiry *inq;
	char *id = NULL;
	int rc;

	*school = NULL;
	if (!prefix) {
		if ((rc = spiral_config_get(ctx->repo, "spiral.school", school)) < 0 ||
		    *school)
			return rc;
		if ((rc = tool_inquiry_id(ctx, NULL, &id)) < 0)
			return spiral_error(SPIRAL_ERROR, "no school to match: set one with "
							  "spiral config school NAME, or "
							  "name an INQUIRY");
		prefix = id;
	}
	if ((rc = spiral_store_find(st, prefix, &inq)) == 0 &&
	    !(*school = strdup(inq->who.school ? inq->who.school : "")))
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	free(id);
	return rc;
}

int cmd_match(int argc, char **argv, tool_ctx *ctx)
{
	read_args a;
	spiral_store st = {0};
	spiral_buf out = SPIRAL_BUF_INIT;
	spiral_match *m = NULL;
	spiral_inquiry *inq = NULL;
	spiral_style style;
	const char *prefix;
	char *id = NULL, *school = NULL;
	size_t n = 0;
	int rc, schools = 0;

	if ((rc = parse(ctx, argc, argv, &a, &match_option, &schools)) >= 0)
		return rc;
	if (argc - optind > 1) {
		spiral_filter_free(&a.filter);
		return tool_usage(ctx, "too many arguments");
	}
	prefix = optind < argc ? argv[optind] : NULL;
	if ((rc = spiral_store_load_repo(&st, ctx->repo, 0)) < 0)
		return tool_read_done(&a, &out, &st, rc);
	tool_report_problems(&st);
	if (schools) {
		if ((rc = our_school(ctx, &st, prefix, &school)) == 0)
			rc = spiral_match_schools(&st, &a.filter, school, &m, &n);
	} else if ((rc = tool_inquiry_id(ctx, prefix, &id)) == 0 &&
		   (rc = spiral_store_find(&st, id, &inq)) == 0) {
		rc = spiral_match_inquiries(&st, &a.filter, inq, &m, &n);
	}
	style = ctx->style;
	style.width = tool_columns();
	if (rc == 0)
		rc = spiral_emit_match(&out, a.format, m, n, schools,
				       spiral_store_short_len(&st), &style);
	spiral_matches_free(m, n);
	free(id);
	free(school);
	return tool_read_done(&a, &out, &st, rc);
}
