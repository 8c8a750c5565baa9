/* The six phases and note.  The phases differ only by data (the phase
 * table), so one function serves them all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tool.h"

enum {
	OPT_EVIDENCE = 0x100,
	OPT_MEASURE,
	OPT_TARGET,
	OPT_TAG,
	OPT_DATE,
	OPT_VERDICT,
	OPT_NEW_CYCLE,
	OPT_CLOSE,
};

typedef struct text_source {
	spiral_buf message; /* -m paragraphs joined by a blank line */
	int has_message;
	const char *file; /* -F */
} text_source;

static int text_option(tool_ctx *ctx, text_source *src, int c, const char *arg)
{
	if (c == 'm') {
		/* A paragraph lost to a failed allocation would be text dropped
		 * without a word: stop instead. */
		if ((src->has_message && spiral_buf_puts(&src->message, "\n\n") < 0) ||
		    spiral_buf_puts(&src->message, arg) < 0 ||
		    spiral_buf_put(&src->message, "", 0) < 0)
			return tool_fail("out of memory; nothing was written");
		src->has_message = 1;
	} else if (c == 'F') {
		if (src->file)
			return tool_usage(ctx, "-F given twice");
		src->file = arg;
	}
	return 0;
}

/* Where the text comes from is a usage question, settled with the options:
 * -m and -F together, or neither without a terminal for the editor. */
static int text_usage(tool_ctx *ctx, const text_source *src)
{
	if (src->has_message && src->file)
		return tool_usage(ctx, "give -m or -F, not both");
	if (!src->has_message && !src->file && !tool_is_interactive())
		return tool_usage(ctx, "no text: give -m TEXT or -F FILE (the editor "
				       "opens only on a terminal)");
	return 0;
}

/* The text of a write: from -m, -F, or the editor on a terminal.  An empty
 * text is a failure: nothing is written. */
static int text_get(tool_ctx *ctx, text_source *src, const char *template_text,
		    char **out)
{
	size_t len;
	int rc;

	/* text_usage() has already refused -m with -F, and no text without a
	 * terminal. */
	if (src->has_message) {
		len = src->message.len;
		if (!(*out = spiral_buf_detach(&src->message)))
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		/* A NUL cannot arrive through argv; UTF-8 can be broken. */
		if ((rc = spiral_text_check(*out, len, "the text (-m)")) < 0)
			return rc;
	} else if (src->file) {
		if ((rc = tool_read_file(src->file, out, &len)) < 0)
			return rc;
		if ((rc = spiral_text_check(*out, len,
					    strcmp(src->file, "-") == 0
						    ? "the text on standard input"
						    : src->file)) < 0)
			return rc;
		/* Word's BOM and CRLF, as from nano; the newlines that end the
		 * file are not text. */
		len = spiral_text_unix(*out, len);
		while (len && (*out)[len - 1] == '\n')
			(*out)[--len] = '\0';
	} else if ((rc = tool_edit_text(ctx, template_text, 0, out)) < 0) {
		return rc;
	}
	/* White space alone says nothing: as empty. */
	if (spiral_text_blank(*out, strlen(*out)))
		return spiral_error(SPIRAL_ERROR, "the text is empty; nothing was written");
	return 0;
}

/* The template's view of the inquiry now: the last entry's first line
 * and the measures of the cycle, so the team writes with them in sight. */
static int template_state(spiral_buf *b, const spiral_inquiry *inq,
			  char **example)
{
	spiral_measure_summary *m = NULL;
	size_t n = 0;
	int rc = 0;

	if (inq->nentries) {
		const spiral_entry *last = &inq->entries[inq->nentries - 1];
		char day[SPIRAL_DATE_LEN];
		size_t first = strcspn(last->text, "\n");
		char *line = strndup(last->text, first);

		if (!line)
			return -1;
		spiral_date_day(last->date, day);
		rc |= spiral_buf_printf(b, "#\n# The last entry (%s, %s): ",
					spiral_phase_get(last->phase)->name, day);
		tool_oneline(b, line, 120);
		rc |= spiral_buf_puts(b, "\n");
		free(line);
	}
	if (spiral_inquiry_measures(inq, inq->cycle, &m, &n) < 0)
		return -1;
	if (n)
		rc |= spiral_buf_printf(b, "#\n# Measures of cycle %d:\n", inq->cycle);
	for (size_t i = 0; i < n; i++) {
		char num[40];

		rc |= spiral_buf_printf(b, "#   %s: baseline ", m[i].name);
		spiral_number_format(m[i].baseline, num);
		rc |= spiral_buf_puts(b, m[i].has_baseline ? num : "none");
		spiral_number_format(m[i].target, num);
		rc |= spiral_buf_printf(b, ", target %s", m[i].has_target ? num : "none");
		spiral_number_format(m[i].latest, num);
		rc |= spiral_buf_printf(b, ", latest %s\n", m[i].has_latest ? num : "none");
	}
	/* The examples name a measure of the inquiry when it has one. */
	*example = NULL;
	if (n && !(*example = strdup(m[0].name)))
		rc = -1;
	spiral_measures_free(m, n);
	return rc ? -1 : 0;
}

/* The editor's template; NULL when out of memory. */
static char *phase_template(const spiral_inquiry *inq, spiral_phase p)
{
	const spiral_phase_info *ph = spiral_phase_get(p);
	spiral_buf b = SPIRAL_BUF_INIT;
	char *measure = NULL;
	int rc = 0;

	rc |= spiral_buf_printf(&b, "\n# %s for \"", ph->name);
	tool_oneline(&b, inq->title, 200);
	rc |= spiral_buf_printf(&b, "\" (%.8s), cycle %d.\n#\n# Guiding questions:\n",
				inq->id, inq->cycle);
	for (const char *const *q = ph->questions; *q; q++)
		rc |= spiral_buf_printf(&b, "#   %s\n", *q);
	if (ph->asks_learners) {
		rc |= spiral_buf_puts(&b, "#\n# Ask your learners:\n");
		for (const char *const *q = spiral_learner_questions; *q; q++)
			rc |= spiral_buf_printf(&b, "#   %s\n", *q);
	}
	rc |= template_state(&b, inq, &measure);
	rc |= spiral_buf_printf(
		&b,
		"#\n# After the text, a last paragraph of lines like these gives the\n"
		"# entry's evidence, measures, targets%s and tags, as the options do:\n"
		"#   Evidence: Writing samples, Term 1\n"
		"#   Measure: %s=42\n"
		"#   Target: %s=60\n"
		"%s"
		"#   Tag: writing\n",
		p == SPIRAL_CHECK ? ",\n# verdict (enough, partly or not-enough)" : "",
		measure ? measure : "writing_at_expected",
		measure ? measure : "writing_at_expected",
		p == SPIRAL_CHECK ? "#   Verdict: partly\n" : "");
	free(measure);
	rc |= spiral_buf_puts(&b, "#\n# Lines starting with '#' are ignored; an "
				  "empty text aborts and nothing is written.\n");
	if (rc) {
		spiral_buf_free(&b);
		return NULL;
	}
	return spiral_buf_detach(&b);
}

static int add_number(tool_ctx *ctx, spiral_kvs *kvs, const char *arg,
		      const char *opt)
{
	char *name = NULL;
	double value;
	int rc = spiral_measure_parse(arg, &name, &value);

	if (rc < 0)
		return tool_usage(ctx, "%s: %s", opt, spiral_error_message());
	if (spiral_kvs_get(kvs, name)) {
		rc = tool_usage(ctx, "%s %s given twice", opt, name);
		free(name);
		return rc;
	}
	rc = spiral_kvs_set(kvs, name, value);
	free(name);
	return rc < 0 ? tool_lib_fail(rc) : 0;
}

typedef struct phase_args {
	spiral_entry e;
	text_source text;
	spiral_strv tags;
	const char *date;
	int close;
} phase_args;

static void phase_args_free(phase_args *a)
{
	spiral_entry_free(&a->e);
	spiral_buf_free(&a->text.message);
	spiral_strv_free(&a->tags);
}

/* ---- the editor's trailers ----------------------------------------------
 *
 * As git's trailers: the last paragraph of the edited text, when every line
 * of it is "Key: value" with one of these keys (in any case; a line that
 * starts with white space continues the one before), gives the entry's
 * fields as the options do.  Anywhere else such a line is prose. */
enum { TR_EVIDENCE, TR_MEASURE, TR_TARGET, TR_VERDICT, TR_TAG };
static const char *const trailer_keys[] = {"Evidence", "Measure", "Target",
					   "Verdict", "Tag", NULL};

/* The trailer key of line[0..len), or -1; *value is where its value
 * starts.  Verdict is a trailer of check alone. */
static int trailer_key(const char *line, size_t len, int is_check,
		       size_t *value)
{
	size_t key = 0, i;

	while (key < len && line[key] != ':' && line[key] != ' ' && line[key] != '\t')
		key++;
	for (i = key; i < len && (line[i] == ' ' || line[i] == '\t');)
		i++;
	if (i >= len || line[i] != ':')
		return -1;
	for (int k = 0; trailer_keys[k]; k++) {
		if (strlen(trailer_keys[k]) == key &&
		    strncasecmp(line, trailer_keys[k], key) == 0 &&
		    (k != TR_VERDICT || is_check)) {
			for (i++; i < len && (line[i] == ' ' || line[i] == '\t');)
				i++;
			*value = i;
			return k;
		}
	}
	return -1;
}

/* Where the trailer block of text starts (the offset of its first line),
 * or the length of text when it has none. */
static size_t trailer_block(const char *text, int is_check)
{
	size_t len = strlen(text), start = 0, at, value;

	/* The last paragraph: after the last line of white space alone. */
	for (at = 0; at < len;) {
		size_t end = at + strcspn(text + at, "\n");
		if (spiral_text_blank(text + at, end - at))
			start = end + 1;
		at = end + (end < len);
	}
	if (start >= len || trailer_key(text + start, strcspn(text + start, "\n"),
					is_check, &value) < 0)
		return len;
	for (at = start; at < len;) {
		size_t end = at + strcspn(text + at, "\n");
		if (text[at] != ' ' && text[at] != '\t' &&
		    trailer_key(text + at, end - at, is_check, &value) < 0)
			return len;
		at = end + (end < len);
	}
	return start;
}

/* An error of a trailer: a usage error (exit 2) that quotes its line;
 * nothing is written. */
static int trailer_error(const char *line, const char *why)
{
	spiral_buf quoted = SPIRAL_BUF_INIT;

	tool_oneline(&quoted, line, 120);
	tool_fail("the line '%s' of the edited text: %s; nothing was written",
		  quoted.ptr ? quoted.ptr : "", why);
	spiral_buf_free(&quoted);
	return EXIT_USAGE;
}

static int trailer_number(spiral_kvs *kvs, const char *line, const char *value)
{
	char *name = NULL;
	double number;
	int rc;

	if (spiral_measure_parse(value, &name, &number) < 0)
		return trailer_error(line, spiral_error_message());
	if (spiral_kvs_get(kvs, name)) {
		free(name);
		return trailer_error(line, "that name is given twice (here or as an "
					   "option)");
	}
	rc = spiral_kvs_set(kvs, name, number);
	free(name);
	return rc < 0 ? tool_lib_fail(rc) : 0;
}

/* One trailer, value already joined with its continuation lines. */
static int trailer_apply(phase_args *a, int key, const char *line,
			 const char *value)
{
	spiral_verdict v;

	switch (key) {
	case TR_EVIDENCE:
		if (spiral_text_blank(value, strlen(value)))
			return trailer_error(line, "the evidence is empty");
		return spiral_strv_push(&a->e.evidence, value) < 0
			       ? tool_lib_fail(SPIRAL_ENOMEM) : 0;
	case TR_MEASURE:
		return trailer_number(&a->e.measures, line, value);
	case TR_TARGET:
		return trailer_number(&a->e.targets, line, value);
	case TR_VERDICT:
		v = spiral_verdict_from_name(value);
		if (v == SPIRAL_VERDICT_NONE)
			return trailer_error(line, "a verdict is enough, partly or "
						   "not-enough");
		if (a->e.verdict != SPIRAL_VERDICT_NONE && a->e.verdict != v)
			return trailer_error(line, "a different verdict is given "
						   "too");
		a->e.verdict = v;
		return 0;
	case TR_TAG:
		if (!spiral_tag_valid(value))
			return trailer_error(line, "that cannot be a tag");
		if (!spiral_strv_contains(&a->tags, value) &&
		    spiral_strv_push(&a->tags, value) < 0)
			return tool_lib_fail(SPIRAL_ENOMEM);
		return 0;
	}
	return 0;
}

/* Takes the trailers off the end of *text into a's fields.  Returns 0 or
 * the exit code of the error it printed. */
static int take_trailers(phase_args *a, char *text)
{
	size_t len = strlen(text), at = trailer_block(text, a->e.phase == SPIRAL_CHECK);
	size_t prose = at;
	int rc = 0;

	while (at < len && rc == 0) {
		spiral_buf value = SPIRAL_BUF_INIT;
		size_t end = at + strcspn(text + at, "\n"), from;
		int key = trailer_key(text + at, end - at, a->e.phase == SPIRAL_CHECK,
				      &from);
		char *line = strndup(text + at, end - at);

		if (!line)
			return tool_lib_fail(SPIRAL_ENOMEM);
		rc = spiral_buf_put(&value, text + at + from, end - at - from);
		/* Continuation lines join with one space, as git's do. */
		for (at = end + (end < len);
		     rc == 0 && at < len && (text[at] == ' ' || text[at] == '\t');
		     at = end + (end < len)) {
			size_t skip = at;
			end = at + strcspn(text + at, "\n");
			while (skip < end && (text[skip] == ' ' || text[skip] == '\t'))
				skip++;
			if ((rc = spiral_buf_putc(&value, ' ')) == 0)
				rc = spiral_buf_put(&value, text + skip, end - skip);
		}
		if (rc == 0)
			rc = spiral_buf_put(&value, "", 0);
		if (rc < 0) {
			rc = tool_lib_fail(SPIRAL_ENOMEM);
		} else {
			/* Trailing white space is not part of a value. */
			while (value.len && (value.ptr[value.len - 1] == ' ' ||
					     value.ptr[value.len - 1] == '\t'))
				value.ptr[--value.len] = '\0';
			rc = trailer_apply(a, key, line, value.ptr);
		}
		free(line);
		spiral_buf_free(&value);
	}
	/* The prose ends before the blank lines above the trailers. */
	while (prose && (text[prose - 1] == '\n' || text[prose - 1] == ' ' ||
			 text[prose - 1] == '\t'))
		prose--;
	text[prose] = '\0';
	return rc;
}

/* How far ahead of the clock --date may be: a day, for time zones. */
#define DATE_AHEAD_MAX (24 * 60 * 60)

/* --date: a date spiral reads, not far ahead.  Order does not depend on
 * dates, but a date far ahead would stay the inquiry's last activity for
 * good.  GIT_AUTHOR_DATE is not checked: a wrong clock is the writer's to
 * have. */
static int check_date(tool_ctx *ctx, phase_args *a)
{
	if (spiral_date_parse(a->date, &a->e.date) < 0)
		return tool_usage(ctx, "--date: %s", spiral_error_message());
	if (a->e.date.time > spiral_date_now().time + DATE_AHEAD_MAX)
		return tool_usage(ctx,
				  "--date %s is more than 24 hours ahead of the "
				  "clock (a typo?)",
				  a->date);
	return 0;
}

static int phase_parse(tool_ctx *ctx, int argc, char **argv, phase_args *a)
{
	static const struct option phase_opts[] = {
		{"message", required_argument, NULL, 'm'},
		{"file", required_argument, NULL, 'F'},
		{"evidence", required_argument, NULL, OPT_EVIDENCE},
		{"measure", required_argument, NULL, OPT_MEASURE},
		{"target", required_argument, NULL, OPT_TARGET},
		{"tag", required_argument, NULL, OPT_TAG},
		{"date", required_argument, NULL, OPT_DATE},
		{"verdict", required_argument, NULL, OPT_VERDICT},
		{"new-cycle", no_argument, NULL, OPT_NEW_CYCLE},
		{"close", no_argument, NULL, OPT_CLOSE},
		{NULL, 0, NULL, 0},
	};
	struct option opts[16];
	int is_check = a->e.phase == SPIRAL_CHECK, c, code, rc;
	size_t n = 0;

	/* Only check takes the last three. */
	for (size_t i = 0; phase_opts[i].name; i++)
		if (is_check || phase_opts[i].val < OPT_VERDICT)
			opts[n++] = phase_opts[i];
	opts[n] = (struct option){NULL, 0, NULL, 0};
	while ((c = tool_getopt(ctx, argc, argv, "m:F:", opts, &code)) != -1) {
		rc = 0;
		switch (c) {
		case TOOL_STOP:
			return code;
		case 'm':
		case 'F':
			rc = text_option(ctx, &a->text, c, optarg);
			break;
		case OPT_EVIDENCE:
			if (spiral_text_check(optarg, strlen(optarg), "--evidence") < 0)
				return tool_lib_fail(SPIRAL_ERROR);
			if (spiral_text_blank(optarg, strlen(optarg)))
				return tool_fail("--evidence is empty; nothing was written");
			if (spiral_strv_push(&a->e.evidence, optarg) < 0)
				return tool_lib_fail(SPIRAL_ENOMEM);
			break;
		case OPT_MEASURE:
			rc = add_number(ctx, &a->e.measures, optarg, "--measure");
			break;
		case OPT_TARGET:
			rc = add_number(ctx, &a->e.targets, optarg, "--target");
			break;
		case OPT_TAG:
			if (!spiral_tag_valid(optarg))
				return tool_usage(ctx, "'%s' cannot be a tag", optarg);
			if (spiral_strv_push(&a->tags, optarg) < 0)
				return tool_lib_fail(SPIRAL_ENOMEM);
			break;
		case OPT_DATE:
			/* Checked here, so that it is a usage error anywhere. */
			a->date = optarg;
			if ((rc = check_date(ctx, a)) != 0)
				return rc;
			break;
		case OPT_VERDICT:
			a->e.verdict = spiral_verdict_from_name(optarg);
			if (a->e.verdict == SPIRAL_VERDICT_NONE)
				return tool_usage(ctx,
						  "--verdict takes enough, partly or "
						  "not-enough, not '%s'",
						  optarg);
			break;
		case OPT_NEW_CYCLE:
			a->e.new_cycle = 1;
			break;
		case OPT_CLOSE:
			a->close = 1;
			break;
		}
		if (rc)
			return rc;
	}
	if (argc - optind > 1)
		return tool_usage(ctx, "too many arguments (quote the text of -m)");
	return text_usage(ctx, &a->text);
}

/* What was logged, and what comes next now that it is the last entry. */
static void print_logged(tool_ctx *ctx, const spiral_inquiry *inq,
			 const spiral_entry *e, int closing)
{
	int len = tool_short_len(ctx, inq->id);
	spiral_buf next_text = SPIRAL_BUF_INIT;
	char id[SPIRAL_ID_LEN + 1];
	spiral_next next;

	out_printf("Logged %s in %.*s ", spiral_phase_get(e->phase)->name, len,
		   inq->id);
	out_visible(inq->title);
	out_printf(" (cycle %d)\n", e->cycle);
	if (e->new_cycle)
		out_printf("Cycle %d starts with the next entry.\n", e->cycle + 1);
	snprintf(id, sizeof(id), "%.*s", len, inq->id);
	spiral_inquiry_next(inq, e, closing, &next);
	/* The entry is written: advice that cannot be made is left out. */
	if (spiral_next_text(&next_text, &next, id) == 0)
		out_buf(&next_text);
	spiral_buf_free(&next_text);
}

int cmd_phase(int argc, char **argv, tool_ctx *ctx)
{
	phase_args a = {0};
	spiral_store st = {0};
	spiral_inquiry *inq = NULL;
	spiral_txn *t = NULL;
	char *tmpl = NULL, *text = NULL;
	const char *prefix;
	int rc;

	a.e.phase = spiral_phase_from_name(ctx->cmd->name);
	a.e.verdict = SPIRAL_VERDICT_NONE;
	if ((rc = phase_parse(ctx, argc, argv, &a)) != 0) {
		phase_args_free(&a);
		return rc;
	}
	prefix = optind < argc ? argv[optind] : NULL;
	if ((rc = tool_need_school(ctx)) < 0)
		goto fail;
	/* The editor runs before the lock is taken. */
	if (!a.text.has_message && !a.text.file) {
		if ((rc = tool_load_one(ctx, prefix, &st, &inq)) < 0)
			goto fail;
		tmpl = phase_template(inq, a.e.phase);
		spiral_store_free(&st);
		if (!tmpl) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if ((rc = text_get(ctx, &a.text, tmpl, &text)) < 0)
		goto fail;
	if (tmpl && (rc = take_trailers(&a, text)) != 0) {
		free(text);
		phase_args_free(&a);
		free(tmpl);
		return rc;
	}
	if (spiral_text_blank(text, strlen(text))) {
		rc = spiral_error(SPIRAL_ERROR, "the text is empty (there are only "
						"trailers); nothing was written");
		goto fail;
	}
	a.e.text = text;
	text = NULL;
	if ((rc = tool_begin(ctx, prefix, &t, &st, &inq)) < 0)
		goto fail;
	if (!a.date && (rc = spiral_write_date(&a.e.date)) < 0)
		goto fail;
	a.e.who = ctx->who; /* borrowed */
	a.e.cycle = inq->cycle;
	a.e.seq = spiral_inquiry_next_seq(inq);
	if ((rc = spiral_id_new(a.e.id)) < 0 ||
	    (rc = spiral_inquiry_room(inq, "entries", SPIRAL_FIELD_NONE, NULL)) < 0 ||
	    (rc = spiral_inquiry_room_many(inq, SPIRAL_FIELD_TAG, &a.tags)) < 0 ||
	    (rc = spiral_txn_add_entry(t, inq->id, &a.e)) < 0)
		goto fail_borrowed;
	for (size_t i = 0; i < a.tags.n; i++)
		if ((rc = spiral_edit_add(t, inq, SPIRAL_FIELD_TAG, a.tags.v[i],
					  &ctx->who, a.e.date)) < 0)
			goto fail_borrowed;
	if (a.close && (rc = spiral_edit_set(t, inq, SPIRAL_FIELD_STATUS, "closed",
					     &ctx->who, a.e.date)) < 0)
		goto fail_borrowed;
	if ((rc = tool_commit(ctx, t, ctx->cmd->name, inq->id, inq->title, a.e.text)) < 0)
		goto fail_borrowed;
	/* Logging in a closed inquiry is allowed (a late entry), but said. */
	if (inq->closed) {
		int len = tool_short_len(ctx, inq->id);
		tool_warn("inquiry %.*s is closed; spiral reopen %.*s to carry on",
			  len, inq->id, len, inq->id);
	}
	print_logged(ctx, inq, &a.e, a.close);
	memset(&a.e.who, 0, sizeof(a.e.who));
	phase_args_free(&a);
	spiral_txn_free(t);
	spiral_store_free(&st);
	free(tmpl);
	return EXIT_OK;
fail_borrowed:
	memset(&a.e.who, 0, sizeof(a.e.who));
fail:
	phase_args_free(&a);
	spiral_txn_free(t);
	spiral_store_free(&st);
	free(tmpl);
	free(text);
	return tool_lib_fail(rc);
}

int cmd_note(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"message", required_argument, NULL, 'm'},
		{"file", required_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	text_source src = {SPIRAL_BUF_INIT, 0, NULL};
	spiral_note n = {0};
	spiral_store st = {0};
	spiral_inquiry *inq = NULL;
	spiral_txn *t = NULL;
	const char *prefix;
	int c, code, rc;

	while ((c = tool_getopt(ctx, argc, argv, "m:F:", longopts, &code)) != -1) {
		if (c == TOOL_STOP || (code = text_option(ctx, &src, c, optarg))) {
			spiral_buf_free(&src.message);
			return code;
		}
	}
	if (argc - optind > 1) {
		spiral_buf_free(&src.message);
		return tool_usage(ctx, "too many arguments (quote the text of -m)");
	}
	if ((code = text_usage(ctx, &src)) != 0) {
		spiral_buf_free(&src.message);
		return code;
	}
	prefix = optind < argc ? argv[optind] : NULL;
	if ((rc = tool_need_school(ctx)) < 0 ||
	    (rc = text_get(ctx, &src,
			   "\n# A note on the inquiry: feedback, a comment, a "
			   "question.\n# Lines starting with '#' are ignored; an "
			   "empty text aborts.\n",
			   &n.text)) < 0 ||
	    (rc = tool_begin(ctx, prefix, &t, &st, &inq)) < 0 ||
	    (rc = spiral_write_date(&n.date)) < 0 || (rc = spiral_id_new(n.id)) < 0)
		goto fail;
	n.seq = spiral_inquiry_next_seq(inq);
	n.who = ctx->who; /* borrowed */
	if ((rc = spiral_inquiry_room(inq, "notes", SPIRAL_FIELD_NONE, NULL)) < 0 ||
	    (rc = spiral_txn_add_note(t, inq->id, &n)) < 0 ||
	    (rc = tool_commit(ctx, t, "note", inq->id, inq->title, n.text)) < 0) {
		memset(&n.who, 0, sizeof(n.who));
		goto fail;
	}
	memset(&n.who, 0, sizeof(n.who));
	out_printf("Noted on %.*s ", tool_short_len(ctx, inq->id), inq->id);
	out_visible(inq->title);
	out_puts("\n");
	spiral_note_free(&n);
	spiral_buf_free(&src.message);
	spiral_txn_free(t);
	spiral_store_free(&st);
	return EXIT_OK;
fail:
	spiral_note_free(&n);
	spiral_buf_free(&src.message);
	spiral_txn_free(t);
	spiral_store_free(&st);
	return tool_lib_fail(rc);
}
