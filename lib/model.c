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
	free(inq->title0);
	free(inq->learners0);
	free(inq->continues);
	spiral_who_free(&inq->who);
	spiral_strv_free(&inq->tags0);
	spiral_strv_free(&inq->team0);
	for (size_t i = 0; i < inq->nentries; i++)
		spiral_entry_free(&inq->entries[i]);
	free(inq->entries);
	for (size_t i = 0; i < inq->nnotes; i++)
		spiral_note_free(&inq->notes[i]);
	free(inq->notes);
	for (size_t i = 0; i < inq->nchanges; i++)
		spiral_change_free(&inq->changes[i]);
	free(inq->changes);
	spiral_strv_free(&inq->tags);
	spiral_strv_free(&inq->team);
	conflicts_free(inq);
	for (int f = 0; f < SPIRAL_FIELD_COUNT; f++)
		spiral_strv_free(&inq->heads[f]);
	memset(inq, 0, sizeof(*inq));
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

/* A change of a single-valued field is a head when no other change of that
 * field names it as a parent. */
static int is_head(const spiral_inquiry *inq, const spiral_change *c)
{
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *o = &inq->changes[i];
		if (o->field == c->field && o->op == SPIRAL_OP_SET &&
		    spiral_strv_contains(&o->parents, c->id))
			return 0;
	}
	return 1;
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

static int fold_single(spiral_inquiry *inq, spiral_field f, const char **value)
{
	const spiral_change *latest = NULL;
	spiral_conflict conflict = {f, {0}, {0}};
	int distinct = 0;

	/* Changes are sorted, so heads arrive oldest first. */
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field != f || c->op != SPIRAL_OP_SET || !is_head(inq, c))
			continue;
		if (spiral_strv_push(&inq->heads[f], c->id) < 0)
			goto oom;
		if (!spiral_strv_contains(&conflict.values, c->value)) {
			if (spiral_strv_push(&conflict.values, c->value) < 0 ||
			    spiral_strv_push(&conflict.heads, c->id) < 0)
				goto oom;
			distinct++;
		}
		latest = c;
	}
	*value = latest ? latest->value : base_value(inq, f);
	if (distinct > 1) {
		spiral_conflict *v = realloc(inq->conflicts,
					     (inq->nconflicts + 1) * sizeof(*v));
		if (!v)
			goto oom;
		inq->conflicts = v;
		inq->conflicts[inq->nconflicts++] = conflict;
		return 0;
	}
	spiral_strv_free(&conflict.values);
	spiral_strv_free(&conflict.heads);
	return 0;
oom:
	spiral_strv_free(&conflict.values);
	spiral_strv_free(&conflict.heads);
	return spiral_error(SPIRAL_ENOMEM, "out of memory");
}

/* An addition stands unless a removal of the same value names it. */
static int add_removed(const spiral_inquiry *inq, spiral_field f,
		       const char *value, const char *add_id)
{
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field == f && c->op == SPIRAL_OP_REMOVE &&
		    strcmp(c->value, value) == 0 &&
		    spiral_strv_contains(&c->parents, add_id))
			return 1;
	}
	return 0;
}

int spiral_inquiry_set_adds(const spiral_inquiry *inq, spiral_field f,
			    const char *value, spiral_strv *out)
{
	const spiral_strv *initial = f == SPIRAL_FIELD_TAG ? &inq->tags0 : &inq->team0;

	if (spiral_strv_contains(initial, value) &&
	    !add_removed(inq, f, value, inq->id) &&
	    spiral_strv_push(out, inq->id) < 0)
		return SPIRAL_ENOMEM;
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field == f && c->op == SPIRAL_OP_ADD &&
		    strcmp(c->value, value) == 0 &&
		    !add_removed(inq, f, value, c->id) &&
		    spiral_strv_push(out, c->id) < 0)
			return SPIRAL_ENOMEM;
	}
	return 0;
}

static int fold_set(spiral_inquiry *inq, spiral_field f, spiral_strv *out)
{
	const spiral_strv *initial = f == SPIRAL_FIELD_TAG ? &inq->tags0 : &inq->team0;

	for (size_t i = 0; i < initial->n; i++) {
		const char *v = initial->v[i];
		if (!spiral_strv_contains(out, v) &&
		    !add_removed(inq, f, v, inq->id) && spiral_strv_push(out, v) < 0)
			return SPIRAL_ENOMEM;
	}
	for (size_t i = 0; i < inq->nchanges; i++) {
		const spiral_change *c = &inq->changes[i];
		if (c->field != f || c->op != SPIRAL_OP_ADD)
			continue;
		if (!spiral_strv_contains(out, c->value) &&
		    !add_removed(inq, f, c->value, c->id) &&
		    spiral_strv_push(out, c->value) < 0)
			return SPIRAL_ENOMEM;
	}
	spiral_strv_sort(out);
	return 0;
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
	 * latest any record gives, wherever it sorts. */
	if (inq->nentries)
		inq->phase = inq->entries[inq->nentries - 1].phase;
	for (size_t i = 0; i < inq->nentries; i++)
		if (spiral_date_cmp(inq->entries[i].date, inq->last_entry) > 0)
			inq->last_entry = inq->entries[i].date;
	inq->updated = inq->last_entry;
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

static spiral_measure_summary *summary_for(spiral_measure_summary **list,
					   size_t *n, const char *name)
{
	spiral_measure_summary *v;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i].name, name) == 0)
			return &(*list)[i];
	v = realloc(*list, (*n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*list = v;
	memset(&v[*n], 0, sizeof(v[*n]));
	v[*n].name = strdup(name);
	if (!v[*n].name)
		return NULL;
	return &v[(*n)++];
}

static int cmp_summary(const void *a, const void *b)
{
	return strcmp(((const spiral_measure_summary *)a)->name,
		      ((const spiral_measure_summary *)b)->name);
}

int spiral_inquiry_measures(const spiral_inquiry *inq, int cycle,
			    spiral_measure_summary **out, size_t *n)
{
	spiral_measure_summary *list = NULL, *s;
	size_t count = 0;

	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (e->cycle != cycle)
			continue;
		for (size_t k = 0; k < e->measures.n; k++) {
			if (!(s = summary_for(&list, &count, e->measures.v[k].name)))
				goto oom;
			if (!s->has_baseline) {
				s->has_baseline = 1;
				s->baseline = e->measures.v[k].value;
			}
			s->has_latest = 1;
			s->latest = e->measures.v[k].value;
		}
		for (size_t k = 0; k < e->targets.n; k++) {
			if (!(s = summary_for(&list, &count, e->targets.v[k].name)))
				goto oom;
			s->has_target = 1;
			s->target = e->targets.v[k].value;
		}
	}
	/* The contract: with no target, or a target equal to the baseline,
	 * both target and progress are null. */
	for (size_t i = 0; i < count; i++) {
		s = &list[i];
		if (s->has_target && s->has_baseline && s->target == s->baseline)
			s->has_target = 0;
		if (s->has_target && s->has_baseline && s->has_latest) {
			s->has_progress = 1;
			s->progress = (s->latest - s->baseline) / (s->target - s->baseline);
		}
	}
	if (count > 1)
		qsort(list, count, sizeof(*list), cmp_summary);
	*out = list;
	*n = count;
	return 0;
oom:
	spiral_measures_free(list, count);
	return spiral_error(SPIRAL_ENOMEM, "out of memory");
}

void spiral_measures_free(spiral_measure_summary *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}
