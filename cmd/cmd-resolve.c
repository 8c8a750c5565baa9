/* resolve: settle a field that two clones changed without seeing each
 * other.  The new value names every head as its parent. */
#include <stdio.h>
#include <string.h>

#include "tool.h"

int cmd_resolve(int argc, char **argv, tool_ctx *ctx)
{
	spiral_store st = {0};
	spiral_inquiry *inq;
	spiral_txn *t = NULL;
	spiral_field field;
	spiral_date date;
	const char *prefix = NULL, *value;
	int c, code, rc, in_conflict = 0;

	while ((c = tool_getopt(ctx, argc, argv, "", NULL, &code)) != -1)
		if (c == TOOL_STOP)
			return code;
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3)
		return tool_usage(ctx, "give a FIELD and its VALUE");
	if (argc == 3)
		prefix = *argv++;
	field = spiral_field_from_name(argv[0]);
	value = argv[1];
	if (field == SPIRAL_FIELD_NONE || spiral_field_is_set(field))
		return tool_usage(ctx, "'%s' is not a field that can conflict "
				       "(title, learners, status)",
				  argv[0]);
	if (field == SPIRAL_FIELD_STATUS && strcmp(value, "active") &&
	    strcmp(value, "closed"))
		return tool_usage(ctx, "status is active or closed, not '%s'", value);
	if (!*value)
		return tool_fail("the value is empty; nothing was written");
	if ((rc = tool_begin(ctx, prefix, &t, &st, &inq)) < 0 ||
	    (rc = spiral_write_date(&date)) < 0 ||
	    (rc = spiral_edit_set(t, inq, field, value, &ctx->who, date)) < 0)
		goto fail;
	for (size_t i = 0; i < inq->nconflicts; i++)
		in_conflict |= inq->conflicts[i].field == field;
	if (rc == 0) {
		out_printf("%s is already '%s' and not in conflict; nothing was "
			   "written.\n", spiral_field_name(field), value);
	} else if ((rc = tool_commit(ctx, t, "resolve", inq->id, inq->title, NULL)) < 0) {
		goto fail;
	} else if (!in_conflict) {
		out_printf("%s of %.*s was not in conflict: recorded as a plain edit "
			   "(as %s%s does): ",
			   spiral_field_name(field), tool_short_len(ctx, inq->id), inq->id,
			   field == SPIRAL_FIELD_STATUS ? "spiral close or reopen"
							: "spiral edit --",
			   field == SPIRAL_FIELD_STATUS ? "" : spiral_field_name(field));
		out_visible(value);
		out_puts("\n");
	} else {
		out_printf("Settled %s of %.*s: ", spiral_field_name(field),
			   tool_short_len(ctx, inq->id), inq->id);
		out_visible(value);
		out_puts("\n");
	}
	spiral_txn_free(t);
	spiral_store_free(&st);
	return EXIT_OK;
fail:
	spiral_txn_free(t);
	spiral_store_free(&st);
	return tool_lib_fail(rc);
}
