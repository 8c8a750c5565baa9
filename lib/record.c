/* Records: the files a write adds, and how each kind is read back.
 *
 * Reading is table-driven: each kind lists its sections and keys, and a key
 * says where its decoded value goes.  Unknown keys are ignored when loading
 * (a later format 1 writer may add some) and reported by fsck. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- writing ------------------------------------------------------------ */

int spiral_repository_serialize(spiral_buf *out)
{
	/* Identical in every repository of this format: unrelated school
	 * repositories merge without a conflict on it. */
	return spiral_buf_printf(out,
				 "; A spiral repository: collaborative inquiry, "
				 "see spiral(5).\n"
				 "[repository]\n"
				 "format = %d\n",
				 SPIRAL_FORMAT);
}

int spiral_gitattributes_serialize(spiral_buf *out)
{
	return spiral_buf_puts(out,
			       "# spiral records are only ever added; the merge driver is a\n"
			       "# safety net for hand edits (see spiral(5)).\n"
			       "*.ini text eol=lf merge=spiral\n");
}

static int put_date(spiral_buf *out, const char *key, spiral_date d)
{
	char s[SPIRAL_DATE_LEN];

	spiral_date_format(d, s);
	return spiral_ini_value(out, key, s, strlen(s));
}

/* The Lamport counter that orders an inquiry's records (spiral(5)).  A
 * record read without one (seq 0) is written again without one: "seq = 0"
 * is not a value the reader takes. */
static int put_seq(spiral_buf *out, int64_t seq)
{
	if (seq < 1)
		return 0;
	return spiral_buf_printf(out, "seq = %lld\n", (long long)seq);
}

/* Writing stays within what reading takes (spiral(5), LIMITS): past a
 * limit the write is refused, with nothing written. */
static int over_limit(const char *what, size_t n, long max, const char *unit)
{
	return spiral_error(SPIRAL_ERROR,
			    "%s: %zu %s, more than the %ld allowed (see "
			    "LIMITS in spiral(5))",
			    what, n, unit, max);
}

static int put_str(spiral_buf *out, const char *key, const char *value)
{
	if (!value)
		return 0;
	return spiral_ini_value(out, key, value, strlen(value));
}

static int put_text(spiral_buf *out, const char *key, const char *text)
{
	return spiral_ini_text(out, key, text, strlen(text));
}

/* The whole record, from mark on, within what a reader reads. */
static int record_size(const spiral_buf *out, size_t mark, const char *what)
{
	if (out->len - mark > SPIRAL_MAX_FILE)
		return spiral_error(SPIRAL_ERROR,
				    "%s would be %zu bytes, more than the %d a file "
				    "may have (see LIMITS in spiral(5))",
				    what, out->len - mark, SPIRAL_MAX_FILE);
	return 0;
}

static int put_who(spiral_buf *out, const spiral_who *w)
{
	if (put_str(out, "author", w->author) < 0 ||
	    put_str(out, "email", w->email) < 0 ||
	    put_str(out, "school", w->school) < 0)
		return SPIRAL_ERROR;
	return 0;
}

static int put_strv(spiral_buf *out, const char *key, const spiral_strv *sv,
		    const char *what, size_t max)
{
	if (sv->n > max)
		return over_limit(what, sv->n, (long)max, "values");
	for (size_t i = 0; i < sv->n; i++)
		if (put_str(out, key, sv->v[i]) < 0)
			return SPIRAL_ERROR;
	return 0;
}

static int put_kvs(spiral_buf *out, const char *section, const spiral_kvs *kvs)
{
	char num[40];

	if (kvs->n == 0)
		return 0;
	if (kvs->n > SPIRAL_MAX_MEASURES)
		return over_limit(section, kvs->n, SPIRAL_MAX_MEASURES, "values");
	if (spiral_ini_section(out, section) < 0)
		return SPIRAL_ERROR;
	for (size_t i = 0; i < kvs->n; i++) {
		spiral_number_format(kvs->v[i].value, num);
		if (spiral_ini_value(out, kvs->v[i].name, num, strlen(num)) < 0)
			return SPIRAL_ERROR;
	}
	return 0;
}

int spiral_inquiry_serialize(const spiral_inquiry *inq, spiral_buf *out)
{
	size_t mark = out->len;

	if (spiral_ini_section(out, "inquiry") < 0 ||
	    put_str(out, "title", inq->title0) < 0 ||
	    put_str(out, "learners", inq->learners0) < 0 ||
	    put_date(out, "created", inq->created) < 0 || put_who(out, &inq->who) < 0 ||
	    put_str(out, "continues", inq->continues) < 0 ||
	    put_strv(out, "tag", &inq->tags0, "tags", SPIRAL_MAX_VALUES) < 0 ||
	    put_strv(out, "team", &inq->team0, "team", SPIRAL_MAX_VALUES) < 0 ||
	    record_size(out, mark, "the inquiry") < 0)
		return SPIRAL_ERROR;
	return 0;
}

int spiral_entry_serialize(const spiral_entry *e, spiral_buf *out)
{
	const char *verdict = spiral_verdict_name(e->verdict);
	size_t mark = out->len;

	if (spiral_ini_section(out, "entry") < 0 ||
	    put_str(out, "phase", spiral_phase_get(e->phase)->name) < 0 ||
	    put_date(out, "date", e->date) < 0 || put_seq(out, e->seq) < 0 ||
	    put_who(out, &e->who) < 0 ||
	    spiral_buf_printf(out, "cycle = %d\n", e->cycle) < 0)
		return SPIRAL_ERROR;
	if (e->new_cycle && spiral_buf_puts(out, "new-cycle = yes\n") < 0)
		return SPIRAL_ERROR;
	if (verdict && put_str(out, "verdict", verdict) < 0)
		return SPIRAL_ERROR;
	if (spiral_ini_section(out, "text") < 0 || put_text(out, "p", e->text) < 0)
		return SPIRAL_ERROR;
	if (e->evidence.n && (spiral_ini_section(out, "evidence") < 0 ||
			      put_strv(out, "item", &e->evidence, "evidence",
				       SPIRAL_MAX_VALUES) < 0))
		return SPIRAL_ERROR;
	if (put_kvs(out, "measures", &e->measures) < 0 ||
	    put_kvs(out, "targets", &e->targets) < 0 ||
	    record_size(out, mark, "the entry") < 0)
		return SPIRAL_ERROR;
	return 0;
}

int spiral_note_serialize(const spiral_note *n, spiral_buf *out)
{
	size_t mark = out->len;

	if (spiral_ini_section(out, "note") < 0 || put_date(out, "date", n->date) < 0 ||
	    put_seq(out, n->seq) < 0 || put_who(out, &n->who) < 0 ||
	    spiral_ini_section(out, "text") < 0 || put_text(out, "p", n->text) < 0 ||
	    record_size(out, mark, "the note") < 0)
		return SPIRAL_ERROR;
	return 0;
}

int spiral_change_serialize(const spiral_change *c, spiral_buf *out)
{
	size_t mark = out->len;

	if (spiral_ini_section(out, "change") < 0 ||
	    put_date(out, "date", c->date) < 0 || put_seq(out, c->seq) < 0 ||
	    put_who(out, &c->who) < 0 ||
	    put_str(out, "field", spiral_field_name(c->field)) < 0 ||
	    put_str(out, "op", spiral_op_name(c->op)) < 0 ||
	    put_str(out, "value", c->value) < 0 ||
	    put_strv(out, "parent", &c->parents, "parents", SPIRAL_MAX_PARENTS) < 0 ||
	    record_size(out, mark, "the change") < 0)
		return SPIRAL_ERROR;
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

typedef enum {
	K_STR,    /* char *, one value */
	K_STRV,   /* spiral_strv, repeated */
	K_DATE,   /* spiral_date */
	K_INT,    /* int, >= 1 */
	K_SEQ,    /* int64_t, 1 to SPIRAL_SEQ_MAX */
	K_PHASE,  /* spiral_phase */
	K_VERDICT,
	K_YES,    /* int flag: yes/no */
	K_FIELD,
	K_OP,
	K_ID,     /* char *, a valid id */
	K_PARA,   /* char *, paragraphs joined with a blank line */
	K_NUMBERS /* the whole section: name = number into spiral_kvs */
} key_kind;

typedef struct key_spec {
	const char *section;
	const char *key; /* NULL with K_NUMBERS: any key */
	key_kind kind;
	size_t offset;
	int required;
} key_spec;

typedef struct parse_state {
	const key_spec *keys;
	size_t nkeys;
	void *record;
	int strict;
	unsigned seen; /* bit per key index */
	record_problem *pb;
	int unknown_line;
	char unknown[128];
	int no_offset_line; /* a date without offset, read as UTC */
	char no_offset[160];
	int twice_line; /* the first single-valued key given again */
	char twice[128];
	int limit_line; /* the first value left out past a limit */
	char limit[128];
	int long_line; /* the first value longer than spiral writes (read) */
	char long_value[128];
	size_t given[32];   /* values taken, per key index (as seen) */
	int failed;         /* a problem that makes the record unreadable */
	int warned;         /* a problem that leaves it readable (fsck) */
	int parents_over;   /* too many parents, said once */
	char unknown_section[64]; /* the last unknown section said */
	spiral_buf para;    /* the paragraphs of the K_PARA key, joined */
	size_t nparas;
	const key_spec *para_key;
} parse_state;

static int fail(parse_state *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* fsck: every problem of the file said, the file read to its end. */
static int keep_going(const parse_state *ps)
{
	return ps->strict && ps->pb->each;
}

/* Gives a problem to pb->each; pb keeps the first. */
static void pass_on(record_problem *pb, int line, const char *message)
{
	if (!pb->message[0]) {
		pb->line = line;
		snprintf(pb->message, sizeof(pb->message), "%s", message);
	}
	pb->each(pb->user, line, message);
}

static void on_ini_problem(void *user, int line, const char *message)
{
	parse_state *ps = user;

	ps->failed = 1;
	pass_on(ps->pb, line, message);
}

/* A problem that makes the record unreadable: the end of it, or (fsck)
 * passed on, the rest of the file still read. */
static int fail(parse_state *ps, int line, const char *fmt, ...)
{
	char message[sizeof(ps->pb->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (keep_going(ps)) {
		ps->failed = 1;
		pass_on(ps->pb, line, message);
		return 0;
	}
	ps->pb->line = line;
	memcpy(ps->pb->message, message, sizeof(message));
	return SPIRAL_EFORMAT;
}

/* A problem that leaves the record readable, said by fsck where it is;
 * 1 when it was said (else the caller notes the first, as before). */
static int warn_here(parse_state *ps, int line, const char *message)
{
	if (!keep_going(ps))
		return 0;
	ps->warned = 1;
	pass_on(ps->pb, line, message);
	return 1;
}

/* A record that reads but warrants a warning: the first one, kept for a
 * command that says one per file; returns 1 (read, with a warning). */
static int first_warning(record_problem *pb, int line, const char *message)
{
	pb->line = line;
	snprintf(pb->message, sizeof(pb->message), "%s", message);
	return 1;
}

static int store_str(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return SPIRAL_ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Paragraphs are joined in a growing buffer and stored once the file is
 * read: joining many short ones stays linear. */
static int store_para(parse_state *ps, const key_spec *k, const char *value,
		      size_t len)
{
	ps->para_key = k;
	if (ps->nparas++ && spiral_buf_put(&ps->para, "\n\n", 2) < 0)
		return SPIRAL_ENOMEM;
	return spiral_buf_put(&ps->para, value, len) < 0 ? SPIRAL_ENOMEM : 0;
}

static int para_done(parse_state *ps)
{
	char **slot, *text;

	if (!ps->para_key)
		return 0;
	slot = (char **)((char *)ps->record + ps->para_key->offset);
	if (!(text = spiral_buf_detach(&ps->para)))
		return SPIRAL_ENOMEM;
	free(*slot);
	*slot = text;
	return 0;
}

static int parse_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && errno != ERANGE &&
			       strspn(s, "0123456789+-.eE") == strlen(s)
		       ? 0
		       : -1;
}

/* The most characters spiral writes in a value of k, or 0 for no limit.
 * A change's value is a title, learners, a status, a tag or a team member:
 * the title's limit covers them all. */
static size_t key_max_chars(const key_spec *k)
{
	if (!k->key)
		return 0;
	if (strcmp(k->key, "title") == 0 || strcmp(k->key, "value") == 0)
		return SPIRAL_MAX_TITLE;
	if (strcmp(k->key, "learners") == 0)
		return SPIRAL_MAX_LEARNERS;
	if (strcmp(k->section, "evidence") == 0)
		return SPIRAL_MAX_EVIDENCE;
	return 0;
}

/* A longer value than spiral writes (made elsewhere, or by hand) is read
 * in full: nothing is lost; fsck notes it. */
static void note_long(parse_state *ps, const key_spec *k, const char *value,
		      size_t len, int line)
{
	size_t max = key_max_chars(k), count;
	char message[sizeof(ps->long_value)];

	if (!max || (ps->long_line && !keep_going(ps)) || len <= max ||
	    (count = spiral_utf8_count(value, len)) <= max)
		return;
	snprintf(message, sizeof(message),
		 "%s is %zu characters, more than the %zu spiral writes (read "
		 "in full; see LIMITS in spiral(5))",
		 k->key, count, max);
	if (warn_here(ps, line, message))
		return;
	ps->long_line = line;
	memcpy(ps->long_value, message, sizeof(message));
}

static int store_value(parse_state *ps, const key_spec *k, const char *key,
		       const char *value, size_t len, int line)
{
	char *slot = (char *)ps->record + k->offset;
	double num;
	long n;
	char *end;

	if (ps->strict)
		note_long(ps, k, value, len, line);
	switch (k->kind) {
	case K_STR:
		return store_str((char **)slot, value);
	case K_ID:
		if (!spiral_id_valid(value))
			return fail(ps, line, "'%s' is not an inquiry id", value);
		return store_str((char **)slot, value);
	case K_PARA:
		return store_para(ps, k, value, len);
	case K_STRV:
		return spiral_strv_push((spiral_strv *)slot, value);
	case K_DATE: {
		int no_offset = 0;
		if (spiral_date_parse_stored(value, (spiral_date *)slot, &no_offset) < 0)
			return fail(ps, line, "%s: '%s' is not an ISO 8601 date", key,
				    value);
		/* Read as UTC on every machine; fsck says so. */
		if (no_offset && keep_going(ps)) {
			char message[160];
			snprintf(message, sizeof(message),
				 "%s: '%.60s' has no UTC offset: read as UTC (add Z or "
				 "+HH:MM)", key, value);
			warn_here(ps, line, message);
		} else if (no_offset && !ps->no_offset_line) {
			ps->no_offset_line = line;
			snprintf(ps->no_offset, sizeof(ps->no_offset),
				 "%s: '%.60s' has no UTC offset: read as UTC (add Z or "
				 "+HH:MM)", key, value);
		}
		return 0;
	}
	case K_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (!*value || *end || errno || n < 1 || n > 1000000)
			return fail(ps, line, "%s: '%s' is not a whole number from 1",
				    key, value);
		*(int *)slot = (int)n;
		return 0;
	case K_SEQ: {
		long long seq;

		errno = 0;
		seq = strtoll(value, &end, 10);
		if (!*value || *end || errno || strspn(value, "0123456789") != len ||
		    seq < 1 || seq > SPIRAL_SEQ_MAX)
			return fail(ps, line, "%s: '%s' is not a whole number from 1 "
				    "to %lld", key, value, SPIRAL_SEQ_MAX);
		*(int64_t *)slot = seq;
		return 0;
	}
	case K_PHASE:
		if ((*(spiral_phase *)slot = spiral_phase_from_name(value)) ==
		    SPIRAL_PHASE_NONE)
			return fail(ps, line, "%s: unknown phase '%s'", key, value);
		return 0;
	case K_VERDICT:
		if ((*(spiral_verdict *)slot = spiral_verdict_from_name(value)) ==
		    SPIRAL_VERDICT_NONE)
			return fail(ps, line, "%s: unknown verdict '%s'", key, value);
		return 0;
	case K_YES:
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return fail(ps, line, "%s: '%s' is not yes or no", key, value);
		*(int *)slot = strcmp(value, "yes") == 0;
		return 0;
	case K_FIELD:
		if ((*(spiral_field *)slot = spiral_field_from_name(value)) ==
		    SPIRAL_FIELD_NONE)
			return fail(ps, line, "%s: unknown field '%s'", key, value);
		return 0;
	case K_OP:
		for (int op = SPIRAL_OP_SET; op <= SPIRAL_OP_REMOVE; op++) {
			if (strcmp(value, spiral_op_name((spiral_op)op)) == 0) {
				*(spiral_op *)slot = (spiral_op)op;
				return 0;
			}
		}
		return fail(ps, line, "%s: unknown operation '%s'", key, value);
	case K_NUMBERS: {
		char *name = NULL;
		int rc;
		if (!spiral_measure_name_valid(key))
			return fail(ps, line, "'%s' is not a measure name", key);
		if (parse_number(value, &num) < 0)
			return fail(ps, line, "%s: '%s' is not a number", key, value);
		/* Read in NFC, as spiral writes names: a hand-written name
		 * with a combining macron is the same measure. */
		if ((rc = spiral_measure_name_normalize(key, &name)) < 0) {
			spiral_error_clear();
			return rc == SPIRAL_ENOMEM
				       ? rc
				       : fail(ps, line, "'%s' is not a measure name", key);
		}
		if (strcmp(name, key) != 0) {
			char message[400];
			snprintf(message, sizeof(message),
				 "'%.80s' is not in Unicode NFC: read as the measure "
				 "'%.80s'", key, name);
			warn_here(ps, line, message);
		}
		rc = spiral_kvs_set((spiral_kvs *)slot, name, num);
		free(name);
		return rc;
	}
	}
	return 0;
}

/* A single-valued key (or a measure) that already has its value. */
static int given_twice(const parse_state *ps, size_t i, const char *key)
{
	const key_spec *k = &ps->keys[i];

	if (k->kind == K_STRV || k->kind == K_PARA)
		return 0;
	if (k->kind == K_NUMBERS)
		return spiral_kvs_get((const spiral_kvs *)((const char *)ps->record +
							   k->offset),
				      key) != NULL;
	return (ps->seen & (1u << i)) != 0;
}

/*
 * merge-file keeps both values of a key that two sides changed
 * differently, one after the other.  Taking either silently would hide the
 * other: the first is kept and the file is reported (by fsck, and as a
 * warning by every command) until a person keeps one.
 */
static int note_twice(parse_state *ps, const char *key, int line)
{
	if (keep_going(ps)) {
		char message[128];
		snprintf(message, sizeof(message),
			 "%.60s given twice; a merge kept both values: keep one", key);
		warn_here(ps, line, message);
	} else if (!ps->twice_line) {
		ps->twice_line = line;
		snprintf(ps->twice, sizeof(ps->twice),
			 "%.60s given twice; a merge kept both values: keep one",
			 key);
	}
	return 0;
}

/* How many values a repeated key may have; 0 for no limit. */
static size_t key_limit(const key_spec *k)
{
	if (k->kind == K_NUMBERS)
		return SPIRAL_MAX_MEASURES;
	if (k->kind != K_STRV)
		return 0;
	return strcmp(k->key, "parent") == 0 ? SPIRAL_MAX_PARENTS : SPIRAL_MAX_VALUES;
}

/* Counts a value of key i against its limit: 0 within it.  Past it, a
 * change's parents make the record unreadable (SPIRAL_EFORMAT: fewer would
 * change what it means); other values are left out (1), the first such
 * line noted.  Checked before anything else, so that a flood of values
 * costs a constant each. */
static int past_limit(parse_state *ps, size_t i, int line)
{
	const key_spec *k = &ps->keys[i];
	size_t max = key_limit(k);

	if (!max || ps->given[i] < max) {
		ps->given[i]++;
		return 0;
	}
	if (strcmp(k->section, "change") == 0) {
		int rc = 0;
		if (!ps->parents_over)
			rc = fail(ps, line, "more than %zu parents (see LIMITS in "
				  "spiral(5))", max);
		ps->parents_over = 1;
		return rc ? rc : 1;
	}
	if (!ps->limit_line) {
		ps->limit_line = line;
		snprintf(ps->limit, sizeof(ps->limit),
			 "more than %zu %s in [%s]: the rest are left out (see "
			 "LIMITS in spiral(5))",
			 max, k->key ? k->key : "values", k->section);
		warn_here(ps, line, ps->limit);
	}
	return 1;
}

static int on_value(void *user, const char *section, const char *key,
		    const char *value, size_t len, int line)
{
	parse_state *ps = user;
	int section_known = 0, rc;

	for (size_t i = 0; i < ps->nkeys; i++) {
		const key_spec *k = &ps->keys[i];
		/* The first letters first: most keys differ there. */
		if (k->section[0] != section[0] || strcmp(k->section, section) != 0)
			continue;
		section_known = 1;
		if (k->key && (k->key[0] != key[0] || strcmp(k->key, key) != 0))
			continue;
		if ((rc = past_limit(ps, i, line)) != 0)
			return rc < 0 ? rc : 0;
		if (given_twice(ps, i, key))
			return note_twice(ps, key, line);
		ps->seen |= 1u << i;
		rc = store_value(ps, k, key, value, len, line);
		if (rc == SPIRAL_ENOMEM && keep_going(ps)) {
			on_ini_problem(ps, line, "out of memory");
			return SPIRAL_ENOMEM; /* the end of reading */
		}
		if (rc == SPIRAL_ENOMEM)
			return fail(ps, line, "out of memory");
		return rc;
	}
	if (keep_going(ps)) {
		char message[sizeof(ps->unknown)];
		if (section_known)
			snprintf(message, sizeof(message), "unknown key '%s' in [%s]",
				 key, section);
		else if (strcmp(ps->unknown_section, section) != 0)
			snprintf(message, sizeof(message), "unknown section [%s]",
				 section);
		else
			return 0; /* its section is said once */
		snprintf(ps->unknown_section, sizeof(ps->unknown_section), "%s",
			 section_known ? "" : section);
		warn_here(ps, line, message);
		return 0;
	}
	if (!ps->unknown_line) {
		ps->unknown_line = line;
		if (section_known)
			snprintf(ps->unknown, sizeof(ps->unknown),
				 "unknown key '%s' in [%s]", key, section);
		else
			snprintf(ps->unknown, sizeof(ps->unknown),
				 "unknown section [%s]", section);
	}
	return 0;
}

static int parse_record(const char *data, size_t len, const key_spec *keys,
			size_t nkeys, void *record, int strict, record_problem *pb)
{
	parse_state ps = {.keys = keys, .nkeys = nkeys, .record = record,
			  .strict = strict, .pb = pb};
	int err_line = 0;
	int rc;

	pb->line = 0;
	pb->message[0] = '\0';
	if (keep_going(&ps))
		rc = ini_parse_each(data, len, on_value, on_ini_problem, &ps,
				    &err_line);
	else
		rc = spiral_ini_parse(data, len, on_value, &ps, &err_line);
	if (para_done(&ps) < 0 && rc == 0)
		rc = SPIRAL_ENOMEM;
	spiral_buf_free(&ps.para);
	if (keep_going(&ps) && rc != SPIRAL_ENOMEM) {
		/* Every problem was passed on as found; the keys missing are
		 * the last. */
		for (size_t i = 0; i < nkeys; i++) {
			if (keys[i].required && !(ps.seen & (1u << i))) {
				char message[128];
				snprintf(message, sizeof(message), "[%s] has no '%s'",
					 keys[i].section, keys[i].key);
				on_ini_problem(&ps, 0, message);
			}
		}
		return ps.failed || rc < 0 ? SPIRAL_EFORMAT : ps.warned;
	}
	if (rc == SPIRAL_EFORMAT && !pb->message[0]) {
		const char *msg = spiral_error_message();
		char at[32];
		int n = snprintf(at, sizeof(at), "line %d: ", err_line);

		/* The problem carries the line: say it once. */
		if (n > 0 && strncmp(msg, at, (size_t)n) == 0)
			msg += n;
		pb->line = err_line;
		snprintf(pb->message, sizeof(pb->message), "%s", msg);
	}
	if (rc < 0)
		return rc == SPIRAL_ENOMEM ? rc : SPIRAL_EFORMAT;
	if (rc > 0)
		return SPIRAL_EFORMAT; /* a callback failure, already described */
	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].required && !(ps.seen & (1u << i))) {
			snprintf(pb->message, sizeof(pb->message),
				 "[%s] has no '%s'", keys[i].section, keys[i].key);
			return SPIRAL_EFORMAT;
		}
	}
	if (ps.limit_line)
		return first_warning(pb, ps.limit_line, ps.limit);
	if (ps.twice_line)
		return first_warning(pb, ps.twice_line, ps.twice);
	if (strict && ps.unknown_line)
		return first_warning(pb, ps.unknown_line, ps.unknown);
	if (strict && ps.no_offset_line)
		return first_warning(pb, ps.no_offset_line, ps.no_offset);
	if (strict && ps.long_line)
		return first_warning(pb, ps.long_line, ps.long_value);
	return 0;
}

#define KEYS(a) a, sizeof(a) / sizeof(a[0])
#define AT(type, member) offsetof(type, member)

static const key_spec inquiry_keys[] = {
	{"inquiry", "title", K_STR, AT(spiral_inquiry, title0), 1},
	{"inquiry", "learners", K_STR, AT(spiral_inquiry, learners0), 0},
	{"inquiry", "created", K_DATE, AT(spiral_inquiry, created), 1},
	{"inquiry", "author", K_STR, AT(spiral_inquiry, who.author), 1},
	{"inquiry", "email", K_STR, AT(spiral_inquiry, who.email), 0},
	{"inquiry", "school", K_STR, AT(spiral_inquiry, who.school), 0},
	{"inquiry", "continues", K_ID, AT(spiral_inquiry, continues), 0},
	{"inquiry", "tag", K_STRV, AT(spiral_inquiry, tags0), 0},
	{"inquiry", "team", K_STRV, AT(spiral_inquiry, team0), 0},
};

static const key_spec entry_keys[] = {
	{"entry", "phase", K_PHASE, AT(spiral_entry, phase), 1},
	{"entry", "date", K_DATE, AT(spiral_entry, date), 1},
	{"entry", "seq", K_SEQ, AT(spiral_entry, seq), 0},
	{"entry", "author", K_STR, AT(spiral_entry, who.author), 1},
	{"entry", "email", K_STR, AT(spiral_entry, who.email), 0},
	{"entry", "school", K_STR, AT(spiral_entry, who.school), 0},
	{"entry", "cycle", K_INT, AT(spiral_entry, cycle), 1},
	{"entry", "new-cycle", K_YES, AT(spiral_entry, new_cycle), 0},
	{"entry", "verdict", K_VERDICT, AT(spiral_entry, verdict), 0},
	{"text", "p", K_PARA, AT(spiral_entry, text), 1},
	{"evidence", "item", K_STRV, AT(spiral_entry, evidence), 0},
	{"measures", NULL, K_NUMBERS, AT(spiral_entry, measures), 0},
	{"targets", NULL, K_NUMBERS, AT(spiral_entry, targets), 0},
};

static const key_spec note_keys[] = {
	{"note", "date", K_DATE, AT(spiral_note, date), 1},
	{"note", "seq", K_SEQ, AT(spiral_note, seq), 0},
	{"note", "author", K_STR, AT(spiral_note, who.author), 1},
	{"note", "email", K_STR, AT(spiral_note, who.email), 0},
	{"note", "school", K_STR, AT(spiral_note, who.school), 0},
	{"text", "p", K_PARA, AT(spiral_note, text), 1},
};

static const key_spec change_keys[] = {
	{"change", "date", K_DATE, AT(spiral_change, date), 1},
	{"change", "seq", K_SEQ, AT(spiral_change, seq), 0},
	{"change", "author", K_STR, AT(spiral_change, who.author), 1},
	{"change", "email", K_STR, AT(spiral_change, who.email), 0},
	{"change", "school", K_STR, AT(spiral_change, who.school), 0},
	{"change", "field", K_FIELD, AT(spiral_change, field), 1},
	{"change", "op", K_OP, AT(spiral_change, op), 1},
	{"change", "value", K_STR, AT(spiral_change, value), 1},
	{"change", "parent", K_STRV, AT(spiral_change, parents), 0},
};

typedef struct repository_record {
	char *format;
} repository_record;

static const key_spec repository_keys[] = {
	{"repository", "format", K_STR, AT(repository_record, format), 1},
};

/* A problem of the record as a whole, found once it is read: SPIRAL_EFORMAT,
 * and (fsck) passed on. */
static int whole_fail(record_problem *pb, int strict, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int whole_fail(record_problem *pb, int strict, const char *fmt, ...)
{
	char message[sizeof(pb->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (strict && pb->each) {
		pass_on(pb, 0, message);
	} else {
		pb->line = 0;
		memcpy(pb->message, message, sizeof(message));
	}
	return SPIRAL_EFORMAT;
}

int record_parse_inquiry(const char *data, size_t len, int strict,
			 spiral_inquiry *out, record_problem *pb)
{
	return parse_record(data, len, KEYS(inquiry_keys), out, strict, pb);
}

int record_parse_entry(const char *data, size_t len, int strict,
		       spiral_entry *out, record_problem *pb)
{
	int rc;

	out->verdict = SPIRAL_VERDICT_NONE;
	rc = parse_record(data, len, KEYS(entry_keys), out, strict, pb);
	if (rc >= 0 && out->verdict != SPIRAL_VERDICT_NONE &&
	    out->phase != SPIRAL_CHECK) {
		return whole_fail(pb, strict, "a verdict is only given on a check");
	}
	return rc;
}

int record_parse_note(const char *data, size_t len, int strict,
		      spiral_note *out, record_problem *pb)
{
	return parse_record(data, len, KEYS(note_keys), out, strict, pb);
}

int record_parse_change(const char *data, size_t len, int strict,
			spiral_change *out, record_problem *pb)
{
	int rc = parse_record(data, len, KEYS(change_keys), out, strict, pb);

	if (rc < 0)
		return rc;
	if (spiral_field_is_set(out->field) == (out->op == SPIRAL_OP_SET)) {
		return whole_fail(pb, strict, "field '%s' cannot take op '%s'",
				  spiral_field_name(out->field),
				  spiral_op_name(out->op));
	}
	if (out->field == SPIRAL_FIELD_STATUS && strcmp(out->value, "active") &&
	    strcmp(out->value, "closed")) {
		return whole_fail(pb, strict, "status '%s' is neither active nor closed",
				  out->value);
	}
	return rc;
}

int record_parse_repository(const char *data, size_t len, int *format,
			    record_problem *pb)
{
	repository_record r = {NULL};
	char *end;
	long v;
	int rc = parse_record(data, len, KEYS(repository_keys), &r, 0, pb);

	if (rc < 0) {
		free(r.format);
		return rc;
	}
	errno = 0;
	v = strtol(r.format, &end, 10);
	if (!*r.format || *end || errno || v < 1 || v > 1000000) {
		snprintf(pb->message, sizeof(pb->message),
			 "format '%.100s' is not a version number", r.format);
		free(r.format);
		return SPIRAL_EFORMAT;
	}
	free(r.format);
	*format = (int)v;
	return 0;
}
