/* The cache of parsed inquiries: reading a large cluster without reading
 * every file (spiral(5), CACHE).
 *
 * What is cached is what the loader makes of one inquiry folder as
 * committed: its records, its folded state and the problems its files
 * have, keyed by the folder's git tree ID.  A commit that changes nothing
 * in a folder keeps its tree ID, so after a pull (spiral's or git's), a
 * checkout or a write, only the inquiries whose trees changed are read
 * again, from git's objects, and the cache is rewritten.  The cache is
 * .git/spiral/cache, never tracked and never the source of truth: deleted,
 * truncated or from another version, it is rebuilt.
 *
 * One file, mapped: a header, an index sorted by inquiry ID (ID, tree ID,
 * where its summary, records, texts and paths are), then every summary,
 * every record set, every inquiry's texts and every inquiry's paths, and a
 * NUL.  A summary load (list) touches the summaries only; a full load the
 * records, and the texts and paths only where they are read (put_records).
 * Numbers are the machine's own: the header says which machine wrote it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

#define CACHE_MAGIC "spiral-cache 4\n" /* 16 bytes with its NUL */
#define CACHE_ORDER 0x0102030405060708ull
#define NO_STRING UINT32_MAX
#define LINK_PROBLEM STORE_LINK_PROBLEM

typedef struct cache_slot {
	char id[SPIRAL_ID_LEN];
	unsigned char tree[GIT_OID_RAWSZ];
	/* Its continues link (show's lineage reads the slots only): none,
	 * an inquiry ID in cont, or a text that is no ID. */
	unsigned char cont_kind;
	unsigned char pad[3];
	char cont[SPIRAL_ID_LEN];
	/* Where its parts are: its summary, its records, then the texts
	 * and the paths those refer to (put_records). */
	uint64_t off[4], len[4];
} cache_slot;

enum { PART_SUMMARY, PART_RECORDS, PART_TEXTS, PART_PATHS, NPARTS };

enum { CONT_NONE, CONT_ID, CONT_OTHER };

typedef struct cache_head {
	char magic[16];
	uint64_t order, slot_size, ninquiries;
	unsigned char tree[GIT_OID_RAWSZ]; /* of inquiries/ */
	/* A commit whose inquiries/ is tree: when HEAD is this commit, the
	 * cache is HEAD's without a look at git's objects (load_repo). */
	unsigned char commit[GIT_OID_RAWSZ];
	uint64_t poff, plen; /* problems outside any inquiry folder */
} cache_head;

/* ---- writing ------------------------------------------------------------- */

static void put_u32(spiral_buf *b, uint32_t v) { spiral_buf_put(b, &v, sizeof(v)); }
static void put_i64(spiral_buf *b, int64_t v) { spiral_buf_put(b, &v, sizeof(v)); }

static void put_str(spiral_buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	/* With its NUL, so that a full load points into the map. */
	put_u32(b, s ? (uint32_t)len : NO_STRING);
	if (s)
		spiral_buf_put(b, s, len + 1);
}

static void put_strv(spiral_buf *b, const spiral_strv *sv)
{
	put_u32(b, (uint32_t)sv->n);
	for (size_t i = 0; i < sv->n; i++)
		put_str(b, sv->v[i]);
}

static void put_date(spiral_buf *b, spiral_date d)
{
	put_i64(b, d.time);
	put_u32(b, (uint32_t)d.offset);
}

static void put_who(spiral_buf *b, const spiral_who *w)
{
	put_str(b, w->author);
	put_str(b, w->email);
	put_str(b, w->school);
}

static void put_problems(spiral_buf *b, const spiral_store *st)
{
	put_u32(b, (uint32_t)st->nproblems);
	for (size_t i = 0; i < st->nproblems; i++) {
		put_str(b, st->problems[i].path);
		put_u32(b, (uint32_t)st->problems[i].line);
		put_str(b, st->problems[i].message);
	}
}

/* The summary of the one inquiry scratch holds (or of none: its problems
 * alone, when its inquiry.ini could not be read). */
static void put_summary(spiral_buf *b, const spiral_store *scratch)
{
	const spiral_inquiry *q = scratch->ninquiries ? &scratch->inquiries[0] : NULL;

	put_u32(b, q != NULL);
	if (q) {
		put_str(b, q->title0);
		put_str(b, q->learners0);
		put_str(b, q->continues);
		put_date(b, q->created);
		put_who(b, &q->who);
		put_strv(b, &q->tags0);
		put_strv(b, &q->team0);
		put_str(b, q->title);
		put_str(b, q->learners);
		put_str(b, q->status);
		put_u32(b, (uint32_t)q->closed);
		put_strv(b, &q->tags);
		put_strv(b, &q->team);
		put_u32(b, (uint32_t)q->nconflicts);
		for (size_t i = 0; i < q->nconflicts; i++) {
			put_u32(b, (uint32_t)q->conflicts[i].field);
			put_strv(b, &q->conflicts[i].values);
			put_strv(b, &q->conflicts[i].heads);
		}
		for (int f = 0; f < SPIRAL_FIELD_COUNT; f++)
			put_strv(b, &q->heads[f]);
		put_u32(b, (uint32_t)q->phase);
		put_u32(b, (uint32_t)q->cycle);
		put_date(b, q->updated);
		put_date(b, q->last_entry);
		put_u32(b, q->over_limit);
		put_i64(b, (int64_t)q->nentries);
		put_i64(b, (int64_t)q->nnotes);
		put_i64(b, (int64_t)q->nchanges);
	}
	put_problems(b, scratch);
}

/* A record set's strings are not inline but in three pools, each string
 * referred to by a u32: the pool in the top two bits, the offset in the
 * others.  Pool 0, right after the records, holds the short strings, each
 * once (the team's names, emails and schools, measures' names); pool 1 is
 * the inquiry's part of the cache's texts, pool 2 its part of the paths,
 * both far from every record.  So a load reads the records alone, and as
 * a page read brings its neighbours with it, log and report touch no
 * path, report no text, and a name written on every entry is kept once. */
enum { POOL_SHORT, POOL_TEXT, POOL_PATH, NPOOLS };
#define POOL_SHIFT 30
#define POOL_MAX ((1u << POOL_SHIFT) - 1)
#define SEEN_MAX 64

typedef struct pools {
	spiral_buf *b[NPOOLS];
	size_t start[NPOOLS];	 /* where this set's pool starts in b[k] */
	uint32_t seen[SEEN_MAX]; /* offsets in pool 0, for sharing */
	size_t nseen;
} pools;

static void put_ref(spiral_buf *b, pools *p, int k, const char *s)
{
	size_t len, off;

	if (!s) {
		put_u32(b, NO_STRING);
		return;
	}
	for (size_t i = 0; k == POOL_SHORT && i < p->nseen; i++)
		if (strcmp(p->b[k]->ptr + p->seen[i], s) == 0) {
			put_u32(b, p->seen[i]);
			return;
		}
	len = strlen(s);
	off = p->b[k]->len - p->start[k];
	if (off > POOL_MAX) {
		b->failed = 1; /* a record set of a gigabyte: not cached */
		return;
	}
	spiral_buf_put(p->b[k], s, len + 1);
	if (k == POOL_SHORT && p->nseen < SEEN_MAX && !p->b[k]->failed)
		p->seen[p->nseen++] = (uint32_t)off;
	put_u32(b, (uint32_t)k << POOL_SHIFT | (uint32_t)off);
}

static void put_who_ref(spiral_buf *b, pools *p, const spiral_who *w)
{
	put_ref(b, p, POOL_SHORT, w->author);
	put_ref(b, p, POOL_SHORT, w->email);
	put_ref(b, p, POOL_SHORT, w->school);
}

static void put_strv_ref(spiral_buf *b, pools *p, int k, const spiral_strv *sv)
{
	put_u32(b, (uint32_t)sv->n);
	for (size_t i = 0; i < sv->n; i++)
		put_ref(b, p, k, sv->v[i]);
}

static void put_kvs_ref(spiral_buf *b, pools *p, const spiral_kvs *kvs)
{
	put_u32(b, (uint32_t)kvs->n);
	for (size_t i = 0; i < kvs->n; i++) {
		put_ref(b, p, POOL_SHORT, kvs->v[i].name);
		spiral_buf_put(b, &kvs->v[i].value, sizeof(double));
	}
}

/* The records of the one inquiry scratch holds into part[PART_RECORDS]:
 * where its short strings start (from the set's start), the records, the
 * short strings; its texts and paths into those parts. */
static void put_records(spiral_buf part[NPARTS], const spiral_store *scratch)
{
	const spiral_inquiry *q = scratch->ninquiries ? &scratch->inquiries[0] : NULL;
	spiral_buf shorts = SPIRAL_BUF_INIT, *b = &part[PART_RECORDS];
	pools p = {{&shorts, &part[PART_TEXTS], &part[PART_PATHS]},
		   {0, part[PART_TEXTS].len, part[PART_PATHS].len}, {0}, 0};
	size_t start = b->len;
	uint64_t off;

	if (!q)
		return;
	put_i64(b, 0);
	put_i64(b, (int64_t)q->nentries);
	for (size_t i = 0; i < q->nentries; i++) {
		const spiral_entry *e = &q->entries[i];
		spiral_buf_put(b, e->id, SPIRAL_ID_LEN);
		put_ref(b, &p, POOL_PATH, e->path);
		put_i64(b, e->seq);
		put_u32(b, (uint32_t)e->phase);
		put_date(b, e->date);
		put_who_ref(b, &p, &e->who);
		put_u32(b, (uint32_t)e->cycle);
		put_u32(b, (uint32_t)e->new_cycle);
		put_u32(b, (uint32_t)e->verdict);
		put_ref(b, &p, POOL_TEXT, e->text);
		put_strv_ref(b, &p, POOL_TEXT, &e->evidence);
		put_kvs_ref(b, &p, &e->measures);
		put_kvs_ref(b, &p, &e->targets);
	}
	put_i64(b, (int64_t)q->nnotes);
	for (size_t i = 0; i < q->nnotes; i++) {
		const spiral_note *n = &q->notes[i];
		spiral_buf_put(b, n->id, SPIRAL_ID_LEN);
		put_ref(b, &p, POOL_PATH, n->path);
		put_i64(b, n->seq);
		put_date(b, n->date);
		put_who_ref(b, &p, &n->who);
		put_ref(b, &p, POOL_TEXT, n->text);
	}
	put_i64(b, (int64_t)q->nchanges);
	for (size_t i = 0; i < q->nchanges; i++) {
		const spiral_change *c = &q->changes[i];
		spiral_buf_put(b, c->id, SPIRAL_ID_LEN);
		put_ref(b, &p, POOL_PATH, c->path);
		put_i64(b, c->seq);
		put_date(b, c->date);
		put_who_ref(b, &p, &c->who);
		put_u32(b, (uint32_t)c->field);
		put_u32(b, (uint32_t)c->op);
		put_ref(b, &p, POOL_TEXT, c->value);
		put_strv_ref(b, &p, POOL_SHORT, &c->parents);
	}
	off = b->len - start;
	spiral_buf_put(b, shorts.ptr ? shorts.ptr : "", shorts.len);
	if (shorts.failed)
		b->failed = 1;
	spiral_buf_free(&shorts);
	if (!b->failed)
		memcpy(b->ptr + start, &off, sizeof(off));
}

/* ---- reading -------------------------------------------------------------- */

/* What a store's borrowed records live in: the cache file, mapped, and
 * blocks of room for their arrays, all freed with the store. */
typedef struct keep_block {
	struct keep_block *next;
	size_t used, cap;
	size_t mapped; /* its length if mapped, 0 if allocated; 32 bytes in
			* all: what follows is aligned */
} keep_block;

struct store_keep {
	struct store_keep *next; /* an earlier load into the same store */
	void *map;
	size_t size;
	size_t gone; /* store_texts_done: the map's pages given back up to here */
	keep_block *blocks;
};

#define KEEP_BLOCK ((size_t)4 << 20)
#define MADV_BATCH ((size_t)1 << 20) /* store_texts_done: pages given back at once */
#define HUGE_PAGE ((size_t)2 << 20)

/* Room of at least size bytes, zeroed.  Fresh pages from the system cost
 * no clearing.  Blocks after the first (a full load's 20 MB of records,
 * not a summary load's 2 MB) are mapped on a 2 MB boundary and offered to
 * the kernel's huge pages: they fault in ten times instead of 5,000, and
 * each fault costs more than its page (15% of a full load before). */
static keep_block *keep_block_new(size_t size, int huge)
{
	size_t len = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	char *p, *a;
	keep_block *b;

	if (!huge)
		return calloc(1, size);
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return calloc(1, size);
	a = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + HUGE_PAGE > a)
		munmap(a + len, (size_t)(p + HUGE_PAGE - a));
#ifdef MADV_HUGEPAGE
	madvise(a, len, MADV_HUGEPAGE);
#endif
	b = (keep_block *)a;
	b->mapped = len;
	return b;
}

/* Offers the whole 2 MB pages inside [p, p + n), which will all be
 * written, to the kernel's huge pages (as keep_block_new). */
static void advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

static void *keep_alloc(struct store_keep *k, size_t n)
{
	keep_block *b = k->blocks;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > KEEP_BLOCK - sizeof(*b) ? n : KEEP_BLOCK - sizeof(*b);
		if (!(b = keep_block_new(sizeof(*b) + cap, k->blocks != NULL)))
			return NULL;
		b->next = k->blocks;
		b->used = 0;
		b->cap = cap;
		k->blocks = b;
	}
	p = (char *)(b + 1) + b->used;
	b->used += n;
	return p;
}

void store_texts_done(const spiral_store *st, const char *p)
{
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	for (struct store_keep *k = st->keep; k; k = k->next) {
		const char *base = k->map;
		size_t at;

		if (!base || p < base || p >= base + k->size)
			continue;
		at = (size_t)(p - base) & ~(page - 1);
		if (!k->gone) {
			/* The first text read: only what is above it goes. */
			k->gone = ((size_t)(p - base) + page - 1) & ~(page - 1);
		} else if (at >= k->gone + MADV_BATCH) {
			madvise((void *)(base + k->gone), at - k->gone, MADV_DONTNEED);
			k->gone = at;
		}
		return;
	}
}

void store_keep_free(struct store_keep *keep)
{
	while (keep) {
		struct store_keep *next = keep->next;
		for (keep_block *b = keep->blocks, *bn; b; b = bn) {
			bn = b->next;
			if (b->mapped)
				munmap(b, b->mapped);
			else
				free(b);
		}
		if (keep->map)
			munmap(keep->map, keep->size);
		free(keep);
		keep = next;
	}
}

/* A cursor over bytes of the mapped cache; any read past the end sets bad
 * and yields zeros, so a damaged cache reads as wrong, never out of
 * bounds.  Out of memory sets nomem.  With keep, strings and arrays are
 * not copied but borrowed: pointers into the map, arrays in keep. */
typedef struct cur {
	const unsigned char *p, *end;
	int bad, nomem;
	struct store_keep *keep;
	/* A record set's strings are references into its pools
	 * (put_records); the map ends with a NUL (set_pool). */
	int refs;
	const char *pool[NPOOLS];
	size_t pool_len[NPOOLS];
} cur;

static void get(cur *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
}

static uint32_t get_u32(cur *c)
{
	uint32_t v;
	get(c, &v, sizeof(v));
	return v;
}

static int64_t get_i64(cur *c)
{
	int64_t v;
	get(c, &v, sizeof(v));
	return v;
}

/* The next string where it is (NULL: none stored, or bad). */
static const char *ref_str(cur *c, size_t *len_out)
{
	uint32_t len = get_u32(c);
	const char *s;

	if (c->bad || len == NO_STRING)
		return NULL;
	if ((size_t)(c->end - c->p) <= len || c->p[len] != '\0') {
		c->bad = 1;
		return NULL;
	}
	s = (const char *)c->p;
	c->p += (size_t)len + 1;
	*len_out = len;
	return s;
}

/* The next reference's string where it is (NULL: none stored, or bad).
 * Its bytes are not read (set_pool). */
static const char *pool_str(cur *c)
{
	uint32_t ref = get_u32(c), k = ref >> POOL_SHIFT, off = ref & POOL_MAX;

	if (c->bad || ref == NO_STRING)
		return NULL;
	if (k >= NPOOLS || off >= c->pool_len[k]) {
		c->bad = 1;
		return NULL;
	}
	return c->pool[k] + off;
}

static char *get_str(cur *c)
{
	size_t len = 0;
	const char *p = c->refs ? pool_str(c) : ref_str(c, &len);
	char *s;

	if (p && !c->keep && c->refs)
		len = strlen(p); /* measured only for a copy */
	if (!p || c->keep)
		return (char *)p; /* borrowed: the map is read-only */
	if (!(s = malloc(len + 1))) {
		c->nomem = c->bad = 1;
		return NULL;
	}
	memcpy(s, p, len + 1);
	return s;
}

/* Room for n items of size bytes, each at least min bytes in the cache,
 * borrowed (zeroed: keep_alloc's room always is), or NULL with bad set. */
static void *keep_array(cur *c, size_t n, size_t size, size_t min)
{
	void *p;

	if (n > (size_t)(c->end - c->p) / min) {
		c->bad = 1;
		return NULL;
	}
	if (!(p = keep_alloc(c->keep, n * size))) {
		c->nomem = c->bad = 1;
		return NULL;
	}
	return p;
}

static void get_strv(cur *c, spiral_strv *sv)
{
	uint32_t n = get_u32(c);

	if (c->keep) {
		if (n && (sv->v = keep_array(c, n, sizeof(*sv->v), c->refs ? 4 : 5)))
			for (sv->cap = n; sv->n < n && !c->bad; sv->n++)
				if (!(sv->v[sv->n] = get_str(c)))
					c->bad = 1;
		return;
	}

	/* Room for exactly n: most hold one or two values. */
	if (n && !sv->cap && n <= (size_t)(c->end - c->p) / 4) {
		if (!(sv->v = malloc(n * sizeof(*sv->v))))
			c->nomem = c->bad = 1;
		else
			sv->cap = n;
	}

	for (uint32_t i = 0; i < n && !c->bad; i++) {
		char *s = get_str(c);
		if (!s) {
			c->bad = 1;
			break;
		}
		if (spiral_strv_push(sv, s) < 0)
			c->nomem = c->bad = 1;
		free(s);
	}
}

static void skip_strv(cur *c)
{
	uint32_t n = get_u32(c);

	for (uint32_t i = 0; i < n && !c->bad; i++) {
		uint32_t len = get_u32(c);
		if (len == NO_STRING || (size_t)(c->end - c->p) <= len)
			c->bad = 1;
		else
			c->p += (size_t)len + 1;
	}
}

static spiral_date get_date(cur *c)
{
	spiral_date d;

	d.time = get_i64(c);
	d.offset = (int)get_u32(c);
	return d;
}

static void get_who(cur *c, spiral_who *w)
{
	w->author = get_str(c);
	w->email = get_str(c);
	w->school = get_str(c);
}

static void get_kvs(cur *c, spiral_kvs *kvs)
{
	uint32_t n = get_u32(c);

	if (c->keep) {
		/* As written: names already distinct. */
		if (n && (kvs->v = keep_array(c, n, sizeof(*kvs->v), c->refs ? 12 : 13)))
			for (kvs->cap = n; kvs->n < n && !c->bad; kvs->n++) {
				kvs->v[kvs->n].name = get_str(c);
				get(c, &kvs->v[kvs->n].value, sizeof(double));
				if (!kvs->v[kvs->n].name)
					c->bad = 1;
			}
		return;
	}

	for (uint32_t i = 0; i < n && !c->bad; i++) {
		char *name = get_str(c);
		double v;
		get(c, &v, sizeof(v));
		if (!name)
			c->bad = 1;
		else if (spiral_kvs_set(kvs, name, v) < 0)
			c->nomem = c->bad = 1;
		free(name);
	}
}

static void get_id(cur *c, char id[SPIRAL_ID_LEN + 1])
{
	get(c, id, SPIRAL_ID_LEN);
	id[SPIRAL_ID_LEN] = '\0';
}

/* A count of items of at least min bytes each that the rest can hold. */
static size_t get_count(cur *c, size_t min)
{
	int64_t n = get_i64(c);

	if (n < 0 || (uint64_t)n > (uint64_t)(c->end - c->p) / min) {
		c->bad = 1;
		return 0;
	}
	return (size_t)n;
}

static void get_problems(cur *c, spiral_store *st)
{
	uint32_t n = get_u32(c);

	for (uint32_t i = 0; i < n && !c->bad; i++) {
		char *path = get_str(c);
		int line = (int)get_u32(c);
		char *msg = get_str(c);
		if (path && msg && !c->bad)
			spiral_store_problem(st, path, line, "%s", msg);
		else
			c->bad = 1;
		free(path);
		free(msg);
	}
}

/* The header and folded state of a summary into q (without its problems,
 * which follow).  Returns whether an inquiry is there. */
static int get_summary(cur *c, spiral_inquiry *q)
{
	if (!get_u32(c))
		return 0;
	q->title0 = get_str(c);
	q->learners0 = get_str(c);
	q->continues = get_str(c);
	q->created = get_date(c);
	get_who(c, &q->who);
	get_strv(c, &q->tags0);
	get_strv(c, &q->team0);
	for (int i = 0; i < 3; i++)
		q->owned[i] = get_str(c);
	q->closed = (int)get_u32(c);
	q->title = q->owned[0];
	q->learners = q->owned[1];
	q->status = q->owned[2];
	get_strv(c, &q->tags);
	get_strv(c, &q->team);
	q->nconflicts = get_u32(c);
	if (q->nconflicts > (size_t)(c->end - c->p)) {
		c->bad = 1;
		q->nconflicts = 0;
	}
	if (q->nconflicts &&
	    !(q->conflicts = calloc(q->nconflicts, sizeof(*q->conflicts)))) {
		c->nomem = c->bad = 1;
		q->nconflicts = 0;
	}
	for (size_t i = 0; i < q->nconflicts; i++) {
		q->conflicts[i].field = (spiral_field)get_u32(c);
		get_strv(c, &q->conflicts[i].values);
		get_strv(c, &q->conflicts[i].heads);
	}
	/* Heads are what a write needs (as parents), and a write loads its
	 * inquiry whole: a summary goes without them. */
	for (int f = 0; f < SPIRAL_FIELD_COUNT; f++)
		skip_strv(c);
	q->phase = (spiral_phase)get_u32(c);
	q->cycle = (int)get_u32(c);
	q->updated = get_date(c);
	q->last_entry = get_date(c);
	q->over_limit = get_u32(c);
	for (int i = 0; i < 3; i++)
		q->counts[i] = (size_t)get_i64(c);
	q->summary = 1;
	if (!q->title || !q->learners || !q->status)
		c->bad = 1;
	return 1;
}

/* Room for n records (n already checked against what is left). */
static void *record_array(cur *c, size_t n, size_t size)
{
	void *p;

	if (!c->keep)
		return calloc(n, size);
	p = keep_alloc(c->keep, n * size); /* zeroed */
	return p;
}

/* A pool of strings.  Not one byte of it is read here (that would bring
 * its page in): the map ends with a NUL (cache_open), so any string in
 * it ends inside it. */
static void set_pool(cur *c, int k, const unsigned char *p, size_t len)
{
	c->pool[k] = (const char *)p;
	c->pool_len[k] = len;
}

/* The records from c, in their order (sorted when the inquiry was
 * folded); the pools of its texts and paths are already set. */
static void get_records(cur *c, spiral_inquiry *q)
{
	const unsigned char *base = c->p;
	uint64_t off;
	size_t n;

	q->borrowed = c->keep != NULL;
	get(c, &off, sizeof(off));
	if (c->bad || off < sizeof(off) || off > (uint64_t)(c->end - base)) {
		c->bad = 1;
		return;
	}
	set_pool(c, POOL_SHORT, base + off, (size_t)(c->end - base - off));
	c->end = base + off;
	c->refs = 1;
	n = get_count(c, SPIRAL_ID_LEN);

	if (n && !(q->entries = record_array(c, n, sizeof(*q->entries))))
		c->nomem = c->bad = 1;
	for (size_t i = 0; i < n && !c->bad; i++) {
		spiral_entry *e = &q->entries[q->nentries++];
		get_id(c, e->id);
		e->path = get_str(c);
		e->seq = get_i64(c);
		e->phase = (spiral_phase)get_u32(c);
		e->date = get_date(c);
		get_who(c, &e->who);
		e->cycle = (int)get_u32(c);
		e->new_cycle = (int)get_u32(c);
		e->verdict = (spiral_verdict)get_u32(c);
		e->text = get_str(c);
		get_strv(c, &e->evidence);
		get_kvs(c, &e->measures);
		get_kvs(c, &e->targets);
		if (!e->path || !e->text || (unsigned)e->phase >= SPIRAL_PHASE_COUNT)
			c->bad = 1;
	}
	n = c->bad ? 0 : get_count(c, SPIRAL_ID_LEN);
	if (n && !(q->notes = record_array(c, n, sizeof(*q->notes))))
		c->nomem = c->bad = 1;
	for (size_t i = 0; i < n && !c->bad; i++) {
		spiral_note *no = &q->notes[q->nnotes++];
		get_id(c, no->id);
		no->path = get_str(c);
		no->seq = get_i64(c);
		no->date = get_date(c);
		get_who(c, &no->who);
		no->text = get_str(c);
		if (!no->path || !no->text)
			c->bad = 1;
	}
	n = c->bad ? 0 : get_count(c, SPIRAL_ID_LEN);
	if (n && !(q->changes = record_array(c, n, sizeof(*q->changes))))
		c->nomem = c->bad = 1;
	for (size_t i = 0; i < n && !c->bad; i++) {
		spiral_change *ch = &q->changes[q->nchanges++];
		get_id(c, ch->id);
		ch->path = get_str(c);
		ch->seq = get_i64(c);
		ch->date = get_date(c);
		get_who(c, &ch->who);
		ch->field = (spiral_field)get_u32(c);
		ch->op = (spiral_op)get_u32(c);
		ch->value = get_str(c);
		get_strv(c, &ch->parents);
		if (!ch->path || !ch->value || (unsigned)ch->field >= SPIRAL_FIELD_COUNT)
			c->bad = 1;
	}
}

/* ---- the cache file -------------------------------------------------------- */

typedef struct cache_map {
	unsigned char *base;
	size_t size;
	const cache_head *head;
	const cache_slot *slots;
	dev_t dev; /* the file mapped */
	ino_t ino;
} cache_map;

static char *cache_path(spiral_repo *r, const char *name)
{
	spiral_buf b = SPIRAL_BUF_INIT;

	if (spiral_buf_printf(&b, "%sspiral/%s", git_repository_path(repo_git(r)),
			      name) < 0) {
		spiral_buf_free(&b);
		return NULL;
	}
	return spiral_buf_detach(&b);
}

/* Maps the cache if it is there and whole; else leaves m empty. */
static void cache_open(spiral_repo *r, cache_map *m)
{
	char *path = cache_path(r, "cache");
	int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) : -1;
	struct stat sb;
	const cache_head *h;
	void *p;

	memset(m, 0, sizeof(*m));
	free(path);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (size_t)sb.st_size < sizeof(cache_head) ||
	    (p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
		    MAP_FAILED) {
		close(fd);
		return;
	}
	close(fd);
	h = p;
	if (memcmp(h->magic, CACHE_MAGIC, 16) != 0 || h->order != CACHE_ORDER ||
	    h->slot_size != sizeof(cache_slot) ||
	    h->ninquiries > ((size_t)sb.st_size - sizeof(*h)) / sizeof(cache_slot) ||
	    h->poff > (size_t)sb.st_size || h->plen > (size_t)sb.st_size - h->poff ||
	    ((const char *)p)[sb.st_size - 1] != '\0') {
		munmap(p, (size_t)sb.st_size);
		return;
	}
	m->base = p;
	m->size = (size_t)sb.st_size;
	m->head = h;
	m->slots = (const cache_slot *)(h + 1);
	m->dev = sb.st_dev;
	m->ino = sb.st_ino;
}

/* Notes in the cache m maps that commit's inquiries/ is its tree (the
 * caller has seen it is), so that the next load need not look: written
 * only into the very file m maps, never into a cache another command has
 * put in its place since.  A cache that cannot be written is left. */
static void cache_note_commit(spiral_repo *r, const cache_map *m, const git_oid *commit)
{
	char *path = cache_path(r, "cache");
	int fd = path ? open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) : -1;
	struct stat sb;

	free(path);
	if (fd < 0)
		return;
	/* Not written: the next load looks at git's objects, as now. */
	if (fstat(fd, &sb) == 0 && sb.st_dev == m->dev && sb.st_ino == m->ino)
		(void)!pwrite(fd, commit->id, GIT_OID_RAWSZ, offsetof(cache_head, commit));
	close(fd);
}

static void cache_close(cache_map *m)
{
	if (m->base)
		munmap(m->base, m->size);
	memset(m, 0, sizeof(*m));
}

static int slot_ok(const cache_map *m, const cache_slot *s)
{
	for (int k = 0; k < NPARTS; k++)
		if (s->off[k] > m->size || s->len[k] > m->size - s->off[k])
			return 0;
	return 1;
}

static cur blob_at(const cache_map *m, uint64_t off, uint64_t len)
{
	cur c = {.p = m->base + off, .end = m->base + off + len};
	return c;
}

/* ---- what HEAD holds ------------------------------------------------------- */

/* One inquiry folder of HEAD: its id and tree (NULL: read from the cache
 * as it is, the whole inquiries/ tree being unchanged). */
typedef struct head_inquiry {
	char id[SPIRAL_ID_LEN + 1];
	git_oid tree;
} head_inquiry;

typedef struct loader {
	spiral_store *st;
	spiral_repo *r;
	git_repository *git;
	unsigned flags;
	cache_map map;
	struct store_keep *keep; /* full loads: the map, kept with the store */
	spiral_store outside; /* problems outside any inquiry folder */
	head_inquiry *found;
	size_t nfound, capfound;
	/* The new cache, when anything changed. */
	int dirty;
	spiral_buf part[NPARTS]; /* as slots' parts */
	/* While the cache is rebuilt (rebuild): each part is written to a
	 * file as it grows, flushed[k] bytes so far, so that 10,000
	 * inquiries are never in memory at once. */
	int pfd[NPARTS];
	uint64_t flushed[NPARTS];
	cache_slot *slots;
	size_t nslots;
	struct wt_dirs *wt; /* the work tree, as read_inquiry_worktree reads it */
	git_oid commit; /* HEAD's, whose tree is read */
} loader;

static int nomem(void) { return spiral_error(SPIRAL_ENOMEM, "out of memory"); }

static void outside_problem(loader *l, const char *path, const char *message)
{
	spiral_store_problem(&l->outside, path, 0, "%s", message);
}

static int is_blob_mode(git_filemode_t mode)
{
	return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

/* The inquiry folders of one fan tree, as the work tree loader finds them:
 * real folders named by a valid id of that fan. */
static int scan_fan_tree(loader *l, const git_tree *fan, const char *name)
{
	for (size_t i = 0; i < git_tree_entrycount(fan); i++) {
		const git_tree_entry *te = git_tree_entry_byindex(fan, i);
		const char *id = git_tree_entry_name(te);
		git_filemode_t mode = git_tree_entry_filemode(te);
		spiral_buf rel = SPIRAL_BUF_INIT;

		if (!spiral_id_valid(id) || strncmp(id, name, 2) != 0)
			continue;
		if (mode != GIT_FILEMODE_TREE) {
			if (spiral_buf_printf(&rel, "inquiries/%s/%s", name, id) < 0)
				return nomem();
			outside_problem(l, rel.ptr, mode == GIT_FILEMODE_LINK
							    ? LINK_PROBLEM
							    : "not a folder");
			spiral_buf_free(&rel);
			continue;
		}
		if (l->nfound == l->capfound) {
			size_t cap = l->capfound ? 2 * l->capfound : 256;
			head_inquiry *p = realloc(l->found, cap * sizeof(*p));
			if (!p)
				return nomem();
			l->found = p;
			l->capfound = cap;
		}
		memcpy(l->found[l->nfound].id, id, SPIRAL_ID_LEN + 1);
		git_oid_cpy(&l->found[l->nfound].tree, git_tree_entry_id(te));
		l->nfound++;
	}
	return 0;
}

static int scan_head(loader *l, const git_tree *inquiries)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < git_tree_entrycount(inquiries); i++) {
		const git_tree_entry *te = git_tree_entry_byindex(inquiries, i);
		const char *name = git_tree_entry_name(te);
		git_filemode_t mode = git_tree_entry_filemode(te);
		git_tree *fan = NULL;
		spiral_buf rel = SPIRAL_BUF_INIT;

		if (mode == GIT_FILEMODE_LINK) {
			if (spiral_buf_printf(&rel, "inquiries/%s", name) < 0)
				return nomem();
			outside_problem(l, rel.ptr, LINK_PROBLEM);
			spiral_buf_free(&rel);
			continue;
		}
		if (strlen(name) != 2 || mode != GIT_FILEMODE_TREE)
			continue;
		if (git_tree_lookup(&fan, l->git, git_tree_entry_id(te)) < 0)
			return repo_git_fail("cannot read a folder of inquiries/");
		rc = scan_fan_tree(l, fan, name);
		git_tree_free(fan);
		/* A fan tree is rebuilt from a chain of deltas: libgit2
		 * keeps their bases (up to 16 MB) and the pages of the pack
		 * they are in until let go.  A fan's bases are of no use to
		 * the next fans: letting go every 16 fans halves what a
		 * first read holds, at no cost in time. */
		if (i % 16 == 15)
			repo_let_go(l->r);
	}
	return rc;
}

/* ---- reading one inquiry from git's objects -------------------------------- */

/* The file rel as the work tree has it, when it is exactly the blob HEAD
 * has there (its git ID says so): reading a file is much cheaper than
 * undoing a chain of deltas in a pack.  Returns 1 when fed, 0 when the
 * blob must be read from git, or an error. */
static int feed_worktree(loader *l, spiral_store *scratch,
			 const git_tree_entry *te, const char *rel)
{
	spiral_buf full = SPIRAL_BUF_INIT;
	char *data = NULL;
	size_t len = 0;
	git_oid id;
	int rc = 0;

	if (spiral_buf_printf(&full, "%s/%s", spiral_repo_top(l->r), rel) < 0)
		return nomem();
	if (read_file_bounded(full.ptr, SPIRAL_MAX_FILE, &data, &len) < 0) {
		spiral_error_clear();
	} else if (git_odb_hash(&id, data, len, GIT_OBJECT_BLOB) == 0 &&
		   git_oid_equal(&id, git_tree_entry_id(te))) {
		rc = spiral_store_add_file(scratch, rel, data, len);
		if (rc == 0)
			rc = 1;
	}
	git_error_clear();
	free(data);
	spiral_buf_free(&full);
	return rc;
}

static int feed_blob(loader *l, spiral_store *scratch, const git_tree_entry *te,
		     const char *rel)
{
	git_odb *odb = NULL;
	git_blob *blob = NULL;
	git_object_t type;
	size_t size = 0;
	int rc = feed_worktree(l, scratch, te, rel);

	if (rc != 0)
		return rc < 0 ? rc : 0;

	if (git_repository_odb(&odb, l->git) < 0 ||
	    git_odb_read_header(&size, &type, odb, git_tree_entry_id(te)) < 0) {
		git_odb_free(odb);
		spiral_store_problem(scratch, rel, 0, "cannot be read: %s",
				     git_error_last() ? git_error_last()->message : "?");
		git_error_clear();
		return 0;
	}
	git_odb_free(odb);
	if (size > SPIRAL_MAX_FILE) {
		spiral_store_problem(scratch, rel, 0, "is larger than %d MiB",
				     SPIRAL_MAX_FILE / (1024 * 1024));
		return 0;
	}
	if (git_blob_lookup(&blob, l->git, git_tree_entry_id(te)) < 0) {
		spiral_store_problem(scratch, rel, 0, "cannot be read: %s",
				     git_error_last() ? git_error_last()->message : "?");
		git_error_clear();
		return 0;
	}
	rc = spiral_store_add_file(scratch, rel, git_blob_rawcontent(blob),
				   (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

static int read_record_tree(loader *l, spiral_store *scratch, const git_tree *t,
			    const char *rel)
{
	size_t n = store_records_capped(scratch, rel, git_tree_entrycount(t));
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(t, i);
		git_filemode_t mode = git_tree_entry_filemode(te);
		spiral_buf f = SPIRAL_BUF_INIT;
		if (spiral_buf_printf(&f, "%s/%s", rel, git_tree_entry_name(te)) < 0)
			return nomem();
		if (is_blob_mode(mode))
			rc = feed_blob(l, scratch, te, f.ptr);
		else if (mode == GIT_FILEMODE_LINK)
			spiral_store_problem(scratch, f.ptr, 0, LINK_PROBLEM);
		else
			spiral_store_problem(scratch, f.ptr, 0,
					     "not a regular file (folders are not "
					     "followed)");
		spiral_buf_free(&f);
	}
	return rc;
}

/* ---- an inquiry folder the work tree has exactly as HEAD -----------------
 *
 * A clean work tree holds every inquiry folder just as HEAD's tree does.
 * The folder is read from there, and what it holds hashed as git would
 * hash it (each file a blob, each folder a tree): when the folder's tree
 * ID is HEAD's, its files are HEAD's, and neither the tree nor any blob
 * need be read from git's packs.  Anything else (a file edited, added or
 * unreadable, a link, another folder) and the folder is read from git. */

typedef struct wt_node {
	size_t name, nlen; /* in the arena */
	size_t data, len;  /* a file's bytes, in the arena */
	size_t sub, nsub;  /* a record folder's files: v[sub .. sub + nsub) */
	unsigned mode;     /* git's: 0100644 or 040000 */
	git_oid id;
} wt_node;

/* What one inquiry folder may hold to be read this way: a larger one is
 * read from git, a file at a time. */
#define WT_MAX_BYTES (16u << 20)
#define WT_DENTS (32u << 10)

/* The work tree's top, its inquiries/ and the fan folder last read in it
 * (fan_name names it), each -1 until opened; and the room an inquiry
 * folder is read into, kept from one to the next: its names and bytes
 * (arena), its files and folders (v), what getdents64 gives (dents, one
 * for a folder and one for its record folder), a path and a tree.  One
 * per reader. */
typedef struct wt_dirs {
	const char *top;
	int inq, fan;
	char fan_name[3];
	spiral_buf arena, path, tree;
	wt_node *v;
	size_t n, cap;
	char *dents;
	EVP_MD_CTX *md;
	EVP_MD *sha1;
} wt_dirs;

#define WT_DIRS(top) {(top), -1, -1, "", SPIRAL_BUF_INIT, SPIRAL_BUF_INIT, \
		       SPIRAL_BUF_INIT, NULL, 0, 0, NULL, NULL, NULL}

/* The ID git gives the object of that type ("blob", "tree") and bytes. */
static int wt_hash(wt_dirs *w, const char *type, const void *data, size_t len,
		   git_oid *id)
{
	char head[32];
	int n = snprintf(head, sizeof(head), "%s %zu", type, len);
	unsigned got = 0;

	if (!w->md && !(w->md = EVP_MD_CTX_new()))
		return nomem();
	/* Fetched once: OpenSSL 3 would look EVP_sha1() up at every use. */
	if (!w->sha1 && !(w->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)))
		return spiral_error(SPIRAL_ERROR, "cannot hash a file: no SHA-1");
	if (EVP_DigestInit_ex(w->md, w->sha1, NULL) != 1 ||
	    EVP_DigestUpdate(w->md, head, (size_t)n + 1) != 1 ||
	    EVP_DigestUpdate(w->md, data, len) != 1 ||
	    EVP_DigestFinal_ex(w->md, id->id, &got) != 1 || got != GIT_OID_RAWSZ)
		return spiral_error(SPIRAL_ERROR, "cannot hash a file");
	return 0;
}

static const char *wt_name(const wt_dirs *w, const wt_node *x)
{
	return w->arena.ptr + x->name;
}

/* git's order of a tree's entries: by name, a folder's as if it ended
 * with a slash.  (qsort has no context: the arena is in wt_sorting.) */
static _Thread_local const wt_dirs *wt_sorting;

static int wt_cmp(const void *pa, const void *pb)
{
	const wt_node *a = pa, *b = pb;
	const char *an = wt_name(wt_sorting, a), *bn = wt_name(wt_sorting, b);
	size_t n = a->nlen < b->nlen ? a->nlen : b->nlen;
	int c = memcmp(an, bn, n);
	unsigned ca, cb;

	if (c)
		return c;
	ca = a->nlen > n ? (unsigned char)an[n] : a->mode == 040000 ? '/' : 0;
	cb = b->nlen > n ? (unsigned char)bn[n] : b->mode == 040000 ? '/' : 0;
	return (ca > cb) - (ca < cb);
}

/* Sorts v[at .. at + n) as git does and hashes the tree it makes. */
static int wt_tree_id(wt_dirs *w, size_t at, size_t n, git_oid *id)
{
	spiral_buf *b = &w->tree;

	wt_sorting = w;
	qsort(w->v + at, n, sizeof(*w->v), wt_cmp);
	b->len = 0;
	for (size_t i = at; i < at + n; i++) {
		const wt_node *x = &w->v[i];
		if (x->mode == 040000 && !x->nsub)
			continue; /* git keeps no empty folder */
		spiral_buf_puts(b, x->mode == 040000 ? "40000 " : "100644 ");
		spiral_buf_put(b, wt_name(w, x), x->nlen + 1); /* with its NUL */
		spiral_buf_put(b, x->id.id, GIT_OID_RAWSZ);
	}
	if (b->failed)
		return nomem();
	return wt_hash(w, "tree", b->ptr ? b->ptr : "", b->len, id);
}

/* The file name in dir into the arena and x, hashed, when it is a file
 * spiral reads and *room (bytes) holds it: 1; else 0, or an error.  Read
 * until a read gives less than was asked (the end of a regular file), and
 * hashed as a file that is not executable: a file read short, or that git
 * has as executable, makes a tree that is not HEAD's, and is then read
 * from git; a file that is executable only in the work tree has HEAD's
 * bytes. */
static int wt_file(wt_dirs *w, int dir, const char *name, wt_node *x, size_t *room)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	spiral_buf *a = &w->arena;
	size_t ask = 16u << 10;
	int rc = 1;

	if (fd < 0)
		return 0;
	x->data = a->len;
	for (;;) {
		ssize_t got;
		if (a->cap - a->len < ask + 1 && spiral_buf_reserve(a, ask + 1) < 0) {
			rc = nomem();
			break;
		}
		got = read(fd, a->ptr + a->len, ask);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = 0;
			break;
		}
		a->len += (size_t)got;
		if ((size_t)got < ask)
			break;
		if (a->len - x->data > SPIRAL_MAX_FILE || a->len - x->data >= *room) {
			rc = 0; /* read from git, which says what is wrong */
			break;
		}
		ask *= 2;
	}
	close(fd);
	x->len = a->len - x->data;
	if (rc != 1 || x->len > SPIRAL_MAX_FILE || x->len >= *room)
		return rc < 0 ? rc : 0;
	a->ptr[a->len++] = '\0'; /* each file's bytes end with a NUL */
	*room -= x->len;
	x->mode = 0100644;
	if (wt_hash(w, "blob", a->ptr + x->data, x->len, &x->id) < 0)
		return -1;
	return 1;
}

/* One getdents64 record. */
typedef struct wt_dent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
} wt_dent;

/* The folder fd (closed here) read into v[*at ..] (*at set to where its
 * entries start, *n to how many), its record folders too when depth is 0;
 * *room is what it may still hold in bytes.  Returns 1 when it holds only
 * what git could hold for an inquiry (regular files and record folders, no
 * more than spiral reads), 0 when not, or an error.  A folder's names are
 * read with getdents64 until it gives less than a full buffer: one call
 * for any inquiry folder; a name missed would make a tree not HEAD's. */
static int wt_read(wt_dirs *w, int fd, int depth, size_t *at, size_t *n,
		   size_t *room)
{
	char *dents = w->dents + depth * WT_DENTS;
	size_t start = w->n;
	long got;
	int rc = 1;

	*at = start;
	*n = 0;
	do {
		got = syscall(SYS_getdents64, fd, dents, WT_DENTS);
		for (long o = 0; rc == 1 && o < got;) {
			const wt_dent *de = (const wt_dent *)(dents + o);
			size_t len = strlen(de->name);
			wt_node *x;
			o += de->reclen;
			if (de->name[0] == '.' && (len == 1 || (len == 2 && de->name[1] == '.')))
				continue;
			if (w->n - start == SPIRAL_MAX_RECORDS) {
				rc = 0;
				break;
			}
			if (w->n == w->cap) {
				size_t cap = w->cap ? 2 * w->cap : 64;
				wt_node *p = realloc(w->v, cap * sizeof(*p));
				if (!p) {
					rc = nomem();
					break;
				}
				w->v = p;
				w->cap = cap;
			}
			x = &w->v[w->n++];
			memset(x, 0, sizeof(*x));
			x->name = w->arena.len;
			x->nlen = len;
			if (spiral_buf_put(&w->arena, de->name, len + 1) < 0)
				rc = nomem();
			/* The type, kept in mode until the file is read. */
			x->mode = de->type;
		}
	} while (rc == 1 && got > (long)(WT_DENTS - 512));
	if (got < 0)
		rc = 0;
	*n = w->n - start;
	/* Then each file read and each record folder, in turn. */
	for (size_t i = start; rc == 1 && i < start + *n; i++) {
		const char *name = w->arena.ptr + w->v[i].name;
		unsigned type = w->v[i].mode;
		struct stat sb;
		size_t sub = 0, nsub = 0;
		int dfd;
		/* A file system that does not say is asked. */
		if (type == DT_UNKNOWN && fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			type = S_ISDIR(sb.st_mode) ? DT_DIR : S_ISREG(sb.st_mode) ? DT_REG
										    : DT_UNKNOWN;
		if (type == DT_REG) {
			rc = wt_file(w, fd, name, &w->v[i], room);
		} else if (type == DT_DIR && depth == 0 && store_is_record_folder(name)) {
			if ((dfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							    O_CLOEXEC)) < 0)
				rc = 0;
			else
				rc = wt_read(w, dfd, 1, &sub, &nsub, room);
			w->v[i].mode = 040000;
			w->v[i].sub = sub;
			w->v[i].nsub = nsub;
			if (rc == 1 && nsub && (rc = wt_tree_id(w, sub, nsub, &w->v[i].id)) == 0)
				rc = 1;
		} else {
			rc = 0;
		}
	}
	close(fd);
	return rc;
}

/* The folder of inquiry id in the work tree, opened through inquiries/
 * and its fan folder (kept open for the next inquiry of that fan), no
 * link followed; or -1. */
static int wt_open(wt_dirs *w, const char *id)
{
	const int dir = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

	if (w->inq < 0) {
		int t = w->top ? open(w->top, dir & ~O_NOFOLLOW) : -1;
		if (t < 0)
			return -1;
		w->inq = openat(t, "inquiries", dir);
		close(t);
		if (w->inq < 0)
			return -1;
	}
	if (w->fan < 0 || memcmp(w->fan_name, id, 2) != 0) {
		if (w->fan >= 0)
			close(w->fan);
		memcpy(w->fan_name, id, 2);
		w->fan_name[2] = '\0';
		if ((w->fan = openat(w->inq, w->fan_name, dir)) < 0)
			return -1;
	}
	return openat(w->fan, id, dir);
}

static void wt_close(wt_dirs *w)
{
	if (w->fan >= 0)
		close(w->fan);
	if (w->inq >= 0)
		close(w->inq);
	w->fan = w->inq = -1;
	spiral_buf_free(&w->arena);
	spiral_buf_free(&w->path);
	spiral_buf_free(&w->tree);
	free(w->v);
	free(w->dents);
	EVP_MD_CTX_free(w->md);
	EVP_MD_free(w->sha1);
	w->sha1 = NULL;
	w->v = NULL;
	w->dents = NULL;
	w->md = NULL;
	w->n = w->cap = 0;
}

/* w->path made the first dirlen bytes it holds, a slash and x's name. */
static int wt_path(wt_dirs *w, size_t dirlen, const wt_node *x)
{
	w->path.len = dirlen;
	spiral_buf_putc(&w->path, '/');
	spiral_buf_put(&w->path, wt_name(w, x), x->nlen);
	return w->path.failed ? nomem() : 0;
}

/* Feeds the file x to scratch as dir/name, or sub/name. */
static int wt_feed(wt_dirs *w, spiral_store *scratch, size_t dirlen,
		   const wt_node *x)
{
	if (wt_path(w, dirlen, x) < 0)
		return -1;
	return spiral_store_add_file(scratch, w->path.ptr, w->arena.ptr + x->data, x->len);
}

/* The inquiry folder hi from the work tree, when it is exactly HEAD's
 * (dir names it): fed as read_inquiry_tree would feed it, in git's order.
 * Returns 1 when fed, 0 when it must be read from git (nothing fed), or
 * an error.  It reads no more than w and scratch: readers run it side by
 * side (read_ahead). */
static int read_inquiry_worktree(wt_dirs *w, spiral_store *scratch,
				 const head_inquiry *hi, const char *dir)
{
	int fd = wt_open(w, hi->id);
	size_t at, n, room = WT_MAX_BYTES, dirlen = strlen(dir);
	git_oid id;
	int rc;

	if (fd < 0)
		return 0;
	w->arena.len = 0;
	w->n = 0;
	if (!w->dents && !(w->dents = malloc(2 * WT_DENTS))) {
		close(fd);
		return nomem();
	}
	rc = wt_read(w, fd, 0, &at, &n, &room);
	if (rc == 1 && (rc = wt_tree_id(w, at, n, &id)) == 0)
		rc = git_oid_equal(&id, &hi->tree);
	w->path.len = 0;
	if (spiral_buf_put(&w->path, dir, dirlen) < 0)
		rc = nomem();
	for (size_t i = at; rc == 1 && i < at + n; i++) {
		const wt_node *x = &w->v[i];
		size_t sublen, m;
		if (x->mode != 040000) {
			if (wt_feed(w, scratch, dirlen, x) < 0)
				rc = -1;
			continue;
		}
		if (!x->nsub)
			continue; /* git keeps no empty folder */
		if (wt_path(w, dirlen, x) < 0) {
			rc = -1;
			break;
		}
		sublen = w->path.len;
		m = store_records_capped(scratch, w->path.ptr, x->nsub);
		for (size_t j = x->sub; rc == 1 && j < x->sub + m; j++)
			if (wt_feed(w, scratch, sublen, &w->v[j]) < 0)
				rc = -1;
	}
	if (w->arena.cap > (1u << 20)) /* an inquiry larger than most */
		spiral_buf_free(&w->arena);
	return rc;
}

/* The inquiry folder hi of HEAD into scratch, loaded and folded: from the
 * work tree when it has it as HEAD does (unless a reader found it does
 * not: worktree 0), else from git. */
static int read_inquiry_tree(loader *l, spiral_store *scratch,
			     const head_inquiry *hi, int worktree)
{
	git_tree *t = NULL;
	char *dir = spiral_path_inquiry_dir(hi->id);
	int rc = 0;

	if (!dir)
		return nomem();
	if (worktree && (rc = read_inquiry_worktree(l->wt, scratch, hi, dir)) != 0) {
		free(dir);
		return rc < 0 ? rc : spiral_store_finish(scratch);
	}
	if (git_tree_lookup(&t, l->git, &hi->tree) < 0) {
		free(dir);
		return repo_git_fail("cannot read an inquiry folder");
	}
	for (size_t i = 0; rc == 0 && i < git_tree_entrycount(t); i++) {
		const git_tree_entry *te = git_tree_entry_byindex(t, i);
		const char *name = git_tree_entry_name(te);
		git_filemode_t mode = git_tree_entry_filemode(te);
		spiral_buf rel = SPIRAL_BUF_INIT;
		git_tree *sub = NULL;
		if (spiral_buf_printf(&rel, "%s/%s", dir, name) < 0) {
			rc = nomem();
			break;
		}
		if (is_blob_mode(mode)) {
			rc = feed_blob(l, scratch, te, rel.ptr);
		} else if (mode == GIT_FILEMODE_LINK) {
			spiral_store_problem(scratch, rel.ptr, 0, LINK_PROBLEM);
		} else if (mode == GIT_FILEMODE_TREE && store_is_record_folder(name)) {
			if (git_tree_lookup(&sub, l->git, git_tree_entry_id(te)) < 0) {
				rc = repo_git_fail("cannot read a record folder");
			} else {
				rc = read_record_tree(l, scratch, sub, rel.ptr);
				git_tree_free(sub);
			}
		} else {
			spiral_store_problem(scratch, rel.ptr, 0,
					     "not a regular file or record folder");
		}
		spiral_buf_free(&rel);
	}
	git_tree_free(t);
	free(dir);
	if (rc == 0)
		rc = spiral_store_finish(scratch);
	return rc;
}

/* ---- putting it together ------------------------------------------------- */

static void slot_set_cont(cache_slot *s, const char *continues)
{
	if (!continues)
		s->cont_kind = CONT_NONE;
	else if (strlen(continues) == SPIRAL_ID_LEN) {
		s->cont_kind = CONT_ID;
		memcpy(s->cont, continues, SPIRAL_ID_LEN);
	} else
		s->cont_kind = CONT_OTHER;
}

static int push_slot(loader *l, const head_inquiry *hi, const uint64_t off[NPARTS],
		     const uint64_t len[NPARTS])
{
	cache_slot *s;

	if (l->nslots % 256 == 0) {
		s = realloc(l->slots, (l->nslots + 256) * sizeof(*s));
		if (!s)
			return nomem();
		l->slots = s;
	}
	s = &l->slots[l->nslots++];
	memset(s, 0, sizeof(*s));
	memcpy(s->id, hi->id, SPIRAL_ID_LEN);
	memcpy(s->tree, hi->tree.id, GIT_OID_RAWSZ);
	memcpy(s->off, off, sizeof(s->off));
	memcpy(s->len, len, sizeof(s->len));
	return 0;
}

/* Moves *q into st (whose room the loader made for every inquiry of
 * HEAD, so that 10,000 are not copied again and again as it grows). */
static int push_inquiry(spiral_store *st, spiral_inquiry *q)
{
	if (st->ninquiries == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 256;
		spiral_inquiry *more = realloc(st->inquiries, cap * sizeof(*more));
		if (!more)
			return nomem();
		st->inquiries = more;
		st->cap = cap;
	}
	st->inquiries[st->ninquiries++] = *q;
	return 0;
}

/* Moves the one inquiry of scratch (if any) and its problems into st. */
static int adopt(spiral_store *st, spiral_store *scratch)
{
	for (size_t i = 0; i < scratch->nproblems; i++) {
		spiral_problem *p = &scratch->problems[i];
		spiral_store_problem(st, p->path, p->line, "%s", p->message);
	}
	if (scratch->ninquiries) {
		if (push_inquiry(st, &scratch->inquiries[0]) < 0)
			return SPIRAL_ENOMEM;
		scratch->ninquiries = 0;
	}
	return 0;
}

/* From the cache: the slot's inquiry into st, as a summary or with its
 * records.  Returns 0, 1 when the cache entry cannot be
 * used (then nothing was added), or an error. */
static int from_cache(loader *l, const cache_slot *s)
{
	int summary = (l->flags & SPIRAL_LOAD_SUMMARY) != 0;
	cur c = blob_at(&l->map, s->off[PART_SUMMARY], s->len[PART_SUMMARY]);
	cur rc_ = blob_at(&l->map, s->off[PART_RECORDS], s->len[PART_RECORDS]);
	spiral_store one = {0};
	spiral_inquiry q = {0};
	int has;

	memcpy(q.id, s->id, SPIRAL_ID_LEN);
	q.id[SPIRAL_ID_LEN] = '\0';
	/* The folded state is the summary's, whether the records come
	 * with it or not: they are the ones it was folded from.  It is
	 * borrowed from the map, as the records are (a summary load's
	 * strings are not copied either: list at full size 31 -> 25 MB). */
	q.borrowed = l->keep != NULL;
	c.keep = q.borrowed ? l->keep : NULL;
	has = get_summary(&c, &q);
	c.keep = NULL; /* the problems are copied */
	if (has && !summary) {
		rc_.keep = l->keep;
		set_pool(&rc_, POOL_TEXT, l->map.base + s->off[PART_TEXTS],
			 s->len[PART_TEXTS]);
		set_pool(&rc_, POOL_PATH, l->map.base + s->off[PART_PATHS],
			 s->len[PART_PATHS]);
		get_records(&rc_, &q);
		q.summary = 0;
	}
	get_problems(&c, &one);
	if (c.bad || rc_.bad || (has && !(q.dir = spiral_path_inquiry_dir(q.id)))) {
		int oom = c.nomem || rc_.nomem || (has && !q.dir && !c.bad && !rc_.bad);
		spiral_inquiry_free(&q);
		spiral_store_free(&one);
		return oom ? nomem() : 1;
	}
	c.bad = adopt(l->st, &one);
	spiral_store_free(&one);
	if (c.bad == 0 && has)
		c.bad = push_inquiry(l->st, &q);
	if (c.bad)
		spiral_inquiry_free(&q);
	return c.bad;
}

static const cache_slot *cached(const loader *l, const char *id, size_t *hint)
{
	size_t n = l->map.head ? l->map.head->ninquiries : 0;

	/* Both lists are sorted by id: walk them together. */
	while (*hint < n && memcmp(l->map.slots[*hint].id, id, SPIRAL_ID_LEN) < 0)
		(*hint)++;
	if (*hint < n && memcmp(l->map.slots[*hint].id, id, SPIRAL_ID_LEN) == 0)
		return &l->map.slots[*hint];
	return NULL;
}

/* The old cache's slot for hi when it holds hi's tree, whole; else NULL. */
static const cache_slot *current(const loader *l, const head_inquiry *hi, size_t *hint)
{
	const cache_slot *s = cached(l, hi->id, hint);

	return s && slot_ok(&l->map, s) && memcmp(s->tree, hi->tree.id, GIT_OID_RAWSZ) == 0
		       ? s
		       : NULL;
}

/* The inquiry folder hi of HEAD, read into scratch, put in the new
 * cache's parts at off[] (marked fresh: relative to the parts). */
static int put_read(loader *l, const head_inquiry *hi, spiral_store *scratch,
		    uint64_t off[NPARTS])
{
	uint64_t len[NPARTS];
	int rc = 0;

	for (int k = 0; k < NPARTS; k++)
		off[k] = l->flushed[k] + l->part[k].len;
	put_summary(&l->part[PART_SUMMARY], scratch);
	put_records(l->part, scratch);
	for (int k = 0; k < NPARTS; k++) {
		len[k] = l->flushed[k] + l->part[k].len - off[k];
		off[k] |= 1ull << 63;
		if (l->part[k].failed)
			rc = nomem();
	}
	if (rc == 0)
		rc = push_slot(l, hi, off, len);
	if (rc == 0 && scratch->ninquiries)
		slot_set_cont(&l->slots[l->nslots - 1], scratch->inquiries[0].continues);
	return rc;
}

/* The same, read first (worktree: as read_inquiry_tree). */
static int put_fresh(loader *l, const head_inquiry *hi, spiral_store *scratch,
		     uint64_t off[NPARTS], int worktree)
{
	int rc = read_inquiry_tree(l, scratch, hi, worktree);

	return rc < 0 ? rc : put_read(l, hi, scratch, off);
}

/* Keeps the old cache's slot s for hi in the new cache. */
static int keep_slot(loader *l, const head_inquiry *hi, const cache_slot *s)
{
	int rc = push_slot(l, hi, s->off, s->len);

	if (rc == 0) {
		l->slots[l->nslots - 1].cont_kind = s->cont_kind;
		memcpy(l->slots[l->nslots - 1].cont, s->cont, SPIRAL_ID_LEN);
	}
	return rc;
}

static int load_one(loader *l, const head_inquiry *hi, size_t *hint)
{
	const cache_slot *s = current(l, hi, hint);
	spiral_store scratch = {0};
	uint64_t off[NPARTS];
	int rc;

	if (s) {
		if ((rc = from_cache(l, s)) <= 0)
			return rc == 0 ? keep_slot(l, hi, s) : rc;
	}
	/* Not cached, changed, or damaged: read from git and cache it anew
	 * (offsets into the new blobs are relative until written). */
	l->dirty = 1;
	rc = put_fresh(l, hi, &scratch, off, 1);
	/* A summary load keeps no records: the summary just written stands
	 * for the inquiry, as it would have come from the cache. */
	if (rc == 0 && (l->flags & SPIRAL_LOAD_SUMMARY) && scratch.ninquiries) {
		spiral_inquiry q = {0};
		spiral_buf *sums = &l->part[PART_SUMMARY];
		cur c = {.p = (const unsigned char *)sums->ptr + (off[PART_SUMMARY] & ~(1ull << 63)),
			 .end = (const unsigned char *)sums->ptr + sums->len};
		memcpy(q.id, hi->id, SPIRAL_ID_LEN + 1);
		get_summary(&c, &q);
		if (c.bad || !(q.dir = spiral_path_inquiry_dir(q.id))) {
			spiral_inquiry_free(&q);
			rc = nomem();
		} else {
			spiral_inquiry_free(&scratch.inquiries[0]);
			scratch.inquiries[0] = q;
		}
	}
	if (rc == 0)
		rc = adopt(l->st, &scratch);
	spiral_store_free(&scratch);
	return rc;
}

/* Writes the new cache: a temporary file renamed over the old one.  A
 * cache that cannot be written is no error: the next command reads git's
 * objects again. */

/* The old cache's pieces [off, off+len) of the kept slots (field: 0 for
 * summaries, 1 for records), written in slot order, adjacent ones in one
 * write. */
static int write_kept(int fd, const loader *l, int field)
{
	const uint64_t fresh = 1ull << 63;
	uint64_t run = 0, runlen = 0;

	for (size_t i = 0; i < l->nslots; i++) {
		uint64_t off = l->slots[i].off[field];
		uint64_t len = l->slots[i].len[field];
		if (off & fresh)
			continue;
		if (runlen && run + runlen == off) {
			runlen += len;
			continue;
		}
		if (runlen && repo_write_all(fd, l->map.base + run, runlen) < 0)
			return -1;
		run = off;
		runlen = len;
	}
	return runlen ? repo_write_all(fd, l->map.base + run, runlen) : 0;
}

/* What rebuild wrote of part k to its file, copied to fd. */
static int copy_flushed(int fd, const loader *l, int k)
{
	char *buf;
	off_t in = 0;
	uint64_t at;
	int rc = 0;

	if (!l->flushed[k])
		return 0;
	/* Copied by the kernel where it can (no pass through this process),
	 * else, from where that stopped, read and written. */
	while ((uint64_t)in < l->flushed[k] &&
	       copy_file_range(l->pfd[k], &in, fd, NULL, (size_t)(l->flushed[k] - (uint64_t)in),
			       0) > 0)
		;
	if ((at = (uint64_t)in) == l->flushed[k])
		return 0;
	if (!(buf = malloc(1u << 20)))
		return -1;
	while (rc == 0 && at < l->flushed[k]) {
		size_t want = l->flushed[k] - at < (1u << 20) ? (size_t)(l->flushed[k] - at)
							      : (1u << 20);
		ssize_t got = pread(l->pfd[k], buf, want, (off_t)at);
		if (got <= 0)
			rc = -1;
		else {
			rc = repo_write_all(fd, buf, (size_t)got);
			at += (uint64_t)got;
		}
	}
	free(buf);
	return rc;
}

/* Writes the new cache: a temporary file renamed over the old one.
 * Returns whether it was written; one that cannot be is no error: the
 * next command reads git's objects again. */
static int cache_write(loader *l, const git_oid *inquiries_tree)
{
	char *dir = cache_path(l->r, ""), *path = cache_path(l->r, "cache");
	spiral_buf tmp = SPIRAL_BUF_INIT, outp = SPIRAL_BUF_INIT;
	const uint64_t fresh = 1ull << 63; /* an offset into l->part[] */
	cache_slot *ns = NULL;
	cache_head h;
	uint64_t at;
	int fd = -1, ok = 0;

	if (!dir || !path || !(ns = malloc((l->nslots + 1) * sizeof(*ns))))
		goto out;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CACHE_MAGIC, 16);
	h.order = CACHE_ORDER;
	h.slot_size = sizeof(cache_slot);
	h.ninquiries = l->nslots;
	if (inquiries_tree)
		memcpy(h.tree, inquiries_tree->id, GIT_OID_RAWSZ);
	memcpy(h.commit, l->commit.id, GIT_OID_RAWSZ);
	/* Layout: head, slots, problems outside any inquiry, every summary
	 * (those kept from the old cache, then the new ones), every record
	 * set (likewise), every inquiry's texts, every inquiry's paths. */
	put_problems(&outp, &l->outside);
	if (outp.failed)
		goto out;
	at = sizeof(h) + l->nslots * sizeof(*ns);
	h.poff = at;
	h.plen = outp.len;
	at += outp.len;
	if (l->nslots)
		memcpy(ns, l->slots, l->nslots * sizeof(*ns));
	for (int k = 0; k < NPARTS; k++) {
		for (size_t i = 0; i < l->nslots; i++)
			if (!(ns[i].off[k] & fresh)) {
				ns[i].off[k] = at;
				at += ns[i].len[k];
			}
		for (size_t i = 0; i < l->nslots; i++)
			if (ns[i].off[k] & fresh)
				ns[i].off[k] = at + (ns[i].off[k] & ~fresh);
		at += l->flushed[k] + l->part[k].len;
	}
	mkdir(dir, 0777);
	if (spiral_buf_printf(&tmp, "%s.tmp-XXXXXX", path) < 0 ||
	    (fd = mkstemp(tmp.ptr)) < 0)
		goto out;
	ok = repo_write_all(fd, &h, sizeof(h)) == 0 &&
	     repo_write_all(fd, ns, l->nslots * sizeof(*ns)) == 0 &&
	     repo_write_all(fd, outp.ptr, outp.len) == 0;
	for (int k = 0; k < NPARTS && ok; k++)
		ok = write_kept(fd, l, k) == 0 && copy_flushed(fd, l, k) == 0 &&
		     repo_write_all(fd, l->part[k].ptr, l->part[k].len) == 0;
	/* Last, a NUL: every string in the map ends inside it (set_pool). */
	ok = ok && repo_write_all(fd, "", 1) == 0;
	if (close(fd) < 0)
		ok = 0;
	fd = -1;
	if (ok && rename(tmp.ptr, path) < 0)
		ok = 0;
out:
	if (fd >= 0)
		close(fd);
	if (!ok && tmp.ptr)
		unlink(tmp.ptr);
	free(ns);
	spiral_buf_free(&tmp);
	spiral_buf_free(&outp);
	free(dir);
	free(path);
	return ok;
}

/* ---- reading ahead, in threads -------------------------------------------
 *
 * A first read is mostly reading, hashing and parsing files, each inquiry
 * on its own: readers (one a processor) read the inquiries to come from
 * the work tree, up to READ_AHEAD of them ahead, while the loader puts
 * each in the cache in order, and reads from git any that a reader found
 * not to be as HEAD has it.  A reader touches only its own wt_dirs and its
 * job's store (read_inquiry_worktree); its errors come back in its job. */
#define READ_AHEAD 64
#define MAX_READERS 8

typedef struct read_job {
	const head_inquiry *hi;
	spiral_store scratch;
	int rc; /* read_inquiry_worktree's, or an error with err */
	int done;
	char err[256];
} read_job;

typedef struct readers {
	const char *top;
	const head_inquiry **todo; /* the inquiries to read, in order */
	size_t ntodo, next, taken;  /* handed out, and taken back, so far */
	read_job ring[READ_AHEAD];
	pthread_t tid[MAX_READERS];
	size_t n; /* readers running (0: the loader reads alone) */
	int stop;
	/* Who sleeps: readers with no room ahead (idle), the loader till
	 * jobs are done (waiting).  Each is woken only when it can go on:
	 * the loader once READ_BATCH jobs in a row are done, or the rest. */
	size_t idle;
	int waiting;
	pthread_mutex_t mu;
	pthread_cond_t room, done;
} readers;

#define READ_BATCH 8

/* Whether the loader, waiting, may go on: jobs done in a row from the
 * next it takes, READ_BATCH of them or all that are left.  Under mu. */
static int readers_batch_done(const readers *R)
{
	size_t k = R->taken;

	while (k < R->next && k < R->taken + READ_BATCH && R->ring[k % READ_AHEAD].done)
		k++;
	return k == R->taken + READ_BATCH || k == R->ntodo;
}

static void *reader_main(void *arg)
{
	readers *R = arg;
	wt_dirs w = WT_DIRS(R->top);

	pthread_mutex_lock(&R->mu);
	for (;;) {
		read_job *j;
		char *dir;
		int rc;

		while (!R->stop && !(R->next < R->ntodo && R->next < R->taken + READ_AHEAD)) {
			R->idle++;
			pthread_cond_wait(&R->room, &R->mu);
			R->idle--;
		}
		if (R->stop)
			break;
		j = &R->ring[R->next % READ_AHEAD];
		j->hi = R->todo[R->next++];
		pthread_mutex_unlock(&R->mu);
		memset(&j->scratch, 0, sizeof(j->scratch));
		if (!(dir = spiral_path_inquiry_dir(j->hi->id)))
			rc = nomem();
		else if ((rc = read_inquiry_worktree(&w, &j->scratch, j->hi, dir)) == 1 &&
			 (rc = spiral_store_finish(&j->scratch)) == 0)
			rc = 1;
		free(dir);
		if (rc < 0)
			snprintf(j->err, sizeof(j->err), "%s", spiral_error_message());
		j->rc = rc;
		pthread_mutex_lock(&R->mu);
		j->done = 1;
		if (R->waiting && readers_batch_done(R))
			pthread_cond_signal(&R->done);
	}
	pthread_mutex_unlock(&R->mu);
	wt_close(&w);
	return NULL;
}

/* Starts the readers for the inquiries of l->found that the old cache does
 * not hold, when there are enough of them to be worth it. */
static int readers_start(readers *R, loader *l, size_t *hint)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(R, 0, sizeof(*R));
	R->top = spiral_repo_top(l->r);
	if (!R->top || cpus < 2 || !(R->todo = malloc((l->nfound + 1) * sizeof(*R->todo))))
		return 0; /* the loader reads alone */
	for (size_t i = 0; i < l->nfound; i++)
		if (!current(l, &l->found[i], hint))
			R->todo[R->ntodo++] = &l->found[i];
	if (R->ntodo < READ_AHEAD || pthread_mutex_init(&R->mu, NULL) != 0) {
		free(R->todo);
		R->todo = NULL;
		return 0;
	}
	if (pthread_cond_init(&R->room, NULL) != 0) {
		pthread_mutex_destroy(&R->mu);
		free(R->todo);
		R->todo = NULL;
		return 0;
	}
	if (pthread_cond_init(&R->done, NULL) != 0) {
		pthread_cond_destroy(&R->room);
		pthread_mutex_destroy(&R->mu);
		free(R->todo);
		R->todo = NULL;
		return 0;
	}
	for (long k = 0; k < cpus && k < MAX_READERS; k++) {
		if (pthread_create(&R->tid[R->n], NULL, reader_main, R) != 0)
			break;
		R->n++;
	}
	if (!R->n) {
		pthread_cond_destroy(&R->done);
		pthread_cond_destroy(&R->room);
		pthread_mutex_destroy(&R->mu);
	}
	return 0;
}

/* The next inquiry's job, once its reader is done; NULL when the loader
 * reads alone. */
static read_job *readers_next(readers *R)
{
	read_job *j;

	if (!R->n)
		return NULL;
	j = &R->ring[R->taken % READ_AHEAD];
	pthread_mutex_lock(&R->mu);
	if (!j->done) {
		R->waiting = 1;
		while (!readers_batch_done(R))
			pthread_cond_wait(&R->done, &R->mu);
		R->waiting = 0;
	}
	pthread_mutex_unlock(&R->mu);
	return j;
}

/* The job readers_next gave is put: its room goes to the next one. */
static void readers_done_with(readers *R)
{
	read_job *j = &R->ring[R->taken % READ_AHEAD];

	spiral_store_free(&j->scratch);
	pthread_mutex_lock(&R->mu);
	j->done = 0;
	R->taken++;
	if (R->idle)
		pthread_cond_signal(&R->room);
	pthread_mutex_unlock(&R->mu);
}

static void readers_stop(readers *R)
{
	if (R->n) {
		pthread_mutex_lock(&R->mu);
		R->stop = 1;
		pthread_cond_broadcast(&R->room);
		pthread_mutex_unlock(&R->mu);
		for (size_t k = 0; k < R->n; k++)
			pthread_join(R->tid[k], NULL);
		/* Jobs read ahead of an error are dropped. */
		for (size_t k = R->taken; k < R->next; k++)
			spiral_store_free(&R->ring[k % READ_AHEAD].scratch);
		pthread_cond_destroy(&R->done);
		pthread_cond_destroy(&R->room);
		pthread_mutex_destroy(&R->mu);
	}
	free(R->todo);
	memset(R, 0, sizeof(*R));
}

/* Rebuilds the cache for HEAD's inquiries (l->found) before they are
 * loaded: those whose tree is the old cache's are kept as they are, the
 * others read from git an inquiry at a time, each part written to a file
 * as it grows; then the new cache is written and mapped, and the load
 * reads it as it reads any.  So a first read holds no more than the next
 * one.  Returns 0 (l->map is the new cache), 1 when no cache could be
 * written (the load then reads git as it goes, as it always could), or
 * an error. */
#define PART_FLUSH (64u << 10)

static int rebuild(loader *l, const git_oid *inquiries_tree)
{
	char *dir = cache_path(l->r, "");
	size_t hint = 0;
	readers R = {0};
	int rc = 0, made = 0;

	for (int k = 0; k < NPARTS; k++)
		l->pfd[k] = -1;
	if (!dir)
		return nomem();
	mkdir(dir, 0777);
	for (int k = 0; k < NPARTS && rc == 0; k++) {
		spiral_buf tmp = SPIRAL_BUF_INIT;
		if (spiral_buf_printf(&tmp, "%scache.part-XXXXXX", dir) < 0)
			rc = nomem();
		else if ((l->pfd[k] = mkstemp(tmp.ptr)) < 0)
			rc = 1; /* no room for a cache here */
		else
			unlink(tmp.ptr); /* gone with the process */
		spiral_buf_free(&tmp);
	}
	/* Each tree is read once: libgit2's object cache would keep them. */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	if (rc == 0)
		rc = readers_start(&R, l, &hint);
	hint = 0;
	for (size_t i = 0; rc == 0 && i < l->nfound; i++) {
		const head_inquiry *hi = &l->found[i];
		const cache_slot *s = current(l, hi, &hint);
		spiral_store scratch = {0};
		uint64_t off[NPARTS];
		read_job *j = NULL;
		if (s)
			rc = keep_slot(l, hi, s);
		else if (!(j = readers_next(&R)))
			rc = put_fresh(l, hi, &scratch, off, 1);
		else if (j->rc < 0)
			rc = spiral_error(j->rc, "%s", j->err);
		else if (j->rc == 1)
			rc = put_read(l, hi, &j->scratch, off);
		else
			rc = put_fresh(l, hi, &scratch, off, 0);
		if (j)
			readers_done_with(&R);
		spiral_store_free(&scratch);
		for (int k = 0; rc == 0 && k < NPARTS; k++) {
			if (l->part[k].len < PART_FLUSH)
				continue;
			if (repo_write_all(l->pfd[k], l->part[k].ptr, l->part[k].len) < 0) {
				rc = 1;
				break;
			}
			l->flushed[k] += l->part[k].len;
			l->part[k].len = 0;
			l->part[k].ptr[0] = '\0';
		}
	}
	readers_stop(&R);
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 1);
	/* What the reading took goes back before the load: the room the
	 * inquiries were read in, git's packs and the 16 MB of delta bases
	 * libgit2 keeps with them. */
	repo_let_go(l->r);
	if (rc == 0 && cache_write(l, inquiries_tree)) {
		cache_close(&l->map);
		cache_open(l->r, &l->map);
		made = l->map.head && l->map.head->ninquiries == l->nfound &&
		       (!inquiries_tree || memcmp(l->map.head->tree, inquiries_tree->id,
						  GIT_OID_RAWSZ) == 0);
	}
	/* The load starts afresh, from the new cache or from git. */
	for (int k = 0; k < NPARTS; k++) {
		if (l->pfd[k] >= 0)
			close(l->pfd[k]);
		l->pfd[k] = -1;
		l->flushed[k] = 0;
		spiral_buf_free(&l->part[k]);
	}
	l->nslots = 0;
	free(dir);
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	if (rc < 0)
		return rc;
	return made ? 0 : 1;
}

static int cmp_inquiry(const void *a, const void *b)
{
	return strcmp(((const spiral_inquiry *)a)->id,
		      ((const spiral_inquiry *)b)->id);
}

static const cache_slot *slot_of(const cache_map *m, const char *id, size_t len)
{
	size_t lo = 0, hi = m->head->ninquiries;

	if (len != SPIRAL_ID_LEN)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(m->slots[mid].id, id, SPIRAL_ID_LEN);
		if (c == 0)
			return &m->slots[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Marks in want[] (by slot) what spiral_store_lineage walks for inq: it,
 * the inquiries it continues (its own link first, as it is in the work
 * tree), back to a missing one or a loop, and those that continue it.
 * Reads only the continues links of the summaries. */
static void mark_lineage(const cache_map *m, const spiral_inquiry *inq,
			 unsigned char *want)
{
	const char *link = inq->continues;
	size_t n = m->head->ninquiries, idlen = strlen(inq->id);
	size_t len = link ? strlen(link) : 0;
	const cache_slot *s = slot_of(m, inq->id, idlen);

	if (s)
		want[s - m->slots] = 1;
	for (size_t steps = 0; link && steps <= n && (s = slot_of(m, link, len)); steps++) {
		if (want[s - m->slots])
			break; /* a loop */
		want[s - m->slots] = 1;
		/* A link that is no ID names no inquiry: the walk stops. */
		link = s->cont_kind == CONT_ID ? s->cont : NULL;
		len = SPIRAL_ID_LEN;
	}
	for (size_t i = 0; i < n && idlen == SPIRAL_ID_LEN; i++)
		if (m->slots[i].cont_kind == CONT_ID &&
		    memcmp(m->slots[i].cont, inq->id, SPIRAL_ID_LEN) == 0)
			want[i] = 1;
}


static int load_repo(spiral_store *st, spiral_repo *r, unsigned flags,
		     const spiral_inquiry *lineage_of);

int spiral_store_load_repo(spiral_store *st, spiral_repo *r, unsigned flags)
{
	return load_repo(st, r, flags, NULL);
}

int spiral_store_load_lineage(spiral_store *st, spiral_repo *r,
			      const spiral_inquiry *inq)
{
	return load_repo(st, r, SPIRAL_LOAD_SUMMARY, inq);
}

static int load_repo(spiral_store *st, spiral_repo *r, unsigned flags,
		     const spiral_inquiry *lineage_of)
{
	loader l = {0};
	wt_dirs wt = WT_DIRS(spiral_repo_top(r));
	unsigned char *want = NULL;
	git_object *head = NULL, *peeled = NULL;
	git_tree *root = NULL, *inq = NULL;
	const git_tree_entry *te = NULL;
	const git_oid *inq_id = NULL;
	git_oid known;
	size_t hint = 0;
	int rc = 0, same;

	l.st = st;
	l.r = r;
	l.git = repo_git(r);
	l.flags = flags;
	if (git_reference_name_to_id(&l.commit, l.git, "HEAD") < 0) {
		/* No commit yet: nothing committed to read. */
		git_error_clear();
		return spiral_store_load(st, spiral_repo_top(r), NULL);
	}
	for (int k = 0; k < NPARTS; k++)
		l.pfd[k] = -1;
	l.wt = &wt;
	cache_open(r, &l.map);
	if (l.map.head && git_oid_equal((const git_oid *)l.map.head->commit, &l.commit) &&
	    !git_oid_is_zero((const git_oid *)l.map.head->tree)) {
		/* HEAD is the commit the cache was last found to be of: its
		 * inquiries/ is the cache's (a commit never changes), and no
		 * object of git's need be read. */
		memcpy(known.id, l.map.head->tree, GIT_OID_RAWSZ);
		inq_id = &known;
	} else if (git_object_lookup(&head, l.git, &l.commit, GIT_OBJECT_ANY) < 0 ||
		   git_object_peel(&peeled, head, GIT_OBJECT_TREE) < 0) {
		/* HEAD names no commit that can be read. */
		git_error_clear();
		cache_close(&l.map);
		git_object_free(head);
		return spiral_store_load(st, spiral_repo_top(r), NULL);
	} else {
		root = (git_tree *)peeled;
		te = git_tree_entry_byname(root, "inquiries");
		if (te && git_tree_entry_filemode(te) == GIT_FILEMODE_TREE)
			inq_id = git_tree_entry_id(te);
		if (l.map.head && inq_id &&
		    memcmp(l.map.head->tree, inq_id->id, GIT_OID_RAWSZ) == 0)
			cache_note_commit(r, &l.map, &l.commit);
	}
	same = l.map.head && inq_id &&
	       memcmp(l.map.head->tree, inq_id->id, GIT_OID_RAWSZ) == 0;
	if (same) {
		/* Nothing changed under inquiries/: the cache's list is HEAD's. */
		cur c = blob_at(&l.map, l.map.head->poff, l.map.head->plen);
		get_problems(&c, &l.outside);
		size_t n = l.map.head->ninquiries;
		/* A lineage needs a few summaries only: the others are not
		 * looked at, so a show costs the same in any cluster. */
		if (!c.bad && lineage_of && (want = calloc(n + 1, 1)))
			mark_lineage(&l.map, lineage_of, want);
		if (c.bad || (lineage_of && !want) ||
		    !(l.found = calloc(n + 1, sizeof(*l.found)))) {
			same = 0;
			spiral_store_free(&l.outside);
		} else {
			for (size_t i = 0; i < n; i++) {
				head_inquiry *hi = &l.found[l.nfound];
				if (want && !want[i])
					continue;
				memcpy(hi->id, l.map.slots[i].id, SPIRAL_ID_LEN);
				memcpy(hi->tree.id, l.map.slots[i].tree, GIT_OID_RAWSZ);
				if (!spiral_id_valid(hi->id))
					same = 0;
				l.nfound++;
			}
		}
	}
	if (!same) {
		l.dirty = 1;
		free(want);
		want = NULL;
		free(l.found);
		l.found = NULL;
		l.nfound = 0;
		spiral_store_free(&l.outside);
		if (te && !inq_id)
			outside_problem(&l, "inquiries",
					git_tree_entry_filemode(te) == GIT_FILEMODE_LINK
						? LINK_PROBLEM
						: "not a folder");
		if (inq_id && (rc = git_tree_lookup(&inq, l.git, inq_id)) < 0)
			rc = repo_git_fail("cannot read inquiries/");
		else if (inq)
			rc = scan_head(&l, inq);
		if (rc == 0 && (rc = rebuild(&l, inq_id)) == 0)
			l.dirty = 0; /* read from the new cache */
		else if (rc == 1)
			rc = 0;
	}
	if (rc == 0 && l.map.base && (l.keep = calloc(1, sizeof(*l.keep)))) {
		/* Summaries and records borrowed from the map: it lives as
		 * long as st. */
		l.keep->map = l.map.base;
		l.keep->size = l.map.size;
		l.keep->next = st->keep;
		st->keep = l.keep;
	}
	for (size_t i = 0; rc == 0 && i < l.outside.nproblems; i++)
		spiral_store_problem(st, l.outside.problems[i].path,
				     l.outside.problems[i].line, "%s",
				     l.outside.problems[i].message);
	if (rc == 0 && l.nfound > st->cap) {
		spiral_inquiry *room = realloc(st->inquiries, l.nfound * sizeof(*room));
		if (!room)
			rc = nomem();
		else {
			st->inquiries = room;
			st->cap = l.nfound;
			advise_huge(room, l.nfound * sizeof(*room));
		}
	}
	for (size_t i = 0; rc == 0 && i < l.nfound; i++) {
		rc = spiral_strv_push(&st->ids, l.found[i].id);
		if (rc == 0)
			rc = load_one(&l, &l.found[i], &hint);
	}
	free(want);
	if (rc == 0 && st->ninquiries > 1)
		qsort(st->inquiries, st->ninquiries, sizeof(*st->inquiries),
		      cmp_inquiry);
	if (rc == 0 && l.dirty)
		cache_write(&l, inq_id);
	for (int k = 0; k < NPARTS; k++)
		if (l.pfd[k] >= 0)
			close(l.pfd[k]);
	wt_close(&wt);
	if (l.keep)
		memset(&l.map, 0, sizeof(l.map)); /* st->keep unmaps it */
	cache_close(&l.map);
	spiral_store_free(&l.outside);
	for (int k = 0; k < NPARTS; k++)
		spiral_buf_free(&l.part[k]);
	free(l.slots);
	free(l.found);
	git_tree_free(inq);
	git_object_free(peeled);
	git_object_free(head);
	return rc;
}
