/* Preparing what a write adds: change records with the parents they saw,
 * entries, notes and new inquiries, each serialised into a transaction. */
#include <stdlib.h>
#include <string.h>

#include "spiral.h"

typedef int (*serialize_fn)(const void *record, spiral_buf *out);

static int txn_add_record(spiral_txn *t, char *path, const void *record,
			  serialize_fn serialize)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	int rc;

	if (!path)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = serialize(record, &b);
	if (rc == 0)
		rc = spiral_txn_add(t, path, b.ptr, b.len);
	spiral_buf_free(&b);
	free(path);
	return rc;
}

static int ser_inquiry(const void *r, spiral_buf *out)
{
	return spiral_inquiry_serialize(r, out);
}
static int ser_entry(const void *r, spiral_buf *out)
{
	return spiral_entry_serialize(r, out);
}
static int ser_note(const void *r, spiral_buf *out)
{
	return spiral_note_serialize(r, out);
}
static int ser_change(const void *r, spiral_buf *out)
{
	return spiral_change_serialize(r, out);
}

int spiral_txn_add_inquiry(spiral_txn *t, const spiral_inquiry *inq)
{
	int rc;

	if ((rc = spiral_text_limit(inq->title0, "the title", SPIRAL_MAX_TITLE)) < 0 ||
	    (inq->learners0 && (rc = spiral_text_limit(inq->learners0, "the learners field",
						      SPIRAL_MAX_LEARNERS)) < 0))
		return rc;
	return txn_add_record(t, spiral_path_inquiry_file(inq->id), inq, ser_inquiry);
}

/* Entries and notes come with their seq set by the caller from
 * spiral_inquiry_next_seq(); one without would sort as a legacy record. */
static int seq_check(int64_t seq, const char *what)
{
	if (seq < 1 || seq > SPIRAL_SEQ_MAX)
		return spiral_error(SPIRAL_ERROR, "internal error: %s written "
						  "without a seq", what);
	return 0;
}

int spiral_txn_add_entry(spiral_txn *t, const char *inquiry,
			 const spiral_entry *e)
{
	int rc = seq_check(e->seq, "an entry");

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < e->evidence.n; i++)
		if ((rc = spiral_text_limit(e->evidence.v[i], "an evidence item",
					    SPIRAL_MAX_EVIDENCE)) < 0)
			return rc;
	return txn_add_record(t, spiral_path_entry(inquiry, e), e, ser_entry);
}

int spiral_txn_add_note(spiral_txn *t, const char *inquiry, const spiral_note *n)
{
	int rc = seq_check(n->seq, "a note");

	if (rc < 0)
		return rc;
	return txn_add_record(t, spiral_path_note(inquiry, n), n, ser_note);
}

static int add_change(spiral_txn *t, const spiral_inquiry *inq, spiral_field f,
		      spiral_op op, const char *value, const spiral_who *who,
		      spiral_date date, const spiral_strv *parents)
{
	spiral_change c = {0};
	int rc;

	if ((rc = spiral_inquiry_room(inq, "changes",
				      op == SPIRAL_OP_ADD ? f : SPIRAL_FIELD_NONE,
				      value)) < 0 ||
	    (rc = spiral_id_new(c.id)) < 0)
		return rc;
	c.seq = spiral_inquiry_next_seq(inq);
	c.date = date;
	c.who = *who; /* borrowed: not freed here */
	c.field = f;
	c.op = op;
	c.value = (char *)value;
	c.parents = *parents;
	return txn_add_record(t, spiral_path_change(inq->id, &c), &c, ser_change);
}

static int in_conflict(const spiral_inquiry *inq, spiral_field f)
{
	for (size_t i = 0; i < inq->nconflicts; i++)
		if (inq->conflicts[i].field == f)
			return 1;
	return 0;
}

int spiral_edit_set(spiral_txn *t, const spiral_inquiry *inq, spiral_field f,
		    const char *value, const spiral_who *who, spiral_date date)
{
	const char *current = f == SPIRAL_FIELD_TITLE	   ? inq->title
			      : f == SPIRAL_FIELD_LEARNERS ? inq->learners
							   : inq->status;
	int rc;

	if (spiral_field_is_set(f))
		return spiral_error(SPIRAL_ERROR, "%s is a set", spiral_field_name(f));
	if ((rc = spiral_text_check(value, strlen(value), spiral_field_name(f))) < 0)
		return rc;
	/* Setting the value it has is nothing, unless it settles a conflict. */
	if (strcmp(current, value) == 0 && !in_conflict(inq, f))
		return 0;
	if (f != SPIRAL_FIELD_STATUS &&
	    (rc = spiral_text_limit(value, f == SPIRAL_FIELD_TITLE ? "the title"
								   : "the learners field",
				    f == SPIRAL_FIELD_TITLE ? SPIRAL_MAX_TITLE
							    : SPIRAL_MAX_LEARNERS)) < 0)
		return rc;
	rc = add_change(t, inq, f, SPIRAL_OP_SET, value, who, date, &inq->heads[f]);
	return rc < 0 ? rc : 1;
}

int spiral_edit_add(spiral_txn *t, const spiral_inquiry *inq, spiral_field f,
		    const char *value, const spiral_who *who, spiral_date date)
{
	const spiral_strv *now = f == SPIRAL_FIELD_TAG ? &inq->tags : &inq->team;
	spiral_strv none = {0};
	int rc;

	if (!spiral_tag_valid(value))
		return spiral_error(SPIRAL_EUSAGE,
				    "'%s' cannot be a %s (1 to 100 characters, no "
				    "control characters, no space at either end)",
				    value, spiral_field_name(f));
	if (spiral_strv_contains(now, value))
		return 0;
	rc = add_change(t, inq, f, SPIRAL_OP_ADD, value, who, date, &none);
	return rc < 0 ? rc : 1;
}

int spiral_edit_remove(spiral_txn *t, const spiral_inquiry *inq, spiral_field f,
		       const char *value, const spiral_who *who, spiral_date date)
{
	spiral_strv adds = {0};
	int rc;

	if ((rc = spiral_inquiry_set_adds(inq, f, value, &adds)) < 0)
		return rc;
	if (adds.n == 0) {
		spiral_strv_free(&adds);
		return spiral_error(SPIRAL_ENOTFOUND, "the inquiry has no %s '%s'",
				    spiral_field_name(f), value);
	}
	/* The removal names the additions it saw: one it did not see survives. */
	rc = add_change(t, inq, f, SPIRAL_OP_REMOVE, value, who, date, &adds);
	spiral_strv_free(&adds);
	return rc < 0 ? rc : 1;
}
