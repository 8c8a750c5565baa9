/* What status lists as changed: the files under inquiries/, and spiral.ini
 * and .gitattributes, that differ between HEAD, the index and the work
 * tree, as libgit2's status finds them, but at the cost of git's own:
 *
 *   - HEAD against the index: the index's inquiries/ tree is hashed from
 *     its entries (no object is read) and compared with HEAD's tree ID;
 *     only when they differ are the trees compared path by path;
 *   - the index against the work tree: one walk of the folders, each read
 *     once, each name stat-ed once relative to its folder, merged with
 *     the index's entries of that folder; a file is read (hashed) only
 *     when its stat data does not match the index's;
 *   - untracked files: the names the walk finds that the index lacks,
 *     then the ignore rules (after every .gitignore met was checked to be
 *     a plain file: git would block reading a FIFO).
 *
 * Anything unusual (no commit yet, conflicts, a submodule, inquiries/ that
 * is not a folder, a walk too deep) is left to libgit2's status. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define WALK_DEPTH 32
#define MAX_WALKERS 4
#define FALLBACK 1 /* not an error: libgit2's status decides */

typedef struct walker {
	git_repository *git;
	repo_index ix; /* git's index, read in place */
	const char *top;
	int dirfd_top;
	int filemode;                 /* core.filemode */
	struct timespec index_mtime;  /* entries as new are racy */
	int libgit2_index;            /* libgit2 given a whole one (split) */
	spiral_strv *out;             /* changed paths */
	spiral_strv untracked;        /* before the ignore rules */
	spiral_buf path;              /* the folder walked, "inquiries/ab/..." */
	/* Index entries whose stat data differs, hashed once the walk is
	 * done (libgit2's repository is not shared between threads). */
	size_t *uncertain, nuncertain, capuncertain;
	/* This walker's share of inquiries/' children, and its result. */
	unsigned part, nparts;
	int rc;
	char message[512];
	spiral_strv found;
	size_t lo, hi;
} walker;

static int nomem(void) { return spiral_error(SPIRAL_ENOMEM, "out of memory"); }

/* ---- HEAD against the index ------------------------------------------- */

/* The ID of the tree the index entries [*i, n) under prefix (plen bytes,
 * ending in '/') make; *i moves past them.  FALLBACK for an entry that is
 * no plain stage-0 file or link. */
static int hash_tree(const repo_index *ix, size_t *i, size_t n, const char *prefix,
		     size_t plen, git_oid *out)
{
	spiral_buf t = SPIRAL_BUF_INIT;
	int rc = 0;

	while (rc == 0 && *i < n) {
		const git_index_entry *e = &ix->v[*i];
		const char *rest, *slash;

		if (strncmp(e->path, prefix, plen) != 0)
			break;
		if (git_index_entry_stage(e) != 0 ||
		    (e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE &&
		     e->mode != GIT_FILEMODE_LINK)) {
			rc = FALLBACK;
			break;
		}
		rest = e->path + plen;
		if (!(slash = strchr(rest, '/'))) {
			spiral_buf_puts(&t, e->mode == GIT_FILEMODE_BLOB ? "100644 "
					    : e->mode == GIT_FILEMODE_LINK ? "120000 "
									   : "100755 ");
			spiral_buf_put(&t, rest, strlen(rest) + 1); /* with its NUL */
			spiral_buf_put(&t, e->id.id, GIT_OID_RAWSZ);
			(*i)++;
		} else {
			/* A folder: its entries follow, in the tree's order (a
			 * name compares as name + '/', as the paths do). */
			size_t clen = (size_t)(slash - rest);
			spiral_buf sub = SPIRAL_BUF_INIT;
			git_oid id;
			if (spiral_buf_put(&sub, e->path, plen + clen + 1) < 0)
				rc = nomem();
			else if ((rc = hash_tree(ix, i, n, sub.ptr, sub.len, &id)) == 0) {
				spiral_buf_put(&t, "40000 ", 6);
				spiral_buf_put(&t, rest, clen);
				spiral_buf_put(&t, "", 1);
				spiral_buf_put(&t, id.id, GIT_OID_RAWSZ);
			}
			spiral_buf_free(&sub);
		}
	}
	if (rc == 0 && t.failed)
		rc = nomem();
	if (rc == 0 && git_odb_hash(out, t.ptr ? t.ptr : "", t.len, GIT_OBJECT_TREE) < 0)
		rc = repo_git_fail("cannot hash a tree");
	spiral_buf_free(&t);
	return rc;
}

/* Pushes each path that differs between HEAD's tree and the index. */
static int staged(walker *w, git_tree *head)
{
	const git_tree_entry *te = git_tree_entry_byname(head, "inquiries");
	const char *const tops[] = {"spiral.ini", ".gitattributes"};
	size_t n = w->ix.n, i = repo_index_lower(&w->ix, "inquiries/");
	git_oid id;
	int rc;

	if (i < n && strncmp(w->ix.v[i].path, "inquiries/", 10) != 0)
		i = n;
	if (te && git_tree_entry_filemode(te) != GIT_FILEMODE_TREE)
		return FALLBACK;
	size_t had = i;

	if (i < n && (rc = hash_tree(&w->ix, &i, n, "inquiries/", 10, &id)) != 0)
		return rc;
	if ((had < n || te) &&
	    !(te && had < n && git_oid_equal(&id, git_tree_entry_id(te)))) {
		/* Something staged under inquiries/ (rare: spiral commits
		 * what it writes): compared path by path. */
		git_diff_options opts;
		git_diff *diff = NULL;
		git_index *idx = NULL;
		char *spec = "inquiries";

		git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
		opts.pathspec.strings = &spec;
		opts.pathspec.count = 1;
		/* The index's entries as read here (libgit2 cannot read a
		 * split index), those under inquiries/ alone. */
		int failed = git_index_new(&idx) < 0;
		for (size_t k = had; !failed && k < i; k++)
			failed = git_index_add(idx, &w->ix.v[k]) < 0;
		if (failed || git_diff_tree_to_index(&diff, w->git, head, idx, &opts) < 0) {
			git_index_free(idx);
			return repo_git_fail("cannot compare HEAD with the index");
		}
		git_index_free(idx);
		for (size_t k = 0; k < git_diff_num_deltas(diff); k++) {
			const git_diff_delta *d = git_diff_get_delta(diff, k);
			if (d->new_file.path && spiral_strv_push(w->out, d->new_file.path) < 0) {
				git_diff_free(diff);
				return nomem();
			}
		}
		git_diff_free(diff);
	}
	for (size_t k = 0; k < 2; k++) {
		const git_tree_entry *h = git_tree_entry_byname(head, tops[k]);
		const git_index_entry *e = repo_index_get(&w->ix, tops[k]);
		if (!h && !e)
			continue;
		if (!h || !e || !git_oid_equal(git_tree_entry_id(h), &e->id) ||
		    (unsigned)git_tree_entry_filemode(h) != e->mode)
			if (spiral_strv_push(w->out, tops[k]) < 0)
				return nomem();
	}
	return 0;
}

/* ---- the index against the work tree ---------------------------------- */

static int push_path(walker *w, spiral_strv *to, const char *name)
{
	size_t mark = w->path.len;
	int rc = 0;

	if (w->path.len)
		spiral_buf_putc(&w->path, '/');
	spiral_buf_puts(&w->path, name);
	if (w->path.failed || spiral_strv_push(to, w->path.ptr) < 0)
		rc = nomem();
	w->path.len = mark;
	if (w->path.ptr)
		w->path.ptr[mark] = '\0';
	return rc;
}

/* A folder's names, sorted, each with its type from the folder (DT_*)
 * one byte before it. */
typedef spiral_strv names;
#define NAME_TYPE(s) ((unsigned char)(s)[-1])

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_names(int dfd, names *sv)
{
	char buf[32768];
	ssize_t got;
	int rc = 0;

	/* getdents64 itself: no DIR (its dup, fcntl and fstat) a folder. */
	while (rc == 0 && (got = getdents64(dfd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; rc == 0 && off < got;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			size_t len = strlen(de->d_name);
			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			/* The type byte, then the name: one string. */
			char typed[sizeof(de->d_name) + 1];
			if (len >= sizeof(de->d_name)) {
				rc = FALLBACK;
				break;
			}
			typed[0] = (char)de->d_type;
			memcpy(typed + 1, de->d_name, len);
			if (spiral_strv_push_len(sv, typed, len + 1) < 0)
				rc = nomem();
			else
				sv->v[sv->n - 1]++;
		}
	if (rc == 0 && got < 0)
		rc = FALLBACK;
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_name);
	return rc;
}

static void names_free(names *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		sv->v[i]--; /* back to what was allocated */
	spiral_strv_free(sv);
}

/* git would block reading a .gitignore that is a FIFO: refused first. */
static int check_gitignore(walker *w, int dfd, const names *nm)
{
	struct stat sb;
	spiral_buf rel = SPIRAL_BUF_INIT;
	int rc;

	const char *key = ".gitignore";

	if (!nm->n || !bsearch(&key, nm->v, nm->n, sizeof(*nm->v), cmp_name))
		return 0;
	if (fstatat(dfd, ".gitignore", &sb, 0) < 0 || S_ISREG(sb.st_mode) ||
	    S_ISDIR(sb.st_mode))
		return 0;
	if (spiral_buf_printf(&rel, "%s/.gitignore", w->path.ptr) < 0)
		rc = nomem();
	else
		rc = repo_check_plain_file(w->top, rel.ptr);
	spiral_buf_free(&rel);
	return rc;
}


static int walk_untracked(walker *w, int dfd, int depth);

/* An untracked name in folder dfd: a file, or every file under a folder
 * (a folder that is a git repository of its own stands for itself). */
static int untracked(walker *w, int dfd, const char *name, const struct stat *sb,
		     int depth)
{
	size_t mark = w->path.len;
	int rc, sub;
	struct stat git_sb;

	if (!S_ISDIR(sb->st_mode))
		return push_path(w, &w->untracked, name);
	if (depth >= WALK_DEPTH)
		return FALLBACK;
	if ((sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return FALLBACK;
	if (fstatat(sub, ".git", &git_sb, AT_SYMLINK_NOFOLLOW) == 0) {
		close(sub);
		return FALLBACK;
	}
	if (w->path.len)
		spiral_buf_putc(&w->path, '/');
	spiral_buf_puts(&w->path, name);
	rc = w->path.failed ? nomem() : walk_untracked(w, sub, depth + 1);
	close(sub);
	w->path.len = mark;
	if (w->path.ptr)
		w->path.ptr[mark] = '\0';
	return rc;
}

static int walk_untracked(walker *w, int dfd, int depth)
{
	names nm = {0};
	int rc = read_names(dfd, &nm);

	if (rc == 0)
		rc = check_gitignore(w, dfd, &nm);
	for (size_t i = 0; rc == 0 && i < nm.n; i++) {
		struct stat sb;
		if (fstatat(dfd, nm.v[i], &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		rc = untracked(w, dfd, nm.v[i], &sb, depth);
	}
	names_free(&nm);
	return rc;
}

/* Whether the stat data of a tracked file is not the index's: then its
 * content is hashed to be sure (1), or it changed for certain (2). */
static int stat_differs(const walker *w, const git_index_entry *e,
			const struct stat *sb)
{
	int link = (e->mode & 0170000) == 0120000;

	if (S_ISLNK(sb->st_mode) != link || (!S_ISREG(sb->st_mode) && !link))
		return 2;
	if (!link && w->filemode &&
	    ((e->mode & 0100) != 0) != ((sb->st_mode & S_IXUSR) != 0))
		return 2;
	if (e->file_size != (uint32_t)sb->st_size ||
	    e->mtime.seconds != (int32_t)sb->st_mtim.tv_sec ||
	    e->mtime.nanoseconds != (uint32_t)sb->st_mtim.tv_nsec ||
	    e->ctime.seconds != (int32_t)sb->st_ctim.tv_sec ||
	    e->ctime.nanoseconds != (uint32_t)sb->st_ctim.tv_nsec ||
	    e->ino != (uint32_t)sb->st_ino || e->uid != (uint32_t)sb->st_uid ||
	    e->gid != (uint32_t)sb->st_gid)
		return 1;
	/* Written in the same instant as the index, or after: racy. */
	if (sb->st_mtim.tv_sec > w->index_mtime.tv_sec ||
	    (sb->st_mtim.tv_sec == w->index_mtime.tv_sec &&
	     sb->st_mtim.tv_nsec >= w->index_mtime.tv_nsec))
		return 1;
	return 0;
}

/* A tracked file or link whose stat data differs: changed unless its
 * content hashes to the index's ID (as git's filters would clean it). */
static int settle(walker *w, size_t k)
{
	const git_index_entry *e = &w->ix.v[k];
	spiral_buf full = SPIRAL_BUF_INIT;
	struct stat sb;
	git_oid id;
	int differs = 1;

	if (spiral_buf_printf(&full, "%s/%s", w->top, e->path) < 0)
		return nomem();
	/* libgit2's filters look up attributes in the index. */
	if (w->ix.split && !w->libgit2_index++) {
		int rc = repo_libgit2_index(w->git);
		if (rc < 0) {
			spiral_buf_free(&full);
			return rc;
		}
	}
	if (lstat(full.ptr, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		char target[4096];
		ssize_t n = readlink(full.ptr, target, sizeof(target));
		if (n >= 0 && (size_t)n < sizeof(target) &&
		    git_odb_hash(&id, target, (size_t)n, GIT_OBJECT_BLOB) == 0)
			differs = !git_oid_equal(&id, &e->id);
	} else if (git_repository_hashfile(&id, w->git, e->path, GIT_OBJECT_BLOB,
					   NULL) == 0) {
		differs = !git_oid_equal(&id, &e->id);
	}
	git_error_clear();
	spiral_buf_free(&full);
	if (differs && spiral_strv_push(w->out, e->path) < 0)
		return nomem();
	return 0;
}

static int defer(walker *w, size_t k)
{
	if (w->nuncertain == w->capuncertain) {
		size_t cap = w->capuncertain ? 2 * w->capuncertain : 64;
		size_t *v = realloc(w->uncertain, cap * sizeof(*v));
		if (!v)
			return nomem();
		w->uncertain = v;
		w->capuncertain = cap;
	}
	w->uncertain[w->nuncertain++] = k;
	return 0;
}

/* Pushes the paths of the index entries [lo, hi) (a folder gone, or no
 * longer a folder). */
static int all_gone(walker *w, size_t lo, size_t hi)
{
	for (size_t k = lo; k < hi; k++)
		if (spiral_strv_push(w->out, w->ix.v[k].path) < 0)
			return nomem();
	return 0;
}

/* One child of a folder in the index: a file (entry) or a folder (the
 * entries [lo, hi)). */
typedef struct child {
	const char *name; /* not NUL-ended for a folder: len bytes */
	size_t len, lo, hi;
	int is_dir;
} child;

static int cmp_child(const void *a, const void *b)
{
	const child *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_child_name(const char *name, const child *c)
{
	size_t len = strlen(name), n = len < c->len ? len : c->len;
	int r = memcmp(name, c->name, n);

	return r ? r : (len > c->len) - (len < c->len);
}

static int walk(walker *w, int dfd, size_t lo, size_t hi, int depth);

/* Whether a child of inquiries/ (depth 1) is this walker's to walk: the
 * fan folders are shared out by name. */
static int mine(const walker *w, int depth, const char *name, size_t len)
{
	unsigned h = 0;

	if (depth != 1 || w->nparts < 2)
		return 1;
	for (size_t i = 0; i < len; i++)
		h = h * 31 + (unsigned char)name[i];
	return h % w->nparts == w->part;
}

/* Both a name in the work tree and a child in the index. */
static int both(walker *w, int dfd, const char *name, const child *c,
		const struct stat *sb, int depth)
{
	if (c->is_dir) {
		size_t mark = w->path.len;
		int sub, rc;
		if (!S_ISDIR(sb->st_mode)) {
			/* A folder became a file or a link. */
			if ((rc = all_gone(w, c->lo, c->hi)) < 0)
				return rc;
			return untracked(w, dfd, name, sb, depth);
		}
		if (depth >= WALK_DEPTH)
			return FALLBACK;
		if ((sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						     O_CLOEXEC)) < 0)
			return FALLBACK;
		spiral_buf_putc(&w->path, '/');
		spiral_buf_puts(&w->path, name);
		rc = w->path.failed ? nomem() : walk(w, sub, c->lo, c->hi, depth + 1);
		close(sub);
		w->path.len = mark;
		w->path.ptr[mark] = '\0';
		return rc;
	} else {
		const git_index_entry *e = &w->ix.v[c->lo];
		int d = S_ISDIR(sb->st_mode) ? 2 : stat_differs(w, e, sb);
		if (d == 1 && defer(w, c->lo) < 0)
			return SPIRAL_ENOMEM;
		if (d == 2 && spiral_strv_push(w->out, e->path) < 0)
			return nomem();
		/* A file that became a folder: what it holds is untracked. */
		return S_ISDIR(sb->st_mode) ? untracked(w, dfd, name, sb, depth) : 0;
	}
}

/* The folder w->path, open as dfd, against the index entries [lo, hi)
 * under it. */
static int walk(walker *w, int dfd, size_t lo, size_t hi, int depth)
{
	size_t plen = w->path.len + 1, nc = 0, j = 0;
	child *kids = calloc(hi - lo + 1, sizeof(*kids));
	names nm = {0};
	int rc = kids ? read_names(dfd, &nm) : nomem();

	if (rc == 0 && (depth > 1 || w->part == 0))
		rc = check_gitignore(w, dfd, &nm);
	/* The index's children of this folder, by name. */
	for (size_t k = lo; rc == 0 && k < hi;) {
		const git_index_entry *e = &w->ix.v[k];
		const char *rest = e->path + plen, *slash = strchr(rest, '/');
		if (e->mode == GIT_FILEMODE_COMMIT) {
			rc = FALLBACK;
			break;
		}
		kids[nc].name = rest;
		kids[nc].lo = k;
		if (!slash) {
			kids[nc].len = strlen(rest);
			kids[nc].hi = ++k;
		} else {
			size_t clen = (size_t)(slash - rest) + 1; /* with the '/' */
			kids[nc].len = clen - 1;
			kids[nc].is_dir = 1;
			while (++k < hi &&
			       strncmp(w->ix.v[k].path, e->path,
				       plen + clen) == 0)
				;
			kids[nc].hi = k;
		}
		nc++;
	}
	if (rc == 0 && nc > 1)
		qsort(kids, nc, sizeof(*kids), cmp_child);
	/* Merged with the names the folder holds. */
	for (size_t i = 0; rc == 0 && i < nm.n; i++) {
		struct stat sb;
		int c = 1;
		while (j < nc && (c = cmp_child_name(nm.v[i], &kids[j])) > 0) {
			if (mine(w, depth, kids[j].name, kids[j].len))
				rc = all_gone(w, kids[j].lo, kids[j].hi);
			j++;
		}
		if (rc)
			break;
		if (!mine(w, depth, nm.v[i], strlen(nm.v[i]))) {
			j += j < nc && c == 0;
			continue;
		}
		if (j < nc && c == 0 && kids[j].is_dir && NAME_TYPE(nm.v[i]) == DT_DIR) {
			/* A folder still: opened without following a link. */
			sb.st_mode = S_IFDIR;
			rc = both(w, dfd, nm.v[i], &kids[j++], &sb, depth);
			continue;
		}
		if (fstatat(dfd, nm.v[i], &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				rc = FALLBACK;
			continue; /* gone meanwhile: the index entry stays below */
		}
		if (j < nc && c == 0)
			rc = both(w, dfd, nm.v[i], &kids[j++], &sb, depth);
		else
			rc = untracked(w, dfd, nm.v[i], &sb, depth);
	}
	for (; rc == 0 && j < nc; j++)
		if (mine(w, depth, kids[j].name, kids[j].len))
			rc = all_gone(w, kids[j].lo, kids[j].hi);
	names_free(&nm);
	free(kids);
	return rc;
}

/* spiral.ini and .gitattributes in the work tree, against the index. */
static int top_file(walker *w, const char *name)
{
	const git_index_entry *e = repo_index_get(&w->ix, name);
	struct stat sb;
	child c = {name, strlen(name), 0, 0, 0};
	size_t pos;

	if (fstatat(w->dirfd_top, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return FALLBACK;
		return e && spiral_strv_push(w->out, name) < 0 ? nomem() : 0;
	}
	if (!e)
		return untracked(w, w->dirfd_top, name, &sb, 0);
	pos = (size_t)(e - w->ix.v);
	c.lo = pos;
	c.hi = pos + 1;
	return both(w, w->dirfd_top, name, &c, &sb, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *walk_part(void *arg)
{
	walker *w = arg;

	/* Its own descriptor of inquiries/: one read position each. */
	int fd = openat(w->dirfd_top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	spiral_buf_puts(&w->path, "inquiries");
	w->rc = fd < 0 ? FALLBACK
		: w->path.failed ? nomem() : walk(w, fd, w->lo, w->hi, 1);
	if (fd >= 0)
		close(fd);
	if (w->rc < 0)
		snprintf(w->message, sizeof(w->message), "%s", spiral_error_message());
	return NULL;
}

/* inquiries/ (open as inq) walked by a walker a processor, at most
 * MAX_WALKERS; what each found is added to w's. */
static int walk_shared(walker *w, int inq, size_t lo, size_t hi)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cpus < 1 ? 1 : cpus > MAX_WALKERS ? MAX_WALKERS : (unsigned)cpus;
	walker parts[MAX_WALKERS];
	pthread_t tid[MAX_WALKERS];
	int started[MAX_WALKERS] = {0}, rc = 0;

	for (unsigned t = 0; t < n; t++) {
		parts[t] = *w;
		memset(&parts[t].path, 0, sizeof(parts[t].path));
		memset(&parts[t].untracked, 0, sizeof(parts[t].untracked));
		parts[t].out = &parts[t].found;
		parts[t].found = (spiral_strv){0};
		parts[t].uncertain = NULL;
		parts[t].nuncertain = parts[t].capuncertain = 0;
		parts[t].part = t;
		parts[t].nparts = n;
		parts[t].dirfd_top = inq;
		parts[t].lo = lo;
		parts[t].hi = hi;
		parts[t].rc = 0;
		parts[t].message[0] = '\0';
	}
	for (unsigned t = 1; t < n; t++)
		started[t] = pthread_create(&tid[t], NULL, walk_part, &parts[t]) == 0;
	walk_part(&parts[0]);
	for (unsigned t = 1; t < n; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else /* no thread: walked here */
			walk_part(&parts[t]);
	}
	for (unsigned t = 0; t < n; t++) {
		walker *p = &parts[t];
		if (rc == 0 && p->rc != 0)
			rc = p->rc < 0 ? spiral_error(p->rc, "%s", p->message) : p->rc;
		for (size_t i = 0; rc == 0 && i < p->found.n; i++)
			if (spiral_strv_push(w->out, p->found.v[i]) < 0)
				rc = nomem();
		for (size_t i = 0; rc == 0 && i < p->untracked.n; i++)
			if (spiral_strv_push(&w->untracked, p->untracked.v[i]) < 0)
				rc = nomem();
		for (size_t i = 0; rc == 0 && i < p->nuncertain; i++)
			rc = settle(w, p->uncertain[i]);
		spiral_strv_free(&p->found);
		spiral_strv_free(&p->untracked);
		spiral_buf_free(&p->path);
		free(p->uncertain);
	}
	return rc;
}

/* 0, FALLBACK, or an error. */
static int changed_fast(spiral_repo *r, spiral_strv *out)
{
	walker w = {0};
	git_object *head = NULL;
	git_config *cfg = NULL;
	struct stat sb;
	size_t lo = 0, hi, n;
	int rc = 0, inq = -1, bool_value;
	spiral_buf ipath = SPIRAL_BUF_INIT;

	w.git = repo_git(r);
	w.top = spiral_repo_top(r);
	w.out = out;
	w.dirfd_top = -1;
	w.filemode = 1;
	if (git_revparse_single(&head, w.git, "HEAD^{tree}") < 0) {
		git_error_clear();
		return FALLBACK; /* no commit yet */
	}
	spiral_buf_printf(&ipath, "%sindex", git_repository_path(w.git));
	if (ipath.failed) {
		rc = nomem();
		goto done;
	}
	/* No index, another version, conflicts, damage: libgit2's. */
	if (repo_index_view(ipath.ptr, &w.ix) != 0) {
		rc = FALLBACK;
		goto done;
	}
	w.index_mtime = w.ix.mtime;
	if (git_repository_config_snapshot(&cfg, w.git) == 0 &&
	    git_config_get_bool(&bool_value, cfg, "core.filemode") == 0)
		w.filemode = bool_value;
	git_error_clear();
	if ((rc = staged(&w, (git_tree *)head)) != 0)
		goto done;
	if ((w.dirfd_top = open(spiral_repo_top(r), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = FALLBACK;
		goto done;
	}
	/* inquiries/: a folder, else libgit2 says what it is. */
	n = w.ix.n;
	lo = repo_index_lower(&w.ix, "inquiries/");
	for (hi = lo; hi < n && strncmp(w.ix.v[hi].path, "inquiries/", 10) == 0; hi++)
		;
	if (repo_index_get(&w.ix, "inquiries")) {
		rc = FALLBACK;
		goto done;
	}
	if (fstatat(w.dirfd_top, "inquiries", &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(sb.st_mode) ||
		    (inq = openat(w.dirfd_top, "inquiries",
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			rc = FALLBACK;
			goto done;
		}
		rc = walk_shared(&w, inq, lo, hi);
	} else if (errno == ENOENT) {
		rc = all_gone(&w, lo, hi);
	} else {
		rc = FALLBACK;
	}
	if (rc == 0)
		rc = top_file(&w, "spiral.ini");
	if (rc == 0)
		rc = top_file(&w, ".gitattributes");
	for (size_t i = 0; rc == 0 && i < w.nuncertain; i++)
		rc = settle(&w, w.uncertain[i]);
	/* Untracked files that no ignore rule covers. */
	for (size_t i = 0; rc == 0 && i < w.untracked.n; i++) {
		int ignored = 0;
		if (git_ignore_path_is_ignored(&ignored, w.git, w.untracked.v[i]) < 0)
			rc = repo_git_fail("cannot read the ignore rules");
		else if (!ignored && spiral_strv_push(out, w.untracked.v[i]) < 0)
			rc = nomem();
	}
	if (rc == 0 && out->n > 1) {
		/* Sorted, once each (staged and changed again: one line). */
		size_t k = 0;
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
		for (size_t i = 0; i < out->n; i++) {
			if (k && strcmp(out->v[k - 1], out->v[i]) == 0)
				free(out->v[i]);
			else
				out->v[k++] = out->v[i];
		}
		out->n = k;
	}
done:
	if (inq >= 0)
		close(inq);
	if (w.dirfd_top >= 0)
		close(w.dirfd_top);
	spiral_strv_free(&w.untracked);
	spiral_buf_free(&w.path);
	free(w.uncertain);
	spiral_buf_free(&ipath);
	git_config_free(cfg);
	repo_index_free(&w.ix);
	git_object_free(head);
	return rc;
}

int repo_changed_fast(spiral_repo *r, spiral_strv *out)
{
	int rc = changed_fast(r, out);

	if (rc == FALLBACK) {
		/* Nothing of a partial answer is kept. */
		for (size_t i = 0; i < out->n; i++)
			free(out->v[i]);
		out->n = 0;
	}
	return rc;
}
