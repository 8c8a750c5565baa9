/* --continues followed both ways: the inquiries an inquiry carries on from,
 * back to the first, and those that carry it on.  The links come from
 * files, so a chain may loop back on itself (hand edits) or name an inquiry
 * this repository does not hold: both stop the walk, never the reader. */
#include <stdlib.h>
#include <string.h>

#include "spiral.h"

static int cmp_inquiry_id(const void *key, const void *elem)
{
	return strcmp(key, ((const spiral_inquiry *)elem)->id);
}

static const spiral_inquiry *find_loaded(const spiral_store *st, const char *id)
{
	if (!st->ninquiries)
		return NULL;
	return bsearch(id, st->inquiries, st->ninquiries, sizeof(*st->inquiries),
		       cmp_inquiry_id);
}

static int cmp_created(const void *a, const void *b)
{
	const spiral_inquiry *x = *(const spiral_inquiry *const *)a;
	const spiral_inquiry *y = *(const spiral_inquiry *const *)b;
	int c = spiral_date_cmp(x->created, y->created);

	return c ? c : strcmp(x->id, y->id);
}

int spiral_store_lineage(const spiral_store *st, const spiral_inquiry *inq,
			 spiral_lineage *out)
{
	char *seen = calloc(st->ninquiries + 1, 1);
	const char *link = inq->continues;
	const spiral_inquiry *self = find_loaded(st, inq->id);
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->back = malloc((st->ninquiries + 1) * sizeof(*out->back));
	out->forward = malloc((st->ninquiries + 1) * sizeof(*out->forward));
	if (!seen || !out->back || !out->forward)
		goto oom;
	if (self)
		seen[self - st->inquiries] = 1;
	while (link) {
		const spiral_inquiry *p = find_loaded(st, link);
		if (!p) {
			out->missing = link;
			break;
		}
		if (seen[p - st->inquiries] || strcmp(p->id, inq->id) == 0) {
			out->loop = p->id;
			break;
		}
		seen[p - st->inquiries] = 1;
		out->back[out->nback++] = p;
		link = p->continues;
	}
	for (size_t i = 0; i < st->ninquiries; i++) {
		const spiral_inquiry *q = &st->inquiries[i];
		if (q->continues && strcmp(q->continues, inq->id) == 0 &&
		    strcmp(q->id, inq->id) != 0)
			out->forward[n++] = q;
	}
	if (n > 1)
		qsort(out->forward, n, sizeof(*out->forward), cmp_created);
	out->nforward = n;
	free(seen);
	return 0;
oom:
	free(seen);
	spiral_lineage_free(out);
	return spiral_error(SPIRAL_ENOMEM, "out of memory");
}

void spiral_lineage_free(spiral_lineage *l)
{
	free(l->back);
	free(l->forward);
	memset(l, 0, sizeof(*l));
}
