/* Checking pushes on a cluster hub (spiral.h section 11, spiral-verify-push(1)).
 *
 * A hub takes only additions: records are only ever added, so a push that
 * deletes a file, rewrites one (unless the hub allows hand edits), adds a
 * file the store cannot read or one outside the layout, or changes the
 * format is refused whole.  The checks are the ones a pull makes of an
 * incoming tree (validate_entry, then the store's own reader): what a hub
 * accepts, every clone takes.
 *
 * Each new commit is compared with its parents (a root commit with the
 * empty tree).  A file of a commit is fine when some parent holds it as
 * is; otherwise it is an addition (checked) or, when a parent holds that
 * path, a rewrite.  A path a parent holds and the commit lacks is a
 * deletion.  New commits are those of NEW that no branch of the hub holds
 * yet (git's receive-pack keeps the pushed objects in a quarantine until
 * the hook says yes; opening from the environment sees them). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

struct spiral_hub {
	git_repository *git;
};

/* At most this many problems are listed; a push of a flood of bad files
 * is refused as surely with fewer lines. */
#define HUB_MAX_PROBLEMS 200

static const char zero_oid[] = "0000000000000000000000000000000000000000";

int spiral_hub_open(spiral_hub **out, const char *path)
{
	spiral_hub *h;
	int rc;

	*out = NULL;
	if (!(h = calloc(1, sizeof(*h))))
		return spiral_error(SPIRAL_ENOMEM, "out of memory");
	git_libgit2_init();
	/* From the environment as git's hooks see it: GIT_DIR, and during a
	 * push GIT_OBJECT_DIRECTORY (the quarantine) with the hub's own
	 * objects as GIT_ALTERNATE_OBJECT_DIRECTORIES. */
	if (path)
		rc = git_repository_open_ext(&h->git, path,
					     GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	else
		rc = git_repository_open_ext(&h->git, NULL,
					     GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (rc < 0) {
		if (path)
			rc = spiral_error(SPIRAL_ERROR, "%s is not a git repository",
					  path);
		else
			rc = spiral_error(SPIRAL_ERROR,
					  "not in a git repository (run it in the "
					  "hub's bare repository, or give its path)");
		git_error_clear();
		free(h);
		git_libgit2_shutdown();
		return rc;
	}
	*out = h;
	return 0;
}

void spiral_hub_free(spiral_hub *h)
{
	if (!h)
		return;
	git_repository_free(h->git);
	free(h);
	git_libgit2_shutdown();
}

const char *spiral_hub_git_dir(const spiral_hub *h)
{
	return git_repository_path(h->git);
}

int spiral_hub_allow_edits(spiral_hub *h, int *allow)
{
	git_config *cfg = NULL;
	int rc, v = 0;

	*allow = 0;
	if (git_repository_config_snapshot(&cfg, h->git) < 0)
		return repo_git_fail("cannot read the hub's configuration");
	rc = git_config_get_bool(&v, cfg, "spiral.allowEdits");
	git_config_free(cfg);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (rc < 0)
		return repo_git_fail("spiral.allowEdits in the hub's configuration");
	*allow = v != 0;
	return 0;
}

/* ---- one check ---------------------------------------------------------- */

typedef struct check {
	git_repository *git;
	const char *ref;
	int allow_edits;
	spiral_strv *problems;
	size_t listed;
	char commit[9]; /* the commit being looked at, shortened */
	git_tree *tree;  /* its tree */
	git_tree **parents;
	size_t nparents;
	spiral_store scratch; /* records of this commit, parsed */
} check;

static int problem(check *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends "REF COMMIT: PATH: why" (or without what is NULL/empty). */
static int problem(check *c, const char *path, const char *fmt, ...)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	va_list ap;
	int rc;

	if (c->listed >= HUB_MAX_PROBLEMS) {
		c->listed++;
		return 0;
	}
	spiral_buf_puts(&b, c->ref);
	if (c->commit[0])
		spiral_buf_printf(&b, " %s", c->commit);
	if (path)
		spiral_buf_printf(&b, ": %s", path);
	spiral_buf_puts(&b, ": ");
	va_start(ap, fmt);
	spiral_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = b.ptr ? spiral_strv_push(c->problems, b.ptr) : SPIRAL_ENOMEM;
	spiral_buf_free(&b);
	c->listed++;
	return rc < 0 ? spiral_error(SPIRAL_ENOMEM, "out of memory") : 0;
}

/* The entry at path in tree (NULL when absent); caller frees. */
static git_tree_entry *entry_at(git_tree *tree, const char *path)
{
	git_tree_entry *te = NULL;

	if (!tree || git_tree_entry_bypath(&te, tree, path) < 0) {
		git_error_clear();
		return NULL;
	}
	return te;
}

/* Whether some parent holds path with exactly this blob and mode. */
static int in_a_parent(check *c, const char *path, const git_oid *id,
		       unsigned mode, int *any)
{
	int same = 0;

	*any = 0;
	for (size_t k = 0; k < c->nparents && !same; k++) {
		git_tree_entry *te = entry_at(c->parents[k], path);
		if (!te)
			continue;
		*any = 1;
		same = git_oid_equal(git_tree_entry_id(te), id) &&
		       (unsigned)git_tree_entry_filemode(te) == mode;
		git_tree_entry_free(te);
	}
	return same;
}

/* spiral.ini's format in a blob, or 0 with a problem listed. */
static int blob_format(check *c, const git_oid *id, const char *where, int *format)
{
	git_blob *blob = NULL;
	record_problem pb;

	*format = 0;
	if (git_blob_lookup(&blob, c->git, id) < 0)
		return repo_git_fail("cannot read a pushed file");
	if (record_parse_repository(git_blob_rawcontent(blob),
				    (size_t)git_blob_rawsize(blob), format, &pb) < 0) {
		*format = 0;
		git_blob_free(blob);
		return problem(c, "spiral.ini", "%s does not parse (line %d: %s)",
			       where, pb.line, pb.message);
	}
	git_blob_free(blob);
	return 0;
}

static int check_spiral_ini(check *c, const git_oid *id)
{
	int format, before = 0, rc;

	if ((rc = blob_format(c, id, "the pushed file", &format)) < 0 || !format)
		return rc;
	if (format > SPIRAL_FORMAT)
		return problem(c, "spiral.ini",
			       "format %d is newer than this hub's spiral "
			       "understands (%d): upgrade spiral on the hub",
			       format, SPIRAL_FORMAT);
	for (size_t k = 0; k < c->nparents; k++) {
		git_tree_entry *te = entry_at(c->parents[k], "spiral.ini");
		if (!te)
			continue;
		rc = blob_format(c, git_tree_entry_id(te), "the hub's file", &before);
		git_tree_entry_free(te);
		if (rc < 0)
			return rc;
		if (before && before != format)
			return problem(c, "spiral.ini",
				       "changes the format from %d to %d (a hub "
				       "keeps one format)",
				       before, format);
	}
	return 0;
}

/* A file that no parent holds as is: an addition or a rewrite. */
static int check_file(check *c, const char *path, const git_oid *id,
		      unsigned mode)
{
	git_blob *blob = NULL;
	const char *why;
	int any, rc = 0;
	size_t size = 0, listed = c->listed;

	if (in_a_parent(c, path, id, mode, &any))
		return 0; /* taken as is from a parent (a merge) */
	if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
		if (git_blob_lookup(&blob, c->git, id) < 0)
			return repo_git_fail("cannot read a pushed file");
		size = (size_t)git_blob_rawsize(blob);
	}
	if ((why = validate_entry(path, mode, size))) {
		rc = problem(c, path, "%s", why);
		goto out;
	}
	if (strcmp(path, ".gitattributes") == 0) {
		spiral_buf mine = SPIRAL_BUF_INIT;
		if (spiral_gitattributes_serialize(&mine) < 0)
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		else if (mine.len != size ||
			 memcmp(mine.ptr, git_blob_rawcontent(blob), size) != 0)
			rc = problem(c, path, "not as spiral writes it");
		spiral_buf_free(&mine);
		goto out;
	}
	if (strcmp(path, "spiral.ini") == 0 &&
	    ((rc = check_spiral_ini(c, id)) < 0 || c->listed > listed))
		goto out;
	if (any && !c->allow_edits) {
		rc = problem(c, path,
			     "rewrites a file the hub has (records are only "
			     "ever added; a hub may allow hand edits: "
			     "spiral.allowEdits)");
		goto out;
	}
	if (strcmp(path, "spiral.ini") == 0)
		goto out;
	{
		/* The store's own reader, as a pull uses it. */
		size_t before = c->scratch.nproblems;
		if ((rc = spiral_store_add_file(&c->scratch, path,
						git_blob_rawcontent(blob), size)) < 0)
			goto out;
		if (c->scratch.nproblems > before) {
			const spiral_problem *pb = &c->scratch.problems[before];
			if (pb->line)
				rc = problem(c, path, "does not parse (line %d: %s)",
					     pb->line, pb->message);
			else
				rc = problem(c, path, "does not parse (%s)", pb->message);
			goto out;
		}
	}
	/* A record needs its inquiry beside it, in the same commit. */
	if (!strstr(path, "/inquiry.ini")) {
		spiral_buf inq = SPIRAL_BUF_INIT;
		git_tree_entry *te = NULL;
		/* validate_entry checked "inquiries/XX/<32 hex>/". */
		spiral_buf_printf(&inq, "%.*s/inquiry.ini", 13 + SPIRAL_ID_LEN, path);
		if (!inq.ptr)
			rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		else if (!(te = entry_at(c->tree, inq.ptr)))
			rc = problem(c, path,
				     "a record of an inquiry that has no inquiry.ini");
		git_tree_entry_free(te);
		spiral_buf_free(&inq);
	}
out:
	git_blob_free(blob);
	return rc;
}

static int diff_trees(check *c, git_tree *from, git_diff **out)
{
	git_diff_options opts;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	opts.ignore_submodules = GIT_SUBMODULE_IGNORE_NONE;
	if (git_diff_tree_to_tree(out, c->git, from, c->tree, &opts) < 0)
		return repo_git_fail("cannot compare the pushed trees");
	return 0;
}

static int check_commit(check *c, git_commit *commit)
{
	git_diff *diff = NULL;
	unsigned n = git_commit_parentcount(commit);
	int rc = 0;

	git_oid_tostr(c->commit, sizeof(c->commit), git_commit_id(commit));
	if (git_commit_tree(&c->tree, commit) < 0)
		return repo_git_fail("cannot read a pushed commit");
	if (n && !(c->parents = calloc(n, sizeof(*c->parents)))) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned k = 0; k < n; k++) {
		git_commit *p = NULL;
		if (git_commit_parent(&p, commit, k) < 0 ||
		    git_commit_tree(&c->parents[k], p) < 0) {
			git_commit_free(p);
			rc = repo_git_fail("cannot read a pushed commit's parent");
			goto out;
		}
		c->nparents++;
		git_commit_free(p);
	}
	/* Additions and rewrites against the first parent (or nothing);
	 * deletions against every parent. */
	for (size_t k = 0; rc == 0 && k < (n ? n : 1); k++) {
		if ((rc = diff_trees(c, n ? c->parents[k] : NULL, &diff)) < 0)
			break;
		for (size_t i = 0; rc == 0 && i < git_diff_num_deltas(diff); i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);
			switch (d->status) {
			case GIT_DELTA_DELETED:
				rc = problem(c, d->old_file.path,
					     "deleted (records are never removed)");
				break;
			case GIT_DELTA_ADDED:
			case GIT_DELTA_MODIFIED:
			case GIT_DELTA_TYPECHANGE:
				if (k == 0)
					rc = check_file(c, d->new_file.path,
							&d->new_file.id,
							d->new_file.mode);
				break;
			default:
				break;
			}
		}
		git_diff_free(diff);
		diff = NULL;
	}
out:
	git_tree_free(c->tree);
	c->tree = NULL;
	for (size_t k = 0; k < c->nparents; k++)
		git_tree_free(c->parents[k]);
	free(c->parents);
	c->parents = NULL;
	c->nparents = 0;
	spiral_store_free(&c->scratch);
	return rc;
}

/* The tip must be a spiral repository this hub reads. */
static int check_tip(check *c, git_commit *tip)
{
	git_tree_entry *te;
	int format = 0, rc;

	if (git_commit_tree(&c->tree, tip) < 0)
		return repo_git_fail("cannot read a pushed commit");
	te = entry_at(c->tree, "spiral.ini");
	git_tree_free(c->tree);
	c->tree = NULL;
	if (!te)
		return problem(c, NULL,
			       "not a spiral repository (no spiral.ini)");
	rc = blob_format(c, git_tree_entry_id(te), "the pushed file", &format);
	git_tree_entry_free(te);
	if (rc == 0 && format > SPIRAL_FORMAT)
		rc = problem(c, "spiral.ini",
			     "format %d is newer than this hub's spiral "
			     "understands (%d): upgrade spiral on the hub",
			     format, SPIRAL_FORMAT);
	return rc;
}

static int parse_oid(const char *hex, git_oid *out, int *zero)
{
	*zero = strcmp(hex, zero_oid) == 0;
	if (strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(out, hex) < 0) {
		git_error_clear();
		return spiral_error(SPIRAL_EUSAGE,
				    "'%.80s' is not a commit id (40 hex digits)", hex);
	}
	return 0;
}

int spiral_hub_check(spiral_hub *h, const char *old_hex, const char *new_hex,
		     const char *ref, int allow_edits, spiral_strv *problems)
{
	check c;
	git_oid old_id, new_id, id;
	git_commit *tip = NULL, *commit = NULL;
	git_revwalk *walk = NULL;
	int old_zero, new_zero, rc;

	memset(&c, 0, sizeof(c));
	c.git = h->git;
	c.ref = ref;
	c.allow_edits = allow_edits;
	c.problems = problems;
	if ((rc = parse_oid(old_hex, &old_id, &old_zero)) < 0 ||
	    (rc = parse_oid(new_hex, &new_id, &new_zero)) < 0)
		return rc;
	if (strncmp(ref, "refs/heads/", 11) != 0)
		return problem(&c, NULL,
			       "only branches (refs/heads/) are taken by this hub; "
			       "tags and other refs are refused");
	if (new_zero)
		return problem(&c, NULL,
			       "deleting a branch is refused (records are only "
			       "ever added)");
	if (git_commit_lookup(&tip, h->git, &new_id) < 0) {
		git_error_clear();
		return problem(&c, NULL, "%.8s is not a commit", new_hex);
	}
	if (!old_zero && !git_oid_equal(&old_id, &new_id) &&
	    git_graph_descendant_of(h->git, &new_id, &old_id) != 1) {
		git_error_clear();
		rc = problem(&c, NULL,
			     "not a fast-forward of %.8s: history is never "
			     "rewritten on this hub (pull, then push)",
			     old_hex);
		goto out;
	}
	if ((rc = check_tip(&c, tip)) < 0)
		goto out;
	/* The new commits: NEW's history that no branch of the hub holds. */
	if (git_revwalk_new(&walk, h->git) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, &new_id) < 0 ||
	    (!old_zero && git_revwalk_hide(walk, &old_id) < 0)) {
		rc = repo_git_fail("cannot walk the pushed commits");
		goto out;
	}
	if (git_revwalk_hide_glob(walk, "refs/heads/*") < 0)
		git_error_clear(); /* an empty hub has no branches */
	while (rc == 0 && git_revwalk_next(&id, walk) == 0) {
		if (git_commit_lookup(&commit, h->git, &id) < 0) {
			rc = repo_git_fail("cannot read a pushed commit");
			break;
		}
		rc = check_commit(&c, commit);
		git_commit_free(commit);
		commit = NULL;
	}
	git_error_clear();
	c.commit[0] = '\0';
	if (rc == 0 && c.listed > HUB_MAX_PROBLEMS) {
		size_t more = c.listed - HUB_MAX_PROBLEMS;
		c.listed = 0; /* room for the last line */
		rc = problem(&c, NULL, "%zu more problems not listed", more);
	}
out:
	git_revwalk_free(walk);
	git_commit_free(tip);
	return rc;
}

/* ---- installing the hook ------------------------------------------------ */

#define HOOK_MARK "# spiral verify-push: this hub takes only additions"

/* 'text' for sh, with ' as '\'' */
static void sh_quote(spiral_buf *b, const char *s)
{
	spiral_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			spiral_buf_puts(b, "'\\''");
		else
			spiral_buf_putc(b, *s);
	}
	spiral_buf_putc(b, '\'');
}

int spiral_hub_install(spiral_hub *h, const char *program, int allow_edits,
		       char **hook_path)
{
	spiral_buf path = SPIRAL_BUF_INIT, hook = SPIRAL_BUF_INIT;
	char *old = NULL;
	size_t oldlen;
	struct stat sb;
	int rc;

	*hook_path = NULL;
	spiral_buf_printf(&path, "%shooks", git_repository_path(h->git));
	if (path.ptr && mkdir(path.ptr, 0755) < 0 && errno != EEXIST) {
		rc = spiral_error(SPIRAL_ERROR, "cannot make %s: %s", path.ptr,
				  strerror(errno));
		goto out;
	}
	spiral_buf_puts(&path, "/pre-receive");
	spiral_buf_puts(&hook, "#!/bin/sh\n" HOOK_MARK "\n"
			       "# (spiral-verify-push(1)); written by spiral verify-push "
			       "--install.\nexec ");
	sh_quote(&hook, program);
	spiral_buf_puts(&hook, allow_edits ? " verify-push --allow-edits\n"
					   : " verify-push\n");
	if (!path.ptr || !hook.ptr) {
		rc = spiral_error(SPIRAL_ENOMEM, "out of memory");
		goto out;
	}
	/* Someone else's hook stays: a hub may have its own. */
	if (lstat(path.ptr, &sb) == 0) {
		rc = read_file_bounded(path.ptr, SPIRAL_MAX_FILE, &old, &oldlen);
		if (rc < 0 || !old || !strstr(old, HOOK_MARK)) {
			rc = spiral_error(SPIRAL_EEXISTS,
					  "%s exists and is not spiral's: move it "
					  "away first (or run both from one hook)",
					  path.ptr);
			goto out;
		}
	}
	if ((rc = write_atomic(path.ptr, path.ptr, hook.ptr, hook.len, 0755)) < 0)
		goto out;
	*hook_path = spiral_buf_detach(&path);
out:
	free(old);
	spiral_buf_free(&path);
	spiral_buf_free(&hook);
	return rc;
}
