/*
 * Three-way merge of one INI file: the work of git's merge driver
 * (spiral merge-file).
 *
 * spiral only ever adds files, so git merges its history as a union and
 * never needs this.  A file changes on two sides only when people edited it
 * by hand; git's text merge would then write conflict markers, which no INI
 * reader understands, and the file would be lost to spiral.  This merge
 * never writes markers and never drops a change.
 *
 * The unit of merge is a key of a section with the ordered list of its
 * decoded values (keys may repeat: paragraphs, evidence items, parents).
 * A unit the same on both sides is kept; one changed (added, deleted) on
 * one side only takes that side's values; one changed differently on both
 * sides keeps ours' values, then theirs', after a comment line that says
 * so, and the reader of a single-valued key then reports it (see
 * record.c).  Sections and keys come in ours' order, then those only
 * theirs has, in theirs' order.  Comments and layout are not kept: the
 * result is written by the codec, so it reads back exactly with any inih.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "internal.h"

/* One value as read, with where it was. */
typedef struct occurrence {
	char *section, *key, *value;
	size_t seq; /* its place in the file */
} occurrence;

/* A key of a section with all its values: a run of a side's occurrences
 * once they are sorted by section, key and place. */
typedef struct unit {
	const occurrence *first;
	size_t n;
} unit;

typedef struct side {
	const char *name; /* "base", "ours", "theirs": for messages */
	occurrence *occ;
	size_t nocc, cap;
	unit *units; /* sorted by section and key */
	size_t nunits;
	spiral_buf scratch; /* names are checked by writing them here */
} side;

/* What the result holds for one unit. */
typedef struct pick {
	const char *section, *key;
	const unit *first, *second; /* values written: first's, then second's */
	int both;                   /* changed on both sides */
	size_t pos;                 /* place in the result before grouping */
	size_t rank;                /* place of its section */
} pick;

static int names_cmp(const char *sa, const char *ka, const char *sb,
		     const char *kb)
{
	int c = strcmp(sa, sb);

	return c ? c : strcmp(ka, kb);
}

static int occurrence_cmp(const void *a, const void *b)
{
	const occurrence *x = a, *y = b;
	int c = names_cmp(x->section, x->key, y->section, y->key);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Refuse a name the writer would refuse, with the line it is on. */
static int check_names(side *s, const char *section, const char *key,
		       int line)
{
	char why[512];
	int rc = 0;

	if (*section)
		rc = spiral_ini_section(&s->scratch, section);
	if (rc == 0)
		rc = spiral_ini_value(&s->scratch, key, "", 0);
	s->scratch.len = 0;
	if (rc == 0)
		return 0;
	if (rc == SPIRAL_ENOMEM)
		return rc;
	snprintf(why, sizeof(why), "%s", spiral_error_message());
	return spiral_error(SPIRAL_EFORMAT, "line %d: %s", line, why);
}

static int on_value(void *user, const char *section, const char *key,
		    const char *value, size_t len, int line)
{
	side *s = user;
	occurrence *o;
	int rc;

	if ((rc = check_names(s, section, key, line)) < 0)
		return rc;
	if (s->nocc == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		o = realloc(s->occ, cap * sizeof(*o));
		if (!o)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		s->occ = o;
		s->cap = cap;
	}
	o = &s->occ[s->nocc];
	o->section = strdup(section);
	o->key = strdup(key);
	o->value = malloc(len + 1);
	if (!o->section || !o->key || !o->value) {
		free(o->section);
		free(o->key);
		free(o->value);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	memcpy(o->value, value, len);
	o->value[len] = '\0';
	o->seq = s->nocc++;
	return 0;
}

/* Parse one side and group its values into units. */
static int side_read(side *s, const char *data, size_t len)
{
	char why[512];
	int line = 0, rc;

	rc = spiral_ini_parse(data, len, on_value, s, &line);
	if (rc == SPIRAL_ENOMEM)
		return rc;
	if (rc != 0) {
		/* The codec's messages start with the line; ours too. */
		snprintf(why, sizeof(why), "%s", spiral_error_message());
		if (strncmp(why, "line ", 5) == 0)
			return spiral_error(SPIRAL_EFORMAT, "%s: %s", s->name,
					    why);
		return spiral_error(SPIRAL_EFORMAT, "%s: line %d: %s", s->name,
				    line, why);
	}
	if (s->nocc == 0)
		return 0;
	qsort(s->occ, s->nocc, sizeof(*s->occ), occurrence_cmp);
	s->units = calloc(s->nocc, sizeof(*s->units));
	if (!s->units)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nocc; i++) {
		const occurrence *o = &s->occ[i];
		unit *last = s->nunits ? &s->units[s->nunits - 1] : NULL;

		if (last && names_cmp(last->first->section, last->first->key,
				      o->section, o->key) == 0) {
			last->n++;
			continue;
		}
		s->units[s->nunits].first = o;
		s->units[s->nunits].n = 1;
		s->nunits++;
	}
	return 0;
}

static void side_free(side *s)
{
	for (size_t i = 0; i < s->nocc; i++) {
		free(s->occ[i].section);
		free(s->occ[i].key);
		free(s->occ[i].value);
	}
	free(s->occ);
	free(s->units);
	spiral_buf_free(&s->scratch);
}

static const unit *side_find(const side *s, const char *section,
			     const char *key)
{
	size_t lo = 0, hi = s->nunits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const occurrence *o = s->units[mid].first;
		int c = names_cmp(section, key, o->section, o->key);

		if (c == 0)
			return &s->units[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Same values in the same order; an absent unit has none. */
static int units_equal(const unit *a, const unit *b)
{
	size_t na = a ? a->n : 0, nb = b ? b->n : 0;

	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a->first[i].value, b->first[i].value) != 0)
			return 0;
	return 1;
}

/* The place in its file of a unit's first value. */
static int unit_seq_cmp(const void *a, const void *b)
{
	const unit *x = *(const unit *const *)a, *y = *(const unit *const *)b;

	return x->first->seq < y->first->seq ? -1
					     : x->first->seq > y->first->seq;
}

/* A side's units in the order of the file; free *out. */
static int units_in_order(const side *s, const unit ***out)
{
	const unit **v;

	*out = NULL;
	if (s->nunits == 0)
		return 0;
	v = malloc(s->nunits * sizeof(*v));
	if (!v)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nunits; i++)
		v[i] = &s->units[i];
	qsort(v, s->nunits, sizeof(*v), unit_seq_cmp);
	*out = v;
	return 0;
}

/* Decide one unit; adds a pick unless it is gone from the result. */
static void decide(const side *sides, const char *section, const char *key,
		   pick *picks, size_t *npicks)
{
	const unit *b = side_find(&sides[0], section, key);
	const unit *o = side_find(&sides[1], section, key);
	const unit *t = side_find(&sides[2], section, key);
	pick p = {section, key, NULL, NULL, 0, *npicks, 0};

	if (units_equal(o, t) || units_equal(b, t)) {
		p.first = o;
	} else if (units_equal(b, o)) {
		p.first = t;
	} else {
		p.first = o;
		p.second = t;
		p.both = 1;
	}
	if (!p.first && !p.second)
		return; /* deleted */
	if (!p.first) {
		p.first = p.second;
		p.second = NULL;
	}
	picks[(*npicks)++] = p;
}

static int pick_name_cmp(const void *a, const void *b)
{
	const pick *x = a, *y = b;
	int c = strcmp(x->section, y->section);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int pick_rank_cmp(const void *a, const void *b)
{
	const pick *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Keys of a section go together, the sections in the order they first
 * come; keys outside any section first of all, since a reader gives any
 * key after a section header to that section.
 */
static void group_by_section(pick *picks, size_t n)
{
	size_t start = 0;

	qsort(picks, n, sizeof(*picks), pick_name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(picks[i].section, picks[i - 1].section))
			start = i;
		/* The first of a run has the smallest place of its section. */
		picks[i].rank = *picks[i].section ? picks[start].pos + 1 : 0;
	}
	qsort(picks, n, sizeof(*picks), pick_rank_cmp);
}

static int put_values(spiral_buf *out, const unit *u)
{
	int rc;

	for (size_t i = 0; u && i < u->n; i++) {
		const occurrence *o = &u->first[i];
		if ((rc = spiral_ini_value(out, o->key, o->value,
					   strlen(o->value))) < 0)
			return rc;
	}
	return 0;
}

static int put_picks(spiral_buf *out, const pick *picks, size_t n)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		const pick *p = &picks[i];
		if (*p->section &&
		    (i == 0 || strcmp(p->section, picks[i - 1].section)) &&
		    (rc = spiral_ini_section(out, p->section)) < 0)
			return rc;
		if (p->both &&
		    (rc = spiral_buf_printf(out,
					    SPIRAL_MERGE_NOTE
					    "%s changed on both sides: %s\n",
					    p->key,
					    p->second ? "ours first, then theirs"
						      : "deleted on one side, "
							"kept as the other "
							"changed it")) < 0)
			return rc;
		if ((rc = put_values(out, p->first)) < 0 ||
		    (rc = put_values(out, p->second)) < 0)
			return rc;
	}
	return 0;
}

static int merge_sides(const side *sides, spiral_buf *out, size_t *both)
{
	const unit **ours = NULL, **theirs = NULL;
	pick *picks;
	size_t n = 0;
	int rc;

	picks = malloc((sides[1].nunits + sides[2].nunits + 1) * sizeof(*picks));
	if (!picks)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if ((rc = units_in_order(&sides[1], &ours)) < 0 ||
	    (rc = units_in_order(&sides[2], &theirs)) < 0)
		goto done;
	for (size_t i = 0; i < sides[1].nunits; i++)
		decide(sides, ours[i]->first->section, ours[i]->first->key,
		       picks, &n);
	for (size_t i = 0; i < sides[2].nunits; i++) {
		const occurrence *o = theirs[i]->first;
		if (!side_find(&sides[1], o->section, o->key))
			decide(sides, o->section, o->key, picks, &n);
	}
	group_by_section(picks, n);
	*both = 0;
	for (size_t i = 0; i < n; i++)
		*both += (size_t)picks[i].both;
	rc = put_picks(out, picks, n);
done:
	free(ours);
	free(theirs);
	free(picks);
	return rc;
}

int spiral_ini_merge3(const char *base, size_t blen, const char *ours,
		      size_t olen, const char *theirs, size_t tlen,
		      spiral_buf *out, size_t *both_changed)
{
	side sides[3] = {{.name = "base"}, {.name = "ours"}, {.name = "theirs"}};
	spiral_buf result = SPIRAL_BUF_INIT;
	size_t both = 0;
	int rc;

	if ((rc = side_read(&sides[0], base, blen)) < 0 ||
	    (rc = side_read(&sides[1], ours, olen)) < 0 ||
	    (rc = side_read(&sides[2], theirs, tlen)) < 0 ||
	    (rc = merge_sides(sides, &result, &both)) < 0)
		goto done;
	/* Only now is out touched: a failure leaves it as it was. */
	if ((rc = spiral_buf_put(out, result.ptr ? result.ptr : "",
				 result.len)) < 0)
		goto done;
	if (both_changed)
		*both_changed = both;
done:
	for (int i = 0; i < 3; i++)
		side_free(&sides[i]);
	spiral_buf_free(&result);
	return rc;
}

/* The keys the merge marked as changed on both sides (its comment lines). */
static int both_changed_keys(const spiral_buf *merged, spiral_strv *keys)
{
	static const char note[] = SPIRAL_MERGE_NOTE;
	const char *s = merged->ptr, *end = s + merged->len, *nl;

	for (; s && s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		if (strncmp(s, note, sizeof(note) - 1) == 0 &&
		    spiral_strv_push_len(keys, s + sizeof(note) - 1,
					 strcspn(s + sizeof(note) - 1, " \n")) < 0)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	return 0;
}

int spiral_merge_files(const char *base, const char *ours, const char *theirs,
		       spiral_strv *both_keys)
{
	const char *paths[3] = {base, ours, theirs};
	char *data[3] = {NULL, NULL, NULL};
	size_t len[3] = {0, 0, 0}, both = 0;
	spiral_buf merged = SPIRAL_BUF_INIT;
	struct stat st;
	int rc = 0;

	/* No link is followed: OURS is replaced, never written through. */
	for (int i = 0; rc == 0 && i < 3; i++)
		rc = read_file_bounded(paths[i], SPIRAL_MAX_FILE, &data[i], &len[i]);
	if (rc == 0 && stat(ours, &st) < 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot read %s", ours);
	if (rc == 0)
		rc = spiral_ini_merge3(data[0], len[0], data[1], len[1], data[2],
				       len[2], &merged, &both);
	if (rc == 0)
		rc = write_atomic(ours, ours, merged.ptr ? merged.ptr : "", merged.len,
				  (unsigned)st.st_mode);
	if (rc == 0 && both)
		rc = both_changed_keys(&merged, both_keys);
	for (int i = 0; i < 3; i++)
		free(data[i]);
	spiral_buf_free(&merged);
	return rc;
}
