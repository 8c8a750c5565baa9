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
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

static int sha1(const void *data, size_t len, unsigned char out[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, data, len) == 1 &&
		 EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 20;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
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

/* The TREE extension's node at *p (and its subtrees), written to out with
 * the folders that hold an added path marked invalid (-1, no ID). */
static int tree_node(const unsigned char **p, const unsigned char *end,
		     spiral_buf *path, const git_index_entry *adds, size_t n,
		     spiral_buf *out, int depth)
{
	const unsigned char *q = *p, *nl;
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
	if (*name) {
		spiral_buf_puts(path, name);
		spiral_buf_putc(path, '/');
	}
	if (count >= 0 && touched(adds, n, path->ptr ? path->ptr : "", path->len))
		count = -1;
	spiral_buf_put(out, name, strlen(name) + 1);
	spiral_buf_printf(out, "%ld %ld\n", count, subtrees);
	if (count >= 0)
		spiral_buf_put(out, nl + 1, 20);
	for (long i = 0; rc == 0 && i < subtrees; i++)
		rc = q < end ? tree_node(&q, end, path, adds, n, out, depth + 1) : FALLBACK;
	path->len = mark;
	if (path->ptr)
		path->ptr[mark] = '\0';
	*p = q;
	return rc;
}

/* The extensions after the entries, into out: TREE with the added paths'
 * folders invalid, REUC as it is, the others (caches of what git can
 * work out again, and offset tables that the new entries would make
 * wrong) left out.  FALLBACK for one a reader must understand. */
static int extensions(const unsigned char *p, const unsigned char *end,
		      const git_index_entry *adds, size_t n, spiral_buf *out)
{
	int rc = 0;

	while (rc == 0 && p < end) {
		uint32_t size;
		if ((size_t)(end - p) < 8 || (size = be32(p + 4)) > (size_t)(end - p) - 8)
			return FALLBACK;
		if (p[0] < 'A' || p[0] > 'Z')
			return FALLBACK; /* required: link (split index), sdir... */
		if (memcmp(p, "TREE", 4) == 0) {
			spiral_buf tree = SPIRAL_BUF_INIT, path = SPIRAL_BUF_INIT;
			const unsigned char *q = p + 8, *tend = p + 8 + size;
			unsigned char head[8];
			while (rc == 0 && q < tend)
				rc = tree_node(&q, tend, &path, adds, n, &tree, 0);
			if (rc == 0 && !tree.failed && !path.failed) {
				memcpy(head, "TREE", 4);
				put_be32(head + 4, (uint32_t)tree.len);
				spiral_buf_put(out, head, 8);
				spiral_buf_put(out, tree.ptr, tree.len);
			} else if (rc == 0) {
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			}
			spiral_buf_free(&tree);
			spiral_buf_free(&path);
		} else if (memcmp(p, "REUC", 4) == 0) {
			spiral_buf_put(out, p, 8 + (size_t)size);
		}
		p += 8 + (size_t)size;
	}
	return rc;
}

/* The new index as pieces: runs of the old file's bytes, and bytes made
 * here (in made, by offset: it grows), written and hashed in order, so
 * that the old entries are not copied in memory at all. */
typedef struct piece {
	const unsigned char *old; /* NULL: made[off, off + len) */
	size_t off, len;
} piece;

typedef struct pieces {
	piece *v;
	size_t n, cap;
	spiral_buf made;
	int failed;
} pieces;

static void add_piece(pieces *ps, const unsigned char *old, size_t off, size_t len)
{
	piece *last = ps->n ? &ps->v[ps->n - 1] : NULL;

	if (!len)
		return;
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

/* Gives back the old index's pages before upto, a megabyte at a time:
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

static int cmp_add(const void *a, const void *b)
{
	return strcmp(((const git_index_entry *)a)->path,
		      ((const git_index_entry *)b)->path);
}

int repo_index_splice(const char *from, const char *to, git_index_entry *adds,
		      size_t n)
{
	int fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), out_fd;
	struct stat sb;
	const unsigned char *map = NULL, *p, *end, *hashed, *done;
	pieces ps = {0};
	spiral_buf *made = &ps.made;
	EVP_MD_CTX *ctx = NULL, *check = NULL;
	unsigned char head[12], sum[20];
	unsigned int sumlen = 0;
	unsigned version;
	uint32_t count, written = 0;
	size_t k = 0;
	int rc = 0;

	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < 32 ||
	    (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
		    MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return FALLBACK; /* libgit2 says what is wrong */
	}
	close(fd);
	end = map + sb.st_size - 20;
	version = be32(map + 4);
	count = be32(map + 8);
	/* A damaged index is libgit2's to report.  Its checksum is checked as
	 * its entries are read (reading checks every bound), in one pass. */
	hashed = done = map;
	if (memcmp(map, "DIRC", 4) != 0 || (version != 2 && version != 3) ||
	    !(check = EVP_MD_CTX_new()) || EVP_DigestInit_ex(check, EVP_sha1(), NULL) != 1) {
		rc = FALLBACK;
		goto done;
	}
	if (n > 1)
		qsort(adds, n, sizeof(*adds), cmp_add);
	for (size_t i = 1; i < n; i++)
		if (strcmp(adds[i - 1].path, adds[i].path) == 0) {
			rc = FALLBACK; /* the same path twice */
			goto done;
		}
	memcpy(head, map, 12); /* the count is put once known */
	p = map + 12;
	for (uint32_t i = 0; rc == 0 && i < count; i++) {
		old_entry e;
		if ((rc = read_entry(p, end, version, &e)) != 0)
			break;
		if (e.stage) {
			rc = FALLBACK; /* a conflict: libgit2 resolves it */
			break;
		}
		while (k < n && cmp_path(adds[k].path, strlen(adds[k].path), e.path,
					 e.pathlen) < 0) {
			size_t mark = made->len;
			put_entry(made, &adds[k++]);
			add_made(&ps, mark);
			written++;
		}
		if (k < n && cmp_path(adds[k].path, strlen(adds[k].path), e.path,
				      e.pathlen) == 0) {
			size_t mark = made->len;
			put_entry(made, &adds[k++]); /* replaces the old one */
			add_made(&ps, mark);
			written++;
		} else if (be32(e.p + 8) > (uint32_t)sb.st_mtim.tv_sec ||
			   (be32(e.p + 8) == (uint32_t)sb.st_mtim.tv_sec &&
			    be32(e.p + 12) >= (uint32_t)sb.st_mtim.tv_nsec)) {
			/* Changed in the instant the old index was written, or
			 * after: git must look at its content (as git itself
			 * smudges racily clean entries): a copy, size 0. */
			size_t mark = made->len;
			spiral_buf_put(made, e.p, e.size);
			if (!made->failed)
				put_be32((unsigned char *)made->ptr + mark + 36, 0);
			add_made(&ps, mark);
			written++;
		} else {
			add_piece(&ps, e.p, 0, e.size);
			written++;
		}
		p += e.size;
		if (p >= hashed + (1u << 20)) {
			if (EVP_DigestUpdate(check, hashed, (size_t)(p - hashed)) != 1)
				rc = FALLBACK;
			hashed = p;
			let_go(&done, p);
		}
	}
	for (; rc == 0 && k < n; k++, written++) {
		size_t mark = made->len;
		put_entry(made, &adds[k]);
		add_made(&ps, mark);
	}
	if (rc == 0) {
		size_t mark = made->len;
		rc = extensions(p, end, adds, n, made);
		add_made(&ps, mark);
	}
	if (rc == 0 && (EVP_DigestUpdate(check, hashed, (size_t)(end - hashed)) != 1 ||
			EVP_DigestFinal_ex(check, sum, &sumlen) != 1 || sumlen != 20 ||
			memcmp(sum, end, 20) != 0))
		rc = FALLBACK;
	if (rc != 0)
		goto done;
	if (made->failed || ps.failed) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto done;
	}
	put_be32(head + 8, written);
	if (!(ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, head, 12) != 1) {
		rc = FALLBACK;
		goto done;
	}
	unlink(to); /* a leftover of a killed write: ours alone */
	out_fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out_fd < 0) {
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to, strerror(errno));
		goto done;
	}
	/* The header and every piece, in order, written and checksummed in
	 * one pass; then the checksum. */
	done = map;
	rc = write_all(out_fd, head, 12, to);
	for (size_t i = 0; rc == 0 && i < ps.n; i++) {
		const void *at = piece_ptr(&ps, &ps.v[i]);
		if (EVP_DigestUpdate(ctx, at, ps.v[i].len) != 1)
			rc = FALLBACK;
		else
			rc = write_all(out_fd, at, ps.v[i].len, to);
		if (ps.v[i].old)
			let_go(&done, ps.v[i].old + ps.v[i].len);
	}
	if (rc == 0 && (EVP_DigestFinal_ex(ctx, sum, &sumlen) != 1 || sumlen != 20))
		rc = FALLBACK;
	if (rc == 0)
		rc = write_all(out_fd, sum, 20, to);
	if (rc == 0 && fsync(out_fd) < 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to, strerror(errno));
	if (close(out_fd) < 0 && rc == 0)
		rc = spiral_error(SPIRAL_ERROR, "cannot write %s: %s", to, strerror(errno));
	if (rc != 0)
		unlink(to);
done:
	EVP_MD_CTX_free(ctx);
	EVP_MD_CTX_free(check);
	munmap((void *)map, (size_t)sb.st_size);
	spiral_buf_free(&ps.made);
	free(ps.v);
	return rc;
}

int repo_index_view(const char *path, repo_index *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat sb;
	const unsigned char *map, *p, *end;
	unsigned char sum[20];
	unsigned version;
	uint32_t count;

	memset(out, 0, sizeof(*out));
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < 32 ||
	    (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
		    MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return FALLBACK;
	}
	close(fd);
	out->map = map;
	out->size = (size_t)sb.st_size;
	out->mtime = sb.st_mtim;
	end = map + sb.st_size - 20;
	version = be32(map + 4);
	count = be32(map + 8);
	if (memcmp(map, "DIRC", 4) != 0 || (version != 2 && version != 3) ||
	    count > (size_t)(end - map) / ENTRY_FIXED ||
	    sha1(map, (size_t)sb.st_size - 20, sum) < 0 || memcmp(sum, end, 20) != 0 ||
	    !(out->v = calloc((size_t)count + 1, sizeof(*out->v)))) {
		repo_index_free(out);
		return FALLBACK;
	}
	p = map + 12;
	for (uint32_t i = 0; i < count; i++) {
		git_index_entry *e = &out->v[i];
		old_entry oe;
		if (read_entry(p, end, version, &oe) != 0 || oe.stage) {
			repo_index_free(out);
			return FALLBACK; /* damaged, or a conflict */
		}
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
		e->flags = (uint16_t)((unsigned)p[60] << 8 | p[61]);
		e->path = oe.path; /* its padding holds at least one NUL */
		if (i && strcmp(out->v[i - 1].path, e->path) >= 0) {
			repo_index_free(out);
			return FALLBACK; /* not sorted: libgit2 says what is wrong */
		}
		p += oe.size;
		out->n++;
	}
	return 0;
}

void repo_index_free(repo_index *ix)
{
	if (ix->map)
		munmap((void *)ix->map, ix->size);
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
