/* Reading: list, log, show, status.  The filters are shared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

enum {
	OPT_SCHOOL = 0x200,
	OPT_PHASE,
	OPT_TAG,
	OPT_AUTHOR,
	OPT_STATUS,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_STALLED,
	OPT_FORMAT,
	OPT_COLOR,
	OPT_NO_PAGER,
};

#define READ_LONGOPTS                                                  \
	{"school", required_argument, NULL, OPT_SCHOOL},               \
	{"phase", required_argument, NULL, OPT_PHASE},                 \
	{"tag", required_argument, NULL, OPT_TAG},                     \
	{"author", required_argument, NULL, OPT_AUTHOR},               \
	{"status", required_argument, NULL, OPT_STATUS},               \
	{"since", required_argument, NULL, OPT_SINCE},                 \
	{"until", required_argument, NULL, OPT_UNTIL},                 \
	{"stalled", required_argument, NULL, OPT_STALLED},             \
	{"format", required_argument, NULL, OPT_FORMAT},               \
	{"color", optional_argument, NULL, OPT_COLOR},                 \
	{"no-pager", no_argument, NULL, OPT_NO_PAGER}

static const struct option read_options[] = {
	READ_LONGOPTS,
	{NULL, 0, NULL, 0},
};
const struct option *const tool_read_longopts = read_options;

/* log also takes git's -n / --max-count. */
static const struct option log_options[] = {
	READ_LONGOPTS,
	{"max-count", required_argument, NULL, 'n'},
	{NULL, 0, NULL, 0},
};

/* status takes the shared filters (the contract's "every reading
 * command"): they choose whose unsettled conflicts it lists; the current
 * inquiry, hand edits and remotes are shown whatever they say. */
#define status_options read_options

int tool_read_option(tool_ctx *ctx, read_args *a, int c, const char *arg)
{
	spiral_filter *f = &a->filter;
	char *end;
	long days;
	spiral_phase phase;
	int rc;

	switch (c) {
	case OPT_SCHOOL:
		rc = spiral_filter_add_school(f, arg);
		return rc < 0 ? tool_lib_fail(rc) : 0;
	case OPT_TAG:
		rc = spiral_filter_add_tag(f, arg);
		return rc < 0 ? tool_lib_fail(rc) : 0;
	case OPT_AUTHOR:
		rc = spiral_filter_add_author(f, arg);
		return rc < 0 ? tool_lib_fail(rc) : 0;
	case OPT_PHASE:
		if ((phase = spiral_phase_from_name(arg)) == SPIRAL_PHASE_NONE)
			return tool_usage(ctx, "--phase takes scan, focus, hunch, learn, "
					       "act or check, not '%s'",
					  arg);
		spiral_filter_add_phase(f, phase);
		return 0;
	case 'n':
		a->max_count = strtol(arg, &end, 10);
		if (!*arg || *end || a->max_count < 0 || a->max_count > 1000000000L)
			return tool_usage(ctx, "-n takes a number of entries, not '%s'",
					  arg);
		return 0;
	case OPT_NO_PAGER:
		out_no_pager();
		return 0;
	case OPT_STATUS:
		if (strcmp(arg, "active") == 0)
			f->status = SPIRAL_STATUS_ACTIVE;
		else if (strcmp(arg, "closed") == 0)
			f->status = SPIRAL_STATUS_CLOSED;
		else if (strcmp(arg, "all") == 0)
			f->status = SPIRAL_STATUS_ALL;
		else
			return tool_usage(ctx, "--status takes active, closed or all, "
					       "not '%s'",
					  arg);
		return 0;
	case OPT_SINCE:
	case OPT_UNTIL:
		/* A bare day is the whole local day, 23 or 25 hours too. */
		if (spiral_date_parse_bound(arg, c == OPT_UNTIL,
					    c == OPT_SINCE ? &f->since : &f->until) < 0)
			return tool_usage(ctx, "--%s: %s",
					  c == OPT_SINCE ? "since" : "until",
					  spiral_error_message());
		*(c == OPT_SINCE ? &f->has_since : &f->has_until) = 1;
		return 0;
	case OPT_STALLED:
		days = strtol(arg, &end, 10);
		if (!*arg || *end || days < 0 || days > 100000)
			return tool_usage(ctx, "--stalled takes a number of days, not '%s'",
					  arg);
		f->stalled_days = (int)days;
		return 0;
	case OPT_FORMAT:
		return tool_parse_format(ctx, arg, 0, &a->format) ? EXIT_USAGE : 0;
	case OPT_COLOR:
		return tool_set_color(ctx, arg ? arg : "always") ? EXIT_USAGE : 0;
	}
	return 0;
}

/* Parses the reading options over the command's default status and checks
 * that at most max_args arguments follow; returns -1 to go on (free
 * a->filter then), else an exit code. */
static int read_parse(tool_ctx *ctx, int argc, char **argv, read_args *a,
		      spiral_status_filter status, const struct option *longopts,
		      int max_args)
{
	/* Only log has a short option: -n, as git log. */
	const char *shortopts = longopts == log_options ? "n:" : "";
	int c, code, rc = -1;

	spiral_filter_init(&a->filter, status);
	a->format = SPIRAL_FORMAT_TABLE;
	a->max_count = -1;
	while (rc < 0 && (c = tool_getopt(ctx, argc, argv, shortopts, longopts,
					  &code)) != -1) {
		if (c == TOOL_STOP)
			rc = code;
		else if ((c = tool_read_option(ctx, a, c, optarg)) != 0)
			rc = c;
	}
	if (rc < 0 && argc - optind > max_args)
		rc = max_args ? tool_usage(ctx, "too many arguments")
			      : tool_usage(ctx, "%s takes no arguments", argv[0]);
	if (rc >= 0)
		spiral_filter_free(&a->filter);
	return rc;
}

/* Every inquiry as committed, through the cache (flags: as
 * spiral_store_load_repo's). */
static int load_all(tool_ctx *ctx, spiral_store *st, unsigned flags)
{
	int rc = spiral_store_load_repo(st, ctx->repo, flags);

	if (rc < 0)
		return tool_lib_fail(rc);
	tool_report_problems(st);
	return 0;
}

/* The end of every reading command: print what was made (through the
 * pager for people), free it, and turn rc into the exit code. */
static int stream_flush(void *unused, const char *data, size_t len)
{
	(void)unused;
	out_write(data, len); /* exits on a write error */
	return 0;
}

void tool_read_stream(const read_args *a, spiral_buf *out)
{
	if (a->format != SPIRAL_FORMAT_TABLE)
		out->flush = stream_flush;
}

int tool_read_done(read_args *a, spiral_buf *out, spiral_store *st, int rc)
{
	if (rc == 0) {
		if (a->format == SPIRAL_FORMAT_TABLE)
			out_pager();
		out_buf(out);
	}
	spiral_buf_free(out);
	spiral_store_free(st);
	spiral_filter_free(&a->filter);
	return rc < 0 ? tool_lib_fail(rc) : rc;
}

int cmd_list(int argc, char **argv, tool_ctx *ctx)
{
	read_args a;
	spiral_store st = {0};
	const spiral_inquiry **rows = NULL;
	spiral_buf out = SPIRAL_BUF_INIT;
	spiral_style style;
	size_t n;
	int rc;

	if ((rc = read_parse(ctx, argc, argv, &a, SPIRAL_STATUS_ACTIVE, read_options,
			     0)) >= 0)
		return rc;
	/* Summaries are enough, unless an inquiry is someone's by an entry. */
	if ((rc = load_all(ctx, &st, a.filter.authors.n ? 0 : SPIRAL_LOAD_SUMMARY)) != 0)
		return tool_read_done(&a, &out, &st, rc);
	style = ctx->style; /* on a terminal, tables fit its width */
	style.width = tool_columns();
	tool_read_stream(&a, &out); /* as log: printed as it is made */
	if ((rc = spiral_query_list(&st, &a.filter, &rows, &n)) == 0)
		rc = spiral_emit_list(&out, a.format, rows, n, spiral_store_short_len(&st),
				      &style, &a.filter);
	free(rows);
	return tool_read_done(&a, &out, &st, rc);
}

int cmd_log(int argc, char **argv, tool_ctx *ctx)
{
	read_args a;
	spiral_store st = {0};
	spiral_log_row *rows = NULL;
	spiral_inquiry *only = NULL;
	spiral_buf out = SPIRAL_BUF_INIT;
	spiral_style style;
	size_t n;
	int rc;

	if ((rc = read_parse(ctx, argc, argv, &a, SPIRAL_STATUS_ALL, log_options, 1)) >= 0)
		return rc;
	if ((rc = spiral_store_load_repo(&st, ctx->repo, 0)) < 0 ||
	    (optind < argc && (rc = spiral_store_find(&st, argv[optind], &only)) < 0))
		/* An inquiry that cannot be read: its file and line, as show. */
		return tool_read_done(&a, &out, &st, rc);
	tool_report_problems(&st);
	style = ctx->style; /* on a terminal, tables fit its width */
	style.width = tool_columns();
	tool_read_stream(&a, &out);
	if ((rc = spiral_query_log(&st, &a.filter, only ? only->id : NULL, &rows, &n)) == 0) {
		/* -n N: the N newest, as git log -n. */
		if (a.max_count >= 0 && n > (size_t)a.max_count)
			n = (size_t)a.max_count;
		rc = spiral_emit_log(&out, a.format, rows, n, spiral_store_short_len(&st),
				     &style);
	}
	free(rows);
	return tool_read_done(&a, &out, &st, rc);
}

/* ---- show -------------------------------------------------------------- */

static int show_csv(spiral_buf *out, const spiral_inquiry *inq,
		    const spiral_filter *f)
{
	spiral_log_row *rows = calloc(inq->nentries + 1, sizeof(*rows));
	int rc;

	if (!rows)
		return SPIRAL_ENOMEM;
	size_t n = 0;

	for (size_t i = 0; i < inq->nentries; i++) {
		if (!spiral_entry_selected(f, &inq->entries[i]))
			continue;
		rows[n].inquiry = inq;
		rows[n++].entry = &inq->entries[i];
	}
	rc = spiral_emit_log(out, SPIRAL_FORMAT_CSV, rows, n, 8, NULL);
	free(rows);
	return rc;
}

static int show_emit(tool_ctx *ctx, spiral_buf *out, const spiral_inquiry *inq,
		     const read_args *a, const spiral_lineage *lin)
{
	int rc;

	switch (a->format) {
	case SPIRAL_FORMAT_JSON:
		if ((rc = spiral_json_show(out, inq, &a->filter, lin)) == 0)
			rc = spiral_buf_putc(out, '\n');
		return rc;
	case SPIRAL_FORMAT_CSV:
		/* One row an entry, as log writes them. */
		return show_csv(out, inq, &a->filter);
	case SPIRAL_FORMAT_MD:
		return spiral_md_show(out, inq, &a->filter, lin);
	default:
		return spiral_text_show(out, inq, tool_short_len(ctx, inq->id),
					&ctx->style, &a->filter, lin);
	}
}

int cmd_show(int argc, char **argv, tool_ctx *ctx)
{
	read_args a;
	spiral_store st = {0}, all = {0};
	spiral_inquiry *inq;
	spiral_lineage lin = {0};
	spiral_buf out = SPIRAL_BUF_INIT;
	int rc;

	/* The entry filters choose what is shown; the inquiry is named. */
	if ((rc = read_parse(ctx, argc, argv, &a, SPIRAL_STATUS_ALL, read_options,
			     1)) >= 0)
		return rc;
	if ((rc = tool_load_one(ctx, optind < argc ? argv[optind] : NULL, &st, &inq)) < 0)
		return tool_read_done(&a, &out, &st, rc);
	/* --continues both ways needs the others: their problems are not
	 * this inquiry's (a link to one that did not load stops there), and
	 * when they cannot be read at all the inquiry is still shown. */
	if (spiral_store_load_lineage(&all, ctx->repo, inq) == 0 &&
	    spiral_store_lineage(&all, inq, &lin) == 0)
		rc = show_emit(ctx, &out, inq, &a, &lin);
	else
		rc = show_emit(ctx, &out, inq, &a, NULL);
	spiral_lineage_free(&lin);
	spiral_store_free(&all);
	return tool_read_done(&a, &out, &st, rc);
}

/* ---- status ------------------------------------------------------------- */

typedef struct status_info {
	spiral_store st, one;     /* summaries; the current inquiry */
	spiral_inquiry *current; /* in one, or NULL */
	char *current_missing;   /* configured but not found */
	spiral_strv changed;
	char *upstream;
	size_t ahead, behind;
	spiral_tracking *remotes; /* ahead/behind per remote */
	size_t nremotes;
	size_t conflicts;
	const spiral_filter *filter; /* whose conflicts are listed */
} status_info;

static int status_gather(tool_ctx *ctx, status_info *s)
{
	char *current = NULL;
	int rc;

	/* Every inquiry's summary as committed (for conflicts), and the
	 * current one whole from the work tree, as show reads it. */
	if ((rc = spiral_store_load_repo(&s->st, ctx->repo, SPIRAL_LOAD_SUMMARY)) < 0)
		return rc;
	if ((rc = spiral_config_get(ctx->repo, "spiral.current", &current)) < 0)
		return rc;
	if (current && (spiral_store_find(&s->st, current, &s->current) < 0 ||
			spiral_store_load(&s->one, spiral_repo_top(ctx->repo),
					  s->current->id) < 0 ||
			s->one.ninquiries != 1)) {
		spiral_error_clear();
		s->current = NULL;
		s->current_missing = current;
		current = NULL;
	} else if (current) {
		s->current = &s->one.inquiries[0];
	}
	free(current);
	for (size_t i = 0; i < s->st.ninquiries; i++)
		if (spiral_inquiry_matches(s->filter, &s->st.inquiries[i]))
			s->conflicts += s->st.inquiries[i].nconflicts;
	if ((rc = spiral_repo_changed(ctx->repo, &s->changed)) < 0)
		return rc;
	rc = spiral_repo_tracking(ctx->repo, &s->upstream, &s->ahead, &s->behind);
	if (rc < 0 && rc != SPIRAL_ENOTFOUND)
		return rc;
	return spiral_remote_tracking(ctx->repo, &s->remotes, &s->nremotes);
}

static void status_free(status_info *s)
{
	spiral_store_free(&s->st);
	spiral_store_free(&s->one);
	free(s->current_missing);
	spiral_strv_free(&s->changed);
	free(s->upstream);
	spiral_tracking_free(s->remotes, s->nremotes);
}

static void json_or_null(spiral_buf *out, const char *s, int *bad)
{
	*bad |= (s ? spiral_json_string(out, s) : spiral_buf_puts(out, "null")) < 0;
}

/* status_json and status_text return SPIRAL_ENOMEM when any piece could not
 * be added: a status with a part missing is never printed. */
static int status_json(spiral_buf *out, const status_info *s)
{
	const spiral_inquiry *q = s->current;
	int first = 1, bad = 0;

	bad |= spiral_buf_puts(out, "{\"inquiry\":") < 0;
	if (q)
		bad |= spiral_json_summary(out, q) < 0;
	else
		bad |= spiral_buf_puts(out, "null") < 0;
	bad |= spiral_buf_puts(out, ",\"next\":") < 0;
	if (q) {
		spiral_next next;
		const spiral_phase_info *ph;
		spiral_strv commands = {0};

		spiral_inquiry_next(q, NULL, 0, &next);
		ph = spiral_phase_get(next.phase);
		bad |= spiral_buf_puts(out, "{\"phase\":") < 0;
		json_or_null(out, ph ? ph->name : NULL, &bad);
		bad |= spiral_buf_puts(out, ",\"question\":") < 0;
		json_or_null(out, ph ? ph->question : NULL, &bad);
		bad |= spiral_buf_puts(out, ",\"decision\":") < 0;
		bad |= spiral_json_string(out, spiral_next_name(next.kind)) < 0;
		bad |= spiral_buf_puts(out, ",\"verdict\":") < 0;
		json_or_null(out, spiral_verdict_name(next.verdict), &bad);
		bad |= spiral_buf_printf(out, ",\"cycle\":%d,\"commands\":",
					 next.cycle) < 0;
		bad |= spiral_next_commands(&next, q->id, &commands) < 0;
		for (size_t i = 0; i < commands.n; i++) {
			bad |= spiral_buf_putc(out, i ? ',' : '[') < 0;
			bad |= spiral_json_string(out, commands.v[i]) < 0;
		}
		bad |= spiral_buf_puts(out, commands.n ? "]}" : "[]}") < 0;
		spiral_strv_free(&commands);
	} else {
		bad |= spiral_buf_puts(out, "null") < 0;
	}
	bad |= spiral_buf_puts(out, ",\"changed\":[") < 0;
	for (size_t i = 0; i < s->changed.n; i++) {
		if (i)
			bad |= spiral_buf_putc(out, ',') < 0;
		bad |= spiral_json_string(out, s->changed.v[i]) < 0;
	}
	bad |= spiral_buf_puts(out, "],\"conflicts\":[") < 0;
	for (size_t i = 0; i < s->st.ninquiries; i++) {
		const spiral_inquiry *inq = &s->st.inquiries[i];
		if (!spiral_inquiry_matches(s->filter, inq))
			continue;
		for (size_t k = 0; k < inq->nconflicts; k++) {
			bad |= spiral_buf_puts(out, first ? "{\"inquiry\":"
							  : ",{\"inquiry\":") < 0;
			first = 0;
			bad |= spiral_json_string(out, inq->id) < 0;
			bad |= spiral_buf_puts(out, ",\"field\":") < 0;
			bad |= spiral_json_string(out, spiral_field_name(
							       inq->conflicts[k].field)) < 0;
			bad |= spiral_buf_puts(out, ",\"values\":[") < 0;
			for (size_t v = 0; v < inq->conflicts[k].values.n; v++) {
				if (v)
					bad |= spiral_buf_putc(out, ',') < 0;
				bad |= spiral_json_string(
					       out, inq->conflicts[k].values.v[v]) < 0;
			}
			bad |= spiral_buf_puts(out, "]}") < 0;
		}
	}
	bad |= spiral_buf_puts(out, "],\"upstream\":") < 0;
	if (s->upstream) {
		bad |= spiral_json_string(out, s->upstream) < 0;
		bad |= spiral_buf_printf(out, ",\"ahead\":%zu,\"behind\":%zu",
					 s->ahead, s->behind) < 0;
	} else {
		bad |= spiral_buf_puts(out,
				       "null,\"ahead\":null,\"behind\":null") < 0;
	}
	bad |= spiral_buf_puts(out, ",\"remotes\":[") < 0;
	for (size_t i = 0; i < s->nremotes; i++) {
		const spiral_tracking *t = &s->remotes[i];
		bad |= spiral_buf_puts(out, i ? ",{\"name\":" : "{\"name\":") < 0;
		bad |= spiral_json_string(out, t->name) < 0;
		bad |= spiral_buf_puts(out, ",\"url\":") < 0;
		bad |= spiral_json_string(out, t->url) < 0;
		if (t->known)
			bad |= spiral_buf_printf(out, ",\"ahead\":%zu,\"behind\":%zu}",
						 t->ahead, t->behind) < 0;
		else
			bad |= spiral_buf_puts(out, ",\"ahead\":null,\"behind\":null}") < 0;
	}
	bad |= spiral_buf_putc(out, ']') < 0;
	bad |= spiral_buf_printf(out, ",\"problems\":%zu}\n", s->st.nproblems) < 0;
	return bad ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

static int status_text(tool_ctx *ctx, spiral_buf *out, const status_info *s,
		       int markdown)
{
	const spiral_inquiry *q = s->current;
	const char *item = markdown ? "- " : "  ";
	int len = spiral_store_short_len(&s->st), bad = 0;
	char day[SPIRAL_DATE_LEN];

	if (q) {
		const spiral_phase_info *ph = spiral_phase_get(q->phase);
		const char *school = q->who.school ? q->who.school : "";
		spiral_next next;
		char id[SPIRAL_ID_LEN + 1];

		bad |= spiral_buf_printf(out, "%sOn inquiry %.*s%s ", ctx->style.bold,
					 len, q->id, ctx->style.reset) < 0;
		bad |= spiral_visible(out, q->title, strlen(q->title), 0) < 0;
		bad |= spiral_buf_puts(out, " (") < 0;
		bad |= spiral_visible(out, school, strlen(school), 0) < 0;
		bad |= spiral_buf_printf(out, ")%s\n", q->closed ? ", closed" : "") < 0;
		spiral_date_day(q->last_entry, day);
		if (ph)
			bad |= spiral_buf_printf(out, "Phase: %s, cycle %d (last entry %s)\n",
						 ph->name, q->cycle, day) < 0;
		else
			bad |= spiral_buf_printf(out, "Phase: none yet, cycle %d (started "
						      "%s)\n",
						 q->cycle, day) < 0;
		snprintf(id, sizeof(id), "%.*s", len, q->id);
		spiral_inquiry_next(q, NULL, 0, &next);
		bad |= spiral_next_text(out, &next, id) < 0;
	} else if (s->current_missing) {
		bad |= spiral_buf_printf(out, "The current inquiry %.12s is not in this "
					      "repository: spiral switch INQUIRY\n",
					 s->current_missing) < 0;
	} else {
		bad |= spiral_buf_puts(out, "No current inquiry: spiral new TITLE, or "
					    "spiral switch INQUIRY\n") < 0;
	}
	if (s->conflicts) {
		bad |= spiral_buf_printf(out, "\n%sUnsettled conflicts:%s\n",
					 ctx->style.warn, ctx->style.reset) < 0;
		for (size_t i = 0; i < s->st.ninquiries; i++) {
			const spiral_inquiry *inq = &s->st.inquiries[i];
			if (!spiral_inquiry_matches(s->filter, inq))
				continue;
			for (size_t k = 0; k < inq->nconflicts; k++) {
				const char *field =
					spiral_field_name(inq->conflicts[k].field);
				bad |= spiral_buf_printf(out, "%s%.*s %s (%zu values): "
							      "spiral resolve %.*s %s "
							      "VALUE\n",
							 item, len, inq->id, field,
							 inq->conflicts[k].values.n,
							 len, inq->id, field) < 0;
			}
		}
	}
	if (s->changed.n) {
		bad |= spiral_buf_puts(out, "\nUncommitted hand edits (spiral commits "
					    "only what it writes; commit these with "
					    "git or undo them; until then show and "
					    "fsck see them, list, log, report and "
					    "search do not):\n") < 0;
		for (size_t i = 0; i < s->changed.n; i++) {
			bad |= spiral_buf_puts(out, item) < 0;
			bad |= spiral_visible(out, s->changed.v[i],
					      strlen(s->changed.v[i]), 0) < 0;
			bad |= spiral_buf_putc(out, '\n') < 0;
		}
	}
	if (s->st.nproblems)
		bad |= spiral_buf_printf(out, "\n%zu file%s could not be read: spiral "
					      "fsck\n",
					 s->st.nproblems,
					 s->st.nproblems == 1 ? "" : "s") < 0;
	if (s->nremotes)
		bad |= spiral_buf_puts(out, "\nShared with (as of the last pull or "
					    "push):\n") < 0;
	else
		bad |= spiral_buf_puts(out, "\nNot shared yet: spiral remote add NAME "
					    "URL, then spiral push\n") < 0;
	for (size_t i = 0; i < s->nremotes; i++) {
		const spiral_tracking *t = &s->remotes[i];
		bad |= spiral_buf_puts(out, item) < 0;
		bad |= spiral_visible(out, t->name, strlen(t->name), 0) < 0;
		if (t->known)
			bad |= spiral_buf_printf(out, ": %zu to push, %zu to pull\n",
						 t->ahead, t->behind) < 0;
		else
			bad |= spiral_buf_puts(out, ": not pulled yet\n") < 0;
	}
	return bad ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

int cmd_status(int argc, char **argv, tool_ctx *ctx)
{
	read_args a;
	status_info s;
	spiral_buf out = SPIRAL_BUF_INIT;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = read_parse(ctx, argc, argv, &a, SPIRAL_STATUS_ALL, status_options,
			     0)) >= 0)
		return rc;
	s.filter = &a.filter;
	if ((rc = status_gather(ctx, &s)) < 0) {
		status_free(&s);
		spiral_filter_free(&a.filter);
		return tool_lib_fail(rc);
	}
	if (a.format == SPIRAL_FORMAT_JSON) {
		rc = status_json(&out, &s);
	} else if (a.format == SPIRAL_FORMAT_CSV) {
		if ((rc = spiral_buf_puts(&out, "key,value\r\ninquiry,")) == 0 &&
		    (rc = spiral_csv_field(&out, s.current ? s.current->id : "")) == 0)
			rc = spiral_buf_printf(
				&out,
				"\r\nphase,%s\r\ncycle,%d\r\nchanged,%zu\r\n"
				"conflicts,%zu\r\nproblems,%zu\r\n",
				s.current && s.current->phase != SPIRAL_PHASE_NONE
					? spiral_phase_get(s.current->phase)->name
					: "",
				s.current ? s.current->cycle : 0, s.changed.n,
				s.conflicts, s.st.nproblems);
	} else {
		rc = status_text(ctx, &out, &s, a.format == SPIRAL_FORMAT_MD);
	}
	if (rc == 0)
		out_buf(&out);
	spiral_buf_free(&out);
	status_free(&s);
	spiral_filter_free(&a.filter);
	return rc < 0 ? tool_lib_fail(rc) : EXIT_OK;
}
