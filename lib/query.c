/* Queries: the filters shared by every reading command, and the orders in
 * which list and log show things.  Inquiry filters select inquiries; for
 * log, phase, author and dates select entries by their own fields while
 * school, tag, status and stalled select by the entry's inquiry. */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "spiral.h"

void spiral_filter_init(spiral_filter *f, spiral_status_filter status)
{
	memset(f, 0, sizeof(*f));
	f->status = status;
	f->stalled_days = -1;
	f->now = (int64_t)time(NULL);
}

void spiral_filter_free(spiral_filter *f)
{
	spiral_strv_free(&f->schools);
	spiral_strv_free(&f->tags);
	spiral_strv_free(&f->authors);
}

static int add_folded(spiral_strv *sv, const char *s)
{
	char *folded;
	int rc;

	if ((rc = spiral_text_fold(s, &folded)) < 0)
		return rc;
	rc = spiral_strv_push(sv, folded);
	free(folded);
	return rc;
}

int spiral_filter_add_school(spiral_filter *f, const char *school)
{
	return add_folded(&f->schools, school);
}

int spiral_filter_add_author(spiral_filter *f, const char *author)
{
	return add_folded(&f->authors, author);
}

int spiral_filter_add_tag(spiral_filter *f, const char *tag)
{
	return spiral_strv_push(&f->tags, tag);
}

void spiral_filter_add_phase(spiral_filter *f, spiral_phase p)
{
	if (p >= 0 && p < SPIRAL_PHASE_COUNT)
		f->phases |= 1u << p;
}

static int phase_selected(const spiral_filter *f, spiral_phase p)
{
	return !f->phases || (p >= 0 && p < SPIRAL_PHASE_COUNT && (f->phases & (1u << p)));
}

/* Text as filters compare it: folded, or, without the memory to fold it,
 * as it is (ASCII case aside), so that matching itself never fails.
 * Free with free(). */
static char *fold_for_match(const char *s)
{
	char *folded = NULL;

	if (s && spiral_text_fold(s, &folded) < 0)
		spiral_error_clear();
	return folded;
}

static int contains_folded(const char *folded, const char *raw, const char *needle)
{
	size_t n = strlen(needle);
	const char *hay = folded ? folded : raw;

	if (!hay)
		return 0;
	if (folded)
		return strstr(hay, needle) != NULL;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

/* Some author asked for is a substring of the name or email, folded, as
 * git log --author matches (without a regular expression). */
static int who_matches(const spiral_who *w, const spiral_strv *authors)
{
	char *name = fold_for_match(w->author), *email = fold_for_match(w->email);
	int found = 0;

	for (size_t i = 0; i < authors->n && !found; i++)
		found = contains_folded(name, w->author, authors->v[i]) ||
			contains_folded(email, w->email, authors->v[i]);
	free(name);
	free(email);
	return found;
}

static int school_matches(const char *school, const spiral_strv *schools)
{
	char *folded = fold_for_match(school);
	int found = 0;

	for (size_t i = 0; school && i < schools->n && !found; i++)
		found = strcmp(folded ? folded : school, schools->v[i]) == 0 ||
			(!folded && strcasecmp(school, schools->v[i]) == 0);
	free(folded);
	return found;
}

static int tag_matches(const spiral_strv *tags, const spiral_strv *wanted)
{
	for (size_t i = 0; i < wanted->n; i++)
		if (spiral_strv_contains(tags, wanted->v[i]))
			return 1;
	return 0;
}

int spiral_inquiry_stalled(const spiral_inquiry *inq, int days, int64_t now)
{
	return days >= 0 && inq->last_entry.time <= now - (int64_t)days * 86400;
}

int spiral_inquiry_days_idle(const spiral_inquiry *inq, int64_t now)
{
	int64_t idle = now - inq->last_entry.time;

	if (idle <= 0)
		return 0;
	return idle / 86400 > INT_MAX ? INT_MAX : (int)(idle / 86400);
}

/* The filters that select by inquiry, for list and log alike. */
static int inquiry_base_matches(const spiral_filter *f, const spiral_inquiry *inq)
{
	if (f->status == SPIRAL_STATUS_ACTIVE && inq->closed)
		return 0;
	if (f->status == SPIRAL_STATUS_CLOSED && !inq->closed)
		return 0;
	if (f->schools.n && !school_matches(inq->who.school, &f->schools))
		return 0;
	if (f->tags.n && !tag_matches(&inq->tags, &f->tags))
		return 0;
	if (f->stalled_days >= 0 && !spiral_inquiry_stalled(inq, f->stalled_days, f->now))
		return 0;
	return 1;
}

int spiral_inquiry_matches(const spiral_filter *f, const spiral_inquiry *inq)
{
	if (!inquiry_base_matches(f, inq))
		return 0;
	if (!phase_selected(f, inq->phase))
		return 0;
	/* An inquiry is someone's when they started it or logged in it. */
	if (f->authors.n && !who_matches(&inq->who, &f->authors)) {
		size_t i;
		for (i = 0; i < inq->nentries; i++)
			if (who_matches(&inq->entries[i].who, &f->authors))
				break;
		if (i == inq->nentries)
			return 0;
	}
	/* Active during [since, until]: touched since, started by until. */
	if (f->has_since && spiral_date_cmp(inq->updated, f->since) < 0)
		return 0;
	if (f->has_until && spiral_date_cmp(inq->created, f->until) > 0)
		return 0;
	return 1;
}

static int record_selected(const spiral_filter *f, const spiral_who *who,
			   spiral_date date)
{
	if (!f)
		return 1;
	if (f->authors.n && !who_matches(who, &f->authors))
		return 0;
	if (f->has_since && spiral_date_cmp(date, f->since) < 0)
		return 0;
	if (f->has_until && spiral_date_cmp(date, f->until) > 0)
		return 0;
	return 1;
}

int spiral_entry_selected(const spiral_filter *f, const spiral_entry *e)
{
	if (f && !phase_selected(f, e->phase))
		return 0;
	return record_selected(f, &e->who, e->date);
}

int spiral_note_selected(const spiral_filter *f, const spiral_note *n)
{
	/* A note has no phase: --phase shows entries only. */
	if (f && f->phases)
		return 0;
	return record_selected(f, &n->who, n->date);
}

int spiral_entry_matches(const spiral_filter *f, const spiral_inquiry *inq,
			 const spiral_entry *e)
{
	return inquiry_base_matches(f, inq) && spiral_entry_selected(f, e);
}

int spiral_note_matches(const spiral_filter *f, const spiral_inquiry *inq,
			const spiral_note *n)
{
	return inquiry_base_matches(f, inq) && spiral_note_selected(f, n);
}

static int cmp_recent(const void *a, const void *b)
{
	const spiral_inquiry *x = *(spiral_inquiry *const *)a;
	const spiral_inquiry *y = *(spiral_inquiry *const *)b;
	int c = spiral_date_cmp(y->updated, x->updated);

	return c ? c : strcmp(x->id, y->id);
}

int spiral_query_list(const spiral_store *st, const spiral_filter *f,
		      const spiral_inquiry ***out, size_t *n)
{
	const spiral_inquiry **rows = malloc((st->ninquiries + 1) * sizeof(*rows));
	size_t count = 0;

	if (!rows)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < st->ninquiries; i++)
		if (spiral_inquiry_matches(f, &st->inquiries[i]))
			rows[count++] = &st->inquiries[i];
	if (count > 1)
		qsort(rows, count, sizeof(*rows), cmp_recent);
	*out = rows;
	*n = count;
	return 0;
}

/* Newest first, and never against an inquiry's causal order: an entry sorts
 * by the latest date among it and the entries before it in its inquiry (a
 * back-dated entry logged after others stays above them), then by inquiry,
 * then by its place in the inquiry.  A key is as small as a row, and
 * becomes one where it lies: 100,000 entries sort in 1.6 MB. */
typedef struct log_key {
	int64_t after; /* latest date up to this entry, causally */
	uint32_t inq;  /* in the store */
	uint32_t place; /* index in the inquiry's causal order */
} log_key;

static int cmp_newest(const void *a, const void *b, void *arg)
{
	const log_key *x = a, *y = b;
	const spiral_store *st = arg;

	if (x->after != y->after)
		return x->after < y->after ? 1 : -1;
	if (x->inq != y->inq)
		return strcmp(st->inquiries[y->inq].id, st->inquiries[x->inq].id);
	return x->place < y->place ? 1 : x->place > y->place ? -1 : 0;
}

int spiral_query_log(const spiral_store *st, const spiral_filter *f,
		     const char *only, spiral_log_row **out, size_t *n)
{
	union {
		log_key key;
		spiral_log_row row;
	} *keys;
	size_t count = 0, most = 0;

	for (size_t i = 0; i < st->ninquiries; i++)
		most += st->inquiries[i].nentries;
	if (st->ninquiries > UINT32_MAX || most > UINT32_MAX)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (!(keys = malloc((most ? most : 1) * sizeof(*keys))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < st->ninquiries; i++) {
		const spiral_inquiry *inq = &st->inquiries[i];
		spiral_date after = {0, 0};
		if (only && strcmp(inq->id, only) != 0)
			continue;
		for (size_t k = 0; k < inq->nentries; k++) {
			if (k == 0 || spiral_date_cmp(inq->entries[k].date, after) > 0)
				after = inq->entries[k].date;
			if (!spiral_entry_matches(f, inq, &inq->entries[k]))
				continue;
			keys[count].key.after = after.time;
			keys[count].key.inq = (uint32_t)i;
			keys[count++].key.place = (uint32_t)k;
		}
	}
	if (count > 1)
		qsort_r(keys, count, sizeof(*keys), cmp_newest, (void *)st);
	/* Each key read before its row is written over it or before it. */
	spiral_log_row *rows = (spiral_log_row *)(void *)keys;
	for (size_t i = 0; i < count; i++) {
		const spiral_inquiry *inq = &st->inquiries[keys[i].key.inq];
		spiral_log_row row = {inq, &inq->entries[keys[i].key.place]};
		rows[i] = row;
	}
	*out = rows;
	*n = count;
	return 0;
}

int spiral_store_short_len(const spiral_store *st)
{
	/* The set spiral_store_find resolves against: a prefix shown must be
	 * one accepted, even when some folder on disk failed to load. */
	size_t n = st->ids.n ? st->ids.n : st->ninquiries;
	int len = 8;

	/* Both sets are sorted by id: only neighbours can share a prefix. */
	for (size_t i = 1; i < n; i++) {
		const char *a = st->ids.n ? st->ids.v[i - 1] : st->inquiries[i - 1].id;
		const char *b = st->ids.n ? st->ids.v[i] : st->inquiries[i].id;
		int common = 0;
		while (a[common] && a[common] == b[common])
			common++;
		if (common + 1 > len)
			len = common + 1;
	}
	return len > SPIRAL_ID_LEN ? SPIRAL_ID_LEN : len;
}
