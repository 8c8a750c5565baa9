/* The cluster report: the inquiries a filter chooses, counted per group
 * (school, phase, tag or author), the stalled ones, progress toward
 * targets, the schools x focus-areas coherence matrix and data-quality
 * flags.  Built from a loaded store; emitted in JSON, CSV, Markdown or a
 * table.  Every count here is what spiral-report(1) documents. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spiral.h"

static const char *const by_names[] = {NULL, "school", "phase", "tag", "author"};

const char *spiral_report_by_name(spiral_report_by by)
{
	return by >= SPIRAL_BY_NONE && by <= SPIRAL_BY_AUTHOR ? by_names[by] : NULL;
}

int spiral_report_by_from_name(const char *name, spiral_report_by *out)
{
	for (int i = SPIRAL_BY_SCHOOL; i <= SPIRAL_BY_AUTHOR; i++)
		if (strcmp(name, by_names[i]) == 0) {
			*out = (spiral_report_by)i;
			return 0;
		}
	return spiral_error(SPIRAL_EUSAGE,
			    "--by takes school, phase, tag or author, not '%s'", name);
}

/* ---- building ----------------------------------------------------------- */

/* The group of key (NULL: no key), added when new.  NULL when out of memory. */
static spiral_report_group *group_get(spiral_report *r, const char *key)
{
	spiral_report_group *g;

	for (size_t i = 0; i < r->ngroups; i++) {
		const char *k = r->groups[i].key;
		if ((!k && !key) || (k && key && strcmp(k, key) == 0))
			return &r->groups[i];
	}
	g = realloc(r->groups, (r->ngroups + 1) * sizeof(*g));
	if (!g)
		return NULL;
	r->groups = g;
	g = &r->groups[r->ngroups];
	memset(g, 0, sizeof(*g));
	if (key && !(g->key = strdup(key)))
		return NULL;
	r->ngroups++;
	return g;
}

/* Current-cycle measures: met when the latest reaches the target
 * (progress >= 1), on the way when progress > 0, no movement when it is 0
 * or less (or not measured since the target), none when a measure has no
 * target; an inquiry with no measure counts once as none. */
const char *spiral_report_target_state(const spiral_measure_summary *m)
{
	if (!m->has_target)
		return "none";
	if (m->has_progress && m->progress >= 1)
		return "met";
	if (m->has_progress && m->progress > 0)
		return "on_the_way";
	return "no_movement";
}

static int inquiry_targets(const spiral_inquiry *inq, spiral_report_targets *t)
{
	spiral_measure_summary *m;
	size_t n;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = spiral_inquiry_measures(inq, inq->cycle, &m, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *state = spiral_report_target_state(&m[i]);
		if (strcmp(state, "met") == 0)
			t->met++;
		else if (strcmp(state, "on_the_way") == 0)
			t->on_the_way++;
		else if (strcmp(state, "no_movement") == 0)
			t->no_movement++;
		else
			t->none++;
	}
	if (n == 0)
		t->none = 1;
	spiral_measures_free(m, n);
	return 0;
}

static void group_count(spiral_report_group *g, const spiral_inquiry *inq,
			int stalled, const spiral_report_targets *t)
{
	g->inquiries++;
	if (inq->closed)
		g->closed++;
	else
		g->active++;
	g->stalled += stalled;
	if (inq->phase >= 0 && inq->phase < SPIRAL_PHASE_COUNT)
		g->phases[inq->phase]++;
	g->targets.met += t->met;
	g->targets.on_the_way += t->on_the_way;
	g->targets.no_movement += t->no_movement;
	g->targets.none += t->none;
}

/* The keys of the groups inq belongs to (an empty list: the NULL key). */
static int inquiry_keys(const spiral_inquiry *inq, spiral_report_by by,
			spiral_strv *keys)
{
	int rc = 0;

	switch (by) {
	case SPIRAL_BY_NONE:
		break;
	case SPIRAL_BY_SCHOOL:
		if (inq->who.school)
			rc = spiral_strv_push(keys, inq->who.school);
		break;
	case SPIRAL_BY_PHASE:
		if (inq->phase >= 0 && inq->phase < SPIRAL_PHASE_COUNT)
			rc = spiral_strv_push(keys, spiral_phase_get(inq->phase)->name);
		break;
	case SPIRAL_BY_TAG:
		for (size_t i = 0; i < inq->tags.n && rc == 0; i++)
			rc = spiral_strv_push(keys, inq->tags.v[i]);
		break;
	case SPIRAL_BY_AUTHOR:
		if (inq->who.author)
			rc = spiral_strv_push(keys, inq->who.author);
		for (size_t i = 0; i < inq->nentries && rc == 0; i++) {
			const char *a = inq->entries[i].who.author;
			if (a && !spiral_strv_contains(keys, a))
				rc = spiral_strv_push(keys, a);
		}
		break;
	}
	return rc;
}

static int cmp_group(const void *a, const void *b, spiral_report_by by)
{
	const spiral_report_group *x = a, *y = b;

	if (!x->key || !y->key)
		return !x->key - !y->key; /* no key last */
	if (by == SPIRAL_BY_PHASE)
		return spiral_phase_from_name(x->key) - spiral_phase_from_name(y->key);
	return strcmp(x->key, y->key);
}

static int cmp_group_phase(const void *a, const void *b)
{
	return cmp_group(a, b, SPIRAL_BY_PHASE);
}

static int cmp_group_name(const void *a, const void *b)
{
	return cmp_group(a, b, SPIRAL_BY_SCHOOL);
}

/* Longest idle first, then by id. */
static int cmp_stalled(const void *a, const void *b)
{
	const spiral_inquiry *x = *(const spiral_inquiry *const *)a;
	const spiral_inquiry *y = *(const spiral_inquiry *const *)b;
	int c = spiral_date_cmp(x->last_entry, y->last_entry);

	return c ? c : strcmp(x->id, y->id);
}

static int add_flag(spiral_report *r, const spiral_inquiry *inq,
		    const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int add_flag(spiral_report *r, const spiral_inquiry *inq,
		    const char *kind, const char *fmt, ...)
{
	spiral_buf msg = SPIRAL_BUF_INIT;
	spiral_report_flag *f;
	va_list ap;

	va_start(ap, fmt);
	spiral_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (msg.failed || !(f = realloc(r->flags, (r->nflags + 1) * sizeof(*f)))) {
		spiral_buf_free(&msg);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	r->flags = f;
	f[r->nflags].inquiry = inq;
	f[r->nflags].kind = kind;
	f[r->nflags].message = spiral_buf_detach(&msg);
	r->nflags++;
	return 0;
}

static int in_store(const spiral_store *st, const char *id)
{
	if (st->ids.n)
		return spiral_strv_contains(&st->ids, id);
	for (size_t i = 0; i < st->ninquiries; i++)
		if (strcmp(st->inquiries[i].id, id) == 0)
			return 1;
	return 0;
}

/* The data-quality flags of one inquiry, in a fixed order. */
static int inquiry_flags(spiral_report *r, const spiral_store *st,
			 const spiral_inquiry *inq)
{
	char day[SPIRAL_DATE_LEN];
	int reached_act = 0, has_target = 0, rc = 0;

	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (e->cycle != inq->cycle)
			continue;
		reached_act |= e->phase >= SPIRAL_ACT;
		has_target |= e->targets.n > 0;
	}
	if (reached_act && !has_target)
		rc = add_flag(r, inq, "no_target",
			      "reached act in cycle %d with no target set in it",
			      inq->cycle);
	if (rc == 0 && !inq->closed &&
	    (inq->phase == SPIRAL_SCAN || inq->phase == SPIRAL_FOCUS)) {
		/* Since the first entry of the scan and focus it is still in. */
		size_t i = inq->nentries;
		while (i > 0 && inq->entries[i - 1].cycle == inq->cycle &&
		       inq->entries[i - 1].phase <= SPIRAL_FOCUS)
			i--;
		spiral_date since = inq->entries[i < inq->nentries ? i : 0].date;
		int64_t days = (r->now - since.time) / 86400;
		spiral_date_day(since, day);
		if (i < inq->nentries && days >= r->stuck_days)
			rc = add_flag(r, inq, "stuck",
				      "in scan and focus since %s (%lld days)", day,
				      (long long)days);
	}
	for (size_t i = 0; i < inq->nentries && rc == 0; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (e->phase != SPIRAL_CHECK)
			continue;
		spiral_date_day(e->date, day);
		if (e->verdict == SPIRAL_VERDICT_NONE)
			rc = add_flag(r, inq, "no_verdict",
				      "the check of %s (entry %.8s) gave no verdict", day,
				      e->id);
		if (rc == 0 && e->measures.n == 0)
			rc = add_flag(r, inq, "no_measure",
				      "the check of %s (entry %.8s) has no measure", day,
				      e->id);
	}
	if (rc == 0 && inq->continues && !in_store(st, inq->continues))
		rc = add_flag(r, inq, "broken_lineage",
			      "continues %s, which is not in this repository",
			      inq->continues);
	for (size_t i = 0; i < inq->nconflicts && rc == 0; i++)
		rc = add_flag(r, inq, "conflict",
			      "%s has %zu values: settle it with spiral resolve",
			      spiral_field_name(inq->conflicts[i].field),
			      inq->conflicts[i].values.n);
	return rc;
}

/* The coherence matrix of the chosen inquiries. */
static int coherence(spiral_report *r, const spiral_inquiry *const *rows,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *school = rows[i]->who.school ? rows[i]->who.school : "";
		if (!spiral_strv_contains(&r->schools, school) &&
		    spiral_strv_push(&r->schools, school) < 0)
			return SPIRAL_ENOMEM;
		for (size_t t = 0; t < rows[i]->tags.n; t++)
			if (!spiral_strv_contains(&r->tags, rows[i]->tags.v[t]) &&
			    spiral_strv_push(&r->tags, rows[i]->tags.v[t]) < 0)
				return SPIRAL_ENOMEM;
	}
	spiral_strv_sort(&r->schools);
	spiral_strv_sort(&r->tags);
	if (!(r->counts = calloc(r->schools.n * r->tags.n + 1, sizeof(*r->counts))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *school = rows[i]->who.school ? rows[i]->who.school : "";
		size_t s = 0, t = 0;
		while (strcmp(r->schools.v[s], school) != 0)
			s++;
		for (size_t k = 0; k < rows[i]->tags.n; k++) {
			for (t = 0; strcmp(r->tags.v[t], rows[i]->tags.v[k]) != 0; t++)
				;
			r->counts[s * r->tags.n + t]++;
		}
	}
	return 0;
}

/* ---- the digest: what worked, and what was not enough ------------------ */

/* What cycle c tells: 1 it worked (its verdict is enough, or it has no
 * enough/not-enough verdict and every measure with a target met it, one
 * at least), 0 not enough (its verdict), -1 neither. */
static int cycle_outcome(const spiral_cycle *c)
{
	size_t met = 0;

	if (c->verdict == SPIRAL_VERDICT_ENOUGH)
		return 1;
	if (c->verdict == SPIRAL_VERDICT_NOT_ENOUGH)
		return 0;
	for (size_t k = 0; k < c->nmeasures; k++) {
		if (!c->measures[k].has_target)
			continue;
		if (strcmp(spiral_report_target_state(&c->measures[k]), "met") != 0)
			return -1;
		met++;
	}
	return met ? 1 : -1;
}

/* Adds inq to the digest when one of its cycles tells (the latest such). */
static int digest_add(spiral_report *r, const spiral_inquiry *inq)
{
	spiral_report_digest *d;
	spiral_cycle *cycles = NULL, *c = NULL;
	size_t ncycles = 0, nact = 0, nev = 0;
	int worked = -1, rc;

	if ((rc = spiral_inquiry_cycles(inq, &cycles, &ncycles)) < 0)
		return rc;
	for (size_t i = ncycles; i > 0 && worked < 0; i--)
		if ((worked = cycle_outcome(&cycles[i - 1])) >= 0)
			c = &cycles[i - 1];
	if (!c) {
		spiral_cycles_free(cycles, ncycles);
		return 0;
	}
	if (!(d = realloc(r->digest, (r->ndigest + 1) * sizeof(*d)))) {
		spiral_cycles_free(cycles, ncycles);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	r->digest = d;
	d = &r->digest[r->ndigest++];
	memset(d, 0, sizeof(*d));
	d->inquiry = inq;
	d->worked = worked;
	d->cycle = c->cycle;
	d->verdict = c->verdict;
	/* The measures are the cycle's, taken over. */
	d->measures = c->measures;
	d->nmeasures = c->nmeasures;
	c->measures = NULL;
	c->nmeasures = 0;
	spiral_cycles_free(cycles, ncycles);
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (e->cycle != d->cycle)
			continue;
		nact += e->phase == SPIRAL_ACT;
		nev += e->evidence.n;
	}
	if (!(d->actions = calloc(nact + 1, sizeof(*d->actions))) ||
	    !(d->evidence = calloc(nev + 1, sizeof(*d->evidence))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < inq->nentries; i++) {
		const spiral_entry *e = &inq->entries[i];
		if (e->cycle != d->cycle)
			continue;
		if (e->phase == SPIRAL_HUNCH)
			d->hunch = e->text;
		else if (e->phase == SPIRAL_ACT)
			d->actions[d->nactions++] = e->text;
		for (size_t k = 0; k < e->evidence.n; k++)
			d->evidence[d->nevidence++] = e->evidence.v[k];
	}
	return 0;
}

/* The focus area an inquiry is grouped under: its first tag (tags are
 * sorted), NULL with none. */
static const char *digest_focus(const spiral_inquiry *inq)
{
	return inq->tags.n ? inq->tags.v[0] : NULL;
}

static int cmp_text(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "");
}

/* What worked first, then not enough; each by focus area (no tag last),
 * school, title and id. */
static int cmp_digest(const void *a, const void *b)
{
	const spiral_report_digest *x = a, *y = b;
	const char *fx = digest_focus(x->inquiry), *fy = digest_focus(y->inquiry);
	int c;

	if (x->worked != y->worked)
		return y->worked - x->worked;
	if (!fx || !fy)
		c = !fx - !fy;
	else
		c = strcmp(fx, fy);
	if (c == 0)
		c = cmp_text(x->inquiry->who.school, y->inquiry->who.school);
	if (c == 0)
		c = cmp_text(x->inquiry->title, y->inquiry->title);
	return c ? c : strcmp(x->inquiry->id, y->inquiry->id);
}

int spiral_report_build(const spiral_store *st, const spiral_filter *f,
			spiral_report_by by, int idle_days, spiral_report *out)
{
	const spiral_inquiry **rows = NULL;
	spiral_strv keys = {0};
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->by = by;
	out->idle_days = idle_days;
	out->stuck_days = SPIRAL_REPORT_STUCK;
	out->now = f->now;
	if ((rc = spiral_query_list(st, f, &rows, &n)) < 0)
		return rc;
	if (n && !(out->stalled = calloc(n, sizeof(*out->stalled)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	if (by == SPIRAL_BY_NONE && !group_get(out, NULL)) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const spiral_inquiry *inq = rows[i];
		int stalled = !inq->closed &&
			      spiral_inquiry_stalled(inq, idle_days, f->now);
		spiral_report_targets t;

		if ((rc = inquiry_targets(inq, &t)) < 0 ||
		    (rc = inquiry_keys(inq, by, &keys)) < 0)
			break;
		if (stalled)
			out->stalled[out->nstalled++] = inq;
		for (size_t k = 0; k < (keys.n ? keys.n : 1) && rc == 0; k++) {
			spiral_report_group *g = group_get(out, keys.n ? keys.v[k] : NULL);
			if (!g)
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			else
				group_count(g, inq, stalled, &t);
		}
		spiral_strv_free(&keys);
		if (rc == 0)
			rc = inquiry_flags(out, st, inq);
		if (rc == 0)
			rc = digest_add(out, inq);
	}
	if (rc == 0)
		rc = coherence(out, rows, n);
	if (rc == 0) {
		qsort(out->groups, out->ngroups, sizeof(*out->groups),
		      by == SPIRAL_BY_PHASE ? cmp_group_phase : cmp_group_name);
		if (out->nstalled)
			qsort(out->stalled, out->nstalled, sizeof(*out->stalled),
			      cmp_stalled);
		if (out->ndigest)
			qsort(out->digest, out->ndigest, sizeof(*out->digest),
			      cmp_digest);
	}
done:
	spiral_strv_free(&keys);
	out->rows = rows;
	out->nrows = n;
	if (rc < 0)
		spiral_report_free(out);
	return rc;
}

void spiral_report_free(spiral_report *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].key);
	free(r->groups);
	free(r->stalled);
	free(r->rows);
	spiral_strv_free(&r->schools);
	spiral_strv_free(&r->tags);
	free(r->counts);
	for (size_t i = 0; i < r->nflags; i++)
		free(r->flags[i].message);
	free(r->flags);
	for (size_t i = 0; i < r->ndigest; i++) {
		free(r->digest[i].actions);
		free(r->digest[i].evidence);
		spiral_measures_free(r->digest[i].measures, r->digest[i].nmeasures);
	}
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

/* ---- coherence: tags one school alone works on, tags every school shares */

/* Schools (of r->schools) whose inquiries carry tag t. */
static size_t tag_schools(const spiral_report *r, size_t t)
{
	size_t k = 0;

	for (size_t s = 0; s < r->schools.n; s++)
		k += r->counts[s * r->tags.n + t] > 0;
	return k;
}

/* only_one: the tags of a single school; else those of every school (when
 * there are two schools or more). */
static int tags_where(const spiral_report *r, int only_one, spiral_strv *out)
{
	for (size_t t = 0; t < r->tags.n; t++) {
		size_t k = tag_schools(r, t);
		int take = only_one ? k == 1 : r->schools.n > 1 && k == r->schools.n;
		if (take && spiral_strv_push(out, r->tags.v[t]) < 0)
			return SPIRAL_ENOMEM;
	}
	return 0;
}

/* ---- progress toward every target, per inquiry --------------------------- */

typedef int (*target_fn)(void *user, const spiral_inquiry *inq,
			 const spiral_measure_summary *m);

/* Calls fn for each measure with a target in the current cycle of each
 * inquiry chosen, in list's order, measures by name. */
static int each_target(const spiral_report *r, target_fn fn, void *user)
{
	int rc = 0;

	for (size_t i = 0; i < r->nrows && rc == 0; i++) {
		spiral_measure_summary *m;
		size_t n;

		if ((rc = spiral_inquiry_measures(r->rows[i], r->rows[i]->cycle, &m, &n)) < 0)
			break;
		for (size_t k = 0; k < n && rc == 0; k++)
			if (m[k].has_target)
				rc = fn(user, r->rows[i], &m[k]);
		spiral_measures_free(m, n);
	}
	return rc;
}

/* A number as JSON, CSV and tables show it; "" when there is none. */
static void number_cell(int has, double v, char out[40])
{
	out[0] = '\0';
	if (has)
		spiral_number_format(v == 0 ? 0 : v, out);
}

/* ---- JSON --------------------------------------------------------------- */

static void json_number_or_null(spiral_buf *out, int has, double v)
{
	char num[40];

	number_cell(has, v, num);
	spiral_buf_puts(out, num[0] ? num : "null");
}

typedef struct json_targets {
	spiral_buf *out;
	size_t n;
} json_targets;

static int json_target(void *user, const spiral_inquiry *inq,
		       const spiral_measure_summary *m)
{
	json_targets *j = user;

	spiral_buf_puts(j->out, j->n++ ? ",\n{\"inquiry\":" : "\n{\"inquiry\":");
	spiral_json_string(j->out, inq->id);
	spiral_buf_puts(j->out, ",\"title\":");
	spiral_json_string(j->out, inq->title);
	spiral_buf_puts(j->out, ",\"school\":");
	spiral_json_string(j->out, inq->who.school ? inq->who.school : "");
	spiral_buf_printf(j->out, ",\"cycle\":%d,\"measure\":", inq->cycle);
	spiral_json_string(j->out, m->name);
	spiral_buf_puts(j->out, ",\"baseline\":");
	json_number_or_null(j->out, m->has_baseline, m->baseline);
	spiral_buf_puts(j->out, ",\"target\":");
	json_number_or_null(j->out, m->has_target, m->target);
	spiral_buf_puts(j->out, ",\"latest\":");
	json_number_or_null(j->out, m->has_latest, m->latest);
	spiral_buf_puts(j->out, ",\"progress\":");
	json_number_or_null(j->out, m->has_progress, m->progress);
	spiral_buf_puts(j->out, ",\"state\":");
	spiral_json_string(j->out, spiral_report_target_state(m));
	return spiral_buf_putc(j->out, '}');
}


static void json_group(spiral_buf *out, const spiral_report_group *g)
{
	spiral_buf_puts(out, "{\"key\":");
	spiral_json_string_or_null(out, g->key);
	spiral_buf_printf(out, ",\"inquiries\":%zu,\"active\":%zu,\"closed\":%zu,"
			  "\"stalled\":%zu,\"phases\":{",
			  g->inquiries, g->active, g->closed, g->stalled);
	for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
		spiral_buf_printf(out, "%s\"%s\":%zu", p ? "," : "",
				  spiral_phase_get((spiral_phase)p)->name, g->phases[p]);
	spiral_buf_printf(out, "},\"targets\":{\"met\":%zu,\"on_the_way\":%zu,"
			  "\"no_movement\":%zu,\"none\":%zu}}",
			  g->targets.met, g->targets.on_the_way,
			  g->targets.no_movement, g->targets.none);
}

static void json_texts(spiral_buf *out, const char *const *v, size_t n)
{
	spiral_buf_putc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			spiral_buf_putc(out, ',');
		spiral_json_string(out, v[i]);
	}
	spiral_buf_putc(out, ']');
}

static void json_digest(spiral_buf *out, const spiral_report_digest *d)
{
	const spiral_inquiry *inq = d->inquiry;

	spiral_buf_puts(out, "{\"inquiry\":");
	spiral_json_string(out, inq->id);
	spiral_buf_puts(out, ",\"title\":");
	spiral_json_string(out, inq->title ? inq->title : "");
	spiral_buf_puts(out, ",\"school\":");
	spiral_json_string(out, inq->who.school ? inq->who.school : "");
	spiral_buf_puts(out, ",\"learners\":");
	spiral_json_string(out, inq->learners ? inq->learners : "");
	spiral_buf_printf(out, ",\"worked\":%s,\"cycle\":%d,\"verdict\":",
			  d->worked ? "true" : "false", d->cycle);
	spiral_json_string_or_null(out, spiral_verdict_name(d->verdict));
	spiral_buf_puts(out, ",\"focus\":");
	spiral_json_string_or_null(out, digest_focus(inq));
	spiral_buf_puts(out, ",\"tags\":");
	spiral_json_strv(out, &inq->tags);
	spiral_buf_puts(out, ",\"hunch\":");
	spiral_json_string_or_null(out, d->hunch);
	spiral_buf_puts(out, ",\"actions\":");
	json_texts(out, d->actions, d->nactions);
	spiral_buf_puts(out, ",\"evidence\":");
	json_texts(out, d->evidence, d->nevidence);
	spiral_buf_puts(out, ",\"measures\":");
	spiral_json_measures(out, d->measures, d->nmeasures);
	spiral_buf_putc(out, '}');
}

static int json_report(spiral_buf *out, const spiral_report *r, int short_len,
		       const spiral_style *style)
{
	spiral_date now = {r->now, 0};
	char date[SPIRAL_DATE_LEN];
	spiral_filter idle;
	spiral_strv only = {0}, all = {0};
	int rc;

	spiral_date_format(now, date);
	spiral_buf_puts(out, "{\"generated\":");
	spiral_json_string(out, date);
	spiral_buf_puts(out, ",\"by\":");
	spiral_json_string_or_null(out, spiral_report_by_name(r->by));
	spiral_buf_printf(out, ",\"idle\":%d,\n\"groups\":[", r->idle_days);
	for (size_t i = 0; i < r->ngroups; i++) {
		spiral_buf_puts(out, i ? ",\n" : "\n");
		json_group(out, &r->groups[i]);
	}
	/* The stalled inquiries as list --stalled shows them: days_idle too. */
	spiral_buf_puts(out, "],\n\"stalled\":");
	spiral_filter_init(&idle, SPIRAL_STATUS_ALL);
	idle.stalled_days = r->idle_days;
	idle.now = r->now;
	rc = spiral_emit_list(out, SPIRAL_FORMAT_JSON, r->stalled, r->nstalled,
			      short_len, style, &idle);
	spiral_filter_free(&idle);
	if (rc < 0)
		return rc;
	spiral_buf_puts(out, ",\"coherence\":{\"schools\":");
	spiral_json_strv(out, &r->schools);
	spiral_buf_puts(out, ",\"tags\":");
	spiral_json_strv(out, &r->tags);
	spiral_buf_puts(out, ",\"counts\":[");
	for (size_t s = 0; s < r->schools.n; s++) {
		spiral_buf_puts(out, s ? ",[" : "[");
		for (size_t t = 0; t < r->tags.n; t++)
			spiral_buf_printf(out, "%s%zu", t ? "," : "",
					  r->counts[s * r->tags.n + t]);
		spiral_buf_putc(out, ']');
	}
	if (tags_where(r, 1, &only) < 0 || tags_where(r, 0, &all) < 0) {
		spiral_strv_free(&only);
		spiral_strv_free(&all);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	spiral_buf_puts(out, "],\"only_one_school\":");
	spiral_json_strv(out, &only);
	spiral_buf_puts(out, ",\"every_school\":");
	spiral_json_strv(out, &all);
	spiral_strv_free(&only);
	spiral_strv_free(&all);
	spiral_buf_puts(out, "},\n\"progress\":[");
	json_targets jt = {out, 0};
	if ((rc = each_target(r, json_target, &jt)) < 0)
		return rc;
	spiral_buf_puts(out, "],\n\"digest\":[");
	for (size_t i = 0; i < r->ndigest; i++) {
		spiral_buf_puts(out, i ? ",\n" : "\n");
		json_digest(out, &r->digest[i]);
	}
	spiral_buf_puts(out, "],\n\"flags\":[");
	for (size_t i = 0; i < r->nflags; i++) {
		spiral_buf_puts(out, i ? ",\n{\"inquiry\":" : "\n{\"inquiry\":");
		spiral_json_string(out, r->flags[i].inquiry->id);
		spiral_buf_puts(out, ",\"kind\":");
		spiral_json_string(out, r->flags[i].kind);
		spiral_buf_puts(out, ",\"message\":");
		spiral_json_string(out, r->flags[i].message);
		spiral_buf_putc(out, '}');
	}
	spiral_buf_puts(out, "]}\n");
	return out->failed ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

/* ---- CSV: one long table, section,key,item,value ------------------------ */

static void cells_add(spiral_strv *c, const char *s)
{
	spiral_strv_push(c, s ? s : "");
}

static void cells_add_size(spiral_strv *c, size_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%zu", v);
	cells_add(c, s);
}

static void csv_row(spiral_strv *c, const char *section, const char *key,
		    const char *item, const char *value)
{
	cells_add(c, section);
	cells_add(c, key);
	cells_add(c, item);
	cells_add(c, value);
}

static void csv_count(spiral_strv *c, const char *section, const char *key,
		      const char *item, size_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%zu", v);
	csv_row(c, section, key, item, s);
}

static void csv_group(spiral_strv *c, const spiral_report_group *g)
{
	csv_count(c, "group", g->key, "inquiries", g->inquiries);
	csv_count(c, "group", g->key, "active", g->active);
	csv_count(c, "group", g->key, "closed", g->closed);
	csv_count(c, "group", g->key, "stalled", g->stalled);
	for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
		csv_count(c, "group", g->key, spiral_phase_get((spiral_phase)p)->name,
			  g->phases[p]);
	csv_count(c, "group", g->key, "met", g->targets.met);
	csv_count(c, "group", g->key, "on_the_way", g->targets.on_the_way);
	csv_count(c, "group", g->key, "no_movement", g->targets.no_movement);
	csv_count(c, "group", g->key, "none", g->targets.none);
}

/* A target: key the inquiry, item the measure, value where it stands. */
static int csv_target(void *user, const spiral_inquiry *inq,
		      const spiral_measure_summary *m)
{
	csv_row(user, "target", inq->id, m->name, spiral_report_target_state(m));
	return 0;
}

/* One digest row, after the grid: text fields guarded as the grid's are;
 * a number (num) as it is, so that a negative one stays a number. */
static void csv_digest_row(spiral_buf *out, const char *id, const char *item,
			   const char *value, int num)
{
	spiral_csv_field(out, "digest");
	spiral_buf_putc(out, ',');
	spiral_csv_field(out, id);
	spiral_buf_putc(out, ',');
	spiral_csv_field(out, item);
	spiral_buf_putc(out, ',');
	if (num)
		spiral_buf_puts(out, value);
	else
		spiral_csv_field(out, value ? value : "");
	spiral_buf_puts(out, "\r\n");
}

static void csv_digest(spiral_buf *out, const spiral_report_digest *d)
{
	const spiral_inquiry *inq = d->inquiry;
	const char *verdict = spiral_verdict_name(d->verdict);
	const char *id = inq->id;
	char num[40], item[160];

	csv_digest_row(out, id, "worked", d->worked ? "yes" : "no", 0);
	snprintf(num, sizeof(num), "%d", d->cycle);
	csv_digest_row(out, id, "cycle", num, 1);
	csv_digest_row(out, id, "focus", digest_focus(inq), 0);
	csv_digest_row(out, id, "title", inq->title, 0);
	csv_digest_row(out, id, "school", inq->who.school, 0);
	csv_digest_row(out, id, "learners", inq->learners, 0);
	csv_digest_row(out, id, "verdict", verdict, 0);
	for (size_t i = 0; i < inq->tags.n; i++)
		csv_digest_row(out, id, "tag", inq->tags.v[i], 0);
	csv_digest_row(out, id, "hunch", d->hunch, 0);
	for (size_t i = 0; i < d->nactions; i++)
		csv_digest_row(out, id, "action", d->actions[i], 0);
	for (size_t i = 0; i < d->nevidence; i++)
		csv_digest_row(out, id, "evidence", d->evidence[i], 0);
	for (size_t i = 0; i < d->nmeasures; i++) {
		const spiral_measure_summary *m = &d->measures[i];
		static const char *const what[] = {"baseline", "target", "latest",
						   "progress"};
		const int has[] = {m->has_baseline, m->has_target, m->has_latest,
				   m->has_progress};
		const double v[] = {m->baseline, m->target, m->latest, m->progress};
		for (size_t k = 0; k < 4; k++) {
			snprintf(item, sizeof(item), "measure:%s:%s", m->name, what[k]);
			number_cell(has[k], v[k], num);
			csv_digest_row(out, id, item, num, 1);
		}
	}
}

static int csv_report(spiral_buf *out, const spiral_report *r,
		      const spiral_style *style)
{
	static const char *const head[] = {"section", "key", "item", "value"};
	spiral_strv c = {0};
	int rc;

	for (size_t i = 0; i < 4; i++)
		cells_add(&c, head[i]);
	for (size_t i = 0; i < r->ngroups && !r->digest_only; i++)
		csv_group(&c, &r->groups[i]);
	for (size_t i = 0; i < r->nstalled && !r->digest_only; i++) {
		const spiral_inquiry *q = r->stalled[i];
		csv_count(&c, "stalled", q->id, "days_idle",
			  (size_t)spiral_inquiry_days_idle(q, r->now));
		csv_row(&c, "stalled", q->id, "title", q->title);
		csv_row(&c, "stalled", q->id, "school", q->who.school);
	}
	for (size_t s = 0; s < r->schools.n && !r->digest_only; s++)
		for (size_t t = 0; t < r->tags.n; t++)
			csv_count(&c, "coherence", r->schools.v[s], r->tags.v[t],
				  r->counts[s * r->tags.n + t]);
	if (!r->digest_only && each_target(r, csv_target, &c) < 0) {
		spiral_strv_free(&c);
		return SPIRAL_ENOMEM;
	}
	for (size_t i = 0; i < r->nflags && !r->digest_only; i++)
		csv_row(&c, "flag", r->flags[i].inquiry->id, r->flags[i].kind,
			r->flags[i].message);
	/* Every value is text to a spreadsheet's formula guard: a count
	 * never starts with one of its characters anyway. */
	rc = c.n % 4 ? spiral_error(SPIRAL_ENOMEM, "out of memory")
		     : spiral_emit_grid(out, SPIRAL_FORMAT_CSV, &c, 4, 0, style);
	spiral_strv_free(&c);
	/* Then the digest, the report's last section. */
	for (size_t i = 0; i < r->ndigest && rc == 0; i++)
		csv_digest(out, &r->digest[i]);
	if (rc == 0 && out->failed)
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	return rc;
}

/* ---- for people: a table or Markdown ------------------------------------ */

static void heading(spiral_buf *out, spiral_format format, const spiral_style *style,
		    const char *text)
{
	if (format == SPIRAL_FORMAT_MD)
		spiral_buf_printf(out, "\n## %s\n\n", text);
	else
		spiral_buf_printf(out, "\n%s%s%s\n", style->bold, text, style->reset);
}

static int people_groups(spiral_buf *out, spiral_format format,
			 const spiral_report *r, const spiral_style *style)
{
	static const char *const head[] = {"GROUP", "INQUIRIES", "ACTIVE",
					   "CLOSED", "STALLED"};
	static const char *const targets[] = {"MET", "ON THE WAY", "NO MOVEMENT",
					      "NO TARGET"};
	spiral_strv c = {0};
	size_t ncols = 5 + SPIRAL_PHASE_COUNT + 4;
	int rc;

	for (size_t i = 0; i < 5; i++)
		cells_add(&c, head[i]);
	for (int p = 0; p < SPIRAL_PHASE_COUNT; p++) {
		char name[16]; /* a heading, as the others: SCAN */
		snprintf(name, sizeof(name), "%s", spiral_phase_get((spiral_phase)p)->name);
		for (char *q = name; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		cells_add(&c, name);
	}
	for (size_t i = 0; i < 4; i++)
		cells_add(&c, targets[i]);
	for (size_t i = 0; i < r->ngroups; i++) {
		const spiral_report_group *g = &r->groups[i];
		cells_add(&c, g->key ? g->key : r->by == SPIRAL_BY_NONE ? "all" : "(none)");
		cells_add_size(&c, g->inquiries);
		cells_add_size(&c, g->active);
		cells_add_size(&c, g->closed);
		cells_add_size(&c, g->stalled);
		for (int p = 0; p < SPIRAL_PHASE_COUNT; p++)
			cells_add_size(&c, g->phases[p]);
		cells_add_size(&c, g->targets.met);
		cells_add_size(&c, g->targets.on_the_way);
		cells_add_size(&c, g->targets.no_movement);
		cells_add_size(&c, g->targets.none);
	}
	rc = spiral_emit_grid(out, format, &c, ncols, ~1ul, style);
	spiral_strv_free(&c);
	return rc;
}

/* Rows are tags, columns schools: a cluster has few schools, many tags. */
static int people_coherence(spiral_buf *out, spiral_format format,
			    const spiral_report *r, const spiral_style *style)
{
	spiral_strv c = {0}, only = {0}, all = {0};
	int rc = 0;

	if (!r->tags.n) {
		spiral_buf_puts(out, "No inquiry has a tag.\n");
		return 0;
	}
	cells_add(&c, "TAG");
	for (size_t s = 0; s < r->schools.n; s++)
		cells_add(&c, r->schools.v[s]);
	for (size_t t = 0; t < r->tags.n; t++) {
		cells_add(&c, r->tags.v[t]);
		for (size_t s = 0; s < r->schools.n; s++)
			cells_add_size(&c, r->counts[s * r->tags.n + t]);
	}
	rc = spiral_emit_grid(out, format, &c, r->schools.n + 1, ~1ul, style);
	spiral_strv_free(&c);
	if (rc == 0 && (tags_where(r, 1, &only) < 0 || tags_where(r, 0, &all) < 0))
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (int k = 0; k < 2 && rc == 0; k++) {
		const spiral_strv *sv = k ? &all : &only;
		if (!sv->n)
			continue;
		spiral_buf_puts(out, k ? "\nShared by every school: "
				       : "\nOnly one school works on: ");
		for (size_t i = 0; i < sv->n; i++) {
			if (i)
				spiral_buf_puts(out, ", ");
			spiral_visible(out, sv->v[i], strlen(sv->v[i]), 0);
		}
		spiral_buf_putc(out, '\n');
	}
	spiral_strv_free(&only);
	spiral_strv_free(&all);
	return rc;
}

typedef struct people_targets {
	spiral_strv cells;
	int short_len;
} people_targets;

static int people_target(void *user, const spiral_inquiry *inq,
			 const spiral_measure_summary *m)
{
	people_targets *p = user;
	char id[SPIRAL_ID_LEN + 1], num[40];

	snprintf(id, sizeof(id), "%.*s", p->short_len, inq->id);
	cells_add(&p->cells, id);
	cells_add(&p->cells, inq->title);
	cells_add(&p->cells, m->name);
	number_cell(m->has_baseline, m->baseline, num);
	cells_add(&p->cells, num[0] ? num : "-");
	number_cell(m->has_target, m->target, num);
	cells_add(&p->cells, num);
	number_cell(m->has_latest, m->latest, num);
	cells_add(&p->cells, num[0] ? num : "-");
	cells_add(&p->cells, spiral_report_target_state(m));
	return 0;
}

static int people_targets_part(spiral_buf *out, spiral_format format,
			       const spiral_report *r, int short_len,
			       const spiral_style *style)
{
	static const char *const head[] = {"ID", "TITLE", "MEASURE", "BASELINE",
					   "TARGET", "LATEST", "WHERE"};
	people_targets p = {{0}, short_len};
	int rc;

	for (size_t i = 0; i < 7; i++)
		cells_add(&p.cells, head[i]);
	rc = each_target(r, people_target, &p);
	if (rc == 0 && p.cells.n == 7)
		spiral_buf_puts(out, "No measure has a target.\n");
	else if (rc == 0)
		rc = spiral_emit_grid(out, format, &p.cells, 7, 0, style);
	spiral_strv_free(&p.cells);
	return rc;
}

static int people_flags(spiral_buf *out, spiral_format format,
			const spiral_report *r, int short_len,
			const spiral_style *style)
{
	spiral_strv c = {0};
	char id[SPIRAL_ID_LEN + 1];
	int rc;

	if (!r->nflags) {
		spiral_buf_puts(out, "No flag.\n");
		return 0;
	}
	cells_add(&c, "ID");
	cells_add(&c, "KIND");
	cells_add(&c, "MESSAGE");
	for (size_t i = 0; i < r->nflags; i++) {
		snprintf(id, sizeof(id), "%.*s", short_len, r->flags[i].inquiry->id);
		cells_add(&c, id);
		cells_add(&c, r->flags[i].kind);
		cells_add(&c, r->flags[i].message);
	}
	rc = spiral_emit_grid(out, format, &c, 3, 0, style);
	spiral_strv_free(&c);
	return rc;
}

/* Text for people: in a table, controls visible and every line after the
 * first indented; in Markdown, escaped (a newline as <br>). */
static void people_text(spiral_buf *out, spiral_format format, const char *s,
			const char *indent)
{
	if (format == SPIRAL_FORMAT_MD) {
		spiral_md_text(out, s);
		return;
	}
	for (int first = 1;; first = 0) {
		size_t line = strcspn(s, "\n");
		if (!first && line)
			spiral_buf_puts(out, indent);
		spiral_visible(out, s, line, SPIRAL_VISIBLE_KEEP_TAB);
		if (!s[line])
			break;
		spiral_buf_putc(out, '\n');
		s += line + 1;
	}
}

/* "label: text" (table) or "- **Label:** text" (Markdown). */
static void people_field(spiral_buf *out, spiral_format format,
			 const char *label, const char *text)
{
	if (format == SPIRAL_FORMAT_MD)
		spiral_buf_printf(out, "- **%c%s:** ", toupper((unsigned char)label[0]),
				  label + 1);
	else
		spiral_buf_printf(out, "  %s:%*s", label, (int)(10 - strlen(label)), "");
	people_text(out, format, text, format == SPIRAL_FORMAT_MD ? "" : "             ");
	spiral_buf_putc(out, '\n');
}

/* A list under its label, one item a line. */
static void people_items(spiral_buf *out, spiral_format format,
			 const char *label, const char *const *v, size_t n,
			 const char *none)
{
	if (!n) {
		people_field(out, format, label, none);
		return;
	}
	if (format == SPIRAL_FORMAT_MD)
		spiral_buf_printf(out, "- **%c%s:**\n", toupper((unsigned char)label[0]),
				  label + 1);
	else
		spiral_buf_printf(out, "  %s:\n", label);
	for (size_t i = 0; i < n; i++) {
		spiral_buf_puts(out, format == SPIRAL_FORMAT_MD ? "  - " : "    - ");
		people_text(out, format, v[i], format == SPIRAL_FORMAT_MD ? "" : "      ");
		spiral_buf_putc(out, '\n');
	}
}

/* A measure: "reading: 42 -> 58, target 60 (89%)". */
static void people_measure(spiral_buf *out, const spiral_measure_summary *m)
{
	char num[40];

	spiral_buf_printf(out, "%s: ", m->name);
	number_cell(m->has_baseline, m->baseline, num);
	spiral_buf_printf(out, "%s -> ", num[0] ? num : "-");
	number_cell(m->has_latest, m->latest, num);
	spiral_buf_puts(out, num[0] ? num : "-");
	number_cell(m->has_target, m->target, num);
	spiral_buf_printf(out, ", target %s", num[0] ? num : "none");
	if (m->has_progress) {
		double pct = m->progress * 100;
		spiral_buf_printf(out, " (%.0f%%)", pct > -0.5 && pct < 0.5 ? 0 : pct);
	}
}

static void people_digest_one(spiral_buf *out, spiral_format format,
			      const spiral_report_digest *d, int short_len,
			      const spiral_style *style)
{
	const spiral_inquiry *inq = d->inquiry;
	const char *verdict = spiral_verdict_name(d->verdict);
	int md = format == SPIRAL_FORMAT_MD;
	spiral_buf line = SPIRAL_BUF_INIT;

	spiral_buf_puts(out, md ? "\n#### " : "\n");
	spiral_buf_puts(out, md ? "" : style->bold);
	people_text(out, format, inq->title ? inq->title : "", "  ");
	spiral_buf_printf(out, " (%.*s)%s\n%s", short_len, inq->id,
			  md ? "" : style->reset, md ? "\n" : "");
	people_field(out, format, "school", inq->who.school ? inq->who.school : "");
	people_field(out, format, "learners", inq->learners ? inq->learners : "");
	spiral_buf_printf(&line, "cycle %d, %s%s", d->cycle,
			  verdict ? "verdict " : "no verdict", verdict ? verdict : "");
	if (d->worked && d->verdict != SPIRAL_VERDICT_ENOUGH)
		spiral_buf_puts(&line, ", every target met");
	spiral_buf_put(&line, "", 0);
	people_field(out, format, "checked", line.failed ? "" : line.ptr);
	spiral_buf_free(&line);
	people_field(out, format, "hunch", d->hunch ? d->hunch : "-");
	people_items(out, format, "actions", d->actions, d->nactions, "-");
	people_items(out, format, "evidence", d->evidence, d->nevidence, "-");
	if (!d->nmeasures) {
		people_field(out, format, "measures", "-");
		return;
	}
	spiral_buf_puts(out, md ? "- **Measures:**\n" : "  measures:\n");
	for (size_t i = 0; i < d->nmeasures; i++) {
		spiral_buf puts = SPIRAL_BUF_INIT;
		people_measure(&puts, &d->measures[i]);
		spiral_buf_put(&puts, "", 0);
		spiral_buf_puts(out, md ? "  - " : "    - ");
		people_text(out, format, puts.failed ? "" : puts.ptr, "");
		spiral_buf_putc(out, '\n');
		if (puts.failed)
			out->failed = 1;
		spiral_buf_free(&puts);
	}
}

/* One half of the digest (worked or not), under focus-area headings. */
static void people_digest_half(spiral_buf *out, spiral_format format,
			       const spiral_report *r, int worked, int short_len,
			       const spiral_style *style)
{
	const char *focus = NULL;
	size_t shown = 0;

	for (size_t i = 0; i < r->ndigest; i++) {
		const spiral_report_digest *d = &r->digest[i];
		const char *f = digest_focus(d->inquiry);
		if (d->worked != worked)
			continue;
		if (!shown++ || cmp_text(f, focus) != 0 || !f != !focus) {
			if (format == SPIRAL_FORMAT_MD)
				spiral_buf_puts(out, shown > 1 ? "\n### " : "### ");
			else
				spiral_buf_printf(out, "\n%s", style->bold);
			spiral_buf_puts(out, f ? "Focus area: " : "No focus area (no tag)");
			if (f)
				people_text(out, format, f, "");
			spiral_buf_printf(out, "%s\n", format == SPIRAL_FORMAT_MD ? "" : style->reset);
		}
		focus = f;
		people_digest_one(out, format, d, short_len, style);
	}
	if (!shown)
		spiral_buf_puts(out, worked ? "No check said enough and no cycle met "
					      "every target.\n"
					    : "No check said not-enough.\n");
}

static void people_digest(spiral_buf *out, spiral_format format,
			  const spiral_report *r, int short_len,
			  const spiral_style *style)
{
	heading(out, format, style, "What worked");
	people_digest_half(out, format, r, 1, short_len, style);
	heading(out, format, style, "Not enough: what was tried");
	people_digest_half(out, format, r, 0, short_len, style);
}

static int people_report(spiral_buf *out, spiral_format format,
			 const spiral_report *r, int short_len,
			 const spiral_style *style)
{
	spiral_date now = {r->now, 0};
	char date[SPIRAL_DATE_LEN], title[128];
	const char *by = spiral_report_by_name(r->by);
	spiral_filter idle;
	int rc;

	int md = format == SPIRAL_FORMAT_MD;
	spiral_date_format(now, date);
	spiral_buf_printf(out, "%s%sReport of %s%s%s%s\n", md ? "# " : "",
			  md ? "" : style->bold, date, by ? ", by " : "",
			  by ? by : "", md ? "" : style->reset);
	if (r->digest_only) {
		people_digest(out, format, r, short_len, style);
		return out->failed ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
	}
	heading(out, format, style, "Groups");
	if ((rc = people_groups(out, format, r, style)) < 0)
		return rc;
	snprintf(title, sizeof(title), "Stalled: no entry for %d days", r->idle_days);
	heading(out, format, style, title);
	if (r->nstalled) {
		spiral_filter_init(&idle, SPIRAL_STATUS_ALL);
		idle.stalled_days = r->idle_days;
		idle.now = r->now;
		rc = spiral_emit_list(out, format, r->stalled, r->nstalled, short_len,
				      style, &idle);
		spiral_filter_free(&idle);
		if (rc < 0)
			return rc;
	} else {
		spiral_buf_puts(out, "No inquiry is stalled.\n");
	}
	heading(out, format, style, "Targets of the current cycles");
	if ((rc = people_targets_part(out, format, r, short_len, style)) < 0)
		return rc;
	heading(out, format, style, "Coherence: inquiries per school and tag");
	if ((rc = people_coherence(out, format, r, style)) < 0)
		return rc;
	people_digest(out, format, r, short_len, style);
	heading(out, format, style, "Flags");
	if ((rc = people_flags(out, format, r, short_len, style)) < 0)
		return rc;
	return out->failed ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

int spiral_emit_report(spiral_buf *out, spiral_format format,
		       const spiral_report *r, int short_len,
		       const spiral_style *style)
{
	switch (format) {
	case SPIRAL_FORMAT_JSON:
		return json_report(out, r, short_len, style);
	case SPIRAL_FORMAT_CSV:
		return csv_report(out, r, style);
	case SPIRAL_FORMAT_TABLE:
	case SPIRAL_FORMAT_MD:
		return people_report(out, format, r, short_len, style);
	case SPIRAL_FORMAT_HTML:
		break;
	}
	return spiral_error(SPIRAL_EUSAGE, "the report has no html format yet");
}
