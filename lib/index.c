/* git's index with a few entries added or replaced, written without
 * loading it: the old file is mapped, its entries copied as they are
 * (a hundred thousand of them cost a copy, not a parse and an allocation
 * each), the new ones put in their places, the cache-tree (TREE) of the
 * folders they are in marked invalid, and the whole checksummed with
 * SHA-1 (OpenSSL's, with the processor's SHA instructions where it has
 * them; git's index checksum is plain SHA-1).
 *
 * Only what this code fully understands is written this way: index
 * versions 2 and 3, no conflicts (stages), no extension that git says a
 * reader must understand.  Anything else is left to libgit2 (FALLBACK). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define FALLBACK 1
#define ENTRY_FIXED 62 /* bytes before the path (v2; v3 may add 2) */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* One entry of the old index: where it is, its path and its size. */
typedef struct old_entry {
	const unsigned char *p;
	const char *path;
	size_t pathlen, size;
	int stage;
} old_entry;

/* Reads the entry at p (end: where entries may end); 0, or FALLBACK. */
static int read_entry(const unsigned char *p, const unsigned char *end,
		      unsigned version, old_entry *e)
{
	size_t fixed = ENTRY_FIXED, len;
	unsigned flags;

	if ((size_t)(end - p) < fixed + 2)
		return FALLBACK;
	flags = (unsigned)p[60] << 8 | p[61];
	if (flags & 0x4000) {
		if (version < 3)
			return FALLBACK;
		fixed += 2;
	}
	e->p = p;
	e->path = (const char *)p + fixed;
	e->stage = (int)(flags >> 12 & 3);
	len = flags & 0xFFF;
	if (len == 0xFFF) {
		const void *nul = memchr(e->path, '\0', (size_t)(end - p) - fixed);
		if (!nul)
			return FALLBACK;
		len = (size_t)((const char *)nul - e->path);
	}
	e->pathlen = len;
	e->size = (fixed + len + 8) & ~(size_t)7;
	if (e->size > (size_t)(end - p) || memchr(e->path, '\0', len))
		return FALLBACK;
	return 0;
}

static int write_all(int fd, const void *data, size_t len, const char *to)
{
	if (repo_write_all(fd, data, len) < 0)
		return spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to, strerror(errno));
	return 0;
}

static int cmp_path(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

/* An entry for a file just written, as git writes one (flags: the path's
 * length, stage 0). */
static void put_entry(spiral_buf *out, const git_index_entry *e)
{
	unsigned char fixed[ENTRY_FIXED];
	size_t len = strlen(e->path), pad;
	static const char zeros[8];

	put_be32(fixed, (uint32_t)e->ctime.seconds);
	put_be32(fixed + 4, e->ctime.nanoseconds);
	put_be32(fixed + 8, (uint32_t)e->mtime.seconds);
	put_be32(fixed + 12, e->mtime.nanoseconds);
	put_be32(fixed + 16, e->dev);
	put_be32(fixed + 20, e->ino);
	put_be32(fixed + 24, e->mode);
	put_be32(fixed + 28, e->uid);
	put_be32(fixed + 32, e->gid);
	put_be32(fixed + 36, e->file_size);
	memcpy(fixed + 40, e->id.id, 20);
	fixed[60] = (unsigned char)((len < 0xFFF ? len : 0xFFF) >> 8);
	fixed[61] = (unsigned char)(len < 0xFFF ? len : 0xFFF);
	spiral_buf_put(out, fixed, sizeof(fixed));
	spiral_buf_put(out, e->path, len);
	pad = ((ENTRY_FIXED + len + 8) & ~(size_t)7) - ENTRY_FIXED - len;
	spiral_buf_put(out, zeros, pad);
}

/* Whether a path of adds (sorted) is under the folder prefix. */
static int touched(const git_index_entry *adds, size_t n, const char *prefix,
		   size_t plen)
{
	size_t lo = 0, hi = n;

	if (!plen)
		return n > 0;
	while (lo < hi) { /* the first path not below prefix */
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(adds[mid].path, prefix, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strncmp(adds[lo].path, prefix, plen) == 0;
}

/* The new index as pieces: runs of an old file's bytes, and bytes made
 * here (in made, by offset: it grows), written and hashed in order, so
 * that the old entries are not copied in memory at all. */
typedef struct piece {
	const unsigned char *old; /* NULL: made[off, off + len) */
	size_t off, len;
} piece;

typedef struct pieces {
	piece *v;
	size_t n, cap, total; /* total: the bytes of them all */
	spiral_buf made;
	int failed;
} pieces;

static void add_piece(pieces *ps, const unsigned char *old, size_t off, size_t len)
{
	piece *last = ps->n ? &ps->v[ps->n - 1] : NULL;

	if (!len)
		return;
	ps->total += len;
	/* Adjacent runs are one piece. */
	if (last && old && last->old && last->old + last->len == old) {
		last->len += len;
		return;
	}
	if (last && !old && !last->old && last->off + last->len == off) {
		last->len += len;
		return;
	}
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;
		piece *v = realloc(ps->v, cap * sizeof(*v));
		if (!v) {
			ps->failed = 1;
			return;
		}
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n].old = old;
	ps->v[ps->n].off = off;
	ps->v[ps->n++].len = len;
}

/* Bytes from made (what was put since mark) as a piece. */
static void add_made(pieces *ps, size_t mark)
{
	add_piece(ps, NULL, mark, ps->made.len - mark);
}

static const void *piece_ptr(const pieces *ps, const piece *pc)
{
	return pc->old ? (const void *)pc->old : (const void *)(ps->made.ptr + pc->off);
}

/* Gives back a mapped index's pages before upto, a megabyte at a time:
 * each pass over it reads a page once, and 24 MB of them would otherwise
 * count in the command's memory until the end (they are read again from
 * the file should anything look at them).  *done starts at the map. */
static void let_go(const unsigned char **done, const unsigned char *upto)
{
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	const unsigned char *to = (const unsigned char *)((uintptr_t)upto & ~(page - 1));

	if (to >= *done + (1u << 20)) {
		madvise((void *)*done, (size_t)(to - *done), MADV_DONTNEED);
		*done = to;
	}
}

/* let_go for the pages of one map (a large index) behind entries that come
 * in its order, others (NULL map, or entries of another file) left be. */
typedef struct behind {
	const unsigned char *map, *end, *done;
} behind;

static void behind_at(behind *b, const void *at)
{
	const unsigned char *p = at;

	if (b->map && p >= b->map && p < b->end)
		let_go(&b->done, p);
}

static int cmp_add(const void *a, const void *b)
{
	return strcmp(((const git_index_entry *)a)->path,
		      ((const git_index_entry *)b)->path);
}

/* The TREE extension's node at *p and its subtrees, as pieces: a folder
 * that holds an added path marked invalid (-1, no ID), written here; the
 * rest the old bytes as they are.  Below a folder no add is in (check
 * 0), nodes are only stepped over. */
static int tree_node(const unsigned char **p, const unsigned char *end,
		     spiral_buf *path, const git_index_entry *adds, size_t n,
		     pieces *ps, int check, int depth)
{
	const unsigned char *start = *p, *q = *p, *nl;
	const char *name = (const char *)q;
	const void *nul = memchr(q, '\0', (size_t)(end - q));
	long count, subtrees;
	char *num_end;
	size_t mark = path->len;
	int rc = 0;

	if (!nul || depth > 4096)
		return FALLBACK;
	q = (const unsigned char *)nul + 1;
	if (!(nl = memchr(q, '\n', (size_t)(end - q))))
		return FALLBACK;
	count = strtol((const char *)q, &num_end, 10);
	if (*num_end != ' ')
		return FALLBACK;
	subtrees = strtol(num_end + 1, &num_end, 10);
	if ((const unsigned char *)num_end != nl || subtrees < 0)
		return FALLBACK;
	q = nl + 1;
	if (count >= 0) {
		if ((size_t)(end - q) < 20)
			return FALLBACK;
		q += 20;
	}
	if (check) {
		if (*name) {
			spiral_buf_puts(path, name);
			spiral_buf_putc(path, '/');
		}
		check = touched(adds, n, path->ptr ? path->ptr : "", path->len);
	}
	if (count >= 0 && check) {
		size_t at = ps->made.len;
		spiral_buf_put(&ps->made, name, strlen(name) + 1);
		spiral_buf_printf(&ps->made, "-1 %ld\n", subtrees);
		add_made(ps, at);
	} else {
		add_piece(ps, start, 0, (size_t)(q - start));
	}
	for (long i = 0; rc == 0 && i < subtrees; i++)
		rc = q < end ? tree_node(&q, end, path, adds, n, ps, check, depth + 1)
			     : FALLBACK;
	path->len = mark;
	if (path->ptr)
		path->ptr[mark] = '\0';
	*p = q;
	return rc;
}

/* The extensions after the entries, as pieces: TREE with the added
 * paths' folders invalid, REUC as it is, link as it is with keep_link,
 * the others (caches of what git can work out again, and offset tables
 * that the new entries would make wrong) left out.  FALLBACK for one a
 * reader must understand. */
static int extensions(const unsigned char *p, const unsigned char *end,
		      const git_index_entry *adds, size_t n, int keep_link, pieces *ps)
{
	int rc = 0;

	while (rc == 0 && p < end) {
		uint32_t size;
		if ((size_t)(end - p) < 8 || (size = be32(p + 4)) > (size_t)(end - p) - 8)
			return FALLBACK;
		if (memcmp(p, "link", 4) == 0) {
			if (keep_link)
				add_piece(ps, p, 0, 8 + (size_t)size);
		} else if (p[0] < 'A' || p[0] > 'Z') {
			return FALLBACK; /* required: sdir (sparse)... */
		} else if (memcmp(p, "TREE", 4) == 0) {
			spiral_buf path = SPIRAL_BUF_INIT;
			const unsigned char *q = p + 8, *tend = p + 8 + size;
			size_t head = ps->made.len, before;
			spiral_buf_put(&ps->made, "TREE\0\0\0\0", 8); /* its size below */
			add_made(ps, head);
			before = ps->total;
			while (rc == 0 && q < tend)
				rc = tree_node(&q, tend, &path, adds, n, ps, 1, 0);
			if (rc == 0 && (path.failed || ps->made.failed))
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			else if (rc == 0)
				put_be32((unsigned char *)ps->made.ptr + head + 4,
					 (uint32_t)(ps->total - before));
			spiral_buf_free(&path);
		} else if (memcmp(p, "REUC", 4) == 0) {
			add_piece(ps, p, 0, 8 + (size_t)size);
		}
		p += 8 + (size_t)size;
	}
	return rc;
}

/* ---- an index file, and a split one ------------------------------------ */

/* git may split its index (core.splitIndex, or spiral once it is large):
 * .git/sharedindex.<its checksum> holds most entries, and the index itself
 * only those added or changed since, with a "link" extension that names
 * the shared file and, as EWAH bitmaps, which of its entries are deleted
 * and which replaced (the index's first entries, with empty paths, in
 * order).  The index's other entries replace the shared ones of the same
 * path or are added.  libgit2 1.5 cannot read such an index: spiral reads
 * and writes it here, and gives libgit2 a whole copy (repo_index_splice
 * for_libgit2) where libgit2 would read it. */
#define SPLIT_MIN 16384 /* entries from which an index is split */
#define SPLIT_MAX 4096	/* the index's own entries beyond which it is whole again */
#define SPLIT_BULK 64	/* files in a write that leaves that to the next one */

static void split_limits(size_t *min, size_t *max)
{
	/* Tests split every index: SPIRAL_TEST_SPLIT_INDEX=min,max. */
	const char *s = getenv("SPIRAL_TEST_SPLIT_INDEX");
	unsigned long a, b;

	*min = SPLIT_MIN;
	*max = SPLIT_MAX;
	if (s && sscanf(s, "%lu,%lu", &a, &b) == 2) {
		*min = a;
		*max = b;
	}
}

/* One entry of an index file, or of a split index made whole. */
typedef struct ent {
	const unsigned char *p; /* its fields (ctime .. flags) in its file */
	const char *path;	/* NUL-terminated (by its padding, or its file's) */
	uint32_t pathlen, size; /* size: its bytes in its file */
	unsigned char racy;	/* changed in the instant its file was written, or after */
	unsigned char own_path; /* 0: a replacement, p's entry has an empty path */
} ent;

typedef struct ixf {
	const unsigned char *map, *ext, *end; /* extensions: [ext, end) */
	size_t size;
	struct timespec mtime;
	dev_t dev;
	ino_t ino;
	unsigned version;
	ent *e;
	size_t n;
	const unsigned char *link; /* the link extension's data, or NULL */
	size_t linklen;
} ixf;

static void ixf_close(ixf *f)
{
	if (f->map)
		munmap((void *)f->map, f->size);
	free(f->e);
	memset(f, 0, sizeof(*f));
}

/* Maps an index file and reads its entries and where its extensions are,
 * its checksum checked: 0, FALLBACK (none, damaged, a version or conflict
 * this does not handle: *why says which), or an error. */
static int ixf_open(const char *path, ixf *f, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat sb;
	const unsigned char *map, *p, *hashed, *done;
	unsigned char sum[20];
	unsigned int sumlen = 0;
	EVP_MD_CTX *check = NULL;
	uint32_t count;
	int rc = FALLBACK;

	memset(f, 0, sizeof(*f));
	*why = "is damaged (its checksum does not match, or its entries run past it)";
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < 32 ||
	    (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
		    MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return FALLBACK;
	}
	close(fd);
	f->map = map;
	f->size = (size_t)sb.st_size;
	f->mtime = sb.st_mtim;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->end = map + sb.st_size - 20;
	f->version = be32(map + 4);
	count = be32(map + 8);
	if (memcmp(map, "DIRC", 4) == 0 && f->version != 2 && f->version != 3)
		*why = "is of an index version spiral does not read";
	if (memcmp(map, "DIRC", 4) != 0 || (f->version != 2 && f->version != 3) ||
	    count > (size_t)(f->end - map) / ENTRY_FIXED || !(check = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(check, EVP_sha1(), NULL) != 1)
		goto done;
	if (!(f->e = malloc(((size_t)count + 1) * sizeof(*f->e)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	/* The entries read and the checksum checked in one pass, the pages
	 * given back behind it (a large index is read again only in part). */
	hashed = done = map;
	p = map + 12;
	for (uint32_t i = 0; i < count; i++) {
		old_entry oe;
		ent *e = &f->e[f->n++];
		uint32_t sec, nsec;
		if (read_entry(p, f->end, f->version, &oe) != 0)
			goto done;
		if (oe.stage) {
			*why = "holds a conflict (a merge git has not finished)";
			goto done;
		}
		sec = be32(p + 8);
		nsec = be32(p + 12);
		e->p = p;
		e->path = oe.path;
		e->pathlen = (uint32_t)oe.pathlen;
		e->size = (uint32_t)oe.size;
		e->own_path = 1;
		e->racy = sec > (uint32_t)sb.st_mtim.tv_sec ||
			  (sec == (uint32_t)sb.st_mtim.tv_sec && nsec >= (uint32_t)sb.st_mtim.tv_nsec);
		p += oe.size;
		if (p >= hashed + (1u << 20)) {
			if (EVP_DigestUpdate(check, hashed, (size_t)(p - hashed)) != 1)
				goto done;
			hashed = p;
			let_go(&done, p);
		}
	}
	f->ext = p;
	while (p < f->end) {
		uint32_t size;
		if ((size_t)(f->end - p) < 8 || (size = be32(p + 4)) > (size_t)(f->end - p) - 8)
			goto done;
		if (memcmp(p, "link", 4) == 0) {
			if (size < 20)
				goto done;
			f->link = p + 8;
			f->linklen = size;
		}
		p += 8 + (size_t)size;
	}
	if (EVP_DigestUpdate(check, hashed, (size_t)(f->end - hashed)) == 1 &&
	    EVP_DigestFinal_ex(check, sum, &sumlen) == 1 && sumlen == 20 &&
	    memcmp(sum, f->end, 20) == 0)
		rc = 0;
done:
	EVP_MD_CTX_free(check);
	if (rc != 0)
		ixf_close(f);
	return rc;
}

int repo_index_split(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), split = 0;
	struct stat sb;
	const unsigned char *map, *p, *end;
	unsigned version;
	uint32_t count;

	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < 32 ||
	    (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
		    MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	end = map + sb.st_size - 20;
	version = be32(map + 4);
	count = be32(map + 8);
	p = map + 12;
	if (memcmp(map, "DIRC", 4) == 0 && (version == 2 || version == 3)) {
		uint32_t i = 0;
		for (old_entry e; i < count && read_entry(p, end, version, &e) == 0; i++)
			p += e.size;
		while (i == count && !split && (size_t)(end - p) >= 8 &&
		       be32(p + 4) <= (size_t)(end - p) - 8) {
			split = memcmp(p, "link", 4) == 0;
			p += 8 + (size_t)be32(p + 4);
		}
	}
	munmap((void *)map, (size_t)sb.st_size);
	return split;
}

/* .git/sharedindex.<hex of id>, beside the index file at path. */
static char *shared_path(const char *path, const unsigned char id[20])
{
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	spiral_buf b = SPIRAL_BUF_INIT;

	spiral_buf_put(&b, path, dir);
	spiral_buf_puts(&b, "sharedindex.");
	for (int i = 0; i < 20; i++)
		spiral_buf_printf(&b, "%02x", id[i]);
	if (b.failed) {
		spiral_buf_free(&b);
		return NULL;
	}
	return b.ptr;
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* An EWAH bitmap as git writes it (ewah/ewah_io.c: its size in bits, its
 * number of 64-bit words, the words, the last marker word's position):
 * its bits set into bits (a byte a bit, nbits of them).  The bytes it
 * takes, or 0 when it is damaged or names a bit past nbits. */
static size_t ewah_read(const unsigned char *p, size_t len, unsigned char *bits,
			size_t nbits)
{
	uint64_t size, words, at = 0, i = 0;

	if (len < 12)
		return 0;
	size = be32(p);
	words = be32(p + 4);
	if (words > (len - 12) / 8)
		return 0;
	p += 8;
	while (i < words) {
		uint64_t rlw = be64(p + 8 * i++);
		uint64_t run = (rlw >> 1) & 0xFFFFFFFFu, lits = rlw >> 33;
		if (rlw & 1) {
			for (uint64_t k = 0; k < run * 64 && at + k < size; k++) {
				if (at + k >= nbits)
					return 0;
				bits[at + k] = 1;
			}
		}
		at += run * 64;
		if (lits > words - i)
			return 0;
		for (uint64_t l = 0; l < lits; l++, at += 64) {
			uint64_t w = be64(p + 8 * i++);
			for (unsigned b = 0; w && b < 64; b++, w >>= 1)
				if ((w & 1) && at + b < size) {
					if (at + b >= nbits)
						return 0;
					bits[at + b] = 1;
				}
		}
	}
	return (size_t)(12 + 8 * words);
}

static int cmp_ent(const void *a, const void *b)
{
	const ent *x = a, *y = b;

	return cmp_path(x->path, x->pathlen, y->path, y->pathlen);
}

/* A split index's entries as one sorted list (as git's merge_base_index
 * makes it): the shared index's, each replaced by the fields of the
 * index's next empty-path entry where the replace bitmap says so, less
 * those the delete bitmap names; then the index's own named entries,
 * each replacing the shared entry of its path or added.  0, FALLBACK
 * (damaged), or an error. */
static int split_merge(const ixf *front, const ixf *base, ent **out, size_t *nout)
{
	behind bh = {base->map, base->end, base->map};
	size_t nb = base->n, nr = 0, nn, k = 0, j = 0, r = 0;
	unsigned char *del = calloc(nb + 1, 1), *rep = calloc(nb + 1, 1);
	const unsigned char *l = front->link + 20;
	size_t ll = front->linklen - 20, used;
	ent *named = NULL, *v = NULL;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (!del || !rep) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	if (ll) {
		if (!(used = ewah_read(l, ll, del, nb)) ||
		    ewah_read(l + used, ll - used, rep, nb) != ll - used) {
			rc = FALLBACK;
			goto done;
		}
	}
	for (size_t i = 0; i < nb; i++)
		nr += rep[i];
	if (nr > front->n) {
		rc = FALLBACK;
		goto done;
	}
	nn = front->n - nr;
	if (!(named = malloc((nn + 1) * sizeof(*named))) ||
	    !(v = malloc((nb + nn + 1) * sizeof(*v)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(named, front->e + nr, nn * sizeof(*named));
	for (size_t i = 0; i < nr; i++)
		if (front->e[i].pathlen) {
			rc = FALLBACK; /* a replacement has no path of its own */
			goto done;
		}
	for (size_t i = 0; i < nn; i++)
		if (!named[i].pathlen) {
			rc = FALLBACK;
			goto done;
		}
	qsort(named, nn, sizeof(*named), cmp_ent);
	for (size_t i = 1; i < nn; i++)
		if (cmp_ent(&named[i - 1], &named[i]) == 0) {
			rc = FALLBACK; /* the same path twice */
			goto done;
		}
	for (size_t i = 0; i < nb; i++) {
		ent b = base->e[i];
		behind_at(&bh, b.path);
		if (i && cmp_ent(&base->e[i - 1], &b) >= 0) {
			rc = FALLBACK; /* not sorted */
			goto done;
		}
		if (rep[i]) {
			const ent *fr = &front->e[r++];
			b.p = fr->p;
			b.racy = fr->racy;
			b.own_path = 0;
		}
		if (del[i])
			continue;
		while (j < nn && cmp_ent(&named[j], &b) < 0)
			v[k++] = named[j++];
		if (j < nn && cmp_ent(&named[j], &b) == 0)
			continue; /* replaced by path: taken next */
		v[k++] = b;
	}
	while (j < nn)
		v[k++] = named[j++];
	*out = v;
	*nout = k;
	v = NULL;
done:
	free(del);
	free(rep);
	free(named);
	free(v);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* e as it is to be written: its own bytes where they are right, else made
 * here (a replacement's fields with its path; size 0 for a racily clean
 * one, so that git looks at its content, as git itself smudges them). */
static void emit(pieces *ps, const ent *e)
{
	spiral_buf *made = &ps->made;
	size_t mark = made->len;

	if (e->own_path && !e->racy) {
		add_piece(ps, e->p, 0, e->size);
		return;
	}
	if (e->own_path) {
		spiral_buf_put(made, e->p, e->size);
	} else {
		static const char zeros[8];
		unsigned char fixed[ENTRY_FIXED + 2];
		unsigned flags = (unsigned)e->p[60] << 8 | e->p[61];
		size_t len = e->pathlen, n = ENTRY_FIXED + (flags & 0x4000 ? 2 : 0);
		memcpy(fixed, e->p, n);
		flags = (flags & ~0xFFFu) | (unsigned)(len < 0xFFF ? len : 0xFFF);
		fixed[60] = (unsigned char)(flags >> 8);
		fixed[61] = (unsigned char)flags;
		spiral_buf_put(made, fixed, n);
		spiral_buf_put(made, e->path, len);
		spiral_buf_put(made, zeros, ((n + len + 8) & ~(size_t)7) - n - len);
	}
	if (e->racy && !made->failed)
		put_be32((unsigned char *)made->ptr + mark + 36, 0);
	add_made(ps, mark);
}

/* The entries v (sorted) with adds (sorted) put in their places, an add
 * replacing the entry of its path; with only_new, the adds and the racy
 * entries alone (the rest stay in a shared index).  Returns the count.
 * The pages of a large index are given back behind it (bh). */
static uint32_t put_entries(pieces *ps, const ent *v, size_t nv,
			    const git_index_entry *adds, size_t n, int only_new,
			    behind *bh)
{
	uint32_t written = 0;
	size_t k = 0;

	for (size_t i = 0; i < nv; i++) {
		const ent *e = &v[i];
		int c = 1;
		behind_at(bh, e->path);
		while (k < n && (c = cmp_path(adds[k].path, strlen(adds[k].path), e->path,
					      e->pathlen)) < 0) {
			size_t mark = ps->made.len;
			put_entry(&ps->made, &adds[k++]);
			add_made(ps, mark);
			written++;
			c = 1;
		}
		if (k < n && c == 0) {
			size_t mark = ps->made.len;
			put_entry(&ps->made, &adds[k++]); /* replaces the old one */
			add_made(ps, mark);
			written++;
			continue;
		}
		if (only_new && !e->racy)
			continue;
		emit(ps, e);
		written++;
	}
	for (; k < n; k++, written++) {
		size_t mark = ps->made.len;
		put_entry(&ps->made, &adds[k]);
		add_made(ps, mark);
	}
	return written;
}

/* Writes header, pieces and checksum to the new file to, and fsyncs it
 * (with sync).
 * Pages of [map, map_end) are given back as they are written. */
static int write_index(const char *to, unsigned version, uint32_t count,
		       const pieces *ps, const unsigned char *map,
		       const unsigned char *map_end, int sync)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char head[12], sum[20];
	const unsigned char *done = map;
	unsigned int sumlen = 0;
	int rc = 0, fd;

	memcpy(head, "DIRC", 4);
	put_be32(head + 4, version);
	put_be32(head + 8, count);
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, head, 12) != 1) {
		EVP_MD_CTX_free(ctx);
		return spiral_error(SPIRAL_ERROR, "cannot write %s: no SHA-1", to);
	}
	unlink(to); /* a leftover of a killed write: ours alone */
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		EVP_MD_CTX_free(ctx);
		return spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to, strerror(errno));
	}
	/* The header and every piece, in order, written and checksummed in
	 * one pass; then the checksum. */
	rc = write_all(fd, head, 12, to);
	for (size_t i = 0; rc == 0 && i < ps->n; i++) {
		const piece *pc = &ps->v[i];
		const unsigned char *at = piece_ptr(ps, pc);
		int mapped = map && pc->old >= map && pc->old < map_end;
		/* A megabyte at a time, its pages given back behind. */
		for (size_t off = 0, step; rc == 0 && off < pc->len; off += step) {
			step = pc->len - off < (1u << 20) ? pc->len - off : (1u << 20);
			if (EVP_DigestUpdate(ctx, at + off, step) != 1)
				rc = spiral_error(SPIRAL_ERROR, "cannot write %s: no SHA-1", to);
			else
				rc = write_all(fd, at + off, step, to);
			if (mapped)
				let_go(&done, at + off + step);
		}
	}
	if (rc == 0 && (EVP_DigestFinal_ex(ctx, sum, &sumlen) != 1 || sumlen != 20))
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: no SHA-1", to);
	if (rc == 0)
		rc = write_all(fd, sum, 20, to);
	if (rc == 0 && sync && fsync(fd) < 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to, strerror(errno));
	if (rc != 0)
		unlink(to);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* A split index, or its shared part (at path), that this cannot read, and
 * libgit2 cannot read at all, and why. */
static int split_unreadable(const char *path, const char *why)
{
	if (strstr(why, "damaged") || strstr(why, "missing"))
		return spiral_error(SPIRAL_ERROR,
				    "cannot read git's index: it is split, and %s %s: "
				    "remove .git/index and run `git reset` to write it "
				    "anew from HEAD (what was staged is lost)",
				    path, why);
	return spiral_error(SPIRAL_ERROR,
			    "cannot read git's index: it is split, and %s %s: "
			    "`git update-index --no-split-index` makes it whole",
			    path, why);
}

/* The shared index named by the link: it must be there, as git needs it. */
static int shared_there(const char *from, const ixf *f, char **path)
{
	struct stat sb;

	if (!(*path = shared_path(from, f->link)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (stat(*path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return split_unreadable(*path, "is missing");
	return 0;
}

/* Removes the shared indexes in dir (but keep) that no index has named
 * for two weeks, as git does (splitIndex.sharedIndexExpire; git, as it
 * reads a shared index, touches it). */
static void expire_shared(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t before = time(NULL) - 14 * 24 * 3600;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat sb;
		if (strncmp(de->d_name, "sharedindex.", 12) != 0 ||
		    strlen(de->d_name) != 12 + 40 || strcmp(de->d_name, keep) == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode) && sb.st_mtime < before)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Makes from's file the shared index of a split one (a second name for
 * it, which git then finds by its checksum), durable before the index
 * that names it. */
static int share(const char *from, const ixf *f, char **path)
{
	const char *slash = strrchr(from, '/');
	spiral_buf dir = SPIRAL_BUF_INIT;
	int fd, rc = 0;

	struct stat sb;
	int made;

	if (!(*path = shared_path(from, f->end)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (!(made = link(from, *path) == 0) && errno != EEXIST)
		return spiral_error(SPIRAL_ERROR, "cannot write %s: %s", *path,
				    strerror(errno));
	/* The file linked must be the one read: a git command may have put
	 * its own index in its place meanwhile (an existing shared index of
	 * that name has the same entries: its name is their checksum). */
	if (made && (stat(*path, &sb) < 0 || sb.st_dev != f->dev || sb.st_ino != f->ino)) {
		unlink(*path);
		return spiral_error(SPIRAL_ELOCKED,
				    "the index was not updated: another git process "
				    "replaced it meanwhile");
	}
	spiral_buf_put(&dir, from, slash ? (size_t)(slash - from) : 1);
	if (dir.failed)
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	else if ((fd = open(slash ? dir.ptr : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		 fsync(fd) < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", *path,
				  strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		const char *name = strrchr(*path, '/');
		close(fd);
		expire_shared(slash ? dir.ptr : ".", name ? name + 1 : *path);
	}
	spiral_buf_free(&dir);
	return rc;
}

int repo_index_splice(const char *from, const char *to, git_index_entry *adds,
		      size_t n, int for_libgit2)
{
	ixf f, base = {0};
	pieces ps = {0};
	ent *merged = NULL;
	char *shared = NULL;
	size_t min, max, nm = 0;
	behind bh;
	const char *why = NULL;
	unsigned version;
	uint32_t count = 0;
	int rc;

	split_limits(&min, &max);
	if ((rc = ixf_open(from, &f, &why)) != 0) /* libgit2 says what is wrong, */
		return rc == FALLBACK && repo_index_split(from) ? split_unreadable(from, why)
								: rc;
	bh = (behind){f.map, f.end, f.map};
	if (n > 1)
		qsort(adds, n, sizeof(*adds), cmp_add);
	for (size_t i = 1; i < n; i++)
		if (strcmp(adds[i - 1].path, adds[i].path) == 0) {
			rc = FALLBACK; /* the same path twice */
			goto done;
		}
	version = f.version;
	if (f.link && !for_libgit2 && (f.n <= max || n > SPLIT_BULK)) {
		/* Split, and stays so: the index's own entries with the adds,
		 * the link as it is (a large write, a pull's or an import's,
		 * too: the next small write makes it whole, not one that is
		 * already heavy). */
		if ((rc = shared_there(from, &f, &shared)) == 0) {
			count = put_entries(&ps, f.e, f.n, adds, n, 0, &bh);
			rc = extensions(f.ext, f.end, adds, n, 1, &ps);
		}
	} else if (f.link) {
		/* Made whole: the shared index's entries and the index's. */
		if ((rc = shared_there(from, &f, &shared)) != 0)
			goto done;
		if ((rc = ixf_open(shared, &base, &why)) == FALLBACK) {
			rc = split_unreadable(shared, why);
			goto done;
		}
		if (rc == 0 && (rc = split_merge(&f, &base, &merged, &nm)) == FALLBACK) {
			rc = split_unreadable(from, "is damaged (its link to its shared part)");
			goto done;
		}
		free(base.e); /* merged has them now */
		base.e = NULL;
		if (rc == 0) {
			if (base.version > version)
				version = base.version;
			bh = (behind){base.map, base.end, base.map};
			count = put_entries(&ps, merged, nm, adds, n, 0, &bh);
			rc = extensions(f.ext, f.end, adds, n, 0, &ps);
		}
	} else if (!for_libgit2 && f.n >= min) {
		/* Split now: this file becomes the shared index, and the new
		 * one holds the adds (and copies of racily clean entries). */
		count = put_entries(&ps, f.e, f.n, adds, n, 1, &bh);
		if ((rc = extensions(f.ext, f.end, adds, n, 0, &ps)) == 0) {
			/* git reads the bitmaps without looking whether there
			 * are any: two empty ones, as git writes them (no bits,
			 * one marker word of zeros, at 0). */
			static const unsigned char empty[20] = {0, 0, 0, 0, 0, 0, 0, 1};
			unsigned char head[8];
			size_t mark = ps.made.len;
			memcpy(head, "link", 4);
			put_be32(head + 4, 20 + 2 * sizeof(empty));
			spiral_buf_put(&ps.made, head, 8);
			spiral_buf_put(&ps.made, f.end, 20);
			spiral_buf_put(&ps.made, empty, sizeof(empty));
			spiral_buf_put(&ps.made, empty, sizeof(empty));
			add_made(&ps, mark);
			rc = share(from, &f, &shared);
		}
	} else {
		count = put_entries(&ps, f.e, f.n, adds, n, 0, &bh);
		rc = extensions(f.ext, f.end, adds, n, 0, &ps);
	}
	if (rc != 0)
		goto done;
	if (ps.made.failed || ps.failed) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	rc = write_index(to, version, count, &ps, base.map ? base.map : f.map,
			 base.map ? base.end : f.end, !for_libgit2);
done:
	if (rc == FALLBACK && f.link)
		rc = split_unreadable(from, "holds what spiral does not write (an extension)");
	free(shared);
	free(merged);
	ixf_close(&base);
	ixf_close(&f);
	spiral_buf_free(&ps.made);
	free(ps.v);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

int repo_index_view(const char *path, repo_index *out)
{
	ixf f, base = {0};
	ent *merged = NULL;
	const char *why = NULL;
	const ent *v;
	size_t n;
	char *shared = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ixf_open(path, &f, &why)) != 0)
		return rc == FALLBACK && repo_index_split(path) ? split_unreadable(path, why)
								: FALLBACK;
	v = f.e;
	n = f.n;
	if (f.link) {
		if ((rc = shared_there(path, &f, &shared)) == 0 &&
		    (rc = ixf_open(shared, &base, &why)) == FALLBACK)
			rc = split_unreadable(shared, why);
		if (rc == 0 && (rc = split_merge(&f, &base, &merged, &n)) == FALLBACK)
			rc = split_unreadable(path, "is damaged (its link to its shared part)");
		if (rc != 0) {
			free(shared);
			ixf_close(&base);
			ixf_close(&f);
			return rc;
		}
		free(shared);
		v = merged;
	}
	out->map = f.map;
	out->size = f.size;
	out->base_map = base.map;
	out->base_size = base.size;
	out->mtime = f.mtime;
	out->split = f.link != NULL;
	f.map = base.map = NULL; /* out's now */
	if (!(out->v = calloc(n + 1, sizeof(*out->v)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		git_index_entry *e = &out->v[i];
		const unsigned char *p = v[i].p;
		unsigned flags = (unsigned)p[60] << 8 | p[61];
		e->ctime.seconds = (int32_t)be32(p);
		e->ctime.nanoseconds = be32(p + 4);
		e->mtime.seconds = (int32_t)be32(p + 8);
		e->mtime.nanoseconds = be32(p + 12);
		e->dev = be32(p + 16);
		e->ino = be32(p + 20);
		e->mode = be32(p + 24);
		e->uid = be32(p + 28);
		e->gid = be32(p + 32);
		e->file_size = be32(p + 36);
		memcpy(e->id.id, p + 40, 20);
		e->flags = (uint16_t)((flags & ~0xFFFu) |
				      (v[i].pathlen < 0xFFF ? v[i].pathlen : 0xFFF));
		e->path = v[i].path; /* its padding holds at least one NUL */
		if (i && strcmp(out->v[i - 1].path, e->path) >= 0) {
			rc = FALLBACK; /* not sorted: libgit2 says what is wrong */
			goto done;
		}
		out->n++;
	}
done:
	free(merged);
	ixf_close(&base);
	ixf_close(&f);
	if (rc != 0)
		repo_index_free(out);
	return rc;
}

void repo_index_free(repo_index *ix)
{
	if (ix->map)
		munmap((void *)ix->map, ix->size);
	if (ix->base_map)
		munmap((void *)ix->base_map, ix->base_size);
	free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

/* The first entry whose path is not below prefix's order, by bisection. */
size_t repo_index_lower(const repo_index *ix, const char *prefix)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid].path, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const git_index_entry *repo_index_get(const repo_index *ix, const char *path)
{
	size_t at = repo_index_lower(ix, path);

	return at < ix->n && strcmp(ix->v[at].path, path) == 0 ? &ix->v[at] : NULL;
}
