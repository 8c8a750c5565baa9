/* What comes next for an inquiry: the spiral's next phase, or after a check
 * the decision its verdict calls for.  Built on the causal order the model
 * computes (the last entry is the one its writer saw everything before), so
 * every clone gives the same advice.  Names and questions come from the
 * phase table. */
#include <string.h>

#include "spiral.h"

static const char *const next_names[] = {
	"phase", "verdict", "close", "new-cycle", "reopen",
};

const char *spiral_next_name(spiral_next_kind kind)
{
	if (kind < SPIRAL_NEXT_PHASE || kind > SPIRAL_NEXT_REOPEN)
		return NULL;
	return next_names[kind];
}

void spiral_inquiry_next(const spiral_inquiry *inq, const spiral_entry *added,
			 int closing, spiral_next *out)
{
	const spiral_entry *last = added;
	int cycle = inq->cycle;

	if (!last && inq->nentries)
		last = &inq->entries[inq->nentries - 1];
	if (added && added->cycle + added->new_cycle > cycle)
		cycle = added->cycle + added->new_cycle;
	out->phase = SPIRAL_PHASE_NONE;
	out->verdict = last ? last->verdict : SPIRAL_VERDICT_NONE;
	out->cycle = cycle;
	if (inq->closed || closing) {
		out->kind = SPIRAL_NEXT_REOPEN;
	} else if (!last || last->phase != SPIRAL_CHECK || last->new_cycle) {
		/* After check --new-cycle, the new cycle's scan. */
		out->kind = SPIRAL_NEXT_PHASE;
		out->phase = spiral_phase_next(last ? last->phase : SPIRAL_PHASE_NONE);
	} else if (last->verdict == SPIRAL_VERDICT_NONE) {
		out->kind = SPIRAL_NEXT_VERDICT;
		out->phase = SPIRAL_CHECK;
	} else if (last->verdict == SPIRAL_VERDICT_ENOUGH) {
		out->kind = SPIRAL_NEXT_CLOSE;
	} else {
		out->kind = SPIRAL_NEXT_NEW_CYCLE;
		out->phase = SPIRAL_CHECK;
	}
}

int spiral_next_commands(const spiral_next *next, const char *id,
			 spiral_strv *out)
{
	const spiral_phase_info *ph = spiral_phase_get(next->phase);
	spiral_buf b = SPIRAL_BUF_INIT;
	int rc = 0;

	switch (next->kind) {
	case SPIRAL_NEXT_PHASE:
		rc = spiral_buf_printf(&b, "spiral %s %s -m \"...\"", ph->name, id);
		break;
	case SPIRAL_NEXT_VERDICT:
		rc = spiral_buf_printf(&b, "spiral %s %s --verdict %s|%s|%s -m \"...\"",
				       ph->name, id,
				       spiral_verdict_name(SPIRAL_VERDICT_ENOUGH),
				       spiral_verdict_name(SPIRAL_VERDICT_PARTLY),
				       spiral_verdict_name(SPIRAL_VERDICT_NOT_ENOUGH));
		break;
	case SPIRAL_NEXT_CLOSE:
		ph = spiral_phase_get(SPIRAL_CHECK);
		if ((rc = spiral_buf_printf(&b, "spiral close %s", id)) < 0 ||
		    (rc = spiral_strv_push(out, b.ptr)) < 0)
			break;
		b.len = 0;
		if ((rc = spiral_buf_printf(&b, "spiral %s %s --close -m \"...\"",
					    ph->name, id)) < 0 ||
		    (rc = spiral_strv_push(out, b.ptr)) < 0)
			break;
		b.len = 0;
		rc = spiral_buf_printf(&b, "spiral new TITLE --learners TEXT "
					   "--continues %s",
				       id);
		break;
	case SPIRAL_NEXT_NEW_CYCLE:
		rc = spiral_buf_printf(&b, "spiral %s %s --new-cycle -m \"...\"",
				       ph->name, id);
		break;
	case SPIRAL_NEXT_REOPEN:
		rc = spiral_buf_printf(&b, "spiral reopen %s", id);
		break;
	}
	if (rc == 0)
		rc = spiral_strv_push(out, b.ptr);
	spiral_buf_free(&b);
	return rc < 0 ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

int spiral_next_text(spiral_buf *out, const spiral_next *next, const char *id)
{
	const spiral_phase_info *ph = spiral_phase_get(next->phase);
	const char *verdict = spiral_verdict_name(next->verdict);
	spiral_strv commands = {0};
	int rc;

	switch (next->kind) {
	case SPIRAL_NEXT_PHASE:
	case SPIRAL_NEXT_VERDICT:
		rc = spiral_buf_printf(out, "Next: %s: %s\n", ph->name, ph->question);
		break;
	case SPIRAL_NEXT_CLOSE:
		rc = spiral_buf_printf(out, "Next: the check says %s: close the "
					    "inquiry, or carry the learning to new "
					    "learners\n",
				       verdict);
		break;
	case SPIRAL_NEXT_NEW_CYCLE:
		rc = spiral_buf_printf(out, "Next: the check says %s: start cycle %d "
					    "and scan again\n",
				       verdict, next->cycle + 1);
		break;
	default:
		rc = spiral_buf_puts(out, "The inquiry is closed; to carry on:\n");
		break;
	}
	if (rc == 0)
		rc = spiral_next_commands(next, id, &commands);
	for (size_t i = 0; rc == 0 && i < commands.n; i++)
		rc = spiral_buf_printf(out, "  %s\n", commands.v[i]);
	spiral_strv_free(&commands);
	return rc < 0 ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}
