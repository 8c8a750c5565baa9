/* The store: where records live, and loading them into inquiries.
 *
 * Layout (spiral(5)):
 *   inquiries/<id[0..2]>/<id>/inquiry.ini
 *   inquiries/<..>/<id>/entries/<stamp>-<phase>-<entry id>.ini
 *   inquiries/<..>/<id>/notes/<stamp>-<note id>.ini
 *   inquiries/<..>/<id>/changes/<stamp>-<field>-<change id>.ini
 * The folders fan out by the first two hex digits of the id, as git's own
 * objects/ does, so a commit in a large cluster rewrites small trees.
 *
 * Paths from a repository are data from strangers: every name is checked
 * against the layout before it is used, links are never followed, and files
 * larger than SPIRAL_MAX_FILE are refused. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static char *path_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *path_printf(const char *fmt, ...)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (spiral_buf_vprintf(&b, fmt, ap) < 0) {
		va_end(ap);
		spiral_buf_free(&b);
		return NULL;
	}
	va_end(ap);
	return spiral_buf_detach(&b);
}

char *spiral_path_inquiry_dir(const char *id)
{
	return path_printf("inquiries/%.2s/%s", id, id);
}

char *spiral_path_inquiry_file(const char *id)
{
	return path_printf("inquiries/%.2s/%s/inquiry.ini", id, id);
}

char *spiral_path_entry(const char *inq, const spiral_entry *e)
{
	char stamp[SPIRAL_DATE_LEN];

	spiral_date_stamp(e->date, stamp);
	return path_printf("inquiries/%.2s/%s/entries/%s-%s-%s.ini", inq, inq,
			   stamp, spiral_phase_get(e->phase)->name, e->id);
}

char *spiral_path_note(const char *inq, const spiral_note *n)
{
	char stamp[SPIRAL_DATE_LEN];

	spiral_date_stamp(n->date, stamp);
	return path_printf("inquiries/%.2s/%s/notes/%s-%s.ini", inq, inq, stamp,
			   n->id);
}

char *spiral_path_change(const char *inq, const spiral_change *c)
{
	char stamp[SPIRAL_DATE_LEN];

	spiral_date_stamp(c->date, stamp);
	return path_printf("inquiries/%.2s/%s/changes/%s-%s-%s.ini", inq, inq,
			   stamp, spiral_field_name(c->field), c->id);
}

/* ---- problems ----------------------------------------------------------- */

void spiral_store_problem(spiral_store *st, const char *path, int line,
			  const char *fmt, ...)
{
	spiral_buf msg = SPIRAL_BUF_INIT;
	spiral_problem *p;
	va_list ap;

	if (st->nproblems == st->pcap) {
		size_t cap = st->pcap ? st->pcap * 2 : 8;
		p = realloc(st->problems, cap * sizeof(*p));
		if (!p)
			return;
		st->problems = p;
		st->pcap = cap;
	}
	va_start(ap, fmt);
	spiral_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	p = &st->problems[st->nproblems];
	p->path = strdup(path);
	p->line = line;
	p->message = spiral_buf_detach(&msg);
	if (!p->path || !p->message) {
		free(p->path);
		free(p->message);
		return;
	}
	st->nproblems++;
}

/* ---- the loader --------------------------------------------------------- */

/* The hash of an id: its first 16 hex digits (ids are random). */
static size_t id_hash(const char *id)
{
	size_t h = 0;

	for (int i = 0; i < 16; i++)
		h = h * 16 + (size_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
	return h;
}

/* Index of id in st->inquiries through the open-addressed table st->slots
 * (each slot 1 + an index, 0 when free), or where it would go. */
static size_t *slot_of(const spiral_store *st, const char *id)
{
	size_t mask = st->nslots - 1, i = id_hash(id) & mask;

	while (st->slots[i] && strcmp(st->inquiries[st->slots[i] - 1].id, id) != 0)
		i = (i + 1) & mask;
	return &st->slots[i];
}

/* (Re)builds the table, at most half full, so that finding an inquiry stays
 * linear over the whole load, not quadratic. */
static int slots_grow(spiral_store *st)
{
	size_t n = 64, *table;

	while (n < 2 * (st->ninquiries + 1))
		n *= 2;
	if (!(table = calloc(n, sizeof(*table))))
		return -1;
	free(st->slots);
	st->slots = table;
	st->nslots = n;
	/* From the inquiries themselves: after spiral_store_finish (which
	 * drops the table) files may still be added. */
	for (size_t i = 0; i < st->ninquiries; i++)
		*slot_of(st, st->inquiries[i].id) = i + 1;
	return 0;
}

static spiral_inquiry *inquiry_slot(spiral_store *st, const char *id)
{
	spiral_inquiry *inq;
	size_t *slot;

	/* Files arrive grouped by folder: the last inquiry is the usual hit. */
	if (st->ninquiries &&
	    strcmp(st->inquiries[st->ninquiries - 1].id, id) == 0)
		return &st->inquiries[st->ninquiries - 1];
	if (2 * (st->ninquiries + 1) > st->nslots && slots_grow(st) < 0)
		return NULL;
	slot = slot_of(st, id);
	if (*slot)
		return &st->inquiries[*slot - 1];
	if (st->ninquiries == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		inq = realloc(st->inquiries, cap * sizeof(*inq));
		if (!inq)
			return NULL;
		st->inquiries = inq;
		st->cap = cap;
	}
	inq = &st->inquiries[st->ninquiries++];
	memset(inq, 0, sizeof(*inq));
	memcpy(inq->id, id, SPIRAL_ID_LEN + 1);
	inq->dir = spiral_path_inquiry_dir(id);
	*slot = st->ninquiries;
	return inq;
}

/* The array p of n elements with room for one more, or NULL (p is kept).
 * The capacity is implicit, the next power of two (the record arrays grow
 * only here), so that 10,000 records cost 14 reallocations, not 10,000
 * copies of the array. */
static void *grow_array(void *p, size_t n, size_t size)
{
	if (n & (n - 1))
		return p; /* not a power of two: there is room */
	return realloc(p, (n ? 2 * n : 1) * size);
}

/* Splits "<stamp>-<middle>-<id>.ini" (middle optional) and checks each part.
 * Returns 0 and copies the id, or -1. */
static int record_name(const char *name, int with_middle, char *middle,
		       size_t middle_size, char id[SPIRAL_ID_LEN + 1])
{
	size_t len = strlen(name);
	const char *dash, *last;

	if (len < 5 || strcmp(name + len - 4, ".ini") != 0)
		return -1;
	dash = strchr(name, '-');
	if (!dash || dash - name != 16 || name[8] != 'T' || name[15] != 'Z')
		return -1;
	last = name + len - 4 - SPIRAL_ID_LEN;
	if (last <= dash || last[-1] != '-')
		return -1;
	memcpy(id, last, SPIRAL_ID_LEN);
	id[SPIRAL_ID_LEN] = '\0';
	if (!spiral_id_valid(id))
		return -1;
	if (with_middle) {
		size_t mlen = (size_t)(last - 1 - (dash + 1));
		if (mlen == 0 || mlen >= middle_size)
			return -1;
		memcpy(middle, dash + 1, mlen);
		middle[mlen] = '\0';
	} else if (last - 1 != dash) {
		return -1;
	}
	return 0;
}

/* Where fsck's record_problem sends each problem of a file. */
typedef struct problem_sink {
	spiral_store *st;
	const char *path;
} problem_sink;

static void sink_problem(void *user, int line, const char *message)
{
	problem_sink *sink = user;

	spiral_store_problem(sink->st, sink->path, line, "%s", message);
}

/* fsck (st->strict) records every problem of a file as it is found; other
 * loads only the one a file is left out for. */
static void problem_init(record_problem *pb, problem_sink *sink,
			 spiral_store *st, const char *path)
{
	memset(pb, 0, sizeof(*pb));
	sink->st = st;
	sink->path = path;
	if (st->strict) {
		pb->each = sink_problem;
		pb->user = sink;
	}
}

static void parse_problem(spiral_store *st, const char *path,
			  const record_problem *pb)
{
	if (!pb->each) /* else each one is recorded already */
		spiral_store_problem(st, path, pb->line, "%s", pb->message);
}

static int add_entry(spiral_store *st, spiral_inquiry *inq, const char *path,
		     const char *name, const char *data, size_t len)
{
	spiral_entry e = {0};
	void *room;
	char phase[16];
	record_problem pb;
	problem_sink sink;
	int rc;

	if (record_name(name, 1, phase, sizeof(phase), e.id) < 0 ||
	    spiral_phase_from_name(phase) == SPIRAL_PHASE_NONE) {
		spiral_store_problem(st, path, 0,
				     "not an entry file name "
				     "(STAMP-PHASE-ID.ini expected)");
		return 0;
	}
	problem_init(&pb, &sink, st, path);
	rc = record_parse_entry(data, len, st->strict, &e, &pb);
	if (rc == 0 || rc == 1) {
		if (rc == 1)
			parse_problem(st, path, &pb);
		if (st->strict && e.phase != spiral_phase_from_name(phase))
			spiral_store_problem(st, path, 0,
					     "phase '%s' in the file, '%s' in its name",
					     spiral_phase_get(e.phase)->name, phase);
		if (!(e.path = strdup(path)) ||
		    !(room = grow_array(inq->entries, inq->nentries, sizeof(*inq->entries)))) {
			spiral_entry_free(&e);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
		inq->entries = room;
		inq->entries[inq->nentries++] = e;
		return 0;
	}
	spiral_entry_free(&e);
	if (rc == SPIRAL_ENOMEM)
		return spiral_error(rc, "out of memory");
	parse_problem(st, path, &pb);
	return 0;
}

static int add_note(spiral_store *st, spiral_inquiry *inq, const char *path,
		    const char *name, const char *data, size_t len)
{
	spiral_note n = {0};
	void *room;
	record_problem pb;
	problem_sink sink;
	int rc;

	if (record_name(name, 0, NULL, 0, n.id) < 0) {
		spiral_store_problem(st, path, 0,
				     "not a note file name (STAMP-ID.ini expected)");
		return 0;
	}
	problem_init(&pb, &sink, st, path);
	rc = record_parse_note(data, len, st->strict, &n, &pb);
	if (rc == 0 || rc == 1) {
		if (rc == 1)
			parse_problem(st, path, &pb);
		if (!(n.path = strdup(path)) ||
		    !(room = grow_array(inq->notes, inq->nnotes, sizeof(*inq->notes)))) {
			spiral_note_free(&n);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
		inq->notes = room;
		inq->notes[inq->nnotes++] = n;
		return 0;
	}
	spiral_note_free(&n);
	parse_problem(st, path, &pb);
	return 0;
}

static int add_change(spiral_store *st, spiral_inquiry *inq, const char *path,
		      const char *name, const char *data, size_t len)
{
	spiral_change c = {0};
	void *room;
	char field[16];
	record_problem pb;
	problem_sink sink;
	int rc;

	if (record_name(name, 1, field, sizeof(field), c.id) < 0 ||
	    spiral_field_from_name(field) == SPIRAL_FIELD_NONE) {
		spiral_store_problem(st, path, 0,
				     "not a change file name "
				     "(STAMP-FIELD-ID.ini expected)");
		return 0;
	}
	problem_init(&pb, &sink, st, path);
	rc = record_parse_change(data, len, st->strict, &c, &pb);
	if (rc == 0 || rc == 1) {
		if (rc == 1)
			parse_problem(st, path, &pb);
		if (!(c.path = strdup(path)) ||
		    !(room = grow_array(inq->changes, inq->nchanges, sizeof(*inq->changes)))) {
			spiral_change_free(&c);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
		inq->changes = room;
		inq->changes[inq->nchanges++] = c;
		return 0;
	}
	spiral_change_free(&c);
	parse_problem(st, path, &pb);
	return 0;
}

static int add_inquiry_file(spiral_store *st, spiral_inquiry *inq,
			    const char *path, const char *data, size_t len)
{
	spiral_inquiry tmp = {0};
	record_problem pb;
	problem_sink sink;
	int rc;

	problem_init(&pb, &sink, st, path);
	rc = record_parse_inquiry(data, len, st->strict, &tmp, &pb);

	if (rc == 0 || rc == 1) {
		if (rc == 1)
			parse_problem(st, path, &pb);
		if (inq->title0) {
			spiral_store_problem(st, path, 0, "inquiry given twice");
			spiral_inquiry_free(&tmp);
			return 0;
		}
		inq->title0 = tmp.title0;
		inq->learners0 = tmp.learners0;
		inq->continues = tmp.continues;
		inq->created = tmp.created;
		inq->who = tmp.who;
		inq->tags0 = tmp.tags0;
		inq->team0 = tmp.team0;
		return 0;
	}
	spiral_inquiry_free(&tmp);
	parse_problem(st, path, &pb);
	return 0;
}

int spiral_store_add_file(spiral_store *st, const char *path, const char *data,
			  size_t len)
{
	char id[SPIRAL_ID_LEN + 1], kind[16];
	const char *rest, *slash;
	spiral_inquiry *inq;

	/* inquiries/xx/<id>/... */
	if (strncmp(path, "inquiries/", 10) != 0 || strlen(path) < 10 + 3 + 33)
		goto unknown;
	memcpy(id, path + 13, SPIRAL_ID_LEN);
	id[SPIRAL_ID_LEN] = '\0';
	if (path[12] != '/' || !spiral_id_valid(id) ||
	    strncmp(path + 10, id, 2) != 0 || path[13 + SPIRAL_ID_LEN] != '/')
		goto unknown;
	rest = path + 13 + SPIRAL_ID_LEN + 1;
	if (!(inq = inquiry_slot(st, id)))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	if (strcmp(rest, "inquiry.ini") == 0)
		return add_inquiry_file(st, inq, path, data, len);
	slash = strchr(rest, '/');
	if (!slash || (size_t)(slash - rest) >= sizeof(kind) || strchr(slash + 1, '/'))
		goto unknown;
	memcpy(kind, rest, (size_t)(slash - rest));
	kind[slash - rest] = '\0';
	if (strcmp(kind, "entries") == 0)
		return add_entry(st, inq, path, slash + 1, data, len);
	if (strcmp(kind, "notes") == 0)
		return add_note(st, inq, path, slash + 1, data, len);
	if (strcmp(kind, "changes") == 0)
		return add_change(st, inq, path, slash + 1, data, len);
unknown:
	if (st->strict)
		spiral_store_problem(st, path, 0, "not a file spiral knows");
	return 0;
}

static int cmp_inquiry(const void *a, const void *b)
{
	return strcmp(((const spiral_inquiry *)a)->id,
		      ((const spiral_inquiry *)b)->id);
}

int spiral_store_finish(spiral_store *st)
{
	size_t kept = 0;

	/* Records whose inquiry.ini is missing or unreadable cannot stand. */
	for (size_t i = 0; i < st->ninquiries; i++) {
		spiral_inquiry *inq = &st->inquiries[i];
		if (!inq->title0) {
			char *file = spiral_path_inquiry_file(inq->id);
			spiral_store_problem(st, file ? file : inq->id, 0,
					     "inquiry has no readable inquiry.ini; "
					     "its records are ignored");
			free(file);
			spiral_inquiry_free(inq);
			continue;
		}
		st->inquiries[kept++] = *inq;
	}
	st->ninquiries = kept;
	/* Compaction and sorting move inquiries: the table goes. */
	free(st->slots);
	st->slots = NULL;
	st->nslots = 0;
	if (kept > 1)
		qsort(st->inquiries, kept, sizeof(*st->inquiries), cmp_inquiry);
	for (size_t i = 0; i < kept; i++) {
		spiral_inquiry *inq = &st->inquiries[i];
		if (spiral_inquiry_fold(inq) < 0)
			return SPIRAL_ENOMEM;
		for (int f = SPIRAL_FIELD_TAG; f <= SPIRAL_FIELD_TEAM; f++)
			if (inq->over_limit & (1u << f))
				spiral_store_problem(st, inq->dir, 0,
						     "more than %d values of %s: only "
						     "the first %d added are kept (see "
						     "LIMITS in spiral(5))",
						     SPIRAL_MAX_VALUES,
						     spiral_field_name((spiral_field)f),
						     SPIRAL_MAX_VALUES);
	}
	return 0;
}

void spiral_store_free(spiral_store *st)
{
	for (size_t i = 0; i < st->ninquiries; i++)
		spiral_inquiry_free(&st->inquiries[i]);
	free(st->inquiries);
	for (size_t i = 0; i < st->nproblems; i++) {
		free(st->problems[i].path);
		free(st->problems[i].message);
	}
	free(st->problems);
	free(st->slots);
	spiral_strv_free(&st->ids);
	store_keep_free(st->keep);
	memset(st, 0, sizeof(*st));
}

/* ---- walking the work tree ---------------------------------------------- */

/* Reads all of fd, a regular file of at most max bytes.  Returns 0,
 * SPIRAL_ENOMEM, or SPIRAL_ERROR with why[] saying what is wrong. */
static int read_fd_bounded(int fd, size_t max, char **data, size_t *len,
			   char why[64])
{
	struct stat sb;
	char *buf;
	size_t got = 0;

	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, 64, "is not a regular file");
		return SPIRAL_ERROR;
	}
	if ((size_t)sb.st_size > max) {
		if (max % (1024 * 1024) == 0)
			snprintf(why, 64, "is larger than %zu MiB", max / (1024 * 1024));
		else
			snprintf(why, 64, "is larger than %zu bytes", max);
		return SPIRAL_ERROR;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int read_file_bounded(const char *path, size_t max, char **data, size_t *len)
{
	char why[64];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int rc;

	if (fd < 0)
		return spiral_error(errno == ENOENT ? SPIRAL_ENOTFOUND : SPIRAL_ERROR,
				    "cannot read %s: %s", path,
				    errno == ELOOP ? "it is a symbolic link"
						   : strerror(errno));
	rc = read_fd_bounded(fd, max, data, len, why);
	close(fd);
	if (rc == SPIRAL_ERROR)
		return spiral_error(rc, "%s %s", path, why);
	return rc;
}

/*
 * Walking never opens a path it built: each folder is opened inside its
 * parent's descriptor with O_NOFOLLOW, and each file likewise, then checked
 * with fstat.  So a link at any level below the top of the work tree
 * (inquiries/, a fan folder, an inquiry, a record folder, a record) is seen
 * as what it is, reported, and never followed.  Paths are built only to
 * name things.
 */
#define LINK_PROBLEM STORE_LINK_PROBLEM

enum { NODE_MISSING, NODE_DIR, NODE_FILE, NODE_LINK, NODE_OTHER };

static int node_at(int dirfd, const char *name)
{
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return NODE_MISSING;
	if (S_ISLNK(sb.st_mode))
		return NODE_LINK;
	if (S_ISDIR(sb.st_mode))
		return NODE_DIR;
	return S_ISREG(sb.st_mode) ? NODE_FILE : NODE_OTHER;
}

static int open_dir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A problem of dir/name (name alone when dir is NULL); quiet without st. */
static void problem_at(spiral_store *st, const char *dir, const char *name,
		       const char *message)
{
	char *rel;

	if (!st)
		return;
	rel = dir ? path_printf("%s/%s", dir, name) : strdup(name);
	spiral_store_problem(st, rel ? rel : name, 0, "%s", message);
	free(rel);
}

/* The folder dir/name inside dirfd, or -1 when it is not one (a problem in
 * st, when given, says why). */
static int open_folder(spiral_store *st, int dirfd, const char *dir,
		       const char *name)
{
	int fd = open_dir_at(dirfd, name);
	int err = errno;

	if (fd >= 0)
		return fd;
	switch (node_at(dirfd, name)) {
	case NODE_LINK:
		problem_at(st, dir, name, LINK_PROBLEM);
		break;
	case NODE_MISSING:
		problem_at(st, dir, name, "no such folder");
		break;
	case NODE_DIR:
		problem_at(st, dir, name, strerror(err));
		break;
	default:
		problem_at(st, dir, name, "not a folder");
		break;
	}
	return -1;
}

/* Sorted names in the folder fd (without . and ..); fd stays open.  A folder
 * that cannot be listed is a problem of rel in st (when given), not an
 * error. */
static int list_names(spiral_store *st, int fd, const char *rel,
		      spiral_strv *names)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	struct dirent *de;
	DIR *d = copy < 0 ? NULL : fdopendir(copy);

	if (!d) {
		if (copy >= 0)
			close(copy);
		problem_at(st, NULL, rel, strerror(errno));
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (spiral_strv_push(names, de->d_name) < 0) {
			closedir(d);
			return SPIRAL_ENOMEM;
		}
	}
	closedir(d);
	spiral_strv_sort(names);
	return 0;
}

/* The ids of the inquiry folders in the fan folder fd (inquiries/<fan>):
 * real folders named by a valid id of that fan. */
static int scan_fan(spiral_store *st, int fd, const char *fan, const char *rel,
		    spiral_strv *ids)
{
	spiral_strv names = {0};
	int strict = st && st->strict;
	int rc = list_names(st, fd, rel, &names);

	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		const char *name = names.v[i];
		int kind = node_at(fd, name);
		if (kind == NODE_LINK) {
			problem_at(st, rel, name, LINK_PROBLEM);
		} else if (!spiral_id_valid(name) || strncmp(name, fan, 2) != 0) {
			if (strict)
				spiral_store_problem(st, rel, 0,
						     "'%s' is not an inquiry id of this "
						     "folder",
						     name);
		} else if (kind != NODE_DIR) {
			problem_at(st, rel, name, "not a folder");
		} else {
			rc = spiral_strv_push(ids, name);
		}
	}
	spiral_strv_free(&names);
	return rc;
}

/* Every inquiry folder under inquiries/, sorted, into ids.  With st, what
 * is not in the layout is a problem there: links and unreadable folders
 * always, the rest when st->strict. */
static int scan_ids(int top, spiral_store *st, spiral_strv *ids)
{
	spiral_strv fans = {0};
	int kind = node_at(top, "inquiries");
	int fd, rc;

	if (kind == NODE_MISSING)
		return 0;
	if (kind != NODE_DIR) {
		problem_at(st, NULL, "inquiries",
			   kind == NODE_LINK ? LINK_PROBLEM : "not a folder");
		return 0;
	}
	if ((fd = open_folder(st, top, NULL, "inquiries")) < 0)
		return 0;
	rc = list_names(st, fd, "inquiries", &fans);
	for (size_t i = 0; rc == 0 && i < fans.n; i++) {
		const char *fan = fans.v[i];
		char *rel = path_printf("inquiries/%s", fan);
		int ffd;
		if (!rel) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			break;
		}
		kind = node_at(fd, fan);
		if (kind == NODE_LINK) {
			problem_at(st, NULL, rel, LINK_PROBLEM);
		} else if (strlen(fan) != 2 || kind != NODE_DIR) {
			if (st && st->strict)
				problem_at(st, NULL, rel, "not a folder of the layout");
		} else if ((ffd = open_folder(st, fd, "inquiries", fan)) >= 0) {
			rc = scan_fan(st, ffd, fan, rel, ids);
			close(ffd);
		}
		free(rel);
	}
	close(fd);
	spiral_strv_free(&fans);
	return rc;
}

int spiral_list_fan_ids(const char *top, const char *prefix, spiral_strv *out)
{
	char fan[3] = {0};
	int fd, ifd, ffd, rc = 0;

	/* Every id a prefix of two hex digits or more can name lives in the
	 * fan folder of its first two (and only there, as scan_ids finds
	 * them): the rest of the store need not be listed. */
	if (strlen(prefix) < 2 || strspn(prefix, "0123456789abcdef") < 2)
		return 0;
	memcpy(fan, prefix, 2);
	if ((fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return spiral_error(SPIRAL_ERROR, "cannot read %s: %s", top,
				    strerror(errno));
	if ((ifd = open_dir_at(fd, "inquiries")) >= 0) {
		if ((ffd = open_dir_at(ifd, fan)) >= 0) {
			rc = scan_fan(NULL, ffd, fan, "", out);
			close(ffd);
		}
		close(ifd);
	}
	close(fd);
	return rc;
}

int spiral_list_ids(const char *top, spiral_strv *out)
{
	int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return spiral_error(SPIRAL_ERROR, "cannot read %s: %s", top,
				    strerror(errno));
	rc = scan_ids(fd, NULL, out);
	close(fd);
	return rc;
}

/* Feeds the file name inside dirfd (rel names it) to the store, or records
 * why it cannot be read. */
static int load_file_at(spiral_store *st, int dirfd, const char *name,
			const char *rel)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char why[64], *data;
	size_t len;
	int rc;

	if (fd < 0) {
		if (errno != ENOENT)
			problem_at(st, NULL, rel,
				   errno == ELOOP ? LINK_PROBLEM : strerror(errno));
		return 0;
	}
	rc = read_fd_bounded(fd, SPIRAL_MAX_FILE, &data, &len, why);
	close(fd);
	if (rc == SPIRAL_ERROR) {
		problem_at(st, NULL, rel, why);
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = spiral_store_add_file(st, rel, data, len);
	free(data);
	return rc;
}

/* The records of one folder (entries/, notes/ or changes/): regular files
 * only, and no more than SPIRAL_MAX_RECORDS of them, the first by name
 * (by date: names start with the stamp). */
static int load_record_dir(spiral_store *st, int fd, const char *rel)
{
	spiral_strv names = {0};
	int rc = list_names(st, fd, rel, &names);
	size_t n = store_records_capped(st, rel, names.n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *f = path_printf("%s/%s", rel, names.v[i]);
		int kind = node_at(fd, names.v[i]);
		if (!f) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			break;
		}
		if (kind == NODE_FILE)
			rc = load_file_at(st, fd, names.v[i], f);
		else if (kind == NODE_LINK)
			problem_at(st, NULL, f, LINK_PROBLEM);
		else if (kind != NODE_MISSING)
			problem_at(st, NULL, f,
				   "not a regular file (folders are not followed)");
		free(f);
	}
	spiral_strv_free(&names);
	return rc;
}

int store_is_record_folder(const char *name)
{
	return strcmp(name, "entries") == 0 || strcmp(name, "notes") == 0 ||
	       strcmp(name, "changes") == 0;
}

size_t store_records_capped(spiral_store *st, const char *rel, size_t n)
{
	if (n <= SPIRAL_MAX_RECORDS)
		return n;
	spiral_store_problem(st, rel, 0,
			     "more than %d files: only the first %d are read "
			     "(see LIMITS in spiral(5))",
			     SPIRAL_MAX_RECORDS, SPIRAL_MAX_RECORDS);
	return SPIRAL_MAX_RECORDS;
}

/* The folder of one inquiry, fd, named dir: inquiry.ini and the record
 * folders, depth two at most. */
static int load_inquiry_dir(spiral_store *st, int fd, const char *dir)
{
	spiral_strv names = {0};
	int rc = list_names(st, fd, dir, &names);

	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		const char *name = names.v[i];
		char *rel = path_printf("%s/%s", dir, name);
		int kind = node_at(fd, name), sub;
		if (!rel) {
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			break;
		}
		if (kind == NODE_FILE) {
			rc = load_file_at(st, fd, name, rel);
		} else if (kind == NODE_LINK) {
			problem_at(st, NULL, rel, LINK_PROBLEM);
		} else if (kind == NODE_DIR && store_is_record_folder(name)) {
			if ((sub = open_folder(st, fd, dir, name)) >= 0) {
				rc = load_record_dir(st, sub, rel);
				close(sub);
			}
		} else if (kind != NODE_MISSING) {
			problem_at(st, NULL, rel, "not a regular file or record folder");
		}
		free(rel);
	}
	spiral_strv_free(&names);
	return rc;
}

/* Opens inquiries/<fan>/<id> one folder at a time from top and loads it; a
 * link or a missing folder on the way is a problem. */
static int load_inquiry(spiral_store *st, int top, const char *id)
{
	char fan[3] = {id[0], id[1], '\0'};
	char *dir = spiral_path_inquiry_dir(id), *fan_rel;
	int fd, ffd, ifd, rc = 0;

	if (!dir)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	fan_rel = path_printf("inquiries/%s", fan);
	if (!fan_rel) {
		free(dir);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	if ((fd = open_folder(st, top, NULL, "inquiries")) >= 0) {
		if ((ffd = open_folder(st, fd, "inquiries", fan)) >= 0) {
			if ((ifd = open_folder(st, ffd, fan_rel, id)) >= 0) {
				rc = load_inquiry_dir(st, ifd, dir);
				close(ifd);
			}
			close(ffd);
		}
		close(fd);
	}
	free(fan_rel);
	free(dir);
	return rc;
}

int spiral_store_load(spiral_store *st, const char *top, const char *only)
{
	spiral_strv one = {0};
	const spiral_strv *ids = &st->ids;
	int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return spiral_error(SPIRAL_ERROR, "cannot read %s: %s", top,
				    strerror(errno));
	if (only) {
		if (!spiral_id_valid(only))
			rc = spiral_error(SPIRAL_ENOTFOUND, "'%s' is not an inquiry id",
					  only);
		else
			rc = spiral_strv_push(&one, only);
		ids = &one;
	} else {
		rc = scan_ids(fd, st, &st->ids);
	}
	for (size_t i = 0; rc == 0 && i < ids->n; i++)
		rc = load_inquiry(st, fd, ids->v[i]);
	close(fd);
	spiral_strv_free(&one);
	if (rc == 0)
		rc = spiral_store_finish(st);
	return rc;
}

static int cmp_inquiry_id(const void *key, const void *elem);

/* A candidate's title, made visible, onto b: from st when it holds the
 * inquiry, else from its own files under top. */
static int put_title(spiral_buf *b, const char *id, const spiral_store *st,
		     const char *top)
{
	const spiral_inquiry *inq = NULL;
	spiral_store one = {0};
	int rc;

	if (st)
		inq = bsearch(id, st->inquiries, st->ninquiries,
			      sizeof(*st->inquiries), cmp_inquiry_id);
	else if (top && spiral_store_load(&one, top, id) == 0 && one.ninquiries)
		inq = &one.inquiries[0];
	if (inq && inq->title)
		rc = spiral_visible(b, inq->title, strlen(inq->title), 0);
	else
		rc = spiral_buf_puts(b, "(its inquiry.ini cannot be read)");
	spiral_store_free(&one);
	return rc;
}

/*
 * "'abcd' is ambiguous; it could be:" and a line per candidate, each by a
 * prefix that tells it from the others, with its title.  The titles are
 * looked up before the message is set: loading one may set an error.
 */
static int ambiguous(const char *const *ids, size_t n, const char *prefix,
		     const spiral_store *st, const char *top)
{
	const char **cands = malloc(n * sizeof(*cands));
	spiral_buf msg = SPIRAL_BUF_INIT;
	size_t nc = 0, plen = strlen(prefix);
	int rc = cands ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < n; i++)
		if (strncmp(ids[i], prefix, plen) == 0)
			cands[nc++] = ids[i];
	if (rc == 0)
		rc = spiral_buf_printf(&msg, "'%s' is ambiguous; it could be:", prefix);
	for (size_t i = 0; rc == 0 && i < nc; i++) {
		size_t len = spiral_id_short_len(cands[i], cands, nc);
		if ((rc = spiral_buf_printf(&msg, "\n  %.*s ", (int)len, cands[i])) == 0)
			rc = put_title(&msg, cands[i], st, top);
	}
	free(cands);
	if (rc < 0 || !msg.ptr) {
		spiral_buf_free(&msg);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	spiral_error(SPIRAL_EAMBIGUOUS, "%s", msg.ptr);
	spiral_buf_free(&msg);
	return SPIRAL_EAMBIGUOUS;
}

static int find_prefix(const char *const *ids, size_t n, const char *prefix,
		       size_t *found, const spiral_store *st, const char *top)
{
	size_t plen = strlen(prefix), matches = 0;

	if (plen < 4 || plen > SPIRAL_ID_LEN ||
	    strspn(prefix, "0123456789abcdef") != plen)
		return spiral_error(SPIRAL_ENOTFOUND,
				    "'%s' is not an inquiry id (at least 4 of its "
				    "hex digits are needed)",
				    prefix);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(ids[i], prefix, plen) != 0)
			continue;
		*found = i;
		matches++;
	}
	if (matches == 1)
		return 0;
	if (matches == 0)
		return spiral_error(SPIRAL_ENOTFOUND, "no inquiry '%s'", prefix);
	return ambiguous(ids, n, prefix, st, top);
}

static int cmp_inquiry_id(const void *key, const void *elem)
{
	return strcmp(key, ((const spiral_inquiry *)elem)->id);
}

/* Why the inquiry id did not load: its first problem, or "". */
static const spiral_problem *first_problem_of(const spiral_store *st,
					      const char *id)
{
	char *dir = spiral_path_inquiry_dir(id);
	size_t dlen = dir ? strlen(dir) : 0;

	for (size_t i = 0; dir && i < st->nproblems; i++) {
		const char *path = st->problems[i].path;
		if (strncmp(path, dir, dlen) == 0 &&
		    (path[dlen] == '/' || path[dlen] == '\0')) {
			free(dir);
			return &st->problems[i];
		}
	}
	free(dir);
	return NULL;
}

/*
 * Prefixes are resolved against the same set they are shortened against
 * (spiral_store_short_len): the inquiry folders a full load found on disk,
 * whether or not each could be read, as spiral_resolve_id does.  So every
 * prefix that list, log or status prints is one that show accepts.  A store
 * fed by hand (no load) has only its inquiries.
 */
int spiral_store_find(spiral_store *st, const char *prefix, spiral_inquiry **out)
{
	const char **ids;
	const spiral_problem *why;
	spiral_inquiry *inq;
	size_t n = st->ids.n ? st->ids.n : st->ninquiries, found = 0;
	int rc;

	if (!(ids = malloc((n + 1) * sizeof(*ids))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		ids[i] = st->ids.n ? st->ids.v[i] : st->inquiries[i].id;
	rc = find_prefix(ids, n, prefix, &found, st, NULL);
	if (rc < 0) {
		free(ids);
		return rc;
	}
	inq = bsearch(ids[found], st->inquiries, st->ninquiries,
		      sizeof(*st->inquiries), cmp_inquiry_id);
	if (inq) {
		free(ids);
		*out = inq;
		return 0;
	}
	why = first_problem_of(st, ids[found]);
	/* The file and line at fault, as show says them. */
	if (why && why->line)
		rc = spiral_error(SPIRAL_ERROR, "%s:%d: %s", why->path, why->line,
				  why->message);
	else if (why)
		rc = spiral_error(SPIRAL_ERROR, "%s: %s", why->path, why->message);
	else
		rc = spiral_error(SPIRAL_ERROR, "inquiry %.12s cannot be read",
				  ids[found]);
	free(ids);
	return rc;
}

int spiral_resolve_id(const char *top, const char *prefix, char **full)
{
	spiral_strv ids = {0};
	size_t found = 0;
	int rc = spiral_list_fan_ids(top, prefix, &ids);

	if (rc == 0)
		rc = find_prefix((const char *const *)ids.v, ids.n, prefix, &found,
				 NULL, top);
	if (rc == 0 && !(*full = strdup(ids.v[found])))
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	spiral_strv_free(&ids);
	return rc;
}
