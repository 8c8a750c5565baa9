/* Pull and clone: a merge that loses nothing.
 *
 * Records are only ever added, so merging two repositories is a union of
 * their files.  Under the repository's lock, pull fetches the remote's
 * default branch, then takes what the other side added or changed since
 * the common ancestor (everything, for an unrelated school repository):
 *   - each incoming file is validated first (validate.c, and parsed by the
 *     loader); a bad one is left out and reported;
 *   - a file we lack is added; one we left as it was is taken; one both
 *     sides changed (a hand edit) goes through spiral_ini_merge3, which
 *     keeps both values of a key changed on both sides;
 *   - a file the other side deleted is kept (records are never removed);
 *   - spiral.ini and .gitattributes stay ours (the other side's spiral.ini
 *     must name a format we understand, or nothing is merged).
 * The result is one merge commit (or a fast-forward), published as any
 * write is: journal, HEAD, work tree, index (repo.c). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>

#include "internal.h"

typedef struct plan {
	git_repository *git;
	git_tree *ours, *base, *theirs;
	git_tree_update *updates;
	size_t nupdates, cap;
	spiral_strv paths;      /* of the updates, for the work tree */
	spiral_store fresh;     /* files new to us, parsed: who sent what */
	spiral_strv touched;    /* inquiries that receive field changes */
	const char *label;      /* the remote's name, for messages */
	char inq_id[SPIRAL_ID_LEN + 1]; /* the last inquiry looked for */
	int inq_here;                   /* and whether it is here or coming */
} plan;

static void plan_free(plan *p)
{
	git_tree_free(p->ours);
	git_tree_free(p->base);
	git_tree_free(p->theirs);
	free(p->updates);
	spiral_strv_free(&p->paths);
	spiral_store_free(&p->fresh);
	spiral_strv_free(&p->touched);
}

static int skip(spiral_pull_result *res, const char *path, const char *why)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	int rc;

	spiral_buf_printf(&b, "%s: %s", path, why);
	rc = b.ptr ? spiral_strv_push(&res->skipped, b.ptr) : SPIRAL_ENOMEM;
	spiral_buf_free(&b);
	return rc < 0 ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

static int upsert(plan *p, const char *path, const git_oid *blob)
{
	if (p->nupdates == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		git_tree_update *u = realloc(p->updates, cap * sizeof(*u));
		if (!u)
			return spiral_error(SPIRAL_ENOMEM, "out of memory");
		p->updates = u;
		p->cap = cap;
	}
	if (spiral_strv_push(&p->paths, path) < 0)
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	memset(&p->updates[p->nupdates], 0, sizeof(*p->updates));
	p->updates[p->nupdates].action = GIT_TREE_UPDATE_UPSERT;
	git_oid_cpy(&p->updates[p->nupdates].id, blob);
	p->updates[p->nupdates].filemode = GIT_FILEMODE_BLOB;
	/* Points into p->paths, which outlives the updates. */
	p->updates[p->nupdates].path = p->paths.v[p->paths.n - 1];
	p->nupdates++;
	return 0;
}

/* The blob at path in tree, or 0 with found unset. */
static int tree_blob(git_tree *tree, const char *path, git_oid *id, int *found)
{
	git_tree_entry *te = NULL;

	*found = 0;
	if (!tree)
		return 0;
	if (git_tree_entry_bypath(&te, tree, path) < 0) {
		git_error_clear();
		return 0;
	}
	if (git_tree_entry_type(te) == GIT_OBJECT_BLOB) {
		git_oid_cpy(id, git_tree_entry_id(te));
		*found = 1;
	}
	git_tree_entry_free(te);
	return 0;
}

static int blob_bytes(git_repository *git, const git_oid *id, git_blob **out)
{
	if (git_blob_lookup(out, git, id) < 0)
		return repo_git_fail("cannot read a fetched file");
	return 0;
}

/* Parses data as the loader would; *why is set (allocated) when it is not a
 * record spiral can read. */
static int parses(spiral_store *st, const char *path, const char *data,
		  size_t len, char **why)
{
	size_t before = st->nproblems;
	int rc = spiral_store_add_file(st, path, data, len);

	*why = NULL;
	if (rc < 0)
		return rc;
	if (st->nproblems > before) {
		spiral_problem *pb = &st->problems[before];
		spiral_buf b = SPIRAL_BUF_INIT;
		if (pb->line)
			spiral_buf_printf(&b, "does not parse (line %d: %s)", pb->line,
					  pb->message);
		else
			spiral_buf_printf(&b, "does not parse (%s)", pb->message);
		*why = spiral_buf_detach(&b);
	}
	return 0;
}

/* The other side's spiral.ini must exist and name a format we read. */
static int check_their_format(plan *p, const char *url)
{
	git_oid id;
	git_blob *blob = NULL;
	record_problem pb;
	int found, format = 0, rc;

	tree_blob(p->theirs, "spiral.ini", &id, &found);
	if (!found)
		return spiral_error(SPIRAL_ERROR,
				    "%s is not a spiral repository (no spiral.ini); "
				    "nothing was changed",
				    url);
	if ((rc = blob_bytes(p->git, &id, &blob)) < 0)
		return rc;
	rc = record_parse_repository(git_blob_rawcontent(blob),
				     (size_t)git_blob_rawsize(blob), &format, &pb);
	git_blob_free(blob);
	if (rc < 0)
		return spiral_error(SPIRAL_ERROR,
				    "%s is not a spiral repository (spiral.ini:%d: %s); "
				    "nothing was changed",
				    url, pb.line, pb.message);
	if (format > SPIRAL_FORMAT)
		return spiral_error(SPIRAL_ERROR,
				    "%s is in format %d, newer than this spiral "
				    "understands (%d): upgrade spiral; nothing was "
				    "changed",
				    url, format, SPIRAL_FORMAT);
	return 0;
}

/* Whether the inquiry of a record at path (a path validate_entry took) is
 * ours already, or comes with the other side as an inquiry.ini that parses.
 * A record without its inquiry could never be read: it is left out. */
static int inquiry_present(plan *p, const char *path, int *present)
{
	char file[13 + SPIRAL_ID_LEN + sizeof("/inquiry.ini")];
	git_oid id;
	git_blob *blob = NULL;
	int found;

	if (strncmp(path, "inquiries/", 10) != 0 ||
	    strcmp(path + 13 + SPIRAL_ID_LEN, "/inquiry.ini") == 0) {
		*present = 1;
		return 0;
	}
	if (strncmp(p->inq_id, path + 13, SPIRAL_ID_LEN) == 0) {
		*present = p->inq_here;
		return 0;
	}
	memcpy(file, path, 13 + SPIRAL_ID_LEN);
	strcpy(file + 13 + SPIRAL_ID_LEN, "/inquiry.ini");
	tree_blob(p->ours, file, &id, &found);
	if (!found) {
		tree_blob(p->theirs, file, &id, &found);
		if (found) {
			spiral_inquiry tmp = {0};
			record_problem pb;
			int rc;
			if (blob_bytes(p->git, &id, &blob) < 0)
				return SPIRAL_ERROR;
			found = validate_entry(file, GIT_FILEMODE_BLOB,
					       (size_t)git_blob_rawsize(blob)) == NULL;
			rc = found ? record_parse_inquiry(git_blob_rawcontent(blob),
							  (size_t)git_blob_rawsize(blob),
							  0, &tmp, &pb)
				   : 0;
			spiral_inquiry_free(&tmp);
			git_blob_free(blob);
			if (rc == SPIRAL_ENOMEM)
				return spiral_error(rc, "out of memory");
			found = found && rc >= 0;
		}
	}
	memcpy(p->inq_id, path + 13, SPIRAL_ID_LEN);
	p->inq_id[SPIRAL_ID_LEN] = '\0';
	*present = p->inq_here = found;
	return 0;
}

/* One file the other side added or changed. */
static int take(plan *p, spiral_pull_result *res, const git_diff_delta *d)
{
	const char *path = d->new_file.path, *why;
	git_oid ours_id, base_id, merged_id;
	git_blob *theirs = NULL, *ours = NULL, *base = NULL;
	int has_ours, has_base, rc = 0;
	char *reason = NULL;

	if (d->new_file.mode == GIT_FILEMODE_BLOB ||
	    d->new_file.mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
		if ((rc = blob_bytes(p->git, &d->new_file.id, &theirs)) < 0)
			return rc;
	}
	why = validate_entry(path, d->new_file.mode,
			     theirs ? (size_t)git_blob_rawsize(theirs) : 0);
	if (why) {
		rc = skip(res, path, why);
		goto out;
	}
	tree_blob(p->ours, path, &ours_id, &has_ours);
	if (strcmp(path, "spiral.ini") == 0 || strcmp(path, ".gitattributes") == 0) {
		spiral_buf mine = SPIRAL_BUF_INIT;
		if (strcmp(path, "spiral.ini") == 0)
			spiral_repository_serialize(&mine);
		else
			spiral_gitattributes_serialize(&mine);
		if (mine.len != (size_t)git_blob_rawsize(theirs) ||
		    memcmp(mine.ptr, git_blob_rawcontent(theirs), mine.len) != 0) {
			/* Ours stays; a new clone gets spiral's own. */
			if (!has_ours &&
			    (git_blob_create_from_buffer(&merged_id, p->git, mine.ptr,
							 mine.len) < 0 ||
			     upsert(p, path, &merged_id) < 0))
				rc = repo_git_fail("cannot store a file");
			else if (!has_ours || !git_oid_equal(&ours_id, &d->new_file.id))
				rc = skip(res, path, "not as spiral writes it; ours kept");
		} else if (!has_ours) {
			rc = upsert(p, path, &d->new_file.id);
		}
		spiral_buf_free(&mine);
		goto out;
	}
	if (has_ours && git_oid_equal(&ours_id, &d->new_file.id))
		goto out; /* we have it already */
	if (!has_ours) {
		int present = 0;
		if ((rc = inquiry_present(p, path, &present)) < 0)
			goto out;
		if (!present) {
			rc = skip(res, path,
				  "a record of an inquiry that is not here (no "
				  "readable inquiry.ini)");
			goto out;
		}
		rc = parses(&p->fresh, path, git_blob_rawcontent(theirs),
			    (size_t)git_blob_rawsize(theirs), &reason);
		if (rc == 0 && reason)
			rc = skip(res, path, reason);
		else if (rc == 0)
			rc = upsert(p, path, &d->new_file.id);
		goto out;
	}
	/* Both have the file and it differs: a hand edit somewhere. */
	{
		spiral_store scratch = {0};
		rc = parses(&scratch, path, git_blob_rawcontent(theirs),
			    (size_t)git_blob_rawsize(theirs), &reason);
		spiral_store_free(&scratch);
		if (rc == 0 && reason) {
			rc = skip(res, path, reason);
			goto out;
		}
		if (rc < 0)
			goto out;
	}
	tree_blob(p->base, path, &base_id, &has_base);
	if (!has_base) {
		/* Both sides made this path on their own: an ID that is ours
		 * claimed by another file (IDs are 128 random bits, so never
		 * by chance).  Ours stays as it is. */
		rc = skip(res, path,
			  "already here with other contents (the same ID made "
			  "twice); ours kept");
		goto out;
	}
	if (git_oid_equal(&base_id, &ours_id)) {
		rc = upsert(p, path, &d->new_file.id); /* only they changed it */
		goto out;
	}
	if ((rc = blob_bytes(p->git, &ours_id, &ours)) < 0 ||
	    (rc = blob_bytes(p->git, &base_id, &base)) < 0)
		goto out;
	{
		spiral_buf merged = SPIRAL_BUF_INIT;
		size_t both = 0;
		rc = spiral_ini_merge3(git_blob_rawcontent(base),
				       (size_t)git_blob_rawsize(base),
				       git_blob_rawcontent(ours),
				       (size_t)git_blob_rawsize(ours),
				       git_blob_rawcontent(theirs),
				       (size_t)git_blob_rawsize(theirs), &merged, &both);
		if (rc < 0) {
			spiral_buf b = SPIRAL_BUF_INIT;
			spiral_buf_printf(&b, "cannot be merged (%s); ours kept",
					  spiral_error_message());
			rc = b.ptr ? skip(res, path, b.ptr) : SPIRAL_ENOMEM;
			spiral_buf_free(&b);
		} else if (git_blob_create_from_buffer(&merged_id, p->git,
						       merged.ptr ? merged.ptr : "",
						       merged.len) < 0) {
			rc = repo_git_fail("cannot store a merged file");
		} else if ((rc = upsert(p, path, &merged_id)) == 0) {
			rc = spiral_strv_push(&res->merged, path) < 0 ? SPIRAL_ENOMEM : 0;
		}
		spiral_buf_free(&merged);
	}
out:
	free(reason);
	git_blob_free(theirs);
	git_blob_free(ours);
	git_blob_free(base);
	return rc;
}

static int walk_diff(plan *p, spiral_pull_result *res)
{
	git_diff *diff = NULL;
	git_diff_options opts;
	int rc = 0;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	opts.ignore_submodules = GIT_SUBMODULE_IGNORE_NONE;
	if (git_diff_tree_to_tree(&diff, p->git, p->base, p->theirs, &opts) < 0)
		return repo_git_fail("cannot compare the trees");
	for (size_t i = 0; rc == 0 && i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		int has_ours;
		git_oid id;
		switch (d->status) {
		case GIT_DELTA_DELETED:
			tree_blob(p->ours, d->old_file.path, &id, &has_ours);
			if (has_ours && spiral_strv_push(&res->kept, d->old_file.path) < 0)
				rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
			break;
		case GIT_DELTA_ADDED:
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_TYPECHANGE:
			rc = take(p, res, d);
			break;
		default:
			break;
		}
	}
	git_diff_free(diff);
	return rc;
}

/* Every path of the commits we lack must be one stock git accepts: a
 * merge makes their history ours, and a ".git" or ".." in any of its
 * trees would make `git fsck` fail in this clone and in every clone of
 * it.  Each new commit is compared with its first parent (a first commit
 * with nothing). */
static int path_refused(const char *path, const char **why)
{
	const char *c = path, *slash;

	for (;;) {
		slash = strchr(c, '/');
		*why = validate_tree_name(c, slash ? (size_t)(slash - c) : strlen(c));
		if (*why || !slash)
			return *why != NULL;
		c = slash + 1;
	}
}

static int check_history(plan *p, const git_oid *theirs, const git_oid *ours,
			 const char *url)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int rc = 0;

	if (git_revwalk_new(&walk, p->git) < 0 || git_revwalk_push(walk, theirs) < 0 ||
	    (ours && git_revwalk_hide(walk, ours) < 0)) {
		git_revwalk_free(walk);
		return repo_git_fail("cannot walk the fetched commits");
	}
	while (rc == 0 && git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL, *parent = NULL;
		git_tree *tree = NULL, *ptree = NULL;
		git_diff *diff = NULL;
		git_diff_options opts;

		git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
		opts.ignore_submodules = GIT_SUBMODULE_IGNORE_NONE;
		if (git_commit_lookup(&c, p->git, &id) < 0 ||
		    git_commit_tree(&tree, c) < 0 ||
		    (git_commit_parentcount(c) &&
		     (git_commit_parent(&parent, c, 0) < 0 ||
		      git_commit_tree(&ptree, parent) < 0)) ||
		    git_diff_tree_to_tree(&diff, p->git, ptree, tree, &opts) < 0) {
			rc = repo_git_fail("cannot read the fetched commits");
		} else {
			for (size_t i = 0; rc == 0 && i < git_diff_num_deltas(diff); i++) {
				const git_diff_delta *d = git_diff_get_delta(diff, i);
				const char *why;
				if (path_refused(d->new_file.path, &why) ||
				    path_refused(d->old_file.path, &why)) {
					spiral_buf shown = SPIRAL_BUF_INIT;
					spiral_visible(&shown, d->new_file.path,
						       strlen(d->new_file.path), 0);
					rc = spiral_error(SPIRAL_ERROR,
							  "%s holds a path that git itself "
							  "refuses (%s: %s): nothing was "
							  "changed",
							  url, shown.ptr ? shown.ptr : "", why);
					spiral_buf_free(&shown);
				}
			}
		}
		git_diff_free(diff);
		git_tree_free(tree);
		git_tree_free(ptree);
		git_commit_free(parent);
		git_commit_free(c);
	}
	git_error_clear();
	git_revwalk_free(walk);
	return rc;
}

/* ---- what arrived ------------------------------------------------------- */

static spiral_arrival *arrival_for(spiral_pull_result *res, const char *school)
{
	spiral_arrival *a;

	if (!school)
		school = "";
	for (size_t i = 0; i < res->narrivals; i++)
		if (strcmp(res->arrivals[i].school, school) == 0)
			return &res->arrivals[i];
	a = realloc(res->arrivals, (res->narrivals + 1) * sizeof(*a));
	if (!a)
		return NULL;
	res->arrivals = a;
	a = &a[res->narrivals];
	memset(a, 0, sizeof(*a));
	if (!(a->school = strdup(school)))
		return NULL;
	res->narrivals++;
	return a;
}

static int count_arrivals(plan *p, spiral_pull_result *res)
{
	spiral_store *st = &p->fresh;

	for (size_t i = 0; i < st->ninquiries; i++) {
		spiral_inquiry *inq = &st->inquiries[i];
		spiral_arrival *a;
		if (inq->title0) {
			if (!(a = arrival_for(res, inq->who.school)))
				return SPIRAL_ENOMEM;
			a->inquiries++;
		}
		for (size_t k = 0; k < inq->nentries; k++) {
			if (!(a = arrival_for(res, inq->entries[k].who.school)))
				return SPIRAL_ENOMEM;
			a->entries++;
		}
		for (size_t k = 0; k < inq->nnotes; k++) {
			if (!(a = arrival_for(res, inq->notes[k].who.school)))
				return SPIRAL_ENOMEM;
			a->notes++;
		}
		for (size_t k = 0; k < inq->nchanges; k++) {
			if (!(a = arrival_for(res, inq->changes[k].who.school)))
				return SPIRAL_ENOMEM;
			a->changes++;
		}
		if (inq->nchanges && spiral_strv_push(&p->touched, inq->id) < 0)
			return SPIRAL_ENOMEM;
	}
	return 0;
}

/* One conflict as a comparable key: "ID FIELD v1 v2 ..." (tab-separated). */
static int conflict_key(const spiral_inquiry *inq, const spiral_conflict *cf,
			spiral_buf *key)
{
	key->len = 0;
	spiral_buf_printf(key, "%s\t%d", inq->id, (int)cf->field);
	for (size_t v = 0; v < cf->values.n; v++)
		spiral_buf_printf(key, "\t%s", cf->values.v[v]);
	return key->ptr ? 0 : SPIRAL_ENOMEM;
}

static int new_conflict(spiral_pull_result *res, const spiral_inquiry *inq,
			const spiral_conflict *cf)
{
	spiral_new_conflict *nc = realloc(res->conflicts,
					  (res->nconflicts + 1) * sizeof(*nc));

	if (!nc)
		return SPIRAL_ENOMEM;
	res->conflicts = nc;
	nc = &nc[res->nconflicts++];
	memset(nc, 0, sizeof(*nc));
	memcpy(nc->id, inq->id, sizeof(nc->id));
	nc->field = cf->field;
	if (!(nc->title = strdup(inq->title ? inq->title : "")))
		return SPIRAL_ENOMEM;
	for (size_t v = 0; v < cf->values.n; v++)
		if (spiral_strv_push(&nc->values, cf->values.v[v]) < 0)
			return SPIRAL_ENOMEM;
	return 0;
}

/* The conflicts of the touched inquiries, as the work tree holds them now.
 * Before the merge (res NULL) their keys go to seen; after it, those not
 * seen before are the pull's new conflicts, in res. */
static int conflicts_of(spiral_repo *r, const spiral_strv *ids, spiral_strv *seen,
			spiral_pull_result *res)
{
	spiral_buf key = SPIRAL_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < ids->n; i++) {
		spiral_store st = {0};
		rc = spiral_store_load(&st, spiral_repo_top(r), ids->v[i]);
		for (size_t k = 0; rc == 0 && k < st.ninquiries; k++) {
			const spiral_inquiry *inq = &st.inquiries[k];
			for (size_t c = 0; rc == 0 && c < inq->nconflicts; c++) {
				if ((rc = conflict_key(inq, &inq->conflicts[c], &key)) < 0)
					break;
				if (!res)
					rc = spiral_strv_push(seen, key.ptr);
				else if (!spiral_strv_contains(seen, key.ptr))
					rc = new_conflict(res, inq, &inq->conflicts[c]);
			}
		}
		spiral_store_free(&st);
	}
	spiral_buf_free(&key);
	return rc == SPIRAL_ENOMEM ? spiral_error(rc, "out of memory") : rc;
}

/* ---- the work tree ------------------------------------------------------ */

/* Nothing the merge writes may overwrite what the user has not committed. */
static int worktree_allows(spiral_repo *r, plan *p)
{
	int whole = 0, rc;

	for (size_t i = 0; i < p->nupdates; i++) {
		const char *path = p->updates[i].path;
		spiral_buf full = SPIRAL_BUF_INIT;
		struct stat sb;
		int here, has_ours;
		unsigned flags = 0;
		git_oid id;

		spiral_buf_printf(&full, "%s/%s", spiral_repo_top(r), path);
		here = full.ptr && lstat(full.ptr, &sb) == 0;
		spiral_buf_free(&full);
		tree_blob(p->ours, path, &id, &has_ours);
		if (has_ours) {
			if (!whole++ && (rc = repo_libgit2_index(p->git)) < 0)
				return rc;
			if (git_status_file(&flags, p->git, path) < 0)
				git_error_clear();
			if (flags & ~(unsigned)GIT_STATUS_CURRENT)
				return spiral_error(SPIRAL_ERROR,
						    "%s has changes you have not "
						    "committed, and the pull changes it "
						    "too: commit or undo them, then pull "
						    "again; nothing was changed",
						    path);
		} else if (here) {
			git_oid hashed;
			/* libgit2 reads the index, and the attributes in it,
			 * which it cannot when the index is split. */
			if (!whole++ && (rc = repo_libgit2_index(p->git)) < 0)
				return rc;
			if (!S_ISREG(sb.st_mode) ||
			    git_blob_create_from_disk(&hashed, p->git, path) < 0 ||
			    !git_oid_equal(&hashed, &p->updates[i].id)) {
				git_error_clear();
				return spiral_error(SPIRAL_ERROR,
						    "%s is in the way (not committed): "
						    "move it, then pull again; nothing "
						    "was changed",
						    path);
			}
		}
	}
	return 0;
}

/* ---- the merge ---------------------------------------------------------- */

static int merged_tree(plan *p, git_oid *out)
{
	if (!p->ours) /* a new clone: no tree to update yet */
		return repo_tree_new(p->git, p->updates, p->nupdates, out);
	if (git_tree_create_updated(out, p->git, p->ours, p->nupdates,
				    p->updates) < 0)
		return repo_git_fail("cannot make the merged tree");
	return 0;
}

static void plural(spiral_buf *b, size_t n, const char *one, const char *many)
{
	if (n)
		spiral_buf_printf(b, "%s%zu %s", b->len ? ", " : "", n,
				  n == 1 ? one : many);
}

static int merge_message(const char *label, const char *url,
			 const spiral_pull_result *res, spiral_buf *msg)
{
	spiral_buf counts = SPIRAL_BUF_INIT;
	size_t inq = 0, ent = 0, notes = 0, changes = 0;

	for (size_t i = 0; i < res->narrivals; i++) {
		inq += res->arrivals[i].inquiries;
		ent += res->arrivals[i].entries;
		notes += res->arrivals[i].notes;
		changes += res->arrivals[i].changes;
	}
	plural(&counts, inq, "new inquiry", "new inquiries");
	plural(&counts, ent, "entry", "entries");
	plural(&counts, notes, "note", "notes");
	plural(&counts, changes, "change", "changes");
	spiral_buf_printf(msg, "pull(%s): %s\n\nMerged from ", label,
			  counts.len ? counts.ptr : "nothing new");
	for (const char *c = url; *c; c++) /* one line, no controls */
		if ((unsigned char)*c >= 0x20 && *c != 0x7f)
			spiral_buf_putc(msg, *c);
	spiral_buf_puts(msg, "\n");
	if (res->skipped.n)
		spiral_buf_printf(msg, "Left out %zu file%s that spiral does not take.\n",
				  res->skipped.n, res->skipped.n == 1 ? "" : "s");
	spiral_buf_free(&counts);
	return msg->ptr ? 0 : SPIRAL_ENOMEM;
}

/* Under t's lock: merge the commit `theirs` into HEAD (or into an unborn
 * branch, for a clone). */
static int merge_locked(spiral_txn *t, spiral_repo *r, const char *label,
			const git_oid *theirs_id, const spiral_who *who,
			spiral_pull_result *res)
{
	plan p;
	git_commit *ours_c = NULL, *theirs_c = NULL, *base_c = NULL;
	git_oid ours_id, base_id, tree_id, parents[2];
	spiral_strv before = {0};
	spiral_buf msg = SPIRAL_BUF_INIT;
	int has_ours, has_base = 0, rc;

	memset(&p, 0, sizeof(p));
	p.git = repo_git(r);
	p.label = label;
	has_ours = git_reference_name_to_id(&ours_id, p.git, "HEAD") == 0;
	git_error_clear();
	if (has_ours && (git_oid_equal(&ours_id, theirs_id) ||
			 git_graph_descendant_of(p.git, &ours_id, theirs_id) == 1)) {
		res->up_to_date = 1;
		return 0;
	}
	if (git_commit_lookup(&theirs_c, p.git, theirs_id) < 0 ||
	    git_commit_tree(&p.theirs, theirs_c) < 0) {
		rc = repo_git_fail("cannot read the fetched commit");
		goto out;
	}
	if ((rc = check_their_format(&p, res->url)) < 0 ||
	    (rc = check_history(&p, theirs_id, has_ours ? &ours_id : NULL,
				res->url)) < 0)
		goto out;
	if (has_ours) {
		if (git_commit_lookup(&ours_c, p.git, &ours_id) < 0 ||
		    git_commit_tree(&p.ours, ours_c) < 0) {
			rc = repo_git_fail("cannot read HEAD");
			goto out;
		}
		rc = git_merge_base(&base_id, p.git, &ours_id, theirs_id);
		if (rc == 0) {
			has_base = 1;
			if (git_commit_lookup(&base_c, p.git, &base_id) < 0 ||
			    git_commit_tree(&p.base, base_c) < 0) {
				rc = repo_git_fail("cannot read the common ancestor");
				goto out;
			}
		} else if (rc != GIT_ENOTFOUND) {
			rc = repo_git_fail("cannot find the common ancestor");
			goto out;
		}
		git_error_clear();
	}
	if ((rc = walk_diff(&p, res)) < 0 || (rc = count_arrivals(&p, res)) < 0)
		goto out;
	if ((rc = merged_tree(&p, &tree_id)) < 0 || (rc = worktree_allows(r, &p)) < 0)
		goto out;
	if ((rc = conflicts_of(r, &p.touched, &before, NULL)) < 0)
		goto out;
	if (git_oid_equal(&tree_id, git_tree_id(p.theirs)) &&
	    (!has_ours || (has_base && git_oid_equal(&base_id, &ours_id)))) {
		res->fast_forward = 1;
		git_oid_cpy(&parents[0], theirs_id);
		spiral_buf_printf(&msg, "pull(%s): fast-forward", label);
		rc = repo_publish(t, NULL, parents, 1, msg.ptr, who, &p.paths);
	} else {
		if ((rc = merge_message(label, res->url, res, &msg)) < 0)
			goto out;
		if (has_ours)
			git_oid_cpy(&parents[0], &ours_id);
		git_oid_cpy(&parents[has_ours ? 1 : 0], theirs_id);
		rc = repo_publish(t, &tree_id, parents, has_ours ? 2 : 1, msg.ptr, who,
				  &p.paths);
	}
	if (rc == 0)
		rc = conflicts_of(r, &p.touched, &before, res);
out:
	spiral_buf_free(&msg);
	spiral_strv_free(&before);
	git_commit_free(ours_c);
	git_commit_free(theirs_c);
	git_commit_free(base_c);
	plan_free(&p);
	return rc;
}

/* The remote-tracking branches of a remote ("NAME\tOID" lines), so that a
 * refused pull can put them back: a refused remote changes nothing that
 * status or stock git show. */
typedef struct ref_walk {
	git_repository *git;
	spiral_strv *out;
} ref_walk;

static int ref_note(const char *name, void *payload)
{
	ref_walk *w = payload;
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1];
	spiral_buf line = SPIRAL_BUF_INIT;
	int rc = 0;

	git_reference *ref = NULL;

	if (git_reference_lookup(&ref, w->git, name) == 0 &&
	    git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC) {
		spiral_buf_printf(&line, "%s\t@%s", name,
				  git_reference_symbolic_target(ref));
		rc = line.ptr ? spiral_strv_push(w->out, line.ptr) : -1;
	} else if (git_reference_name_to_id(&id, w->git, name) == 0) {
		git_oid_tostr(hex, sizeof(hex), &id);
		spiral_buf_printf(&line, "%s\t%s", name, hex);
		rc = line.ptr ? spiral_strv_push(w->out, line.ptr) : -1;
	}
	git_reference_free(ref);
	spiral_buf_free(&line);
	return rc;
}

static int tracking_snapshot(git_repository *git, const char *remote,
			     spiral_strv *out)
{
	spiral_buf glob = SPIRAL_BUF_INIT;
	ref_walk w = {git, out};
	int rc;

	spiral_buf_printf(&glob, "refs/remotes/%s/*", remote);
	rc = glob.ptr ? git_reference_foreach_glob(git, glob.ptr, ref_note, &w) : -1;
	spiral_buf_free(&glob);
	git_error_clear();
	return rc < 0 && rc != GIT_ENOTFOUND ? SPIRAL_ENOMEM : 0;
}

static void tracking_restore(git_repository *git, const char *remote,
			     const spiral_strv *before)
{
	spiral_strv now = {0};

	tracking_snapshot(git, remote, &now);
	for (size_t i = 0; i < now.n; i++) {
		git_reference *ref = NULL;
		*strchr(now.v[i], '\t') = '\0';
		if (git_reference_lookup(&ref, git, now.v[i]) == 0)
			git_reference_delete(ref);
		git_reference_free(ref);
	}
	for (size_t i = 0; i < before->n; i++) {
		char *name = strdup(before->v[i]), *tab;
		git_reference *ref = NULL;
		git_oid id;
		if (!name)
			break;
		tab = strchr(name, '\t');
		*tab = '\0';
		if (tab[1] == '@')
			git_reference_symbolic_create(&ref, git, name, tab + 2, 1,
						      "pull: refused, put back");
		else if (git_oid_fromstr(&id, tab + 1) == 0)
			git_reference_create(&ref, git, name, &id, 1,
					     "pull: refused, put back");
		git_reference_free(ref);
		free(name);
	}
	git_error_clear();
	spiral_strv_free(&now);
}

/* The pack files in the object database, so that a refused pull can take
 * back what its fetch wrote. */
static int packs_snapshot(git_repository *git, spiral_strv *out)
{
	spiral_buf dir = SPIRAL_BUF_INIT;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (spiral_buf_printf(&dir, "%sobjects/pack", git_repository_path(git)) < 0)
		return SPIRAL_ENOMEM;
	if ((d = opendir(dir.ptr))) {
		while (rc == 0 && (de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (n > 4 && strcmp(de->d_name + n - 4, ".idx") == 0)
				rc = spiral_strv_push(out, de->d_name);
		}
		closedir(d);
	}
	spiral_buf_free(&dir);
	return rc;
}

/* A refused pull leaves nothing of the other side behind: each pack its
 * fetch wrote (new since `before`, and holding the commit it fetched, so
 * that no other program's pack is touched) is removed.  Unreachable, it
 * would wait for git gc, and git fsck would report the trees a pull
 * refuses meanwhile. */
static void drop_fetched_packs(git_repository *git, const spiral_strv *before,
			       const git_oid *theirs)
{
	spiral_strv now = {0};
	spiral_buf path = SPIRAL_BUF_INIT;
	static const char *const kinds[] = {".pack", ".rev", ".keep", ".idx"};

	if (packs_snapshot(git, &now) < 0)
		goto out;
	for (size_t i = 0; i < now.n; i++) {
		git_odb_backend *pack = NULL;
		size_t stem;
		int ours;

		if (spiral_strv_contains(before, now.v[i]))
			continue;
		path.len = 0;
		if (spiral_buf_printf(&path, "%sobjects/pack/%s",
				      git_repository_path(git), now.v[i]) < 0)
			break;
		if (git_odb_backend_one_pack(&pack, path.ptr) < 0)
			continue;
		ours = pack->exists(pack, theirs);
		pack->free(pack);
		if (!ours)
			continue;
		stem = path.len - 4;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			path.len = stem;
			if (spiral_buf_puts(&path, kinds[k]) == 0)
				unlink(path.ptr);
		}
	}
out:
	spiral_buf_free(&path);
	spiral_strv_free(&now);
	git_error_clear();
}

static int pull_one_remote(spiral_repo *r, const char *remote, const spiral_who *who,
			   const spiral_remote_cb *cb, spiral_pull_result *res)
{
	spiral_txn *t = NULL;
	spiral_strv tracking = {0}, packs = {0};
	char *branch = NULL;
	git_oid theirs;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = spiral_txn_begin(r, &t)) < 0)
		return rc;
	if ((rc = tracking_snapshot(repo_git(r), remote, &tracking)) < 0 ||
	    (rc = packs_snapshot(repo_git(r), &packs)) < 0) {
		spiral_strv_free(&tracking);
		spiral_strv_free(&packs);
		spiral_txn_free(t);
		return spiral_error(rc, "out of memory");
	}
	rc = remote_fetch(r, remote, cb, &res->url, &branch, &theirs, &res->empty);
	if (rc == 0 && res->empty) {
		res->up_to_date = 1;
	} else if (rc == 0 && (rc = merge_locked(t, r, remote, &theirs, who, res)) < 0) {
		tracking_restore(repo_git(r), remote, &tracking);
		drop_fetched_packs(repo_git(r), &packs, &theirs);
	}
	spiral_strv_free(&tracking);
	spiral_strv_free(&packs);
	free(branch);
	spiral_txn_free(t);
	/* What the fetch, the check and the merge read of git's packs is
	 * not read again by this school's pull: at full size, 14-30 MB that
	 * a pull --all of 20 schools would otherwise carry to the end. */
	repo_drop_pack_pages(r);
	return rc;
}

/* A pull reads here and there in git's packs (the history it checks, the
 * trees it merges), and libgit2 maps them 32 MB at a time, up to 8 GB,
 * for as long as the repository is open: at full size, 30-40 MB of pages
 * on top of what the pull holds.  Mapped 1 MB at a time, 16 MB at most,
 * they are let go as the pull goes, at no cost in time. */
#define PULL_WINDOW ((size_t)1 << 20)
#define PULL_MAPPED ((size_t)16 << 20)

int spiral_pull(spiral_repo *r, const char *remote, const spiral_who *who,
		const spiral_remote_cb *cb, spiral_pull_result *res)
{
	size_t window = 0, mapped = 0;
	int rc, set;

	set = git_libgit2_opts(GIT_OPT_GET_MWINDOW_SIZE, &window) == 0 &&
	      git_libgit2_opts(GIT_OPT_GET_MWINDOW_MAPPED_LIMIT, &mapped) == 0 &&
	      git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, PULL_WINDOW) == 0 &&
	      git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, PULL_MAPPED) == 0;
	rc = pull_one_remote(r, remote, who, cb, res);
	if (set) {
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, window);
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, mapped);
	}
	return rc;
}

void spiral_pull_result_free(spiral_pull_result *res)
{
	free(res->url);
	spiral_strv_free(&res->skipped);
	spiral_strv_free(&res->kept);
	spiral_strv_free(&res->merged);
	for (size_t i = 0; i < res->narrivals; i++)
		free(res->arrivals[i].school);
	free(res->arrivals);
	for (size_t i = 0; i < res->nconflicts; i++) {
		free(res->conflicts[i].title);
		spiral_strv_free(&res->conflicts[i].values);
	}
	free(res->conflicts);
	memset(res, 0, sizeof(*res));
}

/* ---- clone -------------------------------------------------------------- */

static int remove_one(const char *path, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int dir_state(const char *dir, int *exists)
{
	struct stat sb;
	int empty = 1;

	*exists = stat(dir, &sb) == 0;
	if (!*exists)
		return 0;
	if (!S_ISDIR(sb.st_mode))
		return spiral_error(SPIRAL_EEXISTS, "%s already exists", dir);
	{
		DIR *d = opendir(dir);
		struct dirent *de;
		if (!d)
			return spiral_error(SPIRAL_ERROR, "cannot read %s: %s", dir,
					    strerror(errno));
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = 0;
		closedir(d);
	}
	if (!empty)
		return spiral_error(SPIRAL_EEXISTS,
				    "%s already exists and is not empty", dir);
	return 0;
}

int spiral_clone(const char *url, const char *dir, const spiral_remote_cb *cb,
		 spiral_repo **out, spiral_pull_result *res)
{
	spiral_repo *r = NULL;
	spiral_txn *t = NULL;
	spiral_who who = {0};
	char *branch = NULL;
	git_oid theirs;
	int existed, rc;

	memset(res, 0, sizeof(*res));
	*out = NULL;
	if ((rc = dir_state(dir, &existed)) < 0)
		return rc;
	if ((rc = repo_create(&r, dir)) < 0)
		goto fail;
	if ((rc = spiral_remote_add(r, "origin", url)) < 0 ||
	    (rc = spiral_repo_register_driver(r)) < 0 ||
	    (rc = spiral_txn_begin(r, &t)) < 0)
		goto fail;
	rc = remote_fetch(r, "origin", cb, &res->url, &branch, &theirs, &res->empty);
	if (rc == 0 && res->empty)
		rc = spiral_error(SPIRAL_ERROR,
				  "%s is empty: push a spiral repository to it first "
				  "(spiral remote add origin URL; spiral push)",
				  res->url);
	if (rc < 0)
		goto fail;
	{
		spiral_buf head = SPIRAL_BUF_INIT;
		spiral_buf_printf(&head, "refs/heads/%s", branch);
		rc = head.ptr ? git_repository_set_head(repo_git(r), head.ptr) : -1;
		spiral_buf_free(&head);
		if (rc < 0) {
			rc = repo_git_fail("cannot name the branch");
			goto fail;
		}
	}
	/* A merge commit (only when files were left out) needs an author;
	 * the usual clone is a fast-forward and needs none. */
	if (spiral_identity(r, &who) < 0) {
		spiral_error_clear();
		who.author = strdup("spiral");
		who.email = strdup("spiral@localhost");
	}
	if ((rc = merge_locked(t, r, "origin", &theirs, &who, res)) < 0)
		goto fail;
	{
		git_reference *ref = NULL;
		spiral_buf up = SPIRAL_BUF_INIT;
		int token;
		spiral_buf_printf(&up, "origin/%s", branch);
		if (git_repository_head(&ref, repo_git(r)) < 0)
			rc = repo_git_fail("cannot set the upstream branch");
		else if ((rc = repo_config_begin(r, &token)) == 0) {
			if (git_branch_set_upstream(ref, up.ptr) < 0)
				rc = repo_git_fail("cannot set the upstream branch");
			repo_config_end(r, token);
		}
		git_reference_free(ref);
		spiral_buf_free(&up);
		if (rc < 0)
			goto fail;
	}
	spiral_txn_free(t);
	spiral_who_free(&who);
	free(branch);
	*out = r;
	return 0;
fail:
	spiral_txn_free(t);
	spiral_who_free(&who);
	free(branch);
	spiral_repo_free(r);
	/* Nothing left behind: the folder as it was (absent, or empty). */
	if (existed) {
		spiral_buf git = SPIRAL_BUF_INIT;
		spiral_buf_printf(&git, "%s/.git", dir);
		if (git.ptr)
			nftw(git.ptr, remove_one, 16, FTW_DEPTH | FTW_PHYS);
		spiral_buf_free(&git);
	} else {
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	return rc;
}
