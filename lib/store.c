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

static spiral_inquiry *inquiry_slot(spiral_store *st, const char *id)
{
	spiral_inquiry *inq;

	/* Files arrive grouped by folder: the last inquiry is the usual hit. */
	if (st->ninquiries &&
	    strcmp(st->inquiries[st->ninquiries - 1].id, id) == 0)
		return &st->inquiries[st->ninquiries - 1];
	for (size_t i = 0; i < st->ninquiries; i++)
		if (strcmp(st->inquiries[i].id, id) == 0)
			return &st->inquiries[i];
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
	return inq;
}

#define GROW(arr, n)                                                       \
	(((arr) = realloc_array((arr), (n) + 1, sizeof(*(arr)))) != NULL)

static void *realloc_array(void *p, size_t n, size_t size)
{
	void *q = realloc(p, n * size);
	if (!q)
		free(p);
	return q;
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

static void parse_problem(spiral_store *st, const char *path,
			  const record_problem *pb)
{
	spiral_store_problem(st, path, pb->line, "%s", pb->message);
}

static int add_entry(spiral_store *st, spiral_inquiry *inq, const char *path,
		     const char *name, const char *data, size_t len)
{
	spiral_entry e = {0};
	char phase[16];
	record_problem pb;
	int rc;

	if (record_name(name, 1, phase, sizeof(phase), e.id) < 0 ||
	    spiral_phase_from_name(phase) == SPIRAL_PHASE_NONE) {
		spiral_store_problem(st, path, 0,
				     "not an entry file name "
				     "(STAMP-PHASE-ID.ini expected)");
		return 0;
	}
	rc = record_parse_entry(data, len, st->strict, &e, &pb);
	if (rc == 0 || rc == 1) {
		if (rc == 1)
			parse_problem(st, path, &pb);
		else if (st->strict && e.phase != spiral_phase_from_name(phase))
			spiral_store_problem(st, path, 0,
					     "phase '%s' in the file, '%s' in its name",
					     spiral_phase_get(e.phase)->name, phase);
		if (!(e.path = strdup(path)) || !GROW(inq->entries, inq->nentries)) {
			spiral_entry_free(&e);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
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
	record_problem pb;
	int rc;

	if (record_name(name, 0, NULL, 0, n.id) < 0) {
		spiral_store_problem(st, path, 0,
				     "not a note file name (STAMP-ID.ini expected)");
		return 0;
	}
	rc = record_parse_note(data, len, st->strict, &n, &pb);
	if (rc == 0 || rc == 1) {
		if (rc == 1)
			parse_problem(st, path, &pb);
		if (!(n.path = strdup(path)) || !GROW(inq->notes, inq->nnotes)) {
			spiral_note_free(&n);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
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
	char field[16];
	record_problem pb;
	int rc;

	if (record_name(name, 1, field, sizeof(field), c.id) < 0 ||
	    spiral_field_from_name(field) == SPIRAL_FIELD_NONE) {
		spiral_store_problem(st, path, 0,
				     "not a change file name "
				     "(STAMP-FIELD-ID.ini expected)");
		return 0;
	}
	rc = record_parse_change(data, len, st->strict, &c, &pb);
	if (rc == 0 || rc == 1) {
		if (rc == 1)
			parse_problem(st, path, &pb);
		if (!(c.path = strdup(path)) || !GROW(inq->changes, inq->nchanges)) {
			spiral_change_free(&c);
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		}
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
	int rc = record_parse_inquiry(data, len, st->strict, &tmp, &pb);

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
	if (kept > 1)
		qsort(st->inquiries, kept, sizeof(*st->inquiries), cmp_inquiry);
	for (size_t i = 0; i < kept; i++)
		if (spiral_inquiry_fold(&st->inquiries[i]) < 0)
			return SPIRAL_ENOMEM;
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
	memset(st, 0, sizeof(*st));
}

/* ---- walking the work tree ---------------------------------------------- */

int read_file_bounded(const char *path, size_t max, char **data, size_t *len)
{
	struct stat sb;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return spiral_error(errno == ENOENT ? SPIRAL_ENOTFOUND : SPIRAL_ERROR,
				    "cannot read %s: %s", path,
				    errno == ELOOP ? "it is a symbolic link"
						   : strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return spiral_error(SPIRAL_ERROR, "%s is not a regular file", path);
	}
	if ((size_t)sb.st_size > max) {
		close(fd);
		if (max % (1024 * 1024) == 0)
			return spiral_error(SPIRAL_ERROR, "%s is larger than %zu MiB",
					    path, max / (1024 * 1024));
		return spiral_error(SPIRAL_ERROR, "%s is larger than %zu bytes", path,
				    max);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

typedef int (*walk_fn)(void *user, const char *rel, int is_dir, int is_reg);

/* Sorted listing of one folder (without . and ..), links reported as
 * neither folder nor file. */
static int list_dir(const char *top, const char *rel, spiral_strv *names)
{
	char *full = rel[0] ? path_printf("%s/%s", top, rel) : strdup(top);
	DIR *d;
	struct dirent *de;

	if (!full)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	d = opendir(full);
	free(full);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR
			       ? 0
			       : spiral_error(SPIRAL_ERROR, "cannot read %s: %s",
						      rel, strerror(errno));
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

static int file_kind(const char *top, const char *rel, int *is_dir, int *is_reg)
{
	struct stat sb;
	char *full = path_printf("%s/%s", top, rel);
	int rc;

	if (!full)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = lstat(full, &sb);
	free(full);
	if (rc < 0)
		return -1;
	*is_dir = S_ISDIR(sb.st_mode);
	*is_reg = S_ISREG(sb.st_mode);
	return 0;
}

/* Feeds one file to the store, or records why it cannot be read. */
static int load_file(spiral_store *st, const char *top, const char *rel)
{
	char *full = path_printf("%s/%s", top, rel);
	char *data;
	size_t len;
	int rc;

	if (!full)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	rc = read_file_bounded(full, SPIRAL_MAX_FILE, &data, &len);
	free(full);
	if (rc == SPIRAL_ENOMEM)
		return rc;
	if (rc < 0) {
		spiral_store_problem(st, rel, 0, "%s", spiral_error_message());
		return 0;
	}
	rc = spiral_store_add_file(st, rel, data, len);
	free(data);
	return rc;
}

/* Walks inquiries/<fan>/<id>/ and its record folders, depth three at most. */
static int load_inquiry_dir(spiral_store *st, const char *top, const char *dir)
{
	spiral_strv names = {0};
	int rc = list_dir(top, dir, &names);

	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		char *rel = path_printf("%s/%s", dir, names.v[i]);
		int is_dir = 0, is_reg = 0;
		if (!rel) {
			rc = SPIRAL_ENOMEM;
			break;
		}
		if (file_kind(top, rel, &is_dir, &is_reg) < 0) {
			free(rel);
			continue;
		}
		if (is_reg) {
			rc = load_file(st, top, rel);
		} else if (is_dir && (strcmp(names.v[i], "entries") == 0 ||
				      strcmp(names.v[i], "notes") == 0 ||
				      strcmp(names.v[i], "changes") == 0)) {
			spiral_strv files = {0};
			rc = list_dir(top, rel, &files);
			for (size_t k = 0; rc == 0 && k < files.n; k++) {
				char *f = path_printf("%s/%s", rel, files.v[k]);
				if (!f) {
					rc = SPIRAL_ENOMEM;
					break;
				}
				if (file_kind(top, f, &is_dir, &is_reg) == 0 && is_reg)
					rc = load_file(st, top, f);
				else
					spiral_store_problem(st, f, 0,
							     "not a regular file (links "
							     "and folders are not followed)");
				free(f);
			}
			spiral_strv_free(&files);
		} else {
			spiral_store_problem(st, rel, 0,
					     "not a regular file or record folder");
		}
		free(rel);
	}
	spiral_strv_free(&names);
	return rc;
}

int spiral_list_ids(const char *top, spiral_strv *out)
{
	spiral_strv fans = {0};
	int rc = list_dir(top, "inquiries", &fans);

	for (size_t i = 0; rc == 0 && i < fans.n; i++) {
		spiral_strv ids = {0};
		char *rel = path_printf("inquiries/%s", fans.v[i]);
		if (!rel) {
			rc = SPIRAL_ENOMEM;
			break;
		}
		if (strlen(fans.v[i]) == 2)
			rc = list_dir(top, rel, &ids);
		for (size_t k = 0; rc == 0 && k < ids.n; k++)
			if (spiral_id_valid(ids.v[k]) &&
			    strncmp(ids.v[k], fans.v[i], 2) == 0)
				rc = spiral_strv_push(out, ids.v[k]);
		spiral_strv_free(&ids);
		free(rel);
	}
	spiral_strv_free(&fans);
	return rc;
}

/* Everything under inquiries/ that is not in the layout is a problem. */
static void check_layout(spiral_store *st, const char *top)
{
	spiral_strv fans = {0};

	if (list_dir(top, "inquiries", &fans) < 0)
		return;
	for (size_t i = 0; i < fans.n; i++) {
		spiral_strv ids = {0};
		char *rel = path_printf("inquiries/%s", fans.v[i]);
		int is_dir = 0, is_reg = 0;
		if (!rel)
			break;
		file_kind(top, rel, &is_dir, &is_reg);
		if (strlen(fans.v[i]) != 2 || !is_dir) {
			spiral_store_problem(st, rel, 0, "not a folder of the layout");
			free(rel);
			continue;
		}
		list_dir(top, rel, &ids);
		for (size_t k = 0; k < ids.n; k++)
			if (!spiral_id_valid(ids.v[k]) ||
			    strncmp(ids.v[k], fans.v[i], 2) != 0)
				spiral_store_problem(st, rel, 0,
						     "'%s' is not an inquiry id of this "
						     "folder",
						     ids.v[k]);
		spiral_strv_free(&ids);
		free(rel);
	}
	spiral_strv_free(&fans);
}

int spiral_store_load(spiral_store *st, const char *top, const char *only)
{
	spiral_strv ids = {0};
	int rc = 0;

	if (only) {
		rc = spiral_strv_push(&ids, only);
	} else {
		rc = spiral_list_ids(top, &ids);
		if (st->strict)
			check_layout(st, top);
	}
	for (size_t i = 0; rc == 0 && i < ids.n; i++) {
		char *dir = spiral_path_inquiry_dir(ids.v[i]);
		int is_dir = 0, is_reg = 0;
		if (!dir) {
			rc = SPIRAL_ENOMEM;
			break;
		}
		if (file_kind(top, dir, &is_dir, &is_reg) == 0 && is_dir)
			rc = load_inquiry_dir(st, top, dir);
		else
			spiral_store_problem(st, dir, 0,
					     "not a folder (links are not followed)");
		free(dir);
	}
	spiral_strv_free(&ids);
	if (rc == 0)
		rc = spiral_store_finish(st);
	return rc;
}

static int find_prefix(const char *const *ids, size_t n, const char *prefix,
		       size_t *found)
{
	size_t plen = strlen(prefix), matches = 0;
	spiral_buf list = SPIRAL_BUF_INIT;

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
		spiral_buf_printf(&list, " %.*s", 12, ids[i]);
	}
	if (matches == 1) {
		spiral_buf_free(&list);
		return 0;
	}
	if (matches == 0) {
		spiral_buf_free(&list);
		return spiral_error(SPIRAL_ENOTFOUND, "no inquiry '%s'", prefix);
	}
	spiral_error(SPIRAL_EAMBIGUOUS, "inquiry id '%s' is ambiguous; candidates:%s",
		     prefix, list.ptr);
	spiral_buf_free(&list);
	return SPIRAL_EAMBIGUOUS;
}

int spiral_store_find(spiral_store *st, const char *prefix, spiral_inquiry **out)
{
	const char **ids = malloc((st->ninquiries + 1) * sizeof(*ids));
	size_t found = 0;
	int rc;

	if (!ids)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	for (size_t i = 0; i < st->ninquiries; i++)
		ids[i] = st->inquiries[i].id;
	rc = find_prefix(ids, st->ninquiries, prefix, &found);
	free(ids);
	if (rc == 0)
		*out = &st->inquiries[found];
	return rc;
}

int spiral_resolve_id(const char *top, const char *prefix, char **full)
{
	spiral_strv ids = {0};
	size_t found = 0;
	int rc = spiral_list_ids(top, &ids);

	if (rc == 0)
		rc = find_prefix((const char *const *)ids.v, ids.n, prefix, &found);
	if (rc == 0 && !(*full = strdup(ids.v[found])))
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
	spiral_strv_free(&ids);
	return rc;
}
