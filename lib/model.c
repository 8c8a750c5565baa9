/* The model: an inquiry's current state is folded from its records, in an
 * order that depends only on the records (seq, then date, then id), so every
 * clone computes the same state whatever order merges happened in.  seq is a
 * Lamport counter: a record sorts after everything its writer had seen,
 * whatever the clocks said. */
#include <stdlib.h>
#include <string.h>

#include "spiral.h"

void spiral_who_free(spiral_who *w)
{
	free(w->author);
	free(w->email);
	free(w->school);
	memset(w, 0, sizeof(*w));
}

void spiral_entry_free(spiral_entry *e)
{
	free(e->path);
	spiral_who_free(&e->who);
	free(e->text);
	spiral_strv_free(&e->evidence);
	spiral_kvs_free(&e->measures);
	spiral_kvs_free(&e->targets);
	memset(e, 0, sizeof(*e));
}

void spiral_note_free(spiral_note *n)
{
	free(n->path);
	spiral_who_free(&n->who);
	free(n->text);
	memset(n, 0, sizeof(*n));
}

void spiral_change_free(spiral_change *c)
{
	free(c->path);
	spiral_who_free(&c->who);
	free(c->value);
	spiral_strv_free(&c->parents);
	memset(c, 0, sizeof(*c));
}

static void conflicts_free(spiral_inquiry *inq)
{
	for (size_t i = 0; i < inq->nconflicts; i++) {
		spiral_strv_free(&inq->conflicts[i].values);
		spiral_strv_free(&inq->conflicts[i].heads);
	}
	free(inq->conflicts);
	inq->conflicts = NULL;
	inq->nconflicts = 0;
}

void spiral_inquiry_free(spiral_inquiry *inq)
{
	free(inq->dir);
	if (!inq->borrowed) {
		free(inq->title0);
		free(inq->learners0);
		free(inq->continues);
		spiral_who_free(&inq->who);
		spiral_strv_free(&inq->tags0);
		spiral_strv_free(&inq->team0);
		for (size_t i = 0; i < inq->nentries; i++)
			spiral_entry_free(&inq->entries[i]);
		for (size_t i = 0; i < inq->nnotes; i++)
			spiral_note_free(&inq->notes[i]);
		for (size_t i = 0; i < inq->nchanges; i++)
			spiral_change_free(&inq->changes[i]);
		free(inq->entries);
		free(inq->notes);
		free(inq->changes);
		spiral_strv_free(&inq->tags);
		spiral_strv_free(&inq->team);
		for (int i = 0; i < 3; i++)
			free(inq->owned[i]);
		conflicts_free(inq);
	} else {
		free(inq->conflicts); /* its values are borrowed */
	}
	for (int f = 0; f < SPIRAL_FIELD_COUNT; f++)
		spiral_strv_free(&inq->heads[f]);
	memset(inq, 0, sizeof(*inq));
}

size_t spiral_inquiry_entry_count(const spiral_inquiry *inq)
{
	return inq->summary ? inq->counts[0] : inq->nentries;
}

static int by_seq_date_id(int64_t sa, spiral_date da, const char *ia,
			  int64_t sb, spiral_date db, const char *ib)
{
	int c = (sa > sb) - (sa < sb);

	if (!c)
		c = spiral_date_cmp(da, db);
	return c ? c : strcmp(ia, ib);
}

static int cmp_entry(const void *a, const void *b)
{
	const spiral_entry *x = a, *y = b;
	return by_seq_date_id(x->seq, x->date, x->id, y->seq, y->date, y->id);
}

static int cmp_note(const void *a, const void *b)
{
	const spiral_note *x = a, *y = b;
	return by_seq_date_id(x->seq, x->date, x->id, y->seq, y->date, y->id);
}

static int cmp_change(const void *a, const void *b)
{
	const spiral_change *x = a, *y = b;
	return by_seq_date_id(x->seq, x->date, x->id, y->seq, y->date, y->id);
}

int64_t spiral_inquiry_next_seq(const spiral_inquiry *inq)
{
	int64_t max = 0;

	for (size_t i = 0; i < inq->nentries; i++)
		if (inq->entries[i].seq > max)
			max = inq->entries[i].seq;
	for (size_t i = 0; i < inq->nnotes; i++)
		if (inq->notes[i].seq > max)
			max = inq->notes[i].seq;
	for (size_t i = 0; i < inq->nchanges; i++)
		if (inq->changes[i].seq > max)
			max = inq->changes[i].seq;
	/* At the ceiling (only a hand-made file gets there) new records tie
	 * and sort by date: better than a file no reader accepts. */
	return max < SPIRAL_SEQ_MAX ? max + 1 : SPIRAL_SEQ_MAX;
}

/*
 * Folding is near linear in what the inquiry holds, whatever its records
 * say: every "is this named?" question is a binary search in a sorted
 * array built once per field, never a scan of all the changes (a repository
 * of 1,000 changes each naming 1,000 parents must not cost 10^9 steps).
 */
static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids that changes of field f with op op name as parents, sorted. */
static int named_parents(const spiral_inquiry *inq, spiral_field f, spiral_op op,
			 const char ***out, size_t *n)
{
	size_t total = 0, k = 0;
	const char **v;

	for (size_t i = 0; i < inq->nchanges; i++)
		if (inq->changes[i].field == f && inq->changes[i].op == op)
			total += inq->changes[i].parents.n;
	if (!(v = malloc((total + 1) * sizeof(*v))))
		return SPIRAL_ENOMEM;
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field != f || c->op != op)
			continue;
		for (size_t j = 0; j < c->parents.n; j++)
			v[k++] = c->parents.v[j];
	}
	if (total > 1)
		qsort(v, total, sizeof(*v), cmp_str_ptr);
	*out = v;
	*n = total;
	return 0;
}

static int is_named(const char *const *v, size_t n, const char *id)
{
	return n && bsearch(&id, v, n, sizeof(*v), cmp_str_ptr) != NULL;
}

/* A string and its place in the records' order. */
typedef struct ranked {
	const char *s;
	size_t order;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int cmp_order(const void *a, const void *b)
{
	const ranked *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

/* Keeps, of v[0..n), the first of each distinct string, in their order;
 * returns how many remain. */
static size_t first_of_each(ranked *v, size_t n)
{
	size_t kept = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), cmp_ranked);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i].s, v[i - 1].s) != 0)
			v[kept++] = v[i];
	qsort(v, kept, sizeof(*v), cmp_order);
	return kept;
}

static const char *base_value(const spiral_inquiry *inq, spiral_field f)
{
	switch (f) {
	case SPIRAL_FIELD_TITLE:
		return inq->title0 ? inq->title0 : "";
	case SPIRAL_FIELD_LEARNERS:
		return inq->learners0 ? inq->learners0 : "";
	default:
		return "active";
	}
}

/* A change of a single-valued field is a head when no other change of that
 * field names it as a parent. */
static int fold_single(spiral_inquiry *inq, spiral_field f, const char **value)
{
	const spiral_change *latest = NULL;
	spiral_conflict conflict = {f, {0}, {0}};
	const char **named = NULL;
	ranked *heads = malloc((inq->nchanges + 1) * sizeof(*heads));
	size_t nnamed = 0, nheads = 0, distinct;

	if (!heads || named_parents(inq, f, SPIRAL_OP_SET, &named, &nnamed) < 0)
		goto oom;
	/* Changes are sorted, so heads arrive oldest first. */
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field != f || c->op != SPIRAL_OP_SET ||
		    is_named(named, nnamed, c->id))
			continue;
		if (spiral_strv_push(&inq->heads[f], c->id) < 0)
			goto oom;
		heads[nheads].s = c->value;
		heads[nheads++].order = i;
		latest = c;
	}
	*value = latest ? latest->value : base_value(inq, f);
	/* The distinct values, each with its oldest head, oldest first. */
	distinct = first_of_each(heads, nheads);
	if (distinct > 1) {
		spiral_conflict *v;
		for (size_t k = 0; k < distinct; k++)
			if (spiral_strv_push(&conflict.values, heads[k].s) < 0 ||
			    spiral_strv_push(&conflict.heads,
					     inq->changes[heads[k].order].id) < 0)
				goto oom;
		v = realloc(inq->conflicts, (inq->nconflicts + 1) * sizeof(*v));
		if (!v)
			goto oom;
		inq->conflicts = v;
		inq->conflicts[inq->nconflicts++] = conflict;
	} else {
		spiral_strv_free(&conflict.values);
		spiral_strv_free(&conflict.heads);
	}
	free(named);
	free(heads);
	return 0;
oom:
	spiral_strv_free(&conflict.values);
	spiral_strv_free(&conflict.heads);
	free(named);
	free(heads);
	return spiral_error(SPIRAL_ENOMEM, "out of memory");
}

/* Removals of a set field, as (value, addition id) pairs, sorted: an
 * addition stands unless a removal of the same value names it. */
typedef struct removal {
	const char *value, *add;
} removal;

static int cmp_removal(const void *a, const void *b)
{
	const removal *x = a, *y = b;
	int c = strcmp(x->value, y->value);

	return c ? c : strcmp(x->add, y->add);
}

static int removals_of(const spiral_inquiry *inq, spiral_field f, removal **out,
		       size_t *n)
{
	size_t total = 0, k = 0;
	removal *v;

	for (size_t i = 0; i < inq->nchanges; i++)
		if (inq->changes[i].field == f && inq->changes[i].op == SPIRAL_OP_REMOVE)
			total += inq->changes[i].parents.n;
	if (!(v = malloc((total + 1) * sizeof(*v))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field != f || c->op != SPIRAL_OP_REMOVE)
			continue;
		for (size_t j = 0; j < c->parents.n; j++) {
			v[k].value = c->value;
			v[k++].add = c->parents.v[j];
		}
	}
	if (total > 1)
		qsort(v, total, sizeof(*v), cmp_removal);
	*out = v;
	*n = total;
	return 0;
}

static int is_removed(const removal *v, size_t n, const char *value,
		      const char *add_id)
{
	removal key = {value, add_id};

	return n && bsearch(&key, v, n, sizeof(*v), cmp_removal) != NULL;
}

int spiral_inquiry_set_adds(const spiral_inquiry *inq, spiral_field f,
			    const char *value, spiral_strv *out)
{
	const spiral_strv *initial = f == SPIRAL_FIELD_TAG ? &inq->tags0 : &inq->team0;
	removal *rm;
	size_t nrm;
	int rc = removals_of(inq, f, &rm, &nrm);

	if (rc < 0)
		return rc;
	if (spiral_strv_contains(initial, value) &&
	    !is_removed(rm, nrm, value, inq->id))
		rc = spiral_strv_push(out, inq->id);
	for (size_t i = 0; rc == 0 && i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field == f && c->op == SPIRAL_OP_ADD &&
		    strcmp(c->value, value) == 0 && !is_removed(rm, nrm, value, c->id))
			rc = spiral_strv_push(out, c->id);
	}
	free(rm);
	return rc < 0 ? SPIRAL_ENOMEM : 0;
}

int spiral_inquiry_room(const spiral_inquiry *inq, const char *folder,
			spiral_field f, const char *value)
{
	size_t n = strcmp(folder, "entries") == 0 ? inq->nentries
		   : strcmp(folder, "notes") == 0 ? inq->nnotes
						  : inq->nchanges;
	const spiral_strv *set = f == SPIRAL_FIELD_TAG	  ? &inq->tags
				 : f == SPIRAL_FIELD_TEAM ? &inq->team
							  : NULL;

	if (n >= SPIRAL_MAX_RECORDS)
		return spiral_error(SPIRAL_ERROR,
				    "inquiry %.12s holds %zu %s, the most it may "
				    "(see LIMITS in spiral(5))",
				    inq->id, n, folder);
	if (set && value && set->n >= SPIRAL_MAX_VALUES &&
	    !spiral_strv_contains(set, value))
		return spiral_error(SPIRAL_ERROR,
				    "inquiry %.12s has %zu values of %s, the most it "
				    "may (see LIMITS in spiral(5))",
				    inq->id, set->n, spiral_field_name(f));
	return 0;
}

int spiral_inquiry_room_many(const spiral_inquiry *inq, spiral_field f,
			     const spiral_strv *adds)
{
	const spiral_strv *set = f == SPIRAL_FIELD_TAG ? &inq->tags : &inq->team;
	size_t fresh = 0;

	if (inq->nchanges + adds->n > SPIRAL_MAX_RECORDS)
		return spiral_error(SPIRAL_ERROR,
				    "inquiry %.12s holds %zu changes; %zu more would "
				    "pass the %d it may (see LIMITS in spiral(5))",
				    inq->id, inq->nchanges, adds->n, SPIRAL_MAX_RECORDS);
	for (size_t i = 0; i < adds->n; i++) {
		int seen = spiral_strv_contains(set, adds->v[i]);
		for (size_t k = 0; !seen && k < i; k++)
			seen = strcmp(adds->v[k], adds->v[i]) == 0;
		fresh += !seen;
	}
	if (set->n + fresh > SPIRAL_MAX_VALUES)
		return spiral_error(SPIRAL_ERROR,
				    "inquiry %.12s has %zu values of %s; %zu more would "
				    "pass the %d it may (see LIMITS in spiral(5))",
				    inq->id, set->n, spiral_field_name(f), fresh,
				    SPIRAL_MAX_VALUES);
	return 0;
}

/* The values of a set still added, sorted; at most SPIRAL_MAX_VALUES of
 * them, the first added (over_limit says when some were left out). */
static int fold_set(spiral_inquiry *inq, spiral_field f, spiral_strv *out)
{
	const spiral_strv *initial = f == SPIRAL_FIELD_TAG ? &inq->tags0 : &inq->team0;
	ranked *standing = malloc((initial->n + inq->nchanges + 1) * sizeof(*standing));
	removal *rm = NULL;
	size_t nrm = 0, n = 0;
	int rc = SPIRAL_ENOMEM;

	if (!standing || removals_of(inq, f, &rm, &nrm) < 0)
		goto done;
	for (size_t i = 0; i < initial->n; i++)
		if (!is_removed(rm, nrm, initial->v[i], inq->id)) {
			standing[n].s = initial->v[i];
			standing[n].order = n;
			n++;
		}
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field != f || c->op != SPIRAL_OP_ADD ||
		    is_removed(rm, nrm, c->value, c->id))
			continue;
		standing[n].s = c->value;
		standing[n].order = n;
		n++;
	}
	n = first_of_each(standing, n);
	if (n > SPIRAL_MAX_VALUES) {
		inq->over_limit |= 1u << f;
		n = SPIRAL_MAX_VALUES;
	}
	for (size_t i = 0; i < n; i++)
		if (spiral_strv_push(out, standing[i].s) < 0)
			goto done;
	spiral_strv_sort(out);
	rc = 0;
done:
	free(standing);
	free(rm);
	return rc == 0 ? 0 : spiral_error(SPIRAL_ENOMEM, "out of memory");
}

static void fold_activity(spiral_inquiry *inq)
{
	inq->updated = inq->created;
	inq->last_entry = inq->created;
	inq->phase = SPIRAL_PHASE_NONE;
	inq->cycle = 1;
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		int next = e->cycle + (e->new_cycle ? 1 : 0);
		if (next > inq->cycle)
			inq->cycle = next;
	}
	/* The phase is the last entry's in causal order; the dates are the
	 * latest any record gives, wherever it sorts.  The last entry is the
	 * latest entry's date even when the inquiry was created later (entries
	 * logged with --date for work done before): the contract counts from
	 * the creation only an inquiry with no entries. */
	if (inq->nentries) {
		inq->phase = inq->entries[inq->nentries - 1].phase;
		inq->last_entry = inq->entries[0].date;
	}
	for (size_t i = 0; i < inq->nentries; i++) {
		if (spiral_date_cmp(inq->entries[i].date, inq->last_entry) > 0)
			inq->last_entry = inq->entries[i].date;
		if (spiral_date_cmp(inq->entries[i].date, inq->updated) > 0)
			inq->updated = inq->entries[i].date;
	}
	for (size_t i = 0; i < inq->nnotes; i++)
		if (spiral_date_cmp(inq->notes[i].date, inq->updated) > 0)
			inq->updated = inq->notes[i].date;
	for (size_t i = 0; i < inq->nchanges; i++)
		if (spiral_date_cmp(inq->changes[i].date, inq->updated) > 0)
			inq->updated = inq->changes[i].date;
}

int spiral_inquiry_fold(spiral_inquiry *inq)
{
	if (inq->nentries > 1)
		qsort(inq->entries, inq->nentries, sizeof(*inq->entries), cmp_entry);
	if (inq->nnotes > 1)
		qsort(inq->notes, inq->nnotes, sizeof(*inq->notes), cmp_note);
	if (inq->nchanges > 1)
		qsort(inq->changes, inq->nchanges, sizeof(*inq->changes), cmp_change);

	conflicts_free(inq);
	spiral_strv_free(&inq->tags);
	spiral_strv_free(&inq->team);
	for (int f = 0; f < SPIRAL_FIELD_COUNT; f++)
		spiral_strv_free(&inq->heads[f]);
	inq->over_limit = 0;

	if (fold_single(inq, SPIRAL_FIELD_TITLE, &inq->title) < 0 ||
	    fold_single(inq, SPIRAL_FIELD_LEARNERS, &inq->learners) < 0 ||
	    fold_single(inq, SPIRAL_FIELD_STATUS, &inq->status) < 0 ||
	    fold_set(inq, SPIRAL_FIELD_TAG, &inq->tags) < 0 ||
	    fold_set(inq, SPIRAL_FIELD_TEAM, &inq->team) < 0)
		return SPIRAL_ENOMEM;
	inq->closed = strcmp(inq->status, "closed") == 0;
	fold_activity(inq);
	return 0;
}

/* One value of a measure or target, with its cycle and its place in the
 * records' order. */
typedef struct measure_value {
	const char *name;
	int cycle;
	size_t order;
	int target;
	double value;
} measure_value;

static int cmp_measure_value(const void *a, const void *b)
{
	const measure_value *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = (x->cycle > y->cycle) - (x->cycle < y->cycle);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int cmp_cycle_no(const void *a, const void *b)
{
	const spiral_cycle *x = a, *y = b;

	return (x->cycle > y->cycle) - (x->cycle < y->cycle);
}

static spiral_cycle *cycle_find(spiral_cycle *cycles, size_t n, int cycle)
{
	spiral_cycle key;

	key.cycle = cycle;
	return bsearch(&key, cycles, n, sizeof(*cycles), cmp_cycle_no);
}

/* The contract: with no target, or a target equal to the baseline, both
 * target and progress are null; a carried target follows the same rule. */
static void measure_progress(spiral_measure_summary *s)
{
	if (s->has_target && s->has_baseline && s->target == s->baseline)
		s->has_target = 0;
	if (s->has_target && s->has_baseline && s->has_latest) {
		s->has_progress = 1;
		s->progress = (s->latest - s->baseline) / (s->target - s->baseline);
	}
	if (s->has_carried && s->has_baseline && s->carried_target == s->baseline)
		s->has_carried = 0;
	if (s->has_carried && s->has_baseline && s->has_latest) {
		s->has_carried_progress = 1;
		s->carried_progress = (s->latest - s->baseline) /
				      (s->carried_target - s->baseline);
	}
}

/* A new summary at the end of c's measures; NULL when out of memory. */
static spiral_measure_summary *cycle_measure_add(spiral_cycle *c, size_t *cap,
						 const char *name)
{
	spiral_measure_summary *s;

	if (c->nmeasures == *cap) {
		size_t grown = *cap ? 2 * *cap : 4;
		s = realloc(c->measures, grown * sizeof(*s));
		if (!s)
			return NULL;
		c->measures = s;
		*cap = grown;
	}
	s = &c->measures[c->nmeasures];
	memset(s, 0, sizeof(*s));
	if (!(s->name = strdup(name)))
		return NULL;
	c->nmeasures++;
	return s;
}

/* Fills the measures of cycles[0..n) (sorted by number, distinct) from
 * every value of the inquiry up to the last of them.  Sorting every value
 * by name, then cycle, once keeps this near linear however many measures
 * and cycles the entries hold; a measure's carried target is the last
 * target of the latest earlier cycle that set one. */
static int cycles_measures(const spiral_inquiry *inq, spiral_cycle *cycles,
			   size_t n)
{
	int upto = n ? cycles[n - 1].cycle : 0;
	size_t total = 0, k = 0, *cap = calloc(n + 1, sizeof(*cap));
	measure_value *v = NULL;

	if (!cap)
		goto oom;
	for (size_t i = 0; i < inq->nentries; i++)
		if (inq->entries[i].cycle <= upto)
			total += inq->entries[i].measures.n + inq->entries[i].targets.n;
	if (!(v = malloc((total + 1) * sizeof(*v))))
		goto oom;
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (e->cycle > upto)
			continue;
		for (size_t j = 0; j < e->measures.n; j++, k++)
			v[k] = (measure_value){e->measures.v[j].name, e->cycle, k, 0,
					       e->measures.v[j].value};
		for (size_t j = 0; j < e->targets.n; j++, k++)
			v[k] = (measure_value){e->targets.v[j].name, e->cycle, k, 1,
					       e->targets.v[j].value};
	}
	if (total > 1)
		qsort(v, total, sizeof(*v), cmp_measure_value);
	for (k = 0; k < total;) {
		/* One name: its cycles in order, carrying the last target. */
		const char *name = v[k].name;
		int has_carry = 0, carry_cycle = 0;
		double carry = 0;

		while (k < total && strcmp(v[k].name, name) == 0) {
			int cycle = v[k].cycle, has_target = 0;
			double target = 0;
			spiral_cycle *c = cycle_find(cycles, n, cycle);
			spiral_measure_summary *s = NULL;

			if (c && !(s = cycle_measure_add(c, &cap[c - cycles], name)))
				goto oom;
			for (; k < total && v[k].cycle == cycle &&
			       strcmp(v[k].name, name) == 0;
			     k++) {
				if (v[k].target) {
					has_target = 1;
					target = v[k].value;
				} else if (s && !s->has_baseline) {
					s->has_baseline = s->has_latest = 1;
					s->baseline = s->latest = v[k].value;
				} else if (s) {
					s->latest = v[k].value;
				}
			}
			if (s) {
				s->has_target = has_target;
				s->target = target;
				s->has_carried = !has_target && has_carry;
				s->carried_target = carry;
				s->carried_cycle = carry_cycle;
				measure_progress(s);
			}
			if (has_target) {
				has_carry = 1;
				carry = target;
				carry_cycle = cycle;
			}
		}
	}
	free(v);
	free(cap);
	return 0;
oom:
	free(v);
	free(cap);
	for (size_t i = 0; i < n; i++) {
		spiral_measures_free(cycles[i].measures, cycles[i].nmeasures);
		cycles[i].measures = NULL;
		cycles[i].nmeasures = 0;
	}
	return spiral_error(SPIRAL_ENOMEM, "out of memory");
}

int spiral_inquiry_measures(const spiral_inquiry *inq, int cycle,
			    spiral_measure_summary **out, size_t *n)
{
	spiral_cycle one;
	int rc;

	memset(&one, 0, sizeof(one));
	one.cycle = cycle;
	if ((rc = cycles_measures(inq, &one, 1)) < 0)
		return rc;
	*out = one.measures;
	*n = one.nmeasures;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int spiral_inquiry_cycles(const spiral_inquiry *inq, spiral_cycle **out,
			  size_t *n)
{
	int *numbers = malloc((inq->nentries + 1) * sizeof(*numbers));
	spiral_cycle *cycles = NULL;
	size_t count = 0, k = 0;

	if (!numbers)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	/* The cycles that have entries, and the one the inquiry is in. */
	for (size_t i = 0; i < inq->nentries; i++)
		numbers[k++] = inq->entries[i].cycle;
	numbers[k++] = inq->cycle;
	qsort(numbers, k, sizeof(*numbers), cmp_int);
	if (!(cycles = calloc(k, sizeof(*cycles)))) {
		free(numbers);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < k; i++)
		if (i == 0 || numbers[i] != numbers[i - 1]) {
			cycles[count].cycle = numbers[i];
			cycles[count++].verdict = SPIRAL_VERDICT_NONE;
		}
	free(numbers);
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		spiral_cycle *c = cycle_find(cycles, count, e->cycle);

		if (!c->has_started || spiral_date_cmp(e->date, c->started) < 0)
			c->started = e->date;
		if (!c->has_started || spiral_date_cmp(e->date, c->ended) > 0)
			c->ended = e->date;
		c->has_started = 1;
		if (e->phase == SPIRAL_CHECK && e->verdict != SPIRAL_VERDICT_NONE)
			c->verdict = e->verdict;
	}
	/* A cycle has ended once a later one is under way. */
	for (size_t i = 0; i < count; i++)
		cycles[i].has_ended = cycles[i].has_started && i + 1 < count;
	if (cycles_measures(inq, cycles, count) < 0) {
		free(cycles);
		return SPIRAL_ENOMEM;
	}
	*out = cycles;
	*n = count;
	return 0;
}

void spiral_cycles_free(spiral_cycle *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		spiral_measures_free(c[i].measures, c[i].nmeasures);
	free(c);
}

void spiral_measures_free(spiral_measure_summary *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}
