/* Inquiry commands: new, switch, edit, close, reopen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static int fail_txn(spiral_txn *t, spiral_store *st, int rc)
{
	spiral_txn_free(t);
	spiral_store_free(st);
	return tool_lib_fail(rc);
}

/* A title must say something; learners may be "" (none described), but
 * not white space alone, which would show as a blank. */
static int check_field_text(const char *value, const char *what)
{
	int title = strcmp(what, "the title") == 0;

	if (spiral_text_check(value, strlen(value), what) < 0)
		return SPIRAL_ERROR;
	if (!*value && title)
		return spiral_error(SPIRAL_ERROR, "%s is empty; nothing was written",
				    what);
	if (*value && spiral_text_blank(value, strlen(value)))
		return spiral_error(SPIRAL_ERROR,
				    "%s is only white space: %s; nothing was written",
				    what,
				    title ? "give a title, as in \"Year 9 writing\""
					  : "describe the learners as a group, as in "
					    "\"Year 9 boys\", or give \"\" for none");
	return 0;
}

int cmd_new(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"learners", required_argument, NULL, 'l'},
		{"tag", required_argument, NULL, 't'},
		{"team", required_argument, NULL, 'T'},
		{"continues", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	spiral_inquiry inq = {0};
	const char *learners = "", *continues = NULL;
	spiral_txn *t = NULL;
	int c, code, quiet = 0, rc;

	while ((c = tool_getopt(ctx, argc, argv, "q", longopts, &code)) != -1) {
		switch (c) {
		case TOOL_STOP:
			spiral_inquiry_free(&inq);
			return code;
		case 'l':
			learners = optarg;
			break;
		case 't':
		case 'T':
			if (!spiral_tag_valid(optarg)) {
				spiral_inquiry_free(&inq);
				return tool_usage(ctx, "'%s' cannot be a %s", optarg,
						  c == 't' ? "tag" : "team member");
			}
			if (!spiral_strv_contains(c == 't' ? &inq.tags0 : &inq.team0,
						  optarg) &&
			    spiral_strv_push(c == 't' ? &inq.tags0 : &inq.team0,
					     optarg) < 0) {
				spiral_inquiry_free(&inq);
				return tool_lib_fail(SPIRAL_ENOMEM);
			}
			break;
		case 'c':
			continues = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		}
	}
	if (argc - optind != 1) {
		spiral_inquiry_free(&inq);
		return tool_usage(ctx, argc - optind ? "give the TITLE as one argument "
						       "(quote it)"
						     : "a TITLE is needed");
	}
	if ((rc = check_field_text(argv[optind], "the title")) < 0 ||
	    (rc = check_field_text(learners, "--learners")) < 0 ||
	    (rc = tool_need_school(ctx)) < 0 ||
	    (continues && (rc = tool_inquiry_id(ctx, continues, &inq.continues)) < 0) ||
	    (rc = spiral_id_new(inq.id)) < 0 || (rc = spiral_write_date(&inq.created)) < 0) {
		spiral_inquiry_free(&inq);
		return tool_lib_fail(rc);
	}
	inq.title0 = strdup(argv[optind]);
	inq.learners0 = strdup(learners);
	if (!inq.title0 || !inq.learners0) {
		spiral_inquiry_free(&inq);
		return tool_fail("out of memory; nothing was written");
	}
	inq.who = ctx->who; /* borrowed */
	if ((rc = spiral_txn_begin(ctx->repo, &t)) < 0 ||
	    (rc = spiral_txn_add_inquiry(t, &inq)) < 0 ||
	    (rc = tool_commit(ctx, t, "new", inq.id, inq.title0, NULL)) < 0) {
		memset(&inq.who, 0, sizeof(inq.who));
		spiral_inquiry_free(&inq);
		spiral_txn_free(t);
		return tool_lib_fail(rc);
	}
	spiral_txn_free(t);
	memset(&inq.who, 0, sizeof(inq.who));
	if (spiral_config_set(ctx->repo, "spiral.current", inq.id) < 0)
		tool_warn("cannot make it the current inquiry: %s",
			  spiral_error_message());
	if (quiet) {
		out_printf("%s\n", inq.id);
	} else {
		out_printf("%.*s ", tool_short_len(ctx, inq.id), inq.id);
		out_visible(inq.title0);
		out_puts(" (now the current inquiry; next: spiral scan)\n");
	}
	spiral_inquiry_free(&inq);
	return EXIT_OK;
}

int cmd_switch(int argc, char **argv, tool_ctx *ctx)
{
	spiral_store st = {0};
	spiral_inquiry *inq;
	int c, code, rc;

	while ((c = tool_getopt(ctx, argc, argv, "", NULL, &code)) != -1)
		if (c == TOOL_STOP)
			return code;
	if (argc - optind != 1)
		return tool_usage(ctx, "name one INQUIRY");
	if ((rc = tool_load_one(ctx, argv[optind], &st, &inq)) < 0 ||
	    (rc = spiral_config_set(ctx->repo, "spiral.current", inq->id)) < 0) {
		spiral_store_free(&st);
		return tool_lib_fail(rc);
	}
	out_printf("Now on %.*s ", tool_short_len(ctx, inq->id), inq->id);
	out_visible(inq->title);
	out_puts("\n");
	spiral_store_free(&st);
	return EXIT_OK;
}

/* The fields as a small INI file for $EDITOR; NULL when out of memory (a
 * template missing a line would remove that tag or member). */
static char *edit_template(const spiral_inquiry *inq)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	int rc = 0;

	rc |= spiral_buf_puts(&b, "# Edit the inquiry's fields and save; lines "
				  "starting with '#' are ignored.\n"
				  "# One tag or team member a line: delete a line "
				  "to remove it, add one to add.\n");
	rc |= spiral_ini_value(&b, "title", inq->title, strlen(inq->title));
	rc |= spiral_ini_value(&b, "learners", inq->learners, strlen(inq->learners));
	for (size_t i = 0; i < inq->tags.n; i++)
		rc |= spiral_ini_value(&b, "tag", inq->tags.v[i], strlen(inq->tags.v[i]));
	for (size_t i = 0; i < inq->team.n; i++)
		rc |= spiral_ini_value(&b, "team", inq->team.v[i], strlen(inq->team.v[i]));
	if (rc) {
		spiral_buf_free(&b);
		return NULL;
	}
	return spiral_buf_detach(&b);
}

typedef struct edits {
	const char *title, *learners;
	char *title_owned, *learners_owned;
	spiral_strv tag, untag, team, unteam;
	int fields_given; /* title or learners read from the editor */
} edits;

static void edits_free(edits *e)
{
	free(e->title_owned);
	free(e->learners_owned);
	spiral_strv_free(&e->tag);
	spiral_strv_free(&e->untag);
	spiral_strv_free(&e->team);
	spiral_strv_free(&e->unteam);
}

typedef struct edited {
	edits *e;
	spiral_strv tags, team;
} edited;

static int on_edited(void *user, const char *section, const char *key,
		     const char *value, size_t len, int line)
{
	edited *ed = user;

	if (section[0])
		return spiral_error(SPIRAL_EUSAGE, "line %d: no sections here", line);
	if (strcmp(key, "title") == 0) {
		free(ed->e->title_owned);
		ed->e->title = ed->e->title_owned = strdup(value);
		if (!ed->e->title)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
	} else if (strcmp(key, "learners") == 0) {
		free(ed->e->learners_owned);
		ed->e->learners = ed->e->learners_owned = strdup(value);
		if (!ed->e->learners)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
	} else if (strcmp(key, "tag") == 0) {
		return spiral_strv_push(&ed->tags, value);
	} else if (strcmp(key, "team") == 0) {
		return spiral_strv_push(&ed->team, value);
	} else {
		spiral_error(SPIRAL_EUSAGE, "line %d: unknown field '%s'", line, key);
		return SPIRAL_EUSAGE;
	}
	return 0;
}

/* Turns the edited file into the edits it implies. */
static int edits_from_editor(tool_ctx *ctx, const spiral_inquiry *inq, edits *e)
{
	char *tmpl = edit_template(inq), *text = NULL;
	edited ed = {e, {0}, {0}};
	int rc, line = 0;

	if (!tmpl)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = tool_edit_text(ctx, tmpl, 1, &text);
	free(tmpl);
	if (rc < 0)
		return rc;
	rc = spiral_ini_parse(text, strlen(text), on_edited, &ed, &line);
	if (rc > 0 || rc == SPIRAL_EUSAGE)
		rc = SPIRAL_ERROR;
	else if (rc == SPIRAL_ENOMEM)
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory; nothing was written");
	else if (rc < 0) {
		/* The parser's message names the line; it cannot be formatted
		 * into the buffer it lives in. */
		char why[512];
		snprintf(why, sizeof(why), "%s", spiral_error_message());
		spiral_error(SPIRAL_ERROR, "the edited fields, %s", why);
	}
	for (size_t i = 0; rc == 0 && i < ed.tags.n; i++)
		if (!spiral_strv_contains(&inq->tags, ed.tags.v[i]))
			rc = spiral_strv_push(&e->tag, ed.tags.v[i]);
	for (size_t i = 0; rc == 0 && i < inq->tags.n; i++)
		if (!spiral_strv_contains(&ed.tags, inq->tags.v[i]))
			rc = spiral_strv_push(&e->untag, inq->tags.v[i]);
	for (size_t i = 0; rc == 0 && i < ed.team.n; i++)
		if (!spiral_strv_contains(&inq->team, ed.team.v[i]))
			rc = spiral_strv_push(&e->team, ed.team.v[i]);
	for (size_t i = 0; rc == 0 && i < inq->team.n; i++)
		if (!spiral_strv_contains(&ed.team, inq->team.v[i]))
			rc = spiral_strv_push(&e->unteam, inq->team.v[i]);
	/* A field left as it was is not checked again. */
	if (rc == 0 && e->title && strcmp(e->title, inq->title) != 0)
		rc = check_field_text(e->title, "the title");
	if (rc == 0 && e->learners && strcmp(e->learners, inq->learners) != 0)
		rc = check_field_text(e->learners, "learners");
	spiral_strv_free(&ed.tags);
	spiral_strv_free(&ed.team);
	free(text);
	return rc;
}

/* Adds the change records; returns how many, or an error. */
static int apply_edits(tool_ctx *ctx, spiral_txn *t, const spiral_inquiry *inq,
		       const edits *e, spiral_date date)
{
	int n = 0, rc = 0;

	if (e->title && (rc = spiral_edit_set(t, inq, SPIRAL_FIELD_TITLE, e->title,
					      &ctx->who, date)) < 0)
		return rc;
	n += rc;
	if (e->learners && (rc = spiral_edit_set(t, inq, SPIRAL_FIELD_LEARNERS,
						 e->learners, &ctx->who, date)) < 0)
		return rc;
	n += rc;
	const spiral_strv *lists[] = {&e->tag, &e->untag, &e->team, &e->unteam};
	if ((rc = spiral_inquiry_room_many(inq, SPIRAL_FIELD_TAG, &e->tag)) < 0 ||
	    (rc = spiral_inquiry_room_many(inq, SPIRAL_FIELD_TEAM, &e->team)) < 0)
		return rc;
	for (int l = 0; l < 4; l++) {
		spiral_field f = l < 2 ? SPIRAL_FIELD_TAG : SPIRAL_FIELD_TEAM;
		for (size_t i = 0; i < lists[l]->n; i++) {
			rc = l % 2 ? spiral_edit_remove(t, inq, f, lists[l]->v[i],
							&ctx->who, date)
				   : spiral_edit_add(t, inq, f, lists[l]->v[i],
						     &ctx->who, date);
			if (rc < 0)
				return rc;
			n += rc;
		}
	}
	return n;
}

int cmd_edit(int argc, char **argv, tool_ctx *ctx)
{
	static const struct option longopts[] = {
		{"title", required_argument, NULL, 'T'},
		{"learners", required_argument, NULL, 'l'},
		{"tag", required_argument, NULL, 't'},
		{"untag", required_argument, NULL, 'u'},
		{"team", required_argument, NULL, 'm'},
		{"unteam", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	edits e = {0};
	spiral_store st = {0};
	spiral_inquiry *inq;
	spiral_txn *t = NULL;
	spiral_date date;
	int c, code, rc, any = 0;

	while ((c = tool_getopt(ctx, argc, argv, "", longopts, &code)) != -1) {
		any = 1;
		switch (c) {
		case TOOL_STOP:
			edits_free(&e);
			return code;
		case 'T':
			e.title = optarg;
			break;
		case 'l':
			e.learners = optarg;
			break;
		default:
			if (!spiral_tag_valid(optarg)) {
				edits_free(&e);
				return tool_usage(ctx, "'%s' cannot be a %s", optarg,
						  c == 't' || c == 'u' ? "tag"
								       : "team member");
			}
			if (spiral_strv_push(c == 't'   ? &e.tag
					     : c == 'u' ? &e.untag
					     : c == 'm' ? &e.team
							: &e.unteam,
					     optarg) < 0) {
				edits_free(&e);
				return tool_lib_fail(SPIRAL_ENOMEM);
			}
		}
	}
	if (argc - optind > 1) {
		edits_free(&e);
		return tool_usage(ctx, "too many arguments");
	}
	if (!any && !tool_is_interactive()) {
		edits_free(&e);
		return tool_usage(ctx, "nothing to change: give --title, --learners, "
				       "--tag... (no editor without a terminal)");
	}
	if ((e.title && (rc = check_field_text(e.title, "the title")) < 0) ||
	    (e.learners && (rc = check_field_text(e.learners, "--learners")) < 0)) {
		edits_free(&e);
		return tool_lib_fail(rc);
	}
	if ((rc = spiral_write_date(&date)) < 0) {
		edits_free(&e);
		return tool_lib_fail(rc);
	}
	if (!any) {
		/* Edit without holding the lock; then lock and re-read. */
		if ((rc = tool_load_one(ctx, optind < argc ? argv[optind] : NULL, &st,
					&inq)) < 0 ||
		    (rc = edits_from_editor(ctx, inq, &e)) < 0) {
			spiral_store_free(&st);
			edits_free(&e);
			return tool_lib_fail(rc);
		}
		spiral_store_free(&st);
	}
	if ((rc = tool_begin(ctx, optind < argc ? argv[optind] : NULL, &t, &st, &inq)) < 0 ||
	    (rc = spiral_write_date(&date)) < 0 ||
	    (rc = apply_edits(ctx, t, inq, &e, date)) < 0) {
		edits_free(&e);
		return fail_txn(t, &st, rc);
	}
	if (rc == 0) {
		out_puts("Nothing changed; nothing was written.\n");
	} else if ((rc = tool_commit(ctx, t, "edit", inq->id,
				     e.title ? e.title : inq->title, NULL)) < 0) {
		edits_free(&e);
		return fail_txn(t, &st, rc);
	} else {
		out_printf("Edited %.*s ", tool_short_len(ctx, inq->id), inq->id);
		out_visible(e.title ? e.title : inq->title);
		out_puts("\n");
	}
	edits_free(&e);
	spiral_txn_free(t);
	spiral_store_free(&st);
	return EXIT_OK;
}

static int set_status(int argc, char **argv, tool_ctx *ctx, const char *status)
{
	spiral_store st = {0};
	spiral_inquiry *inq;
	spiral_txn *t = NULL;
	spiral_date date;
	int c, code, rc;
	const char *verb = strcmp(status, "closed") == 0 ? "close" : "reopen";

	while ((c = tool_getopt(ctx, argc, argv, "", NULL, &code)) != -1)
		if (c == TOOL_STOP)
			return code;
	if (argc - optind > 1)
		return tool_usage(ctx, "too many arguments");
	if ((rc = tool_begin(ctx, optind < argc ? argv[optind] : NULL, &t, &st, &inq)) < 0 ||
	    (rc = spiral_write_date(&date)) < 0 ||
	    (rc = spiral_edit_set(t, inq, SPIRAL_FIELD_STATUS, status, &ctx->who,
				  date)) < 0)
		return fail_txn(t, &st, rc);
	if (rc == 0) {
		out_printf("%.*s is already %s; nothing was written.\n",
			   tool_short_len(ctx, inq->id), inq->id, status);
	} else if ((rc = tool_commit(ctx, t, verb, inq->id, inq->title, NULL)) < 0) {
		return fail_txn(t, &st, rc);
	} else {
		out_printf("%s %.*s ", strcmp(verb, "close") == 0 ? "Closed" : "Reopened",
			   tool_short_len(ctx, inq->id), inq->id);
		out_visible(inq->title);
		out_puts("\n");
	}
	spiral_txn_free(t);
	spiral_store_free(&st);
	return EXIT_OK;
}

int cmd_close(int argc, char **argv, tool_ctx *ctx)
{
	return set_status(argc, argv, ctx, "closed");
}

int cmd_reopen(int argc, char **argv, tool_ctx *ctx)
{
	return set_status(argc, argv, ctx, "active");
}
