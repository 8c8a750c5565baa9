/* Moving a repository's inquiries out and in: export as one JSON document,
 * and the import of records made elsewhere (that document, or rows of a
 * spreadsheet: csvimport.c), each with its own ID, dates, authors and seq,
 * validated as a pulled file is before it is added to one write. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- export ------------------------------------------------------------- */

static void json_date_value(spiral_buf *out, spiral_date d)
{
	char s[SPIRAL_DATE_LEN];

	spiral_date_format(d, s);
	spiral_json_string(out, s);
}

static void json_numbers(spiral_buf *out, const spiral_kvs *kvs)
{
	char num[40];

	spiral_buf_putc(out, '{');
	for (size_t i = 0; i < kvs->n; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, kvs->v[i].name);
		spiral_number_format(kvs->v[i].value, num);
		spiral_buf_printf(out, ":%s", num);
	}
	spiral_buf_putc(out, '}');
}

/* "id", "seq", "date" and who wrote it: what every record starts with. */
static void json_record_head(spiral_buf *out, const char *id, int64_t seq,
			     spiral_date date, const spiral_who *who)
{
	spiral_buf_puts(out, "{\"id\":");
	spiral_json_string(out, id);
	spiral_buf_printf(out, ",\"seq\":%lld,\"date\":", (long long)seq);
	json_date_value(out, date);
	spiral_buf_puts(out, ",\"author\":");
	spiral_json_string_or_null(out, who->author);
	spiral_buf_puts(out, ",\"email\":");
	spiral_json_string_or_null(out, who->email);
	spiral_buf_puts(out, ",\"school\":");
	spiral_json_string_or_null(out, who->school);
}

/* The inquiry as created (inquiry.ini), without its records' arrays and
 * without the closing brace. */
static void json_inquiry_open(spiral_buf *out, const spiral_inquiry *inq)
{
	spiral_buf_puts(out, "{\"id\":");
	spiral_json_string(out, inq->id);
	spiral_buf_puts(out, ",\"created\":");
	json_date_value(out, inq->created);
	spiral_buf_puts(out, ",\"author\":");
	spiral_json_string_or_null(out, inq->who.author);
	spiral_buf_puts(out, ",\"email\":");
	spiral_json_string_or_null(out, inq->who.email);
	spiral_buf_puts(out, ",\"school\":");
	spiral_json_string_or_null(out, inq->who.school);
	spiral_buf_puts(out, ",\"title\":");
	spiral_json_string_or_null(out, inq->title0);
	spiral_buf_puts(out, ",\"learners\":");
	spiral_json_string_or_null(out, inq->learners0);
	spiral_buf_puts(out, ",\"continues\":");
	spiral_json_string_or_null(out, inq->continues);
	spiral_buf_puts(out, ",\"tags\":");
	spiral_json_strv(out, &inq->tags0);
	spiral_buf_puts(out, ",\"team\":");
	spiral_json_strv(out, &inq->team0);
}

static void json_entry_record(spiral_buf *out, const spiral_entry *e)
{
	json_record_head(out, e->id, e->seq, e->date, &e->who);
	spiral_buf_puts(out, ",\"phase\":");
	spiral_json_string(out, spiral_phase_get(e->phase)->name);
	spiral_buf_printf(out, ",\"cycle\":%d,\"new_cycle\":%s,\"verdict\":",
			  e->cycle, e->new_cycle ? "true" : "false");
	spiral_json_string_or_null(out, spiral_verdict_name(e->verdict));
	spiral_buf_puts(out, ",\"text\":");
	spiral_json_string(out, e->text ? e->text : "");
	spiral_buf_puts(out, ",\"evidence\":");
	spiral_json_strv(out, &e->evidence);
	spiral_buf_puts(out, ",\"measures\":");
	json_numbers(out, &e->measures);
	spiral_buf_puts(out, ",\"targets\":");
	json_numbers(out, &e->targets);
	spiral_buf_putc(out, '}');
}

static void json_note_record(spiral_buf *out, const spiral_note *n)
{
	json_record_head(out, n->id, n->seq, n->date, &n->who);
	spiral_buf_puts(out, ",\"text\":");
	spiral_json_string(out, n->text ? n->text : "");
	spiral_buf_putc(out, '}');
}

static void json_change_record(spiral_buf *out, const spiral_change *c)
{
	json_record_head(out, c->id, c->seq, c->date, &c->who);
	spiral_buf_puts(out, ",\"field\":");
	spiral_json_string(out, spiral_field_name(c->field));
	spiral_buf_puts(out, ",\"op\":");
	spiral_json_string(out, spiral_op_name(c->op));
	spiral_buf_puts(out, ",\"value\":");
	spiral_json_string_or_null(out, c->value);
	spiral_buf_puts(out, ",\"parents\":");
	spiral_json_strv(out, &c->parents);
	spiral_buf_putc(out, '}');
}

int spiral_export_json(spiral_buf *out, const spiral_store *st)
{
	spiral_buf_printf(out,
			  "{\"spiral_export\":%d,\"format\":%d,\"inquiries\":[",
			  SPIRAL_EXPORT_VERSION, SPIRAL_FORMAT);
	for (size_t i = 0; i < st->ninquiries; i++) {
		const spiral_inquiry *inq = &st->inquiries[i];
		spiral_buf_puts(out, i ? ",\n" : "\n");
		json_inquiry_open(out, inq);
		spiral_buf_puts(out, ",\"entries\":[");
		for (size_t k = 0; k < inq->nentries; k++) {
			if (k)
				spiral_buf_putc(out, ',');
			json_entry_record(out, &inq->entries[k]);
		}
		spiral_buf_puts(out, "],\"notes\":[");
		for (size_t k = 0; k < inq->nnotes; k++) {
			if (k)
				spiral_buf_putc(out, ',');
			json_note_record(out, &inq->notes[k]);
		}
		spiral_buf_puts(out, "],\"changes\":[");
		for (size_t k = 0; k < inq->nchanges; k++) {
			if (k)
				spiral_buf_putc(out, ',');
			json_change_record(out, &inq->changes[k]);
		}
		spiral_buf_puts(out, "]}");
	}
	spiral_buf_puts(out, st->ninquiries ? "\n]}\n" : "]}\n");
	if (out->failed)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	return 0;
}

/* ---- adding records made elsewhere ---------------------------------------- */

typedef enum { REC_INQUIRY, REC_ENTRY, REC_NOTE, REC_CHANGE } rec_kind;

static const char *const rec_names[] = {"inquiry", "entry", "note", "change"};

/* A record as the export shows it: what two records are compared by. */
static int record_json(rec_kind kind, const void *rec, char **out)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	switch (kind) {
	case REC_INQUIRY:
		json_inquiry_open(&b, rec);
		spiral_buf_putc(&b, '}');
		break;
	case REC_ENTRY:
		json_entry_record(&b, rec);
		break;
	case REC_NOTE:
		json_note_record(&b, rec);
		break;
	case REC_CHANGE:
		json_change_record(&b, rec);
		break;
	}
	if (b.failed) {
		spiral_buf_free(&b);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	*out = spiral_buf_detach(&b);
	return 0;
}

static const char *rec_id(rec_kind kind, const void *rec)
{
	switch (kind) {
	case REC_INQUIRY:
		return ((const spiral_inquiry *)rec)->id;
	case REC_ENTRY:
		return ((const spiral_entry *)rec)->id;
	case REC_NOTE:
		return ((const spiral_note *)rec)->id;
	case REC_CHANGE:
		return ((const spiral_change *)rec)->id;
	}
	return "";
}

/* The record's file and bytes, as a write makes them. */
static int record_file(rec_kind kind, const char *inq, const void *rec,
		       char **path, spiral_buf *data)
{
	int rc = 0;

	switch (kind) {
	case REC_INQUIRY:
		*path = spiral_path_inquiry_file(inq);
		rc = spiral_inquiry_serialize(rec, data);
		break;
	case REC_ENTRY:
		*path = spiral_path_entry(inq, rec);
		rc = spiral_entry_serialize(rec, data);
		break;
	case REC_NOTE:
		*path = spiral_path_note(inq, rec);
		rc = spiral_note_serialize(rec, data);
		break;
	case REC_CHANGE:
		*path = spiral_path_change(inq, rec);
		rc = spiral_change_serialize(rec, data);
		break;
	}
	if (!*path || data->failed)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	return rc;
}

/* The one record that a scratch store read back from path. */
static const void *read_back(const spiral_store *st, rec_kind kind)
{
	const spiral_inquiry *inq;

	if (st->ninquiries != 1)
		return NULL;
	inq = &st->inquiries[0];
	switch (kind) {
	case REC_INQUIRY:
		return inq->title0 ? inq : NULL;
	case REC_ENTRY:
		return inq->nentries == 1 ? &inq->entries[0] : NULL;
	case REC_NOTE:
		return inq->nnotes == 1 ? &inq->notes[0] : NULL;
	case REC_CHANGE:
		return inq->nchanges == 1 ? &inq->changes[0] : NULL;
	}
	return NULL;
}

/* Validates one new record as a file pulled from another school is
 * (spiral(5), INCOMING FILES), checks that it reads back as given, and adds
 * it to t (when not NULL: a dry run only checks). */
static int add_record(spiral_txn *t, const char *inq, rec_kind kind,
		      const void *rec, const char *given)
{
	spiral_buf data = SPIRAL_BUF_INIT;
	spiral_store scratch = {0};
	char *path = NULL, *back = NULL;
	const char *why;
	const void *again;
	int rc;

	if ((rc = record_file(kind, inq, rec, &path, &data)) < 0)
		goto out;
	if ((why = validate_entry(path, GIT_FILEMODE_BLOB, data.len))) {
		rc = spiral_error(SPIRAL_EFORMAT, "%s", why);
		goto out;
	}
	if ((rc = spiral_store_add_file(&scratch, path, data.ptr, data.len)) < 0)
		goto out;
	if (scratch.nproblems) {
		rc = spiral_error(SPIRAL_EFORMAT, "%s", scratch.problems[0].message);
		goto out;
	}
	if (!(again = read_back(&scratch, kind))) {
		rc = spiral_error(SPIRAL_EFORMAT, "does not read back");
		goto out;
	}
	if ((rc = record_json(kind, again, &back)) < 0)
		goto out;
	if (strcmp(back, given) != 0) {
		rc = spiral_error(SPIRAL_EFORMAT,
				  "cannot be stored as given (it would read "
				  "back differently)");
		goto out;
	}
	if (t)
		rc = spiral_txn_add(t, path, data.ptr, data.len);
out:
	free(back);
	free(path);
	spiral_buf_free(&data);
	spiral_store_free(&scratch);
	return rc;
}

static int cmp_inquiry_key(const void *key, const void *elem)
{
	return strcmp(key, ((const spiral_inquiry *)elem)->id);
}

static const spiral_inquiry *store_inquiry(const spiral_store *st, const char *id)
{
	if (!st || !st->ninquiries)
		return NULL;
	return bsearch(id, st->inquiries, st->ninquiries, sizeof(*st->inquiries),
		       cmp_inquiry_key);
}

static const void *existing_record(const spiral_inquiry *have, rec_kind kind,
				   const char *id)
{
	if (!have)
		return NULL;
	switch (kind) {
	case REC_INQUIRY:
		return have;
	case REC_ENTRY:
		for (size_t i = 0; i < have->nentries; i++)
			if (strcmp(have->entries[i].id, id) == 0)
				return &have->entries[i];
		break;
	case REC_NOTE:
		for (size_t i = 0; i < have->nnotes; i++)
			if (strcmp(have->notes[i].id, id) == 0)
				return &have->notes[i];
		break;
	case REC_CHANGE:
		for (size_t i = 0; i < have->nchanges; i++)
			if (strcmp(have->changes[i].id, id) == 0)
				return &have->changes[i];
		break;
	}
	return NULL;
}

/* One record: skipped when the repository has it (an error when it differs,
 * unless any_content), else validated and added. */
static int import_one(spiral_txn *t, const spiral_inquiry *have,
		      const char *inq, rec_kind kind, const void *rec,
		      int any_content, spiral_import_result *res)
{
	const void *old = existing_record(have, kind, rec_id(kind, rec));
	char *given = NULL, *had = NULL;
	int rc;

	if (old && any_content) {
		res->skipped++;
		return 0;
	}
	if ((rc = record_json(kind, rec, &given)) < 0)
		return rc;
	if (old) {
		if ((rc = record_json(kind, old, &had)) == 0) {
			if (strcmp(given, had) == 0)
				res->skipped++;
			else
				rc = spiral_error(SPIRAL_EEXISTS,
						  "the repository has another %s "
						  "with that id",
						  rec_names[kind]);
		}
	} else if ((rc = add_record(t, inq, kind, rec, given)) == 0) {
		switch (kind) {
		case REC_INQUIRY: res->inquiries++; break;
		case REC_ENTRY: res->entries++; break;
		case REC_NOTE: res->notes++; break;
		case REC_CHANGE: res->changes++; break;
		}
	}
	free(given);
	free(had);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An id given twice among n (sorted copy), or NULL. */
static const char *twice(const char **ids, size_t n)
{
	qsort(ids, n, sizeof(*ids), cmp_str);
	for (size_t i = 1; i < n; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			return ids[i];
	return NULL;
}

/* The last error with "PREFIX: " before it; returns rc. */
static int error_prefix(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int error_prefix(int rc, const char *fmt, ...)
{
	char msg[1024], pre[256];
	va_list ap;

	snprintf(msg, sizeof(msg), "%s", spiral_error_message());
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	return spiral_error(rc, "%s: %s", pre, msg);
}

static int import_inquiry(spiral_txn *t, const spiral_store *st,
			  const spiral_inquiry *inq, int any_content,
			  spiral_import_result *res)
{
	const spiral_inquiry *have = store_inquiry(st, inq->id);
	const spiral_import_result before = *res;
	size_t n = inq->nentries + inq->nnotes + inq->nchanges, k = 0;
	const char **ids, *dup;
	int rc = 0;

	if (!(ids = malloc((n ? n : 1) * sizeof(*ids))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < inq->nentries; i++)
		ids[k++] = inq->entries[i].id;
	for (size_t i = 0; i < inq->nnotes; i++)
		ids[k++] = inq->notes[i].id;
	for (size_t i = 0; i < inq->nchanges; i++)
		ids[k++] = inq->changes[i].id;
	dup = twice(ids, n);
	if (dup)
		rc = spiral_error(SPIRAL_EFORMAT,
				  "inquiry %s: record %s is given twice",
				  inq->id, dup);
	free(ids);
	if (rc < 0)
		return rc;
	/* An inquiry without inquiry.ini here cannot take records. */
	if ((rc = import_one(t, have, inq->id, REC_INQUIRY, inq, any_content, res)) < 0)
		return error_prefix(rc, "inquiry %s", inq->id);
	for (size_t i = 0; i < inq->nentries && rc == 0; i++)
		if ((rc = import_one(t, have, inq->id, REC_ENTRY, &inq->entries[i],
				     any_content, res)) < 0)
			rc = error_prefix(rc, "inquiry %s: entry %s", inq->id,
					  inq->entries[i].id);
	for (size_t i = 0; i < inq->nnotes && rc == 0; i++)
		if ((rc = import_one(t, have, inq->id, REC_NOTE, &inq->notes[i],
				     any_content, res)) < 0)
			rc = error_prefix(rc, "inquiry %s: note %s", inq->id,
					  inq->notes[i].id);
	for (size_t i = 0; i < inq->nchanges && rc == 0; i++)
		if ((rc = import_one(t, have, inq->id, REC_CHANGE, &inq->changes[i],
				     any_content, res)) < 0)
			rc = error_prefix(rc, "inquiry %s: change %s", inq->id,
					  inq->changes[i].id);
	/* What the inquiry's folders hold once this is added (spiral(5),
	 * LIMITS): a reader would leave out what is past the limit. */
	if (rc == 0 &&
	    ((have ? have->nentries : 0) + res->entries - before.entries > SPIRAL_MAX_RECORDS ||
	     (have ? have->nnotes : 0) + res->notes - before.notes > SPIRAL_MAX_RECORDS ||
	     (have ? have->nchanges : 0) + res->changes - before.changes > SPIRAL_MAX_RECORDS))
		rc = spiral_error(SPIRAL_ERROR,
				  "inquiry %s: more than %d records of one kind "
				  "(see LIMITS in spiral(5))",
				  inq->id, SPIRAL_MAX_RECORDS);
	return rc;
}

int import_records(spiral_txn *t, const spiral_store *st,
		   const spiral_inquiry *inqs, size_t n, int any_content,
		   spiral_import_result *res)
{
	const char **ids, *dup;
	int rc = 0;

	if (!(ids = malloc((n ? n : 1) * sizeof(*ids))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		ids[i] = inqs[i].id;
	if ((dup = twice(ids, n)))
		rc = spiral_error(SPIRAL_EFORMAT, "inquiry %s is given twice", dup);
	free(ids);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = import_inquiry(t, st, &inqs[i], any_content, res);
	return rc;
}

/* ---- import --json -------------------------------------------------------- */

/* Reading one member of a record; what names the record for errors. */
typedef struct jrec {
	const json_value *obj;
	const char *what; /* "inquiry 4f1c...: entry 9a0b..." */
} jrec;

static int jfail(const jrec *r, const char *key, const char *why)
{
	return spiral_error(SPIRAL_EFORMAT, "%s: \"%s\" %s", r->what, key, why);
}

/* A string, or NULL for null or a missing member when optional. */
static int j_str(const jrec *r, const char *key, int required, char **out)
{
	const json_value *v = json_get(r->obj, key);

	*out = NULL;
	if (!v || v->type == JSON_NULL) {
		if (required)
			return jfail(r, key, "is missing");
		return 0;
	}
	if (v->type != JSON_STRING)
		return jfail(r, key, "is not a string");
	if (!(*out = strdup(v->str)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	return 0;
}

static int j_id(const jrec *r, const char *key, char out[SPIRAL_ID_LEN + 1])
{
	const json_value *v = json_get(r->obj, key);

	if (!v || v->type != JSON_STRING || !spiral_id_valid(v->str))
		return jfail(r, key, "is not an id (32 lowercase hex digits)");
	memcpy(out, v->str, SPIRAL_ID_LEN + 1);
	return 0;
}

static int j_date(const jrec *r, const char *key, spiral_date *out)
{
	const json_value *v = json_get(r->obj, key);

	if (!v || v->type != JSON_STRING ||
	    spiral_date_parse_stored(v->str, out, NULL) < 0)
		return jfail(r, key, "is not a date (ISO 8601)");
	return 0;
}

static int j_int(const jrec *r, const char *key, int64_t lo, int64_t hi,
		 int64_t *out)
{
	const json_value *v = json_get(r->obj, key);
	char *end;
	long long n;

	if (!v || v->type != JSON_NUMBER)
		return jfail(r, key, "is not a number");
	errno = 0;
	n = strtoll(v->str, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return jfail(r, key, "is not a whole number in range");
	*out = n;
	return 0;
}

static int j_strv(const jrec *r, const char *key, spiral_strv *out)
{
	const json_value *v = json_get(r->obj, key);

	if (!v)
		return 0;
	if (v->type != JSON_ARRAY)
		return jfail(r, key, "is not a list");
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i].type != JSON_STRING)
			return jfail(r, key, "holds something that is not a string");
		if (spiral_strv_push(out, v->items[i].str) < 0)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	return 0;
}

static int j_numbers(const jrec *r, const char *key, spiral_kvs *out)
{
	const json_value *v = json_get(r->obj, key);

	if (!v)
		return 0;
	if (v->type != JSON_OBJECT)
		return jfail(r, key, "is not an object of numbers");
	for (size_t i = 0; i < v->n; i++) {
		double d;
		char *end;
		if (v->items[i].type != JSON_NUMBER)
			return jfail(r, key, "holds something that is not a number");
		errno = 0;
		d = strtod(v->items[i].str, &end);
		if (*end || errno == ERANGE || !isfinite(d))
			return jfail(r, key, "holds a number out of range");
		if (spiral_kvs_get(out, v->keys[i]))
			return jfail(r, key, "names a measure twice");
		if (spiral_kvs_set(out, v->keys[i], d) < 0)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	return 0;
}

static int j_who(const jrec *r, spiral_who *who)
{
	int rc;

	if ((rc = j_str(r, "author", 1, &who->author)) < 0 ||
	    (rc = j_str(r, "email", 0, &who->email)) < 0 ||
	    (rc = j_str(r, "school", 0, &who->school)) < 0)
		return rc;
	return 0;
}

static int j_head(const jrec *r, char id[SPIRAL_ID_LEN + 1], int64_t *seq,
		  spiral_date *date, spiral_who *who)
{
	int rc;

	if ((rc = j_id(r, "id", id)) < 0 ||
	    (rc = j_int(r, "seq", 0, SPIRAL_SEQ_MAX, seq)) < 0 ||
	    (rc = j_date(r, "date", date)) < 0 || (rc = j_who(r, who)) < 0)
		return rc;
	return 0;
}

static int j_entry(const jrec *r, spiral_entry *e)
{
	const json_value *v;
	char *s = NULL;
	int64_t cycle;
	int rc;

	e->verdict = SPIRAL_VERDICT_NONE;
	if ((rc = j_head(r, e->id, &e->seq, &e->date, &e->who)) < 0)
		return rc;
	if ((rc = j_str(r, "phase", 1, &s)) < 0)
		return rc;
	e->phase = spiral_phase_from_name(s);
	free(s);
	if (e->phase == SPIRAL_PHASE_NONE)
		return jfail(r, "phase", "is not a phase");
	if ((rc = j_int(r, "cycle", 1, 1000000, &cycle)) < 0)
		return rc;
	e->cycle = (int)cycle;
	v = json_get(r->obj, "new_cycle");
	if (v && v->type != JSON_TRUE && v->type != JSON_FALSE)
		return jfail(r, "new_cycle", "is not true or false");
	e->new_cycle = v && v->type == JSON_TRUE;
	if ((rc = j_str(r, "verdict", 0, &s)) < 0)
		return rc;
	if (s) {
		e->verdict = spiral_verdict_from_name(s);
		free(s);
		if (e->verdict == SPIRAL_VERDICT_NONE)
			return jfail(r, "verdict", "is not enough, partly or not-enough");
	}
	if ((rc = j_str(r, "text", 1, &e->text)) < 0 ||
	    (rc = j_strv(r, "evidence", &e->evidence)) < 0 ||
	    (rc = j_numbers(r, "measures", &e->measures)) < 0 ||
	    (rc = j_numbers(r, "targets", &e->targets)) < 0)
		return rc;
	return 0;
}

static int j_note(const jrec *r, spiral_note *n)
{
	int rc;

	if ((rc = j_head(r, n->id, &n->seq, &n->date, &n->who)) < 0 ||
	    (rc = j_str(r, "text", 1, &n->text)) < 0)
		return rc;
	return 0;
}

static int j_change(const jrec *r, spiral_change *c)
{
	char *s = NULL;
	int rc;

	if ((rc = j_head(r, c->id, &c->seq, &c->date, &c->who)) < 0)
		return rc;
	if ((rc = j_str(r, "field", 1, &s)) < 0)
		return rc;
	c->field = spiral_field_from_name(s);
	free(s);
	if (c->field == SPIRAL_FIELD_NONE)
		return jfail(r, "field", "is not title, learners, status, tag or team");
	if ((rc = j_str(r, "op", 1, &s)) < 0)
		return rc;
	if (strcmp(s, "set") == 0)
		c->op = SPIRAL_OP_SET;
	else if (strcmp(s, "add") == 0)
		c->op = SPIRAL_OP_ADD;
	else if (strcmp(s, "remove") == 0)
		c->op = SPIRAL_OP_REMOVE;
	else
		rc = jfail(r, "op", "is not set, add or remove");
	free(s);
	if (rc < 0 || (rc = j_str(r, "value", 1, &c->value)) < 0 ||
	    (rc = j_strv(r, "parents", &c->parents)) < 0)
		return rc;
	return 0;
}

/* The records of one kind of an inquiry's object: key "entries" ... */
static const json_value *j_list(const json_value *obj, const char *key,
				const char *what, int *rc)
{
	const json_value *v = json_get(obj, key);

	*rc = 0;
	if (!v)
		return NULL;
	if (v->type != JSON_ARRAY) {
		*rc = spiral_error(SPIRAL_EFORMAT, "%s: \"%s\" is not a list", what, key);
		return NULL;
	}
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i].type != JSON_OBJECT) {
			*rc = spiral_error(SPIRAL_EFORMAT,
					   "%s: \"%s\" holds something that is "
					   "not an object",
					   what, key);
			return NULL;
		}
	return v;
}

static int record_what(spiral_buf *b, const char *inq, const char *kind,
		       const json_value *obj, size_t i)
{
	const json_value *id = json_get(obj, "id");

	b->len = 0;
	if (kind && id && id->type == JSON_STRING && spiral_id_valid(id->str))
		spiral_buf_printf(b, "inquiry %s: %s %s", inq, kind, id->str);
	else if (kind)
		spiral_buf_printf(b, "inquiry %s: %s number %zu", inq, kind, i + 1);
	else if (id && id->type == JSON_STRING && spiral_id_valid(id->str))
		spiral_buf_printf(b, "inquiry %s", id->str);
	else
		spiral_buf_printf(b, "inquiry number %zu", i + 1);
	return b->failed ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

static int j_inquiry(const json_value *obj, size_t index, spiral_inquiry *inq)
{
	spiral_buf what = SPIRAL_BUF_INIT;
	const json_value *list;
	jrec r = {obj, NULL};
	int rc;

	if ((rc = record_what(&what, NULL, NULL, obj, index)) < 0)
		goto out;
	r.what = what.ptr;
	if ((rc = j_id(&r, "id", inq->id)) < 0 ||
	    (rc = j_date(&r, "created", &inq->created)) < 0 ||
	    (rc = j_who(&r, &inq->who)) < 0 ||
	    (rc = j_str(&r, "title", 1, &inq->title0)) < 0 ||
	    (rc = j_str(&r, "learners", 0, &inq->learners0)) < 0 ||
	    (rc = j_str(&r, "continues", 0, &inq->continues)) < 0 ||
	    (rc = j_strv(&r, "tags", &inq->tags0)) < 0 ||
	    (rc = j_strv(&r, "team", &inq->team0)) < 0)
		goto out;
	if ((list = j_list(obj, "entries", what.ptr, &rc)) && list->n) {
		if (!(inq->entries = calloc(list->n, sizeof(*inq->entries)))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < list->n && rc == 0; i++) {
			inq->nentries++;
			if ((rc = record_what(&what, inq->id, "entry", &list->items[i], i)) == 0) {
				jrec e = {&list->items[i], what.ptr};
				rc = j_entry(&e, &inq->entries[i]);
			}
		}
	}
	if (rc < 0)
		goto out;
	if ((list = j_list(obj, "notes", what.ptr, &rc)) && list->n) {
		if (!(inq->notes = calloc(list->n, sizeof(*inq->notes)))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < list->n && rc == 0; i++) {
			inq->nnotes++;
			if ((rc = record_what(&what, inq->id, "note", &list->items[i], i)) == 0) {
				jrec n = {&list->items[i], what.ptr};
				rc = j_note(&n, &inq->notes[i]);
			}
		}
	}
	if (rc < 0)
		goto out;
	if ((list = j_list(obj, "changes", what.ptr, &rc)) && list->n) {
		if (!(inq->changes = calloc(list->n, sizeof(*inq->changes)))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < list->n && rc == 0; i++) {
			inq->nchanges++;
			if ((rc = record_what(&what, inq->id, "change", &list->items[i], i)) == 0) {
				jrec c = {&list->items[i], what.ptr};
				rc = j_change(&c, &inq->changes[i]);
			}
		}
	}
out:
	spiral_buf_free(&what);
	return rc;
}

int spiral_import_json(spiral_txn *t, const spiral_store *st, const char *data,
		       size_t len, spiral_import_result *res)
{
	json_value doc;
	const json_value *v, *list;
	spiral_inquiry *inqs = NULL;
	size_t n = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = json_parse(data, len, &doc)) < 0)
		return rc;
	v = json_get(&doc, "spiral_export");
	if (!v || v->type != JSON_NUMBER) {
		rc = spiral_error(SPIRAL_EFORMAT,
				  "not a document of spiral export (no "
				  "\"spiral_export\")");
		goto out;
	}
	if (strcmp(v->str, "1") != 0) {
		rc = spiral_error(SPIRAL_EFORMAT,
				  "an export of version %s; this spiral reads "
				  "version %d: upgrade spiral",
				  v->str, SPIRAL_EXPORT_VERSION);
		goto out;
	}
	v = json_get(&doc, "format");
	if (v && (v->type != JSON_NUMBER || strcmp(v->str, "1") != 0)) {
		rc = spiral_error(SPIRAL_EFORMAT,
				  "records of storage format %s; this spiral "
				  "writes format %d: upgrade spiral",
				  v->type == JSON_NUMBER ? v->str : "?",
				  SPIRAL_FORMAT);
		goto out;
	}
	list = json_get(&doc, "inquiries");
	if (!list || list->type != JSON_ARRAY) {
		rc = spiral_error(SPIRAL_EFORMAT, "\"inquiries\" is not a list");
		goto out;
	}
	if (list->n && !(inqs = calloc(list->n, sizeof(*inqs)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < list->n && rc == 0; i++) {
		n++;
		if (list->items[i].type != JSON_OBJECT)
			rc = spiral_error(SPIRAL_EFORMAT,
					  "inquiry number %zu is not an object", i + 1);
		else
			rc = j_inquiry(&list->items[i], i, &inqs[i]);
	}
	if (rc == 0)
		rc = import_records(t, st, inqs, n, 0, res);
out:
	for (size_t i = 0; i < n; i++)
		spiral_inquiry_free(&inqs[i]);
	free(inqs);
	json_free(&doc);
	return rc;
}
