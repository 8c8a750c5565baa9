/* Inquiries and entries from a spreadsheet saved as CSV (import --csv),
 * read with libcsv.  Two layouts (spiral-import(1)): a row per entry, or a
 * row per inquiry with a column per phase.  Every row is checked before
 * anything is added; IDs come from the rows' content, so that importing
 * the same rows again adds nothing. */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int spiral_csv_layout_from_name(const char *name, spiral_csv_layout *out)
{
	if (strcmp(name, "entries") == 0)
		*out = SPIRAL_LAYOUT_ENTRIES;
	else if (strcmp(name, "phases") == 0)
		*out = SPIRAL_LAYOUT_PHASES;
	else
		return spiral_error(SPIRAL_EUSAGE,
				    "--layout takes entries or phases, not '%s'", name);
	return 0;
}

/* ---- reading the cells -------------------------------------------------- */

typedef struct csv_rows {
	spiral_strv *rows;
	size_t n, cap;
	spiral_strv cur;
	int failed;
} csv_rows;

static void on_field(void *s, size_t len, void *user)
{
	csv_rows *t = user;

	if (spiral_strv_push_len(&t->cur, s ? s : "", s ? len : 0) < 0)
		t->failed = 1;
}

static void on_row(int c, void *user)
{
	csv_rows *t = user;

	(void)c;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		spiral_strv *rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows) {
			t->failed = 1;
			spiral_strv_free(&t->cur);
			return;
		}
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->n++] = t->cur;
	memset(&t->cur, 0, sizeof(t->cur));
}

static void rows_free(csv_rows *t)
{
	for (size_t i = 0; i < t->n; i++)
		spiral_strv_free(&t->rows[i]);
	free(t->rows);
	spiral_strv_free(&t->cur);
}

/* The cells, with a BOM dropped; ';' separates them when the first line
 * has a ';' and no ',' (as spreadsheets save CSV where the decimal point
 * is a comma). */
static int read_rows(const char *data, size_t len, csv_rows *t)
{
	struct csv_parser p;
	const char *nl;
	int rc = 0;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	nl = memchr(data, '\n', len);
	{
		size_t first = nl ? (size_t)(nl - data) : len;
		if (!memchr(data, ',', first) && memchr(data, ';', first))
			csv_set_delim(&p, ';');
	}
	if (csv_parse(&p, data, len, on_field, on_row, t) != len ||
	    csv_fini(&p, on_field, on_row, t) != 0) {
		if (csv_error(&p) == CSV_ENOMEM || t->failed)
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		else
			rc = spiral_error(SPIRAL_EFORMAT,
					  "row %zu: not CSV (%s: a quote inside "
					  "a cell that is not quoted, or a quoted "
					  "cell not closed)",
					  t->n + 1, csv_strerror(csv_error(&p)));
	} else if (t->failed) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	csv_free(&p);
	return rc;
}

/* ---- the header ----------------------------------------------------------- */

typedef enum col_kind {
	C_INQUIRY,
	C_TITLE,
	C_SCHOOL,
	C_LEARNERS,
	C_TAGS,
	C_PHASE,
	C_DATE,
	C_AUTHOR,
	C_EMAIL,
	C_TEXT,
	C_EVIDENCE,
	C_MEASURES,
	C_TARGETS,
	C_VERDICT,
	C_CYCLE,
	C_BASELINE,
	C_RESULTS,
	C_ONE_KINDS, /* the single kinds above; below, several columns each */
	C_PHASE_TEXT, /* phases layout: the text of one phase */
	C_MEASURE_ONE, /* "measure NAME", "baseline NAME": one measure */
	C_TARGET_ONE,
	C_RESULT_ONE,
} col_kind;

static const struct {
	const char *name; /* as folded: lowercase, no accents, single spaces */
	col_kind kind;
} header_names[] = {
	{"inquiry", C_INQUIRY}, {"inquiry id", C_INQUIRY}, {"id", C_INQUIRY},
	{"title", C_TITLE}, {"inquiry title", C_TITLE},
	{"school", C_SCHOOL}, {"kura", C_SCHOOL},
	{"learners", C_LEARNERS}, {"learners in focus", C_LEARNERS},
	{"students", C_LEARNERS}, {"akonga", C_LEARNERS},
	{"tags", C_TAGS}, {"tag", C_TAGS}, {"focus area", C_TAGS},
	{"focus areas", C_TAGS},
	{"phase", C_PHASE}, {"stage", C_PHASE},
	{"date", C_DATE}, {"day", C_DATE},
	{"author", C_AUTHOR}, {"teacher", C_AUTHOR}, {"who", C_AUTHOR},
	{"email", C_EMAIL}, {"e mail", C_EMAIL},
	{"text", C_TEXT}, {"entry", C_TEXT}, {"description", C_TEXT},
	{"notes", C_TEXT},
	{"evidence", C_EVIDENCE},
	{"measures", C_MEASURES}, {"measure", C_MEASURES}, {"data", C_MEASURES},
	{"targets", C_TARGETS}, {"target", C_TARGETS},
	{"verdict", C_VERDICT},
	{"cycle", C_CYCLE},
	{"baseline", C_BASELINE}, {"baselines", C_BASELINE},
	{"results", C_RESULTS}, {"result", C_RESULTS},
};

static const struct {
	const char *word;
	col_kind kind;
} header_prefixes[] = {
	{"measure", C_MEASURE_ONE}, {"baseline", C_MEASURE_ONE},
	{"target", C_TARGET_ONE}, {"result", C_RESULT_ONE},
};

typedef struct column {
	col_kind kind;
	spiral_phase phase; /* C_PHASE_TEXT */
	char *measure;      /* C_*_ONE: the measure's name */
} column;

/* s as header names are compared: case, accents and punctuation ignored,
 * words separated by one space.  Allocated. */
static int fold_name(const char *s, char **out)
{
	char *key;
	size_t to = 0;
	int space = 1;
	int rc = spiral_text_key(s, strlen(s), &key);

	if (rc < 0)
		return rc;
	for (size_t i = 0; key[i]; i++) {
		unsigned char c = (unsigned char)key[i];
		if (c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
			if (!space)
				key[to++] = ' ';
			space = 1;
		} else {
			key[to++] = (char)c;
			space = 0;
		}
	}
	while (to && key[to - 1] == ' ')
		to--;
	key[to] = '\0';
	*out = key;
	return 0;
}

/* The one phase a folded text names: itself, or one of its words starts
 * with the phase's name ("Scanning", "Developing a hunch", "Taking
 * action"); SPIRAL_PHASE_NONE when none or more than one. */
static spiral_phase phase_in(const char *folded)
{
	spiral_phase found = SPIRAL_PHASE_NONE;

	for (int p = 0; p < SPIRAL_PHASE_COUNT; p++) {
		const char *name = spiral_phase_get((spiral_phase)p)->name;
		size_t n = strlen(name);
		for (const char *w = folded; w && *w; w = strchr(w, ' ')) {
			if (*w == ' ')
				w++;
			if (strncmp(w, name, n) == 0) {
				if (found != SPIRAL_PHASE_NONE && found != (spiral_phase)p)
					return SPIRAL_PHASE_NONE;
				found = (spiral_phase)p;
				break;
			}
		}
	}
	return found;
}

/* A measure's name from a header's words after the first: spaces become
 * '_' ("measure: reading age" is reading_age). */
static int measure_from_header(const char *header, char **out)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	const char *p = header;
	int rc;

	while (*p && *p != ' ' && *p != ':' && *p != '-' && *p != '_')
		p++; /* the first word */
	while (*p == ' ' || *p == ':' || *p == '-' || *p == '_')
		p++;
	for (; *p; p++)
		spiral_buf_putc(&b, *p == ' ' ? '_' : *p);
	while (b.len && b.ptr[b.len - 1] == '_')
		b.ptr[--b.len] = '\0';
	if (b.failed || !b.len) {
		spiral_buf_free(&b);
		return b.failed ? spiral_error(SPIRAL_ENOMEM, "out of memory")
				: spiral_error(SPIRAL_EUSAGE, "no measure name");
	}
	rc = spiral_measure_name_normalize(b.ptr, out);
	spiral_buf_free(&b);
	return rc;
}

static int problem(spiral_strv *problems, size_t row, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int problem(spiral_strv *problems, size_t row, const char *fmt, ...)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	va_list ap;
	int rc;

	spiral_buf_printf(&b, "row %zu: ", row);
	va_start(ap, fmt);
	spiral_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = b.failed ? SPIRAL_ENOMEM : spiral_strv_push(problems, b.ptr);
	spiral_buf_free(&b);
	return rc < 0 ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

static int read_header(const spiral_strv *head, column *cols,
		       spiral_strv *problems)
{
	for (size_t i = 0; i < head->n; i++) {
		char *f = NULL;
		const char *raw = head->v[i];
		int rc, known = 0;

		cols[i].phase = SPIRAL_PHASE_NONE;
		if (spiral_text_check(raw, strlen(raw), "a column name") < 0 ||
		    (rc = fold_name(raw, &f)) < 0) {
			if ((rc = problem(problems, 1, "column %zu: %s", i + 1,
					  spiral_error_message())) < 0)
				return rc;
			cols[i].kind = C_ONE_KINDS;
			continue;
		}
		for (size_t k = 0; !known && k < sizeof(header_names) / sizeof(*header_names); k++)
			if (strcmp(f, header_names[k].name) == 0) {
				cols[i].kind = header_names[k].kind;
				known = 1;
			}
		for (size_t k = 0; !known && k < sizeof(header_prefixes) / sizeof(*header_prefixes); k++) {
			size_t n = strlen(header_prefixes[k].word);
			if (strncmp(f, header_prefixes[k].word, n) == 0 &&
			    (f[n] == ' ' || (f[n] == 's' && f[n + 1] == ' '))) {
				cols[i].kind = header_prefixes[k].kind;
				known = 1;
				if (measure_from_header(raw, &cols[i].measure) < 0 &&
				    (rc = problem(problems, 1, "column '%s': %s", raw,
						  spiral_error_message())) < 0) {
					free(f);
					return rc;
				}
			}
		}
		if (!known && *f && (cols[i].phase = phase_in(f)) != SPIRAL_PHASE_NONE) {
			cols[i].kind = C_PHASE_TEXT;
			known = 1;
		}
		if (!known) {
			cols[i].kind = C_ONE_KINDS;
			if ((rc = problem(problems, 1,
					  "column %zu, '%s', is not one spiral "
					  "knows (see spiral-import(1), COLUMNS)",
					  i + 1, raw)) < 0) {
				free(f);
				return rc;
			}
		}
		free(f);
	}
	return 0;
}

/* ---- cells ---------------------------------------------------------------- */

static int is_blank(const char *s)
{
	return spiral_text_blank(s, strlen(s));
}

/* s without white space at either end, line ends made LF.  Allocated. */
static char *trimmed(const char *s)
{
	size_t len = strlen(s), a = 0;
	char *t;

	while (a < len && strchr(" \t\r\n", s[a]))
		a++;
	while (len > a && strchr(" \t\r\n", s[len - 1]))
		len--;
	if (!(t = strndup(s + a, len - a)))
		return NULL;
	spiral_text_unix(t, len - a);
	return t;
}

/* A date as schools write it: YYYY-MM-DD, D/M/YYYY, D.M.YYYY or D-M-YYYY
 * (day first, as in New Zealand), a two-digit year meaning 20YY, each
 * with an optional time HH:MM[:SS].  norm gets it as YYYY-MM-DD[THH:MM:SS]
 * (what the id is made of). */
static int csv_date(const char *s, spiral_date *out, char norm[32])
{
	int y, m, d, hh = -1, mm = 0, ss = 0, n = 0;
	char sep, tsep;

	if (strlen(s) > 19 && s[10] == 'T' &&
	    strspn(s, "0123456789") == 4 && s[4] == '-') {
		/* ISO 8601 with seconds and an offset, as spiral writes it */
		if (strlen(s) >= 32 || spiral_date_parse(s, out) < 0)
			return -1;
		snprintf(norm, 32, "%s", s);
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10) {
		/* ISO */
	} else if (sscanf(s, "%2d%c%2d%c%4d%n", &d, &sep, &m, &tsep, &y, &n) == 5 &&
		   sep == tsep && (sep == '/' || sep == '.' || sep == '-')) {
		int ydigits = n - (int)(strchr(strchr(s, sep) + 1, sep) - s) - 1;
		if (ydigits == 2)
			y += 2000;
		else if (ydigits != 4)
			return -1;
	} else {
		return -1;
	}
	s += n;
	if (*s == 'T' || *s == ' ') {
		int k = 0;
		if (sscanf(s + 1, "%2d:%2d%n", &hh, &mm, &k) != 2)
			return -1;
		s += 1 + k;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &ss, &k) != 1)
				return -1;
			s += 1 + k;
		}
	}
	if (*s)
		return -1;
	if (hh < 0)
		snprintf(norm, 32, "%04d-%02d-%02d", y, m, d);
	else
		snprintf(norm, 32, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
	if (m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 59)
		return -1;
	return spiral_date_parse(norm, out) < 0 ? -1 : 0;
}

/* A number with a decimal point, or a decimal comma when it cannot be a
 * thousands separator (one comma, no point, not three digits after it).
 * Rewritten in place as spiral_measure_parse reads it; NULL or why not. */
static const char *csv_number(char *s)
{
	char *comma = strchr(s, ',');

	if (!comma)
		return NULL;
	if (strchr(comma + 1, ',') || strchr(s, '.'))
		return "a comma and a point, or two commas: write the number "
		       "without a thousands separator";
	if (strspn(comma + 1, "0123456789") == 3 && !comma[4])
		return "a comma that may be a thousands separator: write 1500 "
		       "or 1.5";
	*comma = '.';
	return NULL;
}

/* "NAME=NUMBER; NAME=NUMBER" (also one a line) into kvs. */
static int csv_measures(const char *cell, spiral_kvs *kvs, size_t row,
			const char *what, spiral_strv *problems)
{
	char *copy = strdup(cell), *save = NULL;
	int rc = 0;

	if (!copy)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (char *part = strtok_r(copy, ";\n", &save); part && rc == 0;
	     part = strtok_r(NULL, ";\n", &save)) {
		char *t = trimmed(part), *eq, *name, *num;
		const char *why;
		double v;
		spiral_buf pair = SPIRAL_BUF_INIT;

		if (!t) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			break;
		}
		if (!*t) {
			free(t);
			continue;
		}
		if (!(eq = strchr(t, '='))) {
			rc = problem(problems, row, "%s: '%s' is not NAME=NUMBER", what, t);
			free(t);
			continue;
		}
		*eq = '\0';
		name = trimmed(t);
		num = trimmed(eq + 1);
		if (!name || !num) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		} else if ((why = csv_number(num))) {
			rc = problem(problems, row, "%s: '%s': %s", what, eq + 1, why);
		} else {
			char *n = NULL;
			spiral_buf_printf(&pair, "%s=%s", name, num);
			if (pair.failed)
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			else if (spiral_measure_parse(pair.ptr, &n, &v) < 0)
				rc = problem(problems, row, "%s: %s", what,
					     spiral_error_message());
			else if (spiral_kvs_get(kvs, n))
				rc = problem(problems, row, "%s: '%s' given twice", what, n);
			else if (spiral_kvs_set(kvs, n, v) < 0)
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			free(n);
		}
		spiral_buf_free(&pair);
		free(name);
		free(num);
		free(t);
	}
	free(copy);
	return rc;
}

/* Items separated by ';' or one a line (evidence), or also by ',' (tags). */
static int csv_list(const char *cell, const char *seps, spiral_strv *out)
{
	char *copy = strdup(cell), *save = NULL;
	int rc = 0;

	if (!copy)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (char *part = strtok_r(copy, seps, &save); part && rc == 0;
	     part = strtok_r(NULL, seps, &save)) {
		char *t = trimmed(part);
		if (!t)
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		else if (*t && !spiral_strv_contains(out, t))
			rc = spiral_strv_push(out, t);
		free(t);
	}
	free(copy);
	return rc;
}

/* ---- rows into records ------------------------------------------------------ */

typedef struct pending {
	spiral_entry e;
	size_t row;
	char norm[32]; /* the date as the id knows it */
} pending;

typedef struct group {
	spiral_inquiry inq; /* as created, when new */
	const spiral_inquiry *have;
	pending *entries;
	size_t n, cap;
} group;

typedef struct import_state {
	const spiral_store *st;
	const spiral_who *who;
	const column *cols;
	size_t ncols;
	spiral_strv *problems;
	group *groups;
	size_t ngroups, gcap;
	/* The inquiry cell (or title) of each inquiry met, and its id: later
	 * rows of it need not repeat its school. */
	spiral_strv keys, key_ids;
} import_state;

/* An id from text: the first 32 hex digits of its SHA-1. */
static int id_of(const spiral_buf *b, char id[SPIRAL_ID_LEN + 1])
{
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	if (b->failed)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (git_odb_hash(&oid, b->ptr, b->len, GIT_OBJECT_BLOB) < 0)
		return repo_git_fail("cannot make an id");
	git_oid_tostr(hex, sizeof(hex), &oid);
	memcpy(id, hex, SPIRAL_ID_LEN);
	id[SPIRAL_ID_LEN] = '\0';
	return 0;
}

static int cmp_inquiry_key(const void *key, const void *elem)
{
	return strcmp(key, ((const spiral_inquiry *)elem)->id);
}

/* The group of inquiry id, made when new. */
static group *group_for(import_state *s, const char *id)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if (strcmp(s->groups[i].inq.id, id) == 0)
			return &s->groups[i];
	if (s->ngroups == s->gcap) {
		size_t cap = s->gcap ? s->gcap * 2 : 16;
		group *g = realloc(s->groups, cap * sizeof(*g));
		if (!g)
			return NULL;
		s->groups = g;
		s->gcap = cap;
	}
	memset(&s->groups[s->ngroups], 0, sizeof(*s->groups));
	memcpy(s->groups[s->ngroups].inq.id, id, SPIRAL_ID_LEN + 1);
	if (s->st && s->st->ninquiries)
		s->groups[s->ngroups].have =
			bsearch(id, s->st->inquiries, s->st->ninquiries,
				sizeof(*s->st->inquiries), cmp_inquiry_key);
	return &s->groups[s->ngroups++];
}

/* One row's cells by kind (NULL when the column is absent or blank). */
typedef struct row_cells {
	const char *one[C_ONE_KINDS];
	const char *phase_text[SPIRAL_PHASE_COUNT];
} row_cells;

static char *dup_or_null(const char *s)
{
	return s ? trimmed(s) : NULL;
}

/* The entry's id: from everything the row says of it. */
static int entry_id(const char *inq, pending *p)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	char num[40];

	spiral_buf_printf(&b, "spiral import entry\n%s\n%s\n%s\n%d\n%s\n%s\n%s\n",
			  inq, spiral_phase_get(p->e.phase)->name, p->norm,
			  p->e.cycle, p->e.who.author, p->e.who.email ? p->e.who.email : "",
			  spiral_verdict_name(p->e.verdict) ? spiral_verdict_name(p->e.verdict) : "");
	spiral_buf_put(&b, p->e.text, strlen(p->e.text) + 1);
	for (size_t i = 0; i < p->e.evidence.n; i++)
		spiral_buf_put(&b, p->e.evidence.v[i], strlen(p->e.evidence.v[i]) + 1);
	for (size_t i = 0; i < p->e.measures.n; i++) {
		spiral_number_format(p->e.measures.v[i].value, num);
		spiral_buf_printf(&b, "m %s=%s\n", p->e.measures.v[i].name, num);
	}
	for (size_t i = 0; i < p->e.targets.n; i++) {
		spiral_number_format(p->e.targets.v[i].value, num);
		spiral_buf_printf(&b, "t %s=%s\n", p->e.targets.v[i].name, num);
	}
	{
		int rc = id_of(&b, p->e.id);
		spiral_buf_free(&b);
		return rc;
	}
}

static int add_pending(group *g, const pending *p)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		pending *e = realloc(g->entries, cap * sizeof(*e));
		if (!e)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		g->entries = e;
		g->cap = cap;
	}
	g->entries[g->n++] = *p;
	return 0;
}

static int copy_kvs(spiral_kvs *to, const spiral_kvs *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (spiral_kvs_set(to, from->v[i].name, from->v[i].value) < 0)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
	return 0;
}

/* The entry of one phase of a row (text given), with what the row says. */
static int row_entry(import_state *s, group *g, size_t row, spiral_phase phase,
		     const char *text, const row_cells *c, const spiral_who *who,
		     spiral_date date, const char *norm, int cycle,
		     spiral_verdict verdict, const spiral_strv *evidence,
		     const spiral_kvs *measures, const spiral_kvs *targets)
{
	pending p;
	int rc;

	(void)c;
	memset(&p, 0, sizeof(p));
	p.row = row;
	memcpy(p.norm, norm, sizeof(p.norm));
	p.e.phase = phase;
	p.e.date = date;
	p.e.cycle = cycle;
	p.e.verdict = verdict;
	if (!(p.e.text = trimmed(text)) ||
	    !(p.e.who.author = strdup(who->author)) ||
	    (who->email && !(p.e.who.email = strdup(who->email))) ||
	    (who->school && !(p.e.who.school = strdup(who->school))))
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	else if ((rc = copy_kvs(&p.e.measures, measures)) == 0 &&
		 (rc = copy_kvs(&p.e.targets, targets)) == 0) {
		for (size_t i = 0; i < evidence->n && rc == 0; i++)
			rc = spiral_strv_push(&p.e.evidence, evidence->v[i]);
	}
	if (rc == 0)
		for (size_t i = 0; i < p.e.evidence.n && rc == 0; i++)
			if (spiral_text_limit(p.e.evidence.v[i], "an evidence item",
					      SPIRAL_MAX_EVIDENCE) < 0)
				rc = problem(s->problems, row, "%s", spiral_error_message());
	if (rc == 0)
		rc = entry_id(g->inq.id, &p);
	for (size_t i = 0; rc == 0 && i < g->n; i++)
		if (strcmp(g->entries[i].e.id, p.e.id) == 0) {
			rc = problem(s->problems, row,
				     "the same %s entry as row %zu",
				     spiral_phase_get(phase)->name, g->entries[i].row);
			spiral_entry_free(&p.e);
			return rc;
		}
	if (rc == 0 && (rc = add_pending(g, &p)) == 0)
		return 0;
	spiral_entry_free(&p.e);
	return rc;
}

static spiral_verdict verdict_of(const char *s)
{
	char *f = NULL;
	spiral_verdict v = SPIRAL_VERDICT_NONE;

	if (fold_name(s, &f) < 0)
		return v;
	if (strcmp(f, "enough") == 0)
		v = SPIRAL_VERDICT_ENOUGH;
	else if (strcmp(f, "partly") == 0)
		v = SPIRAL_VERDICT_PARTLY;
	else if (strcmp(f, "not enough") == 0)
		v = SPIRAL_VERDICT_NOT_ENOUGH;
	free(f);
	return v;
}

/* The inquiry a row belongs to, set up from its first row. */
static int row_inquiry(import_state *s, size_t row, const row_cells *c,
		       const spiral_who *who, spiral_date date, group **out)
{
	spiral_buf key = SPIRAL_BUF_INIT;
	char id[SPIRAL_ID_LEN + 1];
	char *inq = dup_or_null(c->one[C_INQUIRY]), *title = dup_or_null(c->one[C_TITLE]);
	group *g;
	int rc = 0;

	*out = NULL;
	if ((c->one[C_INQUIRY] && !inq) || (c->one[C_TITLE] && !title)) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (inq && spiral_id_valid(inq)) {
		memcpy(id, inq, sizeof(id));
	} else if (inq || title) {
		const char *k = inq ? inq : title;
		size_t i;
		for (i = 0; i < s->keys.n && strcmp(s->keys.v[i], k) != 0; i++)
			;
		if (i < s->keys.n) {
			memcpy(id, s->key_ids.v[i], sizeof(id));
		} else {
			/* The same inquiry cell and title at the same school
			 * is the same inquiry, in this import and the next;
			 * its first row names it. */
			if (!title) {
				rc = problem(s->problems, row,
					     "no title on the first row of an inquiry");
				goto out;
			}
			spiral_buf_printf(&key, "spiral import inquiry\n%s\n%s\n%s\n",
					  who->school ? who->school : "",
					  inq ? inq : "", title);
			if ((rc = id_of(&key, id)) < 0)
				goto out;
			if (spiral_strv_push(&s->keys, k) < 0 ||
			    spiral_strv_push(&s->key_ids, id) < 0) {
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
				goto out;
			}
		}
	} else {
		rc = problem(s->problems, row, "no title (and no inquiry id)");
		goto out;
	}
	if (!(g = group_for(s, id))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	*out = g;
	if (g->have || g->inq.title0)
		goto out; /* the repository's, or set up by an earlier row */
	if (!title) {
		rc = problem(s->problems, row, "no title for a new inquiry");
		goto out;
	}
	if (spiral_text_limit(title, "the title", SPIRAL_MAX_TITLE) < 0 ||
	    (c->one[C_LEARNERS] &&
	     spiral_text_limit(c->one[C_LEARNERS], "the learners field",
			       SPIRAL_MAX_LEARNERS) < 0)) {
		rc = problem(s->problems, row, "%s", spiral_error_message());
		goto out;
	}
	g->inq.title0 = title;
	title = NULL;
	g->inq.created = date;
	if ((c->one[C_LEARNERS] && !(g->inq.learners0 = trimmed(c->one[C_LEARNERS]))) ||
	    !(g->inq.who.author = strdup(who->author)) ||
	    (who->email && !(g->inq.who.email = strdup(who->email))) ||
	    (who->school && !(g->inq.who.school = strdup(who->school))) ||
	    (c->one[C_TAGS] && csv_list(c->one[C_TAGS], ";,\n", &g->inq.tags0) < 0)) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < g->inq.tags0.n; i++)
		if (!spiral_tag_valid(g->inq.tags0.v[i]) &&
		    (rc = problem(s->problems, row, "tags: '%s' cannot be a tag",
				  g->inq.tags0.v[i])) < 0)
			goto out;
out:
	spiral_buf_free(&key);
	free(inq);
	free(title);
	return rc;
}

static int do_row(import_state *s, spiral_csv_layout layout, size_t row,
		  const spiral_strv *cells)
{
	row_cells c;
	spiral_who who = {0};
	spiral_strv evidence = {0};
	spiral_kvs measures = {0}, targets = {0}, baseline = {0}, results = {0};
	spiral_verdict verdict = SPIRAL_VERDICT_NONE;
	spiral_date date;
	char norm[32];
	size_t before = s->problems->n;
	int cycle = 1, rc = 0;
	group *g = NULL;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < cells->n; i++) {
		const char *v = cells->v[i];
		if (i >= s->ncols) {
			if (!is_blank(v) &&
			    (rc = problem(s->problems, row, "more cells than the header "
					  "has columns")) < 0)
				return rc;
			continue;
		}
		if (spiral_text_check(v, strlen(v), "the cell") < 0) {
			if ((rc = problem(s->problems, row, "column %zu: %s", i + 1,
					  spiral_error_message())) < 0)
				return rc;
			continue;
		}
		if (is_blank(v))
			continue;
		if (s->cols[i].kind < C_ONE_KINDS)
			c.one[s->cols[i].kind] = v;
		else if (s->cols[i].kind == C_PHASE_TEXT)
			c.phase_text[s->cols[i].phase] = v;
	}
	if (s->problems->n > before)
		return 0;
	/* Who and when. */
	who.author = dup_or_null(c.one[C_AUTHOR]);
	who.email = dup_or_null(c.one[C_EMAIL]);
	who.school = dup_or_null(c.one[C_SCHOOL]);
	if ((c.one[C_AUTHOR] && !who.author) || (c.one[C_EMAIL] && !who.email) ||
	    (c.one[C_SCHOOL] && !who.school)) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (!who.author) {
		if (!(who.author = strdup(s->who->author)) ||
		    (!who.email && s->who->email && !(who.email = strdup(s->who->email)))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* Until the row's inquiry is known, a row without a school is the
	 * clone's; then its inquiry's. */
	if (!who.school && s->who->school && !(who.school = strdup(s->who->school))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if (!c.one[C_DATE]) {
		rc = problem(s->problems, row, "no date");
		goto out;
	} else {
		char *d = trimmed(c.one[C_DATE]);
		if (!d) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
		if (csv_date(d, &date, norm) < 0)
			rc = problem(s->problems, row,
				     "date: '%s' is not a date (YYYY-MM-DD or "
				     "DD/MM/YYYY, day first)", d);
		free(d);
		if (rc < 0 || s->problems->n > before)
			goto out;
	}
	if (c.one[C_CYCLE]) {
		char *end;
		long n = strtol(c.one[C_CYCLE], &end, 10);
		while (*end == ' ')
			end++;
		if (*end || n < 1 || n > 1000000) {
			rc = problem(s->problems, row, "cycle: '%s' is not a whole "
				     "number from 1", c.one[C_CYCLE]);
			goto out;
		}
		cycle = (int)n;
	}
	if (c.one[C_VERDICT] &&
	    (verdict = verdict_of(c.one[C_VERDICT])) == SPIRAL_VERDICT_NONE &&
	    (rc = problem(s->problems, row, "verdict: '%s' is not enough, partly "
			  "or not enough", c.one[C_VERDICT])) < 0)
		goto out;
	if ((c.one[C_EVIDENCE] && (rc = csv_list(c.one[C_EVIDENCE], ";\n", &evidence)) < 0) ||
	    (c.one[C_MEASURES] &&
	     (rc = csv_measures(c.one[C_MEASURES], &measures, row, "measures", s->problems)) < 0) ||
	    (c.one[C_TARGETS] &&
	     (rc = csv_measures(c.one[C_TARGETS], &targets, row, "targets", s->problems)) < 0) ||
	    (c.one[C_BASELINE] &&
	     (rc = csv_measures(c.one[C_BASELINE], &baseline, row, "baseline", s->problems)) < 0) ||
	    (c.one[C_RESULTS] &&
	     (rc = csv_measures(c.one[C_RESULTS], &results, row, "results", s->problems)) < 0))
		goto out;
	/* A column per measure: "measure NAME", "target NAME", "result NAME". */
	for (size_t i = 0; i < cells->n && i < s->ncols; i++) {
		const column *col = &s->cols[i];
		spiral_kvs *into = col->kind == C_TARGET_ONE ? &targets
				   : col->kind == C_RESULT_ONE ? &results
				   : layout == SPIRAL_LAYOUT_PHASES ? &baseline
								    : &measures;
		char *num;
		const char *why;
		if (col->kind < C_MEASURE_ONE || !col->measure || is_blank(cells->v[i]))
			continue;
		if (!(num = trimmed(cells->v[i]))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
		if ((why = csv_number(num))) {
			rc = problem(s->problems, row, "column %zu: '%s': %s", i + 1,
				     cells->v[i], why);
		} else {
			spiral_buf pair = SPIRAL_BUF_INIT;
			char *n = NULL;
			double v;
			spiral_buf_printf(&pair, "%s=%s", col->measure, num);
			if (pair.failed)
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			else if (spiral_measure_parse(pair.ptr, &n, &v) < 0)
				rc = problem(s->problems, row, "column %zu: %s", i + 1,
					     spiral_error_message());
			else if (spiral_kvs_get(into, n))
				rc = problem(s->problems, row, "measure '%s' given twice", n);
			else if (spiral_kvs_set(into, n, v) < 0)
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			free(n);
			spiral_buf_free(&pair);
		}
		free(num);
		if (rc < 0)
			goto out;
	}
	if (s->problems->n > before)
		goto out;
	if ((rc = row_inquiry(s, row, &c, &who, date, &g)) < 0 || !g ||
	    s->problems->n > before)
		goto out;
	if (!c.one[C_SCHOOL]) {
		const char *school = g->have ? g->have->who.school : g->inq.who.school;
		free(who.school);
		who.school = NULL;
		if (school && !(who.school = strdup(school))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (layout == SPIRAL_LAYOUT_ENTRIES) {
		spiral_phase phase = SPIRAL_PHASE_NONE;
		char *f = NULL;
		if (!c.one[C_PHASE]) {
			rc = problem(s->problems, row, "no phase");
			goto out;
		}
		if ((rc = fold_name(c.one[C_PHASE], &f)) < 0)
			goto out;
		phase = phase_in(f);
		free(f);
		if (phase == SPIRAL_PHASE_NONE) {
			rc = problem(s->problems, row, "phase: '%s' is not scan, focus, "
				     "hunch, learn, act or check", c.one[C_PHASE]);
			goto out;
		}
		if (!c.one[C_TEXT]) {
			rc = problem(s->problems, row, "no text");
			goto out;
		}
		if (verdict != SPIRAL_VERDICT_NONE && phase != SPIRAL_CHECK) {
			rc = problem(s->problems, row, "a verdict on a %s entry "
				     "(only check takes one)",
				     spiral_phase_get(phase)->name);
			goto out;
		}
		rc = row_entry(s, g, row, phase, c.one[C_TEXT], &c, &who, date, norm,
			       cycle, verdict, &evidence, &measures, &targets);
		goto out;
	}
	/* phases: an entry per phase the row has text for; the baseline and
	 * targets go with the first, results and the verdict with the check
	 * (or the last). */
	{
		int first = -1, last = -1;
		for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
			if (c.phase_text[p]) {
				if (first < 0)
					first = p;
				last = p;
			}
		if (first < 0) {
			rc = problem(s->problems, row, "no text in any phase's column");
			goto out;
		}
		if (verdict != SPIRAL_VERDICT_NONE && !c.phase_text[SPIRAL_CHECK]) {
			rc = problem(s->problems, row, "a verdict without a check");
			goto out;
		}
		if (first == last)
			for (size_t i = 0; i < results.n; i++)
				if (spiral_kvs_get(&baseline, results.v[i].name)) {
					rc = problem(s->problems, row,
						     "measure '%s' has a baseline and a "
						     "result in one entry",
						     results.v[i].name);
					goto out;
				}
		for (int p = first; p <= last && rc == 0; p++) {
			spiral_kvs m = {0}, none = {0};
			spiral_strv no_evidence = {0};
			if (!c.phase_text[p])
				continue;
			if (p == first)
				rc = copy_kvs(&m, &baseline);
			if (rc == 0 && p == last)
				rc = copy_kvs(&m, &results);
			if (rc == 0)
				rc = row_entry(s, g, row, (spiral_phase)p, c.phase_text[p],
					       &c, &who, date, norm, cycle,
					       p == SPIRAL_CHECK ? verdict : SPIRAL_VERDICT_NONE,
					       p == last ? &evidence : &no_evidence, &m,
					       p == first ? &targets : &none);
			spiral_kvs_free(&m);
		}
	}
out:
	spiral_who_free(&who);
	spiral_strv_free(&evidence);
	spiral_kvs_free(&measures);
	spiral_kvs_free(&targets);
	spiral_kvs_free(&baseline);
	spiral_kvs_free(&results);
	return rc;
}

static int cmp_pending(const void *a, const void *b)
{
	const pending *x = a, *y = b;
	int c = spiral_date_cmp(x->e.date, y->e.date);

	if (c)
		return c;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return (int)x->e.phase - (int)y->e.phase;
}

/* Each group's entries in date order (then the sheet's), seq after what
 * the inquiry has, moved into the group's inquiry. */
static int finish_group(group *g)
{
	int64_t seq = g->have ? spiral_inquiry_next_seq(g->have) : 1;

	if (!g->have && g->n) {
		qsort(g->entries, g->n, sizeof(*g->entries), cmp_pending);
		/* Created when its first entry was. */
		if (spiral_date_cmp(g->entries[0].e.date, g->inq.created) < 0)
			g->inq.created = g->entries[0].e.date;
	} else if (g->n) {
		qsort(g->entries, g->n, sizeof(*g->entries), cmp_pending);
	}
	if (!(g->inq.entries = calloc(g->n ? g->n : 1, sizeof(*g->inq.entries))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->n; i++) {
		g->entries[i].e.seq = seq++;
		g->inq.entries[i] = g->entries[i].e;
		memset(&g->entries[i].e, 0, sizeof(g->entries[i].e));
	}
	g->inq.nentries = g->n;
	if (g->have) {
		/* The repository's inquiry record stands: copy it so that
		 * import_records finds it the same and skips it. */
		const spiral_inquiry *h = g->have;
		if (!(g->inq.title0 = strdup(h->title0)))
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	return 0;
}

static int check_layout(const column *cols, size_t n, spiral_csv_layout *layout,
			spiral_strv *problems)
{
	int has[C_ONE_KINDS] = {0}, phases = 0, rc;

	for (size_t i = 0; i < n; i++) {
		if (cols[i].kind < C_ONE_KINDS) {
			if (has[cols[i].kind]++ &&
			    (rc = problem(problems, 1, "column %zu says again what an "
					  "earlier column says", i + 1)) < 0)
				return rc;
		} else if (cols[i].kind == C_PHASE_TEXT) {
			phases++;
		}
	}
	if (*layout == SPIRAL_LAYOUT_AUTO)
		*layout = has[C_PHASE] ? SPIRAL_LAYOUT_ENTRIES
			  : phases     ? SPIRAL_LAYOUT_PHASES
				       : SPIRAL_LAYOUT_AUTO;
	if (*layout == SPIRAL_LAYOUT_AUTO)
		return problem(problems, 1,
			       "no phase column (a row per entry) and no column "
			       "per phase (a row per inquiry): see spiral-import(1)");
	if (*layout == SPIRAL_LAYOUT_ENTRIES) {
		if (phases && (rc = problem(problems, 1, "a column per phase, in a "
					    "sheet of a row per entry")) < 0)
			return rc;
		if (!has[C_PHASE] && (rc = problem(problems, 1, "no phase column")) < 0)
			return rc;
		if (!has[C_TEXT] && (rc = problem(problems, 1, "no text column")) < 0)
			return rc;
	} else {
		if (has[C_PHASE] && (rc = problem(problems, 1, "a phase column, in a "
						  "sheet of a row per inquiry")) < 0)
			return rc;
		if (!phases && (rc = problem(problems, 1, "no column per phase")) < 0)
			return rc;
		if (has[C_TEXT] && (rc = problem(problems, 1, "a text column, in a "
						 "sheet of a column per phase")) < 0)
			return rc;
	}
	if (!has[C_DATE] && (rc = problem(problems, 1, "no date column")) < 0)
		return rc;
	if (!has[C_TITLE] && !has[C_INQUIRY])
		return problem(problems, 1, "no title column (or inquiry column)");
	return 0;
}

int spiral_import_csv(spiral_txn *t, const spiral_store *st, const char *data,
		      size_t len, spiral_csv_layout layout, const spiral_who *who,
		      spiral_strv *problems, spiral_import_result *res)
{
	csv_rows rows = {0};
	column *cols = NULL;
	import_state s = {0};
	spiral_inquiry *inqs = NULL;
	size_t ncols = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = read_rows(data, len, &rows)) < 0)
		goto out;
	if (rows.n == 0) {
		rc = spiral_error(SPIRAL_EFORMAT, "no header row: the file is empty");
		goto out;
	}
	ncols = rows.rows[0].n;
	if (!(cols = calloc(ncols ? ncols : 1, sizeof(*cols)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_header(&rows.rows[0], cols, problems)) < 0 ||
	    (rc = check_layout(cols, ncols, &layout, problems)) < 0)
		goto out;
	if (problems->n) {
		rc = SPIRAL_EFORMAT;
		goto out;
	}
	s.st = st;
	s.who = who;
	s.cols = cols;
	s.ncols = ncols;
	s.problems = problems;
	for (size_t r = 1; r < rows.n && rc == 0; r++) {
		int blank = 1;
		for (size_t i = 0; i < rows.rows[r].n && blank; i++)
			blank = is_blank(rows.rows[r].v[i]);
		if (!blank)
			rc = do_row(&s, layout, r + 1, &rows.rows[r]);
	}
	if (rc < 0)
		goto out;
	if (problems->n) {
		rc = SPIRAL_EFORMAT;
		goto out;
	}
	if (s.ngroups && !(inqs = calloc(s.ngroups, sizeof(*inqs)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s.ngroups && rc == 0; i++) {
		rc = finish_group(&s.groups[i]);
		inqs[i] = s.groups[i].inq;
		memset(&s.groups[i].inq, 0, sizeof(s.groups[i].inq));
	}
	if (rc == 0)
		rc = import_records(t, st, inqs, s.ngroups, 1, res);
out:
	if (rc == SPIRAL_EFORMAT && problems->n)
		spiral_error(rc, "%s", problems->v[0]);
	for (size_t i = 0; i < s.ngroups; i++) {
		for (size_t k = 0; k < s.groups[i].n; k++)
			spiral_entry_free(&s.groups[i].entries[k].e);
		free(s.groups[i].entries);
		spiral_inquiry_free(&s.groups[i].inq);
		if (inqs)
			spiral_inquiry_free(&inqs[i]);
	}
	free(inqs);
	free(s.groups);
	spiral_strv_free(&s.keys);
	spiral_strv_free(&s.key_ids);
	for (size_t i = 0; i < ncols && cols; i++)
		free(cols[i].measure);
	free(cols);
	rows_free(&rows);
	return rc;
}
