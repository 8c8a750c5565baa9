/* Search and match: full-text search over every inquiry with BM25, and
 * what other schools' inquiries share with one (tags, learners, and the
 * cosine of TF-IDF over scan, focus and hunch).  Words are compared by
 * their key (spiral_text_key): case, accents and marks ignored. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"

/* BM25's usual constants (Robertson and Zaragoza). */
#define BM25_K1 1.2
#define BM25_B 0.75
/* A snippet: this many characters before the first match, and in all. */
#define SNIPPET_BEFORE 30
#define SNIPPET_CHARS 90
/* Shared words named in a reason. */
#define REASON_WORDS 5

/* ---- words -------------------------------------------------------------- */

typedef struct token {
	size_t off, len; /* in the original text */
	char *key;
} token;

typedef struct tokens {
	token *v;
	size_t n, cap;
} tokens;

static void tokens_free(tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Letters, marks (a decomposed accent stays in its word) and digits. */
static int word_char(unsigned cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);

	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

static int tokens_add(tokens *t, const char *s, size_t off, size_t len)
{
	char *key;
	int rc;

	if ((rc = spiral_text_key(s + off, len, &key)) < 0)
		return rc;
	if (!*key) {
		free(key); /* marks alone */
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		token *v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			free(key);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].off = off;
	t->v[t->n].len = len;
	t->v[t->n++].key = key;
	return 0;
}

/* Appends the words of s to t (offsets into s). */
static int tokenize(const char *s, tokens *t)
{
	size_t len = strlen(s), i = 0, start = 0;
	int in_word = 0, rc;

	while (i < len) {
		unsigned cp;
		size_t n = spiral_utf8_next(s + i, len - i, &cp);
		int w = n && word_char(cp);

		if (w && !in_word)
			start = i;
		if (!w && in_word && (rc = tokens_add(t, s, start, i - start)) < 0)
			return rc;
		in_word = w;
		i += n ? n : 1;
	}
	if (in_word && (rc = tokens_add(t, s, start, len - start)) < 0)
		return rc;
	return 0;
}

/* ---- search ------------------------------------------------------------- */

/* A document is counted as it is read, its words not kept, and kept only
 * if it holds every word of the query: a search of 100,000 entries holds
 * its hits only, and the text of a hit of one field is that field's. */
typedef struct doc {
	const spiral_inquiry *inq;
	const spiral_entry *entry;
	const spiral_note *note;
	const char *text; /* the fields searched, one a line */
	char *owned;	  /* text, when it was made of several fields */
	size_t words;	  /* how many */
	size_t first;	  /* offset in text of the first word of the query */
} doc;

typedef struct docs {
	doc *v;		/* the hits */
	size_t n, cap;
	size_t count;	/* documents read */
	const spiral_strv *terms;
	size_t *tf;    /* terms->n a hit: times each term is in it */
	size_t *df;    /* documents each term is in */
	size_t total;  /* words in all */
} docs;

static void docs_free(docs *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].owned);
	free(d->v);
	free(d->tf);
	free(d->df);
}

/* Reads a document of the fields (NULL-ended; NULL fields skipped). */
static int docs_add(docs *d, const spiral_inquiry *inq, const spiral_entry *e,
		    const spiral_note *note, const char *const *fields,
		    const spiral_strv *more)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	tokens words = {0};
	const char *text = NULL;
	size_t nfields = 0, nt = d->terms->n, first = 0;
	int rc, all = 1;

	for (size_t i = 0; fields[i] || fields[i + 1]; i++)
		if (fields[i]) {
			text = fields[i];
			nfields++;
		}
	nfields += more ? more->n : 0;
	if (nfields != 1) {
		/* Several fields, one a line. */
		for (size_t i = 0; fields[i] || fields[i + 1]; i++)
			if (fields[i]) {
				if (b.len)
					spiral_buf_putc(&b, '\n');
				spiral_buf_puts(&b, fields[i]);
			}
		for (size_t i = 0; more && i < more->n; i++) {
			if (b.len)
				spiral_buf_putc(&b, '\n');
			spiral_buf_puts(&b, more->v[i]);
		}
		spiral_buf_put(&b, "", 0);
		if (b.failed) {
			spiral_buf_free(&b);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
		text = b.ptr;
	}
	if ((rc = tokenize(text, &words)) < 0) {
		spiral_buf_free(&b);
		return rc;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		doc *v = realloc(d->v, cap * sizeof(*v));
		size_t *tf = v ? realloc(d->tf, cap * nt * sizeof(*tf)) : NULL;
		if (v)
			d->v = v;
		if (!tf) {
			tokens_free(&words);
			spiral_buf_free(&b);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
		d->tf = tf;
		d->cap = cap;
	}
	/* Counted in room for one more hit, kept only if it is one. */
	size_t *tf = &d->tf[d->n * nt];
	for (size_t t = 0; t < nt; t++)
		tf[t] = 0;
	for (size_t k = 0; k < words.n; k++)
		for (size_t t = 0; t < nt; t++)
			if (strcmp(words.v[k].key, d->terms->v[t]) == 0)
				tf[t]++;
	for (size_t t = 0; t < nt; t++) {
		d->df[t] += tf[t] > 0;
		all = all && tf[t] > 0;
	}
	for (size_t k = 0; all && k < words.n; k++)
		if (spiral_strv_contains(d->terms, words.v[k].key)) {
			first = words.v[k].off;
			break;
		}
	d->count++;
	d->total += words.n;
	if (all) {
		doc *x = &d->v[d->n++];
		memset(x, 0, sizeof(*x));
		x->inq = inq;
		x->entry = e;
		x->note = note;
		x->words = words.n;
		x->first = first;
		x->owned = nfields != 1 ? spiral_buf_detach(&b) : NULL;
		x->text = x->owned ? x->owned : text;
	}
	tokens_free(&words);
	spiral_buf_free(&b);
	return 0;
}

static int gather_docs(const spiral_store *st, const spiral_filter *f, docs *d)
{
	int rc = 0;

	for (size_t i = 0; i < st->ninquiries && rc == 0; i++) {
		const spiral_inquiry *inq = &st->inquiries[i];

		if (spiral_inquiry_matches(f, inq)) {
			/* Two NULLs end the list: learners may be NULL. */
			const char *fields[] = {inq->title, inq->learners, NULL, NULL};
			rc = docs_add(d, inq, NULL, NULL, fields, NULL);
		}
		for (size_t k = 0; k < inq->nentries && rc == 0; k++) {
			const spiral_entry *e = &inq->entries[k];
			const char *fields[] = {e->text, NULL, NULL};
			if (spiral_entry_matches(f, inq, e))
				rc = docs_add(d, inq, e, NULL, fields, &e->evidence);
		}
		for (size_t k = 0; k < inq->nnotes && rc == 0; k++) {
			const spiral_note *n = &inq->notes[k];
			const char *fields[] = {n->text, NULL, NULL};
			if (spiral_note_matches(f, inq, n))
				rc = docs_add(d, inq, NULL, n, fields, NULL);
		}
	}
	return rc;
}

/* A window of text around off, made one line: white space runs become
 * one space, a cut end is marked with an ellipsis.  Allocated. */
static char *make_snippet(const char *text, size_t off)
{
	size_t len = strlen(text), start = off, end = off;
	spiral_buf b = SPIRAL_BUF_INIT;
	int chars = 0, space = 0, any = 0;

	while (start > 0 && chars < SNIPPET_BEFORE) {
		start--;
		while (start > 0 && ((unsigned char)text[start] & 0xC0) == 0x80)
			start--;
		chars++;
	}
	if (start > 0) { /* begin at a word */
		size_t s = start;
		while (s < off && !strchr(" \t\n\r", text[s]))
			s++;
		if (s < off)
			start = s + 1;
	}
	for (chars = 0, end = start; end < len && chars < SNIPPET_CHARS; chars++) {
		end++;
		while (end < len && ((unsigned char)text[end] & 0xC0) == 0x80)
			end++;
	}
	if (end < len) { /* end after a word */
		size_t e = end;
		while (e > off && !strchr(" \t\n\r", text[e]))
			e--;
		if (e > off)
			end = e;
	}
	if (start > 0)
		spiral_buf_puts(&b, "\xe2\x80\xa6");
	for (size_t i = start; i < end; i++) {
		if (strchr(" \t\n\r", text[i])) {
			space = 1;
			continue;
		}
		if (space && any)
			spiral_buf_putc(&b, ' ');
		space = 0;
		any = 1;
		spiral_buf_putc(&b, text[i]);
	}
	if (end < len)
		spiral_buf_puts(&b, "\xe2\x80\xa6");
	spiral_buf_put(&b, "", 0);
	if (b.failed) {
		spiral_buf_free(&b);
		return NULL;
	}
	return spiral_buf_detach(&b);
}

static double round3(double v)
{
	return round(v * 1000.0) / 1000.0;
}

static const char *hit_record_id(const spiral_hit *h)
{
	return h->entry ? h->entry->id : h->note ? h->note->id : "";
}

static int cmp_hits(const void *a, const void *b)
{
	const spiral_hit *x = a, *y = b;
	int c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if ((c = strcmp(x->inquiry->id, y->inquiry->id)) != 0)
		return c;
	/* The inquiry itself first, then its entries, then its notes. */
	if ((x->entry != NULL) != (y->entry != NULL) || (x->note != NULL) != (y->note != NULL))
		return (x->entry ? 1 : x->note ? 2 : 0) - (y->entry ? 1 : y->note ? 2 : 0);
	return strcmp(hit_record_id(x), hit_record_id(y));
}

void spiral_hits_free(spiral_hit *hits, size_t n)
{
	for (size_t i = 0; hits && i < n; i++)
		free(hits[i].snippet);
	free(hits);
}

int spiral_search(const spiral_store *st, const spiral_filter *f,
		  const char *query, spiral_hit **out, size_t *n)
{
	tokens q = {0};
	spiral_strv terms = {0};
	docs d = {0};
	size_t *df = NULL, *tf = NULL, total = 0, nhits = 0;
	spiral_hit *hits = NULL;
	double avgdl;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = spiral_text_check(query, strlen(query), "the query")) < 0 ||
	    (rc = tokenize(query, &q)) < 0)
		goto done;
	for (size_t i = 0; i < q.n; i++)
		if (!spiral_strv_contains(&terms, q.v[i].key) &&
		    (rc = spiral_strv_push(&terms, q.v[i].key)) < 0)
			goto done;
	if (!terms.n) {
		rc = spiral_error(SPIRAL_EUSAGE, "the query holds no word to search for");
		goto done;
	}
	d.terms = &terms;
	if (!(d.df = calloc(terms.n, sizeof(*d.df)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = gather_docs(st, f, &d)) < 0)
		goto done;
	df = d.df;
	tf = d.tf;
	total = d.total;
	if (!(hits = calloc(d.n ? d.n : 1, sizeof(*hits)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	nhits = 0;
	avgdl = d.count && total ? (double)total / (double)d.count : 1.0;
	for (size_t i = 0; i < d.n; i++) {
		const doc *x = &d.v[i];
		double score = 0, dl = (double)x->words;
		size_t t;

		for (t = 0; t < terms.n; t++) {
			double f_td = (double)tf[i * terms.n + t];
			double idf = log(1.0 + ((double)d.count - (double)df[t] + 0.5) /
						       ((double)df[t] + 0.5));
			if (f_td == 0)
				break; /* every word must be there */
			score += idf * f_td * (BM25_K1 + 1) /
				 (f_td + BM25_K1 * (1 - BM25_B + BM25_B * dl / avgdl));
		}
		if (t < terms.n)
			continue;
		hits[nhits].inquiry = x->inq;
		hits[nhits].entry = x->entry;
		hits[nhits].note = x->note;
		hits[nhits].score = round3(score);
		if (!(hits[nhits++].snippet = make_snippet(x->text, x->first))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			goto done;
		}
	}
	qsort(hits, nhits, sizeof(*hits), cmp_hits);
	*out = hits;
	*n = nhits;
	hits = NULL;
done:
	spiral_hits_free(hits, nhits);
	docs_free(&d);
	tokens_free(&q);
	spiral_strv_free(&terms);
	return rc;
}

/* ---- match -------------------------------------------------------------- */

/* Words that say nothing of what an inquiry is about. */
static const char *const stop_words[] = {
	"a", "about", "after", "all", "also", "am", "an", "and", "any", "are",
	"as", "at", "be", "been", "before", "being", "but", "by", "can", "could",
	"did", "do", "does", "for", "from", "had", "has", "have", "he", "her",
	"his", "how", "i", "if", "in", "into", "is", "it", "its", "may", "me",
	"more", "most", "much", "my", "no", "not", "of", "on", "one", "only",
	"or", "our", "out", "over", "she", "so", "some", "than", "that", "the",
	"their", "them", "then", "there", "these", "they", "this", "those",
	"to", "too", "up", "us", "very", "was", "we", "were", "what", "when",
	"where", "which", "while", "who", "why", "will", "with", "would", "you",
	"your",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int stop_word(const char *key)
{
	return bsearch(&key, stop_words, sizeof(stop_words) / sizeof(stop_words[0]),
		       sizeof(stop_words[0]), cmp_str) != NULL;
}

/* Every word the profiles use, once, by number: a profile holds numbers,
 * not copies.  Once every profile is in, the numbers are put in the words'
 * order (so that comparing numbers is comparing words) and each gets its
 * weight. */
typedef struct lexicon {
	char **word;     /* by number */
	size_t n, cap;
	uint32_t *slot;  /* open addressing: a number + 1, or 0 */
	size_t nslots;
	double *idf;     /* by number, once ranked */
} lexicon;

static void lexicon_free(lexicon *lx)
{
	for (size_t i = 0; i < lx->n; i++)
		free(lx->word[i]);
	free(lx->word);
	free(lx->slot);
	free(lx->idf);
	memset(lx, 0, sizeof(*lx));
}

static size_t word_hash(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

static int lexicon_grow(lexicon *lx)
{
	size_t nslots = lx->nslots ? lx->nslots * 2 : 1024;
	uint32_t *slot = calloc(nslots, sizeof(*slot));
	char **word = realloc(lx->word, nslots / 2 * sizeof(*word));

	if (!slot || !word) {
		free(slot);
		if (word)
			lx->word = word;
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	lx->word = word;
	lx->cap = nslots / 2;
	for (size_t i = 0; i < lx->n; i++) {
		size_t k = word_hash(lx->word[i]) & (nslots - 1);
		while (slot[k])
			k = (k + 1) & (nslots - 1);
		slot[k] = (uint32_t)i + 1;
	}
	free(lx->slot);
	lx->slot = slot;
	lx->nslots = nslots;
	return 0;
}

/* key's number; key is the lexicon's (or freed, when already there). */
static int lexicon_take(lexicon *lx, char *key, uint32_t *id)
{
	size_t k;
	int rc = 0;

	if (lx->n == lx->cap)
		rc = lx->n < UINT32_MAX - 1 ? lexicon_grow(lx)
					    : spiral_error(SPIRAL_ENOMEM, "too many words");
	if (rc < 0) {
		free(key);
		return rc;
	}
	for (k = word_hash(key) & (lx->nslots - 1); lx->slot[k];
	     k = (k + 1) & (lx->nslots - 1))
		if (strcmp(lx->word[lx->slot[k] - 1], key) == 0) {
			free(key);
			*id = lx->slot[k] - 1;
			return 0;
		}
	lx->word[lx->n] = key;
	*id = (uint32_t)lx->n++;
	lx->slot[k] = *id + 1;
	return 0;
}

/* One side of a comparison: an inquiry, or all of a school's. */
typedef struct profile {
	const spiral_inquiry *inq; /* NULL for a school */
	char *school, *school_key; /* as spelt first, and folded */
	spiral_strv tags;          /* sorted, distinct */
	spiral_strv learners;      /* keys, sorted, distinct, no stop words */
	uint32_t *words;           /* of scan, focus, hunch: sorted, repeated */
	size_t nwords, capwords;
	double norm;               /* of the TF-IDF vector */
} profile;

typedef struct profiles {
	profile *v;
	size_t n;
} profiles;

static void profile_free(profile *p)
{
	free(p->school);
	free(p->school_key);
	spiral_strv_free(&p->tags);
	spiral_strv_free(&p->learners);
	free(p->words);
}

static void profiles_free(profiles *p)
{
	for (size_t i = 0; i < p->n; i++)
		profile_free(&p->v[i]);
	free(p->v);
}

/* Adds the words of s to sv (keys, stop words left out, each once). */
static int add_learners(spiral_strv *sv, const char *s)
{
	tokens t = {0};
	int rc = s ? tokenize(s, &t) : 0;

	for (size_t i = 0; i < t.n && rc == 0; i++) {
		if (stop_word(t.v[i].key) || spiral_strv_contains(sv, t.v[i].key))
			continue;
		rc = spiral_strv_push(sv, t.v[i].key);
	}
	tokens_free(&t);
	return rc;
}

/* Adds the words of s to p's (by number, stop words left out). */
static int add_words(profile *p, lexicon *lx, const char *s)
{
	tokens t = {0};
	int rc = s ? tokenize(s, &t) : 0;

	for (size_t i = 0; i < t.n && rc == 0; i++) {
		if (stop_word(t.v[i].key))
			continue;
		if (p->nwords == p->capwords) {
			size_t cap = p->capwords ? p->capwords * 2 : 64;
			uint32_t *v = realloc(p->words, cap * sizeof(*v));
			if (!v) {
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
				break;
			}
			p->words = v;
			p->capwords = cap;
		}
		rc = lexicon_take(lx, t.v[i].key, &p->words[p->nwords]);
		t.v[i].key = NULL;
		p->nwords += rc == 0;
	}
	tokens_free(&t);
	return rc;
}

static int profile_add(profile *p, lexicon *lx, const spiral_inquiry *inq)
{
	int rc = 0;

	for (size_t i = 0; i < inq->tags.n && rc == 0; i++)
		if (!spiral_strv_contains(&p->tags, inq->tags.v[i]))
			rc = spiral_strv_push(&p->tags, inq->tags.v[i]);
	if (rc == 0)
		rc = add_learners(&p->learners, inq->learners);
	for (size_t i = 0; i < inq->nentries && rc == 0; i++) {
		spiral_phase ph = inq->entries[i].phase;
		if (ph == SPIRAL_SCAN || ph == SPIRAL_FOCUS || ph == SPIRAL_HUNCH)
			rc = add_words(p, lx, inq->entries[i].text);
	}
	return rc;
}

static int school_key(const spiral_inquiry *inq, char **out)
{
	return spiral_text_fold(inq->who.school ? inq->who.school : "", out);
}

/* One profile per inquiry that f selects (by_school 0), or per school. */
static int gather_profiles(const spiral_store *st, const spiral_filter *f,
			   int by_school, lexicon *lx, profiles *out)
{
	int rc = 0;

	out->n = 0;
	if (!(out->v = calloc(st->ninquiries ? st->ninquiries : 1, sizeof(*out->v))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < st->ninquiries && rc == 0; i++) {
		const spiral_inquiry *inq = &st->inquiries[i];
		profile *p = NULL;
		char *key;

		if (!spiral_inquiry_matches(f, inq))
			continue;
		if ((rc = school_key(inq, &key)) < 0)
			break;
		for (size_t k = 0; by_school && k < out->n; k++)
			if (strcmp(out->v[k].school_key, key) == 0)
				p = &out->v[k];
		if (p) {
			free(key);
		} else {
			p = &out->v[out->n++];
			p->inq = by_school ? NULL : inq;
			p->school_key = key;
			if (!(p->school = strdup(inq->who.school ? inq->who.school : ""))) {
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
				break;
			}
		}
		rc = profile_add(p, lx, inq);
		/* The texts of the inquiries before this one are done with:
		 * a cluster's are most of what match would hold. */
		if (inq->nentries && inq->entries[0].text)
			store_texts_done(st, inq->entries[0].text);
	}
	for (size_t i = 0; i < out->n; i++) {
		spiral_strv_sort(&out->v[i].tags);
		spiral_strv_sort(&out->v[i].learners);
	}
	return rc;
}

/* A run of one word in a profile: how often. */
static size_t word_count(const profile *p, size_t *i)
{
	size_t start = *i;

	while (*i < p->nwords && p->words[*i] == p->words[start])
		(*i)++;
	return *i - start;
}

typedef struct ranked {
	const char *word;
	uint32_t id;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
	return strcmp(((const ranked *)a)->word, ((const ranked *)b)->word);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Renumbers words in their order, sorts every profile's, and weighs each
 * word by how many of all's profiles hold it (idf = ln((N + 1) / df): a
 * word in every profile still counts a little; one in none, only ours,
 * as if in one). */
static int lexicon_rank(lexicon *lx, profiles *all, profile *ours)
{
	ranked *r = malloc((lx->n ? lx->n : 1) * sizeof(*r));
	uint32_t *to = malloc((lx->n ? lx->n : 1) * sizeof(*to));
	size_t *df = calloc(lx->n ? lx->n : 1, sizeof(*df));

	if (!r || !to || !df || !(lx->idf = malloc((lx->n ? lx->n : 1) * sizeof(double)))) {
		free(r);
		free(to);
		free(df);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < lx->n; i++) {
		r[i].word = lx->word[i];
		r[i].id = (uint32_t)i;
	}
	qsort(r, lx->n, sizeof(*r), cmp_ranked);
	for (size_t i = 0; i < lx->n; i++) {
		to[r[i].id] = (uint32_t)i;
		lx->word[i] = (char *)r[i].word;
	}
	free(lx->slot); /* numbers are no longer where the hash put them */
	lx->slot = NULL;
	lx->nslots = 0;
	for (size_t i = 0; i <= all->n; i++) {
		profile *p = i < all->n ? &all->v[i] : ours;
		for (size_t k = 0; k < p->nwords; k++)
			p->words[k] = to[p->words[k]];
		qsort(p->words, p->nwords, sizeof(*p->words), cmp_u32);
		for (size_t k = 0; i < all->n && k < p->nwords;) {
			df[p->words[k]]++;
			word_count(p, &k);
		}
	}
	for (size_t i = 0; i < lx->n; i++)
		lx->idf[i] = log(((double)all->n + 1.0) / (double)(df[i] ? df[i] : 1));
	free(r);
	free(to);
	free(df);
	return 0;
}

static void profile_norm(profile *p, const lexicon *lx)
{
	double sum = 0;

	for (size_t i = 0; i < p->nwords;) {
		double w = lx->idf[p->words[i]];
		double tfidf = (double)word_count(p, &i) * w;
		sum += tfidf * tfidf;
	}
	p->norm = sqrt(sum);
}

typedef struct shared_word {
	const char *word;
	double weight;
} shared_word;

static int cmp_shared(const void *a, const void *b)
{
	const shared_word *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->word, y->word);
}

/* "LABEL: a, b, c" when names is not empty. */
static int reason_list(spiral_strv *reasons, const char *label,
		       const char *const *names, size_t n)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	int rc;

	if (!n)
		return 0;
	spiral_buf_printf(&b, "%s: ", label);
	for (size_t i = 0; i < n; i++)
		spiral_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
	spiral_buf_put(&b, "", 0);
	rc = b.failed ? spiral_error(SPIRAL_ENOMEM, "out of memory")
		      : spiral_strv_push(reasons, b.ptr);
	spiral_buf_free(&b);
	return rc;
}

/* Sorted, distinct a and b: what both hold, in common[] (borrowed). */
static size_t intersect(const spiral_strv *a, const spiral_strv *b,
			const char **common)
{
	size_t n = 0;

	for (size_t i = 0, k = 0; i < a->n && k < b->n;) {
		int c = strcmp(a->v[i], b->v[k]);
		if (c == 0)
			common[n++] = a->v[i];
		i += c <= 0;
		k += c >= 0;
	}
	return n;
}

/* The score of b against a, and its reasons. */
static int compare(const profile *a, const profile *b, const lexicon *lx,
		   spiral_match *m)
{
	size_t max = a->tags.n + a->learners.n + a->nwords + 1;
	const char **common = calloc(max, sizeof(*common));
	shared_word *shared = calloc(max, sizeof(*shared));
	size_t ntags, nlearners, nshared = 0, union_tags, union_learners;
	double dot = 0, cosine, score;
	int rc = 0;

	if (!common || !shared) {
		free(common);
		free(shared);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	ntags = intersect(&a->tags, &b->tags, common);
	for (size_t i = 0; i < ntags && rc == 0; i++) {
		spiral_buf r = SPIRAL_BUF_INIT;
		spiral_buf_printf(&r, "shared tag: %s", common[i]);
		spiral_buf_put(&r, "", 0);
		rc = r.failed ? spiral_error(SPIRAL_ENOMEM, "out of memory")
			      : spiral_strv_push(&m->reasons, r.ptr);
		spiral_buf_free(&r);
	}
	union_tags = a->tags.n + b->tags.n - ntags;
	nlearners = intersect(&a->learners, &b->learners, common);
	union_learners = a->learners.n + b->learners.n - nlearners;
	if (rc == 0)
		rc = reason_list(&m->reasons, "shared learners", common, nlearners);
	for (size_t i = 0, k = 0; i < a->nwords && k < b->nwords;) {
		uint32_t w = a->words[i];
		if (w == b->words[k]) {
			double weight = lx->idf[w], ta, tb;
			ta = (double)word_count(a, &i) * weight;
			tb = (double)word_count(b, &k) * weight;
			dot += ta * tb;
			shared[nshared].word = lx->word[w];
			shared[nshared++].weight = ta * tb;
		} else if (w < b->words[k]) {
			i++;
		} else {
			k++;
		}
	}
	cosine = a->norm > 0 && b->norm > 0 ? dot / (a->norm * b->norm) : 0;
	qsort(shared, nshared, sizeof(*shared), cmp_shared);
	for (size_t i = 0; i < nshared && i < REASON_WORDS; i++)
		common[i] = shared[i].word;
	if (rc == 0)
		rc = reason_list(&m->reasons, "shared words", common,
				 nshared < REASON_WORDS ? nshared : REASON_WORDS);
	/* Text says most; a shared focus area next; the learners least, as
	 * "Year 9" is shared by many inquiries that have little in common. */
	score = 0.5 * cosine + 0.3 * (union_tags ? (double)ntags / (double)union_tags : 0) +
		0.2 * (union_learners ? (double)nlearners / (double)union_learners : 0);
	m->score = round3(score > 1 ? 1 : score);
	free(common);
	free(shared);
	return rc;
}

static int cmp_matches(const void *a, const void *b)
{
	const spiral_match *x = a, *y = b;
	int c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->inquiry && y->inquiry)
		return strcmp(x->inquiry->id, y->inquiry->id);
	if ((c = strcmp(x->school, y->school)) != 0)
		return c;
	return 0;
}

void spiral_matches_free(spiral_match *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free(m[i].school);
		spiral_strv_free(&m[i].reasons);
	}
	free(m);
}

/* Ranks every profile of all whose school is not ours against ours. */
static int rank(const profile *ours, const profiles *all, const lexicon *lx,
		spiral_match **out, size_t *n)
{
	spiral_match *m = calloc(all->n ? all->n : 1, sizeof(*m));
	size_t nm = 0;
	int rc = 0;

	if (!m)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < all->n && rc == 0; i++) {
		const profile *p = &all->v[i];
		if (strcmp(p->school_key, ours->school_key) == 0)
			continue;
		m[nm].inquiry = p->inq;
		if (!(m[nm].school = strdup(p->school))) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			nm++;
			break;
		}
		rc = compare(ours, p, lx, &m[nm]);
		if (m[nm].score > 0) {
			nm++;
		} else {
			free(m[nm].school);
			spiral_strv_free(&m[nm].reasons);
			memset(&m[nm], 0, sizeof(m[nm]));
		}
	}
	if (rc < 0) {
		spiral_matches_free(m, nm);
		return rc;
	}
	qsort(m, nm, sizeof(*m), cmp_matches);
	*out = m;
	*n = nm;
	return 0;
}

/* Ours against all: every profile weighed, then ranked. */
static int rank_against(profile *ours, profiles *all, lexicon *lx,
			spiral_match **out, size_t *n)
{
	int rc;

	spiral_strv_sort(&ours->tags);
	spiral_strv_sort(&ours->learners);
	if ((rc = lexicon_rank(lx, all, ours)) < 0)
		return rc;
	for (size_t i = 0; i < all->n; i++)
		profile_norm(&all->v[i], lx);
	profile_norm(ours, lx);
	return rank(ours, all, lx, out, n);
}

int spiral_match_inquiries(const spiral_store *st, const spiral_filter *f,
			   const spiral_inquiry *inq, spiral_match **out,
			   size_t *n)
{
	profiles all = {0};
	lexicon lx = {0};
	profile ours;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&ours, 0, sizeof(ours));
	ours.inq = inq;
	if ((rc = gather_profiles(st, f, 0, &lx, &all)) == 0 &&
	    (rc = school_key(inq, &ours.school_key)) == 0 &&
	    (rc = profile_add(&ours, &lx, inq)) == 0) {
		rc = rank_against(&ours, &all, &lx, out, n);
	}
	profile_free(&ours);
	profiles_free(&all);
	lexicon_free(&lx);
	return rc;
}

int spiral_match_schools(const spiral_store *st, const spiral_filter *f,
			 const char *school, spiral_match **out, size_t *n)
{
	profiles all = {0};
	lexicon lx = {0};
	profile ours;
	char *key = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&ours, 0, sizeof(ours));
	if ((rc = spiral_text_fold(school, &key)) < 0 ||
	    (rc = gather_profiles(st, f, 1, &lx, &all)) < 0)
		goto done;
	/* Ours is every inquiry of our school, whatever f says. */
	ours.school_key = key;
	key = NULL;
	for (size_t i = 0; i < st->ninquiries && rc == 0; i++) {
		char *k;
		if ((rc = school_key(&st->inquiries[i], &k)) < 0)
			break;
		if (strcmp(k, ours.school_key) == 0)
			rc = profile_add(&ours, &lx, &st->inquiries[i]);
		free(k);
	}
	if (rc < 0)
		goto done;
	rc = rank_against(&ours, &all, &lx, out, n);
done:
	free(key);
	profile_free(&ours);
	profiles_free(&all);
	lexicon_free(&lx);
	return rc;
}
